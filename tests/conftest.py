"""Shared fixtures: a database built from dataset/ (built once per session, copied per test) and a CLI runner."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

ROOT = Path(__file__).resolve().parent.parent


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
