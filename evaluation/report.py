"""The eval report's renderings: report.md, the lines ``bot eval`` prints, and the plot.

Pure functions of report.json's content, so a report can be re-rendered without re-running anything.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

# ---------------------------------------------------------------- rendering

#: Mean-valued columns of the markdown tables (label after the key).
TABLE_METRICS = (
    ("evidence_hit@1", "ev@1"),
    ("evidence_hit@3", "ev@3"),
    ("evidence_hit@5", "ev@5"),
    ("mrr", "MRR"),
    ("source_hit@1", "src@1"),
    ("answer_hit", "answer"),
    ("wrong_document", "wrong doc"),
    ("n_citations", "cites/answer"),
    ("citation_validity", "cite valid"),
    ("latency_p50_ms", "p50 ms"),
    ("latency_p95_ms", "p95 ms"),
)
#: Count columns: (label, numerator key, denominator key) in a summary's ``refusals``.
COUNT_COLUMNS = (
    ("refused unanswerable", "refused_unanswerable", "unanswerable"),
    ("false refusals", "refused_answerable", "answerable"),
)
#: The metrics the plot shows by language pair.
PLOT_METRICS = (
    ("evidence_hit@1", "evidence hit@1"),
    ("evidence_hit@5", "evidence hit@5"),
    ("answer_hit", "answer hit"),
)


def _ratio(done: int | None, total: int | None) -> str:
    return "–" if not total else f"{done}/{total}"


def _refusal_line(name: str, c: dict[str, Any]) -> str:
    return (f"{name}: refused {c['refused_unanswerable']} of {c['unanswerable']} unanswerable questions "
            f"and {c['refused_answerable']} of {c['answerable']} answerable ones.")



def _role(part: dict[str, Any]) -> str:
    """'dev split' for a half cut by split_of, 'all of it dev' for a set that is one role as a whole."""
    return f"all of it {part['split']}" if part.get("whole") else f"{part['split']} split"


def _fmt(value: Any, key: str) -> str:
    if value is None:
        return "–"
    if key.startswith("latency"):
        return f"{value:.0f}"
    if key == "n_citations":
        return f"{value:.1f}"
    return f"{value:.2f}"


def _with_ci(summary: dict, key: str) -> str:
    ci = (summary.get("ci95") or {}).get(key)
    return _fmt(summary.get(key), key) + (f" ({ci[0]:.2f}–{ci[1]:.2f})" if ci else "")


def _count(summary: dict | None, num: str, den: str) -> str:
    c = (summary or {}).get("refusals") or {}
    return _ratio(c.get(num), c.get(den))


def _cell(summary: dict | None, base: dict | None, key: str) -> str:
    ours = _fmt((summary or {}).get(key), key)
    if base is None:
        return ours
    return f"{ours} / {_fmt(base.get(key), key)}"


def _count_cell(summary: dict | None, base: dict | None, num: str, den: str) -> str:
    ours = _count(summary, num, den)
    return ours if base is None else f"{ours} / {_count(base, num, den)}"


def _table(groups: dict[str, dict], base_groups: dict[str, dict] | None, label: str) -> list[str]:
    head = [label, "n", *(name for _, name in TABLE_METRICS), *(name for name, _, _ in COUNT_COLUMNS)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, summary in groups.items():
        base = (base_groups or {}).get(name) if base_groups is not None else None
        if base_groups is not None and base is None:
            base = {}
        cells = [str(name), str(summary.get("n", 0)), *(_cell(summary, base, key) for key, _ in TABLE_METRICS),
                 *(_count_cell(summary, base, num, den) for _, num, den in COUNT_COLUMNS)]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def curve_lines(curve: dict[str, Any] | None) -> list[str]:
    """The refusal curve as a table: each threshold, what it would refuse of the unanswerable and answerable questions."""
    if not curve:
        return []
    lines = ["| refuse below | refused unanswerable | false refusals |", "|---:|---|---|"]
    for pt in curve["points"]:
        mark = " (current)" if pt["current"] else ""
        lines.append(f"| {pt['threshold']:.3f}{mark} | {pt['refused_unanswerable']}/{curve['unanswerable']} | "
                     f"{pt['refused_answerable']}/{curve['answerable']} |")
    return lines


def _set_section(part: dict[str, Any]) -> list[str]:
    base = part.get("baseline")
    idx = part["index"]
    where = f"its own corpus `{part['corpus']}` (indexed into `{part['index_dir']}`)" if part.get("corpus") else f"the index `{part['index_dir']}`"
    lines = [
        f"## Set: {part['name']}",
        "",
        f"Dataset `{part['dataset']}`" + (f", {_role(part)}" if part["split"] != "all" else "")
        + f": {part['questions']} questions ({part['answerable']} answerable, {part['questions'] - part['answerable']} unanswerable), "
        f"asked over {where}: {idx['files']} files, {idx['passages']} passages, {idx['sentences']} sentences. {part['seconds']:.1f} s.",
        "",
        f"Chance level: a random ranking puts a given passage among the top 5 with probability "
        f"{min(1.0, 5 / max(idx['passages'], 1)):.2f}" + (f" (the baseline's top {base['k']} of {base['chunks']} chunks: "
        f"{min(1.0, base['k'] / max(base['chunks'], 1)):.2f})" if base else "") + "; a small corpus makes ev@5 easy.",
        "",
    ]
    if base:
        lines += [
            f"Each cell: **ours / baseline**. Baseline = the LangChain RAG tutorial pipeline on the same files and "
            f"embedding: RecursiveCharacterTextSplitter({base['chunk_size']}/{base['chunk_overlap']}) → "
            f"{base['chunks']} chunks in an in-memory Chroma, dense similarity_search k={base['k']}, the top chunk is the "
            f"answer and its citation, it never refuses and ignores the conversation history.",
            "",
        ]
    lines += ["### Overall", "", *_table({"all": part["overall"]}, {"all": base["overall"]} if base else None, "")]
    lines += ["", "Refusals: " + _refusal_line("ours", part["refusals"])
              + (" " + _refusal_line("Baseline", base["refusals"]) if base else "")]
    if part.get("refusal_curve"):
        lines += ["", "### Refusal curve", "",
                  "What each refusal threshold would refuse, from every answer's `evidence_score` (the answers are "
                  "otherwise unchanged): the thresholds are the deciles of this set's scores and the current one. "
                  "Choose a threshold on the dev sets only.", "", *curve_lines(part["refusal_curve"])]
    lines += ["", "### By question language", "", *_table(part["by_lang"], base["by_lang"] if base else None, "lang")]
    lines += ["", "### By question language → document language", "",
              *_table(part["by_pair"], base["by_pair"] if base else None, "pair")]
    lines += ["", "### By answer type", "",
              *_table(part["by_answer_type"], base["by_answer_type"] if base else None, "answer type")]
    for w in part.get("warnings") or []:
        lines += ["", f"**Warning**: {w}"]
    return lines + [""]


def render_markdown(report: dict[str, Any]) -> str:
    """report.md: the run's settings, a summary row per set, then a section per set (ours / baseline per cell)."""
    s = report["settings"]
    sets = report["sets"]
    lines = [
        "# Evaluation report",
        "",
        f"Embedding `{s['embedding']}`, k={s['k']}, answerer `{s['llm']}`, sparse={s['sparse']}. Run {report['created']}"
        + (f", load average {report['load_avg_1m']} on {os.cpu_count()} CPUs." if report.get("load_avg_1m") is not None else "."),
        "",
        "**Tuning happens only on the dev sets (faq-dev, everyday).** faq-test and userdocs are held out: read them to report, "
        "never to choose a constant, a threshold or a prompt (the FAQ's split is `split_of(id)` in `evaluation/datasets.py`, a hash "
        "of the id's stem; everyday is all dev, userdocs all test).",
        "",
        "## Summary",
        "",
    ]
    head = ["set", "questions", "ev@1 (95% CI)", "ev@5", "MRR", "answer (95% CI)", "wrong doc", "refused unanswerable",
            "false refusals", "cites/answer"]
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, part in sets.items():
        for who, src in (("", part), ("baseline: ", part.get("baseline"))):
            if not src:
                continue
            o = src["overall"]
            lines.append("| " + " | ".join([f"{who}{name}", str(part["questions"]), _with_ci(o, "evidence_hit@1"),
                                            *(_fmt(o.get(k), k) for k in ("evidence_hit@5", "mrr")), _with_ci(o, "answer_hit"),
                                            _fmt(o.get("wrong_document"), "wrong_document"),
                                            _ratio(src["refusals"]["refused_unanswerable"], src["refusals"]["unanswerable"]),
                                            _ratio(src["refusals"]["refused_answerable"], src["refusals"]["answerable"]),
                                            _fmt(o.get("n_citations"), "n_citations")]) + " |")
    lines.append("")
    for part in sets.values():
        lines += _set_section(part)
    base = next((p["baseline"] for p in sets.values() if p.get("baseline")), None)
    lines += [
        "## How to read this",
        "",
        "- **ev@k**: a passage among the top k contains one of the item's answer keywords (answerable items only). "
        "**MRR**: mean reciprocal rank of that passage. **src@1**: the top passage comes from the item's source file.",
        "- **answer**: a non-refused answer whose text or cited quotes contain a keyword (answerable items only). "
        "**cites/answer**: mean number of citations per answer that was not a refusal. "
        "**cite valid**: share of citations whose quote is exactly `file[start:end]`. "
        "**wrong doc**: among answered answerable questions, the share that quote a file not among the item's sources "
        "(by pair: is the question's language picking the document?).",
        "- **Refusal curve**: the extractive answerer refuses when its evidence score is below a threshold "
        "(`AnswerWeights.refuse_below`); each row counts what another threshold would refuse, the answers given being "
        "the same. A question with no sentence to weigh is refused at every threshold.",
        "- **refused unanswerable**: refusals among the plausible unanswerable questions (higher is better). "
        "**false refusals**: refusals among answerable ones (lower is better). They are counts, not one accuracy: "
        "a bot that never refuses would score the answerable share on 'refusal accuracy'.",
        "- Pairs cover answerable items only (an unanswerable item has no document); unanswerable ones count in the "
        "overall, by-language and by-answer-type rows. Answer types: number, date, person, place, article (a treaty "
        "article), other.",
        "- Latency is the chain's own `timings_ms.total` per question, warm: the model is loaded once and one untimed "
        "question per language runs first (tokenizer dictionaries load on first use).",
        "- `support` in report.json says how many items each mean is over; a row with n < 5 is anecdote, not evidence. "
        "The intervals are Wilson 95% intervals over items (`ci95` in report.json); items about the same fact are not "
        "independent, so the real uncertainty is wider: do not read a 0.05 move on 80 items as a change.",
    ]
    if base:
        lines += [
            f"- The baseline's chunks (~{base['chunk_size']} chars) are about twice our passages; keyword containment is "
            f"easier in a bigger chunk, and its 'answer' is the whole chunk. It returns {base['k']} chunks, so its ev@5 is its ev@{base['k']}.",
        ]
    lines += [f"- **Note**: {n}" for n in report.get("notes") or []]
    if report.get("plot"):
        lines += ["", f"![main metrics by set and language pair]({report['plot']})"]
    return "\n".join(lines + [""])


