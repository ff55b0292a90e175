"""Issue 19, items 4 and 5: the question's names pick the document (not its language), and a document's frame (its
title, an e-mail's header lines, greetings, sign-offs, contact lines) answers only when the question asks for it.
Cases written for these tests, in English, Korean and Japanese."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from bot.questions import frame_kind
from index.retrieving import document_scores
from index.settings import RetrievalWeights


@pytest.mark.parametrize(
    "text, first, kind",
    [
        ("Riverside Bakery: Price List 2026", True, "title"),
        ("Subject: Your booking at the Old Mill, Saturday 14 June", False, "title"),
        ("Dear Ms Carter,", False, "greeting"),
        ("Kind regards, Tom", False, "greeting"),
        ("Questions? Email bookings@oldmill.co.uk or phone 01632 960 123.", False, "contact"),
        ("(주)한빛상사 출장비 규정", True, "title"),
        ("제목: [회신] 봄 야유회 도시락 견적", False, "title"),
        ("안녕하세요, 총무팀 김민지입니다.", False, "greeting"),
        ("감사합니다.", False, "greeting"),
        ("문의: 관리사무소 (전화 02-123-4567)", False, "contact"),
        ("さくら町内会 防災訓練のお知らせ", True, "title"),
        ("件名：見積もりのご送付", False, "title"),
        ("いつもお世話になっております。", False, "greeting"),
        ("よろしくお願いいたします。", False, "greeting"),
        ("お問い合わせは事務局（電話 03-1234-5678）まで。", False, "contact"),
    ],
)
def test_a_documents_frame_is_no_answer_to_a_question_about_its_content(text, first, kind):
    assert frame_kind(text, first, "How much is the deposit?") == kind
    assert frame_kind(text, first, "보증금은 얼마예요?") == kind
    assert frame_kind(text, first, "保証金はいくらですか？") == kind


@pytest.mark.parametrize(
    "text, first",
    [
        ("The deposit of £200 is due by Monday 2 June.", True),
        ("보증금 20만 원은 6월 2일까지 입금해 주세요.", True),
        ("保証金2万円は6月2日までにお振り込みください。", True),
        ("Parking costs £240 a year from 1 April.", False),
    ],
)
def test_a_sentence_that_states_something_is_no_frame(text, first):
    assert frame_kind(text, first, "How much is the deposit?") is None


@pytest.mark.parametrize(
    "question",
    ["Who do I contact about the booking?", "예약 문의는 어디로 연락하면 돼요?", "予約の問い合わせ先は？"],
)
def test_a_contact_line_answers_a_question_that_asks_whom_to_contact(question):
    for line in ("Questions? Email bookings@oldmill.co.uk or phone 01632 960 123.", "문의: 관리사무소 (전화 02-123-4567)",
                 "お問い合わせは事務局（電話 03-1234-5678）まで。"):
        assert frame_kind(line, False, question) is None


@pytest.mark.parametrize("question", ["What is the subject line of the e-mail?", "메일 제목이 뭐였지?", "メールの件名は何でしたか？"])
def test_a_title_answers_a_question_that_asks_for_it(question):
    assert frame_kind("Subject: Your booking at the Old Mill", False, question) is None
    assert frame_kind("제목: [회신] 봄 야유회 도시락 견적", False, question) is None


def _catalog(units: list[tuple[int, set[str]]]):
    """A catalog of units (document number, tokens) with the postings and idf document_scores reads."""
    postings: dict[str, list[int]] = {}
    for row, (_, tokens) in enumerate(units):
        for t in tokens:
            postings.setdefault(t, []).append(row)
    return SimpleNamespace(idf={t: 1.0 for t in postings}, postings={t: np.array(r) for t, r in postings.items()})


@pytest.mark.parametrize("lang", ["en", "ko", "ja"])
def test_the_document_a_question_names_outranks_documents_in_the_questions_language(lang):
    # document 0 (English) holds the name in its title only; documents 1-3 are in the question's language and share
    # its everyday words ("parking", "fee") in every sentence
    everyday = {"en": "parking", "ko": "주차", "ja": "駐車"}[lang]
    fee = {"en": "fee", "ko": "요금", "ja": "料金"}[lang]
    units = [(0, {"harbourview", "~hapapyu"}), (0, {"parking", "240"}), (1, {everyday, fee}), (2, {everyday, fee}),
             (3, {everyday}), (3, {fee})]
    cat = _catalog(units)
    name = {"en": "harbourview", "ko": "하버뷰", "ja": "ハーバービュー"}[lang]
    terms = [{"": lang, name: "exact", "~hapapyu": "name"}, {"": lang, everyday: "exact", "parking": "reverse"}, {"": lang, fee: "exact"}]
    docs = np.array([d for d, _ in units])
    score = document_scores(cat, terms, RetrievalWeights(), docs)
    assert score[1] == score[0]  # every unit of a document gets its document's score
    assert score[1] > max(score[2:]), score


def test_a_word_every_document_holds_weighs_little_and_no_terms_score_nothing():
    units = [(0, {"common", "rare"}), (1, {"common"}), (2, {"common"})]
    cat, docs = _catalog(units), np.array([0, 1, 2])
    only_common = document_scores(cat, [{"": "en", "common": "exact"}], RetrievalWeights(), docs)
    assert np.allclose(only_common, only_common[0])  # a word everywhere tells no document from another
    both = document_scores(cat, [{"": "en", "common": "exact"}, {"": "en", "rare": "exact"}], RetrievalWeights(), docs)
    assert both[0] > both[1] == both[2]
    assert not document_scores(cat, [], RetrievalWeights(), docs).any()


def test_a_name_spelled_in_another_script_than_the_documents_is_known():
    # the index's own words, Hangul, kana and Latin, none of them tagged a proper noun
    from bot.answering import unknown_names

    cat = SimpleNamespace(idf={"하늘채": 1.0, "누리페이": 1.0, "greenfield": 1.0, "주차": 1.0, "parking": 1.0})
    assert unknown_names(cat, "When does Haneulchae open the gym?") == []
    assert unknown_names(cat, "Who fixes the Nuripay bug?") == []
    assert unknown_names(cat, "グリーンフィールドの申込書はどこに出しますか？") == []
    assert unknown_names(cat, "Does Zorblatt open on Sunday?") == ["Zorblatt"]
