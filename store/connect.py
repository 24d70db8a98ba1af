"""Opening the database: read-only for browsing and lookups, read-write (one writer) for imports.

Every failure becomes a DatabaseUnavailable whose message tells the user what to do.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from urllib.parse import quote

from store.errors import DatabaseUnavailable
from store.schema import SCHEMA_VERSION

SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 10_000
REQUIRED_TABLES = ("meta", "sources", "actors", "regions", "aliases", "evidence")


def _uri(path: Path, **params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"file:{quote(str(path.resolve()))}?{query}"


def _check_file(path: Path) -> None:
    if not path.exists():
        raise DatabaseUnavailable(
            f"no database at {path}; build one with `findings build`, or choose one with --db PATH"
        )
    if path.is_dir():
        raise DatabaseUnavailable(f"{path} is a directory, not a database file")
    try:
        with path.open("rb") as f:
            header = f.read(len(SQLITE_HEADER))
    except OSError as e:
        raise DatabaseUnavailable(f"cannot read {path}: {e.strerror or e}") from None
    if header != SQLITE_HEADER:
        raise DatabaseUnavailable(f"{path} is not a SQLite database (empty, damaged or another kind of file)")


def schema_version(conn: sqlite3.Connection) -> int | None:
    """The schema version recorded in `meta`, or None when this is not a findings database."""
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if not set(REQUIRED_TABLES) <= tables:
        return None
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    try:
        return int(row[0]) if row else None
    except ValueError:
        return None


def check_version(conn: sqlite3.Connection, path: Path, *, writing: bool) -> int:
    try:
        version = schema_version(conn)
    except sqlite3.DatabaseError as e:
        raise DatabaseUnavailable(f"{path} cannot be read as a database: {e}") from None
    if version is None:
        raise DatabaseUnavailable(f"{path} is a SQLite file but not a findings database (no schema version)")
    if version > SCHEMA_VERSION:
        raise DatabaseUnavailable(
            f"{path} has schema version {version}, newer than this program understands ({SCHEMA_VERSION}); "
            "upgrade findings to open it"
        )
    if version < SCHEMA_VERSION and not writing:
        raise DatabaseUnavailable(
            f"{path} has schema version {version}; this program needs {SCHEMA_VERSION}. "
            f"Run `findings --db {path} migrate` to upgrade it (your data is kept)"
        )
    return version


def _first_read(conn: sqlite3.Connection) -> None:
    """Read the schema once, so that a file that cannot be opened fails here, as an OperationalError the caller
    handles (a WAL database on read-only media: its shared-memory file cannot be made), not as a damaged file."""
    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()


def ensure_wal(conn: sqlite3.Connection) -> None:
    """Switch to WAL (readers never wait for a writer). Outside any transaction, after a successful write."""
    if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        conn.execute("PRAGMA journal_mode = WAL")


def open_readonly(path: str | os.PathLike[str]) -> sqlite3.Connection:
    """Open for reading only (SQLite `mode=ro`, `query_only`): browsing never writes.

    On read-only media (or a full disk) a WAL database cannot create its shared-memory file; then, and only
    then, the file is opened as immutable (nobody can be writing to it there).
    """
    path = Path(path)
    _check_file(path)
    conn = None
    for params in ({"mode": "ro"}, {"mode": "ro", "immutable": "1"}):
        try:
            conn = sqlite3.connect(_uri(path, **params), uri=True, isolation_level=None, check_same_thread=False)
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA query_only = ON")
            _first_read(conn)
            check_version(conn, path, writing=False)
            return conn
        except sqlite3.OperationalError as e:
            if conn is not None:
                conn.close()
            no_shm = getattr(e, "sqlite_errorname", "").startswith("SQLITE_IOERR_SHM")
            if "unable to open" in str(e) or "readonly" in str(e) or no_shm:
                continue
            raise DatabaseUnavailable(f"cannot read {path}: {e}") from None
        except sqlite3.DatabaseError as e:
            if conn is not None:
                conn.close()
            raise DatabaseUnavailable(f"{path} cannot be read as a database: {e}") from None
        except DatabaseUnavailable:
            if conn is not None:
                conn.close()
            raise
    raise DatabaseUnavailable(f"cannot open {path} (check the file and its directory permissions)")


def open_readwrite(path: str | os.PathLike[str], *, create: bool = False) -> sqlite3.Connection:
    """Open for writing: foreign keys on, a busy timeout; transactions are explicit (`store.write.begin`).

    With create=True a missing file becomes a new database (in WAL mode) with the current schema. An existing
    file is not touched here: an older schema is upgraded, and a rollback-journal file switched to WAL, by the
    first write transaction (store.write.begin / commit), so a failed command leaves the file as it was.
    """
    path = Path(path)
    is_new = not path.exists() or path.stat().st_size == 0
    if is_new and not create:
        _check_file(path)
    if not is_new:
        _check_file(path)
    if is_new and not path.parent.exists():
        raise DatabaseUnavailable(f"cannot create {path}: the directory {path.parent} does not exist")
    try:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        if is_new:
            from store import schema

            conn.execute("PRAGMA journal_mode = WAL")
            schema.create(conn)
        else:
            _first_read(conn)
            check_version(conn, path, writing=True)
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA cache_size = -65536")  # 64 MiB: big imports spill less to the WAL
        conn.execute("PRAGMA temp_store = MEMORY")  # staged inserts (store.write.insert_rows): no temp files
        if limit := os.environ.get("FINDINGS_MAX_PAGE_COUNT"):  # for tests only: a disk that fills up
            conn.execute(f"PRAGMA max_page_count = {int(limit)}")  # (never below the current size)
        return conn
    except sqlite3.OperationalError as e:
        message = str(e)
        if "readonly" in message or "unable to open" in message:
            raise DatabaseUnavailable(
                f"cannot write to {path}: the file or its directory is read-only ({message})"
            ) from None
        if "locked" in message or "busy" in message:
            raise DatabaseUnavailable(f"{path} is busy: another import is writing to it; try again") from None
        raise DatabaseUnavailable(f"cannot open {path} for writing: {message}") from None
    except sqlite3.DatabaseError as e:
        raise DatabaseUnavailable(f"{path} cannot be read as a database: {e}") from None