def summary_markdown(report: dict[str, Any]) -> str:
    """The lines the CLI prints: per set, main metrics overall and by pair, ours (and the baseline), and refusals."""
    keys = [("evidence_hit@1", "ev@1"), ("evidence_hit@5", "ev@5"), ("mrr", "MRR"), ("answer_hit", "answer"),
            ("wrong_document", "wrong doc"), ("n_citations", "cites/answer"), ("citation_validity", "cite valid"),
            ("latency_p50_ms", "p50 ms")]
    out: list[str] = []
    for name, part in report["sets"].items():
        base = part.get("baseline")
        head = ["", "n", *(label for _, label in keys), "refused unanswerable", "false refusals"]
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]

        def row(label: str, summary: dict) -> str:
            c = summary.get("refusals") or {}
            return "| " + " | ".join([label, str(summary.get("n", 0)), *(_fmt(summary.get(k), k) for k, _ in keys),
                                      _ratio(c.get("refused_unanswerable"), c.get("unanswerable")),
                                      _ratio(c.get("refused_answerable"), c.get("answerable"))]) + " |"

        lines.append(row("ours: all", part["overall"]))
        if base:
            lines.append(row("baseline: all", base["overall"]))
        for pair, summary in part["by_pair"].items():
            lines.append(row(f"ours: {pair}", summary))
            if base and pair in base["by_pair"]:
                lines.append(row(f"baseline: {pair}", base["by_pair"][pair]))
        out += [f"## {name}: {part['questions']} questions from {part['dataset']}"
                + (f" ({_role(part)})" if part["split"] != "all" else ""), "", *lines, ""]
        out += [_refusal_line("Refusals, ours", part["refusals"])]
        if base:
            out += [_refusal_line("Refusals, baseline", base["refusals"])]
        if part.get("refusal_curve"):
            out += ["", "Refusal curve (what each threshold would refuse):", "", *curve_lines(part["refusal_curve"])]
        out += [f"warning: {w}" for w in part.get("warnings") or []] + [""]
    out += [f"note: {n}" for n in report.get("notes") or []]
    return "\n".join(out).rstrip()


