"""A GGUF model run in-process by llama.cpp through xllamacpp (``--llm local:PATH.gguf``).

xllamacpp is an optional extra (``pip install -e '.[local]'``), imported only here. The model is loaded
once per process and per file: loading takes seconds and hundreds of MB, so every Chatbot shares it.
"""
from __future__ import annotations

import os
import queue
import threading
from pathlib import Path
from typing import Any, Iterator

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from index.errors import BotError
from index.settings import Settings

_SERVERS: dict[str, Any] = {}
_LOCK = threading.Lock()
_END = object()


def load_server(path: str, threads: int, n_ctx: int = 4096) -> Any:
    """The xllamacpp server for ``path``, loaded on first use and kept for the life of the process."""
    with _LOCK:
        if path not in _SERVERS:
            # OpenMP's busy-waiting threads starve each other on a small machine (1–3 tok/s instead of 10–20).
            os.environ.setdefault("OMP_WAIT_POLICY", "passive")
            try:
                import xllamacpp as xlc
            except ImportError:
                raise BotError("The local backend needs xllamacpp: pip install -e '.[local]'") from None
            params = xlc.CommonParams()
            params.model.path = path
            params.n_ctx = n_ctx
            params.verbosity = -1  # llama.cpp logs every load step and request to stderr otherwise
            params.cpuparams.n_threads = threads
            params.cpuparams_batch.n_threads = threads
            try:
                _SERVERS[path] = xlc.Server(params)
            except Exception as exc:
                raise BotError(f"Could not load the model {path}: {exc}") from None
        return _SERVERS[path]


def _role(message: BaseMessage) -> str:
    return {"human": "user", "ai": "assistant", "system": "system"}.get(message.type, "user")


class LocalChatModel(BaseChatModel):
    """A LangChain chat model over an in-process llama.cpp server, speaking its OpenAI-style requests."""

    path: str
    threads: int = 2
    max_tokens: int = 512

    @classmethod
    def for_file(cls, path: str, settings: Settings) -> "LocalChatModel":
        if not path.endswith(".gguf") or not Path(path).is_file():
            raise BotError(f"No GGUF model file at {path!r}: use --llm local:PATH.gguf")
        return cls(path=str(Path(path).resolve()), threads=os.cpu_count() or 2)

    @property
    def _llm_type(self) -> str:
        return "xllamacpp"

    def _request(self, messages: list[BaseMessage], stop: list[str] | None, **kwargs: Any) -> dict:
        body = {"messages": [{"role": _role(m), "content": m.content} for m in messages], "temperature": 0,
                "max_tokens": kwargs.get("max_tokens", self.max_tokens)}
        return body | ({"stop": stop} if stop else {}) | {k: v for k, v in kwargs.items() if k in ("logprobs", "top_logprobs")}

    def _generate(self, messages, stop=None, run_manager=None, **kwargs: Any) -> ChatResult:
        reply = load_server(self.path, self.threads).handle_chat_completions(self._request(messages, stop, **kwargs))
        if "error" in reply:
            raise RuntimeError(f"llama.cpp: {reply['error']}")
        choice = reply["choices"][0]
        info = {"finish_reason": choice.get("finish_reason"), "logprobs": choice.get("logprobs")}
        return ChatResult(generations=[ChatGeneration(message=AIMessage(choice["message"].get("content") or "", response_metadata=info))])

    def _stream(self, messages, stop=None, run_manager=None, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        """llama.cpp calls back per token from its own thread; the chunks go through a queue to this generator."""
        chunks: queue.Queue = queue.Queue()
        closed = threading.Event()

        def on_chunk(chunk: dict) -> bool:
            chunks.put(chunk)
            return closed.is_set()  # True asks llama.cpp to stop generating: the reader has gone

        def run() -> None:
            try:
                load_server(self.path, self.threads).handle_chat_completions(self._request(messages, stop, **kwargs) | {"stream": True}, on_chunk)
                chunks.put(_END)
            except BaseException as exc:
                chunks.put(exc)

        threading.Thread(target=run, daemon=True).start()
        try:
            while (chunk := chunks.get()) is not _END:
                if isinstance(chunk, BaseException):
                    raise chunk
                if "error" in chunk:
                    raise RuntimeError(f"llama.cpp: {chunk['error']}")
                for choice in chunk.get("choices", []):
                    text = (choice.get("delta") or {}).get("content") or ""
                    info = {"finish_reason": choice["finish_reason"]} if choice.get("finish_reason") else {}
                    piece = ChatGenerationChunk(message=AIMessageChunk(content=text, response_metadata=info), generation_info=info or None)
                    if run_manager and text:
                        run_manager.on_llm_new_token(text, chunk=piece)
                    yield piece
        finally:
            closed.set()
