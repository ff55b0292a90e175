"""The rules every question set of this project follows, checked on its documents and questions alone.

One implementation for ``scripts/check_eval_set.py`` (run by the people who write a set, who never read the
answerer) and ``tests/test_faq_dataset.py`` (which holds eval/faq.jsonl, eval/userdocs and eval/everyday to
them). Standard library only, so a writer needs nothing installed. A keyword that is not in its source turns
every evidence and answer metric of its question into a silent miss; one that is also in another document lets
a wrong passage count as a hit; a question copied from its source tests string matching, not understanding.

Rules:

- schema: ``id``, ``question``, ``lang`` (en/ko/ja), ``sources`` (file names in the corpus), ``answer_keywords``,
  ``answerable``, ``answer_type`` (number/date/person/place/article/other), ``reference_answer``; optional
  ``history`` (earlier turns) and ``near`` (an unanswerable's document: what the question is plausibly about);
- an answerable item has sources and keywords, an unanswerable one neither;
- each keyword occurs verbatim (after NFKC, casefolding and removing whitespace) in one of its sources, in no
  other document, and at most :data:`MAX_OCCURRENCES` times there (``renderings=True`` also accepts a keyword
  found in no document at all and written in the question's language: it can match an answer written in that
  language, never a passage; the FAQ on the seeds uses it);
- a question shares at most :data:`MAX_COPIED_CHARS` consecutive characters (punctuation and spaces ignored)
  with its source (and with its ``near`` document);
- ids are unique.
"""
from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LANGS = ("en", "ko", "ja")
ANSWER_TYPES = ("number", "date", "person", "place", "article", "other")
REQUIRED: dict[str, type] = {"id": str, "question": str, "lang": str, "sources": list, "answer_keywords": list,
                             "answerable": bool, "answer_type": str, "reference_answer": str}
OPTIONAL: dict[str, type] = {"history": list, "near": str}
#: A keyword found more often than this in its source marks too many passages as evidence.
MAX_OCCURRENCES = 5
#: A question may share at most this many consecutive characters with its source.
MAX_COPIED_CHARS = 19
#: Documents a set's corpus folder holds that these checks read (PDFs are read by the bot only).
TEXT_SUFFIXES = (".md", ".txt")

_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
#: A markdown table: a row of cells, then its separator row (|---|:--:|).
_TABLE = re.compile(r"^\s*\|?[^\n]*\|[^\n]*\n\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)+\|?\s*$", re.MULTILINE)
#: A tab-separated table: three lines in a row with the same number (one or more) of tabs between cells.
_TSV = re.compile(r"^([^\t\n]+(?:\t[^\t\n]*)+)\n([^\t\n]+(?:\t[^\t\n]*)+)\n([^\t\n]+(?:\t[^\t\n]*)+)$", re.MULTILINE)


def norm(text: str) -> str:
    """NFKC, casefolded, without whitespace: how keywords are matched (as ``evaluation.metrics`` matches them)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text).casefold())


def doc_lang(text: str) -> str:
    """A document's language by its script: kana → ja, hangul → ko; fewer than 20 of either is English."""
    kana, hangul = len(_KANA.findall(text)), len(_HANGUL.findall(text))
    if kana + hangul < 20:
        return "en"
    return "ja" if kana > hangul else "ko"


def script_lang(text: str) -> str:
    """The language a keyword is written in: kana → ja, hangul → ko, else en."""
    if _KANA.search(text):
        return "ja"
    if _HANGUL.search(text):
        return "ko"
    return "en"


def has_table(text: str) -> bool:
    """True if the text holds a table: markdown (a row of cells, then its ``|---|`` row) or tab-separated rows."""
    if _TABLE.search(text):
        return True
    return any(len({row.count("\t") for row in m.groups()}) == 1 for m in _TSV.finditer(text))


def longest_copied(question: str, source: str) -> int:
    """Longest run of characters (punctuation and spaces ignored) that the question shares with the source."""
    q = re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", question).casefold())
    src = re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", source).casefold())
    best = 0
    for i in range(len(q)):
        j = i + best + 1
        while j <= len(q) and q[i:j] in src:
            best, j = j - i, j + 1
    return best


def read_documents(folder: Path) -> dict[str, str]:
    """The text documents of a corpus folder, by file name (citations and ``sources`` name files by name)."""
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(Path(folder).iterdir())
            if p.is_file() and p.suffix in TEXT_SUFFIXES}


