"""Split a document's content into sentences whose spans point back into the raw text.

Sentences are the units that retrieval matches and citations quote. A PDF extraction breaks lines in
mid-sentence and glues footnote numbers to words; both are repaired here without losing the offsets:
a sentence's ``[start, end)`` covers the raw text (line breaks, footnote marks and all), while its
``text`` is :func:`normalize` of that span, the form that is embedded, keyword-indexed and displayed.

Footnote marks are removed only from documents that :func:`index.cleaning.has_footnotes` calls PDF
text with footnotes: elsewhere "아이폰16을" or a line starting "5 개국" is real text, and numbers are
answers. Hard wrapping is detected per document (most long lines stop mid-sentence): then a line that
reaches the usual line width and does not end a sentence continues on the next line. Korean is split by
kiwipiepy (loaded once, on first use), Japanese on 。！？ outside 「」 quotes, English on .!? with the
usual abbreviations (U.S., Oct., Mr., No. 1, 2.7) protected. Each run of lines picks its splitter by
its own script, so mixed-language documents work.

A table row (:func:`index.cleaning.find_tables`) is one segment whatever its punctuation: its span is the
row's line, its ``text`` the row with its caption and column names ("요금표 | 품목: 코트 | 요금: 14,000원"),
so that a question about one row's cell meets that row and the answer reads with its header.
"""
from __future__ import annotations

import re
import statistics
import unicodedata

from index.types import Document, Segment
from index.cleaning import (
    GLYPH_BULLET, SENTENCE_END, Table, TableRow, content_lines, find_tables, hard_wrapped, has_footnotes, is_section_heading, row_text,
)
from index.lang import en, ja, rules
from index.languages import detect_language, script_counts
from index.tokenizing import kiwi

MAX_SENTENCE_CHARS = 1500  # a "sentence" longer than this (a table, a list without punctuation) is cut at a space
WRAP_FRACTION = 0.75  # a line at least this share of the median line width may be wrapped

_CJK = r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f、。「」『』（）！？"
_JA_LINE_JOIN = re.compile(rf"(?<=[{_CJK}])[ \t\u3000]*\n\s*(?=[{_CJK}])")
_MD_LINK = re.compile(r"\[([^\]\n]+)\]\((?:https?://|/|#)[^)\s]*\)")
_MD_BOLD = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_SPACES = re.compile(r"\s+")
_MEANINGFUL = re.compile(r"\w")


def footnote_marks(text: str, lang: str) -> list[tuple[int, int]]:
    """Spans of ``text`` that are footnote marks (Korean rules; only line-start marks for Japanese)."""
    pattern = rules(lang).footnote_marks
    if pattern is None:
        return []
    return [m.span() for m in pattern.finditer(text) if m.end() > m.start()]


def normalize(raw: str, lang: str, *, footnotes: bool = False) -> str:
    """The display and matching form of a raw span.

    NFKC; markdown links and bold reduced to their text; footnote marks removed when ``footnotes`` (the
    span comes from PDF text with footnotes, see :func:`segment`); hard-wrapped lines joined (nothing
    between two CJK characters in Japanese, a space otherwise); whitespace collapsed.
    """
    text = unicodedata.normalize("NFKC", raw)
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_BOLD.sub(r"\2", text)
    marks = footnote_marks(text, lang) if footnotes else []
    if marks:
        parts, pos = [], 0
        for s, e in marks:
            parts.append(text[pos:s])
            pos = e
        parts.append(text[pos:])
        text = "".join(parts)
    if lang == "ja":
        text = _JA_LINE_JOIN.sub("", text)
    return _SPACES.sub(" ", text).strip()


def segment(doc: Document) -> list[Segment]:
    """Sentences of ``doc``'s content, in order, with spans into ``doc.text``."""
    text = doc.text
    lines = content_lines(doc)
    if not lines:
        return []
    doc_lang = detect_language(" ".join(text[s:e] for s, e, _ in lines[:200]))
    notes = has_footnotes(doc, lines)
    rows = {r.start: (t, r) for t in find_tables(text) for r in t.rows}
    out: list[Segment] = []
    for start, end, block in _runs(text, lines, rows):
        if start in rows:
            out.append(_row_segment(*rows[start], block, doc_lang, notes))
            continue
        raw = text[start:end]
        lang = detect_language(raw)
        counts = script_counts(raw)
        if lang == "other" or sum(counts.values()) < 8:
            lang = doc_lang if doc_lang != "other" else lang
        masked = list(raw.replace("\r", " ").replace("\n", " "))
        for s, e in footnote_marks(raw, lang) if notes else []:
            masked[s:e] = " " * (e - s)
        masked_text = "".join(masked)
        for s, e in _split(masked_text, lang):
            while s < e and masked_text[s].isspace():
                s += 1
            while e > s and masked_text[e - 1].isspace():
                e -= 1
            if e <= s:
                continue
            span = text[start + s:start + e]
            norm = normalize(span, lang, footnotes=notes)
            if len(_MEANINGFUL.findall(norm)) < 2:
                continue
            out.append(Segment(start=start + s, end=start + e, text=norm, lang=lang, block=block))
    return out


