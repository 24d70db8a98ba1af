"""The language of a text, from its script and its function words: Ukrainian, Russian or English.

Findings and sources record it (`lang`, an ISO 639-1 code) so that a reader knows what they are looking at and
exports can romanise by the right standard. Cyrillic text is Ukrainian or Russian by the letters only one of
them has (і ї є ґ and the apostrophe inside words; ы э ё ъ) and by words only one of them uses (та, що, від,
це; что, это, от, как); Latin text is English when English function words are in it. A text that gives no
such sign (a name, a number, a sentence in another language) has no language: None, never a guess.
"""

from __future__ import annotations

import re

NAMES = {"uk": "Ukrainian", "ru": "Russian", "en": "English"}
_CODE = re.compile(r"[a-z]{2,3}")

_UKRAINIAN_LETTERS = frozenset("іїєґ")
_RUSSIAN_LETTERS = frozenset("ыэёъ")
_UKRAINIAN_WORDS = frozenset(
    "та що це від як або також його її їх був була було які який яка буде може між після щодо тому вже "
    "ще де коли ці цей ця було є із зі під над через".split()
)
_RUSSIAN_WORDS = frozenset(
    "и что это от как или также его её их был была было которые который которая будет может между после "
    "уже ещё где когда эти этот эта есть из под над через".split()
)
_SHARED = _UKRAINIAN_WORDS & _RUSSIAN_WORDS
_ENGLISH_WORDS = frozenset(
    "the and of to in is was were are for with that by from on as at this which has have its their".split()
)
_WORD = re.compile(r"[^\W\d_]+(?:['’ʼ][^\W\d_]+)*")


_CYRILLIC_LETTER = re.compile("[\u0400-\u04ff]")
_LATIN_LETTER = re.compile("[A-Za-z]")
_UKRAINIAN_LETTER = re.compile("[іїєґ]")
_RUSSIAN_LETTER = re.compile("[ыэёъ]")
_INNER_APOSTROPHE = re.compile("[\u0400-\u04ff]['’ʼ][\u0400-\u04ff]")
_ASCII_WORD = re.compile(r"[a-z]+")


def detect(text: str | None) -> str | None:
    """'uk', 'ru', 'en', or None when the text does not say (too short, another language, a bare name)."""
    if not text:
        return None
    text = text[:20_000].lower()
    if text.isascii():  # the common case, on every import: a few microseconds
        return "en" if _english(text) else None
    cyrillic = len(_CYRILLIC_LETTER.findall(text))
    if cyrillic <= len(_LATIN_LETTER.findall(text)):
        return "en" if _english(text) else None
    uk = 2 * len(_UKRAINIAN_LETTER.findall(text)) + len(_INNER_APOSTROPHE.findall(text))
    ru = 2 * len(_RUSSIAN_LETTER.findall(text))
    for word in _WORD.findall(text):
        if word not in _SHARED:
            uk += word in _UKRAINIAN_WORDS
            ru += word in _RUSSIAN_WORDS
    if uk > ru:
        return "uk"
    if ru > uk:
        return "ru"
    return None


_COMMON_ENGLISH = (" the ", " of ", " and ", " in ", " to ", " is ", " was ", " for ")


def _english(low: str) -> bool:
    spaced = f" {low} "
    if any(w in spaced for w in _COMMON_ENGLISH):  # substring tests first: most English text has one
        return True
    return any(m.group() in _ENGLISH_WORDS for m in _ASCII_WORD.finditer(low))


# ISO 639-1: every two-letter language code. A two-letter code outside it names no language (`xx`, `ua`, the
# country code people type for Ukrainian).
ISO_639_1 = frozenset(
    "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz "
    "ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik "
    "io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml "
    "mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd "
    "se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi "
    "vo wa wo xh yi yo za zh zu".split()
)
# Three-letter (ISO 639-2/3, as FollowTheMoney and library catalogues write them) codes of languages the
# findings are in or about, for their two-letter code: `ukr` is `uk`, so that `lang:uk` finds it. A language
# without a two-letter code keeps its three letters (Crimean Tatar: crh).
ISO_639_2 = {
    "ukr": "uk", "rus": "ru", "eng": "en", "bel": "be", "pol": "pl", "deu": "de", "ger": "de", "fra": "fr",
    "fre": "fr", "spa": "es", "ita": "it", "por": "pt", "nld": "nl", "dut": "nl", "ces": "cs", "cze": "cs",
    "slk": "sk", "slo": "sk", "ron": "ro", "rum": "ro", "bul": "bg", "srp": "sr", "hrv": "hr", "hun": "hu",
    "lit": "lt", "lav": "lv", "est": "et", "fin": "fi", "swe": "sv", "nor": "no", "dan": "da", "ell": "el",
    "gre": "el", "tur": "tr", "aze": "az", "kat": "ka", "geo": "ka", "hye": "hy", "arm": "hy", "kaz": "kk",
    "uzb": "uz", "tat": "tt", "zho": "zh", "chi": "zh", "jpn": "ja", "kor": "ko", "fas": "fa", "per": "fa",
    "ara": "ar", "heb": "he", "hin": "hi", "vie": "vi",
}  # fmt: skip
# Country codes typed for a language (`lang:ua`): the language meant, for "did you mean uk?".
COUNTRY_FOR_LANGUAGE = {
    "ua": "uk", "by": "be", "cn": "zh", "jp": "ja", "ir": "fa", "gr": "el", "cz": "cs", "dk": "da", "ge": "ka",
    "kp": "ko", "us": "en", "gb": "en", "uk-ua": "uk", "ru-ru": "ru",
}  # fmt: skip
_NOT_A_CODE = "{!r} is not a language code (ISO 639-1, such as uk, ru, en)"


def language_code(value: str) -> str | None:
    """`value` as the code findings are stored with: ISO 639-1 lower case, a three-letter code of a language
    with a two-letter one given as that (`UKR` -> `uk`), other three letters as they are (`crh`); None when
    it is no language code (`xx`, `ua`, `uk-UA`)."""
    code = value.strip().lower()
    if not _CODE.fullmatch(code):
        return None
    if len(code) == 2:
        return code if code in ISO_639_1 else None
    return ISO_639_2.get(code, code)


def check_code(value: str | None) -> str | None:
    """A language code as given (`--lang`, a `lang` field), as stored (`language_code`: ISO 639-1, or three
    letters for a language without two). Raises ValueError for anything else."""
    if value is None:
        return None
    code = language_code(value) if isinstance(value, str) else None
    if code is None:
        raise ValueError(_NOT_A_CODE.format(value))
    return code


def name(code: str | None) -> str | None:
    """`Ukrainian (uk)` for display; an unknown code as it is."""
    if not code:
        return None
    return f"{NAMES[code]} ({code})" if code in NAMES else code
