"""Korean: the words, tags and patterns the pipeline needs to read Korean questions and text.

Data only; the code that uses it asks :func:`index.lang.rules` by language (or imports a table by name where
only Korean has one, such as the romanisation of Hangul). Patterns are regex source strings.
"""
from __future__ import annotations

#: The names of the languages as Korean writes them (in answers' notes on quoted sources).
LANGUAGE_NAMES = {"en": "영어", "ko": "한국어", "ja": "일본어"}
#: What goes between two sentences of this language when they are joined for display.
SENTENCE_SEPARATOR = " "

# ---------------------------------------------------------------- questions

#: (answer type, pattern) in order of precedence: the first that matches decides.
ANSWER_TYPES: list[tuple[str, str]] = [
    ("number", r"몇\s*(조|억|만|천|백)\s*(원|달러|엔|명|개)"),
    ("article", r"몇\s*조(?!\s*(원|달러|엔))|어느\s*조항|어떤\s*조항|제\s*몇\s*조|몇\s*번째\s*조항"),
    ("date", r"언제|며칠|몇\s*월|몇\s*년|몇\s*시|어느\s*날|날짜|연도|몇\s*일에|무슨\s*요일|어느\s*해|시기는"),
    ("number", r"얼마|몇\s*(?!월|년|시|조\b|일에)[가-힣%]|퍼센트|비율|몇\s*%|규모는"),
    ("person", r"누구|누가|어느\s*(정상|총리|대통령|장관|인물|사람|정치인|기업|회사|지도자|나라\s*정상)|어떤\s*(인물|사람)|담당자는"),
    ("place", r"어디|어느\s*(곳|나라|도시|지역|장소|국가|기지|현|항구|건물)|어느\s*(?!정도|만큼)[가-힣]+에서|장소는"),
]
#: Question words and light verbs (as the tokenizer lemmatises them), left out of a question's content words.
QUESTION_WORDS = frozenset({"무엇", "누구", "언제", "어디", "어떻다", "어떤", "어느", "얼마", "몇", "왜", "어떻게", "무슨", "하다", "있다", "되다"})
ANAPHORA = r"(^|\s)(그|그것|그게|그걸|그녀|그들|이것|이게|이걸|거기|그때|그곳|저것|그런|그러면|그럼|그래서|그리고|또|다른)(?=[\s가-힣]|$)"
#: A question this short leans on the conversation (Korean drops what the context gives).
FOLLOW_UP_MAX_CHARS = 8

# ---------------------------------------------------------------- names

#: A proper noun ending so names a place (요코스카항, 오사카시).
PLACE_SUFFIX = r"(현|시|도|군|구|섬|항|기지|궁|공항|주)$"
#: A proper noun followed by one of these is a place.
PLACE_AFTER = frozenset({"현", "시", "도", "기지", "섬", "항", "에서", "주"})
#: A proper noun followed by one of these is a person.
TITLE_AFTER = frozenset({"총리", "대통령", "장관", "위원장", "대사", "의원", "주석", "국왕", "회장", "대표", "씨", "외무상", "방위상", "관방장관",
                         "총무", "교수"})
#: Titles after a name (트럼프 대통령): the word before one is a name, whatever the tagger thought.
TITLES = r"(?:총리|대통령|장관|국방장관|국무장관|위원장|주석|외무상|외무대신|방위상|관방장관|의원|여사|대사|회장|대표|총무|회계|씨)"
#: A name before a title, the title then not followed by more Hangul.
TITLED = rf"([가-힣]{{2,5}})\s?{TITLES}(?![가-힣]{{2}})"
#: Place names the tagger misses: a word ending in 현 (prefecture), 기지 (base), 궁 (palace).
PLACE_NAMES = r"[가-힣]{2,}(?:현|기지|궁)"

# ---------------------------------------------------------------- lines around a document

HEADER_LABELS = r"제목|보낸\s*사람|받는\s*사람|참조"
GREETINGS = r"안녕하세요|안녕하십니까|수고\s*많으십니다"
SIGN_OFFS = r"^\s*(?:감사합니다|고맙습니다|잘\s*부탁드립니다)[.!]?\s*$"
CONTACT_LABELS = r"전화|연락처"
ASKS_CONTACT = r"연락|문의|이메일|메일|전화|번호|주소|누구(?:한테|에게)|어디로"
ASKS_TITLE = r"제목"

