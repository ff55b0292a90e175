"""Cleaning: boilerplate never reaches the index, content and headings do, and blocks follow sections."""
from __future__ import annotations


import pytest

from index.settings import SEEDS_DIR
from index.types import Document
from index.cleaning import (
    BOILERPLATE_FILE, BULLET, content_lines, hard_wrapped, has_footnotes, is_heading, is_section_heading, load_rules, strip_bullet,
)
from index.loading import load_document

SEEDS = sorted(SEEDS_DIR.glob("*.txt"))
BOILERPLATE = [
    "URLをコピー", "広告が含まれています", "シェアしてね", "쿠키를 사용합니다", "개인정보 보호 정책", "出典/画像元",
    "さらに読む", "AI에 의해 생성된 이미지", "AI에 의해 보고됨", "公開日", "目次", "관련 기사", "https://",
]


def doc_of(text: str, source: str = "t.txt") -> Document:
    return Document(source=source, path=source, text=text, encoding="utf-8", sha256="")


def kept(doc: Document) -> list[str]:
    return [doc.text[s:e] for s, e, _ in content_lines(doc)]


@pytest.fixture(scope="module")
def seed_lines() -> dict[str, list[str]]:
    return {p.name[:3]: kept(load_document(p)) for p in SEEDS}


def test_no_boilerplate_line_survives_in_any_seed(seed_lines):
    for name, lines in seed_lines.items():
        for line in lines:
            for phrase in BOILERPLATE:
                assert phrase not in line, f"{name}: {line!r}"
    assert seed_lines["001"][-1].startswith("이재명 대통령이")  # cookie notice and its 거부 button are gone


def test_a_source_credit_glued_to_a_sentence_is_cut_and_the_sentence_kept(seed_lines):
    assert any(line.startswith("日本は、防衛費増額の方向性を示唆し") for line in seed_lines["004"])
    assert any(line.startswith("米国は、日米安全保障条約に基づく防衛義務") for line in seed_lines["004"])


def test_content_headings_and_check_mark_bullets_are_kept(seed_lines):
    assert "미일 관계의 중요성" in seed_lines["000"]
    assert "- 미일 관계의 진전과 그로 인한 지역안보의 변화." in seed_lines["000"]
    assert sum(line.startswith("✅") for line in seed_lines["004"]) == 9
    assert "1. 日米関係の構築急務" in seed_lines["002"]
    assert "Takaichi and Trump hold first summit in Tokyo" in seed_lines["001"]


def test_spans_are_trimmed_and_ordered():
    for path in SEEDS:
        doc = load_document(path)
        spans = content_lines(doc)
        assert spans == sorted(spans)
        for s, e, _ in spans:
            assert doc.text[s:e] == doc.text[s:e].strip() != ""


def test_url_only_repeated_and_short_ui_lines_are_dropped():
    text = (
        "정상회담 결과\n"
        "양국 정상은 동맹을 강화하기로 합의했다.\n"
        "https://example.com/news/123\n"
        "참고: https://example.com/a/very/long/path/to/the/article\n"
        "양국 정상은 동맹을 강화하기로 합의했다.\n"
        "Share\n"
        "확인\n"
    )
    assert kept(doc_of(text)) == ["정상회담 결과", "양국 정상은 동맹을 강화하기로 합의했다."]


def test_a_table_of_contents_goes_but_the_section_headings_after_it_stay():
    text = (
        "目次\n\n1. はじめに\n2. 日米関係\n3. まとめ\n\n"
        "1. はじめに\n\n本稿では日米関係の現状を整理する。\n"
    )
    assert kept(doc_of(text)) == ["1. はじめに", "本稿では日米関係の現状を整理する。"]


def test_a_heading_shares_a_block_with_its_paragraph_and_a_blank_line_ends_a_paragraph():
    text = "제목\n첫 문단의 첫 문장이다. 둘째 문장이다.\n\n둘째 문단이다.\n소제목\n셋째 문단이다.\n"
    blocks = [b for _, _, b in content_lines(doc_of(text))]
    assert blocks == [0, 0, 1, 2, 2]


