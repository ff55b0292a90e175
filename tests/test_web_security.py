"""What the web server lets in and gives out: a real Gradio server in-process, called the way any HTTP client can.

gradio_client uploads a file named in ``{"path": ..., "meta": {"_type": "gradio.FileData"}}`` from the *client's*
disk before it calls the API, so a remote attacker's request for a server path is a raw POST that names the path
without uploading it: that is what these tests send (``call_api``).
"""
from __future__ import annotations

import json
import socket
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from gradio_client import Client, handle_file

from index.errors import BotError
from index.settings import SEEDS_DIR, Settings
from bot.webapp import (
    MAX_UPLOAD_FILES,
    check_uploads,
    launch,
    parse_auth,
    public_message,
    serve_in_background,
    upload_folder,
)
from index.catalog import Catalog

SECRET = "The vault combination for the Kestrel archive is 7319-quokka-58, changed every Tuesday."
SECRET_DOC = f"{SECRET}\n\nOnly the night porter of the Kestrel archive knows the vault combination.\n"
SECRET_QUESTION = "What is the vault combination for the Kestrel archive?"
FESTIVAL_DOC = (
    "The Ulsan whale festival opens every June with a lantern parade on the Taehwa river.\n\n"
    "The festival ends with fireworks over the harbour on the last Sunday.\n"
)
FILE_DATA = {"_type": "gradio.FileData"}


@pytest.fixture(scope="module")
def seed_url(seed_settings, chatbot):
    app, url = serve_in_background(seed_settings, chatbot)
    yield url
    app.close()


def call_api(url: str, api_name: str, data: list) -> tuple[str, object]:
    """POST /gradio_api/call/<api_name> with ``data`` as is (no upload step), then read the result's event stream."""
    base = url.rstrip("/")
    r = httpx.post(f"{base}/gradio_api/call/{api_name}", json={"data": data}, timeout=30)
    r.raise_for_status()
    stream = httpx.get(f"{base}/gradio_api/call/{api_name}/{r.json()['event_id']}", timeout=300).text
    events = [line.split(":", 1)[1].strip() for line in stream.splitlines() if line.startswith("event:")]
    datas = [line.split(":", 1)[1].strip() for line in stream.splitlines() if line.startswith("data:")]
    return events[-1], json.loads(datas[-1])


def ask(url: str, question: str):
    _box, _chat, sources, result = Client(url, verbose=False).predict(question, api_name="/ask")
    return sources, result


def indexed(settings: Settings) -> dict:
    """The catalog's manifest (files with their hashes, build time): equal before and after means nothing changed."""
    return Catalog.load(settings.index_dir).manifest()


def gradio_copies(content: str) -> list[Path]:
    """Files in Gradio's upload folder with this content."""
    return [p for p in upload_folder().rglob("festival.txt") if p.is_file() and p.read_text(encoding="utf-8", errors="replace") == content]


def upload_status(url: str, paths: list[Path]) -> tuple[str, str]:
    _files, status, index_info = Client(url, verbose=False).predict([handle_file(str(p)) for p in paths], api_name="/add_documents")
    return status, index_info


# ---------------------------------------------------------------- 1. nothing gets in


def test_file_data_naming_a_server_file_is_refused_and_never_quoted(seed_url, seed_settings, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET_DOC, encoding="utf-8")
    folder = upload_folder()
    (folder / "websec-test").mkdir(parents=True, exist_ok=True)
    link = folder / "websec-test" / f"link-{tmp_path.name}.txt"
    link.symlink_to(secret)
    before = indexed(seed_settings)
    sneaky = [
        str(secret),  # the file itself
        f"{folder}/websec-test/../../..{secret}",  # climbing out of the upload folder
        str(link),  # a symlink inside the upload folder that points out of it
        {"path": f"http://127.0.0.1:{httpx.URL(seed_url).port}/", "meta": FILE_DATA},  # the server fetching for us
    ]
    try:
        for path in sneaky:
            item = path if isinstance(path, dict) else {"path": path, "meta": FILE_DATA}
            event, payload = call_api(seed_url, "add_documents", [[item]])
            assert event == "error", (path, payload)
            assert str(tmp_path) not in json.dumps(payload) and str(folder) not in json.dumps(payload)
            # issue 23, defect 15: Gradio's own refusal came back as {"error": null}; it must say why
            assert "only files uploaded to this page" in ((payload or {}).get("error") or ""), (path, payload)
        # an encoded climb names a folder literally called %2e%2e in the upload folder: add_documents refuses it
        event, payload = call_api(seed_url, "add_documents", [[{"path": f"{folder}/websec-test/%2e%2e/%2e%2e/..{secret}", "meta": FILE_DATA}]])
        assert "only files uploaded to this page" in json.dumps(payload) and str(tmp_path) not in json.dumps(payload)
    finally:
        link.unlink()
        if not any(link.parent.iterdir()):
            link.parent.rmdir()
    assert indexed(seed_settings) == before
    assert not (seed_settings.index_dir / "uploads" / "secret.txt").exists()
    sources, result = ask(seed_url, SECRET_QUESTION)
    assert "quokka" not in json.dumps(result, ensure_ascii=False) and "quokka" not in sources


