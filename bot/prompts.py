"""Prompts and user-facing canned messages are files in ``prompts/``, loaded by name.

The folder ships inside the package as ``bot.prompt_files`` (pyproject's package-dir), so a wheel
install reads the same files as a checkout, through importlib.resources.
"""
from __future__ import annotations

from functools import lru_cache
from importlib.resources import files

from index.lang import en, rules

LANGUAGE_NAMES = en.LANGUAGE_NAMES


@lru_cache(maxsize=None)
def load(name: str) -> str:
    """The text of ``prompts/<name>.txt`` (without its trailing newline)."""
    path = files("bot.prompt_files") / f"{name}.txt"
    if not path.is_file():
        raise FileNotFoundError(f"missing prompt file {name}.txt in bot.prompt_files (prompts/)")
    return path.read_text(encoding="utf-8").rstrip("\n")


def localized(name: str, lang: str) -> str:
    """``<name>_<lang>.txt``, falling back to English for languages without their own file."""
    try:
        return load(f"{name}_{lang}")
    except FileNotFoundError:
        return load(f"{name}_en")


def language_name(lang: str, in_lang: str = "en") -> str:
    """``lang``'s name written in ``in_lang`` ("Korean", "한국어", "韓国語")."""
    return rules(in_lang).language_names.get(lang, "the language of the question")


def quoted_note(quoted: str, asker: str, in_lang: str) -> str:
    """The line under an answer quoted from a ``quoted``-language source, for an ``asker``-language question, in ``in_lang``."""
    return localized("quoted_note", in_lang).format(language=language_name(quoted, in_lang), asker=language_name(asker, in_lang))
