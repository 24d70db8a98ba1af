"""The explorer's way to the database: read-only connections on the explorer's own threads.

Database work runs on two small thread pools owned by `Database`, not on the event loop's default executor
(where Textual runs its thread workers, with as many threads as the machine has cores plus four):
- `lists`, one thread: the virtual lists' counts and pages, the as-you-type work. However fast someone types,
  searching takes at most one core away from the UI thread (a two-core machine keeps echoing keys), and the
  newest search is never slowed by the ones it replaced: a list given a new source cancels its workers, whose
  queries are then interrupted by SQLite's progress handler (below) within a few milliseconds, so the thread
  is free at once for the new source's count and pages; workers cancelled before they started never run.
- `lookups`, two threads: everything else (the detail pane, profiles, facets, export, copy, the palette), which
  therefore never waits behind a long list query.
- `writes`, one thread, in review mode only (`Database(path, writable=True)`): the one read-write connection
  (store.connect.open_readwrite), so that review actions are applied one at a time, in the order pressed,
  and never on the UI thread. A database opened for browsing has no such thread and cannot open one.

Each thread opens its own read-only connection (store.connect.open_readonly) the first time it needs one and
keeps it. SQLite connections must not be used by two threads at a time; these never are. A query whose worker
has been cancelled (the user typed another letter, left the screen) is interrupted by SQLite's progress
handler (store.connect's, every PROGRESS_STEPS VM steps: 1-4 ms of an FTS ranking query), which also stops a
query that runs past the time budget ("the database took too long", shown like any other database error).
`close()`, when the app exits, stops the threads and closes every connection the app opened.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import contextvars
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from textual.dom import DOMNode
from textual.worker import NoActiveWorker, Worker, active_worker, get_current_worker

from store.connect import open_readonly, open_readwrite
from tui import textual_internals
from tui.app_access import findings_app
from tui.text import clean

LANES = {"lists": 1, "lookups": 2, "writes": 1}  # thread pool -> threads
CLOSE_WAIT_S = 5.0  # at exit, how long to wait for running queries to stop (they are interrupted at once)
CLOSED_MESSAGE = "interrupted: the explorer is closing"

R = TypeVar("R")


class Database:
    """Read-only connections to one database file, one per thread, and the threads that use them; with
    `writable`, also one read-write connection on the `writes` thread."""

    def __init__(self, path: str | Path, *, writable: bool = False) -> None:
        self.path = Path(path)
        self.writable = writable
        self._writer: sqlite3.Connection | None = None
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []
        self._pools: dict[str, concurrent.futures.ThreadPoolExecutor] = {}
        self._futures: set[concurrent.futures.Future[Any]] = set()
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def open_connections(self) -> int:
        """How many connections this object opened and has not closed yet."""
        with self._lock:
            return len(self._connections)

    def conn(self) -> sqlite3.Connection:
        """This thread's connection (opened on first use). After `close()`, raises OperationalError."""
        if self._closed:
            raise sqlite3.OperationalError(CLOSED_MESSAGE)
        conn = getattr(self._local, "conn", None)
        if conn is None:
            # One progress handler per connection (store.connect's): it asks `_should_stop` and keeps the time
            # budget that stops a query of a database built to hang.
            conn = open_readonly(self.path, stop=self._should_stop)
            with self._lock:
                if self._closed:  # closed while this one was being opened: it never gets used
                    conn.close()
                    raise sqlite3.OperationalError(CLOSED_MESSAGE)
                self._connections.append(conn)
            self._local.conn = conn
        return conn

    def write_conn(self) -> sqlite3.Connection:
        """The read-write connection, opened on first use; only on the `writes` thread, only when `writable`."""
        if not self.writable:
            raise sqlite3.OperationalError("this explorer is read-only: `findings review` opens it for writing")
        if not threading.current_thread().name.startswith("findings-db-writes"):
            raise RuntimeError("database writes run on the writes thread (Database.submit('writes', ...))")
        if self._closed:
            raise sqlite3.OperationalError(CLOSED_MESSAGE)
        if self._writer is None:
            conn = open_readwrite(self.path)
            with self._lock:
                if self._closed:
                    conn.close()
                    raise sqlite3.OperationalError(CLOSED_MESSAGE)
                self._connections.append(conn)
            self._writer = conn
        return self._writer

    def _should_stop(self) -> bool:
        """Asked by SQLite's progress handler: whether to interrupt the query (its worker was cancelled, or the
        app exits)."""
        if self._closed:
            return True
        try:
            return get_current_worker().is_cancelled
        except NoActiveWorker:
            return False

    def submit(self, lane: str, fn: Callable[..., R], *args: Any) -> concurrent.futures.Future[R]:
        """Run `fn(*args)` on a thread of `lane` (see LANES); raises OperationalError once closed."""
        with self._lock:
            if self._closed:
                raise sqlite3.OperationalError(CLOSED_MESSAGE)
            pool = self._pools.get(lane)
            if pool is None:
                pool = self._pools[lane] = concurrent.futures.ThreadPoolExecutor(
                    LANES[lane], thread_name_prefix=f"findings-db-{lane}"
                )
            future = pool.submit(fn, *args)
            self._futures.add(future)
        future.add_done_callback(self._forget)
        return future

    def _forget(self, future: concurrent.futures.Future[Any]) -> None:
        with self._lock:
            self._futures.discard(future)

    async def call(self, fn: Callable[..., R], *args: Any, lane: str = "lookups") -> R:
        """Await `fn(*args)` run on a `lane` thread, in the caller's context: a query started by a Textual
        worker (the command palette's) is interrupted when that worker is cancelled."""
        context = contextvars.copy_context()
        return await asyncio.wrap_future(self.submit(lane, context.run, fn, *args))

    def close(self, timeout: float = CLOSE_WAIT_S) -> None:
        """Stop the threads (queued work is dropped, running queries are interrupted) and close every
        connection. Safe to call more than once, and from any thread."""
        with self._lock:
            self._closed = True  # no new connections or work from now on; the progress handlers say stop
            pools, self._pools = list(self._pools.values()), {}
            running = list(self._futures)
            connections = list(self._connections)
        for pool in pools:
            pool.shutdown(wait=False, cancel_futures=True)
        for conn in connections:
            if conn is self._writer:
                continue  # a review action is a short transaction: let it commit rather than interrupt it
            with contextlib.suppress(sqlite3.Error):
                conn.interrupt()  # a statement running now stops at once
        concurrent.futures.wait(running, timeout=timeout)
        for pool in pools:
            pool.shutdown(wait=True)  # the threads have nothing left to run: they end
        with self._lock:
            connections, self._connections = self._connections, []
        for conn in connections:
            with contextlib.suppress(sqlite3.Error):
                conn.close()


