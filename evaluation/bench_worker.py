"""The subprocess side of ``bot bench``: ``python -m evaluation.bench_worker build|floor|query|server CONFIG.json``.

Each kind runs in a fresh interpreter so its peak RSS and its first-use costs are its own; it prints
JSON lines (``{"progress": [...]}`` while it works, ``{"result": {...}}`` last) that
:mod:`evaluation.benchmark` reads.
"""
from __future__ import annotations

import json
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from evaluation.benchmark import FALLBACK_QUESTIONS
from evaluation.metrics import percentile
from index.settings import Settings


def _emit(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (2**20 if sys.platform == "darwin" else 2**10), 1)  # bytes on macOS, KiB on Linux


def _cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _dir_mb(path: Path) -> float:
    return round(sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file()) / 2**20, 1)


def _settings(cfg: dict, **changes: Any) -> Settings:
    return Settings.load(env={}, **{"index_dir": Path(cfg["index_dir"]), "docs": [Path(cfg["corpus"])], **cfg["settings"], **changes})


def build(cfg: dict) -> dict:
    """Build one index from scratch; time the model load, each indexing stage and the whole (wall and CPU)."""
    from index.embedding import get_embedder
    from index.indexing import run_index

    settings = _settings(cfg)
    t0 = time.perf_counter()
    embedder = get_embedder(settings.embedding, threads=settings.threads)
    embedder.encode_passages(["warm-up"])  # backends may load their weights lazily, on the first call
    if embedder.has_sparse and settings.sparse:
        embedder.sparse(["warm-up"])
    model_load = time.perf_counter() - t0
    marks: dict[str, list[float]] = {}
    last_emit = [0.0]

    def progress(stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        marks.setdefault(stage, [now, now])[1] = now
        if done >= total or now - last_emit[0] > 0.5:
            last_emit[0] = now
            _emit({"progress": [stage, done, total]})

    cpu0, t1 = _cpu_s(), time.perf_counter()
    report = run_index(settings, rebuild=True, progress=progress)
    t2, cpu1 = time.perf_counter(), _cpu_s()
    read_end = marks.get("read", [t1, t1])[1]
    embed_end = marks.get("embed", [read_end, read_end])[1]
    sparse_end = marks.get("sparse", [embed_end, embed_end])[1]
    embed_s, sparse_s = embed_end - read_end, sparse_end - embed_end
    units = report.embedded_units
    return {
        "files": report.files,
        "sentences": report.units,
        "passages": report.passages,
        "model_load_s": round(model_load, 3),
        "build_s": round(t2 - t1, 3),
        "build_cpu_s": round(cpu1 - cpu0, 3),
        # The engine encodes while files are read (index/encoding.py): each stage is the wait until it ends.
        "stages_s": {
            "read_segment_tokenize_while_encoding": round(read_end - t1, 3),
            "dense_rest_and_store": round(embed_s, 3),
            "sparse_rest": round(sparse_s, 3),
            "keyword_index_and_save": round(t2 - sparse_end, 3),
        },
        "build_units_per_s": round(units / (t2 - t1), 1) if t2 > t1 else None,
        "build_peak_rss_mb": _peak_rss_mb(),
        "index_mb": _dir_mb(settings.index_dir),
    }


def floor(cfg: dict, batch: int = 64) -> dict:
    """The build's floor: the sentences the build embedded (read back from its catalog), embedded again in the build's
    batches, with the model loaded beforehand, and nothing else: what no build of these units can beat."""
    from index.embedding import get_embedder
    from index.storing import Catalog

    settings = _settings(cfg)
    catalog = Catalog.load(settings.index_dir)
    texts = [u.text for u in catalog.units]
    embedder = get_embedder(settings.embedding, threads=settings.threads)
    embedder.encode_passages(["warm-up"])
    t0 = time.perf_counter()
    for i in range(0, len(texts), batch):
        embedder.encode_passages(texts[i : i + batch])
        _emit({"progress": ["embed floor", min(i + batch, len(texts)), len(texts)]})
    return {"embed_floor_s": round(time.perf_counter() - t0, 3), "embed_floor_units": len(texts)}


def _latencies(name: str, call, questions: list[str]) -> dict[str, float]:
    times = []
    for i, q in enumerate(questions):
        t = time.perf_counter()
        call(q)
        times.append((time.perf_counter() - t) * 1e3)
        if i % 10 == 9 or i == len(questions) - 1:
            _emit({"progress": [name, i + 1, len(questions)]})
    return {
        f"{name}_p50_ms": round(percentile(times, 50), 2),
        f"{name}_p95_ms": round(percentile(times, 95), 2),
        f"{name}_mean_ms": round(statistics.fmean(times), 2),
    }


def query(cfg: dict) -> dict:
    """Open the index, warm up, then time retrieval alone and the full extractive answer."""
    from bot.chain import Chatbot
    from index.retrieving import Index

    settings = _settings(cfg)
    questions = cfg["questions"]
    t0 = time.perf_counter()
    index = Index.open(settings)
    open_s = time.perf_counter() - t0
    bot = Chatbot(settings, index=index)
    # Warm-up in every language: first-use costs (Kiwi's and Sudachi's dictionaries, HNSW pages) are start-up, not latency.
    for q in FALLBACK_QUESTIONS[:3] + questions[:3]:
        index.search(q)
        bot.answer(q)
    out: dict[str, Any] = {"open_s": round(open_s, 3), "queries": len(questions)}
    # each loop asks every question afresh: the answerer reuses a question's sparse vector from its retrieval, but
    # the answer loop must not reuse the retrieval loop's (the first version did: answers came out faster than retrieval)
    index.embedder.forget_recent()
    out |= _latencies("retrieval", index.search, questions)
    index.embedder.forget_recent()
    out |= _latencies("answer", bot.answer, questions)
    out["query_peak_rss_mb"] = _peak_rss_mb()
    return out


def server(cfg: dict) -> dict:
    """Copy the built index to the Chroma server, then open it as a fresh replica would (empty cache) and again
    (cached), and time warm retrieval through the server."""
    from index.embedding import get_embedder
    from index.server_store import publish_to_server
    from index.retrieving import Index

    settings = _settings(cfg)
    url = cfg["chroma_url"]
    get_embedder(settings.embedding, threads=settings.threads).encode_queries(["warm-up"])
    t0 = time.perf_counter()
    publish_to_server(settings.index_dir, url, settings.collection)
    publish_s = time.perf_counter() - t0
    replica = _settings(cfg, chroma_url=url, index_dir=Path(cfg["replica_dir"]))
    t1 = time.perf_counter()
    index = Index.open(replica)  # empty cache: fetch, check, parse, rebuild BM25
    cold = time.perf_counter() - t1
    t2 = time.perf_counter()
    index = Index.open(replica)  # the cached version
    cached = time.perf_counter() - t2
    for q in FALLBACK_QUESTIONS[:3]:
        index.search(q)
    index.embedder.forget_recent()
    lat = _latencies("server_retrieval", index.search, cfg["questions"])
    return {"publish_s": round(publish_s, 3), "server_open_s": round(cold, 3), "server_cached_open_s": round(cached, 3),
            "server_retrieval_p50_ms": lat["server_retrieval_p50_ms"], "server_retrieval_p95_ms": lat["server_retrieval_p95_ms"]}


def main(argv: list[str]) -> int:
    kind, cfg_path = argv
    cfg = json.loads(Path(cfg_path).read_text(encoding="utf-8"))
    result = {"build": build, "floor": floor, "query": query, "server": server}[kind](cfg)
    _emit({"result": result})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
