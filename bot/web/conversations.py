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
from bot.web.answers import chat_messages
from bot.web.render import sources_empty, sources_html
from bot.web.strings import strings
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
    """The browser's store as this app writes it, whatever an older page or another app left there.

    ``current`` is the conversation the page shows (None after New chat or Clear); a store from before it was kept
    reopens its latest conversation.
    """
    store = store if isinstance(store, dict) else {}
    items = [c for c in store.get("items") or [] if isinstance(c, dict) and c.get("id")]
    latest = max(items, key=lambda c: c.get("updated", 0), default=None)
    current = store["current"] if "current" in store else (latest["id"] if latest else None)
    current = current if any(c["id"] == current for c in items) else None
    return {"items": items, "ui": store.get("ui"), "current": current}


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
        if turns:
            conv_id = conv_id or uuid.uuid4().hex
            items = [c for c in store["items"] if c["id"] != conv_id]
            items.append({"id": conv_id, "title": turns[0]["question"][:80], "updated": time.time(), "turns": [_stored_turn(t) for t in turns]})
            store["items"] = sorted(items, key=lambda c: c["updated"])[-MAX_CONVERSATIONS:]
            store["current"] = conv_id
        return store, conv_id, gr.update(choices=conversation_choices(store), value=conv_id), gr.update(visible=False)

    def show(self, turns: list[dict], ui: str) -> tuple:
        """The chat, the source cards and the last answer's JSON for ``turns``."""
        result = turns[-1]["result"].to_dict() if turns else None
        return chat_messages(turns, ui=ui), sources_html(turns, self.ctx.catalog_or_none(), ui), result

    @staticmethod
    def reset(ui: str = "en") -> tuple:
        """An empty chat: (box, chat, sources, JSON, turns, conversation id)."""
        return "", [], sources_empty(ui), None, [], None

    def open(self, conv_id: str | None, store: Any, ui: str) -> tuple:
        """The conversation picked in the list: (turns, its id, chat, sources, JSON, store that remembers it)."""
        store = normal_store(store)
        conv = next((c for c in store["items"] if c["id"] == conv_id), None)
        turns = turns_from_store(conv) if conv else []
        store["current"] = conv["id"] if conv else None
        return (turns, store["current"], *self.show(turns, ui), store)

    @staticmethod
    def new(store: Any) -> tuple:
        """New chat: the conversations stay in the list; a reload shows the empty chat."""
        store = normal_store(store)
        store["current"] = None
        return store, gr.update(choices=conversation_choices(store), value=None)

    def delete(self, conv_id: str | None, store: Any, ui: str) -> tuple:
        """Delete the conversation shown (Undo brings it back); with none shown, say what to do."""
        store = normal_store(store)
        conv = next((c for c in store["items"] if c["id"] == conv_id), None)
        if conv is None:
            gr.Warning(strings(ui)["pick_conversation"])
            return (gr.skip(),) * 9
        store["items"] = [c for c in store["items"] if c["id"] != conv_id]
        store["current"] = None
        shown = gr.update(choices=conversation_choices(store), value=None)
        return (store, shown, [], None, *self.show([], ui), conv, gr.update(visible=True))

    def forget(self, conv_id: str | None, store: Any) -> tuple:
        """The chat's Clear (trash): the conversation goes from this browser too, so a reload does not bring it back."""
        store = normal_store(store)
        conv = next((c for c in store["items"] if c["id"] == conv_id), None)
        store["items"] = [c for c in store["items"] if c["id"] != conv_id]
        store["current"] = None
        return store, gr.update(choices=conversation_choices(store), value=None), conv, gr.update(visible=conv is not None)

    def undo(self, deleted: dict | None, store: Any, ui: str) -> tuple:
        """The conversation deleted last back in the list and on screen."""
        store = normal_store(store)
        if not deleted:
            return (gr.skip(),) * 9
        store["items"] = [c for c in store["items"] if c["id"] != deleted["id"]] + [deleted]
        store["current"] = deleted["id"]
        turns, conv_id, *shown, store = self.open(deleted["id"], store, ui)
        return (store, gr.update(choices=conversation_choices(store), value=conv_id), turns, conv_id, *shown, None, gr.update(visible=False))


def wire(page, convs: Conversations) -> dict:
    """The list's events, New chat, Clear, Delete and Undo; returns the keyword arguments that save the conversation
    after an answer."""
    view = [page.question, page.chat, page.sources, page.result_json, page.turns, page.conv_id]
    listed = [page.store, page.conv_list, page.turns, page.conv_id, page.chat, page.sources, page.result_json, page.deleted, page.undo]
    private = dict(api_visibility="private")
    opened = [page.turns, page.conv_id, page.chat, page.sources, page.result_json, page.store]
    page.conv_list.input(convs.open, [page.conv_list, page.store, page.ui], opened, **private)
    page.delete_conv.click(convs.delete, [page.conv_id, page.store, page.ui], listed, **private)
    page.undo.click(convs.undo, [page.deleted, page.store, page.ui], listed, **private)
    page.new_chat.click(convs.reset, [page.ui], view, api_name="clear").then(convs.new, [page.store], [page.store, page.conv_list], **private)
    page.chat.clear(convs.forget, [page.conv_id, page.store], [page.store, page.conv_list, page.deleted, page.undo], **private).then(
        convs.reset, [page.ui], view, **private
    )
    return dict(fn=convs.save, inputs=[page.turns, page.conv_id, page.store], outputs=[page.store, page.conv_id, page.conv_list, page.undo],
                **private)