def question_files(folder: Path) -> list[Path]:
    """A set's questions: ``questions.jsonl``, or while it is being written, its ``parts/*.jsonl``."""
    folder = Path(folder)
    whole = folder / "questions.jsonl"
    return [whole] if whole.is_file() else sorted((folder / "parts").glob("*.jsonl"))


def read_items(paths: list[Path]) -> list[tuple[str, Any]]:
    """``(where, item)`` for every non-blank line; a line that is not JSON comes back as an Exception."""
    out: list[tuple[str, Any]] = []
    for path in paths:
        for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip():
                try:
                    out.append((f"{Path(path).name}:{n}", json.loads(line)))
                except json.JSONDecodeError as exc:
                    out.append((f"{Path(path).name}:{n}", exc))
    return out


def schema_problems(item: Any) -> list[str]:
    """What is wrong with one item's fields, their types and values (empty: nothing)."""
    return shape_problems(item) or value_problems(item)


def shape_problems(item: Any) -> list[str]:
    """Missing, unknown or mistyped fields: an item with any cannot be checked further."""
    if not isinstance(item, dict):
        return ["not a JSON object"]
    missing, extra = set(REQUIRED) - set(item), set(item) - set(REQUIRED) - set(OPTIONAL)
    if missing or extra:
        return [f"missing {sorted(missing)} / unknown {sorted(extra)}"]
    wrong = [k for k, t in {**REQUIRED, **OPTIONAL}.items() if k in item and not isinstance(item[k], t)]
    return [f"field(s) {wrong} have the wrong type"] if wrong else []


def value_problems(item: dict) -> list[str]:
    """Values a well-shaped item must not have: unknown language or type, empty strings, answerability mismatches."""
    out = []
    if not item["id"].strip() or not item["question"].strip():
        out.append("empty id or question")
    if item["lang"] not in LANGS:
        out.append(f"lang {item['lang']!r} is not en/ko/ja")
    if item["answer_type"] not in ANSWER_TYPES:
        out.append(f"answer_type {item['answer_type']!r} not in {list(ANSWER_TYPES)}")
    if not item["reference_answer"].strip():
        out.append("empty reference_answer")
    if not all(isinstance(s, str) and s.strip() for s in item["sources"] + item["answer_keywords"]):
        out.append("sources and answer_keywords must be non-empty strings")
    for turn in item.get("history") or []:
        if not (isinstance(turn, dict) and set(turn) == {"role", "content"} and turn["role"] in ("user", "assistant")
                and isinstance(turn["content"], str) and turn["content"].strip()):
            out.append('a history turn must be {"role": "user" | "assistant", "content": "..."}')
    if item["answerable"] and (not item["sources"] or not item["answer_keywords"]):
        out.append("answerable but no sources or no keywords")
    if not item["answerable"] and (item["sources"] or item["answer_keywords"]):
        out.append("unanswerable items have sources [] and answer_keywords [] (use 'near' for the document)")
    return out


def keyword_problems(item: dict, normed: dict[str, str], *, renderings: bool = False) -> list[str]:
    """Each keyword verbatim in a source, in no other document, at most MAX_OCCURRENCES times (``normed``: norm(text))."""
    out = []
    for k in item["answer_keywords"]:
        nk = norm(k)
        own = sum(normed[s].count(nk) for s in item["sources"])
        elsewhere = [name for name in normed if name not in item["sources"] and nk in normed[name]]
        if own and elsewhere:
            out.append(f"keyword {k!r} also occurs in {elsewhere}: make it longer or more specific")
        elif not own and elsewhere:
            out.append(f"keyword {k!r} is not in its source(s) but in {elsewhere}")
        elif not own and not (renderings and script_lang(k) == item["lang"]):
            out.append(f"keyword {k!r} is not verbatim in its source(s)")
        if own > MAX_OCCURRENCES:
            out.append(f"keyword {k!r} occurs {own} times in its source (at most {MAX_OCCURRENCES})")
    return out


def copy_problems(item: dict, docs: dict[str, str]) -> list[str]:
    """The question copies more than MAX_COPIED_CHARS consecutive characters of its source or ``near`` document."""
    out = []
    for s in item["sources"] + ([item["near"]] if item.get("near") else []):
        copied = longest_copied(item["question"], docs[s])
        if copied > MAX_COPIED_CHARS:
            out.append(f"question copies {copied} consecutive characters of {s} (at most {MAX_COPIED_CHARS}): rephrase")
    return out


