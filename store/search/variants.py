"""Other scripts, spellings and word forms of a query's words: the FTS5 expressions that search them, and the
words of a text that matched through them.

Every full-text index has two columns of matching keys (store.schema: `keys`, `stems`; store/matchkey.py).
A query word searches the text's own columns for itself, as typed, and the key columns for its keys:

    Krym  ->  (-{keys stems} : "Krym") OR ({keys} : ("krim")) OR ({stems} : ("krim"))

so `Krym` finds `Крим`, `Криму` and `Krim`. The key columns weigh little in the ranking (store.search.tables),
so findings with the word as typed come first, and a hit that matched only through keys is marked as such
(`Hit.variant`). `match:exact` in a query (the explorer: ctrl+t) searches the words as typed only.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable

from store import matchkey
from store.query import Query, Term

EXACT_COLUMNS = "-{keys stems} : "  # the text's own columns: every column but the keys
# How a note names the switch to the words as typed: the explorer shows its key alone (tui/widgets/search.py)
EXACT_HINT = "match:exact (^t in the explorer)"
MAX_KEYED_TERMS = 24  # terms of one query that search their keys (the rest search as typed): bounds the expression


def _quoted(key: str, prefix: bool = False) -> str:
    return '"' + key.replace('"', '""') + '"' + ("*" if prefix else "")


def term_keys(term: Term) -> tuple[list[str], list[str]]:
    """(keys, stems): the FTS5 phrases `term` searches in the `keys` and `stems` columns ([] when none)."""
    words = matchkey.words(term.text)
    if not words:
        return [], []
    if len(words) == 1 and not term.prefix:
        keys, stems = matchkey.query_keys(words[0])
        return [_quoted(k) for k in keys], [_quoted(s) for s in stems]
    if term.prefix and len(words) == 1:
        # a word being typed: the words it starts, or the word itself if it is finished (Криму -> krim)
        tail = matchkey.prefix_key(words[0])
        keys, stems = matchkey.query_keys(words[0])
        start = [_quoted(tail, True)] if tail else []
        return [*start, *map(_quoted, keys)], [*start, *map(_quoted, stems)]
    if term.prefix:
        *head, last = words
        tail = matchkey.prefix_key(last)
        if tail is None:
            return [], []
        keys_head = [matchkey.word_key(w) for w in head if not matchkey.is_stop_word(w)]
        stems_head = [matchkey.stem_keys(w)[0] for w in head if not matchkey.is_stop_word(w)]
        return [_quoted(" ".join([*keys_head, tail]), True)], [_quoted(" ".join([*stems_head, tail]), True)]
    # a phrase: each word's key in the keys column, each word's first stem in the stems column
    content = [w for w in words if not matchkey.is_stop_word(w)]
    if not content:
        return [], []
    phrase_keys = " ".join(matchkey.word_key(w) for w in content)
    phrase_stems = " ".join(matchkey.stem_keys(w)[0] for w in content)
    return [_quoted(phrase_keys)], [_quoted(phrase_stems)]


def exact(term: Term) -> str:
    """The FTS5 expression of `term` as typed, in the text's own columns."""
    return EXACT_COLUMNS + term.fts()


def with_keys(
    term: Term, keep: Callable[[str, list[str]], list[str]] | None = None, linked: list[str] | None = None
) -> str:
    """The FTS5 expression of `term` as typed or through its keys. `keep(column, phrases)` may drop phrases
    (those a table does not hold: store.search.plan prunes them for the findings index). `linked`: phrases
    of the names the word means in another form (`Китаю`: "China"), searched in a finding's linked names."""
    keys, stems = term_keys(term)
    if keep is not None:
        keys, stems = keep("keys", keys), keep("stems", stems)
    parts = [exact(term)]
    if keys:
        parts.append("{keys} : (" + " OR ".join(keys) + ")")
    if stems:
        parts.append("{stems} : (" + " OR ".join(stems) + ")")
    if linked:
        parts.append("{linked_names} : (" + " OR ".join(linked) + ")")
    return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"


def expressions(
    q: Query,
    *,
    variants: bool,
    keep: Callable[[str, list[str]], list[str]] | None = None,
    linked: Callable[[Term], list[str]] | None = None,
) -> tuple[str | None, str | None]:
    """(match, exact) for a parsed query: `match` finds what the query asks for (with variants unless
    `variants` is False); `exact` the same with every word as typed, or None when the two are the same.
    `linked(term)`: the phrases `with_keys` searches in linked names for a term."""
    plain = q.match(exact)
    if not variants or plain is None:
        return plain, None
    keyed = 0

    def term(t: Term) -> str:
        nonlocal keyed
        keyed += 1
        return with_keys(t, keep, linked(t) if linked else None) if keyed <= MAX_KEYED_TERMS else exact(t)

    match = q.match(term)
    return match, (plain if match != plain else None)


