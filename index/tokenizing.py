"""Keyword tokens for BM25 that are right for Korean and Japanese, not only English.

bm25s's own tokenizer splits on spaces and Latin word characters, which leaves Korean words glued to
their particles (트럼프가, 트럼프는) and Japanese unsplit. Here text is cut into script runs and each run
goes to its own analyser: Korean to kiwipiepy (content morphemes, verb and adjective lemmas), Japanese to
SudachiPy (content words in mode C, plus the mode-A parts of compounds, so 大統領 finds トランプ大統領),
Latin script to a lowercasing word splitter with a small stopword list. Latin words inside Korean or
Japanese text go the English way too, so "NATO" is the same token in every language.

In the index (:func:`index_tokens`), proper nouns (Kiwi's NNP, Sudachi's 固有名詞) and katakana words
also get phonetic key tokens (``~isipa`` for 이시바 and 石破, read イシバ), after the words, so a name
matches in whatever script the question writes it (index/bridging.py groups a question's tokens with
these keys, their readings and, for English words, dictionary translations).
Loanwords, which are not names, get a coarser key of their own: English words of four letters or more,
katakana words and Korean nouns carry the consonants of their sound (``≈rkr`` for recall, リコール and
리콜), so a Japanese question about a ケトル meets an English note about a kettle.

Both analysers load on first use (kiwipiepy about a second); :func:`warm_up` loads them ahead of time.
"""
from __future__ import annotations

import re
import threading
import unicodedata

from index import languages
from index.lang import en, ja, ko

_kiwi = None
_sudachi_dict = None
_lock = threading.Lock()
_local = threading.local()


def kiwi():
    """The process-wide kiwipiepy analyser, loaded once on first use.

    Without Kiwi's typo and multi-word dictionaries: they took three quarters of its start-up (Kiwi() and the
    first call: 40.7 s → 10.0 s on 2 cores at load 5) and 190 MB (519 → 329 MB), and on the seeds they changed
    only 6 of 345 sentences, by joining full names (이와야 다케시) into one token that a question naming the
    surname alone does not match; faq-dev retrieval is the same with or without them."""
    global _kiwi
    if _kiwi is None:
        with _lock:
            if _kiwi is None:
                from kiwipiepy import Kiwi

                _kiwi = Kiwi(load_typo_dict=False, load_multi_dict=False)
    return _kiwi


def sudachi():
    """A SudachiPy tokenizer for this thread (tokenizers are not shared across threads; the dictionary is)."""
    global _sudachi_dict
    tok = getattr(_local, "sudachi", None)
    if tok is None:
        with _lock:
            if _sudachi_dict is None:
                from sudachipy import Dictionary

                _sudachi_dict = Dictionary()
        tok = _local.sudachi = _sudachi_dict.tokenizer()
    return tok


def warm_up() -> None:
    """Load both analysers now, so the first query is not the slow one."""
    tokenize("트럼프 대통령이 방문했다. トランプ大統領が訪問した。", None)


# --- script runs -------------------------------------------------------------------------------
_HANGUL, _KANA, _HAN, _LATIN = languages.HANGUL, languages.KANA, languages.HAN + languages.HAN_MARKS, languages.LATIN
_LETTERS = re.compile(f"[{_HANGUL}]+|[{_KANA}]+|[{_HAN}]+|[{_LATIN}]+")


def _script(ch: str) -> str:
    if re.match(f"[{_HANGUL}]", ch):
        return "ko"
    if re.match(f"[{_KANA}]", ch):
        return "ja"
    if re.match(f"[{_HAN}]", ch):
        return "han"
    return "en"


