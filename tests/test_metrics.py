"""evaluation.metrics on small hand-made answers: the numbers the eval report is built from."""
from __future__ import annotations

import pytest

from evaluation.metrics import (
    ANSWER_TYPES,
    METRICS,
    aggregate,
    citation_validity,
    contains_keyword,
    evidence_rank,
    normalize_for_match,
    per_question,
    percentile,
    refusal_counts,
    refusal_curve,
    report,
    wilson_interval,
)

DOCS = {
    "ko.txt": "이번 이시바 총리가 트럼프 대통령에게 선물한 황금 사무라이 \n투구는 돗토리현에서 준비했다.",
    "ja.txt": "現在の協定は2027年3月に期限を迎えます。",
}


def read_source(name: str) -> str:
    return DOCS[name]  # KeyError for unknown files, as a real reader would raise


HELMET = {
    "id": "en-helmet-01",
    "question": "What did Ishiba give Trump?",
    "lang": "en",
    "sources": ["ko.txt"],
    "answer_keywords": ["황금 사무라이 투구", "samurai helmet"],
    "answerable": True,
}
UNANSWERABLE = {
    "id": "en-unans-01",
    "question": "What did Ishiba give Melania?",
    "lang": "en",
    "sources": [],
    "answer_keywords": [],
    "answerable": False,
}


def passage(source: str, text: str, pid: str = "p") -> dict:
    return {"source": source, "passage_id": f"{source}#{pid}", "text": text, "score": 0.5}


def cite(source: str, start: int, end: int, quote: str | None = None, n: int = 1) -> dict:
    q = DOCS[source][start:end] if quote is None else quote
    return {"n": n, "source": source, "passage_id": f"{source}#p0", "quote": q, "start": start, "end": end, "score": 0.9}


def result(answer="", refused=False, citations=(), retrieved=(), total=100.0) -> dict:
    return {
        "question": "q",
        "answer": answer,
        "refused": refused,
        "language": "en",
        "citations": list(citations),
        "retrieved": list(retrieved),
        "timings_ms": {"total": total, "retrieve": 1.0},
    }


# ---- normalisation and keyword matching


def test_normalize_nfkc_case_whitespace():
    assert normalize_for_match("  Samurai\n Helmet ") == "samuraihelmet"
    assert normalize_for_match("第6条（米軍基地の提供）") == "第6条(米軍基地の提供)"  # full-width brackets
    assert normalize_for_match("ＧＤＰ比２％") == "gdp比2%"
    assert normalize_for_match("") == ""


def test_contains_keyword_across_line_breaks_and_case():
    assert contains_keyword(DOCS["ko.txt"], ["황금 사무라이 투구"])  # broken by " \n" in the text
    assert contains_keyword("He gave a golden SAMURAI\nhelmet.", ["samurai helmet"])
    assert contains_keyword("x", ["nope", "X"])  # any-of
    assert not contains_keyword("samurai", ["samurai helmet"])
    assert not contains_keyword("anything", [])
    assert not contains_keyword("anything", ["", "  "])  # blank keywords never match everything
    assert not contains_keyword("", ["a"])


# ---- evidence rank


def test_evidence_rank_first_matching_passage():
    r = result(retrieved=[passage("ja.txt", "2027年3月"), passage("ko.txt", "돗토리현"), passage("ko.txt", "황금 사무라이\n투구")])
    assert evidence_rank(r, HELMET) == 3


def test_evidence_rank_none_cases():
    assert evidence_rank(result(retrieved=[]), HELMET) is None
    assert evidence_rank(result(retrieved=[passage("ko.txt", "돗토리현")]), HELMET) is None
    assert evidence_rank(result(retrieved=[passage("ko.txt", "anything")]), UNANSWERABLE) is None
    assert evidence_rank({"retrieved": [{"source": "ko.txt"}]}, HELMET) is None  # passage without text


# ---- per question


