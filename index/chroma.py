"""Talking to Chroma: clients (an embedded directory or a server), the collections an index writes, and moving
vectors between them. Telemetry is off and our own embedder is always passed: Chroma's default one downloads a model.
"""
from __future__ import annotations

import base64
import re
import threading
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlparse

import numpy as np

from index.disk import no_space_to_open, out_of_space
from index.errors import BotError
from index.settings import redact_url
from index.versions import damaged

TAG = "seedbot_index"  # the metadata key that names the index a collection belongs to
Progress = Callable[[str, int, int], None]  # (stage, done, total)
_CLIENTS: dict[str, Any] = {}
_CLIENTS_LOCK = threading.Lock()


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
        if out_of_space(exc, index_dir):
            raise no_space_to_open(index_dir) from None
        raise damaged(index_dir, f"its vector store cannot be opened: {type(exc).__name__}") from None


def _is_sqlite(path: Path) -> bool:
    """Whether ``path`` starts like an SQLite database (read only: opening it with sqlite would create one)."""
    try:
        with path.open("rb") as f:
            return f.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


def basic_auth(url) -> dict[str, str] | None:
    """An ``Authorization: Basic`` header from the URL's user info (for a Chroma server behind an authenticating
    proxy); the credentials travel with each request and are never stored."""
    if url.username is None:
        return None
    from urllib.parse import unquote

    pair = f"{unquote(url.username)}:{unquote(url.password or '')}".encode("utf-8")
    return {"Authorization": "Basic " + base64.b64encode(pair).decode("ascii")}


def vector_store(client, collection: str, embedder, *, create: bool = True, metadata: dict | None = None):
    """The LangChain vector store over one Chroma collection (cosine space), for writing; ``create=False`` only opens.

    Reading goes through :class:`index.vectors.StoredVectors`, without LangChain."""
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
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{1,38}[A-Za-z0-9]", prefix):
        raise BotError(
            f"Collection name {prefix!r} is not valid: use 3-40 characters of letters, digits, '.', '_' or '-', "
            "starting and ending with a letter or digit."
        )


def server_client(chroma_url: str):
    """One HTTP client per server URL for the process (its heartbeat checked once, when made)."""
    with _CLIENTS_LOCK:
        client = _CLIENTS.get(chroma_url)
        if client is None:
            client = _CLIENTS[chroma_url] = open_client(Path("."), chroma_url)
        return client


def beating(progress: Progress | None, beat: Callable[[], None]) -> Progress:
    """Progress reports that also keep a server-mode writer's heartbeat going."""

    def step(stage: str, done: int, total: int) -> None:
        beat()
        if progress:
            progress(stage, done, total)

    return step


def add_units(collection, fresh: list, vectors: Callable[[Any], Any], progress: Progress | None, batch: int = 64) -> None:
    """Add new units, with their dense vectors ``vectors(record)``, to the run's own collection in batches."""
    items = [(cid, u, rec, i) for rec in fresh for i, (cid, u) in enumerate(zip(rec.chroma_ids, rec.units))]
    if progress and items:
        progress("embed", 0, len(items))
    held: dict[str, Any] = {}  # the vectors of the records this batch and the next reach
    for i in range(0, len(items), batch):
        chunk = items[i : i + batch]
        for _, _, rec, _ in chunk:
            if rec.source not in held:
                held[rec.source] = vectors(rec)
        collection.upsert(
            ids=[cid for cid, _, _, _ in chunk],
            embeddings=np.stack([held[rec.source][n] for _, _, rec, n in chunk]),
            metadatas=[
                {"unit_id": u.id, "source": u.source, "passage_id": u.passage_id, "start": u.start, "end": u.end, "lang": u.lang, "sha256": rec.sha256}
                for _, u, rec, _ in chunk
            ],
            documents=[u.text for _, u, _, _ in chunk],
        )
        for gone in [s for s in held if s != chunk[-1][2].source]:
            del held[gone]
        if progress:
            progress("embed", i + len(chunk), len(items))


def copy_vectors(source, target, ids: list[str], progress: Progress | None, batch: int = 500) -> None:
    """Copy kept vectors (with their documents and metadata) into the new collection, unchanged."""
    if progress and ids:
        progress("copy", 0, len(ids))
    for i in range(0, len(ids), batch):
        got = source.get(ids=ids[i : i + batch], include=["embeddings", "metadatas", "documents"])
        target.add(ids=got["ids"], embeddings=got["embeddings"], metadatas=got["metadatas"], documents=got["documents"])
        if progress:
            progress("copy", min(i + batch, len(ids)), len(ids))


def read_vectors(collection, ids: list[str], dim: int, batch: int = 500) -> np.ndarray:
    """The stored vectors of ``ids``, in that order (float32): Chroma's own copy, so an exact search over them
    scores as Chroma's query does."""
    rows = {cid: n for n, cid in enumerate(ids)}
    out = np.zeros((len(ids), dim), dtype=np.float32)
    seen = 0
    for i in range(0, len(ids), batch):
        got = collection.get(ids=ids[i : i + batch], include=["embeddings"])
        for cid, vec in zip(got["ids"], np.asarray(got["embeddings"], dtype=np.float32)):
            out[rows[cid]] = vec
        seen += len(got["ids"])
    if seen != len(ids):
        raise BotError(f"Writing the vectors failed ({seen} stored for {len(ids)} sentences); run bot index again.")
    return out
