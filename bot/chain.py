"""The answer chain: question (+ history) → standalone question → retrieval → answer → citation check.

Built from LangChain runnables; the CLI, the web UI and the eval suite all call :class:`Chatbot`, so
none of them holds logic the others lack.
"""
from __future__ import annotations

import time
from typing import Any, Callable, Iterator

from langchain_core.runnables import Runnable, RunnableLambda

from bot import citing
from bot.answering import Draft, ExtractiveAnswerer, LLMAnswerer, is_refusal
from index.errors import BotError, UsageError
from bot.llms import build_chat_model, is_llm
from index.settings import Settings
from index.types import AnswerResult

History = list[dict[str, str]]  # [{"role": "user"|"assistant", "content": str}, ...]


def validate_question(question: Any, max_chars: int) -> str:
    if not isinstance(question, str) or not question.strip():
        raise UsageError("The question is empty. Ask something, e.g.: bot ask \"What did Ishiba give Trump?\"")
    question = question.strip()
    if len(question) > max_chars:
        raise UsageError(f"The question is {len(question)} characters long; the limit is {max_chars}. Ask a shorter question.")
    return question


def question_language(text: str) -> str:
    from index.languages import detect_language

    lang = detect_language(text)
    return lang if lang in ("en", "ko", "ja") else "en"


