"""Schema upgrades: each step takes a database from version N to N+1; all steps run in one transaction.

Writing commands upgrade an older database inside their own write transaction (store.write.begin), so a failed
import leaves it untouched; `findings migrate` does it explicitly. The read-only explorer never upgrades: it
asks the user to run `findings migrate`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from store import schema
from store.schema import GAZETTEER_INDEX, GAZETTEER_TABLE, SCHEMA_VERSION

Step = str | Callable[[sqlite3.Connection], None]


def _fill_derived_columns(conn: sqlite3.Connection) -> None:
    """Version 3's derived columns for the rows already there: places, then every row's matching keys."""
    from store import derived_keys

    conn.execute(
        "UPDATE regions SET places = (SELECT group_concat(name, ' ; ') FROM (SELECT name FROM gazetteer g "
        "WHERE g.region_id = regions.id ORDER BY name))"
    )
    for table in schema.KEYED_FROM:
        derived_keys.refresh(conn, table)


def _version_3() -> list[Step]:
    """Language, matching keys and place names: new columns, the full-text indexes made again with them."""
    steps: list[Step] = []
    for table in schema.FTS_COLUMNS:
        steps += schema.drop_fts_statements(table)
    steps += [
        "ALTER TABLE sources ADD COLUMN lang TEXT",
        "ALTER TABLE sources ADD COLUMN keys TEXT",
        "ALTER TABLE sources ADD COLUMN stems TEXT",
        "ALTER TABLE actors ADD COLUMN keys TEXT",
        "ALTER TABLE actors ADD COLUMN stems TEXT",
        "ALTER TABLE regions ADD COLUMN places TEXT",
        "ALTER TABLE regions ADD COLUMN keys TEXT",
        "ALTER TABLE regions ADD COLUMN stems TEXT",
        "ALTER TABLE evidence ADD COLUMN lang TEXT",
        "ALTER TABLE evidence ADD COLUMN keys TEXT",
        "ALTER TABLE evidence ADD COLUMN stems TEXT",
        *schema.PLACES_TRIGGERS,
        _fill_derived_columns,
    ]
    for table, columns in schema.FTS_COLUMNS.items():
        steps += schema.fts_statements(table, columns)
    return [*steps, *schema.VOCABULARY]


# from-version -> the steps that make it from-version + 1: SQL statements (no executescript: it commits) or
# functions of the connection, run in order inside the one transaction.
MIGRATIONS: dict[int, list[Step]] = {
    1: [GAZETTEER_TABLE, GAZETTEER_INDEX],  # 2: place names for article tagging and FtM addresses
    2: _version_3(),  # 3: language of findings and sources; matching keys; regions' place names searchable
}


def current_version(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(row[0])


def upgrade_in_transaction(conn: sqlite3.Connection) -> tuple[int, int]:
    """Bring the database to SCHEMA_VERSION inside the caller's write transaction; returns (from, to)."""
    start = current_version(conn)
    for version in range(start, SCHEMA_VERSION):
        for step in MIGRATIONS[version]:
            if callable(step):
                step(conn)
            else:
                conn.execute(step)
    if start != SCHEMA_VERSION:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),))
    return start, SCHEMA_VERSION


def upgrade(conn: sqlite3.Connection) -> tuple[int, int]:
    """Bring the database to SCHEMA_VERSION in a transaction of its own; nothing changes on failure."""
    from store.connect import ensure_wal

    conn.execute("BEGIN IMMEDIATE")
    try:
        versions = upgrade_in_transaction(conn)
    except BaseException:
        if conn.in_transaction:  # SQLite may have rolled back itself (a full disk)
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    ensure_wal(conn)
    return versions
