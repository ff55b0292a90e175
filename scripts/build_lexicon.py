#!/usr/bin/env python3
"""Build index/data/lexicon.tsv.gz, the English → Japanese word list behind the cross-lingual keyword bridge.

The source is JMdict (EDRDG, CC BY-SA 4.0) as shipped in the ``jamdict-data`` package's SQLite file
(311 MB). That package is needed only here, to regenerate the lexicon; the bot itself reads the small
pruned file this script writes (``pip install jamdict jamdict-data`` first, then run it from the repo root):

    python scripts/build_lexicon.py [--db PATH] [--out index/data/lexicon.tsv.gz]

What is kept: English keys are the short glosses (one to three words) with parentheticals and a leading
"to"/"a"/"the" removed: "to give (as a gift)" → ``give``, "tariff (import tax)" → ``tariff``, "summit
meeting" → ``summit meeting``. Each line is ``key<TAB>words``: the kanji spellings (kana for words
written in kana) of entries that are frequent (news1, ichi1, spec1/2, gai1, news2, ichi2) and whose
gloss is among the first three of one of their first two senses, most common first; a kanji word
carries its Sino-Korean reading (関税=관세), made here so that an English question never loads the
Hanja table. The other translations (rarer entries or senses; an entry's kanji at most three
characters) were measured at weight 0.5 and were no better on the FAQ: ``--weak`` writes them as a
third column, which the bot ignores, for experiments. Names (JMnedict) are not included: names reach
Japanese and Korean text through phonetic keys built from Sudachi's readings at index time
(index/tokenizing.py), which needs no table.
"""
from __future__ import annotations

import argparse
import gzip
import re
import sqlite3
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from index.tokenizing import KANJI_WORD, kanji_reading  # noqa: E402  (the readings the bot itself would make)
OUT = ROOT / "index" / "data" / "lexicon.tsv.gz"

_STRONG_TAGS = {"news1", "ichi1", "spec1", "gai1", "spec2", "news2", "ichi2"}
_KANA_ONLY = "word usually written using kana alone"
_SKIP_MISC = {"archaism", "obsolete term", "obscure term", "rare", "dated term", "historical term", "vulgar expression or word",
              "derogatory", "Internet slang", "manga slang", "children's language", "poetical term"}
_GLOSS_WORD = re.compile(r"[a-z][a-z'\-]*")
_KANJI = re.compile(r"[\u4e00-\u9fff\u3005]")
_MAX_FORMS = 3
_MAX_PER_KEY = 12


def default_db() -> Path:
    import jamdict_data

    return Path(jamdict_data.__file__).parent / "jamdict.db"


def gloss_keys(text: str) -> list[str]:
    """The English keys of one gloss: "to give (as a gift)" → ["give"]; long glosses give none."""
    t = re.sub(r"\([^)]*\)", " ", text.lower())
    t = re.sub(r"\s+", " ", t).strip(" .,;:!?\"")
    t = re.sub(r"^(?:to|a|an|the|one's) ", "", t)
    words = t.split()
    if 1 <= len(words) <= 3 and all(_GLOSS_WORD.fullmatch(w) for w in words):
        return [" ".join(words)]
    return []


