"""Language rules as data: one module per language (en, ko, ja), and :func:`rules` to ask by language.

Pipeline code does not hold its own Korean, Japanese or English word lists; it asks ``rules(lang)`` for the
fields of :class:`LanguageRules`, or, for a table only one language has (the romaji of kana, the irregular
English verbs), imports that language's module. Tables that hold every language's forms at once (dates,
amounts, units) live in :mod:`index.lang.common`. Adding a language is one module holding the same names as
``en.py`` and one entry in ``_MODULES`` (see docs/languages.md).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from types import ModuleType

from index.lang import en, ja, ko

_MODULES: dict[str, ModuleType] = {"en": en, "ko": ko, "ja": ja}
#: The languages the pipeline reads, in the order cross-language patterns join them.
LANGUAGES = tuple(_MODULES)


@dataclass(frozen=True)
class LanguageRules:
    """What the pipeline needs to know of one language; patterns are compiled, English ones ignoring case."""

    code: str
    language_names: dict[str, str]  # the name of each language the pipeline reads, written in this one
    sentence_separator: str  # between two of its sentences joined for display ("" for Japanese)
    answer_types: tuple[tuple[str, re.Pattern], ...]  # (answer type, pattern), first match decides
    question_words: frozenset[str]  # tokens that say how a question asks, not what about
    anaphora: re.Pattern  # a word pointing back into the conversation
    ellipsis: re.Pattern | None  # an opening that continues the conversation ("and", "what about")
    follow_up_max_chars: int  # a question this short (or shorter) is a follow-up; 0: length says nothing
    predicate_end: re.Pattern | None  # a sentence ending in a predicate is a statement
    footnote_marks: re.Pattern | None  # footnote marks left in PDF text


def _compile(pattern: str | None, lang: str) -> re.Pattern | None:
    if pattern is None:
        return None
    return re.compile(pattern, re.IGNORECASE if lang == "en" else 0)


def rules(lang: str | None) -> LanguageRules:
    """The rules of ``lang``; English for a language the pipeline does not read (or None)."""
    return _rules(lang if lang in _MODULES else "en")


@lru_cache(maxsize=len(_MODULES))  # one per language module: keyed only by _MODULES' codes
def _rules(code: str) -> LanguageRules:
    m = _MODULES[code]
    return LanguageRules(
        code=code,
        language_names=m.LANGUAGE_NAMES,
        sentence_separator=m.SENTENCE_SEPARATOR,
        answer_types=tuple((kind, _compile(p, code)) for kind, p in m.ANSWER_TYPES),
        question_words=m.QUESTION_WORDS,
        anaphora=_compile(m.ANAPHORA, code),
        ellipsis=_compile(getattr(m, "ELLIPSIS", None), code),
        follow_up_max_chars=getattr(m, "FOLLOW_UP_MAX_CHARS", 0),
        predicate_end=re.compile(m.PREDICATE_END) if hasattr(m, "PREDICATE_END") else None,
        footnote_marks=re.compile(m.FOOTNOTE_MARKS) if hasattr(m, "FOOTNOTE_MARKS") else None,
    )


def joined(name: str, langs: tuple[str, ...] = LANGUAGES) -> str:
    """One alternation of every language's pattern ``name`` (e.g. the greetings of en, ko and ja), for text whose
    language does not decide what it may hold (a Korean e-mail may open "Dear ...")."""
    return "|".join(getattr(_MODULES[lang], name) for lang in langs if hasattr(_MODULES[lang], name))


def union(name: str, langs: tuple[str, ...] = LANGUAGES) -> frozenset[str]:
    """Every language's word set ``name`` in one set."""
    return frozenset().union(*(getattr(_MODULES[lang], name) for lang in langs if hasattr(_MODULES[lang], name)))
