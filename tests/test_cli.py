"""The `bot` console script, run as a user runs it."""
from __future__ import annotations

import errno
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
from index.settings import SEEDS_DIR
from test_vectors import drop_vectors_copy

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
    assert f"No index yet in {tmp_path / 'fresh'}: indexing {docs} once" in out.stderr  # why the first question waits
    assert "Indexed 1 files (1 added" in out.stderr  # and what it did
    for bar in ("Embedding sentences", "Sparse term vectors"):  # each bar's first and last line drawn once
        assert out.stderr.count(f"{bar}:   0%") == 1 and out.stderr.count(f"{bar}: 100%") == 1, out.stderr


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


# --- input a user can get wrong: server URLs, odd questions --------------------------------------


@pytest.mark.parametrize(
    "url, problem",
    [
        ("http://127.0.0.1:abc", "port must be a number from 1 to 65535"),
        ("http://127.0.0.1:99999", "port must be a number from 1 to 65535"),
        ("http://127.0.0.1:0", "port must be a number from 1 to 65535"),
        ("http://[::1", "brackets are unbalanced"),
        ("http://", "host is missing"),
        ("ftp://127.0.0.1:8000", "scheme must be http or https"),
        ("127.0.0.1:8000", "scheme must be http or https"),
        ("http://user:s3cret@127.0.0.1:abc", "port must be a number"),
        ("http://user:s3cret@:8000", "host is missing"),
    ],
)
def test_a_bad_chroma_url_is_one_line_without_the_password(tmp_path, url, problem):
    result = CliRunner().invoke(cli, ["index", "--chroma-url", url, "--index-dir", str(tmp_path / "idx")])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit), result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: --chroma-url must look like http://host:port") and problem in lines[0]
    assert "s3cret" not in result.output and "None" not in result.output
    if "user:" in url:
        assert "user:***@" in lines[0]
    assert not (tmp_path / "idx").exists()  # refused before anything was touched


def test_a_bad_url_from_the_environment_is_refused_the_same_way(tmp_path):
    env = {"BOT_CHROMA_URL": "http://127.0.0.1:abc", "BOT_LLM_BASE_URL": "http://tok3n@[::1/v1"}
    result = CliRunner().invoke(cli, ["ask", "--index-dir", str(tmp_path), "q"], env=env)
    assert result.exit_code == 2 and "--chroma-url" in result.stderr
    result = CliRunner().invoke(cli, ["ask", "--index-dir", str(tmp_path), "q"], env={"BOT_LLM_BASE_URL": "http://tok3n@[::1/v1"})
    assert result.exit_code == 2 and "BOT_LLM_BASE_URL" in result.stderr and "brackets" in result.stderr
    assert "tok3n" not in result.output and "***@" in result.stderr


