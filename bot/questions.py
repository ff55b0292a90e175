"""What a question asks for, and whether a sentence says it: answer types, follow-ups, sentence kinds.

Rules over words and the tokenizers' tags (Kiwi for Korean, Sudachi for Japanese), the same in every
corpus: a "when" question wants a sentence with a date in it, a "how much" question an amount, "who" a
name the question does not already hold. Nothing here is fitted to one document; the weights that use
these facts live in :class:`index.settings.AnswerWeights` (``Settings.answering``) and are fitted on the FAQ's dev split.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from index.cleaning import BULLET, MARKDOWN_HEADING, is_row_text, row_values, strip_bullet
from index.languages import MONTHS_EN, WEEKDAYS_EN

ANSWER_TYPES = ("date", "number", "person", "place", "article")

# ---------------------------------------------------------------- what the question asks for

_EN_RULES: list[tuple[str, str]] = [
    ("article", r"\b(which|what)\s+(articles?|clauses?|sections?)\b|\barticle\s+number\b"),
    ("date", r"^\s*(and\s+)?when\b|\b(what|which)\s+(exact\s+)?(date|day|year|month|time|week)s?\b|\bin\s+(which|what)\s+(year|month)s?\b"
             r"|\bon\s+what\s+(date|day)\b|\bwhen\s+(did|was|were|is|will|does|do)\b|\bhow\s+long\s+ago\b"),
    ("number", r"\bhow\s+(much|many|long|far|big|large|often|old|high|low)\b|\b(what|which)\s+(exact\s+)?(percentage|percent|share|amount"
               r"|number|rate|size|sum|figure|price|cost|fee|total|tariff\s+rate|level)\b"),
    ("person", r"^\s*(and\s+)?(who|whom|whose)\b|\bwho\s+(is|was|were|did|had|has|came|met|went|said|became)\b"
               r"|\b(which|what)\s+(leader|minister|official|president|person|people|politician|secretary|premier|chancellor"
               r"|compan(y|ies)|firm|organi[sz]ation|newspaper|king|queen|member|treasurer|chair(man|woman|person)?|ceo|teacher|doctor)s?\b"
               r"|\bname\s+of\s+the\b|\bwho\b"),
    ("place", r"^\s*(and\s+)?where\b|\bwhere\s+(is|was|were|did|do|does|will)\b|\b(which|what)\s+(city|cities|country|countries|place|base|venue|prefecture"
              r"|island|region|state|town|room|building|hotel|site|location|port|province|district)s?\b|\bin\s+what\s+(city|country)\b"),
]
_KO_RULES: list[tuple[str, str]] = [
    ("number", r"몇\s*(조|억|만|천|백)\s*(원|달러|엔|명|개)"),
    ("article", r"몇\s*조(?!\s*(원|달러|엔))|어느\s*조항|어떤\s*조항|제\s*몇\s*조|몇\s*번째\s*조항"),
    ("date", r"언제|며칠|몇\s*월|몇\s*년|몇\s*시|어느\s*날|날짜|연도|몇\s*일에|무슨\s*요일|어느\s*해|시기는"),
    ("number", r"얼마|몇\s*(?!월|년|시|조\b|일에)[가-힣%]|퍼센트|비율|몇\s*%|규모는"),
    ("person", r"누구|누가|어느\s*(정상|총리|대통령|장관|인물|사람|정치인|기업|회사|지도자|나라\s*정상)|어떤\s*(인물|사람)|담당자는"),
    ("place", r"어디|어느\s*(곳|나라|도시|지역|장소|국가|기지|현|항구|건물)|어느\s*(?!정도|만큼)[가-힣]+에서|장소는"),
]
_JA_RULES: list[tuple[str, str]] = [
    ("article", r"第?何条|どの条(項|文)?|何番目の条"),
    ("date", r"いつ|何日|何月|何年|何時(?!間)|日付|何曜日|時期は"),
    ("number", r"いくら|何(本|人|個|件|回|倍|割|%|パーセント|億|兆|万|台|分|時間|ドル|円|名|カ国|か国|ヶ国|隻|機|票|歳|才|キロ|トン)"
               r"|どれ(くらい|ぐらい|ほど)|どの(くらい|ぐらい|程度)|(金額|人数|割合|規模)は"),
    ("person", r"誰|だれ|どなた|どの(首脳|首相|大臣|長官|人物|人|政治家|企業|会社|指導者|国の首脳)|何という人"),
    ("place", r"どこ|どちらで|どの(国|都市|場所|地域|基地|県|州|港|建物)|どの[\u4e00-\u9fff]{1,4}で(?!す|しょう)"),
]
_RULES = {
    "en": [(t, re.compile(p, re.IGNORECASE)) for t, p in _EN_RULES],
    "ko": [(t, re.compile(p)) for t, p in _KO_RULES],
    "ja": [(t, re.compile(p)) for t, p in _JA_RULES],
}


def answer_type(question: str, lang: str) -> str | None:
    """'date', 'number', 'person', 'place', 'article' or None (an open question: what, why, how)."""
    text = unicodedata.normalize("NFKC", question)
    for kind, rule in _RULES.get(lang, _RULES["en"]):
        if rule.search(text):
            if kind == "date" and asked_unit(text) in ("days", "minutes", "hours", "years"):
                return "number"  # "며칠 머물렀어?" asks how many days, not which
            return kind
    return None


# ---------------------------------------------------------------- follow-ups

_QUESTION_WORDS = {
    "무엇", "누구", "언제", "어디", "어떻다", "어떤", "어느", "얼마", "몇", "왜", "어떻게", "무슨", "하다", "있다", "되다",
    "何", "誰", "いつ", "どこ", "どう", "どの", "どんな", "なぜ", "いくら", "何故", "どれ", "どちら",
    "tell", "say", "said", "according", "much", "many", "kind", "exactly", "exact",
}


def content_words(question: str) -> list[str]:
    """The question's keyword tokens less its question words ("what", "언제", "何"), in order, once each."""
    from index.tokenizing import tokenize

    return [t for t in dict.fromkeys(tokenize(question)) if t not in _QUESTION_WORDS]


