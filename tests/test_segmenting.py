"""Segmenting: sentences in Korean, Japanese and English, with spans that point back into the raw text."""
from __future__ import annotations

import pytest

from index.settings import SEEDS_DIR
from index.types import Document
from index.languages import detect_language
from index.cleaning import content_lines, has_footnotes
from index.loading import load_document
from index.segmenting import normalize, segment

SEEDS = sorted(SEEDS_DIR.glob("*.txt"))


def doc_of(text: str) -> Document:
    return Document(source="t.txt", path="t.txt", text=text, encoding="utf-8", sha256="")


def texts(text: str) -> list[str]:
    return [s.text for s in segment(doc_of(text))]


@pytest.fixture(scope="module")
def seeds() -> dict[str, tuple[Document, list]]:
    out = {}
    for path in SEEDS:
        doc = load_document(path)
        out[path.name[:3]] = (doc, segment(doc))
    return out


# --- the offsets invariant -----------------------------------------------------------------------

def test_every_segment_quotes_its_raw_span_and_spans_are_ordered(seeds):
    for name, (doc, segments) in seeds.items():
        assert segments, name
        notes = has_footnotes(doc, content_lines(doc))  # PDF text with footnotes (003): marks removed
        previous_end = 0
        for s in segments:
            raw = doc.text[s.start:s.end]
            assert raw == raw.strip() and raw, (name, s)
            assert normalize(raw, s.lang, footnotes=notes) == s.text, (name, s)
            assert s.start >= previous_end, (name, s)
            previous_end = s.end
        blocks = [s.block for s in segments]
        assert blocks == sorted(blocks)


def test_no_boilerplate_becomes_a_segment(seeds):
    for doc, segments in seeds.values():
        for s in segments:
            for phrase in ("URLをコピー", "広告が含まれています", "쿠키", "出典/画像元", "AI에 의해", "目次", "シェア"):
                assert phrase not in s.text, s


# --- the hard-wrapped PDF text of document 003 ---------------------------------------------------

def test_sentences_broken_across_pdf_lines_are_one_segment_spanning_the_line_breaks(seeds):
    doc, segments = seeds["003"]
    helmet = [s for s in segments if "이번 이시바 총리가 트럼프 대통령에게 선물한 황금 사무라이 투구는" in s.text]
    assert len(helmet) == 1
    assert helmet[0].text.startswith("또한, 아베 전 총리가 골프를")
    assert helmet[0].text.endswith("외교적 접근이었다.")
    assert "\n" in doc.text[helmet[0].start:helmet[0].end]


def test_footnote_numbers_are_removed_from_doc_003(seeds):
    _, segments = seeds["003"]
    joined = "\n".join(s.text for s in segments)
    for glued in ("번째1", "5조2", "했다.29", "평가했다. 6", "가능성31", "있는데,34", "고 27 발언", "(2.14-2.16) 7:"):
        assert glued not in joined
    for kept in ("두 번째 정상회담이었던", "미일안보조약 5조 적용,", "일반 국민들의 평가도", "1조 달러", "G20", "25%의 관세",
                 "트럼프 2.0 시대", "(2.14-2.16): 긍정 51%"):
        assert kept in joined
    assert any(s.text.startswith("이와 같은 연이은 한일, 미일") for s in segments)


def test_table_rows_of_a_pdf_are_not_glued_into_one_sentence(seeds):
    _, segments = seeds["003"]
    assert "센카쿠열도에 대한 미일안보조약 5조 적용 재확인" in [s.text for s in segments]


# --- normalize -----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "raw, expected",
    [
        ("두 번째1 \n\n정상회담이었던", "두 번째 정상회담이었던"),
        ("미일안보조약 5조2 적용,", "미일안보조약 5조 적용,"),
        ("논의하였다.29 이와 같은", "논의하였다. 이와 같은"),
        ("평가했다. 6 일반 \n\n국민들의", "평가했다. 일반 국민들의"),
        ("방문할 \n\n가능성31을 염두에", "방문할 가능성을 염두에"),
        ("<아사히신문>(2.15-2.16) 8: 긍정 50%", "<아사히신문>(2.15-2.16): 긍정 50%"),
        ("적극 고려하겠다”고 27 \n\n발언하는", "적극 고려하겠다”고 발언하는"),
        ("1 첫 번째 정상회담은 2월 4일", "첫 번째 정상회담은 2월 4일"),
        # real numbers stay
        ("2026년 1월 2일 약 25분간", "2026년 1월 2일 약 25분간"),
        ("1조 달러 투자, G20 장관급, 25% 관세, 5조 적용", "1조 달러 투자, G20 장관급, 25% 관세, 5조 적용"),
        ("(2.14-2.16) 긍정 50.1%, 민·관 1.5 track회의", "(2.14-2.16) 긍정 50.1%, 민·관 1.5 track회의"),
        ("제1야당인 입헌민주당, 제2기 트럼프 행정부, 코로나19 대응", "제1야당인 입헌민주당, 제2기 트럼프 행정부, 코로나19 대응"),
    ],
)
def test_normalize_korean_removes_footnote_marks_and_joins_lines(raw, expected):
    assert normalize(raw, "ko", footnotes=True) == expected