def test_perfect_answer():
    start = DOCS["ko.txt"].index("황금")
    end = DOCS["ko.txt"].index("투구") + 2
    r = result(
        answer="A golden samurai helmet [1].",
        citations=[cite("ko.txt", start, end)],
        retrieved=[passage("ko.txt", DOCS["ko.txt"]), passage("ja.txt", DOCS["ja.txt"])],
        total=250.0,
    )
    row = per_question(r, HELMET, read_source=read_source)
    assert row["evidence_hit@1"] and row["evidence_hit@3"] and row["evidence_hit@5"]
    assert row["mrr"] == 1.0
    assert row["source_hit@1"] and row["source_hit@5"]
    assert row["answer_hit"] is True
    assert row["refusal_correct"] is True
    assert row["citation_validity"] == 1.0
    assert row["latency_ms"] == 250.0
    assert (row["id"], row["lang"], row["doc_lang"], row["answerable"]) == ("en-helmet-01", "en", "ko", True)


def test_rank_two_and_four():
    r2 = result(retrieved=[passage("ja.txt", "x"), passage("ko.txt", "황금 사무라이 투구")])
    row = per_question(r2, HELMET, read_source=read_source)
    assert (row["evidence_hit@1"], row["evidence_hit@3"], row["mrr"]) == (False, True, 0.5)
    assert (row["source_hit@1"], row["source_hit@3"]) == (False, True)
    r4 = result(retrieved=[passage("ja.txt", "x")] * 3 + [passage("ko.txt", "황금 사무라이 투구")])
    row = per_question(r4, HELMET, read_source=read_source)
    assert (row["evidence_hit@3"], row["evidence_hit@5"], row["mrr"]) == (False, True, 0.25)
    assert (row["source_hit@3"], row["source_hit@5"]) == (False, True)


def test_answer_hit_via_cited_quote_only():
    """An answer that paraphrases the keyword away still hits when the quote it cites holds it."""
    start = DOCS["ko.txt"].index("황금")
    r = result(answer="He gave a golden helmet [1].", citations=[cite("ko.txt", start, start + 20)])
    row = per_question(r, HELMET, read_source=read_source)
    assert row["answer_hit"] is True
    assert per_question(result(answer="He gave a golden helmet."), HELMET, read_source=read_source)["answer_hit"] is False


def test_no_citations_and_empty_retrieval():
    row = per_question(result(answer="A samurai helmet."), HELMET, read_source=read_source)
    assert row["citation_validity"] is None
    assert row["answer_hit"] is True
    assert row["evidence_hit@1"] is False and row["mrr"] == 0.0
    assert row["source_hit@1"] is False and row["source_hit@5"] is False


def test_refused_answerable_item():
    r = result(answer="I can't find that; samurai helmet?", refused=True, retrieved=[passage("ko.txt", "황금 사무라이 투구")])
    row = per_question(r, HELMET, read_source=read_source)
    assert row["answer_hit"] is False  # refused answers never count as hits, whatever they say
    assert row["refusal_correct"] is False
    assert row["evidence_hit@1"] is True  # retrieval is still judged


def test_unanswerable_item():
    r = result(answer="Not in the documents.", refused=True, retrieved=[passage("ko.txt", "황금 사무라이 투구")])
    row = per_question(r, UNANSWERABLE, read_source=read_source)
    for m in ("evidence_hit@1", "evidence_hit@3", "evidence_hit@5", "mrr", "source_hit@1", "source_hit@3", "source_hit@5", "answer_hit"):
        assert row[m] is None, m
    assert row["refusal_correct"] is True
    assert row["doc_lang"] is None
    answered = per_question(result(answer="A scarf."), UNANSWERABLE, read_source=read_source)
    assert answered["refusal_correct"] is False


def test_invalid_citation_offsets():
    text = DOCS["ja.txt"]
    good = cite("ja.txt", 0, 5)
    cases = [
        cite("ja.txt", 1, 6, quote=text[0:5]),  # shifted span
        cite("ja.txt", 3, 1, quote=""),  # reversed
        cite("ja.txt", -5, len(text), quote=text[-5:]),  # negative start would slice "correctly"
        cite("ja.txt", 0, len(text) + 10, quote=text),  # end past the file
        cite("ja.txt", 2, 2, quote=""),  # empty quote
        {"n": 1, "source": "missing.txt", "quote": "x", "start": 0, "end": 1},  # unreadable source
        {"n": 1, "source": "ja.txt", "quote": text[0:5], "start": "0", "end": 5},  # wrong type
        {"n": 1, "source": "ja.txt", "quote": text[0:1], "start": False, "end": True},  # bools are not offsets
    ]
    for bad in cases:
        assert citation_validity(result(citations=[bad]), read_source) == 0.0, bad
    assert citation_validity(result(citations=[good, cases[0], good, cases[1]]), read_source) == 0.5


