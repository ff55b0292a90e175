"""Keyword tokens for BM25 that are right for Korean and Japanese, not only English.

bm25s's own tokenizer splits on spaces and Latin word characters, which leaves Korean words glued to
their particles (트럼프가, 트럼프는) and Japanese unsplit. Here text is cut into script runs and each run
goes to its own analyser: Korean to kiwipiepy (content morphemes, verb and adjective lemmas), Japanese to
SudachiPy (content words in mode C, plus the mode-A parts of compounds, so 大統領 finds トランプ大統領),
Latin script to a lowercasing word splitter with a small stopword list. Latin words inside Korean or
Japanese text go the English way too, so "NATO" is the same token in every language.

Both analysers load on first use (kiwipiepy about a second); :func:`warm_up` loads them ahead of time.
"""
from __future__ import annotations

import re
import threading
import unicodedata

_kiwi = None
_sudachi_dict = None
_lock = threading.Lock()
_local = threading.local()


def kiwi():
    """The process-wide kiwipiepy analyser, loaded once on first use."""
    global _kiwi
    if _kiwi is None:
        with _lock:
            if _kiwi is None:
                from kiwipiepy import Kiwi

                _kiwi = Kiwi()
    return _kiwi


def _sudachi():
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
_HANGUL = "\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f"
_KANA = "\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f\u30fc"
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3005\u3006"
_LATIN = "A-Za-z\u00c0-\u024f"
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
_KO_TAGS = {"NNG", "NNP", "NR", "SN", "SH", "XR", "SL"}
_KO_PREDICATES = {"VV", "VA"}
_KO_STOP = {"하다", "되다", "있다", "않다", "이다", "같다", "대하다", "위하다", "통하다"}
_JA_POS = {"名詞", "動詞", "形容詞", "形状詞"}
_JA_STOP = {"する", "為る", "いる", "居る", "ある", "有る", "なる", "成る", "れる", "られる", "こと", "事", "もの", "物",
            "よう", "様", "ため", "為", "これ", "それ", "その", "此れ", "其れ", "さん", "氏"}
_EN_STOP = {
    "a", "an", "the", "and", "or", "but", "if", "of", "to", "in", "on", "at", "by", "for", "with", "from", "as",
    "is", "are", "was", "were", "be", "been", "being", "am", "do", "does", "did", "has", "have", "had", "it",
    "its", "this", "that", "these", "those", "he", "she", "they", "we", "i", "you", "his", "her", "their",
    "our", "my", "your", "them", "him", "what", "which", "who", "whom", "how", "when", "where", "why", "not",
    "no", "so", "than", "then", "there", "about", "into", "will", "would", "can", "could", "should", "may",
    "might", "did", "s",
}
_EN_WORD = re.compile(r"(?:[A-Za-z]\.){2,}|[A-Za-z\u00c0-\u024f0-9]+(?:[.,][0-9]+)*(?:['’][A-Za-z]+)?")
_SUDACHI_MAX_CHARS = 4000  # Sudachi refuses very long inputs; longer runs are cut at 。 or anywhere


def _ko(text: str) -> list[str]:
    out = []
    for tok in kiwi().tokenize(text):
        tag = tok.tag.split("-")[0]
        if tag in _KO_TAGS:
            out.append(tok.form.lower())
        elif tag in _KO_PREDICATES:
            lemma = tok.lemma or tok.form + "다"
            if lemma not in _KO_STOP:
                out.append(lemma)
    return out


def _ja(text: str) -> list[str]:
    from sudachipy import SplitMode

    out = []
    tok = _sudachi()
    for piece in _pieces(text, _SUDACHI_MAX_CHARS):
        for m in tok.tokenize(piece, SplitMode.C):
            pos = m.part_of_speech()
            if pos[0] not in _JA_POS or pos[1] == "非自立可能":
                continue
            form = m.normalized_form() if pos[0] == "名詞" else m.dictionary_form()
            if form in _JA_STOP or not form.strip():
                continue
            out.append(form.lower())
            parts = m.split(SplitMode.A)
            if len(parts) > 1:
                for p in parts:
                    if p.part_of_speech()[0] in _JA_POS and p.normalized_form() not in _JA_STOP:
                        out.append(p.normalized_form().lower())
    return out


def _en(text: str) -> list[str]:
    out = []
    for w in _EN_WORD.findall(text):
        w = w.lower().replace("’", "'")
        if w.endswith("'s"):
            w = w[:-2]
        w = w.replace(".", "") if re.fullmatch(r"(?:[a-z]\.){2,}", w) else w
        if w and w not in _EN_STOP:
            out.append(w)
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
_ANALYSERS = {"ko": _ko, "ja": _ja, "en": _en}


def tokenize(text: str, lang: str | None = None) -> list[str]:
    """Keyword tokens of ``text`` (NFKC, lowercased Latin); ``lang`` only decides how Han characters read."""
    text = unicodedata.normalize("NFKC", text)
    tokens: list[str] = []
    for run_lang, run in script_runs(text, lang):
        tokens.extend(_ANALYSERS[run_lang](run))
    return [t for t in tokens if _WORDLIKE.search(t)]


_KANJI_WORD = re.compile(r"^[\u4e00-\u9fff\u3005]{2,}$")


def with_hangul_readings(tokens: list[str]) -> list[str]:
    """Add the Sino-Korean reading of every kanji word: 大統領 → 대통령, 防衛費 → 방위비, 関税 → 관세.

    Japanese and Korean share much of their political vocabulary through Chinese characters, so the
    reading lets a Korean question match Japanese text and the reverse (measured: README, Retrieval).
    Applied to both the indexed tokens and the query's.
    """
    extra = [_reading(t) for t in tokens if _KANJI_WORD.match(t)]
    return tokens + [r for r in extra if r]


def _reading(word: str) -> str:
    import hanja

    reading = hanja.translate(word, "substitution")
    return reading if reading != word and re.fullmatch(r"[가-힣]+", reading) else ""
