"""What a rebuilt database takes over from the one it replaces: the local things a shared tree does not hold.

`findings sync` rebuilds your database from the merged tree. A tree holds the records and their history; what
stays local to the database they were made in is carried from the old database to the new one here, for the
records that still exist: the import log, captured sources (an article's kept text), FollowTheMoney relations
(several may join one pair: a tree holds relations by pair), external ids and FtM values, and proposals. Row
ids of the import log and of FtM relations are numbered anew, and what points at them follows.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path


def _tables(conn: sqlite3.Connection, schema: str) -> set[str]:
    return {r[0] for r in conn.execute(f"SELECT name FROM {schema}.sqlite_master WHERE type = 'table'")}


def _columns(conn: sqlite3.Connection, schema: str, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f"PRAGMA {schema}.table_info([{table}])")]


def carry_local(new_path: Path, old_path: Path) -> dict[str, int]:
    """Copy the local rows of the database at `old_path` into the new one at `new_path`, in one transaction;
    returns how many rows of each table came over."""
    new = sqlite3.connect(new_path.resolve().as_uri(), uri=True, isolation_level=None)
    try:
        new.execute("ATTACH DATABASE ? AS old", (f"{old_path.resolve().as_uri()}?mode=ro",))
        new.execute("BEGIN IMMEDIATE")
        try:
            counts = _carry(new)
            new.execute("COMMIT")
        except BaseException:
            if new.in_transaction:
                new.execute("ROLLBACK")
            raise
        new.execute("DETACH DATABASE old")
        return counts
    finally:
        new.close()


def _carry(new: sqlite3.Connection) -> dict[str, int]:
    old_tables = _tables(new, "old")
    counts: dict[str, int] = {}
    built_through = 0
    if "meta" in old_tables:
        row = new.execute("SELECT value FROM old.meta WHERE key = 'dataset_build'").fetchone()
        built_through = int(row[0]) if row and str(row[0]).isdigit() else 0
    imports: dict[int, int] = {}
    if "imports" in old_tables:
        for id_, path, sha, fmt, started, finished, n in new.execute(
            "SELECT id, path, sha256, format, started, finished, counts FROM old.imports WHERE id > ? ORDER BY id",
            (built_through,),
        ).fetchall():
            cur = new.execute(
                "INSERT INTO imports (path, sha256, format, started, finished, counts) VALUES (?, ?, ?, ?, ?, ?)",
                (path, sha, fmt, started, finished, n),
            )
            imports[id_] = int(cur.lastrowid or 0)
        counts["imports"] = len(imports)

    def imp(value: int | None) -> int | None:
        return imports.get(value) if value is not None else None

    if "captures" in old_tables and "captures" in _tables(new, "main"):
        cols = [c for c in _columns(new, "old", "captures") if c not in ("id", "import_id")]
        rows = new.execute(
            f"SELECT import_id, {', '.join(cols)} FROM old.captures WHERE collector != 'dataset' ORDER BY id"
        ).fetchall()
        new.executemany(
            f"INSERT INTO captures (import_id, {', '.join(cols)}) VALUES ({', '.join('?' * (len(cols) + 1))})",
            [(imp(r[0]), *r[1:]) for r in rows],
        )
        counts["captures"] = len(rows)

    # FtM relations, renumbered; a relation whose actors are gone stays behind
    relation_ids: dict[str, str] = {}
    if "external_ids" in old_tables:
        rows = new.execute(
            """SELECT r.id, r.subject_id, r.object_id, r.kind, r.role, r.evidence_id, r.start, r."end", r.percentage
                 FROM old.relations r
                WHERE r.id IN (SELECT CAST(ref_id AS INTEGER) FROM old.external_ids
                                WHERE system = 'ftm' AND kind = 'relation')
                  AND r.subject_id IN (SELECT id FROM main.actors) AND r.object_id IN (SELECT id FROM main.actors)
                ORDER BY r.id"""
        ).fetchall()
        for old_id, *values in rows:
            if (
                values[4] is not None
                and not new.execute("SELECT 1 FROM evidence WHERE id = ?", (values[4],)).fetchone()
            ):
                values[4] = None
            cur = new.execute(
                'INSERT INTO relations (subject_id, object_id, kind, role, evidence_id, start, "end", percentage) '
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                values,
            )
            relation_ids[str(old_id)] = str(cur.lastrowid)
        counts["relations"] = len(rows)
        if "changes" in old_tables:
            counts["changes"] = _carry_relation_history(new, relation_ids, imp)
        n = 0
        for system, external_id, kind, ref_id, created, import_id in new.execute(
            "SELECT system, external_id, kind, ref_id, created, import_id FROM old.external_ids"
        ).fetchall():
            if kind == "relation":
                if ref_id not in relation_ids:
                    continue
                ref_id = relation_ids[ref_id]
            elif not _exists(new, kind, ref_id):
                continue
            n += new.execute(
                "INSERT OR IGNORE INTO external_ids (system, external_id, kind, ref_id, created, import_id) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (system, external_id, kind, ref_id, created, imp(import_id)),
            ).rowcount
        counts["external_ids"] = n
    if "ftm_properties" in old_tables:
        n = 0
        for kind, ref_id, properties in new.execute(
            "SELECT kind, ref_id, properties FROM old.ftm_properties"
        ).fetchall():
            if kind == "relation" or _exists(new, kind, ref_id):
                n += new.execute(
                    "INSERT OR IGNORE INTO ftm_properties (kind, ref_id, properties) VALUES (?, ?, ?)",
                    (kind, ref_id, properties),
                ).rowcount
        counts["ftm_properties"] = n
    if "proposals" in old_tables:
        cols = [c for c in _columns(new, "old", "proposals") if c not in ("id", "import_id")]
        n = 0
        for r in new.execute(f"SELECT import_id, {', '.join(cols)} FROM old.proposals ORDER BY id").fetchall():
            row = dict(zip(cols, r[1:], strict=True))
            if _exists(new, row["left_kind"], row["left_id"]) and _exists(new, row["right_kind"], row["right_id"]):
                n += new.execute(
                    f"INSERT OR IGNORE INTO proposals (import_id, {', '.join(cols)}) "
                    f"VALUES ({', '.join('?' * (len(cols) + 1))})",
                    (imp(r[0]), *r[1:]),
                ).rowcount
        counts["proposals"] = n
    return counts


def _carry_relation_history(
    new: sqlite3.Connection, relation_ids: dict[str, str], imp: Callable[[int | None], int | None]
) -> int:
    """The history rows of the carried FtM relations (a tree holds none), after the tree's, each naming its
    relation's new row id and import; returns how many came over."""
    carried: dict[int, int] = {}
    next_id = new.execute("SELECT coalesce(max(id), 0) + 1 FROM changes").fetchone()[0]
    for id_, at, who, kind, record, field, before, after, note, import_id, action, undoes in new.execute(
        "SELECT id, at, who, kind, record_id, field, before, after, note, import_id, action, undoes "
        "FROM old.changes WHERE kind = 'relation' ORDER BY id"
    ).fetchall():
        target = relation_ids.get(record)
        if target is None:
            continue
        carried[id_] = next_id
        group = carried.get(action) if action is not None else None  # an action is named by its first row
        undone = carried.get(undoes) if undoes is not None else None
        new.execute(
            "INSERT INTO changes (id, at, who, kind, record_id, field, before, after, note, import_id, action, undoes) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (next_id, at, who, kind, target, field, before, after, note, imp(import_id), group, undone),
        )
        next_id += 1
    return len(carried)


_TABLE_OF = {"actor": "actors", "region": "regions", "source": "sources", "evidence": "evidence"}


def _exists(conn: sqlite3.Connection, kind: str, ref_id: str) -> bool:
    table = _TABLE_OF.get(kind)
    if table is None:
        return False
    return conn.execute(f"SELECT 1 FROM main.[{table}] WHERE id = ?", (ref_id,)).fetchone() is not None
