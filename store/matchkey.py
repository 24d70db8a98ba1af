"""Matching keys: one spelling for the ways a name is written in Latin and Cyrillic, and for its word forms.

Search indexes a key beside the text (`store.schema`: the `keys` column of each full-text index, weighted low),
and a query searches its words' keys there as well as the words themselves, so that `Krim`, `Krym`, `Крым`
and `Крим` find each other, `Lugansk` finds `Луганськ`, and `в Криму` finds `Крим`. Exact words still rank
first: a word matched only through its key scores in the low-weighted column alone.

A word's key (`word_key`), in order:
1. look-alike letters mixed into a word are put in one script (store.scripts.unmixed: `Huаwei` -> Huawei);
2. lower case, no diacritics, no apostrophes or soft/hard signs (a soft or hard sign before a vowel is `i`:
   Запорожье -> zaporozhie, as Zaporozhye writes it);
3. Cyrillic letters in Latin, one table for Ukrainian and Russian (г, ґ -> h; и, і, ї, й, ы -> i; є -> ie;
   ё, э -> e; х -> kh; ц -> ts ...);
4. the rules that bring common romanisations together, each measured on tests/data/word_forms.tsv and
   tests/data/spelling_pairs.tsv (bench/word_forms.py; bench/RESULTS.md has the figures): kh -> h; zh -> z;
   a `c` before e, i, y -> s; w -> v; g -> h; y, j -> i; ie -> e; doubled letters once (also chch, shsh).
   Together: Zaporizhzhia, Zaporizhia, Запоріжжя -> zaporizia; Luhansk, Lugansk,
   Луганськ, Луганск -> luhansk; Huawei, Huawey, Хуавей, Хуавэй -> huavei.

Word forms (`stem_key`): the key of a word minus one ending of Ukrainian or Russian nouns and adjectives
(the `ENDINGS` below, written in Cyrillic and put through the same key), keeping at least MIN_STEM letters,
then the consonant changes of the Ukrainian locative and dative at the end of the stem: ц -> к, з -> г,
с -> х (Каховка, у Новій Каховці; Волноваха, у Волновасі). A word whose last syllable has Ukrainian і between
consonants, which turns into о or е when an ending follows (Харків, Харкова; півострів, півострова), also
has the key with о (`stem_keys`). So Кримського півострова has the stems of Кримський півострів, Донецької
області those of Донецька область, and Запорожской that of Запорожская.

What goes into a `keys` column (`column_keys`): the stem keys of Cyrillic words, and the plain keys of Latin
words written with a capital (names, in English text) — not every English word, which would double the index
for nothing — minus short function words. What a query word searches there (`query_keys`): its key and its
stem key, so a Latin query word reaches the stems of Cyrillic text and the keys of Latin names alike.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache

from store.scripts import has_cyrillic, unmixed

MIN_STEM = 3  # letters a stem keeps: Крим, Криму -> krim; never `kr`
MIN_KEY = 2  # shorter keys are not searched

# One table for Ukrainian and Russian letters (where the two differ, the key rules below bring them together).
_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "є": "ie", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ы": "i", "э": "e", "ю": "iu", "я": "ia", "ь": "", "ъ": "",
}  # fmt: skip
_CYRILLIC_VOWELS = set("аеєёиіїоуыэюя")
_APOSTROPHES = "'’ʼ`"

# Endings of Ukrainian (uk) and Russian (ru) nouns and adjectives, in every case and number. Verbs are left
# alone: the words people search for in findings are names, places and things. The genitive plural -ів, -ов,
# -ев is left out too: it is how many place names end (Харків, Азов, Ростов), and stripping it would part
# Харків from Харкова; so is the dative -ові, -еві (Харкові would lose its о).
ENDINGS_CYRILLIC = (
    # uk nouns
    "а я у ю і ї и е є о ом ем єм ою ею єю ей ам ям ах ях ами ями "
    # uk adjectives
    "ий ій ого його ому йому ім їм ої ою ій их іх ими іми ого ому ім "
    # ru nouns
    "ы ой ей ёй ие ья ье ьи ью ия ию ии ём "
    # ru adjectives (and uk -им)
    "ый ая яя ое ее ые его ему ым им ую юю ых ыми "
).split()

# Words that carry no name: prepositions, conjunctions and particles (uk, ru), and the English ones that
# start sentences. They get no key.
STOP_WORDS = frozenset(
    (
        "в у на і й та з із зі зо до від за по про під над при через для що як це не але а чи же ж то б би "
        "и во с со к ко от из о об что это но или ли бы "
        "the a an in on of and for to by at as with from its their this that these those it is are was were "
        "has have had be been or but not"
    ).split()
)

_WORD = re.compile(r"[^\W\d_]+(?:['’ʼ][^\W\d_]+)*")
_POSSESSIVE = re.compile(r"['’ʼ][sS]$")
_CAPITALISED = re.compile(r"(?<![A-Za-z0-9_'])[A-Z][A-Za-z]*(?:'[A-Za-z]+)*")
_SOFT_C = re.compile(r"c(?=[eiy])")
_DOUBLED = re.compile(r"(chch|shsh|[a-z])\1+")
_FINAL_ALTERNATION = (("ts", "k"), ("z", "h"), ("s", "h"))  # Каховці -> Каховка, Празі -> Прага, Волновасі


def _strip_marks(text: str) -> str:
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def latin_form(word: str) -> str:
    """`word` lower-cased and in Latin letters (steps 1-3 of the key), before the key rules."""
    low = unmixed(word).lower()
    if has_cyrillic(low):
        out = []
        for i, ch in enumerate(low):
            latin = _CYRILLIC.get(ch)
            if latin is None:
                out.append(ch)
            elif ch in "ьъ" and i + 1 < len(low) and low[i + 1] in _CYRILLIC_VOWELS:
                out.append("i")  # Запорожье -> zaporozhie, as in Zaporozhye
            else:
                out.append(latin)
        low = "".join(out)
    low = _strip_marks(low)
    for apostrophe in _APOSTROPHES:
        low = low.replace(apostrophe, "")
    return low


# The key rules, in the order they apply; bench/word_forms.py measures each (what leaving it out costs).
RULES: tuple[tuple[str, Callable[[str], str]], ...] = (
    ("c before e, i, y -> s", lambda s: _SOFT_C.sub("s", s)),
    ("kh -> h", lambda s: s.replace("kh", "h")),
    ("zh -> z", lambda s: s.replace("zh", "z")),
    ("w -> v", lambda s: s.replace("w", "v")),
    ("g -> h", lambda s: s.replace("g", "h")),
    ("y -> i", lambda s: s.replace("y", "i")),
    ("j -> i", lambda s: s.replace("j", "i")),
    ("doubled letters once", lambda s: _DOUBLED.sub(r"\1", s)),
    ("ie -> e", lambda s: _DOUBLED.sub(r"\1", s.replace("ie", "e"))),
)


_active_rules = RULES


def normalise(latin: str) -> str:
    """The key rules (step 4) on a lower-case Latin word."""
    for _name, rule in _active_rules:
        latin = rule(latin)
    return latin


@contextmanager
def rules_in_force(rules: Iterable[tuple[str, Callable[[str], str]]]) -> Iterator[None]:
    """Compute keys with other rules for a while (bench/word_forms.py measures what each rule is worth)."""
    global _active_rules
    saved, _active_rules = _active_rules, tuple(rules)
    _clear_caches()
    try:
        yield
    finally:
        _active_rules = saved
        _clear_caches()


def _clear_caches() -> None:
    word_key.cache_clear()
    stem_keys.cache_clear()
    query_keys.cache_clear()


@lru_cache(maxsize=65536)
def word_key(word: str) -> str:
    """The key of one word: `Zaporizhzhia`, `Запоріжжя` -> 'zaporizia'."""
    return normalise(latin_form(word))


_BY_LENGTH = lambda e: (-len(e), e)  # noqa: E731 - longest first
ENDINGS_CYRILLIC_LONGEST: tuple[str, ...] = tuple(sorted(set(ENDINGS_CYRILLIC), key=_BY_LENGTH))
# What a query word may also have lost: one final vowel, й or ь (Китай searches кита-, as in Китаю).
SHORT_ENDINGS_CYRILLIC = tuple("аяуюіїиеєоыэйь")
# The same endings in key form, for Latin words (Zaporizhzhia -> zaporiz-, as Запоріжжя stems).
ENDINGS: tuple[str, ...] = tuple(sorted({word_key(e) for e in ENDINGS_CYRILLIC} - {""}, key=_BY_LENGTH))
SHORT_ENDINGS = tuple("aeiou")


def _strip(word: str, endings: tuple[str, ...]) -> str:
    for ending in endings:
        if word.endswith(ending) and len(word) - len(ending) >= MIN_STEM:
            return word[: -len(ending)]
    return word


def _alternation(key: str) -> str:
    for final, before in _FINAL_ALTERNATION:
        if key.endswith(final) and len(key) - len(final) >= MIN_STEM - 1:
            return key[: -len(final)] + before
    return key


def stem_key(key: str) -> str:
    """A Latin key without its ending: 'krimu' -> 'krim', 'donetskoi' -> 'donetsk', 'kahovtsi' -> 'kahovk'."""
    return _alternation(_strip(key, ENDINGS))


_IKAVISM = re.compile(r"і([бвгґджзклмнпрстфхцчшщ])(ь?)$")


def _cyrillic_stem(low: str, endings: tuple[str, ...]) -> str:
    return _alternation(word_key(_strip(low.replace("ё", "е"), endings)))


@lru_cache(maxsize=65536)
def stem_keys(word: str) -> tuple[str, ...]:
    """The keys a text's word is indexed by (see the module docstring): its stem key, and for Харків also the
    key with о (harkiv, harkov). Cyrillic words lose their ending in Cyrillic, where endings are told apart
    (Кореї, Корея -> kore; Донецької -> donetsk), Latin words in key form."""
    low = word.lower()
    if not has_cyrillic(low) or not has_cyrillic(unmixed(low)):
        return (stem_key(word_key(low)),)
    keys = [_cyrillic_stem(low, ENDINGS_CYRILLIC_LONGEST)]
    other = _IKAVISM.sub(r"о\1\2", low)
    if other != low:
        alt = _cyrillic_stem(other, ENDINGS_CYRILLIC_LONGEST)
        if alt != keys[0]:
            keys.append(alt)
    return tuple(keys)


def is_stop_word(word: str) -> bool:
    return word.lower() in STOP_WORDS


def words(text: str) -> list[str]:
    """The words of `text` as keys see them: letters, with apostrophes inside (Знам'янка is one word), less an
    English possessive (Russia's is Russia)."""
    return [_POSSESSIVE.sub("", w) for w in _WORD.findall(text)]


@lru_cache(maxsize=65536)
def _is_cyrillic_word(word: str) -> bool:
    return has_cyrillic(word) and has_cyrillic(unmixed(word))


def _joined(keys: Iterable[str]) -> str | None:
    out = " ".join(k for k in keys if len(k) >= MIN_KEY)
    return out or None


def text_keys(*texts: str | None) -> tuple[str | None, str | None]:
    """(keys, stems): what the `keys` and `stems` columns of a text hold. `keys`: the keys of Latin words
    written with a capital (names, in English text) and of words with look-alike letters mixed in; `stems`:
    the stem keys of Cyrillic words. In text order, function words left out; None when there are none (an
    English text without names has neither)."""
    keys: list[str] = []
    stems: list[str] = []
    for text in texts:
        if not text:
            continue
        if text.isascii():  # English: only its capitalised words (the common case, on every import)
            for word in _CAPITALISED.findall(text):
                word = word[:-2] if word.endswith(("'s", "'S")) else word
                if word.lower() not in STOP_WORDS:
                    keys.append(word_key(word))
            continue
        cyrillic = has_cyrillic(text)
        for word in words(text):
            if is_stop_word(word):
                continue
            if cyrillic and _is_cyrillic_word(word):
                stems += stem_keys(word)
            elif word[0].isupper() or (cyrillic and has_cyrillic(word)):
                keys.append(word_key(word))
    return _joined(keys), _joined(stems)


def name_keys(*texts: str | None) -> tuple[str | None, str | None]:
    """(keys, stems) of names and aliases (an entity's few words): the key of every word, whatever its script
    or case, and for the Cyrillic ones every stem a query could reach them by (their `query_keys`: Китай is
    indexed as kitai and kita, so that Китаю finds it), each once."""
    keys: dict[str, None] = {}
    stems: dict[str, None] = {}
    for text in texts:
        for word in words(text or ""):
            if is_stop_word(word):
                continue
            keys.setdefault(word_key(word))
            if _is_cyrillic_word(word):
                stems.update(dict.fromkeys(query_keys(word)[1]))
    return _joined(keys), _joined(stems)


@lru_cache(maxsize=65536)
def query_keys(word: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(keys, stems): what one word of a query searches in the `keys` and the `stems` columns.

    In `stems` (Cyrillic text): its stem keys, its stem with only a last vowel gone (a query names things in
    their base form, which may end in what looks like an ending: Хуавей, as in Хуавея), and its whole key.
    In `keys` (Latin names): its key, and for a Cyrillic word also its stems (Маріуполі finds Mariupol) — but
    not the stems of a Latin word, which would make `China` find `Chin`. ((), ()) for a function word."""
    if is_stop_word(word) or not any(ch.isalpha() for ch in word):
        return (), ()
    low = word.lower()
    key = word_key(low)
    if _is_cyrillic_word(low):
        short = _cyrillic_stem(low, SHORT_ENDINGS_CYRILLIC)
        stems = (*stem_keys(low), short, key)
        keys: tuple[str, ...] = (key, *stem_keys(low))
    else:
        short = _alternation(_strip(key, SHORT_ENDINGS))
        stems = (*stem_keys(low), short, key)
        keys = (key,)
    return _unique(keys), _unique(stems)


def _unique(keys: Iterable[str]) -> tuple[str, ...]:
    return tuple(k for k in dict.fromkeys(keys) if len(k) >= MIN_KEY)


def prefix_key(prefix: str) -> str | None:
    """The key a word being typed searches as a prefix (no ending stripped), or None when it is too short to
    narrow anything."""
    key = word_key(prefix)
    return key if len(key) >= MIN_STEM else None


# ------------------------------------------------------------------------------------------------ tagging
# Article tagging (importers/matcher.py) compares words in their own script: a name needs no other script
# there (the dataset carries each name's Cyrillic forms), and Cyrillic stems romanised would be shorter and
# more alike (Россия, роса). The same endings and consonant changes as above, in Cyrillic.

_CYRILLIC_ALTERNATION = (("ц", "к"), ("з", "г"), ("с", "х"))  # Каховці -> Каховка, Волновасі -> Волноваха


def _cyrillic_form(low: str) -> str:
    low = low.replace("ё", "е")
    for apostrophe in _APOSTROPHES:
        low = low.replace(apostrophe, "")
    return low


def _cyrillic_alternation(stem: str) -> str:
    for final, before in _CYRILLIC_ALTERNATION:
        if stem.endswith(final) and len(stem) > MIN_STEM:
            return stem[: -len(final)] + before
    return stem


def tagging_stem(word: str) -> str:
    """A Cyrillic word of a text as tagging compares it: lower case, its longest ending gone, the consonant
    change undone (Кримського -> кримськ, Каховці -> каховк, России -> росс)."""
    low = _cyrillic_form(word.lower())
    return _cyrillic_alternation(_strip(low, ENDINGS_CYRILLIC_LONGEST))


def tagging_short_stem(word: str) -> str:
    """A Cyrillic word less only a last vowel, й or ь (Китай, Китая, Китаю -> кита): the second reading of a
    text's word, where its longest ending takes too much (Китая -> кит, as an adjective's -ая)."""
    return _cyrillic_alternation(_strip(_cyrillic_form(word.lower()), SHORT_ENDINGS_CYRILLIC))


def tagging_forms(word: str) -> tuple[str, ...]:
    """The forms a Cyrillic word of a name matches in a text: its stem, its stem with only a last vowel, й or
    ь gone (Китай as in Китаю, Хуавей as in Хуавея), the whole word, and for Харків, півострів also the stems
    with о (Харкова, півострова)."""
    low = _cyrillic_form(word.lower())
    forms = [tagging_stem(low), tagging_short_stem(low), low]
    other = _IKAVISM.sub(r"о\1\2", low)
    if other != low:
        forms += [tagging_stem(other), _cyrillic_alternation(_strip(other, SHORT_ENDINGS_CYRILLIC))]
    return tuple(dict.fromkeys(forms))
