"""The citation check every answer passes: markers resolved to exact sentence spans, bad ones removed.

A marker ``[n]`` must name one of the passages the answerer saw; its quote is the sentence of that
passage that best supports the claim just before the marker (embedding similarity plus word overlap).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from index.types import Citation, RetrievedPassage

MARKER = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")


@dataclass
class Checked:
    text: str
    citations: list[Citation]
    removed: list[int]
    unbacked: dict[int, list[str]] = None  # marker -> names and numbers of its claim that its source does not mention


def markers(text: str) -> list[int]:
    return [int(n) for m in MARKER.finditer(text) for n in re.split(r"\s*,\s*", m.group(1))]


def claims(text: str) -> list[tuple[str, list[int]]]:
    """(claim text, its marker numbers) for each run of text that ends in markers."""
    out: list[tuple[str, list[int]]] = []
    pos = 0
    for m in MARKER.finditer(text):
        claim = text[pos : m.start()].strip()
        nums = [int(n) for n in re.split(r"\s*,\s*", m.group(1))]
        if not claim and out:  # "[1][2]": the second marker supports the same claim
            out[-1][1].extend(nums)
        else:
            out.append((claim, nums))
        pos = m.end()
    return out


def check(text: str, retrieved: list[RetrievedPassage], index) -> Checked:
    """Drop markers outside 1..len(retrieved); cite, per valid marker, the best supporting sentence."""
    valid = set(range(1, len(retrieved) + 1))
    removed = [n for n in markers(text) if n not in valid]

    def fix(m: re.Match) -> str:
        keep = [n for n in re.split(r"\s*,\s*", m.group(1)) if int(n) in valid]
        return "".join(f"[{n}]" for n in keep)

    clean = re.sub(r"\s+([.,。、!?])", r"\1", MARKER.sub(fix, text)) if removed else MARKER.sub(fix, text)
    pairs = [(claim, n) for claim, nums in claims(clean) for n in nums]
    best: dict[int, tuple[float, object]] = {}
    if pairs:
        scores = _support_scores([c for c, _ in pairs], [retrieved[n - 1] for _, n in pairs], index)
        for (claim, n), (score, unit) in zip(pairs, scores):
            if n not in best or score > best[n][0]:
                best[n] = (score, unit)
    citations = []
    for n in sorted(best):
        score, unit = best[n]
        rp = retrieved[n - 1]
        citations.append(make_citation(n, rp, unit, score, index))
    unbacked: dict[int, list[str]] = {}
    for claim, n in pairs:
        missing = [f for f in facts(claim) if not mentions(retrieved[n - 1], f, index)]
        if missing:
            unbacked.setdefault(n, [])
            unbacked[n] += [f for f in missing if f not in unbacked[n]]
    return Checked(text=clean, citations=citations, removed=removed, unbacked=unbacked)


# What a claim asserts that its source must show: numbers, and capitalised Latin words after the first (names).
# Markup and addresses are not claims: a document that injects a URL must not make its parts look like facts.
_NOT_CLAIM = re.compile(r"!?\[[^\]]*\]\([^)]*\)|\[[^\]]*\]:?|<[^>]*>|(?:https?://|www\.)\S+")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_NAME = re.compile(r"(?<![\w.])[A-Z][a-z]+(?:-[A-Z][a-z]+)?")
_COMMON = {"The", "This", "That", "These", "Those", "It", "Its", "He", "She", "They", "We", "You", "In", "On", "At",
           "And", "But", "Or", "For", "With", "By", "From", "To", "Of", "As", "A", "An", "If", "When", "While", "After",
           "Before", "According", "Yes", "No", "Mr", "Ms", "Mrs", "Dr"}


def facts(claim: str) -> list[str]:
    """The names and numbers a claim states (first word of a sentence and common words left out)."""
    text = _NOT_CLAIM.sub(" ", claim)
    names = [m.group() for m in _NAME.finditer(text) if m.group() not in _COMMON and not _starts_sentence(text, m.start())]
    return list(dict.fromkeys(names + [m.group() for m in _NUMBER.finditer(text)]))


def _starts_sentence(text: str, pos: int) -> bool:
    before = text[:pos].rstrip()
    return not before or before[-1] in ".!?:;\"'-•✅*"


def mentions(rp: RetrievedPassage, fact: str, index) -> bool:
    """Whether the cited passage states ``fact``: as written (a name also by its first five letters, 'Lanterns' in
    'lantern'), a number with its separators ignored, or a Latin name by its sound keys in a Korean or Japanese
    passage (Trump = 트럼프 = トランプ, through the index's name keys)."""
    text = rp.passage.text
    if fact[0].isdigit():
        return fact.replace(",", "") in text.replace(",", "")
    stem = fact[:5] if len(fact) >= 5 else fact
    if re.search(rf"(?<![A-Za-z]){re.escape(stem)}" + ("" if len(fact) >= 5 else r"(?![A-Za-z])"), text, re.IGNORECASE):
        return True
    from index.bridging import latin_keys

    keys = set(latin_keys(fact.lower()))
    if not keys:
        return False
    cat = index.catalog
    rows = cat.all_tokens()
    return any(keys & set(rows[cat.unit_index[u]]) for u in rp.passage.unit_ids if u in cat.unit_index)


def make_citation(n: int, rp: RetrievedPassage, unit, score: float, index) -> Citation:
    return Citation(
        n=n,
        source=rp.passage.source,
        passage_id=rp.passage.id,
        quote=index.catalog.quote(rp.passage.source, unit.start, unit.end),
        start=unit.start,
        end=unit.end,
        score=float(score),
        lang=rp.passage.lang,
        text=unit.text,
    )


def _support_scores(claim_texts: list[str], passages: list[RetrievedPassage], index) -> list[tuple[float, object]]:
    """For each (claim, passage): the passage sentence most similar to the claim, and its score."""
    qv = index.embedder.encode_queries(claim_texts)
    units_per = [[index.catalog.units[index.catalog.unit_index[u]] for u in rp.passage.unit_ids] for rp in passages]
    flat = list({u.id: u for us in units_per for u in us}.values())
    pv = index.embedder.encode_passages([u.text for u in flat])
    row = {u.id: i for i, u in enumerate(flat)}
    out = []
    for q, claim, us in zip(qv, claim_texts, units_per):
        sims = [float(pv[row[u.id]] @ q) + 0.2 * _overlap(claim, u.text) for u in us]
        i = int(np.argmax(sims))
        out.append((sims[i], us[i]))
    return out


def _overlap(a: str, b: str) -> float:
    """Share of the claim's character bigrams found in the sentence: language-neutral word overlap."""
    def grams(s: str) -> set[str]:
        s = re.sub(r"\s+", "", s.lower())
        return {s[i : i + 2] for i in range(len(s) - 1)}

    ga, gb = grams(a), grams(b)
    return len(ga & gb) / len(ga) if ga else 0.0
