"""`findings check` (store.check): words that mix Latin and Cyrillic look-alike letters (`Huаwei` with a Cyrillic
а).

Such a word reads as a name it is not: a typo from a keyboard switched mid-word, or a name disguised on
purpose. Search and tagging read it as the name it looks like (store.scripts.unmixed), so it is no damage;
the check names every record that has one, for a person to look at, and does not fail (a disguised name
quoted from a source is evidence, and stays as it was written).
"""

from __future__ import annotations

import sqlite3

from store.scripts import CYRILLIC_RANGES, described, has_cyrillic, mixed_script_words

# SQL: whether a text may hold a Cyrillic letter, answered in C so that a million English claims are not read
# into Python only to be passed over. Plain ASCII is passed over first (its length in characters is its length in
# bytes: the cheapest test), then what has no Cyrillic letter (GLOB); a NUL, where both stop reading, lets the
# text through.
_CYRILLIC = "'*[" + "".join(f"{chr(a)}-{chr(b)}" for a, b in CYRILLIC_RANGES) + "]*'"
_MAY_HAVE_CYRILLIC = (
    f"length(CAST(text AS BLOB)) != length(text) AND (text GLOB {_CYRILLIC} OR instr(text, char(0)) > 0)"
)

# (kind, SQL of (id, text) rows): the names and texts a person reads
_TEXTS = (
    ("actor", "SELECT id, name AS text FROM actors UNION ALL SELECT ref_id, alias FROM aliases WHERE kind = 'actor'"),
    (
        "region",
        "SELECT id, name AS text FROM regions UNION ALL SELECT ref_id, alias FROM aliases WHERE kind = 'region'",
    ),
    ("place", "SELECT name, name AS text FROM gazetteer"),
    ("source", "SELECT id, title AS text FROM sources UNION ALL SELECT id, publisher FROM sources"),
    ("finding", "SELECT id, claim AS text FROM evidence UNION ALL SELECT id, quote FROM evidence"),
)


def mixed_script_records(conn: sqlite3.Connection, *, limit: int) -> tuple[int, list[str]]:
    """(how many records have a word mixing Latin and Cyrillic look-alike letters, the first `limit` of them with
    their words described)."""
    found: dict[tuple[str, str], list[str]] = {}
    for kind, sql in _TEXTS:
        cyrillic = f"SELECT * FROM ({sql}) WHERE {_MAY_HAVE_CYRILLIC}"
        for id_, text in conn.execute(cyrillic):
            if text and not text.isascii() and has_cyrillic(text):
                words = mixed_script_words(text)
                if words:
                    found.setdefault((kind, id_), []).extend(words)
    examples = [
        f"{kind} {id_}: {', '.join(described(w) for w in dict.fromkeys(words))}"
        for (kind, id_), words in list(found.items())[:limit]
    ]
    return len(found), examples
