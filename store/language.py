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


def check_code(value: str | None) -> str | None:
    """A language code as given (`--lang`, a `lang` field): ISO 639-1 (or 639-2) letters, lower case. Raises
    ValueError for anything else."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a language code (ISO 639-1, such as uk, ru, en)")
    code = value.strip().lower()
    if not _CODE.fullmatch(code):
        raise ValueError(f"{value!r} is not a language code (ISO 639-1, such as uk, ru, en)")
    return code


def name(code: str | None) -> str | None:
    """`Ukrainian (uk)` for display; an unknown code as it is."""
    if not code:
        return None
    return f"{NAMES[code]} ({code})" if code in NAMES else code
