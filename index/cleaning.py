"""Decide which lines of a document are content, and group them into blocks.

Web pages and PDF extractions carry chrome (share buttons, cookie notices, image credits, tables of
contents) that would otherwise be retrieved and quoted as answers. The phrase rules are data, in
``index/boilerplate.txt``; the general rules live here: URL-only lines, lines repeated in a document,
short UI lines that head nothing, table-of-contents lists.

Nothing is rewritten: the result is spans of ``doc.text``, so offsets stay exact. ``block`` numbers
sections: a heading starts a block and keeps the paragraph under it; a blank line ends a paragraph (in a
hard-wrapped PDF extraction, where a blank line separates every line, only a wider gap does).

Tables (markdown pipes, plain pipe lines, tab-separated lines) are found here too (:func:`find_tables`):
each row is content and a block of its table's own; the header row and the |---| line are not content
on their own, since every row carries the header (:func:`row_text`).
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from index.lang import common
from index.types import Document

BOILERPLATE_FILE = Path(__file__).with_name("boilerplate.txt")

# A sentence end at the end of a line; a footnote number may follow it ("했다.29"), a decimal may not ("2.27").
SENTENCE_END = re.compile(r"(?<!\d)[.!?。！？…](?:[\"'”’」』)\]）]*)\d{0,2}$")
_PERIOD_END = re.compile(r"(?<!\d)[.。](?:[\"'”’」』)\]）]*)\d{0,2}$")
_INNER_SENTENCE_END = re.compile(r"(?<!\d)[.!?。！？](?=\s*\S)")
# What opens a list item, for every floor: ingestion (headings, wrapped PDF lines) and the answerer (a
# list item that states nothing is no answer, bot/questions.py). Dash-like marks (- – · *) also occur
# where a wrapped line continues, so a new wrapped line is told by the other glyphs alone.
_GLYPHS = "•・▪■□◆◇●○►▶✓✔☑✅💡📌🔹🔸※→⇒①-⑳\uf000-\uf8ff"
BULLET = re.compile(rf"^\s*(?:[-–·*{_GLYPHS}]|\d{{1,2}}[.)]\s|\(\d{{1,2}}\)\s)")
GLYPH_BULLET = re.compile(rf"^\s*[{_GLYPHS}]")
# A numbered or marked section heading ("1. はじめに", "■ 일본의 대미외교"): a list mark that heads a section.
SECTION_MARK = re.compile(r"^\s*(?:\d{1,2}\.\s|■)")
MARKDOWN_HEADING = re.compile(r"^\s*#{1,6}\s")
_URL = re.compile(r"https?://\S+|www\.\S+")

SHORT_LINE = 12  # characters: a line this short with no sentence punctuation is UI unless it heads content
HEADING_MAX = 80
CONTENT_MIN = 15


@dataclass(frozen=True)
class Rules:
    drop: tuple[re.Pattern, ...]
    cut: tuple[re.Pattern, ...]
    toc: tuple[re.Pattern, ...]


@lru_cache(maxsize=4)
def load_rules(path: Path = BOILERPLATE_FILE) -> Rules:
    """Parse the boilerplate rule file (see its header for the format)."""
    drop, cut, toc = [], [], []
    for raw in Path(path).read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        kind, _, rest = line.partition(" ")
        target = {"cut": cut, "toc": toc}.get(kind)
        if target is None:
            drop.append(re.compile(line, re.IGNORECASE))
        else:
            target.append(re.compile(rest.strip(), re.IGNORECASE))
    return Rules(tuple(drop), tuple(cut), tuple(toc))


@dataclass
class _Line:
    start: int
    end: int
    text: str
    blank_before: int  # blank lines between this line and the previous non-blank one
    keep: bool = True
    table: int = -1  # the number of the table this line is a row of, -1 for none


def content_lines(doc: Document, rules: Rules | None = None) -> list[tuple[int, int, int]]:
    """(start, end, block) of every kept line of ``doc.text``, whitespace trimmed from the span."""
    rules = rules or load_rules()
    lines = _raw_lines(doc.text)
    tables = find_tables(doc.text)
    role = {r.start: t for t, table in enumerate(tables) for r in table.rows}
    aside = {start for table in tables for start in table.aside}
    for ln in lines:
        if ln.start in aside:
            ln.keep = False
        elif ln.start in role:  # a row is content: no cut, UI-line or repeat rule applies to it
            ln.table = role[ln.start]
            ln.keep = not any(p.search(ln.text) for p in rules.drop)
        else:
            _apply_rules(ln, doc.text, rules)
    kept = [ln for ln in lines if ln.keep]
    for step in (lambda k: _drop_toc(k, rules), _drop_repeats, _drop_ui_lines):
        step(kept)
        kept = [ln for ln in kept if ln.keep or ln.table >= 0]
        for ln in kept:
            ln.keep = True
    return _number_blocks(doc.text, kept)


def hard_wrapped(text: str, spans: list[tuple[int, int, int]]) -> bool:
    """True when most long lines stop mid-sentence: text extracted from a PDF with its line breaks.

    Table rows are left out: they never end a sentence, and a price list is not a PDF extraction."""
    rows = table_rows(text)
    long_lines = [text[s:e] for s, e, _ in spans if e - s >= 20 and s not in rows]
    if len(long_lines) < 3:
        return False
    open_ended = sum(1 for t in long_lines if not SENTENCE_END.search(t) and not BULLET.match(t))
    return open_ended >= 0.5 * len(long_lines)


_FOOTNOTE_LINE = re.compile(r"^[ \t]*(\d{1,2})[ \t]+\S", re.MULTILINE)


def has_footnotes(doc: Document, spans: list[tuple[int, int, int]]) -> bool:
    """True for PDF text with footnotes: extracted from a PDF (or hard-wrapped like one) and carrying a
    footnote list, lines that start "1 …", "2 …" in that order.

    Only then are bare numbers glued to words ("두 번째1") footnote marks; in any other text a number
    after a word is a model name, an amount or a count ("아이폰16을", "관세25를", "5 개국"), and is kept.
    """
    if not (doc.encoding == "pdf" or hard_wrapped(doc.text, spans)):
        return False
    expected = 1
    for m in _FOOTNOTE_LINE.finditer(doc.text):
        if int(m.group(1)) == expected:
            expected += 1
    return expected > 2


def is_heading(line: str) -> bool:
    """A short line that does not end a sentence with a period: a title, section or question heading.

    A list item is none, unless its mark heads a section ("1. はじめに", "■ …").
    """
    line = line.strip()
    if not line or len(line) > HEADING_MAX or BULLET.match(line) and not SECTION_MARK.match(line):
        return False
    return not _PERIOD_END.search(line) and not _INNER_SENTENCE_END.search(line)


def is_section_heading(line: str) -> bool:
    """A numbered or marked section heading ("1. …", "■ …"): it never continues into the next line."""
    return bool(SECTION_MARK.match(line)) and is_heading(line)


def strip_bullet(line: str) -> str:
    """The line without its list mark ("✅ 관세 인하" → "관세 인하")."""
    return BULLET.sub("", line.strip(), count=1).lstrip()


def _raw_lines(text: str) -> list[_Line]:
    lines: list[_Line] = []
    blank = 0
    pos = 0
    for raw in text.split("\n"):
        stripped = raw.strip()
        if stripped:
            lead = len(raw) - len(raw.lstrip())
            start = pos + lead
            lines.append(_Line(start, start + len(stripped), stripped, blank))
            blank = 0
        else:
            blank += 1
        pos += len(raw) + 1
    return lines


def _apply_rules(ln: _Line, text: str, rules: Rules) -> None:
    for pattern in rules.cut:
        m = pattern.search(ln.text)
        if not m or not m.group():
            continue
        if m.start() == 0:
            ln.start += m.end()
        elif m.end() == len(ln.text):
            ln.end = ln.start + m.start()
        else:
            ln.keep = False
            return
        raw = text[ln.start:ln.end]
        ln.start += len(raw) - len(raw.lstrip())
        ln.text = raw.strip()
        ln.end = ln.start + len(ln.text)
        if not ln.text:
            ln.keep = False
            return
    if any(p.search(ln.text) for p in rules.drop):
        ln.keep = False
        return
    urls = sum(len(u) for u in _URL.findall(ln.text))
    if urls and urls >= 0.5 * len(ln.text):
        ln.keep = False
        return
    if sum(1 for ch in ln.text if ch.isalpha()) < 2:
        ln.keep = False


def _key(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip().lower()


def _drop_repeats(lines: list[_Line]) -> None:
    seen: set[str] = set()
    for ln in lines:
        key = _key(ln.text)
        if key in seen:
            ln.keep = False
        seen.add(key)


def _drop_toc(lines: list[_Line], rules: Rules) -> None:
    """Drop a table-of-contents heading and the short list lines after it (up to a heading that has content)."""
    i = 0
    while i < len(lines):
        if any(p.search(lines[i].text) for p in rules.toc):
            lines[i].keep = False
            j = i + 1
            while j < len(lines) and len(lines[j].text) <= 40 and not SENTENCE_END.search(lines[j].text):
                nxt = lines[j + 1].text if j + 1 < len(lines) else ""
                if len(nxt) > 40 or SENTENCE_END.search(nxt):
                    break  # this line heads real content: the list has ended
                lines[j].keep = False
                j += 1
            i = j
        else:
            i += 1


def _drop_ui_lines(kept: list[_Line]) -> None:
    """Very short lines without sentence punctuation are buttons and labels unless content follows them."""
    for i, ln in enumerate(kept):
        if len(ln.text) > SHORT_LINE or SENTENCE_END.search(ln.text):
            continue
        nxt = kept[i + 1].text if i + 1 < len(kept) else ""
        heads_content = len(nxt) >= CONTENT_MIN or bool(BULLET.match(nxt)) or bool(SENTENCE_END.search(nxt))
        if not heads_content:
            ln.keep = False


def _number_blocks(text: str, kept: list[_Line]) -> list[tuple[int, int, int]]:
    spans = [(ln.start, ln.end, 0) for ln in kept]
    if not kept:
        return []
    wrapped = hard_wrapped(text, spans)
    gaps = [text.count("\n", kept[i - 1].end, kept[i].start) - 1 for i in range(1, len(kept))]
    para_gap = (Counter(gaps).most_common(1)[0][0] + 1) if wrapped and gaps else 1
    out: list[tuple[int, int, int]] = []
    block = 0
    prev_heading = False
    for i, ln in enumerate(kept):
        heading = ln.table < 0 and is_heading(ln.text) and (not wrapped or i == 0 or gaps[i - 1] >= para_gap)
        if i > 0:
            paragraph_break = gaps[i - 1] >= para_gap
            table_edge = ln.table != kept[i - 1].table  # a table is a block of its own (under its caption heading)
            if (heading or paragraph_break or table_edge) and not prev_heading and not (ln.table >= 0 and ln.table == kept[i - 1].table):
                block += 1
        out.append((ln.start, ln.end, block))
        prev_heading = heading
    return out


# --- tables ------------------------------------------------------------------------------------
# A table row is matched and quoted with its header and its table's caption: "3대째" alone says nothing,
# "차량 등록 요금 | 등록 차량: 3대째 | 변경 월 요금: 50,000원" answers "how much for a third car". Three forms:
# markdown (a header line, a |---| line, rows; outer pipes and alignment colons optional), plain pipe lines
# without the |---| line, and tab-separated lines (e-mails, text pasted from a spreadsheet). Without a
# |---| line the evidence must be stronger, since a single "이름 | 직함" signature line is no table: at
# least three lines with the same number of cells (two when every line is fenced by pipes, or for tabs).

ROW_SEP = " | "  # between the caption and the cells of a row's text: it still reads as a table row
_SEPARATOR_LINE = re.compile(r"^\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?$")
_PIPE = re.compile(r"(?<!\\)\|")
_LABEL = re.compile(r"(?:^| \| )([^|:]{1,40}): (?=\S)")
_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")  # "**Table 1 – Fees**" is a caption, not a "*" list item
_AMOUNT = re.compile(common.AMOUNT)


@dataclass(frozen=True)
class TableRow:
    start: int  # span of the row's line, whitespace trimmed: what a citation quotes
    end: int
    cells: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    caption: str  # the heading or line just before the table (marks and a trailing colon removed), or ""
    header: tuple[str, ...]  # column names, () when the first line is already data
    rows: tuple[TableRow, ...]
    aside: tuple[int, ...]  # starts of the header and |---| lines: read for the header, never content


def _pipe_cells(line: str) -> list[str]:
    body = line.strip()
    body = body[1:] if body.startswith("|") else body
    body = body[:-1] if body.endswith("|") and not body.endswith("\\|") else body
    return [c.strip().replace("\\|", "|") for c in _PIPE.split(body)]


def _tab_cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip(" \r\u3000").rstrip("\t").split("\t")]


@lru_cache(maxsize=16)
def find_tables(text: str) -> tuple[Table, ...]:
    """The tables of ``text``, in order."""
    lines = _raw_lines(text)
    tables: list[Table] = []
    i = 0
    while i < len(lines):
        found = _table_at(lines, i)
        if found is None:
            i += 1
            continue
        first, end, header, aside, rows = found
        rows = tuple(r for r in rows if any(r.cells))  # "| | |" says nothing
        tables.append(Table(_caption(lines, first, tables), header, rows, aside))
        i = end
    return tuple(tables)


def table_rows(text: str) -> dict[int, TableRow]:
    """Every table row of ``text`` by the start of its line."""
    return {r.start: r for t in find_tables(text) for r in t.rows}


def _table_at(lines: list[_Line], i: int):
    """(first line, line after the table, header, aside starts, rows) of a table starting at line ``i``, or None."""
    def run(j: int, ok) -> int:
        k = j
        while k < len(lines) and ok(lines[k]) and (k == j or lines[k].blank_before == 0):
            k += 1
        return k

    head = lines[i]
    if "|" in head.text and i + 1 < len(lines) and lines[i + 1].blank_before == 0 and "|" in lines[i + 1].text \
            and _SEPARATOR_LINE.match(lines[i + 1].text) and len(_pipe_cells(head.text)) >= 2:
        end = run(i + 2, lambda ln: bool(_PIPE.search(ln.text)) and not _SEPARATOR_LINE.match(ln.text))
        if end == i + 2:
            return None
        rows = tuple(TableRow(ln.start, ln.end, tuple(_pipe_cells(ln.text))) for ln in lines[i + 2:end])
        return i, end, tuple(_pipe_cells(head.text)), (head.start, lines[i + 1].start), rows
    if "\t" in head.text:
        width = len(_tab_cells(head.text))
        end = run(i, lambda ln: "\t" in ln.text and len(_tab_cells(ln.text)) >= 2)
        cells = [_tab_cells(ln.text) for ln in lines[i:end]]
        if width < 2 or end - i < 2:
            return None
    elif _PIPE.search(head.text) and not _SEPARATOR_LINE.match(head.text):
        width = len(_pipe_cells(head.text))
        end = run(i, lambda ln: bool(_PIPE.search(ln.text)) and len(_pipe_cells(ln.text)) == width)
        fenced = all(ln.text.startswith("|") and ln.text.endswith("|") for ln in lines[i:end])
        if width < 2 or end - i < (2 if fenced else 3):
            return None
        cells = [_pipe_cells(ln.text) for ln in lines[i:end]]
    else:
        return None
    if _is_data(cells[0]):
        return i, end, (), (), tuple(TableRow(ln.start, ln.end, tuple(c)) for ln, c in zip(lines[i:end], cells))
    rows = tuple(TableRow(ln.start, ln.end, tuple(c)) for ln, c in zip(lines[i + 1:end], cells[1:]))
    return i, end, tuple(cells[0]), (head.start,), rows


def _is_data(cells: list[str]) -> bool:
    """A first line that is already a row ("Name:\tKim", "Coffee | £3.00"): the table has no header."""
    return any(c.endswith((":", "：")) or _AMOUNT.search(c) for c in cells)


def _caption(lines: list[_Line], first: int, tables: list[Table]) -> str:
    """The heading or short line right before the table; else the nearest markdown heading above it."""
    if first > 0:
        prev = lines[first - 1]
        if tables and prev.start in {r.start for r in tables[-1].rows}:
            return tables[-1].caption  # two tables in a row: one subject
        line = strip_bullet(_EMPHASIS.sub(r"\2", MARKDOWN_HEADING.sub("", prev.text))).rstrip("#").strip()
        if line and (MARKDOWN_HEADING.match(prev.text) or is_heading(line) or line.endswith((":", "："))):
            return line.rstrip(":：").strip()
    for ln in reversed(lines[:first]):
        if MARKDOWN_HEADING.match(ln.text):
            return MARKDOWN_HEADING.sub("", ln.text).rstrip("#").strip()
    return ""


def row_text(caption: str, header: tuple[str, ...], cells: tuple[str, ...]) -> str:
    """A row as it is matched and shown: "caption | header: cell | …" (empty cells left out; a cell under
    an empty header stands alone; a headerless two-column row reads "label: value")."""
    parts = [caption] if caption else []
    if not header and len(cells) == 2 and cells[0] and cells[1]:
        parts.append(f"{cells[0].rstrip(':：').strip()}: {cells[1]}")
    else:
        for j, cell in enumerate(cells):
            if cell:
                name = header[j].rstrip(":：").strip() if j < len(header) else ""
                parts.append(f"{name}: {cell}" if name else cell)
    return ROW_SEP.join(parts)


def is_row_text(text: str) -> bool:
    """Is ``text`` a table row as :func:`row_text` writes it (caption and cells joined by " | ", a "header: cell")?"""
    return ROW_SEP in text and bool(_LABEL.search(text))


def row_values(text: str) -> str:
    """A row's text without its column names: what the row says, for answer types (a header "Time" or
    "2024" is not an answer)."""
    return _LABEL.sub(lambda m: ROW_SEP if m.group().startswith(ROW_SEP) else "", text)