class DatabaseWorker(Worker[R]):
    """A Textual thread worker that runs on one of the Database's threads instead of the default executor.

    It is a Worker like any other (states, groups, `exclusive`, cancellation, `app.workers`); `get_current_worker`
    works inside it, which is how the progress handler knows that its query is no longer wanted.
    """

    def __init__(self, node: DOMNode, work: Callable[[], R], *, db: Database, lane: str, group: str) -> None:
        super().__init__(node, work, name=getattr(work, "__name__", ""), group=group, exit_on_error=False, thread=True)
        self._db = db
        self._lane = lane

    async def run(self) -> R:
        work: Callable[[], R] = textual_internals.worker_work(self)

        def call() -> R:
            token = active_worker.set(self)
            try:
                return work()
            finally:
                active_worker.reset(token)

        return await asyncio.wrap_future(self._db.submit(self._lane, call))


def db_worker(
    node: DOMNode, work: Callable[[], Any], *, group: str, exclusive: bool = False, lane: str = "lookups"
) -> Worker[Any]:
    """Start `work()` as a worker of `node` on a thread of the app's Database (`lane`); an app whose `db` is
    not a Database (a test double) runs it as an ordinary thread worker."""
    db = getattr(node.app, "db", None)
    if not isinstance(db, Database):
        return node.run_worker(work, thread=True, group=group, exclusive=exclusive, exit_on_error=False)
    worker: Worker[Any] = DatabaseWorker(node, work, db=db, lane=lane, group=group)
    node.workers.add_worker(worker, exclusive=exclusive)
    return worker


def run_db(
    node: DOMNode, work: Callable[[sqlite3.Connection], None], *, group: str, exclusive: bool = True
) -> Worker[None]:
    """Run `work(conn)` in a worker of `node` on a lookups thread; a failure becomes a notification, never a crash.

    A query interrupted because its worker was cancelled (the user moved on, the app exits) is silently dropped.
    """
    app = findings_app(node)
    db = app.db

    def run() -> None:
        try:
            work(db.conn())
        except sqlite3.OperationalError as e:
            if "interrupted" not in str(e):
                app.notify(f"Database error: {clean(e)}", severity="error", markup=False)
        except Exception as e:
            app.notify(f"Could not read the database: {clean(e)}", severity="error", markup=False)

    return db_worker(node, run, group=group, exclusive=exclusive, lane="lookups")


def run_write(
    node: DOMNode,
    work: Callable[[sqlite3.Connection], R],
    done: Callable[[R | None, str | None], None],
    *,
    group: str = "review-write",
) -> Worker[None]:
    """Run `work(conn)` with the read-write connection on the writes thread, then `done(result, None)` on the UI
    thread; when the store refuses (a sealed finding, a bad date) or the database fails, `done(None, reason)`,
    the reason a line for the person. Writes are never cancelled half-way: each is one transaction."""
    db = findings_app(node).db
    return run_task(node, lambda: work(db.write_conn()), done, group=group)


def run_task(
    node: DOMNode,
    work: Callable[[], R],
    done: Callable[[R | None, str | None], None],
    *,
    group: str = "review-write",
) -> Worker[None]:
    """Run `work()` on the writes thread (after the review actions pressed before it, and before those pressed
    after), then `done(result, None)` on the UI thread, or `done(None, reason)` when it failed or was refused.
    For deliberate work that is not one transaction of the read-write connection: deciding a sync conflict,
    finishing a merge (which replaces the database file)."""
    app = findings_app(node)

    def run() -> None:
        try:
            result = work()
        except Exception as e:  # refused or failed: said on the screen, never raised into the UI
            from store.errors import describe

            # the store's checks (store.vocab) say what is wrong with a value in a ValueError
            reason = clean(str(e) if isinstance(e, ValueError) else describe(e)) or type(e).__name__
            app.call_from_thread(done, None, reason)
            return
        app.call_from_thread(done, result, None)

    return db_worker(node, run, group=group, lane="writes")
