"""The language of a text, from its script and its function words: Ukrainian, Russian or English.

Findings and sources record it (`lang`, an ISO 639-1 code) so that a reader knows what they are looking at and
exports can romanise by the right standard. Cyrillic text is Ukrainian or Russian by the letters only one of
them has (і ї є ґ and the apostrophe inside words; ы э ё ъ) and by words only one of them uses (та, що, від,
це; что, это, от, как); Latin text is English when English function words are in it. A text that gives no
such sign (a name, a number, a sentence in another language) has no language: None, never a guess.
"""

from __future__ import annotations

import re

from store.scripts import is_cyrillic

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


def detect(text: str | None) -> str | None:
    """'uk', 'ru', 'en', or None when the text does not say (too short, another language, a bare name)."""
    if not text:
        return None
    latin = cyrillic = 0
    uk = ru = en = 0
    for word in _WORD.findall(text[:20_000]):
        low = word.lower()
        if any(is_cyrillic(ch) for ch in low):
            cyrillic += len(low)
            uk += 2 * sum(ch in _UKRAINIAN_LETTERS for ch in low) + ("'" in low or "’" in low or "ʼ" in low)
            ru += 2 * sum(ch in _RUSSIAN_LETTERS for ch in low)
            if low not in _SHARED:
                uk += low in _UKRAINIAN_WORDS
                ru += low in _RUSSIAN_WORDS
        elif word.isascii():
            latin += len(low)
            en += low in _ENGLISH_WORDS
    if cyrillic > latin:
        if uk > ru:
            return "uk"
        if ru > uk:
            return "ru"
        return None
    if latin and en:
        return "en"
    return None


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
