"""The explorer's database work: its own threads, stale queries stopped, every connection closed at exit.

Lists read on one thread (a burst of as-you-type searches never takes more than one core from the UI); a list
given a new source stops the old source's query at once, so the new rows come without waiting for it and are
never replaced by the old ones; everything else (detail pane, palette) runs on its own threads meanwhile.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
from textual.app import App, ComposeResult

from tests.tui_support import palette_lists, run_app, settle, type_text, until
from tui.db import CLOSED_MESSAGE, LANES, Database, run_db
from tui.widgets.virtual_list import RowSource, VirtualList

# Counts to two billion, a step at a time: minutes of work that only an interruption ends.
ENDLESS = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000000000) SELECT count(*) FROM c"


class Endless(RowSource[str]):
    """A source whose page query never ends by itself (a slow search); says whether it was interrupted."""

    key = "endless"

    def __init__(self) -> None:
        self.started = threading.Event()
        self.interrupted = threading.Event()
        self.threads: set[str] = set()

    def count(self, conn: sqlite3.Connection) -> int:
        return 1_000

    def fetch(self, conn: sqlite3.Connection, offset: int, limit: int) -> list[str]:
        self.threads.add(threading.current_thread().name)
        self.started.set()
        try:
            conn.execute(ENDLESS).fetchone()
        except sqlite3.OperationalError as e:
            if "interrupted" in str(e):
                self.interrupted.set()
            raise
        return ["stale row"] * limit  # never reached


class Quick(RowSource[str]):
    key = "quick"

    def __init__(self) -> None:
        self.threads: set[str] = set()

    def count(self, conn: sqlite3.Connection) -> int:
        return 3

    def fetch(self, conn: sqlite3.Connection, offset: int, limit: int) -> list[str]:
        self.threads.add(threading.current_thread().name)
        return [f"{row} from {conn.execute('SELECT count(*) FROM evidence').fetchone()[0]}" for row in "abc"]


class ListApp(App[None]):
    def __init__(self, db: Path, source: RowSource[str]) -> None:
        super().__init__()
        self.db = Database(db)
        self.vlist = VirtualList(source)

    def compose(self) -> ComposeResult:
        yield self.vlist

    async def on_unmount(self) -> None:
        await asyncio.to_thread(self.db.close)


def test_a_new_source_stops_the_old_query_and_its_rows_never_come_back(db: Path) -> None:
    slow, quick = Endless(), Quick()
    app = ListApp(db, slow)

    async def main() -> None:
        async with app.run_test(size=(40, 12)) as pilot:
            await until(pilot, slow.started.is_set, "the slow page query to start")
            app.vlist.set_source(quick)  # the user typed another letter
            await until(pilot, lambda: app.vlist.count == 3 and app.vlist.row_at(0) is not None, "the new rows")
            assert slow.interrupted.is_set()  # the stale query was stopped, which freed the one list thread
            assert slow.threads == quick.threads and len(slow.threads) == 1  # lists read on one thread
            await settle(pilot)  # whatever the stopped query could still send has arrived
            rows = [app.vlist.row_at(i) for i in range(3)]
            assert rows == ["a from 29", "b from 29", "c from 29"]  # not "stale row"
            assert not app.vlist._error

    asyncio.run(main())
    assert app.db.closed and app.db.open_connections == 0


def test_the_detail_and_the_palette_do_not_wait_for_a_long_list_query(db: Path) -> None:
    slow = Endless()
    app = ListApp(db, slow)
    answers: dict[str, Any] = {}

    async def main() -> None:
        async with app.run_test(size=(40, 12)) as pilot:
            await until(pilot, slow.started.is_set, "the slow page query to start")

            def work(conn: sqlite3.Connection) -> None:  # what the detail pane does
                answers["detail"] = conn.execute("SELECT count(*) FROM evidence").fetchone()[0]

            run_db(app.vlist, work, group="detail")

            def palette() -> int:  # what the command palette does
                return app.db.conn().execute("SELECT count(*) FROM actors").fetchone()[0]

            answers["palette"] = await app.db.call(palette)
            await until(pilot, lambda: len(answers) == 2, "the look-ups")
            assert not slow.interrupted.is_set()  # they ran beside it, while it was still running
        assert slow.interrupted.is_set()  # and leaving the app stopped it

    asyncio.run(main())
    assert answers == {"detail": 29, "palette": 24}
    assert LANES["lists"] == 1  # one thread for the lists, whatever the machine


def test_every_connection_the_explorer_opened_is_closed_when_it_exits(db: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import tui.db

    opened: list[sqlite3.Connection] = []
    real_open = tui.db.open_readonly

    def tracking_open(path: Any, **options: Any) -> sqlite3.Connection:
        conn = real_open(path, **options)
        opened.append(conn)
        return conn

    monkeypatch.setattr(tui.db, "open_readonly", tracking_open)

    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        home = pilot.app.screen
        await pilot.press("slash")
        await type_text(pilot, "yuan")  # lists and counts; the detail pane (wide layout)
        assert home.detail.data is not None
        await pilot.press("ctrl+p")  # the palette's look-ups
        await pilot.press(*"china")
        await palette_lists(pilot, "China")
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("slash", "backspace", "g", "r")  # and quit while searches may still be running
        await until(pilot, lambda: not home.search_pending, "the search to start")

    app = run_app(db, check, size=(120, 40))
    assert len(opened) >= 2  # lists and look-ups each on their own thread
    assert app.db.closed and app.db.open_connections == 0
    for conn in opened:
        with pytest.raises(sqlite3.ProgrammingError):  # "Cannot operate on a closed database."
            conn.execute("SELECT 1")
    with pytest.raises(sqlite3.OperationalError, match=CLOSED_MESSAGE):
        app.db.conn()  # a worker thread that asks after the exit gets no new connection
    assert app.db.open_connections == 0


def test_closing_interrupts_a_running_query_and_closes_its_connection(db: Path) -> None:
    database = Database(db)
    started = threading.Event()

    def endless() -> None:
        conn = database.conn()
        started.set()
        conn.execute(ENDLESS).fetchone()

    future = database.submit("lists", endless)
    assert started.wait(10)
    database.close()  # returns once the query has stopped
    with pytest.raises(sqlite3.OperationalError, match="interrupted"):
        future.result(timeout=0)
    assert database.open_connections == 0
    with pytest.raises(sqlite3.OperationalError, match=CLOSED_MESSAGE):
        database.submit("lists", endless)


def test_a_far_page_of_the_evidence_list_uses_the_count_the_list_already_has(db: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """End on a million findings read the last page without counting them again on its thread's connection."""
    import store.search.evidence
    from store.connect import open_readonly
    from store.search import EvidenceFilter, count_evidence, list_evidence
    from tui.sources import EvidenceSource

    flt = EvidenceFilter()
    conn = open_readonly(db)
    total = count_evidence(conn, flt)
    everything = list_evidence(conn, flt, limit=total)
    conn.close()
    monkeypatch.setattr(store.search.evidence, "DEEP_PAGE", 5)  # data.db is small: make its far end "far"

    def no_count(*args: Any) -> int:
        raise AssertionError("counted again")

    fresh = open_readonly(db)  # a connection that has counted nothing
    try:
        monkeypatch.setattr(store.search.evidence, "count_evidence", no_count)
        assert list_evidence(fresh, flt, offset=total - 4, limit=4, total=total) == everything[-4:]
        source = EvidenceSource(flt)
        source.note_count(total)  # what the list does once it knows its count
        assert source.fetch(fresh, total - 10, 10) == everything[-10:]
        assert source.fetch(fresh, 10, 10) == everything[10:20]
        with pytest.raises(AssertionError, match="counted again"):
            list_evidence(fresh, flt, offset=total - 4, limit=4)  # without it, it has to count
    finally:
        fresh.close()


