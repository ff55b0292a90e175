"""Checks on eval/faq.jsonl and eval/userdocs/: schema, coverage counts, the dev/test split, and that every
keyword claim is grounded in its source and specific to it.

The FAQ is the ground truth of the eval suite; a keyword that never occurs in its source file would turn every
evidence/answer metric for that question into a silent miss, and one that also occurs elsewhere would let a wrong
passage count as a hit, so both are checked here rather than at eval time.
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
USERDOCS = ROOT / "eval" / "userdocs"
USERDOCS_QUESTIONS = USERDOCS / "questions.jsonl"
USERDOCS_CORPUS = USERDOCS / "docs"

REQUIRED = {"id": str, "question": str, "lang": str, "sources": list, "answer_keywords": list, "answerable": bool,
            "answer_type": str}
OPTIONAL = {"reference_answer": str, "history": list}
LANGS = {"en", "ko", "ja"}
# Too generic to identify an answer: they occur all over the corpus.
GENERIC = {"일본", "미국", "트럼프", "이시바", "日本", "米国", "トランプ", "石破", "同盟", "동맹", "japan", "trump"}
ANSWER_TYPES = {"number", "date", "person", "place", "article", "other"}
TYPED = ANSWER_TYPES - {"other"}  # answers that are a number, date, name or article number
MAX_OCCURRENCES = 5  # a keyword found more often than this in the corpus marks too many passages as evidence
MAX_COPIED_CHARS = 19  # a question may share at most this many consecutive characters with its source


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


@pytest.fixture(scope="module")
def user_items() -> list[dict]:
    lines = [ln for ln in USERDOCS_QUESTIONS.read_text(encoding="utf-8").splitlines() if ln.strip()]
    return [json.loads(ln) for ln in lines]


@pytest.fixture(scope="module")
def userdocs() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(USERDOCS_CORPUS.iterdir()) if p.suffix in {".md", ".txt"}}


def script_lang(text: str) -> str:
    """The question language a keyword is written in: kana → ja, hangul → ko, else en."""
    if re.search(r"[\u3040-\u30ff]", text):
        return "ja"
    if re.search(r"[\uac00-\ud7a3]", text):
        return "ko"
    return "en"


def longest_copied(question: str, source: str) -> int:
    """Longest run of characters (punctuation and spaces ignored) that the question shares with the source."""
    q = re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", question).casefold())
    src = re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", source).casefold())
    best = 0
    for i in range(len(q)):
        j = i + best + 1
        while j <= len(q) and q[i:j] in src:
            best, j = j - i, j + 1
    return best


def check_keywords(items: list[dict], corpus: dict[str, str]) -> None:
    """Each keyword is verbatim (normalised) in one of the item's sources, occurs in no other file of the corpus
    and at most MAX_OCCURRENCES times in all; or else it is a rendering in the question's language (for answers
    written in it) that occurs nowhere in the corpus, so it can match an answer but never a passage."""
    normed = {name: norm(text) for name, text in corpus.items()}
    for it in items:
        for k in it["answer_keywords"]:
            nk = norm(k)
            own = sum(normed[s].count(nk) for s in it["sources"])
            elsewhere = [name for name in normed if name not in it["sources"] and nk in normed[name]]
            if own:
                assert not elsewhere, (it["id"], k, "also occurs in", elsewhere)
                assert own <= MAX_OCCURRENCES, (it["id"], k, own)
            else:
                assert not elsewhere, (it["id"], k, "not in its source but in", elsewhere)
                assert script_lang(k) == it["lang"], (it["id"], k, "is neither in the source nor in the question's language")


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
        assert it["answer_type"] in ANSWER_TYPES, (it["id"], it["answer_type"])
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


def test_keywords_verbatim_and_specific_to_their_source(items, seeds):
    check_keywords(items, seeds)


def test_questions_are_paraphrased_not_copied(items, seeds):
    for it in items:
        for s in it["sources"]:
            assert longest_copied(it["question"], seeds[s]) <= MAX_COPIED_CHARS, (it["id"], it["question"])


def test_counts(items, seeds):
    langs = Counter(it["lang"] for it in items)
    assert len(items) >= 150
    assert langs["ko"] >= 30 and langs["ja"] >= 30
    answerable = [it for it in items if it["answerable"]]
    pairs = Counter((it["lang"], doc_lang(seeds[it["sources"][0]])) for it in answerable)
    assert pairs[("en", "ko")] + pairs[("en", "ja")] >= 28
    for q in ("en", "ko", "ja"):
        for d in ("ko", "ja"):
            assert pairs[(q, d)] >= 8, (q, d, pairs[(q, d)])  # every question language on every document language
    assert sum(not it["answerable"] for it in items) >= 25
    assert sum(it["answer_type"] in TYPED for it in answerable) >= 40
    assert sum(bool(it.get("history")) for it in items) >= 9
    per_doc = Counter(s for it in items for s in it["sources"])
    for name in seeds:
        assert per_doc[name] >= 10, (name, per_doc[name])


def test_unanswerables_say_why(items):
    for it in items:
        if not it["answerable"]:
            assert (it.get("reference_answer") or "").strip(), it["id"]  # what the documents do (not) say


# ---------------------------------------------------------------- the dev/test split


def test_split_is_balanced_in_size_and_kind(items, seeds):
    from evaluation.datasets import split_of

    parts = {"dev": [], "test": []}
    for it in items:
        parts[split_of(it["id"])].append(it)
    assert 0.4 <= len(parts["dev"]) / len(items) <= 0.6, {k: len(v) for k, v in parts.items()}
    for name, part in parts.items():
        assert sum(not it["answerable"] for it in part) >= 8, name
        pairs = Counter((it["lang"], doc_lang(seeds[it["sources"][0]])) for it in part if it["answerable"])
        for q in ("en", "ko", "ja"):
            for d in ("ko", "ja"):
                assert pairs[(q, d)] >= 4, (name, q, d, pairs[(q, d)])


def test_follow_ups_are_on_the_side_of_the_question_they_follow(items):
    from evaluation.datasets import split_of

    by_question = {it["question"]: it for it in items}
    linked = 0
    for it in items:
        for turn in it.get("history") or []:
            parent = by_question.get(turn["content"]) if turn["role"] == "user" else None
            if parent is not None:
                linked += 1
                assert split_of(parent["id"]) == split_of(it["id"]), (parent["id"], it["id"])
    assert linked >= 5


# ---------------------------------------------------------------- eval/userdocs


def test_userdocs_corpus_is_small_and_in_three_languages(userdocs):
    langs = Counter(doc_lang(t) if re.search(r"[\u3040-\u30ff\uac00-\ud7a3]", t) else "en" for t in userdocs.values())
    assert langs == {"en": 4, "ko": 4, "ja": 4}, langs
    for name, text in userdocs.items():
        sentences = [s for s in re.split(r"(?<=[.!?。])\s*|\n+", text) if len(s.strip()) > 3]
        assert 8 <= len(sentences) <= 30, (name, len(sentences))


def test_userdocs_questions(user_items, userdocs):
    for it in user_items:
        assert it["lang"] in LANGS and it["answer_type"] in ANSWER_TYPES, it["id"]
        assert all(s in userdocs for s in it["sources"]), it["id"]
        assert bool(it["sources"]) == it["answerable"] == bool(it["answer_keywords"]), it["id"]
        for s in it["sources"]:
            assert longest_copied(it["question"], userdocs[s]) <= MAX_COPIED_CHARS, (it["id"], it["question"])
    assert not [k for k, v in Counter(it["id"] for it in user_items).items() if v > 1]
    check_keywords(user_items, userdocs)
    assert 40 <= len(user_items) and sum(not it["answerable"] for it in user_items) >= 8
    doc_langs = {name: (doc_lang(t) if re.search(r"[\u3040-\u30ff\uac00-\ud7a3]", t) else "en") for name, t in userdocs.items()}
    pairs = Counter((it["lang"], doc_langs[it["sources"][0]]) for it in user_items if it["answerable"])
    for q in ("en", "ko", "ja"):
        for d in ("en", "ko", "ja"):
            assert pairs[(q, d)] >= 3, (q, d, pairs[(q, d)])  # includes the →en pairs the seeds cannot have
    per_doc = Counter(s for it in user_items for s in it["sources"])
    assert all(per_doc[name] >= 3 for name in userdocs), per_doc


def test_canonical_question(items):
    it = next(i for i in items if i["question"] == "What did Ishiba give Trump?")
    assert it["answerable"] and "황금 사무라이 투구" in it["answer_keywords"]
    assert it["sources"] == ["003_ae09e089aea9dcdf.txt"]
