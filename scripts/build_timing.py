#!/usr/bin/env python3
"""Time one seed-index build by stage (wall and CPU), then its dense floor, in one fresh process (issue 22).

Prints one JSON line: load average at start and end, build wall and CPU, per stage ``[wall, cpu, start]`` (the
stage marks come from the build's progress reports; stages overlap since the build encodes while it reads), the
floor (the same sentences embedded dense-only in batches of 64, model loaded) and build ÷ floor. On a shared
machine compare versions by alternating them, e.g. another checkout first on ``PYTHONPATH``:

    for i in 1 2 3; do PYTHONPATH=../main python scripts/build_timing.py /tmp/a; python scripts/build_timing.py /tmp/b; done
"""
from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path


def cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main(index_dir: Path) -> dict:
    from index.catalog import Catalog
    from index.embedding import get_embedder
    from index.indexing import run_index
    from index.settings import SEEDS_DIR, Settings

    settings = Settings.load(env={}, index_dir=index_dir, docs=[SEEDS_DIR])
    out: dict = {"load_start": round(os.getloadavg()[0], 2)}
    embedder = get_embedder(settings.embedding, threads=settings.threads)
    embedder.encode_passages(["warm-up"])
    if embedder.has_sparse:
        embedder.sparse(["warm-up"])
    marks: dict[str, list[tuple[float, float]]] = {}

    def progress(stage: str, done: int, total: int) -> None:
        now = (time.perf_counter(), cpu_s())
        marks.setdefault(stage, [now, now])[1] = now

    start = (time.perf_counter(), cpu_s())
    run_index(settings, rebuild=True, progress=progress)
    end = (time.perf_counter(), cpu_s())
    out |= {"build_s": round(end[0] - start[0], 2), "build_cpu_s": round(end[1] - start[1], 2)}
    prev = start
    for stage, (first, last) in marks.items():
        out[stage] = [round(last[0] - prev[0], 2), round(last[1] - prev[1], 2), f"start+{first[0] - start[0]:.2f}"]
        prev = last
    texts = [u.text for u in Catalog.load(index_dir).units]
    f0 = (time.perf_counter(), cpu_s())
    for i in range(0, len(texts), 64):
        embedder.encode_passages(texts[i : i + 64])
    f1 = (time.perf_counter(), cpu_s())
    out |= {"floor_s": round(f1[0] - f0[0], 2), "floor_cpu_s": round(f1[1] - f0[1], 2)}
    out["build_floor_ratio"] = round(out["build_s"] / out["floor_s"], 2)
    out["load_end"] = round(os.getloadavg()[0], 2)
    return out


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: build_timing.py INDEX_DIR (rebuilt from the seeds)")
    print(json.dumps(main(Path(sys.argv[1]))))
