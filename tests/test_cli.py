"""The `bot` console script, run as a user runs it."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from bot import llms
from bot.cli import cli
from bot.settings import SEEDS_DIR

BOT = str(Path(sys.executable).with_name("bot"))


def run_bot(*args: str, index_dir: Path, input: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "BOT_INDEX_DIR": str(index_dir), "NO_COLOR": "1"}
    return subprocess.run([BOT, *args], capture_output=True, text=True, env=env, input=input, timeout=300)


def test_ask_prints_the_answer_and_its_numbered_sources(seed_settings):
    out = run_bot("ask", "What did Ishiba give Trump?", index_dir=seed_settings.index_dir)
    assert out.returncode == 0, out.stderr
    assert "사무라이 투구" in out.stdout and "[1]" in out.stdout
    assert "Sources:" in out.stdout and "003_ae09e089aea9dcdf.txt (ko" in out.stdout


def test_ask_json_quotes_match_the_file(seed_settings):
    out = run_bot("ask", "--json", "--k", "3", "石破首相はトランプ氏に何を贈った？", index_dir=seed_settings.index_dir)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert len(result["retrieved"]) == 3 and result["language"] == "ja"
    for c in result["citations"]:
        assert (SEEDS_DIR / c["source"]).read_text(encoding="utf-8")[c["start"] : c["end"]] == c["quote"]


@pytest.mark.parametrize("question", ["", "   "])
def test_empty_question_exits_2(seed_settings, question):
    out = run_bot("ask", question, index_dir=seed_settings.index_dir)
    assert out.returncode == 2 and "question is empty" in out.stderr


def test_overlong_question_is_refused(seed_settings):
    out = run_bot("ask", "트" * 2500, index_dir=seed_settings.index_dir)
    assert out.returncode == 2 and "limit is 2000" in out.stderr


def test_ask_without_an_index_builds_one_first(tmp_path, monkeypatch):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "helmet.txt").write_text("이시바 총리는 트럼프 대통령에게 황금 사무라이 투구를 선물했다.", encoding="utf-8")
    monkeypatch.setenv("BOT_DOCS", str(docs))  # default documents: seeds/, here a one-line stand-in
    out = run_bot("ask", "What did Ishiba give Trump?", index_dir=tmp_path / "fresh")
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "fresh" / "CURRENT").exists() and "황금 사무라이 투구" in out.stdout
    assert "Embedding sentences" in out.stderr  # the progress bar


def test_index_reports_what_it_did_and_fails_when_nothing_indexes(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("이시바 총리는 황금 사무라이 투구를 선물했다.", encoding="utf-8")
    idx = tmp_path / "idx"
    first = run_bot("index", str(docs), index_dir=idx)
    assert first.returncode == 0 and "1 added" in first.stdout
    second = run_bot("index", str(docs), index_dir=idx)
    assert "1 unchanged" in second.stdout and "embedded 0 sentences" in second.stdout
    bad = run_bot("index", str(tmp_path / "nope"), index_dir=tmp_path / "idx2")
    assert bad.returncode == 1 and "Nothing could be indexed" in bad.stderr and "nope" in bad.stderr


def test_help_teaches(tmp_path):
    out = run_bot("--help", index_dir=tmp_path)
    assert "Examples:" in out.stdout and "bot ask" in out.stdout
    sub = run_bot("ask", "--help", index_dir=tmp_path)
    assert "--index-dir" in sub.stdout and "--chroma-url" in sub.stdout and "--llm" in sub.stdout


def test_chat_keeps_history_and_handles_commands(seed_settings):
    script = "What did Ishiba give Trump?\n/sources\nWhere was it prepared?\n/reset\n/quit\n"
    out = run_bot("chat", index_dir=seed_settings.index_dir, input=script)
    assert out.returncode == 0, out.stderr
    assert "사무라이 투구" in out.stdout and "돗토리" in out.stdout and "conversation cleared" in out.stdout


def test_chat_survives_non_utf8_input(seed_settings):
    env = {**os.environ, "BOT_INDEX_DIR": str(seed_settings.index_dir)}
    out = subprocess.run([BOT, "chat"], input=b"\xff\xfe bad bytes\n/quit\n", capture_output=True, env=env, timeout=300)
    assert out.returncode == 0 and b"Traceback" not in out.stderr


def test_cli_with_fake_llm_provider_registered_like_a_plugin(seed_settings):
    """The LLM path through the real registry and CLI, with LangChain's fake chat model as the provider."""
    llms.register("fake")(lambda model, settings: FakeListChatModel(responses=["A golden samurai helmet [1]."]))
    result = CliRunner().invoke(cli, ["ask", "--llm", "fake:any", "--index-dir", str(seed_settings.index_dir), "What did Ishiba give Trump?"])
    assert result.exit_code == 0, result.output
    assert "A golden samurai helmet [1]." in result.output and "Sources:" in result.output


def test_unreachable_llm_falls_back_with_one_warning(seed_settings):
    env = {"BOT_LLM_BASE_URL": "http://127.0.0.1:9/v1", "BOT_LLM_TIMEOUT": "3"}
    out = subprocess.run(
        [BOT, "ask", "--llm", "openai:nothing-here", "What did Ishiba give Trump?"],
        capture_output=True, text=True, timeout=300,
        env={**os.environ, **env, "BOT_INDEX_DIR": str(seed_settings.index_dir)},
    )
    assert out.returncode == 0, out.stderr
    assert "사무라이 투구" in out.stdout and "Traceback" not in out.stderr
    assert out.stderr.count("warning:") == 1 and "failed" in out.stderr
