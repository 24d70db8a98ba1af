"""Journal files and journal modes: databases rest in rollback-journal mode; a writer works in WAL mode.

Why (measured with SQLite 3.40):
- Reading a database in rollback-journal ("DELETE") mode with `mode=ro` creates no file; reading one in WAL mode
  creates -wal and -shm and leaves them. So databases rest in rollback mode, and lookups leave no files.
- A writer may switch a rollback-mode database to WAL while idle readers are connected: they go on reading the
  data as it was until the writer commits. So a write works in WAL mode (readers never wait for it) and switches
  back when it ends. Switching back fails while another connection has used the WAL; the file then stays in WAL
  mode until a later write can switch it back.
- A transaction rolled back in WAL mode never touches the main file, but in rollback mode it leaves its pages in
  the file's free list (rejected rows readable with `strings`). So a failed write, rolled back in WAL mode and
  switched back, leaves the content as it was; the switches changed only header bytes 18-19 (the journal mode),
  24-27 and 92-99 (change counter, version-valid-for, SQLite version), which are put back under an exclusive lock
  when nobody else used the file meanwhile. Then the file is byte for byte as it was.
- SQLite reads a -wal file it finds beside a database whatever the header says (even with `mode=ro`, and it
  then makes a -shm), merges it into the file when it checkpoints, and rolls back a hot -journal as soon as the
  file is opened for writing, whether or not they belong to it. A -wal beside a database in rollback mode cannot
  be its own (findings leaves none, and a writer switches the header before it makes its -wal): readers ignore it
  (opening the main file immutable) and writes refuse it. A hot -journal is refused by both. `findings repair`
  deals with both after making a backup.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from store.errors import DatabaseUnavailable

BUSY_TIMEOUT_MS = 10_000  # how long a write waits for another writer (store.connect sets SQLite's to it)

HEADER_SIZE = 100
# Header bytes a switch between journal modes rewrites: file format write/read versions (18, 19), file change
# counter (24-27), version-valid-for number and SQLite version number (92-99).
SWITCH_BYTES = frozenset([18, 19, *range(24, 28), *range(92, 100)])
SWITCH_BACK_WAIT_S = 0.5  # how long a writer tries to switch back while lookups finish


def sidecar(path: Path, suffix: str) -> Path:
    """The journal file `suffix` ("-wal", "-shm", "-journal") SQLite keeps beside `path` (symbolic links
    resolved, as SQLite resolves them)."""
    return Path(f"{os.path.realpath(path)}{suffix}")


# Where SQLite's unix VFS locks the "dead man switch" of a -shm file: every connection using the file holds a
# shared lock on this byte, and the first one to open it (the only one that can take it exclusively) resets it.
_SHM_DMS_BYTE = 128  # (UNIX_SHM_BASE = (22 + SQLITE_SHM_NLOCK) * 4) + SQLITE_SHM_NLOCK, SQLITE_SHM_NLOCK = 8


def remove_unused_shm(path: Path) -> bool:
    """Remove the -shm file beside `path` if no connection of any process uses it (none holds the lock SQLite
    takes on it; it is removed while this lock is held, as SQLite removes it when the last writer closes). For a
    -shm a `mode=ro` reader had to make, beside a WAL-mode database with a -wal another program left: the reader
    leaves the directory as it found it. Call it only when this process has no connection to `path` open
    (closing a descriptor of the file drops every lock this process holds on it). True if it was removed."""
    import fcntl

    shm = sidecar(path, "-shm")
    try:
        fd = os.open(shm, os.O_RDWR | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return False
    try:
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, _SHM_DMS_BYTE)
        except OSError:
            return False  # in use
        here = os.fstat(fd)
        try:
            there = os.stat(shm, follow_symlinks=False)
        except OSError:
            return False
        if (here.st_dev, here.st_ino) != (there.st_dev, there.st_ino):
            return False
        os.unlink(shm)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def nonempty(path: Path) -> bool:
    try:
        return path.stat().st_size > 0
    except OSError:
        return False


# Descriptors of database files read by this process, never closed while it may hold SQLite connections to them:
# closing any descriptor of a file drops every POSIX lock the process holds on it, SQLite's included (SQLite's
# "How To Corrupt", 2.2). A writer in WAL mode that lost its lock on the main file let another process, closing
# its last connection, take the file as unused, checkpoint, and delete the -wal and -shm under it: two writers
# then wrote at once (tests/test_concurrency.py: "wrong # of entries in index changes_record").
_KEPT: dict[tuple[int, int, int], int] = {}  # (device, inode, open flags) -> descriptor, in the order last used
_KEPT_MAX = 256  # (a test process meets thousands of files; the oldest, long closed, is let go)


def _kept(path: Path, flags: int) -> int:
    """A descriptor of `path` opened with `flags`, kept open (see _KEPT). Raises OSError as open() does."""
    st = os.stat(path)
    key = (st.st_dev, st.st_ino, flags)
    fd = _KEPT.pop(key, None)
    if fd is None:
        fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))
        if len(_KEPT) >= _KEPT_MAX:
            os.close(_KEPT.pop(next(iter(_KEPT))))
    _KEPT[key] = fd
    return fd


def read_start(path: Path, size: int) -> bytes:
    """The first `size` bytes of `path`, through a descriptor this process keeps open (see _KEPT): reading a
    database's header never drops SQLite's locks on it. Raises OSError as open() does."""
    return os.pread(_kept(path, os.O_RDONLY), size, 0)


def write_start(path: Path, data: bytes) -> None:
    """Write `data` at the start of `path` and sync it, through a descriptor kept open as read_start's: the
    locks other connections of this process hold on the file stay. Raises OSError as open() does."""
    fd = _kept(path, os.O_WRONLY)
    os.pwrite(fd, data, 0)
    os.fsync(fd)


def header(path: Path) -> bytes:
    """The database header (first 100 bytes; fewer for a file too short to be a database)."""
    try:
        return read_start(path, HEADER_SIZE)
    except OSError:
        return b""


def in_wal_mode(head: bytes) -> bool:
    """Whether a database header says WAL mode (file format versions 2)."""
    return len(head) >= 20 and head[18] == 2


def hot_journal_message(path: Path) -> str:
    return (
        f"{path} has an unfinished write (its -journal file: a write was interrupted, or the journal was copied "
        f"here with it); `findings --db {path} repair` undoes it, after making a backup"
    )


def stray_wal_message(path: Path) -> str:
    return (
        f"{path} has a write-ahead log beside it ({sidecar(path, '-wal').name}) that is not its own: the database "
        "is in rollback-journal mode, so the log belongs to another database or an old copy, and writing would "
        f"merge it into this one; nothing was written. `findings --db {path} repair` moves it aside (after a "
        "backup), or move it away yourself"
    )


def stray_wal_note(path: Path) -> str:
    return (
        f"{path} has a write-ahead log beside it ({sidecar(path, '-wal').name}) that is not its own (the database is "
        f"in rollback-journal mode); it is ignored, and only {path.name} is read. `findings --db {path} repair` "
        "moves it aside"
    )


def stray_wal(path: Path) -> bool:
    """Whether a non-empty -wal sits beside `path` while its header says rollback mode. (Read twice: a writer
    switching back removes its -wal before it rewrites the header.)"""
    wal = sidecar(path, "-wal")
    if not nonempty(wal) or in_wal_mode(header(path)):
        return False
    return nonempty(wal) and not in_wal_mode(header(path))


def hot_journal(path: Path) -> bool:
    """Whether SQLite would roll back a -journal beside `path` (it exists, is not empty, and no writer holds it)."""
    if not nonempty(sidecar(path, "-journal")):
        return False
    uri = f"{Path(os.path.realpath(path)).as_uri()}?mode=ro"
    try:
        probe = sqlite3.connect(uri, uri=True, timeout=10)
    except sqlite3.Error:
        return False
    try:
        probe.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return False
    except sqlite3.Error as e:
        return getattr(e, "sqlite_errorname", "") == "SQLITE_READONLY_ROLLBACK"
    finally:
        probe.close()


def refuse_leftovers(path: Path) -> None:
    """Before `path` is opened for writing: refuse a -wal that is not its own and a hot -journal."""
    if stray_wal(path):
        raise DatabaseUnavailable(stray_wal_message(path))
    if hot_journal(path):
        raise DatabaseUnavailable(hot_journal_message(path))


# ------------------------------------------------------------------------------------------- a write, in WAL


@dataclass
class WriteState:
    """What a write changed about the journal mode, to undo it when it ends."""

    path: Path
    switched: bool = False  # this write switched the file from rollback to WAL mode
    before: bytes = b""  # the header before the switch
    restorable: bool = False  # nobody wrote between reading `before` and taking the write lock


def start_write(conn: sqlite3.Connection, path: Path, *, private: bool = False) -> WriteState:
    """Before BEGIN: switch a rollback-mode database to WAL for this write. `private`: a new file under a
    temporary name that nobody else can open; it stays in rollback mode (one write, no readers to keep)."""
    real = Path(os.path.realpath(path))
    state = WriteState(real)
    if private:
        return state
    before = header(real)
    if not in_wal_mode(before):
        mode = _switch_to_wal(conn)
        state.switched = mode.lower() == "wal"  # (a file system without shared memory keeps rollback mode)
        state.before = before
    return state


def _switch_to_wal(conn: sqlite3.Connection) -> str:
    """`PRAGMA journal_mode = WAL`, waiting as a write waits (store.connect.BUSY_TIMEOUT_MS) while another
    program holds the file: SQLite answers that pragma "database is locked" at once, without its busy handler,
    so a second writer failed in a fifth of a second where the README says it waits up to 10 s."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            return str(conn.execute("PRAGMA journal_mode = WAL").fetchone()[0])
        except sqlite3.OperationalError as e:
            if ("locked" not in str(e) and "busy" not in str(e)) or time.monotonic() >= deadline:
                raise
            time.sleep(0.05)


