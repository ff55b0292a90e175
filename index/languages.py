"""Language of a text from Unicode script counts: no model to load, microseconds per call.

Korean, Japanese and English are told apart by their scripts, which is all the pipeline needs to pick a
sentence splitter, a tokenizer and the answer language. Chinese (Han without kana or Hangul) reads as
Japanese; that is a deliberate simplification for this corpus.
"""
from __future__ import annotations

import re

_HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")
_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")

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
