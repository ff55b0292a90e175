"""The cross-lingual keyword bridge: names across scripts, JMdict translations, and the corpus as the filter."""
from __future__ import annotations

import dataclasses
import re
import subprocess
import sys

import numpy as np
import pytest

from index.bridging import LEXICON, english_of, expand, hangul_keys, kana_keys, latin_keys, lemmas, lookup, name_key, query_terms
from index.tokenizing import index_tokens, tokenize, with_hangul_readings

ROOT = LEXICON.parents[2]
HELMET = "사무라이 투구"


def gains_keyword_only_with(index, question: str, rows: list[int], **off: float) -> bool:
    """Do these sentences get more keyword evidence for ``question`` than with the weights ``off`` set?"""
    _, signals = index.unit_scores(question)
    _, without = dataclasses.replace(index, weights=dataclasses.replace(index.weights, **off)).unit_scores(question)
    return all(signals["keyword"][i] > without["keyword"][i] for i in rows)


@pytest.mark.parametrize(
    "latin, kana, hangul",
    [
        ("Ishiba", "イシバ", "이시바"),
        ("Takaichi", "タカイチ", "다카이치"),
        ("Takaichi", "たかいち", "타카이치"),  # both Korean spellings found in the seeds
        ("Hegseth", "ヘグセス", "헤그세스"),
        ("Trump", "トランプ", "트럼프"),
        ("Biden", "バイデン", "바이든"),
        ("Hokkaido", "ホッカイドウ", "홋카이도"),
    ],
)
def test_a_name_has_a_shared_key_in_every_script(latin, kana, hangul):
    en, ja, ko = set(latin_keys(latin)), set(kana_keys(kana)), set(hangul_keys(hangul))
    assert en & ja and en & ko and ja & ko, (en, ja, ko)


def test_different_names_get_different_keys():
    assert not set(latin_keys("Ishiba")) & set(latin_keys("Abe"))
    assert not set(hangul_keys("이시바")) & set(hangul_keys("다카이치"))


def test_names_in_kanji_get_keys_from_sudachi_readings_and_korean_proper_nouns_from_hangul():
    ja = index_tokens("石破茂首相と高市早苗首相が会談した。")
    ko = index_tokens("이시바 총리와 다카이치 총리가 회담했다.")
    assert {"~isipa", "~takaici"} <= set(ja) & set(ko)
    assert set(latin_keys("Ishiba")) & set(ja)


def test_keys_come_after_the_words_in_the_index_only_and_common_words_get_no_name_key():
    tokens = index_tokens("이시바 총리는 선물을 주었다.")
    words = tokenize("이시바 총리는 선물을 주었다.")
    assert tokens[: len(words)] == words and "~isipa" not in words  # other callers see words only
    keys = tokens[len(words) :]
    assert keys and all(k[0] in "~≈" for k in keys) and "~isipa" in keys
    assert [k for k in keys if k.startswith("~")] == ["~isipa"]  # 총리, 선물: loanword keys at most, never a name's
    assert not [t for t in index_tokens("大統領が会談で関税を議論した。") if t[0] in "~≈"]


@pytest.mark.parametrize(
    "english, katakana, hangul",
    [("recall", "リコール", "리콜"), ("kettle", "ケトル", "케틀"), ("laboratory", "ラボラトリー", "래버러토리"), ("sticker", "ステッカー", "스티커"),
     ("membership", "メンバーシップ", "멤버십")],
)
def test_a_loanword_and_its_english_source_share_a_key_in_the_index(english, katakana, hangul):
    """Loanwords are not names, so they had no key: a Japanese question about a ケトル found nothing in an
    English note about a kettle. Now English words, katakana words and Korean nouns carry the consonants
    of their sound (``≈``), kept apart from the name keys (``~``) that decide whether a name is known."""
    en, ja, ko = ({t for t in index_tokens(w) if t.startswith("≈")} for w in (english, katakana, hangul))
    assert en & ja and en & ko, (en, ja, ko)
    assert not {t for t in index_tokens(english) if t.startswith("~")}


def test_an_inflected_english_word_keys_as_its_stem_and_short_words_get_no_key():
    recalling = {t for t in index_tokens("The company is recalling the kettles.") if t.startswith("≈")}
    assert {"≈rkr", "≈ktr"} <= recalling
    assert not [t for t in index_tokens("It is in the box.") if t[0] in "~≈"]


