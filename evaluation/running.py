"""``bot eval``: run the planned question sets through the same chain as ``bot ask``, score them, write the report.

Writes ``results.jsonl`` (one line per question: its set, the full answer object and its metric row),
``report.json`` / ``report.md`` (per set: overall, refusals as counts and as a curve over the refusal threshold,
wrong-document answers, by question language, by question→document language and by answer type) and the plot,
and on request the README's results table (:mod:`evaluation.readme`). With ``baseline=True`` the LangChain tutorial
pipeline (:mod:`evaluation.baseline`) answers the same questions over the same files with the same
embedding model, and both are reported side by side. A set with its own corpus is indexed into
``<out>/index-<set>`` (embedded store; a re-run re-embeds only changed files).

Sets come from :mod:`evaluation.datasets`, metrics from :mod:`evaluation.metrics`, rendering from
:mod:`evaluation.report`; this module only runs, scores and writes.
"""
from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path
from typing import Any, Callable

from evaluation import metrics
from evaluation.datasets import EvalSet, plan_sets
from evaluation.machine import load_avg
from evaluation.readme import check_place, eval_table, write_table
from evaluation.report import plot_report, render_markdown, summary_markdown
from index.errors import BotError
from index.languages import majority_language
from index.settings import Settings

Progress = Callable[[str, int, int], None]

# ---------------------------------------------------------------- languages

def document_languages(catalog) -> dict[str, str]:
    """Language of each indexed file: the majority (by characters) of its sentences' languages."""
    out: dict[str, str] = {}
    for source, rec in catalog.files.items():
        out[source] = (majority_language(((u.lang, len(u.text)) for u in rec.units), among=("ko", "ja", "en"))
                       or metrics.script_lang(rec.text) or "other")
    return out


# ---------------------------------------------------------------- run

class _Engine:
    """A chatbot over one index (the main one, or a set's own corpus), with its baseline built on demand."""

    def __init__(self, settings: Settings, chatbot, index_dir: Path):
        self.settings = settings
        self.chatbot = chatbot
        self.index_dir = index_dir
        self.catalog = chatbot.index.catalog
        self.doc_langs = document_languages(self.catalog)
        self.baseline = None
        self.baseline_build_seconds = 0.0

    def read_source(self, source: str) -> str:
        return self.catalog.files[source].text

    def get_baseline(self, progress: Progress | None):
        if self.baseline is None:
            from evaluation.baseline import TutorialBaseline
            from index.embedding import get_embedder

            t0 = time.perf_counter()
            self.baseline = TutorialBaseline(
                {s: r.text for s, r in self.catalog.files.items()},
                get_embedder(self.settings.embedding, threads=self.settings.threads),
                progress=progress,
            )
            self.baseline_build_seconds = time.perf_counter() - t0
        return self.baseline

    def close(self) -> None:
        if self.baseline is not None:
            self.baseline.close()


def _open_engine(settings: Settings, corpus: Path | None, index_dir: Path, progress: Progress | None) -> _Engine:
    """The main index (built from ``settings.docs`` if missing), or ``corpus`` indexed into ``index_dir``.

    A set's own corpus always goes to the embedded store (never a --chroma-url server, where its collection
    would sit beside the user's); re-running only re-embeds files that changed.
    """
    from bot.chain import Chatbot, open_chatbot

    if corpus is None:
        return _Engine(settings, open_chatbot(settings, progress=progress), settings.index_dir)
    from index.indexing import run_index

    own = dataclasses.replace(settings, index_dir=index_dir, docs=[corpus], chroma_url=None)
    run_index(own, progress=progress)
    return _Engine(own, Chatbot(own), index_dir)


