#!/usr/bin/env python3
"""Which dev questions each answer rule decides: switch one rule off, re-answer, compare (issue 19, item 2).

The extractive answerer's rules are the named weights of ``AnswerWeights`` (index/settings.py) and the
question rules of bot/questions.py that they switch. For the dev sets only (faq-dev over seeds/, everyday
over eval/everyday/docs/; never a test set), each question goes through the chain's preparation and
retrieval once (cached in ``--work``); then the answer step runs with the default weights and once per
rule with that rule neutral (``dataclasses.replace`` on the settings, in one process). A question is
*correct* when it is answerable and its answer hits a keyword (``bot eval``'s ``answer_hit``) or when it
is unanswerable and refused; a rule *wins* the questions correct with it and wrong without, *loses* the
reverse.

    nice python scripts/rule_ablation.py [--work /tmp/rule-ablation] [--json out.json] [--markdown]
"""
from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import json
import math
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import bot.questions  # noqa: E402
from bot.answering import ExtractiveAnswerer  # noqa: E402
from evaluation.metrics import _answer_hit  # noqa: E402
from index.retrieving import Index  # noqa: E402
from index.settings import AnswerWeights, Settings  # noqa: E402

_spec = importlib.util.spec_from_file_location("answer_eval", ROOT / "scripts" / "answer_eval.py")
answer_eval = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(answer_eval)


@dataclasses.dataclass
class Rule:
    """One rule: its name, where it lives, what it does, and how it is switched off."""

    name: str
    where: str
    does: str
    neutral: str  # the value it is set to, in words
    change: dict | None = None  # AnswerWeights fields to replace
    patch: tuple[str, Callable] | None = None  # a bot.questions function to replace (a rule with no weight)
    recentre: str | None = None  # an evidence feature: its term becomes its dev mean (refuse_below shifted by it)


def _kinds(**values: float) -> dict:
    return {**AnswerWeights().kind_penalty, **values}


