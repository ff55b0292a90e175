"""The web UI as its users and API clients see it: a real Gradio server in-process, called with gradio_client."""
from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from gradio_client import Client, handle_file

from index.settings import Settings
from index.types import AnswerResult, Citation
from bot.webapp import render_answer, result_from_dict, serve_in_background, sources_html

HELMET_FILE = "003_ae09e089aea9dcdf.txt"
HELMET = "사무라이 투구"
XSS_DOC = (
    "The Ulsan whale festival opens every June with a lantern parade on the Taehwa river.\n\n"
    "Visitors to the Ulsan whale festival read <script>alert(1)</script> and <b>bold</b> banners along the river.\n\n"
    "The festival ends with fireworks over the harbour on the last Sunday.\n"
)


@pytest.fixture(scope="module")
def app_url(seed_settings, chatbot):
    app, url = serve_in_background(seed_settings, chatbot)
    yield url
    app.close()


def client(url: str) -> Client:
    """One Client is one browser session (its own session hash, so its own history)."""
    return Client(url, verbose=False)


def text(message: dict) -> str:
    """A chat message's content (Gradio 6 sends it as a list of typed parts)."""
    content = message["content"]
    return content if isinstance(content, str) else "".join(p.get("text", "") for p in content if isinstance(p, dict))


def ask(c: Client, question: str, **kw):
    _box, chat, sources, result = c.predict(question, api_name="/ask", **kw)
    return chat, sources, result


def test_ask_api_answers_with_the_helmet_sentence_and_its_card(app_url):
    chat, sources, result = ask(client(app_url), "What did Ishiba give Trump?")
    assert not result["refused"] and HELMET in result["answer"]
    assert any(c["source"] == HELMET_FILE and HELMET in c["quote"] for c in result["citations"])
    assert [m["role"] for m in chat] == ["user", "assistant"]
    [helmet] = [c for c in result["citations"] if HELMET in c["quote"]]
    assert f'href="#src-1-{helmet["n"]}"' in text(chat[1])  # the [n] links to its card
    card = sources.split(f'id="src-1-{helmet["n"]}"', 1)[1].split("</article>", 1)[0]
    assert HELMET_FILE in card and HELMET in card.split("<mark>", 1)[1].split("</mark>", 1)[0]


def test_two_sessions_do_not_share_history(app_url):
    a, b = client(app_url), client(app_url)
    ask(a, "What did Ishiba give Trump?")
    with ThreadPoolExecutor(2) as pool:  # both sessions ask the same follow-up at once
        fa = pool.submit(ask, a, "Where was it prepared?")
        fb = pool.submit(ask, b, "Where was it prepared?")
        (chat_a, _, res_a), (chat_b, _, res_b) = fa.result(), fb.result()
    assert len(chat_a) == 4 and "What did Ishiba give Trump?" in res_a["standalone_question"]
    assert len(chat_b) == 2 and res_b["standalone_question"] == "Where was it prepared?"


def test_clear_forgets_the_conversation(app_url):
    c = client(app_url)
    ask(c, "What did Ishiba give Trump?")
    c.predict(api_name="/clear")
    chat, _, result = ask(c, "Where was it prepared?")
    assert len(chat) == 2 and result["standalone_question"] == "Where was it prepared?"


def test_overlong_question_comes_back_as_a_message(app_url):
    with pytest.raises(Exception, match="the limit is 2000"):
        client(app_url).predict("x" * 2001, api_name="/ask")


def test_uploaded_markup_is_shown_escaped_never_as_html(tmp_path):
    """A document with <script> and <b> uploaded through the UI's API comes back escaped in the source cards."""
    settings = Settings.load(env={}, index_dir=tmp_path / "index", docs=[tmp_path / "none"])
    doc = tmp_path / "festival.txt"
    doc.write_text(XSS_DOC, encoding="utf-8")
    (tmp_path / "notes.docx").write_bytes(b"PK\x03\x04")
    app, url = serve_in_background(settings)
    try:
        c = client(url)
        with pytest.raises(Exception, match="No index"):  # no index yet: a message, not a traceback
            c.predict("What did Ishiba give Trump?", api_name="/ask")
        with pytest.raises(Exception, match=r"Invalid file type.*\.txt"):
            c.predict([handle_file(str(tmp_path / "notes.docx"))], api_name="/add_documents")
        _files, status, index_info = c.predict([handle_file(str(doc))], api_name="/add_documents")
        assert "1 added" in status
        assert (settings.index_dir / "uploads" / "festival.txt").exists()
        assert "festival.txt" in index_info and "Documents: <b>1</b> ·" in index_info
        chat, sources, result = ask(c, "What do visitors read along the river at the Ulsan whale festival?")
    finally:
        app.close()
    assert not result["refused"] and "festival.txt" in sources
    page = sources + text(chat[0]) + text(chat[1])
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in sources and "&lt;b&gt;bold&lt;/b&gt;" in sources
    assert "<script" not in page and "<b>bold" not in page


