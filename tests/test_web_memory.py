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
