"""Asking: the question box, Ask and Stop, the examples and Regenerate.

On the page a problem shows as a note in the chat and the question stays in the box to edit; API clients get it
as an error.
"""
from __future__ import annotations

import html
import logging
import uuid
from typing import Iterator

import gradio as gr

from bot.chain import validate_question
from bot.web.engine import Context, notice
from bot.web.answers import chat_messages
from bot.web.render import public_message, sources_html
from bot.web.strings import strings
from index.errors import BotError
from index.types import AnswerResult

log = logging.getLogger(__name__)

ANSWERING = "() => window.seedbot && window.seedbot.busy('answering', true)"
ANSWERED = "() => window.seedbot && window.seedbot.busy('answering', false)"


def history_of(turns: list[dict]) -> list[dict]:
    return [m for t in turns for m in ({"role": "user", "content": t["question"]}, {"role": "assistant", "content": t["result"].answer})]


class Chat:
    def __init__(self, ctx: Context):
        self.ctx = ctx

    def ask(self, question: str, k: float, answerer: str, turns: list[dict], on_page: bool = False, ui: str = "en") -> Iterator[tuple]:
        """Answer into the chat: (box, chat, sources, JSON, turns) as the answer comes."""
        s = strings(ui)
        turns = list(turns or [])
        if not isinstance(question, str) or not question.strip():
            gr.Warning(s["empty_question"])
            yield gr.skip(), gr.skip(), gr.skip(), gr.skip(), turns
            return
        try:
            question = validate_question(question, self.ctx.settings.max_question_chars)
            if self.ctx.engine.indexing:
                yield "", chat_messages(turns, (question, s["indexing_wait"]), ui), gr.skip(), gr.skip(), turns
                self.ctx.engine.wait_for_index()
            bot = self.ctx.engine.bot(answerer)
        except BotError as exc:
            yield self._fail(str(exc), question, turns, on_page, ui)
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
            yield self._fail(message, question, turns, on_page, ui)
            return
        for w in result.warnings:
            gr.Warning(w)
        # a visitor's (or an API client's) session keeps its last ``web_turns`` turns, not every answer it ever got:
        # 8 clients asking for an hour grew the server by ~118 KB an answer (issue 23, defect 7)
        done = (turns + [{"id": uuid.uuid4().hex, "question": question, "result": result}])[-self.ctx.settings.web_turns :]
        catalog = bot.index.catalog
        if not partial:  # extractive: the sources first, then the answer that quotes them
            yield gr.skip(), gr.skip(), sources_html(done, catalog, ui), gr.skip(), turns
        yield "", chat_messages(done, ui=ui), sources_html(done, catalog, ui), result.to_dict(), done

    def _fail(self, message: str, asked: str, turns: list[dict], on_page: bool, ui: str) -> tuple:
        message = public_message(message, self.ctx.settings.index_dir)
        if not on_page:
            raise gr.Error(message, print_exception=False)
        shown = chat_messages(turns, ui=ui) + [{"role": "user", "content": html.escape(asked[:300])}, notice(message)]
        return asked, shown, gr.skip(), gr.skip(), turns

    @staticmethod
    def pick_example(evt: gr.SelectData) -> str:
        value = evt.value
        return value.get("text", "") if isinstance(value, dict) else str(value)

    @staticmethod
    def pop_last(turns: list[dict], ui: str) -> tuple:
        if not turns:
            gr.Warning(strings(ui)["nothing_to_regenerate"])
            return gr.skip(), gr.skip(), gr.skip()
        turns = list(turns)
        last = turns.pop()
        return last["question"], turns, chat_messages(turns, ui=ui)


def wire(page, chat: Chat, save: dict, pool: int) -> None:
    """Ask (Enter or the button), an example, Regenerate and Stop; each answer is saved in the browser."""
    ask_in = [page.question, page.k, page.answerer, page.turns, page.on_page, page.ui]
    ask_out = [page.question, page.chat, page.sources, page.result_json, page.turns]
    answer = dict(concurrency_limit=pool, concurrency_id="answer")
    gr.on([page.question.submit, page.send.click], None, js=ANSWERING)
    ask_evt = gr.on([page.question.submit, page.send.click], chat.ask, inputs=ask_in, outputs=ask_out, api_name="ask", **answer)
    ask_evt.then(None, js=ANSWERED).then(**save)
    example_evt = page.chat.example_select(chat.pick_example, None, page.question, api_visibility="private").then(None, js=ANSWERING).then(
        chat.ask, ask_in, ask_out, api_visibility="private", **answer
    )
    example_evt.then(None, js=ANSWERED).then(**save)
    regen_evt = page.regen.click(chat.pop_last, [page.turns, page.ui], [page.question, page.turns, page.chat], api_visibility="private").then(
        None, js=ANSWERING
    ).then(chat.ask, ask_in, ask_out, api_visibility="private", **answer)
    regen_evt.then(None, js=ANSWERED).then(**save)
    page.stop.click(None, js=ANSWERED)
    page.stop.click(None, cancels=[ask_evt, example_evt, regen_evt]).then(  # the half answer goes; the conversation stays
        lambda t, u: chat_messages(t, ui=u), [page.turns, page.ui], page.chat, api_visibility="private"
    )
