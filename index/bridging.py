"""A lexical bridge from English question words to Korean and Japanese text, through real dictionaries.

Three routes, all ending in ordinary keyword tokens, so the documents themselves decide what counts
(a candidate that does not occur in the corpus adds nothing):

- **Words**: an English word is looked up in a lexicon pruned from JMdict (``data/lexicon.tsv.gz``, built
  by ``scripts/build_lexicon.py``): tariff → 関税, investment → 投資. The Korean side follows from the
  Sino-Korean readings of the kanji candidates (index/tokenizing.py: 関税 → 관세, 投資 → 투자).
- **Names**: proper nouns get phonetic keys at index time (index/tokenizing.py), a lossy romaji in
  which voicing, vowel length, gemination and the ch/j/z and l/r distinctions collapse, so Ishiba,
  石破 (read イシバ by Sudachi) and 이시바 all give ``~isipa``. A second key keeps only the consonants
  (``~~trmp`` for Trump, トランプ and 트럼프), which survives the vowels that Japanese and Korean insert
  into foreign names. Here, question words get the same keys.
- **Loanwords**: English words, katakana words and Korean nouns carry the consonants of their sound
  (``≈rkr`` for recall, リコール and 리콜; index/tokenizing.py ``loan_keys``), weighted ``loan``, apart from
  the name keys so that they never make a name known.

The lexicon is read on the first English question (tens of milliseconds), or by :func:`warm_up` when `bot serve` or
`bot chat` starts.
"""
from __future__ import annotations

import bisect
import gzip
import re
import threading
from functools import lru_cache
from pathlib import Path

from index.lang import en
from index.tokenizing import (  # noqa: F401  (the key functions are part of this module's interface)
    KANJI_WORD,
    analyse,
    english_loan_keys,
    hangul_keys,
    hangul_to_romaji,
    kana_keys,
    kana_to_romaji,
    kanji_reading,
    latin_keys,
    phonetic_keys,
)

LEXICON = Path(__file__).resolve().parent / "data" / "lexicon.tsv.gz"

# ------------------------------------------------------------------ English → Japanese lexicon

_lines: list[bytes] | None = None
_lock = threading.Lock()


def _lexicon() -> list[bytes]:
    """The lexicon's sorted lines, read once and left undecoded (a tab sorts before every character of
    a key, so line order is key order, and bytes compare as the UTF-8 text does)."""
    global _lines
    if _lines is None:
        with _lock:
            if _lines is None:
                _lines = gzip.decompress(LEXICON.read_bytes()).split(b"\n")
    return _lines


def _line(key: str) -> bytes | None:
    lines = _lexicon()
    probe = key.encode("utf-8") + b"\t"
    i = bisect.bisect_left(lines, probe)
    return lines[i] if i < len(lines) and lines[i].startswith(probe) else None


def warm_up() -> None:
    """Read the lexicon both ways now (about 0.4 s on the seeds' machine), so that no question waits for it."""
    _reverse()


def lookup(key: str) -> list[str]:
    """Japanese words glossed by the English ``key`` (a lemma or a short phrase), most common first."""
    return list(_translated(key))


def _translated(key: str) -> dict[str, str]:
    """{Japanese word: its Sino-Korean reading or ""}; the readings were made when the lexicon was
    built, so an English question never loads the Hanja table."""
    line = _line(key)
    if not line:
        return {}
    return dict((w.split("=", 1) + [""])[:2] for w in line.decode("utf-8").split("\t")[1].split())


_reverse_maps: tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]] | None = None


def _reverse() -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """The lexicon read backwards, built on the first Korean or Japanese question that needs it:
    ({Japanese word: its one-word English keys}, {Sino-Korean reading: the Japanese words read so})."""
    global _reverse_maps
    if _reverse_maps is None:
        lines = _lexicon()  # before taking the lock, which _lexicon takes too
        with _lock:
            if _reverse_maps is None:
                english: dict[str, list[str]] = {}
                kanji: dict[str, list[str]] = {}
                for line in lines[1:]:
                    key, _, words = line.decode("utf-8").partition("\t")
                    if not words or " " in key or not _LATIN_WORD.match(key):
                        continue
                    for w in words.split():
                        jp, _, reading = w.partition("=")
                        english.setdefault(jp, []).append(key)
                        if reading and jp not in kanji.get(reading, []):
                            kanji.setdefault(reading, []).append(jp)
                _reverse_maps = ({jp: tuple(keys) for jp, keys in english.items()},
                                 {r: tuple(jps) for r, jps in kanji.items()})
    return _reverse_maps


