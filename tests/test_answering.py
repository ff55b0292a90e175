"""The extractive answerer: what a question asks for, which sentence answers it, when to refuse.

Unit tests of the rules in ``bot.questions`` in all three languages, then the answerer on the real seeds.
"""
from __future__ import annotations

import pytest

from bot.questions import answer_type, carries, content_words, is_follow_up, near_duplicate, sentence_kind

HELMET = "사무라이 투구"


@pytest.mark.parametrize(
    "question, lang, kind",
    [
        ("When did Takaichi and Trump talk on the phone?", "en", "date"),
        ("In which years did Trump meet North Korea's leader?", "en", "date"),
        ("How much did Japan pledge to invest?", "en", "number"),
        ("How many cherry trees will Japan donate?", "en", "number"),
        ("Which leader held the first summit?", "en", "person"),
        ("Who is the treasurer?", "en", "person"),
        ("Where was the helmet made?", "en", "place"),
        ("Which articles of the treaty did he point to?", "en", "article"),
        ("What did Ishiba give Trump?", "en", None),
        ("Why did Trump complain about the treaty?", "en", None),
        ("이전 전화 통화는 언제 있었어?", "ko", "date"),
        ("일본은 몇 조 달러를 투자하기로 했나?", "ko", "number"),
        ("벚나무를 몇 그루 기증하나요?", "ko", "number"),
        ("첫 정상회담을 한 사람은 누구야?", "ko", "person"),
        ("투구는 어디에서 만들었나요?", "ko", "place"),
        ("안보조약 몇 조가 방위 의무를 규정하나?", "ko", "article"),
        ("高市首相とトランプ大統領の電話会談はいつ行われた？", "ja", "date"),
        ("日本は何本の桜を贈るのですか？", "ja", "number"),
        ("最初に会談したのは誰ですか？", "ja", "person"),
        ("兜はどこで作られましたか？", "ja", "place"),
        ("米国の防衛義務は第何条に定められていますか？", "ja", "article"),
        ("石破首相はトランプ氏に何を贈った？", "ja", None),
    ],
)
def test_answer_type_is_read_from_the_question_in_each_language(question, lang, kind):
    assert answer_type(question, lang) == kind


def test_a_sentence_carries_the_asked_type_only_with_something_the_question_lacks():
    q = "타카이치 총리와 트럼프 대통령의 그 이전 전화 통화는 언제 있었어?"
    assert carries("이전 전화 통화는 11월 25일로, 트럼프가 시진핑과 통화한 직후였다.", "date", q)
    assert not carries("양국 정상은 동맹을 강화하기로 했다.", "date", q)
    years = "In which years did Trump meet North Korea's leader during his first term?"
    assert carries("トランプ前大統領が2018年と2019年に実施した米朝首脳会談", "date", years)
    invest = "How much did Japan promise to invest in the US at the February 2025 summit?"
    assert carries("1조 달러 투자 표명, 도요타 자동차의 공장건설 계획 등 제시", "number", invest)
    assert not carries("지난 2월 7일 미일정상회담이 성사되었다.", "number", invest)  # a date is not an amount
    assert not carries("In 1912 Japan gave trees to Washington.", "date", "How many trees did Japan give in 1912?")
    assert carries("미일 안보조약 5조는 미국의 대일 방위 의무를 규정하고 있다.", "article", "안보조약 제6조는?")
    assert not carries("일본은 1조 달러를 투자한다.", "article", "몇 조?")  # 1조 달러 is a trillion dollars
    first = "Ishiba's was the second summit of Trump's new term — who came first?"
    assert carries("트럼프 대통령은 이스라엘의 네타냐후 총리와 첫 정상회담을 했다.", "person", first)


@pytest.mark.parametrize(
    "text, kind",
    [
        ("# Kestrel Valley Orchard", "heading"),
        ("트럼프 대통령의 취임과 일본의 반응", "heading"),
        ("防衛力強化と連携強化の表明", "heading"),
        ("日米安保、日本が果たす重要な役割は?", "question"),
        ("이시바 총리는 트럼프 대통령의 취임연설을 어떻게 평가했나요?", "question"),
        ("- 이시바 총리와 트럼프 대통령의 첫 정상회담 준비 과정.", "bullet"),
        ("✅ 石破首相とトランプ大統領は、日米同盟が礎であることを確認した。", "statement"),
        ("The club decided to raise the membership fee to 30 dollars a year.", "statement"),
        ("회비는 연 3만 원으로 올리기로 했다.", "statement"),
    ],
)
def test_sentence_kinds_in_each_language(text, kind):
    assert sentence_kind(text) == kind


