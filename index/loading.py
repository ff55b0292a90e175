"""Find source files and load each as a :class:`~index.types.Document` with exactly-known text.

Citations quote ``document.text[start:end]``, so the text must be the file's bytes decoded as they are:
no newline translation, only a byte-order mark removed. Korean and Japanese files still come in legacy
encodings (CP949/EUC-KR, Shift_JIS/CP932), so those are tried after UTF-8 and the candidate whose text
looks like its own script wins. (charset-normalizer was measured and left out: it calls short Korean and
Japanese strings Big5.) A PDF's text is pypdf's extraction, pages joined by a blank line; its offsets
index that extracted text, not the PDF bytes.

Everything a user can get wrong (missing, empty, binary, too large, undecodable file) raises
:class:`~index.errors.BotError` with a message that says what to do.
"""
from __future__ import annotations

import codecs
import errno
import hashlib
import os
import re
from pathlib import Path

from index import languages
from index.errors import BotError
from index.types import Document

SUFFIXES = (".txt", ".md", ".pdf")
DEFAULT_MAX_BYTES = 20 * 2**20

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Tried in order after strict UTF-8; each must decode strictly and look like its language.
_LEGACY = ("cp949", "cp932", "euc_jp", "cp1252")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_HANGUL = re.compile(f"[{languages.HANGUL_SYLLABLES}]")
_KANA = re.compile(f"[{languages.KANA_FULLWIDTH}]")
_HALFWIDTH_KANA = re.compile(f"[{languages.HALFWIDTH_KATAKANA_BLOCK}]")
_HAN = re.compile(f"[{languages.HAN_UNIFIED}]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def discover(paths: list[Path], suffixes: tuple[str, ...] = SUFFIXES) -> tuple[list[Path], list[str]]:
    """Expand files and folders into the files to index, and the problems worth telling the user.

    Folders are walked recursively in sorted order, skipping hidden files and folders and files of other
    types silently; a missing path, a symbolic link that loops, or a file of an unsupported type named
    explicitly, is a problem.
    """
    wanted = tuple(s.lower() for s in suffixes)
    files: list[Path] = []
    problems: list[str] = []
    seen: set[str] = set()

    def add(p: Path) -> None:
        key = os.path.abspath(p)
        if key in seen:
            return
        seen.add(key)
        if _loops(p):
            problems.append(f"{p}: a symbolic link that points back to itself (a link loop); skipped. Fix or remove the link.")
            return
        files.append(p)

    folders = [_resolved(Path(p)) for p in paths if Path(p).is_dir()]
    for path in paths:
        path = Path(path)
        if path.is_dir():
            for root, dirs, names in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(names):
                    if not name.startswith(".") and name.lower().endswith(wanted):
                        found = Path(root) / name
                        outside = _link_outside(found, folders, wanted)
                        if outside:
                            problems.append(f"{found}: {outside}; skipped (only files under the folders named are indexed).")
                        else:
                            add(found)
        elif path.is_file():
            if path.suffix.lower() in wanted:
                add(path)
            else:
                problems.append(
                    f"{path}: unsupported file type {path.suffix or '(none)'!r}; supported: {', '.join(wanted)}."
                )
        elif path.is_symlink() and _loops(path):
            add(path)  # reported there, once even if a folder walk met it too
        else:
            problems.append(f"{path}: no such file or folder.")
    return files, problems


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return Path(os.path.abspath(path))


def _link_outside(path: Path, folders: list[Path], wanted: tuple[str, ...]) -> str:
    """Why a symbolic link met in a folder walk must not be followed ('' when it may): a walk indexes what lies
    under the folders named, so a link to /etc/passwd in a shared documents folder is not a way to read it."""
    if not path.is_symlink() or _loops(path):
        return ""  # a plain file, or a loop that add() reports
    target = _resolved(path)
    if not any(target == f or f in target.parents for f in folders):
        return f"a symbolic link to {target}, outside the folders named"
    if target.exists() and (not target.is_file() or target.suffix.lower() not in wanted):  # dangling: load_document says so
        return f"a symbolic link to {target}, not a {'/'.join(wanted)} file"
    return ""


def _loops(path: Path) -> bool:
    """True for a symbolic link whose chain never ends (resolving it would abort the run)."""
    if not path.is_symlink():
        return False
    try:
        path.resolve(strict=False)
    except (RuntimeError, OSError):
        return True
    try:
        os.stat(path)
    except OSError as exc:
        return exc.errno == errno.ELOOP
    return False


def load_document(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    """Read ``path`` (.txt, .md or .pdf) into a Document; raise BotError with advice when it cannot be used."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise BotError(f"{path}: file not found. Check the path, or run `bot index` again to refresh the list.") from None
    except OSError as e:
        raise BotError(f"{path}: cannot read it ({e.strerror}). Check its permissions.") from None
    if path.is_dir():
        raise BotError(f"{path}: is a folder; give a file, or the folder to index all its files.")
    if size > max_bytes:
        raise BotError(
            f"{path}: {size / 2**20:.1f} MB is over the {max_bytes / 2**20:.1f} MB limit. "
            "Split the file, or raise the limit with BOT_MAX_FILE_MB."
        )
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise BotError(f"{path}: cannot read it ({e.strerror}). Check its permissions.") from None
    if not raw.strip():
        raise BotError(f"{path}: the file is empty. Add text to it or remove it from the documents.")

    if path.suffix.lower() == ".pdf":
        text, encoding = _pdf_text(path, raw), "pdf"
    else:
        text, encoding = _decode(path, raw)
    if not text.strip():
        raise BotError(f"{path}: the file holds only whitespace. Add text to it or remove it from the documents.")
    return Document(
        source=path.name,
        path=str(path.resolve()),
        text=text,
        encoding=encoding,
        sha256=hashlib.sha256(raw).hexdigest(),
    )


def _decode(path: Path, raw: bytes) -> tuple[str, str]:
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(encoding), encoding
            except UnicodeDecodeError:
                raise BotError(f"{path}: starts with a {encoding} byte-order mark but is not valid {encoding}. "
                               "Re-save it as UTF-8.") from None
    head = raw[:8192]
    if b"\x00" in head and _looks_utf16(head):
        raise BotError(f"{path}: undetected encoding: it looks like UTF-16 text without a byte-order mark. "
                       "Re-save it as UTF-8 (or UTF-16 with a byte-order mark).")
    if b"\x00" in head or len(_CONTROL.findall(head.decode("latin-1"))) > 0.1 * len(head):
        raise BotError(f"{path}: looks like a binary file, not text. Convert it to .txt (UTF-8), .md or .pdf.")
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    best: tuple[float, str, str] | None = None
    for encoding in _LEGACY:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        score = _plausibility(text, encoding)
        if best is None or score > best[0]:
            best = (score, text, encoding)
    if best is None or best[0] < 0.3:
        raise BotError(
            f"{path}: cannot tell its text encoding (tried UTF-8, CP949/EUC-KR, Shift_JIS/CP932, EUC-JP, "
            "Windows-1252). Re-save it as UTF-8."
        )
    return best[1], best[2]


def _looks_utf16(head: bytes) -> bool:
    """Whether bytes with NULs in them read as UTF-16 text (nearly all printable) rather than binary data."""
    head = head[: len(head) // 2 * 2]
    for encoding in ("utf-16-le", "utf-16-be"):
        try:
            text = head.decode(encoding)
        except UnicodeDecodeError:
            continue
        if text and sum(ch.isprintable() or ch.isspace() for ch in text) >= 0.95 * len(text):
            return True
    return False


def _plausibility(text: str, encoding: str) -> float:
    """Share of non-ASCII characters that are typical of the encoding's language (negative when implausible).

    Bytes of one CJK encoding often decode strictly in another, but then turn into rare characters:
    Shift_JIS read as CP949 gives Hangul outside the common KS X 1001 set; CP949 read as CP932 gives
    half-width katakana.
    """
    non_ascii = len(_NON_ASCII.findall(text))
    if non_ascii == 0:
        return 1.0
    if encoding == "cp949":
        hangul = _HANGUL.findall(text)
        common = sum(1 for ch in hangul if _in_euc_kr(ch))
        good, bad = common, len(hangul) - common
    elif encoding in ("cp932", "euc_jp"):
        good = len(_KANA.findall(text)) + 0.5 * len(_HAN.findall(text))
        bad = len(_HALFWIDTH_KANA.findall(text))
    else:  # cp1252: Western text is mostly ASCII with a few accented letters
        good = sum(1 for ch in text if "\u00c0" <= ch <= "\u00ff")
        bad = non_ascii - good
        good = good if non_ascii <= 0.2 * len(text) else 0
    return (good - bad) / non_ascii


def _in_euc_kr(ch: str) -> bool:
    """True for the 2,350 common syllables of KS X 1001 (CP949 lead byte 0xB0-0xC8, trail 0xA1-0xFE)."""
    b = ch.encode("cp949")
    return len(b) == 2 and 0xB0 <= b[0] <= 0xC8 and b[1] >= 0xA1


def _pdf_text(path: Path, raw: bytes) -> str:
    import io

    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError:  # pragma: no cover - pypdf is a dependency
        raise BotError("Reading PDF files needs pypdf: pip install pypdf") from None
    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")  # many PDFs are "encrypted" with an empty password
            except Exception:
                opened = 0
            if not opened:
                raise BotError(f"{path}: the PDF is password-protected. Save an unprotected copy.")
        pages = [page.extract_text() or "" for page in reader.pages]
    except BotError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as e:
        raise BotError(f"{path}: cannot read this PDF ({e}). Re-export it, or save its text as .txt.") from None
    text = "\n\n".join(p.strip("\n") for p in pages)
    if not text.strip():
        raise BotError(f"{path}: the PDF has no extractable text (a scan?). Run OCR on it or save its text as .txt.")
    return text
