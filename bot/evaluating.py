"""``bot eval``: run a FAQ set through the same chain as ``bot ask`` and score it.

Writes ``results.jsonl`` (one line per question: the full answer object and its metric row),
``report.json`` / ``report.md`` (overall, by question language, by question→document language) and
``report.png``. With ``baseline=True`` the LangChain tutorial pipeline (:mod:`bot.baseline`) answers the
same questions with the same embedding model, and both are reported side by side.

Metrics themselves live in :mod:`bot.metrics`; this module only loads, runs, groups and writes.
"""
from __future__ import annotations

import json
import os
import time
from collections import Counter
from pathlib import Path
from typing import Any, Callable

from bot import metrics
from bot.errors import BotError
from bot.settings import PROJECT_ROOT, Settings

Progress = Callable[[str, int, int], None]

DEFAULT_DATASET = PROJECT_ROOT / "eval" / "faq.jsonl"

#: field -> (accepted types, required?)
SCHEMA: dict[str, tuple[tuple[type, ...], bool]] = {
    "id": ((str,), True),
    "question": ((str,), True),
    "lang": ((str,), True),
    "sources": ((list,), True),
    "answer_keywords": ((list,), True),
    "answerable": ((bool,), True),
    "reference_answer": ((str, type(None)), False),
    "history": ((list, type(None)), False),
    "doc_lang": ((str, type(None)), False),
}

#: The metrics the plot and the short summary show, with their labels.
MAIN_METRICS = (
    ("evidence_hit@1", "evidence hit@1"),
    ("evidence_hit@5", "evidence hit@5"),
    ("answer_hit", "answer hit"),
    ("refusal_correct", "refusal accuracy"),
)

#: Columns of the markdown tables.
TABLE_METRICS = (
    ("evidence_hit@1", "ev@1"),
    ("evidence_hit@3", "ev@3"),
    ("evidence_hit@5", "ev@5"),
    ("mrr", "MRR"),
    ("source_hit@1", "src@1"),
    ("answer_hit", "answer"),
    ("refusal_correct", "refusal acc"),
    ("citation_validity", "cite valid"),
    ("latency_p50_ms", "p50 ms"),
    ("latency_p95_ms", "p95 ms"),
)


# ---------------------------------------------------------------- dataset

def _type_names(types: tuple[type, ...]) -> str:
    names = {str: "a string", list: "a list", bool: "true or false", type(None): "null"}
    return " or ".join(names.get(t, t.__name__) for t in types)


def _json_type(value: Any) -> str:
    return {str: "a string", list: "a list", dict: "an object", bool: "a boolean", int: "a number", float: "a number", type(None): "null"}.get(type(value), type(value).__name__)


def validate_item(item: Any, where: str) -> dict[str, Any]:
    """One FAQ item checked against :data:`SCHEMA`; a BotError naming ``where`` (file and line) otherwise."""
    if not isinstance(item, dict):
        raise BotError(f"{where}: expected a JSON object, got {_json_type(item)}.")
    missing = [k for k, (_, required) in SCHEMA.items() if required and k not in item]
    if missing:
        raise BotError(f"{where}: missing field{'s' if len(missing) > 1 else ''} {', '.join(repr(m) for m in missing)} "
                       f"(each line needs: {', '.join(k for k, (_, r) in SCHEMA.items() if r)}).")
    for key, (types, _) in SCHEMA.items():
        if key in item and not isinstance(item[key], types):
            raise BotError(f"{where}: field {key!r} must be {_type_names(types)}, got {_json_type(item[key])}.")
    if not item["id"].strip() or not item["question"].strip():
        raise BotError(f"{where}: 'id' and 'question' must not be empty.")
    for key in ("sources", "answer_keywords"):
        if not all(isinstance(v, str) and v.strip() for v in item[key]):
            raise BotError(f"{where}: field {key!r} must be a list of non-empty strings.")
    if item["answerable"] and not item["answer_keywords"]:
        raise BotError(f"{where}: an answerable item needs at least one entry in 'answer_keywords' "
                       "(short strings copied from the source that the answer must contain).")
    for i, turn in enumerate(item.get("history") or [], start=1):
        if not (isinstance(turn, dict) and turn.get("role") in ("user", "assistant") and isinstance(turn.get("content"), str)):
            raise BotError(f"{where}: history turn {i} must be {{\"role\": \"user\" | \"assistant\", \"content\": \"...\"}}.")
    return item