def test_near_duplicates_one_comma_apart_are_one_sentence():
    a = "日本政府は、アメリカ大統領選でトランプ前大統領の当選が確実となったことを受け、石破茂首相がトランプ氏との関係構築を急いでいます。"
    assert near_duplicate(a, a.replace("日本政府は、", "日本政府は"))
    assert not near_duplicate(a, "トランプ氏は日本との関係は良好と評価した。")


@pytest.mark.parametrize(
    "question, lang, follow",
    [
        ("Where was it prepared?", "en", True),
        ("And what did he give his wife?", "en", True),
        ("Why?", "en", True),
        ("What is the capital of France?", "en", False),
        ("How much did Japan pledge to invest in the US?", "en", False),
        ("그건 어디서 만들었어?", "ko", True),
        ("파리의 날씨는 어때?", "ko", False),
        ("それはいつ？", "ja", True),
        ("美味しいパンの焼き方を教えてください。", "ja", False),
    ],
)
def test_only_questions_that_lean_on_the_conversation_are_follow_ups(question, lang, follow):
    assert is_follow_up(question, lang, len(content_words(question))) is follow


# ---------------------------------------------------------------- on the real seeds


def test_helmet_question_gets_one_sentence_not_a_pile(chatbot):
    result = chatbot.answer("What did Ishiba give Trump?")
    assert not result.refused and HELMET in result.answer
    assert len(result.citations) == 1


@pytest.mark.parametrize(
    "question, needle",
    [
        ("日本は米国にいくら投資すると約束しましたか？", "1조 달러"),
        ("高市首相とトランプ大統領の電話会談はいつ行われた？", "1월 2일"),  # the web UI's example
        pytest.param(
            "石破首相はトランプ氏に何を贈った？",
            HELMET,
            marks=pytest.mark.xfail(reason="known limitation: ja→ko, 贈る has no dictionary route to 선물 (README, 'Answers')", strict=False),
        ),
    ],
)
def test_typed_and_readme_questions_get_the_sentence_with_the_answer(chatbot, question, needle):
    result = chatbot.answer(question)
    assert not result.refused and needle in result.answer, result.answer


def test_a_self_contained_question_mid_conversation_is_standalone_and_refused(chatbot):
    history: list[dict] = []
    for q in ("What did Ishiba give Trump?", "Where was it prepared?", "How much did Japan pledge to invest in the US?"):
        r = chatbot.answer(q, history)
        history += [{"role": "user", "content": q}, {"role": "assistant", "content": r.answer}]
    result = chatbot.answer("What is the capital of France?", history)
    assert result.standalone_question == "What is the capital of France?"
    assert result.refused, result.answer


def test_question_about_someone_no_document_mentions_is_refused(chatbot):
    result = chatbot.answer("What gift did Ishiba give Melania Trump?")
    assert result.refused, result.answer


def test_an_english_asker_is_told_the_answer_is_quoted_from_a_korean_source(chatbot):
    result = chatbot.answer("What did Ishiba give Trump?")
    assert result.answer_language == "ko" and "Korean" in result.note and "--llm" in result.note
    ko = chatbot.answer("이시바 총리는 트럼프에게 무엇을 선물했나?")
    assert ko.answer_language == "ko" and ko.note == ""
    # the note speaks the asker's language: a Japanese asker quoted a Korean sentence reads Japanese
    from bot.chain import Chatbot
    from index.types import AnswerResult

    ja = AnswerResult(question="石破首相は何を贈った？", answer=ko.answer, refused=False, language="ja", citations=ko.citations)
    Chatbot._note_language(ja)
    assert ja.answer_language == "ko" and "韓国語の資料" in ja.note and ja.to_dict()["note"] == ja.note


def test_cli_and_web_show_the_quoted_language_note(seed_settings, chatbot):
    from click.testing import CliRunner

    from bot.cli import cli
    from bot.webapp import render_answer

    out = CliRunner().invoke(cli, ["ask", "--index-dir", str(seed_settings.index_dir), "What did Ishiba give Trump?"])
    assert out.exit_code == 0, out.output
    assert "Quoted from a Korean source; set an LLM with --llm" in out.output
    html = render_answer(chatbot.answer("What did Ishiba give Trump?"), 1)
    assert 'class="lang-note"' in html and "Quoted from a Korean source" in html