def run_eval(
    settings: Settings,
    *,
    dataset: Path | None,
    out_dir: Path,
    baseline: bool,
    split: str = "all",
    progress: Progress | None = None,
    readme: Path | None = None,
) -> dict[str, Any]:
    """Answer every question of every planned set, score it, write the report files; return report.json's content.

    ``dataset=None`` runs faq-dev, everyday, faq-test and userdocs (as ``split`` allows); a file runs that file only.
    ``readme``: also write the results table between its ``<!-- results:eval -->`` markers.
    """
    sets = plan_sets(dataset, split)
    if readme is not None:
        check_place(readme, "eval")  # before minutes of answering, not after
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BotError(f"Cannot create the output folder {out_dir}: {exc.strerror}.") from None

    engines: dict[str, _Engine] = {}
    set_reports: dict[str, dict[str, Any]] = {}
    records: list[dict[str, Any]] = []
    try:
        for eset in sets:
            key = str(eset.corpus) if eset.corpus else ""
            if key not in engines:
                engines[key] = _open_engine(settings, eset.corpus, out_dir / f"index-{eset.name}", progress)
            set_report, set_records = _run_set(eset, engines[key], baseline=baseline, progress=progress)
            set_reports[eset.name] = set_report
            records += set_records
    finally:
        for engine in engines.values():
            engine.close()

    main = next(iter(engines.values()))
    report: dict[str, Any] = {
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "split": split,
        "dataset": str(dataset) if dataset is not None else None,
        "settings": {
            "embedding": main.catalog.embedding,
            "k": settings.k,
            "llm": settings.llm,
            "sparse": settings.sparse,
            "index_dir": str(settings.index_dir),
        },
        "load_avg_1m": load_avg(),
        "sets": set_reports,
        "plot": None,
        "notes": [],
    }

    with open(out_dir / "results.jsonl", "w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    written = [out_dir / "results.jsonl", out_dir / "report.json", out_dir / "report.md"]
    plot_report(report, out_dir / "report.svg")
    report["plot"] = "report.svg"
    written.append(out_dir / "report.svg")
    (out_dir / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    (out_dir / "report.md").write_text(render_markdown(report), encoding="utf-8")
    if readme is not None:
        write_table(readme, "eval", eval_table(report))
        written.append(Path(readme))
    report["written"] = [str(p) for p in written]
    report["markdown_summary"] = summary_markdown(report)
    return report


def _run_set(eset: EvalSet, engine: _Engine, *, baseline: bool, progress: Progress | None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One set through the chatbot (and the baseline): its section of report.json and its results lines."""
    chatbot, catalog = engine.chatbot, engine.catalog
    warnings = _check_sources(eset.items, catalog)
    scored = [{**it, "doc_lang": it.get("doc_lang") or _doc_lang(it, engine.doc_langs)} for it in eset.items]
    stage = f"eval {eset.name}"

    # One untimed question per language first: the first Korean or Japanese query loads its tokenizer's
    # dictionary (seconds), which is start-up cost, not the per-question latency this report measures.
    for lang in dict.fromkeys(it["lang"] for it in scored):
        chatbot.answer(next(it["question"] for it in scored if it["lang"] == lang))

    started = time.perf_counter()
    ours_rows, records = [], []
    for i, item in enumerate(scored):
        if progress:
            progress(stage, i, len(scored))
        try:
            result = chatbot.answer(item["question"], item.get("history") or None).to_dict()
        except BotError as exc:
            raise BotError(f"Question {item['id']!r}: {exc}") from None
        row = metrics.per_question(result, item, read_source=engine.read_source)
        ours_rows.append(row)
        records.append({"set": eset.name, "id": item["id"], "question": item["question"], "lang": item["lang"],
                        "result": result, "metrics": row})
    if progress:
        progress(stage, len(scored), len(scored))
    ours_seconds = time.perf_counter() - started

    base_part: dict[str, Any] | None = None
    if baseline:
        pipeline = engine.get_baseline(progress)
        for lang in dict.fromkeys(it["lang"] for it in scored):  # untimed, as for ours
            pipeline.answer(next(it["question"] for it in scored if it["lang"] == lang))
        base_rows = []
        t0 = time.perf_counter()
        for i, (item, record) in enumerate(zip(scored, records)):
            if progress:
                progress(f"baseline {eset.name}", i, len(scored))
            result = pipeline.answer(item["question"], item.get("history") or None)
            row = metrics.per_question(result, item, read_source=engine.read_source)
            base_rows.append(row)
            record["baseline"] = {"result": result, "metrics": row}
        if progress:
            progress(f"baseline {eset.name}", len(scored), len(scored))
        base_part = {**pipeline.describe(), "build_seconds": round(engine.baseline_build_seconds, 2),
                     "seconds": round(time.perf_counter() - t0, 2), "refusals": metrics.refusal_counts(base_rows),
                     **metrics.report(base_rows)}

    ours = metrics.report(ours_rows)
    part: dict[str, Any] = {
        "name": eset.name,
        "dataset": str(eset.dataset),
        "split": eset.split,
        "whole": eset.whole,
        "corpus": str(eset.corpus) if eset.corpus else None,
        "index_dir": str(engine.index_dir),
        "questions": len(eset.items),
        "answerable": sum(1 for it in eset.items if it["answerable"]),
        "index": {"files": len(catalog.files), "passages": len(catalog.passages), "sentences": len(catalog.units)},
        "document_languages": engine.doc_langs,
        "seconds": round(ours_seconds, 2),
        "refusals": metrics.refusal_counts(ours_rows),
        "refusal_curve": metrics.refusal_curve(ours_rows, engine.settings.answering.refuse_below),
        "overall": ours["overall"],
        "by_lang": ours["by_lang"],
        "by_pair": ours["by_pair"],
        "by_answer_type": ours["by_answer_type"],
        "baseline": base_part,
        "warnings": warnings,
    }
    return part, records


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


