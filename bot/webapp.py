"""``bot serve``: the Gradio web UI, a thin shell over :class:`bot.chain.Chatbot` like the CLI.

Everything that comes from a document, a file name, the user or the model is ``html.escape``d before it
reaches the page, so a document containing ``<script>`` or markup shows as text and never runs.
Conversation history lives in a per-session ``gr.State``; the one Chatbot is shared (it holds no history).
"""
from __future__ import annotations

import errno
import html
import logging
import os
import re
import shutil
import socket
import stat
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Iterator

import gradio as gr  # analytics stay off: every Blocks here passes analytics_enabled=False

from bot.chain import Chatbot, open_chatbot, validate_question
from bot.citing import MARKER
from index.errors import BotError
from index.settings import Settings
from index.types import AnswerResult, Citation

log = logging.getLogger(__name__)

EXAMPLES = [
    "What did Ishiba give Trump?",
    "이시바 총리는 트럼프에게 무엇을 선물했나?",
    "高市首相とトランプ大統領の電話会談はいつ行われた？",
]
UPLOAD_TYPES = (".txt", ".md", ".pdf")
MAX_UPLOAD_FILES = 20  # per request; more is refused as a whole, nothing half-added
STAGES = {"read": "Reading files", "embed": "Embedding sentences", "sparse": "Sparse term vectors"}
LANG_NAMES = {"en": "English", "ko": "한국어", "ja": "日本語", "other": "other"}

# System fonts only (no web-font downloads: the app must work offline), CJK faces for Korean and Japanese.
FONT_STACK = [
    "Noto Sans", "Noto Sans CJK KR", "Noto Sans CJK JP", "Apple SD Gothic Neo", "Hiragino Sans",
    "Malgun Gothic", "Yu Gothic UI", "Meiryo", "system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif",
]
MONO_STACK = ["Noto Sans Mono CJK KR", "ui-monospace", "SFMono-Regular", "Consolas", "monospace"]

CSS = """
.gradio-container { max-width: 1500px !important; }
#app-head { align-items: center; gap: .75rem; padding: 0 .25rem 0 2.25rem; }
#app-title > div, #app-title .prose { display: flex; align-items: baseline; gap: .9rem; min-width: 0; }
#app-title h1 { font-size: 1.3rem; margin: 0; }
#app-title p { margin: 0; color: var(--body-text-color-subdued); font-size: .9rem; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
#panel-btn { white-space: nowrap; flex: none !important; width: auto !important; }
#ask-row { align-items: stretch; }
#ask-row button { min-width: 0; }
#sources { max-height: calc(100vh - 130px); overflow-y: auto !important; padding-right: .35rem; }
.src-empty { color: var(--body-text-color-subdued); padding: .75rem; line-height: 1.6; }
.turn { margin: 0 0 .75rem 0; }
.turn > summary, .turn-head { cursor: pointer; font-size: .85rem; color: var(--body-text-color-subdued);
  margin: 0 0 .4rem 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.turn-head { cursor: default; }
.turn-head b, .turn > summary b { color: var(--body-text-color); }
.card { border: 1px solid var(--border-color-primary); border-radius: 10px; padding: .55rem .75rem;
  margin: 0 0 .55rem 0; background: var(--background-fill-secondary); scroll-margin: 12px; }
.card.flash { animation: flash 1.6s ease-out; }
@keyframes flash { from { box-shadow: 0 0 0 3px var(--color-accent); } to { box-shadow: 0 0 0 0 transparent; } }
.card header { display: flex; gap: .5rem; align-items: baseline; font-size: .8rem; margin-bottom: .3rem; }
.card .num { font-weight: 700; color: var(--color-accent); }
.card .anchor { display: none; }
.card .file { font-weight: 600; overflow-wrap: anywhere; }
.card .lang { color: var(--body-text-color-subdued); white-space: nowrap; margin-left: auto; }
.card .passage { margin: 0; font-size: .9rem; line-height: 1.65; white-space: pre-wrap; overflow-wrap: anywhere; }
.card mark { background: #fde68a; color: #111; padding: 0 .1em; border-radius: 3px; }
.card.evidence { border-style: dashed; }
.note { font-size: .85rem; color: var(--body-text-color-subdued); margin: .2rem 0 .5rem 0; }
:lang(ko) { font-family: "Noto Sans CJK KR", "Apple SD Gothic Neo", "Malgun Gothic", sans-serif; }
:lang(ja) { font-family: "Noto Sans CJK JP", "Hiragino Sans", "Yu Gothic UI", "Meiryo", sans-serif; }
a.cite, .message a[href^="#src-"] { text-decoration: none; font-weight: 600; font-size: .85em; }
#index-info table { width: 100%; font-size: .8rem; border-collapse: collapse; }
#index-info .doc { display: flex; gap: .5rem; font-size: .8rem; padding: .15rem 0; border-top: 1px solid var(--border-color-primary); }
#index-info .doc.head { color: var(--body-text-color-subdued); border-top: none; }
#index-info .doc .name { flex: 1; min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
#index-info .doc .meta { white-space: nowrap; color: var(--body-text-color-subdued); }
#index-info .stats { font-size: .9rem; line-height: 1.6; margin-bottom: .4rem; }
#chat button.example { border: 1px solid var(--border-color-primary); border-radius: 10px; }
#upload-status { font-size: .85rem; }
#upload-status .err { color: var(--error-text-color, #b91c1c); }
"""