def load_dataset(path: Path) -> list[dict[str, Any]]:
    """Every item of a JSONL FAQ file, validated; errors name the file and line."""
    path = Path(path)
    if not path.is_file():
        raise BotError(f"No dataset at {path}. Pass --dataset FILE.jsonl (one JSON object per line; see README, 'Evaluation').")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise BotError(f"{path} is not UTF-8 text ({exc.reason} at byte {exc.start}).") from None
    items: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}, line {n}"
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise BotError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno}).") from None
        item = validate_item(item, where)
        if item["id"] in seen:
            raise BotError(f"{where}: id {item['id']!r} was already used on line {seen[item['id']]}; ids must be unique.")
        seen[item["id"]] = n
        items.append(item)
    if not items:
        raise BotError(f"{path} holds no questions.")
    return items


# ---------------------------------------------------------------- languages

def document_languages(catalog) -> dict[str, str]:
    """Language of each indexed file: the majority (by characters) of its sentences' languages."""
    out: dict[str, str] = {}
    for source, rec in catalog.files.items():
        counts: Counter[str] = Counter()
        for u in rec.units:
            if u.lang in ("ko", "ja", "en"):
                counts[u.lang] += len(u.text)
        out[source] = counts.most_common(1)[0][0] if counts else (metrics.script_lang(rec.text) or "other")
    return out


# ---------------------------------------------------------------- run