def english_of(word: str, lang: str) -> tuple[str, ...]:
    """English words the lexicon glosses a Japanese word with (予約 → reservation, booking, …); a Korean
    word goes through the kanji words it is the Sino-Korean reading of (예약 → 予約 → …)."""
    english, kanji = _reverse()
    if lang == "ja":
        return english.get(word, ())
    out: list[str] = []
    for jp in kanji.get(word, ()):
        out += [k for k in english.get(jp, ()) if k not in out]
    return tuple(out)


def pivot_of(word: str, lang: str) -> tuple[str, ...]:
    """Words of the other East Asian language that share an English gloss with ``word``: Japanese and
    Korean often name one thing with different Sino-Korean words (首脳会談 / 정상회담), which readings
    cannot bridge but English can. A Korean word goes to the kanji words it is the reading of, their
    English glosses, and the Japanese words glossed the same (정상 → 頂上 → top → 首脳); a Japanese word
    the same way to those words' Sino-Korean readings (首脳 → top → 頂上 → 정상). Noisy by nature: the
    corpus filter and the term's OR-postings idf weigh it, and a lower weight keeps it below readings."""
    english, kanji = _reverse()
    sources = (word,) if lang == "ja" else kanji.get(word, ())
    out: list[str] = []
    for jp in sources:
        for key in english.get(jp, ()):
            for other, reading in _translated(key).items():
                target = other if lang == "ko" else reading  # kanji words only: their readings are the bridge
                if target and reading and target != word and other != jp and target not in out:
                    out.append(target)
    return tuple(out)


def english_synonyms(alts: dict[str, str]) -> dict[str, str]:
    """Kanji words one gloss away from an English word's translations: the lexicon keeps a word's main
    senses only, so a common translation may be glossed with a near-synonym alone (complaint → 不平 →
    *dissatisfaction* → 不満). Kanji words with a Sino-Korean reading only, so Korean text is reached too.
    :func:`query_terms` asks for them only when the corpus holds none of the direct translations (on
    faq-dev, added to every word they diluted the idf of found ones: −1 @1)."""
    english, _ = _reverse()
    out: dict[str, str] = {}
    for jp, reading in alts.items():
        if not reading:
            continue
        for key in english.get(jp, ()):
            for other, other_reading in _translated(key).items():
                if other_reading and other not in alts:
                    out.setdefault(other, other_reading)
    return out


def has_key(key: str) -> bool:
    return _line(key) is not None


@lru_cache(maxsize=4096)
def lemmas(word: str) -> tuple[str, ...]:
    """Lexicon keys for an English word form: itself if listed, else its base forms that are (gave → give, tariffs → tariff)."""
    w = word.lower()
    found = [w] if has_key(w) else []
    bases = []
    if w in en.IRREGULAR:
        bases.append(en.IRREGULAR[w])
    if w.endswith("ies") and len(w) > 4:
        bases.append(w[:-3] + "y")
    if w.endswith("es") and len(w) > 3:
        bases.append(w[:-2])
    if w.endswith("s") and not w.endswith("ss") and len(w) > 3:
        bases.append(w[:-1])
    for suffix in ("ed", "ing"):
        if w.endswith(suffix) and len(w) > len(suffix) + 2:
            stem = w[: -len(suffix)]
            bases += [stem, stem + "e"]
            if len(stem) > 2 and stem[-1] == stem[-2]:
                bases.append(stem[:-1])
            if stem.endswith("i"):
                bases.append(stem[:-1] + "y")
    for b in bases:
        if b not in found and has_key(b):
            found.append(b)
    if len(w) > 3:  # a verb's noun: invest → investment, agree → agreement, promote → promotion
        for base in [w, *found]:
            stem = base[:-1] if base.endswith("e") else base
            for noun in (base + "ment", stem + "ion", stem + "ation", base + "al"):
                if noun not in found and has_key(noun):
                    found.append(noun)
    return tuple(found)


