#!/usr/bin/env python3
"""The LLM judge's P(yes) for every extractive answer of the dev sets, for the refusal study (issue 19, item 6).

For faq-dev and everyday only (never a test set), on the retrieval cached by scripts/refusal_features.py: each
question is answered with refusal switched off, and the judge (bot/judging.py, ``--judge``) is asked whether the
quoted sentences state the answer. One JSON line per question: id, set, answerable, evidence, p_yes.

    nice python scripts/refusal_judge.py --index-dir /tmp/evidx --everyday-index OUT/index-everyday \
        --cache /tmp/refuse-cache --judge local:MODEL.gguf --out /tmp/refusal-judge.jsonl [--only everyday --every 3]
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT))

import refusal_features  # noqa: E402
from bot.answering import ExtractiveAnswerer  # noqa: E402
from bot.judging import Judge  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--index-dir", type=Path, required=True)
    ap.add_argument("--everyday-index", type=Path, required=True)
    ap.add_argument("--cache", type=Path, required=True)
    ap.add_argument("--judge", required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--only", choices=["faq-dev", "everyday"], help="one dev set")
    ap.add_argument("--every", type=int, default=1, help="every n-th question of a set (a fixed sample: the judge takes seconds a pair)")
    args = ap.parse_args(argv)
    done = {json.loads(line)["id"] for line in args.out.read_text().splitlines()} if args.out.exists() else set()
    judge = None
    with args.out.open("a") as out:
        for name, index, items, cached in refusal_features.open_sets(args.index_dir, args.everyday_index, args.cache):
            config = dataclasses.replace(index.settings.answering, refuse_below=-math.inf)
            answerer = ExtractiveAnswerer(index, config)
            judge = judge or Judge(args.judge, index.settings)
            if args.only and name != args.only:
                continue
            for item in items[::args.every]:
                if item["id"] in done:
                    continue
                c = cached[item["id"]]
                draft = answerer.answer(c["standalone"], c["lang"], c["retrieved"], focus=c["focus"], avoid=c["avoid"])
                passage = " ".join(ct.quote for ct in draft.citations)
                t0 = time.perf_counter()
                p = judge.p_yes(c["standalone"], passage) if passage else 0.0
                out.write(json.dumps({"id": item["id"], "set": name, "answerable": bool(item.get("answerable")),
                                      "evidence": draft.evidence_score, "p_yes": p,
                                      "seconds": round(time.perf_counter() - t0, 2)}) + "\n")
                out.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