def write_started(state: WriteState) -> None:
    """After BEGIN IMMEDIATE (the write lock held): whether the header is the one read before the switch, but for
    the bytes the switch rewrites; if not, someone wrote in between, and a failed write will not put it back."""
    if state.switched:
        state.restorable = _same_but_switch(state.before, header(state.path))


def end_write(conn: sqlite3.Connection, state: WriteState | None, *, committed: bool) -> None:
    """After COMMIT or ROLLBACK: back to rollback mode (after any commit, and after a failed write that switched),
    and, after a failed write, the header bytes the switches changed put back."""
    if state is None or not (committed or state.switched):
        return
    if committed and getattr(conn, "keep_wal", False):
        return  # many writes in a row (a review session, store.review.session): switched back when it ends
    if not _switch_back(conn):
        return  # other connections use the WAL: it stays in WAL mode until a later write switches it back
    if not committed and state.restorable:
        _restore_header(conn, state.path, state.before)


def _same_but_switch(a: bytes, b: bytes) -> bool:
    return len(a) == len(b) == HEADER_SIZE and all(a[i] == b[i] for i in range(HEADER_SIZE) if i not in SWITCH_BYTES)


def _switch_back(conn: sqlite3.Connection) -> bool:
    """Checkpoint and switch to rollback mode; True when done. Readers that finish within SWITCH_BACK_WAIT_S are
    waited for (a lookup), longer ones (an explorer) are not."""
    if conn.in_transaction:
        return False
    deadline = time.monotonic() + SWITCH_BACK_WAIT_S
    busy = conn.execute("PRAGMA busy_timeout").fetchone()[0]
    conn.execute("PRAGMA busy_timeout = 50")
    try:
        while True:
            try:
                mode = conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
                if str(mode).lower() == "delete":
                    return True
            except sqlite3.OperationalError as e:
                if "locked" not in str(e) and "busy" not in str(e):
                    return False
            if time.monotonic() > deadline:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)")  # as much as the readers allow
                return False
            time.sleep(0.02)
    finally:
        with contextlib.suppress(sqlite3.Error):
            conn.execute(f"PRAGMA busy_timeout = {int(busy)}")


def _restore_header(conn: sqlite3.Connection, path: Path, before: bytes) -> None:
    """Put the header `before` back, holding SQLite's exclusive lock (no reader sees it half-written), if the file
    differs from it only in the bytes the switches rewrite."""
    try:
        conn.execute("BEGIN EXCLUSIVE")
    except sqlite3.Error:
        return
    try:
        if _same_but_switch(before, header(path)):
            write_start(path, before)
    except OSError:
        pass
    finally:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")
