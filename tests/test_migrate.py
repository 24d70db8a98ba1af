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
            cols = ", ".join(f"[{c}]" for c in columns[n]) if columns and n in columns else "*"
            out[n] = sorted(conn.execute(f"SELECT {cols} FROM [{n}]").fetchall(), key=repr)
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
