"""What the extractive answerer derives from one catalog, computed on first use: each sentence's token set, the
index's name keys and consonant skeletons, the phonetic keys of its words, each document's majority language and
first sentence, and the alternatives of the question words seen lately.

The chatbot owns these views (:class:`LatestViews`, one catalog at a time) and hands them to each answer. They are
not attached to the catalog, an object of ``index/``; when ``bot index`` switches the catalog they are replaced, not
grown, and the question-word cache keeps only its most recent ``term_cache`` words (a server asked ever new words
must not grow without bound).
"""
from __future__ import annotations

import re
import threading
from collections import OrderedDict
from functools import cached_property

#: Words whose sound key the index's names are compared with: Hangul, kana, kanji (read by Sudachi: 桜 → sakura,
#: 通り → tori, so "Sakura-dori" is known), or Latin of three letters or more.
_PHONETIC_WORD = re.compile(r"[가-힣]+|[ぁ-んァ-ヴー]+|[\u4e00-\u9fff々][\u4e00-\u9fff々ぁ-ん]*|[a-z][a-z-]{2,}")


class BoundedCache:
    """A dict that forgets its least recently used entries beyond ``size`` (thread-safe enough for the answer
    pool: a lost race only computes a value twice)."""

    def __init__(self, size: int):
        self.size, self._items = size, OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def get_or_make(self, key, make):
        try:
            self._items.move_to_end(key)
            return self._items[key]
        except KeyError:
            value = self._items[key] = make()
            while len(self._items) > self.size:
                self._items.popitem(last=False)
            return value


class CatalogViews:
    """One catalog as the answerer reads it; each view is built the first time an answer needs it."""

    def __init__(self, catalog, term_cache: int):
        self.catalog = catalog
        self.term_groups = BoundedCache(term_cache)  # question word -> its alternatives as corpus tokens

    @cached_property
    def row_tokens(self) -> list[frozenset]:
        """Each sentence's index tokens, by catalog row."""
        return [frozenset(t) for t in self.catalog.all_tokens()]

    @cached_property
    def name_keys(self) -> list[str]:
        """The phonetic keys the index gave its proper nouns (``~isipa``: index/bridging.py)."""
        return [t[1:] for t in self.catalog.idf if t.startswith("~") and not t.startswith("~~")]

    @cached_property
    def word_keys(self) -> list[str]:
        """Phonetic keys of every Hangul, kana, kanji and Latin word of the index, not only of the words its taggers
        called names: an apartment complex (하늘채), an app (누리페이) or a street (さくら通り, indexed as 桜 + 通り, read
        by Sudachi) is a name the question spells in Latin letters."""
        from bot.questions import name_key

        words = [t for t in self.catalog.idf if (len(t) >= 2 or "\u4e00" <= t[:1] <= "\u9fff") and _PHONETIC_WORD.fullmatch(t)]
        return sorted({k for k in map(name_key, words) if len(k) >= 4})

    @cached_property
    def skeletons(self) -> list[str]:
        """The consonant skeletons of the index's names (``~~sptpnk``: index/bridging.py)."""
        return [t[2:] for t in self.catalog.idf if t.startswith("~~")]

    @cached_property
    def _majority(self) -> dict[str, tuple[str, dict[str, int]]]:
        out = {}
        for source, rec in self.catalog.files.items():
            langs: dict[str, int] = {}
            for u in rec.units:
                langs[u.lang] = langs.get(u.lang, 0) + 1
            top = max(langs, key=langs.get) if langs else "other"
            out[source] = (top, langs)
        return out

    @cached_property
    def _firsts(self) -> set[str]:
        return {rec.units[0].id for rec in self.catalog.files.values() if rec.units}

    def minority(self, unit_id: str) -> bool:
        """Is this sentence in a language its document otherwise doesn't use (a headline, caption or reference)?"""
        row = self.catalog.unit_index.get(unit_id)
        if row is None:
            return False
        unit = self.catalog.units[row]
        top, langs = self._majority.get(unit.source, (unit.lang, {}))
        return unit.lang != top and langs.get(unit.lang, 0) * 4 < sum(langs.values())

    def first_unit(self, unit_id: str) -> bool:
        """Is this the first sentence of its document (where a title stands)?"""
        return unit_id in self._firsts


class LatestViews:
    """The views of the catalog last answered from: a switched catalog replaces them (at most one is kept)."""

    def __init__(self, term_cache: int):
        self.term_cache = term_cache
        self._views: CatalogViews | None = None
        self._lock = threading.Lock()

    def of(self, catalog) -> CatalogViews:
        with self._lock:
            if self._views is None or self._views.catalog is not catalog:
                self._views = CatalogViews(catalog, self.term_cache)
            return self._views
