"""Your findings live in your own database; the shipped data.db is reference data that imports never touch and
`findings build` rebuilds, refusing to delete anything it did not make.

Every test has its own FINDINGS_HOME (tests/conftest.py), so "your database" is a file under a temporary
directory; the checkout's data.db is the shipped one."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from store import paths
from tests.conftest import ROOT, digest, one, run_cli
from tests.terminal import run_in_terminal, screen

SHIPPED = ROOT / "data.db"
MINE = """\
actors:
  - {id: acme, name: Acme Trading, kind: company, country: CN}
evidence:
  - id: acme-port
    claim: Acme Trading shipped cranes to the port of Sevastopol.
    category: logistics
    date: 2025-03
    source: kyiv-independent-occupied-economy
    actors: [acme]
    regions: [crimea]
"""


@pytest.fixture
def my_yaml(tmp_path: Path) -> Path:
    path = tmp_path / "my.yaml"
    path.write_text(MINE, encoding="utf-8")
    return path


@pytest.fixture
def untouched_shipped():  # type: ignore[no-untyped-def]
    """The checkout's data.db (and the files beside it) must be exactly as before the test."""
    before = digest(SHIPPED), sorted(p.name for p in ROOT.glob("data.db*"))
    yield
    assert (digest(SHIPPED), sorted(p.name for p in ROOT.glob("data.db*"))) == before


def evidence_count(db: Path) -> int:
    return one(db, "SELECT count(*) FROM evidence")  # type: ignore[return-value]


def test_an_import_without_db_creates_your_database_from_the_shipped_data(
    my_yaml: Path, findings_home: Path, built_db: Path, untouched_shipped: None
) -> None:
    result = run_cli("import", "yaml", str(my_yaml))
    assert result.exit_code == 0, result.output
    mine = findings_home / "findings.db"
    assert f"Created your database {mine}" in result.output  # says where it is
    assert evidence_count(mine) == evidence_count(built_db) + 1  # the reference data plus the import
    assert one(mine, "SELECT status FROM evidence WHERE id = 'acme-port'") == "unreviewed"
    assert sorted(p.name for p in findings_home.iterdir()) == ["findings.db"]  # no temporary copy left
    again = run_cli("import", "yaml", str(my_yaml))
    assert again.exit_code == 0 and "Created" not in again.output  # once
    assert evidence_count(mine) == evidence_count(built_db) + 1


def git_status() -> str:
    done = subprocess.run(["git", "status", "--porcelain", "data.db"], cwd=ROOT, capture_output=True, text=True)
    return done.stdout if done.returncode == 0 else "(not a git checkout)"


