"""Damaged and unusable databases: truncated, random bytes, damaged pages, a newer schema, a read-only file or
directory, a full disk. Every command family (import, search, show, stats, export, check, migrate, the explorer)
answers with a clear message and exit 1 — or, where it can still do its job (reading a read-only file), does it —
and nothing is lost: the database file is left exactly as it was.

Read-only files are made with chmod; as root, where permissions do not stop writes, with a read-only bind mount
(and a read-only tmpfs for the directory). The full disk is a small tmpfs where one can be mounted, and always the
test-only FINDINGS_MAX_PAGE_COUNT hook of store.connect (SQLite's max_page_count on the writer's connection).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, digest

GOOD_YAML = "actors:\n  - {id: damage-probe, name: Damage Probe, kind: company}\n"
V1 = ROOT / "tests" / "data" / "schema-v1.db"

FAMILIES: dict[str, tuple[str, ...]] = {
    "import": ("import", "yaml", "{good}"),
    "search": ("search", "yuan"),
    "search-json": ("search", "--json", "yuan"),
    "show": ("show", "actor", "china"),
    "stats": ("stats",),
    "export": ("export", "csv"),
    "check": ("check",),
    "migrate": ("migrate",),
    "tui": ("tui",),  # these databases are refused before the explorer starts
}


def findings(
    db: Path, *argv: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess:
    """The real program, as a user runs it (standard input closed, output piped)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("FINDINGS_")}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--db", str(db), *argv],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env=environment,
        cwd=cwd or db.parent,
        timeout=60,
    )


def one_error_line(proc: subprocess.CompletedProcess, *fragments: str) -> str:
    assert proc.returncode == 1, (proc.returncode, proc.stdout[-500:], proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout and "internal error" not in lines[0]
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


def counts(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        tables = ("sources", "actors", "regions", "aliases", "evidence", "evidence_actors", "relations", "imports")
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
    finally:
        conn.close()


# --------------------------------------------------------------------------------------- unreadable files


def _truncated(db: Path) -> None:
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 2])


def _header_only(db: Path) -> None:
    db.write_bytes(db.read_bytes()[:100])


def _random_bytes(db: Path) -> None:
    db.write_bytes(random.Random(7).randbytes(64 * 1024))


def _random_after_header(db: Path) -> None:
    db.write_bytes(db.read_bytes()[:100] + random.Random(8).randbytes(64 * 1024))


def _newer_schema(db: Path) -> None:
    conn = sqlite3.connect(db)
    conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()


DAMAGED = ("cannot be read as a database", "the database file is damaged")  # one or the other
DAMAGE = {
    "truncated": (_truncated, DAMAGED),
    "header-only": (_header_only, DAMAGED),
    "random-bytes": (_random_bytes, ("is not a SQLite database",)),
    "random-after-header": (_random_after_header, DAMAGED),
    "newer-schema": (_newer_schema, ("newer than this program understands",)),
}


@pytest.mark.parametrize("family", list(FAMILIES))
@pytest.mark.parametrize("damage", list(DAMAGE))
def test_an_unusable_database_is_one_clear_line_and_left_as_it_was(
    db: Path, tmp_path: Path, damage: str, family: str
) -> None:
    make, messages = DAMAGE[damage]
    make(db)
    good = tmp_path / "good.yaml"
    good.write_text(GOOD_YAML, encoding="utf-8")
    before = digest(db)
    argv = [a.replace("{good}", str(good)) for a in FAMILIES[family]]
    line = one_error_line(findings(db, *argv))
    assert any(m in line for m in messages), line
    assert str(db) in line or "findings check" in line  # which file, or what to do
    assert digest(db) == before, "the damaged file was changed"


@pytest.mark.parametrize("family", ["search", "search-json", "show", "stats", "export", "check", "tui"])
def test_readers_of_an_older_schema_say_how_to_upgrade(tmp_path: Path, family: str) -> None:
    """The explorer and the lookups only read: they ask for `findings migrate` (writers upgrade on their own)."""
    old = tmp_path / "old.db"
    shutil.copyfile(V1, old)
    before = digest(old)
    one_error_line(findings(old, *FAMILIES[family]), "schema version 1", f"findings --db {old} migrate")
    assert digest(old) == before


# ---------------------------------------------------------------------------------------- damaged pages


@pytest.fixture
def damaged_pages(db: Path) -> Path:
    """The schema is intact, but the pages holding the findings (table and search index) are overwritten."""
    conn = sqlite3.connect(db)
    try:
        pages = [
            r[0]
            for r in conn.execute(
                "SELECT pageno FROM dbstat WHERE name IN ('evidence', 'evidence_fts_data') AND pagetype = 'leaf'"
            )
        ]
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    except sqlite3.OperationalError:
        pytest.skip("this SQLite has no dbstat table to find the pages of a table")
    finally:
        conn.close()
    rng = random.Random(11)
    with db.open("r+b") as f:
        for page in pages:
            f.seek((page - 1) * page_size)
            f.write(rng.randbytes(page_size))
    return db


