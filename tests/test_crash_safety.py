"""Kills, races and damage: an index either answers exactly as before, or says it is damaged and how to rebuild.

Crash tests run `run_index` in a real subprocess, stop it at a named step (the real step, wrapped so that it
then writes a flag file and sleeps, or a progress event does), and kill it with SIGKILL; answers are compared before, after the kill, and after the next (repairing) run.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import index.versions as catalog_versions
from bot.chain import open_chatbot
from index.errors import BotError
from index.settings import Settings
from index.indexing import run_index
from index.retrieving import Index
from index.catalog import Catalog
from index.chroma import open_client
from index.local_store import collect_garbage
from index.versions import current_dir
from test_chroma_server import chroma_server  # noqa: F401 - the real `chroma run` server fixture
from test_vectors import drop_vectors_copy

KO = "이시바 총리는 트럼프 대통령에게 황금 사무라이 투구를 선물했다. 투구는 돗토리현에서 준비되었다. 두 정상은 골프를 쳤다.\n"
JA = "高市首相は一月二日にトランプ大統領と電話で会談した。両首脳は春の訪米で合意した。関税交渉は続いている。\n"
EN = "The U.S. Steel deal was described as an investment. Tariffs of 25% were announced on Oct. 28. Talks resumed in May.\n"
NEW = "일본 정부는 미국산 쌀 수입을 늘리기로 했다. 협상은 워싱턴에서 열렸다.\n"
QUESTIONS = ["What did Ishiba give Trump?", "황금 사무라이 투구", "電話会談はいつ", "steel investment tariffs", "쌀 수입"]

CHILD = r"""
import sys, time
from pathlib import Path
import index.catalog, index.encoding, index.indexing as ix, index.local_store, index.server_store, index.store
from index.settings import Settings

when, flag, index_dir, docs, rebuild, url = sys.argv[1:7]

def hold(key):
    if key == when:
        Path(flag).write_text(key)
        time.sleep(600)

def after(owner, name, step):
    real = getattr(owner, name)
    def wrapped(*args, **kwargs):
        out = real(*args, **kwargs)
        hold("after:" + step)
        return out
    setattr(owner, name, wrapped)

