"""Shared fixtures: a database built from dataset/ (built once per session, copied per test), a CLI runner, and
a private user data directory for every test (FINDINGS_HOME), so that no test reads or writes the real one."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

ROOT = Path(__file__).resolve().parent.parent


def _keep_bytecode() -> None:
    """Compile each module once per change, not once per process: with PYTHONDONTWRITEBYTECODE (set on some
    machines, CI's among them) every program a test starts, and every run, compiled everything it imports again.
    The bytecode goes under the system's temporary directory (PYTHONPYCACHEPREFIX, inherited by the processes the
    tests start), never into the checkout; Python checks it against each source file's time stamp."""
    prefix = os.environ.get("PYTHONPYCACHEPREFIX") or str(
        Path(tempfile.gettempdir()) / f"findings-pycache-{getattr(os, 'getuid', lambda: 0)()}"
    )
    os.environ["PYTHONPYCACHEPREFIX"] = sys.pycache_prefix = prefix
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    sys.dont_write_bytecode = False


_keep_bytecode()


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    """The whole suite (`pytest` with no paths) runs on every core when pytest-xdist is installed: most of its time
    is spent waiting for processes and terminals, which overlaps well even on two cores. A file or test named on
    the command line runs in this process, as does any run given -n (-n 0: none), -p no:xdist or --pdb."""
    if not config.pluginmanager.hasplugin("xdist") or config.option.numprocesses is not None:
        return
    if hasattr(config, "workerinput"):  # a worker runs this hook too: it must not start workers of its own
        return
    if config.args_source is pytest.Config.ArgsSource.TESTPATHS and not config.getoption("usepdb", False):
        config.option.numprocesses = "auto"
        if config.option.dist == "no":
            config.option.dist = "loadgroup"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With xdist, a file's tests stay on one worker (its module fixtures are built once), unless a test names
    its own group. (A worker parses the command line, not the options chosen above: it is told here.)"""
    if not hasattr(config, "workerinput"):
        return
    config.option.loadgroup = True
    for item in items:
        if item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(item.path.name))


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


def import_yaml(db: Path, tmp_path: Path, text: str, name: str = "new.yaml") -> str:
    """Import YAML `text` (written to `tmp_path`/`name`) into `db` as a user would; returns what it said on stderr."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    result = run_cli("import", "yaml", str(path), db=db)
    assert result.exit_code == 0, result.output
    return result.stderr


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