@pytest.mark.parametrize(
    "argv",
    [("search", "yuan"), ("search", "--json", "yuan"), ("show", "actor", "china"), ("export", "csv", "yuan")],
    ids=" ".join,
)
def test_reading_damaged_pages_is_one_clear_line(damaged_pages: Path, argv: tuple[str, ...]) -> None:
    before = digest(damaged_pages)
    one_error_line(findings(damaged_pages, *argv), "the database file is damaged", "findings check")
    assert digest(damaged_pages) == before


def test_check_reports_damaged_pages_instead_of_failing(damaged_pages: Path) -> None:
    before = digest(damaged_pages)
    proc = findings(damaged_pages, "check")
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr == "" and "Traceback" not in proc.stdout
    failed = [line for line in proc.stdout.splitlines() if line.strip().startswith("FAIL")]
    assert any("storage integrity" in line for line in failed), proc.stdout
    assert any("search index of evidence" in line for line in failed), proc.stdout
    # repair refuses damaged storage: the index's line does not send you there (a QA run followed it)
    assert "`findings repair` rebuilds it" not in proc.stdout and "restore the database from a backup" in proc.stdout
    # every text is read only from storage known to be intact
    assert "words mixing Latin and Cyrillic letters: not run (the storage is damaged)" in proc.stdout
    assert digest(damaged_pages) == before


def headless_tui(db: Path, rounds: int = 1) -> tuple[int, dict]:
    """A scripted explorer session (tests/headless_tui.py) in its own process; (exit status, its report)."""
    with tempfile.TemporaryDirectory(prefix="tui-session-") as scratch:  # where a stray export would go
        proc = subprocess.run(
            [sys.executable, str(ROOT / "tests" / "headless_tui.py"), str(db), str(rounds)],
            capture_output=True,
            text=True,
            cwd=scratch,
            timeout=120,
        )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, json.loads(proc.stdout.strip().splitlines()[-1])


def test_the_explorer_on_damaged_pages_says_so_and_keeps_running(damaged_pages: Path) -> None:
    before = digest(damaged_pages)
    status, report = headless_tui(damaged_pages, rounds=0)  # the home screen as it opens
    assert status == 1 and report["unreadable"] and report["running"], report  # "could not read the list: ..."
    assert "China" in report["text"]  # what is not damaged is still there to browse
    assert digest(damaged_pages) == before


# ----------------------------------------------------------------------------------------------- read-only


def _mount(*argv: str) -> bool:
    return subprocess.run(["mount", *argv], capture_output=True).returncode == 0


def _as_root() -> bool:
    return os.geteuid() == 0


def _unmount(path: Path) -> None:
    if subprocess.run(["umount", str(path)], capture_output=True).returncode != 0:
        subprocess.run(["umount", "-l", str(path)], check=True)  # still busy: detach it now, free it when unused


@contextlib.contextmanager
def read_only_file(path: Path) -> Iterator[None]:
    if not _as_root():
        path.chmod(0o444)
        try:
            yield
        finally:
            path.chmod(0o644)
        return
    if not (_mount("--bind", str(path), str(path)) and _mount("-o", "remount,ro,bind", str(path))):
        subprocess.run(["umount", str(path)], capture_output=True)
        pytest.skip("running as root, where permissions do not stop writes, and a read-only bind mount is not allowed")
    try:
        yield
    finally:
        _unmount(path)


@contextlib.contextmanager
def read_only_directory(directory: Path) -> Iterator[None]:
    """`directory` (holding the database) made read-only for the duration."""
    if not _as_root():
        directory.chmod(0o555)
        try:
            yield
        finally:
            directory.chmod(0o755)
        return
    staging = directory.with_name(directory.name + "-content")
    shutil.copytree(directory, staging)
    if not _mount("-t", "tmpfs", "-o", "size=8m", "tmpfs", str(directory)):
        shutil.rmtree(staging)
        pytest.skip("running as root, where permissions do not stop writes, and tmpfs cannot be mounted")
    try:
        shutil.copytree(staging, directory, dirs_exist_ok=True)
        if not _mount("-o", "remount,ro", str(directory)):
            pytest.skip("cannot remount a tmpfs read-only")
        yield
    finally:
        _unmount(directory)
        shutil.rmtree(staging)


def _assert_really_read_only(path: Path) -> None:
    with pytest.raises(OSError), path.open("ab") as f:
        f.write(b"x")


def _readers_work_and_writers_fail(db: Path, good: Path) -> None:
    before = digest(db)
    assert "read-only" in one_error_line(findings(db, "import", "yaml", str(good), cwd=good.parent))
    for argv in (("search", "yuan"), ("show", "actor", "china"), ("stats",), ("export", "csv")):
        proc = findings(db, *argv, cwd=good.parent)
        assert proc.returncode == 0, (argv, proc.stderr)
        assert "79 bank branches" in proc.stdout or "China" in proc.stdout or "evidence" in proc.stdout
    proc = findings(db, "check", cwd=good.parent)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 problem(s)" in proc.stdout and "ok    search index of evidence" in proc.stdout  # read-only, in full
    assert digest(db) == before


