"""Cleaning: boilerplate never reaches the index, content and headings do, and blocks follow sections."""
from __future__ import annotations


import pytest

from bot.settings import SEEDS_DIR
from bot.types import Document
from index.cleaning import BOILERPLATE_FILE, content_lines, hard_wrapped, load_rules
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


def test_the_rule_file_is_data_with_drop_cut_and_toc_rules(tmp_path):
    rules = load_rules(BOILERPLATE_FILE)
    assert rules.drop and rules.cut and rules.toc

    custom = tmp_path / "rules.txt"
    custom.write_text("# comment\nsponsored by\ncut ^\\[PR\\]\\s*\ntoc ^index$\n", encoding="utf-8")
    doc = doc_of("Index\n- first\n- second\nA section\n[PR] Real sentence here.\nThis post is sponsored by ACME.\n")
    spans = content_lines(doc, load_rules(custom))
    assert [doc.text[s:e] for s, e, _ in spans] == ["A section", "Real sentence here."]
