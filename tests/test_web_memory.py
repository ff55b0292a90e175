"""Issue 23, defect 7: the server grew ~118 KB an answer under load and never levelled off.

Each visitor's (or API client's) session kept every answer it was given (with its retrieved passages), and
Gradio keeps 10,000 sessions. Now a session keeps its last ``web_turns`` turns and the server its last
``web_sessions`` sessions, so memory is bounded by settings, not by traffic. No timing is involved.
"""
from __future__ import annotations

import dataclasses

from gradio_client import Client

from bot.webapp import serve_in_background

QUESTIONS = [
    "What did Ishiba give Trump?",
    "How long did the phone call between Takaichi and Trump last?",
    "When is Takaichi expected to visit Washington?",
    "How many cherry trees did Japan promise to donate?",
    "Whom did Trump meet during his October trip to Asia?",
    "Which anniversary does the United States celebrate in 2026?",
]


def test_a_session_keeps_its_last_turns_and_the_server_its_last_sessions(seed_settings, chatbot):
    settings = dataclasses.replace(seed_settings, web_turns=3, web_sessions=2)
    app, url = serve_in_background(settings, chatbot)
    try:
        client = Client(url, verbose=False)
        shown = [len(client.predict(q, api_name="/ask")[1]) for q in QUESTIONS]  # chat messages after each answer
        assert shown == [2, 4, 6, 6, 6, 6], shown  # a question and its answer per turn, the last 3 turns kept
        for q in QUESTIONS[:3]:  # three more visitors
            Client(url, verbose=False).predict(q, api_name="/ask")
        assert len(app.state_holder.session_data) <= 2
    finally:
        app.close()


# ---------------------------------------------------------------- soak: memory levels off (no timing)

SMALL_CACHE = 16
TEMPLATES = [
    "What did Ishiba give Trump about {w}?",
    "트럼프는 {w}에 대해 무엇을 말했나요?",
    "高市首相は{w}について何を約束しましたか？",
    "When does the {w} festival open?",
    "{w} 벚나무는 몇 그루인가요?",
    "{w}の電話会談は何分でしたか？",
]


def new_word(i: int) -> str:
    """A word no earlier question used, in the script of its template: Latin, Hangul or katakana."""
    if i % 3 == 0:
        return "".join("bdfgklmnprstvz"[(i // 14**j) % 14] + "aeiou"[(i + j) % 5] for j in range(4))
    if i % 3 == 1:
        return chr(0xAC00 + (i * 7919) % 11172) + chr(0xAC00 + (i * 104729 + 17) % 11172)
    return "".join(chr(0x30A2 + (i // 80**j + j) % 80) for j in range(3))


def soak_question(i: int) -> str:
    return TEMPLATES[i % len(TEMPLATES)].format(w=new_word(i))


def bounded_caches() -> dict[str, object]:
    """Every functools cache in the runtime modules (bot/, index/), by qualified name (as the modules see it now)."""
    import importlib
    import pkgutil

    import bot
    import index

    found = {}
    for pkg in (bot, index):
        for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
            module = importlib.import_module(info.name)
            for name, value in vars(module).items():
                if callable(getattr(value, "cache_parameters", None)) and getattr(value, "__module__", None) == info.name:
                    found[f"{info.name}.{name}"] = value
    return found


def test_every_cache_in_the_runtime_is_bounded():
    """An unbounded cache keyed by what visitors type grows with traffic; only fixed key sets may go unbounded."""
    fixed_keys = {"bot.prompts.load"}  # keyed by prompt file name
    unbounded = [name for name, fn in bounded_caches().items() if fn.cache_parameters()["maxsize"] is None]
    assert set(unbounded) <= fixed_keys, unbounded


def test_server_memory_levels_off_under_ever_new_questions(seed_settings, monkeypatch):
    """Issue 23, defect 7, the soak: questions with a new word each time, asked in one session through the web
    server's own path (Chat.ask), must leave the traced Python heap flat once every bounded store is full.

    Every cache is set small (SMALL_CACHE entries) so that it fills during the warm-up; after that, a second
    round of questions may not grow the heap by more than GROWTH_BOUND (an answer cost ~118 KB before sessions
    were bounded, so an unbounded store of answers or of question words shows at once). Memory is measured
    with tracemalloc after a full collection: deterministic, no timing.
    """
    import functools
    import gc
    import tracemalloc

    from bot.chain import Chatbot
    from bot.web.chat import Chat
    from bot.web.engine import Context, Engine
    from index.retrieving import Index
    from index.settings import AnswerWeights

    for name, fn in bounded_caches().items():
        if fn.cache_parameters()["maxsize"] and fn.cache_parameters()["maxsize"] > SMALL_CACHE:
            module, attr = name.rsplit(".", 1)
            monkeypatch.setattr(f"{module}.{attr}", functools.lru_cache(maxsize=SMALL_CACHE)(fn.__wrapped__))
    settings = dataclasses.replace(seed_settings, web_turns=5, answering=AnswerWeights(term_cache=SMALL_CACHE))
    bot = Chatbot(settings, index=Index.open(settings))  # a fresh catalog: its question-word cache starts empty
    chat = Chat(Context(settings, Engine(settings, bot), None))
    turns: list[dict] = []

    def ask(first: int, last: int) -> None:
        nonlocal turns
        for i in range(first, last):
            *_, out = chat.ask(soak_question(i), 5, "extractive", turns)
            turns = out[4]
        assert len(turns) == settings.web_turns

    def heap() -> int:
        gc.collect()
        return tracemalloc.get_traced_memory()[0]

    bot.warm_up()  # as the web server does at start: models, lexicon, the index's name and word keys
    ask(0, 40)  # warm-up: every cache full
    tracemalloc.start()
    try:
        ask(40, 100)
        settled = heap()
        ask(100, 160)
        growth = heap() - settled
    finally:
        tracemalloc.stop()
    assert growth < GROWTH_BOUND, f"the heap grew {growth / 1024:.0f} KB over 60 questions with every cache full"
    assert len(bot._views.of(bot.index.catalog).term_groups) == SMALL_CACHE  # the configured bound, not the default one
    assert not any(name.startswith('_answer') for name in vars(bot.index.catalog))  # nothing stuck onto the catalog
    assert all(fn.cache_info().currsize <= SMALL_CACHE for fn in bounded_caches().values())


# 60 answers: about 20 KB is measured (small-object pools settling), 490 KB when a session keeps every answer
GROWTH_BOUND = 96 * 1024
