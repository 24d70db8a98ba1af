"""Health checks of a findings database (`findings check`): storage, references, derived data, search indexes.

Each check returns the problems it found; an empty list means healthy. Checks only read, except the FTS5
integrity check, which SQLite runs as an INSERT command (with rank 1, so it also compares the index with its
content table): it runs inside a transaction that is rolled back, and is skipped (with a note) when the file
cannot be written.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from store.schema import FTS_COLUMNS, SCHEMA_VERSION

EXAMPLES = 5


@dataclass
class Finding:
    check: str
    ok: bool
    detail: str = ""
    count: int = 0
    examples: list[str] = field(default_factory=list)


def _rows(conn: sqlite3.Connection, sql: str) -> tuple[int, list[str]]:
    rows = conn.execute(sql).fetchall()
    return len(rows), [" ".join(str(v) for v in row) for row in rows[:EXAMPLES]]


# (check name, what it means when it fails, SQL listing the offending rows)
REFERENCE_CHECKS: list[tuple[str, str, str]] = [
    (
        "evidence without a source",
        "findings whose source_id is empty or names no source",
        "SELECT e.id, e.source_id FROM evidence e LEFT JOIN sources s ON s.id = e.source_id WHERE s.id IS NULL",
    ),
    (
        "evidence links to missing actors",
        "evidence_actors rows whose finding or actor does not exist",
        "SELECT l.evidence_id, l.actor_id FROM evidence_actors l "
        "WHERE NOT EXISTS (SELECT 1 FROM evidence e WHERE e.id = l.evidence_id) "
        "OR NOT EXISTS (SELECT 1 FROM actors a WHERE a.id = l.actor_id)",
    ),
    (
        "evidence links to missing regions",
        "evidence_regions rows whose finding or region does not exist",
        "SELECT l.evidence_id, l.region_id FROM evidence_regions l "
        "WHERE NOT EXISTS (SELECT 1 FROM evidence e WHERE e.id = l.evidence_id) "
        "OR NOT EXISTS (SELECT 1 FROM regions r WHERE r.id = l.region_id)",
    ),
    (
        "relations to missing rows",
        "relations whose subject, object or evidence does not exist",
        "SELECT r.subject_id, r.kind, r.object_id FROM relations r "
        "WHERE NOT EXISTS (SELECT 1 FROM actors a WHERE a.id = r.subject_id) "
        "OR NOT EXISTS (SELECT 1 FROM actors a WHERE a.id = r.object_id) "
        "OR (r.evidence_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM evidence e WHERE e.id = r.evidence_id))",
    ),
    (
        "regions with a missing parent",
        "regions whose parent_id names no region",
        "SELECT r.id, r.parent_id FROM regions r WHERE r.parent_id IS NOT NULL "
        "AND NOT EXISTS (SELECT 1 FROM regions p WHERE p.id = r.parent_id)",
    ),
    (
        "aliases pointing nowhere",
        "aliases whose actor, region or source does not exist",
        "SELECT a.kind, a.ref_id, a.alias FROM aliases a WHERE NOT ("
        "(a.kind = 'actor' AND EXISTS (SELECT 1 FROM actors x WHERE x.id = a.ref_id)) OR "
        "(a.kind = 'region' AND EXISTS (SELECT 1 FROM regions x WHERE x.id = a.ref_id)) OR "
        "(a.kind = 'source' AND EXISTS (SELECT 1 FROM sources x WHERE x.id = a.ref_id)))",
    ),
    (
        "external ids pointing nowhere",
        "external_ids whose row does not exist",
        "SELECT x.system, x.external_id, x.kind, x.ref_id FROM external_ids x WHERE NOT ("
        "(x.kind = 'actor' AND EXISTS (SELECT 1 FROM actors t WHERE t.id = x.ref_id)) OR "
        "(x.kind = 'region' AND EXISTS (SELECT 1 FROM regions t WHERE t.id = x.ref_id)) OR "
        "(x.kind = 'source' AND EXISTS (SELECT 1 FROM sources t WHERE t.id = x.ref_id)) OR "
        "(x.kind = 'evidence' AND EXISTS (SELECT 1 FROM evidence t WHERE t.id = x.ref_id)) OR "
        "(x.kind = 'relation' AND EXISTS (SELECT 1 FROM relations t WHERE t.id = CAST(x.ref_id AS INTEGER))))",
    ),
]

DERIVED_CHECKS: list[tuple[str, str, str]] = [
    (
        "actor evidence counts",
        "actors.evidence_count differs from the number of linked findings",
        "SELECT a.id, a.evidence_count, c.n FROM actors a LEFT JOIN "
        "(SELECT actor_id, count(*) AS n FROM evidence_actors GROUP BY actor_id) c ON c.actor_id = a.id "
        "WHERE a.evidence_count != coalesce(c.n, 0)",
    ),
    (
        "region evidence counts",
        "regions.evidence_count differs from the number of linked findings",
        "SELECT r.id, r.evidence_count, c.n FROM regions r LEFT JOIN "
        "(SELECT region_id, count(*) AS n FROM evidence_regions GROUP BY region_id) c ON c.region_id = r.id "
        "WHERE r.evidence_count != coalesce(c.n, 0)",
    ),
    (
        "source evidence counts",
        "sources.evidence_count differs from the number of findings citing it",
        "SELECT s.id, s.evidence_count, c.n FROM sources s LEFT JOIN "
        "(SELECT source_id, count(*) AS n FROM evidence GROUP BY source_id) c ON c.source_id = s.id "
        "WHERE s.evidence_count != coalesce(c.n, 0)",
    ),
    (
        "alias columns",
        "actors.aka / regions.aka differ from the aliases table (search would miss aliases)",
        "SELECT 'actor', a.id FROM actors a WHERE coalesce(a.aka, '') != coalesce((SELECT group_concat(alias, ' ; ') "
        "FROM (SELECT alias FROM aliases WHERE kind = 'actor' AND ref_id = a.id ORDER BY alias)), '') "
        "UNION ALL SELECT 'region', r.id FROM regions r WHERE coalesce(r.aka, '') != coalesce((SELECT "
        "group_concat(alias, ' ; ') FROM (SELECT alias FROM aliases WHERE kind = 'region' AND ref_id = r.id "
        "ORDER BY alias)), '')",
    ),
]


def run_checks(path: Path) -> list[Finding]:
    """Every check, in order. The database is opened read-only (plus a rolled-back FTS check if writable)."""
    from store.connect import open_readonly

    conn = open_readonly(path)
    try:
        out = [
            _damaged(name, check, conn)
            for name, check in (
                ("storage integrity", _integrity),
                ("foreign keys", _foreign_keys),
                ("schema version", _version),
            )
        ]
        for name, detail, sql in REFERENCE_CHECKS + DERIVED_CHECKS:
            try:
                n, examples = _rows(conn, sql)
            except sqlite3.DatabaseError as e:  # a damaged page: report it and go on with the other checks
                out.append(Finding(name, False, f"could not be checked: {e}", 1))
                continue
            out.append(Finding(name, n == 0, detail if n else "", n, examples))
        out.append(_damaged("history", _history, conn))
    finally:
        conn.close()
    out += _fts(path)
    return out


def _damaged(name: str, check: Callable[[sqlite3.Connection], Finding], conn: sqlite3.Connection) -> Finding:
    """Run one check; a file too damaged to run it on is a failed check, not a crash."""
    try:
        return check(conn)
    except sqlite3.DatabaseError as e:
        return Finding(name, False, f"could not be checked: {e}", 1)


def _history(conn: sqlite3.Connection) -> Finding:
    from store.history import inconsistencies

    n, examples = inconsistencies(conn, limit=EXAMPLES)
    detail = "records differ from their history (changed outside findings, or history lost)" if n else ""
    return Finding("history", n == 0, detail, n, examples)


def _integrity(conn: sqlite3.Connection) -> Finding:
    rows = [r[0] for r in conn.execute("PRAGMA integrity_check")]
    ok = rows == ["ok"]
    return Finding(
        "storage integrity",
        ok,
        "" if ok else "PRAGMA integrity_check reports damage",
        len(rows) * (not ok),
        rows[:EXAMPLES] if not ok else [],
    )


def _foreign_keys(conn: sqlite3.Connection) -> Finding:
    rows = conn.execute("PRAGMA foreign_key_check").fetchall()
    examples = [f"{table} row {rowid} -> {parent}" for table, rowid, parent, _ in rows[:EXAMPLES]]
    return Finding("foreign keys", not rows, "rows point at missing parents" if rows else "", len(rows), examples)


def _version(conn: sqlite3.Connection) -> Finding:
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    ok = row is not None and row[0] == str(SCHEMA_VERSION)
    detail = "" if ok else f"schema version {row[0] if row else 'missing'}; expected {SCHEMA_VERSION}"
    return Finding("schema version", ok, detail)


def _fts(path: Path) -> list[Finding]:
    try:
        conn = sqlite3.connect(path, isolation_level=None, timeout=10)
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as e:
        return [Finding("search indexes", True, f"not checked: the file cannot be written ({e})")]
    out = []
    try:
        for table in FTS_COLUMNS:
            try:
                conn.execute(f"INSERT INTO {table}_fts({table}_fts, rank) VALUES ('integrity-check', 1)")
                out.append(Finding(f"search index of {table}", True))
            except sqlite3.DatabaseError as e:
                if "readonly" in str(e):  # opened read-only after all (a read-only file, directory or disk)
                    return [Finding("search indexes", True, f"not checked: the file cannot be written ({e})")]
                out.append(
                    Finding(
                        f"search index of {table}",
                        False,
                        f"{table}_fts disagrees with {table} ({e}); rebuild it with "
                        f"INSERT INTO {table}_fts({table}_fts) VALUES('rebuild')",
                        1,
                    )
                )
    finally:
        conn.execute("ROLLBACK")
        conn.close()
    return out
