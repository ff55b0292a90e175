"""An answer as the chat shows it: HTML made here from escaped text, each ``[n]`` a link to its source card.

The chat renders no Markdown (``render_markdown=False``): text from the model, a document or the user can never become
an image, a link, a style or anything else that loads a URL; only the markup made here reaches the page.
"""
from __future__ import annotations

import html
import re
import unicodedata

from bot import prompts
from bot.citing import MARKER
from bot.web.strings import strings
from index.types import AnswerResult

# A list mark or emoji bullet that starts a line or a quoted sentence ("- ", "• ", "✅ ", "□ "): shown without it.
_BULLETS = set("-*+•·‣◦▪▫●○■□◆◇▶▷►➤➢✓✔✗✘☑☐※")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")


def attr(text: str, limit: int = 240) -> str:
    """Text for an attribute (tooltip, accessible name): one line, cut at ``limit``, escaped."""
    text = " ".join(text.split())
    return html.escape(text if len(text) <= limit else text[: limit - 1] + "…", quote=True)


def strip_bullet(text: str) -> str:
    """``text`` without the list marks or emoji bullets it starts with ("- ✅ Done" → "Done"; "-5 °C" stays).

    For display only: a citation keeps the exact span of the file.
    """
    while True:
        i = len(text) - len(text.lstrip(" \t"))
        j = i
        while j < len(text) and (text[j] in _BULLETS or unicodedata.category(text[j]) == "So" or text[j] in "\ufe0f\u200d"):
            j += 1
        if j == i or j >= len(text) or not text[j].isspace():
            return text
        text = text[:i] + text[j:].lstrip(" \t")


def text_html(text: str, *, bold: bool = False, strip_first: bool = False) -> str:
    """Plain text as inert HTML: escaped, line breaks kept, list marks dropped at line starts; ``**bold**`` only
    if ``bold``.

    The chat renders no Markdown (``render_markdown=False``): text from the model, a document or the user can never
    become an image, a link, a style or anything else that loads a URL; only the markup made here reaches the page.
    """
    lines = text.split("\n")
    lines = [strip_bullet(line) if (k or strip_first) else line for k, line in enumerate(lines)]
    out = html.escape("\n".join(lines), quote=False)
    if bold:
        out = _BOLD.sub(r"<strong>\1</strong>", out)
    return out.replace("\n", "<br>")


def plural(s: dict[str, str], key: str, n: int, **kw) -> str:
    """``s[key + "_one"]`` or ``s[key + "_other"]`` by the count's plural category (English has two, ko/ja one)."""
    form = "one" if n == 1 and s["plural_rule"] == "one_other" else "other"
    return s[f"{key}_{form}"].format(n=n, **kw)


def language_note(result: AnswerResult) -> tuple[str, str] | None:
    """The line under an answer quoted from another language's source, as ``(text, lang)``: said in the asker's
    language (as the CLI does), telling a web user what the operator can configure rather than a command-line flag."""
    if not result.note:
        return None
    asker = result.language if result.language in prompts.LANGUAGE_NAMES else None
    if not result.answer_language or asker is None:
        return result.note, result.language or "en"
    s = strings(asker)
    text = s["quoted_note"].format(language=prompts.language_name(result.answer_language, asker), asker=prompts.language_name(asker, asker))
    return text, asker


def render_answer(result: AnswerResult, turn: int, ui: str = "en") -> str:
    """The answer for the chat: escaped, each ``[n]`` a link to its source card named by its file and sentence.

    The link's accessible name and tooltip say which file and sentence it cites (a bare "[1]" tells a screen
    reader nothing), and a narrow screen gets a cue that the sources are below. A quoted (extractive) answer shows
    each quoted sentence without the list mark or emoji bullet it starts with.
    """
    s = strings(ui)
    cited = {c.n: c for c in result.citations}
    literal = result.answerer == "extractive" or result.refused  # verbatim sentences: shown as written

    def link(m: re.Match) -> str:
        out = []
        for n in (int(x) for x in re.split(r"\s*,\s*", m.group(1))):
            c = cited.get(n)
            if c is None:
                out.append(html.escape(f"[{n}]"))
                continue
            name = attr(s["cite_label"].format(n=n, source=c.source))
            out.append(
                f'<a class="cite" href="#src-{turn}-{n}" aria-label="{name}" title="{attr(c.source + ": " + (c.text or c.quote))}">[{n}]</a>'
            )
        return "".join(out)

    out, pos = [], 0
    for m in MARKER.finditer(result.answer):
        out.append(text_html(result.answer[pos : m.start()], bold=not literal, strip_first=literal or pos == 0))
        out.append(link(m))
        pos = m.end()
    out.append(text_html(result.answer[pos:], bold=not literal, strip_first=literal or pos == 0))
    body = "".join(out)
    notes = ""
    note = language_note(result)
    if note:
        notes += f'<small class="lang-note" lang="{html.escape(note[1])}">{html.escape(note[0])}</small>'
    notes += "".join(f'<small class="warn">⚠ {html.escape(w)}</small>' for w in result.warnings)
    if result.citations:
        notes += f'<a class="to-sources" href="#sources">{html.escape(plural(s, "to_sources", len(result.citations)))}</a>'
    return f'<div class="answer">{body}</div>{notes}'


def chat_messages(turns: list[dict], pending: tuple[str, str] | None = None, ui: str = "en") -> list[dict[str, str]]:
    """The chat as Gradio messages; ``pending`` is a question whose answer is still coming (text so far)."""
    out: list[dict[str, str]] = []
    for i, t in enumerate(turns, start=1):
        out.append({"role": "user", "content": text_html(t["question"])})
        out.append({"role": "assistant", "content": render_answer(t["result"], i, ui)})
    if pending is not None:
        question, partial = pending
        out.append({"role": "user", "content": text_html(question)})
        out.append({"role": "assistant", "content": text_html(partial, bold=True) if partial else "…"})
    return out