def script_runs(text: str, lang: str | None = None) -> list[tuple[str, str]]:
    """(lang, text) runs covering ``text``; digits and punctuation stay with the run they precede.

    Han characters read as Korean (Hanja) in Korean text and as Japanese otherwise.
    """
    if lang is None:
        has_kana = re.search(f"[{_KANA}]", text) is not None
        has_hangul = re.search(f"[{_HANGUL}]", text) is not None
        han_as = "ko" if has_hangul and not has_kana else "ja"
    else:
        han_as = "ko" if lang == "ko" else "ja"
    runs: list[list] = []  # [lang, start, end]
    for m in _LETTERS.finditer(text):
        kind = _script(m.group()[0])
        if kind == "han":
            kind = han_as
        if runs and runs[-1][0] == kind:
            runs[-1][2] = m.end()
        else:
            start = runs[-1][2] if runs else 0
            runs.append([kind, start, m.end()])
    if not runs:
        return [("en", text)] if text.strip() else []
    runs[-1][2] = len(text)
    return [(k, text[s:e]) for k, s, e in runs]


# --- per-language analysers --------------------------------------------------------------------
_EN_WORD = re.compile(en.WORD)
_SUDACHI_MAX_CHARS = 4000  # Sudachi refuses very long inputs; longer runs are cut at 。 or anywhere


def _ko(text: str, keys: list[tuple[str, str]] | None = None) -> list[str]:
    out = []
    for tok in kiwi().tokenize(text):
        tag = tok.tag.split("-")[0]
        if tag in ko.CONTENT_TAGS:
            out.append(tok.form.lower())
            if tag == ko.PROPER_NOUN_TAG and keys is not None:
                keys += [(out[-1], k) for part in tok.form.split() for k in hangul_keys(part)]
            if tag in ko.NOUN_TAGS and keys is not None and len(tok.form) >= 2:
                keys += [(out[-1], k) for k in loan_keys(hangul_to_romaji(tok.form))]
        elif tag in ko.PREDICATE_TAGS:
            lemma = tok.lemma or tok.form + ko.DICTIONARY_ENDING
            if lemma not in ko.STOPWORDS:
                out.append(lemma)
    return out


def _ja(text: str, keys: list[tuple[str, str]] | None = None) -> list[str]:
    from sudachipy import SplitMode

    out = []
    tok = sudachi()
    for piece in _pieces(text, _SUDACHI_MAX_CHARS):
        for m in tok.tokenize(piece, SplitMode.C):
            pos = m.part_of_speech()
            if pos[0] not in ja.CONTENT_POS or pos[1] == ja.DEPENDENT_POS:
                continue
            form = m.normalized_form() if pos[0] == ja.NOUN_POS else m.dictionary_form()
            if form in ja.STOPWORDS or not form.strip():
                continue
            out.append(form.lower())
            word = out[-1]
            parts = m.split(SplitMode.A)
            if len(parts) > 1:
                for p in parts:
                    if p.part_of_speech()[0] in ja.CONTENT_POS and p.normalized_form() not in ja.STOPWORDS:
                        out.append(p.normalized_form().lower())
            if keys is not None and pos[0] == ja.NOUN_POS:
                for p in parts if len(parts) > 1 else [m]:
                    if p.part_of_speech()[1] == ja.PROPER_NOUN_POS or _KATAKANA_WORD.match(p.surface()):
                        part_keys = kana_keys(p.reading_form())
                        if _KATAKANA_WORD.match(p.surface()):
                            part_keys += loan_keys(kana_to_romaji(p.reading_form()))
                        keys += [(word, k) for k in part_keys]
                        if len(parts) > 1:  # the part is a query term of its own (トランプ in トランプ大統領): it gets them too
                            keys += [(p.normalized_form().lower(), k) for k in part_keys]
    return out


def _en(text: str, keys: list[tuple[str, str]] | None = None) -> list[str]:
    out = []
    for w in _EN_WORD.findall(text):
        w = w.lower().replace("’", "'")
        if w.endswith("'s"):
            w = w[:-2]
        w = w.replace(".", "") if re.fullmatch(r"(?:[a-z]\.){2,}", w) else w
        if w and w not in en.STOPWORDS:
            out.append(w)
            if keys is not None:
                keys += [(w, k) for k in english_loan_keys(w)]
    return out


def _pieces(text: str, limit: int) -> list[str]:
    pieces = []
    while len(text) > limit:
        cut = text.rfind("。", 0, limit) + 1 or limit
        pieces.append(text[:cut])
        text = text[cut:]
    pieces.append(text)
    return pieces


