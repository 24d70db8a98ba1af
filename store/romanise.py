"""Official romanisations of Ukrainian and Russian text, for exports that add a Latin form beside the original.

- Ukrainian: the national system of the Cabinet of Ministers of Ukraine, resolution No. 55 of 27 January 2010
  (KMU 2010), the one behind Kyiv, Zaporizhzhia, Luhansk, Yahidne and Ukrainian passports. Its special rules:
  є, ї, й, ю, я are Ye, Yi, Y, Yu, Ya at the start of a word and ie, i, i, iu, ia elsewhere; зг is zgh (to
  tell it from жг, zhh); the soft sign and the apostrophe are dropped. No package implements it (ICU's
  transforms lose letters: Запоріжжя -> "Zaporizza").
- Russian: BGN/PCGN 1947 (the US and UK geographic-names boards, used for maps and gazetteers): е and ё are ye
  and yë at the start of a word and after a vowel, й, ъ or ь; ы is y, э is e; the soft sign is ’ and the hard
  sign ” (the optional middle dot between ambiguous pairs such as тс is left out).

Letters of neither language pass through unchanged, so Latin text and numbers are untouched. Capitals follow
the original: Щука -> Shchuka, ЩУКА -> SHCHUKA.
"""

from __future__ import annotations

import re

_COMMON = {
    "а": "a", "б": "b", "в": "v", "д": "d", "е": "e", "ж": "zh", "з": "z", "к": "k", "л": "l", "м": "m",
    "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch",
}  # fmt: skip
# KMU 2010: letter -> (at the start of a word, elsewhere)
_KMU = {
    **{k: (v, v) for k, v in _COMMON.items()},
    "г": ("h", "h"), "ґ": ("g", "g"), "и": ("y", "y"), "і": ("i", "i"), "ї": ("yi", "i"), "й": ("y", "i"),
    "є": ("ye", "ie"), "ю": ("yu", "iu"), "я": ("ya", "ia"), "ь": ("", ""), "'": ("", ""), "’": ("", ""),
    "ʼ": ("", ""),
    # Russian letters in a Ukrainian text (quoted names): as BGN/PCGN writes them
    "ы": ("y", "y"), "э": ("e", "e"), "ё": ("yo", "io"), "ъ": ("", ""),
}  # fmt: skip
# BGN/PCGN 1947: letter -> (at the start of a word or after a vowel, й, ъ, ь; elsewhere)
_BGN = {
    **{k: (v, v) for k, v in _COMMON.items()},
    "г": ("g", "g"), "и": ("i", "i"), "й": ("y", "y"), "е": ("ye", "e"), "ё": ("yë", "ë"), "ы": ("y", "y"),
    "э": ("e", "e"), "ю": ("yu", "yu"), "я": ("ya", "ya"), "ь": ("’", "’"), "ъ": ("”", "”"),
    # Ukrainian letters in a Russian text: as KMU 2010 writes them
    "і": ("i", "i"), "ї": ("yi", "i"), "є": ("ye", "ie"), "ґ": ("g", "g"),
}  # fmt: skip
_BGN_SOFTENERS = set("аеёиоуыэюяйъь")
_LETTERS = re.compile(r"[\u0400-\u04ff'’ʼ]+")
UKRAINIAN = "uk"
RUSSIAN = "ru"
STANDARDS = {UKRAINIAN: "KMU 2010 (Cabinet of Ministers of Ukraine resolution 55)", RUSSIAN: "BGN/PCGN 1947"}


def _cased(latin: str, original: str, next_char: str) -> str:
    if not original.isupper() or not latin:
        return latin
    if len(latin) > 1 and not next_char.isupper():
        return latin[0].upper() + latin[1:]  # Щука -> Shchuka
    return latin.upper()  # ЩУКА -> SHCHUKA


def _first_form_uk(low: str, i: int) -> bool:
    """KMU 2010: the first form at the start of a word (an apostrophe inside a word is no start)."""
    return i == 0 or (not low[i - 1].isalpha() and low[i - 1] not in "'’ʼ")


def _first_form_ru(low: str, i: int) -> bool:
    """BGN/PCGN: the first form at the start of a word and after a vowel, й, ъ or ь."""
    return i == 0 or low[i - 1] in _BGN_SOFTENERS or not low[i - 1].isalpha()


# standard -> (letter table, when a letter takes its first form)
_SYSTEMS = {UKRAINIAN: (_KMU, _first_form_uk), RUSSIAN: (_BGN, _first_form_ru)}


def _word(word: str, lang: str) -> str:
    table, first_form = _SYSTEMS[lang]
    out = []
    low = word.lower()
    for i, ch in enumerate(low):
        pair = table.get(ch)
        if pair is None:
            out.append(word[i])
            continue
        latin = pair[0] if first_form(low, i) else pair[1]
        if lang == UKRAINIAN and ch == "г" and i > 0 and low[i - 1] == "з":
            latin = "gh"  # зг -> zgh (Згорани -> Zghorany), not zh
        out.append(_cased(latin, word[i], word[i + 1] if i + 1 < len(word) else ""))
    return "".join(out)


def romanise(text: str, lang: str) -> str:
    """`text` with its Cyrillic words romanised by the standard of `lang` ('uk': KMU 2010, 'ru': BGN/PCGN);
    other letters unchanged. Any other `lang` gives `text` as it is."""
    if lang not in STANDARDS or not text or text.isascii():
        return text
    return _LETTERS.sub(lambda m: _word(m.group(), lang) if any(c.isalpha() for c in m.group()) else m.group(), text)


def standard_for(text: str | None, lang: str | None) -> str | None:
    """'uk' or 'ru': the standard to romanise `text` by — its language when that is Ukrainian or Russian,
    else what its letters show (Ukrainian і ї є ґ, else Russian); None for a text without Cyrillic."""
    from store.scripts import has_cyrillic

    if not text or not has_cyrillic(text):
        return None
    if lang in STANDARDS:
        return lang
    from store.language import detect

    found = detect(text)
    if found in STANDARDS:
        return found
    return UKRAINIAN if any(ch in "іїєґІЇЄҐ" for ch in text) else RUSSIAN
