"""Where an index lives: vectors in Chroma (embedded directory or server), the rest in a catalog.

Embedded mode keeps the catalog in ``--index-dir``. Server mode keeps everything on the Chroma
server (see "server mode" below): ``--index-dir`` is then only a cache of the server's current catalog.

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

import base64
import contextlib
import fcntl
import hashlib
import io
import json
import math
import os
import re
import shutil
import socket
import threading
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urlparse

import numpy as np

from index.errors import BotError
from index.settings import redact_url, without_userinfo
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
                headers=basic_auth(url),
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
    database = index_dir / "chroma" / "chroma.sqlite3"
    if not create and not database.is_file():
        raise damaged(index_dir, f"its vector store {index_dir / 'chroma'} is missing")
    if database.exists() and not _is_sqlite(database):  # Chroma would turn an empty file into a new database
        raise damaged(index_dir, f"its vector store {database} is not a database")
    index_dir.mkdir(parents=True, exist_ok=True)
    try:
        return chromadb.PersistentClient(path=str(index_dir / "chroma"), settings=chroma_settings)
    except BaseException as exc:  # a truncated or foreign chroma.sqlite3 fails in Chroma's own ways, a Rust panic too
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        from chromadb.api.client import SharedSystemClient

        SharedSystemClient.clear_system_cache()  # the half-opened store must not be handed out again
        raise damaged(index_dir, f"its vector store cannot be opened: {type(exc).__name__}") from None


def _is_sqlite(path: Path) -> bool:
    """Whether ``path`` starts like an SQLite database (read only: opening it with sqlite would create one)."""
    try:
        with path.open("rb") as f:
            return f.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


def set_damaged_store_aside(index_dir: Path) -> Path | None:
    """For a rebuild: move an embedded vector store that cannot be opened out of the way, so a fresh one is built
    in its place (the rebuild re-embeds everything). Returns where it went, to be deleted once the rebuild is in."""
    store = index_dir / "chroma"
    if not store.exists():
        return None
    aside = index_dir / f"chroma.damaged-{uuid.uuid4().hex[:8]}"
    os.replace(store, aside)
    return aside


def basic_auth(url) -> dict[str, str] | None:
    """An ``Authorization: Basic`` header from the URL's user info (for a Chroma server behind an authenticating
    proxy); the credentials travel with each request and are never stored."""
    if url.username is None:
        return None
    from urllib.parse import unquote

    pair = f"{unquote(url.username)}:{unquote(url.password or '')}".encode("utf-8")
    return {"Authorization": "Basic " + base64.b64encode(pair).decode("ascii")}


def vector_store(client, collection: str, embedder, *, create: bool = True, metadata: dict | None = None):
    """The LangChain vector store over one Chroma collection (cosine space), for writing; ``create=False`` only opens."""
    from langchain_chroma import Chroma

    return Chroma(
        client=client,
        collection_name=collection,
        embedding_function=embedder,
        collection_configuration={"hnsw": {"space": "cosine"}},
        collection_metadata=metadata,
        create_collection_if_not_exists=create,
    )


def is_not_found(exc: Exception) -> bool:
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
    unit_passage: Any = field(default=None, repr=False)  # numpy array: unit row -> its passage's number
    passage_ids: list[str] = field(default_factory=list, repr=False)  # passage number -> passage id
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
        number: dict[str, int] = {}
        self.unit_passage = np.array([number.setdefault(u.passage_id, len(number)) for u in self.units], dtype=np.int64)
        self.passage_ids = list(number)
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
            "chroma_url": without_userinfo(self.chroma_url),  # credentials come from the caller, never from a file
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
    except (OSError, ValueError):  # missing, unreadable or not text (random bytes): a fresh tag, like any bad value
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
    keep = (collect_catalogs(index_dir, current.name, now=now) - set(drop)) | {current.collection}
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


def collect_catalogs(index_dir: Path, current: str, *, now: float | None = None, unfinished: bool = True) -> set[str]:
    """Remove catalog directories past their grace; returns the collections the kept ones name.

    ``unfinished``: also remove directories that were never current (only a writer holding the
    write lock may: for anyone else they may be a run between its write and its switch).
    """
    now = time.time() if now is None else now
    keep: set[str] = set()
    for d in sorted(index_dir.glob("catalog-*")):
        if d.name == current:
            if unfinished:
                (d / SUPERSEDED).unlink(missing_ok=True)  # a run killed between marking and switching
            continue
        try:
            since = float((d / SUPERSEDED).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            since = None
        if since is None and not unfinished:
            continue
        if not _CATALOG_NAME.fullmatch(d.name) or since is None or now - since > GRACE_SECONDS:
            shutil.rmtree(d, ignore_errors=True)
            continue
        try:
            keep.add(json.loads((d / "manifest.json").read_text(encoding="utf-8"))["collection"])
        except (OSError, ValueError, KeyError, TypeError):
            pass
    return keep


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


# ---------------------------------------------------------------- server mode
#
# With --chroma-url the Chroma server is the one source of truth. A run writes its vectors to a fresh
# collection and its catalog (the same files.jsonl and sparse.npz the embedded mode keeps: sentence
# text, offsets, language, passage ids, tokens, sparse indices and values; and the manifest with model,
# dimension and checksums) as base64 chunks to a second fresh collection, then switches one small
# pointer record last: the metadata of the collection ``<prefix>-current``, which names the index
# version (the catalog name) and both collections. Chroma replaces a collection's metadata in one
# write, so readers see the old pointer or the new one. Any machine then loads the catalog into its
# ``--index-dir`` (a cache keyed by that version), rebuilds the BM25 index from the stored tokens in
# memory, and notices a new version by reading the pointer again.

POINTER_SUFFIX = "-current"
SERVER_FORMAT = 1
WRITER_TIMEOUT = 300.0  # a writer's collections not refreshed for this long belong to a dead run
HEARTBEAT_SECONDS = 30.0
BLOB_CHUNK = 3 * 2**18  # raw bytes per record: 1 MiB of base64, in metadata (documents get a slow full-text index)
SERVER_FILES = ("files.jsonl", "sparse.npz", "manifest.json")
_CLIENTS: dict[str, Any] = {}
_CLIENTS_LOCK = threading.Lock()


@dataclass
class Pointer:
    """The server's record of its current index: what a reader needs to find everything else."""

    version: str  # the catalog name; also the name of its cached directory
    vectors: str
    catalog: str
    index_id: str
    switched_at: float = 0.0
    previous: list[dict[str, Any]] = field(default_factory=list)  # superseded ones still in their grace

    def collections(self) -> set[str]:
        return {self.vectors, self.catalog}