def run_eval(
    settings: Settings,
    *,
    dataset: Path | None,
    out_dir: Path,
    baseline: bool,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Answer every question of ``dataset``, score it, write the report files; return report.json's content."""
    from bot.chain import open_chatbot

    dataset = Path(dataset) if dataset else DEFAULT_DATASET
    items = load_dataset(dataset)
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BotError(f"Cannot create the output folder {out_dir}: {exc.strerror}.") from None

    chatbot = open_chatbot(settings, progress=progress)
    catalog = chatbot.index.catalog
    doc_langs = document_languages(catalog)

    def read_source(source: str) -> str:
        return catalog.files[source].text

    warnings = _check_sources(items, catalog)
    scored = [{**it, "doc_lang": it.get("doc_lang") or _doc_lang(it, doc_langs)} for it in items]

    # One untimed question per language first: the first Korean or Japanese query loads its tokenizer's
    # dictionary (seconds), which is start-up cost, not the per-question latency this report measures.
    for lang in dict.fromkeys(it["lang"] for it in scored):
        chatbot.answer(next(it["question"] for it in scored if it["lang"] == lang))

    started = time.perf_counter()
    ours_rows, records = [], []
    for i, item in enumerate(scored):
        if progress:
            progress("eval", i, len(scored))
        try:
            result = chatbot.answer(item["question"], item.get("history") or None).to_dict()
        except BotError as exc:
            raise BotError(f"Question {item['id']!r}: {exc}") from None
        row = metrics.per_question(result, item, read_source=read_source)
        ours_rows.append(row)
        records.append({"id": item["id"], "question": item["question"], "lang": item["lang"], "result": result, "metrics": row})
    if progress:
        progress("eval", len(scored), len(scored))
    ours_seconds = time.perf_counter() - started

    base_rows: list[dict[str, Any]] | None = None
    base_info: dict[str, Any] | None = None
    if baseline:
        from bot.baseline import TutorialBaseline
        from index.embedding import get_embedder

        t0 = time.perf_counter()
        pipeline = TutorialBaseline(
            {s: r.text for s, r in catalog.files.items()},
            get_embedder(settings.embedding, threads=settings.threads),
            progress=progress,
        )
        build_seconds = time.perf_counter() - t0
        for lang in dict.fromkeys(it["lang"] for it in scored):  # untimed, as for ours
            pipeline.answer(next(it["question"] for it in scored if it["lang"] == lang))
        base_rows = []
        t0 = time.perf_counter()
        try:
            for i, (item, record) in enumerate(zip(scored, records)):
                if progress:
                    progress("baseline", i, len(scored))
                result = pipeline.answer(item["question"], item.get("history") or None)
                row = metrics.per_question(result, item, read_source=read_source)
                base_rows.append(row)
                record["baseline"] = {"result": result, "metrics": row}
            if progress:
                progress("baseline", len(scored), len(scored))
        finally:
            pipeline.close()
        base_info = {**pipeline.describe(), "build_seconds": round(build_seconds, 2), "seconds": round(time.perf_counter() - t0, 2)}

    ours = metrics.report(ours_rows)
    report: dict[str, Any] = {
        "dataset": str(dataset),
        "questions": len(items),
        "answerable": sum(1 for it in items if it["answerable"]),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "settings": {
            "embedding": catalog.embedding,
            "k": settings.k,
            "llm": settings.llm,
            "sparse": settings.sparse,
            "index_dir": str(settings.index_dir),
            "files": len(catalog.files),
            "passages": len(catalog.passages),
            "sentences": len(catalog.units),
        },
        "document_languages": doc_langs,
        "seconds": round(ours_seconds, 2),
        "load_avg_1m": _load_avg(),
        "refusals": refusal_counts(ours_rows),
        "overall": ours["overall"],
        "by_lang": ours["by_lang"],
        "by_pair": ours["by_pair"],
        "baseline": None,
        "warnings": warnings,
    }
    if base_rows is not None:
        report["baseline"] = {**base_info, "refusals": refusal_counts(base_rows), **metrics.report(base_rows)}

    with open(out_dir / "results.jsonl", "w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    (out_dir / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    (out_dir / "report.md").write_text(render_markdown(report), encoding="utf-8")
    plot_report(report, out_dir / "report.png")
    report["markdown_summary"] = summary_markdown(report)
    return report


def _load_avg() -> float | None:
    """The machine's 1-minute load average: above its core count, latencies include waiting for a CPU."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def refusal_counts(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Refusals split by whether they were right, since one 'refusal accuracy' over all items hides it.

    With few unanswerable items, a bot that never refuses still scores the answerable share on refusal
    accuracy; the rate on unanswerable items alone is what shows whether refusing works.
    """
    unans = [r for r in rows if not r.get("answerable")]
    ans = [r for r in rows if r.get("answerable")]
    hit = sum(1 for r in unans if r.get("refused"))
    wrong = sum(1 for r in ans if r.get("refused"))
    return {
        "unanswerable": len(unans),
        "refused_unanswerable": hit,
        "unanswerable_refusal_rate": hit / len(unans) if unans else None,
        "answerable": len(ans),
        "refused_answerable": wrong,
        "false_refusal_rate": wrong / len(ans) if ans else None,
    }


def _refusal_line(name: str, c: dict[str, Any]) -> str:
    return (f"{name}: refused {c['refused_unanswerable']} of {c['unanswerable']} unanswerable questions "
            f"and {c['refused_answerable']} of {c['answerable']} answerable ones.")


def _doc_lang(item: dict[str, Any], doc_langs: dict[str, str]) -> str | None:
    sources = item.get("sources") or []
    return doc_langs.get(sources[0]) if sources else None


def _check_sources(items: list[dict[str, Any]], catalog) -> list[str]:
    """Sources the index lacks make every retrieval metric of their items a miss: say so up front."""
    missing = sorted({s for it in items for s in it["sources"] if s not in catalog.files})
    if not missing:
        return []
    return [f"{len(missing)} source file(s) named in the dataset are not in the index: {', '.join(missing[:8])}"
            + (" ..." if len(missing) > 8 else "") + ". Index them (bot index PATH) or their questions score as misses."]


# ---------------------------------------------------------------- rendering

def _fmt(value: Any, key: str) -> str:
    if value is None:
        return "–"
    if key.startswith("latency"):
        return f"{value:.0f}"
    return f"{value:.2f}"


def _cell(summary: dict | None, base: dict | None, key: str) -> str:
    ours = _fmt((summary or {}).get(key), key)
    if base is None:
        return ours
    return f"{ours} / {_fmt(base.get(key), key)}"


def _table(groups: dict[str, dict], base_groups: dict[str, dict] | None, label: str) -> list[str]:
    head = [label, "n", *(name for _, name in TABLE_METRICS)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, summary in groups.items():
        base = (base_groups or {}).get(name) if base_groups is not None else None
        if base_groups is not None and base is None:
            base = {}
        cells = [str(name), str(summary.get("n", 0)), *(_cell(summary, base, key) for key, _ in TABLE_METRICS)]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def render_markdown(report: dict[str, Any]) -> str:
    """report.md: the settings, then overall / by-language / by-pair tables (ours / baseline per cell)."""
    base = report.get("baseline")
    s = report["settings"]
    lines = [
        "# Evaluation report",
        "",
        f"Dataset `{report['dataset']}`: {report['questions']} questions ({report['answerable']} answerable). "
        f"Index: {s['files']} files, {s['passages']} passages, {s['sentences']} sentences; embedding `{s['embedding']}`, "
        f"k={s['k']}, answerer `{s['llm']}`, sparse={s['sparse']}. Run {report['created']}"
        + (f", load average {report['load_avg_1m']} on {os.cpu_count()} CPUs." if report.get("load_avg_1m") is not None else "."),
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
    lines += ["## Overall", "", *_table({"all": report["overall"]}, {"all": base["overall"]} if base else None, "")]
    lines += ["", "Refusals: " + _refusal_line("ours", report["refusals"])
              + (" " + _refusal_line("Baseline", base["refusals"]) if base else "")]
    lines += ["", "## By question language", "", *_table(report["by_lang"], base["by_lang"] if base else None, "lang")]
    lines += ["", "## By question language → document language", "",
              *_table(report["by_pair"], base["by_pair"] if base else None, "pair")]
    lines += [
        "",
        "## How to read this",
        "",
        "- **ev@k**: a passage among the top k contains one of the item's answer keywords (answerable items only). "
        "**MRR**: mean reciprocal rank of that passage. **src@1**: the top passage comes from the item's source file.",
        "- **answer**: a non-refused answer whose text or cited quotes contain a keyword. "
        "**refusal acc**: refused exactly when the item is unanswerable (all items). "
        "**cite valid**: share of citations whose quote is exactly `file[start:end]`.",
        "- Pairs cover answerable items only (an unanswerable item has no document), so refusal accuracy by pair is "
        "the share of answerable questions *not* refused; the unanswerable ones count in the overall and by-language rows.",
        "- Latency is the chain's own `timings_ms.total` per question, warm: the model is loaded once and one untimed "
        "question per language runs first (tokenizer dictionaries load on first use).",
        "- `support` in report.json says how many items each mean is over; a pair with n < 5 is anecdote, not evidence.",
    ]
    if base:
        lines += [
            f"- The baseline's chunks (~{base['chunk_size']} chars) are about twice our passages; keyword containment is "
            f"easier in a bigger chunk, and its 'answer' is the whole chunk. It returns {base['k']} chunks, so its ev@5 is its ev@{base['k']}.",
        ]
    for w in report.get("warnings") or []:
        lines += [f"- **Warning**: {w}"]
    lines += ["", "![main metrics by language pair](report.png)", ""]
    return "\n".join(lines)


def summary_markdown(report: dict[str, Any]) -> str:
    """The few lines the CLI prints: main metrics overall and by pair, ours (and the baseline)."""
    base = report.get("baseline")
    keys = [*MAIN_METRICS, ("citation_validity", "cite valid"), ("latency_p50_ms", "p50 ms")]
    head = ["", "n", *(label for _, label in keys)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]

    def row(name: str, summary: dict) -> str:
        return "| " + " | ".join([name, str(summary.get("n", 0)), *(_fmt(summary.get(k), k) for k, _ in keys)]) + " |"

    lines.append(row("ours: all", report["overall"]))
    if base:
        lines.append(row("baseline: all", base["overall"]))
    for pair, summary in report["by_pair"].items():
        lines.append(row(f"ours: {pair}", summary))
        if base and pair in base["by_pair"]:
            lines.append(row(f"baseline: {pair}", base["by_pair"][pair]))
    out = [f"{report['questions']} questions from {report['dataset']}", "", *lines]
    out += ["", _refusal_line("Refusals, ours", report["refusals"])]
    if base:
        out += [_refusal_line("Refusals, baseline", base["refusals"])]
    out += [f"warning: {w}" for w in report.get("warnings") or []]
    return "\n".join(out)


def plot_report(report: dict[str, Any], path: Path) -> None:
    """One panel per main metric; bars per language pair (plus 'all'); ours beside the baseline."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    base = report.get("baseline")
    groups = ["all", *report["by_pair"].keys()]

    def values(src: dict, key: str) -> list[float]:
        out = []
        for g in groups:
            summary = src["overall"] if g == "all" else src["by_pair"].get(g, {})
            v = summary.get(key)
            out.append(float("nan") if v is None else v)
        return out

    counts = {"all": report["overall"]["n"], **{g: v["n"] for g, v in report["by_pair"].items()}}
    fig, axes = plt.subplots(2, 2, figsize=(11, 7.5), sharey=True)
    width = 0.38 if base else 0.6
    xs = list(range(len(groups)))
    for ax, (key, label) in zip(axes.flat, MAIN_METRICS):
        ax.bar([x - (width / 2 if base else 0) for x in xs], values(report, key), width, label="ours", color="#2b6cb0")
        if base:
            ax.bar([x + width / 2 for x in xs], values(base, key), width, label="LangChain tutorial baseline", color="#ed8936")
        ax.set_title(label)
        ax.set_xticks(xs)
        ax.set_xticklabels([f"{g.replace('→', '->')}\n(n={counts[g]})" for g in groups], fontsize=8)
        ax.set_ylim(0, 1.05)
        ax.grid(axis="y", alpha=0.3)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=2, fontsize=9, frameon=False)
    fig.suptitle(f"{Path(report['dataset']).name}: {report['questions']} questions, by question→document language "
                 "(pairs: answerable items only)", fontsize=11)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)
