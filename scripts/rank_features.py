#!/usr/bin/env python3
"""Which candidate sentence comes first: every score part behind the answerer's ranking, on the dev sets (issue 19).

For faq-dev (over the seeds) and everyday (over eval/everyday/docs/) only, never a test set. Each answerable
question is prepared and retrieved once (cached, as scripts/refusal_features.py does); then every sentence of
its retrieved passages is written as one JSON line with the parts the fusion adds (per-language dense z, sparse
z, keyword/BM25, document score; index/retrieving.py ``unit_scores``) and the parts the answerer adds (answer
type, coverage, sentence kind; bot/answering.py ``candidates``), where it stands (passage rank, place in its
document, length, same or other language than the question) and its label: does it hold an answer keyword.

    nice python scripts/rank_features.py dump --index-dir /tmp/evidx --everyday-index OUT/index-everyday \
        --cache /tmp/rank-cache --out /tmp/rank-features.jsonl
    python scripts/rank_features.py fit /tmp/rank-features.jsonl

``fit`` scores today's ranking and simple linear re-weightings of those parts across genres: fitted on faq-dev and
tested on everyday, the reverse, and grouped by document within everyday (docs/ranking.md).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# a candidate's answerer score is the sum of these parts times today's weights (index/settings.py)
PARTS = ("dense_z_same", "dense_z_cross", "sparse_z", "keyword_same", "keyword_cross", "document",
         "typed", "coverage", "kind_penalty", "caption", "other_lang", "rest")


def baseline_weights() -> dict[str, float]:
    """Today's weights of the parts: the answerer's ranking is exactly this linear score."""
    from index.settings import AnswerWeights, RetrievalWeights

    r, a = RetrievalWeights(), AnswerWeights()
    return {"dense_z_same": 1.0, "dense_z_cross": r.cross_dense, "sparse_z": r.sparse, "keyword_same": r.keyword,
            "keyword_cross": r.keyword * r.cross_keyword, "document": r.document, "typed": a.type_bonus,
            "coverage": a.coverage_weight, "kind_penalty": -1.0, "caption": -a.minority_penalty,
            "other_lang": a.other_language_bonus, "rest": 1.0}


# ---------------------------------------------------------------- dump

def open_sets(seeds_index: Path, everyday_index: Path, cache_dir: Path):
    """Each dev set with its (already built) index and its cached retrieval."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("answer_eval", ROOT / "scripts" / "answer_eval.py")
    answer_eval = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(answer_eval)
    return answer_eval.dev_sets(lambda name: everyday_index if name == "everyday" else seeds_index, cache_dir)


def question_rows(name: str, index, answerer, item: dict, c: dict) -> list[dict]:
    """One row per candidate sentence of one question, best (today) first."""
    from bot.questions import vague_date
    from evaluation.metrics import _answer_hit, contains_keyword
    from index.languages import detect_language

    cat, cfg, w = index.catalog, answerer.config, index.weights
    ranked = answerer.candidates(c["standalone"], c["lang"], c["retrieved"], c["focus"])
    if not ranked:
        return []
    draft = answerer.answer(c["standalone"], c["lang"], c["retrieved"], focus=c["focus"], avoid=c["avoid"])
    keywords = list(item.get("answer_keywords") or [])
    result = {"refused": draft.refused, "answer": draft.text, "citations": [{"quote": ct.quote, "text": ct.text} for ct in draft.citations]}
    hit = _answer_hit(result, keywords)
    query = c["standalone"]  # what the chain retrieved with (bot/chain.py retrieval_query)
    fused, signals = index.unit_scores(query)
    qlang = detect_language(query)
    english = qlang == "en"  # retrieval weighs an English question's (bridged) keywords alike in every language
    sources = set(item.get("sources") or [])
    places = {u.id: i for i, u in enumerate(cat.files[next(iter(sources))].units)} if sources & set(cat.files) else {}
    places.update({u.id: i for cand in ranked for rec in [cat.files.get(cat.units[cat.unit_index[cand.unit.unit_id]].source)]
                   if rec for i, u in enumerate(rec.units)})
    rows = []
    for rank, cand in enumerate(ranked):
        r = cat.unit_index[cand.unit.unit_id]
        unit = cat.units[r]
        cross = float(unit.lang != qlang and not english)
        typed = float(cand.typed) * (cfg.vague_date_share if cand.typed and vague_date(unit.text) and cfg.type_bonus else 1.0)
        penalty = cfg.kind_penalty.get(cand.kind, 0.0)
        caption = float(cand.kind == "caption")
        part = {"dense_z_same": float(signals["dense_z"][r]) * (1 - cross),
                "dense_z_cross": float(signals["dense_z"][r]) * cross / (w.cross_dense or 1.0),
                "sparse_z": float(signals["sparse_z"][r]),
                "keyword_same": float(signals["keyword"][r]) * (1 - cross),
                "keyword_cross": float(signals["keyword"][r]) * cross,
                "document": float(signals["document"][r]), "typed": typed, "coverage": cand.coverage,
                "kind_penalty": penalty, "caption": caption, "other_lang": float(unit.lang != c["lang"])}
        base = baseline_weights()
        part["rest"] = cand.score - sum(base[k] * v for k, v in part.items())  # follow-up focus; ~0 otherwise
        rows.append({"set": name, "qid": item["id"], "qlang": c["lang"], "doc": sorted(sources)[0] if sources else "",
                     "rank": rank, "n": cand.n, "score": cand.score, "fused": cand.unit.score, "fused_now": float(fused[r]),
                     "dense": cand.unit.dense, "sparse": cand.unit.sparse, "kind": cand.kind, "cross": cross,
                     "lang": unit.lang, "source": unit.source, "right_doc": unit.source in sources,
                     "first_unit": answerer.views.first_unit(unit.id), "position": places.get(unit.id, -1),
                     "chars": len(unit.text), "label": contains_keyword(unit.text, keywords),
                     "answer_hit": hit, "refused": draft.refused, "text": unit.text[:160], **part})
    return rows


