"""Journal files and modes (store/journal.py): databases rest in rollback-journal mode, so lookups and the
explorer leave no file beside them; a write works in WAL mode and switches back; a failed import leaves the file
byte for byte as it was (its rejected rows nowhere in it); a -wal that is not the database's own and a hot
-journal are refused with what to do, and `findings repair` deals with them after making a backup.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from importers.session import ImportSession
from store.connect import open_readonly
from store.errors import DataError
from store.journal import SWITCH_BYTES
from store.records import Actor, Batch, Evidence
from tests.conftest import ROOT, content, digest
from tests.test_damaged_db import _big_yaml, findings, headless_tui, one_error_line

SOURCE = "kyiv-independent-occupied-economy"
LOOKUPS = (("search", "yuan"), ("search", "--json", "yuan"), ("show", "actor", "china"), ("stats",), ("export", "csv"))
SECRET = "zebracorn-rejected-claim"


def listing(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def mode_bytes(db: Path) -> bytes:
    return db.read_bytes()[18:20]  # b"\x01\x01": rollback journal; b"\x02\x02": WAL


def stray_wal_beside(db: Path, tmp_path: Path) -> Path:
    """The write-ahead log of another database (committed pages it never checkpointed), copied beside `db`."""
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    conn.execute("CREATE TABLE other (x)")
    conn.executemany("INSERT INTO other VALUES (?)", [(os.urandom(2000),) for _ in range(100)])
    wal = Path(f"{db}-wal")
    shutil.copyfile(f"{other}-wal", wal)
    conn.close()
    return wal


# ------------------------------------------------------------------------------------------------ at rest


def test_build_and_imports_leave_the_database_in_rollback_mode(db: Path, tmp_path: Path) -> None:
    assert mode_bytes(db) == b"\x01\x01"  # as `findings build` made it
    yaml = tmp_path / "one.yaml"
    yaml.write_text("actors:\n  - {id: at-rest, name: At Rest, kind: company}\n", encoding="utf-8")
    proc = findings(db, "import", "yaml", str(yaml))
    assert proc.returncode == 0, proc.stderr
    assert mode_bytes(db) == b"\x01\x01"
    assert listing(db.parent) == ["data.db", "one.yaml"]
    assert mode_bytes(ROOT / "data.db") == b"\x01\x01", "the shipped data.db is built in rollback mode"


@pytest.mark.parametrize("argv", LOOKUPS, ids=" ".join)
def test_lookups_leave_no_file_beside_the_database(db: Path, argv: tuple[str, ...]) -> None:
    before, files = digest(db), listing(db.parent)
    proc = findings(db, *argv)
    assert proc.returncode == 0, proc.stderr
    assert listing(db.parent) == files and digest(db) == before


def test_check_and_the_explorer_leave_no_file_beside_the_database(db: Path) -> None:
    before, files = digest(db), listing(db.parent)
    proc = findings(db, "check")
    assert proc.returncode == 0, proc.stdout
    status, report = headless_tui(db, rounds=2)
    assert status == 0, report
    assert listing(db.parent) == files and digest(db) == before


def test_a_database_another_program_left_in_wal_mode_is_read_without_leaving_files(db: Path) -> None:
    """Opened so that SQLite removes, as its last reader closes, the -wal and -shm it must make."""
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA journal_mode = WAL").fetchone() == ("wal",)
    conn.close()
    before, files = digest(db), listing(db.parent)
    assert files == ["data.db"]
    for argv in (*LOOKUPS, ("check",)):
        proc = findings(db, *argv)
        assert proc.returncode == 0, (argv, proc.stderr)
        assert listing(db.parent) == files and digest(db) == before, argv
    status, report = headless_tui(db, rounds=1)
    assert status == 0, report
    assert listing(db.parent) == files and digest(db) == before


def _pending_log(db: Path) -> None:
    """`db` in WAL mode with a committed change still in its -wal and no -shm: a writer that ended without
    checkpointing (killed, or its -shm removed)."""
    code = (
        "import os, sqlite3, sys\n"
        "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "c.execute('PRAGMA journal_mode = WAL'); c.execute('PRAGMA wal_autocheckpoint = 0')\n"
        "c.execute(\"UPDATE evidence SET confidence = 'high' WHERE rowid = 1\")\n"
        "os._exit(0)\n"
    )
    subprocess.run([sys.executable, "-c", code, str(db)], check=True)
    Path(f"{db}-shm").unlink()
    assert listing(db.parent) == ["data.db", "data.db-wal"]


def test_a_write_ahead_log_another_program_left_is_read_and_left_as_it_was(db: Path) -> None:
    """A WAL-mode database with a -wal of committed changes and no -shm: readers see the changes, leave the
    database and its -wal byte for byte, and remove the -shm SQLite had to make to read them."""
    _pending_log(db)
    wal = Path(f"{db}-wal")
    before, log, files = digest(db), wal.read_bytes(), listing(db.parent)
    for argv in (*LOOKUPS, ("check",)):
        proc = findings(db, *argv)
        assert proc.returncode in (0, 1), (argv, proc.stderr)
        assert listing(db.parent) == files and digest(db) == before and wal.read_bytes() == log, argv
    status, report = headless_tui(db, rounds=1)
    assert status == 0, report
    assert listing(db.parent) == files and digest(db) == before and wal.read_bytes() == log
    conn = open_readonly(db)
    try:  # the change in the log is read
        assert conn.execute("SELECT confidence FROM evidence WHERE rowid = 1").fetchone() == ("high",)
    finally:
        conn.close()
    assert listing(db.parent) == files


def test_the_shm_a_reader_made_stays_while_another_program_uses_it(db: Path) -> None:
    """The -shm made by a reader is another program's too once it opens the database: it stays, and that
    program goes on reading through it."""
    _pending_log(db)
    conn = open_readonly(db)
    assert Path(f"{db}-shm").exists()
    other = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys\n"
            "c = sqlite3.connect(sys.argv[1])\n"
            "print(c.execute('SELECT confidence FROM evidence WHERE rowid = 1').fetchone()[0], flush=True)\n"
            "sys.stdin.readline()\n"
            "print(c.execute('SELECT count(*) FROM evidence').fetchone()[0], flush=True)\n",
            str(db),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert other.stdout is not None and other.stdin is not None
    assert other.stdout.readline().strip() == "high"  # it has the database open, through the same -shm
    conn.close()
    assert Path(f"{db}-shm").exists()  # in use: kept
    other.stdin.write("\n")
    other.stdin.flush()
    assert int(other.stdout.readline()) > 0
    other.wait(timeout=60)


# -------------------------------------------------------------------------------------------- failed writes


def test_a_failed_import_leaves_the_file_byte_for_byte_and_its_rows_nowhere(db: Path, tmp_path: Path) -> None:
    """Rolled back in WAL mode, the rejected pages never reach the file (in rollback mode they would stay in its
    free list, readable with `strings`), and the header bytes of the mode switches are put back."""
    big = _big_yaml(tmp_path / "big.yaml", claim=SECRET)
    before, files = digest(db), listing(db.parent)
    one_error_line(findings(db, "import", "yaml", str(big), env={"FINDINGS_MAX_PAGE_COUNT": "1"}), "disk is full")
    assert digest(db) == before
    assert listing(db.parent) == files
    assert SECRET.encode() not in db.read_bytes()
    proc = findings(db, "import", "yaml", str(big))  # and with room, it goes in
    assert proc.returncode == 0, proc.stderr
    assert mode_bytes(db) == b"\x01\x01" and listing(db.parent) == files


def _rejected_batch() -> Batch:
    return Batch(
        evidence=[Evidence(id=f"rej-{i}", claim=f"{SECRET} {i}", category="trade", source_id=SOURCE) for i in range(50)]
    )


def test_a_failed_import_with_a_reader_at_work_keeps_the_content(db: Path) -> None:
    """A reader that read during the write holds the WAL: the file cannot go back to rollback mode now, so its
    header keeps the switch (and only that); the content is as it was, and the next write switches it back."""
    before_bytes, before = db.read_bytes(), content(db)
    reader = open_readonly(db)
    n = reader.execute("SELECT count(*) FROM evidence").fetchone()[0]
    with pytest.raises(DataError), ImportSession(db, "yaml") as session:
        session.add(_rejected_batch())
        assert reader.execute("SELECT count(*) FROM evidence").fetchone()[0] == n  # the data as it was
        raise DataError("rejected at the end")
    assert reader.execute("SELECT count(*) FROM evidence").fetchone()[0] == n
    reader.close()
    after = db.read_bytes()
    changed = {i for i in range(len(before_bytes)) if before_bytes[i] != after[i]}
    assert len(after) == len(before_bytes) and changed <= SWITCH_BYTES, sorted(changed)[:10]
    assert content(db) == before and SECRET.encode() not in after
    with ImportSession(db, "yaml") as session:
        session.add(Batch(actors=[Actor(id="next-write", name="Next Write", kind="company")]))
    assert mode_bytes(db) == b"\x01\x01" and listing(db.parent) == ["data.db"]


def test_a_failed_import_with_an_idle_reader_is_byte_for_byte(db: Path) -> None:
    before = digest(db)
    reader = open_readonly(db)
    reader.execute("SELECT count(*) FROM evidence").fetchone()
    with pytest.raises(DataError), ImportSession(db, "yaml") as session:
        session.add(_rejected_batch())
        raise DataError("rejected at the end")
    assert digest(db) == before and listing(db.parent) == ["data.db"]
    assert reader.execute("SELECT count(*) FROM evidence WHERE id LIKE 'rej-%'").fetchone() == (0,)
    reader.close()


# ------------------------------------------------------------------------------- a -wal that is not its own


def test_a_stray_write_ahead_log_is_refused_by_writers_and_ignored_by_readers(db: Path, tmp_path: Path) -> None:
    """A -wal of another database beside victim.db: SQLite would merge it into the file (the import used to fail
    with "malformed" and leave the file damaged). Now: one line, the file and the log untouched; readers see
    the database itself, with a note, and make no -shm."""
    victim = db.with_name("victim.db")
    db.rename(victim)
    wal = stray_wal_beside(victim, tmp_path)
    (tmp_path / "other.db").unlink()
    ok = tmp_path / "ok.yaml"
    ok.write_text("actors:\n  - {id: ok-actor, name: Ok Actor, kind: company}\n", encoding="utf-8")
    before, log, files = digest(victim), digest(wal), listing(tmp_path)
    one_error_line(findings(victim, "import", "yaml", str(ok)), "not its own", "nothing was written", "repair")
    assert digest(victim) == before and digest(wal) == log and listing(tmp_path) == files
    for argv in LOOKUPS:
        proc = findings(victim, *argv)
        assert proc.returncode == 0, (argv, proc.stderr)
        assert "not its own" in proc.stderr and "Traceback" not in proc.stderr
    proc = findings(victim, "check")
    assert proc.returncode == 1 and "FAIL  journal files" in proc.stdout, proc.stdout
    assert digest(victim) == before and digest(wal) == log and listing(tmp_path) == files
    assert sqlite3.connect(f"file:{victim}?mode=ro&immutable=1", uri=True).execute(
        "PRAGMA integrity_check"
    ).fetchone() == ("ok",)

    proc = findings(victim, "repair")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "backup" in proc.stdout and "moved" in proc.stdout
    assert not wal.exists() and digest(victim) == before
    assert findings(victim, "import", "yaml", str(ok)).returncode == 0
    assert findings(victim, "check").returncode == 0


# ----------------------------------------------------------------------------------------------- hot journal


def _interrupted_write(db: Path) -> None:
    """A write in rollback-journal mode killed before it committed: its -journal is left, hot."""
    script = (
        "import os, sqlite3, sys\n"
        "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "c.execute('PRAGMA cache_size = 2')\n"  # spill: the file itself is half-written
        "c.execute('BEGIN IMMEDIATE')\n"
        "c.execute(\"UPDATE evidence SET claim = 'half-written ' || claim\")\n"
        "os._exit(9)\n"
    )
    subprocess.run([sys.executable, "-c", script, str(db)], check=False, timeout=60)
    assert Path(f"{db}-journal").stat().st_size > 0


def test_a_hot_journal_gets_the_right_advice_and_repair_rolls_it_back(db: Path) -> None:
    rows = content(db)
    _interrupted_write(db)
    for argv in (("search", "yuan"), ("show", "actor", "china"), ("stats",), ("check",)):
        line = one_error_line(findings(db, *argv), "unfinished write", "repair")
        assert "restore it from a backup" not in line and "damaged" not in line
    good = db.with_name("good.yaml")
    good.write_text("actors:\n  - {id: after-repair, name: After Repair, kind: company}\n", encoding="utf-8")
    one_error_line(findings(db, "import", "yaml", str(good)), "unfinished write", "repair")
    assert Path(f"{db}-journal").exists()  # nothing above touched it

    proc = findings(db, "repair")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "rolled back an interrupted write" in proc.stdout
    backups = [p for p in db.parent.iterdir() if ".backup-" in p.name]
    assert sorted(p.name.split(".backup-")[1].endswith("-journal") for p in backups) == [False, True]
    assert not Path(f"{db}-journal").exists() or Path(f"{db}-journal").stat().st_size == 0
    assert content(db) == rows
    assert findings(db, "check").returncode == 0
    assert findings(db, "import", "yaml", str(good)).returncode == 0


def test_reading_a_database_header_keeps_the_locks_sqlite_holds_on_it(tmp_path: Path) -> None:
    """Closing any descriptor of a file drops every POSIX lock the process holds on it, SQLite's too: a header
    read while a connection reads must leave another process unable to take the file for itself."""
    import subprocess
    import sys

    from store import connect as store_connect
    from store import journal as store_journal

    path = tmp_path / "locked.db"
    made = sqlite3.connect(path)
    made.execute("CREATE TABLE t (x)")
    made.commit()
    made.close()
    reader = sqlite3.connect(path, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM t").fetchone()  # a read transaction: SQLite's shared lock on the file
    take = (
        "import sqlite3, sys; c = sqlite3.connect(sys.argv[1], timeout=0, isolation_level=None)\n"
        "try:\n    c.execute('BEGIN EXCLUSIVE'); print('taken')\nexcept sqlite3.OperationalError as e: print(e)"
    )
    try:
        store_journal.header(path)
        store_connect._check_file(path)
        store_journal.header(path)
        store_journal.write_start(path, store_journal.header(path))  # (as a failed write puts its header back)
        out = subprocess.run([sys.executable, "-c", take, str(path)], capture_output=True, text=True, check=True)
        assert out.stdout.strip() == "database is locked"
    finally:
        reader.close()