# A click on [n] in an answer brings that answer's source card into view (opening an older turn's group).
HEAD = """
<script>
document.addEventListener("click", function (e) {
  var a = e.target && e.target.closest ? e.target.closest('a[href^="#src-"]') : null;
  if (!a) return;
  e.preventDefault(); e.stopPropagation();
  var target = document.getElementById(a.getAttribute("href").slice(1));
  if (!target) return;
  var card = target.closest(".card") || target;
  var group = card.closest("details"); if (group) group.open = true;
  card.scrollIntoView({behavior: "smooth", block: "nearest"});
  card.classList.remove("flash"); void card.offsetWidth; card.classList.add("flash");
}, true);
</script>
"""

SOURCES_EMPTY = (
    '<div class="src-empty">Sources appear here after you ask: the file, its language and the passage, '
    "with the cited sentence highlighted. Click a <b>[n]</b> in an answer to jump to its source.</div>"
)


# ---------------------------------------------------------------- rendering (pure functions)

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-!|~>])")


def _md_literal(text: str) -> str:
    """Escaped HTML with Markdown punctuation backslashed: quoted document text shows exactly as written."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def render_answer(result: AnswerResult, turn: int) -> str:
    """The answer for the chat: escaped, with each ``[n]`` an anchor link to its source card."""
    cited = {c.n for c in result.citations}
    literal = result.answerer == "extractive" or result.refused  # verbatim sentences: no Markdown

    def text(s: str) -> str:
        return _md_literal(s) if literal else html.escape(s, quote=False)

    def link(m: re.Match) -> str:
        nums = [int(n) for n in re.split(r"\s*,\s*", m.group(1))]
        return "".join(
            f'<a class="cite" href="#src-{turn}-{n}">[{n}]</a>' if n in cited else html.escape(f"[{n}]") for n in nums
        )

    out, pos = [], 0
    for m in MARKER.finditer(result.answer):
        out.append(text(result.answer[pos : m.start()]))
        out.append(link(m))
        pos = m.end()
    out.append(text(result.answer[pos:]))
    body = "".join(out)
    notes = f'\n\n<small class="lang-note">{html.escape(result.note)}</small>' if result.note else ""
    notes += "".join(f"\n\n<small>⚠ {html.escape(w)}</small>" for w in result.warnings)
    return body + notes


def passage_html(catalog, citations: list[Citation]) -> str:
    """The passage the citations quote, escaped, each cited sentence in a ``<mark>``."""
    first = citations[0]
    passage = catalog.passages.get(first.passage_id) if catalog is not None else None
    if passage is None:  # not in this catalog (re-indexed since): show the quotes alone
        return " … ".join(f"<mark>{html.escape(c.text or c.quote)}</mark>" for c in citations)
    parts, marked = [], 0
    for uid in passage.unit_ids:
        unit = catalog.units[catalog.unit_index[uid]]
        if any(unit.start < c.end and c.start < unit.end for c in citations):
            parts.append(f"<mark>{html.escape(unit.text.strip())}</mark>")
            marked += 1
        elif unit.text.strip():
            parts.append(html.escape(unit.text.strip()))
    if not marked:
        parts.insert(0, f"<mark>{html.escape(first.text or first.quote)}</mark>")
    return ("" if passage.lang == "ja" else " ").join(parts)


def _card(catalog, citations: list[Citation], turn: int, kind: str = "src") -> str:
    """One card per cited passage; every ``[n]`` quoting it gets an anchor id inside the card."""
    first = citations[0]
    lang = first.lang or "other"
    nums = "".join(f'<span class="num" title="score {c.score:.2f}">[{c.n}]</span>' for c in citations)
    anchors = "".join(f'<a class="anchor" id="{kind}-{turn}-{c.n}"></a>' for c in citations[1:])
    return (
        f'<article class="card{" evidence" if kind != "src" else ""}" id="{kind}-{turn}-{first.n}">{anchors}'
        f'<header>{nums}<span class="file">{html.escape(first.source)}</span>'
        f'<span class="lang">{html.escape(LANG_NAMES.get(lang, lang))}</span></header>'
        f'<p class="passage" lang="{html.escape(lang)}">{passage_html(catalog, citations)}</p></article>'
    )


def _cards(catalog, citations: list[Citation], turn: int, kind: str = "src") -> list[str]:
    by_passage: dict[str, list[Citation]] = {}
    for c in sorted(citations, key=lambda c: c.n):
        by_passage.setdefault(c.passage_id, []).append(c)
    return [_card(catalog, group, turn, kind) for group in by_passage.values()]


def _plural(n: int, word: str) -> str:
    return f"<b>{n}</b> {word}{'' if n == 1 else 's'}"


def sources_html(turns: list[dict], catalog) -> str:
    """Source cards per answer, newest first; older answers' groups are folded."""
    if not turns:
        return SOURCES_EMPTY
    groups = []
    for i in range(len(turns), 0, -1):
        result: AnswerResult = turns[i - 1]["result"]
        cards = _cards(catalog, result.citations, i)
        if result.evidence:
            cards.append('<p class="note">No marker in this answer points to a passage that supports it. Closest evidence:</p>')
            cards += _cards(catalog, result.evidence, i, kind="ev")
        if not cards:
            cards.append('<p class="note">No passage in the index answers this question.</p>')
        total = result.timings_ms.get("total")
        meta = f"{len(result.citations)} source{'s' if len(result.citations) != 1 else ''} · {html.escape(result.answerer)}"
        meta += f" · {total / 1000:.2f} s" if total else ""
        head = f"<b>Q{i}</b> {html.escape(result.question)} <span>· {meta}</span>"
        if i == len(turns):
            groups.append(f'<section class="turn"><div class="turn-head" title="{html.escape(result.question)}">{head}</div>{"".join(cards)}</section>')
        else:
            groups.append(f'<details class="turn"><summary title="{html.escape(result.question)}">{head}</summary>{"".join(cards)}</details>')
    return "".join(groups)


