"""The interface's language: chosen from the browser's on load (or its earlier choice), switched in the panel; every
label, hint and message is then said in it."""
from __future__ import annotations

from typing import Any

import gradio as gr

from bot.web.conversations import Conversations, conversation_choices, normal_store, turns_from_store
from bot.web.engine import Context
from bot.web.layout import answerer_choices, busy_html, tagline
from bot.web.strings import UI_LANGUAGES, strings, ui_language


class Language:
    def __init__(self, ctx: Context, page, convs: Conversations):
        self.ctx, self.page, self.convs = ctx, page, convs

    def outputs(self) -> list:
        p = self.page
        return [
            p.ui, p.store, p.ui_pick, p.title, p.panel_btn, p.close_panel, p.question, p.send, p.stop, p.regen, p.new_chat, p.conv_list,
            p.delete_conv, p.k, p.answerer, p.upload, p.doc_pick, p.doc_open, p.doc_remove, p.comment, p.comment_send, p.chat, p.sources,
            p.result_json, p.index_panel, p.busy, p.docs_heading, p.settings_heading, p.json_box, p.undo,
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
            p.k: gr.update(label=s["k_label"]), p.answerer: gr.update(label=s["answerer_label"], choices=answerer_choices(self.ctx.llm_name, s)),
            p.upload: gr.update(label=s["upload_label"].format(mb=f"{self.ctx.settings.max_file_mb:g}")),
            p.doc_pick: gr.update(label=s["doc_pick"]), p.doc_open: gr.update(value=s["doc_open"]), p.doc_remove: gr.update(value=s["doc_remove"]),
            p.comment: gr.update(label=s["feedback_label"], placeholder=s["feedback_placeholder"]), p.comment_send: gr.update(value=s["feedback_send"]),
            p.chat: gr.update(value=messages, label=s["chat_label"], placeholder=s["chat_placeholder"]), p.sources: cards, p.result_json: result,
            p.index_panel: self.ctx.index_info(ui), p.busy: busy_html(s),
            p.docs_heading: f"### {s['documents']}", p.settings_heading: f"### {s['settings']}", p.json_box: gr.update(label=s["json_label"]),
            p.undo: gr.update(value=s["undo"]),
        }

    @staticmethod
    def start(store: Any, browser_lang: str) -> tuple:
        """On page load: this browser's language (or its earlier choice), its conversations, the one it showed reopened."""
        store = normal_store(store)
        ui = store.get("ui") if store.get("ui") in UI_LANGUAGES else ui_language(browser_lang)
        conv = next((c for c in store["items"] if c["id"] == store["current"]), None)
        conv_id = conv["id"] if conv else None
        return True, ui, turns_from_store(conv) if conv else [], conv_id, gr.update(choices=conversation_choices(store), value=conv_id)


TO_SCRIPT = "(ui) => { window.seedbot && window.seedbot.language(ui); }"  # Gradio's own words, the page's lang


def wire(page, lang: Language, app: gr.Blocks, docs_choices) -> None:
    """The panel's language switch, and the page's load: language, conversations, labels, document list, ready."""
    page.ui_pick.input(
        lambda u, t, st: lang.relabel(u, t, st, chosen=True), [page.ui_pick, page.turns, page.store], lang.outputs(), api_visibility="private"
    ).then(None, [page.ui_pick], None, js=TO_SCRIPT)
    app.load(
        lang.start, [page.store, page.browser_lang], [page.on_page, page.ui, page.turns, page.conv_id, page.conv_list],
        js="(store, lang) => [store, navigator.language || 'en']", api_visibility="private",
    ).then(lang.relabel, [page.ui, page.turns, page.store], lang.outputs(), api_visibility="private").then(
        None, [page.ui_pick], None, js=TO_SCRIPT  # a State's value never reaches the page: the picker carries it
    ).then(docs_choices, None, page.doc_pick, api_visibility="private").then(
        None, js="() => { document.body.dataset.ready = '1'; }"  # tests and scripts wait for this
    )
