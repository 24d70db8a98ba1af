"""Facets: how many of the findings an EvidenceFilter selects fall in each category, country, region and year.

With no filter the counts are read, not counted: `facet_counts` (categories, years, countries) and
`regions.evidence_count` are kept by triggers (store.schema), so every facet of a million findings takes a few
milliseconds. With a filter the matching findings are counted; `iter_facets` does it in slices and yields the
counts so far after each, so a screen can show them growing instead of waiting for the total.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from store.search.cache import Cache, db_marker
from store.search.errors import query_error_means_empty
from store.search.evidence_filter import EvidenceFilter
from store.search.plan import Plan, driver, from_where, plan_for

FACETS = ("category", "country", "region", "year")
SLICE = 20_000  # at most this many matching findings are counted between two partial results
FIRST_SLICE = 1_000
# A driving link condition with more findings than this is not used: its query (DISTINCT ids) yields nothing
# until it has read them all, while walking the findings yields the first slice at once.
STREAM_DRIVE_MAX = 50_000
_CACHE: Cache[dict[str, list[tuple[str, int]]]] = Cache(32)

Counts = dict[str, list[tuple[str, int]]]


@dataclass(frozen=True)
class FacetProgress:
    """Counts so far: `counted` findings of the filter's list have been counted; `done` when that is all of
    them (the counts are then those `facets` returns)."""

    counts: Counts
    counted: int
    done: bool


def facets(conn: sqlite3.Connection, flt: EvidenceFilter, *, only: Iterable[str] | None = None) -> Counts:
    """Counts of the findings matching `flt` by 'category', 'country' (of a linked actor, ISO alpha-2; a finding
    counts once per country), 'region' (region id: the findings linked to that region itself, so a finding
    about the occupied territories as a whole counts for them, not for Kherson) and 'year'. Years are newest
    first; the others by count, largest first. `only` limits the work to some of them (the others come back
    empty).

    With no filter: kept counts, milliseconds at any size. With a filter, cost grows with the number of
    matching findings (each is read once); `iter_facets` gives the same counts in steps. Results are remembered
    per connection and filter until the database changes.
    """
    last: Counts = {f: [] for f in FACETS}
    for progress in iter_facets(conn, flt, only=only):
        last = progress.counts
    return last


def iter_facets(
    conn: sqlite3.Connection, flt: EvidenceFilter, *, only: Iterable[str] | None = None, slice_size: int = SLICE
) -> Iterator[FacetProgress]:
    """`facets`, in steps: the counts of the first `slice_size` matching findings, then of the first two slices,
    and so on; the last item has `done` set and holds exactly what `facets` returns (and is remembered for it).
    With no filter, or counts already made, there is one item. Never raises on what a user typed (a query the
    search engine rejects counts nothing)."""
    wanted = tuple(f for f in FACETS if only is None or f in set(only))
    key = (flt, wanted)
    cached = _CACHE.get(conn, key)
    if cached is not None:
        yield FacetProgress(_copy(cached), -1, True)
        return
    marker = db_marker(conn)
    final: Counts = {f: [] for f in FACETS}
    with query_error_means_empty:
        plan = plan_for(conn, flt)
        if plan.empty or not wanted:
            pass
        elif plan.match is None and not plan.conds:
            final = _kept(conn, wanted)
        else:
            for counts, counted, done in _counted(conn, plan, wanted, max(1, slice_size)):
                if done:
                    final = counts
                else:
                    yield FacetProgress(_copy(counts), counted, False)
    _CACHE.put(conn, key, final, marker)
    yield FacetProgress(_copy(final), -1, True)


def _copy(counts: Counts) -> Counts:
    return {k: list(v) for k, v in counts.items()}


def _kept(conn: sqlite3.Connection, wanted: tuple[str, ...]) -> Counts:
    """The counts of every finding, as the triggers keep them."""
    rows: list[tuple[str, str, int]] = []
    kept = [f for f in wanted if f != "region"]
    # (CAST of the counts: an expression has no declared type, so its values skip store.connect's converter, a
    # Python call for each; the cast gives the integer it would check. The text keeps its converter, which shows
    # bytes that are not UTF-8 instead of failing.)
    if kept:
        marks = ",".join("?" * len(kept))
        rows += conn.execute(
            f"SELECT facet, value, CAST(n AS INTEGER) FROM facet_counts WHERE facet IN ({marks}) AND n > 0", kept
        )
    if "region" in wanted:
        rows += conn.execute(
            "SELECT 'region', id, CAST(evidence_count AS INTEGER) FROM regions WHERE evidence_count > 0"
        )
    return _sorted(rows)


def _sorted(rows: Iterable[tuple[str, str | None, int]]) -> Counts:
    out: Counts = {f: [] for f in FACETS}
    for facet, value, n in rows:
        if value is not None and n:
            out[facet].append((str(value), n))
    for facet, values in out.items():
        if facet == "year":
            values.sort(key=lambda v: v[0], reverse=True)
        else:
            values.sort(key=lambda v: (-v[1], v[0]))
    return out


# The counts of one slice of matching findings (`m`: their rowids, a JSON array).
_SLICE_PARTS = {
    "category": "SELECT 'category', category, count(*) FROM m GROUP BY category",
    "year": "SELECT 'year', substr(date, 1, 4), count(*) FROM m WHERE date IS NOT NULL GROUP BY substr(date, 1, 4)",
    "region": "SELECT 'region', r.region_id, count(*) FROM m "
    "CROSS JOIN evidence_regions r ON r.evidence_id = m.id GROUP BY r.region_id",
    "country": "SELECT 'country', a.country, count(DISTINCT m.id) FROM m "
    "CROSS JOIN evidence_actors l ON l.evidence_id = m.id CROSS JOIN actors a ON a.id = l.actor_id "
    "WHERE a.country IS NOT NULL GROUP BY a.country",
}


def _counted(
    conn: sqlite3.Connection, plan: Plan, wanted: tuple[str, ...], slice_size: int
) -> Iterator[tuple[Counts, int, bool]]:
    """Count the plan's findings slice by slice: (counts so far, findings counted, done).

    With a region asked for, the list holds the specific findings and the general ones (about a wider region
    as a whole); each finding counts under the regions it is linked to, so a general one counts for the wider
    region, never for the region asked for. A finding is in one part only, so the slices never overlap.
    """
    sql = (
        "WITH m AS MATERIALIZED (SELECT e.id AS id, e.category AS category, e.date AS date FROM evidence e "
        "WHERE e.rowid IN (SELECT value FROM json_each(?))) " + " UNION ALL ".join(_SLICE_PARTS[f] for f in wanted)
    )
    totals: dict[tuple[str, str], int] = {}
    counted = 0
    size = min(slice_size, FIRST_SLICE)  # the first counts soon, then larger slices (fewer queries)

    def add(rowids: list[int]) -> None:
        for facet, value, n in conn.execute(sql, [json.dumps(rowids)]):
            if value is not None:
                totals[(facet, value)] = totals.get((facet, value), 0) + n

    def snapshot() -> Counts:
        return _sorted((facet, value, n) for (facet, value), n in totals.items())

    for part in plan.parts():
        drive = driver(part, 0, None)
        if drive is not None and (drive.est or 0) > STREAM_DRIVE_MAX:
            drive = None
        source, where, params = from_where(part, drive)
        cursor = conn.execute(f"SELECT e.rowid FROM {source}{where}", params)
        while rows := cursor.fetchmany(size):
            add([r[0] for r in rows])
            counted += len(rows)
            if len(rows) == size:
                yield snapshot(), counted, False
            size = min(slice_size, size * 2)
    yield snapshot(), counted, True


def total_findings(conn: sqlite3.Connection) -> int:
    """How many findings the database holds, as the triggers keep it (no count over the table)."""
    row = conn.execute("SELECT n FROM facet_counts WHERE facet = 'findings' AND value = 'all'").fetchone()
    return int(row[0]) if row else 0
