"""Cross-lingual retrieval on the real seeds: English, Korean and Japanese questions find the right passage."""
from __future__ import annotations

import numpy as np
import pytest

from index.retriever import HybridRetriever

HELMET = "사무라이 투구"


@pytest.mark.parametrize(
    "question",
    [
        "What did Ishiba give Trump?",
        "이시바 총리는 트럼프에게 무엇을 선물했나?",
        "石破首相はトランプ大統領に何を贈ったか",  # ja→ko: reached since keyword evidence counts ×2 across languages
    ],
)
def test_helmet_passage_is_in_the_top_3(seed_index, question):
    hits = seed_index.search(question, k=3)
    assert any(HELMET in h.passage.text for h in hits), [h.passage.text[:60] for h in hits]


def test_japanese_document_answers_a_korean_question(seed_index):
    hits = seed_index.search("다카이치 총리와 트럼프 대통령의 통화는 몇 분 동안 이어졌나?", k=3)
    assert any("25분" in h.passage.text for h in hits)


def test_english_words_add_no_keyword_evidence_to_korean_text(seed_index):
    """BM25 on an English question over Korean/Japanese text would be noise: its weight must be zero there,
    unless a dictionary bridges the words (index/bridging.py, tests/test_bridging.py); here the bridge is off."""
    import dataclasses

    off = dataclasses.replace(seed_index, weights=dataclasses.replace(seed_index.weights, name=0.0, strong=0.0, loan=0.0))
    _, signals = off.unit_scores("What did Ishiba give Trump?")
    for unit, kw in zip(seed_index.catalog.units, signals["keyword"]):
        if unit.lang in ("ko", "ja"):
            assert kw == 0.0


def test_korean_keywords_count_for_korean_questions(seed_index):
    _, signals = seed_index.unit_scores("황금 사무라이 투구")
    best = max(range(len(signals["keyword"])), key=lambda i: signals["keyword"][i])
    assert HELMET in seed_index.catalog.units[best].text


def test_passages_come_with_matched_sentences_and_offsets(seed_index):
    [hit] = seed_index.search("What did Ishiba give Trump?", k=1)
    assert hit.units and hit.units[0].score >= hit.units[-1].score
    catalog = seed_index.catalog
    for u in hit.units:
        assert hit.passage.start <= u.start < u.end <= hit.passage.end
        assert catalog.quote(hit.passage.source, u.start, u.end)


def test_langchain_retriever_returns_documents_with_scores(seed_index):
    docs = HybridRetriever(index=seed_index, k=4).invoke("Takaichi phone call with Trump")
    assert len(docs) == 4
    assert all({"source", "passage_id", "score"} <= d.metadata.keys() for d in docs)
    assert docs[0].metadata["score"] >= docs[-1].metadata["score"]


def test_keyword_evidence_weighs_more_on_sentences_in_another_language(seed_index):
    """Across languages the embedding ranks worse than within one, so there the dictionary evidence counts
    ``cross_keyword`` times: the fused score moves by exactly the extra keyword share on other-language
    sentences, and not at all on sentences in the question's own language, nor for English questions."""
    import dataclasses

    import numpy as np

    question = "이시바 총리가 트럼프 대통령에게 선물한 투구는 어디에서 만들어졌나?"
    w = seed_index.weights
    flat = dataclasses.replace(seed_index, weights=dataclasses.replace(w, cross_keyword=1.0))
    fused, signals = seed_index.unit_scores(question)
    fused1, _ = flat.unit_scores(question)
    langs = seed_index.catalog.unit_langs
    extra = w.keyword * (w.cross_keyword - 1.0) * signals["keyword"]
    assert w.cross_keyword > 1.0 and (signals["keyword"][langs == "ja"] > 0).any()
    assert np.allclose(fused[langs == "ko"], fused1[langs == "ko"], atol=1e-5)
    assert np.allclose(fused[langs != "ko"], fused1[langs != "ko"] + extra[langs != "ko"], atol=1e-4)
    # an English question's keyword evidence is all bridged and has its own weight (``bridge``): unchanged
    english, _ = seed_index.unit_scores("What did Ishiba give Trump?")
    english1, _ = flat.unit_scores("What did Ishiba give Trump?")
    assert np.allclose(english, english1, atol=1e-5)


def test_passages_rank_by_their_best_sentence_plus_half_of_how_close_the_second_comes_ties_by_the_best():
    from index.retrieving import rank_passages

    unit_passage = np.array([0, 0, 1, 1, 1, 2, 3])
    fused = np.array([2.0, 1.8, 2.0, 0.5, 0.4, 1.9, 2.0], dtype=np.float32)
    order, numbers, ranked, scores = rank_passages(fused, unit_passage, 0.5)
    # passage 0: 2.0 + 0.5 × (1.8 − 2.0 + 1) = 2.4; passage 1: 2.0 + 0.5 × max(0.5 − 2.0 + 1, 0) = 2.0;
    # passage 2: one sentence, 1.9; passage 3: 2.0, tied with passage 1, after it because its best unit sorts later
    assert np.allclose(scores, [2.4, 2.0, 1.9, 2.0])
    assert ranked.tolist()[0] == 0 and set(ranked.tolist()[1:3]) == {1, 3} and ranked.tolist()[3] == 2
    first_of = {n: list(order).index(next(r for r in order if unit_passage[r] == n)) for n in (1, 3)}
    assert ranked.tolist()[1:3] == sorted((1, 3), key=first_of.get)
    assert order[numbers == 1].tolist() == [2, 3, 4]  # a passage's sentences, best first


def test_sparse_scores_over_the_questions_columns_equal_the_whole_matrix_product(seed_index):
    """The question's columns of a column-major copy give exactly the whole-matrix product's scores, bit for bit."""
    import numpy as np
    import scipy.sparse as sp

    cat = seed_index.catalog
    for question in ("What did Ishiba give Trump?", "트럼프 대통령은 방위비에 대해 무엇을 말했나요?", "石破首相は何を贈った？"):
        q = seed_index.embedder.sparse([question])
        whole = np.asarray((cat.sparse @ q.T).todense()).ravel().astype(np.float32)
        assert q.nnz and whole.any()
        assert np.array_equal(seed_index.sparse_scores(q), whole)
    empty = sp.csr_matrix((1, cat.sparse.shape[1]), dtype=np.float32)
    assert np.array_equal(seed_index.sparse_scores(empty), np.zeros(len(cat.units), dtype=np.float32))


def test_the_idf_is_bm25s_own_and_the_catalog_uses_it(seed_index):
    """One idf for the coverage share, the document score and BM25 (issue 21: bm25s's, not a hand-written copy):
    Lucene's log(1 + (n - df + 0.5) / (df + 0.5)), and the catalog's idf of a word is that of its sentence count."""
    import math

    from bm25s.scoring import _score_idf_lucene
    from index.catalog import bm25_idf

    assert bm25_idf(1, 345) == _score_idf_lucene(1, 345) == math.log(1 + 344.5 / 1.5)
    cat = seed_index.catalog
    word = next(t for t in cat.idf if len(cat.postings[t]) == 3)
    assert cat.idf[word] == bm25_idf(3, len(cat.units))
