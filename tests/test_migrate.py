"""Schema upgrades: an older database is refused by readers with advice, and upgraded by writers and by
`findings migrate` in one transaction that keeps every row."""

from __future__ import annotations

import hashlib
import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from store import connect, migrate
from store.errors import DatabaseUnavailable
from store.schema import SCHEMA_VERSION
from tests.conftest import ROOT, run_cli

V1 = ROOT / "tests" / "data" / "schema-v1.db"  # data.db as schema version 1 wrote it


@pytest.fixture
def old_db(tmp_path: Path) -> Path:
    path = tmp_path / "old.db"
    shutil.copyfile(V1, path)
    return path


def table_rows(path: Path, columns: dict[str, list[str]] | None = None) -> dict[str, list[tuple]]:
    """Every row of every table but meta and the FTS tables; `columns`: only these columns of each table (the
    columns an older version had), else all."""
    conn = sqlite3.connect(path)
    try:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '%fts%' AND name != 'meta'"
            )
        ]
        out = {}
        for n in names:
            cols = (columns or {}).get(n) or [r[1] for r in conn.execute(f"PRAGMA table_info([{n}])")]
            select = ", ".join(f"[{c}]" for c in cols)
            out[n] = sorted(conn.execute(f"SELECT {select} FROM [{n}]").fetchall(), key=repr)
        return out
    finally:
        conn.close()


def table_columns(path: Path) -> dict[str, list[str]]:
    conn = sqlite3.connect(path)
    try:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {n: [r[1] for r in conn.execute(f"PRAGMA table_info([{n}])")] for n in names}
    finally:
        conn.close()


def schema_of(path: Path) -> set[tuple[str, str]]:
    conn = sqlite3.connect(path)
    try:
        # the same up to spacing (ALTER TABLE ADD COLUMN writes `0\n, keys TEXT)` where CREATE TABLE has `0,\n keys
        # TEXT\n)`)
        return {
            (r[0], re.sub(r"\s*([,()])\s*", r"\1", " ".join(r[1].split())))
            for r in conn.execute("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL")
        }
    finally:
        conn.close()


def test_the_fixture_is_an_older_version() -> None:
    conn = sqlite3.connect(V1)
    assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == ("1",)
    assert SCHEMA_VERSION > 1


def test_readers_refuse_an_older_database_and_say_how_to_upgrade(old_db: Path) -> None:
    with pytest.raises(DatabaseUnavailable, match=r"findings --db .* migrate"):
        connect.open_readonly(old_db)


def test_migrate_upgrades_and_keeps_all_data(old_db: Path, empty_db: Path) -> None:
    before, columns = table_rows(old_db), table_columns(old_db)
    result = run_cli("migrate", db=old_db)
    assert result.exit_code == 0, result.output
    assert f"upgraded from schema version 1 to {SCHEMA_VERSION}" in result.output
    after = table_rows(old_db, columns)
    for table, rows in before.items():
        assert after[table] == rows, table
    # The upgraded schema is the one a new database gets.
    assert schema_of(old_db) == schema_of(empty_db)
    connect.open_readonly(old_db).close()
    again = run_cli("migrate", db=old_db)
    assert again.exit_code == 0 and "nothing to do" in again.output
    assert run_cli("check", db=old_db).exit_code == 0


