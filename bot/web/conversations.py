"""Conversations as the browser keeps them (``gr.BrowserState``, encrypted with this index's secret), and the panel's
list: save after each answer, open, delete."""
from __future__ import annotations

import dataclasses
import logging
import secrets
import time
import uuid
from typing import Any

import gradio as gr

from bot.web.engine import Context
from bot.web.render import chat_messages, sources_html
from index.settings import Settings
from index.types import AnswerResult, Citation

log = logging.getLogger(__name__)

MAX_CONVERSATIONS = 50  # kept in the browser; the oldest go first


def result_from_dict(d: dict) -> AnswerResult:
    """An :class:`AnswerResult` back from its JSON form (as stored in the browser); unknown keys are ignored."""
    fields = {f.name for f in dataclasses.fields(AnswerResult)}
    cite_fields = {f.name for f in dataclasses.fields(Citation)}
    kw = {k: v for k, v in d.items() if k in fields and k not in ("citations", "evidence", "retrieved")}
    for key in ("citations", "evidence"):
        kw[key] = [Citation(**{k: v for k, v in c.items() if k in cite_fields}) for c in d.get(key) or []]
    return AnswerResult(**kw)


def _stored_turn(turn: dict) -> dict:
    result = turn["result"].to_dict()
    result.pop("retrieved", None)  # the ranked list is for the JSON view; the browser keeps what the page shows
    return {"id": turn["id"], "question": turn["question"], "result": result}


def turns_from_store(conv: dict) -> list[dict]:
    out = []
    for t in conv.get("turns") or []:
        try:
            out.append({"id": str(t["id"]), "question": str(t["question"]), "result": result_from_dict(t["result"])})
        except (KeyError, TypeError, ValueError):
            log.warning("skipped a stored turn that does not parse")
    return out


def normal_store(store: Any) -> dict:
    """The browser's store as this app writes it, whatever an older page or another app left there."""
    store = store if isinstance(store, dict) else {}
    items = [c for c in store.get("items") or [] if isinstance(c, dict) and c.get("id")]
    return {"items": items, "ui": store.get("ui")}


def conversation_choices(store: dict) -> list[tuple[str, str]]:
    """Newest first, as (title, id) for the list in the panel."""
    items = sorted(store["items"], key=lambda c: c.get("updated", 0), reverse=True)
    return [(c.get("title") or "…", c["id"]) for c in items]


def browser_secret(settings: Settings) -> str:
    """The key the browser's stored conversations are encrypted with: kept in the index folder when there is one,
    so conversations survive a server restart; a fresh one per process otherwise."""
    path = settings.index_dir / ".web-secret"
    try:
        return path.read_text(encoding="ascii").strip() or secrets.token_urlsafe(24)
    except OSError:
        pass
    secret = secrets.token_urlsafe(24)
    if settings.index_dir.is_dir():
        try:
            path.touch(mode=0o600)
            path.write_text(secret, encoding="ascii")
        except OSError:
            log.warning("could not keep the browser-state secret in %s", settings.index_dir)
    return secret


class Conversations:
    """The panel's conversation list and what keeps it: each handler takes and returns the browser's store."""

    def __init__(self, ctx: Context):
        self.ctx = ctx

    def save(self, turns: list[dict], conv_id: str | None, store: Any) -> tuple:
        store = normal_store(store)
        if not turns:
            return store, conv_id, gr.update(choices=conversation_choices(store), value=conv_id)
        conv_id = conv_id or uuid.uuid4().hex
        items = [c for c in store["items"] if c["id"] != conv_id]
        items.append({"id": conv_id, "title": turns[0]["question"][:80], "updated": time.time(), "turns": [_stored_turn(t) for t in turns]})
        store["items"] = sorted(items, key=lambda c: c["updated"])[-MAX_CONVERSATIONS:]
        return store, conv_id, gr.update(choices=conversation_choices(store), value=conv_id)

    def show(self, turns: list[dict], ui: str) -> tuple:
        """The chat, the source cards and the last answer's JSON for ``turns``."""
        result = turns[-1]["result"].to_dict() if turns else None
        return chat_messages(turns, ui=ui), sources_html(turns, self.ctx.catalog_or_none(), ui), result

    def open(self, conv_id: str | None, store: Any, ui: str) -> tuple:
        conv = next((c for c in normal_store(store)["items"] if c["id"] == conv_id), None)
        turns = turns_from_store(conv) if conv else []
        return (turns, conv_id if conv else None, *self.show(turns, ui))

    def delete(self, conv_id: str | None, store: Any, ui: str) -> tuple:
        store = normal_store(store)
        store["items"] = [c for c in store["items"] if c["id"] != conv_id]
        return (store, gr.update(choices=conversation_choices(store), value=None), [], None, *self.show([], ui))


def wire(page, convs: Conversations) -> dict:
    """The list's events; returns the keyword arguments that save the conversation after an answer."""
    page.conv_list.input(
        convs.open, [page.conv_list, page.store, page.ui], [page.turns, page.conv_id, page.chat, page.sources, page.result_json],
        api_visibility="private",
    )
    page.delete_conv.click(
        convs.delete, [page.conv_id, page.store, page.ui],
        [page.store, page.conv_list, page.turns, page.conv_id, page.chat, page.sources, page.result_json], api_visibility="private",
    )
    return dict(fn=convs.save, inputs=[page.turns, page.conv_id, page.store], outputs=[page.store, page.conv_id, page.conv_list],
                api_visibility="private")