_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)


def _row_segment(table: Table, row: TableRow, block: int, doc_lang: str, notes: bool) -> Segment:
    """A table row as one segment: its line's span, its text qualified by the caption and the header."""
    plain = " ".join([table.caption, *table.header, *row.cells])
    lang = detect_language(plain)
    if lang == "other" or sum(script_counts(plain).values()) < 8:
        lang = doc_lang if doc_lang != "other" else lang

    def clean(cell: str) -> str:
        return normalize(_BR.sub(" ", cell), lang, footnotes=notes)

    text = row_text(clean(table.caption), tuple(clean(h) for h in table.header), tuple(clean(c) for c in row.cells))
    return Segment(start=row.start, end=row.end, text=text, lang=lang, block=block)


def _runs(text: str, lines: list[tuple[int, int, int]], rows=()) -> list[tuple[int, int, int]]:
    """Group lines into runs of continuous prose: one line each, unless the document is hard-wrapped
    (a table row, in ``rows``, is always a run of its own)."""
    if not hard_wrapped(text, lines):
        return list(lines)
    widths = [_width(text[s:e]) for s, e, _ in lines]
    min_wrapped = WRAP_FRACTION * statistics.median(widths)
    runs: list[tuple[int, int, int]] = []
    cur_start, cur_end, cur_block = lines[0]
    for i in range(1, len(lines)):
        s, e, block = lines[i]
        prev = text[lines[i - 1][0]:lines[i - 1][1]]
        continues = (
            block == cur_block
            and widths[i - 1] >= min_wrapped
            and not SENTENCE_END.search(prev)
            and not is_section_heading(prev)
            and not text[cur_end:s].strip()
            and not GLYPH_BULLET.match(text[s:e])
            and s not in rows
            and cur_start not in rows
        )
        if continues:
            cur_end = e
        else:
            runs.append((cur_start, cur_end, cur_block))
            cur_start, cur_end, cur_block = s, e, block
    runs.append((cur_start, cur_end, cur_block))
    return runs


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


# --- sentence splitters: each returns (start, end) spans of its input -------------------------


def _split(text: str, lang: str) -> list[tuple[int, int]]:
    if lang == "ko":
        spans = _split_ko(text)
    elif lang == "ja":
        spans = _split_ja(text)
    else:
        spans = _split_en(text)
    return [piece for span in spans for piece in _cap(text, span)]


def _split_ko(text: str) -> list[tuple[int, int]]:
    if not text.strip():
        return []
    return [(s.start, s.end) for s in kiwi().split_into_sents(text)]


def _split_ja(text: str) -> list[tuple[int, int]]:
    """Split after 。！？!? (and closing brackets after them), never inside 「」『』（） quotes."""
    spans: list[tuple[int, int]] = []
    start, depth, i, n = 0, 0, 0, len(text)
    while i < n:
        ch = text[i]
        if ch in ja.QUOTE_OPEN:
            depth += 1
        elif ch in ja.QUOTE_CLOSE:
            depth = max(0, depth - 1)
        elif ch in ja.SENTENCE_END and depth == 0:
            j = i + 1
            while j < n and (text[j] in ja.SENTENCE_END or text[j] in ja.QUOTE_CLOSE):
                j += 1
            spans.append((start, j))
            start = i = j
            continue
        i += 1
    if start < n:
        spans.append((start, n))
    return spans


_EN_END = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s|$)")
_INITIALISM = re.compile(r"(?:^|[\s(“\"‘'])((?:[A-Za-z]\.)+[A-Za-z]?|[A-Z])\.?$")


def _split_en(text: str) -> list[tuple[int, int]]:
    """Split on .!? followed by space, except after abbreviations, initials and before lowercase/digits."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _EN_END.finditer(text):
        rest = text[m.end():].lstrip()
        if rest and (rest[0].islower() or rest[0].isdigit()):
            continue
        if text[m.start()] == ".":
            before = text[start:m.start()]
            word = before.rsplit(None, 1)[-1] if before.split() else ""
            if word.lower().lstrip("(“\"‘'") in en.ABBREVIATIONS or _INITIALISM.search(before + "."):
                continue
        spans.append((start, m.end()))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def _cap(text: str, span: tuple[int, int]) -> list[tuple[int, int]]:
    """Cut an overlong span at spaces (or anywhere, for unspaced text) into pieces of at most MAX_SENTENCE_CHARS."""
    s, e = span
    pieces = []
    while e - s > MAX_SENTENCE_CHARS:
        cut = text.rfind(" ", s + MAX_SENTENCE_CHARS // 2, s + MAX_SENTENCE_CHARS)
        if cut <= s:
            cut = s + MAX_SENTENCE_CHARS
        pieces.append((s, cut))
        s = cut
    pieces.append((s, e))
    return pieces
