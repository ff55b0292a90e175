"""Tables as data: a row is one unit that carries its caption and column headers, quoted by its exact span.

The documents here were written for these tests (a Korean apartment notice, a Japanese drill notice, an
English camp e-mail and a club handbook); none comes from an evaluation set.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from bot.questions import carries, sentence_kind
from index.chunking import make_units
from index.cleaning import content_lines
try:
    from index.cleaning import find_tables, is_row_text, row_text
except ImportError:
    find_tables = lambda text: ()
    is_row_text = lambda text: False
    row_text = lambda c, h, v: " | ".join([c, *(f"{a}: {b}" for a, b in zip(h, v))])
from index.loading import load_document
from index.segmenting import normalize, segment
from index.settings import PROJECT_ROOT, Settings
from index.types import Document

KO_NOTICE = """# 솔빛마을 아파트 관리사무소 안내

## 세대별 월 주차료

| 차량 | 월 주차료 | 부과 방법 |
|:-----|------:|:------:|
| 첫 번째 차량 | 무료 | 없음 |
| 두 번째 차량 | 20,000원 | 관리비에 합산 |
| 세 번째 차량 | 50,000원 | 관리비에 합산 |

방문 차량은 하루 네 시간까지 무료로 주차할 수 있습니다. 경비실에서 방문증을 받아 주세요.

## 분리수거 요일

| 품목 | 요일 | 장소 |
|---|---|---|
| 플라스틱 | 화요일 | 101동 옆 수거장 |
| 종이류 | 목요일 | 관리동 뒤 |
"""

JA_DRILL = """# さくら町内会 防災訓練のお知らせ

今年も秋の防災訓練を行います。雨天の場合は翌週に延期します。

### 当日の流れ

時刻 | 内容 | 場所
:--- | :--- | ---:
9:00 | 集合・点呼 | 第一公園
9:30 | 消火器の使い方訓練 | 公民館前の広場
10:30 | 炊き出し体験 | 公民館の調理室

持ち物は軍手と飲み物です。
"""

EN_CAMP = """Subject: Riverside summer camp

Hi everyone,

Here is what the riverside summer camp offers this year. Please pay the full amount by 30 June.

Camp prices:
Activity\tDays\tPrice per child
Kayaking\tMonday and Wednesday\t£45
Rock climbing\tTuesday and Thursday\t£60
Archery\tFriday\t£35

Lunch is not included, so please pack one.

Thanks,
Dana
"""

EN_CLUB = """# Riverside Tennis Club handbook

## Membership fees

|  | Adult | Junior |
|---|---|---|
| Annual | £240 | £90 |
| Monthly | £22 | £9 |

## Court rules
- Booking:
  Court | Opens | Closes
  Court 1 | 7:00 am | 10:00 pm
  Court 2 | 8:00 am | 9:00 pm
- Wear non-marking shoes on all courts.
"""

FILES = {"ko_notice.md": KO_NOTICE, "ja_drill.md": JA_DRILL, "en_camp.txt": EN_CAMP, "en_club.md": EN_CLUB}


def doc_of(text: str, source: str = "t.md") -> Document:
    return Document(source=source, path=source, text=text, encoding="utf-8", sha256="")


def rows_of(text: str) -> dict[str, str]:
    """Each table row's raw line -> its unit text."""
    doc = doc_of(text)
    starts = {r.start for t in find_tables(text) for r in t.rows}
    return {text[s.start:s.end]: s.text for s in segment(doc) if s.start in starts}


# --- a row is one unit with its caption and headers; its span is the row's line ---------------------

def test_markdown_row_carries_caption_and_headers_korean():
    rows = rows_of(KO_NOTICE)
    assert rows["| 세 번째 차량 | 50,000원 | 관리비에 합산 |"] == "세대별 월 주차료 | 차량: 세 번째 차량 | 월 주차료: 50,000원 | 부과 방법: 관리비에 합산"
    assert rows["| 종이류 | 목요일 | 관리동 뒤 |"] == "분리수거 요일 | 품목: 종이류 | 요일: 목요일 | 장소: 관리동 뒤"  # its own heading
    assert len(rows) == 5