def test_a_real_upload_through_gradio_client_is_indexed_and_quoted(tmp_path):
    """handle_file(p) is the issue's ``{"path": p, "meta": ...}``: the client uploads p, the server indexes its copy."""
    settings = Settings.load(env={}, index_dir=tmp_path / "index", docs=[tmp_path / "none"])
    doc = tmp_path / "client-side" / "festival.txt"
    doc.parent.mkdir()
    doc.write_text(FESTIVAL_DOC, encoding="utf-8")
    assert handle_file(str(doc))["meta"] == FILE_DATA
    app, url = serve_in_background(settings)
    try:
        status, index_info = upload_status(url, [doc])
        sources, result = ask(url, "When does the Ulsan whale festival open?")
        assert gradio_copies(FESTIVAL_DOC)
    finally:
        app.close()
    assert not gradio_copies(FESTIVAL_DOC)  # Gradio's own copy goes when the server stops (delete_cache)
    assert "1 added" in status and "festival.txt" in index_info
    assert (settings.index_dir / "uploads" / "festival.txt").read_text(encoding="utf-8") == FESTIVAL_DOC
    assert [c["source"] for c in result["citations"]] == ["festival.txt"] and "lantern parade" in result["answer"]
    assert str(tmp_path) not in status + index_info + sources


def test_check_uploads_accepts_only_regular_files_gradio_received_into_its_folder(tmp_path):
    """The second lock, in add_documents itself: behind Gradio's own check, in case that ever changes."""
    folder = (tmp_path / "gradio").resolve()
    (folder / "abc").mkdir(parents=True)
    outside = tmp_path / "secret.txt"
    outside.write_text(SECRET_DOC, encoding="utf-8")
    good = folder / "abc" / "notes.md"
    good.write_text("# Notes\n\nA sentence.\n", encoding="utf-8")
    stray = folder / "abc" / "stray.txt"  # in the folder, but not something Gradio received
    stray.write_text("x\n", encoding="utf-8")
    (folder / "abc" / "link.txt").symlink_to(outside)
    (folder / "abc" / "dir.txt").mkdir()
    (folder / "abc" / "big.txt").write_bytes(b"a" * (2 * 2**20))
    (folder / "abc" / "page.html").write_text("<p>x</p>", encoding="utf-8")
    (folder / "abc" / ".hidden.txt").write_text("x\n", encoding="utf-8")
    files = [
        str(good),
        str(outside),
        f"{folder}/abc/../../secret.txt",
        str(folder / "abc" / "link.txt"),
        str(folder / "abc" / "dir.txt"),
        str(folder / "abc" / "big.txt"),
        str(folder / "abc" / "page.html"),
        str(folder / "abc" / ".hidden.txt"),
        str(folder / "abc" / "missing.txt"),
        str(stray),
        str(folder),
        {"path": str(good)},
    ]
    received = {str(p) for p in files if isinstance(p, str)} - {str(stray)}
    accepted, problems = check_uploads(files, folder=folder, max_mb=1, received=received)
    assert accepted == [(good, "notes.md")]
    assert len(problems) == len(files) - 1
    refused = [p for p in problems if "refused" in p]
    assert len(refused) == 8  # outside, ../.., link, dir, missing, stray, the folder, a dict
    assert any(p.startswith("big.txt: 2.0 MB is over the 1 MB limit") for p in problems)
    assert any(p.startswith("page.html: only .txt, .md and .pdf") for p in problems)
    assert any(p.startswith(".hidden.txt: only") for p in problems)
    assert not any(str(tmp_path) in p for p in problems)
    # without Gradio's set of received files the folder is the rule: the stray file passes, nothing outside does
    accepted, _ = check_uploads([str(stray), str(outside)], folder=folder, max_mb=1)
    assert accepted == [(stray, "stray.txt")]


def test_check_uploads_caps_the_count_and_refuses_two_files_with_one_name(tmp_path):
    folder = tmp_path.resolve()
    paths = []
    for i in range(MAX_UPLOAD_FILES + 1):
        (folder / str(i)).mkdir()
        paths.append(folder / str(i) / "same.txt")
        paths[-1].write_text(f"Sentence {i}.\n", encoding="utf-8")
    accepted, problems = check_uploads([str(p) for p in paths], folder=folder, max_mb=1)
    assert accepted == [] and problems == [f"{MAX_UPLOAD_FILES + 1} files at once is over the limit of {MAX_UPLOAD_FILES} per upload; add them in smaller batches."]
    accepted, problems = check_uploads([str(p) for p in paths[:2]], folder=folder, max_mb=1)
    assert accepted == [(paths[0], "same.txt")] and problems[0].startswith("same.txt: another file in this upload has the same name")


