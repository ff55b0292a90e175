"""HTML for the sources column and the panel, as pure functions of answers, the catalog and the interface language.

Everything that comes from a document, a file name, the user or the model is ``html.escape``d here, so a
document containing ``<script>`` or markup shows as text and never runs.
"""
from __future__ import annotations

import html
import os
import re
import time
from pathlib import Path

from bot.web.answers import attr, plural
from bot.web.strings import strings
from index.lang import rules
from index.languages import majority_language
from index.types import AnswerResult, Citation

LANG_NAMES = {"en": "English", "ko": "한국어", "ja": "日本語", "other": "other"}

def sources_empty(ui: str = "en") -> str:
    return f'<div class="src-empty">{strings(ui)["sources_empty"]}</div>'


def passage_html(catalog, citations: list[Citation]) -> str:
    """The passage the citations quote, escaped, each cited sentence in a ``<mark>`` followed by its number(s)."""
    first = citations[0]
    passage = catalog.passages.get(first.passage_id) if catalog is not None else None

    def nums(cs: list[Citation]) -> str:
        return "".join(f'<sup class="hl-n">[{c.n}]</sup>' for c in cs)

    if passage is None:  # not in this catalog (re-indexed since): show the quotes alone
        return " … ".join(f"<mark>{html.escape(c.text or c.quote)}</mark>{nums([c])}" for c in citations)
    parts, marked = [], set()
    for uid in passage.unit_ids:
        unit = catalog.units[catalog.unit_index[uid]]
        here = [c for c in citations if unit.start < c.end and c.start < unit.end and c.n not in marked]
        if here:
            parts.append(f"<mark>{html.escape(unit.text.strip())}</mark>{nums(here)}")
            marked |= {c.n for c in here}
        elif unit.text.strip():
            parts.append(html.escape(unit.text.strip()))
    missing = [c for c in citations if c.n not in marked]
    for c in reversed(missing):
        parts.insert(0, f"<mark>{html.escape(c.text or c.quote)}</mark>{nums([c])}")
    return rules(passage.lang).sentence_separator.join(parts)


def _card(catalog, citations: list[Citation], turn: int, kind: str = "src", ui: str = "en") -> str:
    """One card per cited passage; every ``[n]`` quoting it gets an anchor id inside the card.

    Each citation also leaves its accessible name and sentence in the card (``.cite-info``): the chat's sanitizer
    strips ``aria-label`` and ``title`` from links, so the page script copies them onto the ``[n]`` links.
    """
    first = citations[0]
    lang = first.lang or "other"
    nums = "".join(f'<span class="num" title="score {c.score:.2f}">[{c.n}]</span>' for c in citations)
    anchors = "".join(f'<a class="anchor" id="{kind}-{turn}-{c.n}"></a>' for c in citations[1:])
    label = strings(ui)["cite_label"]
    anchors += "".join(
        f'<span class="cite-info" hidden data-for="{kind}-{turn}-{c.n}" data-label="{attr(label.format(n=c.n, source=c.source))}" '
        f'data-preview="{attr(c.source + ": " + (c.text or c.quote))}"></span>'
        for c in citations
    )
    return (
        f'<article class="card{" evidence" if kind != "src" else ""}" id="{kind}-{turn}-{first.n}">{anchors}'
        f'<header>{nums}<span class="file">{html.escape(first.source)}</span>'
        f'<span class="lang">{html.escape(LANG_NAMES.get(lang, lang))}</span></header>'
        f'<p class="passage" lang="{html.escape(lang)}">{passage_html(catalog, citations)}</p></article>'
    )


def _cards(catalog, citations: list[Citation], turn: int, kind: str = "src", ui: str = "en") -> list[str]:
    by_passage: dict[str, list[Citation]] = {}
    for c in sorted(citations, key=lambda c: c.n):
        by_passage.setdefault(c.passage_id, []).append(c)
    return [_card(catalog, group, turn, kind, ui) for group in by_passage.values()]


def sources_html(turns: list[dict], catalog, ui: str = "en") -> str:
    """Source cards per answer, newest first; older answers' groups are folded."""
    if not turns:
        return sources_empty(ui)
    s = strings(ui)
    groups = []
    for i in range(len(turns), 0, -1):
        result: AnswerResult = turns[i - 1]["result"]
        cards = _cards(catalog, result.citations, i, ui=ui)
        if result.evidence:
            cards.append(f'<p class="note">{html.escape(s["evidence_note"])}</p>')
            cards += _cards(catalog, result.evidence, i, kind="ev", ui=ui)
        if not cards:
            cards.append(f'<p class="note">{html.escape(s["no_passage"])}</p>')
        total = result.timings_ms.get("total")
        answerer = s["answerer_extractive"] if result.answerer == "extractive" else result.answerer
        meta = f'{html.escape(plural(s, "n_sources", len(result.citations)))} · {html.escape(answerer)}'
        meta += f" · {total / 1000:.2f} s" if total else ""
        head = f"<b>Q{i}</b> {html.escape(result.question)} <span>· {meta}</span>"
        if i == len(turns):
            groups.append(f'<section class="turn"><div class="turn-head" title="{html.escape(result.question)}">{head}</div>{"".join(cards)}</section>')
        else:
            groups.append(f'<details class="turn"><summary title="{html.escape(result.question)}">{head}</summary>{"".join(cards)}</details>')
    return "".join(groups)