_OURS, _BASE = "#2b6cb0", "#ed8936"


def _esc(text: Any) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _panel(x0: float, y0: float, w: float, h: float, title: str, labels: list[str],
           series: list[tuple[str, list[float | None]]]) -> list[str]:
    """One bar panel: y from 0 to 1 with grid lines at quarters, a group of bars per label, '–' for no value."""
    plot_top, plot_h = y0 + 22, h - 62
    out = [f'<text x="{x0 + w / 2:.1f}" y="{y0 + 12}" text-anchor="middle" font-size="12">{_esc(title)}</text>']
    for q in (0.0, 0.25, 0.5, 0.75, 1.0):
        y = plot_top + plot_h * (1 - q)
        out.append(f'<line x1="{x0 + 30}" y1="{y:.1f}" x2="{x0 + w}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{x0 + 26}" y="{y + 3:.1f}" text-anchor="end" font-size="9">{q:.2f}</text>')
    slot = (w - 34) / max(len(labels), 1)
    bar = slot * 0.8 / max(len(series), 1)
    for i, label in enumerate(labels):
        left = x0 + 34 + i * slot + slot * 0.1
        for j, (color, values) in enumerate(series):
            v = values[i]
            bx = left + j * bar
            if v is None:
                out.append(f'<text x="{bx + bar / 2:.1f}" y="{plot_top + plot_h - 3:.1f}" text-anchor="middle" font-size="9">–</text>')
                continue
            bh = plot_h * max(0.0, min(1.0, v))
            out.append(f'<rect x="{bx:.1f}" y="{plot_top + plot_h - bh:.1f}" width="{bar * 0.95:.1f}" height="{bh:.1f}" fill="{color}">'
                       f"<title>{_esc(label.replace(chr(10), ' '))}: {v:.2f}</title></rect>")
        for k, line in enumerate(label.split("\n")):
            out.append(f'<text x="{left + slot * 0.4:.1f}" y="{plot_top + plot_h + 13 + 11 * k:.1f}" text-anchor="middle" '
                       f'font-size="9">{_esc(line)}</text>')
    return out


