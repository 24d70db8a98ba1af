"""`findings check`: words that mix Latin and Cyrillic look-alike letters (`Huаwei` with a Cyrillic а).

Such a word reads as a name it is not: a typo from a keyboard switched mid-word, or a name disguised on
purpose. Search and tagging read it as the name it looks like (store.scripts.unmixed), so it is no damage;
the check names every record that has one, for a person to look at, and does not fail (a disguised name
quoted from a source is evidence, and stays as it was written).
"""

from __future__ import annotations

import sqlite3

from store.check import EXAMPLES, Finding
from store.scripts import described, has_cyrillic, mixed_script_words

NAME = "words mixing Latin and Cyrillic letters"

# (kind, SQL of (id, text) rows): the names and texts a person reads
_TEXTS = (
    ("actor", "SELECT id, name FROM actors UNION ALL SELECT ref_id, alias FROM aliases WHERE kind = 'actor'"),
    ("region", "SELECT id, name FROM regions UNION ALL SELECT ref_id, alias FROM aliases WHERE kind = 'region'"),
    ("place", "SELECT name, name FROM gazetteer"),
    ("source", "SELECT id, title FROM sources UNION ALL SELECT id, publisher FROM sources"),
    ("finding", "SELECT id, claim FROM evidence UNION ALL SELECT id, quote FROM evidence WHERE quote IS NOT NULL"),
)


def check_mixed_scripts(conn: sqlite3.Connection) -> Finding:
    """Every record with a word mixing Latin and Cyrillic look-alike letters: ok (nothing is damaged), with
    the count and the first examples."""
    found: dict[tuple[str, str], list[str]] = {}
    for kind, sql in _TEXTS:
        for id_, text in conn.execute(sql):
            if text and not text.isascii() and has_cyrillic(text):
                words = mixed_script_words(text)
                if words:
                    found.setdefault((kind, id_), []).extend(words)
    examples = [
        f"{kind} {id_}: {', '.join(described(w) for w in dict.fromkeys(words))}"
        for (kind, id_), words in list(found.items())[:EXAMPLES]
    ]
    detail = f"{len(found):,} record(s) to look at (search reads them as the word they look like)" if found else ""
    return Finding(NAME, True, detail, len(found), examples)


def run_script_checks(path: object) -> list[Finding]:
    """The checks of this module on the database at `path` (opened read-only)."""
    from store.connect import open_readonly

    conn = open_readonly(path)  # type: ignore[arg-type]
    try:
        return [check_mixed_scripts(conn)]
    finally:
        conn.close()