def chat_messages(turns: list[dict], pending: tuple[str, str] | None = None) -> list[dict[str, str]]:
    """The chat as Gradio messages; ``pending`` is a question whose answer is still streaming."""
    out: list[dict[str, str]] = []
    for i, t in enumerate(turns, start=1):
        out.append({"role": "user", "content": _md_literal(t["question"])})
        out.append({"role": "assistant", "content": render_answer(t["result"], i)})
    if pending is not None:
        question, partial = pending
        out.append({"role": "user", "content": _md_literal(question)})
        out.append({"role": "assistant", "content": html.escape(partial, quote=False) if partial else "…"})
    return out


def index_html(catalog, index_dir: Path, error: str | None = None) -> str:
    """Documents, passages, embedding model and last indexing time, then one row per file."""
    if catalog is None:
        msg = public_message(error or f"No index at {index_dir} yet. Add documents below, or run: bot index", index_dir)
        return f'<div class="stats err">{html.escape(msg)}</div>'
    manifest = catalog.manifest()
    files = manifest["files"]
    built = time.strftime("%Y-%m-%d %H:%M", time.localtime(manifest["built_at"])) if manifest["built_at"] else "?"
    rows = []
    for source, info in files.items():
        langs: dict[str, int] = {}
        for u in catalog.files[source].units:
            langs[u.lang] = langs.get(u.lang, 0) + 1
        lang = max(langs, key=langs.get) if langs else "other"
        rows.append(
            f'<div class="doc"><span class="name" title="{html.escape(source)}">{html.escape(source)}</span>'
            f'<span class="meta">{html.escape(LANG_NAMES.get(lang, lang))} · {info["passages"]}</span></div>'
        )
    return (
        f'<div class="stats">{_plural(len(files), "document")} · {_plural(sum(f["passages"] for f in files.values()), "passage")} · '
        f'{_plural(sum(f["units"] for f in files.values()), "sentence")}<br>Embedding: {html.escape(manifest["embedding"])} '
        f'({manifest["dim"]} dims)<br>Last indexed: {built}</div>'
        f'<div class="doc head"><span class="name">File</span><span class="meta">language · passages</span></div>{"".join(rows)}'
    )


