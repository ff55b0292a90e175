"""A run's new sentences encoded while its files are still being read: dense and sparse vectors on one pool.

A build used to run its stages one after another: reading (one core busy, the other idle while Kiwi and Sudachi
load and segment), then dense batches (each split in halves that waited for each other, the vector store's
writes between them), then the sparse head. Here each file's sentences go to a pool of one single-threaded
engine call per core as soon as the file is read, dense and sparse alike, so the cores stay busy through
reading, writing and the stragglers of every batch. A sentence's vectors do not depend on the batch it is
encoded in (checked bit for bit in tests/test_encoding.py), so the index is the one the stages built.
"""
from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable

import numpy as np

from index.chroma import Progress


class Encodings:
    """Dense (and, with ``sparse``, sparse) vectors of the records handed to ``submit``, computed in the background.

    Use it as a context manager: leaving it, by an error too, drops the work not yet started and waits for the
    calls in flight (the engine cannot be interrupted mid-call).
    """

    def __init__(self, embedder, *, sparse: bool, chunk: int = 16):
        self._embedder, self._with_sparse, self._chunk = embedder, sparse, chunk
        self._pool = ThreadPoolExecutor(max_workers=embedder.parallel_calls, thread_name_prefix="encode")
        self._dense: dict[str, list[Future]] = {}
        self._sparse: dict[str, list[Future]] = {}

    def __enter__(self) -> "Encodings":
        return self

    def __exit__(self, *exc) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def submit(self, rec) -> None:
        """Start encoding the units of ``rec`` (a FileRecord); its dense chunks go to the pool before its sparse ones."""
        texts = [u.text for u in rec.units]
        chunks = [texts[i : i + self._chunk] for i in range(0, len(texts), self._chunk)]
        self._dense[rec.source] = [self._pool.submit(self._embedder.encode_passages_alone, c) for c in chunks]
        if self._with_sparse:
            self._sparse[rec.source] = [self._pool.submit(self._embedder.sparse, c) for c in chunks]

    def dense(self, rec) -> np.ndarray:
        """The dense vectors of ``rec``'s units, in order (waits for them)."""
        parts = [f.result() for f in self._dense[rec.source]]
        return np.concatenate(parts) if parts else np.zeros((0, self._embedder.dim), dtype=np.float32)

    def sparse_rows(self, records: list, progress: Progress | None) -> dict:
        """Each record's sparse rows (scipy CSR, float32), waited for in order, reporting progress as they come."""
        import scipy.sparse as sp

        total = sum(len(r.units) for r in records)
        done = 0
        report: Callable[[int], None] = (lambda n: progress("sparse", n, total)) if progress else (lambda n: None)
        if total:
            report(0)
        out = {}
        for rec in records:
            parts = []
            for f in self._sparse[rec.source]:
                parts.append(f.result())
                done += parts[-1].shape[0]
                report(done)
            parts = parts or [self._embedder.sparse([])]  # a file without units: an empty block
            out[rec.source] = sp.vstack(parts).tocsr().astype("float32")
        return out
