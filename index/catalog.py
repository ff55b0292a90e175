"""The catalog: everything an index keeps besides its vectors, and its files on disk.

Units, passages, tokens, the keyword index, sparse vectors, a copy of the dense vectors (embedded indexes: a
one-off question searches them without opening Chroma) and a manifest, loaded whole (it is small). Each
catalog is written once to its own directory; the manifest, written last, checksums every other file, so
a truncated or changed file is reported as damage ("rebuild") instead of being read as a smaller index.
Which catalog is current is ``index.versions``'s business.
"""
from __future__ import annotations

import functools
import hashlib
import io
import json
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from index.errors import BotError
from index.settings import redact_url, without_userinfo
from index.types import Passage, Unit
from index.versions import (
    current_name,
    damaged,
    fsync_dir,
    fsync_file,
    read_current,
    rebuild_hint,
    sha256,
    switch,
)

FORMAT_VERSION = 2  # 2: ids name their source, files are checksummed, one collection per catalog
VECTORS_FILE = "vectors.npy"  # optional: a catalog without it (older, or a server's) is searched through Chroma


def chroma_id(sha256: str, source: str, n: int) -> str:
    """Content-addressed, and per source: two files with the same bytes are two sets of vectors."""
    return f"{sha256[:16]}-{hashlib.sha256(source.encode('utf-8')).hexdigest()[:8]}-{n}"




def bm25_idf(df: int, n: int) -> float:
    """A word's idf as bm25s scores it (its Lucene variant, the one ``bm25s.BM25()`` uses), so the coverage share,
    the document score and the BM25 score weigh a word alike: log(1 + (n - df + 0.5) / (df + 0.5))."""
    return _lucene_idf()(df, n)


@functools.lru_cache(maxsize=1)
def _lucene_idf():
    from bm25s.scoring import _select_idf_scorer  # the library's own formula, not a copy of it (imported when first needed)

    return _select_idf_scorer("lucene")

@dataclass
class FileRecord:
    """Everything the index keeps about one source file."""

    source: str
    path: str
    sha256: str
    encoding: str
    indexed_at: float
    text: str  # the decoded file text as indexed: citations quote from it
    units: list[Unit]
    passages: list[Passage]
    tokens: list[list[str]]  # one token list per unit, for the keyword index

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "path": self.path,
            "sha256": self.sha256,
            "encoding": self.encoding,
            "indexed_at": self.indexed_at,
            "text": self.text,
            "units": [asdict(u) for u in self.units],
            "passages": [p.to_dict() for p in self.passages],
            "tokens": self.tokens,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "FileRecord":
        return cls(
            source=d["source"],
            path=d["path"],
            sha256=d["sha256"],
            encoding=d["encoding"],
            indexed_at=d["indexed_at"],
            text=d["text"],
            units=[Unit(**u) for u in d["units"]],
            passages=[Passage(**{**p, "unit_ids": tuple(p["unit_ids"])}) for p in d["passages"]],
            tokens=d["tokens"],
        )

    @property
    def chroma_ids(self) -> list[str]:
        return [chroma_id(self.sha256, self.source, i) for i in range(len(self.units))]