RULES = [
    Rule("type_bonus", "bot/answering.py candidates; bot/questions.py answer_type, carries",
         "+2 to a sentence carrying the date/number/name/article the question asks for", "0", {"type_bonus": 0.0}),
    Rule("asked unit", "bot/questions.py asked_unit (via carries, features)",
         "a question naming its unit (minutes, %, day) is typed only by a number of that unit", "asked_unit() → None",
         patch=("asked_unit", lambda question: None)),
    Rule("vague_date_share", "bot/answering.py candidates; bot/questions.py vague_date",
         "a bare weekday gets half the type bonus for a 'when'", "1.0 (full bonus)", {"vague_date_share": 1.0}),
    Rule("coverage_weight", "bot/answering.py candidates, query_terms",
         "+6 × idf-weighted share of the question's content words the sentence holds", "0", {"coverage_weight": 0.0}),
    *[Rule(f"kind_penalty[{k}]", "bot/answering.py candidates; bot/questions.py sentence_kind",
           f"−{AnswerWeights().kind_penalty[k]:g} for a sentence of kind '{k}'", "0", {"kind_penalty": _kinds(**{k: 0.0})})
      for k in ("question", "heading", "bullet", "link")],
    *[Rule(f"kind_penalty[{k}]", "bot/answering.py candidates; bot/questions.py frame_kind",
           f"−{AnswerWeights().kind_penalty[k]:g} for a {k} line the question does not ask for",
           "1e-9" if k == "title" else "0", {"kind_penalty": _kinds(**{k: 1e-9 if k == "title" else 0.0})})
      for k in ("title", "greeting", "contact")],
    Rule("frame kinds (all)", "bot/answering.py candidates; bot/questions.py frame_kind",
         "title/greeting/contact detection itself (switched by kind_penalty[title] > 0)", "kind_penalty[title] = 0",
         {"kind_penalty": _kinds(title=0.0)}),
    Rule("minority_penalty", "bot/answering.py candidates, _minority",
         "−0.5 for a sentence in a language its document otherwise doesn't use", "0", {"minority_penalty": 0.0}),
    Rule("other_language_bonus", "bot/answering.py candidates, features",
         "+1.5 to a sentence in another language than the question (refusal reads the order without it)", "0",
         {"other_language_bonus": 0.0}),
    Rule("second sentence", "bot/answering.py answer",
         "a second sentence within second_margin that adds the type or second_gain coverage", "max_chars = 0 (never)",
         {"max_chars": 0}),
    Rule("second_gain", "bot/answering.py answer", "a second sentence for +0.25 coverage (not only for the type)",
         "∞ (type only)", {"second_gain": math.inf}),
    Rule("refusal (all)", "bot/answering.py answer, evidence", "refuse when evidence < refuse_below (0.25)",
         "refuse_below = −∞", {"refuse_below": -math.inf}),
    Rule("evidence_dense", "bot/answering.py evidence", "4 × (best cosine − 0.80) in the evidence score", "0",
         {"evidence_dense": 0.0}),
    Rule("evidence_coverage", "bot/answering.py evidence", "+ covered share of the question in the evidence", "0",
         {"evidence_coverage": 0.0}),
    Rule("evidence_sparse", "bot/answering.py evidence", "+ sparse overlap / the question's own, in the evidence", "0",
         {"evidence_sparse": 0.0}),
    *[Rule(f"evidence_{f} (recentred)", "bot/answering.py evidence",
           f"the {f} term, against a constant: does it sort answerable from unanswerable?",
           "0, refuse_below − the term's dev mean", {f"evidence_{f}": 0.0}, recentre=f)
      for f in ("dense", "coverage", "sparse")],
    Rule("unknown_name_penalty", "bot/answering.py evidence, unknown_names",
         "−2 when the question names someone/somewhere no document mentions", "0", {"unknown_name_penalty": 0.0}),
    Rule("untyped_penalty", "bot/answering.py features, evidence",
         "−2 when no quotable statement carries the asked number/date/article (unit)", "0", {"untyped_penalty": 0.0}),
    Rule("focus_weight", "bot/answering.py candidates", "follow-ups: + 0.5 × the latest question's own score", "0",
         {"focus_weight": 0.0}),
    Rule("repeat_penalty", "bot/answering.py answer", "follow-ups: −1 for the sentence already given", "0",
         {"repeat_penalty": 0.0}),
    Rule("nearby_bonus", "bot/answering.py answer", "follow-ups: +2 in the passage the last answer quoted", "0",
         {"nearby_bonus": 0.0}),
]


@contextmanager
def patched(patch: tuple[str, Callable] | None) -> Iterator[None]:
    """Replace a bot.questions function for the duration (answering.py imports them at call time)."""
    if patch is None:
        yield
        return
    name, fn = patch
    old = getattr(bot.questions, name)
    setattr(bot.questions, name, fn)
    try:
        yield
    finally:
        setattr(bot.questions, name, old)


def open_dev_sets(work: Path) -> list[tuple[str, Index, list[dict], dict]]:
    """Each dev set with its own index (built in ``work`` on first use) and its cached retrieval."""
    return answer_eval.dev_sets(lambda name: work / f"index-{name}", work, build=True)


def correct(sets, config: AnswerWeights) -> dict[str, bool]:
    """Question id -> answered right: an answerable's answer hits a keyword, an unanswerable is refused."""
    out = {}
    for _, index, items, cached in sets:
        answerer = ExtractiveAnswerer(index, config)
        for item in items:
            c = cached[item["id"]]
            draft = answerer.answer(c["standalone"], c["lang"], c["retrieved"], focus=c["focus"], avoid=c["avoid"])
            result = {"refused": draft.refused, "answer": draft.text,
                      "citations": [{"quote": ct.quote, "text": ct.text} for ct in draft.citations]}
            hit = _answer_hit(result, list(item.get("answer_keywords") or []))
            out[item["id"]] = hit if item.get("answerable") else draft.refused
    return out