# ---------------------------------------------------------------- 2. nothing gets out


def test_only_ask_clear_and_add_documents_are_api_endpoints(seed_url):
    info = httpx.get(f"{seed_url.rstrip('/')}/gradio_api/info", params={"all_endpoints": "true"}, timeout=30).json()
    assert sorted(info["named_endpoints"]) == ["/add_documents", "/ask", "/clear"] and not info["unnamed_endpoints"]
    base = seed_url.rstrip("/")
    assert httpx.get(f"{base}/monitoring/summary", timeout=30).status_code == 403  # monitoring is off
    assert httpx.get(f"{base}/gradio_api/runs", timeout=30).status_code == 404  # so is the run-history page


def test_file_route_serves_no_server_file(seed_url, seed_settings, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET_DOC, encoding="utf-8")
    seed = next(SEEDS_DIR.glob("*.txt"))
    index_files = [p for p in seed_settings.index_dir.rglob("*") if p.is_file()]
    assert index_files
    base = seed_url.rstrip("/")
    targets = [str(secret), str(seed), *map(str, index_files[:5]), f"{upload_folder()}/x/../..{secret}", "/etc/passwd", "/etc/hostname"]
    for target in targets:
        for route in ("/gradio_api/file=", "/gradio_api/file/"):
            r = httpx.get(f"{base}{route}{target}", timeout=30)
            assert r.status_code in (403, 404), (route, target, r.status_code)
            assert "quokka" not in r.text and "root:" not in r.text
    assert httpx.get(f"{base}/file={secret}", timeout=30).status_code == 404  # Gradio 3's route is gone
    # a URL is fetched only from public hosts: not from this machine or its network
    port = httpx.URL(seed_url).port
    for inner in (f"http://127.0.0.1:{port}/config", f"http://localhost:{port}/config", "http://169.254.169.254/latest/meta-data/"):
        assert httpx.get(f"{base}/gradio_api/file={inner}", timeout=30).status_code == 403, inner


# ---------------------------------------------------------------- 3. nothing gets lost


def test_rejected_uploads_leave_no_copy_and_messages_name_files_not_paths(tmp_path):
    settings = Settings.load(env={}, index_dir=tmp_path / "index", docs=[tmp_path / "none"])
    src = tmp_path / "client-side"
    src.mkdir()
    (src / "empty.txt").write_text("", encoding="utf-8")
    (src / "blob.txt").write_bytes(bytes(range(256)) * 64)
    (src / "festival.txt").write_text(FESTIVAL_DOC, encoding="utf-8")
    uploads = settings.index_dir / "uploads"
    app, url = serve_in_background(settings)
    try:
        # no index yet, nothing indexable: the indexer fails as a whole, and no copy stays
        status, index_info = upload_status(url, [src / "empty.txt", src / "blob.txt"])
        assert "empty.txt" in status and "blob.txt" in status
        assert not uploads.exists() or not [p.name for p in uploads.iterdir()]
        # one good file among bad ones: only its copy stays
        status, index_info = upload_status(url, [src / "empty.txt", src / "festival.txt", src / "blob.txt"])
        assert "1 added" in status and "empty.txt" in status and "blob.txt" in status
        assert sorted(p.name for p in uploads.iterdir()) == ["festival.txt"]
        before = indexed(settings)
        # a broken file under an indexed upload's name: refused, and the indexed copy is put back as it was
        (src / "festival.txt").write_bytes(bytes(range(256)) * 64)
        status2, index_info2 = upload_status(url, [src / "festival.txt"])
        assert "festival.txt" in status2 and "binary" in status2
        assert (uploads / "festival.txt").read_text(encoding="utf-8") == FESTIVAL_DOC
        assert sorted(p.name for p in uploads.iterdir()) == ["festival.txt"]
        assert indexed(settings) == before
        sources, result = ask(url, "When does the Ulsan whale festival open?")
    finally:
        app.close()
    assert [c["source"] for c in result["citations"]] == ["festival.txt"]
    for text in (status, index_info, status2, index_info2, sources):
        assert str(tmp_path) not in text and str(upload_folder()) not in text and "/tmp/" not in text


