"""Throughput of `bot serve` for 1, 4 and 8 concurrent web clients (real Gradio server, gradio_client `/ask`).

    python benchmarks/web_clients.py --index-dir .bot-index [--clients 1,4,8] [--questions 24] [--compare-pool 1]

Each client asks its share of ``--questions`` FAQ questions one after another through the public `/ask`
API; throughput is answered questions per second of wall time, latency is per question as a client
sees it (queueing included). ``--compare-pool 1`` also runs the largest client count against an app
whose answer pool is 1 (the old one-at-a-time queue). Results go to benchmarks/web_clients.json with the load average: on a shared machine above
its core count, every number here is inflated.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--index-dir", type=Path, required=True)
    ap.add_argument("--clients", default="1,4,8")
    ap.add_argument("--questions", type=int, default=24)
    ap.add_argument("--compare-pool", type=int, default=None)
    ap.add_argument("--out", type=Path, default=Path(__file__).with_name("web_clients.json"))
    args = ap.parse_args(argv)

    from gradio_client import Client

    import bot.webapp as webapp
    from bot.chain import open_chatbot
    from evaluation.benchmark import _questions
    from evaluation.machine import load_avg
    from index.settings import Settings

    settings = Settings.load(index_dir=args.index_dir)
    chatbot = open_chatbot(settings, build_if_missing=False)
    chatbot.index  # the model and the catalog load before the clock starts
    questions = _questions(args.questions)
    pool_size = webapp.ANSWER_POOL
    counts = [int(x) for x in args.clients.split(",")]
    rows = measure(webapp, settings, chatbot, questions, counts, Client, load_avg)
    compare = []
    if args.compare_pool:
        webapp.ANSWER_POOL = args.compare_pool
        compare = [{**r, "pool": args.compare_pool} for r in measure(webapp, settings, chatbot, questions, counts[-1:], Client, load_avg)]
    result = {"created": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "pool": pool_size, "cores": len(os.sched_getaffinity(0)),
              "index_dir": str(args.index_dir), "rows": rows, "compare": compare}
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0


def measure(webapp, settings, chatbot, questions: list[str], counts: list[int], Client, load_avg) -> list[dict]:
    """One app (answer pool as ``webapp.ANSWER_POOL`` says), one row per client count."""
    app, url = webapp.serve_in_background(settings, chatbot)
    rows = []
    try:
        warm = Client(url, verbose=False)
        for q in questions[:3]:
            warm.predict(q, api_name="/ask")
        for n in counts:
            clients = [Client(url, verbose=False) for _ in range(n)]
            shares = [questions[i::n] for i in range(n)]

            def run(i: int) -> list[float]:
                out = []
                for q in shares[i]:
                    t = time.perf_counter()
                    clients[i].predict(q, api_name="/ask")
                    out.append((time.perf_counter() - t) * 1e3)
                return out

            before = load_avg()
            t0 = time.perf_counter()
            with ThreadPoolExecutor(n) as pool:
                lat = [x for part in pool.map(run, range(n)) for x in part]
            wall = time.perf_counter() - t0
            rows.append({"clients": n, "questions": len(lat), "wall_s": round(wall, 2), "per_s": round(len(lat) / wall, 2),
                         "p50_ms": round(float(np.percentile(lat, 50)), 1), "p95_ms": round(float(np.percentile(lat, 95)), 1),
                         "load_avg_1m_before": before, "load_avg_1m_after": load_avg()})
            print(json.dumps(rows[-1]), flush=True)
    finally:
        app.close()
    return rows


if __name__ == "__main__":
    sys.exit(main())