_EN_ANAPHORA = re.compile(
    r"\b(he|she|it|they|him|her|them|his|its|their|this|that|these|those|there|then|the\s+same|such|else|other|another|also|too)\b",
    re.IGNORECASE,
)
_EN_ELLIPSIS = re.compile(r"^\s*(and|but|so|what\s+about|how\s+about|why|why\s+not|really|anything\s+else)\b", re.IGNORECASE)
_KO_ANAPHORA = re.compile(r"(^|\s)(그|그것|그게|그걸|그녀|그들|이것|이게|이걸|거기|그때|그곳|저것|그런|그러면|그럼|그래서|그리고|또|다른)(?=[\s가-힣]|$)")
_JA_ANAPHORA = re.compile(r"(その|それ|そこ|そちら|彼|彼女|彼ら|この|これ|あの|あれ|同じ|他に|ほかに|ほかの|では|じゃあ|そして|また)")


def is_follow_up(question: str, lang: str, content_words: int) -> bool:
    """Does the question lean on the conversation (a pronoun, an ellipsis, almost no content of its own)?

    A self-contained question ("What is the capital of France?") is answered on its own, even mid-chat.
    """
    text = unicodedata.normalize("NFKC", question).strip()
    if content_words <= 1:
        return True
    if lang == "ko":
        return bool(_KO_ANAPHORA.search(text)) or len(text) <= 8
    if lang == "ja":
        return bool(_JA_ANAPHORA.search(text)) or len(text) <= 8
    return bool(_EN_ANAPHORA.search(text) or _EN_ELLIPSIS.search(text))


# ---------------------------------------------------------------- what a sentence carries

