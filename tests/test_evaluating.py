"""`bot eval` end to end on a small FAQ file, its sets and dev/test split, its dataset errors, and the benchmark's pure parts."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from index.errors import BotError

ITEMS = [
    {"id": "ko-summit-timing-01", "question": "정상회담 날짜가 잡히기까지 시간이 많이 걸릴 거라고 이시바 총리가 예상했나요?", "lang": "ko",
     "sources": ["000_1c43305ac6ad8588.txt"], "answer_keywords": ["그리 시간이 걸리지 않고"], "answerable": True},
    {"id": "en-fmattend-01", "question": "Who from the Japanese cabinet attended Trump's swearing-in?", "lang": "en",
     "sources": ["000_1c43305ac6ad8588.txt"], "answer_keywords": ["이와야 다케시 일본 외무상"], "answerable": True},
    {"id": "en-fmattend-02", "question": "Apart from the ceremony, what was he there for?", "lang": "en",
     "sources": ["000_1c43305ac6ad8588.txt"], "answer_keywords": ["사전 작업"], "answerable": True,
     "history": [{"role": "user", "content": "Who from the Japanese cabinet attended Trump's swearing-in?"},
                 {"role": "assistant", "content": "Foreign Minister Iwaya Takeshi attended it."}]},
    {"id": "ja-unanswerable-01", "question": "メラニア夫人は日本の首相夫人に何を贈りましたか？", "lang": "ja",
     "sources": [], "answer_keywords": [], "answerable": False},
]
RESULT_KEYS = {"question", "standalone_question", "answer", "refused", "language", "citations", "retrieved", "timings_ms"}
METRIC_KEYS = {"id", "lang", "doc_lang", "evidence_hit@1", "evidence_hit@5", "mrr", "answer_hit", "refusal_correct", "citation_validity", "latency_ms"}


README = """# A project

Text before, kept.

<!-- results:eval -->
| an old, typed table |
<!-- /results:eval -->

