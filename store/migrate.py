"""Schema upgrades: each step takes a database from version N to N+1; all steps run in one transaction.

Writing commands upgrade an older database when they open it (store.connect.open_readwrite); `findings migrate`
does it explicitly. The read-only explorer never upgrades: it asks the user to run `findings migrate`.
"""

from __future__ import annotations

import sqlite3

from store.schema import SCHEMA_VERSION

# from-version -> the statements that make it from-version + 1. Plain SQL only (no executescript: it commits).
MIGRATIONS: dict[int, list[str]] = {}


def current_version(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(row[0])


def upgrade(conn: sqlite3.Connection) -> tuple[int, int]:
    """Bring `conn`'s database to SCHEMA_VERSION in one transaction; returns (from, to). Nothing on failure."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        start = current_version(conn)
        for version in range(start, SCHEMA_VERSION):
            for statement in MIGRATIONS[version]:
                conn.execute(statement)
        conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return start, SCHEMA_VERSION
