"""Thumbs and comments from the page, appended to ``<index_dir>/feedback.jsonl`` for ``bot eval --from-feedback``."""
from __future__ import annotations

import json
import threading
import time
from pathlib import Path

from index.types import AnswerResult

FEEDBACK_FILE = "feedback.jsonl"
_lock = threading.Lock()


def feedback_record(answer_id: str, result: AnswerResult, verdict: str | None, comment: str = "") -> dict:
    """One line of the file: the answer as the user saw it, their verdict ("up", "down" or None) and comment.

    A later line with the same ``answer_id`` supersedes an earlier one (a changed thumb, an added comment).
    """
    return {
        "answer_id": answer_id,
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "question": result.question,
        "standalone_question": result.standalone_question or result.question,
        "answer": result.answer,
        "refused": result.refused,
        "language": result.language,
        "answerer": result.answerer,
        "citations": [c.to_dict() for c in result.citations],
        "verdict": verdict,
        "comment": comment.strip(),
    }


def append_feedback(index_dir: Path, record: dict) -> Path:
    """Append one record as a JSON line (one write per line, under a lock, so lines never interleave)."""
    path = Path(index_dir) / FEEDBACK_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(record, ensure_ascii=False) + "\n"
    with _lock, path.open("a", encoding="utf-8") as f:
        f.write(line)
    return path
