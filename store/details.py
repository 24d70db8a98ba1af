"""Profiles: everything about one actor, region, finding or source, for `findings show` and the TUI's screens.

Each function returns a dict whose keys are the table's columns plus linked lists, or None when the id is
unknown. Lists:
- `aliases`: [str]
- `relations`: [{subject_id, subject_name, object_id, object_name, kind, role, evidence_id, start, end}]
- `regions` / `actors`: [{id, name, count}] (evidence counts, largest first); for a finding, its actors carry
  `role` (and kind, country) instead of a count. Regions carry `as_a_whole`: true for a region that has parts
  (the occupied territories), whose findings are about it as a whole and about none of its parts in
  particular; an actor's and a source's regions list those after the others
- `evidence`: evidence ids, newest first (undated last), at most `evidence_limit` of them (None: all), with
  `evidence_total` the full number
- `by_category`: [(category, count)], largest first
- `timeline`: [(period, count)], oldest first; periods are months ('2025-10') when the dated findings span
  less than three years, else years ('2025'); `undated` counts the rest
- `source` (a finding): the source row, for the citation
- a region's `general_total`, `general_evidence` and `wider` ([{id, name, count}]): the general findings, about
  a wider region that contains it (the occupied territories) as a whole and not about it or its parts; they are
  never counted in its own totals, actors, categories or timeline

Cost: the aggregates read every finding linked to the entity once (about half a second for an actor with
500,000 findings); the lists the TUI shows are bounded.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterable

from store.query import nfc
from store.schema import ACTOR_COLUMNS, EVIDENCE_COLUMNS, REGION_COLUMNS, SOURCE_COLUMNS
from store.search.names import resolve, wider_regions, with_descendants
from store.search.names import suggest as suggest  # "did you mean": `findings show` uses it from here
from store.search.tables import TABLES, marks

ACTOR_COLS = (*ACTOR_COLUMNS, "aka", "evidence_count")
REGION_COLS = (*REGION_COLUMNS, "aka", "evidence_count")
SOURCE_COLS = (*SOURCE_COLUMNS, "evidence_count")
EVIDENCE_COLS = EVIDENCE_COLUMNS
RELATION_KEYS = (
    "subject_id",
    "subject_name",
    "object_id",
    "object_name",
    "kind",
    "role",
    "evidence_id",
    "start",
    "end",
)
LIST_LIMIT = 200  # linked actors/regions listed for a region/source profile
_NO_AGGREGATES = {"by_category": None, "timeline": None, "undated": None}
MONTHS_SPAN_YEARS = 3


def _one(conn: sqlite3.Connection, table: str, cols: tuple[str, ...], id_: str) -> dict | None:
    select = ", ".join(f'"{c}"' for c in cols)
    row = conn.execute(f"SELECT {select} FROM {table} WHERE id = ?", [id_]).fetchone()
    return dict(zip(cols, row, strict=True)) if row else None


def _aliases(conn: sqlite3.Connection, kind: str, id_: str) -> list[str]:
    rows = conn.execute("SELECT alias FROM aliases WHERE kind = ? AND ref_id = ? ORDER BY alias", [kind, id_])
    return [r[0] for r in rows]


def _external_ids(conn: sqlite3.Connection, kind: str, id_: str) -> list[dict]:
    rows = conn.execute(
        "SELECT system, external_id FROM external_ids WHERE kind = ? AND ref_id = ? ORDER BY system, external_id",
        [kind, id_],
    )
    return [{"system": s, "external_id": x} for s, x in rows]


def _relations(conn: sqlite3.Connection, where: str, params: list) -> list[dict]:
    rows = conn.execute(
        f"""SELECT r.subject_id, s.name, r.object_id, o.name, r.kind, r.role, r.evidence_id, r.start, r."end"
              FROM relations r JOIN actors s ON s.id = r.subject_id JOIN actors o ON o.id = r.object_id
             WHERE {where} ORDER BY r.kind, s.name, o.name""",
        params,
    )
    return [dict(zip(RELATION_KEYS, row, strict=True)) for row in rows]


def _timeline(periods: Counter[str | None]) -> tuple[list[tuple[str, int]], int]:
    """(timeline, undated) from counts per 'YYYY-MM' or 'YYYY' (None or '' for undated)."""
    undated = periods.pop(None, 0) + periods.pop("", 0)
    dated = Counter({p: n for p, n in periods.items() if p})
    years = sorted({p[:4] for p in dated})
    if not years:
        return [], undated
    monthly = int(years[-1]) - int(years[0]) < MONTHS_SPAN_YEARS
    out: Counter[str] = Counter()
    for period, n in dated.items():
        out[period if monthly else period[:4]] += n
    return sorted(out.items()), undated


def _aggregates(conn: sqlite3.Connection, ids_sql: str, params: list) -> dict:
    """by_category, timeline and undated for the findings whose ids `ids_sql` selects (one pass)."""
    rows = conn.execute(  # (CAST: a BLOB date, in a crafted file, reads as text like the columns do)
        f"""SELECT e.category, CAST(substr(e.date, 1, 7) AS TEXT), count(*)
              FROM ({ids_sql}) d CROSS JOIN evidence e ON e.id = d.id
             GROUP BY e.category, substr(e.date, 1, 7)""",
        params,
    )
    categories: Counter[str] = Counter()
    periods: Counter[str | None] = Counter()
    for category, period, n in rows:
        categories[category] += n
        periods[period] += n
    timeline, undated = _timeline(periods)
    return {
        "by_category": sorted(categories.items(), key=lambda kv: (-kv[1], kv[0])),
        "timeline": timeline,
        "undated": undated,
    }


def _evidence_ids(conn: sqlite3.Connection, ids_sql: str, params: list, limit: int | None) -> list[str]:
    if limit == 0:
        return []
    sql = f"SELECT e.id FROM ({ids_sql}) d CROSS JOIN evidence e ON e.id = d.id ORDER BY e.date DESC, e.rowid DESC" + (
        " LIMIT ?" if limit is not None else ""
    )
    return [r[0] for r in conn.execute(sql, [*params, limit] if limit is not None else params)]


# SQL: whether region `r` has parts (then a finding linked to it is about it as a whole)
_HAS_PARTS = "EXISTS (SELECT 1 FROM regions p WHERE p.parent_id = r.id)"


def region_label(region: dict) -> str:
    """A linked region's name as people read it: `Occupied territories of Ukraine (as a whole)` for one with
    parts (`as_a_whole`), whose findings are about none of its parts in particular. Data: show it as such."""
    return str(region.get("name") or region.get("id") or "") + (" (as a whole)" if region.get("as_a_whole") else "")


def _regions_as_a_whole_last(rows: list[dict]) -> list[dict]:
    """The regions findings are about in particular first, then those they speak of as a whole (stable)."""
    return sorted(rows, key=lambda r: r["as_a_whole"])


def actor(
    conn: sqlite3.Connection, id_: str, *, evidence_limit: int | None = LIST_LIMIT, aggregates: bool = True
) -> dict | None:
    """An actor's profile: columns, aliases, relations (either side), regions with counts, evidence ids,
    by_category, timeline. With aggregates=False the counted lists are None (the profile comes back at once)."""
    d = _one(conn, "actors", ACTOR_COLS, id_)
    if d is None:
        return None
    d["aliases"] = _aliases(conn, "actor", id_)
    d["external_ids"] = _external_ids(conn, "actor", id_)
    d["relations"] = _relations(conn, "r.subject_id = ? OR r.object_id = ?", [id_, id_])
    ids_sql, params = "SELECT evidence_id AS id FROM evidence_actors WHERE actor_id = ?", [id_]
    d["evidence_total"] = d["evidence_count"]
    d["evidence"] = _evidence_ids(conn, ids_sql, params, evidence_limit)
    if not aggregates:
        return {**d, **_NO_AGGREGATES, "regions": None}
    d["regions"] = _regions_as_a_whole_last(
        [
            {"id": rid, "name": name, "count": n, "as_a_whole": bool(whole)}
            for rid, name, n, whole in conn.execute(
                # counted per region id first, each region then looked up once (not once per finding)
                f"""SELECT r.id, r.name, t.n, {_HAS_PARTS} FROM (
                        SELECT er.region_id AS id, count(*) AS n FROM evidence_actors l
                         CROSS JOIN evidence_regions er ON er.evidence_id = l.evidence_id
                         WHERE l.actor_id = ? GROUP BY er.region_id) t
                     CROSS JOIN regions r ON r.id = t.id ORDER BY t.n DESC, r.name""",
                [id_],
            )
        ]
    )
    d.update(_aggregates(conn, ids_sql, params))
    return d


def region(
    conn: sqlite3.Connection,
    id_: str,
    *,
    evidence_limit: int | None = LIST_LIMIT,
    aggregates: bool = True,
    totals: bool = True,
) -> dict | None:
    """A region's profile: columns, aliases, parent and parts, actors present with counts, evidence ids,
    by_category, timeline. Findings linked to its parts (regions within it) count as its own; those about a
    wider region as a whole are general (`general_total`, `general_evidence`, `wider`), never its own. With
    aggregates=False the counted lists are None; with totals=False so are the totals, the evidence ids and the
    general findings too: the row, its parent and its parts only, at once at any size."""
    d = _one(conn, "regions", REGION_COLS, id_)
    if d is None:
        return None
    d["aliases"] = _aliases(conn, "region", id_)
    d["external_ids"] = _external_ids(conn, "region", id_)
    parent = conn.execute("SELECT id, name FROM regions WHERE id = ?", [d["parent_id"]]).fetchone()
    d["parent"] = {"id": parent[0], "name": parent[1]} if parent else None
    d["parts"] = [
        {"id": rid, "name": name, "count": n}
        for rid, name, n in conn.execute(
            "SELECT id, name, evidence_count FROM regions WHERE parent_id = ? ORDER BY name", [id_]
        )
    ]
    if not totals:
        d.update(evidence=[], evidence_total=None, general_total=None, general_evidence=None, wider=None)
        return {**d, **_NO_AGGREGATES, "actors": None}
    ids = with_descendants(conn, [id_])
    marks = ",".join("?" * len(ids))
    distinct = "DISTINCT " if len(ids) > 1 else ""
    ids_sql = f"SELECT {distinct}evidence_id AS id FROM evidence_regions WHERE region_id IN ({marks})"
    d["evidence"] = _evidence_ids(conn, ids_sql, ids, evidence_limit)
    _general(conn, d, ids, evidence_limit)
    if not aggregates:
        if len(ids) > 1:
            d["evidence_total"] = conn.execute(f"SELECT count(*) FROM ({ids_sql})", ids).fetchone()[0]
        else:
            d["evidence_total"] = d["evidence_count"]
        return {**d, **_NO_AGGREGATES, "actors": None}
    d["actors"] = [
        {"id": aid, "name": name, "kind": kind, "country": country, "count": n}
        for aid, name, kind, country, n in conn.execute(
            # count per actor id first; only the listed actors are then looked up
            f"""SELECT a.id, a.name, a.kind, a.country, t.n FROM (
                    SELECT l.actor_id AS id, count(*) AS n FROM ({ids_sql}) d
                      CROSS JOIN evidence_actors l ON l.evidence_id = d.id
                     GROUP BY l.actor_id ORDER BY n DESC, l.actor_id LIMIT ?) t
                  CROSS JOIN actors a ON a.id = t.id ORDER BY t.n DESC, a.name""",
            [*ids, LIST_LIMIT],
        )
    ]
    d.update(_aggregates(conn, ids_sql, ids))
    d["evidence_total"] = sum(n for _, n in d["by_category"])
    return d


def _general(conn: sqlite3.Connection, d: dict, own: list[str], evidence_limit: int | None) -> None:
    """A region's general findings: linked to a wider region (one that contains it), not to it or its parts."""
    wider = wider_regions(conn, [d["id"]])
    not_own = f"""NOT EXISTS (SELECT 1 FROM evidence_regions s WHERE s.evidence_id = w.evidence_id
                                  AND +s.region_id IN ({",".join("?" * len(own))}))"""
    d["wider"] = []
    d["general_total"] = 0
    d["general_evidence"] = []
    if not wider:
        return
    marks_w = ",".join("?" * len(wider))
    for rid, name, n in conn.execute(
        f"""SELECT r.id, r.name, (SELECT count(*) FROM evidence_regions w WHERE w.region_id = r.id AND {not_own})
              FROM regions r WHERE r.id IN ({marks_w}) ORDER BY r.name""",
        [*own, *wider],
    ):
        d["wider"].append({"id": rid, "name": name, "count": n})
    ids_sql = (
        f"SELECT DISTINCT w.evidence_id AS id FROM evidence_regions w WHERE w.region_id IN ({marks_w}) AND {not_own}"
    )
    params = [*wider, *own]
    d["general_total"] = conn.execute(f"SELECT count(*) FROM ({ids_sql})", params).fetchone()[0]
    d["general_evidence"] = _evidence_ids(conn, ids_sql, params, evidence_limit)


