"""English: the words and patterns the pipeline needs to read English questions and text.

Data only; the code that uses it asks :func:`index.lang.rules` by language (or imports a table by name where
only English has one, such as the lemmatiser's irregular forms). Patterns are regex source strings.
"""
from __future__ import annotations

#: Month and weekday names, written once: answer types, the names that are no person's, and the month bridge
#: to 月/월 (index/bridging.py) all read them from here.
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

#: The names of the languages as English writes them (in answers' notes on quoted sources).
LANGUAGE_NAMES = {"en": "English", "ko": "Korean", "ja": "Japanese"}
#: What goes between two sentences of this language when they are joined for display.
SENTENCE_SEPARATOR = " "

# ---------------------------------------------------------------- questions

#: (answer type, pattern) in order of precedence: the first that matches decides (matched ignoring case).
ANSWER_TYPES: list[tuple[str, str]] = [
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
#: Words of a question that say how it asks, not what about (left out of its content words).
QUESTION_WORDS = frozenset({"tell", "say", "said", "according", "much", "many", "kind", "exactly", "exact"})
#: A pronoun or a phrase pointing back into the conversation, and an opening that continues it.
ANAPHORA = r"\b(he|she|it|they|him|her|them|his|its|their|this|that|these|those|there|then|the\s+same|such|else|other|another|also|too)\b"
ELLIPSIS = r"^\s*(and|but|so|what\s+about|how\s+about|why|why\s+not|really|anything\s+else)\b"

# ---------------------------------------------------------------- names

#: A capitalised run, not at the start of a sentence.
NAME = r"(?<![.!?]\s)(?<!^)\b([A-Z][a-z]+[A-Za-z]*(?:-[a-z]+)?(?:[-\s][A-Z][a-z]+[A-Za-z]*(?:-[a-z]+)?)*)"
#: Capitalised words that are no one's name (cut from the front of a capitalised run).
NOT_NAMES = frozenset({"The", "A", "An", "In", "On", "At", "It", "He", "She", "They", "We", "I", "This", "That", "But", "And", "Japan",
                       "Japanese", *MONTHS, *WEEKDAYS, "President", "Minister", "Prime", "Secretary", "Mr", "Ms", "Mrs", "Dr"})
#: A name is a place after one of these words ("the Naval Base in Yokosuka") or when it ends in a place noun.
PLACE_BEFORE = frozenset({"in", "at", "near", "from", "to", "visited", "across", "toward", "towards"})
PLACE_NOUN = (r"\b(Base|City|Prefecture|Island|Islands|Port|Bay|Airport|Station|Hotel|House|Palace|Province|County"
              r"|Street|Park|Expo|Hall|Center|Centre|Building|Lake|River|Mountain|Valley|Castle|Shrine|Temple)$")

# ---------------------------------------------------------------- lines around a document (matched ignoring case)

HEADER_LABELS = r"subject|re|fwd?|from|to|cc|date"
GREETINGS = r"(?:dear|hi|hello|hey|good\s+(?:morning|afternoon|evening))\b"
SIGN_OFFS = (r"^\s*(?:(?:best|kind|warm)\s+regards|regards|many\s+thanks|thanks\s+again|cheers|sincerely|best\s+wishes"
             r"|yours\s+(?:sincerely|truly))\b")
CONTACT_LABELS = r"tel|phone"
ASKS_CONTACT = (r"contact|e-?mail|phone|\bcall\b|reach|get\s+in\s+touch|address"
                r"|who\s+(?:do|should|can)\s+i\s+(?:ask|talk|speak|send|write)")
ASKS_TITLE = r"\btitle\b|\bsubject\s+line\b|what\s+is\s+the\s+(?:e-?mail|document|notice|policy)\s+called"

# ---------------------------------------------------------------- keyword tokens and sentences

STOPWORDS = frozenset({
    "a", "an", "the", "and", "or", "but", "if", "of", "to", "in", "on", "at", "by", "for", "with", "from", "as",
    "is", "are", "was", "were", "be", "been", "being", "am", "do", "does", "did", "has", "have", "had", "it",
    "its", "this", "that", "these", "those", "he", "she", "they", "we", "i", "you", "his", "her", "their",
    "our", "my", "your", "them", "him", "what", "which", "who", "whom", "how", "when", "where", "why", "not",
    "no", "so", "than", "then", "there", "about", "into", "will", "would", "can", "could", "should", "may",
    "might", "did", "s",
})
#: A word token: an initialism (U.S.), or letters and digits with a decimal part and a possessive.
WORD = r"(?:[A-Za-z]\.){2,}|[A-Za-z\u00c0-\u024f0-9]+(?:[.,][0-9]+)*(?:['’][A-Za-z]+)?"
#: Abbreviations whose period ends no sentence.
ABBREVIATIONS = frozenset({
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "no", "nos", "vs", "etc", "inc", "ltd", "co", "corp",
    "gen", "gov", "sen", "rep", "lt", "col", "capt", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
    "sept", "oct", "nov", "dec", "fig", "vol", "pp", "approx", "dept", "est", "al", "e.g", "i.e", "cf",
})

# ---------------------------------------------------------------- loanword keys and the English → Japanese lexicon

#: An inflection a long English word drops before its loanword key (recalling → recall).
LOAN_SUFFIX = r"(ing|ed|es|s)$"
#: The r that Japanese and Korean write as a long vowel (sticker = ステッカー = 스티커).
SILENT_R = r"(?<=[aeiou])r(?=[^aeiouy]|$)"
#: Irregular forms and their lexicon keys (the regular ones are found by suffix rules in index/bridging.py).
IRREGULAR = {
    "gave": "give", "given": "give", "met": "meet", "held": "hold", "made": "make", "took": "take", "taken": "take",
    "said": "say", "told": "tell", "went": "go", "gone": "go", "came": "come", "got": "get", "gotten": "get", "sent": "send",
    "spent": "spend", "sought": "seek", "brought": "bring", "bought": "buy", "thought": "think", "won": "win", "lost": "lose",
    "left": "leave", "kept": "keep", "led": "lead", "paid": "pay", "sold": "sell", "built": "build", "began": "begin",
    "begun": "begin", "spoke": "speak", "spoken": "speak", "wrote": "write", "written": "write", "chose": "choose",
    "chosen": "choose", "saw": "see", "seen": "see", "knew": "know", "known": "know", "rose": "rise", "risen": "rise",
    "fell": "fall", "fallen": "fall", "ran": "run", "struck": "strike", "stood": "stand", "drew": "draw", "drawn": "draw",
    "felt": "feel", "heard": "hear", "understood": "understand", "became": "become", "hit": "hit", "set": "set", "put": "put",
    "cut": "cut", "let": "let", "signed": "sign", "men": "man", "women": "woman", "countries": "country", "did": "do",
}