def mean_terms(sets, config: AnswerWeights) -> dict[str, float]:
    """Each evidence term's mean contribution over the dev questions, with the default weights."""
    terms: dict[str, list[float]] = {"dense": [], "coverage": [], "sparse": []}
    for _, index, items, cached in sets:
        answerer = ExtractiveAnswerer(index, config)
        for item in items:
            c = cached[item["id"]]
            ranked = answerer.candidates(c["standalone"], c["lang"], c["retrieved"], c["focus"])
            if not ranked:
                continue
            f = answerer.features(c["focus"] or c["standalone"], c["lang"], ranked)
            terms["dense"].append(config.evidence_dense * (f["dense"] - config.dense_floor))
            terms["coverage"].append(config.evidence_coverage * f["coverage"])
            terms["sparse"].append(config.evidence_sparse * f["sparse"])
    return {k: sum(v) / len(v) for k, v in terms.items() if v}


def ablate(sets, defaults: AnswerWeights, only: set[str] | None = None) -> list[dict]:
    base = correct(sets, defaults)
    means = mean_terms(sets, defaults) if any(r.recentre for r in RULES if not only or r.name in only) else {}
    answerable = {it["id"] for _, _, items, _ in sets for it in items if it.get("answerable")}
    rows = []
    for rule in RULES:
        if only and rule.name not in only:
            continue
        config = dataclasses.replace(defaults, **(rule.change or {}))
        if rule.recentre:
            config = dataclasses.replace(config, refuse_below=defaults.refuse_below - means[rule.recentre])
        with patched(rule.patch):
            without = correct(sets, config)
        wins = sorted(q for q in base if base[q] and not without[q])
        losses = sorted(q for q in base if without[q] and not base[q])
        rows.append({**{k: v for k, v in dataclasses.asdict(rule).items() if k in ("name", "where", "does", "neutral")},
                     "wins": wins, "losses": losses, "net": len(wins) - len(losses),
                     "wins_answerable": sum(q in answerable for q in wins),
                     "losses_answerable": sum(q in answerable for q in losses)})
    rows.insert(0, {"name": "(defaults)", "correct": sum(base.values()), "questions": len(base),
                    "answerable_hits": sum(base[q] for q in answerable), "answerable": len(answerable)})
    return rows


def _ids(ids: list[str], answerable: int | None = None, most: int = 5) -> str:
    """'n (a ans. + u unans.): the first few ids'; answerable wins are hits, unanswerable wins refusals."""
    shown = ", ".join(ids[:most]) + (f" … (+{len(ids) - most})" if len(ids) > most else "")
    split = f" ({answerable} ans. + {len(ids) - answerable} unans.)" if answerable is not None else ""
    return f"{len(ids)}{split}: {shown}" if ids else "0"


def markdown(rows: list[dict]) -> str:
    lines = ["| rule | what it does | where | neutral value | wins (ids) | loses (ids) | net |",
             "|---|---|---|---|---|---|---|"]
    for r in rows[1:]:
        lines.append(f"| `{r['name']}` | {r['does']} | {r['where']} | {r['neutral']} | {_ids(r['wins'], r['wins_answerable'])} "
                     f"| {_ids(r['losses'], r['losses_answerable'])} | {r['net']:+d} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--work", type=Path, default=Path("/tmp/rule-ablation"), help="dev indexes and cached retrieval")
    ap.add_argument("--json", type=Path, help="write the per-rule rows here")
    ap.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    ap.add_argument("--only", action="append", metavar="RULE", help="ablate only this rule (repeatable)")
    args = ap.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    sets = open_dev_sets(args.work)
    t1 = time.perf_counter()
    rows = ablate(sets, Settings.load().answering, set(args.only or ()))
    head = rows[0]
    print(f"dev: {head['questions']} questions ({', '.join(f'{n} {len(i)}' for n, _, i, _ in sets)}); defaults correct "
          f"{head['correct']}, answerable hits {head['answerable_hits']}/{head['answerable']}; "
          f"prepare {t1 - t0:.0f} s, {len(rows)} answer passes {time.perf_counter() - t1:.0f} s")
    for r in rows[1:]:
        print(f"{r['name']:24} net {r['net']:+3d}  wins {_ids(r['wins'])}  loses {_ids(r['losses'])}")
    if args.markdown:
        print(markdown(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
