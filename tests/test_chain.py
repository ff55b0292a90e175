"""The answer chain on the real seeds: extractive by default; the LLM path with LangChain's fake chat models."""
from __future__ import annotations

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel, GenericFakeChatModel
from langchain_core.messages import AIMessage

from bot.chain import Chatbot
from index.errors import UsageError
from index.settings import SEEDS_DIR

HELMET = "003_ae09e089aea9dcdf.txt"


def raw(source: str) -> str:
    return (SEEDS_DIR / source).read_bytes().decode("utf-8")


def assert_citations_quote_the_files(result) -> None:
    for c in result.citations:
        assert raw(c.source)[c.start : c.end] == c.quote


@pytest.mark.parametrize(
    "question, lang",
    [
        ("What did Ishiba give Trump?", "en"),
        ("이시바 총리는 트럼프에게 무엇을 선물했나?", "ko"),
        pytest.param(
            "石破首相はトランプ大統領に何を贈りましたか？",
            "ja",
            marks=pytest.mark.xfail(reason="known limitation: ja→ko cross-lingual ranking (see test_retrieval)", strict=False),
        ),
    ],
)
def test_extractive_answer_cites_the_helmet_sentence(chatbot, question, lang):
    result = chatbot.answer(question)
    assert not result.refused and result.language == lang
    assert "사무라이 투구" in result.answer and "[1]" in result.answer
    assert any(c.source == HELMET and "사무라이 투구" in c.quote for c in result.citations)
    assert_citations_quote_the_files(result)
    assert result.timings_ms["total"] > 0 and result.retrieved


def test_question_the_sources_do_not_cover_is_refused_in_its_language(chatbot):
    result = chatbot.answer("What is the capital of France?")
    assert result.refused, result.answer
    assert result.answer == "The sources don't say." and not result.citations
    ko = chatbot.answer("파리의 날씨는 어때?")
    assert ko.refused and ko.answer.startswith("자료에는")
    ja = chatbot.answer("美味しいパンの焼き方を教えてください。")
    assert ja.refused and ja.answer.startswith("資料には")


def test_result_json_has_the_documented_schema(chatbot):
    d = chatbot.answer("What did Ishiba give Trump?").to_dict()
    assert {"answer", "refused", "language", "citations", "retrieved", "timings_ms"} <= d.keys()
    assert {"n", "source", "passage_id", "quote", "start", "end", "score"} <= d["citations"][0].keys()
    assert {"source", "passage_id", "text", "score"} <= d["retrieved"][0].keys()
    assert "total" in d["timings_ms"]


def test_extractive_follow_up_carries_the_previous_question(chatbot):
    first = chatbot.answer("What did Ishiba give Trump?")
    history = [{"role": "user", "content": "What did Ishiba give Trump?"}, {"role": "assistant", "content": first.answer}]
    follow = chatbot.answer("Where was it prepared?", history)
    assert "What did Ishiba give Trump?" in follow.standalone_question
    assert not follow.refused and "돗토리" in follow.answer


def test_empty_and_overlong_questions_are_usage_errors(chatbot):
    with pytest.raises(UsageError):
        chatbot.answer("   ")
    with pytest.raises(UsageError, match="2000"):
        chatbot.answer("x" * 2001)


# ---------------------------------------------------------------- fake LLM (no weights exist offline)


def fake_bot(seed_settings, seed_index, responses: list[str], **kw) -> Chatbot:
    return Chatbot(seed_settings, index=seed_index, chat_model=FakeListChatModel(responses=responses, **kw))


def test_fake_llm_answer_streams_and_its_markers_become_citations(seed_settings, seed_index):
    bot = fake_bot(seed_settings, seed_index, ["Ishiba gave Trump a golden samurai helmet [1]."])
    events = list(bot.stream("What did Ishiba give Trump?"))
    pieces, result = [e for e in events if isinstance(e, str)], events[-1]
    assert len(pieces) > 3 and "".join(pieces) == "Ishiba gave Trump a golden samurai helmet [1]."
    assert result.answerer == "FakeListChatModel" and not result.unsupported
    [cite] = result.citations
    assert cite.n == 1 and cite.source == result.retrieved[0].source
    assert_citations_quote_the_files(result)


def test_fake_llm_claim_whose_names_and_numbers_its_source_lacks_is_flagged(seed_settings, seed_index):
    """Issue 23, defect 5: "The treasurer is Evil Eve [1]." passed the check although [1] names someone else.
    Now each cited claim's names and numbers must be in its source (a Latin name also by its sound in Korean or
    Japanese: Trump = 트럼프); what is missing is named in a warning. A correct claim gets none."""
    wrong = fake_bot(seed_settings, seed_index, ["The helmet was given by Evil Eve in 1850 [1]."]).answer("What did Ishiba give Trump?")
    assert [c.n for c in wrong.citations] == [1]
    [warning] = [w for w in wrong.warnings if "does not mention" in w]
    assert "[1]" in warning and "Evil" in warning and "Eve" in warning and "1850" in warning
    right = fake_bot(seed_settings, seed_index, ["Ishiba gave Trump a golden samurai helmet [1]."]).answer("What did Ishiba give Trump?")
    assert not any("does not mention" in w for w in right.warnings), right.warnings


def test_fake_llm_invalid_markers_are_removed(seed_settings, seed_index):
    bot = fake_bot(seed_settings, seed_index, ["A golden samurai helmet [1][9]. Also a sword [42]."])
    result = bot.answer("What did Ishiba give Trump?")
    assert "[9]" not in result.answer and "[42]" not in result.answer and "[1]" in result.answer
    assert [c.n for c in result.citations] == [1]
    assert any("point to no source" in w for w in result.warnings)