def document_rows(catalog) -> list[dict]:
    """One dict per indexed file: name, main language, passages, sentences."""
    if catalog is None:
        return []
    rows = []
    for source, info in catalog.manifest()["files"].items():
        rows.append({"source": source, "lang": _main_lang(catalog.files[source]), "passages": info["passages"], "units": info["units"]})
    return rows


def index_html(catalog, index_dir: Path, error: str | None = None, ui: str = "en") -> str:
    """Documents, passages, embedding model and last indexing time, then one row per file."""
    s = strings(ui)
    if catalog is None:
        msg = public_message(error or s["no_index"], index_dir)
        return f'<div class="stats err">{html.escape(msg)}</div>'
    manifest = catalog.manifest()
    files = document_rows(catalog)
    built = time.strftime("%Y-%m-%d %H:%M", time.localtime(manifest["built_at"])) if manifest["built_at"] else "?"
    rows = "".join(
        f'<div class="doc"><span class="name" title="{html.escape(r["source"])}">{html.escape(r["source"])}</span>'
        f'<span class="meta">{html.escape(LANG_NAMES.get(r["lang"], r["lang"]))} · {r["passages"]}</span></div>'
        for r in files
    )
    stats = s["index_stats"].format(
        docs=f"<b>{len(files)}</b>", passages=f"<b>{sum(r['passages'] for r in files)}</b>", units=f"<b>{sum(r['units'] for r in files)}</b>"
    )
    return (
        f'<div class="stats">{stats}<br>{html.escape(s["embedding"])}: {html.escape(manifest["embedding"])} '
        f'({html.escape(s["dims"].format(dim=manifest["dim"]))})<br>{html.escape(s["last_indexed"])}: {built}</div>'
        f'<div class="doc head"><span class="name">{html.escape(s["file"])}</span><span class="meta">{html.escape(s["lang_passages"])}</span></div>{rows}'
    )


def document_html(catalog, source: str, turns: list[dict], ui: str = "en") -> str:
    """A whole indexed document, escaped, with every sentence this conversation cited from it highlighted."""
    s = strings(ui)
    record = catalog.files.get(source) if catalog is not None else None
    if record is None:
        return f'<div class="src-empty">{html.escape(s["doc_missing"].format(name=source))}</div>'
    cited: dict[int, list[str]] = {}
    for i, t in enumerate(turns, start=1):
        for c in t["result"].citations:
            if c.source == source:
                for j, u in enumerate(record.units):
                    if u.start < c.end and c.start < u.end:
                        cited.setdefault(j, []).append(f"Q{i}[{c.n}]")
    parts = []
    for j, u in enumerate(record.units):
        t = html.escape(u.text.strip())
        if j in cited:
            parts.append(f'<mark>{t}</mark><sup class="hl-n">{html.escape(" ".join(cited[j]))}</sup>')
        elif t:
            parts.append(t)
    lang = _main_lang(record)
    head = html.escape(plural(s, "doc_head", len(cited), name=source))
    sep = rules(lang).sentence_separator
    return f'<article class="card doc-view"><header><span class="file">{head}</span></header><p class="passage" lang="{lang}">{sep.join(parts)}</p></article>'


def _main_lang(record) -> str:
    return majority_language((u.lang, 1) for u in record.units) or "other"


# ---------------------------------------------------------------- what the page may say about the server

# An absolute POSIX path (not a URL's path, not a relative one): cut to its last component in messages.
_ABS_PATH = re.compile(r"(?<![\w.:/~-])/(?:[^\s/'\"()<>:;,]+/)+([^\s/'\"()<>:;,]*)")


def public_message(text: str, index_dir: Path | None = None, names: dict[str, str] | None = None) -> str:
    """``text`` with server paths replaced by file names, for the page and API clients.

    Messages from the indexer name files by their full path, which tells a visitor how the server is laid out.
    ``names`` (path -> shown name) and the index folder are swapped first, so names with spaces survive; any other
    absolute path left is cut to its last component.
    """
    swaps = dict(names or {})
    if index_dir is not None:
        index_dir = Path(index_dir)
        for form in {str(index_dir), str(index_dir.absolute()), str(index_dir.resolve())}:
            if os.path.isabs(form):
                swaps.setdefault(form, index_dir.name or "the index folder")
    for path in sorted(swaps, key=len, reverse=True):
        text = text.replace(path, swaps[path])
    return _ABS_PATH.sub(lambda m: m.group(1) or "…", text)
