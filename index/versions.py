"""Which catalog of an index directory is current, and how long the others stay.

A run writes its catalog to a fresh directory and makes it current by replacing one small ``CURRENT`` file,
so readers see the old catalog or the new one, never half of either. The one it replaces is marked
``SUPERSEDED`` and kept ``GRACE_SECONDS`` for readers that opened it a moment before; directories a dead
run left (never current) are removed by the next writer, which holds ``write_lock``.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import time
import uuid
from pathlib import Path
from typing import Iterator

from index.errors import BotError

CURRENT = "CURRENT"
INDEX_ID = "INDEX_ID"  # tags our collections, so a shared Chroma server's other collections are never collected
SUPERSEDED = "SUPERSEDED"  # written into a catalog directory just before another one replaces it
ACTIVATED = "ACTIVATED"  # written into a catalog directory just before it becomes current
GRACE_SECONDS = 900.0  # how long a superseded catalog (and its collection) stays for readers that opened it
CATALOG_NAME = re.compile(r"catalog-\d{8}-\d{6}-[0-9a-f]{6}")


def rebuild_hint(index_dir: Path) -> str:
    return f"Rebuild it: bot index --rebuild --index-dir {index_dir}"


def damaged(index_dir: Path, what: str) -> BotError:
    return BotError(f"The index at {index_dir} is damaged ({what}). {rebuild_hint(index_dir)}")


def read_current(index_dir: Path) -> str | None:
    """What ``CURRENT`` names right now, unchecked (None when it cannot be read)."""
    try:
        return (index_dir / CURRENT).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None


def _committed(index_dir: Path) -> list[Path]:
    return [d for d in index_dir.glob("catalog-*") if CATALOG_NAME.fullmatch(d.name) and d.is_dir()]


def current_name(index_dir: Path) -> str | None:
    """The name of the current catalog; None only where no index was ever completed.

    A garbage or dangling ``CURRENT``, or a missing one beside catalogs, is damage to report: treating
    it as "no index" would make ``bot ask`` silently re-index the default documents.
    """
    pointer = index_dir / CURRENT
    if not pointer.exists():
        if index_dir.is_dir() and any((d / ACTIVATED).exists() for d in _committed(index_dir)):
            raise damaged(index_dir, f"{CURRENT} is missing")
        return None  # at most a first run that died before its switch
    for _ in range(3):
        name = read_current(index_dir)
        if name is None or not CATALOG_NAME.fullmatch(name):
            raise damaged(index_dir, f"{CURRENT} does not name a catalog")
        if (index_dir / name).is_dir():
            return name
        if read_current(index_dir) == name:
            break
    raise damaged(index_dir, f"its catalog {name} is missing")


def current_dir(index_dir: Path) -> Path | None:
    """The current catalog directory, or None where there has never been an index (BotError when damaged)."""
    name = current_name(index_dir)
    return None if name is None else index_dir / name


def has_index(index_dir: Path) -> bool:
    """False only where no index was ever completed: the one case where building one silently is right."""
    return current_name(index_dir) is not None


def switch(index_dir: Path, name: str) -> None:
    """Make catalog ``name`` current, atomically; the one it replaces is marked first, starting its grace."""
    activated = index_dir / name / ACTIVATED  # tells a lost CURRENT from a first run that never finished
    activated.write_text(f"{time.time()}\n", encoding="utf-8")
    fsync_file(activated)
    old = read_current(index_dir)
    if old and old != name and CATALOG_NAME.fullmatch(old) and (index_dir / old).is_dir():
        marker = index_dir / old / SUPERSEDED
        marker.write_text(f"{time.time()}\n", encoding="utf-8")
        fsync_file(marker)
    pointer = index_dir / (CURRENT + ".tmp")
    pointer.write_text(name + "\n", encoding="utf-8")
    fsync_file(pointer)
    os.replace(pointer, index_dir / CURRENT)
    fsync_dir(index_dir)


def index_id(index_dir: Path) -> str:
    """This index directory's tag on its collections (created on first use; call with the write lock held)."""
    path = index_dir / INDEX_ID
    try:
        value = path.read_text(encoding="utf-8").strip()
        if re.fullmatch(r"[0-9a-f]{32}", value):
            return value
    except (OSError, ValueError):  # missing, unreadable or not text (random bytes): a fresh tag, like any bad value
        pass
    value = uuid.uuid4().hex
    tmp = index_dir / (INDEX_ID + ".tmp")
    tmp.write_text(value + "\n", encoding="utf-8")
    fsync_file(tmp)
    os.replace(tmp, path)
    return value




def collect_catalogs(index_dir: Path, current: str, *, now: float | None = None, unfinished: bool = True) -> set[str]:
    """Remove catalog directories past their grace; returns the collections the kept ones name.

    ``unfinished``: also remove directories that were never current (only a writer holding the
    write lock may: for anyone else they may be a run between its write and its switch).
    """
    now = time.time() if now is None else now
    keep: set[str] = set()
    for d in sorted(index_dir.glob("catalog-*")):
        if d.name == current:
            if unfinished:
                (d / SUPERSEDED).unlink(missing_ok=True)  # a run killed between marking and switching
            continue
        try:
            since = float((d / SUPERSEDED).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            since = None
        if since is None and not unfinished:
            continue
        if not CATALOG_NAME.fullmatch(d.name) or since is None or now - since > GRACE_SECONDS:
            shutil.rmtree(d, ignore_errors=True)
            continue
        try:
            keep.add(json.loads((d / "manifest.json").read_text(encoding="utf-8"))["collection"])
        except (OSError, ValueError, KeyError, TypeError):
            pass
    return keep


@contextlib.contextmanager
def write_lock(index_dir: Path) -> Iterator[None]:
    """One writer at a time per index directory (CLI and web uploads may race)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".lock", "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BotError(f"Another 'bot index' is writing {index_dir}; wait for it to finish.") from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def fsync_file(path: Path) -> None:
    """Flush a written file to disk: a switch must never name a catalog whose bytes are still in memory."""
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