def translations(words: list[str]) -> list[tuple[list[str], dict[str, str]]]:
    """For English words in question order: (the words a term covers, {Japanese word: its Korean reading or ""}).

    Two adjacent words that the lexicon knows as a phrase ("prime minister", "cherry trees") make one term.
    """
    terms: list[tuple[list[str], dict[str, str]]] = []
    i = 0
    while i < len(words):
        phrase = _phrase(words[i], words[i + 1]) if i + 1 < len(words) else {}
        if phrase:
            terms.append((words[i : i + 2], phrase))
            i += 2
        else:
            terms.append(([words[i]], _single(words[i])))
            i += 1
    return terms


def _phrase(first: str, second: str) -> dict[str, str]:
    for last in (second.lower(), *lemmas(second)):
        words = _translated(f"{first.lower()} {last}")
        if words:
            return words
    return {}


def _single(word: str) -> dict[str, str]:
    alts: dict[str, str] = {}
    for key in lemmas(word):
        for jp, reading in _translated(key).items():
            alts.setdefault(jp, reading)
    return alts


# ------------------------------------------------------------------ the question as terms

def _inflections(word: str) -> tuple[str, ...]:
    """Surface forms an English key may take in a document (index tokens are not lemmatised); forms
    that no sentence contains add nothing."""
    stem = word[:-1] if word.endswith("e") else word
    plural = word[:-1] + "ies" if word.endswith("y") and len(word) > 2 and word[-2] not in "aeiou" else word + ("es" if word.endswith(("s", "x", "ch", "sh")) else "s")
    return (plural, stem + "ed", stem + "ing")


def _compound_parts(word: str, known) -> tuple[str, ...]:
    """A Korean noun written solid that splits into two words the index knows (인도태평양 → 인도 + 태평양),
    as Sudachi splits インド太平洋 for Japanese text: the parts are what the other language's tokens
    (and their readings) can match. Nothing when the word is short or no split is known on both sides."""
    if len(word) < 4 or not re.fullmatch(r"[가-힣]+", word):
        return ()
    for i in range(2, len(word) - 1):
        if known(word[:i]) and known(word[i:]):
            return (word[:i], word[i:])
    return ()


_MONTHS = [(name, name[:3]) if name != "september" else (name, "sep", "sept") for name in map(str.lower, en.MONTHS)]


def _month(word: str) -> int:
    """1–12 for an English month name or its abbreviation (Feb, Feb., Sept), else 0 (question words
    arrive lowercased; "may" is a stop word, so the month May is not bridged)."""
    w = word.lower().rstrip(".")
    return next((i for i, forms in enumerate(_MONTHS, 1) if w in forms), 0)