def test_an_unreachable_chroma_server_is_named_without_its_password(tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there once the block ends
    url = f"http://admin:s3cret@127.0.0.1:{port}"
    result = CliRunner().invoke(cli, ["index", "--chroma-url", url, "--index-dir", str(tmp_path / "idx"), str(SEEDS_DIR / "000_1c43305ac6ad8588.txt")])
    assert result.exit_code == 1, result.output
    assert f"Cannot reach the Chroma server at http://admin:***@127.0.0.1:{port}" in result.stderr
    assert f"--host 127.0.0.1 --port {port}" in result.stderr
    assert "s3cret" not in result.output and "Traceback" not in result.output


def test_redact_url_masks_credentials_only():
    from index.settings import redact_url

    assert redact_url("http://user:pw@host:8000/x") == "http://user:***@host:8000/x"
    assert redact_url("https://t0ken@host") == "https://***@host"
    assert redact_url("http://host:8000/a@b") == "http://host:8000/a@b"
    assert redact_url("http://[::1]:8000") == "http://[::1]:8000"


def test_an_unknown_option_hints_at_double_dash_for_questions_that_start_with_a_dash(tmp_path):
    result = CliRunner().invoke(cli, ["ask", "--index-dir", str(tmp_path), "-x"])
    assert result.exit_code == 2
    assert "No such option" in result.stderr and "bot ask -- \"-x ...\"" in result.stderr


def ask_json(seed_settings, *args: str, input: str | None = None) -> dict:
    result = CliRunner().invoke(cli, ["ask", "--json", "--k", "3", "--index-dir", str(seed_settings.index_dir), *args], input=input)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_a_question_that_starts_with_a_dash_goes_after_double_dash(seed_settings):
    assert ask_json(seed_settings, "--", "-5% tariff?")["question"] == "-5% tariff?"


@pytest.mark.parametrize("args", [["-"], []])
def test_the_question_is_read_from_stdin_with_dash_or_when_piped(seed_settings, args):
    result = ask_json(seed_settings, *args, input="What did Ishiba give Trump?\n")
    assert result["question"] == "What did Ishiba give Trump?" and "사무라이 투구" in result["answer"]


def test_an_empty_stdin_is_an_empty_question(seed_settings):
    result = CliRunner().invoke(cli, ["ask", "--index-dir", str(seed_settings.index_dir), "-"], input="")
    assert result.exit_code == 2 and "question is empty" in result.stderr


@pytest.mark.parametrize("text", ["q" * 100_000, "질" * 100_000])
def test_an_overlong_question_on_stdin_reports_its_real_length(seed_settings, text):
    """Issue 23, defect 14: 100,000 characters were reported as 10005 (only a slice was read)."""
    result = CliRunner().invoke(cli, ["ask", "--index-dir", str(seed_settings.index_dir), "-"], input=text)
    assert result.exit_code == 2 and "The question is 100000 characters long; the limit is 2000" in result.stderr


def test_undecodable_bytes_in_a_question_are_replaced(seed_settings):
    """On Linux, argv bytes that are not UTF-8 arrive as lone surrogates (surrogateescape)."""
    result = ask_json(seed_settings, "What did Ishiba give Trump? \udcff\udcfe")
    assert result["question"] == "What did Ishiba give Trump? \ufffd\ufffd"
    bad = CliRunner().invoke(cli, ["ask", "--index-dir", str(seed_settings.index_dir), "\udcff\udcfe"])
    assert bad.exit_code == 2 and "not readable text" in bad.stderr


def test_invalid_bytes_in_argv_are_a_message_not_a_traceback(seed_settings):
    env = {**os.environ, "BOT_INDEX_DIR": str(seed_settings.index_dir), "NO_COLOR": "1"}
    bad = subprocess.run([BOT, "ask", b"\xff\xfe"], capture_output=True, env=env, timeout=300)
    assert bad.returncode == 2, bad.stderr
    assert b"Traceback" not in bad.stderr and b"not readable text" in bad.stderr
    mixed = subprocess.run([BOT, "ask", "What did Ishiba give Trump? ".encode() + b"\xff"], capture_output=True, env=env, timeout=300)
    assert mixed.returncode == 0 and b"Traceback" not in mixed.stderr, mixed.stderr
    assert "사무라이 투구".encode() in mixed.stdout


def test_the_index_summary_names_a_chroma_server_without_its_password(tmp_path):
    """A real `chroma` server (from the chromadb package), started on a free port and stopped by PID."""
    import shutil
    import signal
    import socket
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    exe = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    proc = subprocess.Popen([exe, "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "ANONYMIZED_TELEMETRY": "False"})
    try:
        deadline = time.time() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1)
                break
            except OSError:
                assert time.time() < deadline, "chroma server did not answer its heartbeat within 30 s"
                time.sleep(0.2)
        doc = tmp_path / "a.txt"
        doc.write_text("이시바 총리는 트럼프 대통령에게 황금 사무라이 투구를 선물했다.", encoding="utf-8")
        url = f"http://admin:s3cret@127.0.0.1:{port}"
        result = CliRunner().invoke(cli, ["index", "--chroma-url", url, "--index-dir", str(tmp_path / "idx"), str(doc)])
        assert result.exit_code == 0, result.output
        assert f"Index: http://admin:***@127.0.0.1:{port} (cached in" in result.stdout and "s3cret" not in result.output
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)


# ---------------------------------------------------------------- one declaration per setting

def test_the_readme_configuration_table_is_the_settings_declaration():
    from index.settings import settings_table

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert settings_table() in readme, "README's configuration table is stale: paste index.settings.settings_table()"


def test_flags_come_from_the_declarations_with_their_env_var_default_and_range():
    from dataclasses import fields

    from index.settings import Settings

    ask = cli.commands["ask"]
    flags = {o.name: o for o in ask.params if isinstance(o, __import__("click").Option)}
    offered = {f.name for f in fields(Settings) if f.metadata["option"]}
    assert offered <= set(flags) and {"index_dir", "chroma_url", "embedding", "k", "llm"} <= offered
    assert "[env BOT_K; default 5]" in flags["k"].help and (flags["k"].type.min, flags["k"].type.max) == (1, 50)
    assert not {"web_auth", "llm_api_key"} & set(flags)  # secrets are env only: flags show in ps
    bad = CliRunner().invoke(cli, ["ask", "--k", "0", "x"])
    assert bad.exit_code == 2 and "1<=x<=50" in bad.output


def test_env_values_are_converted_by_the_field_type_and_checked_once():
    from index.errors import BotError
    from index.settings import Settings

    s = Settings.load(env={"BOT_K": "7", "BOT_SPARSE": "off", "BOT_DOCS": "a:b", "BOT_THREADS": "2", "BOT_LLM_TIMEOUT": "2.5",
                           "OPENAI_BASE_URL": "http://127.0.0.1:1/v1"})
    assert (s.k, s.sparse, [p.name for p in s.docs], s.threads, s.llm_timeout) == (7, False, ["a", "b"], 2, 2.5)
    assert s.llm_base_url == "http://127.0.0.1:1/v1"  # the fallback env var
    for env, message in (({"BOT_K": "x"}, "BOT_K='x' is not a valid whole number"), ({"BOT_K": "51"}, "k must be between 1 and 50"),
                         ({"BOT_SPARSE": "maybe"}, "not a valid true or false"), ({"BOT_THREADS": "0"}, "threads must be between 1")):
        with pytest.raises(BotError, match=message) as raised:
            Settings.load(env=env)
        assert raised.value.exit_code == 2  # a usage error, as the same value given as a flag is


def test_a_bad_env_value_is_a_usage_error_like_a_bad_flag(monkeypatch):
    monkeypatch.setenv("BOT_K", "abc")
    result = CliRunner().invoke(cli, ["ask", "x"])
    assert result.exit_code == 2 and "BOT_K='abc' is not a valid whole number" in result.output
    assert "Traceback" not in result.output


def test_random_bytes_in_index_id_do_not_stop_bot_index(tmp_path):
    """Issue 23, defect 11: 40 random bytes in INDEX_ID gave a 38-line UnicodeDecodeError traceback; a tag that is
    not one is replaced like any other bad value, and the index keeps answering."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "note.txt").write_text("The bike workshop opens at nine on Saturdays.", encoding="utf-8")
    idx = tmp_path / "idx"
    assert CliRunner().invoke(cli, ["index", "--index-dir", str(idx), str(docs)]).exit_code == 0
    (idx / "INDEX_ID").write_bytes(bytes(range(200, 240)))
    (docs / "more.txt").write_text("Helmets are lent for free at the front desk.", encoding="utf-8")
    result = CliRunner().invoke(cli, ["index", "--index-dir", str(idx), str(docs)])
    assert result.exit_code == 0 and "Traceback" not in result.output, result.output
    asked = CliRunner().invoke(cli, ["ask", "--json", "--index-dir", str(idx), "When does the bike workshop open on Saturdays?"])
    assert asked.exit_code == 0 and any("nine" in p["text"] for p in json.loads(asked.stdout)["retrieved"])


def _small_index(tmp_path) -> tuple[Path, Path]:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "note.txt").write_text("The bike workshop opens at nine on Saturdays.", encoding="utf-8")
    idx = tmp_path / "idx"
    assert CliRunner().invoke(cli, ["index", "--index-dir", str(idx), str(docs)]).exit_code == 0
    return docs, idx


def _disk_full_on_catalog_write(monkeypatch) -> None:
    """Writing a catalog fails as a full disk does (ENOSPC); ``monkeypatch.undo()`` gives the space back."""
    from index.catalog import Catalog

    def full(self, index_dir):
        raise OSError(errno.ENOSPC, "No space left on device", str(index_dir / "catalog-tmp"))

    monkeypatch.setattr(Catalog, "write", full)


def test_a_full_disk_is_one_line_and_the_index_in_use_is_intact(tmp_path, monkeypatch):
    """Issue 23, defect 6: a full disk gave a 41-line traceback. Now one line that says the old index is intact,
    and it is: it still answers, and the next run (with space again) indexes the new file."""
    docs, idx = _small_index(tmp_path)
    (docs / "more.txt").write_text("Helmets are lent for free at the front desk.", encoding="utf-8")
    _disk_full_on_catalog_write(monkeypatch)
    result = CliRunner().invoke(cli, ["index", "--index-dir", str(idx), str(docs)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error")]
    assert len(errors) == 1 and "No space left on the device" in errors[0] and "intact" in errors[0]
    asked = CliRunner().invoke(cli, ["ask", "--json", "--index-dir", str(idx), "When does the bike workshop open on Saturdays?"])
    assert asked.exit_code == 0 and any("nine" in p["text"] for p in json.loads(asked.stdout)["retrieved"])
    monkeypatch.undo()
    again = CliRunner().invoke(cli, ["index", "--index-dir", str(idx), str(docs)])
    assert again.exit_code == 0 and "added: more.txt" in again.output


def _error_lines(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("Error")]


@pytest.mark.parametrize("failing", ["opening the store", "counting the vectors"])
def test_while_the_disk_stays_full_ask_says_no_space_not_damage(tmp_path, monkeypatch, failing):
    """Issue 23, defect 6: on a full disk, opening Chroma's store fails ("(code: 13) database or disk is full": it
    writes its journal) and `bot ask` called the intact index damaged and advised a rebuild. Now one line that says
    there is no space and the index is intact; with space again it answers, unchanged. A catalog with its own copy
    of the vectors does not open Chroma to answer at all: it answers on the full disk; an older one says so."""
    import chromadb
    from chromadb.api.models.Collection import Collection
    from chromadb.errors import InternalError

    docs, idx = _small_index(tmp_path)

    def full(*args, **kwargs):
        raise InternalError("error returned from database: (code: 13) database or disk is full")

    if failing == "opening the store":
        monkeypatch.setattr(chromadb, "PersistentClient", full)
    else:
        monkeypatch.setattr(Collection, "count", full)
    question = ["--index-dir", str(idx), "When does the bike workshop open on Saturdays?"]
    asked = CliRunner().invoke(cli, ["ask", "--json", *question])
    assert asked.exit_code == 0 and any("nine" in p["text"] for p in json.loads(asked.stdout)["retrieved"])
    drop_vectors_copy(idx)  # an older catalog: its vectors are read through Chroma
    commands = [["ask", *question]] + ([["index", "--index-dir", str(idx), str(docs)]] if failing == "opening the store" else [])
    for command in commands:
        result = CliRunner().invoke(cli, command)
        assert result.exit_code == 1 and "Traceback" not in result.output, result.output
        errors = _error_lines(result)
        assert len(errors) == 1 and "No space left on the device" in errors[0] and "intact" in errors[0], errors
        assert "damaged" not in result.output and "--rebuild" not in result.output
    monkeypatch.undo()
    asked = CliRunner().invoke(cli, ["ask", "--json", *question])
    assert asked.exit_code == 0 and any("nine" in p["text"] for p in json.loads(asked.stdout)["retrieved"])


def test_a_first_build_on_a_full_disk_says_nothing_was_indexed(tmp_path, monkeypatch):
    """A fresh build on a full disk: one line that does not speak of an index "in use" (there is none yet)."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "note.txt").write_text("The bike workshop opens at nine on Saturdays.", encoding="utf-8")
    _disk_full_on_catalog_write(monkeypatch)
    result = CliRunner().invoke(cli, ["index", "--index-dir", str(tmp_path / "idx"), str(docs)])
    errors = _error_lines(result)
    assert result.exit_code == 1 and len(errors) == 1, result.output
    assert "No space left on the device" in errors[0] and "nothing was indexed" in errors[0] and "intact" not in errors[0]


