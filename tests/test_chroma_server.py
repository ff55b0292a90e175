"""Server mode for real: the tests start the `chroma` server from the chromadb package and stop it by PID."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from index.errors import BotError
from index.settings import SEEDS_DIR, Settings
from index.indexing import run_index
from index.retrieving import Index

pytestmark = pytest.mark.server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_chroma(data: Path) -> tuple[subprocess.Popen, str]:
    """A real `chroma run` server on a free port, answering its heartbeat."""
    exe = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    if not Path(exe).exists():
        pytest.fail("the `chroma` command from the chromadb package is missing")
    port = free_port()
    proc = subprocess.Popen(
        [exe, "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url + "/api/v2/heartbeat", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("chroma server did not answer its heartbeat within 30 s")
    return proc, url


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    proc, url = start_chroma(tmp_path_factory.mktemp("chroma-server"))
    yield url
    os.kill(proc.pid, signal.SIGTERM)
    proc.wait(timeout=10)


def test_index_and_search_through_a_chroma_server(tmp_path, chroma_server):
    s = Settings.load(env={}, index_dir=tmp_path / "idx", chroma_url=chroma_server)
    report = run_index(s, [SEEDS_DIR / "003_ae09e089aea9dcdf.txt"])
    assert report.added == ["003_ae09e089aea9dcdf.txt"]
    assert not (tmp_path / "idx" / "chroma").exists()  # vectors went to the server
    hits = Index.open(s).search("What did Ishiba give Trump?", k=3)
    assert any("사무라이 투구" in h.passage.text for h in hits)
    again = run_index(s, [SEEDS_DIR / "003_ae09e089aea9dcdf.txt"])
    assert again.embedded_units == 0


def test_unreachable_server_is_a_clear_error(tmp_path):
    s = Settings.load(env={}, index_dir=tmp_path / "idx", chroma_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(BotError, match="Cannot reach the Chroma server"):
        run_index(s, [SEEDS_DIR / "001_845099b6e1bd260e.txt"])


def _holds(folder: Path, secret: bytes) -> list[str]:
    return [str(p) for p in folder.rglob("*") if p.is_file() and secret in p.read_bytes()]


def test_a_password_in_the_chroma_url_is_never_stored_locally_or_on_the_server(tmp_path, chroma_server):
    """Issue 23, severe 1: the manifest kept the whole URL, user and password, and the server's copy of the
    catalog carried it to every replica. Now the URL is stored without user info; credentials come from the caller."""
    with_password = chroma_server.replace("http://", "http://alice:hunter2pw@")
    writer = Settings.load(env={}, index_dir=tmp_path / "writer", chroma_url=with_password)
    run_index(writer, [SEEDS_DIR / "003_ae09e089aea9dcdf.txt"])
    assert _holds(tmp_path / "writer", b"hunter2pw") == [] and _holds(tmp_path / "writer", b"alice") == []
    replica = Settings.load(env={}, index_dir=tmp_path / "replica", chroma_url=chroma_server)  # no credentials
    hits = Index.open(replica).search("What did Ishiba give Trump?", k=3)  # fetches the server's catalog into its cache
    assert any("사무라이 투구" in h.passage.text for h in hits)
    assert list((tmp_path / "replica").rglob("manifest.json")), "the replica cached the server's catalog"
    assert _holds(tmp_path / "replica", b"hunter2pw") == [] and _holds(tmp_path / "replica", b"alice") == []
    manifest = next((tmp_path / "writer").rglob("manifest.json")).read_text(encoding="utf-8")
    assert chroma_server in manifest  # the URL itself is kept, without user info


def test_credentials_in_the_chroma_url_reach_the_server_as_basic_auth(tmp_path):
    """The user info is not dropped on the way: each request to the server carries it (for a server behind
    an authenticating proxy)."""
    import base64
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    seen: list[str | None] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append(self.headers.get("Authorization"))
            self.send_response(401)
            self.end_headers()

        do_POST = do_GET

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        url = f"http://alice:hunter2pw@127.0.0.1:{httpd.server_address[1]}"
        s = Settings.load(env={}, index_dir=tmp_path / "idx", chroma_url=url)
        with pytest.raises(BotError) as err:
            run_index(s, [SEEDS_DIR / "003_ae09e089aea9dcdf.txt"])
        assert "hunter2pw" not in str(err.value)
    finally:
        httpd.shutdown()
    assert seen and seen[0] == "Basic " + base64.b64encode(b"alice:hunter2pw").decode("ascii")


def test_a_chroma_server_killed_during_bot_index_is_one_line(tmp_path, monkeypatch):
    """Issue 23, defect 8: a 101-line httpx.ConnectError traceback. The server is really killed (SIGKILL) while the
    run embeds, and the run's next request to it fails as it would."""
    from click.testing import CliRunner

    from bot.cli import cli
    from index.store import Store

    proc, url = start_chroma(tmp_path / "data")
    real_embed = Store.add

    def killed_first(*args, **kwargs):
        proc.kill()
        proc.wait(timeout=10)
        return real_embed(*args, **kwargs)

    monkeypatch.setattr(Store, "add", killed_first)
    try:
        result = CliRunner().invoke(cli, ["index", "--chroma-url", url, "--index-dir", str(tmp_path / "idx"),
                                          str(SEEDS_DIR / "003_ae09e089aea9dcdf.txt")])
    finally:
        if proc.poll() is None:
            proc.kill()
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error")]
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    assert len(errors) == 1 and "Chroma server" in errors[0] and "unchanged" in errors[0], result.stderr