# ---------------------------------------------------------------- uploads, and what the page may say about the server

# An absolute POSIX path (not a URL's path, not a relative one): cut to its last component in messages.
_ABS_PATH = re.compile(r"(?<![\w.:/~-])/(?:[^\s/'\"()<>:;,]+/)+([^\s/'\"()<>:;,]*)")


def public_message(text: str, index_dir: Path | None = None, names: dict[str, str] | None = None) -> str:
    """``text`` with server paths replaced by file names, for the page and API clients.

    Messages from the indexer name files by their full path, which tells a visitor how the server is laid out.
    ``names`` (path -> shown name) and the index folder are swapped first, so names with spaces survive; any other
    absolute path left is cut to its last component.
    """
    swaps = dict(names or {})
    if index_dir is not None:
        index_dir = Path(index_dir)
        for form in {str(index_dir), str(index_dir.absolute()), str(index_dir.resolve())}:
            if os.path.isabs(form):
                swaps.setdefault(form, index_dir.name or "the index folder")
    for path in sorted(swaps, key=len, reverse=True):
        text = text.replace(path, swaps[path])
    return _ABS_PATH.sub(lambda m: m.group(1) or "…", text)


def upload_folder() -> Path:
    """Where Gradio keeps the files it receives (``GRADIO_TEMP_DIR``, else ``<tmp>/gradio``), symlinks resolved."""
    from gradio.utils import get_upload_folder

    return Path(get_upload_folder()).resolve()


def check_uploads(
    files: list,
    *,
    folder: Path,
    max_mb: float,
    received: set[str] | None = None,
    max_files: int = MAX_UPLOAD_FILES,
) -> tuple[list[tuple[Path, str]], list[str]]:
    """Split a request's files into those that may be indexed, as ``(resolved path, file name)``, and refusals.

    Gradio 6 already refuses, before ``add_documents`` runs, a path it did not receive as an upload; this is the
    second lock, so that neither a Gradio change nor another caller can make the server index its own files. A file
    must resolve (``..`` and symlinks followed) to a regular file inside ``folder`` and, when Gradio's set of received
    files is given, be one of them. Refusals name the file by its name only.
    """
    files = list(files or [])
    if len(files) > max_files:
        return [], [f"{len(files)} files at once is over the limit of {max_files} per upload; add them in smaller batches."]
    accepted: list[tuple[Path, str]] = []
    problems: list[str] = []
    names: set[str] = set()
    for f in files:
        if not isinstance(f, (str, os.PathLike)):
            problems.append("An item that is not an uploaded file was refused.")
            continue
        given = Path(f)
        name = given.name
        refused = f"{name or 'a file'}: refused; only files uploaded to this page (or the API's /upload) can be added."
        try:
            real = given.resolve(strict=True)
            info = real.stat()
        except (OSError, RuntimeError):  # missing, unreadable, or a symlink loop
            problems.append(refused)
            continue
        known = received is None or bool({str(given), os.path.abspath(given), str(real)} & received)
        if real == folder or not real.is_relative_to(folder) or not known or not stat.S_ISREG(info.st_mode):
            problems.append(refused)
        elif name.startswith(".") or given.suffix.lower() not in UPLOAD_TYPES:
            problems.append(f"{name}: only .txt, .md and .pdf files can be added.")
        elif info.st_size > max_mb * 2**20:
            problems.append(f"{name}: {info.st_size / 2**20:.1f} MB is over the {max_mb:g} MB limit (BOT_MAX_FILE_MB).")
        elif name in names:
            problems.append(f"{name}: another file in this upload has the same name; citations name files by name, so rename one.")
        else:
            names.add(name)
            accepted.append((real, name))
    return accepted, problems


