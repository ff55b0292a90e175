"""An index in an embedded Chroma directory: ``--index-dir`` holds the vectors (``chroma/``) and the catalogs."""
from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path

from index.catalog import Catalog
from index.chroma import TAG, open_client, read_vectors
from index.disk import collect_store_leftovers
from index.errors import BotError
from index.settings import redact_url
from index.store import Store
from index.versions import collect_catalogs, current_dir, index_id


class LocalStore(Store):
    """The embedded store: one private Chroma directory beside the catalogs."""

    def __init__(self, settings):
        super().__init__(settings)
        self.replaced: str | None = None  # the collection a rebuild supersedes
        self.damaged_store: Path | None = None  # a store set aside by a rebuild, deleted once it is in

    def current(self, rebuild: bool) -> Catalog | None:
        self.rebuild = rebuild
        self.tag = index_id(self.index_dir)
        if rebuild:
            self.replaced = previous_collection(self.index_dir)
            return None
        return Catalog.load(self.index_dir)

    def connect(self, old: Catalog | None) -> None:
        if old is not None and old.chroma_url:
            raise BotError(
                f"The index at {self.index_dir} keeps its vectors in {redact_url(old.chroma_url)}, not the embedded store. "
                "Use the same --chroma-url, or start fresh with --rebuild."
            )
        try:
            self.client = open_client(self.index_dir, None)
        except BotError:
            if not self.rebuild:
                raise
            self.damaged_store = set_damaged_store_aside(self.index_dir)  # the advised fix must work: a fresh store
            self.client = open_client(self.index_dir, None)

    def commit(self, catalog: Catalog) -> None:
        """As every store, with a copy of the vectors in the catalog: local readers search it without Chroma."""
        catalog.vectors = read_vectors(self.vectors._collection, list(catalog.chroma_to_unit), catalog.dim)
        super().commit(catalog)

    def collect(self, catalog: Catalog) -> None:
        drop = (self.replaced,) if self.replaced and self.replaced != catalog.collection else ()
        collect_garbage(self.index_dir, self.client, catalog, prefix=self.prefix, embedded=True, drop=drop)
        if self.damaged_store is not None:
            shutil.rmtree(self.damaged_store, ignore_errors=True)

    def _metadata(self) -> dict:
        return {TAG: self.tag}


def set_damaged_store_aside(index_dir: Path) -> Path | None:
    """For a rebuild: move an embedded vector store that cannot be opened out of the way, so a fresh one is built
    in its place (the rebuild re-embeds everything). Returns where it went, to be deleted once the rebuild is in."""
    store = index_dir / "chroma"
    if not store.exists():
        return None
    aside = index_dir / f"chroma.damaged-{uuid.uuid4().hex[:8]}"
    os.replace(store, aside)
    return aside



def previous_collection(index_dir: Path) -> str | None:
    """The collection a rebuild replaces, read from the manifest alone (the rest may be damaged)."""
    try:
        directory = current_dir(index_dir)
        return json.loads((directory / "manifest.json").read_text(encoding="utf-8"))["collection"] if directory else None
    except (BotError, OSError, ValueError, KeyError, TypeError):  # nothing we can name; collection GC handles it
        return None


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
    if embedded:
        collect_store_leftovers(index_dir)
    return dropped

