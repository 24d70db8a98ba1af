"""`findings repair`: fix what `findings check` finds and can be fixed, after making a backup. The one command
that writes to a database without importing into it; it says what it did.

What it does, in order (each only when needed):
1. A -wal that is not the database's own (beside a database in rollback mode) is moved aside (`NAME-wal.stray-…`).
2. A hot -journal (an interrupted write) is rolled back, as SQLite would on the next write. If the database is
   then damaged, the journal was not its own: the database is put back as it was and the journal moved aside.
3. In one transaction: triggers findings did not make, and indexes it did not make on its tables, are dropped;
   its own triggers and indexes, if changed or missing, are made again; an older schema is upgraded; search
   indexes that disagree with their tables are rebuilt; counts and alias columns are recomputed.
Views, virtual tables and extra tables are left alone (findings never runs or reads them). A table of its own
that was changed, region parent cycles and values of the wrong type are reported, not changed: which value is
right is for a person to decide.

The backup is a copy of the file (and of its -journal or -wal) beside it, `NAME.backup-YYYYMMDDTHHMMSS`, made
before anything is changed.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

from store import check, connect, journal, migrate, schema_check, write
from store.errors import DatabaseUnavailable, StoreError
from store.schema import FACET_COUNTS_FILL, FTS_COLUMNS


@dataclass
class Report:
    path: Path
    backup: Path | None = None
    done: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)  # problems repair does not fix
    notes: list[str] = field(default_factory=list)  # left alone on purpose

    @property
    def ok(self) -> bool:
        return not self.left


def _stamp() -> str:
    return time.strftime("%Y%m%dT%H%M%S")


def _backup(path: Path, report: Report) -> None:
    """Copy the file and its journal files, once, before the first change."""
    if report.backup is not None:
        return
    base = Path(f"{path}.backup-{_stamp()}")
    target, n = base, 1
    while any(os.path.lexists(f"{target}{s}") for s in ("", "-journal", "-wal")):
        n += 1
        target = Path(f"{base}-{n}")
    try:
        shutil.copyfile(path, target)
        for suffix in ("-journal", "-wal"):
            if journal.nonempty(journal.sidecar(path, suffix)):
                shutil.copyfile(journal.sidecar(path, suffix), f"{target}{suffix}")
    except OSError as e:
        for suffix in ("", "-journal", "-wal"):
            with contextlib.suppress(OSError):
                os.unlink(f"{target}{suffix}")
        raise StoreError(f"cannot make a backup of {path} ({e.strerror or e}); nothing was changed") from None
    report.backup = target


def _move_aside(sidecar: Path, what: str) -> Path:
    target = Path(f"{sidecar}.{what}-{_stamp()}")
    os.replace(sidecar, target)
    return target


def repair(path: Path) -> Report:
    path = Path(path)
    connect._check_file(path)
    report = Report(path)
    real = Path(os.path.realpath(path))
    if journal.stray_wal(real):
        _backup(real, report)
        moved = _move_aside(journal.sidecar(real, "-wal"), "stray")
        report.done.append(
            f"moved {moved.name.split('.stray-')[0]}, another database's write-ahead log, aside to {moved.name}"
        )
    if journal.hot_journal(real):
        _backup(real, report)
        _roll_back_journal(real, report)
    _repair_contents(path, real, report)
    return report


def _roll_back_journal(real: Path, report: Report) -> None:
    hot = journal.sidecar(real, "-journal")
    conn = sqlite3.connect(real, isolation_level=None, timeout=10)
    try:
        conn.execute("PRAGMA trusted_schema = OFF")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # SQLite rolls the journal back here
        healthy = conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    except sqlite3.DatabaseError:
        healthy = False
    finally:
        conn.close()
    if healthy:
        report.done.append(f"rolled back an interrupted write ({hot.name}): the database is as it was before it")
        return
    assert report.backup is not None
    shutil.copyfile(report.backup, real)  # the journal did not fit: the file as it was, and the journal aside
    moved = Path(f"{hot}.stray-{_stamp()}")
    shutil.copyfile(f"{report.backup}-journal", moved)
    with contextlib.suppress(FileNotFoundError):
        hot.unlink()
    report.done.append(
        f"{hot.name} does not belong to this database (rolling it back damaged it): the database is "
        f"as it was, and the journal is now {moved.name}"
    )


def _repair_contents(path: Path, real: Path, report: Report) -> None:
    reader = connect.open_readonly(path, any_version=True)  # refuses what cannot be repaired (a view for a table)
    try:
        found = schema_check.differences(reader)
        version = connect.check_version(reader, path, writing=True)
        fts = [t for t, cols in FTS_COLUMNS.items() if _index_differs(reader, t, cols)]
        derived = [name for name, _, sql in check.DERIVED_CHECKS if reader.execute(sql).fetchone() is not None]
        if not check._damaged("facet counts", check.facet_counts, reader).ok:  # (no table yet: filled again)
            derived.append("facet counts")
        cycles = check.parent_cycles(reader)
        types = check.value_types(reader)
    finally:
        reader.close()
    changed_tables = [theirs for ours, theirs in found.changed if ours.type == "table"]
    for obj in changed_tables:
        report.left.append(
            f"{obj.label()} differs from the one findings makes: repair cannot change a table; "
            "export what you need and import it into a new database"
        )
    report.notes += [f"left alone (never run or read): {o.label()}" for o in found.ignored]
    if not cycles.ok:
        report.left.append(f"region parent cycles: {'; '.join(cycles.examples)} (set one parent_id in each to NULL)")
    if not types.ok:
        report.left.append(f"values of the wrong type: {'; '.join(types.examples)} (shown as text, or refused)")
    drop = [o for o in found.unexpected]
    remake = [ours for ours, _ in found.changed if ours.type in ("trigger", "index")]
    remake += [o for o in found.missing if o.type in ("trigger", "index")]
    remake = [o for o in remake if o.sql]  # (an automatic index comes with its table)
    from store.schema import SCHEMA_VERSION

    if not (drop or remake or fts or derived or version < SCHEMA_VERSION):
        return
    if changed_tables:
        report.left.append("nothing else was changed while a table differs")
        return
    _backup(real, report)
    conn = connect._connect(os.fspath(real), path, uri=False, readers_types=False)
    try:
        _fix(conn, path, report, drop, remake, fts, derived)
    except sqlite3.Error as e:
        raise DatabaseUnavailable(
            f"{path}: repair failed and changed nothing ({e}); the backup is {report.backup}"
        ) from None
    finally:
        conn.close()


def _index_differs(conn: sqlite3.Connection, table: str, columns: tuple[str, ...]) -> bool:
    conn.execute("PRAGMA query_only = OFF")  # the temporary database only (the main file is read-only here)
    try:
        return not check.index_in_step(conn, table, columns)
    except sqlite3.DatabaseError:
        return True
    finally:
        conn.execute("PRAGMA query_only = ON")


def _fix(
    conn: connect.Connection,
    path: Path,
    report: Report,
    drop: list[schema_check.Obj],
    remake: list[schema_check.Obj],
    fts: list[str],
    derived: list[str],
) -> None:
    conn.execute("PRAGMA foreign_keys = ON")
    conn.write_state = journal.start_write(conn, path)
    try:
        conn.execute("BEGIN IMMEDIATE")
        journal.write_started(conn.write_state)
        for obj in drop:  # before anything else runs: they would fire during the upgrade and the rebuilds
            conn.execute(f'DROP {obj.type.upper()} IF EXISTS "{obj.name}"')
            report.done.append(f"dropped {obj.label()} (findings did not make it)")
        before, after = migrate.upgrade_in_transaction(conn)
        if before != after:
            report.done.append(f"upgraded the schema from version {before} to {after}")
        reference = schema_check.reference()
        for obj in remake:
            conn.execute(f'DROP {obj.type.upper()} IF EXISTS "{obj.name}"')
            conn.execute(reference[(obj.type, obj.name)].sql)
            report.done.append(f"made {obj.label()} again as findings makes it")
        still = schema_check.differences(conn).blocking
        if still:
            raise DatabaseUnavailable(
                f"{path}: repair could not make the schema findings' own ({', '.join(still[:3])}); nothing was changed"
            )
        conn.execute("PRAGMA trusted_schema = ON")  # the schema is this program's now
        for table in fts:
            conn.execute(f"INSERT INTO {table}_fts({table}_fts) VALUES ('rebuild')")
            report.done.append(f"rebuilt the search index of {table}")
        for name in derived:
            for statement in _RECOMPUTE[name]:
                conn.execute(statement)
            report.done.append(f"recomputed {name}")
    except BaseException:
        write.rollback(conn)
        raise
    write.commit(conn)


_RECOMPUTE: dict[str, list[str]] = {
    "actor evidence counts": [
        "UPDATE actors SET evidence_count = (SELECT count(*) FROM evidence_actors WHERE actor_id = actors.id)"
    ],
    "region evidence counts": [
        "UPDATE regions SET evidence_count = (SELECT count(*) FROM evidence_regions WHERE region_id = regions.id)"
    ],
    "source evidence counts": [
        "UPDATE sources SET evidence_count = (SELECT count(*) FROM evidence WHERE source_id = sources.id)"
    ],
    "alias columns": [
        "UPDATE actors SET aka = (SELECT group_concat(alias, ' ; ') FROM (SELECT alias FROM aliases "
        "WHERE kind = 'actor' AND ref_id = actors.id ORDER BY alias))",
        "UPDATE regions SET aka = (SELECT group_concat(alias, ' ; ') FROM (SELECT alias FROM aliases "
        "WHERE kind = 'region' AND ref_id = regions.id ORDER BY alias))",
    ],
    "facet counts": list(FACET_COUNTS_FILL),
}
