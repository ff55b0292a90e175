"""LLM backends as LangChain chat models, built from a spec string (``openai:MODEL``, ``ollama:MODEL``).

Each provider's package is imported only when asked for; a missing one is one clear message.
Tests register a fake provider the same way a real one is registered.
"""
from __future__ import annotations

import time
from functools import lru_cache
from typing import Any, Callable, Iterator

from langchain_core.language_models import BaseChatModel

from index.errors import BotError
from index.settings import Settings

Factory = Callable[[str, Settings], BaseChatModel]
_PROVIDERS: dict[str, Factory] = {}


def register(prefix: str):
    def deco(factory: Factory) -> Factory:
        _PROVIDERS[prefix] = factory
        return factory

    return deco


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


def _complete(chunks: Iterator, finished: Callable[[dict], bool], timeout: float) -> Iterator:
    """Pass chunks through; fail if the reply takes longer than ``timeout`` seconds or never says it is done.

    The HTTP clients' timeouts count from the last byte read, so a server that trickles tokens is never
    abandoned by them; and a connection closed mid-stream looks to them like the end of the reply. Both
    would pass a late or half-written answer off as the answer.
    """
    deadline = time.monotonic() + timeout
    done = False
    try:
        for chunk in chunks:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no complete reply within {timeout:g} s")
            done = done or finished(chunk.generation_info or {})
            yield chunk
    finally:
        getattr(chunks, "close", lambda: None)()  # hang up now, not when the generator is collected
    if not done:
        raise IncompleteReply("the reply broke off before the server finished it (connection dropped?)")


@lru_cache(maxsize=None)
def _checked(cls: type, method: str, finished: Callable[[dict], bool]) -> type:
    """A subclass of the provider's chat model whose streamed replies go through :func:`_complete`."""

    def checked(self, *args: Any, **kwargs: Any) -> Iterator:
        return _complete(getattr(super(sub, self), method)(*args, **kwargs), finished, self.bot_timeout)

    sub = type(cls.__name__, (cls,), {method: checked, "__module__": __name__, "__annotations__": {"bot_timeout": float}, "bot_timeout": 60.0})
    return sub


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
    return _checked(ChatOpenAI, "_stream", _openai_finished)(
        bot_timeout=settings.llm_timeout,
        model=model,
        base_url=settings.llm_base_url,
        api_key=settings.llm_api_key or "not-needed",
        timeout=settings.llm_timeout,
        max_retries=0,  # a retry would double the wait before the extractive answer (the SDK's default is 2)
        temperature=0,
        streaming=True,
    )


@register("ollama")
def _ollama(model: str, settings: Settings) -> BaseChatModel:
    try:
        from langchain_ollama import ChatOllama
    except ImportError:
        raise BotError("The Ollama backend needs langchain-ollama: pip install -e '.[llm]'") from None
    kwargs = {"base_url": settings.llm_base_url} if settings.llm_base_url else {}
    return _checked(ChatOllama, "_iterate_over_stream", _ollama_finished)(
        bot_timeout=settings.llm_timeout, model=model, temperature=0, client_kwargs={"timeout": settings.llm_timeout}, **kwargs
    )
