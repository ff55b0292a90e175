"""The answer chain: question (+ history) → standalone question → retrieval → answer → citation check.

Plain functions over one typed :class:`Turn` (the state of one question), in one generator that streams:
:meth:`Chatbot.stream` yields the LLM's text as it comes, then the checked result, and :meth:`Chatbot.answer`
is that generator run to its end, so the two cannot drift apart. LangChain supplies the chat models (loaded only
with an LLM) and a retriever face for LangChain pipelines (:meth:`Chatbot.retriever`); the chain itself calls the
index directly, so an extractive question loads no LangChain. The CLI, the web UI and the eval suite all call :class:`Chatbot`, so none of
them holds logic the others lack.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from bot import citing, prompts
from bot.answering import Draft, ExtractiveAnswerer, LLMAnswerer, is_refusal
from bot.catalog_views import LatestViews
from bot.llms import build_chat_model, is_llm
from index.errors import BotError, UsageError
from index.settings import Settings, check_range
from index.types import AnswerResult, RetrievedPassage

History = list[dict[str, str]]  # [{"role": "user"|"assistant", "content": str}, ...]


def validate_question(question: Any, max_chars: int) -> str:
    if not isinstance(question, str) or not question.strip():
        raise UsageError("The question is empty. Ask something, e.g.: bot ask \"What did Ishiba give Trump?\"")
    question = question.strip()
    if len(question) > max_chars:
        raise UsageError(f"The question is {len(question)} characters long; the limit is {max_chars}. Ask a shorter question.")
    return question


def question_language(text: str) -> str:
    """The language to answer in: the question's, or English for a language the bot does not support."""
    from index.languages import detect_language, unsupported_language

    lang = detect_language(text)
    return lang if lang in ("en", "ko", "ja") and not unsupported_language(text) else "en"


def unsupported_language_warning(text: str) -> str | None:
    """A line (in English, the one language every asker's reader is likeliest to share) for an unsupported language."""
    from index.languages import unsupported_language

    name = unsupported_language(text)
    if name is None:
        return None
    return (f"Questions in {name} are not supported (ask in English, Korean or Japanese); "
            "the sources were still searched with the question as written.")


@dataclass
class Turn:
    """One question on its way through the chain; each step fills in its part."""

    question: str
    history: History
    lang: str
    k: int
    started: float
    standalone: str  # the question as it reads without the conversation
    retrieval_query: str  # what retrieval searches for (the standalone question, or it joined to the last one)
    focus: str | None = None  # a follow-up's own words, preferred when choosing sentences
    avoid: str = ""  # the previous answer, whose sentences a follow-up should not repeat
    translations: list[str] = field(default_factory=list)
    llm_error: Exception | None = None  # an LLM failure before the answer step, reported there once
    index: Any = None  # pinned for the whole question, even if `bot index` switches meanwhile
    retrieved: list[RetrievedPassage] = field(default_factory=list)
    answerer: ExtractiveAnswerer | LLMAnswerer | None = None  # which one wrote the draft
    draft: Draft | None = None
    timings: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


