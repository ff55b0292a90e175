"""Where an index lives: one setting (``chroma_url``) picks the embedded store or a Chroma server, and nothing
outside this module and the two stores asks which.

Writers get a ``Store`` (``index.store``) from ``open_store``; readers load the current catalog, ask its version
(cheap enough before every question), and open its vectors, checked to be exactly the catalog's.
"""
from __future__ import annotations

from pathlib import Path

from index.catalog import Catalog, embedded_not_server, local_embedded_index
from index.chroma import is_not_found, open_client, server_client, vector_store
from index.disk import no_space_to_open, out_of_space
from index.errors import BotError
from index.local_store import LocalStore
from index.replicas import read_pointer, server_damaged, sync_from_server
from index.server_store import ServerStore
from index.settings import Settings, redact_url
from index.store import Store
from index.versions import current_name, damaged, has_index


def open_store(settings: Settings) -> Store:
    """The store ``settings`` name: a Chroma server with ``chroma_url``, else the embedded one in ``index_dir``."""
    return ServerStore(settings) if settings.chroma_url else LocalStore(settings)


def open_vectors(index_dir: Path, chroma_url: str | None, catalog: Catalog, embedder, prefix: str = "seedbot"):
    """The catalog's own collection, checked to hold exactly its vectors; never creates one.

    A deleted store, an embedded index asked through --chroma-url, or a half-written collection would
    otherwise answer with every vector score 0.
    """
    if chroma_url and not catalog.chroma_url:
        raise embedded_not_server(index_dir, chroma_url)
    url = chroma_url or catalog.chroma_url
    client = open_client(index_dir, url, create=False)
    where = redact_url(url) if url else "the embedded store"
    hurt = (lambda what: server_damaged(url, prefix, what)) if chroma_url else (lambda what: damaged(index_dir, what))
    try:
        store = vector_store(client, catalog.collection, embedder, create=False)
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


def load_catalog(index_dir: Path, chroma_url: str | None, prefix: str) -> Catalog | None:
    """The current catalog in either mode; None only where no index was ever completed (BotError when damaged)."""
    if not chroma_url:
        return Catalog.load(index_dir)
    if local_embedded_index(index_dir):
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
    if local_embedded_index(index_dir):
        return True  # opening it then says it is embedded: never build over it silently
    return index_version(index_dir, chroma_url, prefix) is not None