def test_missing_timings():
    r = result(answer="x")
    r["timings_ms"] = {}
    assert per_question(r, HELMET, read_source=read_source)["latency_ms"] is None
    del r["timings_ms"]
    assert per_question(r, HELMET, read_source=read_source)["latency_ms"] is None


def test_doc_lang_from_item_or_source():
    ja_item = {**HELMET, "id": "ko-expiry", "lang": "ko", "sources": ["ja.txt"], "answer_keywords": ["2027年3月"]}
    assert per_question(result(), ja_item, read_source=read_source)["doc_lang"] == "ja"
    assert per_question(result(), {**ja_item, "doc_lang": "xx"}, read_source=read_source)["doc_lang"] == "xx"


# ---- aggregation


def test_percentile():
    assert percentile([], 50) is None
    assert percentile([7.0], 95) == 7.0
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile(list(range(1, 101)), 95) == pytest.approx(95.05)


def test_aggregate_skips_none_and_counts():
    rows = [
        per_question(result(answer="samurai helmet", retrieved=[passage("ko.txt", "황금 사무라이 투구")], total=100), HELMET, read_source=read_source),
        per_question(result(answer="no", total=300), HELMET, read_source=read_source),
        per_question(result(answer="none", refused=True, total=200), UNANSWERABLE, read_source=read_source),
    ]
    agg = aggregate(rows)
    assert agg["n"] == 3
    assert agg["evidence_hit@1"] == 0.5 and agg["support"]["evidence_hit@1"] == 2  # unanswerable not counted
    assert agg["answer_hit"] == 0.5
    assert agg["refusal_correct"] == 1.0 and agg["support"]["refusal_correct"] == 3
    assert agg["citation_validity"] is None and agg["support"]["citation_validity"] == 0
    assert agg["latency_ms"] == 200.0
    assert agg["latency_p50_ms"] == 200.0
    assert agg["latency_p95_ms"] == pytest.approx(290.0)
    assert set(METRICS) <= set(agg)


def test_aggregate_empty_and_all_refused():
    empty = aggregate([])
    assert empty["n"] == 0 and empty["mrr"] is None and empty["latency_p50_ms"] is None
    rows = [per_question(result(refused=True), HELMET, read_source=read_source) for _ in range(3)]
    agg = aggregate(rows)
    assert agg["answer_hit"] == 0.0 and agg["refusal_correct"] == 0.0 and agg["mrr"] == 0.0


def test_aggregate_grouped_and_report():
    ko_q = {**HELMET, "id": "ko-helmet", "lang": "ko"}
    ja_on_ja = {**HELMET, "id": "ja-expiry", "lang": "ja", "sources": ["ja.txt"], "answer_keywords": ["2027年3月"]}
    rows = [
        per_question(result(answer="황금 사무라이 투구"), HELMET, read_source=read_source),
        per_question(result(answer="몰라요"), ko_q, read_source=read_source),
        per_question(result(answer="2027年3月です"), ja_on_ja, read_source=read_source),
        per_question(result(refused=True), UNANSWERABLE, read_source=read_source),
    ]
    by_lang = aggregate(rows, "lang")
    assert set(by_lang) == {"en", "ko", "ja"}
    assert by_lang["en"]["n"] == 2 and by_lang["en"]["answer_hit"] == 1.0
    assert by_lang["ko"]["answer_hit"] == 0.0
    rep = report(rows)
    assert set(rep) == {"overall", "by_lang", "by_pair", "by_answer_type"}
    assert rep["overall"]["n"] == 4
    assert set(rep["by_pair"]) == {"en→ko", "ko→ko", "ja→ja"}  # unanswerable rows have no pair
    assert rep["by_pair"]["ja→ja"]["answer_hit"] == 1.0
    # rows may carry their own doc_lang (e.g. from an eval runner)
    rows[0] = {**rows[0], "doc_lang": "ja"}
    assert "en→ja" in report(rows)["by_pair"]
    # a callable group key works too
    assert set(aggregate(rows, lambda r: r["answerable"])) == {True, False}


# ---- citations per answer, refusal counts, answer types


