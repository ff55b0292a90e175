#!/usr/bin/env python3
"""Answer hit, refusals and citations of the extractive answer step alone, on retrieval cached once.

A fast loop for answerer work (``bot/answering.py``, ``bot/questions.py``, ``AnswerWeights``): each
question goes through the chain's own preparation and retrieval once (kept in ``--cache``), and every
run after that re-runs only sentence selection and refusal, so a split takes about a second where
``bot eval`` takes minutes. It scores with the evaluation's own metric (``answer_hit``: a non-refused
answer whose cited sentences hold a keyword), so its numbers are ``bot eval``'s answer columns as long as
retrieval has not changed since the cache was made (``--refresh`` re-retrieves).

    python scripts/answer_eval.py --index-dir /tmp/x-index --cache /tmp/x-dev.pkl [--split dev] [--failures]
    python scripts/answer_eval.py --index-dir /tmp/u-index --dataset eval/userdocs/questions.jsonl --split all --cache /tmp/u.pkl
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import pickle
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.answering import ExtractiveAnswerer  # noqa: E402
from bot.chain import Chatbot  # noqa: E402
from evaluation.datasets import load_dataset, select_split  # noqa: E402
from evaluation.metrics import contains_keyword  # noqa: E402
from index.retrieving import Index  # noqa: E402
from index.settings import AnswerWeights, Settings  # noqa: E402


def dev_sets(index_dir_of, cache_dir: Path, build: bool = False) -> list[tuple[str, Index, list[dict], dict]]:
    """Each dev set (faq-dev over the seeds, everyday over its documents; never a test set) as (name, index, items,
    retrieval), the retrieval prepared once and kept in ``cache_dir``: the study scripts re-score it many times.
    ``index_dir_of(name)`` says where a set's index is; ``build`` builds it there first."""
    from evaluation.datasets import plan_sets
    from index.indexing import run_index

    base = Settings.load()
    cache_dir.mkdir(parents=True, exist_ok=True)
    out = []
    for eset in plan_sets(None, "dev"):
        docs = [eset.corpus] if eset.corpus else base.docs
        settings = dataclasses.replace(base, index_dir=Path(index_dir_of(eset.name)), docs=docs, chroma_url=None)
        if build:
            run_index(settings)
        index = Index.open(settings)
        cache = cache_dir / f"prepared-{eset.name}.pkl"
        cached = pickle.loads(cache.read_bytes()) if cache.exists() else {}
        missing = [it for it in eset.items if it["id"] not in cached]
        if missing:
            cached.update(prepare(Chatbot(settings, index=index), missing))
            cache.write_bytes(pickle.dumps(cached))
        out.append((eset.name, index, eset.items, cached))
    return out


def prepare(bot: Chatbot, items: list[dict]) -> dict[str, dict]:
    """What the answer step sees for each question: the chain's standalone question, focus, avoid and passages."""
    out = {}
    for item in items:
        history = list(item.get("history") or [])
        turn = bot._prepare(item["question"], history, None)
        bot._retrieve(turn)
        out[item["id"]] = {"standalone": turn.standalone, "lang": turn.lang, "focus": turn.focus,
                           "avoid": turn.avoid, "retrieved": turn.retrieved}
        turn.index = None
    return out


def score(index: Index, items: list[dict], cached: dict[str, dict], config: AnswerWeights) -> list[dict]:
    answerer = ExtractiveAnswerer(index, config)
    rows = []
    for item in items:
        c = cached[item["id"]]
        draft = answerer.answer(c["standalone"], c["lang"], c["retrieved"], focus=c["focus"], avoid=c["avoid"])
        ranked = answerer.candidates(c["standalone"], c["lang"], c["retrieved"], c["focus"])
        question = c["focus"] or c["standalone"]
        keywords = item.get("answer_keywords") or []
        in_k = any(contains_keyword(u.text, keywords) for rp in c["retrieved"] for u in rp.units) if keywords else False
        hit = not draft.refused and any(contains_keyword(ct.text or ct.quote, keywords) for ct in draft.citations)
        rows.append({
            "id": item["id"], "question": item["question"], "lang": item["lang"], "answerable": bool(item.get("answerable")),
            "refused": draft.refused, "hit": hit, "in_k": in_k, "n_citations": len(draft.citations),
            "evidence": answerer.evidence(question, c["lang"], ranked) if ranked else float("-inf"),
            "features": answerer.features(question, c["lang"], ranked) if ranked else {},
            "answer": draft.text, "keywords": keywords,
            "gold": next((u.text for rp in c["retrieved"] for u in rp.units if keywords and contains_keyword(u.text, keywords)), ""),
        })
    return rows


def report(name: str, rows: list[dict]) -> str:
    ans = [r for r in rows if r["answerable"]]
    una = [r for r in rows if not r["answerable"]]
    given = [r for r in rows if not r["refused"]]
    hit = sum(r["hit"] for r in ans) / len(ans) if ans else 0.0
    in_k = sum(r["in_k"] for r in ans) / len(ans) if ans else 0.0
    cites = sum(r["n_citations"] for r in given) / len(given) if given else 0.0
    return (f"{name:9} answer hit {hit:.2f} (in k: {in_k:.2f})  refused unanswerable {sum(r['refused'] for r in una)}/{len(una)}"
            f"  false refusals {sum(r['refused'] for r in ans)}/{len(ans)}  cites/answer {cites:.2f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--index-dir", type=Path, required=True)
    ap.add_argument("--dataset", type=Path, default=ROOT / "eval" / "faq.jsonl")
    ap.add_argument("--split", default="dev", choices=["dev", "test", "all"])
    ap.add_argument("--cache", type=Path, required=True, help="the prepared questions and their passages (made once)")
    ap.add_argument("--refresh", action="store_true", help="re-run retrieval into the cache (after a retrieval change)")
    ap.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE", help="an AnswerWeights field to try")
    ap.add_argument("--failures", action="store_true", help="list wrong answers, refusals of answerables, answered unanswerables")
    ap.add_argument("--json", type=Path, help="write the per-question rows (with refusal features) here")
    args = ap.parse_args(argv)

    items = load_dataset(args.dataset)
    if args.split != "all":
        items = select_split(items, args.split)
    settings = Settings.load(index_dir=args.index_dir)
    index = Index.open(settings)
    cached = pickle.loads(args.cache.read_bytes()) if args.cache.exists() and not args.refresh else {}
    missing = [it for it in items if it["id"] not in cached]
    if missing:
        cached.update(prepare(Chatbot(settings, index=index), missing))
        args.cache.write_bytes(pickle.dumps(cached))
    overrides = {}
    for pair in args.set:
        name, _, value = pair.partition("=")
        overrides[name] = json.loads(value)
    config = dataclasses.replace(settings.answering, **overrides)
    t0 = time.perf_counter()
    rows = score(index, items, cached, config)
    seconds = time.perf_counter() - t0
    print(report(args.split, rows))
    print(f"{len(rows)} questions in {seconds:.1f} s; load {open('/proc/loadavg').read().split()[0]}")
    if args.failures:
        for r in rows:
            wrong = (r["answerable"] and not r["hit"]) or (not r["answerable"] and not r["refused"])
            if wrong:
                tag = "REFUSED" if r["refused"] else ("ANSWERED" if not r["answerable"] else ("SELECT" if r["in_k"] else "RETRIEVE"))
                print(f"\n[{r['id']}] {tag} ev={r['evidence']:.2f} {r['question']}\n  got:  {r['answer'][:170]}")
                if r["gold"]:
                    print(f"  gold: {r['gold'][:170]}")
    if args.json:
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