def query_terms(text: str, english_targets: bool = False, pivot: bool = False, known=None, compounds: bool = True) -> list[dict[str, str]]:
    """The question as terms, each a set of interchangeable tokens with how each was found.

    A term is one query word: its own token ("exact"), the Sino-Korean reading of a kanji word
    ("reading"), phonetic keys of a name ("name"), and for an English word its JMdict translations
    ("strong", :func:`translations`) with their readings. The keyword signal counts a term once,
    by its best alternative in a sentence, so a word with many translations does not swamp the rest.
    With ``english_targets`` (the corpus has English sentences), a Korean or Japanese word also gets
    the English words the lexicon glosses it with ("reverse", :func:`english_of`). With ``pivot``, a
    Korean word also gets the Japanese words that share an English gloss with it, and a Japanese word
    their Korean readings ("pivot", :func:`pivot_of`), and an English word none of whose translations
    ``known`` (the index's vocabulary) holds, the kanji words one gloss away (:func:`english_synonyms`).
    An English month is also its number, as Korean and Japanese tokens write it (February → 2).
    With ``compounds`` and ``known``, a solid Korean compound also gives the two words of it the index
    knows, as terms of their own (:func:`_compound_parts`). Key ``""`` holds the language the word was written in.
    """
    keys: list[tuple[str, str]] = []
    analysed = analyse(text, None, keys)
    names: dict[str, list[str]] = {}
    for token, key in keys:
        names.setdefault(token, []).append(key)
    terms: list[dict[str, str]] = []
    english: list[str] = []

    def flush() -> None:
        for words, alts in translations(english):
            term = {"": "en"}
            for w in words:
                term[w] = "exact"
                for k in latin_keys(w):
                    term.setdefault(k, "name")
                for k in english_loan_keys(w):
                    term.setdefault(k, "loan")
            month = _month(words[0]) if len(words) == 1 else 0
            if month:
                # Korean and Japanese write a month as its number (2월, 2月: the tokens 2 and 月), which
                # JMdict's 2月 never matches; an English text may abbreviate it (Feb.)
                term.setdefault(str(month), "strong")
                for form in _MONTHS[month - 1]:
                    term.setdefault(form, "strong")
            for jp, reading in alts.items():
                term.setdefault(jp.lower(), "strong")
                if reading:
                    term.setdefault(reading, "strong")
            if pivot and known is not None and len(words) == 1 and not any(known(jp.lower()) or known(r) for jp, r in alts.items()):
                for other, reading in english_synonyms(alts).items():
                    term.setdefault(other, "pivot")
                    term.setdefault(reading, "pivot")
            terms.append(term)
        english.clear()

    for run_lang, token in analysed:
        if run_lang == "en":
            english.append(token)
            continue
        flush()
        term = {"": run_lang, token: "exact"}
        reading = kanji_reading(token) if KANJI_WORD.match(token) else ""
        if reading:
            term[reading] = "reading"
        for k in names.get(token, []):
            term.setdefault(k, "loan" if k.startswith("≈") else "name")
        if english_targets:
            for key in english_of(token, run_lang):
                for form in (key, *_inflections(key)):
                    term.setdefault(form, "reverse")
        if pivot and run_lang in ("ko", "ja"):
            for other in pivot_of(token, run_lang):
                term.setdefault(other, "pivot")
        terms.append(term)
        if compounds and known is not None and run_lang == "ko":
            for part in _compound_parts(token, known):
                terms.append({"": run_lang, part: "exact"})
    flush()
    return _unique_terms(terms)


def _unique_terms(terms: list[dict[str, str]]) -> list[dict[str, str]]:
    """The first term of each own word: a word asked twice counts once."""
    seen: set[str] = set()
    unique = []
    for term in terms:
        own = next(t for t, kind in term.items() if kind == "exact")
        if own not in seen:
            seen.add(own)
            unique.append(term)
    return unique


def expand(token: str) -> list[str]:
    """Corpus-side tokens one query token may match in another language or script: an English word's
    translations (with their Sino-Korean readings) and the phonetic keys of a word as a name.
    Candidates are not checked against any corpus; callers keep those their index contains."""
    out: list[str] = []
    if re.fullmatch(r"[A-Za-z][A-Za-z'\-]*", token):
        for [_, alts] in translations([token]):
            for jp, reading in alts.items():
                out += [jp.lower(), reading]
        out += latin_keys(token)
    else:
        out += _script_keys(token)
    return list(dict.fromkeys(t for t in out if t and t != token))


def name_key(word: str) -> str:
    """One script-independent key for a name (Ishiba, 石破, いしば, 이시바 → ``isipa``), "" when the word
    is too short to key; kanji are read with Sudachi. The lossy romaji only, never the consonant
    skeleton: over a whole vocabulary the skeleton collides (Melania and 마련 are both m-r-n);
    :func:`expand` offers the skeleton, which only matches names and katakana words in an index."""
    keys = latin_keys(word) if re.fullmatch(r"[A-Za-z][A-Za-z'\- ]*", word) else _script_keys(word)
    full = [k for k in keys if not k.startswith("~~")]
    return full[0][1:] if full else ""


def _script_keys(word: str) -> list[str]:
    if re.search(r"[\uac00-\ud7a3]", word):
        return [k for part in word.split() for k in hangul_keys(part)]
    if re.fullmatch(r"[\u3041-\u3096\u30a1-\u30fa\u30fc]+", word):
        return kana_keys(word)
    if re.search(r"[\u4e00-\u9fff]", word):
        from index.tokenizing import sudachi

        reading = "".join(m.reading_form() for m in sudachi().tokenize(word))
        return kana_keys(reading)
    return []


_LATIN_WORD = re.compile(r"^[a-z0-9][a-z0-9'.\-]*$")
