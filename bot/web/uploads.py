"""Uploads from the page: only files Gradio received are indexed, copies kept in ``<index_dir>/uploads/``.

Removing a document is offered for uploads only: a file indexed from a folder on the server belongs to
whoever runs ``bot index`` there, and the page must not delete it.
"""
from __future__ import annotations

import logging
import os
import shutil
import stat
import tempfile
from pathlib import Path

import gradio as gr
from gradio.exceptions import InvalidPathError

from index.disk import has_built, out_of_space
from index.errors import BotError
from index.settings import Settings

log = logging.getLogger(__name__)

UPLOAD_TYPES = (".txt", ".md", ".pdf")
MAX_UPLOAD_FILES = 20  # per request; more is refused as a whole, nothing half-added
REFUSED = "A file was refused: only files uploaded to this page (or the API's /upload) can be added."


class UploadBlocks(gr.Blocks):
    """Blocks whose refusal of a file Gradio did not receive says why.

    Gradio refuses such a path (``/etc/passwd``, ``<uploads>/x/../../secret.txt``, a URL of this host) before any
    handler runs, with an exception it does not show, so an API client got ``{"error": null}`` (issue 23, defect 15).
    The refusal stays Gradio's; only its message is replaced, and it names no path (Gradio's own names the server's
    folders). Its own messages (``gr.Error``: a wrong file type) pass unchanged.
    """

    async def preprocess_data(self, block_fn, *args, **kwargs):
        try:
            return await super().preprocess_data(block_fn, *args, **kwargs)
        except gr.Error:
            raise
        except InvalidPathError:
            raise gr.Error(REFUSED, print_exception=False) from None
        except (ValueError, OSError):
            if not any(isinstance(b, gr.File) for b in getattr(block_fn, "inputs", ())):
                raise
            raise gr.Error(REFUSED, print_exception=False) from None


def upload_folder() -> Path:
    """Where Gradio keeps the files it receives (``GRADIO_TEMP_DIR``, else ``<tmp>/gradio``), symlinks resolved."""
    from gradio.utils import get_upload_folder

    return Path(get_upload_folder()).resolve()


def check_uploads(
    files: list,
    *,
    folder: Path,
    max_mb: float,
    received: set[str] | None = None,
    max_files: int = MAX_UPLOAD_FILES,
) -> tuple[list[tuple[Path, str]], list[str]]:
    """Split a request's files into those that may be indexed, as ``(resolved path, file name)``, and refusals.

    Gradio 6 already refuses, before ``add_documents`` runs, a path it did not receive as an upload; this is the
    second lock, so that neither a Gradio change nor another caller can make the server index its own files. A file
    must resolve (``..`` and symlinks followed) to a regular file inside ``folder`` and, when Gradio's set of received
    files is given, be one of them. Refusals name the file by its name only.
    """
    files = list(files or [])
    if len(files) > max_files:
        return [], [f"{len(files)} files at once is over the limit of {max_files} per upload; add them in smaller batches."]
    accepted: list[tuple[Path, str]] = []
    problems: list[str] = []
    names: set[str] = set()
    for f in files:
        if not isinstance(f, (str, os.PathLike)):
            problems.append("An item that is not an uploaded file was refused.")
            continue
        given = Path(f)
        name = given.name
        refused = f"{name or 'a file'}: refused; only files uploaded to this page (or the API's /upload) can be added."
        try:
            real = given.resolve(strict=True)
            info = real.stat()
        except (OSError, RuntimeError):  # missing, unreadable, or a symlink loop
            problems.append(refused)
            continue
        known = received is None or bool({str(given), os.path.abspath(given), str(real)} & received)
        if real == folder or not real.is_relative_to(folder) or not known or not stat.S_ISREG(info.st_mode):
            problems.append(refused)
        elif name.startswith(".") or given.suffix.lower() not in UPLOAD_TYPES:
            problems.append(f"{name}: only .txt, .md and .pdf files can be added.")
        elif info.st_size > max_mb * 2**20:
            problems.append(f"{name}: {info.st_size / 2**20:.1f} MB is over the {max_mb:g} MB limit (BOT_MAX_FILE_MB).")
        elif name in names:
            problems.append(f"{name}: another file in this upload has the same name; citations name files by name, so rename one.")
        else:
            names.add(name)
            accepted.append((real, name))
    return accepted, problems