def test_a_store_write_failing_on_a_full_disk_is_one_line(tmp_path, monkeypatch):
    """Chroma reports some writes on a full disk only as "Error in compaction: Failed to apply logs to the metadata
    segment" (seen on a 20 MB tmpfs filled to 40 KB): with (almost) no space left that is a full disk, one line."""
    from chromadb.api.models.Collection import Collection
    from chromadb.errors import InternalError

    import index.disk

    docs, idx = _small_index(tmp_path)
    (docs / "more.txt").write_text("Helmets are lent for free at the front desk.", encoding="utf-8")

    def compaction(self, *args, **kwargs):
        raise InternalError("Error in compaction: Failed to apply logs to the metadata segment")

    monkeypatch.setattr(Collection, "add", compaction)
    monkeypatch.setattr(index.disk, "free_bytes", lambda path: 4096)
    result = CliRunner().invoke(cli, ["index", "--index-dir", str(idx), str(docs)])
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    errors = _error_lines(result)
    assert len(errors) == 1 and "No space left on the device" in errors[0] and "intact" in errors[0], errors
    monkeypatch.setattr(index.disk, "free_bytes", lambda path: 10 << 30)  # plenty of space: a bug stays a traceback
    result = CliRunner().invoke(cli, ["index", "--index-dir", str(idx), str(docs)])
    assert result.exit_code != 0 and isinstance(result.exception, InternalError)


