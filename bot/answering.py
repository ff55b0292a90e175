"""Answerers: turn retrieved passages into an answer with ``[n]`` markers.

``ExtractiveAnswerer`` (the default) needs no LLM: it quotes the retrieved sentence that answers the
question (a second only when it adds what the first lacks), verbatim, and refuses when the evidence is
weak, names something no document mentions, or lacks the kind of answer asked for. ``LLMAnswerer``
asks a LangChain chat model, with the passages numbered, for a cited answer in the asker's language.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterator

import numpy as np

from bot import prompts
from bot.catalog_views import CatalogViews, LatestViews
from bot.citing import make_citation
from index.settings import AnswerWeights as ExtractiveConfig
from index.types import Citation, RetrievedPassage, UnitHit

if TYPE_CHECKING:  # LangChain is loaded by the LLM answerer only, not by an extractive answer
    from langchain_core.messages import BaseMessage


@dataclass
class Draft:
    """An answer before the citation check."""

    text: str
    refused: bool
    citations: list[Citation] = field(default_factory=list)
    evidence_score: float | None = None  # the extractive refusal's evidence (refused below ``refuse_below``); None: no sentence


@dataclass
class Candidate:
    """A retrieved sentence as the answerer sees it."""

    score: float
    n: int  # the passage's number in the retrieved list (1-based)
    unit: UnitHit
    kind: str = "statement"
    typed: bool = False
    coverage: float = 0.0
    covered: frozenset = frozenset()
    language_bonus: float = 0.0  # ``other_language_bonus``, if the sentence is in another language than the question

    @property
    def plain_score(self) -> float:
        """The score without the other-language bonus: what refusal reads. The bonus decides which sentence is quoted,
        not whether there is evidence to quote one (the refusal was fitted on the order without it)."""
        return self.score - self.language_bonus


class ExtractiveAnswerer:
    """Quote the one sentence that answers; a second only when it adds what the first lacks; else refuse."""

    name = "extractive"

    def __init__(self, index, config: ExtractiveConfig | None = None, views: LatestViews | None = None):
        self.index = index
        self.config = config or getattr(getattr(index, "settings", None), "answering", None) or ExtractiveConfig()
        self._views = views or LatestViews(self.config.term_cache)  # the chatbot passes its own, kept across questions

    @property
    def views(self) -> CatalogViews:
        """What this answerer reads from the index's current catalog (built once per catalog by its owner)."""
        return self._views.of(self.index.catalog)

    def candidates(
        self, question: str, lang: str, retrieved: list[RetrievedPassage], focus: str | None = None, terms: dict[str, float] | None = None
    ) -> list[Candidate]:
        """Every sentence of the retrieved passages with its selection score, best first.

        ``focus`` (the latest question of a follow-up, e.g. "Where was it made?") is scored too; it is
        vague on its own, so it only adds to the score of the combined query.
        """
        from bot.questions import answer_type, carries, frame_kind, sentence_kind, vague_date

        rows = [(i + 1, u) for i, rp in enumerate(retrieved) for u in rp.units]
        if not rows:
            return []
        cfg = self.config
        asked = answer_type(focus or question, lang)
        terms = query_terms(self.index.catalog, focus or question) if terms is None else terms
        cat = self.index.catalog
        views = self.views
        own: np.ndarray | None = None
        if focus:
            fused, _ = self.index.unit_scores(focus)
            own = np.array([fused[cat.unit_index[u.unit_id]] for _, u in rows], dtype=np.float32)
        out = []
        for j, (n, u) in enumerate(rows):
            kind = sentence_kind(u.text, cfg.shapes)
            if kind == "statement" and views.minority(u.unit_id):
                kind = "caption"
            if cfg.kind_penalty.get("title", 0.0) > 0:
                kind = frame_kind(u.text, views.first_unit(u.unit_id), focus or question, cfg.shapes) or kind
            row = cat.unit_index.get(u.unit_id)
            covered = _covered(views, terms, row)
            coverage = sum(terms[t] for t in covered)
            typed = carries(u.text, asked, focus or question)
            bonus = cfg.type_bonus * (cfg.vague_date_share if typed and asked == "date" and vague_date(u.text) else float(typed))
            score = u.score + bonus + cfg.coverage_weight * coverage - cfg.kind_penalty.get(kind, 0.0)
            if kind == "caption":  # a headline, caption or reference in a language its document otherwise doesn't use
                score -= cfg.minority_penalty
            other = cfg.other_language_bonus if row is not None and cat.units[row].lang != lang else 0.0
            score += other  # every part of the score favours the question's own language
            if own is not None:
                score += cfg.focus_weight * float(own[j])
            out.append(Candidate(score, n, u, kind, typed, coverage, frozenset(covered), other))
        out.sort(key=lambda c: -c.score)
        return out

    def answer(self, question: str, lang: str, retrieved: list[RetrievedPassage], *, focus: str | None = None, avoid: str = "") -> Draft:
        from bot.questions import answer_type, near_duplicate

        cfg = self.config
        terms = query_terms(self.index.catalog, focus or question)  # once: selection and the second-sentence test share it
        ranked = self.candidates(question, lang, retrieved, focus, terms)
        if avoid:  # a follow-up asks about what the last answer said: look beside it, but don't repeat it
            said = {c.unit.unit_id: avoid.find(c.unit.text) for c in ranked if c.unit.text and c.unit.text in avoid}
            lead = min(said, key=said.get) if said else None  # the previous answer's first sentence
            near = {retrieved[c.n - 1].passage.id for c in ranked if c.unit.unit_id == lead}
            for c in ranked:
                c.score += -cfg.repeat_penalty * (c.unit.unit_id in said) + cfg.nearby_bonus * (retrieved[c.n - 1].passage.id in near)
            ranked.sort(key=lambda c: -c.score)
        score = self.evidence(focus or question, lang, ranked) if ranked else None
        if score is None or score < cfg.refuse_below:
            return Draft(text=prompts.localized("refusal", lang), refused=True, evidence_score=score)
        first = ranked[0]
        chosen = [first]
        asked = answer_type(focus or question, lang) is not None
        for c in ranked[1:]:
            if c.score < first.score - cfg.second_margin:
                break
            if c.kind != "statement" or near_duplicate(c.unit.text, first.unit.text, cfg.duplicate_overlap, cfg.duplicate_containment):
                continue
            adds_type = asked and c.typed and not first.typed
            gain = sum(terms.get(h, 0.0) for h in c.covered - first.covered)
            if (adds_type or gain >= cfg.second_gain) and len(first.unit.text) + len(c.unit.text) <= cfg.max_chars:
                chosen.append(c)
            break
        chosen.sort(key=lambda c: (c.n, c.unit.start))  # read in document order
        citations, parts = [], []
        for i, c in enumerate(chosen, start=1):
            citations.append(make_citation(i, retrieved[c.n - 1], c.unit, c.score, self.index))
            parts.append(f"{c.unit.text} [{i}]")
        return Draft(text=" ".join(parts), refused=False, citations=citations, evidence_score=score)

    def features(self, question: str, lang: str, ranked: list[Candidate]) -> dict[str, float]:
        """The evidence behind an answer, each part comparable across corpora and languages."""
        from bot.questions import answer_type, asked_unit

        cat = self.index.catalog
        n = self.config.evidence_sentences
        plain = sorted(ranked, key=lambda c: -c.plain_score)
        top = [c for c in plain if c.kind in ("statement", "table")][:n] or plain[:n]  # "こんにちは!" is near any question
        best_dense = max((c.unit.dense for c in top), default=0.0)
        coverage = max((c.coverage for c in top), default=0.0)
        sparse = 0.0
        if cat.sparse is not None and self.index.settings.sparse and getattr(self.index.embedder, "has_sparse", False):
            selfscore = _self_sparse(self.index, question)
            if selfscore > 0:
                sparse = max((c.unit.sparse for c in top), default=0.0) / selfscore
        asked = answer_type(question, lang)
        # A question that wants a number, a date or an article number and no retrieved statement holding
        # one is asking for what the sources do not say. One that names its unit ("how many minutes",
        # "몇 퍼센트", "何月何日") asks more: a sentence that could be quoted (within ``second_margin`` of the
        # best) must give that unit; a "4 March" elsewhere in the passages does not date the boats' delivery.
        # Names and places are left out: the taggers miss too many roles ("임대인").
        typed = True
        if asked in ("number", "date", "article"):
            pool = [c for c in plain if c.kind in ("statement", "table")]
            if pool and asked_unit(question):
                pool = [c for c in pool if c.plain_score >= pool[0].plain_score - self.config.second_margin]
            typed = any(c.typed for c in pool)
        return {
            "dense": best_dense,
            "coverage": coverage,
            "sparse": sparse,
            "unknown_names": float(len(unknown_names(cat, question, self.views))),
            "untyped": float(not typed),
        }

    def evidence(self, question: str, lang: str, ranked: list[Candidate]) -> float:
        """How strongly the best sentences support an answer; refuse below ``refuse_below``."""
        cfg = self.config
        f = self.features(question, lang, ranked)
        return (
            cfg.evidence_dense * (f["dense"] - cfg.dense_floor)
            + cfg.evidence_coverage * f["coverage"]
            + cfg.evidence_sparse * f["sparse"]
            - cfg.unknown_name_penalty * min(f["unknown_names"], 1.0)
            - cfg.untyped_penalty * f["untyped"]
        )