def dump(args) -> int:
    from bot.answering import ExtractiveAnswerer

    lines = []
    for name, index, items, cached in open_sets(args.index_dir, args.everyday_index, args.cache):
        answerer = ExtractiveAnswerer(index, index.settings.answering)
        for item in items:
            if item.get("answerable"):
                lines += [json.dumps(r, ensure_ascii=False) for r in question_rows(name, index, answerer, item, cached[item["id"]])]
    args.out.write_text("\n".join(lines) + "\n")
    print(f"{len(lines)} candidates -> {args.out}")
    return 0


# ---------------------------------------------------------------- fit

@dataclasses.dataclass
class Questions:
    """The candidates of each question as arrays: features (candidates × parts), labels, and the question's groups."""

    qid: list[str]
    sets: list[str]
    docs: list[str]
    x: list[np.ndarray]
    y: list[np.ndarray]
    answer_hit: list[bool]

    def subset(self, keep) -> "Questions":
        idx = [i for i in range(len(self.qid)) if keep(i)]
        return Questions(*([getattr(self, f.name)[i] for i in idx] for f in dataclasses.fields(self)))


def load(path: Path, parts: tuple[str, ...]) -> Questions:
    by_q: dict[str, list[dict]] = {}
    for line in path.read_text().splitlines():
        if line.strip():
            row = json.loads(line)
            by_q.setdefault(row["qid"], []).append(row)
    q = Questions([], [], [], [], [], [])
    for qid, rows in by_q.items():
        rows.sort(key=lambda r: r["rank"])
        q.qid.append(qid)
        q.sets.append(rows[0]["set"])
        q.docs.append(rows[0]["doc"])
        q.x.append(np.array([[feature(r, p) for p in parts] for r in rows], dtype=np.float64))
        q.y.append(np.array([r["label"] for r in rows], dtype=bool))
        q.answer_hit.append(bool(rows[0]["answer_hit"]))
    return q


def feature(row: dict, name: str) -> float:
    """A part, or a derived candidate feature: its kind, passage rank, place, length."""
    if name in row and not isinstance(row[name], str):
        return float(row[name])
    if name.startswith("kind="):
        return float(row["kind"] == name[5:])
    if name == "passage_rank":
        return float(row["n"] - 1)
    if name == "other_lang" and name not in row:  # a dump made before the part was
        return float(row["lang"] != row["qlang"])
    if name == "log_chars":
        return float(np.log1p(row["chars"]))
    if name == "early":  # among its document's first three sentences (titles, subject lines, greetings)
        return float(0 <= row["position"] < 3)
    raise KeyError(name)


def top1(q: Questions, w: np.ndarray) -> float:
    """Share of questions whose best candidate under ``w`` holds an answer keyword (ties: today's order)."""
    hits = [bool(y[int(np.argmax(x @ w))]) for x, y in zip(q.x, q.y)]
    return float(np.mean(hits)) if hits else float("nan")


