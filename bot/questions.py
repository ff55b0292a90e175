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
from index.lang import common, en, ja, joined, ko, rules, union
from index.settings import AnswerWeights, UnitShapes

ANSWER_TYPES = ("date", "number", "person", "place", "article")

# ---------------------------------------------------------------- what the question asks for


def answer_type(question: str, lang: str) -> str | None:
    """'date', 'number', 'person', 'place', 'article' or None (an open question: what, why, how)."""
    text = unicodedata.normalize("NFKC", question)
    for kind, rule in rules(lang).answer_types:
        if rule.search(text):
            if kind == "date" and asked_unit(text) in ("days", "minutes", "hours", "years"):
                return "number"  # "며칠 머물렀어?" asks how many days, not which
            return kind
    return None


# ---------------------------------------------------------------- follow-ups

_QUESTION_WORDS = union("QUESTION_WORDS")


def content_words(question: str) -> list[str]:
    """The question's keyword tokens less its question words ("what", "언제", "何"), in order, once each."""
    from index.tokenizing import tokenize

    return [t for t in dict.fromkeys(tokenize(question)) if t not in _QUESTION_WORDS]


def is_follow_up(question: str, lang: str, content_words: int) -> bool:
    """Does the question lean on the conversation (a pronoun, an ellipsis, almost no content of its own)?

    A self-contained question ("What is the capital of France?") is answered on its own, even mid-chat.
    """
    text = unicodedata.normalize("NFKC", question).strip()
    if content_words <= 1:
        return True
    r = rules(lang)
    if r.anaphora.search(text) or (r.ellipsis is not None and r.ellipsis.search(text)):
        return True
    return r.follow_up_max_chars > 0 and len(text) <= r.follow_up_max_chars


# ---------------------------------------------------------------- what a sentence carries

_DATE = re.compile(common.DATE)
_ARTICLE = re.compile(common.ARTICLE)
_NUMBER = re.compile(common.NUMBER, re.IGNORECASE)
_QUESTION_END = re.compile(r"[?？]\s*[」』\"')]*\s*$")
_SENTENCE_END = re.compile(r"[.!?。！？」』\"')\]…]\s*$")
_PREDICATE_END = tuple(rules(lang).predicate_end for lang in ("ko", "ja"))
_URL = re.compile(r"https?://|www\.")


def _numbers(text: str) -> set[str]:
    return {re.sub(r"\D", "", m) for m in re.findall(r"\d+(?:[.,]\d+)*", text)} - {""}


def _dates(text: str) -> list[str]:
    return [m.group() for m in _DATE.finditer(unicodedata.normalize("NFKC", text))]


_UNIT_RULES = [(name, re.compile(q, re.IGNORECASE), re.compile(common.UNIT_AMOUNT.format(unit=s), re.IGNORECASE))
               for name, (q, s) in common.UNITS.items()]
_DAY_ASKED = re.compile(common.DAY_ASKED, re.IGNORECASE)
_DAY = re.compile(common.DAY)
_CALENDAR_DAY = re.compile(common.CALENDAR_DAY)


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


_PLACE_SUFFIX_KO = re.compile(ko.PLACE_SUFFIX)
_EN_NAME = re.compile(en.NAME)


def _en_names(text: str) -> list[tuple[int, str]]:
    """Capitalised runs of an English text with the titles and function words before them cut off: "Prime
    Minister Sanae Takaichi" is the name Sanae Takaichi (the whole run used to be dropped for its "Prime")."""
    out = []
    for m in _EN_NAME.finditer(text):
        words = m.group(1).split()
        while words and words[0] in en.NOT_NAMES:
            words.pop(0)
        if words:
            out.append((m.start(), " ".join(words)))
    return out


# An English name is a place after "in/at/near/from/to" ("the Naval Base in Yokosuka") or when it ends in a
# place noun ("Osaka Expo", "State Guest House"); any other name is a person's or an organisation's.
_EN_PLACE_NOUN = re.compile(en.PLACE_NOUN)


def _en_place(text: str, start: int, name: str) -> bool:
    before = text[:start].split()
    return bool(_EN_PLACE_NOUN.search(name)) or (bool(before) and before[-1].lower().strip("(,") in en.PLACE_BEFORE)


_TITLED = re.compile(ko.TITLED + "|" + ja.TITLED)
_PLACE_NAMES = re.compile(ko.PLACE_NAMES + "|" + ja.PLACE_NAMES)


@lru_cache(maxsize=4096)
def _tags(text: str) -> tuple[tuple[str, str, str], ...]:
    """(surface, coarse tag, fine tag) per morpheme: Kiwi for Hangul runs, Sudachi for Japanese runs."""
    from index.tokenizing import kiwi, script_runs, sudachi

    out: list[tuple[str, str, str]] = []
    for lang, run in script_runs(text):
        if lang == "ko":
            out += [(t.form, t.tag.split("-")[0], "") for t in kiwi().tokenize(run)]
        elif lang == "ja":
            for m in sudachi().tokenize(run[:4000]):
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
        if tag == ko.PROPER_NOUN_TAG:  # Korean proper noun: a place by its suffix, the word after it, or "에서" (at)
            nxt = tags[i + 1][0] if i + 1 < len(tags) else ""
            is_place = bool(_PLACE_SUFFIX_KO.search(form)) or nxt in ko.PLACE_AFTER
            if (kind == "place") == is_place or (kind == "person" and nxt in ko.TITLE_AFTER):
                names.append(form)
        elif tag == ja.PROPER_NOUN_POS:
            if (kind == "place") == (fine == ja.PLACE_POS):
                names.append(form)
        elif tag == "en":
            for start, word in _en_names(form):
                if (kind == "place") == _en_place(form, start, word):
                    names.append(word)
    if kind == "place":
        names += _PLACE_NAMES.findall(text)
    else:  # a word right before a title is a name, whatever the tagger thought of it
        names += [m.group(1) or m.group(2) for m in _TITLED.finditer(text)]
    return names


