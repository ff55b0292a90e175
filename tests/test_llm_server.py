"""Optional: the LLM path against a real OpenAI-compatible server (vLLM, llama.cpp, LM Studio, Ollama /v1).

Runs only when BOT_TEST_LLM_BASE_URL is set (and BOT_TEST_LLM_MODEL, default "default"); there are
no model weights offline, so CI skips it.
"""
from __future__ import annotations

import os

import pytest

from bot.chain import Chatbot

BASE_URL = os.environ.get("BOT_TEST_LLM_BASE_URL")

pytestmark = pytest.mark.skipif(not BASE_URL, reason="set BOT_TEST_LLM_BASE_URL to test against a real LLM server")


def test_real_llm_answers_with_valid_citations(seed_settings, seed_index):
    settings = seed_settings.replace(llm=f"openai:{os.environ.get('BOT_TEST_LLM_MODEL', 'default')}", llm_base_url=BASE_URL)
    bot = Chatbot(settings, index=seed_index)
    events = list(bot.stream("What did Ishiba give Trump?"))
    result = events[-1]
    assert not result.warnings, result.warnings
    assert result.answerer.startswith("openai:") and result.answer
    for c in result.citations:
        assert seed_index.catalog.quote(c.source, c.start, c.end) == c.quote
