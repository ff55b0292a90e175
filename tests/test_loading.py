"""Loading: which files are found, how their bytes become text, and what a user is told when they cannot."""
from __future__ import annotations

import hashlib
import time

import pytest

from index.errors import BotError
from index.settings import SEEDS_DIR
from index.loading import discover, load_document

KOREAN = "한미 양국은 지난 2023년 한미동맹 70주년 기념 공동성명을 통해 글로벌 포괄적 전략 동맹이 되었음을 발표했다.\n"
JAPANESE = "日本政府は、トランプ氏との関係構築を急ぎ、日米同盟を強化する方針を取っている。\n"


# --- discover ------------------------------------------------------------------------------------

def test_discover_walks_folders_in_sorted_order_and_skips_hidden_and_other_types(tmp_path):
    (tmp_path / "b.txt").write_text("b")
    (tmp_path / "a.md").write_text("a")
    (tmp_path / "notes.docx").write_text("x")
    (tmp_path / ".hidden.txt").write_text("h")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.txt").write_text("x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.PDF").write_bytes(b"%PDF")

    files, problems = discover([tmp_path])

    assert [p.relative_to(tmp_path).as_posix() for p in files] == ["a.md", "b.txt", "sub/c.PDF"]
    assert problems == []


def test_discover_reports_missing_paths_and_unsupported_files_named_explicitly(tmp_path):
    docx = tmp_path / "report.docx"
    docx.write_text("x")
    good = tmp_path / "ok.txt"
    good.write_text("ok")

    files, problems = discover([good, tmp_path / "nope", docx, good])

    assert files == [good]  # named twice, listed once
    assert any("nope" in p and "no such file" in p for p in problems)
    assert any("report.docx" in p and "unsupported" in p and ".txt" in p for p in problems)


def test_discover_is_fast_on_thousands_of_files(tmp_path):
    for d in range(20):
        sub = tmp_path / f"d{d:02}"
        sub.mkdir()
        for i in range(150):
            (sub / f"f{i:03}.txt").write_text("x")
    start = time.perf_counter()
    files, _ = discover([tmp_path])
    assert len(files) == 3000
    assert time.perf_counter() - start < 2.0


# --- encodings -----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "text, encoding, expected",
    [
        (KOREAN, "cp949", "cp949"),
        (KOREAN, "euc-kr", "cp949"),  # EUC-KR is a subset of CP949
        ("한국", "cp949", "cp949"),  # two syllables are enough
        ("똠방각하 펲시콜라", "cp949", "cp949"),  # CP949-only syllables
        (JAPANESE, "shift_jis", "cp932"),
        ("日本", "shift_jis", "cp932"),  # two kanji are enough
        ("テスト", "shift_jis", "cp932"),
        (JAPANESE, "cp932", "cp932"),
        (JAPANESE, "euc_jp", "euc_jp"),
        (KOREAN + JAPANESE, "utf-8-sig", "utf-8-sig"),
        (KOREAN + JAPANESE, "utf-16", "utf-16"),
        ("café au lait, naïve résumé\n", "cp1252", "cp1252"),
    ],
)
def test_legacy_and_bom_encodings_load_to_the_original_text(tmp_path, text, encoding, expected):
    path = tmp_path / "doc.txt"
    path.write_bytes(text.encode(encoding))

    doc = load_document(path)

    assert doc.text == text  # the BOM is removed, nothing else changes
    assert doc.encoding == expected


def test_text_is_decoded_without_newline_translation(tmp_path):
    path = tmp_path / "crlf.txt"
    path.write_bytes("첫 줄\r\n둘째 줄\r\n".encode("utf-8"))
    doc = load_document(path)
    assert doc.text == "첫 줄\r\n둘째 줄\r\n"


def test_markdown_keeps_its_raw_text(tmp_path):
    path = tmp_path / "note.md"
    path.write_text("# 제목\n\n본문 [링크](https://example.com) 입니다.\n", encoding="utf-8")
    doc = load_document(path)
    assert doc.text.startswith("# 제목")
    assert doc.source == "note.md"


def test_seeds_load_as_utf8_with_the_hash_of_their_bytes():
    for path in sorted(SEEDS_DIR.glob("*.txt")):
        doc = load_document(path)
        assert doc.encoding == "utf-8"
        assert doc.source == path.name
        assert doc.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


# --- PDF -----------------------------------------------------------------------------------------

def _pdf(pages: list[str]) -> bytes:
    """A minimal PDF whose pages show the given ASCII lines in Helvetica."""
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", ""]
    kids = []
    for text in pages:
        stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET"
        page_no = len(objects) + 1
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {page_no + 1} 0 R "
                       f"/Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> >>")
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream")
        kids.append(f"{page_no} 0 R")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>"
    out = b"%PDF-1.4\n"
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010} 00000 n \n" for o in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def test_pdf_text_is_the_extracted_pages_joined_by_a_blank_line(tmp_path):
    path = tmp_path / "memo.pdf"
    path.write_bytes(_pdf(["First page text.", "Second page text."]))

    doc = load_document(path)

    assert doc.encoding == "pdf"
    assert doc.text == "First page text.\n\nSecond page text."


