#!/usr/bin/env python3
"""Check an evaluation set (a folder with ``docs/`` and ``questions.jsonl`` or ``parts/*.jsonl``) against the
rules every question set of this project follows, without reading anything of the answerer.

Written for the people who write evaluation documents and questions: it needs only the standard library, and
it prints every problem with the item's line and id, so a writer can fix them one by one.

    python scripts/check_eval_set.py eval/everyday            # all questions files of the set
    python scripts/check_eval_set.py eval/everyday --stats    # counts by language pair, type, document

The rules are ``evaluation/checks.py``'s (the same tests/test_faq_dataset.py applies to every set): schema,
keywords verbatim in their source and in no other document (at most 5 times), questions copying at most 19
consecutive characters of their source, unique ids.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evaluation.checks import check_folder, stats  # noqa: E402  (standard library only)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--stats", action="store_true", help="also print counts")
    a = ap.parse_args()
    if not (a.folder / "docs").is_dir():
        print(f"{a.folder} has no docs/ folder (a set is docs/ and questions.jsonl or parts/*.jsonl)")
        return 1
    problems, items, docs = check_folder(a.folder)
    for p in problems:
        print(p)
    if a.stats or not problems:
        print(stats(items, docs).lines())
    print(f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
