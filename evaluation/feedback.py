"""Answers marked in the web UI (``<index_dir>/feedback.jsonl``) turned into candidate FAQ items for review.

A thumbs-up answer becomes a ready FAQ item (its cited files as sources, its quoted sentences as answer
keywords); a thumbs-down one goes to a review list with the wrong answer and the comment, since only a person
can say what the right answer is. Nothing is added to ``eval/faq.jsonl`` by itself.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from evaluation.datasets import validate_item
from index.errors import BotError


def read_feedback(path: Path) -> list[dict[str, Any]]:
    """The last record per answer (a later thumb or comment supersedes an earlier one), in file order."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise BotError(f"Cannot read the feedback file {path}: {exc.strerror or exc}.") from None
    latest: dict[str, dict[str, Any]] = {}
    for i, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            raise BotError(f"{path}:{i}: not a JSON line ({exc.msg}).") from None
        if not isinstance(rec, dict) or not isinstance(rec.get("question"), str) or "answer_id" not in rec:
            raise BotError(f"{path}:{i}: not a feedback record (needs answer_id and question).")
        latest.pop(str(rec["answer_id"]), None)
        latest[str(rec["answer_id"])] = rec
    return list(latest.values())


def _item_id(rec: dict[str, Any]) -> str:
    digest = hashlib.sha1(f"{rec['question']}\n{rec.get('answer', '')}".encode()).hexdigest()[:8]
    return f"fb-{rec.get('language') or 'xx'}-{digest}"


def candidates(records: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``(faq_items, to_review)`` from feedback records; records without a verdict are skipped."""
    items, review = [], []
    for rec in records:
        cites = [c for c in rec.get("citations") or [] if isinstance(c, dict)]
        meta = {"verdict": rec.get("verdict"), "comment": rec.get("comment", ""), "time": rec.get("time"), "answerer": rec.get("answerer")}
        if rec.get("verdict") == "up":
            keywords = list(dict.fromkeys((c.get("text") or c.get("quote") or "").strip() for c in cites))
            item = {
                "id": _item_id(rec),
                "question": rec["question"],
                "lang": rec.get("language") or "en",
                "sources": list(dict.fromkeys(c["source"] for c in cites if c.get("source"))),
                "answer_keywords": [k for k in keywords if k],
                "answerable": not rec.get("refused", False),
                "reference_answer": rec.get("answer", ""),
                "feedback": meta,
            }
            if item["answerable"] and not item["answer_keywords"]:  # an uncited answer cannot be an FAQ item as is
                review.append({**item, "todo": "thumbs up but no citation: add answer_keywords and sources"})
                continue
            items.append(validate_item(item, f"feedback {rec['answer_id']}"))
        elif rec.get("verdict") == "down":
            review.append({
                "id": _item_id(rec),
                "question": rec["question"],
                "lang": rec.get("language") or "en",
                "wrong_answer": rec.get("answer", ""),
                "wrong_sources": list(dict.fromkeys(c.get("source") for c in cites if c.get("source"))),
                "feedback": meta,
                "todo": "write answer_keywords, sources and answerable (true/false) from the documents",
            })
    return items, review


def write_candidates(feedback: Path, out_dir: Path) -> dict[str, Any]:
    """Write ``faq-candidates.jsonl`` and ``to-review.jsonl`` into ``out_dir``; returns counts and paths."""
    items, review = candidates(read_feedback(feedback))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, rows in (("faq-candidates.jsonl", items), ("to-review.jsonl", review)):
        path = out_dir / name
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        written.append(str(path))
    return {"candidates": len(items), "to_review": len(review), "written": written}
