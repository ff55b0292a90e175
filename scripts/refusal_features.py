#!/usr/bin/env python3
"""Per-question refusal features of the extractive answerer on the dev sets, with their labels (issue 19, item 6).

For faq-dev (over the seeds) and everyday (over eval/everyday/docs/) only, never a test set: each question is
prepared and retrieved once (cached, as scripts/answer_eval.py does), answered with the default weights, and
written as one JSON line with the evidence parts the answerer weighs (``ExtractiveAnswerer.features``) and
candidate features beside them (margins, document shares, words of the question absent from the corpus or from
the chosen sentence's document), and its labels: answerable, answer hit, refused, wrong document.

    nice python scripts/refusal_features.py --index-dir /tmp/evidx --everyday-index OUT/index-everyday \
        --cache /tmp/refuse-cache --out /tmp/refusal-features.jsonl
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.answering import ExtractiveAnswerer, query_terms  # noqa: E402
from evaluation.metrics import _answer_hit  # noqa: E402
from index.retrieving import Index, document_scores  # noqa: E402

_spec = importlib.util.spec_from_file_location("answer_eval", ROOT / "scripts" / "answer_eval.py")
answer_eval = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(answer_eval)


def open_sets(seeds_index: Path, everyday_index: Path, cache_dir: Path):
    """Each dev set with its (already built) index and its cached retrieval."""
    return answer_eval.dev_sets(lambda name: everyday_index if name == "everyday" else seeds_index, cache_dir)


def doc_rows(index: Index) -> dict[str, list[int]]:
    rows: dict[str, list[int]] = {}
    for r, u in enumerate(index.catalog.units):
        rows.setdefault(u.source, []).append(r)
    return rows


def extra_features(answerer: ExtractiveAnswerer, question: str, ranked, retrieved, by_doc, doc_tokens) -> dict:
    """Candidate refusal features beside the shipped ones."""
    from bot.questions import _numbers, answer_type, question_names
    from index.bridging import query_terms as bridged_terms

    index, cat, views = answerer.index, answerer.index.catalog, answerer.views
    first = ranked[0]
    row = cat.unit_index.get(first.unit.unit_id)
    source = cat.units[row].source if row is not None else None
    terms = query_terms(cat, question)
    from bot.answering import _term_groups_cached

    groups = _term_groups_cached(views, tuple(terms))
    absent = sum(w for h, w in terms.items() if not any(a in cat.idf for a in groups.get(h, (h,))))
    in_doc = sum(w for h, w in terms.items() if source and any(a in doc_tokens[source] for a in groups.get(h, (h,))))
    w = index.weights
    bterms = bridged_terms(question, english_targets=bool(cat.lang_counts.get("en")) and w.reverse > 0, pivot=w.pivot > 0,
                           known=cat.idf.__contains__, compounds=w.compounds)
    docs = index.unit_documents()
    dscores = document_scores(cat, bterms, w, docs)
    first_doc_score = float(dscores[row]) if row is not None else 0.0
    per_doc = {}
    for s, rows in by_doc.items():
        per_doc[s] = float(dscores[rows[0]])
    ordered = sorted(per_doc.items(), key=lambda kv: -kv[1])
    best_doc, best_doc_score = ordered[0]
    second_doc_score = ordered[1][1] if len(ordered) > 1 else 0.0
    nums = _numbers(question)
    statements = [c for c in ranked if c.kind in ("statement", "table")] or ranked
    scores = [c.score for c in statements]
    asked = answer_type(question, answerer_lang(question))
    names = question_names(question)
    return {
        "asked": asked or "",
        "first_score": first.score,
        "first_fused": first.unit.score,
        "first_dense": first.unit.dense,
        "first_coverage": first.coverage,
        "first_typed": float(first.typed),
        "first_kind": first.kind,
        "margin3": scores[0] - scores[min(2, len(scores) - 1)],
        "margin5": scores[0] - scores[min(4, len(scores) - 1)],
        "passage_margin": retrieved[0].score - retrieved[-1].score,
        "passage_top": retrieved[0].score,
        "absent_share": absent,
        "doc_coverage": in_doc,
        "doc_only": in_doc - first.coverage,
        "first_doc_score": first_doc_score,
        "best_doc_score": best_doc_score,
        "doc_gap": best_doc_score - second_doc_score,
        "first_in_best_doc": float(source == best_doc),
        "first_doc_deficit": best_doc_score - first_doc_score,
        "numbers_asked": float(bool(nums)),
        "numbers_in_first": float(bool(nums) and nums <= _numbers(first.unit.text)),
        "names": float(len(names)),
        "n_docs_top5": float(len({rp.source for rp in retrieved})),
        "first_source": source,
        "best_doc": best_doc,
    }


def answerer_lang(question: str) -> str:
    from bot.chain import question_language

    return question_language(question)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--index-dir", type=Path, required=True, help="the seeds' index (faq-dev)")
    ap.add_argument("--everyday-index", type=Path, required=True, help="eval/everyday's index (bot eval's <out>/index-everyday)")
    ap.add_argument("--cache", type=Path, required=True, help="a folder for the prepared questions and their passages")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    lines = []
    for name, index, items, cached in open_sets(args.index_dir, args.everyday_index, args.cache):
        answerer = ExtractiveAnswerer(index, index.settings.answering)
        by_doc = doc_rows(index)
        doc_tokens = {s: frozenset().union(*(answerer.views.row_tokens[r] for r in rows)) for s, rows in by_doc.items()}
        for item in items:
            c = cached[item["id"]]
            question = c["focus"] or c["standalone"]
            draft = answerer.answer(c["standalone"], c["lang"], c["retrieved"], focus=c["focus"], avoid=c["avoid"])
            ranked = answerer.candidates(c["standalone"], c["lang"], c["retrieved"], c["focus"])
            result = {"refused": draft.refused, "answer": draft.text,
                      "citations": [{"quote": ct.quote, "text": ct.text, "source": ct.source} for ct in draft.citations]}
            sources = set(item.get("sources") or [])
            row = {"set": name, "id": item["id"], "question": item["question"], "lang": c["lang"],
                   "answerable": bool(item.get("answerable")), "near": item.get("near"),
                   "sources": sorted(sources), "refused": draft.refused, "evidence": draft.evidence_score,
                   "hit": _answer_hit(result, list(item.get("answer_keywords") or [])) if item.get("answerable") else None,
                   "answer": draft.text[:200]}
            if ranked:
                row.update(answerer.features(question, c["lang"], ranked))
                row.update(extra_features(answerer, question, ranked, c["retrieved"], by_doc, doc_tokens))
                row["doc_lang"] = ranked[0].unit.unit_id and index.catalog.units[index.catalog.unit_index[ranked[0].unit.unit_id]].lang
                row["wrong_doc"] = (row["first_source"] not in sources) if sources else None
            lines.append(json.dumps(row, ensure_ascii=False, default=float))
    args.out.write_text("\n".join(lines) + "\n")
    print(f"{len(lines)} questions -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
