"""Reads for FollowTheMoney import and export.

Import: which FtM ids (and identifiers) earlier imports mapped to which rows and whether they created them, the
rows as stored (to tell an identical record), curated findings, what a file's earlier import held, regions.
Export: every table as a stream of dicts, each entity with its aliases or links, read with ordered cursors
merged in Python so that no table is loaded whole.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterable, Iterator, Sequence
from itertools import groupby
from typing import Any

from store.write import CHUNK

SYSTEM = "ftm"
_TABLES = {"actor": "actors", "source": "sources", "region": "regions", "evidence": "evidence"}

# ------------------------------------------------------------------------------------------------- import

REFERENT = "ftm-referent"  # external_ids.system of the other ids an entity had (FtM `referents`)


def _id_chunks(ids: Iterable[str]) -> Iterator[list[str]]:
    wanted = sorted(set(ids))
    for i in range(0, len(wanted), CHUNK):
        yield wanted[i : i + CHUNK]


def external_refs(conn: sqlite3.Connection, ftm_ids: Iterable[str]) -> dict[str, tuple[str, str, bool]]:
    """FtM id -> (kind, row id, created) for ids an earlier import mapped to rows that still exist: an entity's
    own id first, else one of its referents. `created` is False for a mapping to a record from elsewhere."""
    out: dict[str, tuple[str, str, bool]] = {}
    for chunk in _id_chunks(ftm_ids):
        marks = ",".join("?" * len(chunk))
        rows = conn.execute(
            "SELECT external_id, kind, ref_id, created, system = ? FROM external_ids "
            f"WHERE system IN (?, ?) AND external_id IN ({marks}) ORDER BY system = ?",
            [SYSTEM, SYSTEM, REFERENT, *chunk, SYSTEM],
        ).fetchall()
        by_kind: dict[str, set[str]] = {}
        for _, kind, ref, _, _ in rows:
            by_kind.setdefault(kind, set()).add(ref)
        alive: set[tuple[str, str]] = set()
        for kind, refs in by_kind.items():
            table = _TABLES.get(kind)
            if table is None:
                continue
            ids = sorted(refs)
            sql = f"SELECT id FROM {table} WHERE id IN ({','.join('?' * len(ids))})"
            alive.update((kind, r[0]) for r in conn.execute(sql, ids))
        for ext, kind, ref, created, _ in rows:  # own ids come last, so they win
            if (kind, ref) in alive:
                out[ext] = (kind, ref, bool(created))
    return out


def identifier_refs(conn: sqlite3.Connection, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """(system, identifier) -> the actor an earlier import gave it (INN, LEI, IMO, ...), for actors that exist."""
    by_system: dict[str, list[str]] = {}
    for system, ident in set(keys):
        by_system.setdefault(system, []).append(ident)
    found: dict[tuple[str, str], str] = {}
    for system, idents in sorted(by_system.items()):
        for chunk in _id_chunks(idents):  # one system at a time, by the primary key (nothing else to filter on)
            sql = (
                "SELECT external_id, kind, ref_id FROM external_ids "
                f"WHERE system = ? AND external_id IN ({','.join('?' * len(chunk))})"
            )
            found.update(
                ((system, ext), ref) for ext, kind, ref in conn.execute(sql, [system, *chunk]) if kind == "actor"
            )
    alive: set[str] = set()
    for chunk in _id_chunks(found.values()):
        alive.update(
            r[0] for r in conn.execute(f"SELECT id FROM actors WHERE id IN ({','.join('?' * len(chunk))})", chunk)
        )
    return {key: ref for key, ref in found.items() if ref in alive}


def actor_names(conn: sqlite3.Connection) -> Iterator[tuple[str, str]]:
    """(actor id, name or alias) of every actor: what an imported actor is compared with."""
    yield from conn.execute("SELECT id, name FROM actors")
    yield from conn.execute("SELECT ref_id, alias FROM aliases WHERE kind = 'actor'")


def stored_rows(conn: sqlite3.Connection, table: str, columns: Sequence[str], ids: Iterable[str]) -> dict[str, tuple]:
    """id -> the row's `columns` (the first being id), for the ids that exist in `table`."""
    assert table in _TABLES.values()
    select = ", ".join(f'"{c}"' for c in columns)
    out: dict[str, tuple] = {}
    for chunk in _id_chunks(ids):
        sql = f"SELECT {select} FROM {table} WHERE id IN ({','.join('?' * len(chunk))})"
        out.update((row[0], tuple(row)) for row in conn.execute(sql, chunk))
    return out