def test_pipe_table_without_outer_pipes_and_with_alignment_colons_japanese():
    rows = rows_of(JA_DRILL)
    assert rows["9:30 | 消火器の使い方訓練 | 公民館前の広場"] == "当日の流れ | 時刻: 9:30 | 内容: 消火器の使い方訓練 | 場所: 公民館前の広場"
    assert len(rows) == 3


def test_tab_separated_lines_in_a_text_file_english():
    rows = rows_of(EN_CAMP)
    assert rows["Rock climbing\tTuesday and Thursday\t£60"] == \
        "Camp prices | Activity: Rock climbing | Days: Tuesday and Thursday | Price per child: £60"
    assert len(rows) == 3


def test_row_label_column_and_a_plain_pipe_table_inside_a_list():
    rows = rows_of(EN_CLUB)
    assert rows["| Annual | £240 | £90 |"] == "Membership fees | Annual | Adult: £240 | Junior: £90"  # no header over the labels
    assert rows["Court 2 | 8:00 am | 9:00 pm"] == "Booking | Court: Court 2 | Opens: 8:00 am | Closes: 9:00 pm"
    assert len(rows) == 4


@pytest.mark.parametrize("source", sorted(FILES))
def test_header_and_separator_lines_are_not_units_and_every_span_is_exact(source):
    text = FILES[source]
    doc = doc_of(text, source)
    segments = segment(doc)
    for s in segments:
        raw = text[s.start:s.end]
        assert raw and raw == raw.strip() and "\n" not in raw, s  # one line each: rows are never glued
    quoted = {text[s.start:s.end] for s in segments}
    for header in ("| 차량 | 월 주차료 | 부과 방법 |", "|:-----|------:|:------:|", "時刻 | 内容 | 場所", ":--- | :--- | ---:",
                   "Activity\tDays\tPrice per child", "|  | Adult | Junior |", "|---|---|---|", "Court | Opens | Closes"):
        assert header not in quoted
    lines = {text[s:e] for s, e, _ in content_lines(doc)}
    assert not any(set(line) <= set("|-: ") for line in lines)


def test_a_table_is_a_block_of_its_own_under_its_caption():
    doc = doc_of(KO_NOTICE)
    segments = segment(doc)
    block = {doc.text[s.start:s.end]: s.block for s in segments}
    assert block["세대별 월 주차료"] == block["| 첫 번째 차량 | 무료 | 없음 |"] == block["| 세 번째 차량 | 50,000원 | 관리비에 합산 |"]
    assert block["방문 차량은 하루 네 시간까지 무료로 주차할 수 있습니다."] != block["| 세 번째 차량 | 50,000원 | 관리비에 합산 |"]
    _, passages = make_units(doc, segments)  # the passage an LLM reads holds the rows with their headers
    assert any("세대별 월 주차료 | 차량: 세 번째 차량 | 월 주차료: 50,000원" in p.text for p in passages)


# --- the answerer sees a row as a table row whose cells are the answer ------------------------------

@pytest.mark.parametrize("text", [
    "세대별 월 주차료 | 차량: 세 번째 차량 | 월 주차료: 50,000원 | 부과 방법: 관리비에 합산",
    "当日の流れ | 時刻: 9:30 | 内容: 消火器の使い方訓練 | 場所: 公民館前の広場",
    "Activity: Archery | Price per child: £35",
])
def test_a_header_qualified_row_is_a_table_row(text):
    assert is_row_text(text)
    assert sentence_kind(text) == "table"


def test_cells_count_for_answer_types_and_column_names_do_not():
    assert carries("세대별 월 주차료 | 차량: 세 번째 차량 | 월 주차료: 50,000원", "number", "세 번째 차는 주차료가 얼마예요?")
    assert carries("当日の流れ | 時刻: 9:30 | 内容: 消火器の使い方訓練", "date", "消火器の訓練は何時から？")
    header_year = row_text("Club fees", ("Item", "2025"), ("Parking", "free"))
    assert header_year == "Club fees | Item: Parking | 2025: free"
    assert not carries(header_year, "number", "How much is parking?")  # 2025 names a column, it is no amount
    assert not carries(header_year, "date", "When is parking free?")


