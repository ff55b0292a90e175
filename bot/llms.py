"""LLM backends as LangChain chat models, built from a spec string (``openai:MODEL``, ``ollama:MODEL``).

Each provider's package is imported only when asked for; a missing one is one clear message.
Tests register a fake provider the same way a real one is registered.
"""
from __future__ import annotations

from typing import Callable

from langchain_core.language_models import BaseChatModel

from bot.errors import BotError
from bot.settings import Settings

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


@register("openai")
def _openai(model: str, settings: Settings) -> BaseChatModel:
    """Any OpenAI-compatible endpoint: OpenAI, vLLM, llama.cpp server, LM Studio, Ollama's /v1."""
    try:
        from langchain_openai import ChatOpenAI
    except ImportError:
        raise BotError("The OpenAI backend needs langchain-openai: pip install -e '.[llm]'") from None
    return ChatOpenAI(
        model=model,
        base_url=settings.llm_base_url,
        api_key=settings.llm_api_key or "not-needed",
        timeout=settings.llm_timeout,
        max_retries=0,
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
    return ChatOllama(model=model, temperature=0, client_kwargs={"timeout": settings.llm_timeout}, **kwargs)