Text after, kept.
"""


def write_dataset(path: Path, items=ITEMS, extra_lines: tuple[str, ...] = ()) -> Path:
    lines = [json.dumps(it, ensure_ascii=False) for it in items] + list(extra_lines)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run_eval_cli(*args: str, index_dir: Path):
    return CliRunner().invoke(cli, ["eval", "--index-dir", str(index_dir), *args], catch_exceptions=False)


@pytest.fixture(scope="module")
def eval_out(seed_settings, tmp_path_factory):
    """One `bot eval --baseline` run on the seed index, shared by the checks below."""
    tmp = tmp_path_factory.mktemp("eval")
    dataset = write_dataset(tmp / "faq.jsonl")
    out = tmp / "out"
    (tmp / "README.md").write_text(README, encoding="utf-8")
    result = run_eval_cli("--dataset", str(dataset), "--out", str(out), "--baseline", "--readme", str(tmp / "README.md"),
                          index_dir=seed_settings.index_dir)
    assert result.exit_code == 0, result.output
    return out, result.output


def test_eval_writes_every_output_file(eval_out):
    out, output = eval_out
    for name in ("results.jsonl", "report.json", "report.md", "report.svg"):
        assert (out / name).stat().st_size > 0, name
    assert "ours: all" in output and "baseline: all" in output and "Wrote" in output


def test_results_lines_carry_the_full_answer_and_its_metrics(eval_out, seed_settings):
    out, _ = eval_out
    lines = [json.loads(line) for line in (out / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in lines] == [it["id"] for it in ITEMS]
    for line, item in zip(lines, ITEMS):
        assert {"id", "question", "lang", "result", "metrics", "baseline"} <= set(line)
        assert RESULT_KEYS <= set(line["result"]) and METRIC_KEYS <= set(line["metrics"])
        assert line["lang"] == item["lang"] and line["result"]["timings_ms"]["total"] > 0
        assert RESULT_KEYS <= set(line["baseline"]["result"]) and METRIC_KEYS <= set(line["baseline"]["metrics"])
    by_id = {r["id"]: r for r in lines}
    # The follow-up went through the chain with its history: the standalone question carries the previous one.
    follow = by_id["en-fmattend-02"]["result"]
    assert follow["standalone_question"] != follow["question"] and "swearing-in" in follow["standalone_question"]
    # Unanswerable items have no retrieval metrics but are scored on refusal.
    unans = by_id["ja-unanswerable-01"]["metrics"]
    assert unans["evidence_hit@1"] is None and isinstance(unans["refusal_correct"], bool) and unans["doc_lang"] is None
    assert by_id["ko-summit-timing-01"]["metrics"]["doc_lang"] == "ko"
    # The baseline's citation is the top chunk, quoted exactly from the file.
    seeds = seed_settings.docs[0]
    for line in lines:
        base = line["baseline"]["result"]
        assert base["refused"] is False and len(base["retrieved"]) == 4
        c = base["citations"][0]
        assert (seeds / c["source"]).read_text(encoding="utf-8")[c["start"] : c["end"]] == c["quote"]
        assert line["baseline"]["metrics"]["citation_validity"] == 1.0


def test_report_has_aggregates_for_ours_and_the_baseline(eval_out):
    out, _ = eval_out
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert list(report["sets"]) == ["faq"]  # one --dataset file, no docs/ beside it: one set, on the main index
    report = report["sets"]["faq"]
    assert report["questions"] == 4 and report["answerable"] == 3 and report["corpus"] is None
    for part in (report, report["baseline"]):
        assert part["overall"]["n"] == 4
        assert set(part["by_lang"]) == {"ko", "en", "ja"}
        assert set(part["by_pair"]) == {"ko→ko", "en→ko"}  # the unanswerable item has no document
        assert part["by_pair"]["en→ko"]["n"] == 2
        for key in ("evidence_hit@1", "evidence_hit@5", "answer_hit", "refusal_correct", "latency_p50_ms", "n_citations"):
            assert key in part["overall"]
        assert part["overall"]["refusals"]["unanswerable"] == 1 and part["overall"]["refusals"]["answerable"] == 3
        assert part["by_answer_type"] == {}  # ITEMS carry no answer_type, so no group (files may omit it)
    assert report["overall"]["support"]["n_citations"] == 4 - report["refusals"]["refused_unanswerable"] - report["refusals"]["refused_answerable"]
    assert report["baseline"]["chunk_size"] == 1000 and report["baseline"]["k"] == 4 and report["baseline"]["chunks"] > 10
    assert report["document_languages"]["000_1c43305ac6ad8588.txt"] == "ko"
    assert report["refusals"]["unanswerable"] == 1 and report["refusals"]["answerable"] == 3
    assert report["baseline"]["refusals"]["refused_unanswerable"] == 0  # the tutorial pipeline never refuses
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "## Set: faq" in md and "### By answer type" in md and "Tuning happens only on the dev sets (faq-dev, everyday)" in md
    assert "Refusals: ours: refused" in md and "ours / baseline" in md and "## By question language → document language" in md and "| en→ko | 2 |" in md


def test_every_answer_carries_its_evidence_score_and_the_curve_agrees_with_the_refusals(eval_out, seed_settings):
    """The extractive answerer's refusal evidence is in the result object (issue 19: the refusal curve is read from it)."""
    out, output = eval_out
    threshold = seed_settings.answering.refuse_below
    lines = [json.loads(line) for line in (out / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    for line in lines:
        score, refused = line["result"]["evidence_score"], line["result"]["refused"]
        assert refused == (score is None or score < threshold), (line["id"], score, refused)
        assert line["metrics"]["evidence_score"] == score
        assert "evidence_score" not in line["baseline"]["result"]  # the baseline never refuses: no score
    part = json.loads((out / "report.json").read_text(encoding="utf-8"))["sets"]["faq"]
    curve = part["refusal_curve"]
    assert curve["current"] == threshold and (curve["unanswerable"], curve["answerable"]) == (1, 3)
    [current] = [pt for pt in curve["points"] if pt["current"]]
    assert (current["refused_unanswerable"], current["refused_answerable"]) == (
        part["refusals"]["refused_unanswerable"], part["refusals"]["refused_answerable"])
    assert [pt["threshold"] for pt in curve["points"]] == sorted(pt["threshold"] for pt in curve["points"])
    assert "### Refusal curve" in (out / "report.md").read_text(encoding="utf-8") and f"| {threshold:.3f} (current) |" in output


def test_wrong_document_answers_are_reported_overall_and_by_pair(eval_out):
    out, output = eval_out
    part = json.loads((out / "report.json").read_text(encoding="utf-8"))["sets"]["faq"]
    lines = [json.loads(line) for line in (out / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    by_id = {it["id"]: it for it in ITEMS}
    answered = [ln for ln in lines if by_id[ln["id"]]["answerable"] and not ln["result"]["refused"] and ln["result"]["citations"]]
    wrong = [ln for ln in answered if any(c["source"] not in by_id[ln["id"]]["sources"] for c in ln["result"]["citations"])]
    assert part["overall"]["support"]["wrong_document"] == len(answered)
    assert part["overall"]["wrong_document"] == (len(wrong) / len(answered) if answered else None)
    assert "wrong_document" in part["by_pair"]["en→ko"] and "wrong_document" in part["baseline"]["overall"]
    assert "wrong doc" in output and "| wrong doc |" in (out / "report.md").read_text(encoding="utf-8")


def test_eval_writes_the_readme_results_table_between_its_markers(eval_out):
    out, output = eval_out
    assert f"Wrote {out / 'results.jsonl'}" in output and output.rstrip().endswith(str(out.parent / "README.md"))
    text = (out.parent / "README.md").read_text(encoding="utf-8")
    assert text.startswith("# A project\n\nText before, kept.\n\n<!-- results:eval -->\n") and text.endswith("<!-- /results:eval -->\n\nText after, kept.\n")
    assert "an old, typed table" not in text
    table = [ln for ln in text.splitlines() if ln.startswith("| ")]
    assert table[0].startswith("| set | questions | evidence hit@1 (95% CI) | hit@5 | answer hit (95% CI) | wrong-document answers |")
    assert table[1].startswith("| faq | 4 | ") and table[2].startswith("| *LangChain tutorial baseline, faq* | 4 | ")
    assert table[2].endswith(" | 0/1 | 0/3 | 1.00 |")  # the baseline never refuses and quotes one chunk
    assert f"Generated by `bot eval --dataset {out.parent / 'faq.jsonl'} --baseline`" in text


def test_eval_readme_without_markers_fails_before_any_work(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# No markers here\n", encoding="utf-8")
    dataset = write_dataset(tmp_path / "faq.jsonl")
    result = run_eval_cli("--dataset", str(dataset), "--out", str(tmp_path / "out"), "--readme", str(readme), index_dir=tmp_path / "idx")
    assert result.exit_code == 1 and "has no place for the eval table" in result.output and "<!-- results:eval -->" in result.output
    assert not (tmp_path / "idx").exists() and not (tmp_path / "out").exists()
    assert readme.read_text(encoding="utf-8") == "# No markers here\n"


def test_eval_without_baseline_reports_ours_only(seed_settings, tmp_path):
    dataset = write_dataset(tmp_path / "faq.jsonl", ITEMS[:1])
    result = run_eval_cli("--dataset", str(dataset), "--out", str(tmp_path / "out"), index_dir=seed_settings.index_dir)
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))["sets"]["faq"]
    assert report["baseline"] is None and report["overall"]["n"] == 1
    assert "baseline" not in json.loads((tmp_path / "out" / "results.jsonl").read_text(encoding="utf-8"))
    assert "baseline: all" not in result.output


@pytest.mark.parametrize(
    "bad_line, expected",
    [
        ('{"id": "x", "question": "q"', r"line 3: not valid JSON"),
        ('["not", "an", "object"]', r"line 3: expected a JSON object"),
        ('{"id": "x", "question": "q", "lang": "en", "sources": []}', r"line 3: missing fields 'answer_keywords', 'answerable'"),
        ('{"id": "x", "question": "q", "lang": "en", "sources": "a.txt", "answer_keywords": ["k"], "answerable": true}',
         r"line 3: field 'sources' must be a list, got a string"),
        ('{"id": "x", "question": "q", "lang": "en", "sources": [], "answer_keywords": [], "answerable": "yes"}',
         r"line 3: field 'answerable' must be true or false"),
        ('{"id": "x", "question": "q", "lang": "en", "sources": [], "answer_keywords": [], "answerable": true}',
         r"line 3: an answerable item needs at least one entry in 'answer_keywords'"),
        ('{"id": "x", "question": "q", "lang": "en", "sources": [], "answer_keywords": [], "answerable": false, "history": [{"role": "bot"}]}',
         r"line 3: history turn 1 must be"),
        (json.dumps(ITEMS[0]), r"line 3: id 'ko-summit-timing-01' was already used on line 1"),
        ('{"id": "x", "question": "q", "lang": "en", "sources": [], "answer_keywords": [], "answerable": false, "answer_type": "colour"}',
         r"line 3: field 'answer_type' must be one of number, date, person, place, article, other"),
    ],
)
def test_malformed_dataset_fails_naming_the_line(tmp_path, bad_line, expected):
    # blank line 2 is skipped but still counted, so the bad one is line 3
    dataset = write_dataset(tmp_path / "faq.jsonl", ITEMS[:1], extra_lines=("", bad_line))
    result = run_eval_cli("--dataset", str(dataset), "--out", str(tmp_path / "out"), index_dir=tmp_path / "no-index")
    assert result.exit_code == 1
    assert re.search(expected, result.output), result.output
    assert str(dataset) in result.output
    assert not (tmp_path / "no-index").exists()  # validation comes before any index work


def test_missing_dataset_says_what_to_pass(tmp_path):
    result = run_eval_cli("--dataset", str(tmp_path / "nope.jsonl"), index_dir=tmp_path / "idx")
    assert result.exit_code == 1 and "No dataset at" in result.output and "--dataset" in result.output


# ---------------------------------------------------------------- sets and the dev/test split

def test_split_of_is_a_fixed_hash_that_keeps_a_fact_together():
    import hashlib

    from evaluation.datasets import id_stem, split_of

    assert id_stem("en-helmet-02") == id_stem("ko-helmet-03") == id_stem("helmet") == "helmet"
    assert id_stem("en-unans-melania-01") == "unans-melania" and id_stem("ja-g7-01") == "g7"
    assert split_of("en-helmet-01") == split_of("en-helmet-02") == split_of("ko-helmet-03")  # follow-ups and translations
    for item_id in ("en-helmet-01", "ko-summit-timing-01", "ja-unanswerable-01", "x"):
        first = hashlib.sha256(id_stem(item_id).encode()).digest()[0]
        assert split_of(item_id) == ("dev" if first < 128 else "test")
    assert split_of("ko-summit-timing-01") == "test" and split_of("ja-unanswerable-01") == "dev"  # pinned: never moves
    sides = [split_of(f"en-fact{i}-01") for i in range(400)]
    assert 0.4 < sides.count("dev") / len(sides) < 0.6


def test_default_sets_are_faq_dev_everyday_faq_test_and_userdocs():
    from evaluation.datasets import (DEFAULT_DATASET, EVERYDAY_DATASET, USERDOCS_DATASET, load_dataset, plan_sets,
                                     split_of)

    sets = plan_sets(None)
    assert [s.name for s in sets] == ["faq-dev", "everyday", "faq-test", "userdocs"]
    dev, everyday, test, user = sets
    assert everyday.split == "dev" and everyday.whole and not dev.whole and everyday.items == load_dataset(EVERYDAY_DATASET)  # all of it, for tuning
    assert everyday.corpus == EVERYDAY_DATASET.parent / "docs" and user.split == "test"
    faq_ids = [it["id"] for it in load_dataset(DEFAULT_DATASET)]
    assert sorted(it["id"] for it in dev.items + test.items) == sorted(faq_ids)  # disjoint halves, nothing lost
    assert all(split_of(it["id"]) == "dev" for it in dev.items) and all(split_of(it["id"]) == "test" for it in test.items)
    assert dev.corpus is None and test.corpus is None  # the seeds, on the main index
    assert user.dataset == USERDOCS_DATASET and user.corpus == USERDOCS_DATASET.parent / "docs"
    assert [s.name for s in plan_sets(None, "dev")] == ["faq-dev", "everyday"]  # tuning runs never show held-out numbers
    assert [s.name for s in plan_sets(None, "test")] == ["faq-test", "userdocs"]
    assert [s.name for s in plan_sets(USERDOCS_DATASET)] == ["userdocs"]
    assert [s.name for s in plan_sets(DEFAULT_DATASET, "test")] == ["faq-test"]
    # a project set keeps its role under --dataset: everyday is all dev, userdocs all test, never cut in halves
    assert [(s.name, len(s.items)) for s in plan_sets(EVERYDAY_DATASET, "dev")] == [("everyday", len(everyday.items))]
    for path, split, role in ((EVERYDAY_DATASET, "test", "dev"), (USERDOCS_DATASET, "dev", "test")):
        with pytest.raises(BotError, match=f"is a {role} set: all of it is {role}, none of it {split}"):
            plan_sets(path, split)


def test_eval_split_runs_one_half_of_a_dataset(seed_settings, tmp_path):
    from evaluation.datasets import split_of

    dataset = write_dataset(tmp_path / "faq.jsonl")
    result = run_eval_cli("--dataset", str(dataset), "--split", "dev", "--out", str(tmp_path / "out"), index_dir=seed_settings.index_dir)
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in (tmp_path / "out" / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in lines] == [it["id"] for it in ITEMS if split_of(it["id"]) == "dev"] == ["ja-unanswerable-01"]
    assert {r["set"] for r in lines} == {"faq-dev"}
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert report["split"] == "dev" and list(report["sets"]) == ["faq-dev"] and report["sets"]["faq-dev"]["split"] == "dev"
    assert "## faq-dev: 1 questions" in result.output and "(dev split)" in result.output
    bad = run_eval_cli("--dataset", str(write_dataset(tmp_path / "one.jsonl", ITEMS[:1])), "--split", "dev", index_dir=tmp_path / "idx")
    assert bad.exit_code == 1 and "no items in the dev split" in bad.output


def test_dataset_with_a_docs_folder_is_asked_about_that_folder(seed_settings, tmp_path):
    """A file beside a docs/ folder (like eval/userdocs) gets its own index in <out>/index-<set>, not the seeds."""
    home = tmp_path / "mini"
    (home / "docs").mkdir(parents=True)
    (home / "docs" / "club.md").write_text(
        "The chess club met on Monday. Members voted to raise the yearly fee to 30 euros. "
        "Anna Berg is the new treasurer. The next tournament is on March 3.\n", encoding="utf-8")
    (home / "docs" / "trip.md").write_text(
        "수학여행은 5월 20일에 출발한다. 참가비는 1인당 185,000원이다. 학생들은 오전 7시 30분까지 정문에 모인다.\n", encoding="utf-8")
    items = [
        {"id": "ko-mini-treasurer-01", "question": "체스 동아리의 새 회계는 누구야?", "lang": "ko", "sources": ["club.md"],
         "answer_keywords": ["Anna Berg"], "answerable": True, "answer_type": "person"},
        {"id": "en-mini-fee-01", "question": "How much does the school trip cost per student?", "lang": "en", "sources": ["trip.md"],
         "answer_keywords": ["185,000원"], "answerable": True, "answer_type": "number"},
        {"id": "en-mini-unans-01", "question": "Who won the chess tournament?", "lang": "en", "sources": [],
         "answer_keywords": [], "answerable": False, "answer_type": "person"},
    ]
    dataset = write_dataset(home / "questions.jsonl", items)
    out = tmp_path / "out"
    result = run_eval_cli("--dataset", str(dataset), "--out", str(out), index_dir=seed_settings.index_dir)
    assert result.exit_code == 0, result.output
    part = json.loads((out / "report.json").read_text(encoding="utf-8"))["sets"]["mini"]
    assert part["corpus"] == str(home / "docs") and part["index_dir"] == str(out / "index-mini")
    assert part["document_languages"] == {"club.md": "en", "trip.md": "ko"} and part["index"]["files"] == 2
    assert set(part["by_pair"]) == {"ko→en", "en→ko"} and set(part["by_answer_type"]) == {"person", "number"}
    assert part["by_answer_type"]["person"]["n"] == 2 and part["refusals"]["unanswerable"] == 1
    assert part["warnings"] == []  # every source is in the set's own index
    assert (out / "index-mini").is_dir()
    for line in (out / "results.jsonl").read_text(encoding="utf-8").splitlines():
        for p in json.loads(line)["result"]["retrieved"]:
            assert p["source"] in {"club.md", "trip.md"}  # never a seed passage
    again = run_eval_cli("--dataset", str(dataset), "--out", str(out), index_dir=seed_settings.index_dir)
    assert again.exit_code == 0, again.output  # the set's index is reused (only changed files are re-embedded)


def test_plot_is_drawn_without_a_plotting_library(eval_out):
    """report.svg is hand-written SVG: one bar per metric, group and pipeline, each titled with its value."""
    import xml.etree.ElementTree as ET

    out, _ = eval_out
    root = ET.parse(out / "report.svg").getroot()
    ns = "{http://www.w3.org/2000/svg}"
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    part = next(iter(report["sets"].values()))
    groups = 1 + len(part["by_pair"])
    bars = [r for r in root.iter(f"{ns}rect") if r.find(f"{ns}title") is not None]
    values = [float(r.find(f"{ns}title").text.rsplit(": ", 1)[1]) for r in bars]
    assert all(0.0 <= v <= 1.0 for v in values)
    # three metric panels and a refusal panel (two bars), ours and the baseline; a metric with no value draws no bar
    assert len(bars) <= 2 * (3 * groups + 2) and len(bars) >= 2 * (groups + 2)
    overall_ev1 = part["overall"]["evidence_hit@1"]
    assert any(t.text == f"all (n={part['overall']['n']}): {overall_ev1:.2f}" for t in root.iter(f"{ns}title"))
    assert "report.svg" in (out / "report.md").read_text(encoding="utf-8")


# ---------------------------------------------------------------- bench: the pure parts (timings are not tested)

def test_synthetic_copies_differ_but_keep_the_sentences():
    from evaluation.benchmark import vary_text

    text = "第1段落です。二つ目の文です。三つ目!\n\nSecond paragraph has 42 apples. And 7 pears. Done?"
    assert vary_text(text, 0) == text
    copy = vary_text(text, 3)
    assert copy != text and copy.startswith("(copy 3)") and "45 apples" in copy and "10 pears" in copy
    assert "第4段落です。" in copy and "二つ目の文です。" in copy
    assert abs(len(copy) - len(text)) < 20
    assert vary_text(text, 3) == copy  # deterministic, so a resumed run builds the same corpus


def test_make_corpus_names_every_copy_uniquely(tmp_path):
    from evaluation.benchmark import make_corpus

    n = make_corpus({"a.txt": "One. Two.", "b.md": "Three. Four."}, 3, tmp_path)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert n == 6 and names == ["a-x001.txt", "a-x002.txt", "a.txt", "b-x001.txt", "b-x002.txt", "b.txt"]


def test_bench_table_has_a_row_per_scale_and_dashes_for_gaps():
    from evaluation.benchmark import ask_line, markdown_table

    rows = [
        {"scale": 1, "files": 5, "sentences": 345, "passages": 88, "build_s": 12.3, "build_units_per_s": 40.2,
         "retrieval_p50_ms": 15.25, "retrieval_p95_ms": 30.0, "answer_p50_ms": 20.0, "answer_p95_ms": 41.0,
         "build_peak_rss_mb": 800.0, "query_peak_rss_mb": 600.0},
        {"scale": 10, "files": 50, "sentences": 3450, "passages": 880, "build_s": 120.0},
    ]
    table = markdown_table(rows).splitlines()
    assert len(table) == 4 and table[0].startswith("| scale | files | sentences")
    # no build CPU time, embedding floor or ratio measured: dashes, then the build's sentences per second
    assert "| 1× | 5 | 345 | 88 | 12.3 | – | – | – | 40 |" in table[2] and "15.2" in table[2]
    assert table[3].startswith("| 10× | 50 | 3,450 | 880 | 120.0 |") and "–" in table[3]
    line = ask_line({"wall_s": [2.0, 2.2, 2.1], "wall_median_s": 2.1, "heavy_imported": []})
    assert "median 2.10 s" in line and "heavy packages imported: none" in line
