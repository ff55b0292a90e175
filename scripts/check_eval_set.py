#!/usr/bin/env python3
"""Check an evaluation set (a folder with ``docs/`` and ``questions.jsonl`` or ``parts/*.jsonl``) against the
rules every FAQ file of this project follows, without reading anything of the answerer.

Written for the people who write evaluation documents and questions: it needs only the standard library, and
it prints every problem with the item's id, so a writer can fix them one by one.

    python scripts/check_eval_set.py eval/everyday            # all questions files of the set
    python scripts/check_eval_set.py eval/everyday --stats    # counts by language pair, type, document

Rules (the same as tests/test_faq_dataset.py applies to eval/faq.jsonl and eval/userdocs/):
- schema: id, question, lang (en/ko/ja), sources (file names in docs/), answer_keywords, answerable,
  answer_type (number/date/person/place/article/other), reference_answer; optional history, near;
- an answerable item has sources and keywords; an unanswerable one has neither (``near`` may name the document
  it is a plausible question about);
- each keyword occurs verbatim (after NFKC, casefolding and removing whitespace) in one of its sources, in no
  other document, and at most 5 times in all;
- a question shares at most 19 consecutive characters (punctuation and spaces ignored) with its source;
- ids are unique.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path

LANGS = {"en", "ko", "ja"}
ANSWER_TYPES = {"number", "date", "person", "place", "article", "other"}
REQUIRED = {"id": str, "question": str, "lang": str, "sources": list, "answer_keywords": list, "answerable": bool,
            "answer_type": str, "reference_answer": str}
OPTIONAL = {"history": list, "near": str}
MAX_OCCURRENCES = 5
MAX_COPIED_CHARS = 19


def norm(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text).casefold())


def doc_lang(text: str) -> str:
    kana = len(re.findall(r"[\u3040-\u30ff]", text))
    hangul = len(re.findall(r"[\uac00-\ud7a3]", text))
    if kana + hangul < 20:
        return "en"
    return "ja" if kana > hangul else "ko"


def longest_copied(question: str, source: str) -> int:
    q = re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", question).casefold())
    src = re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", source).casefold())
    best = 0
    for i in range(len(q)):
        j = i + best + 1
        while j <= len(q) and q[i:j] in src:
            best, j = j - i, j + 1
    return best


def load_items(folder: Path) -> list[tuple[str, dict]]:
    files = [folder / "questions.jsonl"] if (folder / "questions.jsonl").is_file() else sorted((folder / "parts").glob("*.jsonl"))
    items = []
    for f in files:
        for n, line in enumerate(f.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip():
                try:
                    items.append((f"{f.name}:{n}", json.loads(line)))
                except json.JSONDecodeError as exc:
                    items.append((f"{f.name}:{n}", {"_error": str(exc)}))
    return items


def check(folder: Path) -> tuple[list[str], list[dict], dict[str, str]]:
    docs = {p.name: p.read_text(encoding="utf-8") for p in sorted((folder / "docs").iterdir()) if p.is_file()}
    normed = {name: norm(text) for name, text in docs.items()}
    problems: list[str] = []
    items = []
    seen: Counter = Counter()
    for where, it in load_items(folder):
        if "_error" in it:
            problems.append(f"{where}: not JSON ({it['_error']})")
            continue
        iid = it.get("id", where)
        say = lambda msg: problems.append(f"{where} {iid}: {msg}")  # noqa: E731
        missing = set(REQUIRED) - set(it)
        extra = set(it) - set(REQUIRED) - set(OPTIONAL)
        if missing or extra:
            say(f"missing {sorted(missing)} / unknown {sorted(extra)}")
            continue
        if any(not isinstance(it[k], t) for k, t in {**REQUIRED, **OPTIONAL}.items() if k in it):
            say("a field has the wrong type")
            continue
        seen[iid] += 1
        items.append(it)
        if it["lang"] not in LANGS:
            say(f"lang {it['lang']!r} is not en/ko/ja")
        if it["answer_type"] not in ANSWER_TYPES:
            say(f"answer_type {it['answer_type']!r} not in {sorted(ANSWER_TYPES)}")
        if not it["reference_answer"].strip():
            say("empty reference_answer")
        unknown = [s for s in it["sources"] + ([it["near"]] if it.get("near") else []) if s not in docs]
        if unknown:
            say(f"unknown document(s) {unknown}")
            continue
        if it["answerable"]:
            if not it["sources"] or not it["answer_keywords"]:
                say("answerable but no sources or no keywords")
        elif it["sources"] or it["answer_keywords"]:
            say("unanswerable items have sources [] and answer_keywords [] (use 'near' for the document)")
        for k in it["answer_keywords"]:
            nk = norm(k)
            own = sum(normed[s].count(nk) for s in it["sources"])
            elsewhere = [n for n in normed if n not in it["sources"] and nk in normed[n]]
            if not own:
                say(f"keyword {k!r} is not verbatim in its source(s)")
            if elsewhere:
                say(f"keyword {k!r} also occurs in {elsewhere}: make it longer or more specific")
            if own > MAX_OCCURRENCES:
                say(f"keyword {k!r} occurs {own} times in its source (at most {MAX_OCCURRENCES})")
        for s in it["sources"] + ([it["near"]] if it.get("near") else []):
            copied = longest_copied(it["question"], docs[s])
            if copied > MAX_COPIED_CHARS:
                say(f"question copies {copied} consecutive characters of {s} (at most {MAX_COPIED_CHARS}): rephrase")
    problems += [f"id {k!r} used {v} times" for k, v in seen.items() if v > 1]
    return problems, items, docs


def stats(items: list[dict], docs: dict[str, str]) -> str:
    langs = {name: doc_lang(text) for name, text in docs.items()}
    ans = [it for it in items if it["answerable"]]
    pairs = Counter((it["lang"], langs[it["sources"][0]]) for it in ans)
    cross = sum(v for (q, d), v in pairs.items() if q != d)
    un = [it for it in items if not it["answerable"]]
    un_cross = sum(1 for it in un if it.get("near") and langs[it["near"]] != it["lang"])
    per_doc = Counter(s for it in items for s in it["sources"] + ([it["near"]] if it.get("near") else []))
    lines = [f"documents: {len(docs)} ({dict(Counter(langs.values()))})",
             f"questions: {len(items)}, answerable {len(ans)}, unanswerable {len(un)} ({len(un) / max(1, len(items)):.0%})",
             f"cross-lingual: {(cross + un_cross) / max(1, len(items)):.0%} of all (answerable {cross}/{len(ans)})",
             "pairs (question→document): " + ", ".join(f"{q}→{d} {v}" for (q, d), v in sorted(pairs.items())),
             "answer types: " + ", ".join(f"{k} {v}" for k, v in Counter(it["answer_type"] for it in ans).most_common()),
             "per document: " + ", ".join(f"{k} {v}" for k, v in sorted(per_doc.items()))]
    missing = [n for n in docs if not per_doc[n]]
    if missing:
        lines.append(f"documents without questions: {missing}")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--stats", action="store_true", help="also print counts")
    a = ap.parse_args()
    problems, items, docs = check(a.folder)
    for p in problems:
        print(p)
    if a.stats or not problems:
        print(stats(items, docs))
    print(f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