def test_a_writing_command_upgrades_on_the_way(old_db: Path, tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("actors:\n  - {id: newcomer, name: Newcomer, kind: person}\n", encoding="utf-8")
    result = run_cli("import", "yaml", str(path), db=old_db)
    assert result.exit_code == 0, result.output
    conn = connect.open_readonly(old_db)
    assert conn.execute("SELECT count(*) FROM actors WHERE id = 'newcomer'").fetchone() == (1,)
    assert conn.execute("SELECT count(*) FROM gazetteer").fetchone() == (0,)


def test_a_failed_migration_changes_nothing(old_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    digest = hashlib.sha256(old_db.read_bytes()).hexdigest()
    broken = {1: [*migrate.MIGRATIONS[1], "CREATE TABLE actors (x)"]}  # fails after the first steps ran
    monkeypatch.setattr(migrate, "MIGRATIONS", broken)
    result = run_cli("migrate", db=old_db)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    conn = sqlite3.connect(old_db)
    assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == ("1",)
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'gazetteer'").fetchone() == (0,)
    conn.close()
    # The main file's bytes are untouched (WAL mode: the rolled-back work never reached it).
    assert hashlib.sha256(old_db.read_bytes()).hexdigest() == digest


def test_migrate_on_a_missing_file(tmp_path: Path) -> None:
    result = run_cli("migrate", db=tmp_path / "none.db")
    assert result.exit_code == 1
    assert "no database at" in result.stderr


def _make_v2(path: Path) -> None:
    """A version-2 database as that version wrote it: the v1 fixture with the one v1 -> v2 step applied, plus
    what a v2 FollowTheMoney import left (external ids, a relation keyed only by its pair)."""
    shutil.copyfile(V1, path)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("BEGIN")
        for statement in migrate.MIGRATIONS[1]:
            conn.execute(statement)
        conn.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
        conn.execute(
            "INSERT INTO actors (id, name, kind) VALUES ('boyuan', 'Shenzhen Boyuan', 'company'), "
            "('krymtekh', 'Krymtekh Logistics', 'company')"
        )
        conn.execute(
            "INSERT INTO relations (subject_id, object_id, kind, role, start) "
            "VALUES ('boyuan', 'krymtekh', 'owns', '50%', '2019')"
        )
        conn.execute(
            "INSERT INTO external_ids (system, external_id, kind, ref_id) VALUES "
            "('ftm', 'co-boyuan', 'actor', 'boyuan'), ('ftm', 'co-krymtekh', 'actor', 'krymtekh')"
        )
        conn.execute("COMMIT")
    finally:
        conn.close()


def test_a_version_2_database_upgrades_keeping_all_data(tmp_path: Path, empty_db: Path) -> None:
    old = tmp_path / "v2.db"
    _make_v2(old)
    before, columns = table_rows(old), table_columns(old)
    assert "UNIQUE (subject_id, object_id, kind)" in " ".join(
        r[0] for r in sqlite3.connect(old).execute("SELECT sql FROM sqlite_master WHERE name = 'relations'")
    )
    result = run_cli("migrate", db=old)
    assert result.exit_code == 0, result.output
    assert f"upgraded from schema version 2 to {SCHEMA_VERSION}" in result.output
    after = table_rows(old, columns)
    for table, rows in before.items():
        assert after[table] == rows, table
    assert schema_of(old) == schema_of(empty_db)
    conn = sqlite3.connect(old)
    try:
        # the relation kept its row id (what external ids of relations point at), and new columns are empty
        relation = conn.execute(
            "SELECT id, percentage FROM relations WHERE subject_id = 'boyuan' AND object_id = 'krymtekh'"
        ).fetchall()
        assert len(relation) == 1 and relation[0][1] is None
        old_ids = [r[0] for r in sqlite3.connect(V1).execute("SELECT id FROM relations ORDER BY id")]
        assert [r[0] for r in conn.execute("SELECT id FROM relations ORDER BY id")][: len(old_ids)] == old_ids
        # every external id an import wrote stands for a record that import created
        assert conn.execute("SELECT DISTINCT created FROM external_ids").fetchall() == [(1,)]
        assert conn.execute("SELECT count(*) FROM proposals").fetchone() == (0,)
        # and a second relation between the same pair is now possible (an ownership history)
        conn.execute(
            "INSERT INTO relations (subject_id, object_id, kind, percentage) "
            "VALUES ('boyuan', 'krymtekh', 'owns', '48')"
        )
    finally:
        conn.close()
    assert run_cli("check", db=old).exit_code == 0
