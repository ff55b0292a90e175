"""Prompts and user-facing canned messages are files in ``prompts/``, loaded by name."""
from __future__ import annotations

from functools import lru_cache

from bot.settings import PROMPTS_DIR

LANGUAGE_NAMES = {"en": "English", "ko": "Korean", "ja": "Japanese"}


@lru_cache(maxsize=None)
def load(name: str) -> str:
    """The text of ``prompts/<name>.txt`` (without its trailing newline)."""
    path = PROMPTS_DIR / f"{name}.txt"
    if not path.exists():
        raise FileNotFoundError(f"missing prompt file {path}")
    return path.read_text(encoding="utf-8").rstrip("\n")


def localized(name: str, lang: str) -> str:
    """``<name>_<lang>.txt``, falling back to English for languages without their own file."""
    try:
        return load(f"{name}_{lang}")
    except FileNotFoundError:
        return load(f"{name}_en")


def language_name(lang: str) -> str:
    return LANGUAGE_NAMES.get(lang, "the language of the question")