def pointer_name(prefix: str) -> str:
    return prefix + POINTER_SUFFIX


def server_client(chroma_url: str):
    """One HTTP client per server URL for the process (its heartbeat checked once, when made)."""
    with _CLIENTS_LOCK:
        client = _CLIENTS.get(chroma_url)
        if client is None:
            client = _CLIENTS[chroma_url] = open_client(Path("."), chroma_url)
        return client


def server_index_name(chroma_url: str, prefix: str) -> str:
    return f"the Chroma server {redact_url(chroma_url)} (collection prefix {prefix!r})"


def server_damaged(chroma_url: str, prefix: str, what: str) -> BotError:
    return BotError(
        f"The index on {server_index_name(chroma_url, prefix)} is damaged ({what}). "
        f"Rebuild it: bot index --rebuild --chroma-url {redact_url(chroma_url)}"
    )


def read_pointer(client, prefix: str, chroma_url: str = "") -> Pointer | None:
    """The server's pointer, or None where no index was ever completed there (BotError when damaged)."""
    try:
        meta = client.get_collection(pointer_name(prefix), embedding_function=None).metadata or {}
    except Exception as exc:
        if is_not_found(exc):
            return None
        raise BotError(f"Cannot read the index pointer on {server_index_name(chroma_url, prefix)} ({type(exc).__name__}).") from None
    try:
        if meta.get("format") != SERVER_FORMAT:
            raise BotError(
                f"The index on {server_index_name(chroma_url, prefix)} has server format {meta.get('format')} "
                f"but this version reads {SERVER_FORMAT}. Rebuild it: bot index --rebuild --chroma-url {redact_url(chroma_url)}"
            )
        ptr = Pointer(
            version=str(meta["version"]), vectors=str(meta["vectors"]), catalog=str(meta["catalog"]),
            index_id=str(meta["index_id"]), switched_at=float(meta.get("switched_at", 0.0)),
            previous=list(json.loads(meta.get("previous") or "[]")),
        )
    except BotError:
        raise
    except (KeyError, TypeError, ValueError) as exc:
        raise server_damaged(chroma_url, prefix, f"its pointer record is unreadable: {type(exc).__name__}") from None
    if not _CATALOG_NAME.fullmatch(ptr.version) or not re.fullmatch(r"[0-9a-f]{32}", ptr.index_id):
        raise server_damaged(chroma_url, prefix, "its pointer names no valid version")
    return ptr


def write_pointer(client, prefix: str, ptr: Pointer) -> None:
    """Switch the server to ``ptr`` in one metadata write: the last step of a run."""
    meta = {
        "format": SERVER_FORMAT, "version": ptr.version, "vectors": ptr.vectors, "catalog": ptr.catalog,
        "index_id": ptr.index_id, "switched_at": ptr.switched_at, "previous": json.dumps(ptr.previous),
    }
    col = client.get_or_create_collection(pointer_name(prefix), embedding_function=None)
    col.modify(metadata=meta)