def test_render_answer_escapes_model_output_and_links_only_real_citations():
    cite = Citation(n=1, source="a<b>.txt", passage_id="a#p0", quote="q", start=0, end=1, score=0.9, lang="en", text="q")
    result = AnswerResult(
        question="<img src=x onerror=alert(1)>",
        answer="<img src=x onerror=alert(1)> is **here** [1] and not [2].",
        refused=False,
        language="en",
        citations=[cite],
        answerer="openai:gpt-x",
        warnings=["<i>careful</i>"],
    )
    out = render_answer(result, turn=3)
    assert "<img" not in out and "&lt;img src=x" in out and "&lt;i&gt;careful" in out
    # [1] links to its card and names its file (screen readers, hover); [2] cites nothing, so it is plain text
    assert '<a class="cite" href="#src-3-1" aria-label="Source 1: a&lt;b&gt;.txt" title="a&lt;b&gt;.txt: q">[1]</a>' in out
    assert "#src-3-2" not in out and "[2]" in out
    cards = sources_html([{"question": result.question, "result": result}], catalog=None)
    assert "<img" not in cards and "a&lt;b&gt;.txt" in cards and 'id="src-1-1"' in cards


def test_fake_llm_answers_stream_into_the_chat(seed_settings, seed_index):
    from langchain_core.language_models import FakeListChatModel

    from bot.chain import Chatbot

    bot = Chatbot(seed_settings, index=seed_index, chat_model=FakeListChatModel(responses=["Ishiba gave Trump a golden samurai helmet [1]."]))
    app, url = serve_in_background(seed_settings, bot)
    try:
        job = client(url).submit("What did Ishiba give Trump?", 5, "FakeListChatModel", api_name="/ask")
        final = job.result()
        updates = job.outputs()
    finally:
        app.close()
    assert len(updates) > 3  # the pending bubble, then growing text, then the checked answer
    chat, result = final[1], final[3]
    assert result["answerer"] == "FakeListChatModel" and [c["n"] for c in result["citations"]] == [1]
    assert 'href="#src-1-1"' in text(chat[-1]) and "golden samurai helmet" in text(chat[-1])


def test_extractive_answer_shows_its_sources_before_the_answer(app_url):
    job = client(app_url).submit("What did Ishiba give Trump?", api_name="/ask")
    job.result()
    updates = job.outputs()
    def answered(u) -> bool:
        return isinstance(u[1], list) and bool(u[1]) and HELMET in text(u[1][-1])

    first_sources = next(i for i, u in enumerate(updates) if isinstance(u[2], str) and HELMET_FILE in u[2])
    first_answer = next(i for i, u in enumerate(updates) if answered(u))
    assert first_sources < first_answer  # the cards are on the page while the answer is still coming
    assert answered(updates[-1])


def test_answer_survives_its_json_round_trip_as_the_browser_keeps_it(chatbot):
    result = chatbot.answer("What did Ishiba give Trump?")
    back = result_from_dict(json.loads(json.dumps(result.to_dict())))
    assert back.citations == [type(c)(**{**c.__dict__, "score": round(c.score, 4)}) for c in result.citations]
    assert back.answer == result.answer and back.note == result.note and back.answerer == result.answerer
    assert render_answer(back, 1) == render_answer(result, 1)


def test_every_interface_string_exists_in_english_korean_and_japanese():
    import re

    from bot.web.strings import _all

    table = _all()
    for lang in ("ko", "ja"):
        assert set(table[lang]) == set(table["en"]), lang
        for key, en in table["en"].items():
            assert set(re.findall(r"{\w+}", table[lang][key])) == set(re.findall(r"{\w+}", en)), (lang, key)


def test_feedback_becomes_candidate_faq_items_for_review(tmp_path, chatbot):
    from click.testing import CliRunner

    from bot.cli import cli
    from evaluation.datasets import load_dataset
    from bot.web.feedback import append_feedback, feedback_record

    good = chatbot.answer("What did Ishiba give Trump?")
    bad = chatbot.answer("Where was it prepared?")
    append_feedback(tmp_path, feedback_record("a1", good, "down"))
    append_feedback(tmp_path, feedback_record("a1", good, "up", "right, and cited"))  # the later verdict counts
    append_feedback(tmp_path, feedback_record("a2", bad, "down", "it was made in Kyoto"))
    append_feedback(tmp_path, feedback_record("a3", bad, None))  # a thumb taken back: nothing to review
    out = CliRunner().invoke(cli, ["eval", "--from-feedback", str(tmp_path / "feedback.jsonl"), "--out", str(tmp_path / "fb")])
    assert out.exit_code == 0, out.output
    assert "1 candidate FAQ items" in out.output and "1 to review" in out.output
    [item] = load_dataset(tmp_path / "fb" / "faq-candidates.jsonl")  # a valid FAQ item as written
    assert item["question"] == "What did Ishiba give Trump?" and HELMET_FILE in item["sources"]
    assert any(HELMET in k for k in item["answer_keywords"]) and item["feedback"]["comment"] == "right, and cited"
    [todo] = [json.loads(line) for line in (tmp_path / "fb" / "to-review.jsonl").read_text(encoding="utf-8").splitlines()]
    assert todo["question"] == "Where was it prepared?" and todo["feedback"]["comment"] == "it was made in Kyoto"
    broken = tmp_path / "broken.jsonl"
    broken.write_text("{not json\n", encoding="utf-8")
    out = CliRunner().invoke(cli, ["eval", "--from-feedback", str(broken), "--out", str(tmp_path / "fb2")])
    assert out.exit_code != 0 and "broken.jsonl:1: not a JSON line" in out.output and "Traceback" not in out.output


