"""Answerers: turn retrieved passages into an answer with ``[n]`` markers.

``ExtractiveAnswerer`` (the default) needs no LLM: it answers with the one to three retrieved sentences
that best match the question, verbatim, and refuses when even the best is too weak. ``LLMAnswerer``
asks a LangChain chat model, with the passages numbered, for a cited answer in the asker's language.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

import numpy as np
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from bot import prompts
from bot.citing import make_citation
from bot.types import Citation, RetrievedPassage, UnitHit


@dataclass
class Draft:
    """An answer before the citation check."""

    text: str
    refused: bool
    citations: list[Citation] = field(default_factory=list)
    confidence: float = 0.0


@dataclass
class ExtractiveConfig:
    """Thresholds for the extractive answerer; ``refuse_below`` is calibrated on the FAQ set's unanswerables."""

    refuse_below: float = 0.80  # best sentence's cosine similarity to the question
    margin: float = 0.6  # extra sentences must score within this (z units) of the best
    max_sentences: int = 3
    max_chars: int = 600


class ExtractiveAnswerer:
    name = "extractive"

    def __init__(self, index, config: ExtractiveConfig | None = None):
        self.index = index
        self.config = config or ExtractiveConfig()

    def candidates(self, retrieved: list[RetrievedPassage], focus: str | None = None) -> list[tuple[float, int, UnitHit]]:
        """(score, passage number, unit) for every sentence of the retrieved passages, best first.

        ``focus`` (the latest question of a follow-up) is scored too and outweighs the combined query.
        """
        rows = [(i + 1, u) for i, rp in enumerate(retrieved) for u in rp.units]
        if not rows:
            return []
        scores = np.array([u.score for _, u in rows], dtype=np.float32)
        if focus:
            fused, _ = self.index.unit_scores(focus)
            own = np.array([fused[self.index.catalog.unit_index[u.unit_id]] for _, u in rows], dtype=np.float32)
            scores = 0.5 * scores + own
        ranked = sorted(zip(scores.tolist(), [n for n, _ in rows], [u for _, u in rows]), key=lambda t: -t[0])
        return ranked

    def answer(self, question: str, lang: str, retrieved: list[RetrievedPassage], *, focus: str | None = None, avoid: str = "") -> Draft:
        cfg = self.config
        ranked = self.candidates(retrieved, focus)
        if avoid:  # a follow-up should not repeat the sentence the previous answer gave
            ranked = [(s - (1.0 if u.text and u.text in avoid else 0.0), n, u) for s, n, u in ranked]
            ranked.sort(key=lambda t: -t[0])
        confidence = max((u.dense for _, _, u in ranked), default=0.0)
        if not ranked or confidence < cfg.refuse_below:
            return Draft(text=prompts.localized("refusal", lang), refused=True, confidence=confidence)
        best = ranked[0][0]
        chosen: list[tuple[int, UnitHit, float]] = []
        used = 0
        for score, n, unit in ranked:
            if len(chosen) >= cfg.max_sentences or score < best - cfg.margin:
                break
            if any(unit.text == c.text for _, c, _ in chosen) or (chosen and used + len(unit.text) > cfg.max_chars):
                continue
            chosen.append((n, unit, score))
            used += len(unit.text)
        citations = []
        parts = []
        for i, (n, unit, score) in enumerate(chosen, start=1):
            citations.append(make_citation(i, retrieved[n - 1], unit, score, self.index))
            parts.append(f"{unit.text} [{i}]")
        return Draft(text=" ".join(parts), refused=False, citations=citations, confidence=confidence)


class LLMAnswerer:
    """A chat model prompted with numbered passages; markers then go through :mod:`bot.citing`."""

    def __init__(self, chat_model, spec: str):
        self.model = chat_model
        self.name = spec

    @staticmethod
    def context(retrieved: list[RetrievedPassage]) -> str:
        return "\n\n".join(f"[{i}] ({rp.passage.source}) {rp.passage.text}" for i, rp in enumerate(retrieved, start=1))

    def messages(self, question: str, lang: str, retrieved: list[RetrievedPassage]) -> list[BaseMessage]:
        system = prompts.load("system").format(language_name=prompts.language_name(lang), refusal=prompts.localized("refusal", lang))
        human = prompts.load("answer").format(context=self.context(retrieved), question=question)
        return [SystemMessage(system), HumanMessage(human)]

    def stream(self, question: str, lang: str, retrieved: list[RetrievedPassage]) -> Iterator[str]:
        for chunk in self.model.stream(self.messages(question, lang, retrieved)):
            text = chunk.content if isinstance(chunk.content, str) else "".join(
                p.get("text", "") if isinstance(p, dict) else str(p) for p in chunk.content
            )
            if text:
                yield text

    def rewrite(self, question: str, history: list[dict]) -> str:
        convo = "\n".join(f"{t['role']}: {t['content']}" for t in history[-6:])
        reply = self.model.invoke([HumanMessage(prompts.load("rewrite").format(history=convo, question=question))])
        text = reply.content if isinstance(reply.content, str) else str(reply.content)
        return text.strip().splitlines()[0].strip() if text.strip() else question


def is_refusal(text: str, lang: str) -> bool:
    refusal = prompts.localized("refusal", lang)
    stripped = text.strip()
    return stripped == refusal or (stripped.startswith(refusal[:-1]) and len(stripped) < len(refusal) + 40)