_MONTHS = "|".join(MONTHS_EN) + r"|Jan\.|Feb\.|Mar\.|Apr\.|Aug\.|Sept?\.|Oct\.|Nov\.|Dec\."
_DATE = re.compile(
    r"(?:\d{4}\s*(?:년|年)(?:\s*\d{1,2}\s*(?:월|月))?(?:\s*\d{1,2}\s*(?:일|日))?)"
    r"|(?:\d{1,2}\s*(?:월|月)\s*\d{1,2}\s*(?:일|日)?)"
    r"|(?:\d{1,2}\s*(?:월|月)(?:\s*(?:초|중순|말|上旬|中旬|下旬|末))?)"
    r"|(?:(?<![\d.])\d{1,2}\s*(?:일|日)(?![본本]))"
    rf"|(?:\b(?:{_MONTHS})(?:\s+\d{{1,2}}(?:st|nd|rd|th)?)?(?:,?\s+\d{{4}})?)"
    r"|(?:\b(?:1[89]|20)\d{2}\b(?!\s*(?:명|人|개|억|조|만|달러|ドル|円|엔|%)))"
    r"|(?:\(\d{1,2}\.\d{1,2}\))|(?:\b20\d{2}[./-]\d{1,2}(?:[./-]\d{1,2})?)"
    r"|(?:[월화수목금토일]요일|[月火水木金土日]曜日?|\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b)"
    r"|(?:(?:오전|오후|午前|午後)\s*\d{1,2}\s*(?:시|時))|(?:\d{1,2}\s*(?:시|時)(?!間|간))"
    r"|(?:\b\d{1,2}(?::\d{2})?\s*(?:a\.m\.|p\.m\.|am|pm)\b)|(?:\b\d{1,2}:\d{2}\b)"
)
_ARTICLE = re.compile(r"제\s*\d+\s*조|第\s*[\d一二三四五六七八九十]+\s*条|\b[Aa]rticles?\s+\d+|\d+\s*조(?![\s]*(?:원|달러|엔|억|만))(?=[은는이가를의에와과도,\s·및]|$)|\d+\s*条")
_NUMBER = re.compile(
    r"\d+(?:[.,]\d+)*\s*(?:%|퍼센트|パーセント|조|억|만|천|백|兆|億|万|千|百|달러|ドル|円|엔|원|dollars?|yen|won|million|billion|trillion"
    r"|명|개|그루|번|차례|가지|분|시간|km|킬로|톤|배|人|本|個|件|回|倍|割|名|カ国|か国|ヶ国|国|台|隻|機|分|時間|キロ|トン|歳|세|살)"
    r"|\d+(?:[.,]\d+)*"
    r"|[一二三四五六七八九十百千]+(?:万|億|兆|本|人|個|件|回|倍|割|名|カ国|か国|台)"
    r"|(?:한|두|세|네|다섯|여섯|일곱|여덟|아홉|열|스무)\s?(?:명|개|그루|번|차례|가지|나라|곳)"
    r"|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|thousand|million|billion|trillion)\b",
    re.IGNORECASE,
)
_QUESTION_END = re.compile(r"[?？]\s*[」』\"')]*\s*$")
_SENTENCE_END = re.compile(r"[.!?。！？」』\"')\]…]\s*$")
_KO_PREDICATE_END = re.compile(r"(다|요|죠|음|함|됨|임|니다|습니다|했음|였음)[.!]?\s*[\"'”’」)]*\s*$")
_JA_PREDICATE_END = re.compile(r"(た|だ|る|い|す|ん|う|ず|ぬ|ない|ます|です|でした|ました|ている|とした|とされる|という)[。！!]?\s*[\"'”’」)]*\s*$")
_URL = re.compile(r"https?://|www\.")


def _numbers(text: str) -> set[str]:
    return {re.sub(r"\D", "", m) for m in re.findall(r"\d+(?:[.,]\d+)*", text)} - {""}


def _dates(text: str) -> list[str]:
    return [m.group() for m in _DATE.finditer(unicodedata.normalize("NFKC", text))]


