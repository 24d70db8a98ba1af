"""The shipped reference data and what is made from it: the mark `findings build` leaves, whether a database holds
anything a build did not make, and the copy your own database starts as.

A build records in `meta` the id of the last `imports` row it wrote (one per dataset file). Any later `imports`
row is an import from somewhere else: rebuilding would delete it, so build refuses (see importers/build.py).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from store.connect import SQLITE_HEADER, schema_version

BUILD_MARK = "dataset_build"  # meta key: id of the last imports row the build wrote


def mark_build(conn: sqlite3.Connection) -> None:
    """Record, inside the build's transaction, that everything in the database so far came from the build."""
    conn.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES (?, (SELECT CAST(coalesce(max(id), 0) AS TEXT) FROM imports))",
        (BUILD_MARK,),
    )


def _snapshot(path: Path) -> sqlite3.Connection:
    """Open `path` to read it without leaving a file behind: with no -wal file (or one that is not its own,
    store.journal) the main file holds everything, so it is opened immutable (SQLite then makes no -shm or -wal);
    with one, read-only, so the WAL is read too. Untrusted, like every connection (store.connect)."""
    from store import journal
    from store.connect import _connect

    wal = Path(f"{path}-wal")
    immutable = "&immutable=1" if not wal.exists() or journal.stray_wal(path) else ""
    conn = _connect(f"{path.resolve().as_uri()}?mode=ro{immutable}", path, uri=True, readers_types=False)
    conn.execute("PRAGMA query_only = ON")
    return conn


def open_shipped(path: Path) -> sqlite3.Connection:
    """The shipped data, opened to read (a dry run compares an import with it) without leaving files beside it."""
    from store.connect import _check_file, check_version

    _check_file(path)
    conn = _snapshot(path)
    try:
        check_version(conn, path, writing=False)
    except BaseException:
        conn.close()
        raise
    return conn


def not_built_here(path: Path) -> str | None:
    """Why rebuilding `path` would lose something it holds ("it holds 2 imports a build did not make …"), or
    None: it is missing or empty, or holds nothing but what a build made (an empty findings database included)."""
    if not path.exists() or (path.is_file() and path.stat().st_size == 0):
        return None
    if not path.is_file():
        return "it is not a file"
    with path.open("rb") as f:
        if f.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            return "it is not a findings database (not even SQLite)"
    try:
        conn = _snapshot(path)
    except sqlite3.Error as e:
        return f"it cannot be read ({e})"
    try:
        if schema_version(conn) is None or "imports" not in _tables(conn):
            return "it is a SQLite file but not a findings database"
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (BUILD_MARK,)).fetchone()
        built_through = int(row[0]) if row and str(row[0]).isdigit() else 0
        n, last = conn.execute("SELECT count(*), max(id) FROM imports WHERE id > ?", (built_through,)).fetchone()
        if n:
            name, finished = conn.execute("SELECT path, finished FROM imports WHERE id = ?", (last,)).fetchone()
            what = "import a build did not make" if n == 1 else "imports a build did not make"
            return f"it holds {n} {what} (the latest: {name}, {str(finished or '')[:10]})"
        if not row and conn.execute("SELECT 1 FROM evidence UNION ALL SELECT 1 FROM actors LIMIT 1").fetchone():
            return "it holds findings no build made"
        return None
    except sqlite3.Error as e:
        return f"it cannot be read as a findings database ({e})"
    finally:
        conn.close()


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def copy_database(source: Path, target: Path) -> None:
    """Write a consistent copy of the database `source` (its WAL included) to the new file `target`."""
    src = _snapshot(source)
    try:
        dst = sqlite3.connect(os.fspath(target))
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