def test_normalize_japanese_joins_wrapped_lines_without_a_space_and_applies_nfkc():
    assert normalize("日米安全保障条約（主要規定の\n解説）を　確認", "ja") == "日米安全保障条約(主要規定の解説)を 確認"


def test_normalize_english_keeps_numbers():
    assert normalize("On Oct. 28 2025\n the U.S. paid 2.7 billion.", "en") == "On Oct. 28 2025 the U.S. paid 2.7 billion."


def test_normalize_reduces_markdown_links_and_bold_to_their_text():
    assert normalize("**중요**: [기사](https://example.com/a) 참조", "ko") == "중요: 기사 참조"


# --- splitting per language ----------------------------------------------------------------------

def test_english_abbreviations_initialisms_and_decimals_do_not_end_a_sentence():
    text = ("Mr. Trump met Japan's PM on Oct. 28 in Tokyo. U.S. Steel was No. 1 on the agenda. "
            "Growth was 2.7 percent. Dr. Smith agreed!\n")
    assert texts(text) == [
        "Mr. Trump met Japan's PM on Oct. 28 in Tokyo.",
        "U.S. Steel was No. 1 on the agenda.",
        "Growth was 2.7 percent.",
        "Dr. Smith agreed!",
    ]


def test_japanese_splits_on_sentence_marks_but_not_inside_quotes():
    text = "トランプ氏は「日本は我々を守らない。不公平だ！」と述べた。林官房長官は反論した？そうだ!\n"
    assert texts(text) == ["トランプ氏は「日本は我々を守らない。不公平だ!」と述べた。", "林官房長官は反論した?", "そうだ!"]  # NFKC: ！→!


def test_korean_is_split_by_kiwi_and_keeps_us_steel_inside_its_sentence():
    text = "일본제철의 U.S. Steel 매각 문제는 일단락되었다. 트럼프 2.0 시대가 열렸다. 회담은 성공적이었나요? 그렇다.\n"
    assert texts(text) == [
        "일본제철의 U.S. Steel 매각 문제는 일단락되었다.",
        "트럼프 2.0 시대가 열렸다.",
        "회담은 성공적이었나요?",
        "그렇다.",
    ]


def test_each_paragraph_of_a_mixed_document_gets_its_own_language(seeds):
    _, segments = seeds["001"]
    english = [s for s in segments if s.text.startswith("Japan's Prime Minister Sanae Takaichi")]
    assert english and english[0].lang == "en"
    assert "October 28, 2025" in english[0].text
    assert segments[0].lang == "ko"


def test_trivially_short_segments_are_dropped():
    assert texts("가\n\n...\n\n트럼프 대통령이 도착했다.\n") == ["트럼프 대통령이 도착했다."]


# --- language detection --------------------------------------------------------------------------

@pytest.mark.parametrize(
    "text, lang",
    [
        ("트럼프 대통령이 도쿄를 방문했다.", "ko"),
        ("일본제철의 U.S. Steel 매각 문제", "ko"),
        ("‘오모이야리(思いやり: 배려) 예산’을 늘렸다", "ko"),
        ("トランプ大統領が石破茂総理の提案を拒否した。", "ja"),
        ("日米安全保障条約", "ja"),  # Han without Hangul
        ("NATOへの言及", "ja"),
        ("Japan's Prime Minister met the U.S. President.", "en"),
        ("12345 !!!", "other"),
        ("", "other"),
    ],
)
def test_detect_language_from_scripts(text, lang):
    assert detect_language(text) == lang


# --- tables --------------------------------------------------------------------------------------

def test_a_long_table_does_not_make_the_prose_around_it_look_hard_wrapped():
    """Rows never end a sentence; counted as lines, a price list made its document look like PDF text and
    glued the notes under it (and the rows themselves) into one "sentence"."""
    rows = "".join(f"| 품목 {i} | {i},000원 | {i}일 |\n" for i in range(1, 9))
    text = ("# 요금 안내\n\n| 품목 | 요금 | 소요일 |\n|---|---|---|\n" + rows +
            "\n## 이용 안내\n- 맡기신 날로부터 3일 후에 찾아가실 수 있습니다\n- 열 점 이상 맡기시면 총액에서 할인해 드립니다\n")
    got = texts(text)
    assert "- 맡기신 날로부터 3일 후에 찾아가실 수 있습니다" in got
    assert "- 열 점 이상 맡기시면 총액에서 할인해 드립니다" in got
    assert "요금 안내 | 품목: 품목 3 | 요금: 3,000원 | 소요일: 3일" in got
