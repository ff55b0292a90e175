"""The catalog's copy of the dense vectors: local readers search it exactly instead of opening Chroma."""
from __future__ import annotations

import json
import shutil

import numpy as np

from index.catalog import VECTORS_FILE
from index.chroma import open_client
from index.retrieving import Index
from index.vectors import CatalogVectors, StoredVectors
from index.versions import current_dir

QUESTION = "What did Ishiba give Trump?"


def test_a_local_index_searches_the_catalogs_copy_of_chromas_vectors(seed_settings, seed_index):
    cat = seed_index.catalog
    assert isinstance(seed_index.store, CatalogVectors)
    chroma = StoredVectors(open_client(seed_settings.index_dir, None, create=False), cat.collection)
    got = chroma.get(ids=list(cat.chroma_to_unit), include=["embeddings"])
    rows = [cat.chroma_to_unit[cid] for cid in got["ids"]]
    np.testing.assert_array_equal(cat.vectors[rows], np.asarray(got["embeddings"], dtype=np.float32))  # bit for bit
    q = seed_index.embedder.encode_queries([QUESTION])[0].tolist()
    for lang, count in cat.lang_counts.items():
        k = min(10, count)
        exact = seed_index.store.nearest(q, k, {"lang": lang})
        approx = dict(chroma.nearest(q, k, {"lang": lang}))  # HNSW: approximate, may miss a candidate
        assert len(exact) == k and all(cat.units[cat.chroma_to_unit[cid]].lang == lang for cid, _ in exact)
        assert [d for _, d in exact] == sorted(d for _, d in exact)
        assert exact[0][0] == min(approx, key=approx.get)
        assert len(approx.keys() & dict(exact).keys()) >= k - 1
        for cid, dist in exact:
            if cid in approx:
                assert abs(dist - approx[cid]) < 1e-5


def drop_vectors_copy(index_dir) -> None:
    """Make the current catalog one written before catalogs kept a copy of their vectors."""
    directory = current_dir(index_dir)
    (directory / VECTORS_FILE).unlink()
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    del manifest["checksums"][VECTORS_FILE]
    (directory / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def test_an_older_catalog_without_the_copy_is_read_through_chroma(seed_settings, seed_index, tmp_path):
    shutil.copytree(seed_settings.index_dir, tmp_path / "index")
    settings = seed_settings.replace(index_dir=tmp_path / "index")
    drop_vectors_copy(settings.index_dir)
    old = Index.open(settings)
    assert isinstance(old.store, StoredVectors) and old.catalog.vectors is None
    assert old.search(QUESTION, k=1)[0].passage.id == seed_index.search(QUESTION, k=1)[0].passage.id