# The unit a "how many X" question names ("how many minutes", "몇 명", "何パーセント"): the answer is a
# number of that unit, in whatever language the sentence is written. Classes, not words, so a Korean
# sentence answers a Japanese question.
_UNITS: dict[str, tuple[str, str]] = {
    # class: (question words that ask for it, what follows the number in a sentence that gives it)
    "percent": (r"퍼센트|%|パーセント|percent(age)?|per\s*cent|what\s+share|(tariff|interest|approval|tax)\s+rate|비율|割合|何割|몇\s*할",
                r"%|퍼센트|パーセント|percent|per\s*cent|割|할"),
    "people": (r"몇\s*명|何(人|名)|how\s+many\s+(people|persons|troops|soldiers|members|students|families|residents|staff|workers|guests|children|participants)",
               r"명|人|名|people|persons|troops|soldiers|members|students|families|residents|staff|workers|guests|children|participants"),
    "minutes": (r"몇\s*분(?!기)|何分|how\s+many\s+minutes", r"분|分|minutes?|min\b"),
    "hours": (r"몇\s*시간|何時間|how\s+many\s+hours", r"시간|時間|hours?|hrs?\b"),
    "days": (r"며칠\s*(동안|간|이나|을|를)?\s*(머물|묵|체류|걸|지속|있었)|몇\s*일\s*(동안|간)|何日間|how\s+many\s+days|how\s+long\s+did\s+\w+\s+stay",
             r"일(?:간|동안)?|日間?|days?|박|泊|nights?"),
    "years": (r"몇\s*년\s*(쯤|이나|간|동안|째)?\s*(됐|되었|지났|걸|했|해\s*왔|이어)|何年間|何年(に|も)?(わた|続)|how\s+many\s+years|how\s+long\s+(has|had)\b",
              r"년|年|years?"),
    "yen": (r"몇\s*엔|何円|いくら.*円|how\s+many\s+yen|in\s+yen", r"엔|円|yen"),
}
_UNIT_RULES = [(name, re.compile(q, re.IGNORECASE), re.compile(rf"\d[\d.,]*\s*(?:만|万|천|千|백|百|억|億)?\s*(?:여|余|남짓|あまり|余り)?\s*(?:{s})", re.IGNORECASE))
               for name, (q, s) in _UNITS.items()]
# "On what date", "何月何日", "몇 월 며칠": a month alone ("in late March") does not answer it.
_DAY_ASKED = re.compile(r"\b(what|which)\s+(exact\s+)?(date|day)\b|\bon\s+what\s+(date|day)\b|何月何日|何日に|몇\s*월\s*며칠|며칠에|며칠이|무슨\s*날", re.IGNORECASE)
_DAY = re.compile(rf"\d{{1,2}}\s*(?:일|日)(?![본本間간])|(?:{_MONTHS})\s+\d{{1,2}}\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTHS})|\(\d{{1,2}}\.\d{{1,2}}\)|\b20\d{{2}}[./-]\d{{1,2}}[./-]\d{{1,2}}|[월화수목금토일]요일|[月火水木金土日]曜日?|\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b")


_CALENDAR_DAY = re.compile(r"\d{1,2}\s*(?:월|月)\s*\d{1,2}\s*(?:일|日)|(?:지난|오는|去る|来る)\s*\d{1,2}\s*(?:일|日)|\(\d{1,2}\.\d{1,2}\)")


def asked_unit(question: str) -> str | None:
    """The unit class a number question names ('percent', 'people', 'minutes', 'days', ...), or 'day' for a
    date question that wants the day itself; None when any number (or any date) answers it."""
    text = unicodedata.normalize("NFKC", question)
    if _DAY_ASKED.search(text):
        return "day"
    for name, rule, _ in _UNIT_RULES:
        if rule.search(text):
            return name
    return None


def carries(sentence: str, kind: str | None, question: str = "") -> bool:
    """Does ``sentence`` hold an answer of ``kind`` that the question does not already state?

    "In which years did Trump meet Kim?" is answered by 2018 and 2019, not by a sentence repeating a
    year the question names; "Who came before Ishiba?" by a name other than Ishiba's. A question that
    names its unit ("how many minutes", "몇 퍼센트", "何月何日") is answered only by a number of that unit
    (a date with its day).
    """
    if kind is None:
        return False
    text = unicodedata.normalize("NFKC", sentence)
    if is_row_text(text):  # a table row answers with its cells, not its column names ("Time", "2024")
        text = row_values(text)
    asked = _numbers(question)
    unit = asked_unit(question) if question else None
    if kind == "date":
        dates = _dates(text)
        if unit == "day":
            dates = [m.group() for m in _DAY.finditer(text)]
        return any(_numbers(d) - asked or not _numbers(d) for d in dates)
    if kind == "article":
        return any(_numbers(m.group()) - asked or not _numbers(m.group()) for m in _ARTICLE.finditer(text))
    if kind == "number":
        rest = _DATE.sub(" ", text) if unit not in ("days", "minutes", "hours", "years") else text
        if unit == "days":  # "2월 7일", "지난 7일", "(2.7)" say on which day, not for how many
            rest = _CALENDAR_DAY.sub(" ", rest)
        rest = _ARTICLE.sub(" ", rest)
        rule = next((r for name, _, r in _UNIT_RULES if name == unit), None)
        found = rule.finditer(rest) if rule is not None else _NUMBER.finditer(rest)
        return any(_numbers(m.group()) - asked or not _numbers(m.group()) for m in found)
    names = proper_nouns(text, kind)
    if not names:
        return False
    own = _question_keys(question)
    return any(not _same_name(n, own) for n in names)


