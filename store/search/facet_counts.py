"""Facets: how many of the findings an EvidenceFilter selects fall in each category, country, region and year."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from store.search.cache import Cache
from store.search.errors import query_error_means_empty
from store.search.evidence_filter import EvidenceFilter
from store.search.plan import driver, from_where, plan_for

FACETS = ("category", "country", "region", "year")
_CACHE: Cache[dict[str, list[tuple[str, int]]]] = Cache(32)


def facets(
    conn: sqlite3.Connection, flt: EvidenceFilter, *, only: Iterable[str] | None = None
) -> dict[str, list[tuple[str, int]]]:
    """Counts of the findings matching `flt` by 'category', 'country' (of a linked actor, ISO alpha-2),
    'region' (region id: the findings linked to that region itself, so a finding about the occupied territories
    as a whole counts for them, not for Kherson) and 'year'. Years are newest first; the others by count,
    largest first. `only` limits the work to some of them (the others come back empty).

    Cost grows with the number of matching findings (every match is read once). With no filter, category and
    year come from their indexes and region from `regions.evidence_count` (milliseconds), but country reads
    every actor link (seconds at a million findings): ask for it separately (`only=["country"]`) so the rest
    can be shown first. Results are remembered per connection and filter until the database changes.
    """
    wanted = tuple(f for f in FACETS if only is None or f in set(only))
    with query_error_means_empty:
        counted = _CACHE.get_or_make(conn, (flt, wanted), lambda: _count(conn, flt, wanted))
        return {k: list(v) for k, v in counted.items()}
    return {f: [] for f in FACETS}


def _count(conn: sqlite3.Connection, flt: EvidenceFilter, wanted: tuple[str, ...]) -> dict[str, list[tuple[str, int]]]:
    out: dict[str, list[tuple[str, int]]] = {f: [] for f in FACETS}
    plan = plan_for(conn, flt)
    if plan.empty or not wanted:
        return out
    if plan.match is None and not plan.conds:
        parts = {
            "category": "SELECT 'category', category, count(*) FROM evidence GROUP BY category",
            "year": "SELECT 'year', substr(date, 1, 4), count(*) FROM evidence "
            "WHERE date IS NOT NULL GROUP BY substr(date, 1, 4)",
            "region": "SELECT 'region', id, evidence_count FROM regions WHERE evidence_count > 0",
            "country": "SELECT 'country', a.country, count(DISTINCT l.evidence_id) "
            "FROM evidence_actors l JOIN actors a ON a.id = l.actor_id "
            "WHERE a.country IS NOT NULL GROUP BY a.country",
        }
        rows = conn.execute(" UNION ALL ".join(parts[f] for f in wanted)).fetchall()
    else:
        # The list's findings: with a region asked for, the specific ones and the general ones (about a wider
        # region as a whole). Each finding counts under the regions it is linked to, so a general one counts
        # for the wider region, never for the region asked for.
        selects, params = [], []
        for part in plan.parts():
            source, where, part_params = from_where(part, driver(part, 0, None))
            selects.append(f"SELECT e.id AS id, e.category AS category, e.date AS date FROM {source}{where}")
            params += part_params
        parts = {
            "category": "SELECT 'category', category, count(*) FROM m GROUP BY category",
            "year": "SELECT 'year', substr(date, 1, 4), count(*) FROM m "
            "WHERE date IS NOT NULL GROUP BY substr(date, 1, 4)",
            "region": "SELECT 'region', r.region_id, count(*) FROM m "
            "CROSS JOIN evidence_regions r ON r.evidence_id = m.id GROUP BY r.region_id",
            "country": "SELECT 'country', a.country, count(DISTINCT m.id) FROM m "
            "CROSS JOIN evidence_actors l ON l.evidence_id = m.id CROSS JOIN actors a ON a.id = l.actor_id "
            "WHERE a.country IS NOT NULL GROUP BY a.country",
        }
        rows = conn.execute(
            f"WITH m AS MATERIALIZED ({' UNION ALL '.join(selects)}) " + " UNION ALL ".join(parts[f] for f in wanted),
            params,
        ).fetchall()
    for facet, value, n in rows:
        if value is not None and n:
            out[facet].append((str(value), n))
    for facet, values in out.items():
        if facet == "year":
            values.sort(key=lambda v: v[0], reverse=True)
        else:
            values.sort(key=lambda v: (-v[1], v[0]))
    return out
