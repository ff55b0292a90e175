"""A full disk told apart from damage, and the folders failed or superseded runs leave in the embedded store.

A full disk damages nothing (SQLite and our catalog switch are transactional), so it must never be reported as a
damaged index with advice to rebuild; and Chroma's embedded store keeps a deleted collection's vector folder on
disk forever, so whoever collects collections also collects those folders.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import sqlite3
from pathlib import Path

from index.errors import BotError
from index.versions import CURRENT

LOW_SPACE_BYTES = 1 << 20  # below this a failing store write is taken for a full disk (Chroma hides the cause)
_FULL_TEXTS = ("database or disk is full", "no space left on device")
_SEGMENT_DIR = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def free_bytes(path: Path) -> int | None:
    """Bytes an ordinary user may still write on the file system holding ``path`` (its nearest existing folder)."""
    path = Path(path).absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    try:
        st = os.statvfs(path)
    except OSError:
        return None
    return st.f_bavail * st.f_frsize


def out_of_space(exc: BaseException, path: Path | None) -> bool:
    """Whether ``exc`` comes from a full disk: ENOSPC or SQLite's "disk is full" anywhere in its chain, or a
    failure of the store or file system while the disk holding ``path`` has (almost) nothing left. Chroma reports
    some full-disk writes only as "Error in compaction: Failed to apply logs to the metadata segment"."""
    seen: list[BaseException] = []
    e: BaseException | None = exc
    while e is not None and e not in seen and len(seen) < 8:
        seen.append(e)
        e = e.__cause__ or e.__context__
    for e in seen:
        if isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if any(text in str(e).lower() for text in _FULL_TEXTS):
            return True
    from_store = any((isinstance(e, (OSError, sqlite3.Error)) and not isinstance(e, ConnectionError)) or type(e).__module__.startswith(("chromadb", "pyo3"))
                     or type(e).__name__ == "PanicException" for e in seen)
    if not from_store or path is None:
        return False
    left = free_bytes(path)
    return left is not None and left < LOW_SPACE_BYTES


def no_space_to_open(index_dir: Path) -> BotError:
    """Opening Chroma's embedded store writes a little (its SQLite journal); on a full disk say that, not damage."""
    if not has_built(index_dir):
        return BotError(f"No space left on the device holding {index_dir}; nothing was indexed. Free some space and try again.")
    return BotError(f"No space left on the device holding {index_dir}; the index is intact, but its vector store "
                    "cannot be opened without a little space. Free some space and try again.")


def has_built(index_dir: Path | None) -> bool:
    """Whether a run ever completed here (its pointer file exists): only then is there an index to call intact.
    Unlike ``versions.has_index`` it never reads the pointer, so a full disk's error path cannot raise."""
    return index_dir is not None and (Path(index_dir) / CURRENT).exists()


def collect_store_leftovers(index_dir: Path) -> list[str]:
    """Remove vector folders of collections Chroma no longer knows (it deletes a collection's rows but not its
    folder: a failed run's folder, and every superseded one, would stay for good) and stores a finished
    ``--rebuild`` set aside. Call with the write lock held, after the collections were collected."""
    store = index_dir / "chroma"
    removed = [p for p in index_dir.glob("chroma.damaged-*") if p.is_dir()]
    live = _segment_ids(store / "chroma.sqlite3")
    if live is not None:
        removed += [p for p in store.iterdir() if p.is_dir() and _SEGMENT_DIR.fullmatch(p.name) and p.name not in live]
    for p in removed:
        shutil.rmtree(p, ignore_errors=True)
    return [p.name for p in removed]


def _segment_ids(database: Path) -> set[str] | None:
    """The segment ids Chroma's catalog lists (its vector folders are named by them); None if it cannot be read."""
    if not database.is_file():
        return None
    try:
        db = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
        try:
            return {row[0] for row in db.execute("SELECT id FROM segments")}
        finally:
            db.close()
    except sqlite3.Error:
        return None