def build(db_path: Path) -> dict[str, tuple[list[str], list[str]]]:
    db = sqlite3.connect(str(db_path))
    q = db.execute

    prio: dict[int, int] = defaultdict(int)  # idseq -> 2 (strong tag), 1 (nfXX only)
    for table, forms in (("KJP", "Kanji"), ("KNP", "Kana")):
        for idseq, tag in q(f"SELECT f.idseq, p.text FROM {forms} f JOIN {table} p ON p.kid = f.ID"):
            prio[idseq] = max(prio[idseq], 2 if tag in _STRONG_TAGS else 1)
    irregular = {kid for (kid,) in q("SELECT kid FROM KJI")}
    kanji: dict[int, list[str]] = defaultdict(list)
    for kid, idseq, text in q("SELECT ID, idseq, text FROM Kanji ORDER BY ID"):
        if kid not in irregular:
            kanji[idseq].append(text)
    kana: dict[int, list[str]] = defaultdict(list)
    for idseq, text in q("SELECT idseq, text FROM Kana ORDER BY ID"):
        kana[idseq].append(text)
    misc: dict[int, set[str]] = defaultdict(set)
    for sid, text in q("SELECT sid, text FROM misc"):
        misc[sid].add(text)
    sense_rank: dict[int, int] = {}
    seen: dict[int, int] = defaultdict(int)
    for sid, idseq in q("SELECT ID, idseq FROM Sense ORDER BY ID"):
        sense_rank[sid] = seen[idseq]
        seen[idseq] += 1

    cands: dict[str, dict[str, tuple]] = defaultdict(dict)  # key -> word -> rank tuple (lower is better)
    position: dict[int, int] = defaultdict(int)  # glosses seen so far in each sense
    rows = q("SELECT s.ID, s.idseq, g.text FROM SenseGloss g JOIN Sense s ON s.ID = g.sid WHERE g.lang = 'eng' ORDER BY g.rowid")
    for sid, idseq, gloss in rows:
        pos = position[sid]
        position[sid] += 1
        if misc[sid] & _SKIP_MISC:
            continue
        ks = kanji.get(idseq, [])
        p = prio.get(idseq, 0)
        if not p and not (ks and len(ks[0]) <= 3):
            continue
        if ks and _KANA_ONLY not in misc[sid]:
            forms = ks[:_MAX_FORMS]
        else:
            forms = [k for k in kana.get(idseq, [])[:_MAX_FORMS] if len(k) >= 2]
        forms = [unicodedata.normalize("NFKC", f) for f in forms if len(f) <= 8]  # as the tokenizer sees text
        if not forms:
            continue
        rank = sense_rank.get(sid, 9)
        strong = p == 2 and rank <= 1 and pos <= 2
        for key in gloss_keys(gloss):
            for i, f in enumerate(forms):
                r = (0 if strong else 1, -p, rank, pos, i)
                if f not in cands[key] or r < cands[key][f]:
                    cands[key][f] = r
    out = {}
    for key, words in cands.items():
        ranked = sorted(words.items(), key=lambda kv: kv[1])[:_MAX_PER_KEY]
        out[key] = ([w for w, r in ranked if r[0] == 0], [w for w, r in ranked if r[0] == 1])
    return out


def _with_reading(word: str) -> str:
    """``関税=관세``: the Sino-Korean reading the bot would compute, stored so English questions need no Hanja table."""
    reading = kanji_reading(word) if KANJI_WORD.match(word) else ""
    return f"{word}={reading}" if reading else word


def write(lexicon: dict[str, tuple[list[str], list[str]]], out: Path, weak: bool = False) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    lines = [
        f"{k}\t{' '.join(map(_with_reading, s))}" + (f"\t{' '.join(map(_with_reading, w))}" if weak else "")
        for k, (s, w) in sorted(lexicon.items())
        if s or (weak and w)
    ]
    header = "# English -> Japanese lexicon from JMdict (EDRDG, CC BY-SA 4.0); see index/data/README.md. key\twords\n"
    with gzip.GzipFile(out, "wb", mtime=0, compresslevel=9) as fh:
        fh.write((header + "\n".join(lines) + "\n").encode("utf-8"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", type=Path, default=None, help="jamdict SQLite file (default: the jamdict-data package's)")
    ap.add_argument("--out", type=Path, default=OUT, help=f"output file (default: {OUT.relative_to(ROOT)})")
    ap.add_argument("--weak", action="store_true", help="also write the less frequent translations, as a third column")
    args = ap.parse_args()
    lexicon = build(args.db or default_db())
    write(lexicon, args.out, args.weak)
    print(f"{sum(1 for s, w in lexicon.values() if s or args.weak)} English keys -> {args.out} ({args.out.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
