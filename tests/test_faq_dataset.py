"""Checks on eval/faq.jsonl: schema, coverage counts, and that every keyword claim is grounded in its source.

The FAQ is the ground truth of the eval suite; a keyword that never occurs in its source file would turn every
evidence/answer metric for that question into a silent miss, so it is checked here rather than at eval time.
"""
from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FAQ = ROOT / "eval" / "faq.jsonl"
SEEDS = ROOT / "seeds"

REQUIRED = {"id": str, "question": str, "lang": str, "sources": list, "answer_keywords": list, "answerable": bool}
OPTIONAL = {"reference_answer": str, "history": list}
LANGS = {"en", "ko", "ja"}
# Too generic to identify an answer: they occur all over the corpus.
GENERIC = {"일본", "미국", "트럼프", "이시바", "日本", "米国", "トランプ", "石破", "同盟", "동맹", "japan", "trump"}


def norm(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text).casefold())


def doc_lang(text: str) -> str:
    kana = len(re.findall(r"[\u3040-\u30ff]", text))
    hangul = len(re.findall(r"[\uac00-\ud7a3]", text))
    return "ja" if kana > hangul else "ko"


@pytest.fixture(scope="module")
def items() -> list[dict]:
    lines = [ln for ln in FAQ.read_text(encoding="utf-8").splitlines() if ln.strip()]
    return [json.loads(ln) for ln in lines]


@pytest.fixture(scope="module")
def seeds() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))}


def test_schema(items):
    for it in items:
        keys = set(it)
        assert set(REQUIRED) <= keys, (it.get("id"), set(REQUIRED) - keys)
        assert keys <= set(REQUIRED) | set(OPTIONAL), (it["id"], keys - set(REQUIRED) - set(OPTIONAL))
        for k, t in {**REQUIRED, **OPTIONAL}.items():
            if k in it:
                assert isinstance(it[k], t), (it["id"], k)
        assert it["lang"] in LANGS, it["id"]
        assert it["question"].strip() and it["id"].strip()
        assert all(isinstance(s, str) for s in it["sources"])
        assert all(isinstance(k, str) and k.strip() for k in it["answer_keywords"])
        for turn in it.get("history", []):
            assert set(turn) == {"role", "content"} and turn["role"] in {"user", "assistant"}, it["id"]
            assert isinstance(turn["content"], str) and turn["content"].strip()
        if it["answerable"]:
            assert it["sources"] and it["answer_keywords"], it["id"]
        else:
            assert it["sources"] == [], it["id"]


def test_unique_ids(items):
    dup = [k for k, v in Counter(it["id"] for it in items).items() if v > 1]
    assert not dup


def test_sources_exist(items, seeds):
    for it in items:
        for s in it["sources"]:
            assert s in seeds, (it["id"], s)


def test_keywords_grounded(items, seeds):
    """At least one keyword of each answerable item occurs (normalised) in one of its sources."""
    for it in items:
        if not it["answerable"]:
            continue
        texts = [norm(seeds[s]) for s in it["sources"]]
        assert any(norm(k) in t for k in it["answer_keywords"] for t in texts), it["id"]


def test_keywords_specific(items):
    for it in items:
        for k in it["answer_keywords"]:
            assert norm(k) not in {norm(g) for g in GENERIC}, (it["id"], k)


def test_counts(items, seeds):
    langs = Counter(it["lang"] for it in items)
    assert len(items) >= 66
    assert langs["ko"] >= 12 and langs["ja"] >= 12
    answerable = [it for it in items if it["answerable"]]
    pairs = Counter((it["lang"], doc_lang(seeds[it["sources"][0]])) for it in answerable)
    assert pairs[("en", "ko")] + pairs[("en", "ja")] >= 28
    assert pairs[("ko", "ja")] >= 2 and pairs[("ja", "ko")] >= 2  # asked across
    assert sum(not it["answerable"] for it in items) >= 7
    assert sum(bool(it.get("history")) for it in items) >= 6
    per_doc = Counter(s for it in items for s in it["sources"])
    for name in seeds:
        assert per_doc[name] >= 6, (name, per_doc[name])


def test_canonical_question(items):
    it = next(i for i in items if i["question"] == "What did Ishiba give Trump?")
    assert it["answerable"] and "황금 사무라이 투구" in it["answer_keywords"]
    assert it["sources"] == ["003_ae09e089aea9dcdf.txt"]
