"""Refusal on everyday documents (issue 19, item 6): cases written for the test, not taken from any eval set.

A plausible question about a detail the document leaves out is refused; a question the document answers is not,
even when it names the document in another script than the document's own.
"""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from bot.answering import unknown_names

DOCS = {
    "clinic_notice.md": (
        "# さくら通り内科クリニック 診療のご案内\n\n"
        "土曜日の診療は午前9時から午後1時までです。\n"
        "日曜日と祝日は休診です。\n"
        "初めて受診される方は保険証をお持ちください。\n"
        "インフルエンザの予防接種は10月1日から予約を受け付けます。\n"
    ),
    "potluck_chat.txt": (
        "[Sat 10:02] Dana: Potluck at my place on Sunday, it starts at 4pm!\n"
        "[Sat 10:05] Marcus: I'll come around 5 with a big salad.\n"
        "[Sat 10:07] Priya: I'm bringing lemon bars.\n"
        "[Sat 10:09] Dana: Street parking on Elm Street is free after 6.\n"
    ),
}


def test_a_name_the_document_writes_in_kanji_is_known():
    # the index holds さくら通り as Sudachi's 桜 + 通り (kanji, kana endings): read, they key as sakura + tori
    cat = SimpleNamespace(idf={"桜": 1.0, "通り": 1.0, "内科": 1.0, "土曜日": 1.0})
    assert unknown_names(cat, "Until what time is Sakura-dori Clinic open on Saturdays?") == []
    assert unknown_names(cat, "Is Zorblatt Clinic open on Sundays?") == ["Zorblatt Clinic"]


@pytest.fixture(scope="module")
def everyday_chatbot(tmp_path_factory):
    """A chatbot over a Japanese clinic notice and an English group chat."""
    from bot.chain import Chatbot
    from index.indexing import run_index
    from index.settings import Settings

    docs = tmp_path_factory.mktemp("everyday")
    for name, text in DOCS.items():
        (docs / name).write_text(text, encoding="utf-8")
    settings = Settings.load(env={}, index_dir=tmp_path_factory.mktemp("everyday-index"), docs=[docs])
    run_index(settings)
    return Chatbot(settings)


@pytest.mark.parametrize(
    "question, needle",
    [
        ("Until what time is Sakura-dori Clinic open on Saturdays?", "午後1時"),  # the street in Latin letters
        ("土曜日は何時まで診てもらえますか？", "午後1時"),
        ("What time does Dana's potluck start on Sunday?", "4pm"),
    ],
)
def test_a_question_the_document_answers_is_not_refused(everyday_chatbot, question, needle):
    result = everyday_chatbot.answer(question)
    assert not result.refused and needle in result.answer, result.answer


@pytest.mark.parametrize(
    "question",
    [
        "さくら通りクリニックの駐車場には何時間まで停められますか？",  # hours asked; the notice gives opening times only
        "How many minutes is the walk from the station to Sakura-dori Clinic?",
        "How many people are coming to Dana's potluck?",  # names in the chat, but no head count
        "다나네 포틀럭에는 모두 몇 명이 와?",
    ],
)
def test_a_plausible_question_about_a_detail_the_document_leaves_out_is_refused(everyday_chatbot, question):
    result = everyday_chatbot.answer(question)
    assert result.refused, result.answer