# ---------------------------------------------------------------- question terms and their coverage

def query_terms(catalog, question: str) -> dict[str, float]:
    """The question's content words (with their Sino-Korean readings and dictionary bridges folded
    into one term each), weighted by idf and normalised to sum to 1.

    A word no document contains keeps its weight: a question about something absent covers less.
    """
    groups = _term_groups(question)
    if not groups:
        return {}
    max_idf = max(catalog.idf.values(), default=1.0)
    weights = {}
    for head, alts in groups.items():
        known = [catalog.idf[a] for a in alts if a in catalog.idf]
        weights[head] = (max(known) if known else max_idf)
    total = sum(weights.values())
    return {h: w / total for h, w in weights.items()}


def _term_groups(question: str) -> dict[str, tuple[str, ...]]:
    from bot.questions import content_words
    from index.tokenizing import with_hangul_readings

    groups: dict[str, tuple[str, ...]] = {}
    for tok in content_words(question):
        alts = list(dict.fromkeys(with_hangul_readings([tok]) + _bridge(tok)))
        groups[tok] = tuple(alts)
    return groups


def _bridge(token: str) -> list[str]:
    """Dictionary translations and name keys of a question word, as corpus tokens (index/bridging.py)."""
    from index.bridging import expand

    return expand(token)