def vague_date(sentence: str) -> bool:
    """Is every date in the sentence a bare weekday ("금요일", "on Monday")? It answers "when" less well
    than a sentence giving the date itself."""
    dates = _dates(sentence)
    return bool(dates) and all(not re.search(r"\d", d) for d in dates)


def _same_name(name: str, known: set[str]) -> bool:
    key = name_key(name)
    return any(key == k or (len(key) >= 3 and (key in k or k in key)) for k in known)


def _question_keys(question: str) -> set[str]:
    """Name keys of every word the question holds: an answer name must be none of them."""
    from index.tokenizing import tokenize, with_hangul_readings

    words = set(with_hangul_readings(tokenize(question)))
    words |= {w.lower() for w in re.findall(r"[A-Z][a-z]+", question)}
    words |= set(proper_nouns(question, "person")) | set(proper_nouns(question, "place"))
    return {name_key(w) for w in words if w}


def name_key(word: str) -> str:
    """A script-independent key for a name (Ishiba = 石破 = 이시바); the word itself when it is too short to key."""
    from index.bridging import name_key as bridge_key

    return bridge_key(word) or unicodedata.normalize("NFKC", word).lower()


_PLACE_SUFFIX_KO = re.compile(r"(현|시|도|군|구|섬|항|기지|궁|공항|주)$")
_TITLE_KO = {"총리", "대통령", "장관", "위원장", "대사", "의원", "주석", "국왕", "회장", "대표", "씨", "외무상", "방위상", "관방장관", "총무", "교수"}
_EN_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b([A-Z][a-z]+[A-Za-z]*(?:-[a-z]+)?(?:[-\s][A-Z][a-z]+[A-Za-z]*(?:-[a-z]+)?)*)")
_EN_NOT_NAMES = {"The", "A", "An", "In", "On", "At", "It", "He", "She", "They", "We", "I", "This", "That", "But", "And", "Japan", "Japanese",
                 *MONTHS_EN, *WEEKDAYS_EN, "President", "Minister", "Prime", "Secretary", "Mr", "Ms", "Mrs", "Dr"}


def _en_names(text: str) -> list[tuple[int, str]]:
    """Capitalised runs of an English text with the titles and function words before them cut off: "Prime
    Minister Sanae Takaichi" is the name Sanae Takaichi (the whole run used to be dropped for its "Prime")."""
    out = []
    for m in _EN_NAME.finditer(text):
        words = m.group(1).split()
        while words and words[0] in _EN_NOT_NAMES:
            words.pop(0)
        if words:
            out.append((m.start(), " ".join(words)))
    return out


# An English name is a place after "in/at/near/from/to" ("the Naval Base in Yokosuka") or when it ends in a
# place noun ("Osaka Expo", "State Guest House"); any other name is a person's or an organisation's.
_EN_PLACE_BEFORE = {"in", "at", "near", "from", "to", "visited", "across", "toward", "towards"}
_EN_PLACE_NOUN = re.compile(r"\b(Base|City|Prefecture|Island|Islands|Port|Bay|Airport|Station|Hotel|House|Palace|Province|County"
                            r"|Street|Park|Expo|Hall|Center|Centre|Building|Lake|River|Mountain|Valley|Castle|Shrine|Temple)$")


def _en_place(text: str, start: int, name: str) -> bool:
    before = text[:start].split()
    return bool(_EN_PLACE_NOUN.search(name)) or (bool(before) and before[-1].lower().strip("(,") in _EN_PLACE_BEFORE)


