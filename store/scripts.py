"""Which script a word is written in, and words that mix Latin and Cyrillic look-alike letters.

A word such as `Huаwei` (its `а` is Cyrillic U+0430) looks like Huawei on every screen but is another string:
search would miss it, and a name spelt that way can pass for the real one. `unmixed` gives such a word in one
script (the one most of its letters are in, when every other letter has a look-alike there), so matching
treats `Huаwei` as `Huawei`; `mixed_script_words` lists them, for checks and import summaries that flag them.

Only Latin and Cyrillic are told apart here: they are the scripts of this project's sources, and the ones
whose capital and small letters overlap most (А В Е К М Н О Р С Т Х, а е о р с у х і ј ѕ).
"""

from __future__ import annotations

import re

# Cyrillic letter -> the Latin letter it looks like (the common confusables of Unicode's confusables.txt).
_CYRILLIC_TO_LATIN = {
    "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c", "т": "t",
    "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ӏ": "l", "ь": "b",
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T",
    "У": "Y", "Х": "X", "І": "I", "Ј": "J", "Ѕ": "S", "Ԁ": "D", "Ԛ": "Q", "Ԝ": "W", "Ӏ": "I", "Ь": "b",
}  # fmt: skip
# Latin letter -> the Cyrillic letter it looks like; `b` and `y` go to their small Cyrillic twins.
_LATIN_TO_CYRILLIC = {
    "a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "y": "у", "x": "х", "i": "і", "j": "ј", "s": "ѕ",
    "A": "А", "B": "В", "E": "Е", "K": "К", "M": "М", "H": "Н", "O": "О", "P": "Р", "C": "С", "T": "Т",
    "X": "Х", "Y": "У", "I": "І", "J": "Ј", "S": "Ѕ", "k": "к", "m": "м", "h": "н", "t": "т",
}  # fmt: skip

CYRILLIC_RANGES = ((0x0400, 0x052F), (0x1C80, 0x1C8F), (0x2DE0, 0x2DFF), (0xA640, 0xA69F))
_LATIN_RANGES = ((0x41, 0x5A), (0x61, 0x7A), (0xC0, 0x24F), (0x1E00, 0x1EFF), (0xFF21, 0xFF5A))
_CYRILLIC_CHARS = "".join(f"\\u{a:04x}-\\u{b:04x}" for a, b in CYRILLIC_RANGES)
_HAS_CYRILLIC = re.compile(f"[{_CYRILLIC_CHARS}]")


def _letter_ranges(ranges: tuple[tuple[int, int], ...]) -> str:
    """The letters of `ranges` (`×` and `÷` sit among Latin ones) as the ranges of one character class."""
    parts: list[str] = []
    for a, b in ranges:
        start = None
        for code in range(a, b + 2):
            letter = code <= b and chr(code).isalpha()
            if letter and start is None:
                start = code
            elif not letter and start is not None:
                parts.append(f"\\u{start:04x}-\\u{code - 1:04x}")
                start = None
    return "".join(parts)


# One character class each, so that a word's letters are counted by the regex engine, not a call per letter
# (names of every import are checked: a Python loop over their letters was a tenth of an FtM import).
_LATIN_LETTER = re.compile(f"[{_letter_ranges(_LATIN_RANGES)}]")
_WORD = re.compile(r"[^\W\d_]+(?:['’ʼ][^\W\d_]+)*")


def _in(ranges: tuple[tuple[int, int], ...], ch: str) -> bool:
    code = ord(ch)
    return any(a <= code <= b for a, b in ranges)


def is_cyrillic(ch: str) -> bool:
    return _in(CYRILLIC_RANGES, ch)


def is_latin(ch: str) -> bool:
    return ch.isalpha() and _in(_LATIN_RANGES, ch)


def has_cyrillic(text: str) -> bool:
    """Whether `text` holds a Cyrillic letter (cheap: one regex search, nothing for ASCII text)."""
    return not text.isascii() and _HAS_CYRILLIC.search(text) is not None


def script_counts(word: str) -> tuple[int, int]:
    """(Latin letters, Cyrillic letters) in `word`."""
    if word.isascii():
        return sum(ch.isalpha() for ch in word), 0
    return len(_LATIN_LETTER.findall(word)), len(_HAS_CYRILLIC.findall(word))


def is_mixed(word: str) -> bool:
    """Whether `word` has both Latin and Cyrillic letters."""
    return not word.isascii() and _HAS_CYRILLIC.search(word) is not None and _LATIN_LETTER.search(word) is not None


def unmixed(word: str) -> str:
    """`word` in one script when it mixes Latin and Cyrillic letters and the letters of the smaller part all
    have look-alikes in the larger (`Huаwei` -> `Huawei`, `Kрым` -> `Крым`); any other word as it is. On a tie,
    the word goes to the script into which all its letters can be turned (Latin first)."""
    if not is_mixed(word):
        return word
    latin, cyrillic = script_counts(word)
    to_latin = [_CYRILLIC_TO_LATIN.get(ch, ch) if is_cyrillic(ch) else ch for ch in word]
    to_cyrillic = [_LATIN_TO_CYRILLIC.get(ch, ch) if is_latin(ch) else ch for ch in word]
    latin_ok = all(not is_cyrillic(ch) for ch in to_latin)
    cyrillic_ok = all(not is_latin(ch) for ch in to_cyrillic)
    if latin_ok and (latin >= cyrillic or not cyrillic_ok):
        return "".join(to_latin)
    if cyrillic_ok:
        return "".join(to_cyrillic)
    return word


def mixed_script_words(text: str) -> list[str]:
    """The words of `text` that mix Latin and Cyrillic letters, each once, in order of first appearance."""
    if not text or text.isascii() or not has_cyrillic(text):
        return []
    found: dict[str, None] = {}
    for m in _WORD.finditer(text):
        if is_mixed(m.group()):
            found.setdefault(m.group())
    return list(found)


def described(word: str) -> str:
    """`word` with the letters of its smaller script named, so a reader can see what is odd about it:
    'Huаwei (Cyrillic а U+0430)'."""
    latin, cyrillic = script_counts(word)
    odd = is_cyrillic if cyrillic <= latin else is_latin
    script = "Cyrillic" if cyrillic <= latin else "Latin"
    letters = dict.fromkeys(ch for ch in word if odd(ch))
    return f"{word} ({', '.join(f'{script} {ch} U+{ord(ch):04X}' for ch in letters)})"
