"""Shared fixtures: the seed index is built once per session (embedding it is the slow part)."""
from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from pathlib import Path

import pytest

from index.settings import SEEDS_DIR, Settings

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def seed_settings(tmp_path_factory) -> Settings:
    """Settings for an index of the five seed documents, built once for the whole session."""
    from index.indexing import run_index

    index_dir = tmp_path_factory.mktemp("seed-index")
    settings = Settings.load(env={}, index_dir=index_dir, docs=[SEEDS_DIR])
    run_index(settings)
    return settings


@pytest.fixture(scope="session")
def seed_index(seed_settings):
    from index.retrieving import Index

    return Index.open(seed_settings)


@pytest.fixture(scope="session")
def chatbot(seed_settings, seed_index):
    from bot.chain import Chatbot

    return Chatbot(seed_settings, index=seed_index)