def _covered(views: CatalogViews, terms: dict[str, float], row: int | None) -> set[str]:
    if row is None or not terms:
        return set()
    toks = views.row_tokens[row]
    groups = _term_groups_cached(views, tuple(terms))
    return {head for head in terms if any(a in toks for a in groups.get(head, (head,)))}


def _term_groups_cached(views: CatalogViews, heads: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """Each question word's alternatives, remembered for the most recent words only (``views.term_groups``)."""
    cache = views.term_groups
    return {h: cache.get_or_make(h, lambda h=h: _term_groups(h).get(h, (h,))) for h in heads}


def unknown_names(catalog, question: str, views: CatalogViews | None = None) -> list[str]:
    """Names in the question that no document mentions, in any script ("Melania" in a corpus without her).

    Only words that are names and nothing else count: "South Korea" has dictionary words in it and is
    left to the other signals; a name is known when its phonetic key is close to one the index gave
    its proper nouns (Xi Jinping ~ 시진핑), so spelling across scripts does not make it unknown.
    """
    from bot.questions import name_key, question_names
    from index.tokenizing import tokenize, with_hangul_readings

    views = views if views is not None and views.catalog is catalog else CatalogViews(catalog, 1)
    missing = []
    for name in question_names(question):
        whole = name_key(name)
        if whole and _close_key(whole, views.name_keys):
            continue
        unknown = False
        for t in tokenize(name) or [name.lower()]:
            if len(t) < 3 or any(a in catalog.idf for a in with_hangul_readings([t])):
                continue
            alts = _bridge(t)
            if any(a in catalog.idf for a in alts):
                continue
            key = name_key(t)
            if key and (_close_key(key, views.name_keys) or _close_key(key, views.word_keys)):
                continue  # Haneulchae ~ 하늘채, Nuripay ~ 누리페이: a name spelled in another script than the document's
            if any(a.startswith("~~") and _close_key(a[2:], views.skeletons, 0.8) for a in alts):
                continue  # SoftBank ~~shtpnk ~ 소프트뱅크 ~~sptpnk: the consonants agree where the vowels don't
            if t.isascii() and any(not a.startswith("~") for a in alts):
                continue  # an ordinary English word (it has dictionary translations): not a name
            unknown = True
        if unknown:
            missing.append(name)
    return missing


def _close_key(key: str, keys: list[str], cutoff: float = 0.75) -> bool:
    """A name spelled a little differently across scripts (Xi Jinping ~ 시진핑, Lee Jae-myung ~ 이재명)."""
    import difflib

    return len(key) >= 4 and bool(difflib.get_close_matches(key, [k for k in keys if abs(len(k) - len(key)) <= 3], n=1, cutoff=cutoff))


def _self_sparse(index, question: str) -> float:
    """The question's sparse vector dotted with itself: what a sentence saying exactly the question would score."""
    q = index.embedder.sparse([question])
    return float(q.multiply(q).sum())


class LLMAnswerer:
    """A chat model prompted with numbered passages; markers then go through :mod:`bot.citing`."""

    def __init__(self, chat_model, spec: str):
        self.model = chat_model
        self.name = spec

    @staticmethod
    def context(retrieved: list[RetrievedPassage]) -> str:
        return "\n\n".join(f"[{i}] ({rp.passage.source}) {rp.passage.text}" for i, rp in enumerate(retrieved, start=1))

    def messages(self, question: str, lang: str, retrieved: list[RetrievedPassage]) -> list[BaseMessage]:
        from langchain_core.messages import HumanMessage, SystemMessage

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
        from langchain_core.messages import HumanMessage

        convo = "\n".join(f"{t['role']}: {t['content']}" for t in history[-6:])
        reply = self.model.invoke([HumanMessage(prompts.load("rewrite").format(history=convo, question=question))])
        text = reply.content if isinstance(reply.content, str) else str(reply.content)
        return text.strip().splitlines()[0].strip() if text.strip() else question


    def translate(self, question: str) -> list[str]:
        """The question in Korean and Japanese, for retrieval over text in those languages."""
        from langchain_core.messages import HumanMessage

        reply = self.model.invoke([HumanMessage(prompts.load("translate").format(question=question))])
        text = reply.content if isinstance(reply.content, str) else str(reply.content)
        found = re.findall(r"^\s*(?:ko|ja)\s*:\s*(.+?)\s*$", text, flags=re.MULTILINE | re.IGNORECASE)
        return [t for t in found if t and t != question][:2]


def is_refusal(text: str, lang: str) -> bool:
    refusal = prompts.localized("refusal", lang)
    stripped = text.strip()
    return stripped == refusal or (stripped.startswith(refusal[:-1]) and len(stripped) < len(refusal) + 40)