def writer_id(index_dir: Path) -> str:
    """Who wrote a collection: a run from the same machine and directory as ours, under our lock, is dead."""
    return f"{socket.gethostname()}:{Path(index_dir).resolve()}"


def writer_metadata(tag: str, writer: str, **extra: Any) -> dict[str, Any]:
    return {TAG: tag, "writer": writer, "alive_at": time.time(), **extra}


class Heartbeat:
    """Refreshes ``alive_at`` on a running writer's collections, so other machines' clean-up leaves them alone."""

    def __init__(self, collections: list, every: float = HEARTBEAT_SECONDS):
        self.collections, self.every, self.last = collections, every, time.monotonic()

    def __call__(self) -> None:
        if time.monotonic() - self.last < self.every:
            return
        self.last = time.monotonic()
        for col in self.collections:
            try:
                col.modify(metadata={**(col.metadata or {}), "alive_at": time.time()})
            except Exception:  # a missed beat only risks collection after WRITER_TIMEOUT; the next one retries
                pass


def upload_catalog(client, directory: Path, collection: str, metadata: dict[str, Any]) -> None:
    """Write a catalog directory's files to ``collection`` as base64 chunks; the manifest drops the bm25 files
    (readers rebuild BM25 from the stored tokens) and keeps the checksums of the others."""
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    manifest["checksums"] = {rel: d for rel, d in manifest["checksums"].items() if rel in SERVER_FILES}
    blobs = {rel: (directory / rel).read_bytes() for rel in manifest["checksums"]}
    blobs["manifest.json"] = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
    col = client.create_collection(collection, metadata={**metadata, "kind": "catalog"}, embedding_function=None)
    ids, metas = [], []
    for rel, data in blobs.items():
        parts = max(1, math.ceil(len(data) / BLOB_CHUNK))
        for i in range(parts):
            chunk = base64.b64encode(data[i * BLOB_CHUNK : (i + 1) * BLOB_CHUNK]).decode("ascii")
            ids.append(f"{rel}:{i:06d}")
            metas.append({"file": rel, "part": i, "parts": parts, "data": chunk})
    for i in range(0, len(ids), 8):
        col.add(ids=ids[i : i + 8], embeddings=[[1.0]] * len(ids[i : i + 8]), metadatas=metas[i : i + 8])
    if col.count() != len(ids):
        raise BotError(f"Writing the catalog to the server failed ({col.count()} of {len(ids)} parts stored); run bot index again.")


def download_catalog(client, ptr: Pointer, target: Path, chroma_url: str, prefix: str) -> None:
    """Write the server's catalog into directory ``target`` (which must not exist), checking every checksum."""
    try:
        col = client.get_collection(ptr.catalog, embedding_function=None)
        ids = sorted(col.get(include=[])["ids"])  # by id, not by offset: pages of a changing order could skip parts
        parts: dict[str, dict[int, str]] = {}
        counts: dict[str, int] = {}
        for i in range(0, len(ids), 8):
            got = col.get(ids=ids[i : i + 8], include=["metadatas"])
            for meta in got["metadatas"]:
                parts.setdefault(meta["file"], {})[int(meta["part"])] = meta["data"]
                counts[meta["file"]] = int(meta["parts"])
    except BotError:
        raise
    except Exception as exc:
        if is_not_found(exc):
            raise server_damaged(chroma_url, prefix, f"its catalog, collection {ptr.catalog}, is missing") from None
        raise BotError(f"Cannot read the catalog from {server_index_name(chroma_url, prefix)} ({type(exc).__name__}).") from None
    files: dict[str, bytes] = {}
    for rel, chunks in parts.items():
        if rel not in SERVER_FILES or sorted(chunks) != list(range(counts[rel])):
            raise server_damaged(chroma_url, prefix, f"catalog part {rel!r} is incomplete or unknown")
        files[rel] = b"".join(base64.b64decode(chunks[i]) for i in range(counts[rel]))
    try:
        manifest = json.loads(files["manifest.json"])
        checksums = manifest["checksums"]
    except (KeyError, ValueError, TypeError):
        raise server_damaged(chroma_url, prefix, "its manifest is missing or unreadable") from None
    if manifest.get("collection") != ptr.vectors or "files.jsonl" not in checksums:
        raise server_damaged(chroma_url, prefix, "its manifest does not match its pointer")
    for rel, digest in checksums.items():
        if rel not in files or _sha256(files[rel]) != digest:
            raise server_damaged(chroma_url, prefix, f"{rel} does not match its checksum")
    tmp = target.with_name(target.name + f".{uuid.uuid4().hex[:6]}.tmp")
    tmp.mkdir(parents=True)
    for rel, data in files.items():
        (tmp / rel).write_bytes(data)
        _fsync(tmp / rel)
    tmp.rename(target)
    _fsync_dir(target.parent)


