"""An LLM judge for extractive answers: P(yes) to "does the passage state the answer to the question?".

The extractive answerer quotes the best-scoring sentence even when it only shares words with the question;
a small model's yes/no, read from the first token's log-probabilities, is a second opinion on that quote.
"""
from __future__ import annotations

import math

from langchain_core.messages import HumanMessage

from bot.llms import build_chat_model
from index.settings import Settings

PROMPT = (
    "Question: {question}\n\nPassage: {passage}\n\n"
    "Does the passage state the answer to the question? Reply with one word: Yes or No."
)


class Judge:
    """Scores a (question, passage) pair with a chat model; logprobs when the backend gives them, else its word."""

    def __init__(self, spec: str, settings: Settings):
        self.name = spec
        self.model = build_chat_model(spec, settings)

    def p_yes(self, question: str, passage: str) -> float:
        reply = self.model.invoke([HumanMessage(PROMPT.format(question=question, passage=passage))],
                                  max_tokens=1, logprobs=True, top_logprobs=10)
        return p_yes_of(reply)


def p_yes_of(reply) -> float:
    """P(yes) among the first token's yes/no alternatives; 1.0 or 0.0 from the text when there are no logprobs."""
    logprobs = (reply.response_metadata or {}).get("logprobs") or {}
    content = logprobs.get("content") or []
    if content:
        yes = no = 0.0
        for alt in content[0].get("top_logprobs") or []:
            word = alt.get("token", "").strip().lower()
            if word in ("yes", "y"):
                yes += math.exp(alt["logprob"])
            elif word in ("no", "n"):
                no += math.exp(alt["logprob"])
        if yes + no > 0:
            return yes / (yes + no)
    text = reply.content if isinstance(reply.content, str) else str(reply.content)
    return 1.0 if text.strip().lower().startswith("yes") else 0.0