def stored_aliases(conn: sqlite3.Connection, kind: str, ids: Iterable[str]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for chunk in _id_chunks(ids):
        sql = f"SELECT ref_id, alias FROM aliases WHERE kind = ? AND ref_id IN ({','.join('?' * len(chunk))})"
        for ref, alias in conn.execute(sql, [kind, *chunk]):
            out.setdefault(ref, set()).add(alias)
    return out


def stored_links(conn: sqlite3.Connection, ids: Iterable[str]) -> dict[str, tuple[set, set]]:
    """finding id -> ({(actor id, role)}, {region id})."""
    out: dict[str, tuple[set, set]] = {}
    for chunk in _id_chunks(ids):
        marks = ",".join("?" * len(chunk))
        for ev, actor, role in conn.execute(
            f"SELECT evidence_id, actor_id, role FROM evidence_actors WHERE evidence_id IN ({marks})", chunk
        ):
            out.setdefault(ev, (set(), set()))[0].add((actor, role))
        for ev, region in conn.execute(
            f"SELECT evidence_id, region_id FROM evidence_regions WHERE evidence_id IN ({marks})", chunk
        ):
            out.setdefault(ev, (set(), set()))[1].add(region)
    return out


def curated_findings(conn: sqlite3.Connection, ids: Iterable[str]) -> set[str]:
    """Which of these findings a person has marked curated (an import leaves them as they are)."""
    out: set[str] = set()
    for chunk in _id_chunks(ids):
        sql = f"SELECT id FROM evidence WHERE status = 'curated' AND id IN ({','.join('?' * len(chunk))})"
        out.update(r[0] for r in conn.execute(sql, chunk))
    return out


def pending_same_as(conn: sqlite3.Connection, actor_ids: Iterable[str]) -> set[str]:
    """Which of these actors an open proposal says may be the same as another (a reviewer has not decided)."""
    out: set[str] = set()
    for chunk in _id_chunks(actor_ids):
        sql = (
            "SELECT left_id FROM proposals WHERE kind = 'same-as' AND left_kind = 'actor' AND status = 'open' "
            f"AND left_id IN ({','.join('?' * len(chunk))})"
        )
        out.update(r[0] for r in conn.execute(sql, chunk))
    return out


def stale_records(conn: sqlite3.Connection, path: str, import_id: int) -> list[tuple[str, str, str]]:
    """(FtM id, kind, row id) of what earlier imports of the same file created and this import (which has
    written its own mappings by now) no longer holds."""
    return conn.execute(
        "SELECT x.external_id, x.kind, x.ref_id FROM external_ids x JOIN imports i ON i.id = x.import_id "
        "WHERE x.system = ? AND x.created = 1 AND i.path = ? AND x.import_id != ? ORDER BY x.kind, x.ref_id",
        (SYSTEM, path, import_id),
    ).fetchall()


def imported_before(conn: sqlite3.Connection, path: str, import_id: int) -> bool:
    """Whether an earlier import read a file at `path` (what --prune compares with)."""
    sql = "SELECT 1 FROM imports WHERE path = ? AND id != ? LIMIT 1"
    return conn.execute(sql, (path, import_id)).fetchone() is not None


def mapped(conn: sqlite3.Connection, ftm_ids: Iterable[str]) -> dict[str, tuple[str, str, bool]]:
    """FtM id -> (kind, row id, created) as external_ids has it (relations included, alive or not)."""
    out: dict[str, tuple[str, str, bool]] = {}
    for chunk in _id_chunks(ftm_ids):
        sql = (
            "SELECT external_id, kind, ref_id, created FROM external_ids "
            f"WHERE system = ? AND external_id IN ({','.join('?' * len(chunk))})"
        )
        out.update((ext, (kind, ref, bool(created))) for ext, kind, ref, created in conn.execute(sql, [SYSTEM, *chunk]))
    return out


def region_codes(conn: sqlite3.Connection) -> dict[str, str]:
    """ISO 3166-2 code (upper case) -> region id."""
    return {
        code.upper(): id_ for id_, code in conn.execute("SELECT id, iso_code FROM regions WHERE iso_code IS NOT NULL")
    }


def region_ids(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT id FROM regions")}


def region_names(conn: sqlite3.Connection) -> Iterator[tuple[str, str]]:
    """(region id, name or alias): a region's own names (not the gazetteer's places in it)."""
    yield from conn.execute("SELECT id, name FROM regions")
    yield from conn.execute("SELECT ref_id, alias FROM aliases WHERE kind = 'region'")


def source_title(conn: sqlite3.Connection, source_id: str) -> str | None:
    """The title of a source, None when there is no such source."""
    row = conn.execute("SELECT title FROM sources WHERE id = ?", (source_id,)).fetchone()
    return row[0] if row else None


# ------------------------------------------------------------------------------------------------- export

# The FtM id a record came from, when an FtM import created it (the entity's own id, not a finding made from its
# record, `<id>#location`): the export writes it back, so that FtM tools can merge the file with their data.
_DERIVED = ("#location",)


def _ftm_id_sql(kind: str, ref: str) -> str:
    derived = " ".join(f"AND x.external_id NOT LIKE '%{d}'" for d in _DERIVED)
    return (
        f"(SELECT min(x.external_id) FROM external_ids x WHERE x.kind = '{kind}' AND x.ref_id = {ref} "
        f"AND x.system = '{SYSTEM}' AND x.created = 1 {derived})"
    )


def _in(column: str, ids: Collection[str] | None) -> tuple[str, list[str]]:
    """A WHERE clause restricting `column` to `ids` (through a temp table would need writes; ids are few)."""
    if ids is None:
        return "", []
    return f" WHERE {column} IN (SELECT value FROM json_each(?))", [_json(ids)]


def _json(ids: Collection[str]) -> str:
    import json

    return json.dumps(sorted(ids))


class _Groups:
    """Rows of an ordered query grouped by their first column, taken for ascending keys (a merge with another
    ordered stream, so that no table is loaded whole)."""

    def __init__(self, rows: Iterable[tuple]) -> None:
        self._groups = groupby(rows, key=lambda r: r[0])
        self._pending = next(self._groups, None)

    def take(self, key: str) -> list[tuple]:
        while self._pending is not None and self._pending[0] < key:
            self._pending = next(self._groups, None)
        if self._pending is None or self._pending[0] != key:
            return []
        rows = [r[1:] for r in self._pending[1]]
        self._pending = next(self._groups, None)
        return rows


def _with_groups(
    conn: sqlite3.Connection, kind: str, sql: str, params: list[Any], *, aliases: bool = True
) -> Iterator[dict[str, Any]]:
    """Records with `aliases` and `ftm` (their FtM values: prop -> [values])."""
    cur = conn.execute(sql, params)
    cols = [d[0] for d in cur.description]
    alias_rows = (
        _Groups(conn.execute("SELECT ref_id, alias FROM aliases WHERE kind = ? ORDER BY ref_id, alias", (kind,)))
        if aliases
        else None
    )
    values = _Groups(
        conn.execute("SELECT ref_id, properties FROM ftm_properties WHERE kind = ? ORDER BY ref_id", (kind,))
    )
    for row in cur:
        rec = dict(zip(cols, row, strict=True))
        if alias_rows is not None:
            rec["aliases"] = [a for (a,) in alias_rows.take(rec["id"])]
        rec["ftm"] = _values(values.take(rec["id"]))
        yield rec


def _values(rows: list[tuple]) -> dict[str, list[str]]:
    import json

    return json.loads(rows[0][0]) if rows else {}


def sources(conn: sqlite3.Connection, ids: Collection[str] | None = None) -> Iterator[dict[str, Any]]:
    where, params = _in("id", ids)
    sql = (
        "SELECT id, title, publisher, authors, url, published, kind, accessed, notes, "
        f"{_ftm_id_sql('source', 'sources.id')} AS ftm_id FROM sources{where} ORDER BY id"
    )
    return _with_groups(conn, "source", sql, params, aliases=False)


def actors(conn: sqlite3.Connection, ids: Collection[str] | None = None) -> Iterator[dict[str, Any]]:
    """Actors with aliases, FtM values, `identifiers` [(system, value)] and `referents` [FtM id]."""
    where, params = _in("id", ids)
    sql = (
        "SELECT id, name, kind, country, summary, role, "
        f"{_ftm_id_sql('actor', 'actors.id')} AS ftm_id FROM actors{where} ORDER BY id"
    )
    external = _Groups(
        conn.execute(
            "SELECT ref_id, system, external_id FROM external_ids WHERE kind = 'actor' AND system != ? "
            "ORDER BY ref_id, system, external_id",
            (SYSTEM,),
        )
    )
    for rec in _with_groups(conn, "actor", sql, params):
        rows = external.take(rec["id"])
        rec["identifiers"] = [(s, x) for s, x in rows if s != REFERENT]
        rec["referents"] = [x for s, x in rows if s == REFERENT]
        yield rec


def regions(conn: sqlite3.Connection, ids: Collection[str] | None = None) -> Iterator[dict[str, Any]]:
    where, params = _in("id", ids)
    sql = (
        f"SELECT id, name, kind, iso_code, parent_id, occupied_since, {_ftm_id_sql('region', 'regions.id')} AS ftm_id, "
        f"{_ftm_id_sql('region', 'regions.parent_id')} AS parent_ftm_id FROM regions{where} ORDER BY id"
    )
    return _with_groups(conn, "region", sql, params)


def wholes(conn: sqlite3.Connection) -> dict[str, tuple[list[str], list[str], list[str]]]:
    """Regions that have parts (the occupied territories as a whole): id -> (the ids of its parts, their names,
    the countries of their ISO 3166-2 codes, lower case: ['ua'])."""
    out: dict[str, tuple[list[str], list[str], list[str]]] = {}
    for parent, part, name, iso in conn.execute(
        "SELECT parent_id, id, name, iso_code FROM regions WHERE parent_id IS NOT NULL ORDER BY parent_id, name"
    ):
        ids, names, countries = out.setdefault(parent, ([], [], []))
        ids.append(part)
        names.append(name)
        country = iso.split("-")[0].lower() if iso and "-" in iso else None
        if country and country not in countries:
            countries.append(country)
    return out


def evidence(conn: sqlite3.Connection, ids: Collection[str] | None = None) -> Iterator[dict[str, Any]]:
    """Findings with `actors` [(id, role, FtM id, kind, FtM schema imported from)], `regions` [id], FtM values,
    their own and their source's FtM ids."""
    where, params = _in("id", ids)
    sql = (
        "SELECT id, claim, quote, category, date, quantity, unit, source_id, locator, status, confidence, lang, "
        f"{_ftm_id_sql('evidence', 'evidence.id')} AS ftm_id, "
        f"{_ftm_id_sql('source', 'evidence.source_id')} AS source_ftm_id FROM evidence{where} ORDER BY id"
    )
    links = _Groups(
        conn.execute(
            f"SELECT l.evidence_id, l.actor_id, l.role, {_ftm_id_sql('actor', 'l.actor_id')}, a.kind, "
            f"{_schema_sql('l.actor_id')} FROM evidence_actors l JOIN actors a ON a.id = l.actor_id "
            "ORDER BY l.evidence_id, l.actor_id"
        )
    )
    places = _Groups(
        conn.execute("SELECT evidence_id, region_id FROM evidence_regions ORDER BY evidence_id, region_id")
    )
    for rec in _with_groups(conn, "evidence", sql, params, aliases=False):
        rec["actors"] = links.take(rec["id"])
        rec["regions"] = [r for (r,) in places.take(rec["id"])]
        yield rec


def _schema_sql(actor: str) -> str:
    """The FtM schema an actor was imported from (None for one made here)."""
    return (
        "(SELECT json_extract(p.properties, '$.\"@schema\"[0]') FROM ftm_properties p WHERE p.kind = 'actor' "
        f"AND p.ref_id = {actor})"
    )


def relations(conn: sqlite3.Connection, actor_ids: Collection[str] | None = None) -> Iterator[dict[str, Any]]:
    """Relations with their ends' actor kinds and FtM ids, their own FtM id (and FtM values) when an FtM import
    made them (between `actor_ids` only, when given)."""
    ftm_id = (
        "(SELECT min(x.external_id) FROM external_ids x WHERE x.kind = 'relation' AND x.system = 'ftm' "
        "AND x.created = 1 AND x.ref_id = CAST(r.id AS TEXT))"
    )
    cur = conn.execute(
        'SELECT r.id, r.subject_id, r.object_id, r.kind, r.role, r.evidence_id, r.start, r."end", r.percentage, '
        f"s.kind AS subject_kind, o.kind AS object_kind, e.source_id, {ftm_id} AS ftm_id, "
        "EXISTS (SELECT 1 FROM external_ids x WHERE x.kind = 'relation' AND x.ref_id = CAST(r.id AS TEXT)) AS keyed, "
        f"{_ftm_id_sql('actor', 'r.subject_id')} AS subject_ftm_id, "
        f"{_ftm_id_sql('actor', 'r.object_id')} AS object_ftm_id, "
        f"{_ftm_id_sql('source', 'e.source_id')} AS source_ftm_id, "
        f"{_schema_sql('r.subject_id')} AS subject_schema, {_schema_sql('r.object_id')} AS object_schema "
        "FROM relations r JOIN actors s ON s.id = r.subject_id JOIN actors o ON o.id = r.object_id "
        "LEFT JOIN evidence e ON e.id = r.evidence_id "
        "ORDER BY r.subject_id, r.object_id, r.kind, r.id"
    )
    cols = [d[0] for d in cur.description]
    for row in cur:
        rec = dict(zip(cols, row, strict=True))
        if actor_ids is None or (rec["subject_id"] in actor_ids and rec["object_id"] in actor_ids):
            rec["ftm"] = (
                _values(
                    conn.execute(
                        "SELECT properties FROM ftm_properties WHERE kind = 'relation' AND ref_id = ?",
                        (rec["ftm_id"],),
                    ).fetchall()
                )
                if rec["ftm_id"]
                else {}
            )
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
