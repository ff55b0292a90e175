"""Past one machine: one real `chroma run` server, two real `bot serve` replicas with their own empty index dirs.

Nothing is shared between the replicas but the Chroma server: each loads the catalog from it into its
own cache, both answer alike, and a re-index through one replica's directory is seen by the other on
its next question (it reads the server's pointer before every question).
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from gradio_client import Client

from test_chroma_server import chroma_server, free_port  # noqa: F401 - the real `chroma run` server fixture

pytestmark = pytest.mark.server

KO = "이시바 총리는 트럼프 대통령에게 황금 사무라이 투구를 선물했다. 투구는 돗토리현에서 준비되었다. 두 정상은 골프를 쳤다.\n"
JA = "高市首相は一月二日にトランプ大統領と電話で会談した。両首脳は春の訪米で合意した。関税交渉は続いている。\n"
EN = "The U.S. Steel deal was described as an investment. Tariffs of 25% were announced on Oct. 28. Talks resumed in May.\n"
HELMET = "What did Ishiba give Trump?"


def bot_exe() -> str:
    return str(Path(sys.executable).with_name("bot"))


def env() -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    return {**keep, "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False", "GRADIO_ANALYTICS_ENABLED": "False",
            "BOT_COLLECTION": "replicas"}


def bot_index(index_dir: Path, url: str, docs: Path) -> None:
    proc = subprocess.run([bot_exe(), "index", "--index-dir", str(index_dir), "--chroma-url", url, str(docs)],
                          capture_output=True, text=True, env=env(), timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]


def start_replica(index_dir: Path, url: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    log = open(index_dir.parent / f"replica-{port}.log", "w")
    proc = subprocess.Popen([bot_exe(), "serve", "--port", str(port), "--index-dir", str(index_dir), "--chroma-url", url],
                            stdout=log, stderr=subprocess.STDOUT, env=env())
    web = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 300
    while time.time() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"bot serve exited: {(index_dir.parent / f'replica-{port}.log').read_text()[-2000:]}")
        try:
            urllib.request.urlopen(web, timeout=2)
            return proc, web
        except OSError:
            time.sleep(0.5)
    proc.kill()
    pytest.fail("bot serve did not answer within 300 s")


def ask(web: str) -> dict:
    _box, _chat, _sources, result = Client(web, verbose=False).predict(HELMET, api_name="/ask")
    return result


def essence(result: dict) -> tuple:
    """What a user sees: the answer and its citations (timings differ between processes)."""
    return result["answer"], [(c["source"], c["start"], c["end"]) for c in result["citations"]]


def test_two_replicas_share_one_chroma_server_and_see_each_others_reindex(tmp_path, chroma_server):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "ko.txt").write_text(KO, encoding="utf-8")
    (docs / "ja.md").write_text(JA, encoding="utf-8")
    (docs / "en.txt").write_text(EN, encoding="utf-8")
    bot_index(tmp_path / "builder", chroma_server, docs)  # a build job on a third "machine"

    dirs = [tmp_path / "replica-a", tmp_path / "replica-b"]
    replicas = [start_replica(d, chroma_server) for d in dirs]
    try:
        first = [ask(web) for _, web in replicas]
        assert "사무라이 투구" in first[0]["answer"]
        assert essence(first[0]) == essence(first[1])

        (docs / "ko.txt").write_text(KO.replace("황금 사무라이 투구", "은빛 사무라이 갑옷"), encoding="utf-8")
        bot_index(dirs[0], chroma_server, docs)  # re-indexed through replica A's directory, while both serve
        second = [ask(web) for _, web in replicas]
        assert "은빛 사무라이 갑옷" in second[1]["answer"], second[1]["answer"]  # B saw it on its next question
        assert essence(second[0]) == essence(second[1])
        assert not any((d / "chroma").exists() for d in dirs)  # no local vector store anywhere
    finally:
        for proc, _ in replicas:
            os.kill(proc.pid, signal.SIGTERM)
        for proc, _ in replicas:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
