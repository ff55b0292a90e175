"""``bot index``: bring the index in line with the files, re-embedding only what changed.

A file is re-embedded when its content hash changes; files whose path is gone (or that vanished from
a folder being indexed) are dropped; everything else is kept as it was. New vectors are written
before the catalog switches to them, so a failure at any point leaves the previous index usable.
"""
from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from bot.errors import BotError
from bot.settings import Settings
from index.storing import Catalog, FileRecord, open_client, vector_store, write_lock, check_collection_name

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
    from index.tokenizing import tokenize, with_hangul_readings

    started = time.perf_counter()
    check_collection_name(settings.collection)
    roots = [Path(p).expanduser().resolve() for p in (paths or settings.docs)]
    report = IndexReport(rebuilt=rebuild)
    found, report.problems = discover(roots)
    found = [f.resolve() for f in found]
    index_dir = settings.index_dir

    with write_lock(index_dir):
        old: Catalog | None = None
        replaced: str | None = None  # the collection a rebuild supersedes
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
            if (old.chroma_url or None) != (settings.chroma_url or None):
                raise BotError(
                    f"The index at {index_dir} keeps its vectors in {old.chroma_url or 'the embedded store'}, "
                    f"not {settings.chroma_url or 'the embedded store'}. Use the same --chroma-url, or start fresh with --rebuild."
                )
        collection = old.collection if old else f"{settings.collection}-{uuid.uuid4().hex[:8]}"
        client = open_client(index_dir, settings.chroma_url)
        store = vector_store(client, collection, embedder)

        records: dict[str, FileRecord] = dict(old.files) if old else {}
        found_set = {str(f) for f in found}
        for source, rec in list(records.items()):
            p = Path(rec.path)
            if not p.exists() or (_under(p, roots) and str(p) not in found_set):
                report.removed.append(source)
                del records[source]

        fresh: list[FileRecord] = []
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
            prev = records.get(doc.source)
            if prev is not None and prev.path != str(path) and Path(prev.path).exists():
                report.problems.append(
                    f"{path}: skipped, a different file named {doc.source} ({prev.path}) is already indexed; "
                    "citations name files by name, so rename one of them."
                )
                continue
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
                tokens=[with_hangul_readings(tokenize(u.text, u.lang)) for u in units],
            )
            (report.updated if prev is not None else report.added).append(doc.source)
            fresh.append(rec)
        if progress:
            progress("read", len(found), len(found))

        _embed(store, fresh, progress)
        sparse_rows = _sparse(embedder, fresh, progress) if use_sparse else {}

        stale_ids = [cid for s in report.updated + report.removed for cid in (old.files[s].chroma_ids if old and s in old.files else [])]
        for rec in fresh:
            records[rec.source] = rec
        if not records:
            raise BotError(
                "Nothing could be indexed." + ("\n  " + "\n  ".join(report.problems) if report.problems else " No .txt, .md or .pdf files were found.")
            )
        if not fresh and not report.removed and old is not None and not rebuild:
            catalog = old
        else:
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
            catalog.save(index_dir)
            _collect_garbage(store, catalog, stale_ids)
            if replaced and replaced != collection:
                _drop_collection(client, replaced)

    report.files = len(catalog.files)
    report.units = len(catalog.units)
    report.passages = len(catalog.passages)
    report.embedded_units = sum(len(r.units) for r in fresh)
    report.seconds = time.perf_counter() - started
    return report


def _embed(store, fresh: list[FileRecord], progress: Progress | None, batch: int = 64) -> None:
    """Add new units to Chroma in batches (ids are content-addressed, so a retry is an upsert)."""
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


def _sparse(embedder, fresh: list[FileRecord], progress: Progress | None, batch: int = 64) -> dict:
    import scipy.sparse as sp

    out = {}
    total = sum(len(r.units) for r in fresh)
    done = 0
    if progress and total:
        progress("sparse", 0, total)
    for rec in fresh:
        texts = [u.text for u in rec.units]
        parts = []
        for i in range(0, len(texts), batch):
            parts.append(embedder.sparse(texts[i : i + batch]))
            done += len(texts[i : i + batch])
            if progress:
                progress("sparse", done, total)
        out[rec.source] = sp.vstack(parts).tocsr().astype("float32")
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
    try:
        old = Catalog.load(index_dir)
    except BotError:  # damaged: nothing to carry over, and nothing we can name to drop
        return None
    return old.collection if old else None


def _drop_collection(client, name: str) -> None:
    try:
        client.delete_collection(name)
    except Exception:  # already gone, or the server refuses: the new index works either way
        pass
