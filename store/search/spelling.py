""" "Did you mean": the nearest words the database holds, for a word of a query that matches nothing.

A word matches nothing when no finding, actor, region or source holds it, as typed or in another spelling
(store.search.variants): `Hauwei`, `Tencnet`, `Genertek`. Its suggestions come from the indexes' own
vocabularies (FTS5 `fts5vocab`, store.schema.VOCABULARY_TABLES): words within one edit of it (two for words of
eight letters or more; a swap of two neighbouring letters is one edit), names first, then the words of
findings by how many findings hold them. The typed word is compared as typed, with the endings the stemmer
changes most changed (`samy` is near `sani`, SANY's stem), and by its start with a long stem (`yuanizaton`
against `yuaniz`, one edit more); its first letter may be one typed for another (`Krimea`). Vocabulary terms
are stems (the index is porter-stemmed); each is
shown as a finding or a name writes it (`payments`, not `payment`).

The vocabulary is read for the words that start like the typed one (its first letter and one of the next two,
so `Hauwei` reads hu- and ha-): at a million findings about 10-100 ms a word, and only for words that match
nothing.
"""

from __future__ import annotations

import re
import sqlite3

from store.query import Query, Term
from store.schema import FTS_COLUMNS, VOCABULARY_TABLES
from store.search.variants import with_keys

MAX_WORDS = 3  # words of one query looked up
MAX_SUGGESTIONS = 3
# the columns whose words are suggested (not the matching keys, nor an actor's summary)
_TEXT_COLUMNS = {
    "evidence": ("claim", "quote", "linked_names"),
    "actors": ("name", "aka"),
    "regions": ("name", "aka", "places"),
}
_PLAIN_WORD = re.compile(r"[^\W\d_]{3,}")
_APOSTROPHES = str.maketrans("", "", "'\u2019")  # inside a word (`зв'язок`, `People’s`): part of it
# First letters typed for one another (`Krimea` for Crimea, `Yran`): the vocabulary is read from both
_FIRST_LETTER_TWINS = {"c": "k", "k": "c", "q": "k", "i": "y", "y": "i", "j": "y", "f": "ph", "v": "w", "w": "v"}
# Sentence punctuation before and after a word (not `:`: `http:` is no word)
_BEFORE, _AFTER = "(«\"'“„[", ".,;!?)»\"'”]"


def unmatched_words(conn: sqlite3.Connection, q: Query) -> list[str]:
    """The words of the query (whole words, not being typed) that no finding, actor, region or source holds."""
    out: list[str] = []
    for clause in q.clauses:
        for term in clause:
            # (punctuation typed beside a word is no part of it: `Hauwei.`, `(Hauwei)`, `Hauwei?` are Hauwei)
            word = term.text.lstrip(_BEFORE).rstrip(_AFTER)
            if term.prefix or not _PLAIN_WORD.fullmatch(word.translate(_APOSTROPHES)) or len(out) >= MAX_WORDS:
                continue
            expr = with_keys(Term(word))
            if not any(_holds(conn, table, expr) for table in ("evidence", "actors", "regions", "sources")):
                out.append(word)
    return out


def _holds(conn: sqlite3.Connection, table: str, expr: str) -> bool:
    sql = f"SELECT 1 FROM {table}_fts WHERE {table}_fts MATCH ? LIMIT 1"
    return conn.execute(sql, [expr]).fetchone() is not None