def test_the_quoted_language_note_is_said_in_the_askers_language_and_names_no_cli_flag():
    """A Korean question answered from a Japanese quote: the note is in Korean whatever the interface's language, and
    tells a web user what the operator can configure, not a command-line flag."""
    result = AnswerResult(question="다카이치 총리는 언제 통화했나?", answer="電話会談は行われた [1]", refused=False, language="ko",
                          answer_language="ja", note="일본어 자료에서 그대로 인용한 답입니다. 한국어로 쓴 답을 받으려면 --llm으로 LLM을 설정하세요.")
    for ui in ("en", "ko", "ja"):
        out = render_answer(result, 1, ui=ui)
        assert '<small class="lang-note" lang="ko">일본어 자료에서 그대로 인용한 답입니다.' in out, ui
        assert "--llm" not in out and "BOT_LLM" in out and "운영자" in out
    english = AnswerResult(question="What did Ishiba give Trump?", answer="황금 사무라이 투구 [1]", refused=False, language="en",
                           answer_language="ko", note="Quoted from a Korean source; set an LLM with --llm to get answers written in English.")
    out = render_answer(english, 1, ui="ja")
    assert "Quoted from a Korean source." in out and "written in English" in out and "--llm" not in out


def test_model_markdown_and_html_become_text_and_list_marks_are_not_shown():
    """The chat renders no Markdown: every tag in an answer's HTML is made by render_answer itself."""
    import re

    cite = Citation(n=1, source="f.txt", passage_id="f#p0", quote="✅ Lanterns.", start=0, end=12, score=0.9, lang="en", text="✅ Lanterns.")
    answer = "- ✅ Lanterns **lit** [1].\n![x](http://127.0.0.1:9/a) <img src=http://127.0.0.1:9/b> [l](http://127.0.0.1:9/c)"
    result = AnswerResult(question="q", answer=answer, refused=False, language="en", citations=[cite], answerer="openai:x")
    out = render_answer(result, turn=1)
    tags = set(re.findall(r"<(\w+)", out))
    assert tags <= {"div", "a", "br", "strong", "small"}, tags
    assert re.findall(r'href="([^"]+)"', out) == ["#src-1-1", "#sources"]
    assert out.startswith('<div class="answer">Lanterns <strong>lit</strong> <a class="cite"')
    assert "![x](http://127.0.0.1:9/a) &lt;img src=http://127.0.0.1:9/b&gt; [l](http://127.0.0.1:9/c)" in out
    quoted = AnswerResult(question="q", answer="✅ Lanterns. [1]", refused=False, language="en", citations=[cite], answerer="extractive")
    assert render_answer(quoted, 1).startswith('<div class="answer">Lanterns. <a')
    assert cite.quote.startswith("✅")  # the citation keeps the file's text


def test_source_counts_follow_each_languages_plural_rule():
    cite = Citation(n=1, source="f.txt", passage_id="f#p0", quote="q", start=0, end=1, score=0.9, lang="en", text="q")
    two = [cite, Citation(**{**cite.__dict__, "n": 2, "passage_id": "f#p1"})]
    one = AnswerResult(question="q", answer="a [1]", refused=False, language="en", citations=[cite], answerer="extractive")
    both = AnswerResult(question="q", answer="a [1] [2]", refused=False, language="en", citations=two, answerer="extractive")
    assert "1 source ·" in sources_html([{"result": one}], None) and "(s)" not in sources_html([{"result": one}], None)
    assert "2 sources ·" in sources_html([{"result": both}], None)
    assert "1 source below" in render_answer(one, 1) and "2 sources below" in render_answer(both, 1)
    assert "출처 1개" in sources_html([{"result": one}], None, ui="ko") and "출처 2개" in sources_html([{"result": both}], None, ui="ko")
    assert "発췌" not in sources_html([{"result": one}], None, ui="ja") and "抜粋" in sources_html([{"result": one}], None, ui="ja")
