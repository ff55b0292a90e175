"""Language of a text from Unicode script counts: no model to load, microseconds per call.

Korean, Japanese and English are told apart by their scripts, which is all the pipeline needs to pick a
sentence splitter, a tokenizer and the answer language. Chinese (Han without kana or Hangul) reads as
Japanese; that is a deliberate simplification for this corpus.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from index.lang import common

# The Unicode ranges of each script, as character-class bodies: the one place they are written. Modules that
# need a narrower class (the encoding detector counts only what each legacy codec can produce) compose these.
HANGUL_SYLLABLES = "\uac00-\ud7a3"
HANGUL_JAMO = "\u1100-\u11ff\u3130-\u318f"
HANGUL = HANGUL_SYLLABLES + HANGUL_JAMO
KANA_FULLWIDTH = "\u3040-\u30ff"  # hiragana and katakana, with the prolonged sound mark ー
KANA = KANA_FULLWIDTH + "\u31f0-\u31ff\uff66-\uff9f"  # + small katakana extensions, halfwidth katakana
HALFWIDTH_KATAKANA_BLOCK = "\uff61-\uff9f"  # halfwidth katakana with its punctuation: mojibake's tell-tale
HAN_UNIFIED = "\u4e00-\u9fff"
HAN = "\u3400-\u4dbf" + HAN_UNIFIED + "\uf900-\ufaff"  # + extension A, compatibility ideographs
HAN_MARKS = "\u3005\u3006"  # 々 〆: iteration and closing marks that belong to Han words
LATIN = "A-Za-z\u00c0-\u024f"

_HANGUL = re.compile(f"[{HANGUL}]")
_KANA = re.compile(f"[{KANA}]")
_HAN = re.compile(f"[{HAN}]")
_LATIN = re.compile(f"[{LATIN}]")

SAMPLE_CHARS = 4000  # enough to decide; keeps a call on a whole document cheap


def script_counts(text: str) -> dict[str, int]:
    """How many Hangul, kana, Han and Latin letters ``text`` holds (first ``SAMPLE_CHARS`` only)."""
    sample = text[:SAMPLE_CHARS]
    return {
        "hangul": len(_HANGUL.findall(sample)),
        "kana": len(_KANA.findall(sample)),
        "han": len(_HAN.findall(sample)),
        "latin": len(_LATIN.findall(sample)),
    }


def detect_language(text: str) -> str:
    """'ko', 'ja', 'en' or 'other'.

    Hangul outweighing kana means Korean (Korean text may quote kana or Hanja); any kana, or Han without
    Hangul, means Japanese; Latin letters alone (or three times the CJK count, since a Latin word spends
    more letters) mean English.
    """
    c = script_counts(text)
    cjk = c["hangul"] + c["kana"] + c["han"]
    if c["latin"] > 3 * cjk:
        return "en"
    if c["hangul"] and c["hangul"] >= c["kana"]:
        return "ko"
    if c["kana"] or c["han"]:
        return "ja"
    return "other"


# Scripts of languages the pipeline does not read, by the language a question in them is most likely in.
_OTHER_SCRIPTS = {
    "Russian (or another Cyrillic-script language)": re.compile("[\u0400-\u04ff]"),
    "Greek": re.compile("[\u0370-\u03ff]"),
    "Arabic": re.compile("[\u0600-\u06ff]"),
    "Hebrew": re.compile("[\u0590-\u05ff]"),
    "Hindi (or another Devanagari-script language)": re.compile("[\u0900-\u097f]"),
    "Thai": re.compile("[\u0e00-\u0e7f]"),
}
# Chinese is written in Han characters, as Japanese partly is: a question with no kana is taken for Chinese when it
# holds a word Japanese does not write (index/lang/common.py).
_CHINESE = re.compile(common.CHINESE_WORDS)


def unsupported_language(text: str) -> str | None:
    """The name of the language ``text`` is in when it is none of English, Korean and Japanese, else None.

    Without this a Chinese question was read as Japanese and answered with a Japanese refusal, and a Russian one
    as English. Judged on the letters: a script no supported language uses, or Han with Chinese words and no kana."""
    c = script_counts(text)
    sample = text[:SAMPLE_CHARS]
    for name, pattern in _OTHER_SCRIPTS.items():
        found = len(pattern.findall(sample))
        if found and found >= c["latin"] + c["hangul"] + c["kana"] + c["han"]:
            return name
    if c["han"] and not c["kana"] and not c["hangul"] and c["han"] >= c["latin"] and _CHINESE.search(sample):
        return "Chinese"
    return None


def majority_language(weighted: Iterable[tuple[str | None, float]], among: Iterable[str] | None = None) -> str | None:
    """The language with the largest total weight, e.g. a file's or passage's over its sentences' characters.

    ``among`` keeps only those languages (say, ko/ja/en without 'other'); ties go to the first seen; None
    when nothing is left.
    """
    keep = set(among) if among is not None else None
    totals: dict[str, float] = {}
    for lang, weight in weighted:
        if lang is not None and (keep is None or lang in keep):
            totals[lang] = totals.get(lang, 0) + weight
    return max(totals, key=totals.__getitem__) if totals else None
