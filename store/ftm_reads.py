"""Reads for FollowTheMoney import and export.

Import: which FtM ids an earlier import mapped to which rows, and the regions' ISO codes. Export: every table
as a stream of dicts, each entity with its aliases or links, read with ordered cursors merged in Python so
that no table is loaded whole.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterable, Iterator
from itertools import groupby
from typing import Any

from store.write import CHUNK

SYSTEM = "ftm"
_TABLES = {"actor": "actors", "source": "sources", "region": "regions", "evidence": "evidence"}

# ------------------------------------------------------------------------------------------------- import


def external_refs(conn: sqlite3.Connection, ftm_ids: Iterable[str]) -> dict[str, tuple[str, str]]:
    """FtM id -> (kind, row id) for ids an earlier import mapped to rows that still exist."""
    wanted = sorted(set(ftm_ids))
    out: dict[str, tuple[str, str]] = {}
    for i in range(0, len(wanted), CHUNK):
        chunk = wanted[i : i + CHUNK]
        marks = ",".join("?" * len(chunk))
        rows = conn.execute(
            f"SELECT external_id, kind, ref_id FROM external_ids WHERE system = ? AND external_id IN ({marks})",
            [SYSTEM, *chunk],
        ).fetchall()
        by_kind: dict[str, set[str]] = {}
        for _, kind, ref in rows:
            by_kind.setdefault(kind, set()).add(ref)
        alive: set[tuple[str, str]] = set()
        for kind, refs in by_kind.items():
            table = _TABLES.get(kind)
            if table is None:
                continue
            ids = sorted(refs)
            sql = f"SELECT id FROM {table} WHERE id IN ({','.join('?' * len(ids))})"
            alive.update((kind, r[0]) for r in conn.execute(sql, ids))
        out.update((ext, (kind, ref)) for ext, kind, ref in rows if (kind, ref) in alive)
    return out


def region_codes(conn: sqlite3.Connection) -> dict[str, str]:
    """ISO 3166-2 code (upper case) -> region id."""
    return {
        code.upper(): id_ for id_, code in conn.execute("SELECT id, iso_code FROM regions WHERE iso_code IS NOT NULL")
    }


# ------------------------------------------------------------------------------------------------- export


def _in(column: str, ids: Collection[str] | None) -> tuple[str, list[str]]:
    """A WHERE clause restricting `column` to `ids` (through a temp table would need writes; ids are few)."""
    if ids is None:
        return "", []
    return f" WHERE {column} IN (SELECT value FROM json_each(?))", [_json(ids)]


def _json(ids: Collection[str]) -> str:
    import json

    return json.dumps(sorted(ids))


def sources(conn: sqlite3.Connection, ids: Collection[str] | None = None) -> Iterator[dict[str, Any]]:
    where, params = _in("id", ids)
    cur = conn.execute(
        f"SELECT id, title, publisher, authors, url, published, kind, accessed, notes FROM sources{where} ORDER BY id",
        params,
    )
    cols = [d[0] for d in cur.description]
    for row in cur:
        yield dict(zip(cols, row, strict=True))


def _with_aliases(conn: sqlite3.Connection, kind: str, sql: str, params: list[Any]) -> Iterator[dict[str, Any]]:
    cur = conn.execute(sql, params)
    cols = [d[0] for d in cur.description]
    aliases = groupby(
        conn.execute("SELECT ref_id, alias FROM aliases WHERE kind = ? ORDER BY ref_id, alias", (kind,)),
        key=lambda r: r[0],
    )
    pending = next(aliases, None)
    for row in cur:
        rec = dict(zip(cols, row, strict=True))
        while pending is not None and pending[0] < rec["id"]:
            pending = next(aliases, None)
        if pending is not None and pending[0] == rec["id"]:
            rec["aliases"] = [a for _, a in pending[1]]
            pending = next(aliases, None)
        else:
            rec["aliases"] = []
        yield rec


def actors(conn: sqlite3.Connection, ids: Collection[str] | None = None) -> Iterator[dict[str, Any]]:
    where, params = _in("id", ids)
    sql = f"SELECT id, name, kind, country, summary, role FROM actors{where} ORDER BY id"
    return _with_aliases(conn, "actor", sql, params)


def regions(conn: sqlite3.Connection, ids: Collection[str] | None = None) -> Iterator[dict[str, Any]]:
    where, params = _in("id", ids)
    sql = f"SELECT id, name, kind, iso_code, parent_id, occupied_since FROM regions{where} ORDER BY id"
    return _with_aliases(conn, "region", sql, params)


def evidence(conn: sqlite3.Connection, ids: Collection[str] | None = None) -> Iterator[dict[str, Any]]:
    """Findings with `actors` [(id, role)] and `regions` [id]."""
    where, params = _in("id", ids)
    cur = conn.execute(
        "SELECT id, claim, quote, category, date, quantity, unit, source_id, locator, status, confidence "
        f"FROM evidence{where} ORDER BY id",
        params,
    )
    cols = [d[0] for d in cur.description]
    links = {
        "actors": groupby(
            conn.execute("SELECT evidence_id, actor_id, role FROM evidence_actors ORDER BY evidence_id, actor_id"),
            key=lambda r: r[0],
        ),
        "regions": groupby(
            conn.execute("SELECT evidence_id, region_id FROM evidence_regions ORDER BY evidence_id, region_id"),
            key=lambda r: r[0],
        ),
    }
    pending = {k: next(g, None) for k, g in links.items()}
    for row in cur:
        rec = dict(zip(cols, row, strict=True))
        for key, group in links.items():
            head = pending[key]
            while head is not None and head[0] < rec["id"]:
                head = next(group, None)
            items = []
            if head is not None and head[0] == rec["id"]:
                items = list(head[1])
                head = next(group, None)
            pending[key] = head
            rec[key] = [(r[1], r[2]) for r in items] if key == "actors" else [r[1] for r in items]
        yield rec


def relations(conn: sqlite3.Connection, actor_ids: Collection[str] | None = None) -> Iterator[dict[str, Any]]:
    """Relations with their ends' actor kinds (between `actor_ids` only, when given)."""
    cur = conn.execute(
        'SELECT r.subject_id, r.object_id, r.kind, r.role, r.evidence_id, r.start, r."end", '
        "s.kind AS subject_kind, o.kind AS object_kind, e.source_id FROM relations r "
        "JOIN actors s ON s.id = r.subject_id JOIN actors o ON o.id = r.object_id "
        "LEFT JOIN evidence e ON e.id = r.evidence_id "
        "ORDER BY r.subject_id, r.object_id, r.kind"
    )
    cols = [d[0] for d in cur.description]
    for row in cur:
        rec = dict(zip(cols, row, strict=True))
        if actor_ids is None or (rec["subject_id"] in actor_ids and rec["object_id"] in actor_ids):
            yield rec


def involved(conn: sqlite3.Connection, evidence_ids: Collection[str]) -> tuple[set[str], set[str]]:
    """The actors linked to, and the sources cited by, the given findings."""
    ids = _json(evidence_ids)
    actors = {
        r[0]
        for r in conn.execute(
            "SELECT DISTINCT actor_id FROM evidence_actors WHERE evidence_id IN (SELECT value FROM json_each(?))",
            (ids,),
        )
    }
    sources = {
        r[0]
        for r in conn.execute(
            "SELECT DISTINCT source_id FROM evidence WHERE id IN (SELECT value FROM json_each(?))", (ids,)
        )
    }
    return actors, sources