def distance(a: str, b: str, limit: int) -> int:
    """Edits from `a` to `b` (insert, delete, replace, swap two neighbours); `limit` + 1 once past `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], previous2[j - 2] + 1)
        if min(row) > limit:
            return limit + 1
        previous2, previous = previous, row
    return previous[-1]


def _ranges(word: str) -> list[str]:
    starts = {word[:2]}
    if len(word) > 2:
        starts.add(word[0] + word[2])
    twin = _FIRST_LETTER_TWINS.get(word[0])
    if twin:
        starts.add((twin + word[1:])[:2])
    return sorted(starts)


def _as_stemmed(word: str) -> str:
    """The endings the index's Porter stemmer changes most, changed as it does (`sany` is indexed `sani`,
    `companies` `compani`): a typed word is compared with the indexed stems in both forms."""
    if word.endswith("ies") and len(word) > 4:
        word = word[:-2]
    elif word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        word = word[:-1]
    if word.endswith("y") and len(word) > 2 and any(ch in "aeiou" for ch in word[:-1]):
        word = word[:-1] + "i"
    return word


def suggest_words(conn: sqlite3.Connection, word: str, n: int = MAX_SUGGESTIONS) -> list[str]:
    """Up to `n` words the database holds that are nearest to `word` (see the module docstring)."""
    from store.query import fold

    target = fold(word)
    if len(target) < 3:
        return []
    limit = 2 if len(target) >= 8 else 1
    forms = {target, _as_stemmed(target)}
    scored: dict[str, tuple[int, int, int, str]] = {}  # term -> (distance, names first, -documents, table)
    cut: set[str] = set()  # terms near only the typed word's start
    for rank, table in enumerate(("actors", "regions", "evidence")):
        vocab, columns = VOCABULARY_TABLES[table], _TEXT_COLUMNS[table]
        for start in _ranges(target):
            rows = conn.execute(
                f"SELECT term, col, doc FROM {vocab} WHERE term >= ? AND term < ?", [start, start + "\uffff"]
            )
            for term, col, docs in rows:
                if col not in columns or (term in scored and scored[term][1] <= min(rank, 1)):
                    continue
                d = min(distance(form, term, limit) for form in forms)
                if d > limit and len(term) >= 5 and 0 < len(target) - len(term) <= 5:
                    # a stem the stemmer cut from a longer word (`yuanization` is `yuaniz`): the typed word's
                    # start against it, one edit more, and only when no whole word is near
                    d = distance(target[: len(term)], term, limit - 1) + 1
                    cut.add(term)
                if 0 < d <= limit:
                    scored[term] = (d, min(rank, 1), -docs, table)
    if any(term not in cut for term in scored):
        scored = {term: score for term, score in scored.items() if term not in cut}
    best = sorted(scored.items(), key=lambda kv: (kv[1][0], kv[1][1], kv[1][2], kv[0]))[:n]
    return [_as_written(conn, term, table) for term, (_, _, _, table) in best]


def _as_written(conn: sqlite3.Connection, term: str, table: str) -> str:
    """How a text of `table` writes the indexed term `term` (a stem): the first word the index marks for it."""
    mark, end = "\ufdd0", "\ufdd1"
    columns = _TEXT_COLUMNS[table]
    expr = "{" + " ".join(columns) + "} : " + Term(term).fts()
    picks = ", ".join(f"highlight({table}_fts, {FTS_COLUMNS[table].index(c)}, ?, ?)" for c in columns)
    row = conn.execute(
        f"SELECT {picks} FROM {table}_fts WHERE {table}_fts MATCH ? LIMIT 1", [mark, end] * len(columns) + [expr]
    ).fetchone()
    for text in row or ():
        if text and mark in text:
            start = text.index(mark) + 1
            return text[start : text.index(end, start)]
    return term


def word_notes(conn: sqlite3.Connection, q: Query) -> list[tuple[str, list[str]]]:
    """(word, suggestions) for each word of the query that matches nothing."""
    # (a word with an apostrophe is indexed as two, `it` and `s`: no word of the index is near it whole)
    return [
        (word, [] if word != word.translate(_APOSTROPHES) else suggest_words(conn, word))
        for word in unmatched_words(conn, q)
    ]


def no_word(word: str, suggestions: list[str]) -> str:
    """The note for a word that matches nothing."""
    shown = " ".join(word.split())[:40]
    if suggestions:
        return f"no finding, actor, region or source has '{shown}' — did you mean {', '.join(suggestions)}?"
    return f"no finding, actor, region or source has '{shown}'"


def corrected(text: str, corrections: list[tuple[str, str]]) -> str:
    """`text` with each (word, replacement) put in, at the word's first whole-word occurrence."""
    for word, replacement in corrections:
        text = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", replacement.replace("\\", "\\\\"), text, count=1)
    return text
