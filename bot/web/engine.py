"""The app's shared engine: its Chatbot(s), swapped after the index changed, and the indexing gate questions wait on."""
from __future__ import annotations

import html
import threading
from dataclasses import dataclass

from bot.chain import Chatbot, open_chatbot
from bot.web.render import index_html
from index.errors import BotError
from index.settings import Settings

INDEXING_WAIT_S = 900  # a question asked during indexing waits at most this long for it


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


@dataclass
class Context:
    """What every event group of the page shares: the settings, the engine and the configured LLM's name."""

    settings: Settings
    engine: Engine
    llm_name: str | None

    def catalog_or_none(self):
        try:
            return self.engine.catalog()
        except BotError:
            return None

    def index_info(self, ui: str = "en") -> str:
        try:
            return index_html(self.engine.catalog(), self.settings.index_dir, ui=ui)
        except BotError as exc:
            return index_html(None, self.settings.index_dir, error=str(exc), ui=ui)


def notice(text: str) -> dict:
    """A note from the app in the chat (a question refused, no index, an LLM down)."""
    return {"role": "assistant", "content": f'<div class="notice">⚠ {html.escape(text)}</div>'}
