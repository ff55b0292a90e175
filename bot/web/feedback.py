"""Thumbs and comments from the page, appended to ``<index_dir>/feedback.jsonl`` for ``bot eval --from-feedback``."""
from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import gradio as gr

from bot.web.strings import strings
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


class FeedbackEvents:
    """👍/👎 under an answer writes a line at once; the comment box that then opens adds a comment to it."""

    def __init__(self, index_dir: Path):
        self.index_dir = index_dir

    def like(self, turns: list[dict], ui: str, evt: gr.LikeData) -> tuple:
        index = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        n = int(index) // 2
        if not turns or n >= len(turns):
            return gr.skip(), gr.skip()
        verdict = None if evt.liked is None or evt.liked == "" else ("up" if evt.liked is True or evt.liked == "Like" else "down")
        append_feedback(self.index_dir, feedback_record(turns[n]["id"], turns[n]["result"], verdict))
        gr.Info(strings(ui)["feedback_saved"].format(n=n + 1))
        return {"n": n, "verdict": verdict}, gr.update(visible=verdict is not None)

    def comment(self, comment: str, target: dict | None, turns: list[dict], ui: str) -> tuple:
        if not target or not comment or not comment.strip() or target["n"] >= len(turns or []):
            return gr.skip(), gr.skip()
        t = turns[target["n"]]
        append_feedback(self.index_dir, feedback_record(t["id"], t["result"], target["verdict"], comment[:2000]))
        gr.Info(strings(ui)["comment_saved"].format(n=target["n"] + 1))
        return "", gr.update(visible=False)


def wire(page, events: FeedbackEvents) -> None:
    page.chat.like(events.like, [page.turns, page.ui], [page.feedback_target, page.feedback_row], api_visibility="private")
    gr.on(
        [page.comment.submit, page.comment_send.click], events.comment, [page.comment, page.feedback_target, page.turns, page.ui],
        [page.comment, page.feedback_row], api_visibility="private",
    )
