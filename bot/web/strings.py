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


# The words the page script needs (Gradio's own texts it replaces, its notes); sent with the page, all languages.
JS_KEYS = ("examples", "done", "drop_files", "or", "click_to_upload", "use_api", "server_unreachable", "sources_label")


def script_strings() -> str:
    """``window.seedbotStrings = {...};`` for the page script, safe inside a ``<script>`` element."""
    table = {ui: {k: strings(ui)[k] for k in JS_KEYS} for ui in UI_LANGUAGES}
    return "window.seedbotStrings = " + json.dumps(table, ensure_ascii=False).replace("</", "<\\/") + ";"