def test_a_screen_opened_on_top_does_not_wait_for_the_lists_below(db: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A search still running on the home screen does not keep an actor's screen waiting for its findings; back
    home, the search is read again."""
    import tui.sources

    real_fetch = tui.sources.EvidenceSource.fetch
    slow_reads: list[str] = []

    def fetch(self: Any, conn: sqlite3.Connection, offset: int, limit: int) -> list[Any]:
        if self.filter.query == "yuan":  # a search that finds something: its rows are still to be read
            slow_reads.append("started")
            conn.execute(ENDLESS).fetchone()  # ends only when interrupted
        return real_fetch(self, conn, offset, limit)

    monkeypatch.setattr(tui.sources.EvidenceSource, "fetch", fetch)

    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        app, home = pilot.app, pilot.app.screen
        await pilot.press("slash", *"yuan")
        await until(pilot, lambda: slow_reads == ["started"], "the slow search to start")
        app.open("actor", "china")
        await until(pilot, lambda: app.screen is not home and app.screen.evidence.row_at(0) is not None, "China")
        assert app.screen.evidence.count and home.evidence.row_at(0) is None
        await pilot.press("escape")
        await until(pilot, lambda: len(slow_reads) >= 2, "the search to be read again")
        assert app.screen is home

    run_app(db, check)
