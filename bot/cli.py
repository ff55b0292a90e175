"""The ``bot`` command: thin click commands over the library; formatting lives here, logic does not."""
from __future__ import annotations

import json
import os
import sys
from dataclasses import fields
from functools import wraps
from pathlib import Path
from typing import Callable

import click

from bot.progress import TqdmProgress
from index.errors import BotError
from index.settings import Settings, redact_url, setting_type, shown_default

EXAMPLES = """\b
Examples:
  bot index                         index seeds/ into .bot-index/
  bot index ~/notes --rebuild       index your own folder from scratch
  bot ask "What did Ishiba give Trump?"
  bot ask --json "石破首相はトランプ氏に何を贈った？"
  bot chat                          talk in the terminal (/reset, /sources, /quit)
  bot serve                         open the web UI on http://127.0.0.1:7860
  bot eval --split dev              score the bot on the dev question sets (eval/)
"""


def _setting_options(group: str) -> list[Callable]:
    """A click option for each setting whose declaration (``index/settings.py``) names ``group``: flag name,
    type, range and help (with its env var and default) all come from that one declaration."""
    out = []
    for f in fields(Settings):
        if f.metadata["option"] != group:
            continue
        kind, bounds, flag = setting_type(f), f.metadata["range"], "--" + f.name.replace("_", "-")
        extra: dict = {}
        if kind is bool:
            flag = f"{flag}/--no-{f.name.replace('_', '-')}"
            extra["default"] = None
        elif kind is int:
            extra["type"] = click.IntRange(*map(int, bounds)) if bounds else int
        elif kind is float:
            extra["type"] = click.FloatRange(*bounds) if bounds else float
        elif kind is Path:
            extra["type"] = click.Path(path_type=Path)
        default = shown_default(f)
        where = f"env {f.metadata['env']}" + ("" if default == "–" else f"; default {default}")
        out.append(click.option(flag, f.name, help=f"{f.metadata['help']} [{where}]", **extra))
    return out


def _apply(fn: Callable, options: list[Callable]) -> Callable:
    for option in reversed(options):
        fn = option(fn)
    return fn


