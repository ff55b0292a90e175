"""Where an index lives: vectors in Chroma (embedded directory or server), the rest in a local catalog.

The catalog (units, passages, tokens, keyword index, sparse vectors, manifest) is written to a fresh
directory and switched in by replacing one small ``CURRENT`` file. Every run that changes the index
also writes its vectors to a fresh collection (copy-on-write) named by that catalog, so a collection
a catalog points at never changes: a run killed at any moment leaves readers exactly the previous
index, and what it left behind (a catalog directory, a collection) is collected by the next run.
Superseded catalogs and their collections are kept for ``GRACE_SECONDS`` so readers that opened them
a moment before a switch can finish. Every catalog file is checksummed in the manifest, and the
vector count is checked at open, so damage is reported ("rebuild") instead of answering from half an index.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import io
import json
import math
import os
import re
import shutil
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urlparse

import numpy as np

from index.errors import BotError
from index.settings import redact_url
from index.types import Passage, Unit

FORMAT_VERSION = 2  # 2: ids name their source, files are checksummed, one collection per catalog
CURRENT = "CURRENT"
INDEX_ID = "INDEX_ID"  # tags our collections, so a shared Chroma server's other collections are never collected
SUPERSEDED = "SUPERSEDED"  # written into a catalog directory just before another one replaces it
ACTIVATED = "ACTIVATED"  # written into a catalog directory just before it becomes current
GRACE_SECONDS = 900.0  # how long a superseded catalog (and its collection) stays for readers that opened it
TAG = "seedbot_index"
_CATALOG_NAME = re.compile(r"catalog-\d{8}-\d{6}-[0-9a-f]{6}")


def rebuild_hint(index_dir: Path) -> str:
    return f"Rebuild it: bot index --rebuild --index-dir {index_dir}"


def damaged(index_dir: Path, what: str) -> BotError:
    return BotError(f"The index at {index_dir} is damaged ({what}). {rebuild_hint(index_dir)}")


# ---------------------------------------------------------------- Chroma

def open_client(index_dir: Path, chroma_url: str | None, *, create: bool = True):
    """An embedded persistent client under ``index_dir/chroma`` or an HTTP client; telemetry off.

    Readers pass ``create=False``: a missing embedded store is damage to report, not one to create empty.
    """
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
                f"Cannot reach the Chroma server at {redact_url(chroma_url)} ({type(exc).__name__}). Start it with "
                f"'chroma run --path DIR --host {url.hostname or 'localhost'} --port {url.port or 8000}', or drop --chroma-url to use "
                "the embedded store."
            ) from None
        return client
    if not create and not (index_dir / "chroma" / "chroma.sqlite3").is_file():
        raise damaged(index_dir, f"its vector store {index_dir / 'chroma'} is missing")
    index_dir.mkdir(parents=True, exist_ok=True)
    try:
        return chromadb.PersistentClient(path=str(index_dir / "chroma"), settings=chroma_settings)
    except Exception as exc:  # a truncated or foreign chroma.sqlite3 fails in Chroma's own ways
        raise damaged(index_dir, f"its vector store cannot be opened: {type(exc).__name__}") from None


def vector_store(client, collection: str, embedder, *, create: bool = True, metadata: dict | None = None):
    """The LangChain vector store over one Chroma collection (cosine space); ``create=False`` only opens."""
    from langchain_chroma import Chroma

    class Store(Chroma):
        def similarity_search_by_vector_with_relevance_scores(self, *args, **kwargs):
            try:
                return super().similarity_search_by_vector_with_relevance_scores(*args, **kwargs)
            except Exception as exc:
                if _is_not_found(exc):  # a --rebuild, or an update older than the grace period, since opening
                    raise BotError(
                        "The index was rebuilt or updated by 'bot index' after it was opened here; "
                        "restart this command (or reload the index) and ask again."
                    ) from None
                raise

    return Store(
        client=client,
        collection_name=collection,
        embedding_function=embedder,
        collection_configuration={"hnsw": {"space": "cosine"}},
        collection_metadata=metadata,
        create_collection_if_not_exists=create,
    )


def open_vectors(index_dir: Path, chroma_url: str | None, catalog: "Catalog", embedder):
    """The catalog's own collection, checked to hold exactly its vectors; never creates one.

    A deleted store, an embedded index asked through --chroma-url, or a half-written collection would
    otherwise answer with every vector score 0.
    """
    if chroma_url and not catalog.chroma_url:
        raise BotError(
            f"The index at {index_dir} keeps its vectors in the embedded store, not in a Chroma server. "
            f"Drop --chroma-url (and BOT_CHROMA_URL) to query it, or index into the server: "
            f"bot index --rebuild --chroma-url {redact_url(chroma_url)} --index-dir {index_dir}"
        )
    url = chroma_url or catalog.chroma_url
    client = open_client(index_dir, url, create=False)
    where = redact_url(url) if url else "the embedded store"
    try:
        store = vector_store(client, catalog.collection, embedder, create=False)
        count = store._collection.count()
    except BotError:
        raise
    except Exception as exc:
        if _is_not_found(exc):
            raise damaged(index_dir, f"its vectors, collection {catalog.collection}, are not in {where}") from None
        raise damaged(index_dir, f"its vectors in {where} cannot be read: {type(exc).__name__}") from None
    if count != len(catalog.units):
        raise damaged(index_dir, f"{count} vectors in {where} for {len(catalog.units)} sentences")
    return store


def _is_not_found(exc: Exception) -> bool:
    return type(exc).__name__ == "NotFoundError" or "does not exist" in str(exc)


def check_collection_name(prefix: str) -> None:
    import re

    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{1,38}[A-Za-z0-9]", prefix):
        raise BotError(
            f"Collection name {prefix!r} is not valid: use 3-40 characters of letters, digits, '.', '_' or '-', "
            "starting and ending with a letter or digit."
        )


def chroma_id(sha256: str, source: str, n: int) -> str:
    """Content-addressed, and per source: two files with the same bytes are two sets of vectors."""
    return f"{sha256[:16]}-{hashlib.sha256(source.encode('utf-8')).hexdigest()[:8]}-{n}"


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
        return [chroma_id(self.sha256, self.source, i) for i in range(len(self.units))]


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
    name: str = ""  # the catalog directory it was loaded from or saved to

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
            "units": len(self.units),
            "files": {
                s: {"path": r.path, "sha256": r.sha256, "units": len(r.units), "passages": len(r.passages), "indexed_at": r.indexed_at}
                for s, r in sorted(self.files.items())
            },
        }

    # -------------------------------------------------------- persistence

    def save(self, index_dir: Path) -> Path:
        """Write to a fresh directory, then switch ``CURRENT`` to it atomically."""
        name = self.write(index_dir)
        switch(index_dir, name)
        return index_dir / name

    def write(self, index_dir: Path) -> str:
        """Write the catalog to a new directory (not yet current) and return its name.

        The manifest, written last, holds a checksum of every other file, so a truncated or emptied
        file is detected at load instead of being read as a smaller index.
        """
        index_dir.mkdir(parents=True, exist_ok=True)
        if self.units == [] and self.files:
            self.derive()
        name = f"catalog-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"
        tmp = index_dir / (name + ".tmp")
        tmp.mkdir()
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
        manifest = self.manifest()
        manifest["checksums"] = {
            f.relative_to(tmp).as_posix(): _sha256(f.read_bytes()) for f in sorted(tmp.rglob("*")) if f.is_file()
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        for f in tmp.rglob("*"):
            if f.is_file():
                _fsync(f)
        tmp.rename(index_dir / name)
        _fsync_dir(index_dir)
        self.name = name
        return name

    @classmethod
    def load(cls, index_dir: Path) -> "Catalog | None":
        """The current catalog; None only where no index was ever completed; BotError when damaged.

        ``CURRENT`` is resolved once per attempt; if a file vanishes mid-load because a writer switched
        and collected the catalog, the load starts again from the new ``CURRENT``.
        """
        vanished: Exception | None = None
        for _ in range(5):
            name = current_name(index_dir)
            if name is None:
                return None
            try:
                return cls._load_dir(index_dir, name)
            except FileNotFoundError as exc:
                vanished = exc
                if _read_pointer(index_dir) == name:
                    break
        raise damaged(index_dir, f"a catalog file is missing: {Path(vanished.filename or '?').name}")

    @classmethod
    def _load_dir(cls, index_dir: Path, name: str) -> "Catalog":
        directory = index_dir / name
        try:
            manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise
        except (OSError, ValueError) as exc:
            raise damaged(index_dir, f"manifest.json: {exc}") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_VERSION:
            found = manifest.get("format") if isinstance(manifest, dict) else None
            raise BotError(
                f"The index at {index_dir} has format {found} but this version reads format {FORMAT_VERSION}. "
                + rebuild_hint(index_dir)
            )
        checksums = manifest.get("checksums")
        if not isinstance(checksums, dict) or "files.jsonl" not in checksums:
            raise damaged(index_dir, "its manifest lists no checksums")
        data: dict[str, bytes] = {}
        for rel, digest in checksums.items():
            if not isinstance(rel, str) or Path(rel).is_absolute() or ".." in Path(rel).parts:
                raise damaged(index_dir, f"its manifest names a file outside the catalog: {rel!r}")
            data[rel] = (directory / rel).read_bytes()  # FileNotFoundError: maybe a switch; load() retries
            if _sha256(data[rel]) != digest:
                raise damaged(index_dir, f"{rel} does not match its checksum (truncated or changed)")
        try:
            files = {}
            for line in data["files.jsonl"].decode("utf-8").splitlines():
                rec = FileRecord.from_json(json.loads(line))
                files[rec.source] = rec
            sparse = None
            if "sparse.npz" in data:
                import scipy.sparse as sp

                sparse = sp.load_npz(io.BytesIO(data["sparse.npz"])).tocsr()
            cat = cls(
                embedding=manifest["embedding"],
                dim=manifest["dim"],
                collection=manifest["collection"],
                chroma_url=manifest.get("chroma_url"),
                files=files,
                sparse=sparse,
                built_at=manifest.get("built_at", 0.0),
                name=name,
            )
            cat.derive()
            has_bm25 = any(rel.startswith("bm25/") for rel in checksums)
            cat.build_keyword_index(directory / "bm25" if has_bm25 else None)
        except FileNotFoundError:
            raise
        except Exception as exc:  # bytes that pass their checksum but do not parse: written by something else
            raise damaged(index_dir, f"{type(exc).__name__}: {exc}") from None
        if manifest.get("units") != len(cat.units) or (sparse is not None and sparse.shape[0] != len(cat.units)):
            raise damaged(index_dir, f"the manifest counts {manifest.get('units')} sentences, the catalog holds {len(cat.units)}")
        return cat


def _read_pointer(index_dir: Path) -> str | None:
    try:
        return (index_dir / CURRENT).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None


def _committed(index_dir: Path) -> list[Path]:
    return [d for d in index_dir.glob("catalog-*") if _CATALOG_NAME.fullmatch(d.name) and d.is_dir()]


def current_name(index_dir: Path) -> str | None:
    """The name of the current catalog; None only where no index was ever completed.

    A garbage or dangling ``CURRENT``, or a missing one beside catalogs, is damage to report: treating
    it as "no index" would make ``bot ask`` silently re-index the default documents.
    """
    pointer = index_dir / CURRENT
    if not pointer.exists():
        if index_dir.is_dir() and any((d / ACTIVATED).exists() for d in _committed(index_dir)):
            raise damaged(index_dir, f"{CURRENT} is missing")
        return None  # at most a first run that died before its switch
    for _ in range(3):
        name = _read_pointer(index_dir)
        if name is None or not _CATALOG_NAME.fullmatch(name):
            raise damaged(index_dir, f"{CURRENT} does not name a catalog")
        if (index_dir / name).is_dir():
            return name
        if _read_pointer(index_dir) == name:
            break
    raise damaged(index_dir, f"its catalog {name} is missing")


def current_dir(index_dir: Path) -> Path | None:
    """The current catalog directory, or None where there has never been an index (BotError when damaged)."""
    name = current_name(index_dir)
    return None if name is None else index_dir / name


def has_index(index_dir: Path) -> bool:
    """False only where no index was ever completed: the one case where building one silently is right."""
    return current_name(index_dir) is not None


def switch(index_dir: Path, name: str) -> None:
    """Make catalog ``name`` current, atomically; the one it replaces is marked first, starting its grace."""
    activated = index_dir / name / ACTIVATED  # tells a lost CURRENT from a first run that never finished
    activated.write_text(f"{time.time()}\n", encoding="utf-8")
    _fsync(activated)
    old = _read_pointer(index_dir)
    if old and old != name and _CATALOG_NAME.fullmatch(old) and (index_dir / old).is_dir():
        marker = index_dir / old / SUPERSEDED
        marker.write_text(f"{time.time()}\n", encoding="utf-8")
        _fsync(marker)
    pointer = index_dir / (CURRENT + ".tmp")
    pointer.write_text(name + "\n", encoding="utf-8")
    _fsync(pointer)
    os.replace(pointer, index_dir / CURRENT)
    _fsync_dir(index_dir)


def index_id(index_dir: Path) -> str:
    """This index directory's tag on its collections (created on first use; call with the write lock held)."""
    path = index_dir / INDEX_ID
    try:
        value = path.read_text(encoding="utf-8").strip()
        if re.fullmatch(r"[0-9a-f]{32}", value):
            return value
    except OSError:
        pass
    value = uuid.uuid4().hex
    tmp = index_dir / (INDEX_ID + ".tmp")
    tmp.write_text(value + "\n", encoding="utf-8")
    _fsync(tmp)
    os.replace(tmp, path)
    return value


