"""index/lang: one module per language, asked by language; a language module is complete or the test says what it lacks."""
from __future__ import annotations

import re

import pytest

from index import lang
from index.lang import en, ja, joined, ko, rules, union

#: What every language module must define (index/lang/__init__.py reads them); docs/languages.md, "How to add a language".
REQUIRED = ("LANGUAGE_NAMES", "SENTENCE_SEPARATOR", "ANSWER_TYPES", "QUESTION_WORDS", "ANAPHORA", "HEADER_LABELS", "GREETINGS",
            "SIGN_OFFS", "CONTACT_LABELS", "ASKS_CONTACT", "ASKS_TITLE")


@pytest.mark.parametrize("code", lang.LANGUAGES)
def test_each_language_module_defines_what_the_pipeline_asks_for(code):
    module = {"en": en, "ko": ko, "ja": ja}[code]
    assert [name for name in REQUIRED if not hasattr(module, name)] == []
    assert set(module.LANGUAGE_NAMES) == set(lang.LANGUAGES)  # it can name every language the bot reads
    assert {kind for kind, _ in module.ANSWER_TYPES} <= {"date", "number", "person", "place", "article"}
    for _, pattern in module.ANSWER_TYPES:
        re.compile(pattern)


def test_rules_are_asked_by_language_and_unread_languages_get_english():
    assert rules("ko").code == "ko" and rules("ja").sentence_separator == "" and rules("en").sentence_separator == " "
    assert rules("other") is rules("en") and rules(None) is rules("en")
    assert rules("en").answer_types[0][1].flags & re.IGNORECASE  # English is matched ignoring case, ko/ja as written
    assert rules("ko").follow_up_max_chars == 8 and rules("en").follow_up_max_chars == 0 and rules("en").ellipsis is not None
    assert rules("en").footnote_marks is None and rules("ko").footnote_marks.search("번째1 적용")


def test_cross_language_joins_keep_every_language():
    greeting = re.compile(rf"^\s*(?:{joined('GREETINGS')})", re.IGNORECASE)
    assert all(greeting.match(t) for t in ("Dear team,", "안녕하세요 여러분", "お世話になっております"))
    assert not greeting.match("The meeting is on Friday.")
    assert {"tell", "언제", "何"} <= union("QUESTION_WORDS")


def test_month_and_weekday_names_are_written_once():
    """The answer types' dates, the names that are no one's and the month bridge all read en.MONTHS / en.WEEKDAYS."""
    from bot import questions
    from index import bridging

    assert "September" in en.NOT_NAMES and "Friday" in en.NOT_NAMES
    assert bridging.query_terms("February")[0].get("2") == "strong"  # Korean and Japanese write it 2월, 2月
    assert questions.carries("The vote is on Friday.", "date")
