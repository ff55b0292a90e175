"""``bot eval``: run question sets through the same chain as ``bot ask``, score them, write one report.

Sets. By default three are scored, each in its own section of the report:

- ``faq-dev`` and ``faq-test``: ``eval/faq.jsonl`` (questions on the seeds) cut in two by :func:`split_of`,
  a fixed hash of each id's stem. **Tuning happens only on faq-dev**: thresholds, weights, prompts and other
  constants are chosen by looking at dev numbers; faq-test is read to report, never to choose.
- ``userdocs``: ``eval/userdocs/questions.jsonl`` over its own small corpus, ``eval/userdocs/docs/`` (notes
  written for evaluation, unlike the seeds: minutes, a recall notice, a lease, a recipe ...). It is held out
  like faq-test and is the only set with English documents.

``--split dev`` runs faq-dev only (the tuning loop); ``--split test`` runs faq-test and userdocs.
``--dataset FILE`` runs that one file instead (``--split`` then picks its dev or test half). A dataset with a
``docs/`` folder beside it is evaluated on that folder, indexed into ``<out>/index-<set>`` (embedded store;
a re-run re-embeds only changed files); any other dataset on the main index (``--index-dir``, seeds).

Writes ``results.jsonl`` (one line per question: its set, the full answer object and its metric row),
``report.json`` / ``report.md`` (per set: overall, refusals as counts, by question language, by
question→document language and by answer type) and ``report.png`` (skipped, with a note, if matplotlib
is not installed). With ``baseline=True`` the LangChain tutorial pipeline (:mod:`bot.baseline`) answers the
same questions over the same files with the same embedding model, and both are reported side by side.

Metrics themselves live in :mod:`bot.metrics`; this module only loads, splits, runs, groups and writes.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from bot import metrics
from index.errors import BotError
from index.settings import PROJECT_ROOT, Settings

Progress = Callable[[str, int, int], None]

EVAL_DIR = PROJECT_ROOT / "eval"
DEFAULT_DATASET = EVAL_DIR / "faq.jsonl"
USERDOCS_DATASET = EVAL_DIR / "userdocs" / "questions.jsonl"
#: A folder of this name beside a dataset file is the corpus that dataset is asked about.
CORPUS_DIRNAME = "docs"
SPLITS = ("dev", "test", "all")
ANSWER_TYPES = metrics.ANSWER_TYPES

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
    "answer_type": ((str, type(None)), False),
}

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
    if item.get("answer_type") is not None and item["answer_type"] not in ANSWER_TYPES:
        raise BotError(f"{where}: field 'answer_type' must be one of {', '.join(ANSWER_TYPES)} (got {item['answer_type']!r}).")
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


# ---------------------------------------------------------------- splits and sets

def id_stem(item_id: str) -> str:
    """The fact an id names, without its language prefix and running number: 'ko-helmet-03' → 'helmet'.

    Items are split by stem, so the same fact asked in three languages, and a follow-up with the question
    it follows ('en-helmet-01' / 'en-helmet-02'), always fall on the same side.
    """
    stem = re.sub(r"-\d+$", "", re.sub(r"^(?:en|ko|ja)-", "", item_id.strip()))
    return stem or item_id.strip()


def split_of(item_id: str) -> str:
    """'dev' or 'test' for an item id: the first byte of sha256(stem) below 128 is dev (about half).

    Fixed by the id alone, so adding items never moves old ones across, and no score can choose the split.
    """
    return "dev" if hashlib.sha256(id_stem(item_id).encode("utf-8")).digest()[0] < 128 else "test"


def select_split(items: list[dict[str, Any]], split: str) -> list[dict[str, Any]]:
    """The items of one split ('dev' / 'test'), in file order; 'all' keeps every item."""
    if split not in SPLITS:
        raise BotError(f"--split must be one of {', '.join(SPLITS)} (got {split!r}).")
    return list(items) if split == "all" else [it for it in items if split_of(it["id"]) == split]


def corpus_of(dataset: Path) -> Path | None:
    """The ``docs/`` folder beside a dataset file, if it has one: the corpus its questions are about."""
    folder = Path(dataset).parent / CORPUS_DIRNAME
    return folder if folder.is_dir() else None


@dataclass
class EvalSet:
    """One section of the report: a name, its items, and the corpus they are asked about (None: the main index)."""

    name: str
    dataset: Path
    split: str
    items: list[dict[str, Any]]
    corpus: Path | None = None


def plan_sets(dataset: Path | None, split: str = "all") -> list[EvalSet]:
    """The sets one ``bot eval`` run scores; every dataset is loaded and validated here, before any index work."""
    if split not in SPLITS:
        raise BotError(f"--split must be one of {', '.join(SPLITS)} (got {split!r}).")
    if dataset is not None:
        dataset = Path(dataset)
        items = load_dataset(dataset)
        corpus = corpus_of(dataset)
        name = corpus.parent.name if corpus else dataset.stem
        chosen = select_split(items, split)
        if not chosen:
            raise BotError(f"{dataset} has no items in the {split} split (split_of(id) decides; see bot/evaluating.py).")
        return [EvalSet(name if split == "all" else f"{name}-{split}", dataset, split, chosen, corpus)]
    faq = load_dataset(DEFAULT_DATASET)
    sets = [EvalSet(f"faq-{part}", DEFAULT_DATASET, part, select_split(faq, part))
            for part in ("dev", "test") if split in (part, "all")]
    if split in ("test", "all") and USERDOCS_DATASET.is_file():
        sets.append(EvalSet("userdocs", USERDOCS_DATASET, "all", load_dataset(USERDOCS_DATASET), corpus_of(USERDOCS_DATASET)))
    return sets


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
            from bot.baseline import TutorialBaseline
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
) -> dict[str, Any]:
    """Answer every question of every planned set, score it, write the report files; return report.json's content.

    ``dataset=None`` runs faq-dev, faq-test and userdocs (as ``split`` allows); a file runs that file only.
    """
    sets = plan_sets(dataset, split)
    if baseline:  # say so before answering hundreds of questions, not after
        import importlib.util

        if importlib.util.find_spec("langchain_text_splitters") is None:
            raise BotError("--baseline needs langchain-text-splitters, which the default install leaves out: "
                           "pip install 'seedbot[eval]' (or run bot eval without --baseline).")
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
        "settings": {
            "embedding": main.catalog.embedding,
            "k": settings.k,
            "llm": settings.llm,
            "sparse": settings.sparse,
            "index_dir": str(settings.index_dir),
        },
        "load_avg_1m": _load_avg(),
        "sets": set_reports,
        "plot": None,
        "notes": [],
    }

    with open(out_dir / "results.jsonl", "w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    written = [out_dir / "results.jsonl", out_dir / "report.json", out_dir / "report.md"]
    try:
        plot_report(report, out_dir / "report.png")
        report["plot"] = "report.png"
        written.append(out_dir / "report.png")
    except ImportError as exc:
        report["notes"].append(f"No plot: {exc.name or 'matplotlib'} is not installed (pip install -e '.[eval]'); "
                               "the numbers are all in this report.")
    (out_dir / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    (out_dir / "report.md").write_text(render_markdown(report), encoding="utf-8")
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
        "corpus": str(eset.corpus) if eset.corpus else None,
        "index_dir": str(engine.index_dir),
        "questions": len(eset.items),
        "answerable": sum(1 for it in eset.items if it["answerable"]),
        "index": {"files": len(catalog.files), "passages": len(catalog.passages), "sentences": len(catalog.units)},
        "document_languages": engine.doc_langs,
        "seconds": round(ours_seconds, 2),
        "refusals": metrics.refusal_counts(ours_rows),
        "overall": ours["overall"],
        "by_lang": ours["by_lang"],
        "by_pair": ours["by_pair"],
        "by_answer_type": ours["by_answer_type"],
        "baseline": base_part,
        "warnings": warnings,
    }
    return part, records


def _load_avg() -> float | None:
    """The machine's 1-minute load average: above its core count, latencies include waiting for a CPU."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


#: Kept for callers of the old name; the counting itself is a pure function in :mod:`bot.metrics`.
refusal_counts = metrics.refusal_counts


def _ratio(done: int | None, total: int | None) -> str:
    return "–" if not total else f"{done}/{total}"


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
        "a constant, a threshold or a prompt (the split is `split_of(id)` in `bot/evaluating.py`, a hash of the id's stem).",
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
