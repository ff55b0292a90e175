"""The Store interface: what ``bot index`` asks of the place an index lives, in the order it asks it.

Every run that changes the index writes a fresh collection (copy-on-write): ``begin`` makes it, ``keep``
copies the vectors of unchanged files from the previous one (a file left out is thereby removed), ``add``
writes the new ones (encoded by ``index.encoding`` while the files were read), and ``commit`` writes the
catalog that names the collection and switches readers to both at once. A collection a catalog points at
never changes, so a run killed at any moment leaves readers exactly the previous index, and the next run's
``collect`` removes what it left. ``LocalStore`` keeps an index in an embedded Chroma directory,
``ServerStore`` on a Chroma server; ``index.storing`` picks one.
"""
from __future__ import annotations

import uuid
from typing import Callable

from index.catalog import Catalog
from index.chroma import Progress, add_units, beating, copy_vectors, vector_store
from index.errors import BotError
from index.settings import Settings
from index.versions import switch, write_lock


class Store:
    """One writing run against one index; the subclasses know where it lives, ``run_index`` only what to do."""

    def __init__(self, settings: Settings):
        self.settings, self.index_dir, self.prefix = settings, settings.index_dir, settings.collection
        self.rebuild = False
        self.client = None
        self.tag = ""  # the index's id, on every collection it writes
        self.collection = ""  # this run's fresh collection, once begun
        self.vectors = None
        self.progress: Progress = lambda stage, done, total: None

    def locked(self):
        """One writer at a time per index directory (CLI and web uploads may race)."""
        return write_lock(self.index_dir)

    def current(self, rebuild: bool) -> Catalog | None:
        """The catalog this run updates: None for a rebuild or where no index was ever completed."""
        raise NotImplementedError

    def connect(self, old: Catalog | None) -> None:
        """Open the vector store, once the embedding model is known to fit ``old``."""

    def previous_vectors(self, old: Catalog | None, embedder):
        """The raw collection of the previous catalog, or None if it is gone (its files are then embedded again)."""
        if old is None:
            return None
        try:
            return vector_store(self.client, old.collection, embedder, create=False)._collection
        except Exception:
            return None

    def begin(self, embedder, progress: Progress | None) -> None:
        """Create this run's own collection; progress reports also keep a server writer's heartbeat going."""
        self.collection = f"{self.prefix}-{uuid.uuid4().hex[:8]}"
        self.vectors = vector_store(self.client, self.collection, embedder, metadata=self._metadata())
        self.progress = beating(progress, self._heartbeat())

    def keep(self, source, ids: list[str]) -> None:
        """Copy the vectors of unchanged files from the previous collection, unchanged."""
        copy_vectors(source, self.vectors._collection, ids, self.progress)

    def add(self, records: list, vectors) -> None:
        """Write the units of new and changed files into this run's collection; ``vectors(record)`` gives their
        dense vectors (``index.encoding``)."""
        add_units(self.vectors._collection, records, vectors, self.progress)

    def commit(self, catalog: Catalog) -> None:
        """Write the catalog, publish it where readers look, and switch to it: the run's last step."""
        written = self.vectors._collection.count()
        if written != len(catalog.units):
            raise BotError(f"Writing the vectors failed ({written} stored for {len(catalog.units)} sentences); run bot index again.")
        name = catalog.write(self.index_dir)
        self._publish(name)
        switch(self.index_dir, name)

    def collect(self, catalog: Catalog) -> None:
        """Remove what dead and superseded runs left (the write lock held)."""
        raise NotImplementedError

    def _metadata(self) -> dict:
        raise NotImplementedError

    def _heartbeat(self) -> Callable[[], None]:
        return lambda: None

    def _publish(self, name: str) -> None:
        """Make catalog ``name`` known beyond this directory (a server), before the local switch."""
