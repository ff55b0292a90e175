"""Where an index lives: one setting (``chroma_url``) picks the embedded store or a Chroma server, and nothing
outside this module and the two stores asks which.

Writers get a ``Store`` (``index.store``) from ``open_store``; readers load the current catalog and ask its version
(cheap enough before every question); ``index.vectors`` opens its vectors, checked to be exactly the catalog's.
"""
from __future__ import annotations

from pathlib import Path

from index.catalog import Catalog, embedded_not_server, local_embedded_index
from index.chroma import server_client
from index.local_store import LocalStore
from index.replicas import read_pointer, sync_from_server
from index.server_store import ServerStore
from index.settings import Settings
from index.store import Store
from index.versions import current_name, has_index


def open_store(settings: Settings) -> Store:
    """The store ``settings`` name: a Chroma server with ``chroma_url``, else the embedded one in ``index_dir``."""
    return ServerStore(settings) if settings.chroma_url else LocalStore(settings)


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