_TITLES = r"(?:총리|대통령|장관|국방장관|국무장관|위원장|주석|외무상|외무대신|방위상|관방장관|의원|여사|대사|회장|대표|총무|회계|씨)"
_JA_TITLES = r"(?:(?:米|前|元|新|現)?(?:国防|国務|財務|官房|防衛|外務)?(?:長官|大統領|首相|総理|外相|防衛相|議員|主席|国王|大使|首脳|大臣|氏|さん|会長|社長))"
_TITLED = re.compile(rf"([가-힣]{{2,5}})\s?{_TITLES}(?![가-힣]{{2}})|([ァ-ヴー]{{3,}}(?:・[ァ-ヴー]+)*)(?={_JA_TITLES})")


@lru_cache(maxsize=4096)
def _tags(text: str) -> tuple[tuple[str, str, str], ...]:
    """(surface, coarse tag, fine tag) per morpheme: Kiwi for Hangul runs, Sudachi for Japanese runs."""
    from index.tokenizing import _sudachi, kiwi, script_runs

    out: list[tuple[str, str, str]] = []
    for lang, run in script_runs(text):
        if lang == "ko":
            out += [(t.form, t.tag.split("-")[0], "") for t in kiwi().tokenize(run)]
        elif lang == "ja":
            for m in _sudachi().tokenize(run[:4000]):
                pos = m.part_of_speech()
                out.append((m.surface(), pos[1], pos[2]))
        else:
            out.append((run, "en", ""))
    return tuple(out)


def proper_nouns(text: str, kind: str = "person") -> list[str]:
    """Names in ``text``: people and organisations for 'person', places for 'place'."""
    text = unicodedata.normalize("NFKC", text)
    names: list[str] = []
    tags = _tags(text)
    for i, (form, tag, fine) in enumerate(tags):
        if tag == "NNP":  # Korean proper noun: a place by its suffix, the word after it, or "에서" (at)
            nxt = tags[i + 1][0] if i + 1 < len(tags) else ""
            is_place = bool(_PLACE_SUFFIX_KO.search(form)) or nxt in {"현", "시", "도", "기지", "섬", "항", "에서", "주"}
            if (kind == "place") == is_place or (kind == "person" and nxt in _TITLE_KO):
                names.append(form)
        elif tag == "固有名詞":
            if (kind == "place") == (fine == "地名"):
                names.append(form)
        elif tag == "en":
            for start, word in _en_names(form):
                if (kind == "place") == _en_place(form, start, word):
                    names.append(word)
    if kind == "place":
        names += re.findall(r"[가-힣]{2,}(?:현|기지|궁)|[\u4e00-\u9fff]{1,4}(?:県|基地|宮)", text)
    else:  # a word right before a title is a name, whatever the tagger thought of it
        names += [m.group(1) or m.group(2) for m in _TITLED.finditer(text)]
    return names


def question_names(question: str) -> list[str]:
    """Names of people and places in a question: capitalised English words (not the first), a Korean or
    Japanese word before a title (트럼프 대통령, ヘグセス長官), and Sudachi's personal and place names."""
    text = unicodedata.normalize("NFKC", question)
    names = [m.group(1) or m.group(2) for m in _TITLED.finditer(text)]
    for form, tag, fine in _tags(text):
        if tag == "固有名詞" and fine in ("人名", "地名") and len(form) >= 2:
            names.append(form)
        elif tag == "en":
            names += [word for _, word in _en_names(form)]
    return list(dict.fromkeys(names))


def sentence_kind(text: str) -> str:
    """'question', 'heading', 'table' (a row), 'bullet' (a list item naming a topic), 'link' or 'statement'."""
    stripped = unicodedata.normalize("NFKC", text).strip()
    if _QUESTION_END.search(stripped):
        return "question"
    if MARKDOWN_HEADING.match(stripped):
        return "heading"
    if stripped.count("|") >= 2 or is_row_text(stripped):  # a raw row, or one qualified by its header
        return "table"
    if _URL.search(stripped) and len(_URL.sub("", stripped)) < 60:
        return "link"
    bullet = bool(BULLET.match(stripped))
    body = strip_bullet(stripped)
    predicate = bool(_KO_PREDICATE_END.search(body) or _JA_PREDICATE_END.search(body))
    latin = len(re.findall(r"[A-Za-z]", body)) > len(body) / 2
    if latin:
        words = len(body.split())
        if not _SENTENCE_END.search(body) and words < 12:
            return "heading"
        if bullet and words < 6:
            return "bullet"
        return "statement"
    if bullet and not predicate:
        return "bullet"
    if not predicate and re.search(r"[!！]\s*$", body) and len(body) < 16:
        return "heading"  # an exclamation ("こんにちは!", "大変!") states nothing
    if not _SENTENCE_END.search(body) and not predicate and len(body) < 60:
        return "heading"
    return "statement"


