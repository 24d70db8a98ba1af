"""The schema as an interface: names, foreign keys and their indexes, WAL, FTS that Datasette detects, and the
triggers that keep aliases, linked names and counts right whoever writes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlite_utils

from store import connect
from store.errors import DatabaseUnavailable
from store.schema import SCHEMA_VERSION

INTERFACE = {
    "sources": {"id", "title", "publisher", "authors", "url", "published", "kind", "accessed", "notes"},
    "actors": {"id", "name", "kind", "country", "summary", "role"},
    "regions": {"id", "name", "kind", "iso_code", "parent_id", "occupied_since"},
    "aliases": {"kind", "ref_id", "alias"},
    "evidence": {
        "id",
        "claim",
        "quote",
        "category",
        "date",
        "quantity",
        "unit",
        "source_id",
        "locator",
        "status",
        "confidence",
    },
    "evidence_actors": {"evidence_id", "actor_id", "role"},
    "evidence_regions": {"evidence_id", "region_id"},
    "relations": {"subject_id", "object_id", "kind", "evidence_id", "start", "end"},
    "imports": {"id", "path", "sha256", "format", "started", "finished", "counts"},
    "meta": {"key", "value"},
}


def test_interface_tables_and_columns(empty_db: Path) -> None:
    db = sqlite_utils.Database(empty_db)
    for table, columns in INTERFACE.items():
        assert columns <= set(db[table].columns_dict), table
    assert db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == str(SCHEMA_VERSION)


def test_foreign_keys_are_declared_and_every_one_is_indexed(empty_db: Path) -> None:
    db = sqlite_utils.Database(empty_db)
    fks = {(fk.table, fk.column, fk.other_table) for t in db.tables for fk in t.foreign_keys}
    assert {
        ("evidence", "source_id", "sources"),
        ("evidence_actors", "evidence_id", "evidence"),
        ("evidence_actors", "actor_id", "actors"),
        ("evidence_regions", "region_id", "regions"),
        ("relations", "subject_id", "actors"),
        ("relations", "object_id", "actors"),
        ("relations", "evidence_id", "evidence"),
        ("regions", "parent_id", "regions"),
    } <= fks
    before = {i.name for t in db.tables for i in t.indexes}
    db.index_foreign_keys()  # would create an index for any FK column without one
    assert {i.name for t in db.tables for i in t.indexes} == before


def test_rollback_mode_at_rest_and_fts_that_datasette_detects(empty_db: Path) -> None:
    """At rest a database is in rollback-journal mode (reading it creates no file; store.journal)."""
    db = sqlite_utils.Database(empty_db)
    assert db.journal_mode == "delete"
    for table in ("evidence", "actors", "regions", "sources"):
        assert db[table].detect_fts() == f"{table}_fts"
        assert f'content="{table}"' in db[f"{table}_fts"].schema
        assert "porter unicode61 remove_diacritics 2" in db[f"{table}_fts"].schema


def _match(conn: sqlite3.Connection, table: str, query: str) -> list[str]:
    sql = f"SELECT t.id FROM {table}_fts JOIN {table} t ON t.rowid = {table}_fts.rowid WHERE {table}_fts MATCH ?"
    return sorted(r[0] for r in conn.execute(sql, (query,)))


def test_aliases_stay_searchable_after_changes_by_any_writer(db: Path) -> None:
    conn = sqlite3.connect(db)  # plain sqlite3, as another tool would write
    conn.execute("INSERT INTO aliases (kind, ref_id, alias) VALUES ('actor', 'huawei', 'Huawei Zhongxing Co')")
    conn.commit()
    assert _match(conn, "actors", "zhongxing") == ["huawei"]
    # ... and the findings linked to Huawei are found by the new alias too.
    assert "chinese-corporations-proxy-firms" in _match(conn, "evidence", "zhongxing")
    conn.execute("DELETE FROM aliases WHERE alias = 'Huawei Zhongxing Co'")
    conn.commit()
    assert _match(conn, "actors", "zhongxing") == []
    assert _match(conn, "evidence", "zhongxing") == []
    assert "luhansk" in _match(conn, "regions", "lugansk")
    conn.execute("INSERT INTO evidence_fts(evidence_fts, rank) VALUES('integrity-check', 1)")
    conn.execute("INSERT INTO actors_fts(actors_fts, rank) VALUES('integrity-check', 1)")


def test_links_update_linked_names_and_counts(db: Path) -> None:
    conn = sqlite3.connect(db)
    count = conn.execute("SELECT evidence_count FROM actors WHERE id = 'ri-group'").fetchone()[0]
    assert "bank-branches-sell-yuan" not in _match(conn, "evidence", '"RI Group"')
    conn.execute("INSERT INTO evidence_actors (evidence_id, actor_id) VALUES ('bank-branches-sell-yuan', 'ri-group')")
    conn.commit()
    assert "bank-branches-sell-yuan" in _match(conn, "evidence", '"RI Group"')
    assert conn.execute("SELECT evidence_count FROM actors WHERE id = 'ri-group'").fetchone()[0] == count + 1
    conn.execute("UPDATE actors SET name = 'Renamed Group' WHERE id = 'ri-group'")
    conn.commit()
    assert "bank-branches-sell-yuan" in _match(conn, "evidence", "renamed")
    conn.execute("DELETE FROM evidence_actors WHERE evidence_id = 'bank-branches-sell-yuan' AND actor_id = 'ri-group'")
    conn.commit()
    assert "bank-branches-sell-yuan" not in _match(conn, "evidence", "renamed")
    assert conn.execute("SELECT evidence_count FROM actors WHERE id = 'ri-group'").fetchone()[0] == count
    conn.execute("INSERT INTO evidence_fts(evidence_fts, rank) VALUES('integrity-check', 1)")


def test_counts_match_the_links(built_db: Path) -> None:
    conn = sqlite3.connect(built_db)
    for table, link, col in (("actors", "evidence_actors", "actor_id"), ("regions", "evidence_regions", "region_id")):
        wrong = conn.execute(
            f"SELECT id FROM {table} t WHERE evidence_count != (SELECT count(*) FROM {link} WHERE {col} = t.id)"
        ).fetchall()
        assert wrong == []
    wrong = conn.execute(
        "SELECT id FROM sources s WHERE evidence_count != (SELECT count(*) FROM evidence WHERE source_id = s.id)"
    ).fetchall()
    assert wrong == []


def test_readonly_connection_cannot_write(built_db: Path) -> None:
    conn = connect.open_readonly(built_db)
    with pytest.raises(sqlite3.OperationalError):
        conn.execute("DELETE FROM evidence")
    conn.close()


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "no database at"), (b"", "not a SQLite database"), (b"hello world" * 100, "not a SQLite database")],
)
def test_unusable_files_give_clear_messages(tmp_path: Path, content: bytes | None, message: str) -> None:
    path = tmp_path / "x.db"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(DatabaseUnavailable, match=message):
        connect.open_readonly(path)


def test_a_sqlite_file_that_is_not_ours(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    sqlite3.connect(path).execute("CREATE TABLE t (x)").connection.commit()
    with pytest.raises(DatabaseUnavailable, match="not a findings database"):
        connect.open_readonly(path)


def test_a_newer_schema_is_refused(db: Path) -> None:
    conn = sqlite3.connect(db)
    conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    with pytest.raises(DatabaseUnavailable, match="newer"):
        connect.open_readonly(db)
    with pytest.raises(DatabaseUnavailable, match="newer"):
        connect.open_readwrite(db)
