"""``bot bench``: how long indexing and answering take, how much memory they need, and how both grow.

For each scale (1×, 10×, 100× the documents in ``settings.docs``) a synthetic corpus is written (copy 0
is the original; every other copy shuffles the sentences within each paragraph and shifts every number,
so content hashes differ and nothing is deduplicated), then two fresh subprocesses run: one builds the
index, one opens it and answers warm queries. Each reports its own peak RSS, so the numbers of one
scale do not leak into the next. Finished scales are kept in ``out_dir/.partial`` and skipped when the
benchmark is run again with the same settings, so a long 100× run can be resumed.

Every figure stands beside its floor, measured in the same run, and the load average at the start and
the end of each measurement, so a busy machine shows as a busy machine and not as a regression: a fresh
process embeds the units the build embedded, and nothing else (``embed floor s``); at 1× the ``bot ask``
console script is timed against a fresh process that loads the model and encodes the one question
(:mod:`evaluation.bench_ask`).

The workers are a module of their own, :mod:`evaluation.bench_worker`; the report is :mod:`evaluation.bench_report`. With ``server=True`` a real
``chroma run`` server is started for the run: each built index is copied to it as it is and a fresh
process with an empty ``--index-dir`` times loading the catalog from it.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

from evaluation.bench_ask import measure_ask
from evaluation.bench_report import ask_line, markdown_table, plot_scaling, render_readme
from evaluation.machine import load_avg
from evaluation.readme import bench_table, check_place, write_table
from index.errors import BotError
from index.settings import Settings

Progress = Callable[[str, int, int], None]

FALLBACK_QUESTIONS = [
    "What did Ishiba give Trump?",
    "트럼프 대통령은 일본의 방위비에 대해 무엇을 말했나요?",
    "石破首相はトランプ氏に何を贈った？",
    "When did Takaichi and Trump agree to meet?",
    "아시아판 NATO 구상은 무엇인가요?",
]
RESULTS_VERSION = 4  # 3: build CPU time, server load columns; 4: floors and load at start and end


# ---------------------------------------------------------------- synthetic corpus

_SENTENCE = re.compile(r"[^.!?。！？]*(?:[.!?。！？]+|$)\s*")
_NUMBER = re.compile(r"\d+")


def vary_text(text: str, copy: int) -> str:
    """A copy of ``text`` with its sentences shuffled within each paragraph and every number shifted.

    Copy 0 is the text itself. The result has about the same length, languages and vocabulary as the
    original, but a different content hash and different sentence contexts.
    """
    if copy == 0:
        return text
    rng = random.Random(f"{copy}:{len(text)}")
    out = []
    for part in re.split(r"(\n\s*\n)", text):
        if not part.strip() or part.startswith("\n"):
            out.append(part)
            continue
        pieces = [p for p in _SENTENCE.findall(part) if p]
        rng.shuffle(pieces)
        out.append("".join(pieces))
    varied = _NUMBER.sub(lambda m: str(int(m.group()) + copy), "".join(out))
    return f"(copy {copy})\n{varied}"


def make_corpus(documents: dict[str, str], scale: int, folder: Path) -> int:
    """Write ``scale`` copies of every document into ``folder`` (flat: citations name files by name)."""
    folder.mkdir(parents=True, exist_ok=True)
    n = 0
    for copy in range(scale):
        for source, text in sorted(documents.items()):
            stem = Path(source).stem
            name = f"{stem}.txt" if copy == 0 else f"{stem}-x{copy:03d}.txt"
            (folder / name).write_text(vary_text(text, copy), encoding="utf-8")
            n += 1
    return n


def load_documents(settings: Settings) -> dict[str, str]:
    """The decoded texts of the files ``bot index`` would index by default."""
    from index.loading import discover, load_document

    found, _ = discover([Path(p) for p in settings.docs])
    docs = {}
    for path in found:
        try:
            doc = load_document(path, max_bytes=int(settings.max_file_mb * 2**20))
        except BotError:
            continue
        docs[doc.source] = doc.text
    if not docs:
        raise BotError(f"No documents to benchmark in {', '.join(str(p) for p in settings.docs)}.")
    return docs


# ---------------------------------------------------------------- measuring helpers

def machine_info() -> dict[str, Any]:
    import psutil

    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu or "unknown",
        "cores_logical": psutil.cpu_count(logical=True),
        "cores_physical": psutil.cpu_count(logical=False),
        "cores_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def _questions(n: int) -> list[str]:
    from evaluation.datasets import DEFAULT_DATASET, load_dataset

    try:
        pool = [it["question"] for it in load_dataset(DEFAULT_DATASET) if not it.get("history")]
    except BotError:
        pool = []
    pool = pool or FALLBACK_QUESTIONS
    return [pool[i % len(pool)] for i in range(n)]


# ---------------------------------------------------------------- parent side

def _run_worker(kind: str, cfg: dict, work: Path, label: str, progress: Progress | None) -> dict:
    """Run a worker in a fresh interpreter, forwarding its progress; its last JSON line is the result."""
    cfg_path = work / f"{label}-{kind}.json"
    cfg_path.write_text(json.dumps(cfg, ensure_ascii=False), encoding="utf-8")
    err_path = work / f"{label}-{kind}.stderr"
    result = None
    with open(err_path, "w", encoding="utf-8") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "evaluation.bench_worker", kind, str(cfg_path)],
            stdout=subprocess.PIPE, stderr=err, text=True, encoding="utf-8", env=_child_env(),
        )
        for line in proc.stdout:
            if not line.startswith("{"):
                continue
            try:
                msg = json.loads(line)
            except json.JSONDecodeError:
                continue
            if "progress" in msg and progress:
                stage, done, total = msg["progress"]
                progress(f"{label} {stage}", done, total)
            elif "result" in msg:
                result = msg["result"]
        proc.wait()
    if proc.returncode != 0 or result is None:
        tail = err_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-15:]
        raise BotError(f"The {kind} step at {label} failed (exit {proc.returncode}):\n  " + "\n  ".join(tail))
    return result


def _child_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(ANONYMIZED_TELEMETRY="False", GRADIO_ANALYTICS_ENABLED="False", HF_HUB_OFFLINE="1", **extra)
    return env


def _bench_settings(settings: Settings) -> dict[str, Any]:
    """The settings that change what is measured; workers get exactly these (always the embedded store)."""
    return {
        "embedding": settings.embedding,
        "sparse": settings.sparse,
        "k": settings.k,
        "passage_chars": settings.passage_chars,
        "threads": settings.threads,
        "collection": settings.collection,
    }


@contextlib.contextmanager
def chroma_server(data: Path):
    """A real ``chroma run`` server on a free local port for the benchmark; stopped by its PID."""
    import signal
    import socket
    import urllib.request

    exe = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    if not Path(exe).exists():
        raise BotError("The `chroma` command from the chromadb package is missing; run bot bench --no-server, or reinstall chromadb.")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    data.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen([exe, "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_child_env())
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(url + "/api/v2/heartbeat", timeout=1)
                break
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    raise BotError("The benchmark's chroma server did not start within 60 s.") from None
                time.sleep(0.2)
        yield url
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()


def _fingerprint(documents: dict[str, str], cfg: dict[str, Any], queries: int) -> str:
    h = hashlib.sha256()
    for source, text in sorted(documents.items()):
        h.update(source.encode() + b"\0" + text.encode() + b"\0")
    h.update(json.dumps({**cfg, "queries": queries, "v": RESULTS_VERSION}, sort_keys=True).encode())
    return h.hexdigest()[:16]


def run_bench(
    settings: Settings,
    *,
    out_dir: Path,
    scales: list[int],
    queries: int,
    progress: Progress | None = None,
    server: bool = True,
    readme: Path | None = None,
) -> str:
    """Measure every scale (1× always, for the seed numbers), write results.json, README.md, scaling.png.

    ``server``: also time loading each index from a real ``chroma run`` server (started here, stopped at the end).
    ``readme``: also write the benchmark table between that file's ``<!-- results:bench -->`` markers.
    """
    if not scales or any(s < 1 or s > 1000 for s in scales):
        raise BotError(f"Scales must be whole numbers from 1 to 1000 (got {scales}).")
    if queries < 1:
        raise BotError("--queries must be at least 1.")
    if readme is not None:
        check_place(readme, "bench")
    out_dir = Path(out_dir)
    partial = out_dir / ".partial"
    partial.mkdir(parents=True, exist_ok=True)
    (partial / ".gitignore").write_text("*\n", encoding="utf-8")

    documents = load_documents(settings)
    cfg_settings = _bench_settings(settings)
    fingerprint = _fingerprint(documents, cfg_settings, queries)
    questions = _questions(queries)
    wanted = sorted(set(scales) | {1})
    results: dict[str, Any] = {
        "version": RESULTS_VERSION,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": machine_info(),
        "settings": cfg_settings,
        "queries": queries,
        "seed_files": len(documents),
        "seed_chars": sum(len(t) for t in documents.values()),
        "scales": [],
        "ask": None,
    }
    work = Path(tempfile.mkdtemp(prefix="bot-bench-"))
    chroma: str | None = None
    stack = contextlib.ExitStack()  # the chroma server, started at the first scale that needs it
    try:
        for step, scale in enumerate(wanted):
            if progress:
                progress("bench scales", step, len(wanted))
            cache = partial / f"scale-{scale}.json"
            if cache.exists():
                saved = json.loads(cache.read_text(encoding="utf-8"))
                if saved.get("fingerprint") == fingerprint:
                    results["scales"].append(saved["record"])
                    if scale == 1:
                        results["ask"] = saved.get("ask")
                    continue
            label = f"{scale}x"
            started, load_start = time.perf_counter(), load_avg()
            corpus, index_dir = work / f"corpus-{scale}", work / f"index-{scale}"
            make_corpus(documents, scale, corpus)
            cfg = {"corpus": str(corpus), "index_dir": str(index_dir), "settings": cfg_settings, "questions": questions}
            build = _run_worker("build", cfg, work, label, progress)
            floor = _run_worker("floor", cfg, work, label, progress)
            query = _run_worker("query", cfg, work, label, progress)
            served: dict[str, Any] = {}
            if server:
                if chroma is None:
                    chroma = stack.enter_context(chroma_server(work / "chroma"))
                served = _run_worker("server", {**cfg, "chroma_url": chroma, "replica_dir": str(work / f"replica-{scale}")},
                                     work, label, progress)
            ask = measure_ask(index_dir, settings, _child_env()) if scale == 1 else None
            record = {"scale": scale, **build, **floor, **query, **served, "corpus_bytes": sum(f.stat().st_size for f in corpus.iterdir()),
                      "wall_s": round(time.perf_counter() - started, 1), "load_avg_start": load_start, "load_avg_1m": load_avg()}
            if record.get("embed_floor_s"):
                record["build_floor_ratio"] = round(record["build_s"] / record["embed_floor_s"], 2)
            cache.write_text(json.dumps({"fingerprint": fingerprint, "record": record, "ask": ask}, ensure_ascii=False, indent=1), encoding="utf-8")
            results["scales"].append(record)
            if scale == 1:
                results["ask"] = ask
            shutil.rmtree(corpus, ignore_errors=True)
            shutil.rmtree(index_dir, ignore_errors=True)
        if progress:
            progress("bench scales", len(wanted), len(wanted))
    finally:
        stack.close()
        shutil.rmtree(work, ignore_errors=True)

    results["scales"].sort(key=lambda r: r["scale"])
    out_dir.mkdir(parents=True, exist_ok=True)
    web = out_dir / "web_clients.json"
    if web.is_file():
        results["web_clients"] = json.loads(web.read_text(encoding="utf-8"))
    (out_dir / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    (out_dir / "README.md").write_text(render_readme(results), encoding="utf-8")
    plot_scaling(results, out_dir / "scaling.png")
    wrote = f"Wrote {out_dir}/results.json, {out_dir}/README.md and {out_dir}/scaling.png"
    if readme is not None:
        write_table(readme, "bench", bench_table(results))
        wrote += f", and the table in {readme}"
    return "\n".join([markdown_table(results["scales"]), "", ask_line(results.get("ask")), "", wrote])