def store_uploads(settings: Settings, accepted: list[tuple[Path, str]], progress=None):
    """Copy checked uploads into ``<index_dir>/uploads/`` and index them; returns ``(report or None, problems)``.

    A copy stays only if its file is in the index afterwards: one that was skipped or failed leaves nothing behind,
    and an earlier upload of the same name that it was meant to replace is put back, so the folder matches the index.
    """
    from index.indexing import run_index

    target_dir = settings.index_dir / "uploads"
    target_dir.mkdir(parents=True, exist_ok=True)
    spare = Path(tempfile.mkdtemp(prefix=".replaced-", dir=target_dir))  # hidden: never walked by `bot index`
    copies: list[tuple[Path, Path | None]] = []
    problems: list[str] = []
    report = None
    try:
        try:
            for src, name in accepted:
                dst = target_dir / name
                previous = None
                if dst.exists() or dst.is_symlink():
                    previous = spare / name
                    os.replace(dst, previous)
                copies.append((dst, previous))
                shutil.copyfile(src, dst)
            report = run_index(settings, [dst for dst, _ in copies], progress=progress)
            problems += report.problems
        except BotError as exc:
            problems.append(str(exc))
        except Exception as exc:
            log.exception("indexing uploads failed")
            problems.append(f"Indexing failed: {type(exc).__name__}: {exc}")
        kept = set(report.added + report.updated + report.unchanged) if report is not None else set()
        for dst, previous in copies:
            if dst.name not in kept:
                _put_back(dst, previous)
    except BaseException:  # interrupted while copying or indexing: the index is unchanged, so are the copies
        for dst, previous in copies:
            _put_back(dst, previous)
        raise
    finally:
        shutil.rmtree(spare, ignore_errors=True)
    return report, problems


def _put_back(dst: Path, previous: Path | None) -> None:
    try:
        if previous is not None:
            os.replace(previous, dst)
        else:
            dst.unlink(missing_ok=True)
    except OSError:
        log.exception("could not restore %s", dst)


# ---------------------------------------------------------------- the shared engine


class Engine:
    """The app's Chatbot(s), opened on first use and swapped for fresh ones after an upload is indexed."""

    def __init__(self, settings: Settings, chatbot: Chatbot | None = None):
        self.settings = settings
        self._bot = chatbot
        # an injected chat model (tests' fake LLM) must survive a reload after upload
        self._chat_model = getattr(chatbot, "_chat_model", None)
        self._extractive: Chatbot | None = None
        self._lock = threading.Lock()

    @property
    def llm_name(self) -> str | None:
        from bot.llms import is_llm

        if is_llm(self.settings.llm):
            return self.settings.llm
        if self._chat_model is not None and self._bot is not None and self._bot.llm is not None:
            return self._bot.llm.name
        return None

    def bot(self, answerer: str | None = None) -> Chatbot:
        """The Chatbot for ``answerer`` ('extractive' or the configured LLM); raises BotError if there is no index.

        Never builds the index itself: ``launch`` does that from ``settings.docs`` before serving.
        """
        with self._lock:
            if self._bot is None:
                self._bot = open_chatbot(self.settings, build_if_missing=False)
            if answerer != "extractive" or self.llm_name is None:
                return self._bot
            if self._extractive is None:
                self._extractive = Chatbot(self.settings.replace(llm="extractive"), index=self._bot.index)
            return self._extractive

    def catalog(self):
        return self.bot().index.catalog

    def reload(self) -> None:
        """Open the index afresh (after run_index), then swap it in; answers in flight finish on the old one."""
        from index.retrieving import Index

        fresh = Chatbot(self.settings, index=Index.open(self.settings), chat_model=self._chat_model)
        with self._lock:
            self._bot, self._extractive = fresh, None


# ---------------------------------------------------------------- the app


