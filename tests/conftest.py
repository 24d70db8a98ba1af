"""Shared fixtures: a database built from dataset/ (built once per session, copied per test), a CLI runner, and
a private user data directory for every test (FINDINGS_HOME), so that no test reads or writes the real one."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session", autouse=True)
def _session_findings_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """FINDINGS_HOME for session fixtures, which run before any test's own (below)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FINDINGS_HOME", str(tmp_path_factory.mktemp("findings-home")))
        mp.delenv("FINDINGS_DB", raising=False)
        yield


@pytest.fixture(autouse=True)
def findings_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where this test's own database goes (FINDINGS_HOME, inherited by the processes it starts). Not created:
    the first import without --db makes it."""
    home = tmp_path_factory.mktemp("home") / "findings"
    monkeypatch.setenv("FINDINGS_HOME", str(home))
    monkeypatch.delenv("FINDINGS_DB", raising=False)
    return home


@pytest.fixture(scope="session")
def built_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """data.db as `findings build` makes it from dataset/, built once per test session. Do not modify."""
    from importers.build import build_database

    path = tmp_path_factory.mktemp("built") / "data.db"
    build_database(path)
    return path


@pytest.fixture
def db(built_db: Path, tmp_path: Path) -> Path:
    """A private, writable copy of the dataset database."""
    path = tmp_path / "data.db"
    shutil.copyfile(built_db, path)
    return path


@pytest.fixture
def empty_db(tmp_path: Path) -> Path:
    """A new database with the schema and no rows."""
    from store.connect import open_readwrite

    path = tmp_path / "empty.db"
    open_readwrite(path, create=True).close()
    return path


def run_cli(*args: str, db: Path | None = None, input: str | None = None) -> Result:
    """Run `findings [--db DB] ARGS...` in-process, as a user would from the shell."""
    from main import cli

    argv = (["--db", str(db)] if db is not None else []) + list(args)
    return CliRunner().invoke(cli, argv, input=input, catch_exceptions=False, prog_name="findings")


def query(db: Path, sql: str, *args: object) -> list[tuple]:
    """Rows of `sql` on `db`, through a plain sqlite3 connection (as another tool would read it)."""
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def one(db: Path, sql: str, *args: object) -> object:
    """The one row of `sql` (its single value when it has one column)."""
    rows = query(db, sql, *args)
    assert len(rows) == 1, (sql, args, rows)
    return rows[0][0] if len(rows[0]) == 1 else rows[0]


def digest(path: Path) -> str:
    """SHA-256 of a file's bytes: "unchanged" means byte for byte."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _content_columns() -> dict[str, tuple[str, ...]]:
    from store import schema

    return {
        "sources": schema.SOURCE_COLUMNS,
        "actors": schema.ACTOR_COLUMNS,
        "regions": schema.REGION_COLUMNS,
        "aliases": ("kind", "ref_id", "alias"),
        "evidence": schema.EVIDENCE_COLUMNS,
        "evidence_actors": ("evidence_id", "actor_id", "role"),
        "evidence_regions": ("evidence_id", "region_id"),
        "relations": schema.RELATION_COLUMNS,
    }


CONTENT_TABLES = tuple(_content_columns())


def content(db: Path) -> dict[str, list[tuple]]:
    """What the interface tables hold (the written columns, no derived ones), each table sorted."""
    return {
        table: sorted(query(db, f"SELECT {', '.join(f'[{c}]' for c in cols)} FROM {table}"), key=repr)
        for table, cols in _content_columns().items()
    }
