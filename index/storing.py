"""Where an index lives: vectors in Chroma (embedded directory or server), the rest in a local catalog.

The catalog (units, passages, tokens, keyword index, sparse vectors, manifest) is written to a fresh
directory and switched in by replacing one small ``CURRENT`` file, so an interrupted or failed run
always leaves the previous index usable. Chroma ids are content-addressed (``<sha16>-<n>``); ids the
catalog does not list are ignored at query time and collected on the next run.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import math
import os
import shutil
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urlparse

import numpy as np

from bot.errors import BotError
from bot.types import Passage, Unit

FORMAT_VERSION = 1
CURRENT = "CURRENT"


# ---------------------------------------------------------------- Chroma

def open_client(index_dir: Path, chroma_url: str | None):
    """An embedded persistent client under ``index_dir/chroma`` or an HTTP client; telemetry off."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if chroma_url:
        url = urlparse(chroma_url)
        try:
            client = chromadb.HttpClient(
                host=url.hostname or "localhost",
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
            client.heartbeat()
        except Exception as exc:
            raise BotError(
                f"Cannot reach the Chroma server at {chroma_url} ({type(exc).__name__}). Start it with "
                f"'chroma run --path DIR --host {url.hostname} --port {url.port}', or drop --chroma-url to use "
                "the embedded store."
            ) from None
        return client
    index_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(index_dir / "chroma"), settings=chroma_settings)


def vector_store(client, collection: str, embedder):
    """The LangChain vector store over one Chroma collection (cosine space)."""
    from langchain_chroma import Chroma

    return Chroma(
        client=client,
        collection_name=collection,
        embedding_function=embedder,
        collection_configuration={"hnsw": {"space": "cosine"}},
    )


def check_collection_name(prefix: str) -> None:
    import re

    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{1,38}[A-Za-z0-9]", prefix):
        raise BotError(
            f"Collection name {prefix!r} is not valid: use 3-40 characters of letters, digits, '.', '_' or '-', "
            "starting and ending with a letter or digit."
        )


def chroma_id(sha256: str, n: int) -> str:
    return f"{sha256[:16]}-{n}"


# ---------------------------------------------------------------- catalog

@dataclass
class FileRecord:
    """Everything the index keeps about one source file."""

    source: str
    path: str
    sha256: str
    encoding: str
    indexed_at: float
    text: str  # the decoded file text as indexed: citations quote from it
    units: list[Unit]
    passages: list[Passage]
    tokens: list[list[str]]  # one token list per unit, for the keyword index

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "path": self.path,
            "sha256": self.sha256,
            "encoding": self.encoding,
            "indexed_at": self.indexed_at,
            "text": self.text,
            "units": [asdict(u) for u in self.units],
            "passages": [p.to_dict() for p in self.passages],
            "tokens": self.tokens,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "FileRecord":
        return cls(
            source=d["source"],
            path=d["path"],
            sha256=d["sha256"],
            encoding=d["encoding"],
            indexed_at=d["indexed_at"],
            text=d["text"],
            units=[Unit(**u) for u in d["units"]],
            passages=[Passage(**{**p, "unit_ids": tuple(p["unit_ids"])}) for p in d["passages"]],
            tokens=d["tokens"],
        )

    @property
    def chroma_ids(self) -> list[str]:
        return [chroma_id(self.sha256, i) for i in range(len(self.units))]


