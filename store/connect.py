"""Opening the database: read-only for browsing and lookups, read-write (one writer) for imports.

Every failure becomes a DatabaseUnavailable whose message tells the user what to do.

Databases come from people one does not know, so every connection treats the file as hostile:
- `trusted_schema` is off: SQL stored in the file (views, triggers, defaults) may use no function or virtual
  table that is not marked harmless. A writer turns it on only once the schema has been compared with the one
  this program makes (store.schema_check), since the FTS triggers of that schema need it.
- a time budget (`Connection`): one step of a statement (computing a row) that runs longer than
  FINDINGS_DB_TIME_LIMIT seconds (default 30, plus 60 per GiB of database) is stopped with "the database took
  too long" (DatabaseTooSlow). Time the caller spends between rows is not counted.
- strings and blobs longer than MAX_LENGTH are refused by SQLite ("string or blob too big").
- readers see every TEXT column as text and every INTEGER column as a number, whatever a crafted file stores
  there: a BLOB category is shown as text; text in a count is a one-line WrongType error. (NUMERIC columns, the
  quantities, are read as stored, so that a float keeps every digit; store.cite.figure shows a non-number as
  its text.)
- the schema is checked before use (store.schema_check): a view in place of a table, a generated column, is
  refused; triggers, views and virtual tables this program did not make are ignored, with a note.

Journal files (store.journal): databases rest in rollback-journal mode, so that reading one creates no file; a
writer works in WAL mode (readers keep reading while it writes) and switches back when it ends.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote

from store import journal
from store.errors import DatabaseTooSlow, DatabaseUnavailable, StoreError, WrongType
from store.notes import note
from store.schema import SCHEMA_VERSION

R = TypeVar("R")

SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = journal.BUSY_TIMEOUT_MS
REQUIRED_TABLES = ("meta", "sources", "actors", "regions", "aliases", "evidence")
PROGRESS_STEPS = 20_000  # SQLite VM steps between two calls of the progress handler (a few milliseconds)
TIME_LIMIT_ENV = "FINDINGS_DB_TIME_LIMIT"
BASE_TIME_LIMIT_S = 30.0
TIME_PER_GIB_S = 60.0
UNCOUNTED_GAP_S = 0.05  # a longer pause between two progress calls is the caller's time, not SQLite's
MAX_LENGTH = 256 * 1024 * 1024  # bytes of one string or blob


def time_limit(path: Path | None = None) -> float:
    """Seconds one step of a statement may take: FINDINGS_DB_TIME_LIMIT, else 30 s plus 60 s per GiB of `path`."""
    if given := os.environ.get(TIME_LIMIT_ENV):
        try:
            return max(0.001, float(given))
        except ValueError:
            raise StoreError(f"{TIME_LIMIT_ENV}={given!r} is not a number of seconds") from None
    size = 0
    if path is not None:
        try:
            size = path.stat().st_size
        except OSError:
            pass
    return BASE_TIME_LIMIT_S + TIME_PER_GIB_S * size / 2**30


class Connection(sqlite3.Connection):
    """A connection whose statements run under a time budget (see the module docstring), and which knows its
    file. `stop`, if set, is asked by the same progress handler whether to interrupt (the explorer cancels the
    queries of a list it left); an interruption for that reason stays a plain "interrupted" OperationalError."""

    path: Path | None = None
    budget: float = BASE_TIME_LIMIT_S
    stop: Callable[[], bool] | None = None
    write_state: journal.WriteState | None = None
    private = False  # a new file under a temporary name (store.newdb): nobody else can have it open
    schema_verified = False  # compared with this program's schema (store.schema_check): it may be trusted
    keep_wal = False  # writes in a row (store.review.session): the file stays in WAL mode between them
    _spent = 0.0
    _last = 0.0
    timed_out = False
    uncounted_gap = UNCOUNTED_GAP_S
    _counted: str | None = None  # the real path this connection is counted under in _OPEN

    def close(self) -> None:
        super().close()
        real, self._counted = self._counted, None
        if real is not None:
            _closed(real)

    def pace(self, steps: int) -> None:
        """Call the progress handler every `steps` VM steps instead of every PROGRESS_STEPS, and count pauses
        between two calls as SQLite's time up to as many times longer. Each call needs Python's lock: beside a
        thread running Python, every call waits for it (up to the switch interval, 5 ms), which slowed a query
        of a million rows threefold. Long work that nobody cancels (`findings check`) calls it less often."""
        self.set_progress_handler(self.progress, steps)
        self.uncounted_gap = UNCOUNTED_GAP_S * steps / PROGRESS_STEPS

    def start_clock(self) -> None:
        self._spent = 0.0
        self._last = time.monotonic()
        self.timed_out = False

    def progress(self) -> int:
        stop = self.stop
        if stop is not None and stop():
            return 1
        now = time.monotonic()
        self._spent += min(now - self._last, self.uncounted_gap)
        self._last = now
        if self._spent > self.budget:
            self.timed_out = True
            return 1
        return 0

    def too_slow(self) -> DatabaseTooSlow:
        where = f" ({self.path})" if self.path is not None else ""
        return DatabaseTooSlow(
            f"the database{where} took too long to answer: one step of a query ran past {self.budget:g} s and was "
            f"stopped (a database built to hang, or one too big for this machine; {TIME_LIMIT_ENV}=SECONDS "
            "allows more)"
        )

    def timed(self, call: Callable[..., R], *args: object) -> R:
        """`call(*args)` with the clock restarted; stopped for time, it raises DatabaseTooSlow."""
        self.start_clock()
        try:
            return call(*args)
        except sqlite3.OperationalError:
            if self.timed_out:
                raise self.too_slow() from None
            raise

    def cursor(self, factory: type[sqlite3.Cursor] | None = None) -> sqlite3.Cursor:  # type: ignore[override]
        return super().cursor(factory or Cursor)

    def execute(self, sql: str, parameters: object = (), /) -> sqlite3.Cursor:
        return self.timed(super().execute, sql, parameters)

    def executemany(self, sql: str, parameters: object, /) -> sqlite3.Cursor:
        return self.timed(super().executemany, sql, parameters)

    def executescript(self, script: str, /) -> sqlite3.Cursor:
        return self.timed(super().executescript, script)


class Cursor(sqlite3.Cursor):
    """Each fetch restarts the clock: the budget bounds computing a row, not reading a long result."""

    def _timed(self, call: Callable[..., R], *args: object) -> R:
        conn = self.connection
        return conn.timed(call, *args) if isinstance(conn, Connection) else call(*args)

    def execute(self, sql: str, parameters: object = (), /) -> Cursor:
        self._timed(super().execute, sql, parameters)
        return self

    def __next__(self) -> object:
        return self._timed(super().__next__)

    def fetchone(self) -> object:
        return self._timed(super().fetchone)

    def fetchmany(self, size: int | None = None) -> list:
        return self._timed(super().fetchmany, size if size is not None else self.arraysize)

    def fetchall(self) -> list:
        return self._timed(super().fetchall)


# ------------------------------------------------------------------------------------- values of the right type


def text_of_bytes(value: bytes) -> str:
    """What readers make of a value read as text: bytes that are not UTF-8 replaced (U+FFFD), never an error."""
    return value.decode("utf-8", "replace")


def _number(value: bytes) -> int | float:
    try:
        return int(value)
    except ValueError:
        pass
    try:
        number = float(value)
    except ValueError:
        raise WrongType(
            f"the database holds {text_of_bytes(value)[:40]!r} where a number belongs: it was altered or damaged; "
            "`findings check` lists such values"
        ) from None
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


# Columns are converted by their declared type (PARSE_DECLTYPES): SQLite hands the converter the value's bytes
# whatever its storage class (a BLOB's bytes, an integer's digits), so TEXT columns always read as str. (Not
# NUMERIC: a float would arrive as SQLite's text form of it, 15 significant digits.)
sqlite3.register_converter("TEXT", text_of_bytes)
sqlite3.register_converter("INTEGER", _number)


# ----------------------------------------------------------------------------------------------- opening


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
    if not path.is_file():
        raise DatabaseUnavailable(f"{path} is not a regular file (a device, a pipe or a socket), not a database")
    try:
        header = journal.read_start(path, len(SQLITE_HEADER))  # (never closed: SQLite's locks stay)
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
    except (TypeError, ValueError):
        return None


def check_version(conn: sqlite3.Connection, path: Path, *, writing: bool) -> int:
    try:
        version = schema_version(conn)
    except DatabaseTooSlow:
        raise
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


def _connect(target: str, path: Path, *, uri: bool, readers_types: bool) -> Connection:
    real = os.path.realpath(path)
    with _OPEN_LOCK:  # counted before SQLite opens anything: no -shm is removed under a connection being made
        _OPEN[real] = _OPEN.get(real, 0) + 1
    try:
        conn = sqlite3.connect(
            target,
            uri=uri,
            isolation_level=None,
            check_same_thread=False,
            factory=Connection,
            detect_types=sqlite3.PARSE_DECLTYPES if readers_types else 0,
        )
    except BaseException:
        _closed(real)
        raise
    assert isinstance(conn, Connection)
    conn._counted = real
    conn.path = path
    conn.budget = time_limit(path)
    conn.set_progress_handler(conn.progress, PROGRESS_STEPS)
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_LENGTH)
    conn.execute("PRAGMA trusted_schema = OFF")
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return conn


def _readonly_ways(path: Path) -> list[dict[str, str]]:
    """How to open `path` for reading, in order of preference (see open_readonly)."""
    if journal.stray_wal(path):
        # SQLite reads a -wal file whenever one exists, whatever the header says: this one would show another
        # database's pages (and make a -shm). Immutable, the main file alone is read, and nothing is created.
        note(path, journal.stray_wal_note(path))
        return [{"mode": "ro", "immutable": "1"}]
    header = journal.header(path)
    wal, hot = journal.sidecar(path, "-wal"), journal.sidecar(path, "-journal")
    real = os.path.realpath(path)
    if journal.in_wal_mode(header) and not journal.nonempty(hot) and (not wal.exists() or real in _CLEANING):
        # Nobody has it open in WAL mode (they would have a -wal file), or this process opened it so before.
        # Opened for reading and writing with query_only, SQLite makes -wal and -shm and, as the last connection
        # to close, removes them again; `mode=ro` would leave them (and a `mode=ro` connection open beside keeps
        # the last one from removing them, hence the same way for every connection of this process). Nothing is
        # written to the main file, unless a writer came meanwhile: then the last reader to close moves the
        # writer's committed pages into it, as SQLite's WAL mode does.
        return [{"mode": "rw", "query_only": "1"}, {"mode": "ro"}, {"mode": "ro", "immutable": "1"}]
    return [{"mode": "ro"}, {"mode": "ro", "immutable": "1"}]


_CLEANING: set[str] = set()  # files this process reads in WAL mode with connections that clean up
_OPEN: dict[str, int] = {}  # real path -> connections of this process open to it (made by _connect)
_OPEN_LOCK = threading.Lock()
# Files beside which a `mode=ro` reader of this process made the -shm SQLite needs to read a -wal another program
# left (a WAL-mode database whose last writer did not finish): when the last connection to one closes, the -shm
# is removed if no other process uses it (journal.remove_unused_shm), so reading leaves the directory as it was.
_SHM_MADE: set[str] = set()


def _closed(real: str) -> None:
    with _OPEN_LOCK:
        left = _OPEN.get(real, 1) - 1
        if left > 0:
            _OPEN[real] = left
            return
        _OPEN.pop(real, None)
        if real not in _SHM_MADE:
            return
        _SHM_MADE.discard(real)
        journal.remove_unused_shm(Path(real))  # (under the lock: no connection of this process opens meanwhile)


def open_readonly(
    path: str | os.PathLike[str],
    *,
    stop: Callable[[], bool] | None = None,
    any_version: bool = False,
    notes: bool = True,
) -> Connection:
    """Open for reading only (`query_only`; SQLite `mode=ro` unless said otherwise below): browsing never writes.

    A database in rollback-journal mode (how findings leaves them) is read with `mode=ro`, which creates no file.
    One that another program left in WAL mode without its -wal file is opened so that SQLite removes the -wal and
    -shm it must make when the last reader closes. On read-only media (or a full disk) a WAL database cannot
    create its shared-memory file; then, and only then, the file is opened as immutable (nobody can be writing
    to it there). `stop`: see Connection. `any_version`: an older schema too (for `findings repair`). `notes`:
    say what is ignored (store.notes); a dry run, which refuses what a write would refuse, does not.
    """
    path = Path(path)
    _check_file(path)
    conn = None
    shm = journal.sidecar(path, "-shm")
    had_shm = shm.exists()
    for params in _readonly_ways(path):
        query_only = params.pop("query_only", None)
        try:
            conn = _connect(_uri(path, **params), path, uri=True, readers_types=True)
            conn.execute("PRAGMA query_only = ON")
            _first_read(conn)
            from store import schema_check

            for message in schema_check.check_readable(conn, path):
                if notes:
                    note(path, message)
            check_version(conn, path, writing=any_version)
            if query_only:
                _CLEANING.add(os.path.realpath(path))
            elif not had_shm and params.get("mode") == "ro" and "immutable" not in params and shm.exists():
                with _OPEN_LOCK:
                    _SHM_MADE.add(os.path.realpath(path))
            conn.stop = stop
            return conn
        except sqlite3.OperationalError as e:
            if conn is not None:
                conn.close()
                conn = None
            if isinstance(e, DatabaseTooSlow):
                raise
            name = getattr(e, "sqlite_errorname", "")
            if name == "SQLITE_READONLY_ROLLBACK":
                raise DatabaseUnavailable(journal.hot_journal_message(path)) from None
            no_shm = name.startswith("SQLITE_IOERR_SHM")
            if "unable to open" in str(e) or "readonly" in str(e) or no_shm or query_only:
                continue
            raise DatabaseUnavailable(f"cannot read {path}: {e}") from None
        except sqlite3.DatabaseError as e:
            if conn is not None:
                conn.close()
            raise DatabaseUnavailable(f"{path} cannot be read as a database: {e}") from None
        except BaseException:
            if conn is not None:
                conn.close()
            raise
    raise DatabaseUnavailable(f"cannot open {path} (check the file and its directory permissions)")


def open_readwrite(
    path: str | os.PathLike[str], *, create: bool = False, private: bool = False, verified: bool = False
) -> Connection:
    """Open an existing database for writing: foreign keys on, a busy timeout; transactions are explicit
    (`store.write.begin`, which also switches the file to WAL mode for the write and back after it).

    Before the file is opened for writing, journal files SQLite would replay are looked at (store.journal): a
    -wal beside a database in rollback mode (another database's, or a stale copy) and a hot -journal are refused,
    with what to do. Then the schema is compared with the one this program makes (store.schema_check): a trigger
    or index it did not make, or one of its own changed, is refused. An older schema is upgraded by the first
    write transaction, so a failed command leaves the file as it was.

    create=True: `path` must not exist yet; a new database with the current schema is made under a temporary name
    and moved into place (store.newdb), then opened. private=True: `path` is such a temporary file, which no other
    process can have open (its write stays in rollback mode); verified=True: and this process just made its
    schema (it is not compared again).
    """
    path = Path(path)
    if create:
        from store.newdb import create_database

        create_database(path)
    _check_file(path)
    real = Path(os.path.realpath(path))
    if not private:
        journal.refuse_leftovers(real)
    conn = None
    try:
        conn = _connect(os.fspath(real), path, uri=False, readers_types=False)
        conn.private = private
        conn.execute("PRAGMA foreign_keys = ON")
        _first_read(conn)
        version = check_version(conn, path, writing=True)
        if verified:
            conn.schema_verified = True
        else:
            from store import schema_check

            schema_check.check_writable(conn, path, upgrading=version < SCHEMA_VERSION)
        if conn.schema_verified:
            conn.execute("PRAGMA trusted_schema = ON")  # the schema is this program's own (its FTS triggers)
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute(f"PRAGMA cache_size = -{_write_cache_kib()}")  # 64 MiB: big imports spill less to the WAL
        conn.execute("PRAGMA temp_store = MEMORY")  # staged inserts (store.write.insert_rows): no temp files
        if limit := os.environ.get("FINDINGS_MAX_PAGE_COUNT"):  # for tests only: a disk that fills up
            conn.execute(f"PRAGMA max_page_count = {int(limit)}")  # (never below the current size)
        return conn
    except BaseException as e:
        if conn is not None:
            conn.close()  # (a connection left open would replay whatever SQLite finds when it is collected)
        if isinstance(e, StoreError) or not isinstance(e, sqlite3.Error):
            raise
        raise _open_error(path, e) from None


WRITE_CACHE_KIB = 65_536


def _write_cache_kib() -> int:
    """A writer's page cache: 64 MiB, so that big imports spill less to the write-ahead log. For tests only,
    FINDINGS_WRITE_CACHE_KIB makes it smaller (an import that spills uncommitted pages early, with fewer rows)."""
    given = os.environ.get("FINDINGS_WRITE_CACHE_KIB", "")
    return int(given) if given.isdecimal() and 0 < int(given) <= WRITE_CACHE_KIB else WRITE_CACHE_KIB


def _open_error(path: Path, e: sqlite3.Error) -> DatabaseUnavailable:
    message = str(e)
    if getattr(e, "sqlite_errorname", "") == "SQLITE_READONLY_ROLLBACK":
        return DatabaseUnavailable(journal.hot_journal_message(path))
    if isinstance(e, sqlite3.OperationalError):
        if "readonly" in message or "unable to open" in message:
            return DatabaseUnavailable(f"cannot write to {path}: the file or its directory is read-only ({message})")
        if "locked" in message or "busy" in message:
            return DatabaseUnavailable(f"{path} is busy: another import is writing to it; try again")
        return DatabaseUnavailable(f"cannot open {path} for writing: {message}")
    return DatabaseUnavailable(f"{path} cannot be read as a database: {e}")
