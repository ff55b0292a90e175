"""The page's components, top to bottom: the per-session state, the side panel (conversations, documents, settings),
the header, the chat with its question box and tools, the feedback comment, and the sources column.

Labels are English here; the page's load event puts them in the browser's language (bot.web.language).
"""
from __future__ import annotations

import html
from types import SimpleNamespace

import gradio as gr

from bot.web.conversations import browser_secret
from bot.web.render import sources_empty
from bot.web.strings import UI_LANGUAGES, strings
from bot.web.uploads import UPLOAD_TYPES
from index.settings import Settings

EXAMPLES = [
    "What did Ishiba give Trump?",
    "이시바 총리는 트럼프에게 무엇을 선물했나?",
    "高市首相とトランプ大統領の電話会談はいつ行われた？",
]


def tagline(s: dict, llm_name: str | None) -> str:
    mode = s["mode_llm"].format(llm=llm_name) if llm_name else s["mode_extractive"]
    return f"<h1>seedbot</h1><p>{html.escape(s['tagline'])} · {html.escape(mode)}</p>"


def busy_html(s: dict) -> str:
    return f'<div class="busy" role="status">{html.escape(s["indexing"])}</div>'


class Page(SimpleNamespace):
    """The components by name (``page.question``, ``page.chat`` …), for the event groups to wire."""


def build_page(settings: Settings, llm_name: str | None) -> Page:
    """Lay the page out (inside a ``gr.Blocks`` context) and return its components."""
    page = Page(
        turns=gr.State([]),
        on_page=gr.State(False),  # set by the page's load event: API clients never run it
        ui=gr.State("en"),
        conv_id=gr.State(None),
        feedback_target=gr.State(None),
        deleted=gr.State(None),  # the conversation just deleted, for Undo
        store=gr.BrowserState({"items": [], "ui": None}, storage_key="seedbot-conversations", secret=browser_secret(settings)),
        browser_lang=gr.Textbox(visible=False),
    )
    en = strings("en")
    with gr.Sidebar(label=en["panel_label"], open=False, width=340, elem_id="panel"):
        _panel(page, settings, llm_name, en)
    with gr.Row(elem_id="app-head"):
        page.title = gr.HTML(tagline(en, llm_name), elem_id="app-title", scale=1)
        page.panel_btn = gr.Button(en["panel_btn"], size="sm", variant="secondary", scale=0, min_width=0, elem_id="panel-btn")
    with gr.Row(equal_height=False):
        with gr.Column(scale=6, min_width=320):
            _chat_column(page, en)
        with gr.Column(scale=5, min_width=320):
            page.sources = gr.HTML(sources_empty("en"), elem_id="sources")
    return page


def answerer_choices(llm_name: str | None, s: dict) -> list[tuple[str, str]]:
    """The answerers offered, as (label, value): the value stays "extractive" for API clients in every language."""
    return ([(llm_name, llm_name)] if llm_name else []) + [(s["answerer_extractive"], "extractive")]


def _panel(page: Page, settings: Settings, llm_name: str | None, en: dict) -> None:
    page.close_panel = gr.Button(en["close_panel"], size="sm", variant="secondary", elem_id="close-panel")
    page.conv_list = gr.Radio([], label=en["conversations"], info=en["no_conversations"], elem_id="conversations")
    page.delete_conv = gr.Button(en["delete_conversation"], size="sm", variant="stop", elem_id="delete-conv")
    page.docs_heading = gr.Markdown(f"### {en['documents']}", elem_classes="panel-heading")
    page.index_panel = gr.HTML(elem_id="index-info")
    with gr.Row():
        page.doc_pick = gr.Dropdown([], label=en["doc_pick"], filterable=True, elem_id="doc-pick", scale=3)
    with gr.Row():
        page.doc_open = gr.Button(en["doc_open"], size="sm", min_width=0, elem_id="doc-open")
        page.doc_remove = gr.Button(en["doc_remove"], size="sm", variant="stop", min_width=0, elem_id="doc-remove")
    page.upload = gr.File(
        label=en["upload_label"].format(mb=f"{settings.max_file_mb:g}"),
        file_count="multiple",
        file_types=list(UPLOAD_TYPES),
        height=150,
        elem_id="upload",
    )
    page.upload_status = gr.HTML(elem_id="upload-status")
    page.settings_heading = gr.Markdown(f"### {en['settings']}", elem_classes="panel-heading")
    page.ui_pick = gr.Radio([(strings(u)["language_name"], u) for u in UI_LANGUAGES], value="en", label=en["ui_language"], elem_id="ui-lang")
    page.k = gr.Slider(1, max(20, settings.k), value=settings.k, step=1, label=en["k_label"])
    page.answerer = gr.Radio(
        answerer_choices(llm_name, en),
        value=llm_name or "extractive",
        label=en["answerer_label"],
        visible=llm_name is not None,
    )
    with gr.Accordion(en["json_label"], open=False) as page.json_box:
        page.result_json = gr.JSON(show_label=False)


def _chat_column(page: Page, en: dict) -> None:
    page.chat = gr.Chatbot(
        label=en["chat_label"],
        elem_id="chat",
        show_label=False,
        height="calc(100vh - 240px)",
        min_height=320,
        examples=[{"text": q} for q in EXAMPLES],
        placeholder=en["chat_placeholder"],
        feedback_options=("Like", "Dislike"),
        buttons=["copy"],
        layout="bubble",
        render_markdown=False,  # model output is never Markdown or HTML: bot.web.render makes all markup
        latex_delimiters=[],
    )
    page.busy = gr.HTML(busy_html(en), elem_id="busy")
    with gr.Row(elem_id="ask-row"):
        page.question = gr.Textbox(
            label=en["question_label"], show_label=False, placeholder=en["placeholder"], lines=1, max_lines=4, scale=8,
            autofocus=True, container=False, elem_id="question",
        )
        page.send = gr.Button(en["ask"], variant="primary", scale=0, min_width=72, elem_id="send-btn")
        page.stop = gr.Button(en["stop"], variant="stop", scale=0, min_width=72, elem_id="stop-btn")
    with gr.Row(elem_id="tools-row"):
        page.regen = gr.Button(en["regenerate"], size="sm", variant="secondary", min_width=0, elem_id="regen-btn")
        page.new_chat = gr.Button(en["new_chat"], size="sm", variant="secondary", min_width=0, elem_id="new-chat")
        page.undo = gr.Button(en["undo"], size="sm", variant="secondary", min_width=0, visible=False, elem_id="undo-delete")
    with gr.Row(visible=False, elem_id="feedback-row") as page.feedback_row:
        page.comment = gr.Textbox(label=en["feedback_label"], placeholder=en["feedback_placeholder"], scale=6, elem_id="feedback-comment")
        page.comment_send = gr.Button(en["feedback_send"], size="sm", scale=0, min_width=0, elem_id="feedback-send")
