"""The explorer's way to the database: one read-only connection per worker thread.

SQLite connections must not be shared between threads that use them at the same time, and Textual thread
workers run on a pool of threads, so each thread opens its own connection (read-only, via
store.connect.open_readonly) the first time it needs one and keeps it. A query whose worker has been
cancelled (the user typed another letter) is interrupted by SQLite's progress handler, so stale searches
free their thread at once.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.worker import NoActiveWorker, Worker, get_current_worker

from store.connect import open_readonly
from tui.widgets.safe import clean

PROGRESS_STEPS = 20_000  # SQLite VM steps between cancellation checks (well under a millisecond)


def _cancelled() -> int:
    try:
        return 1 if get_current_worker().is_cancelled else 0
    except NoActiveWorker:
        return 0


class Database:
    """Hands each thread its own read-only connection to one database file."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []

    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = open_readonly(self.path)
            conn.set_progress_handler(_cancelled, PROGRESS_STEPS)
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    def close(self) -> None:
        with self._lock:
            connections, self._connections = self._connections, []
        for conn in connections:
            try:
                conn.close()
            except sqlite3.ProgrammingError:  # closed from another thread while in use: it goes with its thread
                pass


def run_db(
    node: Any, work: Callable[[sqlite3.Connection], None], *, group: str, exclusive: bool = True
) -> Worker[None]:
    """Run `work(conn)` in a thread worker of `node`; a failure becomes a notification, never a crash.

    A query interrupted because its worker was cancelled (the user moved on) is silently dropped.
    """
    app = node.app
    db: Database = app.db

    def run() -> None:
        try:
            work(db.conn())
        except sqlite3.OperationalError as e:
            if "interrupted" not in str(e):
                app.notify(f"Database error: {clean(e)}", severity="error", markup=False)
        except Exception as e:
            app.notify(f"Could not read the database: {clean(e)}", severity="error", markup=False)

    return node.run_worker(run, thread=True, group=group, exclusive=exclusive, exit_on_error=False)