def collect_garbage(index_dir: Path, client, current: "Catalog", *, prefix: str, embedded: bool,
                    drop: tuple[str, ...] = (), now: float | None = None) -> list[str]:
    """Remove what dead and superseded runs left; call with the write lock held. Returns the dropped collections.

    Catalog directories that were never current (a run killed before its switch) and unfinished
    ``.tmp`` ones go at once; superseded ones after ``GRACE_SECONDS``. Collections tagged with this
    index's id (or, in the private embedded store, named with our prefix) go when no kept catalog
    names them; ``drop`` names ones to drop at once (what a --rebuild replaced).
    """
    now = time.time() if now is None else now
    keep = {current.collection}
    for d in sorted(index_dir.glob("catalog-*")):
        if d.name == current.name:
            (d / SUPERSEDED).unlink(missing_ok=True)  # a run killed between marking and switching
            continue
        try:
            since = float((d / SUPERSEDED).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            since = None
        if not _CATALOG_NAME.fullmatch(d.name) or since is None or now - since > GRACE_SECONDS:
            shutil.rmtree(d, ignore_errors=True)
            continue
        try:
            keep.add(json.loads((d / "manifest.json").read_text(encoding="utf-8"))["collection"])
        except (OSError, ValueError, KeyError, TypeError):
            pass
    keep = (keep - set(drop)) | {current.collection}
    tag = index_id(index_dir)
    dropped = []
    for col in client.list_collections():
        name = getattr(col, "name", col)
        meta = getattr(col, "metadata", None) or {}
        ours = meta.get(TAG) == tag or (embedded and name.startswith(prefix + "-"))
        if ours and name not in keep:
            try:
                client.delete_collection(name)
                dropped.append(name)
            except Exception:  # gone already, or the server refuses: the next run tries again
                pass
    return dropped


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


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