def test_fake_llm_answer_without_citations_is_flagged_with_extractive_evidence(seed_settings, seed_index):
    bot = fake_bot(seed_settings, seed_index, ["He gave him a helmet."])
    result = bot.answer("What did Ishiba give Trump?")
    assert result.unsupported and not result.citations
    assert any("사무라이 투구" in c.quote for c in result.evidence)


def test_fake_llm_that_raises_falls_back_to_the_extractive_answer(seed_settings, seed_index):
    bot = fake_bot(seed_settings, seed_index, ["never finished"], error_on_chunk_number=2)
    events = list(bot.stream("What did Ishiba give Trump?"))
    result = events[-1]
    assert result.answerer == "extractive" and "사무라이 투구" in result.answer
    assert len(result.warnings) == 1 and "failed" in result.warnings[0]


def test_fake_llm_refusal_is_recognised(seed_settings, seed_index):
    bot = fake_bot(seed_settings, seed_index, ["The sources don't say."])
    result = bot.answer("What is Ishiba's favourite food?")
    assert result.refused and not result.citations


def test_fake_llm_rewrites_the_follow_up_before_retrieval(seed_settings, seed_index):
    model = GenericFakeChatModel(
        messages=iter(
            [
                AIMessage("Where was the golden samurai helmet that Ishiba gave Trump prepared?"),
                AIMessage("ko: 이시바 총리가 트럼프에게 선물한 황금 사무라이 투구는 어디에서 준비되었나?\nja: 石破首相がトランプ氏に贈った黄金の兜はどこで準備された？"),
                AIMessage("In Tottori [1]."),
            ]
        )
    )
    bot = Chatbot(seed_settings, index=seed_index, chat_model=model)
    history = [{"role": "user", "content": "What did Ishiba give Trump?"}, {"role": "assistant", "content": "A golden samurai helmet [1]."}]
    result = bot.answer("Where was it prepared?", history)
    assert result.standalone_question.startswith("Where was the golden samurai helmet")
    assert any("돗토리" in rp.passage.text for rp in result.retrieved[:3])
    assert result.citations and result.citations[0].n == 1


def test_fake_llm_translates_the_question_for_retrieval(seed_settings, seed_index):
    """With an LLM, the question is also searched in Korean and Japanese: it fixes ja→ko misses."""
    model = GenericFakeChatModel(
        messages=iter(
            [
                AIMessage("ko: 이시바 총리는 트럼프에게 무엇을 선물했나?\nja: 石破首相はトランプ大統領に何を贈りましたか？"),
                AIMessage("黄金の兜です [1]。"),
            ]
        )
    )
    bot = Chatbot(seed_settings, index=seed_index, chat_model=model)
    question = "石破首相はトランプ大統領に何を贈りましたか？"
    result = bot.answer(question, k=10)
    assert result.translations[0].startswith("이시바")
    assert not result.warnings and result.citations[0].n == 1

    def helmet_rank(passages) -> int:
        return next((i for i, rp in enumerate(passages) if "사무라이 투구" in rp.passage.text), 99)

    # Korean sentences are scored with the Korean translation: the helmet passage moves up
    assert helmet_rank(result.retrieved) < helmet_rank(seed_index.search(question, k=10))


def test_warm_up_loads_the_tokenizers_and_the_lexicon_in_a_fresh_process(seed_settings):
    """`bot serve` and `bot chat` warm up before the first question, which otherwise waited for Kiwi and the
    backwards lexicon (2.3-2.8 s measured; docs/web-ui.md). In a fresh process: nothing loaded before, all after."""
    import subprocess
    import sys

    code = (
        "import sys; from pathlib import Path\n"
        "from bot.chain import Chatbot; from index.settings import Settings\n"
        "import index.tokenizing as t, index.bridging as b\n"
        "bot = Chatbot(Settings.load(env={}, index_dir=Path(sys.argv[1])))\n"
        "before = (t._kiwi, t._sudachi_dict, b._reverse_maps)\n"
        "bot.warm_up()\n"
        "print(all(x is None for x in before), all(x is not None for x in (t._kiwi, t._sudachi_dict, b._reverse_maps)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(seed_settings.index_dir)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["True", "True"]


def test_fake_llm_is_never_called_by_warm_up(seed_settings, seed_index):
    model = FakeListChatModel(responses=["should not be said"])
    bot = Chatbot(seed_settings, index=seed_index, chat_model=model)
    bot.warm_up()
    assert model.i == 0  # the fake's next-response cursor: untouched


@pytest.mark.parametrize(
    "question, name",
    [("石破首相给了特朗普什么礼物？", "Chinese"), ("Что Исиба подарил Трампу?", "Russian")],
)
def test_a_question_in_an_unsupported_language_is_told_so_in_english_and_still_searched(chatbot, question, name):
    """Issue 23, defect 12: a Chinese question got a Japanese refusal, a Russian one "The sources don't say."
    without a word about the language. Now the answer language is English, a warning names the language, and
    retrieval still runs on the question as written (the multilingual embedding reads it)."""
    result = chatbot.answer(question)
    assert result.language == "en"
    assert any(name in w and "not supported" in w and "English, Korean or Japanese" in w for w in result.warnings)
    assert result.retrieved, "the sources were still searched"
    assert "ソース" not in result.answer and "資料" not in result.answer  # no Japanese refusal for Chinese


@pytest.mark.parametrize("question", ["日米首脳会談", "石破首相はトランプ大統領に何を贈った？", "What did Ishiba give Trump?", "이시바 총리는 트럼프에게 무엇을 선물했나?"])
def test_supported_questions_get_no_language_warning(chatbot, question):
    assert not any("not supported" in w for w in chatbot.answer(question).warnings)