@contextlib.contextmanager
def _cache_lock(index_dir: Path) -> Iterator[None]:
    """Processes sharing one cache directory fetch a version once: the others wait, then find it there."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".cache-lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _local_embedded_index(index_dir: Path) -> bool:
    """True where ``index_dir`` holds an embedded index: a server must not quietly replace it in the cache."""
    try:
        name = current_name(index_dir)
    except BotError:
        return False
    if name is None:
        return False
    try:
        return not json.loads((index_dir / name / "manifest.json").read_text(encoding="utf-8")).get("chroma_url")
    except (OSError, ValueError, AttributeError):
        return False


def embedded_not_server(index_dir: Path, chroma_url: str) -> BotError:
    return BotError(
        f"The index at {index_dir} keeps its vectors in the embedded store, not in a Chroma server. "
        f"Drop --chroma-url (and BOT_CHROMA_URL) to query it, or index into the server: "
        f"bot index --rebuild --chroma-url {redact_url(chroma_url)} --index-dir {index_dir}"
    )


def sync_from_server(index_dir: Path, chroma_url: str, prefix: str, client=None) -> Catalog | None:
    """The server's current catalog, from the local cache when it holds that version (fetched otherwise).

    None where the server has no index under ``prefix``. A damaged cached copy is fetched again.
    """
    client = client or open_client(index_dir, chroma_url)
    ptr = read_pointer(client, prefix, chroma_url)
    if ptr is None:
        return None
    with _cache_lock(index_dir):
        directory = index_dir / ptr.version
        cat = None
        if directory.is_dir():
            try:
                cat = Catalog._load_dir(index_dir, ptr.version)
            except (BotError, FileNotFoundError):
                shutil.rmtree(directory, ignore_errors=True)
        if cat is None:
            download_catalog(client, ptr, directory, chroma_url, prefix)
            try:
                cat = Catalog._load_dir(index_dir, ptr.version)
            except (BotError, FileNotFoundError) as exc:
                raise server_damaged(chroma_url, prefix, str(exc)) from None
        if _read_pointer(index_dir) != ptr.version:
            switch(index_dir, ptr.version)
        collect_catalogs(index_dir, ptr.version, unfinished=False)
    return cat


def load_catalog(index_dir: Path, chroma_url: str | None, prefix: str) -> Catalog | None:
    """The current catalog in either mode; None only where no index was ever completed (BotError when damaged)."""
    if not chroma_url:
        return Catalog.load(index_dir)
    if _local_embedded_index(index_dir):
        raise embedded_not_server(index_dir, chroma_url)
    return sync_from_server(index_dir, chroma_url, prefix)


def index_version(index_dir: Path, chroma_url: str | None, prefix: str) -> str | None:
    """The current index version (the catalog name): the local ``CURRENT``, or the server's pointer.

    One small file read, or one small request to the server: cheap enough to check before every question.
    """
    if not chroma_url:
        return current_name(index_dir)
    ptr = read_pointer(server_client(chroma_url), prefix, chroma_url)
    return None if ptr is None else ptr.version


def index_exists(index_dir: Path, chroma_url: str | None, prefix: str) -> bool:
    """False only where no index was ever completed, locally or on the server."""
    if not chroma_url:
        return has_index(index_dir)
    if _local_embedded_index(index_dir):
        return True  # opening it then says it is embedded: never build over it silently
    return index_version(index_dir, chroma_url, prefix) is not None


def collect_server_garbage(client, ptr: Pointer, writer: str, *, drop: set[str] = frozenset(), now: float | None = None) -> list[str]:
    """Drop this index's collections that neither the pointer nor a superseded version in its grace names,
    once their writer is known dead: our own directory's (we hold its lock) or silent for ``WRITER_TIMEOUT``.
    ``drop`` names finished ones to drop at once (what a --rebuild replaced)."""
    now = time.time() if now is None else now
    keep = ptr.collections() | {c for p in ptr.previous for c in (p.get("vectors"), p.get("catalog")) if c}
    dropped = []
    for col in client.list_collections():
        name = getattr(col, "name", col)
        meta = getattr(col, "metadata", None) or {}
        if meta.get(TAG) != ptr.index_id or name in keep:
            continue
        try:
            alive = float(meta.get("alive_at", 0.0))
        except (TypeError, ValueError):
            alive = 0.0
        if name in drop or meta.get("writer") == writer or now - alive > WRITER_TIMEOUT:
            try:
                client.delete_collection(name)
                dropped.append(name)
            except Exception:  # gone already: another machine collected it
                pass
    return dropped
