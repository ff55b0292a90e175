"""Japanese: the words, parts of speech and patterns the pipeline needs to read Japanese questions and text.

Data only; the code that uses it asks :func:`index.lang.rules` by language (or imports a table by name where
only Japanese has one, such as the romaji of kana). Patterns are regex source strings.
"""
from __future__ import annotations

#: The names of the languages as Japanese writes them (in answers' notes on quoted sources).
LANGUAGE_NAMES = {"en": "英語", "ko": "韓国語", "ja": "日本語"}
#: What goes between two sentences of this language when they are joined for display: nothing.
SENTENCE_SEPARATOR = ""

# ---------------------------------------------------------------- questions

#: (answer type, pattern) in order of precedence: the first that matches decides.
ANSWER_TYPES: list[tuple[str, str]] = [
    ("article", r"第?何条|どの条(項|文)?|何番目の条"),
    ("date", r"いつ|何日|何月|何年|何時(?!間)|日付|何曜日|時期は"),
    ("number", r"いくら|何(本|人|個|件|回|倍|割|%|パーセント|億|兆|万|台|分|時間|ドル|円|名|カ国|か国|ヶ国|隻|機|票|歳|才|キロ|トン)"
               r"|どれ(くらい|ぐらい|ほど)|どの(くらい|ぐらい|程度)|(金額|人数|割合|規模)は"),
    ("person", r"誰|だれ|どなた|どの(首脳|首相|大臣|長官|人物|人|政治家|企業|会社|指導者|国の首脳)|何という人"),
    ("place", r"どこ|どちらで|どの(国|都市|場所|地域|基地|県|州|港|建物)|どの[\u4e00-\u9fff]{1,4}で(?!す|しょう)"),
]
#: Question words, left out of a question's content words.
QUESTION_WORDS = frozenset({"何", "誰", "いつ", "どこ", "どう", "どの", "どんな", "なぜ", "いくら", "何故", "どれ", "どちら"})
ANAPHORA = r"(その|それ|そこ|そちら|彼|彼女|彼ら|この|これ|あの|あれ|同じ|他に|ほかに|ほかの|では|じゃあ|そして|また)"
#: A question this short leans on the conversation (Japanese drops what the context gives).
FOLLOW_UP_MAX_CHARS = 8

# ---------------------------------------------------------------- names

#: Titles after a name (ヘグセス長官, 石破首相).
TITLES = (r"(?:(?:米|前|元|新|現)?(?:国防|国務|財務|官房|防衛|外務)?(?:長官|大統領|首相|総理|外相|防衛相|議員|主席|国王|大使|首脳|大臣|氏|さん"
          r"|会長|社長))")
#: A katakana name before a title.
TITLED = rf"([ァ-ヴー]{{3,}}(?:・[ァ-ヴー]+)*)(?={TITLES})"
#: Place names the tagger misses: a word ending in 県 (prefecture), 基地 (base), 宮 (palace).
PLACE_NAMES = r"[\u4e00-\u9fff]{1,4}(?:県|基地|宮)"

# ---------------------------------------------------------------- lines around a document

HEADER_LABELS = r"件名|差出人|宛先|送信者|日時"
GREETINGS = r"いつも(?:大変)?お世話になって|お世話になって|お疲れ(?:様|さま)です|こんにちは|拝啓"
SIGN_OFFS = r"^\s*(?:よろしくお願い(?:いた)?します|以上|敬具)"
CONTACT_LABELS = r"電話|TEL"
ASKS_CONTACT = r"連絡|問い合わせ|問合せ|メール|電話|番号|住所|誰に|どこに(?:出|送|提出)"
ASKS_TITLE = r"タイトル|件名|題名"

# ---------------------------------------------------------------- sentences and keyword tokens

#: A sentence ending in a predicate (a statement, not a heading).
PREDICATE_END = r"(た|だ|る|い|す|ん|う|ず|ぬ|ない|ます|です|でした|ました|ている|とした|とされる|という)[。！!]?\s*[\"'”’」)]*\s*$"
#: Sudachi parts of speech kept as keyword tokens, and the words among them that say nothing.
CONTENT_POS = frozenset({"名詞", "動詞", "形容詞", "形状詞"})
#: Sudachi's part-of-speech names: noun (kept in its normalised form), proper noun, a word that cannot stand alone,
#: and the kinds of proper noun that name a person or a place.
NOUN_POS = "名詞"
PROPER_NOUN_POS = "固有名詞"
DEPENDENT_POS = "非自立可能"
PERSON_POS = "人名"
PLACE_POS = "地名"
STOPWORDS = frozenset({"する", "為る", "いる", "居る", "ある", "有る", "なる", "成る", "れる", "られる", "こと", "事", "もの", "物",
                       "よう", "様", "ため", "為", "これ", "それ", "その", "此れ", "其れ", "さん", "氏"})
#: Sentence ends, and the brackets a sentence never ends inside.
SENTENCE_END = "。！？!?"
QUOTE_OPEN = "「『（(“"
QUOTE_CLOSE = "」』）)”"
#: Footnote marks in PDF text: only a number at the start of a footnote line.
FOOTNOTE_MARKS = r"(?:^|(?<=\n))[ \t]*\d{1,2}[ \t]+(?=[^\d\s.,)A-Za-z])"

# ---------------------------------------------------------------- sounds

#: Hepburn-like romaji of katakana (index/tokenizing.py ``kana_to_romaji``), with the small kana that change
#: the syllable before them.
KANA_ROMAJI = {
    **dict(zip("アイウエオ", ["a", "i", "u", "e", "o"])),
    **dict(zip("カキクケコ", ["ka", "ki", "ku", "ke", "ko"])),
    **dict(zip("ガギグゲゴ", ["ga", "gi", "gu", "ge", "go"])),
    **dict(zip("サシスセソ", ["sa", "shi", "su", "se", "so"])),
    **dict(zip("ザジズゼゾ", ["za", "ji", "zu", "ze", "zo"])),
    **dict(zip("タチツテト", ["ta", "chi", "tsu", "te", "to"])),
    **dict(zip("ダヂヅデド", ["da", "ji", "zu", "de", "do"])),
    **dict(zip("ナニヌネノ", ["na", "ni", "nu", "ne", "no"])),
    **dict(zip("ハヒフヘホ", ["ha", "hi", "fu", "he", "ho"])),
    **dict(zip("バビブベボ", ["ba", "bi", "bu", "be", "bo"])),
    **dict(zip("パピプペポ", ["pa", "pi", "pu", "pe", "po"])),
    **dict(zip("マミムメモ", ["ma", "mi", "mu", "me", "mo"])),
    **dict(zip("ヤユヨ", ["ya", "yu", "yo"])),
    **dict(zip("ラリルレロ", ["ra", "ri", "ru", "re", "ro"])),
    **dict(zip("ワヰヱヲン", ["wa", "i", "e", "o", "n"])),
    "ヴ": "vu",
}
SMALL_Y = {"ャ": "a", "ュ": "u", "ョ": "o"}
SMALL_V = {"ァ": "a", "ィ": "i", "ゥ": "u", "ェ": "e", "ォ": "o"}