class Chatbot:
    """One object answers questions over one index; cheap to call, expensive (model load) to build once."""

    def __init__(self, settings: Settings, *, index=None, chat_model=None):
        self.settings = settings
        self._index = index
        self._chat_model = chat_model
        self._llm: LLMAnswerer | None = None
        self._judge = None
        self._views = LatestViews(settings.answering.term_cache)  # what answers derive from the catalog, kept across questions

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

    def warm_up(self) -> None:
        """Load now what the first question would wait for: the index and its embedding model, both tokenizers
        the lexicon read backwards and the index's name keys. Measured on the seeds: the first answer after start took 2.8 s (Kiwi
        loading in the answer step, the backwards lexicon in retrieval), the next ones about 0.1 s; after this the
        first takes what the rest do. No LLM is called."""
        from index.bridging import warm_up as read_lexicon
        from index.tokenizing import warm_up as load_tokenizers

        load_tokenizers()
        read_lexicon()
        views = self._views.of(self.index.catalog)  # the index's name and word keys (0.1-0.3 s once per catalog)
        views.name_keys, views.word_keys, views.skeletons
        quoter = ExtractiveAnswerer(self.index, views=self._views)  # a dry run of both steps: first calls, regexes compiled
        for question, lang in (("트럼프는 언제 누구와 어디서 몇 번 만났나?", "ko"), ("Who did Trump meet, when, and how much was it?", "en")):
            quoter.answer(question, lang, self.index.search(question, k=self.settings.k))

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
        from index.retriever import HybridRetriever

        return HybridRetriever(index=index or self.index, k=k or self.settings.k, also=also or [])

    # ------------------------------------------------------------ public API

    def answer(self, question: str, history: History | None = None, *, k: int | None = None) -> AnswerResult:
        """The full result for one question: :meth:`stream` run to its end."""
        for piece in self.stream(question, history, k=k):
            result = piece
        return result

    def stream(self, question: str, history: History | None = None, *, k: int | None = None) -> Iterator[str | AnswerResult]:
        """Yield answer text pieces as the LLM writes them, then the checked :class:`AnswerResult` last."""
        turn = self._prepare(question, history or [], k)
        self._retrieve(turn)
        yield from self._write(turn)
        yield self._finish(turn)

    # ------------------------------------------------------------ steps

    def _prepare(self, question: Any, history: History, k: int | None) -> Turn:
        """Validate, detect the language, make a follow-up standalone and translate it (with an LLM)."""
        started = time.perf_counter()
        question = validate_question(question, self.settings.max_question_chars)
        history = [t for t in history if isinstance(t, dict) and t.get("content")]
        turn = Turn(question=question, history=history, lang=question_language(question),
                    k=check_range("k", k) or self.settings.k,  # the web UI's slider passes its own
                    started=started, standalone=question, retrieval_query=question)
        unsupported = unsupported_language_warning(question)
        if unsupported:
            turn.warnings.append(unsupported)
        previous = [t["content"] for t in history if t.get("role") == "user"]
        if previous and self.llm is None:  # without an LLM, only a question that leans on the last one is joined to it
            from bot.questions import content_words, is_follow_up

            if not is_follow_up(question, turn.lang, len(content_words(question))):
                previous = []
        if previous:
            t0 = time.perf_counter()
            if self.llm is not None:
                try:
                    turn.standalone = turn.retrieval_query = self.llm.rewrite(question, history)
                except Exception as exc:  # the answer step reports it, once, and answers extractively
                    turn.llm_error = exc
                    turn.retrieval_query = turn.standalone = f"{previous[-1]} {question}"
            else:
                turn.retrieval_query = turn.standalone = f"{previous[-1]} {question}"
            turn.focus = question if turn.standalone != question else None
            answers = [t["content"] for t in history if t.get("role") == "assistant"]
            turn.avoid = answers[-1] if answers else ""
            turn.timings["rewrite"] = (time.perf_counter() - t0) * 1e3
        if self.llm is not None and self.settings.translate and turn.llm_error is None:
            t0 = time.perf_counter()
            try:
                turn.translations = self.llm.translate(turn.standalone)
            except Exception as exc:
                turn.llm_error = exc
            turn.timings["translate"] = (time.perf_counter() - t0) * 1e3
        return turn

    def _retrieve(self, turn: Turn) -> None:
        t0 = time.perf_counter()
        turn.index = self.index
        # straight to the index, not through the LangChain retriever (the same call inside): a one-off question loads no LangChain
        turn.retrieved = turn.index.search(turn.retrieval_query, turn.k, also=turn.translations)
        turn.timings["retrieve"] = (time.perf_counter() - t0) * 1e3

    def _extract(self, turn: Turn) -> None:
        """The extractive answer over the index this question was retrieved from, as the turn's draft."""
        turn.answerer = ExtractiveAnswerer(turn.index, views=self._views)
        turn.draft = turn.answerer.answer(turn.standalone, turn.lang, turn.retrieved, focus=turn.focus, avoid=turn.avoid)
        if self.settings.judge and not turn.draft.refused and turn.draft.citations:
            self._judge_draft(turn)

    def _judge_draft(self, turn: Turn) -> None:
        """Refuse an extractive answer the judge doubts; a failing judge leaves the answer as it is, with a warning."""
        from bot.judging import Judge

        if self._judge is None:
            self._judge = Judge(self.settings.judge, self.settings)
        passage = " ".join(c.quote for c in turn.draft.citations)
        t0 = time.perf_counter()
        try:
            p_yes = self._judge.p_yes(turn.standalone, passage)
        except Exception as exc:
            turn.warnings.append(f"The judge ({self._judge.name}) failed: {_brief(exc).rstrip('.')}.")
            return
        turn.timings["judge"] = (time.perf_counter() - t0) * 1e3
        if p_yes < self.settings.judge_min:
            turn.draft = Draft(text=prompts.localized("refusal", turn.lang), refused=True, evidence_score=turn.draft.evidence_score)

    def _write(self, turn: Turn) -> Iterator[str]:
        """Set ``turn.draft`` and ``turn.answerer``, yielding the LLM's text as it streams (nothing when extractive)."""
        t0 = time.perf_counter()
        llm = self.llm
        if llm is None:
            self._extract(turn)
        elif turn.llm_error is not None:
            self._fall_back(turn, turn.llm_error)
        else:
            pieces: list[str] = []
            try:
                for piece in llm.stream(turn.standalone, turn.lang, turn.retrieved):
                    pieces.append(piece)
                    yield piece
                turn.answerer, turn.draft = llm, self._llm_draft("".join(pieces), turn)
            except Exception as exc:  # unreachable, timeout, bad reply: fall back, never a traceback
                self._fall_back(turn, exc)
        turn.timings["answer"] = (time.perf_counter() - t0) * 1e3

    def _llm_draft(self, text: str, turn: Turn) -> Draft:
        text = text.strip()
        flat = " ".join(text.split())
        instructions = self.llm.messages(turn.standalone, turn.lang, turn.retrieved)[0].content
        if any(len(line) >= 30 and line in flat for line in (" ".join(ln.split()) for ln in instructions.splitlines())):
            # The instructions carry example markers ("[1] or [2]") that would pass the citation check:
            # a reply that recites them (a document told the model to) must come out unsupported.
            turn.warnings.append(
                "The LLM's reply repeats its instructions instead of answering (a document may contain "
                "instructions to the model); its citation markers were ignored."
            )
            text = citing.MARKER.sub("", text)
        return Draft(text=text, refused=is_refusal(text, turn.lang))

    def _fall_back(self, turn: Turn, exc: Exception) -> None:
        turn.warnings.append(f"The LLM ({self.llm.name}) failed: {_brief(exc).rstrip('.')}. Showing the extractive answer instead.")
        self._extract(turn)

    def _finish(self, turn: Turn) -> AnswerResult:
        """The citation check (an LLM's answer) and the result object with its timings."""
        t0 = time.perf_counter()
        draft = turn.draft
        extractive = isinstance(turn.answerer, ExtractiveAnswerer)
        result = AnswerResult(
            question=turn.question,
            standalone_question=turn.standalone,
            translations=turn.translations,
            answer=draft.text,
            refused=draft.refused,
            language=turn.lang,
            retrieved=turn.retrieved,
            answerer="extractive" if extractive else turn.answerer.name,
            warnings=turn.warnings,
            evidence_score=draft.evidence_score,
        )
        if extractive or draft.refused:
            result.citations = draft.citations
            if draft.refused:
                result.answer = draft.text.strip()
            else:
                self._note_language(result)
        else:
            checked = citing.check(draft.text, turn.retrieved, turn.index)
            result.answer, result.citations = checked.text, checked.citations
            if checked.removed:
                result.warnings.append(f"Removed citation markers that point to no source: {sorted(set(checked.removed))}.")
            for n, missing in sorted((checked.unbacked or {}).items()):
                result.warnings.append(f"The source [{n}] does not mention {', '.join(missing[:5])}: check that claim.")
            if not checked.citations:
                result.unsupported = True
                evidence = ExtractiveAnswerer(turn.index, views=self._views).answer(turn.standalone, turn.lang, turn.retrieved, focus=turn.focus)
                result.evidence = evidence.citations
                from bot import prompts

                result.warnings.append(prompts.localized("unsupported", turn.lang))
        turn.timings["cite"] = (time.perf_counter() - t0) * 1e3
        turn.timings["total"] = (time.perf_counter() - turn.started) * 1e3
        result.timings_ms = dict(turn.timings)
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
            result.note = prompts.quoted_note(quoted, result.language, result.language)


def _brief(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text[:160]}" if text else type(exc).__name__


def open_chatbot(settings: Settings, *, build_if_missing: bool = True, progress: Callable | None = None,
                 announce: Callable[[str], None] | None = None) -> Chatbot:
    """A Chatbot over ``settings.index_dir``, building the index from ``settings.docs`` first if there is none.

    Only an index that was never built is built here; a damaged or deleted one raises BotError (rebuild),
    since silently re-indexing the default documents would answer from the wrong corpus. ``announce``
    gets a line before the build (why the first question waits) and the build's summary after it.
    """
    from index.storing import index_exists

    if not index_exists(settings.index_dir, settings.chroma_url, settings.collection):
        if not build_if_missing:
            raise BotError(f"No index at {settings.index_dir}. Build one first: bot index [PATH ...]")
        from index.indexing import run_index

        if announce:
            docs = ", ".join(str(p) for p in settings.docs)
            announce(f"No index yet in {settings.index_dir}: indexing {docs} once (the five seed articles take about "
                     "25 s on two idle cores); later questions start at once.")
        report = run_index(settings, progress=progress)
        if announce:
            announce(report.summary())
    return Chatbot(settings)
