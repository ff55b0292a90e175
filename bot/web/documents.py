"""The panel's documents: index statistics and file list, upload (indexed at once, questions wait), find, open, remove."""
from __future__ import annotations

import html
import logging
from typing import Iterator

import gradio as gr

from bot.web.engine import Context
from bot.web.render import document_html, document_rows, public_message
from bot.web.strings import strings
from bot.web.uploads import check_uploads, is_upload, remove_upload, store_uploads, upload_folder
from index.errors import BotError

log = logging.getLogger(__name__)

STAGES = {"read": "Reading files", "embed": "Embedding sentences", "sparse": "Sparse term vectors"}


class Documents:
    def __init__(self, ctx: Context, app: gr.Blocks):
        self.ctx = ctx
        self.app = app  # Gradio's set of files it received as uploads lives on the app

    def choices(self) -> dict:
        return gr.update(choices=[r["source"] for r in document_rows(self.ctx.catalog_or_none())], value=None)

    def add(self, files: list[str] | None, ui: str = "en", progress=gr.Progress()) -> Iterator[tuple]:
        """Index files this app received as uploads (copies go to <index_dir>/uploads/); refuse anything else."""
        s, settings = strings(ui), self.ctx.settings
        if not files:
            yield gr.skip(), gr.skip(), gr.skip()
            return
        accepted, problems = check_uploads(
            files, folder=upload_folder(), max_mb=settings.max_file_mb, received=getattr(self.app, "upload_file_set", None)
        )
        lines: list[str] = []
        names = {str(src): name for src, name in accepted}
        names |= {str((settings.index_dir / "uploads" / name).resolve()): name for _, name in accepted}
        if accepted:
            self.ctx.engine.begin_indexing()
            try:
                shown = ", ".join(name for _, name in accepted)
                yield gr.skip(), f'<div class="busy" role="status">{html.escape(s["indexing_names"].format(names=shown))}</div>', gr.skip()
                lines, failed = self._index(accepted, s, progress)
                problems += failed
            finally:
                self.ctx.engine.end_indexing()
        if problems:
            gr.Warning(s["upload_problems"])
        status = "".join(f"<div>{html.escape(public_message(line, settings.index_dir, names))}</div>" for line in lines)
        status += "".join(f'<div class="err">⚠ {html.escape(public_message(p, settings.index_dir, names))}</div>' for p in problems)
        yield None, status, self.ctx.index_info(ui)

    def _index(self, accepted: list, s: dict, progress) -> tuple[list[str], list[str]]:
        """Copy and index the accepted uploads, then reopen the index: (result lines, problems)."""

        def report_progress(stage: str, done: int, total: int) -> None:
            if total > 0:
                progress((done, total), desc=STAGES.get(stage, stage), unit="items")

        report, problems = store_uploads(self.ctx.settings, accepted, progress=report_progress)
        lines: list[str] = []
        if report is None:
            return lines, problems
        mine = {name for _, name in accepted}
        counts = {key: [n for n in getattr(report, key) if n in mine] for key in ("added", "updated", "unchanged")}
        if any(counts.values()):
            lines.append(s["upload_result"].format(names=", ".join(sum(counts.values(), [])), **{k: len(v) for k, v in counts.items()}))
        try:
            self.ctx.engine.reload()
        except BotError as exc:
            problems.append(str(exc))
        except Exception as exc:
            log.exception("reopening the index failed")
            problems.append(f"Reopening the index failed: {type(exc).__name__}: {exc}")
        return lines, problems

    def remove(self, source: str | None, ui: str) -> tuple:
        s, settings = strings(ui), self.ctx.settings
        if not source:
            gr.Warning(s["pick_document"])
            return gr.skip(), gr.skip(), gr.skip()
        if not is_upload(settings, self.ctx.catalog_or_none(), source):
            return f'<div class="err">⚠ {html.escape(s["doc_not_upload"].format(name=source))}</div>', gr.skip(), gr.skip()
        self.ctx.engine.begin_indexing()
        try:
            remove_upload(settings, source)
            self.ctx.engine.reload()
            status = f"<div>{html.escape(s['doc_removed'].format(name=source))}</div>"
        except BotError as exc:
            status = f'<div class="err">⚠ {html.escape(public_message(str(exc), settings.index_dir))}</div>'
        finally:
            self.ctx.engine.end_indexing()
        return status, self.ctx.index_info(ui), self.choices()

    def open(self, source: str | None, turns: list[dict], ui: str) -> str:
        if not source:
            gr.Warning(strings(ui)["pick_document"])
            return gr.skip()
        return document_html(self.ctx.catalog_or_none(), source, turns or [], ui)


def wire(page, docs: Documents) -> None:
    page.upload.upload(
        docs.add, [page.upload, page.ui], [page.upload, page.upload_status, page.index_panel], api_name="add_documents", concurrency_id="index",
        show_progress_on=[page.upload_status],  # under the upload box, not over the index statistics
    ).then(None, js="() => window.seedbot && window.seedbot.busy('indexing', false)").then(
        docs.choices, None, page.doc_pick, api_visibility="private"
    )
    page.doc_remove.click(
        docs.remove, [page.doc_pick, page.ui], [page.upload_status, page.index_panel, page.doc_pick], api_visibility="private", concurrency_id="index"
    )
    page.doc_open.click(docs.open, [page.doc_pick, page.turns, page.ui], page.sources, api_visibility="private")
