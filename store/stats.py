"""What a database holds, in numbers: rows per table; findings per category, status, region, actor country and
year (the figures `findings stats` prints)."""

from __future__ import annotations

import sqlite3

from store.search import EvidenceFilter, facets

TABLES = (
    "sources",
    "actors",
    "regions",
    "aliases",
    "evidence",
    "evidence_actors",
    "evidence_regions",
    "relations",
    "external_ids",
    "imports",
)


def stats(conn: sqlite3.Connection) -> dict:
    """{'tables': {table: rows}, 'evidence': {'category'|'status'|'region'|'country'|'year': [(value, n)]},
    'undated': n, 'region_names': {id: name}, 'regions_as_a_whole': {id}}.

    Region counts are of findings linked to the region itself: for a region with parts (the occupied
    territories), the findings about it as a whole, which are listed after the others and named in
    `regions_as_a_whole`; they are never counted for its parts. Cost: a count per table, then `facets` with no
    filter (every actor link is read once for the country figures).
    """
    tables = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    by = facets(conn, EvidenceFilter())
    statuses = conn.execute("SELECT status, count(*) FROM evidence GROUP BY status ORDER BY count(*) DESC, status")
    by["status"] = [(s, n) for s, n in statuses]
    undated = conn.execute("SELECT count(*) FROM evidence WHERE date IS NULL").fetchone()[0]
    region_names = dict(conn.execute("SELECT id, name FROM regions WHERE evidence_count > 0").fetchall())
    whole = {
        r[0]
        for r in conn.execute(
            "SELECT r.id FROM regions r WHERE r.evidence_count > 0 "
            "AND EXISTS (SELECT 1 FROM regions p WHERE p.parent_id = r.id)"
        )
    }
    by["region"].sort(key=lambda item: item[0] in whole)  # stable: by count within each group
    order = ("category", "status", "region", "country", "year")
    return {
        "tables": tables,
        "evidence": {k: by[k] for k in order},
        "undated": undated,
        "region_names": region_names,
        "regions_as_a_whole": whole,
    }
