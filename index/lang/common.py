"""Tables across languages: how dates, amounts, units and article numbers are written in any of them.

A sentence in one language answers a question asked in another, so these patterns hold every language's forms
at once (in the order the first match needs) rather than one language's each. Patterns are regex source strings.
"""
from __future__ import annotations

from index.lang import en

#: English month names and their abbreviations, as an alternation.
MONTHS = "|".join(en.MONTHS) + r"|Jan\.|Feb\.|Mar\.|Apr\.|Aug\.|Sept?\.|Oct\.|Nov\.|Dec\."
_WEEKDAYS = "|".join(en.WEEKDAYS)

#: A date or a time: 2026년 1월 2일, 1月2日, 1월 초, 7日, January 2, 2026, 2019, (2.7), 2026-01-02, 금요일, 金曜日,
#: Friday, 오후 3시, 午後3時, 3 p.m., 15:30.
DATE = (
    r"(?:\d{4}\s*(?:년|年)(?:\s*\d{1,2}\s*(?:월|月))?(?:\s*\d{1,2}\s*(?:일|日))?)"
    r"|(?:\d{1,2}\s*(?:월|月)\s*\d{1,2}\s*(?:일|日)?)"
    r"|(?:\d{1,2}\s*(?:월|月)(?:\s*(?:초|중순|말|上旬|中旬|下旬|末))?)"
    r"|(?:(?<![\d.])\d{1,2}\s*(?:일|日)(?![본本]))"
    rf"|(?:\b(?:{MONTHS})(?:\s+\d{{1,2}}(?:st|nd|rd|th)?)?(?:,?\s+\d{{4}})?)"
    r"|(?:\b(?:1[89]|20)\d{2}\b(?!\s*(?:명|人|개|억|조|만|달러|ドル|円|엔|%)))"
    r"|(?:\(\d{1,2}\.\d{1,2}\))|(?:\b20\d{2}[./-]\d{1,2}(?:[./-]\d{1,2})?)"
    rf"|(?:[월화수목금토일]요일|[月火水木金土日]曜日?|\b(?:{_WEEKDAYS})\b)"
    r"|(?:(?:오전|오후|午前|午後)\s*\d{1,2}\s*(?:시|時))|(?:\d{1,2}\s*(?:시|時)(?!間|간))"
    r"|(?:\b\d{1,2}(?::\d{2})?\s*(?:a\.m\.|p\.m\.|am|pm)\b)|(?:\b\d{1,2}:\d{2}\b)"
)
#: An article of a law or contract: 제3조, 第三条, Article 3, 3조.
ARTICLE = (r"제\s*\d+\s*조|第\s*[\d一二三四五六七八九十]+\s*条|\b[Aa]rticles?\s+\d+|\d+\s*조(?![\s]*(?:원|달러|엔|억|만))"
           r"(?=[은는이가를의에와과도,\s·및]|$)|\d+\s*条")
#: An amount or a count: a number with its unit, a bare number, a kanji number with a counter, a Korean native
#: number with a counter, an English number word (matched ignoring case).
NUMBER = (
    r"\d+(?:[.,]\d+)*\s*(?:%|퍼센트|パーセント|조|억|만|천|백|兆|億|万|千|百|달러|ドル|円|엔|원|dollars?|yen|won|million|billion|trillion"
    r"|명|개|그루|번|차례|가지|분|시간|km|킬로|톤|배|人|本|個|件|回|倍|割|名|カ国|か国|ヶ国|国|台|隻|機|分|時間|キロ|トン|歳|세|살)"
    r"|\d+(?:[.,]\d+)*"
    r"|[一二三四五六七八九十百千]+(?:万|億|兆|本|人|個|件|回|倍|割|名|カ国|か国|台)"
    r"|(?:한|두|세|네|다섯|여섯|일곱|여덟|아홉|열|스무)\s?(?:명|개|그루|번|차례|가지|나라|곳)"
    r"|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|thousand|million|billion|trillion)\b"
)

#: The unit a "how many X" question names ("how many minutes", "몇 명", "何パーセント"): the answer is a number of
#: that unit, in whatever language the sentence is written. Classes, not words, so a Korean sentence answers a
#: Japanese question. class: (question words that ask for it, what follows the number in a sentence that gives it),
#: matched ignoring case.
UNITS: dict[str, tuple[str, str]] = {
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
#: A number of a unit, with a large-number word and "some/about" between (3만여 명, 3万余人); ``{unit}`` is the
#: unit's sentence pattern.
UNIT_AMOUNT = r"\d[\d.,]*\s*(?:만|万|천|千|백|百|억|億)?\s*(?:여|余|남짓|あまり|余り)?\s*(?:{unit})"
#: A date question that wants the day itself: "on what date", "何月何日", "몇 월 며칠" (a month alone does not answer).
DAY_ASKED = r"\b(what|which)\s+(exact\s+)?(date|day)\b|\bon\s+what\s+(date|day)\b|何月何日|何日に|몇\s*월\s*며칠|며칠에|며칠이|무슨\s*날"
#: A date that names its day.
DAY = (rf"\d{{1,2}}\s*(?:일|日)(?![본本間간])|(?:{MONTHS})\s+\d{{1,2}}\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{MONTHS})|\(\d{{1,2}}\.\d{{1,2}}\)"
       rf"|\b20\d{{2}}[./-]\d{{1,2}}[./-]\d{{1,2}}|[월화수목금토일]요일|[月火水木金土日]曜日?|\b(?:{_WEEKDAYS})\b")
#: An amount in a table cell: a currency sign before a number, or a currency word or % after it.
AMOUNT = r"[£$€¥₩]\s?\d|\d[\d,.]*\s?(?:원|円|엔|%)"
#: Chinese words that Japanese does not write (question words, particles, simplified forms): a question of Han
#: characters without kana that holds one is taken for Chinese, which the bot does not read.
CHINESE_WORDS = "什么|什麼|为什么|為什麼|怎么|怎麼|哪里|哪裡|哪个|多少钱|谁|吗|嗎|呢|们|們|这|這|给|給|说|說|没有|沒有|还是|还|是"
#: A calendar day ("2월 7일", "지난 7일", "(2.7)"): it says on which day, not for how many.
CALENDAR_DAY = r"\d{1,2}\s*(?:월|月)\s*\d{1,2}\s*(?:일|日)|(?:지난|오는|去る|来る)\s*\d{1,2}\s*(?:일|日)|\(\d{1,2}\.\d{1,2}\)"