@dataclass
class Catalog:
    """The local half of an index; loaded whole (it is small: text and token lists)."""

    embedding: str
    dim: int
    collection: str
    chroma_url: str | None
    files: dict[str, FileRecord] = field(default_factory=dict)
    sparse: Any = None  # scipy CSR, one row per unit in ``units`` order, or None
    vectors: Any = None  # float32 units x dim in ``units`` order (Chroma's copy), or None: read through Chroma
    built_at: float = 0.0
    name: str = ""  # the catalog directory it was loaded from or saved to

    # derived, filled by ``_derive``
    units: list[Unit] = field(default_factory=list, repr=False)
    passages: dict[str, Passage] = field(default_factory=dict, repr=False)
    unit_index: dict[str, int] = field(default_factory=dict, repr=False)
    chroma_to_unit: dict[str, int] = field(default_factory=dict, repr=False)
    unit_langs: Any = field(default=None, repr=False)  # numpy array of unit languages
    unit_passage: Any = field(default=None, repr=False)  # numpy array: unit row -> its passage's number
    passage_ids: list[str] = field(default_factory=list, repr=False)  # passage number -> passage id
    lang_counts: dict[str, int] = field(default_factory=dict, repr=False)
    bm25: Any = field(default=None, repr=False)
    postings: dict[str, Any] = field(default_factory=dict, repr=False)  # token -> unit rows containing it
    idf: dict[str, float] = field(default_factory=dict, repr=False)

    def derive(self) -> "Catalog":
        before = self.chroma_to_unit
        self.units, self.passages, self.unit_index, self.chroma_to_unit = [], {}, {}, {}
        for rec in sorted(self.files.values(), key=lambda r: r.source):
            for i, (unit, cid) in enumerate(zip(rec.units, rec.chroma_ids)):
                self.unit_index[unit.id] = len(self.units)
                self.chroma_to_unit[cid] = len(self.units)
                self.units.append(unit)
            for p in rec.passages:
                self.passages[p.id] = p
        self.unit_langs = np.array([u.lang for u in self.units])
        number: dict[str, int] = {}
        self.unit_passage = np.array([number.setdefault(u.passage_id, len(number)) for u in self.units], dtype=np.int64)
        self.passage_ids = list(number)
        self.lang_counts = dict(Counter(u.lang for u in self.units))
        if self.vectors is not None and before and list(before) != list(self.chroma_to_unit):
            self.vectors = _follow_units(self.vectors, before, self.chroma_to_unit)
        return self

    def quote(self, source: str, start: int, end: int) -> str:
        """The exact span of the indexed file: what a citation quotes."""
        return self.files[source].text[start:end]

    def all_tokens(self) -> list[list[str]]:
        return [t for rec in sorted(self.files.values(), key=lambda r: r.source) for t in rec.tokens]

    def build_keyword_index(self, saved: Path | None = None) -> None:
        """Token statistics for query coverage, and the BM25 index (loaded from ``saved`` if it was persisted)."""
        import bm25s

        tokens = self.all_tokens()
        rows: dict[str, list[int]] = {}
        for row, toks in enumerate(tokens):
            for t in set(toks):
                rows.setdefault(t, []).append(row)
        self.postings = {t: np.array(r, dtype=np.int64) for t, r in rows.items()}
        df = Counter({t: len(r) for t, r in rows.items()})
        n = max(len(tokens), 1)
        self.idf = {t: bm25_idf(c, n) for t, c in df.items()}
        if saved is not None and saved.is_dir():
            self.bm25 = bm25s.BM25.load(str(saved), show_progress=False)
        elif tokens:
            self.bm25 = bm25s.BM25()
            self.bm25.index([toks or [""] for toks in tokens], show_progress=False)

    def manifest(self) -> dict[str, Any]:
        return {
            "format": FORMAT_VERSION,
            "embedding": self.embedding,
            "dim": self.dim,
            "collection": self.collection,
            "chroma_url": without_userinfo(self.chroma_url),  # credentials come from the caller, never from a file
            "built_at": self.built_at,
            "units": len(self.units),
            "files": {
                s: {"path": r.path, "sha256": r.sha256, "units": len(r.units), "passages": len(r.passages), "indexed_at": r.indexed_at}
                for s, r in sorted(self.files.items())
            },
        }

    # -------------------------------------------------------- persistence

    def save(self, index_dir: Path) -> Path:
        """Write to a fresh directory, then switch ``CURRENT`` to it atomically."""
        name = self.write(index_dir)
        switch(index_dir, name)
        return index_dir / name

    def write(self, index_dir: Path) -> str:
        """Write the catalog to a new directory (not yet current) and return its name.

        The manifest, written last, holds a checksum of every other file, so a truncated or emptied
        file is detected at load instead of being read as a smaller index.
        """
        index_dir.mkdir(parents=True, exist_ok=True)
        if self.units == [] and self.files:
            self.derive()
        name = f"catalog-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"
        tmp = index_dir / (name + ".tmp")
        tmp.mkdir()
        with open(tmp / "files.jsonl", "w", encoding="utf-8") as fh:
            for rec in sorted(self.files.values(), key=lambda r: r.source):
                fh.write(json.dumps(rec.to_json(), ensure_ascii=False) + "\n")
        if self.sparse is not None:
            import scipy.sparse as sp

            sp.save_npz(tmp / "sparse.npz", self.sparse)
        if self.vectors is not None:
            np.save(tmp / VECTORS_FILE, np.ascontiguousarray(self.vectors, dtype=np.float32), allow_pickle=False)
        if self.bm25 is None:
            self.build_keyword_index()
        if self.bm25 is not None:
            self.bm25.save(str(tmp / "bm25"), show_progress=False)
        manifest = self.manifest()
        manifest["checksums"] = {
            f.relative_to(tmp).as_posix(): sha256(f.read_bytes()) for f in sorted(tmp.rglob("*")) if f.is_file()
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        for f in tmp.rglob("*"):
            if f.is_file():
                fsync_file(f)
        tmp.rename(index_dir / name)
        fsync_dir(index_dir)
        self.name = name
        return name

    @classmethod
    def load(cls, index_dir: Path) -> "Catalog | None":
        """The current catalog; None only where no index was ever completed; BotError when damaged.

        ``CURRENT`` is resolved once per attempt; if a file vanishes mid-load because a writer switched
        and collected the catalog, the load starts again from the new ``CURRENT``.
        """
        vanished: Exception | None = None
        for _ in range(5):
            name = current_name(index_dir)
            if name is None:
                return None
            try:
                return cls.load_version(index_dir, name)
            except FileNotFoundError as exc:
                vanished = exc
                if read_current(index_dir) == name:
                    break
        raise damaged(index_dir, f"a catalog file is missing: {Path(vanished.filename or '?').name}")

    @classmethod
    def load_version(cls, index_dir: Path, name: str) -> "Catalog":
        """One catalog version by its folder name: a replica loads the version the server points to."""
        directory = index_dir / name
        try:
            manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise
        except (OSError, ValueError) as exc:
            raise damaged(index_dir, f"manifest.json: {exc}") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_VERSION:
            found = manifest.get("format") if isinstance(manifest, dict) else None
            raise BotError(
                f"The index at {index_dir} has format {found} but this version reads format {FORMAT_VERSION}. "
                + rebuild_hint(index_dir)
            )
        checksums = manifest.get("checksums")
        if not isinstance(checksums, dict) or "files.jsonl" not in checksums:
            raise damaged(index_dir, "its manifest lists no checksums")
        data: dict[str, bytes] = {}
        for rel, digest in checksums.items():
            if not isinstance(rel, str) or Path(rel).is_absolute() or ".." in Path(rel).parts:
                raise damaged(index_dir, f"its manifest names a file outside the catalog: {rel!r}")
            data[rel] = (directory / rel).read_bytes()  # FileNotFoundError: maybe a switch; load() retries
            if sha256(data[rel]) != digest:
                raise damaged(index_dir, f"{rel} does not match its checksum (truncated or changed)")
        try:
            files = {}
            for line in data["files.jsonl"].decode("utf-8").splitlines():
                rec = FileRecord.from_json(json.loads(line))
                files[rec.source] = rec
            sparse = None
            if "sparse.npz" in data:
                import scipy.sparse as sp

                sparse = sp.load_npz(io.BytesIO(data["sparse.npz"])).tocsr()
            vectors = np.load(io.BytesIO(data[VECTORS_FILE]), allow_pickle=False) if VECTORS_FILE in data else None
            cat = cls(
                embedding=manifest["embedding"],
                dim=manifest["dim"],
                collection=manifest["collection"],
                chroma_url=manifest.get("chroma_url"),
                files=files,
                sparse=sparse,
                vectors=vectors,
                built_at=manifest.get("built_at", 0.0),
                name=name,
            )
            cat.derive()
            has_bm25 = any(rel.startswith("bm25/") for rel in checksums)
            cat.build_keyword_index(directory / "bm25" if has_bm25 else None)
        except FileNotFoundError:
            raise
        except Exception as exc:  # bytes that pass their checksum but do not parse: written by something else
            raise damaged(index_dir, f"{type(exc).__name__}: {exc}") from None
        if manifest.get("units") != len(cat.units) or (sparse is not None and sparse.shape[0] != len(cat.units)):
            raise damaged(index_dir, f"the manifest counts {manifest.get('units')} sentences, the catalog holds {len(cat.units)}")
        if vectors is not None and (vectors.dtype != np.float32 or vectors.shape != (len(cat.units), cat.dim)):
            raise damaged(index_dir, f"{VECTORS_FILE} holds {vectors.dtype} {vectors.shape}, not {len(cat.units)} x {cat.dim} float32")
        return cat


def _follow_units(vectors: np.ndarray, before: dict[str, int], after: dict[str, int]) -> np.ndarray | None:
    """The vector rows in the new unit order (files dropped from a catalog), or None where a unit has no row:
    the catalog is then read through Chroma rather than with vectors of other sentences."""
    if not all(cid in before for cid in after):
        return None
    return vectors[np.array([before[cid] for cid in after], dtype=np.int64)].reshape(len(after), vectors.shape[1])


def local_embedded_index(index_dir: Path) -> bool:
    """True where ``index_dir`` holds an embedded index: a server must not quietly replace it in the cache."""
    try:
        name = current_name(index_dir)
    except BotError:
        return False
    if name is None:
        return False
    try:
        return not json.loads((index_dir / name / "manifest.json").read_text(encoding="utf-8")).get("chroma_url")
    except (OSError, ValueError, AttributeError):
        return False


def embedded_not_server(index_dir: Path, chroma_url: str) -> BotError:
    return BotError(
        f"The index at {index_dir} keeps its vectors in the embedded store, not in a Chroma server. "
        f"Drop --chroma-url (and BOT_CHROMA_URL) to query it, or index into the server: "
        f"bot index --rebuild --chroma-url {redact_url(chroma_url)} --index-dir {index_dir}"
    )
