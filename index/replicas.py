"""Replicas of a server index: any machine reads the server's pointer and keeps its catalog in a local cache.

With --chroma-url the Chroma server is the one source of truth. A run writes its vectors to a fresh
collection and its catalog (the same files.jsonl and sparse.npz the embedded mode keeps, and the manifest
with model, dimension and checksums) as base64 chunks to a second fresh collection, then switches one small
pointer record last: the metadata of the collection ``<prefix>-current``, which names the index version
(the catalog name) and both collections (``index.server_store`` writes them). Chroma replaces a
collection's metadata in one write, so readers see the old pointer or the new one. This module is the
reading side: a machine loads the catalog into its ``--index-dir`` (a cache keyed by that version),
rebuilds the BM25 index from the stored tokens in memory, and notices a new version by reading the pointer again.
"""
from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import re
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from index.catalog import Catalog
from index.chroma import is_not_found, open_client
from index.errors import BotError
from index.settings import redact_url
from index.versions import CATALOG_NAME, collect_catalogs, fsync_dir, fsync_file, read_current, sha256, switch

POINTER_SUFFIX = "-current"
SERVER_FORMAT = 1
SERVER_FILES = ("files.jsonl", "sparse.npz", "manifest.json")


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
    if not CATALOG_NAME.fullmatch(ptr.version) or not re.fullmatch(r"[0-9a-f]{32}", ptr.index_id):
        raise server_damaged(chroma_url, prefix, "its pointer names no valid version")
    return ptr


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
        if rel not in files or sha256(files[rel]) != digest:
            raise server_damaged(chroma_url, prefix, f"{rel} does not match its checksum")
    tmp = target.with_name(target.name + f".{uuid.uuid4().hex[:6]}.tmp")
    tmp.mkdir(parents=True)
    for rel, data in files.items():
        (tmp / rel).write_bytes(data)
        fsync_file(tmp / rel)
    tmp.rename(target)
    fsync_dir(target.parent)


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
                cat = Catalog.load_version(index_dir, ptr.version)
            except (BotError, FileNotFoundError):
                shutil.rmtree(directory, ignore_errors=True)
        if cat is None:
            download_catalog(client, ptr, directory, chroma_url, prefix)
            try:
                cat = Catalog.load_version(index_dir, ptr.version)
            except (BotError, FileNotFoundError) as exc:
                raise server_damaged(chroma_url, prefix, str(exc)) from None
        if read_current(index_dir) != ptr.version:
            switch(index_dir, ptr.version)
        collect_catalogs(index_dir, ptr.version, unfinished=False)
    return cat
