"""The answer chain with a real model: Qwen2.5-Coder-0.5B-Instruct (GGUF) run in-process by xllamacpp.

The model comes from ``scripts/test-model`` (``./scripts/test`` fetches it; ``SEEDBOT_TEST_MODEL`` names
another file). Without xllamacpp or the model these tests are skipped, saying why.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.chain import Chatbot

MODEL = Path(os.environ.get("SEEDBOT_TEST_MODEL", Path.home() / ".cache/seedbot/models/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"))

pytest.importorskip("xllamacpp", reason="xllamacpp is not installed: pip install -e '.[local]'")
pytestmark = pytest.mark.skipif(not MODEL.is_file(), reason=f"no test model at {MODEL}: run scripts/test-model")


def ask(settings, index, question: str):
    bot = Chatbot(settings.replace(llm=f"local:{MODEL}"), index=index)
    events = list(bot.stream(question))
    return [e for e in events if isinstance(e, str)], events[-1]


def assert_cited_or_flagged(result, index) -> None:
    """Every citation an exact file span; an answer without valid citations is refused or flagged, never passed off."""
    for c in result.citations + result.evidence:
        assert index.catalog.quote(c.source, c.start, c.end) == c.quote
    assert result.refused or result.unsupported or result.citations, result


def test_local_llm_answers_through_the_chain_with_checked_citations(seed_settings, seed_index):
    pieces, result = ask(seed_settings.replace(llm_timeout=600), seed_index, "What did Ishiba give Trump?")
    assert result.answerer == f"local:{MODEL}", result.warnings
    assert pieces and "".join(pieces).strip()  # the reply streamed
    assert not result.warnings or all("failed" not in w for w in result.warnings), result.warnings
    assert_cited_or_flagged(result, seed_index)


def test_local_llm_off_corpus_question_is_refused_or_flagged(seed_settings, seed_index):
    _, result = ask(seed_settings.replace(llm_timeout=600), seed_index, "What is the boiling point of liquid nitrogen?")
    assert result.answerer == f"local:{MODEL}", result.warnings
    assert result.refused or result.unsupported, result.answer


def test_local_llm_past_the_timeout_falls_back_to_the_extractive_answer(seed_settings, seed_index):
    """1 ms for the whole reply: prompt evaluation alone takes tens of ms, so the model can never finish in time."""
    _, result = ask(seed_settings.replace(llm_timeout=0.001), seed_index, "What did Ishiba give Trump?")
    assert result.answerer == "extractive"
    assert result.citations and not result.unsupported
    assert result.warnings and all("within 0.001 s" in w for w in result.warnings if "failed" in w), result.warnings
    assert_cited_or_flagged(result, seed_index)


def test_local_judge_prefers_the_passage_that_states_the_answer(seed_settings):
    from bot.judging import Judge

    judge = Judge(f"local:{MODEL}", seed_settings.replace(llm_timeout=600))
    question = "What did Ishiba give Trump?"
    answer = judge.p_yes(question, "Prime Minister Ishiba gave President Trump a golden samurai helmet as a gift.")
    unrelated = judge.p_yes(question, "The weather in Paris was rainy on Tuesday.")
    assert 0.0 <= unrelated < answer <= 1.0, (answer, unrelated)


def test_local_judge_rejecting_an_extractive_answer_refuses_it(seed_settings, seed_index):
    """judge_min=1.0: only a judge with no doubt at all (no 'No' among its first token's alternatives) lets it stand."""
    settings = seed_settings.replace(judge=f"local:{MODEL}", judge_min=1.0, llm_timeout=600)
    result = list(Chatbot(settings, index=seed_index).stream("What did Ishiba give Trump?"))[-1]
    assert result.answerer == "extractive" and result.refused, result.answer
    assert "judge" in result.timings_ms