def test_pdf_without_text_says_to_run_ocr(tmp_path):
    path = tmp_path / "scan.pdf"
    path.write_bytes(_pdf([""]))
    with pytest.raises(BotError, match="OCR"):
        load_document(path)


def test_broken_pdf_is_a_clear_error(tmp_path):
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.4\nthis is not really a pdf")
    with pytest.raises(BotError, match="broken.pdf"):
        load_document(path)


# --- errors a user can cause ---------------------------------------------------------------------

def test_missing_file(tmp_path):
    with pytest.raises(BotError, match="not found"):
        load_document(tmp_path / "gone.txt")


@pytest.mark.parametrize("content", [b"", b"   \n\t\n", "\u3000\n".encode()])
def test_empty_or_whitespace_only_file(tmp_path, content):
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    with pytest.raises(BotError, match="empty|only whitespace"):
        load_document(path)


@pytest.mark.parametrize("content", [b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", bytes(range(32)) * 20])
def test_binary_file(tmp_path, content):
    path = tmp_path / "image.txt"
    path.write_bytes(content)
    with pytest.raises(BotError, match="binary"):
        load_document(path)


def test_undecodable_bytes_say_to_resave_as_utf8(tmp_path):
    path = tmp_path / "mojibake.txt"
    path.write_bytes(b"abc \x81\x81 \xff\xfe\xfd end")
    with pytest.raises(BotError, match="UTF-8"):
        load_document(path)


def test_too_large_file_names_its_size_the_limit_and_the_setting(tmp_path):
    path = tmp_path / "big.txt"
    path.write_bytes(b"a" * (3 * 2**20))
    with pytest.raises(BotError) as err:
        load_document(path, max_bytes=2**20)
    message = str(err.value)
    assert "3.0 MB" in message and "1.0 MB" in message and "BOT_MAX_FILE_MB" in message


def test_discover_skips_a_symlink_loop_with_a_message(tmp_path):
    (tmp_path / "ok.txt").write_text("ok")
    (tmp_path / "a.txt").symlink_to(tmp_path / "b.txt")
    (tmp_path / "b.txt").symlink_to(tmp_path / "a.txt")
    (tmp_path / "dangling.txt").symlink_to(tmp_path / "gone.txt")

    files, problems = discover([tmp_path, tmp_path / "a.txt"])

    assert [p.name for p in files] == ["dangling.txt", "ok.txt"]  # a dangling link is load_document's to report
    assert len(problems) == 2 and all("points back to itself" in p for p in problems)
    assert any(p.startswith(str(tmp_path / "a.txt")) for p in problems) and any("b.txt" in p for p in problems)


def test_a_folder_walk_does_not_follow_links_that_leave_the_folders_named(tmp_path):
    """Issue 23, defect 10: `ln -s /etc/passwd docs/passwd_link.txt; bot index docs` indexed /etc/passwd."""
    docs, elsewhere = tmp_path / "docs", tmp_path / "elsewhere"
    docs.mkdir(), elsewhere.mkdir()
    (docs / "ok.txt").write_text("ok")
    (elsewhere / "secret.txt").write_text("secret")
    (elsewhere / "script.sh").write_text("echo")
    (docs / "passwd_link.txt").symlink_to("/etc/passwd")
    (docs / "secret_link.txt").symlink_to(elsewhere / "secret.txt")
    (docs / "inside_link.txt").symlink_to(docs / "ok.txt")
    (docs / "sub").mkdir()
    (docs / "sub" / "script.txt").symlink_to(elsewhere / "script.sh")

    files, problems = discover([docs])

    assert sorted(p.name for p in files) == ["inside_link.txt", "ok.txt"]  # a link within the folder is fine
    assert len(problems) == 3 and all("outside the folders named" in p and "skipped" in p for p in problems)
    files, problems = discover([docs, elsewhere])  # both folders named: the link's target may be indexed
    assert "secret_link.txt" in {p.name for p in files}
    assert any("script.sh, not a" in p for p in problems)


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_byte_order_mark_is_an_undetected_encoding_not_binary(tmp_path, encoding):
    """Issue 23, defect 15: such a file was called binary, which sends the user looking for the wrong problem."""
    path = tmp_path / "notice.txt"
    path.write_bytes("The bike workshop opens at nine on Saturdays.\n".encode(encoding) * 5)
    with pytest.raises(BotError, match="undetected encoding.*UTF-16.*byte-order mark") as err:
        load_document(path)
    assert "binary" not in str(err.value)
