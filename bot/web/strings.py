"""The interface's words in English, Korean and Japanese, kept as data in ``static/strings.json``."""
from __future__ import annotations

import json
from functools import lru_cache
from importlib.resources import files

UI_LANGUAGES = ("en", "ko", "ja")


@lru_cache(maxsize=1)
def _all() -> dict[str, dict[str, str]]:
    return json.loads(files("bot.web").joinpath("static/strings.json").read_text(encoding="utf-8"))


def ui_language(tag: str | None) -> str:
    """The interface language for a browser language tag ("ko-KR", "ja", "en-US"…); English if not ours."""
    base = (tag or "").strip().lower().replace("_", "-").split("-")[0]
    return base if base in UI_LANGUAGES else "en"


def strings(ui: str = "en") -> dict[str, str]:
    """Every string in language ``ui``; a key missing there falls back to English."""
    table = _all()
    return {**table["en"], **table.get(ui, {})}