def test_a_failed_run_leaves_no_vector_folder_after_the_next_run(tmp_path, monkeypatch):
    """Issue 23, defect 6: the failed run's Chroma segment folder survived the next successful run (Chroma deletes a
    collection's rows but never its folder). Every folder left in the store is one Chroma still lists."""
    import sqlite3

    docs, idx = _small_index(tmp_path)
    (docs / "more.txt").write_text("Helmets are lent for free at the front desk.", encoding="utf-8")
    _disk_full_on_catalog_write(monkeypatch)
    assert CliRunner().invoke(cli, ["index", "--index-dir", str(idx), str(docs)]).exit_code == 1
    store = idx / "chroma"
    failed = {p.name for p in store.iterdir() if p.is_dir()}
    monkeypatch.undo()
    assert CliRunner().invoke(cli, ["index", "--index-dir", str(idx), str(docs)]).exit_code == 0
    db = sqlite3.connect(f"file:{store / 'chroma.sqlite3'}?mode=ro", uri=True)
    live = {row[0] for row in db.execute("SELECT id FROM segments")}
    db.close()
    folders = {p.name for p in store.iterdir() if p.is_dir()}
    assert len(failed) == 2 and folders <= live, (failed, folders, live)
    assert CliRunner().invoke(cli, ["ask", "--index-dir", str(idx), "Where are helmets lent?"]).exit_code == 0


def test_local_llm_without_a_gguf_file_is_one_line_error(seed_settings):
    result = CliRunner().invoke(cli, ["ask", "--llm", "local:/no/such/model.gguf", "--index-dir", str(seed_settings.index_dir), "What did Ishiba give Trump?"])
    assert result.exit_code != 0 and "No GGUF model file at '/no/such/model.gguf'" in result.output
    assert "Traceback" not in result.output
