"""``bot index``: bring the index in line with the files, re-embedding only what changed.

A file is re-embedded when its content hash changes; files whose path is gone (or that vanished from
a folder being indexed) are dropped; everything else is kept as it was. A run that changes anything
asks the store (``index.store``) for a new version: kept vectors copied, new ones embedded, the catalog
written and switched to at once, so a run killed at any point leaves readers exactly the previous index.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from index.catalog import Catalog, FileRecord
from index.chroma import Progress, check_collection_name
from index.encoding import Encodings
from index.errors import BotError
from index.settings import SEEDS_DIR, Settings
from index.store import Store
from index.storing import open_store


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


def run_index(
    settings: Settings,
    paths: list[Path] | None = None,
    *,
    rebuild: bool = False,
    progress: Progress | None = None,
) -> IndexReport:
    """Index ``paths`` (default: ``settings.docs``) into the store ``settings`` name; raise BotError if nothing could be."""
    from index.embedding import get_embedder

    started = time.perf_counter()
    check_collection_name(settings.collection)
    report = IndexReport(rebuilt=rebuild)
    roots, found = _find_documents(settings, paths, report)
    store = open_store(settings)
    with store.locked():
        old = store.current(rebuild)
        embedder = get_embedder(settings.embedding, threads=settings.threads)
        report.embedding = embedder.spec
        if old is not None and old.embedding != embedder.spec:
            raise BotError(
                f"The index at {settings.index_dir} was built with '{old.embedding}' ({old.dim} dims), not '{embedder.spec}'. "
                f"Rebuild it for the new model: bot index --rebuild --embedding {settings.embedding}"
            )
        store.connect(old)
        records = _kept_records(old, roots, found, settings, report)
        with Encodings(embedder, sparse=settings.sparse and embedder.has_sparse) as encodings:
            fresh = _read_documents(found, records, settings, report, progress, encodings.submit)
            source = store.previous_vectors(old, embedder)
            repaired = _missing_vectors(records, fresh, source, report)
            for rec in repaired:
                encodings.submit(rec)
            records.update({rec.source: rec for rec in fresh})
            if not records:
                raise BotError(
                    "Nothing could be indexed." + ("\n  " + "\n  ".join(report.problems) if report.problems else " No .txt, .md or .pdf files were found.")
                )
            to_embed = fresh + repaired
            if not to_embed and not report.removed and old is not None and not rebuild:
                catalog = old
            else:
                catalog = _new_version(store, settings, embedder, old, records, to_embed, source, encodings, progress)
        store.collect(catalog)

    report.files = len(catalog.files)
    report.units = len(catalog.units)
    report.passages = len(catalog.passages)
    report.embedded_units = sum(len(r.units) for r in to_embed)
    report.seconds = time.perf_counter() - started
    return report


def _find_documents(settings: Settings, paths: list[Path] | None, report: IndexReport) -> tuple[list[Path], list[Path]]:
    """The roots named (default: ``settings.docs``) and the files under them, each once."""
    from index.loading import discover

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
    return roots, list(dict.fromkeys(f.resolve() for f in found))  # a file and a link to it are one file


def _under(path: Path, roots: list[Path]) -> bool:
    return any(path == r or r in path.parents for r in roots)


def _kept_records(old: Catalog | None, roots: list[Path], found: list[Path], settings: Settings,
                  report: IndexReport) -> dict[str, FileRecord]:
    """The previous index's files, less those that are gone."""
    records: dict[str, FileRecord] = dict(old.files) if old else {}
    found_set = {str(f) for f in found}
    for source, rec in list(records.items()):
        p = Path(rec.path)
        # On a server another machine may have indexed it: only what is missing under this run's roots goes.
        if (not settings.chroma_url and not p.exists()) or (_under(p, roots) and str(p) not in found_set):
            report.removed.append(source)
            del records[source]
    return records


def _read_documents(found: list[Path], records: dict[str, FileRecord], settings: Settings, report: IndexReport,
                    progress: Progress | None, encode: Callable[[FileRecord], None]) -> list[FileRecord]:
    """Records of the new and changed files, each handed to ``encode`` as soon as it is read; unchanged ones are only
    reported, unreadable ones are problems."""
    from index.loading import load_document

    fresh: list[FileRecord] = []
    claimed: dict[str, str] = {}  # source name -> path, for the files of this run
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
        rec = _record(doc, path, settings)
        if rec is None:
            report.problems.append(f"{path}: no text left after removing boilerplate; nothing indexed from it.")
            continue
        (report.updated if prev is not None else report.added).append(doc.source)
        fresh.append(rec)
        encode(rec)
    if progress:
        progress("read", len(found), len(found))
    return fresh


def _record(doc, path: Path, settings: Settings) -> FileRecord | None:
    """One loaded file cut into sentence units and passages, with their index tokens; None if no text is left."""
    from index.chunking import make_units
    from index.segmenting import segment
    from index.tokenizing import index_tokens

    segments = segment(doc)
    if not segments:
        return None
    units, passages = make_units(doc, segments, passage_chars=settings.passage_chars)
    return FileRecord(
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


def _missing_vectors(records: dict[str, FileRecord], fresh: list[FileRecord], source, report: IndexReport) -> list[FileRecord]:
    """Kept files whose vectors are missing from the old collection (a damaged store): they are embedded again."""
    have = set(source.get(include=[])["ids"]) if source is not None else set()
    fresh_sources = {r.source for r in fresh}
    repaired = [r for s, r in sorted(records.items()) if s not in fresh_sources and not set(r.chroma_ids) <= have]
    for rec in repaired:
        report.problems.append(f"{rec.source}: its vectors were missing from the vector store; embedded again.")
    return repaired


def _new_version(store: Store, settings: Settings, embedder, old: Catalog | None, records: dict[str, FileRecord],
                 to_embed: list[FileRecord], source, encodings: Encodings, progress: Progress | None) -> Catalog:
    """A new collection (kept vectors copied, ``to_embed``'s vectors written) and the catalog naming it, switched to."""
    use_sparse = settings.sparse and embedder.has_sparse
    store.begin(embedder, progress)
    embedded = {r.source for r in to_embed}
    store.keep(source, [cid for s, r in sorted(records.items()) if s not in embedded for cid in r.chroma_ids])
    store.add(to_embed, encodings.dense)
    sparse_rows = encodings.sparse_rows(to_embed, store.progress) if use_sparse else {}
    catalog = Catalog(
        embedding=embedder.spec,
        dim=embedder.dim,
        collection=store.collection,
        chroma_url=settings.chroma_url,
        files=records,
        built_at=time.time(),
    )
    if use_sparse:
        catalog.sparse = _merge_sparse(old, records, sparse_rows)
    catalog.derive()
    store.commit(catalog)
    return catalog


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
