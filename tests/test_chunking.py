"""Chunking: every sentence is a unit; passages group neighbouring sentences of one block."""
from __future__ import annotations

import pytest

from index.settings import SEEDS_DIR
from index.types import Document, Segment
from index.chunking import make_units
from index.loading import load_document
from index.segmenting import segment

SEEDS = sorted(SEEDS_DIR.glob("*.txt"))


def seg(start: int, text: str, block: int = 0, lang: str = "ko") -> Segment:
    return Segment(start=start, end=start + len(text), text=text, lang=lang, block=block)


DOC = Document(source="d.txt", path="d.txt", text="", encoding="utf-8", sha256="")


@pytest.fixture(scope="module")
def seed_units():
    out = []
    for path in SEEDS:
        doc = load_document(path)
        segments = segment(doc)
        out.append((doc, segments, *make_units(doc, segments)))
    return out


def test_units_and_passages_of_the_seeds_are_consistent(seed_units):
    for doc, segments, units, passages in seed_units:
        assert [u.id for u in units] == [f"{doc.source}#s{i}" for i in range(len(segments))]
        assert [p.id for p in passages] == [f"{doc.source}#p{j}" for j in range(len(passages))]
        by_id = {u.id: u for u in units}
        assert [uid for p in passages for uid in p.unit_ids] == [u.id for u in units]  # each unit once, in order
        for p in passages:
            members = [by_id[uid] for uid in p.unit_ids]
            assert all(u.passage_id == p.id for u in members)
            assert (p.start, p.end) == (members[0].start, members[-1].end)
            blocks = {segments[int(uid.rsplit("#s", 1)[1])].block for uid in p.unit_ids}
            assert len(blocks) == 1, p  # a passage never crosses a block
            assert len(p.text) <= 1.5 * 420 or len(p.unit_ids) == 1


def test_sentences_fill_passages_up_to_the_target_size():
    segments = [seg(i * 100, "가" * n) for i, n in enumerate([90, 90, 90, 90, 40])]
    _, passages = make_units(DOC, segments, passage_chars=200)
    assert [len(p.unit_ids) for p in passages] == [2, 3]  # the 40-char leftover joins its predecessor


def test_a_sentence_longer_than_the_target_stands_alone():
    segments = [seg(0, "짧은 문장이다."), seg(20, "긴" * 500), seg(600, "짧은 문장이다 둘.")]
    _, passages = make_units(DOC, segments, passage_chars=100)
    assert [len(p.unit_ids) for p in passages] == [1, 1, 1]


def test_passages_break_at_blocks_even_when_small():
    segments = [seg(0, "첫 문단이다.", block=0), seg(10, "둘째 문단이다.", block=1)]
    _, passages = make_units(DOC, segments)
    assert [p.text for p in passages] == ["첫 문단이다.", "둘째 문단이다."]


def test_passage_text_joins_japanese_without_spaces_and_takes_the_majority_language():
    segments = [seg(0, "日米同盟を強化する。", lang="ja"), seg(10, "防衛費を増額した。", lang="ja"), seg(20, "NATO.", lang="en")]
    _, passages = make_units(DOC, segments)
    assert passages[0].text == "日米同盟を強化する。防衛費を増額した。 NATO."
    assert passages[0].lang == "ja"


def test_passage_json_form_lists_its_units():
    units, passages = make_units(DOC, [seg(0, "문장이다.")])
    assert passages[0].to_dict()["unit_ids"] == ["d.txt#s0"]
    assert units[0].passage_id == "d.txt#p0"


def test_a_tables_rows_share_passages_with_its_caption_and_nothing_after_it():
    text = ("## 세대별 월 주차료\n\n| 차량 | 월 주차료 |\n|---|---|\n| 첫 번째 차량 | 무료 |\n| 두 번째 차량 | 20,000원 |\n"
            "방문 차량은 하루 네 시간까지 무료로 주차할 수 있습니다.\n")
    doc = Document(source="t.md", path="t.md", text=text, encoding="utf-8", sha256="")
    units, passages = make_units(doc, segment(doc))
    assert [p.text for p in passages] == [
        "세대별 월 주차료 세대별 월 주차료 | 차량: 첫 번째 차량 | 월 주차료: 무료 세대별 월 주차료 | 차량: 두 번째 차량 | 월 주차료: 20,000원",
        "방문 차량은 하루 네 시간까지 무료로 주차할 수 있습니다.",
    ]
