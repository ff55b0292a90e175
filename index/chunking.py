"""Small-to-big units: every sentence is matched on its own, and answered with its parent passage.

A sentence embeds precisely but says little; a passage of a few neighbouring sentences of the same block
gives the answerer context and the citation a readable quote. Passages never cross a block (section or
paragraph) boundary, a sentence longer than the target stands alone, and a short leftover is merged into
the passage before it rather than left as a fragment.
"""
from __future__ import annotations

from index.lang import rules
from index.languages import majority_language
from index.settings import default
from index.types import Document, Passage, Segment, Unit

MIN_FRACTION = 0.3  # a passage shorter than this share of the target joins its neighbour...
MAX_MERGED = 1.5  # ...when the result stays within this multiple of the target


def join_texts(texts: list[str], langs: list[str]) -> str:
    """Sentences joined for display: nothing between two Japanese sentences, a space otherwise."""
    out = ""
    for i, (text, lang) in enumerate(zip(texts, langs)):
        if i and (rules(lang).sentence_separator or rules(langs[i - 1]).sentence_separator):
            out += " "
        out += text
    return out


def make_units(doc: Document, segments: list[Segment], *, passage_chars: int = default("passage_chars")) -> tuple[list[Unit], list[Passage]]:
    """Units (one per segment, ids ``<source>#s<i>``) and passages (``<source>#p<j>``) for ``doc``."""
    groups = _group(segments, passage_chars)
    units: list[Unit] = []
    passages: list[Passage] = []
    for j, group in enumerate(groups):
        pid = f"{doc.source}#p{j}"
        unit_ids = []
        for i in group:
            seg = segments[i]
            uid = f"{doc.source}#s{i}"
            unit_ids.append(uid)
            units.append(Unit(id=uid, source=doc.source, passage_id=pid, start=seg.start, end=seg.end,
                              text=seg.text, lang=seg.lang))
        segs = [segments[i] for i in group]
        passages.append(Passage(
            id=pid,
            source=doc.source,
            start=segs[0].start,
            end=segs[-1].end,
            text=join_texts([s.text for s in segs], [s.lang for s in segs]),
            lang=majority_language((s.lang, len(s.text)) for s in segs),
            unit_ids=tuple(unit_ids),
        ))
    return units, passages


def _group(segments: list[Segment], target: int) -> list[list[int]]:
    groups: list[list[int]] = []
    size: list[int] = []
    for i, seg in enumerate(segments):
        n = len(seg.text)
        if groups and segments[groups[-1][-1]].block == seg.block and size[-1] + 1 + n <= target:
            groups[-1].append(i)
            size[-1] += 1 + n
        else:
            groups.append([i])
            size.append(n)
    # Fold a small passage into its predecessor in the same block when the pair stays reasonable.
    merged: list[list[int]] = []
    merged_size: list[int] = []
    for group, n in zip(groups, size):
        if (
            merged
            and segments[merged[-1][-1]].block == segments[group[0]].block
            and min(n, merged_size[-1]) < MIN_FRACTION * target
            and merged_size[-1] + 1 + n <= MAX_MERGED * target
        ):
            merged[-1].extend(group)
            merged_size[-1] += 1 + n
        else:
            merged.append(list(group))
            merged_size.append(n)
    return merged