_WORDLIKE = re.compile(r"\w")
_KATAKANA_WORD = re.compile(r"^[\u30a1-\u30fa\u30fc]{2,}$")


def analyse(text: str, lang: str | None, keys: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(run language, token) pairs of ``text``; phonetic keys of proper nouns go to ``keys`` as (token, key)."""
    text = unicodedata.normalize("NFKC", text)
    out: list[tuple[str, str]] = []
    for run_lang, run in script_runs(text, lang):
        toks = _en(run, keys) if run_lang == "en" else (_ko if run_lang == "ko" else _ja)(run, keys)
        out += [(run_lang, t) for t in toks if _WORDLIKE.search(t)]
    return out


def tokenize(text: str, lang: str | None = None) -> list[str]:
    """Keyword tokens of ``text`` (NFKC, lowercased Latin); ``lang`` only decides how Han characters read."""
    return [t for _, t in analyse(text, lang, [])]


def index_tokens(text: str, lang: str | None = None) -> list[str]:
    """What the keyword index stores for a sentence: its tokens, the Sino-Korean readings of its kanji
    words, then the phonetic keys of its Korean and Japanese proper nouns (``~isipa`` last)."""
    keys: list[tuple[str, str]] = []
    tokens = [t for _, t in analyse(text, lang, keys)]
    return with_hangul_readings(tokens) + list(dict.fromkeys(k for _, k in keys))


KANJI_WORD = re.compile(r"^[\u4e00-\u9fff\u3005]{2,}$")


def with_hangul_readings(tokens: list[str]) -> list[str]:
    """Add the Sino-Korean reading of every kanji word: 大統領 → 대통령, 防衛費 → 방위비, 関税 → 관세.

    Japanese and Korean share much of their political vocabulary through Chinese characters, so the
    reading lets a Korean question match Japanese text and the reverse (measured: README, Retrieval).
    Applied to both the indexed tokens and the query's.
    """
    extra = [kanji_reading(t) for t in tokens if KANJI_WORD.match(t)]
    return tokens + [r for r in extra if r]


def kanji_reading(word: str) -> str:
    """The Sino-Korean reading of a kanji word (all Hangul), or "" when some character has none."""
    from index.readings import hangul_reading

    reading = hangul_reading(word)
    return reading if reading != word and re.fullmatch(r"[가-힣]+", reading) else ""


# --- phonetic keys of names ------------------------------------------------------------------
# A lossy romaji in which voicing, vowel length, gemination and the ch/j/z and l/r distinctions
# collapse, so Ishiba, 石破 (read イシバ) and 이시바 all give ``~isipa``; a second key keeps only the
# consonants (``~~trmp`` for Trump, トランプ, 트럼프), which survives the vowels Japanese and Korean
# insert into foreign names.

def kana_to_romaji(kana: str) -> str:
    """Hepburn-like romaji of hiragana or katakana; long marks and small っ/ッ are dropped (the key ignores them)."""
    out: list[str] = []
    for ch in kana:
        if "\u3041" <= ch <= "\u3096":
            ch = chr(ord(ch) + 0x60)  # hiragana → katakana
        if ch in ja.KANA_ROMAJI:
            out.append(ja.KANA_ROMAJI[ch])
        elif ch in ja.SMALL_Y and out and out[-1].endswith("i"):
            stem = out[-1][:-1]
            out[-1] = stem + ("" if stem in ("sh", "ch", "j") else "y") + ja.SMALL_Y[ch]
        elif ch in ja.SMALL_V and out:
            prev = out[-1]
            out[-1] = ("w" if prev == "u" else prev.rstrip("aiueo")) + ja.SMALL_V[ch]
        elif ch in ja.SMALL_Y:
            out.append("y" + ja.SMALL_Y[ch])
    return "".join(out)


def hangul_to_romaji(text: str) -> str:
    """A romanisation of Hangul made for matching transcribed names, not for display.

    Close to the Revised Romanization, but 어/으 read o/u (as Japanese hears them: 트럼프 → turompu),
    a final ㅅ/ㅆ (a geminate in transcriptions: 삿포로) and ㅎ are silent, and a final ㅇ is n.
    """
    out = []
    for ch in text:
        code = ord(ch) - 0xAC00
        if 0 <= code < 11172:
            out.append(ko.ROMAJI_INITIAL[code // 588] + ko.ROMAJI_MEDIAL[(code % 588) // 28] + ko.ROMAJI_FINAL[code % 28])
    return "".join(out)


def _latin_to_romaji(word: str) -> str:
    """English spelling brought closer to romaji: c/ck/q/x, ph, th, silent-ish y."""
    w = word.lower()
    w = re.sub(r"[^a-z]", "", w)
    w = w.replace("ck", "k").replace("ph", "f").replace("th", "s").replace("tch", "ch").replace("q", "k").replace("x", "ks")
    w = re.sub(r"c(?!h)(?=[eiy])", "s", w)
    w = re.sub(r"c(?!h)", "k", w)
    w = re.sub(r"ng(?=[^aeiou]|$)", "n", w)
    w = re.sub(r"y(?![aeiou])", "i", w)
    return w


def _normalise(romaji: str) -> str:
    """The shared lossy form: one letter per sound class, no length, no voicing."""
    r = romaji
    r = re.sub(r"sh(?=[aou])", "sy", r).replace("sh", "s")
    r = r.replace("ch", "c").replace("ts", "s").replace("j", "c").replace("z", "c").replace("cy", "c")
    r = r.translate(str.maketrans("gdbvflq", "ktpphrk"))
    for long, short in (("ou", "o"), ("oo", "o"), ("uu", "u"), ("aa", "a"), ("ii", "i"), ("ee", "i")):
        r = r.replace(long, short)
    r = re.sub(r"n(?=[pm])", "m", r)
    return re.sub(r"([^aeiou])\1+", r"\1", r)


def phonetic_keys(romaji: str) -> list[str]:
    """Key tokens of a name in romaji: ``~`` + the lossy romaji, and ``~~`` + its consonants when it has three."""
    full = _normalise(romaji)
    keys = []
    if len(full) >= 3:
        keys.append("~" + full)
    skeleton = _consonants(full)
    if len(skeleton) >= 3:
        keys.append("~~" + skeleton)
    return keys


def loan_keys(romaji: str) -> list[str]:
    """The loanword key of a word: ``≈`` + the consonants of its lossy romaji (recall, リコール and 리콜 all
    give ``≈rkr``; kettle and ケトル ``≈ktr``). Apart from the name keys (``~``), because Korean common
    nouns get it too and over a whole vocabulary consonants collide (Melania and 마련 are both m-r-n):
    what a loanword key matches never decides whether a name is known."""
    skeleton = _consonants(_normalise(romaji))
    return ["≈" + skeleton] if len(skeleton) >= 3 else []


def _consonants(normalised: str) -> str:
    """The consonants of a lossy romaji, each run once: the part of a foreign word's sound that survives the
    vowels Japanese and Korean insert."""
    return re.sub(r"(.)\1+", r"\1", re.sub(r"[aeiouy]", "", normalised))


_EN_SUFFIX = re.compile(en.LOAN_SUFFIX)
_SILENT_R = re.compile(en.SILENT_R)


def english_loan_keys(word: str) -> list[str]:
    """The loanword key of an English word of four letters or more, a long one without its inflection
    (recalling → recall, the form that リコール and 리콜 transcribe), and without the r that Japanese and
    Korean write as a long vowel (sticker = ステッカー = 스티커, membership = メンバーシップ)."""
    if len(word) < 4 or not word.isalpha():
        return []
    return loan_keys(_latin_to_romaji(_SILENT_R.sub("", _EN_SUFFIX.sub("", word) if len(word) > 6 else word)))


def latin_keys(word: str) -> list[str]:
    return phonetic_keys(_latin_to_romaji(word))


def kana_keys(kana: str) -> list[str]:
    return phonetic_keys(kana_to_romaji(kana))


def hangul_keys(hangul: str) -> list[str]:
    return phonetic_keys(hangul_to_romaji(hangul))