def near_duplicate(a: str, b: str, threshold: float = 0.7) -> bool:
    """Same sentence give or take punctuation, spacing or a few words (character-trigram Jaccard)."""
    def grams(s: str) -> set[str]:
        s = re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", s).lower())
        return {s[i : i + 3] for i in range(max(1, len(s) - 2))}

    ga, gb = grams(a), grams(b)
    if not ga or not gb:
        return False
    inter = len(ga & gb)
    return inter / len(ga | gb) >= threshold or inter / min(len(ga), len(gb)) >= 0.9


# ---------------------------------------------------------------- units that are not answers

# Lines around a document rather than in it: an e-mail's header lines, greetings and sign-offs, contact lines. They
# share the question's names (the sender, the product, the venue) and so outrank the sentence that answers; they
# answer only when the question asks for them (issue 19, item 5).
_HEADER_LINE = re.compile(r"^\s*(?:subject|re|fwd?|from|to|cc|date|제목|보낸\s*사람|받는\s*사람|참조|件名|差出人|宛先|送信者|日時)\s*[:：]",
                          re.IGNORECASE)
_GREETING = re.compile(r"^\s*(?:(?:dear|hi|hello|hey|good\s+(?:morning|afternoon|evening))\b|안녕하세요|안녕하십니까|수고\s*많으십니다"
                       r"|いつも(?:大変)?お世話になって|お世話になって|お疲れ(?:様|さま)です|こんにちは|拝啓)", re.IGNORECASE)
_SIGN_OFF = re.compile(r"^\s*(?:(?:best|kind|warm)\s+regards|regards|many\s+thanks|thanks\s+again|cheers|sincerely|best\s+wishes|yours\s+(?:sincerely|truly))\b"
                       r"|^\s*(?:감사합니다|고맙습니다|잘\s*부탁드립니다)[.!]?\s*$|^\s*(?:よろしくお願い(?:いた)?します|以上|敬具)", re.IGNORECASE)
_CONTACT_LINE = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+|(?:tel|phone|전화|연락처|電話|TEL)\s*[:：.]?\s*\+?\(?\d|\b0\d{2,4}[-\s]\d{3,4}[-\s]?\d{3,4}\b", re.IGNORECASE)
_ASKS_CONTACT = re.compile(r"contact|e-?mail|phone|\bcall\b|reach|get\s+in\s+touch|address|who\s+(?:do|should|can)\s+i\s+(?:ask|talk|speak|send|write)"
                           r"|연락|문의|이메일|메일|전화|번호|주소|누구(?:한테|에게)|어디로|連絡|問い合わせ|問合せ|メール|電話|番号|住所|誰に|どこに(?:出|送|提出)",
                           re.IGNORECASE)
_ASKS_TITLE = re.compile(r"\btitle\b|\bsubject\s+line\b|what\s+is\s+the\s+(?:e-?mail|document|notice|policy)\s+called|제목|タイトル|件名|題名", re.IGNORECASE)


def frame_kind(text: str, first: bool, question: str) -> str | None:
    """'title' (a document's first line that is no sentence, or an e-mail header line), 'greeting' (a greeting or
    a sign-off) or 'contact' (a line giving an address, e-mail or phone number), when the question does not ask
    for it; None for a unit that may answer."""
    stripped = unicodedata.normalize("NFKC", text).strip()
    q = unicodedata.normalize("NFKC", question)
    if _HEADER_LINE.match(stripped) or (first and sentence_kind(stripped) in ("heading", "statement") and len(stripped) < 120
                                         and not (_KO_PREDICATE_END.search(stripped) or _JA_PREDICATE_END.search(stripped)
                                                  or re.search(r"[.!。！]\s*$", stripped))):
        return None if _ASKS_TITLE.search(q) else "title"
    if _GREETING.match(stripped) or _SIGN_OFF.match(stripped):
        return "greeting"
    if _CONTACT_LINE.search(stripped) and len(stripped) < 200:
        return None if _ASKS_CONTACT.search(q) else "contact"
    return None
