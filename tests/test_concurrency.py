"""Readers and writers at once (WAL, busy timeout), and an import killed half-way.

While a 30,000-row CSV import runs, its uncommitted pages already spilled into the write-ahead log (the writer's
page cache made small, FINDINGS_WRITE_CACHE_KIB, so that it spills as a 64 MiB cache does with a few hundred
thousand rows), 20 `findings search` processes at a time and 5 headless explorer sessions read the database
without one error; a second import waits its turn (or says the database is busy). Afterwards
every row is there and each full-text index agrees with its table. An import killed with SIGKILL half-way leaves
the database as it was: the same rows, and the same bytes in the main file once a reader has opened it again, but
for the header bytes of the switch to WAL mode (store.journal) that the killed writer could not undo; the next
write puts the file back in rollback-journal mode.

Sized to finish in well under a minute on two cores.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from store.journal import SWITCH_BYTES
from tests.conftest import ROOT, run_cli

ROWS = 30_000
SPILL_CACHE_KIB = "2048"  # the writer's page cache in these tests: full (and spilling to the log) after ~10,000 rows
SEARCHERS = 20
SESSIONS = 5
SRC = "kyiv-independent-occupied-economy"
ACTORS = ("china", "iran", "north-korea", "russia", "huawei", "sany", "genertec", "tencent")
REGIONS = ("crimea", "donetsk", "luhansk", "zaporizhzhia", "kherson")
WORDS = [
    "cranes",
    "grain",
    "coal",
    "port",
    "rail",
    "yuan",
    "bank",
    "telecom",
    "network",
    "tower",
    "vessel",
    "shipment",
    "contract",
    "plant",
    "forum",
]
QUERIES = ("yuan", "crimea", "huawei", "bulk", "grain port", '"base stations"', "actor:china", "wech", "sany OR iran")

pytestmark = pytest.mark.skipif(not Path("/proc/self/fdinfo").exists(), reason="needs Linux /proc to follow an import")


def big_csv(path: Path, rows: int = ROWS) -> Path:
    rng = random.Random(5)
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write("id,claim,category,date,source_id,actors,regions,status\n")
        for i in range(rows):
            claim = " ".join(rng.choices(WORDS, k=6))
            actor, region = rng.choice(ACTORS), rng.choice(REGIONS)
            f.write(
                f"bulk-{i},Bulk finding {i}: {claim},trade,2024-{1 + i % 12:02d},{SRC},{actor},{region},unreviewed\n"
            )
    return path


def findings(db: Path, *argv: str, spill: bool = False) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FINDINGS_")}
    if spill:
        env["FINDINGS_WRITE_CACHE_KIB"] = SPILL_CACHE_KIB
    return subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "--db", str(db), *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env=env,
        cwd=db.parent,
    )


def read_position(pid: int, path: Path) -> int | None:
    """How far process `pid` has read into `path` (from /proc), or None while it does not have it open."""
    target = str(path.resolve())
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") == target:
                    with open(f"/proc/{pid}/fdinfo/{fd}") as info:
                        return int(info.readline().split()[1])
            except (FileNotFoundError, ProcessLookupError):
                continue
    except FileNotFoundError:
        return None
    return None


def wait_until_read(
    proc: subprocess.Popen, path: Path, fraction: float, *, wal: Path | None = None, timeout: float = 120
) -> None:
    """Wait until the import has read `fraction` of its input file (so it is writing, and not yet committing);
    with `wal`, also until SQLite has spilled uncommitted pages into that write-ahead log (before 97% is read)."""
    size = path.stat().st_size
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        position = read_position(proc.pid, path)
        if position is not None and position >= size * fraction:
            if wal is None or (wal.exists() and wal.stat().st_size > 0):
                return
            assert position < size * 0.97, "the import spilled nothing into the log before its end"
        time.sleep(0.02)
    raise AssertionError(f"the import did not get to {fraction:.0%} of its input")


def counts(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        tables = ("sources", "actors", "regions", "aliases", "evidence", "evidence_actors", "evidence_regions")
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in (*tables, "relations", "imports")}
    finally:
        conn.close()


@pytest.fixture(scope="module")
def rows_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return big_csv(tmp_path_factory.mktemp("concurrency") / "bulk-evidence.csv")


def test_readers_never_fail_while_a_big_import_runs(built_db: Path, rows_csv: Path, tmp_path: Path) -> None:
    db = tmp_path / "data.db"
    shutil.copyfile(built_db, db)
    before = counts(db)
    small = tmp_path / "small.yaml"
    small.write_text("actors:\n  - {id: second-writer, name: Second Writer, kind: company}\n", encoding="utf-8")

    writer = findings(db, "import", "csv", str(rows_csv), spill=True)
    wait_until_read(writer, rows_csv, 0.05, wal=Path(f"{db}-wal"))
    scratch = tmp_path / "sessions"
    scratch.mkdir()
    sessions = [
        subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "headless_tui.py"), str(db), "2"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=scratch,
        )
        for _ in range(SESSIONS)
    ]
    second_writer = findings(db, "import", "yaml", str(small))
    searches = 0
    for wave in range(3):
        batch = [
            findings(db, "search", *(["--json"] if i % 2 else []), QUERIES[(wave + i) % len(QUERIES)])
            for i in range(SEARCHERS)
        ]
        if wave == 0:
            assert writer.poll() is None, "the import ended before the readers started: make it bigger"
        for proc in batch:
            out, err = proc.communicate(timeout=120)
            # exit 0, and nothing on standard error but notes (a word the import has not committed yet gets
            # "no finding ... has 'bulk'", which is right)
            failed = [line for line in err.splitlines() if line.startswith(b"Error") or b"Traceback" in line]
            assert proc.returncode == 0 and not failed, (proc.args, err.decode())
            if b"--json" in b" ".join(a.encode() for a in proc.args):
                json.loads(out)
            searches += 1
        if writer.poll() is not None:
            break
    for proc in sessions:
        out, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, (out.decode()[-3000:], err.decode()[-3000:])
    out, err = second_writer.communicate(timeout=180)
    assert second_writer.returncode == 0 or (second_writer.returncode == 1 and b"busy" in err), err.decode()
    out, err = writer.communicate(timeout=180)
    assert writer.returncode == 0, err.decode()[-3000:]
    assert searches >= SEARCHERS

    after = counts(db)
    assert after["evidence"] == before["evidence"] + ROWS
    assert after["evidence_actors"] == before["evidence_actors"] + ROWS
    assert after["evidence_regions"] == before["evidence_regions"] + ROWS
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT count(*) FROM evidence WHERE id LIKE 'bulk-%'").fetchone()[0] == ROWS
        assert conn.execute("SELECT count(*) FROM evidence_fts WHERE evidence_fts MATCH 'bulk'").fetchone()[0] == ROWS
        for table in ("evidence", "actors", "regions", "sources"):  # rank 1: also compare with the content table
            conn.execute(f"INSERT INTO {table}_fts({table}_fts, rank) VALUES ('integrity-check', 1)")
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()


@pytest.mark.parametrize("when", ["half-way", "after-spilling-to-the-log"])
def test_an_import_killed_half_way_leaves_the_database_as_it_was(
    built_db: Path, rows_csv: Path, tmp_path: Path, when: str
) -> None:
    """Half-way, the import's uncommitted pages are still in SQLite's cache; later (its cache full: made small
    here, as a 64 MiB cache fills with a few hundred thousand rows) they are in the write-ahead log, uncommitted,
    where a reader opening the file must not see them."""
    db = tmp_path / "data.db"
    shutil.copyfile(built_db, db)
    before_bytes, before = db.read_bytes(), counts(db)

    writer = findings(db, "import", "csv", str(rows_csv), spill=when != "half-way")
    if when == "half-way":
        wait_until_read(writer, rows_csv, 0.5)
    else:
        wait_until_read(writer, rows_csv, 0.5, wal=Path(f"{db}-wal"))
    writer.send_signal(signal.SIGKILL)
    writer.communicate(timeout=60)
    assert writer.returncode == -signal.SIGKILL

    # a reader opens it again (recovering from the write-ahead log what needs recovering): nothing of the import
    reader = findings(db, "stats", "--json")
    out, err = reader.communicate(timeout=60)
    assert reader.returncode == 0, err.decode()
    stats = json.loads(out)
    assert stats, "stats printed nothing"
    assert counts(db) == before
    after_bytes = db.read_bytes()
    assert len(after_bytes) == len(before_bytes), "the main database file changed"
    changed = {i for i in range(len(before_bytes)) if before_bytes[i] != after_bytes[i]}
    assert changed <= SWITCH_BYTES, f"the main database file changed (bytes {sorted(changed)[:10]})"
    assert after_bytes[18:20] == b"\x02\x02"  # left in WAL mode by the killed writer
    search = findings(db, "search", "bulk")
    out, err = search.communicate(timeout=60)
    assert search.returncode == 0 and b"bulk-" not in out, err.decode()

    # and the next writer is not blocked by the dead one
    small = tmp_path / "small.yaml"
    small.write_text("actors:\n  - {id: after-the-crash, name: After The Crash, kind: company}\n", encoding="utf-8")
    again = findings(db, "import", "yaml", str(small))
    _, err = again.communicate(timeout=60)
    assert again.returncode == 0, err.decode()
    assert counts(db)["actors"] == before["actors"] + 1
    assert db.read_bytes()[18:20] == b"\x01\x01" and not Path(f"{db}-wal").exists()  # back in rollback mode
    check = findings(db, "check")
    out, err = check.communicate(timeout=60)
    assert check.returncode == 0, out.decode() + err.decode()


def test_a_second_writer_waits_for_the_first(db: Path) -> None:
    """A QA run: with another program holding the write lock (a rollback-mode file), `mark-sensitive` failed in
    0.2 s ("try again when the other import has finished") where the README says a writer waits up to 10 s:
    switching the file to WAL mode gave up at once. It waits, and then writes."""
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sqlite3, sys, time; c = sqlite3.connect(sys.argv[1], isolation_level=None); "
         "c.execute('BEGIN IMMEDIATE'); print('held', flush=True); time.sleep(1.5); c.execute('COMMIT')", str(db)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"  # the lock is held now
        result = run_cli("mark-sensitive", "source", "kyiv-independent-occupied-economy", "--reviewer", "qa", db=db)
        assert result.exit_code == 0, result.output
    finally:
        holder.wait(timeout=30)
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT sensitive FROM sources WHERE id = 'kyiv-independent-occupied-economy'").fetchone()[0]
    conn.close()