def build_app(settings: Settings, chatbot: Chatbot | None = None):
    """The Gradio Blocks app over ``chatbot`` (opened from ``settings`` on first use if None).

    Launch it with ``app.launch(**launch_options(settings), ...)``: Gradio 6 takes theme, CSS and head there.
    """
    engine = Engine(settings, chatbot)
    llm_name = engine.llm_name

    def ask(question: str, k: float, answerer: str, turns: list[dict]) -> Iterator[tuple]:
        turns = list(turns or [])
        if not isinstance(question, str) or not question.strip():
            gr.Warning("Type a question first, or pick an example.")
            yield gr.skip(), gr.skip(), gr.skip(), gr.skip(), turns
            return
        try:
            question = validate_question(question, settings.max_question_chars)
            bot = engine.bot(answerer)
        except BotError as exc:
            raise gr.Error(public_message(str(exc), settings.index_dir), print_exception=False) from None
        history = [m for t in turns for m in ({"role": "user", "content": t["question"]}, {"role": "assistant", "content": t["result"].answer})]
        yield "", chat_messages(turns, (question, "")), gr.skip(), gr.skip(), turns
        partial = ""
        try:
            for piece in bot.stream(question, history, k=int(k) if k else None):
                if isinstance(piece, AnswerResult):
                    result = piece
                else:
                    partial += piece
                    yield gr.skip(), chat_messages(turns, (question, partial)), gr.skip(), gr.skip(), turns
        except Exception as exc:
            if not isinstance(exc, BotError):  # a bug or a broken index: the traceback goes to the server log
                log.exception("answering %r failed", question)
            yield question, chat_messages(turns), gr.skip(), gr.skip(), turns
            message = str(exc) if isinstance(exc, BotError) else f"Could not answer: {type(exc).__name__}: {exc}"
            raise gr.Error(public_message(message, settings.index_dir), print_exception=False) from None
        for w in result.warnings:
            gr.Warning(w)
        turns.append({"question": question, "result": result})
        yield "", chat_messages(turns), sources_html(turns, bot.index.catalog), result.to_dict(), turns

    def clear() -> tuple:
        return "", [], SOURCES_EMPTY, None, []

    def pick_example(evt: gr.SelectData) -> str:
        value = evt.value
        return value.get("text", "") if isinstance(value, dict) else str(value)

    def index_info() -> str:
        try:
            return index_html(engine.catalog(), settings.index_dir)
        except BotError as exc:
            return index_html(None, settings.index_dir, error=str(exc))

    def add_documents(files: list[str] | None, progress=gr.Progress()) -> tuple:
        """Index files this app received as uploads (copies go to <index_dir>/uploads/); refuse anything else."""
        if not files:
            return gr.skip(), gr.skip(), gr.skip()
        accepted, problems = check_uploads(
            files, folder=upload_folder(), max_mb=settings.max_file_mb, received=getattr(app, "upload_file_set", None)
        )
        lines: list[str] = []
        if accepted:

            def report_progress(stage: str, done: int, total: int) -> None:
                if total > 0:
                    progress((done, total), desc=STAGES.get(stage, stage), unit="items")

            report, failed = store_uploads(settings, accepted, progress=report_progress)
            problems += failed
            if report is not None:
                lines.append(report.summary())
                try:
                    engine.reload()
                except BotError as exc:
                    problems.append(str(exc))
                except Exception as exc:
                    log.exception("reopening the index failed")
                    problems.append(f"Reopening the index failed: {type(exc).__name__}: {exc}")
        if problems:
            gr.Warning("Some files were not added; see the Documents panel.")
        names = {str(src): name for src, name in accepted}
        names |= {str((settings.index_dir / "uploads" / name).resolve()): name for _, name in accepted}
        status = "".join(f"<div>{html.escape(public_message(s, settings.index_dir, names))}</div>" for s in lines)
        status += "".join(f'<div class="err">⚠ {html.escape(public_message(p, settings.index_dir, names))}</div>' for p in problems)
        return None, status, index_info()

    theme_note = f"answers by {html.escape(llm_name)} or extractive" if llm_name else "extractive answers, every claim cited"
    # delete_cache: Gradio's own copies of uploads (indexed ones live on in <index_dir>/uploads/) go after an hour
    # and when the server stops, instead of staying in the shared upload folder for good.
    with gr.Blocks(title="seedbot", analytics_enabled=False, fill_width=True, delete_cache=(3600, 3600)) as app:
        turns = gr.State([])
        with gr.Sidebar(label="Settings & documents", open=False, width=340):
            gr.Markdown("### Settings")
            k = gr.Slider(1, max(20, settings.k), value=settings.k, step=1, label="Passages per answer (k)")
            answerer = gr.Radio(
                [llm_name, "extractive"] if llm_name else ["extractive"],
                value=llm_name or "extractive",
                label="Answerer",
                visible=llm_name is not None,
            )
            gr.Markdown("### Documents")
            index_panel = gr.HTML(elem_id="index-info")
            upload = gr.File(
                label=f"Add .txt, .md or .pdf (≤ {settings.max_file_mb:g} MB each)",
                file_count="multiple",
                file_types=list(UPLOAD_TYPES),
                height=140,
            )
            upload_status = gr.HTML(elem_id="upload-status")
            with gr.Accordion("Last answer as JSON", open=False):
                result_json = gr.JSON(show_label=False)
        with gr.Row(elem_id="app-head"):
            gr.HTML(f"<h1>seedbot</h1><p>Ask about your documents in English, 한국어 or 日本語 · {theme_note}</p>", elem_id="app-title", scale=1)
            panel_btn = gr.Button("☰ Documents & settings", size="sm", variant="secondary", scale=0, min_width=0, elem_id="panel-btn")
        with gr.Row(equal_height=False):
            with gr.Column(scale=6, min_width=420):
                chat = gr.Chatbot(
                    label="Chat",
                    elem_id="chat",
                    show_label=False,
                    height="calc(100vh - 190px)",
                    min_height=320,
                    examples=[{"text": q} for q in EXAMPLES],
                    placeholder="<b>Ask a question</b><br>Answers cite their sources [n]; click one to see the passage.",
                    feedback_options=None,
                    buttons=["copy"],
                    layout="bubble",
                )
                with gr.Row(elem_id="ask-row"):
                    question = gr.Textbox(
                        show_label=False,
                        placeholder="Ask a question… (Enter to send)",
                        lines=1,
                        max_lines=4,
                        scale=8,
                        autofocus=True,
                        container=False,
                    )
                    send = gr.Button("Ask", variant="primary", scale=0, min_width=80)
                    clear_btn = gr.Button("Clear", variant="secondary", scale=0, min_width=80)
            with gr.Column(scale=5, min_width=360):
                sources = gr.HTML(SOURCES_EMPTY, elem_id="sources")

        outputs = [question, chat, sources, result_json, turns]
        gr.on(
            [question.submit, send.click],
            ask,
            inputs=[question, k, answerer, turns],
            outputs=outputs,
            api_name="ask",
            concurrency_limit=1,
            concurrency_id="answer",
        )
        chat.example_select(pick_example, None, question, api_visibility="private").then(
            ask, [question, k, answerer, turns], outputs, api_visibility="private", concurrency_limit=1, concurrency_id="answer"
        )
        gr.on([clear_btn.click, chat.clear], clear, None, outputs, api_name="clear")
        upload.upload(add_documents, upload, [upload, upload_status, index_panel], api_name="add_documents", concurrency_id="index")
        panel_btn.click(None, js="() => { document.querySelector('.sidebar .toggle-button, .toggle-button')?.click(); }")
        app.load(index_info, None, index_panel, api_visibility="private")
    return app


