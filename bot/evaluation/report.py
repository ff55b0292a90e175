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


def _set_section(part: dict[str, Any]) -> list[str]:
    base = part.get("baseline")
    idx = part["index"]
    where = f"its own corpus `{part['corpus']}` (indexed into `{part['index_dir']}`)" if part.get("corpus") else f"the index `{part['index_dir']}`"
    lines = [
        f"## Set: {part['name']}",
        "",
        f"Dataset `{part['dataset']}`" + (f", {part['split']} split" if part["split"] != "all" else "")
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
        "**Tuning happens only on faq-dev.** faq-test and userdocs are held out: read them to report, never to choose "
        "a constant, a threshold or a prompt (the split is `split_of(id)` in `bot/evaluation/datasets.py`, a hash of the id's stem).",
        "",
        "## Summary",
        "",
    ]
    head = ["set", "questions", "ev@1 (95% CI)", "ev@5", "MRR", "answer (95% CI)", "refused unanswerable", "false refusals", "cites/answer"]
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, part in sets.items():
        for who, src in (("", part), ("baseline: ", part.get("baseline"))):
            if not src:
                continue
            o = src["overall"]
            lines.append("| " + " | ".join([f"{who}{name}", str(part["questions"]), _with_ci(o, "evidence_hit@1"),
                                            *(_fmt(o.get(k), k) for k in ("evidence_hit@5", "mrr")), _with_ci(o, "answer_hit"),
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
        "**cite valid**: share of citations whose quote is exactly `file[start:end]`.",
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
            ("n_citations", "cites/answer"), ("citation_validity", "cite valid"), ("latency_p50_ms", "p50 ms")]
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
                + (f" ({part['split']} split)" if part["split"] != "all" else ""), "", *lines, ""]
        out += [_refusal_line("Refusals, ours", part["refusals"])]
        if base:
            out += [_refusal_line("Refusals, baseline", base["refusals"])]
        out += [f"warning: {w}" for w in part.get("warnings") or []] + [""]
    out += [f"note: {n}" for n in report.get("notes") or []]
    return "\n".join(out).rstrip()


def plot_report(report: dict[str, Any], path: Path) -> None:
    """A row of panels per set: three metrics by language pair (plus 'all'), and refusal rates; ours beside the baseline.

    Raises ImportError when matplotlib is missing; the caller writes the report without the plot.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sets = list(report["sets"].values())
    fig, axes = plt.subplots(len(sets), 4, figsize=(16, 3.6 * len(sets)), squeeze=False)
    for r, part in enumerate(sets):
        base = part.get("baseline")
        groups = ["all", *part["by_pair"].keys()]
        counts = {"all": part["overall"]["n"], **{g: v["n"] for g, v in part["by_pair"].items()}}
        width = 0.38 if base else 0.6
        xs = list(range(len(groups)))

        def values(src: dict, key: str) -> list[float]:
            vals = []
            for g in groups:
                summary = src["overall"] if g == "all" else src["by_pair"].get(g, {})
                v = summary.get(key)
                vals.append(float("nan") if v is None else v)
            return vals

        for c, (key, label) in enumerate(PLOT_METRICS):
            ax = axes[r][c]
            ax.bar([x - (width / 2 if base else 0) for x in xs], values(part, key), width, label="ours", color="#2b6cb0")
            if base:
                ax.bar([x + width / 2 for x in xs], values(base, key), width, label="LangChain tutorial baseline", color="#ed8936")
            ax.set_title(f"{part['name']}: {label}", fontsize=9)
            ax.set_xticks(xs)
            ax.set_xticklabels([f"{g.replace('→', '->')}\n(n={counts[g]})" for g in groups], fontsize=7 if len(groups) <= 8 else 5.5)
            ax.set_ylim(0, 1.05)
            ax.grid(axis="y", alpha=0.3)
        ax = axes[r][3]
        rx = [0, 1]

        def rates(src: dict) -> list[float]:
            c = src["refusals"]
            return [float("nan") if c[k] is None else c[k] for k in ("unanswerable_refusal_rate", "false_refusal_rate")]

        ax.bar([x - (width / 2 if base else 0) for x in rx], rates(part), width, color="#2b6cb0")
        if base:
            ax.bar([x + width / 2 for x in rx], rates(base), width, color="#ed8936")
        c = part["refusals"]
        ax.set_xticks(rx)
        ax.set_xticklabels([f"unanswerable refused\n({c['refused_unanswerable']}/{c['unanswerable']}, higher is better)",
                            f"answerable refused\n({c['refused_answerable']}/{c['answerable']}, lower is better)"], fontsize=7)
        ax.set_title(f"{part['name']}: refusals", fontsize=9)
        ax.set_ylim(0, 1.05)
        ax.grid(axis="y", alpha=0.3)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=2, fontsize=9, frameon=False)
    fig.suptitle("Evaluation by set and question→document language (pairs: answerable items only)", fontsize=11)
    fig.tight_layout(rect=(0, 0.03, 1, 0.97))
    fig.savefig(path, dpi=100)
    plt.close(fig)

