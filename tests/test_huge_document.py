"""Issue 23, defect 9: one huge file (a 282 KB line of 4,001 sentences) skewed how every other file ranked.

Sentences are scored as z-scores within their language, so a flood of unrelated sentences in one language set
what counted as close there, and the other files' sentences of that language beat the answer in another one.
No document now outweighs the rest of its language more than ``RetrievalWeights.document_ratio`` to one there.
"""
from __future__ import annotations

import random

import numpy as np

from bot.chain import Chatbot
from index.indexing import run_index
from index.retrieving import _z_by_group
from index.settings import RetrievalWeights, Settings

LIBRARY_KO = (
    "해운대 시립 도서관은 1998년에 문을 열었다.\n\n도서관은 매주 월요일에 휴관하며, 화요일부터 일요일까지 오전 9시에 문을 연다.\n\n"
    "어린이 열람실은 2층에 있고, 주말에는 그림책 읽기 모임이 열린다.\n\n도서관 회원증은 신분증을 가져오면 무료로 발급된다.\n"
)
LIBRARY_EN = (
    "The Haeundae city library is one of the busiest public libraries in Busan.\n\n"
    "Visitors praise the library's sea view reading room and its quiet study desks.\n\n"
    "The library building was renovated in 2019 with new lighting and shelves.\n"
)


def one_line_log(n: int) -> str:
    """``n`` unrelated English sentences on one line, the shape of the issue's file."""
    r = random.Random(7)
    adj = "green quiet heavy bright narrow ancient sudden gentle bitter hollow golden rusty crowded silent".split()
    noun = "lantern bridge harbour tractor orchard ledger violin quarry kettle meadow workshop carriage tunnel granary".split()
    verb = "repaired painted moved inspected sold weighed counted cleaned measured photographed".split()
    return " ".join(
        f"Entry {i} records that the {r.choice(adj)} {r.choice(noun)} was {r.choice(verb)} beside the {r.choice(noun)} on day {i % 28 + 1}."
        for i in range(n)
    ) + "\n"


def test_a_huge_unrelated_file_does_not_change_which_small_file_answers(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "library_ko.txt").write_text(LIBRARY_KO, encoding="utf-8")
    (docs / "library_en.txt").write_text(LIBRARY_EN, encoding="utf-8")
    (docs / "log.txt").write_text(one_line_log(120), encoding="utf-8")
    settings = Settings.load(env={}, index_dir=tmp_path / "index", docs=[docs])
    run_index(settings)
    result = Chatbot(settings).answer("How do I get a library card?")
    assert not result.refused and [c.source for c in result.citations] == ["library_ko.txt"], result.answer
    assert "회원증" in result.answer


def test_no_document_outweighs_the_rest_of_its_language_more_than_the_ratio():
    """Past ``ratio`` times the rest, a document's size no longer moves the other documents' z-scores: 4,000
    entries that repeat a pattern weigh like the pattern repeated ``ratio`` times the rest; at or under it,
    the statistics are those of every entry (the seeds are scored as before)."""
    ratio = RetrievalWeights().document_ratio
    assert ratio > 0
    small = np.array([0.9, 0.5, 0.4], dtype=np.float32)
    pattern = np.linspace(0.1, 0.3, 3, dtype=np.float32)

    def z(huge: np.ndarray, ratio: float = ratio) -> np.ndarray:
        x = np.concatenate([small, huge])
        docs = np.array([0] * len(small) + [1] * len(huge))
        return _z_by_group(x, np.array(["en"] * len(x)), docs=docs, ratio=ratio)[: len(small)]

    at_limit = np.tile(pattern, int(ratio))  # ratio × 3 entries beside the 3 small ones
    np.testing.assert_allclose(z(np.tile(pattern, 1333)), z(at_limit), rtol=1e-5)
    np.testing.assert_allclose(z(at_limit), z(at_limit, ratio=0), rtol=1e-6)
    assert not np.allclose(z(np.tile(pattern, 1333), ratio=0), z(at_limit, ratio=0))  # what the cap prevents