def launch_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for ``Blocks.launch``: theme (system fonts only), CSS, the [n] click script, upload limit.

    Gradio extras this app does not use are switched off: the /monitoring dashboard, the run-history page (it keeps
    questions and answers in the browser) and the MCP server.
    """
    theme = gr.themes.Soft(primary_hue="teal", neutral_hue="slate", font=FONT_STACK, font_mono=MONO_STACK)
    return {
        "theme": theme,
        "css": CSS,
        "head": HEAD,
        "max_file_size": int(settings.max_file_mb * 2**20),
        "footer_links": ["api"],
        "enable_monitoring": False,
        "run_history": False,
        "mcp_server": False,
    }


def parse_auth(auth: str | tuple[str, str] | list | None):
    """``"user:password"`` (as in ``BOT_WEB_AUTH``) or what Gradio takes, as Gradio's ``auth=``; None means no login."""
    if auth is None or not isinstance(auth, str):
        return auth
    user, sep, password = auth.partition(":")
    if not sep or not user.strip() or not password:
        raise BotError("Web login must look like USER:PASSWORD (e.g. BOT_WEB_AUTH=alice:long-secret).", exit_code=2)
    return (user.strip(), password)


def check_port(host: str, port: int) -> None:
    """Raise BotError unless ``host:port`` can be listened on: fail in a second, not after the index has loaded."""
    bare = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        family, kind, proto, _, addr = socket.getaddrinfo(bare, port, type=socket.SOCK_STREAM)[0]
    except (socket.gaierror, UnicodeError, OverflowError) as exc:
        raise BotError(f"Cannot serve on {host}:{port} ({exc}). Give --host an address of this machine, e.g. 127.0.0.1.") from None
    with socket.socket(family, kind, proto) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does, so a port in TIME_WAIT counts as free
        try:
            s.bind(addr)
        except OSError as exc:
            raise BotError(_bind_error(host, port, exc)) from None