class Chatbot:
    """One object answers questions over one index; cheap to call, expensive (model load) to build once."""

    def __init__(self, settings: Settings, *, index=None, chat_model=None):
        self.settings = settings
        self._index = index
        self._chat_model = chat_model
        self._llm: LLMAnswerer | None = None
        self.chain: Runnable = self.build_chain()

    # ------------------------------------------------------------ parts

    @property
    def index(self):
        """The open index; reopened when ``bot index`` switched to a new catalog since (one small file read, or
        one small request to the Chroma server in server mode, where another machine may have re-indexed).

        A long-running ``bot serve`` or ``bot chat`` thus answers from what was indexed last, and never
        from a catalog whose vectors clean-up has since removed.
        """
        from index.retrieving import Index
        from index.storing import index_version

        s = self.settings
        if self._index is None:
            self._index = Index.open(s)
        elif getattr(self._index.catalog, "name", "") and index_version(s.index_dir, s.chroma_url, s.collection) not in (None, self._index.catalog.name):
            self._index = Index.open(self.settings)
        return self._index

    @staticmethod
    def _extractive(state: dict) -> ExtractiveAnswerer:
        """The extractive answerer over the index this question was retrieved from (pinned in ``state``)."""
        return ExtractiveAnswerer(state["index"])

    @property
    def chat_model(self):
        """The chat model given at construction (a test's fake LLM, say), which a reopened Chatbot must reuse."""
        return self._chat_model

    @property
    def chat_model(self):
        """The chat model given at construction (a test's fake LLM, say), which a reopened Chatbot must reuse."""
        return self._chat_model

    @property
    def llm(self) -> LLMAnswerer | None:
        if self._llm is None and (self._chat_model is not None or is_llm(self.settings.llm)):
            model = self._chat_model or build_chat_model(self.settings.llm, self.settings)
            self._llm = LLMAnswerer(model, self.settings.llm if is_llm(self.settings.llm) else type(model).__name__)
        return self._llm

    def retriever(self, k: int | None = None, also: list[str] | None = None, index=None):
        from index.retrieving import HybridRetriever

        return HybridRetriever(index=index or self.index, k=k or self.settings.k, also=also or [])

    def build_chain(self) -> Runnable:
        return (
            RunnableLambda(self._prepare, name="standalone_question")
            | RunnableLambda(self._retrieve, name="retrieve")
            | RunnableLambda(self._answer, name="answer")
            | RunnableLambda(self._finish, name="cite")
        )

    # ------------------------------------------------------------ public API

    def answer(self, question: str, history: History | None = None, *, k: int | None = None) -> AnswerResult:
        """The full result for one question (the LLM, if any, is called without streaming to the caller)."""
        return self.chain.invoke({"question": question, "history": history or [], "k": k})

    def stream(self, question: str, history: History | None = None, *, k: int | None = None) -> Iterator[str | AnswerResult]:
        """Yield answer text pieces as the LLM writes them, then the checked :class:`AnswerResult` last."""
        state = (RunnableLambda(self._prepare) | RunnableLambda(self._retrieve)).invoke(
            {"question": question, "history": history or [], "k": k}
        )
        yield from self._answer_pieces(state)
        yield self._finish(state)

    # ------------------------------------------------------------ steps

    def _prepare(self, inp: dict) -> dict:
        started = time.perf_counter()
        question = validate_question(inp.get("question"), self.settings.max_question_chars)
        history = [t for t in inp.get("history") or [] if isinstance(t, dict) and t.get("content")]
        lang = question_language(question)
        state = {
            "question": question,
            "history": history,
            "lang": lang,
            "k": inp.get("k") or self.settings.k,
            "started": started,
            "timings": {},
            "warnings": [],
            "standalone": question,
            "retrieval_query": question,
            "focus": None,
            "avoid": "",
            "translations": [],
        }
        previous = [t["content"] for t in history if t.get("role") == "user"]
        if previous and self.llm is None:  # without an LLM, only a question that leans on the last one is joined to it
            from bot.questions import content_words, is_follow_up

            if not is_follow_up(question, lang, len(content_words(question))):
                previous = []
        if previous:
            t0 = time.perf_counter()
            if self.llm is not None:
                try:
                    state["standalone"] = state["retrieval_query"] = self.llm.rewrite(question, history)
                except Exception as exc:  # the answer step reports it, once, and answers extractively
                    state["llm_error"] = exc
                    state["retrieval_query"] = state["standalone"] = f"{previous[-1]} {question}"
            else:
                state["retrieval_query"] = state["standalone"] = f"{previous[-1]} {question}"
            state["focus"] = question if state["standalone"] != question else None
            answers = [t["content"] for t in history if t.get("role") == "assistant"]
            state["avoid"] = answers[-1] if answers else ""
            state["timings"]["rewrite"] = (time.perf_counter() - t0) * 1e3
        if self.llm is not None and self.settings.translate and "llm_error" not in state:
            t0 = time.perf_counter()
            try:
                state["translations"] = self.llm.translate(state["standalone"])
            except Exception as exc:
                state["llm_error"] = exc
            state["timings"]["translate"] = (time.perf_counter() - t0) * 1e3
        return state

    def _retrieve(self, state: dict) -> dict:
        t0 = time.perf_counter()
        state["index"] = self.index  # one index for the whole question, even if `bot index` switches meanwhile
        docs = self.retriever(state["k"], state["translations"], state["index"]).invoke(state["retrieval_query"])
        state["retrieved"] = [d.metadata["retrieved"] for d in docs]
        state["timings"]["retrieve"] = (time.perf_counter() - t0) * 1e3
        return state

    def _answer(self, state: dict) -> dict:
        for _ in self._answer_pieces(state):
            pass
        return state

    def _answer_pieces(self, state: dict) -> Iterator[str]:
        """Set ``state["draft"]``, yielding the LLM's text as it streams (nothing in extractive mode)."""
        t0 = time.perf_counter()
        if self.llm is None:
            state["draft"] = self._extractive(state).answer(
                state["standalone"], state["lang"], state["retrieved"], focus=state["focus"], avoid=state["avoid"]
            )
        elif "llm_error" in state:
            state["draft"] = self._fallback(state, state["llm_error"])
        else:
            pieces: list[str] = []
            try:
                for piece in self.llm.stream(state["standalone"], state["lang"], state["retrieved"]):
                    pieces.append(piece)
                    yield piece
                state["draft"] = self._llm_draft("".join(pieces), state)
            except Exception as exc:  # unreachable, timeout, bad reply: fall back, never a traceback
                state["draft"] = self._fallback(state, exc)
        state["timings"]["answer"] = (time.perf_counter() - t0) * 1e3

    def _llm_draft(self, text: str, state: dict) -> Draft:
        text = text.strip()
        flat = " ".join(text.split())
        instructions = self.llm.messages(state["standalone"], state["lang"], state["retrieved"])[0].content
        if any(len(line) >= 30 and line in flat for line in (" ".join(ln.split()) for ln in instructions.splitlines())):
            # The instructions carry example markers ("[1] or [2]") that would pass the citation check:
            # a reply that recites them (a document told the model to) must come out unsupported.
            state["warnings"].append(
                "The LLM's reply repeats its instructions instead of answering (a document may contain "
                "instructions to the model); its citation markers were ignored."
            )
            text = citing.MARKER.sub("", text)
        return Draft(text=text, refused=is_refusal(text, state["lang"]))

    def _fallback(self, state: dict, exc: Exception) -> Draft:
        state["warnings"].append(f"The LLM ({self.llm.name}) failed: {_brief(exc).rstrip('.')}. Showing the extractive answer instead.")
        state["answerer"] = "extractive"
        return self._extractive(state).answer(state["standalone"], state["lang"], state["retrieved"], focus=state["focus"], avoid=state["avoid"])

    def _finish(self, state: dict) -> AnswerResult:
        t0 = time.perf_counter()
        draft: Draft = state["draft"]
        answerer = state.get("answerer") or (self.llm.name if self.llm is not None else "extractive")
        result = AnswerResult(
            question=state["question"],
            standalone_question=state["standalone"],
            translations=state["translations"],
            answer=draft.text,
            refused=draft.refused,
            language=state["lang"],
            retrieved=state["retrieved"],
            answerer=answerer,
            warnings=state["warnings"],
        )
        if answerer == "extractive" or draft.refused:
            result.citations = draft.citations
            if draft.refused:
                result.answer = draft.text.strip()
            else:
                self._note_language(result)
        else:
            checked = citing.check(draft.text, state["retrieved"], state["index"])
            result.answer, result.citations = checked.text, checked.citations
            if checked.removed:
                result.warnings.append(f"Removed citation markers that point to no source: {sorted(set(checked.removed))}.")
            if not checked.citations:
                result.unsupported = True
                evidence = self._extractive(state).answer(state["standalone"], state["lang"], state["retrieved"], focus=state["focus"])
                result.evidence = evidence.citations
                from bot import prompts

                result.warnings.append(prompts.localized("unsupported", state["lang"]))
        state["timings"]["cite"] = (time.perf_counter() - t0) * 1e3
        state["timings"]["total"] = (time.perf_counter() - state["started"]) * 1e3
        result.timings_ms = dict(state["timings"])
        return result


    @staticmethod
    def _note_language(result: AnswerResult) -> None:
        """A quoted answer is in its source's language: say so, in the asker's, and how to get a translation."""
        from bot import prompts

        langs = [c.lang for c in result.citations if c.lang in prompts.LANGUAGE_NAMES]
        if not langs:
            return
        quoted = max(set(langs), key=langs.count)
        result.answer_language = quoted
        if quoted != result.language:
            result.note = prompts.localized("quoted_note", result.language).format(
                language=prompts.language_name(quoted, result.language), asker=prompts.language_name(result.language, result.language)
            )


def _brief(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text[:160]}" if text else type(exc).__name__


def open_chatbot(settings: Settings, *, build_if_missing: bool = True, progress: Callable | None = None) -> Chatbot:
    """A Chatbot over ``settings.index_dir``, building the index from ``settings.docs`` first if there is none.

    Only an index that was never built is built here; a damaged or deleted one raises BotError (rebuild),
    since silently re-indexing the default documents would answer from the wrong corpus.
    """
    from index.storing import index_exists

    if not index_exists(settings.index_dir, settings.chroma_url, settings.collection):
        if not build_if_missing:
            raise BotError(f"No index at {settings.index_dir}. Build one first: bot index [PATH ...]")
        from index.indexing import run_index

        run_index(settings, progress=progress)
    return Chatbot(settings)