def test_hard_wrapped_pdf_text_keeps_a_paragraph_in_one_block():
    doc = load_document(SEEDS_DIR / "003_ae09e089aea9dcdf.txt")
    spans = content_lines(doc)
    assert hard_wrapped(doc.text, spans)
    first_paragraph = [b for s, e, b in spans[:6]]
    assert first_paragraph == [0] * 6  # six wrapped lines, one paragraph
    assert spans[6][2] == 1
    assert not hard_wrapped(load_document(SEEDS_DIR / "000_1c43305ac6ad8588.txt").text,
                            content_lines(load_document(SEEDS_DIR / "000_1c43305ac6ad8588.txt")))


# --- list marks: one set for ingestion and the answerer (bot/questions.py uses index.cleaning's) ---

LIST_ITEMS = ["- 회비 인상", "– tariff talks", "· 일정 조정", "* agenda", "• 日米首脳会談", "・日米関係", "▪ 의제", "■ 일본의 대미외교",
              "□ 배경", "◆ 成果", "● 관세", "► next steps", "▶ 결과", "✓ done", "☑ 회비", "✅ 관세 인하", "💡 要点", "📌 공지",
              "🔹 議題", "※ 참고", "→ 결론", "① 관세", "⑫ 投資", "1. はじめに", "2) 예산", "(3) 회의록", "\uf0b7 PDF glyph"]


@pytest.mark.parametrize("line", LIST_ITEMS)
def test_every_list_mark_is_one_at_ingestion_and_for_the_answerer(line):
    from bot.questions import sentence_kind

    assert BULLET.match(line)
    assert sentence_kind(line) in ("bullet", "heading")  # a topic, not a statement, either way
    assert strip_bullet(line) and strip_bullet(line)[0] not in "-–·*•・▪■□◆◇●►▶✓☑✅①⑫(\uf0b7"


@pytest.mark.parametrize("line", [
    "2.5배 늘어난 투자가 발표되었다.", "25% 관세를 부과했다.", "2025年3月に会談した。", "12 月に再び会談する予定だ。",
    "3.5 percent of the budget went to defence.", "16 of them were built in Ohio.", "이시바 총리는 3일 방미했다.",
])
def test_ordinary_prose_opening_with_a_number_is_no_list_item(line):
    from bot.questions import sentence_kind

    assert not BULLET.match(line)
    assert sentence_kind(line) == "statement"


def test_a_marked_section_heading_is_a_heading_and_a_list_item_is_not():
    assert is_heading("1. はじめに") and is_section_heading("1. はじめに")
    assert is_heading("■ 초당적 공감대를 형성하고 있는 일본의 대미외교") and is_section_heading("■ 초당적 공감대")
    assert not is_heading("✅ 관세 인하") and not is_heading("☑ 회비 인상") and not is_heading("① 관세")
    assert is_heading("미일 관계의 중요성") and not is_section_heading("미일 관계의 중요성")


def test_the_rule_file_is_data_with_drop_cut_and_toc_rules(tmp_path):
    rules = load_rules(BOILERPLATE_FILE)
    assert rules.drop and rules.cut and rules.toc

    custom = tmp_path / "rules.txt"
    custom.write_text("# comment\nsponsored by\ncut ^\\[PR\\]\\s*\ntoc ^index$\n", encoding="utf-8")
    doc = doc_of("Index\n- first\n- second\nA section\n[PR] Real sentence here.\nThis post is sponsored by ACME.\n")
    spans = content_lines(doc, load_rules(custom))
    assert [doc.text[s:e] for s, e, _ in spans] == ["A section", "Real sentence here."]


# --- footnote marks: a rule for PDF text, never applied to ordinary prose -----------------------

PDF_WITH_FOOTNOTES = (
    "지난 2월 7일, 아시아 국가 중 처음이자, 트럼프 대통령 2기 행정부 출범 이후 두 번째1 \n\n"
    "정상회담이었던 이시바 총리와 트럼프 대통령의 미일정상회담이 성사되었다. 양국은 \n\n"
    "미일안보조약 5조2 적용을 재확인하였고, 일본은 1조 달러 투자를 약속하며 관세25를 \n\n"
    "피하려 했다. 일반 국민들의 평가도 긍정적이었으며 5 개국 정상이 이를 환영했다. \n\n\n"
    "1 첫 번째 정상회담은 2월 4일 베냐민 네타냐후 이스라엘 총리와 가졌다. \n\n"
    "2 미일 안보조약 5조는 미국의 대일 방위 의무를 규정하고 있다. \n"
)