def source(
    conn: sqlite3.Connection, id_: str, *, evidence_limit: int | None = LIST_LIMIT, aggregates: bool = True
) -> dict | None:
    """A source: columns, aliases, its findings (ids), the actors and regions they name, by_category. With
    aggregates=False the counted lists are None."""
    d = _one(conn, "sources", SOURCE_COLS, id_)
    if d is None:
        return None
    d["aliases"] = _aliases(conn, "source", id_)
    d["external_ids"] = _external_ids(conn, "source", id_)
    ids_sql, params = "SELECT id FROM evidence WHERE source_id = ?", [id_]
    d["evidence_total"] = d["evidence_count"]
    d["evidence"] = _evidence_ids(conn, ids_sql, params, evidence_limit)
    if not aggregates:
        return {**d, **_NO_AGGREGATES, "actors": None, "regions": None}
    for key, link, col, table in (
        ("actors", "evidence_actors", "actor_id", "actors"),
        ("regions", "evidence_regions", "region_id", "regions"),
    ):
        whole = f", {_HAS_PARTS.replace('r.id', 'x.id')}" if key == "regions" else ", NULL"
        d[key] = [
            {"id": xid, "name": name, "count": n, **({"as_a_whole": bool(w)} if key == "regions" else {})}
            for xid, name, n, w in conn.execute(
                f"""SELECT x.id, x.name, count(*){whole} FROM evidence e CROSS JOIN {link} l ON l.evidence_id = e.id
                      CROSS JOIN {table} x ON x.id = l.{col}
                     WHERE e.source_id = ? GROUP BY x.id ORDER BY count(*) DESC, x.name LIMIT ?""",
                [id_, LIST_LIMIT],
            )
        ]
    d["regions"] = _regions_as_a_whole_last(d["regions"])
    d.update(_aggregates(conn, ids_sql, params))
    return d