def test_citations_are_counted_only_for_answers_given():
    start = DOCS["ko.txt"].index("황금")
    two = result(answer="A helmet [1][2].", citations=[cite("ko.txt", start, start + 5), cite("ko.txt", start, start + 9, n=2)])
    assert per_question(two, HELMET, read_source=read_source)["n_citations"] == 2
    assert per_question(result(answer="A helmet."), HELMET, read_source=read_source)["n_citations"] == 0
    refused = result(answer="Not in the sources.", refused=True, citations=[cite("ko.txt", start, start + 5)])
    assert per_question(refused, HELMET, read_source=read_source)["n_citations"] is None
    rows = [per_question(r, HELMET, read_source=read_source) for r in (two, result(answer="A helmet."), refused)]
    agg = aggregate(rows)
    assert agg["n_citations"] == 1.0 and agg["support"]["n_citations"] == 2  # mean over the two answers given


def test_refusal_counts_keep_right_and_wrong_refusals_apart():
    rows = [
        per_question(result(refused=True), UNANSWERABLE, read_source=read_source),
        per_question(result(answer="A scarf."), UNANSWERABLE, read_source=read_source),
        per_question(result(answer="A scarf."), {**UNANSWERABLE, "id": "u3"}, read_source=read_source),
        per_question(result(refused=True), HELMET, read_source=read_source),
        *(per_question(result(answer="samurai helmet"), HELMET, read_source=read_source) for _ in range(6)),
    ]
    c = refusal_counts(rows)
    assert (c["refused_unanswerable"], c["unanswerable"], c["refused_answerable"], c["answerable"]) == (1, 3, 1, 7)
    assert c["unanswerable_refusal_rate"] == pytest.approx(1 / 3) and c["false_refusal_rate"] == pytest.approx(1 / 7)
    assert aggregate(rows)["refusals"] == c  # every summary (overall and per group) carries the counts
    never = refusal_counts([per_question(result(answer="x"), HELMET, read_source=read_source)])
    assert never["unanswerable"] == 0 and never["unanswerable_refusal_rate"] is None and never["false_refusal_rate"] == 0.0
    # "refusal accuracy" flatters a bot that never refuses when few items are unanswerable; the counts do not
    never_rows = [per_question(result(answer="x"), UNANSWERABLE, read_source=read_source)] + [
        per_question(result(answer="samurai helmet"), HELMET, read_source=read_source) for _ in range(9)]
    assert aggregate(never_rows)["refusal_correct"] == 0.9 and refusal_counts(never_rows)["refused_unanswerable"] == 0


def test_report_by_answer_type():
    dated = {**HELMET, "id": "en-expiry", "sources": ["ja.txt"], "answer_keywords": ["2027年3月"], "answer_type": "date"}
    rows = [
        per_question(result(answer="2027年3月"), dated, read_source=read_source),
        per_question(result(answer="samurai helmet"), {**HELMET, "answer_type": "other"}, read_source=read_source),
        per_question(result(refused=True), {**UNANSWERABLE, "answer_type": "number"}, read_source=read_source),
        per_question(result(answer="?"), HELMET, read_source=read_source),  # no answer_type: left out of the grouping
    ]
    assert rows[0]["answer_type"] == "date" and rows[3]["answer_type"] is None
    by_type = report(rows)["by_answer_type"]
    assert set(by_type) == {"date", "other", "number"} <= set(ANSWER_TYPES)
    assert by_type["date"]["answer_hit"] == 1.0 and by_type["number"]["refusals"]["refused_unanswerable"] == 1


def test_wilson_interval_and_ci_in_summaries():
    assert wilson_interval(0, 0) is None
    lo, hi = wilson_interval(50, 100)
    assert lo == pytest.approx(0.4038, abs=1e-3) and hi == pytest.approx(0.5962, abs=1e-3)
    assert wilson_interval(0, 10)[0] == 0.0 and wilson_interval(10, 10)[1] == 1.0
    assert wilson_interval(10, 10)[0] < 1.0  # 10 of 10 does not prove a perfect bot
    assert wilson_interval(37, 78) == pytest.approx((0.367371, 0.583754), abs=1e-6)  # the textbook formula's values
    rows = [per_question(result(answer="samurai helmet", retrieved=[passage("ko.txt", "황금 사무라이 투구")]), HELMET, read_source=read_source),
            per_question(result(answer="no"), HELMET, read_source=read_source),
            per_question(result(refused=True), UNANSWERABLE, read_source=read_source)]
    ci = aggregate(rows)["ci95"]
    assert ci["evidence_hit@1"] == list(wilson_interval(1, 2)) and ci["answer_hit"] == list(wilson_interval(1, 2))
    assert aggregate([rows[2]])["ci95"]["answer_hit"] is None  # nothing answerable, no interval