# ---------------------------------------------------------------- sentences and keyword tokens

#: A sentence ending in a predicate (a statement, not a heading).
PREDICATE_END = r"(다|요|죠|음|함|됨|임|니다|습니다|했음|였음)[.!]?\s*[\"'”’」)]*\s*$"
#: Kiwi tags kept as keyword tokens (nouns, numbers, foreign words, roots) and those lemmatised (verbs, adjectives).
CONTENT_TAGS = frozenset({"NNG", "NNP", "NR", "SN", "SH", "XR", "SL"})
#: Kiwi's tags of a proper noun (it gets phonetic name keys) and of the nouns that get loanword keys.
PROPER_NOUN_TAG = "NNP"
NOUN_TAGS = ("NNP", "NNG")
PREDICATE_TAGS = frozenset({"VV", "VA"})
#: The ending of a verb's or adjective's dictionary form (the lemma of 방문했 is 방문하다).
DICTIONARY_ENDING = "다"
STOPWORDS = frozenset({"하다", "되다", "있다", "않다", "이다", "같다", "대하다", "위하다", "통하다"})

_HANGUL = "가-힣"
#: Numbers left by superscript footnote marks in PDF text: glued to a word ("번째1", "5조2 적용", "가능성31을"),
#: after a sentence end ("했다.29 이와야", "평가했다. 6 일반"), after a parenthesis ("(2.14-2.16) 7:"), at the end
#: of a wrapped line ("고려하겠다”고 27\n") or at the start of a footnote line ("1 첫 번째"). Real numbers stay: a
#: number followed by its unit ("2026년", "1조", "25%"), after Latin ("G20"), or a decimal ("2.0", "1.5 track").
FOOTNOTE_MARKS = "|".join(
    [
        rf"(?<=[{_HANGUL})\]’”」』])(?<!제)(?<!코로나)\d{{1,2}}(?=\s|$|[,.;:])",
        rf"(?<=[{_HANGUL}]{{2}})(?<!코로나)\d{{1,2}}(?=[을를이가은는의에와과도로])",
        rf"(?<=[{_HANGUL})’”」][.,])\d{{1,2}}(?=\s|$)",
        rf"(?<=[{_HANGUL})’”」][.,])\s+\d{{1,2}}(?=\s|$)",
        r"(?<=\))\s+\d{1,2}(?=:|\s+[가-힣])",
        rf"(?<=[{_HANGUL}”’])\s+\d{{1,2}}(?=[ \t]*\n)",
        r"(?:^|(?<=\n))[ \t]*\d{1,2}[ \t]+(?=[^\s.,)%])",
    ]
)

# ---------------------------------------------------------------- sounds

#: A romanisation of Hangul for matching transcribed names (index/tokenizing.py ``hangul_to_romaji``), by the
#: initial, medial and final indices of a precomposed syllable: 어/으 read o/u (as Japanese hears them), a final
#: ㅅ/ㅆ and ㅎ are silent, a final ㅇ is n.
ROMAJI_INITIAL = ["k", "k", "n", "t", "t", "r", "m", "p", "p", "s", "s", "", "j", "j", "ch", "k", "t", "p", "h"]
ROMAJI_MEDIAL = ["a", "e", "ya", "ye", "o", "e", "yo", "ye", "o", "wa", "we", "we", "yo", "u", "wo", "we", "wi", "yu", "u", "i", "i"]
ROMAJI_FINAL = ["", "k", "k", "k", "n", "n", "n", "t", "r", "k", "m", "r", "r", "r", "p", "r", "m", "p", "p", "", "", "n", "t", "t",
                "k", "t", "p", ""]
#: Word-initial readings that change (두음법칙): 녀/뇨/뉴/니 → 여/요/유/이, 랴/려/례/료/류/리 → 야/여/예/요/유/이,
#: 라/래/로/뢰/루/르 → 나/내/노/뇌/누/느; after a vowel or ㄴ, 렬/률 read 열/율.
TO_IEUNG = frozenset("녀뇨뉴니랴려례료류리")
TO_NIEUN = frozenset("라래로뢰루르")
INNER_TO_IEUNG = ("렬", "률")
