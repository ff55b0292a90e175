"""P(yes) from a reply's first-token logprobs, and the plain-word fallback (no model needed)."""
import math

from langchain_core.messages import AIMessage

from bot.judging import p_yes_of


def reply(alternatives: dict[str, float] | None, text: str = "") -> AIMessage:
    top = [{"token": t, "logprob": math.log(p)} for t, p in (alternatives or {}).items()]
    return AIMessage(text, response_metadata={"logprobs": {"content": [{"top_logprobs": top}]}} if alternatives else {})


def test_p_yes_is_yes_over_yes_and_no_among_the_first_token_alternatives():
    assert abs(p_yes_of(reply({"Yes": 0.6, "No": 0.2, "The": 0.2})) - 0.75) < 1e-9
    assert abs(p_yes_of(reply({" yes": 0.3, "YES": 0.1, "no": 0.4})) - 0.5) < 1e-9


def test_p_yes_without_logprobs_reads_the_word():
    assert p_yes_of(reply(None, "Yes.")) == 1.0
    assert p_yes_of(reply(None, "No")) == 0.0
