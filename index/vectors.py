"""Reading an index's vectors: the catalog's own copy (embedded indexes), searched exactly in numpy, or else its
own Chroma collection, checked against its catalog, queried for nearest ids.

Apart from the store (:mod:`index.storing`, :mod:`index.chroma`: catalogs, the Chroma client, writing) and without LangChain, whose import was
0.6 s of a one-off ``bot ask``; the index build creates its collection through langchain-chroma (``chroma.vector_store``) and writes
its vectors with Chroma's own ``upsert`` (``chroma.add_units``).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from index.errors import BotError
from index.settings import redact_url
from index.catalog import Catalog, embedded_not_server
from index.chroma import is_not_found, open_client
from index.disk import no_space_to_open, out_of_space
from index.replicas import server_damaged
from index.versions import damaged


class CatalogVectors:
    """The catalog's copy of its vectors, searched exactly: opening Chroma (import, client, count) was about
    1 s of a one-off ``bot ask``; an exact search over a language's rows takes well under a millisecond on the
    seeds. Returns what :meth:`StoredVectors.nearest` returns, so the retriever does not know which it has."""

    def __init__(self, catalog: Catalog):
        self.vectors = catalog.vectors
        self.ids = list(catalog.chroma_to_unit)  # catalog row -> Chroma id
        self.langs = catalog.unit_langs
        self._rows: dict[str, np.ndarray] = {}

    def nearest(self, vector: list[float], k: int, where: dict) -> list[tuple[str, float]]:
        """(id, cosine distance) of the ``k`` nearest rows whose language is ``where["lang"]``."""
        lang = where["lang"]
        rows = self._rows.get(lang)
        if rows is None:
            rows = self._rows[lang] = np.flatnonzero(self.langs == lang)
        q = np.asarray(vector, dtype=np.float32)
        q = q / (np.linalg.norm(q) or 1.0)  # Chroma's cosine space normalises the query too
        scores = (self.vectors @ q)[rows]  # no copy of the language's rows (54 MB at 100x) per query
        k = min(k, len(rows))
        top = np.argpartition(-scores, k - 1)[:k] if 0 < k < len(rows) else np.arange(len(rows))
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(self.ids[rows[i]], float(1.0 - scores[i])) for i in top]


class StoredVectors:
    """An index's vectors for reading: Chroma's own collection, without LangChain (whose import was 0.6 s of a
    one-off ``bot ask``); ``_client`` and ``_collection`` are named as on LangChain's Chroma store."""

    def __init__(self, client, collection: str):
        self._client = client
        self._collection = client.get_collection(name=collection)

    def get(self, **kwargs: Any) -> dict:
        return self._collection.get(**kwargs)

    def nearest(self, vector: list[float], k: int, where: dict) -> list[tuple[str, float]]:
        """(id, cosine distance) of the ``k`` nearest records matching ``where``. Only distances are fetched:
        the catalog already holds every text, and fetching documents and metadata too was half of the
        dense step (10x the seeds, idle, three per-language queries: 82 ms through LangChain, 45 ms this way)."""
        try:
            got = self._collection.query(query_embeddings=[vector], n_results=k, where=where, include=["distances"])
        except Exception as exc:
            if is_not_found(exc):  # a --rebuild, or an update older than the grace period, since opening
                raise BotError(
                    "The index was rebuilt or updated by 'bot index' after it was opened here; "
                    "restart this command (or reload the index) and ask again."
                ) from None
            raise
        return list(zip(got["ids"][0], got["distances"][0]))


def open_vectors(index_dir: Path, chroma_url: str | None, catalog: Catalog, prefix: str = "seedbot"):
    """The catalog's copy of its vectors where it has one (an embedded index read locally: Chroma is not even
    imported), else its own collection, checked to hold exactly its vectors; never creates one.

    A deleted store, an embedded index asked through --chroma-url, or a half-written collection would
    otherwise answer with every vector score 0.
    """
    if chroma_url and not catalog.chroma_url:
        raise embedded_not_server(index_dir, chroma_url)
    if not chroma_url and not catalog.chroma_url and catalog.vectors is not None:
        return CatalogVectors(catalog)
    url = chroma_url or catalog.chroma_url
    client = open_client(index_dir, url, create=False)
    where = redact_url(url) if url else "the embedded store"
    hurt = (lambda what: server_damaged(url, prefix, what)) if chroma_url else (lambda what: damaged(index_dir, what))
    try:
        store = StoredVectors(client, catalog.collection)
        count = store._collection.count()
    except BotError:
        raise
    except Exception as exc:
        if is_not_found(exc):
            raise hurt(f"its vectors, collection {catalog.collection}, are not in {where}") from None
        if not url and out_of_space(exc, index_dir):
            raise no_space_to_open(index_dir) from None
        raise hurt(f"its vectors in {where} cannot be read: {type(exc).__name__}") from None
    if count != len(catalog.units):
        raise hurt(f"{count} vectors in {where} for {len(catalog.units)} sentences")
    return store