def excluded_expression(q: Query, *, variants: bool) -> str | None:
    """The expression of a query's exclusions alone (a query of nothing but `-word`s)."""
    return q.excluded_match(with_keys if variants else exact)


# ---------------------------------------------------------------------------------------- which words matched


def query_key_sets(q: Query) -> tuple[set[str], set[str], list[str]]:
    """(keys, stems, prefixes) that the query's positive words search: what a text's word must have to have
    matched through them."""
    keys: set[str] = set()
    stems: set[str] = set()
    prefixes: list[str] = []
    for clause in q.clauses:
        for term in clause:
            words = matchkey.words(term.text)
            if term.prefix and words:
                key = matchkey.prefix_key(words[-1])
                if key:
                    prefixes.append(key)
                words = words[:-1]
            for word in words:
                k, s = matchkey.query_keys(word)
                keys.update(k)
                stems.update(s)
    return keys, stems, prefixes


def matched_words(text: str, key_sets: tuple[set[str], set[str], list[str]]) -> list[tuple[int, int]]:
    """[start, end) of each word of `text` that a query with these key sets matched through keys."""
    keys, stems, prefixes = key_sets
    spans = []
    for m in _WORD.finditer(text):
        word = m.group()
        if matchkey.is_stop_word(word):
            continue
        word_keys = {matchkey.word_key(word)}
        word_stems = set(matchkey.stem_keys(word))
        hit = word_keys & keys or word_stems & stems or any(k.startswith(p) for k in word_keys for p in prefixes)
        if hit:
            spans.append((m.start(), m.end()))
    return spans


_WORD = re.compile(r"[^\W\d_]+(?:['’ʼ][^\W\d_]+)*")


def highlighted(text: str, key_sets: tuple[set[str], set[str], list[str]], limit: int) -> tuple[str, list]:
    """A window of `text` of about `limit` characters around the first word matched through keys, on one
    line, and the [start, end) ranges of the matched words in it ('' and [] when none matched)."""
    flat = " ".join(text.split())
    spans = matched_words(flat, key_sets)
    if not spans:
        return "", []
    first = spans[0][0]
    start = 0 if first < limit // 3 else flat.rfind(" ", 0, first - limit // 3) + 1
    end = min(len(flat), start + limit)
    if end < len(flat):
        space = flat.rfind(" ", start, end)
        end = space if space > spans[0][1] else end
    lead = "…" if start else ""
    part = lead + flat[start:end] + ("…" if end < len(flat) else "")
    shift = len(lead) - start
    return part, [(a + shift, b + shift) for a, b in spans if a >= start and b <= end]


MAX_FORMS_SHOWN = 5


def variant_note(
    conn: sqlite3.Connection,
    query: Query,
    evidence: tuple[str | None, str | None],
    entities: tuple[str | None, str | None],
) -> str | None:
    """A line saying that the query also finds other spellings and word forms, with the first few it found
    (`also finding other spellings and word forms: Крим, Криму — match:exact (^t in the explorer) for the
    words as typed`); None when every hit has the words as typed. `evidence` and `entities`: the FTS5
    expressions (with variants, as typed) a plan searches findings and names with."""
    pairs = [("evidence", "t.claim, t.quote", *evidence)]
    pairs += [(table, "t.name, t.aka", *entities) for table in ("actors", "regions")]
    key_sets = None
    forms: dict[str, None] = {}
    for table, columns, match, exact_match in pairs:
        if match is None or exact_match is None:
            continue
        sql = (
            f"SELECT {columns} FROM {table}_fts f CROSS JOIN {table} t ON t.rowid = f.rowid "
            f"WHERE {table}_fts MATCH ? LIMIT 20"
        )
        rows = conn.execute(sql, [f"({match}) NOT ({exact_match})"]).fetchall()
        if rows and key_sets is None:
            key_sets = query_key_sets(query)
        for row in rows:
            for text in row:
                if text and key_sets is not None:
                    for a, b in matched_words(text, key_sets):
                        forms.setdefault(text[a:b])
    if not forms:
        return None
    shown = ", ".join(list(forms)[:MAX_FORMS_SHOWN]) + (" …" if len(forms) > MAX_FORMS_SHOWN else "")
    return f"also finding other spellings and word forms: {shown} — {EXACT_HINT} for the words as typed"