def test_a_japanese_question_about_a_kettle_reaches_the_english_recall_note(tmp_path):
    """A katakana question word meets the English sentence through the loanword key alone."""
    from index.bridging import query_terms as terms

    found = [alt for term in terms("ケトルのリコールはいつですか？") for alt, kind in term.items() if kind == "loan"]
    note = set(index_tokens("BrightHome is recalling the KT-200 electric kettle."))
    assert {"≈ktr", "≈rkr"} <= set(found) & note


@pytest.mark.parametrize(
    "english, japanese, korean",
    [("give", "贈る", None), ("tariff", "関税", "관세"), ("investment", "投資", "투자"), ("semiconductor", "半導体", "반도체")],
)
def test_the_lexicon_translates_english_and_the_korean_reading_follows(english, japanese, korean):
    assert japanese in lookup(english)
    [term] = query_terms(english)
    assert japanese in term
    if korean:
        assert korean in with_hangul_readings([japanese]) and korean in term


def test_english_forms_reach_their_lexicon_entry():
    assert lemmas("gave") == ("give",)
    assert "tariff" in lemmas("tariffs") and "meet" in lemmas("met") and "hold" in lemmas("held")
    assert "investment" in lemmas("invest")


def test_a_phrase_in_the_lexicon_is_one_term():
    terms = query_terms("prime minister")
    assert len(terms) == 1 and "首相" in terms[0] and "총리" in terms[0]


def test_an_english_question_reaches_the_korean_helmet_sentence(seed_index):
    _, signals = seed_index.unit_scores("What did Ishiba give Trump?")
    units = seed_index.catalog.units
    helmet = [i for i, u in enumerate(units) if u.lang == "ko" and HELMET in u.text]
    assert helmet and max(signals["keyword"][i] for i in helmet) > 0


def test_an_english_word_the_corpus_lacks_adds_nothing(seed_index):
    """"xylophone" (木琴) is nowhere in the seeds: no sentence gains evidence, the order stays; like any
    unmatched query word it only lowers every sentence's coverage alike."""
    _, plain = seed_index.unit_scores("What did Ishiba give Trump?")
    _, more = seed_index.unit_scores("What did Ishiba give Trump xylophone?")
    plain, more = plain["keyword"], more["keyword"]
    assert np.array_equal(plain > 0, more > 0) and plain.max() > 0
    ratio = more[plain > 0] / plain[plain > 0]
    assert np.allclose(ratio, ratio[0]) and ratio[0] < 1.0


def test_without_the_bridge_an_english_question_has_no_keyword_evidence_on_korean_text(seed_index):
    off = dataclasses.replace(seed_index, weights=dataclasses.replace(seed_index.weights, name=0.0, strong=0.0, loan=0.0))
    _, signals = off.unit_scores("What did Ishiba give Trump?")
    units = seed_index.catalog.units
    assert all(kw == 0.0 for u, kw in zip(units, signals["keyword"]) if u.lang == "ko")