def pairwise_fit(q: Questions, start: np.ndarray, l2: float, fixed: tuple[int, ...] = (0, PARTS.index("rest"))) -> np.ndarray:
    """Pairwise logistic ranker (every keyword sentence against every other of its question), shrunk toward ``start``;
    the ``fixed`` weights are held at their start values (the scale is free in a ranking; ``rest`` is the follow-up terms)."""
    diffs = []
    for x, y in zip(q.x, q.y):
        if y.any() and (~y).any():
            pos, neg = x[y], x[~y]
            d = (pos[:, None, :] - neg[None, :, :]).reshape(-1, x.shape[1])
            diffs.append(d)
    if not diffs:
        return start.copy()
    from scipy.optimize import minimize

    d = np.vstack(diffs)
    per_pair = np.concatenate([np.full(len(x), 1.0 / len(x)) for x in diffs])  # each question weighs the same
    mask = np.ones(len(start), dtype=bool)
    mask[list(fixed)] = False

    def loss(free):
        w = start.copy()
        w[mask] = free
        z = d @ w
        lo = np.logaddexp(0.0, -z)
        g = -1.0 / (1.0 + np.exp(z))
        val = float((lo * per_pair).sum()) / len(diffs) + l2 * float(((w - start) ** 2).sum())
        grad = (d * (g * per_pair)[:, None]).sum(0) / len(diffs) + 2 * l2 * (w - start)
        return val, grad[mask]

    res = minimize(loss, start[mask], jac=True, method="L-BFGS-B")
    w = start.copy()
    w[mask] = res.x
    return w


def coordinate_fit(q: Questions, start: np.ndarray, grid=(0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0), rounds: int = 2,
                   fixed: tuple[int, ...] = (0, PARTS.index("rest"))) -> np.ndarray:
    """Greedy search of one weight at a time over a few multiples of its start value, for top-1 (ties keep the old)."""
    w = start.copy()
    for _ in range(rounds):
        for j in range(len(w)):
            if j in fixed:
                continue
            best, best_v = top1(q, w), w[j]
            for m in grid:
                v = start[j] * m if start[j] else m - 1.0
                trial = w.copy()
                trial[j] = v
                s = top1(q, trial)
                if s > best + 1e-9:
                    best, best_v = s, v
            w[j] = best_v
    return w


def fit(args) -> int:
    parts = PARTS + tuple(args.extra or ())
    q = load(args.features, parts)
    base = baseline_weights()
    start = np.array([base.get(p, 0.0) for p in parts])
    fixed = tuple(i for i, p in enumerate(parts) if p in ("dense_z_same", "rest") or (args.free and p not in args.free))
    faq, every = q.subset(lambda i: q.sets[i] == "faq-dev"), q.subset(lambda i: q.sets[i] == "everyday")
    report = {"parts": parts, "baseline": dict(zip(parts, start.tolist()))}
    for name, s in (("faq-dev", faq), ("everyday", every)):
        report[f"{name} questions"] = len(s.qid)
        report[f"{name} today top-1"] = top1(s, start)
        report[f"{name} today answer hit"] = float(np.mean(s.answer_hit))
        report[f"{name} keyword in candidates"] = float(np.mean([y.any() for y in s.y]))
    for method in ("pairwise", "coordinate"):
        for l2 in (args.l2 if method == "pairwise" else [None]):
            label = f"{method}" + (f" l2={l2:g}" if l2 is not None else "")
            for train_name, train, test_name, test in (("faq-dev", faq, "everyday", every), ("everyday", every, "faq-dev", faq)):
                w = pairwise_fit(train, start, l2, fixed) if method == "pairwise" else coordinate_fit(train, start, fixed=fixed)
                report[f"{label}: fit {train_name}"] = {"train top-1": top1(train, w), f"{test_name} top-1": top1(test, w),
                                                       "weights": dict(zip(parts, np.round(w, 3).tolist()))}
            docs = sorted(set(every.docs))
            held = []
            for doc in docs:
                tr, te = every.subset(lambda i: every.docs[i] != doc), every.subset(lambda i: every.docs[i] == doc)
                w = pairwise_fit(tr, start, l2, fixed) if method == "pairwise" else coordinate_fit(tr, start, fixed=fixed)
                held += [bool(y[int(np.argmax(x @ w))]) for x, y in zip(te.x, te.y)]
            report[f"{label}: everyday leave-one-document-out top-1"] = float(np.mean(held))
    print(json.dumps(report, ensure_ascii=False, indent=1))
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1))
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    d = sub.add_parser("dump", help="write every candidate's score parts and label")
    d.add_argument("--index-dir", type=Path, required=True, help="the seeds' index (faq-dev)")
    d.add_argument("--everyday-index", type=Path, required=True, help="eval/everyday's index (bot eval's <out>/index-everyday)")
    d.add_argument("--cache", type=Path, required=True, help="a folder for the prepared questions and their passages")
    d.add_argument("--out", type=Path, required=True)
    f = sub.add_parser("fit", help="today's ranking against re-weightings, across genres")
    f.add_argument("features", type=Path)
    f.add_argument("--extra", action="append", help="a further feature (kind=table, passage_rank, early, log_chars, ...)")
    f.add_argument("--l2", type=float, action="append", default=None)
    f.add_argument("--free", action="append", help="fit only these parts (the rest keep today's weights)")
    f.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    if args.command == "fit" and not args.l2:
        args.l2 = [0.01, 0.1]
    return dump(args) if args.command == "dump" else fit(args)


if __name__ == "__main__":
    raise SystemExit(main())
