"""Typed objects at the pipeline's boundaries, each with one JSON form (``to_dict``).

Offsets (``start``/``end``) are always character offsets into the file's *decoded* text, exactly as
:func:`index.loading.load_document` returns it (no newline translation, BOM removed), so
``document.text[start:end]`` is the quoted span.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Document:
    """A loaded source file: its decoded text and where it came from."""

    source: str  # file name, as citations name it
    path: str  # absolute path at load time
    text: str  # decoded text; offsets point into this
    encoding: str
    sha256: str  # of the raw bytes: the incremental indexer's change test


@dataclass(frozen=True)
class Segment:
    """A sentence found in a document: ``text`` is the cleaned form used for matching and display."""

    start: int
    end: int
    text: str
    lang: str  # 'ko' | 'ja' | 'en' | 'other'
    block: int  # paragraph/section number: passages never cross a block boundary


@dataclass(frozen=True)
class Unit:
    """The small thing that is matched (one sentence), pointing at its parent passage."""

    id: str  # "<source>#s<n>"
    source: str
    passage_id: str
    start: int
    end: int
    text: str
    lang: str


@dataclass(frozen=True)
class Passage:
    """The parent context returned to the answerer: a few sentences, sentence-aligned."""

    id: str  # "<source>#p<n>"
    source: str
    start: int
    end: int
    text: str
    lang: str
    unit_ids: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["unit_ids"] = list(self.unit_ids)
        return d


@dataclass
class UnitHit:
    """A matched unit inside a retrieved passage, with the evidence behind its score."""

    unit_id: str
    start: int
    end: int
    text: str
    score: float
    dense: float = 0.0
    keyword: float = 0.0
    sparse: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class RetrievedPassage:
    """A passage as retrieval ranked it: its score and the units that matched."""

    passage: Passage
    score: float
    units: list[UnitHit] = field(default_factory=list)

    @property
    def source(self) -> str:
        return self.passage.source

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.passage.source,
            "passage_id": self.passage.id,
            "text": self.passage.text,
            "lang": self.passage.lang,
            "start": self.passage.start,
            "end": self.passage.end,
            "score": round(self.score, 4),
            "units": [u.to_dict() for u in self.units],
        }


@dataclass
class Citation:
    """One ``[n]`` of an answer: the exact span of the source file that supports it."""

    n: int
    source: str
    passage_id: str
    quote: str  # == decoded text of ``source`` [start:end]
    start: int
    end: int
    score: float
    lang: str = ""
    text: str = ""  # the quote cleaned for display (line breaks of PDF text joined, footnote marks removed)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["score"] = round(self.score, 4)
        return d


@dataclass
class AnswerResult:
    """What ``bot ask --json`` prints; the eval suite and the web UI read the same object."""

    question: str
    answer: str
    refused: bool
    language: str
    citations: list[Citation] = field(default_factory=list)
    retrieved: list[RetrievedPassage] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    standalone_question: str = ""
    translations: list[str] = field(default_factory=list)  # the question in other languages, searched too (LLM only)
    answerer: str = "extractive"
    warnings: list[str] = field(default_factory=list)
    unsupported: bool = False  # an LLM answer with no valid citation
    evidence: list[Citation] = field(default_factory=list)  # extractive evidence shown beside a flagged answer
    answer_language: str = ""  # language of the quoted sentences (extractive), when not the question's
    note: str = ""  # a line for the asker, in their language (e.g. why the answer is in Korean)
    evidence_score: float | None = None  # extractive: the evidence the refusal weighed (refused below the threshold)

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "standalone_question": self.standalone_question or self.question,
            "translations": list(self.translations),
            "answer": self.answer,
            "refused": self.refused,
            "language": self.language,
            "answerer": self.answerer,
            "citations": [c.to_dict() for c in self.citations],
            "retrieved": [r.to_dict() for r in self.retrieved],
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
            "warnings": list(self.warnings),
            "unsupported": self.unsupported,
            "evidence": [c.to_dict() for c in self.evidence],
            "answer_language": self.answer_language or self.language,
            "note": self.note,
            "evidence_score": self.evidence_score,
        }