def test_an_upload_named_like_an_indexed_file_is_refused_and_leaves_no_copy(tmp_path):
    from index.indexing import run_index

    settings = Settings.load(env={}, index_dir=tmp_path / "index", docs=[tmp_path / "docs"])
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "festival.txt").write_text(FESTIVAL_DOC, encoding="utf-8")
    run_index(settings)
    before = indexed(settings)
    other = tmp_path / "client-side" / "festival.txt"
    other.parent.mkdir()
    other.write_text("A different festival text, with fireworks over the river in May.\n", encoding="utf-8")
    app, url = serve_in_background(settings)
    try:
        status, index_info = upload_status(url, [other])
    finally:
        app.close()
    assert "festival.txt" in status and "already indexed" in status and str(tmp_path) not in status
    assert not (settings.index_dir / "uploads" / "festival.txt").exists()
    assert indexed(settings) == before


def test_an_upload_on_a_full_disk_says_so_and_leaves_the_index_and_folder_as_they_were(tmp_path, monkeypatch):
    """Issue 23, defect 6 on the page: a full disk while indexing an upload said "Indexing failed: OSError: [Errno 28]
    … /path"; now one line that says the index is intact, naming no server path, and no copy stays."""
    import errno

    from bot.web.uploads import store_uploads
    from index.indexing import run_index

    settings = Settings.load(env={}, index_dir=tmp_path / "index", docs=[tmp_path / "docs"])
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "note.txt").write_text("The bike workshop opens at nine on Saturdays.", encoding="utf-8")
    run_index(settings)
    before = indexed(settings)
    src = tmp_path / "client-side" / "festival.txt"
    src.parent.mkdir()
    src.write_text(FESTIVAL_DOC, encoding="utf-8")

    def full(self, index_dir):
        raise OSError(errno.ENOSPC, "No space left on device", str(index_dir / "catalog-tmp"))

    monkeypatch.setattr(Catalog, "write", full)
    report, problems = store_uploads(settings, [(src, "festival.txt")])
    assert report is None and len(problems) == 1 and problems[0].startswith("No space left"), problems
    assert "intact" in problems[0] and str(tmp_path) not in problems[0]
    assert not (settings.index_dir / "uploads" / "festival.txt").exists() and indexed(settings) == before


def test_public_message_hides_server_paths_but_keeps_names_and_urls():
    msg = public_message(
        "/srv/app/.bot-index/uploads/my notes.txt: the file is empty. The index at /srv/app/.bot-index is fine; "
        "see (/usr/share/doc/x.pdf) or http://127.0.0.1:7860/ and seeds/a.txt.",
        Path("/srv/app/.bot-index"),
        {"/srv/app/.bot-index/uploads/my notes.txt": "my notes.txt"},
    )
    assert msg == "my notes.txt: the file is empty. The index at .bot-index is fine; see (x.pdf) or http://127.0.0.1:7860/ and seeds/a.txt."


# ---------------------------------------------------------------- 4. serving


def test_serve_on_a_taken_port_says_so_without_a_traceback(tmp_path):
    settings = Settings.load(env={}, index_dir=tmp_path / "index", docs=[tmp_path / "none"])
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(BotError, match=f"Port {port} on 127.0.0.1 is already taken.*--port"):
            launch(settings, port=port)
        from bot.cli import cli

        result = CliRunner().invoke(cli, ["serve", "--port", str(port), "--index-dir", str(tmp_path / "index")])
    assert result.exit_code == 1, result.output
    assert "already taken" in result.output and "--port" in result.output
    assert "seedbot is running" not in result.output and "Traceback" not in result.output
    assert not (tmp_path / "index").exists()  # it failed before opening (or building) anything


def test_web_login_guards_the_page_the_api_and_files(tmp_path):
    with pytest.raises(BotError, match="USER:PASSWORD"):
        parse_auth("no-colon")
    assert parse_auth("alice:pa:ss") == ("alice", "pa:ss")
    settings = Settings.load(env={}, index_dir=tmp_path / "index", docs=[tmp_path / "none"])
    doc = tmp_path / "festival.txt"
    doc.write_text(FESTIVAL_DOC, encoding="utf-8")
    app, url = serve_in_background(settings, auth="alice:correct-horse")
    try:
        base = url.rstrip("/")
        for route in ("/config", "/gradio_api/info", f"/gradio_api/file={doc}"):
            assert httpx.get(f"{base}{route}", timeout=30).status_code == 401, route
        assert httpx.post(f"{base}/gradio_api/call/clear", json={"data": []}, timeout=30).status_code == 401
        assert httpx.post(f"{base}/gradio_api/upload", files={"files": ("festival.txt", FESTIVAL_DOC)}, timeout=30).status_code == 401
        with pytest.raises(Exception, match="(?i)login"):
            Client(url, verbose=False, auth=("alice", "wrong"))
        _files, status, _info = Client(url, verbose=False, auth=("alice", "correct-horse")).predict(
            [handle_file(str(doc))], api_name="/add_documents"
        )
    finally:
        app.close()
    assert "1 added" in status