after(index.local_store.LocalStore, "connect", "read")  # the index read, the vector store open
after(index.server_store.ServerStore, "connect", "read")
after(index.store.Store, "keep", "copy")
after(index.store.Store, "add", "embed")
after(index.encoding.Encodings, "sparse_rows", "sparse")
after(index.catalog.Catalog, "write", "write")
after(index.server_store, "upload_catalog", "upload")
after(index.server_store, "write_pointer", "server-switch")
after(index.store, "switch", "switch")
settings = Settings.load(env={}, index_dir=Path(index_dir), sparse=True, chroma_url=url or None)
ix.run_index(settings, [Path(docs)], rebuild=rebuild == "1", progress=lambda stage, done, total: hold(f"{stage}:{done}"))
print("finished without reaching", when)
"""


def settings_for(index_dir: Path, **kw) -> Settings:
    return Settings.load(env={}, index_dir=index_dir, sparse=True, **kw)


def write_v1(d: Path) -> Path:
    d.mkdir(exist_ok=True)
    (d / "ko.txt").write_text(KO, encoding="utf-8")
    (d / "ja.md").write_text(JA, encoding="utf-8")
    (d / "en.txt").write_text(EN, encoding="utf-8")
    return d


def write_v2(d: Path) -> Path:
    (d / "ko.txt").write_text(KO.replace("황금", "은빛") + "회담은 2월 7일에 열렸다.\n", encoding="utf-8")
    (d / "new.txt").write_text(NEW, encoding="utf-8")
    (d / "ja.md").unlink()
    return d


def answers(s: Settings) -> list:
    index = Index.open(s)
    return [[(h.passage.id, round(h.score, 4)) for h in index.search(q, k=3)] for q in QUESTIONS]


def collections(s: Settings) -> set[str]:
    return {getattr(c, "name", c) for c in open_client(s.index_dir, s.chroma_url).list_collections()}


def catalog_dirs(s: Settings) -> set[str]:
    return {d.name for d in s.index_dir.glob("catalog-*")}


def kill_at(when: str, s: Settings, docs: Path, *, rebuild: bool = False, timeout: float = 240) -> None:
    """Run `run_index` in a subprocess, wait until it reaches ``when``, and SIGKILL it there."""
    flag = s.index_dir.parent / f"flag-{os.getpid()}-{time.monotonic_ns()}"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False", "BOT_THREADS": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, when, str(flag), str(s.index_dir), str(docs), "1" if rebuild else "0", s.chroma_url or ""],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
    )
    deadline = time.time() + timeout
    while not flag.exists():
        if proc.poll() is not None:
            pytest.fail(f"the indexer ended before {when}: {proc.stdout.read().decode()[-2000:]}")
        if time.time() > deadline:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            pytest.fail(f"the indexer did not reach {when} within {timeout} s")
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL


# Steps of an incremental run, in order; every kill before the switch must leave the old answers.
BEFORE_SWITCH = ["after:read", "after:copy", "embed:0", "after:embed", "after:sparse", "after:write"]


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """Answers of clean, uninterrupted builds of the corpus before (v1) and after (v2) the edit."""
    base = tmp_path_factory.mktemp("reference")
    docs = write_v1(base / "docs")
    s1 = settings_for(base / "v1")
    run_index(s1, [docs])
    s2 = settings_for(base / "v2")
    run_index(s2, [write_v2(docs)])
    got = {"v1": answers(s1), "v2": answers(s2)}
    for name, s in (("v1", s1), ("v2", s2)):  # as Chroma's own search scores them (a server), to the last bit
        drop_vectors_copy(s.index_dir)
        got[f"chroma-{name}"] = answers(s)
    return got


def test_a_killed_incremental_run_changes_no_answer_and_the_next_run_repairs(tmp_path, reference, monkeypatch):
    docs = write_v1(tmp_path / "docs")
    s = settings_for(tmp_path / "index")
    run_index(s, [docs])
    assert answers(s) == reference["v1"]
    live = Catalog.load(s.index_dir)
    write_v2(docs)

    for when in BEFORE_SWITCH:  # one after another: each dead run's leftovers stay while the next one dies
        kill_at(when, s, docs)
        assert answers(s) == reference["v1"], f"answers changed after a kill at {when}"
        assert Catalog.load(s.index_dir).collection == live.collection
    assert len(collections(s)) > 1  # the dead runs did leave collections behind

    report = run_index(s, [docs])  # the repair run redoes the edit: nothing was recorded as done
    assert report.updated == ["ko.txt"] and report.added == ["new.txt"] and report.removed == ["ja.md"]
    assert answers(s) == reference["v2"]
    current = Catalog.load(s.index_dir)
    # what the dead runs left is gone; the superseded catalog and collection wait out their grace period
    assert collections(s) == {current.collection, live.collection}
    assert catalog_dirs(s) == {current.name, live.name}

    monkeypatch.setattr(catalog_versions, "GRACE_SECONDS", 0.0)
    assert run_index(s, [docs]).embedded_units == 0
    assert collections(s) == {current.collection} and catalog_dirs(s) == {current.name}
    assert open_client(s.index_dir, None, create=False).get_collection(current.collection).count() == len(current.units)
    assert Index.open(s).store.vectors.shape == (len(current.units), current.dim)


def test_a_run_killed_right_after_its_switch_gives_the_new_answers(tmp_path, reference):
    docs = write_v1(tmp_path / "docs")
    s = settings_for(tmp_path / "index")
    run_index(s, [docs])
    write_v2(docs)
    kill_at("after:switch", s, docs)
    assert answers(s) == reference["v2"]
    assert run_index(s, [docs]).embedded_units == 0
    assert answers(s) == reference["v2"]


def test_killed_rebuilds_leave_no_collection_behind(tmp_path, reference):
    docs = write_v1(tmp_path / "docs")
    s = settings_for(tmp_path / "index")
    run_index(s, [docs])
    for when in ("embed:0", "after:write"):  # an empty collection; a full one and a catalog never switched to
        kill_at(when, s, docs, rebuild=True)
        assert answers(s) == reference["v1"], f"answers changed after a rebuild killed at {when}"
    assert len(collections(s)) == 3 and len(catalog_dirs(s)) == 2  # what the dead rebuilds left
    report = run_index(s, [docs])
    assert report.embedded_units == 0 and sorted(report.unchanged) == ["en.txt", "ja.md", "ko.txt"]
    current = Catalog.load(s.index_dir)
    assert collections(s) == {current.collection} and catalog_dirs(s) == {current.name}
    assert answers(s) == reference["v1"]


# --- readers during switches --------------------------------------------------------------------

@pytest.mark.parametrize("grace", [0.0, catalog_versions.GRACE_SECONDS])
def test_readers_see_the_old_or_the_new_catalog_while_it_switches(tmp_path, monkeypatch, grace):
    monkeypatch.setattr(catalog_versions, "GRACE_SECONDS", grace)
    docs = write_v1(tmp_path / "docs")
    s = settings_for(tmp_path / "index")
    run_index(s, [docs])
    a = Catalog.load(s.index_dir)
    client = open_client(s.index_dir, None)
    b = Catalog.load(s.index_dir)
    del b.files["ja.md"]
    b.sparse = None
    b.derive()
    b.bm25 = None
    versions = {frozenset(a.files), frozenset(b.files)}

    stop = threading.Event()
    errors: list[BaseException] = []
    seen: list[frozenset] = []

    def read() -> None:
        while not stop.is_set():
            try:
                seen.append(frozenset(Catalog.load(s.index_dir).files))
            except BaseException as exc:  # noqa: BLE001 - any error at all is the failure being tested
                errors.append(exc)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for i in range(100):
            catalog = a if i % 2 else b
            catalog.save(s.index_dir)
            collect_garbage(s.index_dir, client, catalog, prefix=s.collection, embedded=True)
    finally:
        stop.set()
        reader.join()
    assert not errors, f"{len(errors)} of {len(errors) + len(seen)} reads failed, e.g. {errors[0]!r}"
    assert set(seen) <= versions and len(seen) > 20


# --- damage -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def built(tmp_path_factory):
    base = tmp_path_factory.mktemp("built")
    docs = write_v1(base / "docs")
    s = settings_for(base / "index", docs=[docs])
    run_index(s, [docs])
    return s


@pytest.fixture()
def copy(built, tmp_path):
    """A private copy of the small built index, to damage."""
    shutil.copytree(built.index_dir, tmp_path / "index")
    return built.replace(index_dir=tmp_path / "index")


def _truncate(path: Path, keep: float = 0.5) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])


DAMAGE = {
    "empty files.jsonl": lambda d: (d / "files.jsonl").write_bytes(b""),
    "truncated files.jsonl at a line end": lambda d: (d / "files.jsonl").write_bytes(
        b"".join((d / "files.jsonl").read_bytes().splitlines(keepends=True)[:1])
    ),
    "truncated sparse.npz": lambda d: _truncate(d / "sparse.npz"),
    "truncated vectors.npy": lambda d: _truncate(d / "vectors.npy"),
    "deleted vectors.npy": lambda d: (d / "vectors.npy").unlink(),
    "truncated bm25 vocab": lambda d: _truncate(next(d.glob("bm25/vocab*"))),
    "truncated bm25 matrix": lambda d: _truncate(next(d.glob("bm25/*.npy"))),
    "garbage manifest": lambda d: (d / "manifest.json").write_text("{not json", encoding="utf-8"),
    "deleted manifest": lambda d: (d / "manifest.json").unlink(),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damaged_catalog_files_say_rebuild(copy, damage):
    DAMAGE[damage](current_dir(copy.index_dir))
    with pytest.raises(BotError, match=r"damaged.*bot index --rebuild"):
        Index.open(copy)
    with pytest.raises(BotError, match="--rebuild"):
        run_index(copy, list(copy.docs))
    if damage == "empty files.jsonl":  # what the message says to do works
        assert run_index(copy, list(copy.docs), rebuild=True).embedded_units > 0
        assert Index.open(copy).search("황금 사무라이 투구", k=1)[0].passage.source == "ko.txt"


def test_a_vectors_file_of_the_wrong_shape_says_rebuild_even_with_its_checksum(copy):
    """Written by something else (its checksum updated to match): damage, not a smaller or garbled search."""
    directory = current_dir(copy.index_dir)
    np.save(directory / "vectors.npy", np.load(directory / "vectors.npy")[:-1])
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    manifest["checksums"]["vectors.npy"] = catalog_versions.sha256((directory / "vectors.npy").read_bytes())
    (directory / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(BotError, match=r"damaged.*vectors.npy.*bot index --rebuild"):
        Index.open(copy)


def answers_without_chroma_and_older_catalogs_say(copy, match: str) -> None:
    """Damage to the Chroma store does not reach a reader of a catalog with its own checksummed copy of the vectors
    (it answers as before); a catalog without the copy (an older one) reports it as ever."""
    assert Index.open(copy).search("황금 사무라이 투구", k=1)[0].passage.source == "ko.txt"
    drop_vectors_copy(copy.index_dir)
    with pytest.raises(BotError, match=match):
        Index.open(copy)


def test_truncated_chroma_database_says_rebuild(copy):
    _truncate(copy.index_dir / "chroma" / "chroma.sqlite3", 0.3)
    answers_without_chroma_and_older_catalogs_say(copy, r"damaged.*bot index --rebuild")
    with pytest.raises(BotError, match=r"damaged.*bot index --rebuild"):
        run_index(copy, list(copy.docs))


STORE_DAMAGE = {
    "garbage over the header": lambda b: b"\x41" * 40960 + b[40960:],
    "garbage after the header": lambda b: b[:100] + bytes(range(256)) * 160 + b[100 + 256 * 160:],
    "an empty file": lambda b: b"",
}


@pytest.mark.parametrize("damage", list(STORE_DAMAGE))
def test_a_damaged_chroma_database_says_rebuild_and_the_rebuild_works(copy, damage):
    """Issue 23, defects 4 and 13: garbage in chroma.sqlite3 made `bot index --rebuild`, the advised fix, fail the
    same way, and opening an empty file turned it into a new 188 KB database. Now opening creates nothing and the
    rebuild builds a fresh store in its place."""
    database = copy.index_dir / "chroma" / "chroma.sqlite3"
    database.write_bytes(STORE_DAMAGE[damage](database.read_bytes()))
    before = database.read_bytes()
    answers_without_chroma_and_older_catalogs_say(copy, r"damaged.*bot index --rebuild")
    with pytest.raises(BotError, match=r"damaged.*bot index --rebuild"):
        run_index(copy, list(copy.docs))
    assert database.read_bytes() == before  # opening never creates or changes anything
    assert run_index(copy, list(copy.docs), rebuild=True).embedded_units > 0
    assert Index.open(copy).search("황금 사무라이 투구", k=1)[0].passage.source == "ko.txt"
    assert sorted(p.name for p in copy.index_dir.iterdir() if p.name.startswith("chroma")) == ["chroma"]  # nothing left aside


def test_deleted_vector_store_says_rebuild_and_is_not_recreated(copy):
    shutil.rmtree(copy.index_dir / "chroma")
    answers_without_chroma_and_older_catalogs_say(copy, r"vector store .* missing.*bot index --rebuild")
    assert not (copy.index_dir / "chroma").exists()
    report = run_index(copy, list(copy.docs))  # an incremental run repairs it, too, and says so
    assert report.embedded_units == len(Catalog.load(copy.index_dir).units)
    assert any("vectors were missing" in p for p in report.problems)
    assert Index.open(copy).search("황금 사무라이 투구", k=1)[0].passage.source == "ko.txt"


def test_missing_vectors_say_rebuild(copy):
    cat = Catalog.load(copy.index_dir)
    col = open_client(copy.index_dir, None).get_collection(cat.collection)
    col.delete(ids=[cat.files["ko.txt"].chroma_ids[0]])
    answers_without_chroma_and_older_catalogs_say(copy, r"damaged \(\d+ vectors .* for \d+ sentences\)")


@pytest.mark.parametrize("damage", ["deleted catalog", "garbage CURRENT", "deleted CURRENT"])
def test_a_lost_catalog_is_reported_not_silently_rebuilt_from_the_default_documents(copy, damage):
    if damage == "deleted catalog":
        shutil.rmtree(current_dir(copy.index_dir))
    elif damage == "garbage CURRENT":
        (copy.index_dir / "CURRENT").write_bytes(b"\x00\xff garbage")
    else:
        (copy.index_dir / "CURRENT").unlink()
    before = sorted(p.name for p in copy.index_dir.iterdir())
    with pytest.raises(BotError, match=r"damaged.*bot index --rebuild"):
        open_chatbot(copy).answer("What did Ishiba give Trump?")
    assert sorted(p.name for p in copy.index_dir.iterdir()) == before  # nothing was indexed
    if damage == "garbage CURRENT":
        run_index(copy, list(copy.docs), rebuild=True)
        assert open_chatbot(copy).index.search("황금 사무라이 투구", k=1)[0].passage.source == "ko.txt"
        assert catalog_dirs(copy) == {Catalog.load(copy.index_dir).name}


def test_open_chatbot_builds_only_where_there_never_was_an_index(tmp_path):
    docs = write_v1(tmp_path / "docs")
    s = settings_for(tmp_path / "fresh", docs=[docs])
    kill_at("after:write", s, docs)  # a first run that died before its switch built nothing yet
    assert open_chatbot(s).index.search("황금 사무라이 투구", k=1)[0].passage.source == "ko.txt"
    assert len(catalog_dirs(s)) == 1
    assert current_dir(s.index_dir) is not None


def test_an_index_of_the_old_format_says_rebuild(copy):
    manifest = current_dir(copy.index_dir) / "manifest.json"
    data = json.loads(manifest.read_text(encoding="utf-8"))
    manifest.write_text(json.dumps({**data, "format": 1}), encoding="utf-8")
    with pytest.raises(BotError, match=r"format 1 .*format 2.*bot index --rebuild"):
        Index.open(copy)


# --- server mode ------------------------------------------------------------------------------------

@pytest.mark.server
def test_an_embedded_index_asked_through_a_server_says_so_and_creates_nothing(built, chroma_server):
    before = collections(built.replace(chroma_url=chroma_server))
    with pytest.raises(BotError, match="embedded store.*Drop --chroma-url"):
        Index.open(built.replace(chroma_url=chroma_server))
    assert collections(built.replace(chroma_url=chroma_server)) == before


@pytest.mark.server
def test_server_mode_collects_its_own_leftovers_and_nothing_else(tmp_path, chroma_server, reference):
    docs = write_v1(tmp_path / "docs")
    s = settings_for(tmp_path / "index", chroma_url=chroma_server)
    client = open_client(s.index_dir, chroma_server)
    foreign = client.create_collection(f"{s.collection}-0000beef")  # another index on the same server, same prefix
    foreign.add(ids=["x"], embeddings=[[0.1] * 384])
    run_index(s, [docs])
    first = Catalog.load(s.index_dir).collection
    finished = {first, f"{first}-catalog", f"{s.collection}-current", foreign.name}  # vectors, catalog, pointer
    assert collections(s) == finished
    kill_at("after:embed", s, docs, rebuild=True)
    assert answers(s) == reference["chroma-v1"]
    assert len(collections(s)) == 5  # the killed run's vectors
    kill_at("after:upload", s, docs, rebuild=True)  # its vectors and catalog written, the pointer not switched
    assert answers(s) == reference["chroma-v1"]
    assert answers(s.replace(index_dir=tmp_path / "elsewhere")) == reference["chroma-v1"]  # a fresh machine: the old index
    assert len(collections(s)) == 7
    run_index(s, [docs])
    assert collections(s) == finished
    kill_at("after:server-switch", s, write_v2(docs))  # switched on the server, not yet in this machine's cache
    assert answers(s) == reference["chroma-v2"]
    client.delete_collection(Catalog.load(s.index_dir).collection)  # vectors lost on the server
    with pytest.raises(BotError, match=r"not in http://.*bot index --rebuild"):
        Index.open(s)
    client.delete_collection(foreign.name)