def test_the_lexicon_is_small_and_loads_only_for_a_question():
    assert LEXICON.stat().st_size < 3_000_000
    assert "CC BY-SA 4.0" in (LEXICON.parent / "README.md").read_text(encoding="utf-8")
    code = (
        "import index.retrieving, index.tokenizing, index.bridging as b; assert b._lines is None; "
        "import time; t = time.perf_counter(); b.lookup('tariff'); print(time.perf_counter() - t)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert float(out.stdout) < 1.0  # about 50 ms on an idle machine


def test_the_answerer_gets_one_name_key_and_a_words_corpus_side_alternatives():
    """``name_key`` and ``expand`` are what bot/answering.py and bot/questions.py use (names it knows, term coverage)."""
    assert len({name_key(w) for w in ("Ishiba", "石破", "いしば", "이시바")}) == 1
    assert len({name_key(w) for w in ("ヘグセス", "헤그세스")}) == 1 and "~~hks" in expand("Hegseth")
    assert name_key("Melania") != name_key("마련")  # the consonant skeleton alone would collide
    assert name_key("Ishiba") != name_key("Takaichi") and name_key("the") == ""
    assert {"関税", "관세"} <= set(expand("tariff")) and "~isipa" in expand("이시바")


def test_japanese_and_korean_words_reach_english_through_the_lexicon_read_backwards():
    """ja/ko → en had no route: the English→Japanese lexicon read backwards gives one, and a Korean
    word goes through the kanji words it is the Sino-Korean reading of (회계 → 会計 → account)."""
    assert {"reservation", "booking"} <= set(english_of("予約", "ja"))
    assert "account" in english_of("회계", "ko")
    assert english_of("トランプ大統領", "ja") == () and english_of("없는말", "ko") == ()


def test_reverse_glosses_are_offered_only_when_the_corpus_has_english():
    with_en = query_terms("東京で握手した首脳は誰ですか？", english_targets=True)
    handshake = next(t for t in with_en if "握手" in t)
    assert handshake["handshake"] == "reverse" and handshake["handshakes"] == "reverse"  # documents are not lemmatised
    assert handshake["握手"] == "exact" and handshake["악수"] == "reading"
    assert not any(kind == "reverse" for t in query_terms("東京で握手した首脳は誰ですか？") for kind in t.values())
    assert not any(kind == "reverse" for t in query_terms("Who shook hands in Tokyo?", english_targets=True) for kind in t.values())


def test_a_japanese_question_gets_keyword_evidence_on_english_sentences(seed_index):
    """The seeds' English captions ("... shake hands at Tokyo summit"): 東京, 握手 and 首脳 reach them only backwards."""
    question = "東京で握手した首脳は誰ですか？"
    english = [i for i, u in enumerate(seed_index.catalog.units) if u.lang == "en"]
    _, signals = seed_index.unit_scores(question)
    off = dataclasses.replace(seed_index, weights=dataclasses.replace(seed_index.weights, reverse=0.0))
    _, without = off.unit_scores(question)
    assert max(signals["keyword"][i] for i in english) > 0
    assert all(without["keyword"][i] == 0.0 for i in english)


def test_korean_and_japanese_meet_through_a_shared_english_gloss():
    """정상회담 and 首脳会談 name the same summit with different Sino-Korean words; readings cannot
    bridge them (정상 is 頂上, 首脳 reads 수뇌), a shared English gloss ("top") can."""
    from index.bridging import pivot_of

    assert "首脳" in pivot_of("정상", "ko")
    assert "정상" in pivot_of("首脳", "ja")
    assert all(len(w) >= 2 and not re.search(r"[\u3040-\u30ff]", w) for w in pivot_of("정상", "ko"))  # kanji words only
    assert pivot_of("트럼프", "ko") == () and pivot_of("없는말", "ko") == ()


def test_pivot_candidates_join_the_word_term_only_when_asked():
    summit = next(t for t in query_terms("정상회담은 언제였어?", pivot=True) if "정상" in t)
    assert summit["정상"] == "exact" and summit["首脳"] == "pivot"
    assert not any(kind == "pivot" for t in query_terms("정상회담은 언제였어?") for kind in t.values())
    assert not any(kind == "pivot" for t in query_terms("When was the summit?", pivot=True) for kind in t.values())


def test_a_korean_summit_question_reaches_japanese_shunou_kaidan_sentences(seed_index):
    """정상회담 in a Korean question gets keyword evidence on the Japanese 首脳会談 sentences, through the pivot only."""
    question = "미국과 북한의 정상회담은 무엇을 정체시켰어?"
    rows = [i for i, u in enumerate(seed_index.catalog.units) if u.lang == "ja" and "首脳会談" in u.text]
    assert rows and gains_keyword_only_with(seed_index, question, rows, pivot=0.0)


def test_a_name_inside_a_japanese_compound_keys_its_own_term_too():
    """Sudachi's mode-C word トランプ大統領 is followed by its parts as terms of their own; the name part
    needs the name keys as well, or a Korean sentence's 트럼프 covers the compound but not the name."""
    terms = query_terms("トランプ大統領はいつ来日しましたか？")
    trump = next(t for t in terms if "トランプ" in t)
    assert set(latin_keys("Trump")) & {k for k, kind in trump.items() if kind == "name"}
    assert set(latin_keys("Trump")) & set(index_tokens("トランプ大統領が来日した。"))  # the index is unchanged


def test_a_solid_korean_compound_splits_into_words_the_index_knows():
    """Kiwi keeps 인도태평양 whole where Sudachi splits インド太平洋: the parts, when the index knows both, are
    terms of their own, so the Korean question meets Japanese 太平洋 through its reading 태평양."""
    vocabulary = {"인도", "태평양"}
    terms = query_terms("인도태평양에서 확인했어?", known=vocabulary.__contains__)
    assert {"인도", "태평양"} <= {t for term in terms for t, kind in term.items() if kind == "exact"}
    assert "태평양" in index_tokens("インド太平洋の平和を確認した。", "ja")
    assert not [t for t in query_terms("인도태평양에서 확인했어?", known={"인도"}.__contains__) if "태평양" in t]
    assert len(query_terms("인도태평양에서 확인했어?")) == len(query_terms("인도태평양에서 확인했어?", known=set().__contains__))


def test_an_english_month_meets_the_number_korean_and_japanese_write_it_with():
    """2월 and 2月 index as the number 2 (Kiwi drops 월, Sudachi splits 2 / 月), which JMdict's 2月 never
    matches: an English month name or abbreviation is the number too, and each of its English forms."""
    feb = next(t for t in query_terms("What was agreed in February 2025?") if "february" in t)
    assert feb["2"] == "strong" and "feb" in feb
    assert "2" in index_tokens("2025년 2월 7일 정상회담", "ko") and "2" in index_tokens("2025年2月7日の首脳会談", "ja")
    sept = next(t for t in query_terms("Sept. 9") if "sept" in t or "sept." in t)
    assert "9" in sept and "september" in sept
    assert not [t for t in query_terms("They may meet again") if "5" in t]  # "may" stays a stop word
    assert not [t for t in query_terms("How did the talks end?") if any(k.isdigit() for k in t)]


def test_an_english_word_whose_translations_the_corpus_lacks_reaches_a_synonym_one_gloss_away():
    """complaint → 不平 → dissatisfaction → 不満: JMdict glosses 不満 only with a later sense of *complaint*.
    Only for a word none of whose direct translations the corpus (``known``) holds (a found one is
    evidence enough, and the extra alternatives only dilute its idf), and only with ``pivot``."""
    def term(known, pivot=True):
        return next(t for t in query_terms("What was the complaint?", pivot=pivot, known=known) if "complaint" in t)

    gap = term(set().__contains__)
    assert gap.get("不満") == "pivot" and gap.get("불만") == "pivot" and gap["不平"] == "strong"
    assert "不満" not in term({"苦情"}.__contains__)  # a direct translation is in the corpus
    assert "不満" not in term(set().__contains__, pivot=False)
    assert "不満" not in term(None)  # no vocabulary to tell a gap by
    assert "不満" in index_tokens("「日本は我々を守らない」と不満を示した。", "ja")


def test_an_english_complaint_question_reaches_the_japanese_fuman_sentence(seed_index):
    """The seeds hold none of complaint's direct translations (苦情, 文句, 不平 …) but do hold 不満: the
    sentence 「日本は我々を守らない」と不満を示した gets keyword evidence through the synonym one gloss away,
    and loses it with ``pivot`` off."""
    question = "What was Trump's complaint about the alliance?"
    rows = [i for i, u in enumerate(seed_index.catalog.units) if "守らない" in u.text and "不満" in u.text]
    assert rows and gains_keyword_only_with(seed_index, question, rows, pivot=0.0)


def test_switching_compound_splits_off_keeps_the_synonyms_of_english_gaps():
    """One flag, one feature: `compounds` off no longer also turned off the synonyms one gloss away."""
    vocabulary = {"不満", "인도", "태평양"}
    complaint = next(t for t in query_terms("What was the complaint?", pivot=True, known=vocabulary.__contains__, compounds=False) if "complaint" in t)
    assert "不満" in complaint
    assert len(query_terms("인도태평양에서 확인했어?", known=vocabulary.__contains__, compounds=False)) == len(query_terms("인도태평양에서 확인했어?"))
    assert len(query_terms("인도태평양에서 확인했어?", known=vocabulary.__contains__)) > len(query_terms("인도태평양에서 확인했어?"))
