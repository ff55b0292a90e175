"""Sino-Korean readings from our own table (index/readings.py) give the tokens the `hanja` package gave.

`hanja` left the runtime dependencies (its requirements pull pytest into users' installs); the test extra
keeps it only to prove the replacement reads every character, and every seed sentence, the same way.
"""
from __future__ import annotations

import gzip

import pytest

from index.loading import load_document
from index.readings import _table, hangul_reading
from index.segmenting import segment
from index.settings import SEEDS_DIR
from index.tokenizing import tokenize, with_hangul_readings


@pytest.mark.parametrize("word, reading", [
    ("大統領", "대통령"), ("関税", "관세"), ("防衛費", "방위비"), ("投資", "투자"),
    ("李明博", "이명박"), ("女子", "여자"), ("旅行", "여행"), ("來日", "내일"),  # word-initial sound rule
    ("規律", "규율"), ("先烈", "선렬"), ("勝利", "승리"),  # 렬/률 after a vowel or ㄴ only
])
def test_readings_follow_the_table_and_the_initial_sound_rule(word, reading):
    assert hangul_reading(word) == reading


def test_other_characters_pass_through():
    assert hangul_reading("トランプ大統領と이시바 2025") == "トランプ대통령と이시바 2025"
    assert with_hangul_readings(["石破", "トランプ", "総理"]) == ["石破", "トランプ", "総理", "석파", "총리"]


def test_every_character_reads_as_the_hanja_package_reads_it():
    hanja = pytest.importorskip("hanja")
    table = _table()
    assert len(table) == 27497
    assert [ch for ch in table if hangul_reading(ch) != hanja.translate(ch, "substitution")] == []


def test_every_seed_sentence_gets_the_same_keyword_tokens(monkeypatch):
    hanja = pytest.importorskip("hanja")
    tokens = [tokenize(s.text, s.lang) for path in sorted(SEEDS_DIR.glob("*.txt")) for s in segment(load_document(path))]
    ours = [with_hangul_readings(t) for t in tokens]
    monkeypatch.setattr("index.readings.hangul_reading", lambda word: hanja.translate(word, "substitution"))
    theirs = [with_hangul_readings(t) for t in tokens]
    assert sum(len(t) for t in ours) > sum(len(t) for t in tokens)  # some readings were added
    assert ours == theirs


def test_the_lexicon_stores_the_readings_we_compute():
    """scripts/build_lexicon.py baked readings into the lexicon with `hanja`; ours must agree with every one."""
    with gzip.open(SEEDS_DIR.parent / "index" / "data" / "lexicon.tsv.gz", "rt", encoding="utf-8") as fh:
        pairs = {w for line in fh for field in line.rstrip("\n").split("\t")[1:] for w in field.split() if "=" in w}
    assert len(pairs) > 1000
    assert sorted(p for p in pairs if hangul_reading(p.split("=")[0]) != p.split("=")[1]) == []
