"""Finding known names in text: whole words, case- and diacritic-insensitive, longest match first.

Text and names are cut into word tokens and normalised the same way (diacritics removed, case folded, a
possessive "'s" dropped, so "China's" is "china" and "Zaporižžja" is "zaporizzja"). Every name and every
prefix of a name goes into one dict keyed by its space-joined tokens; scanning the text tries, at each word,
one, two, three ... words until the dict has no such prefix, and keeps the longest complete name. The cost
is one dict probe per word plus one per extra word of a matching name, so 100,000 names cost about what 100
do: pure Python, no compiled dependency.

Word boundaries come with the tokens: "Chinatown" is one word and never "China"; hyphens split words, so
"Kherson-based" mentions Kherson and "Rostov-on-Don" is three words that no name here covers.

Ukrainian and Russian words are compared by their stems (store.matchkey.tagging_stem: the ending gone, the
consonant change of the locative undone), and each Cyrillic word of a name stands for the forms it takes
(`tagging_forms`; a word of the text is also read less only its last vowel, `tagging_short_stem`, for a
one-word name: "из Китая" mentions Китай), so "в Криму" mentions Крим, "Кримського півострова" Кримський
півострів, "у Новій Каховці" Нова Каховка; "Херсонес" stays another word than "Херсон", and "Кримський"
alone (a surname) is no mention of the peninsula. Latin and Cyrillic words never match each other here (names
carry their Cyrillic forms as aliases), and a word mixing look-alike letters of both is read in the script of
most of them (Huаwei).

Short all-capital names (DPR, LPR, PRC, ДНР) match only in capitals, so that an alias like "US" would never
hit the word "us". A name with no targets is a blocker: it consumes its words and tags nothing (places
outside the occupied regions that contain a region's name).
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from store.matchkey import tagging_forms, tagging_short_stem, tagging_stem
from store.scripts import has_cyrillic, unmixed

Target = tuple[str, str]  # (kind, id): ("actor", "china"), ("region", "crimea")

_WORD = re.compile(r"\w+(?:['’]\w+)*")
_POSSESSIVE = ("'s", "’s", "'S", "’S")
MAX_CASED = 3  # all-capital names up to this length match in capitals only
MAX_FORMS = 64  # spellings of one name in the table (each Cyrillic word stands for a few forms)
CYRILLIC = "="  # Cyrillic stems are kept apart from Latin words: `=крим`


def strip_diacritics(text: str) -> str:
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _plain(word: str) -> str:
    """A word without possessive or diacritics, case kept."""
    if word.endswith(_POSSESSIVE):
        word = word[:-2]
    return strip_diacritics(word.replace("’", "'"))


def _is_cyrillic(word: str) -> bool:
    return has_cyrillic(word) and has_cyrillic(unmixed(word))


@lru_cache(maxsize=65536)
def _normalised(word: str) -> str:
    """One word of a text as `words` gives it ('' for none): texts repeat their words, so each is worked out
    once (names, places and claims of a large import were a tenth of its time here)."""
    if has_cyrillic(word):
        word = unmixed(word)
        if has_cyrillic(word):
            return CYRILLIC + tagging_stem(word)
    return _plain(word).casefold()


def words(text: str) -> list[tuple[str, int, int]]:
    """The words of `text`, normalised, with their start and end offsets in `text`."""
    out = []
    for m in _WORD.finditer(text):
        norm = _normalised(m.group())
        if norm:
            out.append((norm, m.start(), m.end()))
    return out


def name_forms(name: str) -> list[list[str]]:
    """The normalised words of a name, each with the forms it matches in a text (one for a Latin word)."""
    out = []
    for m in _WORD.finditer(name):
        word = unmixed(m.group())
        if _is_cyrillic(word):
            out.append([CYRILLIC + f for f in tagging_forms(word)])
        else:
            norm = _plain(word).casefold()
            if norm:
                out.append([norm])
    return out


def key_of(name: str) -> str:
    """The normalised form names are compared by: 'Donetsk People’s Republic' -> 'donetsk people republic'."""
    return " ".join(w for w, _, _ in words(name))


def _cased_form(name: str) -> str | None:
    plain = " ".join(_plain(m.group()) for m in _WORD.finditer(name))
    letters = plain.replace(" ", "")
    if letters.isalpha() and letters.isupper() and len(letters) <= MAX_CASED:
        return plain
    return None


@dataclass(frozen=True, slots=True)
class Mention:
    start: int
    end: int
    text: str
    targets: tuple[Target, ...]


class _Entry:
    """What a complete name maps to: targets that match in any case, and per cased form its targets."""

    __slots__ = ("any_case", "blocker", "cased")

    def __init__(self) -> None:
        self.any_case: set[Target] = set()
        self.cased: dict[str, set[Target]] = {}
        self.blocker = False


class Matcher:
    """A multi-name matcher; add names, then `find` them in texts."""

    def __init__(self) -> None:
        # "donetsk people republic" -> _Entry; each proper prefix ("donetsk people") -> None unless a name itself
        self._table: dict[str, _Entry | None] = {}
        self.names = 0

    def add(self, name: str, targets: Iterable[Target] = ()) -> bool:
        """Add a name (no targets: a blocker). Returns False when the name has no words."""
        forms = name_forms(name)
        if not forms:
            return False
        targets = set(targets)
        cased = _cased_form(name)
        for toks in itertools.islice(itertools.product(*forms), MAX_FORMS):
            key = toks[0]
            for tok in toks[1:]:
                self._table.setdefault(key, None)
                key = f"{key} {tok}"
            entry = self._table.get(key)
            if entry is None:
                entry = self._table[key] = _Entry()
            if not targets:
                entry.blocker = True
            elif cased is not None:
                entry.cased.setdefault(cased, set()).update(targets)
            else:
                entry.any_case.update(targets)
        self.names += 1
        return True

    def __len__(self) -> int:
        return self.names

    def find(self, text: str) -> list[Mention]:
        """Non-overlapping mentions, leftmost first and longest at each place; blockers are left out."""
        toks = words(text)
        table = self._table
        out: list[Mention] = []
        i, n = 0, len(toks)
        while i < n:
            key = toks[i][0]
            best: tuple[int, set[Target]] | None = None
            j = i
            while True:
                if key not in table:
                    break
                entry = table[key]
                if entry is not None:
                    hit = self._resolve(entry, text, toks, i, j)
                    if hit is not None:
                        best = (j, hit)
                j += 1
                if j >= n:
                    break
                key = f"{key} {toks[j][0]}"
            if best is None:
                best = self._short_form(text, toks, i)
            if best is None:
                i += 1
                continue
            end_index, targets = best
            start, end = toks[i][1], toks[end_index][2]
            if targets:
                out.append(Mention(start, end, text[start:end], tuple(sorted(targets))))
            i = end_index + 1
        return out

    def _short_form(self, text: str, toks: list, i: int) -> tuple[int, set[Target]] | None:
        """A one-word name the i-th word is in its short stem (only a last vowel gone), where its stem took
        more: the Russian genitive Китая (stem кит, as the adjective ending -ая) is Китай (кита)."""
        word, start, end = toks[i]
        if not word.startswith(CYRILLIC):
            return None
        entry = self._table.get(CYRILLIC + tagging_short_stem(unmixed(text[start:end])))
        hit = None if entry is None else self._resolve(entry, text, toks, i, i)
        return None if hit is None else (i, hit)

    @staticmethod
    def _resolve(entry: _Entry, text: str, toks: list, i: int, j: int) -> set[Target] | None:
        targets = set(entry.any_case)
        if entry.cased:
            plain = " ".join(_plain(text[s:e]) for _, s, e in toks[i : j + 1])
            targets |= entry.cased.get(plain, set())
        if targets:
            return targets
        return set() if entry.blocker else None

    def tags(self, text: str) -> list[Target]:
        """Every target mentioned in `text`, each once, in order of first mention."""
        seen: dict[Target, None] = {}
        for mention in self.find(text):
            for target in mention.targets:
                seen.setdefault(target, None)
        return list(seen)