def plot_report(report: dict[str, Any], path: Path) -> None:
    """report.svg: a row per set, three metrics by language pair (plus 'all') and the refusal rates, ours beside the baseline.

    Written by hand as SVG so that the default install draws it: a plotting library would add ~70 MB for four bar charts.
    """
    sets = list(report["sets"].values())
    panel_w, panel_h, top = 300, 230, 40
    width, height = 4 * panel_w + 20, top + panel_h * len(sets) + 30
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
           'font-family="sans-serif">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{width / 2}" y="20" text-anchor="middle" font-size="14">'
           "Evaluation by set and question→document language (pairs: answerable items only)</text>"]
    for r, part in enumerate(sets):
        base = part.get("baseline")
        groups = ["all", *part["by_pair"].keys()]
        counts = {"all": part["overall"]["n"], **{g: v["n"] for g, v in part["by_pair"].items()}}
        labels = [f"{g}\n(n={counts[g]})" for g in groups]

        def values(src: dict, key: str) -> list[float | None]:
            return [(src["overall"] if g == "all" else src["by_pair"].get(g, {})).get(key) for g in groups]

        y0 = top + r * panel_h
        for c, (key, label) in enumerate(PLOT_METRICS):
            series = [(_OURS, values(part, key))] + ([(_BASE, values(base, key))] if base else [])
            out += _panel(10 + c * panel_w, y0, panel_w - 10, panel_h, f"{part['name']}: {label}", labels, series)
        rk = ("unanswerable_refusal_rate", "false_refusal_rate")
        c = part["refusals"]
        series = [(_OURS, [c[k] for k in rk])] + ([(_BASE, [base["refusals"][k] for k in rk])] if base else [])
        out += _panel(10 + 3 * panel_w, y0, panel_w - 10, panel_h, f"{part['name']}: refusals",
                      [f"unanswerable refused\n{c['refused_unanswerable']}/{c['unanswerable']}, higher is better",
                       f"answerable refused\n{c['refused_answerable']}/{c['answerable']}, lower is better"], series)
    legend = [(_OURS, "ours")] + ([(_BASE, "LangChain tutorial baseline")] if any(p.get("baseline") for p in sets) else [])
    for i, (color, name) in enumerate(legend):
        x = width / 2 - 150 + i * 160
        out.append(f'<rect x="{x}" y="{height - 20}" width="12" height="12" fill="{color}"/>')
        out.append(f'<text x="{x + 16}" y="{height - 10}" font-size="11">{_esc(name)}</text>')
    Path(path).write_text("\n".join(out + ["</svg>", ""]), encoding="utf-8")
