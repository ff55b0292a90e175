"""Evaluation metrics for one answer (the JSON of ``bot ask --json``) against one FAQ item (``eval/faq.jsonl``).

Pure functions, no I/O except through the ``read_source`` callable the caller passes in, so the eval runner,
the tests and a notebook all score answers the same way.

Every mean says over how many items it was taken (``support``), and refusals are counted, not folded into an
accuracy: with few unanswerable items, a bot that never refuses scores the answerable share on "refusal accuracy".

Matching is by *answer keywords*: short strings copied verbatim from the source document. Text is compared
after NFKC, casefolding and removal of all whitespace, because the seed files (PDF-extracted Korean in
particular) break lines mid-phrase and mix full- and half-width forms.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from index.languages import detect_language

K_VALUES = (1, 3, 5)

#: Keys of a :func:`per_question` row that :func:`aggregate` averages.
METRICS = (
    *(f"evidence_hit@{k}" for k in K_VALUES),
    "mrr",
    *(f"source_hit@{k}" for k in K_VALUES),
    "answer_hit",
    "wrong_document",
    "refusal_correct",
    "citation_validity",
    "n_citations",
    "latency_ms",
)

#: What kind of thing an item's answer is (``answer_type`` in the FAQ files); reported per type.
ANSWER_TYPES = ("number", "date", "person", "place", "article", "other")

_WS = re.compile(r"\s+")
_MARKER = re.compile(r"\[\d+\]")


def normalize_for_match(text: str) -> str:
    """NFKC + casefold + no whitespace: line breaks, width variants and case must not decide a match."""
    return _WS.sub("", unicodedata.normalize("NFKC", text or "").casefold())


def contains_keyword(text: str, keywords: Iterable[str]) -> bool:
    """True if any (non-empty) keyword occurs in ``text`` once both are normalised. Keywords are any-of."""
    hay = normalize_for_match(text)
    if not hay:
        return False
    for kw in keywords:
        needle = normalize_for_match(kw)
        if needle and needle in hay:
            return True
    return False


def script_lang(text: str) -> str | None:
    """'ko' / 'ja' / 'en' as :func:`index.languages.detect_language` reads ``text``; None for anything else."""
    lang = detect_language(text or "")
    return lang if lang in ("ko", "ja", "en") else None


def evidence_rank(result: Mapping[str, Any], item: Mapping[str, Any]) -> int | None:
    """1-based rank of the first retrieved passage containing an answer keyword; None if none does.

    This judges retrieval on content rather than on file name, so a passage holding the fact counts even
    when the FAQ lists another file, and a passage from the right file without the fact does not.
    """
    keywords = item.get("answer_keywords") or []
    if not keywords:
        return None
    for rank, passage in enumerate(result.get("retrieved") or [], start=1):
        if contains_keyword(passage.get("text") or "", keywords):
            return rank
    return None


def _source_hit(result: Mapping[str, Any], sources: set[str], k: int) -> bool:
    return any((p.get("source") in sources) for p in (result.get("retrieved") or [])[:k])


def _citation_valid(citation: Mapping[str, Any], read_source: Callable[[str], str]) -> bool:
    """A citation is valid only if its offsets are in range and slice exactly its (non-empty) quote."""
    start, end, quote = citation.get("start"), citation.get("end"), citation.get("quote")
    if not isinstance(start, int) or not isinstance(end, int) or isinstance(start, bool) or isinstance(end, bool):
        return False
    if not isinstance(quote, str) or not quote:
        return False
    try:
        text = read_source(citation.get("source") or "")
    except Exception:  # a missing/unreadable file means the citation cannot be checked, hence invalid
        return False
    if not (0 <= start <= end <= len(text)):  # no negative indices: Python slicing would accept them silently
        return False
    return text[start:end] == quote


def citation_validity(result: Mapping[str, Any], read_source: Callable[[str], str]) -> float | None:
    """Share of citations whose quote is exactly ``source[start:end]``; None when there is nothing to check."""
    citations = result.get("citations") or []
    if not citations:
        return None
    return sum(_citation_valid(c, read_source) for c in citations) / len(citations)


def _answer_hit(result: Mapping[str, Any], keywords: list[str]) -> bool:
    """A non-refused answer whose text, or the quotes it cites, contains a keyword.

    Quotes count because an answer in English about a Korean document may paraphrase the keyword away
    while still citing the sentence that holds it.
    """
    if result.get("refused"):
        return False
    texts = [_MARKER.sub("", result.get("answer") or "")]
    for c in result.get("citations") or []:
        texts.append(c.get("quote") or "")
        texts.append(c.get("text") or "")
    return any(contains_keyword(t, keywords) for t in texts if t)


def _wrong_document(result: Mapping[str, Any], sources: set[str]) -> bool | None:
    """An answer that quotes a file outside the item's sources (any of its citations); None when nothing was quoted.

    Its own metric because an answer can hit a keyword and still quote the wrong document (issue 19: the question's
    language picking the document), and a miss can come from the right document's wrong sentence.
    """
    citations = result.get("citations") or []
    if result.get("refused") or not citations:
        return None
    return any(c.get("source") not in sources for c in citations)


def _latency(result: Mapping[str, Any]) -> float | None:
    total = (result.get("timings_ms") or {}).get("total")
    return float(total) if isinstance(total, (int, float)) and not isinstance(total, bool) else None


def per_question(
    result: Mapping[str, Any], item: Mapping[str, Any], *, read_source: Callable[[str], str]
) -> dict[str, Any]:
    """All metrics for one question, as one flat row for :func:`aggregate`.

    Retrieval and answer metrics are None for unanswerable items (there is no evidence to find), so they
    drop out of the means; ``refusal_correct``, ``citation_validity`` and latency still count.
    The row also carries ``id``, ``lang`` (question language), ``answer_type`` and ``doc_lang`` (language of
    the item's first source, taken from ``item['doc_lang']`` if given, else detected from ``read_source``).
    ``n_citations`` counts the citations of a non-refused answer (None when refused), so its mean is
    citations per answer actually given.
    """
    answerable = bool(item.get("answerable"))
    sources = list(item.get("sources") or [])
    doc_lang = item.get("doc_lang")
    if doc_lang is None and sources:
        try:
            doc_lang = script_lang(read_source(sources[0]))
        except Exception:
            doc_lang = None

    row: dict[str, Any] = {
        "id": item.get("id"),
        # The item's declared language, else the one the chain detected: a row without one would drop out of
        # the by-language table, which then came out empty for datasets that leave ``lang`` blank.
        "lang": (item.get("lang") or "").strip().lower() or result.get("language"),
        "doc_lang": doc_lang,
        "answer_type": item.get("answer_type"),
        "answerable": answerable,
        "refused": bool(result.get("refused")),
    }
    if answerable:
        rank = evidence_rank(result, item)
        src = set(sources)
        for k in K_VALUES:
            row[f"evidence_hit@{k}"] = rank is not None and rank <= k
        row["mrr"] = 1.0 / rank if rank else 0.0
        for k in K_VALUES:
            row[f"source_hit@{k}"] = _source_hit(result, src, k)
        row["answer_hit"] = _answer_hit(result, list(item.get("answer_keywords") or []))
        row["wrong_document"] = _wrong_document(result, src)
    else:
        for k in K_VALUES:
            row[f"evidence_hit@{k}"] = None
            row[f"source_hit@{k}"] = None
        row["mrr"] = None
        row["answer_hit"] = None
        row["wrong_document"] = None
    row["refusal_correct"] = bool(result.get("refused")) == (not answerable)
    row["citation_validity"] = citation_validity(result, read_source)
    row["n_citations"] = None if row["refused"] else len(result.get("citations") or [])
    row["latency_ms"] = _latency(result)
    if "evidence_score" in result:  # the extractive answerer's refusal evidence, for the refusal curve
        row["evidence_score"] = result["evidence_score"]
    return row


def percentile(values: list[float], q: float) -> float | None:
    """numpy's linear-interpolated percentile, q in [0, 100]; None for no values (numpy would warn and give nan)."""
    if not values:
        return None
    return float(np.percentile(np.asarray(values, dtype=float), q))


#: Yes/no metrics whose means get a 95% interval in every summary (``ci95``).
BINARY_METRICS = ("evidence_hit@1", "evidence_hit@5", "answer_hit", "wrong_document")


def wilson_interval(successes: int, n: int, z: float = 1.96) -> tuple[float, float] | None:
    """Wilson score interval for a proportion (95% for z=1.96); None for n=0.

    On sets of 50–100 items a difference of 0.1 can be noise; the interval says how much. Items asking about
    the same fact are not independent, so the true uncertainty is, if anything, wider.
    """
    if n <= 0:
        return None
    from scipy.stats import binomtest, norm

    ci = binomtest(int(successes), int(n)).proportion_ci(confidence_level=2 * norm.cdf(z) - 1, method="wilson")
    return (max(0.0, float(ci.low)), min(1.0, float(ci.high)))


def refusal_counts(rows: list[Mapping[str, Any]]) -> dict[str, Any]:
    """Refusals split by whether they were right: refused unanswerables and (false) refused answerables.

    Counts rather than one accuracy, because "refusal accuracy" over a set with 10 unanswerable items in 84
    is 0.88 for a bot that never refuses; the rates are None where there is nothing to divide by.
    """
    unans = [r for r in rows if not r.get("answerable")]
    ans = [r for r in rows if r.get("answerable")]
    hit = sum(1 for r in unans if r.get("refused"))
    wrong = sum(1 for r in ans if r.get("refused"))
    return {
        "unanswerable": len(unans),
        "refused_unanswerable": hit,
        "unanswerable_refusal_rate": hit / len(unans) if unans else None,
        "answerable": len(ans),
        "refused_answerable": wrong,
        "false_refusal_rate": wrong / len(ans) if ans else None,
    }


#: Where the refusal curve puts its thresholds: these percentiles of a set's evidence scores (and the current threshold).
CURVE_PERCENTILES = (0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100)


def refusal_curve(rows: list[Mapping[str, Any]], current: float | None = None,
                  percentiles: Iterable[float] = CURVE_PERCENTILES) -> dict[str, Any] | None:
    """Refused unanswerables against false refusals as the refusal threshold moves, from each answer's evidence score.

    An answer is refused at threshold t when its score is below t (as the extractive answerer decides), or always
    when it had no sentence to weigh (score None). Thresholds are the given percentiles of the scores plus the
    current one, so a threshold can be chosen on a dev set by reading the table. None when some answer carries no
    score (an LLM answered, or the baseline, which never refuses): there is no threshold to move.
    """
    rows = list(rows)
    if not rows or any("evidence_score" not in r or (r["evidence_score"] is None and not r.get("refused")) for r in rows):
        return None
    scores = [float(r["evidence_score"]) for r in rows if r["evidence_score"] is not None]
    grid = {round(float(np.percentile(scores, q)), 4) for q in percentiles} if scores else set()
    if current is not None:
        grid.add(float(current))
    unans = [r for r in rows if not r.get("answerable")]
    ans = [r for r in rows if r.get("answerable")]

    def refused(r: Mapping[str, Any], t: float) -> bool:
        return r["evidence_score"] is None or r["evidence_score"] < t

    points = [{"threshold": t, "refused_unanswerable": sum(refused(r, t) for r in unans),
               "refused_answerable": sum(refused(r, t) for r in ans), "current": t == current} for t in sorted(grid)]
    return {"unanswerable": len(unans), "answerable": len(ans), "current": current, "points": points}


def _summary(rows: list[Mapping[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {"n": len(rows)}
    support: dict[str, int] = {}
    for m in METRICS:
        vals = [float(r[m]) for r in rows if r.get(m) is not None]
        out[m] = sum(vals) / len(vals) if vals else None
        support[m] = len(vals)
    lat = [float(r["latency_ms"]) for r in rows if r.get("latency_ms") is not None]
    out["latency_p50_ms"] = percentile(lat, 50)
    out["latency_p95_ms"] = percentile(lat, 95)
    out["support"] = support  # how many rows each mean is over: means over 2 rows should not be trusted
    out["ci95"] = {}
    for m in BINARY_METRICS:
        vals = [bool(r[m]) for r in rows if r.get(m) is not None]
        ci = wilson_interval(sum(vals), len(vals))
        out["ci95"][m] = list(ci) if ci else None
    out["refusals"] = refusal_counts(rows)
    return out


def aggregate(
    rows: list[Mapping[str, Any]], group_key: str | Callable[[Mapping[str, Any]], Any] | None = None
) -> dict[str, Any]:
    """Mean of each metric over its non-None values, with n and latency p50/p95.

    With ``group_key`` (a row key or a function of the row) returns ``{group: summary}`` instead; rows
    whose group is None are left out of the grouping (they still count in the ungrouped summary).
    """
    if group_key is None:
        return _summary(rows)
    key = group_key if callable(group_key) else (lambda r: r.get(group_key))
    groups: dict[Any, list[Mapping[str, Any]]] = {}
    for r in rows:
        g = key(r)
        if g is not None:
            groups.setdefault(g, []).append(r)
    return {g: _summary(rs) for g, rs in sorted(groups.items(), key=lambda kv: str(kv[0]))}


def _pair(row: Mapping[str, Any]) -> str | None:
    if not row.get("lang") or not row.get("doc_lang"):
        return None  # unanswerable items have no document, hence no pair
    return f"{row['lang']}→{row['doc_lang']}"


def report(rows: list[Mapping[str, Any]]) -> dict[str, Any]:
    """Overall summary plus breakdowns by question language, question→document language pair and answer type."""
    return {
        "overall": aggregate(rows),
        "by_lang": aggregate(rows, "lang"),
        "by_pair": aggregate(rows, _pair),
        "by_answer_type": aggregate(rows, "answer_type"),
    }