@dataclass
class Catalog:
    """The local half of an index; loaded whole (it is small: text and token lists)."""

    embedding: str
    dim: int
    collection: str
    chroma_url: str | None
    files: dict[str, FileRecord] = field(default_factory=dict)
    sparse: Any = None  # scipy CSR, one row per unit in ``units`` order, or None
    built_at: float = 0.0

    # derived, filled by ``_derive``
    units: list[Unit] = field(default_factory=list, repr=False)
    passages: dict[str, Passage] = field(default_factory=dict, repr=False)
    unit_index: dict[str, int] = field(default_factory=dict, repr=False)
    chroma_to_unit: dict[str, int] = field(default_factory=dict, repr=False)
    unit_langs: Any = field(default=None, repr=False)  # numpy array of unit languages
    lang_counts: dict[str, int] = field(default_factory=dict, repr=False)
    bm25: Any = field(default=None, repr=False)
    postings: dict[str, Any] = field(default_factory=dict, repr=False)  # token -> unit rows containing it
    idf: dict[str, float] = field(default_factory=dict, repr=False)

    def derive(self) -> "Catalog":
        self.units, self.passages, self.unit_index, self.chroma_to_unit = [], {}, {}, {}
        for rec in sorted(self.files.values(), key=lambda r: r.source):
            for i, (unit, cid) in enumerate(zip(rec.units, rec.chroma_ids)):
                self.unit_index[unit.id] = len(self.units)
                self.chroma_to_unit[cid] = len(self.units)
                self.units.append(unit)
            for p in rec.passages:
                self.passages[p.id] = p
        self.unit_langs = np.array([u.lang for u in self.units])
        self.lang_counts = dict(Counter(u.lang for u in self.units))
        return self

    def quote(self, source: str, start: int, end: int) -> str:
        """The exact span of the indexed file: what a citation quotes."""
        return self.files[source].text[start:end]

    def all_tokens(self) -> list[list[str]]:
        return [t for rec in sorted(self.files.values(), key=lambda r: r.source) for t in rec.tokens]

    def build_keyword_index(self, saved: Path | None = None) -> None:
        """Token statistics for query coverage, and the BM25 index (loaded from ``saved`` if it was persisted)."""
        import bm25s

        tokens = self.all_tokens()
        rows: dict[str, list[int]] = {}
        for row, toks in enumerate(tokens):
            for t in set(toks):
                rows.setdefault(t, []).append(row)
        self.postings = {t: np.array(r, dtype=np.int64) for t, r in rows.items()}
        df = Counter({t: len(r) for t, r in rows.items()})
        n = max(len(tokens), 1)
        self.idf = {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}
        if saved is not None and saved.is_dir():
            self.bm25 = bm25s.BM25.load(str(saved), show_progress=False)
        elif tokens:
            self.bm25 = bm25s.BM25()
            self.bm25.index([toks or [""] for toks in tokens], show_progress=False)

    def manifest(self) -> dict[str, Any]:
        return {
            "format": FORMAT_VERSION,
            "embedding": self.embedding,
            "dim": self.dim,
            "collection": self.collection,
            "chroma_url": self.chroma_url,
            "built_at": self.built_at,
            "files": {
                s: {"path": r.path, "sha256": r.sha256, "units": len(r.units), "passages": len(r.passages), "indexed_at": r.indexed_at}
                for s, r in sorted(self.files.items())
            },
        }

    # -------------------------------------------------------- persistence

    def save(self, index_dir: Path) -> Path:
        """Write to a fresh directory, then switch ``CURRENT`` to it atomically; remove the old one."""
        index_dir.mkdir(parents=True, exist_ok=True)
        name = f"catalog-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"
        tmp = index_dir / (name + ".tmp")
        tmp.mkdir()
        (tmp / "manifest.json").write_text(json.dumps(self.manifest(), ensure_ascii=False, indent=1), encoding="utf-8")
        with open(tmp / "files.jsonl", "w", encoding="utf-8") as fh:
            for rec in sorted(self.files.values(), key=lambda r: r.source):
                fh.write(json.dumps(rec.to_json(), ensure_ascii=False) + "\n")
        if self.sparse is not None:
            import scipy.sparse as sp

            sp.save_npz(tmp / "sparse.npz", self.sparse)
        if self.bm25 is None:
            self.build_keyword_index()
        if self.bm25 is not None:
            self.bm25.save(str(tmp / "bm25"), show_progress=False)
        for f in tmp.rglob("*"):
            if f.is_file():
                _fsync(f)
        final = index_dir / name
        tmp.rename(final)
        old = current_dir(index_dir)
        pointer = index_dir / (CURRENT + ".tmp")
        pointer.write_text(name + "\n", encoding="utf-8")
        _fsync(pointer)
        os.replace(pointer, index_dir / CURRENT)
        if old is not None and old != final:
            shutil.rmtree(old, ignore_errors=True)
        for stale in index_dir.glob("catalog-*.tmp"):
            shutil.rmtree(stale, ignore_errors=True)
        return final

    @classmethod
    def load(cls, index_dir: Path) -> "Catalog | None":
        directory = current_dir(index_dir)
        if directory is None:
            return None
        try:
            manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
            if manifest.get("format") != FORMAT_VERSION:
                raise BotError(
                    f"The index at {index_dir} has format {manifest.get('format')} but this version reads "
                    f"format {FORMAT_VERSION}. Rebuild it: bot index --rebuild --index-dir {index_dir}"
                )
            files = {}
            with open(directory / "files.jsonl", encoding="utf-8") as fh:
                for line in fh:
                    rec = FileRecord.from_json(json.loads(line))
                    files[rec.source] = rec
            sparse = None
            if (directory / "sparse.npz").exists():
                import scipy.sparse as sp

                sparse = sp.load_npz(directory / "sparse.npz").tocsr()
        except (OSError, ValueError, KeyError) as exc:
            raise BotError(
                f"The index at {index_dir} is damaged ({exc}). Rebuild it: bot index --rebuild --index-dir {index_dir}"
            ) from None
        cat = cls(
            embedding=manifest["embedding"],
            dim=manifest["dim"],
            collection=manifest["collection"],
            chroma_url=manifest.get("chroma_url"),
            files=files,
            sparse=sparse,
            built_at=manifest.get("built_at", 0.0),
        )
        cat.derive()
        cat.build_keyword_index(directory / "bm25")
        return cat


def current_dir(index_dir: Path) -> Path | None:
    pointer = index_dir / CURRENT
    if not pointer.exists():
        return None
    directory = index_dir / pointer.read_text(encoding="utf-8").strip()
    return directory if directory.is_dir() else None


@contextlib.contextmanager
def write_lock(index_dir: Path) -> Iterator[None]:
    """One writer at a time per index directory (CLI and web uploads may race)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".lock", "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BotError(f"Another 'bot index' is writing {index_dir}; wait for it to finish.") from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _fsync(path: Path) -> None:
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())
