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


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    exe = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    if not Path(exe).exists():
        pytest.fail("the `chroma` command from the chromadb package is missing")
    port = free_port()
    data = tmp_path_factory.mktemp("chroma-server")
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
