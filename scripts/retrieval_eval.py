#!/usr/bin/env python3
"""Evidence hit@1/3/5 and MRR of retrieval alone (``Index.search``), overall and by language pair.

A fast loop for retrieval work: no answerer, no baseline, so a split of the FAQ runs in seconds where
``bot eval`` takes minutes. It asks what the chatbot would ask (a follow-up is joined to the question
before it, as ``bot/chain.py`` does without an LLM) and scores with the evaluation's own metric
(``evidence_rank``: the first retrieved passage holding an answer keyword), so its numbers are
``bot eval``'s evidence columns.

    python scripts/retrieval_eval.py --index-dir /tmp/x-index [--split dev] [--dataset eval/faq.jsonl] [--failures]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evaluation.datasets import load_dataset, select_split  # noqa: E402
from evaluation.metrics import evidence_rank  # noqa: E402
from evaluation.running import document_languages  # noqa: E402
from bot.questions import content_words, is_follow_up  # noqa: E402
from index.retrieving import Index  # noqa: E402
from index.settings import Settings  # noqa: E402



def retrieval_query(item: dict) -> str:
    """The query the chatbot retrieves with when no LLM is configured."""
    question = item["question"]
    previous = [t["content"] for t in item.get("history") or [] if t.get("role") == "user" and t.get("content")]
    if previous and is_follow_up(question, item["lang"], len(content_words(question))):
        return f"{previous[-1]} {question}"
    return question


def run(index: Index, items: list[dict], k: int = 5) -> list[dict]:
    doc_langs = document_languages(index.catalog)
    rows = []
    for item in items:
        if not item.get("answerable"):
            continue
        retrieved = index.search(retrieval_query(item), k)
        result = {"retrieved": [rp.to_dict() for rp in retrieved]}
        rank = evidence_rank(result, item)
        sources = item.get("sources") or []
        top = retrieved[0].units[0] if retrieved and retrieved[0].units else None
        rows.append({
            "id": item["id"], "question": item["question"], "lang": item["lang"],
            "doc_lang": item.get("doc_lang") or (doc_langs.get(sources[0]) if sources else None),
            "rank": rank, "keywords": item.get("answer_keywords"), "top": top.text if top else "",
            "top_source": retrieved[0].passage.source if retrieved else "",
        })
    return rows


class CachedEmbedder:
    """The index's embedder with its query encodings kept on disk by text: reruns that change only
    keyword or fusion code then cost no model time (the model is deterministic)."""

    def __init__(self, inner, path: Path):
        import pickle

        self.inner, self.path = inner, path
        self.cache = pickle.loads(path.read_bytes()) if path.exists() else {}
        self.dirty = False

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def _get(self, kind: str, texts: list[str], fn):
        missing = [t for t in texts if (kind, t) not in self.cache]
        if missing:
            for t, v in zip(missing, fn(missing) if kind == "dense" else [fn([t]) for t in missing]):
                self.cache[(kind, t)] = v
            self.dirty = True
        return [self.cache[(kind, t)] for t in texts]

    def encode_queries(self, texts):
        import numpy as np

        return np.stack(self._get("dense", list(texts), self.inner.encode_queries))

    def sparse(self, texts):
        import scipy.sparse as sp

        return sp.vstack(self._get("sparse", list(texts), self.inner.sparse))

    def save(self) -> None:
        import pickle

        if self.dirty:
            self.path.write_bytes(pickle.dumps(self.cache))


def retokenize(index: Index) -> None:
    """Keyword tokens made afresh in memory, so a tokenizer change is measured without re-embedding."""
    from index.tokenizing import index_tokens

    for rec in index.catalog.files.values():
        rec.tokens = [index_tokens(u.text, u.lang) for u in rec.units]
    index.catalog.build_keyword_index(None)


def summary(rows: list[dict]) -> dict:
    n = len(rows)
    if not n:
        return {"n": 0}
    out = {"n": n}
    for k in (1, 3, 5):
        out[f"@{k}"] = sum(1 for r in rows if r["rank"] and r["rank"] <= k) / n
    out["mrr"] = sum(1 / r["rank"] for r in rows if r["rank"]) / n
    return out


def fmt(name: str, s: dict) -> str:
    if not s["n"]:
        return f"{name:8} n=0"
    return f"{name:8} n={s['n']:3}  @1 {s['@1']:.2f}  @3 {s['@3']:.2f}  @5 {s['@5']:.2f}  MRR {s['mrr']:.2f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--index-dir", type=Path, required=True)
    ap.add_argument("--dataset", type=Path, default=ROOT / "eval" / "faq.jsonl")
    ap.add_argument("--split", default="dev", choices=["dev", "test", "all"])
    ap.add_argument("--failures", action="store_true", help="list the questions whose evidence is not first")
    ap.add_argument("--json", type=Path, help="write the per-question rows here")
    ap.add_argument("--cache", type=Path, help="keep query embeddings in this file between runs")
    ap.add_argument("--retokenize", action="store_true",
                    help="re-make the keyword tokens with the current index/tokenizing.py (no rebuild, nothing written)")
    args = ap.parse_args(argv)

    items = load_dataset(args.dataset)
    if args.split != "all":
        items = select_split(items, args.split)
    index = Index.open(Settings.load(index_dir=args.index_dir))
    if args.cache:
        index.embedder = CachedEmbedder(index.embedder, args.cache)
    if args.retokenize:
        retokenize(index)
    index.search("warm up 준비 準備", 5)
    t0 = time.perf_counter()
    rows = run(index, items)
    seconds = time.perf_counter() - t0
    if args.cache:
        index.embedder.save()
    print(fmt("all", summary(rows)))
    pairs = defaultdict(list)
    for r in rows:
        pairs[f"{r['lang']}>{r['doc_lang']}"].append(r)
    for pair in sorted(pairs):
        print(fmt(pair, summary(pairs[pair])))
    print(f"{len(rows)} questions in {seconds:.1f} s; load {open('/proc/loadavg').read().split()[0]}")
    if args.failures:
        for r in rows:
            if r["rank"] != 1:
                print(f"\n[{r['id']}] rank={r['rank']} {r['question']}\n  gold: {r['keywords']}\n  top1 ({r['top_source']}): {r['top'][:160]}")
    if args.json:
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
