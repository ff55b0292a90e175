"""The interface's language: chosen from the browser's on load (or its earlier choice), switched in the panel; every
label, hint and message is then said in it."""
from __future__ import annotations

import html
from typing import Any

import gradio as gr

from bot.web.conversations import Conversations, conversation_choices, normal_store, turns_from_store
from bot.web.engine import Context
from bot.web.strings import UI_LANGUAGES, strings, ui_language


def tagline(s: dict, llm_name: str | None) -> str:
    mode = s["mode_llm"].format(llm=llm_name) if llm_name else s["mode_extractive"]
    return f"<h1>seedbot</h1><p>{html.escape(s['tagline'])} · {html.escape(mode)}</p>"


def busy_html(s: dict) -> str:
    return f'<div class="busy" role="status">{html.escape(s["indexing"])}</div>'


class Language:
    def __init__(self, ctx: Context, page, convs: Conversations):
        self.ctx, self.page, self.convs = ctx, page, convs

    def outputs(self) -> list:
        p = self.page
        return [
            p.ui, p.store, p.ui_pick, p.title, p.panel_btn, p.close_panel, p.question, p.send, p.stop, p.regen, p.new_chat, p.conv_list,
            p.delete_conv, p.k, p.answerer, p.upload, p.doc_pick, p.doc_open, p.doc_remove, p.comment, p.comment_send, p.chat, p.sources,
            p.result_json, p.index_panel, p.busy,
        ]

    def relabel(self, ui: str, turns: list[dict], store: Any, chosen: bool = False) -> dict:
        """Every label, hint and message in language ``ui``; a language picked in the panel is remembered."""
        ui = ui if ui in UI_LANGUAGES else "en"
        s, p = strings(ui), self.page
        store = normal_store(store)
        if chosen:
            store["ui"] = ui
        messages, cards, result = self.convs.show(turns or [], ui)
        return {
            p.ui: ui, p.store: store, p.ui_pick: gr.update(value=ui, label=s["ui_language"]), p.title: tagline(s, self.ctx.llm_name),
            p.panel_btn: gr.update(value=s["panel_btn"]), p.close_panel: gr.update(value=s["close_panel"]),
            p.question: gr.update(label=s["question_label"], placeholder=s["placeholder"]),
            p.send: gr.update(value=s["ask"]), p.stop: gr.update(value=s["stop"]), p.regen: gr.update(value=s["regenerate"]),
            p.new_chat: gr.update(value=s["new_chat"]),
            p.conv_list: gr.update(label=s["conversations"], info=s["no_conversations"]), p.delete_conv: gr.update(value=s["delete_conversation"]),
            p.k: gr.update(label=s["k_label"]), p.answerer: gr.update(label=s["answerer_label"]),
            p.upload: gr.update(label=s["upload_label"].format(mb=f"{self.ctx.settings.max_file_mb:g}")),
            p.doc_pick: gr.update(label=s["doc_pick"]), p.doc_open: gr.update(value=s["doc_open"]), p.doc_remove: gr.update(value=s["doc_remove"]),
            p.comment: gr.update(label=s["feedback_label"], placeholder=s["feedback_placeholder"]), p.comment_send: gr.update(value=s["feedback_send"]),
            p.chat: gr.update(value=messages, label=s["chat_label"], placeholder=s["chat_placeholder"]), p.sources: cards, p.result_json: result,
            p.index_panel: self.ctx.index_info(ui), p.busy: busy_html(s),
        }

    @staticmethod
    def start(store: Any, browser_lang: str) -> tuple:
        """On page load: this browser's language (or its earlier choice), its conversations, the latest reopened."""
        store = normal_store(store)
        ui = store.get("ui") if store.get("ui") in UI_LANGUAGES else ui_language(browser_lang)
        latest = max(store["items"], key=lambda c: c.get("updated", 0), default=None)
        conv = latest["id"] if latest else None
        return True, ui, turns_from_store(latest) if latest else [], conv, gr.update(choices=conversation_choices(store), value=conv)


def wire(page, lang: Language, app: gr.Blocks, docs_choices) -> None:
    """The panel's language switch, and the page's load: language, conversations, labels, document list, ready."""
    page.ui_pick.input(lambda u, t, st: lang.relabel(u, t, st, chosen=True), [page.ui_pick, page.turns, page.store], lang.outputs(),
                       api_visibility="private")
    app.load(
        lang.start, [page.store, page.browser_lang], [page.on_page, page.ui, page.turns, page.conv_id, page.conv_list],
        js="(store, lang) => [store, navigator.language || 'en']", api_visibility="private",
    ).then(lang.relabel, [page.ui, page.turns, page.store], lang.outputs(), api_visibility="private").then(
        docs_choices, None, page.doc_pick, api_visibility="private"
    ).then(None, js="() => { document.body.dataset.ready = '1'; }")  # tests and scripts wait for this