def test_by_language_falls_back_to_the_detected_question_language():
    """A dataset that leaves ``lang`` blank (or writes 'EN ') still fills the by-language table."""
    rows = [
        per_question({"refused": False, "language": "ko", "retrieved": []}, {"id": "a", "lang": "", "answerable": False}, read_source=str),
        per_question({"refused": False, "language": "ja", "retrieved": []}, {"id": "b", "answerable": False}, read_source=str),
        per_question({"refused": False, "language": "en", "retrieved": []}, {"id": "c", "lang": "EN ", "answerable": False}, read_source=str),
    ]
    assert set(report(rows)["by_lang"]) == {"ko", "ja", "en"}


# ---- wrong-document answers and the refusal curve


def test_wrong_document_is_an_answer_quoting_a_file_outside_the_sources():
    ko, ja = DOCS["ko.txt"], DOCS["ja.txt"]
    right = result(answer="helmet [1]", citations=[cite("ko.txt", ko.index("황금"), ko.index("황금") + 9)])
    wrong = result(answer="2027 [1]", citations=[cite("ja.txt", 0, 8)])
    mixed = result(answer="[1] [2]", citations=[cite("ko.txt", 0, 5), cite("ja.txt", 0, 8, n=2)])
    rows = [per_question(r, HELMET, read_source=read_source) for r in (right, wrong, mixed)]
    assert [r["wrong_document"] for r in rows] == [False, True, True]
    assert rows[2]["answer_hit"] is False  # a hit and a wrong document are separate questions
    # nothing quoted: refused, uncited, or an unanswerable item: no verdict
    assert per_question(result(refused=True, citations=[cite("ja.txt", 0, 8)]), HELMET, read_source=read_source)["wrong_document"] is None
    assert per_question(result(answer="no cite"), HELMET, read_source=read_source)["wrong_document"] is None
    assert per_question(wrong, UNANSWERABLE, read_source=read_source)["wrong_document"] is None
    agg = aggregate(rows)
    assert agg["wrong_document"] == pytest.approx(2 / 3) and agg["support"]["wrong_document"] == 3
    assert agg["ci95"]["wrong_document"] is not None
    en_ko = report(rows)["by_pair"]["en→ko"]
    assert en_ko["wrong_document"] == pytest.approx(2 / 3)  # reported per question→document language pair
    assert "wrong_document" in METRICS


def scored(item: dict, score: float | None, refused: bool) -> dict:
    return per_question({**result(answer="x", refused=refused), "evidence_score": score}, item, read_source=read_source)


def test_the_refusal_curve_counts_what_each_threshold_would_refuse():
    rows = [scored(UNANSWERABLE, -1.0, True), scored({**UNANSWERABLE, "id": "u2"}, 0.3, False),
            scored({**UNANSWERABLE, "id": "u3"}, None, True),  # no sentence to weigh: refused at any threshold
            *(scored(HELMET, s, s < 0.25) for s in (0.2, 0.5, 0.9, 1.4))]
    curve = refusal_curve(rows, current=0.25, percentiles=(0, 50, 100))
    assert (curve["unanswerable"], curve["answerable"], curve["current"]) == (3, 4, 0.25)
    points = {pt["threshold"]: (pt["refused_unanswerable"], pt["refused_answerable"], pt["current"]) for pt in curve["points"]}
    assert points == {-1.0: (1, 0, False), 0.25: (2, 1, True), 0.4: (3, 1, False), 1.4: (3, 3, False)}  # 0.4: the median
    # at the current threshold the curve gives the refusals the answerer made
    current = next(pt for pt in curve["points"] if pt["current"])
    counts = refusal_counts(rows)
    assert (current["refused_unanswerable"], current["refused_answerable"]) == (counts["refused_unanswerable"], counts["refused_answerable"])


def test_no_curve_without_scores():
    assert refusal_curve([per_question(result(answer="samurai helmet"), HELMET, read_source=read_source)]) is None  # the baseline
    assert refusal_curve([scored(HELMET, None, False)]) is None  # an LLM answered: no threshold decided it
    assert refusal_curve([]) is None
