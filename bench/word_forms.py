"""Recall and false matches of the matching key (store/matchkey.py) on word lists written for this project.

    .venv/bin/python bench/word_forms.py            # the figures, then what leaving out each key rule costs

- Word forms (tests/data/word_forms.tsv): Ukrainian and Russian inflected forms of the names, places and nouns
  of findings (Криму / Крим, Донецької / Донецька, Каховці / Каховка). A pair is found when a query for one
  form finds a text holding the other, in either direction, as search does it: a query word searches its
  `query_keys`, a Cyrillic word of a text is indexed by its `stem_keys`, a capitalised Latin word by its key.
- Spellings (tests/data/spelling_pairs.tsv): other scripts and romanisations of one name (`yes`), and near
  names that must stay apart (`no`: Херсон / Херсонес, Crimea / crime, Krasnodon / Krasnodar).
- English words: the distinct words of the seed report and the dataset's claims, written with a capital as a
  name would be; how many share an index key with another word that the FTS stemmer (porter) keeps apart.
"""

from __future__ import annotations

import re
import sqlite3
import sys
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from store import matchkey  # noqa: E402

DATA = ROOT / "tests" / "data"


def _rows(name: str) -> list[list[str]]:
    out = []
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            out.append(line.split("\t"))
    return out


def word_forms() -> list[tuple[str, str]]:
    return [(row[0], row[1]) for row in _rows("word_forms.tsv")]


def spelling_pairs() -> list[tuple[str, str, bool]]:
    return [(row[0], row[1], row[2].strip() == "yes") for row in _rows("spelling_pairs.tsv")]


def indexed(word: str) -> set[tuple[str, str]]:
    """What a text's `keys` and `stems` columns hold for `word` (a Latin word written with a capital, as names
    are), as (column, key) pairs."""
    keys, stems = matchkey.text_keys(word)
    return {("keys", k) for k in (keys or "").split()} | {("stems", k) for k in (stems or "").split()}


def queried(word: str) -> set[tuple[str, str]]:
    keys, stems = matchkey.query_keys(word)
    return {("keys", k) for k in keys} | {("stems", k) for k in stems}


def finds(query: str, text: str) -> bool:
    """Whether a search for `query` finds a text holding `text` through the keys."""
    return bool(queried(query) & indexed(text))


def meet(one: str, other: str) -> bool:
    return finds(one, other) or finds(other, one)


def english_words() -> list[str]:
    text = (ROOT.parent / "shared" / "seed" / "report-article.txt").read_text(encoding="utf-8")
    for path in sorted((ROOT / "dataset").glob("*.yaml")):
        text += "\n" + path.read_text(encoding="utf-8")
    words = {w.lower() for w in re.findall(r"[A-Za-z]{4,}", text)}
    return sorted(words)


def porter_stems(words: Iterable[str]) -> dict[str, str]:
    """Each word's stem as the FTS index (porter) makes it."""
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(w, tokenize = 'porter unicode61 remove_diacritics 2')")
    conn.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, instance)")
    words = list(words)
    conn.executemany("INSERT INTO t (rowid, w) VALUES (?, ?)", enumerate(words, 1))
    stems = {words[doc - 1]: term for term, doc in conn.execute("SELECT term, doc FROM v")}
    conn.close()
    return stems


def merged_english(words: list[str], stems: dict[str, str]) -> list[tuple[str, ...]]:
    """Groups of English words that porter keeps apart and one index key brings together."""
    by_key: dict[tuple[str, str], set[str]] = defaultdict(set)
    for word in words:
        for key in indexed(word.capitalize()):
            by_key[key].add(word)
    groups = set()
    for word in words:
        together = {word}
        for key in queried(word.capitalize()):
            together |= by_key[key]
        if len({stems.get(w) for w in together}) > 1:
            groups.add(tuple(sorted(together)))
    return sorted(groups)


def measure(*, english: bool = True) -> dict:
    forms = word_forms()
    pairs = spelling_pairs()
    same = [(a, b) for a, b, yes in pairs if yes]
    apart = [(a, b) for a, b, yes in pairs if not yes]
    out = {
        # a query in the stored (base) form finds texts in every form: what people type
        "stored form finds the inflected": (sum(finds(b, f) for f, b in forms), len(forms)),
        "inflected form finds the stored": (sum(finds(f, b) for f, b in forms), len(forms)),
        "word forms missed": [(f, b) for f, b in forms if not finds(b, f)],
        "spellings": (sum(meet(a, b) for a, b in same), len(same)),
        "spellings missed": [(a, b) for a, b in same if not meet(a, b)],
        "false matches": (sum(meet(a, b) for a, b in apart), len(apart)),
        "false matches found": [(a, b) for a, b in apart if meet(a, b)],
    }
    if english:
        words = english_words()
        out["english words"] = len(words)
        out["english merged"] = merged_english(words, porter_stems(words))
    return out


def _share(pair: tuple[int, int]) -> str:
    n, total = pair
    return f"{n}/{total} ({100 * n / total:.1f}%)"


def main() -> None:
    full = measure()
    print(f"stored form finds the inflected: {_share(full['stored form finds the inflected'])}")
    print(f"inflected form finds the stored: {_share(full['inflected form finds the stored'])}")
    print(f"spellings brought together:      {_share(full['spellings'])}")
    print(f"false matches of near names:     {_share(full['false matches'])}")
    merged = full["english merged"]
    print(
        f"English words merged with another by the key: {sum(len(g) for g in merged)} of "
        f"{full['english words']} in {len(merged)} groups"
    )
    for group in merged:
        print("   ", ", ".join(group))
    for label in ("word forms missed", "spellings missed", "false matches found"):
        if full[label]:
            print(f"{label}: " + "; ".join(f"{a} / {b}" for a, b in full[label]))
    print("\nleaving out one rule (stored finds inflected, spellings, false matches, English words merged):")
    for i, (name, _) in enumerate(matchkey.RULES):
        with matchkey.rules_in_force(matchkey.RULES[:i] + matchkey.RULES[i + 1 :]):
            m = measure()
        print(
            f"  without {name:<24} {_share(m['stored form finds the inflected']):>16} {_share(m['spellings']):>16} "
            f"{_share(m['false matches']):>14} {sum(len(g) for g in m['english merged']):>4}"
        )


if __name__ == "__main__":
    main()
