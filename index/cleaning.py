"""Decide which lines of a document are content, and group them into blocks.

Web pages and PDF extractions carry chrome (share buttons, cookie notices, image credits, tables of
contents) that would otherwise be retrieved and quoted as answers. The phrase rules are data, in
``index/boilerplate.txt``; the general rules live here: URL-only lines, lines repeated in a document,
short UI lines that head nothing, table-of-contents lists.

Nothing is rewritten: the result is spans of ``doc.text``, so offsets stay exact. ``block`` numbers
sections: a heading starts a block and keeps the paragraph under it; a blank line ends a paragraph (in a
hard-wrapped PDF extraction, where a blank line separates every line, only a wider gap does).
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

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


def content_lines(doc: Document, rules: Rules | None = None) -> list[tuple[int, int, int]]:
    """(start, end, block) of every kept line of ``doc.text``, whitespace trimmed from the span."""
    rules = rules or load_rules()
    lines = _raw_lines(doc.text)
    for ln in lines:
        _apply_rules(ln, doc.text, rules)
    kept = [ln for ln in lines if ln.keep]
    for step in (lambda k: _drop_toc(k, rules), _drop_repeats, _drop_ui_lines):
        step(kept)
        kept = [ln for ln in kept if ln.keep]
    return _number_blocks(doc.text, kept)


def hard_wrapped(text: str, spans: list[tuple[int, int, int]]) -> bool:
    """True when most long lines stop mid-sentence: text extracted from a PDF with its line breaks."""
    long_lines = [text[s:e] for s, e, _ in spans if e - s >= 20]
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
        heading = is_heading(ln.text) and (not wrapped or i == 0 or gaps[i - 1] >= para_gap)
        if i > 0:
            paragraph_break = gaps[i - 1] >= para_gap
            if (heading and not prev_heading) or (paragraph_break and not prev_heading):
                block += 1
        out.append((ln.start, ln.end, block))
        prev_heading = heading
    return out