def question_names(question: str) -> list[str]:
    """Names of people and places in a question: capitalised English words (not the first), a Korean or
    Japanese word before a title (트럼프 대통령, ヘグセス長官), and Sudachi's personal and place names."""
    text = unicodedata.normalize("NFKC", question)
    names = [m.group(1) or m.group(2) for m in _TITLED.finditer(text)]
    for form, tag, fine in _tags(text):
        if tag == ja.PROPER_NOUN_POS and fine in (ja.PERSON_POS, ja.PLACE_POS) and len(form) >= 2:
            names.append(form)
        elif tag == "en":
            names += [word for _, word in _en_names(form)]
    return list(dict.fromkeys(names))


def sentence_kind(text: str, shapes: UnitShapes = UnitShapes()) -> str:
    """'question', 'heading', 'table' (a row), 'bullet' (a list item naming a topic), 'link' or 'statement'."""
    stripped = unicodedata.normalize("NFKC", text).strip()
    if _QUESTION_END.search(stripped):
        return "question"
    if MARKDOWN_HEADING.match(stripped):
        return "heading"
    if stripped.count("|") >= 2 or is_row_text(stripped):  # a raw row, or one qualified by its header
        return "table"
    if _URL.search(stripped) and len(_URL.sub("", stripped)) < shapes.link_text_chars:
        return "link"
    bullet = bool(BULLET.match(stripped))
    body = strip_bullet(stripped)
    predicate = any(p.search(body) for p in _PREDICATE_END)
    latin = len(re.findall(r"[A-Za-z]", body)) > len(body) / 2
    if latin:
        words = len(body.split())
        if not _SENTENCE_END.search(body) and words < shapes.heading_words:
            return "heading"
        if bullet and words < shapes.bullet_words:
            return "bullet"
        return "statement"
    if bullet and not predicate:
        return "bullet"
    if not predicate and re.search(r"[!！]\s*$", body) and len(body) < shapes.exclamation_chars:
        return "heading"  # an exclamation ("こんにちは!", "大変!") states nothing
    if not _SENTENCE_END.search(body) and not predicate and len(body) < shapes.heading_chars:
        return "heading"
    return "statement"


def near_duplicate(a: str, b: str, threshold: float = AnswerWeights.duplicate_overlap,
                   containment: float = AnswerWeights.duplicate_containment) -> bool:
    """Same sentence give or take punctuation, spacing or a few words (character-trigram Jaccard)."""
    def grams(s: str) -> set[str]:
        s = re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", s).lower())
        return {s[i : i + 3] for i in range(max(1, len(s) - 2))}

    ga, gb = grams(a), grams(b)
    if not ga or not gb:
        return False
    inter = len(ga & gb)
    return inter / len(ga | gb) >= threshold or inter / min(len(ga), len(gb)) >= containment


# ---------------------------------------------------------------- units that are not answers

# Lines around a document rather than in it: an e-mail's header lines, greetings and sign-offs, contact lines. They
# share the question's names (the sender, the product, the venue) and so outrank the sentence that answers; they
# answer only when the question asks for them (issue 19, item 5).
_HEADER_LINE = re.compile(rf"^\s*(?:{joined('HEADER_LABELS')})\s*[:：]", re.IGNORECASE)
_GREETING = re.compile(rf"^\s*(?:{joined('GREETINGS')})", re.IGNORECASE)
_SIGN_OFF = re.compile(joined("SIGN_OFFS"), re.IGNORECASE)
_CONTACT_LINE = re.compile(rf"[\w.+-]+@[\w-]+\.[\w.]+|(?:{joined('CONTACT_LABELS')})\s*[:：.]?\s*\+?\(?\d|\b0\d{{2,4}}[-\s]\d{{3,4}}[-\s]?\d{{3,4}}\b",
                           re.IGNORECASE)
_ASKS_CONTACT = re.compile(joined("ASKS_CONTACT"), re.IGNORECASE)
_ASKS_TITLE = re.compile(joined("ASKS_TITLE"), re.IGNORECASE)


def frame_kind(text: str, first: bool, question: str, shapes: UnitShapes = UnitShapes()) -> str | None:
    """'title' (a document's first line that is no sentence, or an e-mail header line), 'greeting' (a greeting or
    a sign-off) or 'contact' (a line giving an address, e-mail or phone number), when the question does not ask
    for it; None for a unit that may answer."""
    stripped = unicodedata.normalize("NFKC", text).strip()
    q = unicodedata.normalize("NFKC", question)
    if _HEADER_LINE.match(stripped) or (first and sentence_kind(stripped, shapes) in ("heading", "statement") and len(stripped) < shapes.title_chars
                                         and not (any(p.search(stripped) for p in _PREDICATE_END)
                                                  or re.search(r"[.!。！]\s*$", stripped))):
        return None if _ASKS_TITLE.search(q) else "title"
    if _GREETING.match(stripped) or _SIGN_OFF.match(stripped):
        return "greeting"
    if _CONTACT_LINE.search(stripped) and len(stripped) < shapes.contact_chars:
        return None if _ASKS_CONTACT.search(q) else "contact"
    return None
