"""Read queries for browsing: pages of actors and regions with evidence counts, and name look-ups.

The explorer lists can hold 50,000 actors or 2,000 regions, so everything here returns one page at a time
(`offset`/`limit`) plus a separate count; nothing loads a whole table. Free-text search lives in store.search.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass

from store.query import typed_text

# sort key -> ORDER BY; every order ends on a unique column so pages never overlap.
ACTOR_SORTS: dict[str, str] = {
    "name": "name COLLATE NOCASE, id",
    "count": "evidence_count DESC, name COLLATE NOCASE, id",
    "kind": "kind, name COLLATE NOCASE, id",
    "country": "country IS NULL, country, name COLLATE NOCASE, id",
}
MAX_LOOKUP = 64  # characters of a look-up used: names are short, and each letter adds a wildcard to the pattern
REGION_SORTS: dict[str, str] = {
    "name": "name COLLATE NOCASE, id",
    "count": "evidence_count DESC, name COLLATE NOCASE, id",
    "kind": "kind IS NULL, kind, name COLLATE NOCASE, id",
}


@dataclass(frozen=True, slots=True)
class ActorRow:
    id: str
    name: str
    kind: str
    country: str | None
    evidence_count: int


@dataclass(frozen=True, slots=True)
class RegionRow:
    id: str
    name: str
    kind: str | None
    iso_code: str | None
    evidence_count: int


@dataclass(frozen=True, slots=True)
class Match:
    """A look-up result: what it is, its id and name, and the alias that matched (if it was an alias)."""

    kind: str
    id: str
    name: str
    alias: str | None
    evidence_count: int


def _order(sorts: dict[str, str], sort: str) -> str:
    if sort not in sorts:
        raise ValueError(f"unknown sort {sort!r} (expected one of: {', '.join(sorts)})")
    return sorts[sort]


def _kept_count(conn: sqlite3.Connection, facet: str, value: str) -> int | None:
    """A count the triggers keep in facet_counts (store.schema); None when it has no row (an empty table)."""
    row = conn.execute("SELECT n FROM facet_counts WHERE facet = ? AND value = ?", (facet, value)).fetchone()
    return None if row is None else int(row[0])


def count_findings(conn: sqlite3.Connection) -> int:
    """How many findings there are, without reading them: one row of facet_counts, kept by triggers whoever
    writes (a count of the findings' smallest index read 17 MB at a million findings)."""
    from store.search.facet_counts import total_findings

    return total_findings(conn)


def count_actors(conn: sqlite3.Connection) -> int:
    """How many actors there are: one kept row (counting them read their smallest index, 1.8 MB at 50,000)."""
    return _kept_count(conn, "rows", "actors") or 0


def list_actors(conn: sqlite3.Connection, *, sort: str = "name", offset: int = 0, limit: int = 100) -> list[ActorRow]:
    """One page of actors with their evidence counts, in the given order (name, count, kind, country)."""
    rows = conn.execute(
        f"SELECT id, name, kind, country, evidence_count FROM actors ORDER BY {_order(ACTOR_SORTS, sort)} "
        "LIMIT ? OFFSET ?",
        (max(0, limit), max(0, offset)),
    ).fetchall()
    return [ActorRow(*r) for r in rows]


def actors_by_id(conn: sqlite3.Connection, ids: list[str] | tuple[str, ...]) -> list[ActorRow]:
    """The given actors, in the order of `ids` (unknown ids are skipped)."""
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    rows = conn.execute(
        f"SELECT id, name, kind, country, evidence_count FROM actors WHERE id IN ({marks})", tuple(ids)
    ).fetchall()
    by_id = {r[0]: ActorRow(*r) for r in rows}
    return [by_id[i] for i in ids if i in by_id]


def count_regions(conn: sqlite3.Connection) -> int:
    return _kept_count(conn, "rows", "regions") or 0


def list_regions(conn: sqlite3.Connection, *, sort: str = "name", offset: int = 0, limit: int = 100) -> list[RegionRow]:
    """One page of regions with their evidence counts, in the given order (name, count, kind)."""
    rows = conn.execute(
        f"SELECT id, name, kind, iso_code, evidence_count FROM regions ORDER BY {_order(REGION_SORTS, sort)} "
        "LIMIT ? OFFSET ?",
        (max(0, limit), max(0, offset)),
    ).fetchall()
    return [RegionRow(*r) for r in rows]


def regions_by_id(conn: sqlite3.Connection, ids: list[str] | tuple[str, ...]) -> list[RegionRow]:
    """The given regions, in the order of `ids` (unknown ids are skipped)."""
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    rows = conn.execute(
        f"SELECT id, name, kind, iso_code, evidence_count FROM regions WHERE id IN ({marks})", tuple(ids)
    ).fetchall()
    by_id = {r[0]: RegionRow(*r) for r in rows}
    return [by_id[i] for i in ids if i in by_id]


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _subsequence(text: str) -> str:
    """A LIKE pattern matching the characters of `text` in order with anything between ('chn' -> '%c%h%n%')."""
    chars = [_like_escape(c) for c in text if not c.isspace()]
    return "%" + "%".join(chars) + "%"


def _subsequence_glob(text: str) -> str | None:
    """The same as a GLOB pattern, each letter in either case (`хуав` -> `*[хХ]*[уУ]*[аА]*[вВ]*`): SQLite's LIKE
    ignores case in ASCII only, so `хуав` missed Хуавей. None for ASCII text, which LIKE matches already."""
    if text.isascii():
        return None
    return "*" + "*".join(_either_case(c) for c in text if not c.isspace()) + "*"


def _either_case(c: str) -> str:
    """A GLOB class matching `c` in either case; `]`, `^` and `-` where a class reads them as themselves."""
    if c in "]^":
        return "[]^]"  # (`]` first is itself, `^` after it too: either one, no harm in a look-up)
    if c == "-":
        return "[-]"
    forms = [f for f in dict.fromkeys((c, c.lower(), c.upper())) if len(f) == 1]
    return "[" + "".join(forms) + "]"


# The branches of a look-up: (kind, SQL selecting id, name, alias, n (the count), x (exact), p (prefix)).
# `:pattern` holds the letters in order with anything between, `:prefix` the text then anything, `:fts` a
# full-text query of its words, each a prefix (None: the text has no word in it), `:slug`/`:slug_end` a range of
# ids.
FTS_LIMIT = 200  # rows a word-prefix branch reads (a one-letter word starts thousands of names)
_ENTITY = {"actor": ("actors", "a", "name"), "region": ("regions", "r", "name"), "source": ("sources", "s", "title")}


def _branch(kind: str, where: str, *, alias: bool = False) -> tuple[str, str]:
    """One branch over `kind`'s table (alias: over its aliases, joined to it) where `where` holds."""
    table, t, name = _ENTITY[kind]
    matched = "al.alias" if alias else f"{t}.{name}"
    select = (
        f"SELECT {t}.id AS id, {t}.{name} AS name, {'al.alias' if alias else 'NULL'} AS alias, "
        f"{t}.evidence_count AS n, ({matched} = :text COLLATE NOCASE) AS x, "
        f"({matched} LIKE :prefix ESCAPE '\\') AS p"
    )
    source = f"aliases al JOIN {table} {t} ON al.kind = '{kind}' AND {t}.id = al.ref_id" if alias else f"{table} {t}"
    return kind, f"{select} FROM {source} WHERE {where}"


def _words(kind: str, columns: str) -> tuple[str, str]:
    table, t, _ = _ENTITY[kind]
    return _branch(
        kind,
        f"{t}.rowid IN (SELECT rowid FROM {table}_fts WHERE {table}_fts MATCH '{{{columns}}} : ' || :fts "
        f"LIMIT {FTS_LIMIT})",
    )


_LIKE = "LIKE {} ESCAPE '\\'"


def _letters(column: str) -> str:
    """`column` holds the letters typed in order: LIKE, or for text beyond ASCII the GLOB of both cases."""
    return f"({column} {_LIKE.format(':pattern')} OR coalesce({column} GLOB :glob, 0))"


_LETTERS_IN_ORDER = (
    _branch("actor", _letters("a.name")),
    _branch("actor", f"{_letters('al.alias')} AND NOT {_letters('a.name')}", alias=True),
    _branch("region", _letters("r.name")),
    _branch("region", f"{_letters('al.alias')} AND NOT {_letters('r.name')}", alias=True),
    _branch("source", f"{_letters('s.title')} OR s.id {_LIKE.format(':prefix')}"),
)
_STARTING_WITH = (  # each one a range of an index: at once at any size
    _branch("actor", f"a.name {_LIKE.format(':prefix')}"),
    _branch("actor", f"al.alias {_LIKE.format(':prefix')}", alias=True),
    _branch("region", f"r.name {_LIKE.format(':prefix')}"),
    _branch("region", f"al.alias {_LIKE.format(':prefix')}", alias=True),
    _branch("source", "s.id >= :slug AND s.id < :slug_end"),
)
_WORD_STARTING_WITH = (_words("actor", "name aka"), _words("region", "name aka"), _words("source", "title"))


def _words_prefix_query(text: str) -> str | None:
    """An FTS5 query: the words of `text`, each a prefix (`("don"* "obl"*)`); None without a word to use.
    Only letters and digits go in (each word quoted), so nothing typed is read as query syntax."""
    words = re.findall(r"\w+", text)
    if not words or len(words[-1]) < 2:  # one letter starts a word of most names: the name prefixes say enough
        return None
    return "(" + " ".join(f'"{w}"*' for w in words) + ")"


def lookup(conn: sqlite3.Connection, text: str, *, limit: int = 60, quick: bool = False) -> list[Match]:
    """Actors, regions and sources whose name (or an alias, or a source title) contains the letters of `text`
    in order, plus findings whose id starts with `text`; best first (the exact name, then names that start with
    `text`, then most evidence).

    A candidate list for fuzzy matching in the command palette: cheap at 50k actors (one scan of names and
    aliases, some tens of milliseconds), and never an error whatever `text` holds. With `quick`, only what the
    indexes find at once at any size: names, aliases and titles that start with `text` or have a word that
    starts with it, and ids that start with it (the palette shows these at each keystroke, the rest after).
    """
    text = typed_text(text).strip()[:MAX_LOOKUP]
    if not text:
        return []
    slug = text.lower().replace(" ", "-")
    params = {
        "pattern": _subsequence(text),
        "glob": _subsequence_glob(text),
        "prefix": _like_escape(text) + "%",
        "text": text,
        "limit": max(1, limit),
        "fts": _words_prefix_query(text),
        "slug": slug,
        "slug_end": slug + "\U0010ffff",
    }
    branches = list(_LETTERS_IN_ORDER)
    if quick:
        branches = list(_STARTING_WITH) + (list(_WORD_STARTING_WITH) if params["fts"] else [])
    union = " UNION ALL ".join(f"SELECT '{kind}' AS kind, * FROM ({sql})" for kind, sql in branches)
    try:
        rows = conn.execute(
            f"SELECT kind, id, name, alias, n FROM ({union}) ORDER BY x DESC, p DESC, n DESC, name COLLATE NOCASE "
            "LIMIT :limit",
            params,
        ).fetchall()
    except sqlite3.OperationalError as e:
        if not quick or "fts5" not in str(e):
            raise
        rows = []  # (a word the full-text index cannot read: the full look-up that follows finds it)
    seen: set[tuple[str, str]] = set()
    out: list[Match] = []
    for kind, id_, name, alias, n in rows:
        if (kind, id_) in seen:
            continue
        seen.add((kind, id_))
        out.append(Match(kind, id_, name, alias, n))
    for id_, claim in conn.execute(  # a range on the primary key: a prefix search that uses the index
        "SELECT id, claim FROM evidence WHERE id >= ? AND id < ? ORDER BY id LIMIT 10", (slug, params["slug_end"])
    ):
        out.append(Match("evidence", id_, claim, None, 0))
    return out