def index_options(fn: Callable) -> Callable:
    """The settings every subcommand takes (--index-dir, --chroma-url, --embedding), and the one place where
    flags become a :class:`Settings` and a :class:`BotError` becomes a red line and an exit code."""
    names = {f.name for f in fields(Settings)}

    @wraps(fn)
    def wrapper(*args, **kwargs):
        overrides = {k: kwargs.pop(k) for k in list(kwargs) if k in names}
        settings = None
        try:
            settings = Settings.load(**overrides)
            return fn(settings, *args, **kwargs)
        except BotError as exc:
            click.secho(f"Error: {exc}", fg="red", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("Interrupted; the previous index is unchanged.", err=True)
            sys.exit(130)
        except Exception as exc:
            line = _environment_failure(exc, overrides.get("chroma_url") or os.environ.get("BOT_CHROMA_URL"),
                                        settings.index_dir if settings else None)
            if line is None:
                raise
            click.secho(f"Error: {line}", fg="red", err=True)
            sys.exit(1)

    return _apply(wrapper, _setting_options("index"))


def _environment_failure(exc: BaseException, chroma_url: str | None, index_dir: Path | None) -> str | None:
    """One line for what the machine did, not the program: a full disk, a Chroma server that went away mid-run.
    Neither changes the index in use (its switch is the last step), so that is what the line says."""
    from index.disk import has_built, out_of_space
    from index.settings import redact_url

    if out_of_space(exc, index_dir):
        named = getattr(exc, "filename", None) or index_dir
        where = f" ({named})" if named else ""
        if not chroma_url and not has_built(index_dir):
            return f"No space left on the device{where}; nothing was indexed. Free some space and run the command again."
        return (f"No space left on the device{where}. The index in use is intact (nothing was switched); "
                "free some space and run the command again.")
    chain = [type(e) for e in (exc, exc.__cause__, exc.__context__) if e is not None]
    if chroma_url and any(t.__module__.startswith(("httpx", "httpcore")) or issubclass(t, ConnectionError) for t in chain):
        return (f"Lost the connection to the Chroma server at {redact_url(chroma_url)} ({type(exc).__name__}). "
                "The index on it is unchanged; run the command again once the server is back.")
    return None


def answer_options(fn: Callable) -> Callable:
    """The answering settings (--k, --llm) for the commands that answer; read by :func:`index_options`."""
    return _apply(fn, _setting_options("answer"))


@click.group(epilog=EXAMPLES, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="seedbot")
def cli() -> None:
    """Ask questions about your documents in English, Korean or Japanese; every answer cites its sentences.

    Start with `bot index` (or just `bot ask`, which builds the index from seeds/ when there is none).
    """


@cli.command("index")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--rebuild", is_flag=True, help="Start a fresh index instead of updating the existing one.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@index_options
def index_cmd(settings: Settings, paths: tuple[Path, ...], rebuild: bool, as_json: bool) -> None:
    """Index .txt, .md and .pdf files (default: seeds/).

    Only new or changed files are embedded again (by content hash); files that are gone are dropped.
    Problems with single files are reported and the rest is indexed; the exit status is non-zero
    only when nothing could be indexed.
    """
    from index.indexing import run_index

    progress = TqdmProgress()
    try:
        report = run_index(settings, list(paths) or None, rebuild=rebuild, progress=progress)
    finally:
        progress.close()
    for problem in report.problems:
        click.secho(f"warning: {problem}", fg="yellow", err=True)
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        return
    click.echo(report.summary())
    for label, names in (("added", report.added), ("updated", report.updated), ("removed", report.removed)):
        if names:
            click.echo(f"  {label}: {', '.join(names)}")
    click.echo(f"Index: {redact_url(settings.chroma_url)} (cached in {settings.index_dir})" if settings.chroma_url else f"Index: {settings.index_dir}")


def _chatbot(settings: Settings):
    from bot.chain import open_chatbot

    progress = TqdmProgress()
    try:
        return open_chatbot(settings, progress=progress, announce=lambda line: click.echo(line, err=True))
    finally:
        progress.close()


def print_sources(result) -> None:
    cites = result.citations or result.evidence
    if not cites:
        return
    click.echo("\nSources:")
    for c in cites:
        quote = " ".join((c.text or c.quote).split())
        click.echo(f"  [{c.n}] {c.source} ({c.lang or '?'}, chars {c.start}-{c.end}): {quote}")


class QuestionCommand(click.Command):
    """A command whose free text may itself start with '-': an unknown option gets a hint about '--'."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.NoSuchOption as exc:
            exc.message += f" If your question starts with '-', put it after '--': bot {ctx.info_name} -- \"{exc.option_name} ...\""
            raise


def readable(text: str) -> str:
    """``text`` with what cannot be encoded as UTF-8 replaced by U+FFFD.

    On Linux, argv bytes that are not UTF-8 arrive as lone surrogates (surrogateescape); printing,
    embedding or JSON-encoding them raises UnicodeEncodeError deep inside the chain.
    """
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate that is no escaped byte: encode it, so that decoding replaces it
        raw = text.encode("utf-8", "surrogatepass")
    return raw.decode("utf-8", "replace")


def read_question(words: tuple[str, ...], max_chars: int) -> str:
    """The question from the arguments, or from standard input for `bot ask -` or piped input with no argument."""
    from bot.chain import validate_question
    from index.errors import UsageError

    if words == ("-",) or (not words and not _stdin_is_tty()):
        text, length = _read_stdin(max_chars)
        if length > max_chars:
            raise UsageError(f"The question is {length} characters long; the limit is {max_chars}. Ask a shorter question.")
    else:
        text = readable(" ".join(words))
    if text.strip() and not text.replace("\ufffd", "").strip():
        raise UsageError("The question is not readable text (its bytes are not UTF-8). Ask in UTF-8, e.g.: bot ask \"What did Ishiba give Trump?\"")
    return validate_question(text, max_chars)


def _read_stdin(max_chars: int, chunk: int = 1 << 20) -> tuple[str, int]:
    """Standard input's text (only as much as a question may hold) and its real length in characters, counted
    chunk by chunk so a huge input is measured without being kept."""
    import codecs

    stdin = getattr(sys.stdin, "buffer", None)
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    kept, length = [], 0
    while stdin is not None and (raw := stdin.read(chunk)):
        part = decoder.decode(raw)
        length += len(part)
        if sum(map(len, kept)) <= max_chars:
            kept.append(part)
    tail = decoder.decode(b"", final=True)
    return ("".join(kept) + tail)[: max_chars + 1], length + len(tail)


def _stdin_is_tty() -> bool:
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return True


@cli.command(cls=QuestionCommand)
@click.argument("question", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Print the full result object (schema in the README).")
@answer_options
@index_options
def ask(settings: Settings, question: tuple[str, ...], as_json: bool) -> None:
    """Answer one QUESTION and list the sources it cites.

    With no index yet, one is built from seeds/ first. A question that starts with '-' goes after
    '--' (bot ask -- "-5% tariff?"); with QUESTION '-', or none and input piped in, the question is
    read from standard input (echo "What did Ishiba give Trump?" | bot ask).
    """
    text = read_question(question, settings.max_question_chars)
    bot = _chatbot(settings)
    if as_json:
        result = bot.answer(text)
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return
    result = render_stream(bot.stream(text))
    print_sources(result)


ABANDONED = "[The LLM's answer above broke off and is discarded; this is the answer from the sources:]"


def render_stream(events) -> object:
    """Echo streamed LLM text as it comes; if the checked answer differs (fallback, fixed markers), print it.

    Streamed text cannot be taken back from a terminal, so when the LLM fails after it has started, a
    line says that the partial text is discarded before the extractive answer is printed.
    """
    streamed: list[str] = []
    result = None
    for piece in events:
        if isinstance(piece, str):
            click.echo(piece, nl=False)
            streamed.append(piece)
        else:
            result = piece
    if not streamed:
        click.echo(result.answer)
    elif result.answerer == "extractive":
        click.echo()
        click.secho(ABANDONED, fg="yellow")
        click.echo(result.answer)
    elif "".join(streamed).strip() != result.answer.strip():
        click.echo("\n" + result.answer)
    else:
        click.echo()
    if result.note:  # e.g. an English question answered with a Korean quote: say so, in the asker's language
        click.secho(f"({result.note})", dim=True)
    for warning in result.warnings:
        click.secho(f"warning: {warning}", fg="yellow", err=True)
    return result


@cli.command()
@answer_options
@index_options
def chat(settings: Settings) -> None:
    """Talk with the bot in the terminal; follow-up questions use the conversation.

    Commands: /reset (forget the conversation), /sources (show the last answer's sources), /quit.
    """
    from bot.chain import validate_question

    if hasattr(sys.stdin, "reconfigure"):
        sys.stdin.reconfigure(errors="replace")
    bot = _chatbot(settings)
    bot.warm_up()  # before the prompt, so the first answer is as quick as the rest
    history: list[dict[str, str]] = []
    last = None
    click.echo("Ask about the documents. /reset, /sources, /quit (or Ctrl-D).")
    while True:
        try:
            line = input("you> ")
        except EOFError:
            click.echo()
            return
        cmd = line.strip()
        if cmd in ("/quit", "/exit"):
            return
        if cmd == "/reset":
            history, last = [], None
            click.echo("(conversation cleared)")
            continue
        if cmd == "/sources":
            if last is None:
                click.echo("(no answer yet)")
            else:
                print_sources(last)
            continue
        try:
            question = validate_question(cmd, settings.max_question_chars)
        except BotError as exc:
            click.secho(str(exc), fg="yellow")
            continue
        click.echo("bot> ", nl=False)
        last = render_stream(bot.stream(question, history))
        history += [{"role": "user", "content": question}, {"role": "assistant", "content": last.answer}]


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind; use 0.0.0.0 only if you mean to expose it.")
@click.option("--port", type=int, default=7860, show_default=True, help="Port for the web UI.")
@answer_options
@index_options
def serve(settings: Settings, host: str, port: int) -> None:
    """Open the chatbot in the browser (Gradio)."""
    from bot.webapp import launch

    def say(message: str, warning: bool = False) -> None:
        if warning:
            click.secho(message, fg="yellow", err=True)
        else:
            click.echo(message, err=not message.startswith("seedbot is running"))

    launch(settings, host=host, port=port, say=say, progress=TqdmProgress())


@cli.command("eval")
@click.option("--dataset", type=click.Path(path_type=Path, dir_okay=False), help="Score this one FAQ file (JSON lines; a docs/ folder beside it is its corpus). [default: eval/faq.jsonl as faq-dev + faq-test, eval/everyday and eval/userdocs]")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=Path("eval-out"), show_default=True, help="Folder for results.jsonl, report.json, report.md and the plot.")
@click.option("--baseline", is_flag=True, help="Also run the LangChain tutorial pipeline (1000/200 chunks, dense k=4) and compare.")
@click.option("--split", type=click.Choice(["dev", "test", "all"]), default="all", show_default=True, help="dev: faq-dev and everyday (tune on these); test: faq-test and userdocs (held out); all: every set.")
@click.option("--readme", type=click.Path(path_type=Path, dir_okay=False, exists=True), help="Also write the results table into this file (a README), between its <!-- results:eval --> and <!-- /results:eval --> lines.")
@click.option("--from-feedback", "feedback", type=click.Path(path_type=Path, dir_okay=False), help="Instead of scoring: turn the web UI's marked answers (<index-dir>/feedback.jsonl) into candidate FAQ items in --out for review.")
@answer_options
@index_options
def eval_cmd(settings: Settings, dataset: Path | None, out: Path, baseline: bool, split: str, readme: Path | None,
             feedback: Path | None) -> None:
    """Score the bot on a FAQ set: retrieval hits, answers, refusals, citation validity, latency.

    Every question goes through the same chain as `bot ask`; the report breaks the numbers down by
    question language and by question-language → document-language pair.
    """
    if feedback is not None:
        from evaluation.feedback import write_candidates

        done = write_candidates(feedback, out)
        click.echo(f"{done['candidates']} candidate FAQ items (thumbs up), {done['to_review']} to review (thumbs down or uncited).")
        click.echo("Wrote " + ", ".join(done["written"]))
        return
    from evaluation.running import run_eval

    report = run_eval(settings, dataset=dataset, out_dir=out, baseline=baseline, split=split, progress=TqdmProgress(), readme=readme)
    click.echo(report["markdown_summary"])
    click.echo("Wrote " + ", ".join(report["written"]))


@cli.command("bench")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=Path("benchmarks"), show_default=True, help="Folder for the results (markdown table, JSON, plot).")
@click.option("--scales", default="1,10,100", show_default=True, help="Corpus sizes to measure, as multiples of the seed corpus.")
@click.option("--queries", type=int, default=50, show_default=True, help="Warm queries per measurement.")
@click.option("--server/--no-server", default=True, show_default=True, help="Also time loading each index from a real `chroma run` server.")
@click.option("--readme", type=click.Path(path_type=Path, dir_okay=False, exists=True), help="Also write the benchmark table into this file (a README), between its <!-- results:bench --> and <!-- /results:bench --> lines.")
@index_options
def bench_cmd(settings: Settings, out: Path, scales: str, queries: int, server: bool, readme: Path | None) -> None:
    """Measure build time, embedding throughput, query latency, `bot ask` wall time and memory."""
    from evaluation.benchmark import run_bench

    try:
        factors = [int(x) for x in scales.split(",") if x.strip()]
    except ValueError:
        raise BotError(f"--scales takes whole numbers separated by commas (got {scales!r}).") from None
    summary = run_bench(settings, out_dir=out, scales=factors, queries=queries, progress=TqdmProgress(), server=server, readme=readme)
    click.echo(summary)


def main() -> None:
    cli(prog_name="bot")


if __name__ == "__main__":
    main()
