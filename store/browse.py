"""Read queries for browsing: pages of actors and regions with evidence counts, and name look-ups.

The explorer lists can hold 50,000 actors or 2,000 regions, so everything here returns one page at a time
(`offset`/`limit`) plus a separate count; nothing loads a whole table. Free-text search lives in store.search.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

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


def count_findings(conn: sqlite3.Connection) -> int:
    """How many findings there are, without reading them: every finding has a source (evidence.source_id is NOT
    NULL, a foreign key), and each source's `evidence_count` is kept by triggers (store.schema), whoever writes.
    Reads the sources (about 1 MB at a million findings) instead of a whole index of the findings (17 MB)."""
    return conn.execute("SELECT coalesce(sum(evidence_count), 0) FROM sources").fetchone()[0]


def count_actors(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT count(*) FROM actors").fetchone()[0]


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
    return conn.execute("SELECT count(*) FROM regions").fetchone()[0]


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


def lookup(conn: sqlite3.Connection, text: str, *, limit: int = 60) -> list[Match]:
    """Actors, regions and sources whose name (or an alias, or a source title) contains the letters of `text`
    in order, plus findings whose id starts with `text`; best first (the exact name, then names that start with
    `text`, then most evidence).

    A candidate list for fuzzy matching in the command palette: cheap at 50k actors (one scan of names and
    aliases), and never an error whatever `text` holds.
    """
    text = text.strip()[:MAX_LOOKUP]
    if not text:
        return []
    pattern = _subsequence(text)
    prefix = _like_escape(text) + "%"
    per_kind = max(1, limit)
    rows = conn.execute(
        """
        SELECT kind, id, name, alias, n FROM (
          SELECT 'actor' AS kind, a.id, a.name, NULL AS alias, a.evidence_count AS n,
                 (a.name = :text COLLATE NOCASE) AS x, (a.name LIKE :prefix ESCAPE '\\') AS p
            FROM actors a WHERE a.name LIKE :pattern ESCAPE '\\'
          UNION ALL
          SELECT 'actor', a.id, a.name, al.alias, a.evidence_count,
                 (al.alias = :text COLLATE NOCASE), (al.alias LIKE :prefix ESCAPE '\\')
            FROM aliases al JOIN actors a ON al.kind = 'actor' AND a.id = al.ref_id
           WHERE al.alias LIKE :pattern ESCAPE '\\' AND a.name NOT LIKE :pattern ESCAPE '\\'
          UNION ALL
          SELECT 'region', r.id, r.name, NULL, r.evidence_count,
                 (r.name = :text COLLATE NOCASE), (r.name LIKE :prefix ESCAPE '\\')
            FROM regions r WHERE r.name LIKE :pattern ESCAPE '\\'
          UNION ALL
          SELECT 'region', r.id, r.name, al.alias, r.evidence_count,
                 (al.alias = :text COLLATE NOCASE), (al.alias LIKE :prefix ESCAPE '\\')
            FROM aliases al JOIN regions r ON al.kind = 'region' AND r.id = al.ref_id
           WHERE al.alias LIKE :pattern ESCAPE '\\' AND r.name NOT LIKE :pattern ESCAPE '\\'
          UNION ALL
          SELECT 'source', s.id, s.title, NULL, s.evidence_count,
                 (s.title = :text COLLATE NOCASE), (s.title LIKE :prefix ESCAPE '\\')
            FROM sources s WHERE s.title LIKE :pattern ESCAPE '\\' OR s.id LIKE :prefix ESCAPE '\\'
        ) ORDER BY x DESC, p DESC, n DESC, name COLLATE NOCASE LIMIT :limit
        """,
        {"pattern": pattern, "prefix": prefix, "text": text, "limit": per_kind},
    ).fetchall()
    seen: set[tuple[str, str]] = set()
    out: list[Match] = []
    for kind, id_, name, alias, n in rows:
        if (kind, id_) in seen:
            continue
        seen.add((kind, id_))
        out.append(Match(kind, id_, name, alias, n))
    slug = text.lower().replace(" ", "-")
    for id_, claim in conn.execute(  # a range on the primary key: a prefix search that uses the index
        "SELECT id, claim FROM evidence WHERE id >= ? AND id < ? ORDER BY id LIMIT 10", (slug, slug + "\U0010ffff")
    ):
        out.append(Match("evidence", id_, claim, None, 0))
    return out