# --- what is not a table stays as it was -------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Hannah Whitlock | Events Coordinator\nTel 01223 555 0187 | Mobile 07700 900 418\n",  # a signature, two pipe lines
    "문서번호: HR-2025-04 | 시행일: 2025년 5월 1일 | 주관: 인사총무팀\n\n재택근무는 주 2회까지 가능합니다.\n",
    "회의 일정 | 주요 안건 | 기대 성과 |\n2025년 5월 | 예산 | 합의 |\n다음 회의는 6월에 열린다.\n",  # two lines, not fenced by pipes
    "集合場所は駅前です。\n\n---\n\n解散は正午の予定です。\n",  # a horizontal rule
    "Name:\tDana Reyes\n\nShe will bring the kayaks on Monday.\n",  # one tab line
])
def test_prose_with_pipes_tabs_or_rules_is_not_a_table(text):
    assert find_tables(text) == ()
    for s in segment(doc_of(text)):  # nothing rewritten as "header: cell"
        assert s.text == normalize(text[s.start:s.end], s.lang), s


def test_seeds_userdocs_and_prose_documents_segment_exactly_as_before():
    """Units, offsets, languages and passages of every document without a table, pinned before tables
    were read (tests/data/prose_units.json: start, end, passage number, language, hash of the text)."""
    pinned = json.loads((Path(__file__).parent / "data" / "prose_units.json").read_text(encoding="utf-8"))
    assert sum(k.startswith("seeds/") for k in pinned) == 5 and sum(k.startswith("eval/userdocs/") for k in pinned) >= 12
    for name, expected in pinned.items():
        doc = load_document(PROJECT_ROOT / name)
        assert find_tables(doc.text) == (), name
        units, passages = make_units(doc, segment(doc))
        number = {p.id: j for j, p in enumerate(passages)}
        got = [[u.start, u.end, number[u.passage_id], u.lang, hashlib.sha1(u.text.encode()).hexdigest()[:10]] for u in units]
        for i, (g, e) in enumerate(zip(got, expected)):
            assert g == e, (name, i, doc.text[g[0]:g[1]], units[i].text)
        assert len(got) == len(expected), name


# --- through the real chain: the row that holds the cell answers, with its header --------------------

@pytest.fixture(scope="module")
def table_bot(tmp_path_factory):
    from bot.chain import Chatbot
    from index.indexing import run_index

    docs = tmp_path_factory.mktemp("table-docs")
    for name, text in FILES.items():
        (docs / name).write_text(text, encoding="utf-8")
    settings = Settings.load(env={}, index_dir=tmp_path_factory.mktemp("table-index"), docs=[docs])
    run_index(settings)
    return Chatbot(settings), docs


@pytest.mark.parametrize("question, source, row, shown", [
    ("세 번째 차는 한 달 주차료가 얼마예요?", "ko_notice.md", "| 세 번째 차량 | 50,000원 | 관리비에 합산 |", "월 주차료: 50,000원"),
    ("종이류는 무슨 요일에 내놓아요?", "ko_notice.md", "| 종이류 | 목요일 | 관리동 뒤 |", "요일: 목요일"),
    ("消火器の訓練は何時から始まりますか？", "ja_drill.md", "9:30 | 消火器の使い方訓練 | 公民館前の広場", "時刻: 9:30"),
    ("How much does rock climbing cost per child?", "en_camp.txt", "Rock climbing\tTuesday and Thursday\t£60", "Price per child: £60"),
    ("What time does Court 2 close?", "en_club.md", "Court 2 | 8:00 am | 9:00 pm", "Closes: 9:00 pm"),
])
def test_a_question_about_one_rows_cell_is_answered_with_that_row_and_its_header(table_bot, question, source, row, shown):
    bot, docs = table_bot
    result = bot.answer(question)
    assert not result.refused, result.answer
    first = result.citations[0]
    text = (docs / source).read_text(encoding="utf-8")
    assert first.source == source and first.quote == row, (result.answer, first.quote)  # the row, not its neighbour
    assert text[first.start:first.end] == first.quote  # the exact file span
    assert shown in first.text and shown in result.answer  # shown with its column name