def test_a_read_only_file_is_browsed_and_not_written(db: Path, tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(GOOD_YAML, encoding="utf-8")
    with read_only_file(db):
        if _as_root():
            _assert_really_read_only(db)
        _readers_work_and_writers_fail(db, good)
        status, report = headless_tui(db)
        assert status == 0, report


def test_a_read_only_directory_is_browsed_and_not_written(built_db: Path, tmp_path: Path) -> None:
    directory = tmp_path / "ro"
    directory.mkdir()
    db = directory / "data.db"
    shutil.copyfile(built_db, db)
    good = tmp_path / "good.yaml"
    good.write_text(GOOD_YAML, encoding="utf-8")
    with read_only_directory(directory):
        _assert_really_read_only(directory / "new-file")
        _readers_work_and_writers_fail(db, good)
        status, report = headless_tui(db)
        assert status == 0, report
        assert sorted(p.name for p in directory.iterdir()) == ["data.db"]


# ----------------------------------------------------------------------------------------------- full disk


def _big_yaml(path: Path, findings_n: int = 3_000, *, claim: str = "Filler finding") -> Path:
    src = "kyiv-independent-occupied-economy"
    with path.open("w", encoding="utf-8") as f:
        f.write("evidence:\n")
        for i in range(findings_n):
            f.write(f"  - {{id: fill-{i}, claim: {claim} {i} {'about cranes ' * 30}, category: trade, ")
            f.write(f"source: {src}}}\n")
    return path


FULL = {"FINDINGS_MAX_PAGE_COUNT": "1"}  # never below the current size: any growth fails


def test_a_full_disk_fails_the_import_cleanly_and_loses_nothing(db: Path, tmp_path: Path) -> None:
    big = _big_yaml(tmp_path / "big.yaml")
    before, rows = digest(db), counts(db)
    one_error_line(findings(db, "import", "yaml", str(big), env=FULL), "the disk is full")
    assert digest(db) == before and counts(db) == rows
    assert not Path(f"{db}-wal").exists() or Path(f"{db}-wal").stat().st_size == 0
    # and with room again, the same import succeeds
    proc = findings(db, "import", "yaml", str(big))
    assert proc.returncode == 0, proc.stderr
    assert counts(db)["evidence"] == rows["evidence"] + 3_000


def test_a_full_disk_during_a_migration_changes_nothing(tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    shutil.copyfile(V1, old)
    before = digest(old)
    one_error_line(findings(old, "migrate", env=FULL), "the disk is full")
    assert digest(old) == before
    proc = findings(old, "migrate")
    assert proc.returncode == 0 and "upgraded from schema version 1" in proc.stdout, proc.stderr


def test_a_full_disk_during_a_build_keeps_the_old_database(db: Path) -> None:
    before = digest(db)
    one_error_line(findings(db, "build", env=FULL), "the disk is full")
    assert digest(db) == before
    assert sorted(p.name for p in db.parent.iterdir() if p.name.startswith(".")) == []  # no temporary left


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs (as root, where allowed)."""
    mount = tmp_path / "small"
    mount.mkdir()
    if not (_as_root() and _mount("-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount))):
        pytest.skip("a small tmpfs needs root and permission to mount (FINDINGS_MAX_PAGE_COUNT covers the rest)")
    try:
        yield mount
    finally:
        _unmount(mount)


def test_a_really_full_disk(small_disk: Path, built_db: Path, tmp_path: Path) -> None:
    db = small_disk / "data.db"
    shutil.copyfile(built_db, db)
    big = _big_yaml(tmp_path / "big.yaml")
    before, rows = digest(db), counts(db)
    one_error_line(findings(db, "import", "yaml", str(big)), "the disk is full")
    assert digest(db) == before and counts(db) == rows
    for argv in (("search", "yuan"), ("show", "actor", "china"), ("check",)):  # reading needs no room
        proc = findings(db, *argv)
        assert proc.returncode == 0, (argv, proc.stdout, proc.stderr)


def test_reading_from_a_full_disk_before_any_shared_memory_file_exists(small_disk: Path, built_db: Path) -> None:
    """A WAL database copied onto a disk that is then filled: SQLite cannot create data.db-shm there."""
    db = small_disk / "data.db"
    shutil.copyfile(built_db, db)
    with (small_disk / "filler").open("wb") as f, contextlib.suppress(OSError):
        while True:
            f.write(b"\0" * 65536)
            f.flush()
    assert not Path(f"{db}-shm").exists()
    for argv in (("search", "yuan"), ("show", "actor", "china")):
        proc = findings(db, *argv)
        assert proc.returncode == 0, (argv, proc.stdout, proc.stderr)
        assert "bank" in proc.stdout or "China" in proc.stdout


def test_a_write_that_cannot_create_its_journal_says_where_to_look(tmp_path: Path) -> None:
    """An import into a database whose directory cannot be written (chattr +i, as root) said only
    'database error: unable to open database file'. Found by a QA run."""
    from store.errors import describe

    said = describe(sqlite3.OperationalError("unable to open database file"))
    assert "journal" in said and "directory writable" in said and not said.startswith("database error")
