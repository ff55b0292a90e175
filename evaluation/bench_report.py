"""``bot bench``'s report: the table, the growth from scale to scale, the README and the plot, from ``results.json``.

Every time stands beside its floor from the same run and the load average at its start and end: on a shared
machine the ratio is the figure to compare runs by, the seconds only say how busy the machine was.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

TABLE_COLUMNS = (
    ("scale", "scale", "{}×"),
    ("files", "files", "{}"),
    ("sentences", "sentences", "{:,}"),
    ("passages", "passages", "{:,}"),
    ("build_s", "build s", "{:.1f}"),
    ("build_cpu_s", "build CPU s", "{:.1f}"),
    ("embed_floor_s", "embed floor s", "{:.1f}"),
    ("build_floor_ratio", "build ÷ floor", "{:.2f}×"),
    ("build_units_per_s", "build sent/s", "{:.0f}"),
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
    ("load_avg_start", "load 1m start", "{:.1f}"),
    ("load_avg_1m", "load 1m end", "{:.1f}"),
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
    line = (f"`bot ask` one-off wall time (seed index, model load included): median {ask['wall_median_s']:.2f} s "
            f"of {', '.join(f'{w:.2f}' for w in ask['wall_s'])}")
    if ask.get("floor_median_s"):
        line += (f", against a floor of {ask['floor_median_s']:.2f} s (a fresh process that loads the model and encodes "
                 f"the question; {', '.join(f'{w:.2f}' for w in ask['floor_s'])}): **{ask['ratio']:.1f}× the floor**, "
                 f"load {_load(ask.get('load_avg_start'))} → {_load(ask.get('load_avg_end'))}")
    return line + f"; heavy packages imported: {heavy}."


def _load(value: float | None) -> str:
    return "?" if value is None else f"{value:.2f}"


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
            + ", ".join(f"{k.replace('_', ' ')} {v:.1f} s" for k, v in seed["stages_s"].items()) + "."
            + (f" Embedding the same {seed['sentences']} sentences alone takes {seed['embed_floor_s']:.1f} s: the build is "
               f"**{seed['build_floor_ratio']:.2f}× its floor**." if seed.get("build_floor_ratio") else ""),
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
        "`build sent/s` is sentences per second of the whole build, whose reading, dense and sparse encoding and Chroma "
        "writes overlap), "
        "one opens it and answers warm queries (warm-up queries in English, Korean and Japanese first, untimed). `peak MB` is each process's maximum RSS "
        "(`getrusage`), model included.",
        f"- Latency over {results['queries']} questions from eval/faq.jsonl: `retrieval` is `Index.search` "
        "(dense + sparse + BM25 fusion), `answer` the full extractive `Chatbot.answer` (the chain `bot ask` runs).",
        "- `bot ask` wall time is the console script run as a user runs it, on the 1× index: interpreter start, "
        "imports, model load, one answer.",
        "- Floors, measured in the same run right after each build: `embed floor s` is a fresh process embedding "
        "the same sentences (dense, in the build's batches, model loaded beforehand) and nothing else; `build ÷ floor` is what "
        "reading, segmenting, tokenizing, the sparse vectors and storing add on top. The `bot ask` floor is a fresh "
        "process that loads the model and encodes the one question; its runs alternate with `bot ask`'s. "
        "Compare runs by these ratios: a busy machine slows a figure and its floor alike.",
        "- `build CPU s` is the build process's user + system time: far above `build s` × cores means threads spun "
        "waiting for each other or for the CPU.",
        "- Server columns: the built index is copied as it is to a real `chroma run` server on the same machine "
        "(vectors and catalog, nothing re-embedded), then a fresh process with an empty `--index-dir` opens it the "
        "way a new replica does: `server load s` fetches the catalog, checks its checksums, parses it and rebuilds "
        "BM25 from the stored tokens; `cached load s` is the next open, from the local cache; `server retrieval` is "
        "`Index.search` with the vectors queried over HTTP.",
        f"- `load 1m start` and `end` are the machine's load average when the scale started and finished: above {m['cores_usable']} (the usable cores), "
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
