"""Schema upgrades: each step takes a database from version N to N+1; all steps run in one transaction.

Writing commands upgrade an older database inside their own write transaction (store.write.begin), so a failed
import leaves it untouched; `findings migrate` does it explicitly (store.write.upgrade). The read-only explorer
never upgrades: it asks the user to run `findings migrate`.
"""

from __future__ import annotations

import sqlite3

from store.schema import (
    CAPTURES_INDEXES,
    CAPTURES_TABLE,
    CHANGES_INDEXES,
    CHANGES_TABLE,
    CHANGES_TRIGGERS,
    EXTERNAL_IDS_COLUMNS,
    EXTERNAL_IDS_INDEX,
    FTM_PROPERTIES_TABLE,
    GAZETTEER_INDEX,
    GAZETTEER_TABLE,
    PROPOSALS_INDEXES,
    PROPOSALS_TABLE,
    RELATIONS_INDEXES,
    RELATIONS_TABLE,
    SCHEMA_VERSION,
    SENSITIVE_COLUMNS,
)

# 2 -> 3: relations lose UNIQUE (subject_id, object_id, kind) and gain `percentage` (SQLite cannot drop a
# constraint: the table is rebuilt with the same row ids, so external ids pointing at relations stay right);
# external_ids gain `created` and `import_id`; proposals and ftm_properties are new. Every existing external id
# was written by the import that created its record, hence `created` 1.
_V3 = [
    "ALTER TABLE relations RENAME TO relations_v2",
    RELATIONS_TABLE,
    'INSERT INTO relations (id, subject_id, object_id, kind, role, evidence_id, start, "end") '
    'SELECT id, subject_id, object_id, kind, role, evidence_id, start, "end" FROM relations_v2',
    "DROP TABLE relations_v2",
    *RELATIONS_INDEXES,
    *EXTERNAL_IDS_COLUMNS,
    EXTERNAL_IDS_INDEX,
    PROPOSALS_TABLE,
    *PROPOSALS_INDEXES,
    FTM_PROPERTIES_TABLE,
]

# 3 -> 4: the history (changes, append-only), captured sources, sensitivity. Records that existed before have no
# history (their history starts with the next change); nothing is sensitive until someone says so.
_V4 = [CHANGES_TABLE, *CHANGES_INDEXES, *CHANGES_TRIGGERS, CAPTURES_TABLE, *CAPTURES_INDEXES, *SENSITIVE_COLUMNS]

# from-version -> the statements that make it from-version + 1. Plain SQL only (no executescript: it commits).
MIGRATIONS: dict[int, list[str]] = {
    1: [GAZETTEER_TABLE, GAZETTEER_INDEX],  # 2: place names for article tagging and FtM addresses
    2: _V3,  # 3: several relations per pair, provenance of external ids, proposals, FtM values
    3: _V4,  # 4: history, captures, sensitivity
}


def current_version(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(row[0])


def upgrade_in_transaction(conn: sqlite3.Connection) -> tuple[int, int]:
    """Bring the database to SCHEMA_VERSION inside the caller's write transaction; returns (from, to)."""
    start = current_version(conn)
    for version in range(start, SCHEMA_VERSION):
        for statement in MIGRATIONS[version]:
            conn.execute(statement)
    if start != SCHEMA_VERSION:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),))
    return start, SCHEMA_VERSION