ORDINARY_PROSE = {
    "ko": (
        "지난주 아이폰16을 샀다. 정부는 수입차에 관세25를 매기려다 철회했다.\n"
        "5 개국 정상이 서울에 모였다.\n"
        "헌법 제9조와 2025년 3월 25%의 관세, 사과 3개와 배 12개, 코로나19 이후 G7 정상회의.\n"
        "12 시간 동안 회의가 이어졌다.\n"
    ),
    "ja": (
        "5 か国の首脳が東京に集まった。\n"
        "第9条の改正と2025年3月の関税25%が議題になった。\n"
        "12 月に再び会談する予定だ。iPhone16を3台買った。\n"
    ),
    "en": (
        "5 countries signed the statement.\n"
        "Under Article 5, tariffs of 25% apply from 2025. Japan bought 3 ships and 12 jets.\n"
        "16 of them were built in Ohio.\n"
    ),
}
SURVIVORS = {
    "ko": ["아이폰16을", "관세25를", "5 개국 정상", "제9조", "2025년 3월 25%", "사과 3개", "배 12개", "코로나19", "G7", "12 시간"],
    "ja": ["5 か国", "第9条", "2025年3月", "25%", "12 月", "iPhone16", "3台"],
    "en": ["5 countries", "Article 5", "25%", "2025", "3 ships", "12 jets", "16 of them"],
}


def segment_texts(doc: Document) -> str:
    from index.segmenting import segment

    return "\n".join(s.text for s in segment(doc))


def test_only_the_seed_extracted_from_a_pdf_with_footnotes_gets_the_footnote_rules():
    found = {p.name[:3]: has_footnotes(doc, content_lines(doc)) for p in SEEDS for doc in [load_document(p)]}
    assert found == {"000": False, "001": False, "002": False, "003": True, "004": False}


@pytest.mark.parametrize("raw", ["아이폰16을 샀다.", "관세25를 매겼다.", "5 개국 정상", "트럼프 2기 행정부 출범 이후 두 번째로"])
def test_normalize_keeps_numbers_glued_to_korean_words_unless_told_the_text_has_footnotes(raw):
    from index.segmenting import normalize

    assert normalize(raw, "ko") == raw


@pytest.mark.parametrize("lang", ["ko", "ja", "en"])
def test_numbers_counters_years_articles_and_percentages_survive_in_ordinary_prose(lang):
    doc = doc_of(ORDINARY_PROSE[lang])
    assert not has_footnotes(doc, content_lines(doc))
    text = segment_texts(doc)
    for kept_text in SURVIVORS[lang]:
        assert kept_text in text, (kept_text, text)


def test_hard_wrapped_prose_without_a_footnote_list_keeps_its_numbers():
    doc = doc_of(PDF_WITH_FOOTNOTES.split("\n\n\n")[0] + "\n")  # the same wrapped text, no footnotes below it
    assert hard_wrapped(doc.text, content_lines(doc)) and not has_footnotes(doc, content_lines(doc))
    text = segment_texts(doc)
    for kept_text in ("두 번째1", "5조2 적용", "관세25를", "5 개국 정상"):
        assert kept_text in text


@pytest.mark.parametrize("encoding", ["utf-8", "pdf"])
def test_pdf_text_with_footnotes_loses_its_marks_and_keeps_its_numbers_and_offsets(encoding):
    from index.segmenting import normalize, segment

    doc = Document(source="t.pdf", path="t.pdf", text=PDF_WITH_FOOTNOTES, encoding=encoding, sha256="")
    assert has_footnotes(doc, content_lines(doc))
    segments = segment(doc)
    text = "\n".join(s.text for s in segments)
    assert "두 번째 정상회담이었던" in text and "5조 적용을" in text and "번째1" not in text
    for kept_text in ("2월 7일", "2기 행정부", "1조 달러", "2월 4일", "5조는"):
        assert kept_text in text
    for s in segments:
        raw = doc.text[s.start:s.end]
        assert raw == raw.strip() and normalize(raw, s.lang, footnotes=True) == s.text
