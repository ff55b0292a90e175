"""Tokenizing for BM25: content words in Korean, Japanese and English, with real analysers."""
from __future__ import annotations

import statistics
import time

from index.tokenizing import script_runs, tokenize, warm_up


def test_korean_particles_and_endings_go_and_predicates_become_lemmas():
    tokens = tokenize("트럼프 대통령이 이시바 총리에게 받은 선물은 황금 투구였다.")
    assert tokens[:4] == ["트럼프", "대통령", "이시바", "총리"]
    assert "받다" in tokens and "선물" in tokens and "황금" in tokens
    assert not {"이", "에게", "은", "였다"} & set(tokens)


def test_korean_with_the_particle_still_matches_the_bare_noun():
    assert "트럼프" in tokenize("트럼프가") and "트럼프" in tokenize("트럼프는")


def test_japanese_compounds_keep_the_whole_word_and_add_its_parts():
    tokens = tokenize("トランプ大統領が石破茂総理の提案を拒否した。")
    assert tokens[:3] == ["トランプ大統領", "トランプ", "大統領"]
    assert {"総理", "提案", "拒否"} <= set(tokens)
    assert not {"が", "の", "を", "た", "する"} & set(tokens)


def test_japanese_verbs_use_their_dictionary_form():
    assert "求める" in tokenize("防衛費の増額を求めた。")


def test_english_is_lowercased_without_stopwords_or_possessives():
    assert tokenize("What did Japan's Prime Minister discuss with the U.S. President?") == [
        "japan", "prime", "minister", "discuss", "us", "president",
    ]


def test_latin_words_inside_korean_or_japanese_are_the_same_token_as_in_english():
    assert "nato" in tokenize("NATO 탈퇴를 고려") and "nato" in tokenize("アジア版NATO") and "nato" in tokenize("NATO")
    assert {"us", "steel", "매각"} <= set(tokenize("일본제철의 U.S. Steel 매각"))


def test_numbers_are_tokens():
    assert {"2027", "25"} <= set(tokenize("2027년 25% 관세"))


def test_script_runs_split_mixed_text_and_read_han_by_context():
    assert script_runs("日米 동맹 강화") == [("ko", "日米 동맹 강화")]  # Hanja in Korean text
    assert [lang for lang, _ in script_runs("日米同盟とNATO 2025")] == ["ja", "en"]


def test_empty_and_punctuation_only_text_give_no_tokens():
    assert tokenize("") == [] and tokenize("。、!?…") == []


def test_a_query_tokenizes_in_a_few_milliseconds_after_warm_up():
    warm_up()
    queries = ["이시바 총리가 트럼프 대통령에게 준 선물은?", "トランプ大統領は日米安保条約をどう評価した？", "Who met Trump on Oct. 28?"]
    timings = []
    for _ in range(5):
        for q in queries:
            start = time.perf_counter()
            tokenize(q)
            timings.append(time.perf_counter() - start)
    assert statistics.median(timings) < 0.02


def test_a_korean_full_name_is_two_tokens_so_a_question_naming_the_surname_matches_it():
    # Kiwi's multi-word dictionary (not loaded) would make "다카이치 사나에" one token
    tokens = tokenize("다카이치 사나에 총리가 트럼프 대통령과 통화했다.", "ko")
    assert "다카이치" in tokens and "사나에" in tokens
    assert set(tokenize("다카이치 총리는 무엇을 말했나?", "ko")) & set(tokens) >= {"다카이치", "총리"}