def store_uploads(settings: Settings, accepted: list[tuple[Path, str]], progress=None):
    """Copy checked uploads into ``<index_dir>/uploads/`` and index them; returns ``(report or None, problems)``.

    A copy stays only if its file is in the index afterwards: one that was skipped or failed leaves nothing behind,
    and an earlier upload of the same name that it was meant to replace is put back, so the folder matches the index.
    """
    from index.indexing import run_index

    target_dir = settings.index_dir / "uploads"
    target_dir.mkdir(parents=True, exist_ok=True)
    spare = Path(tempfile.mkdtemp(prefix=".replaced-", dir=target_dir))  # hidden: never walked by `bot index`
    copies: list[tuple[Path, Path | None]] = []
    problems: list[str] = []
    report = None
    try:
        try:
            for src, name in accepted:
                dst = target_dir / name
                previous = None
                if dst.exists() or dst.is_symlink():
                    previous = spare / name
                    os.replace(dst, previous)
                copies.append((dst, previous))
                shutil.copyfile(src, dst)
            report = run_index(settings, [dst for dst, _ in copies], progress=progress)
            problems += report.problems
        except BotError as exc:
            problems.append(str(exc))
        except Exception as exc:
            if out_of_space(exc, settings.index_dir):
                kept = "the index is intact (nothing was switched)" if has_built(settings.index_dir) else "nothing was indexed"
                problems.append(f"No space left on the server's disk; {kept}. Free some space and add the files again.")
            else:
                log.exception("indexing uploads failed")
                problems.append(f"Indexing failed: {type(exc).__name__}: {exc}")
        kept = set(report.added + report.updated + report.unchanged) if report is not None else set()
        for dst, previous in copies:
            if dst.name not in kept:
                _put_back(dst, previous)
    except BaseException:  # interrupted while copying or indexing: the index is unchanged, so are the copies
        for dst, previous in copies:
            _put_back(dst, previous)
        raise
    finally:
        shutil.rmtree(spare, ignore_errors=True)
    return report, problems


def _put_back(dst: Path, previous: Path | None) -> None:
    try:
        if previous is not None:
            os.replace(previous, dst)
        else:
            dst.unlink(missing_ok=True)
    except OSError:
        log.exception("could not restore %s", dst)


def remove_upload(settings: Settings, source: str, progress=None):
    """Take an uploaded document out of the index (incrementally, through ``run_index``) and delete its copy.

    Returns the indexing report; raises BotError for a name that is not an upload of this index. The copy is
    moved aside first and put back if re-indexing fails, so the folder keeps matching the index.
    """
    from index.indexing import run_index

    folder = (settings.index_dir / "uploads").resolve()
    target = folder / source
    if "/" in source or source.startswith(".") or not target.is_file() or target.resolve().parent != folder:
        raise BotError(f"{source}: not a document uploaded on this page.")
    aside = Path(tempfile.mkdtemp(prefix=".removed-", dir=folder))
    os.replace(target, aside / source)
    try:
        report = run_index(settings, [folder], progress=progress)
    except BaseException:
        os.replace(aside / source, target)
        raise
    finally:
        shutil.rmtree(aside, ignore_errors=True)
    return report


def is_upload(settings: Settings, catalog, source: str) -> bool:
    """Whether ``source`` in ``catalog`` was indexed from this index's uploads folder."""
    record = catalog.files.get(source) if catalog is not None else None
    if record is None:
        return False
    try:
        return Path(record.path).resolve().parent == (settings.index_dir / "uploads").resolve()
    except OSError:
        return False
