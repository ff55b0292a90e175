"""An index on a Chroma server, the one source of truth for every machine (``index.replicas`` reads it back).

A run writes its vectors and its catalog to fresh collections, then switches the server's pointer record
last. Collections carry their writer and a heartbeat, so a run on another machine collects them only once
their writer is known dead.
"""
from __future__ import annotations

import base64
import json
import math
import socket
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, Callable

from index import versions
from index.catalog import Catalog, embedded_not_server, local_embedded_index
from index.chroma import TAG, Progress, beating, check_collection_name, copy_vectors, open_client, vector_store
from index.errors import BotError
from index.replicas import SERVER_FILES, SERVER_FORMAT, Pointer, pointer_name, read_pointer, sync_from_server
from index.store import Store
from index.versions import collect_catalogs, write_lock

WRITER_TIMEOUT = 300.0  # a writer's collections not refreshed for this long belong to a dead run
HEARTBEAT_SECONDS = 30.0
BLOB_CHUNK = 3 * 2**18  # raw bytes per record: 1 MiB of base64, in metadata (documents get a slow full-text index)


class ServerStore(Store):
    """The server store: ``--index-dir`` is only this machine's cache of the server's current catalog."""

    def __init__(self, settings):
        super().__init__(settings)
        self.url: str = settings.chroma_url
        self.pointer: Pointer | None = None  # the server's current index
        self.replaced: set[str] = set()  # the collections a rebuild supersedes

    def current(self, rebuild: bool) -> Catalog | None:
        self.rebuild = rebuild
        if not rebuild and local_embedded_index(self.index_dir):
            raise embedded_not_server(self.index_dir, self.url)
        self.client = open_client(self.index_dir, self.url)
        self.pointer = read_pointer(self.client, self.prefix, self.url)
        if self.pointer is not None and rebuild:
            self.replaced = self.pointer.collections()
        self.tag = self.pointer.index_id if self.pointer else uuid.uuid4().hex
        return None if rebuild else sync_from_server(self.index_dir, self.url, self.prefix, self.client)

    def collect(self, catalog: Catalog) -> None:
        collect_catalogs(self.index_dir, catalog.name)
        if self.pointer is not None:
            collect_server_garbage(self.client, self.pointer, writer_id(self.index_dir),
                                   drop=self.replaced - self.pointer.collections())

    def _metadata(self) -> dict:
        return writer_metadata(self.tag, writer_id(self.index_dir))

    def _heartbeat(self) -> Callable[[], None]:
        return Heartbeat([self.vectors._collection])

    def _publish(self, name: str) -> None:
        meta = writer_metadata(self.tag, writer_id(self.index_dir))
        upload_catalog(self.client, self.index_dir / name, f"{self.collection}-catalog", meta)
        self.pointer = next_pointer(self.pointer, name, self.collection, self.tag, keep_old=not self.rebuild)
        write_pointer(self.client, self.prefix, self.pointer)  # the switch: from here on every machine reads this run


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


def publish_to_server(index_dir: Path, chroma_url: str, prefix: str, progress: Progress | None = None) -> str:
    """Copy the embedded index in ``index_dir`` to a Chroma server as it is (vectors copied, nothing embedded)
    and switch the server to it; returns the new index version. What ``bot bench`` times server loads with."""
    from index.embedding import get_embedder

    check_collection_name(prefix)
    with write_lock(index_dir):
        cat = Catalog.load(index_dir)
        if cat is None or cat.chroma_url:
            raise BotError(f"No embedded index at {index_dir} to publish.")
        embedder = get_embedder(cat.embedding)
        source = vector_store(open_client(index_dir, None), cat.collection, embedder, create=False)._collection
        client = open_client(index_dir, chroma_url)
        pointer = read_pointer(client, prefix, chroma_url)
        tag = pointer.index_id if pointer else uuid.uuid4().hex
        with tempfile.TemporaryDirectory(prefix="bot-publish-") as tmp:
            writer = writer_id(Path(tmp))
            collection = f"{prefix}-{uuid.uuid4().hex[:8]}"
            target = vector_store(client, collection, embedder, metadata=writer_metadata(tag, writer))._collection
            copy_vectors(source, target, list(cat.chroma_to_unit), beating(progress, Heartbeat([target])))
            cat.collection, cat.chroma_url, cat.vectors = collection, chroma_url, None  # a server's catalog holds no copy
            name = cat.write(Path(tmp))
            upload_catalog(client, Path(tmp) / name, f"{collection}-catalog", writer_metadata(tag, writer))
        write_pointer(client, prefix, next_pointer(pointer, name, collection, tag, keep_old=True))
    return name


def next_pointer(old: Pointer | None, version: str, collection: str, tag: str, *, keep_old: bool) -> Pointer:
    """The pointer that makes ``version`` current; the one it replaces starts its grace (unless a rebuild drops it)."""
    now = time.time()
    previous = [] if old is None or not keep_old else [
        {"version": old.version, "vectors": old.vectors, "catalog": old.catalog, "since": now},
        *(p for p in old.previous if now - float(p.get("since", 0)) < versions.GRACE_SECONDS),
    ]
    return Pointer(version=version, vectors=collection, catalog=f"{collection}-catalog", index_id=tag,
                   switched_at=now, previous=previous)