def _bind_error(host: str, port: int, exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE:
        return f"Port {port} on {host} is already taken (another `bot serve`?). Choose a free one with --port, e.g. bot serve --port {port + 1}."
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"{host} is not an address of this machine. Use --host 127.0.0.1 (this machine only) or 0.0.0.0 (all interfaces)."
    return f"Cannot listen on {host}:{port} ({exc.strerror or exc}). Choose another --port (1024-65535 needs no privileges)."


def serve_in_background(
    settings: Settings, chatbot: Chatbot | None = None, *, host: str = "127.0.0.1", port: int | None = None, auth=None
):
    """Start the app without blocking (tests, notebooks); returns ``(app, url)``; stop it with ``app.close()``."""
    app = build_app(settings, chatbot)
    if port is None:
        with socket.socket() as s:
            s.bind((host, 0))
            port = s.getsockname()[1]
    _, url, _ = app.queue(default_concurrency_limit=1).launch(
        server_name=host, server_port=port, prevent_thread_lock=True, quiet=True, auth=parse_auth(auth), **launch_options(settings)
    )
    return app, url


def launch(settings: Settings, host: str = "127.0.0.1", port: int = 7860, auth=None) -> None:
    """Open the index (building it from ``settings.docs`` if there is none), print the URL, serve until Ctrl-C.

    ``auth`` is ``"user:password"`` (or Gradio's form; default: the ``web_auth`` setting, env ``BOT_WEB_AUTH``): the page,
    the API and file downloads then need a login. Raises BotError when the port is taken, before the slow index load,
    and again if it is taken in the meantime.
    """
    import click

    from bot.progress import TqdmProgress

    auth = parse_auth(auth if auth is not None else settings.web_auth)
    check_port(host, port)
    chatbot = None
    try:
        click.echo(f"Opening the index at {settings.index_dir} …", err=True)
        chatbot = open_chatbot(settings, progress=TqdmProgress())
        chatbot.index  # load the embedding model now, not on the first question
    except BotError as exc:  # the page still opens and shows the message; uploads can create the index
        click.secho(f"Warning: {exc}", fg="yellow", err=True)
        chatbot = None
    if auth is None and host not in ("127.0.0.1", "localhost", "::1", "[::1]"):
        click.secho(
            f"Warning: serving on {host} without a login: anyone who can reach this port can ask and add documents. "
            "Set BOT_WEB_AUTH=user:password, or put it behind a reverse proxy that asks for one.",
            fg="yellow",
            err=True,
        )
    app = build_app(settings, chatbot)
    url = f"http://{'localhost' if host == '0.0.0.0' else host}:{port}/"
    try:
        app.queue(default_concurrency_limit=1).launch(
            server_name=host, server_port=port, quiet=True, show_error=False, prevent_thread_lock=True, auth=auth,
            **launch_options(settings),
        )
    except OSError as exc:  # taken since check_port; Gradio says "Cannot find empty port" (no errno)
        raise BotError(_bind_error(host, port, exc if exc.errno else OSError(errno.EADDRINUSE, str(exc)))) from None
    click.echo(f"seedbot is running at {url}  (Ctrl-C to stop)")
    app.block_thread()
