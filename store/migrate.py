"""Schema upgrades: each step takes a database from version N to N+1; all steps run in one transaction.

Writing commands upgrade an older database inside their own write transaction (store.write.begin), so a failed
import leaves it untouched; `findings migrate` does it explicitly (store.write.upgrade). The read-only explorer
never upgrades: it asks the user to run `findings migrate`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from store import schema
from store.schema import (
    CAPTURES_INDEXES,
    CAPTURES_TABLE,
    CHANGES_INDEXES,
    CHANGES_TABLE,
    CHANGES_TRIGGERS,
    EXTERNAL_IDS_COLUMNS,
    EXTERNAL_IDS_INDEX,
    FACET_COUNTS_FILL,
    FACET_COUNTS_TABLE,
    FTM_PROPERTIES_TABLE,
    GAZETTEER_INDEX,
    GAZETTEER_TABLE,
    PROPOSALS_INDEXES,
    PROPOSALS_TABLE,
    RELATIONS_INDEXES,
    RELATIONS_TABLE,
    ROW_RECOUNT,
    SCHEMA_VERSION,
    SENSITIVE_COLUMNS,
    facet_triggers,
    row_count_triggers,
    statements,
)

Step = str | Callable[[sqlite3.Connection], None]

# 2 -> 3: relations lose UNIQUE (subject_id, object_id, kind) and gain `percentage` (SQLite cannot drop a
# constraint: the table is rebuilt with the same row ids, so external ids pointing at relations stay right);
# external_ids gain `created` and `import_id`; proposals and ftm_properties are new. Every existing external id
# was written by the import that created its record, hence `created` 1.
_V3: list[Step] = [
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


def _fill_derived_columns(conn: sqlite3.Connection) -> None:
    """Version 4's derived columns for the rows already there: places, then every row's matching keys."""
    from store import derived_keys

    conn.execute(
        "UPDATE regions SET places = (SELECT group_concat(name, ' ; ') FROM (SELECT name FROM gazetteer g "
        "WHERE g.region_id = regions.id ORDER BY name))"
    )
    for table in schema.KEYED_FROM:
        derived_keys.refresh(conn, table)


def _version_4() -> list[Step]:
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


# 4 -> 5: the history (changes, append-only), captured sources, sensitivity. Records that existed before have no
# history (their history starts with the next change); nothing is sensitive until someone says so.
_V5: list[Step] = [
    CHANGES_TABLE,
    *CHANGES_INDEXES,
    *CHANGES_TRIGGERS,
    CAPTURES_TABLE,
    *CAPTURES_INDEXES,
    *SENSITIVE_COLUMNS,
]

# 5 -> 6: facet counts kept by triggers, filled from the rows (seconds at a million findings).
_V6: list[Step] = [FACET_COUNTS_TABLE, *statements(facet_triggers()), *FACET_COUNTS_FILL]

# 6 -> 7: the number of actors and of regions kept by triggers (facet_counts, facet 'rows'). Also written by the
# 5 -> 6 fill when both steps run (FACET_RECOUNT counts them), hence the replace.
_V7: list[Step] = [
    *statements(row_count_triggers()),
    f"INSERT OR REPLACE INTO facet_counts (facet, value, n) {ROW_RECOUNT}",
]

# from-version -> the steps that make it from-version + 1: SQL statements (no executescript: it commits) or
# functions of the connection, run in order inside the one transaction.
MIGRATIONS: dict[int, list[Step]] = {
    1: [GAZETTEER_TABLE, GAZETTEER_INDEX],  # 2: place names for article tagging and FtM addresses
    2: _V3,  # 3: several relations per pair, provenance of external ids, proposals, FtM values
    3: _version_4(),  # 4: language of findings and sources; matching keys; regions' place names searchable
    4: _V5,  # 5: history, captures, sensitivity
    5: _V6,  # 6: facet counts (findings per category, year, actor country, and in all)
    6: _V7,  # 7: how many actors and regions, kept
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
