"""The question's language must not pick the sentence (issue 19, item 4): ``AnswerWeights.other_language_bonus``.

Two everyday dev documents (eval/everyday/docs/) and a dev question: a Japanese question about a Korean group chat's
check-out time, beside a Japanese itinerary that has a check-out time of its own. Every part of a sentence's score
favours the question's language, so without the bonus the itinerary's row was quoted.
"""
from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "eval" / "everyday" / "docs"
QUESTION = "ドユンたちが泊まるカピョンのペンション、チェックアウトは何時？"  # everyday dev, ja-kogapyeong-checkout-01


@pytest.fixture(scope="module")
def two_documents(tmp_path_factory):
    from index.indexing import run_index
    from index.settings import Settings

    docs = tmp_path_factory.mktemp("two-docs")
    for name in ("ko_chat_gapyeong.txt", "ja_itinerary_kanazawa.md"):
        shutil.copy(DOCS / name, docs / name)
    settings = Settings.load(env={}, index_dir=tmp_path_factory.mktemp("two-docs-index"), docs=[docs])
    run_index(settings)
    return settings


def test_the_other_language_document_that_answers_is_quoted(two_documents):
    from bot.chain import Chatbot

    result = Chatbot(two_documents).answer(QUESTION)
    assert not result.refused
    assert "오전 11시" in result.answer and "8:30" not in result.answer
    assert result.citations[0].source == "ko_chat_gapyeong.txt"


def test_the_bonus_changes_what_is_quoted_not_whether_to_refuse(two_documents):
    from bot.answering import ExtractiveAnswerer
    from index.retrieving import Index

    index = Index.open(two_documents)
    retrieved = index.search(QUESTION)
    weights = two_documents.answering
    assert weights.other_language_bonus > 0
    with_bonus = ExtractiveAnswerer(index, weights).answer(QUESTION, "ja", retrieved)
    without = ExtractiveAnswerer(index, dataclasses.replace(weights, other_language_bonus=0.0)).answer(QUESTION, "ja", retrieved)
    assert with_bonus.evidence_score == pytest.approx(without.evidence_score)
    assert with_bonus.text != without.text  # the bonus decides this question's quote