def evidence(conn: sqlite3.Connection, id_: str) -> dict | None:
    """A finding: columns, its actors (with role), regions, source (the citation) and the relations it backs."""
    d = _one(conn, "evidence", EVIDENCE_COLS, id_)
    if d is None:
        return None
    d["actors"] = [
        {"id": aid, "name": name, "kind": kind, "country": country, "role": role}
        for aid, name, kind, country, role in conn.execute(
            """SELECT a.id, a.name, a.kind, a.country, l.role FROM evidence_actors l JOIN actors a ON a.id = l.actor_id
                WHERE l.evidence_id = ? ORDER BY a.evidence_count DESC, a.name""",
            [id_],
        )
    ]
    d["regions"] = _regions_as_a_whole_last(
        [
            {"id": rid, "name": name, "as_a_whole": bool(whole)}
            for rid, name, whole in conn.execute(
                f"""SELECT r.id, r.name, {_HAS_PARTS} FROM evidence_regions l JOIN regions r ON r.id = l.region_id
                    WHERE l.evidence_id = ? ORDER BY r.name""",
                [id_],
            )
        ]
    )
    src = _one(conn, "sources", SOURCE_COLS[:-1], d["source_id"])
    d["source"] = src
    d["relations"] = _relations(conn, "r.evidence_id = ?", [id_])
    d["external_ids"] = _external_ids(conn, "evidence", id_)
    return d


def names(conn: sqlite3.Connection, kind: str, ids: Iterable[str]) -> dict[str, str]:
    """id -> name (title for sources, claim for evidence) for the ids that exist."""
    table = TABLES[kind]
    wanted = sorted(set(ids))
    out: dict[str, str] = {}
    for i in range(0, len(wanted), 500):
        chunk = wanted[i : i + 500]
        sql = f"SELECT id, {table.label} FROM {table.name} WHERE id IN ({marks(len(chunk))})"
        out.update(conn.execute(sql, chunk).fetchall())
    return out


def find(conn: sqlite3.Connection, kind: str, text: str) -> str | None:
    """The id `text` names: the id itself, else a unique name or alias (`show actor PRC` -> china)."""
    if kind not in TABLES:
        return None
    text = nfc(text)  # as imports store ids and names: `Cafe\u0301` names the actor `Café`
    if conn.execute(f"SELECT 1 FROM {TABLES[kind].name} WHERE id = ?", [text]).fetchone():
        return text
    ids = resolve(conn, kind, text)
    return ids[0] if len(ids) == 1 else None
