"""LLM backends as LangChain chat models, built from a spec string (``openai:MODEL``, ``ollama:MODEL``).

Each provider's package is imported only when asked for; a missing one is one clear message.
Tests register a fake provider the same way a real one is registered.
"""
from __future__ import annotations

import queue
import threading
import time
from typing import TYPE_CHECKING, Any, Callable, Iterator

from index.errors import BotError
from index.registry import Registry
from index.settings import Settings

if TYPE_CHECKING:  # an extractive `bot ask` never loads LangChain's chat models (0.85 s of imports)
    from langchain_core.language_models import BaseChatModel

Factory = Callable[[str, Settings], "BaseChatModel"]
_PROVIDERS: Registry = Registry()  # prefix -> Factory
register = _PROVIDERS.register


def providers() -> list[str]:
    return sorted(_PROVIDERS)


def is_llm(spec: str) -> bool:
    return spec not in ("", "extractive", "none")


def build_chat_model(spec: str, settings: Settings) -> BaseChatModel:
    prefix, _, model = spec.partition(":")
    if prefix not in _PROVIDERS:
        raise BotError(f"Unknown LLM {spec!r}. Use 'extractive' or one of: " + ", ".join(f"{p}:MODEL" for p in providers()))
    if not model:
        raise BotError(f"Name the model: --llm {prefix}:MODEL")
    return _PROVIDERS[prefix](model, settings)


class IncompleteReply(Exception):
    """The server ended a reply without its end-of-reply mark: a dropped connection, not an answer."""


_END = object()


def _pump(produce: Callable[[], Iterator], out: queue.Queue, stop: threading.Event) -> None:
    """Run ``produce`` in a worker thread, passing each item (then an end mark, or the error) to ``out``."""
    items = None
    try:
        items = produce()
        for item in items:
            out.put(item)
            if stop.is_set():
                break
        out.put(_END)
    except BaseException as exc:  # handed to the consumer, which raises it there
        out.put(exc)
    finally:
        getattr(items, "close", lambda: None)()  # hang up / stop generating once the consumer has gone


def within(produce: Callable[[], Iterator], timeout: float) -> Iterator:
    """Items of ``produce()`` until it ends; ``TimeoutError`` once ``timeout`` seconds have passed in all.

    The producer runs in a daemon thread, so a deadline holds even when nothing arrives: the HTTP
    clients' timeouts count from the last byte read, and a server that sends one chunk and then only
    SSE keep-alive comments, or trickles tokens, would otherwise never be abandoned.
    """
    out: queue.Queue = queue.Queue()
    stop = threading.Event()
    deadline = time.monotonic() + timeout
    threading.Thread(target=_pump, args=(produce, out, stop), daemon=True).start()
    try:
        while True:
            try:
                item = out.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise TimeoutError(f"no complete reply within {timeout:g} s") from None
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()


class Deadlined:
    """A chat model whose whole reply must come within ``timeout`` seconds and carry its end-of-reply mark.

    It calls only the model's public ``stream`` and ``invoke``; anything else passes through.
    """

    def __init__(self, model: BaseChatModel, timeout: float, finished: Callable[[dict], bool]):
        self.model, self.timeout, self.finished = model, timeout, finished

    def __getattr__(self, name: str) -> Any:
        return getattr(self.model, name)

    def stream(self, messages: Any, **kwargs: Any) -> Iterator:
        done = False
        for chunk in within(lambda: self.model.stream(messages, **kwargs), self.timeout):
            done = done or self.finished(getattr(chunk, "response_metadata", None) or {})
            yield chunk
        if not done:
            raise IncompleteReply("the reply broke off before the server finished it (connection dropped?)")

    def invoke(self, messages: Any, **kwargs: Any) -> Any:
        return next(within(lambda: iter([self.model.invoke(messages, **kwargs)]), self.timeout))


def _openai_finished(info: dict) -> bool:
    return bool(info.get("finish_reason"))


def _ollama_finished(info: dict) -> bool:
    return info.get("done") is True


@register("openai")
def _openai(model: str, settings: Settings) -> BaseChatModel:
    """Any OpenAI-compatible endpoint: OpenAI, vLLM, llama.cpp server, LM Studio, Ollama's /v1."""
    try:
        from langchain_openai import ChatOpenAI
    except ImportError:
        raise BotError("The OpenAI backend needs langchain-openai: pip install -e '.[llm]'") from None
    chat = ChatOpenAI(
        model=model,
        base_url=settings.llm_base_url,
        api_key=settings.llm_api_key or "not-needed",
        timeout=settings.llm_timeout,
        max_retries=0,  # a retry would double the wait before the extractive answer (the SDK's default is 2)
        temperature=0,
        streaming=True,
    )
    return Deadlined(chat, settings.llm_timeout, _openai_finished)


@register("ollama")
def _ollama(model: str, settings: Settings) -> BaseChatModel:
    try:
        from langchain_ollama import ChatOllama
    except ImportError:
        raise BotError("The Ollama backend needs langchain-ollama: pip install -e '.[llm]'") from None
    kwargs = {"base_url": settings.llm_base_url} if settings.llm_base_url else {}
    chat = ChatOllama(model=model, temperature=0, client_kwargs={"timeout": settings.llm_timeout}, **kwargs)
    return Deadlined(chat, settings.llm_timeout, _ollama_finished)


@register("local")
def _local(model: str, settings: Settings) -> BaseChatModel:
    """A GGUF file run in-process by llama.cpp (xllamacpp): no server, nothing downloaded."""
    from bot.local_llm import LocalChatModel

    chat = LocalChatModel.for_file(model, settings)
    return Deadlined(chat, settings.llm_timeout, _openai_finished)