def check_items(entries: list[tuple[str, Any]], docs: dict[str, str], *, renderings: bool = False) -> tuple[list[str], list[dict]]:
    """Every problem of a set (each naming the line and id), and its well-formed items."""
    normed = {name: norm(text) for name, text in docs.items()}
    problems: list[str] = []
    items: list[dict] = []
    for where, it in entries:
        if isinstance(it, Exception):
            problems.append(f"{where}: not JSON ({it})")
            continue
        iid = it.get("id", "?") if isinstance(it, dict) else "?"
        shape = shape_problems(it)
        if shape:
            problems += [f"{where} {iid}: {p}" for p in shape]
            continue
        items.append(it)
        found = value_problems(it)
        unknown = [s for s in it["sources"] + ([it["near"]] if it.get("near") else []) if s not in docs]
        if unknown:
            found.append(f"unknown document(s) {unknown}")
        else:
            found += keyword_problems(it, normed, renderings=renderings) + copy_problems(it, docs)
        problems += [f"{where} {iid}: {p}" for p in found]
    problems += [f"id {k!r} used {v} times" for k, v in Counter(it["id"] for it in items).items() if v > 1]
    return problems, items


def check_folder(folder: Path) -> tuple[list[str], list[dict], dict[str, str]]:
    """A set folder (``docs/`` and ``questions.jsonl`` or ``parts/*.jsonl``) checked: problems, items, documents."""
    folder = Path(folder)
    docs = read_documents(folder / "docs")
    files = question_files(folder)
    if not files:
        return [f"{folder} has no questions.jsonl and no parts/*.jsonl"], [], docs
    problems, items = check_items(read_items(files), docs)
    return problems, items, docs


@dataclass
class SetStats:
    """The counts a set is held to (tests/test_faq_dataset.py) and a writer reads (``check_eval_set.py --stats``)."""

    documents: int
    doc_langs: dict[str, str]  # file → en/ko/ja
    tables: list[str]  # documents holding a markdown table
    questions: int
    answerable: int
    unanswerable: int
    cross_lingual: int  # questions whose document (source, or ``near``) is in another language
    pairs: Counter = field(default_factory=Counter)  # (question lang, document lang) → answerable items
    answer_types: Counter = field(default_factory=Counter)
    per_doc: Counter = field(default_factory=Counter)  # document → items about it (sources and near)

    def lines(self) -> str:
        langs = dict(Counter(self.doc_langs.values()))
        out = [f"documents: {self.documents} {langs}, {len(self.tables)} with a table",
               f"questions: {self.questions}, answerable {self.answerable}, unanswerable {self.unanswerable} "
               f"({self.unanswerable / max(1, self.questions):.0%})",
               f"cross-lingual: {self.cross_lingual / max(1, self.questions):.0%} of all questions",
               "pairs (question→document, answerable): " + ", ".join(f"{q}→{d} {v}" for (q, d), v in sorted(self.pairs.items())),
               "answer types: " + ", ".join(f"{k} {v}" for k, v in self.answer_types.most_common()),
               "per document: " + ", ".join(f"{k} {v}" for k, v in sorted(self.per_doc.items()))]
        idle = [n for n in self.doc_langs if not self.per_doc[n]]
        if idle:
            out.append(f"documents without questions: {idle}")
        return "\n".join(out)


def stats(items: list[dict], docs: dict[str, str]) -> SetStats:
    """Counts of a checked set (items whose documents exist)."""
    langs = {name: doc_lang(text) for name, text in docs.items()}

    def about(it: dict) -> str | None:
        return it["sources"][0] if it["sources"] else it.get("near")

    known = [it for it in items if all(s in docs for s in it["sources"]) and (not it.get("near") or it["near"] in docs)]
    ans = [it for it in known if it["answerable"]]
    return SetStats(
        documents=len(docs),
        doc_langs=langs,
        tables=sorted(n for n, t in docs.items() if has_table(t)),
        questions=len(known),
        answerable=len(ans),
        unanswerable=len(known) - len(ans),
        cross_lingual=sum(1 for it in known if about(it) and langs[about(it)] != it["lang"]),
        pairs=Counter((it["lang"], langs[it["sources"][0]]) for it in ans),
        answer_types=Counter(it["answer_type"] for it in ans),
        per_doc=Counter(s for it in known for s in it["sources"] + ([it["near"]] if it.get("near") else [])),
    )