def test_as_a_process_an_import_leaves_the_checkout_clean(
    my_yaml: Path, findings_home: Path, untouched_shipped: None
) -> None:
    before = git_status()
    done = subprocess.run(
        [sys.executable, "main.py", "import", "yaml", str(my_yaml)], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert (findings_home / "findings.db").is_file()
    assert git_status() == before  # git does not see data.db modified


def test_a_failed_first_import_leaves_nothing(tmp_path: Path, findings_home: Path, untouched_shipped: None) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(MINE.replace("regions: [crimea]", "regions: [atlantis]"), encoding="utf-8")  # no such region
    result = run_cli("import", "yaml", str(bad))
    assert result.exit_code == 1 and "atlantis" in result.output
    assert not findings_home.exists()


def test_a_dry_run_says_where_your_database_would_be_and_creates_nothing(
    my_yaml: Path, findings_home: Path, untouched_shipped: None
) -> None:
    result = run_cli("import", "yaml", str(my_yaml), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "would be created" in result.output and str(findings_home / "findings.db") in result.output
    assert not findings_home.exists()
    actors = sorted(str(p) for p in (ROOT / "dataset" / "actors").glob("*.yaml"))
    reference = run_cli("import", "yaml", *actors, "--dry-run")
    assert "nothing to import" in reference.output or "would be inserted" in reference.output
    assert " 24 " in reference.output  # compared with the shipped data: its 24 actors are unchanged


@pytest.mark.parametrize("how", ["--db data.db", "--db ./data.db", "--db ROOT/data.db", "FINDINGS_DB", "after"])
def test_an_import_into_the_shipped_data_is_refused(
    how: str, my_yaml: Path, findings_home: Path, untouched_shipped: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    args = ["import", "yaml", str(my_yaml)]
    if how == "FINDINGS_DB":
        monkeypatch.setenv("FINDINGS_DB", str(SHIPPED))
    elif how == "after":
        args += ["--db", "data.db"]
    else:
        args = ["--db", how.split()[1].replace("ROOT", str(ROOT)), *args]
    result = run_cli(*args)
    assert result.exit_code == 1
    (line,) = result.output.strip().splitlines()
    assert "shipped reference data" in line and "leave out --db" in line and "--db OTHER" in line
    assert not findings_home.exists()


def test_an_explicit_new_path_is_a_new_empty_database(tmp_path: Path, findings_home: Path) -> None:
    new = tmp_path / "team.db"
    notes = tmp_path / "notes.yaml"
    notes.write_text(
        "source: {id: notes, title: Field notes}\n"
        "evidence:\n  - {id: note-1, claim: A note., category: other, regions: [crimea]}\n",
        encoding="utf-8",
    )
    refused = run_cli("import", "yaml", str(notes), "--db", str(new))
    assert refused.exit_code == 1 and "crimea" in refused.output  # empty: no Crimea to link to
    assert not new.exists()
    notes.write_text(notes.read_text().replace(", regions: [crimea]", ""), encoding="utf-8")
    assert run_cli("import", "yaml", str(notes), "--db", str(new)).exit_code == 0
    assert evidence_count(new) == 1 and not findings_home.exists()


def test_lookups_and_check_read_your_database_once_you_have_one(my_yaml: Path, findings_home: Path) -> None:
    assert run_cli("import", "yaml", str(my_yaml)).exit_code == 0
    assert "acme-port" in run_cli("search", "cranes").output
    assert "Acme Trading" in run_cli("show", "actor", "acme").output
    assert str(findings_home / "findings.db") in run_cli("check").output
    assert run_cli("stats", "--json").output.count('"evidence": ') >= 1
    done = subprocess.run(  # the Click-free door too
        [sys.executable, "main.py", "search", "cranes", "--json"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0 and '"acme-port"' in done.stdout, done.stderr


def test_the_explorer_opens_your_database(my_yaml: Path, findings_home: Path, built_db: Path) -> None:
    shipped = evidence_count(built_db)
    assert run_cli("import", "yaml", str(my_yaml)).exit_code == 0
    env = {**os.environ, "TERM": "xterm-256color"}
    done = run_in_terminal(
        [sys.executable, "main.py"], env, ROOT, until=lambda out: f"Evidence {shipped + 1}" in screen(out)
    )
    assert f"Evidence {shipped + 1}" in screen(done.shown), screen(done.shown)
    assert done.status == 0


def test_build_refuses_to_delete_imports_it_did_not_make(my_yaml: Path, built_db: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.db"
    copy.write_bytes(built_db.read_bytes())
    assert run_cli("build", "--db", str(copy)).exit_code == 0  # only what a build made: rebuilt
    assert run_cli("import", "yaml", str(my_yaml), "--db", str(copy)).exit_code == 0
    before = digest(copy)
    refused = run_cli("build", "--db", str(copy))
    assert refused.exit_code == 1
    (line,) = refused.output.strip().splitlines()
    assert "1 import a build did not make" in line and str(my_yaml) in line and "--force" in line
    assert digest(copy) == before
    forced = run_cli("build", "--db", str(copy), "--force")
    assert forced.exit_code == 0, forced.output
    assert evidence_count(copy) == evidence_count(built_db)  # what the import added is gone, as asked


@pytest.mark.parametrize("kind", ["text", "sqlite", "unmarked"])
def test_build_refuses_a_file_it_did_not_make(kind: str, built_db: Path, tmp_path: Path) -> None:
    target = tmp_path / "target.db"
    if kind == "text":
        target.write_text("my notes\n")
    elif kind == "sqlite":
        sqlite3.connect(target).execute("CREATE TABLE notes (x)").connection.close()
    else:  # a findings database with imports and no mark of a build (as data.db was before builds marked it)
        target.write_bytes(built_db.read_bytes())
        conn = sqlite3.connect(target)
        conn.execute("DELETE FROM meta WHERE key = 'dataset_build'")
        conn.commit()
        conn.close()
    before = digest(target)
    result = run_cli("build", "--db", str(target))
    assert result.exit_code == 1 and "not rebuilding" in result.output and "--force" in result.output
    assert digest(target) == before
    assert run_cli("build", "--db", str(target), "--force").exit_code == 0
    assert evidence_count(target) == evidence_count(built_db)


def test_build_makes_a_new_or_empty_database(empty_db: Path, tmp_path: Path, built_db: Path) -> None:
    for target in (empty_db, tmp_path / "new.db"):
        assert run_cli("build", "--db", str(target)).exit_code == 0
        assert evidence_count(target) == evidence_count(built_db)
        assert one(target, "SELECT value FROM meta WHERE key = 'dataset_build'") == "1"  # one import: the dataset


# ------------------------------------------------------------------------------------------------ the rules


def test_reading_takes_db_then_findings_db_then_yours_then_local_then_shipped(
    tmp_path: Path, findings_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert paths.reading_db() == SHIPPED
    (tmp_path / "data.db").write_bytes(b"")
    assert paths.reading_db() == Path("data.db")
    findings_home.mkdir()
    (findings_home / "findings.db").write_bytes(b"")
    assert paths.reading_db() == findings_home / "findings.db"
    monkeypatch.setenv("FINDINGS_DB", "env.db")
    assert paths.reading_db() == Path("env.db")
    assert paths.reading_db("given.db") == Path("given.db")


def test_writing_takes_db_then_findings_db_then_yours_and_building_the_shipped_one(
    findings_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert paths.writing_db() == findings_home / "findings.db"
    assert (
        paths.building_db() == SHIPPED
        and paths.is_shipped(SHIPPED)
        and paths.is_shipped("data.db") is (Path.cwd().resolve() == ROOT)
    )
    monkeypatch.setenv("FINDINGS_DB", "env.db")
    assert paths.writing_db() == paths.building_db() == Path("env.db")
    assert paths.writing_db("given.db") == paths.building_db("given.db") == Path("given.db")


@pytest.mark.parametrize(
    ("platform", "env", "expected"),
    [
        ("linux", {}, "H/.local/share/findings"),
        ("linux", {"XDG_DATA_HOME": "/xdg"}, "/xdg/findings"),
        ("linux", {"XDG_DATA_HOME": "relative"}, "H/.local/share/findings"),  # the XDG spec: ignored
        ("darwin", {"XDG_DATA_HOME": "/xdg"}, "H/Library/Application Support/findings"),
        ("win32", {"APPDATA": "/appdata"}, "/appdata/findings"),
        ("linux", {"FINDINGS_HOME": "/mine"}, "/mine"),
    ],
)
def test_your_database_is_in_the_platforms_user_data_directory(
    platform: str, env: dict[str, str], expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("FINDINGS_HOME", "XDG_DATA_HOME", "APPDATA"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(sys, "platform", platform)
    assert paths.user_db() == Path(expected.replace("H", str(tmp_path), 1)) / "findings.db"


def test_from_inside_the_bundle_the_program_directory_is_the_zips(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pyz = tmp_path / "stick" / "findings.pyz"
    pyz.parent.mkdir()
    pyz.write_bytes(b"PK")
    monkeypatch.setattr(paths, "__file__", str(pyz / "store" / "paths.py"))
    assert paths.program_dir() == pyz.parent and paths.shipped_db() == pyz.parent / "data.db"


def test_if_another_import_makes_your_database_meanwhile_this_one_keeps_it_and_writes_nothing(
    findings_home: Path, built_db: Path
) -> None:
    from importers.session import ImportSession
    from store.errors import StoreError
    from store.records import Batch

    mine = findings_home / "findings.db"
    with pytest.raises(StoreError, match="another import"), ImportSession(mine, "yaml") as session:
        session.add(Batch())
        mine.write_bytes(built_db.read_bytes())  # the other import, done first
    assert digest(mine) == digest(built_db)
    assert sorted(p.name for p in findings_home.iterdir()) == ["findings.db"]
