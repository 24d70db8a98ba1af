"""Nothing on screen waits for the database: a drill-down screen shows its profile before its rows and counts are
read, saying what it is still counting; the palette shows names while a search of the findings' text is still
running, and a keystroke stops the search it made stale.

The database is made slow where it matters by holding the store's calls on an Event, released by the test.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest

from tests.tui_support import run_app, screen_text, until

# Counts to two billion, a step at a time: minutes of work that only an interruption ends.
ENDLESS = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000000000) SELECT count(*) FROM c"
WAIT_S = 30  # a broken build must not hang the test run


def hit_kinds(text: str) -> set[str]:
    """The kinds of the palette's hits on screen (each hit ends with its kind: `Bank of Russia  actor`)."""
    return set(re.findall(r"  (actor|region|source|finding)(?![a-z])", text))


class Gate:
    """Holds the calls made through it until `open()`; says whether one is being held."""

    def __init__(self) -> None:
        self.opened = threading.Event()
        self.entered = threading.Event()

    def hold(self) -> None:
        self.entered.set()
        assert self.opened.wait(WAIT_S), "the test never opened the gate"

    def open(self) -> None:
        self.opened.set()


@pytest.fixture
def gate() -> Any:
    g = Gate()
    yield g
    g.open()  # whatever happened, no database thread stays held


# "counting… 1 s", or a later second where a loaded machine drew the screen late
LENGTH_OF_WAIT = re.compile(r"counting… \d+ s")


def test_an_actor_screen_shows_its_profile_while_its_rows_and_counts_load(db: Path, gate: Gate, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import store.details
    from tui.sources import EvidenceSource

    real_actor, real_count, real_fetch = store.details.actor, EvidenceSource.count, EvidenceSource.fetch

    def slow_actor(conn: sqlite3.Connection, id_: str, **kw: Any) -> Any:
        if kw.get("aggregates", True):
            gate.hold()  # the counted lists: a pass over every linked finding
        return real_actor(conn, id_, **kw)

    def slow_count(self: EvidenceSource, conn: sqlite3.Connection) -> int:
        if self.filter.actor_ids:
            gate.hold()
        return real_count(self, conn)

    def slow_fetch(self: EvidenceSource, conn: sqlite3.Connection, offset: int, limit: int) -> Any:
        if self.filter.actor_ids:
            gate.hold()
        return real_fetch(self, conn, offset, limit)

    monkeypatch.setattr(store.details, "actor", slow_actor)
    monkeypatch.setattr(EvidenceSource, "count", slow_count)
    monkeypatch.setattr(EvidenceSource, "fetch", slow_fetch)

    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        app = pilot.app
        app.open("actor", "china")
        # painted (the output released), not held back for the rest, which the gate keeps from arriving
        await until(
            pilot, lambda: "state · CN" in screen_text(app) and not app.holding_output, "the profile on the terminal"
        )
        screen = app.screen
        text = screen_text(app)
        assert "China" in text and "findings › Home › China" in text
        assert "counting…" in text  # the evidence count and the counted lists say they are being read
        assert screen.evidence.count is None and screen.evidence.row_at(0) is None
        assert "Regions counting…" in text
        gate.open()
        await until(pilot, lambda: screen.evidence.count == 15, "the count")
        await until(pilot, lambda: "Regions Crimea" in screen_text(app), "the regions")
        await until(pilot, lambda: "counting" not in screen_text(app), "every placeholder replaced")
        assert "Evidence 15" in screen_text(app)

    run_app(db, check)


def test_a_long_wait_says_how_long_it_has_lasted(db: Path, gate: Gate, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from tui.sources import EvidenceSource

    real_count, real_fetch = EvidenceSource.count, EvidenceSource.fetch

    def slow_count(self: EvidenceSource, conn: sqlite3.Connection) -> int:
        if self.filter.region_ids:
            gate.hold()
        return real_count(self, conn)

    def slow_fetch(self: EvidenceSource, conn: sqlite3.Connection, offset: int, limit: int) -> Any:
        if self.filter.region_ids:
            gate.hold()  # (a short first page would say how many there are: no count needed)
        return real_fetch(self, conn, offset, limit)

    monkeypatch.setattr(EvidenceSource, "count", slow_count)
    monkeypatch.setattr(EvidenceSource, "fetch", slow_fetch)

    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        app = pilot.app
        app.open("region", "crimea")
        await until(pilot, lambda: LENGTH_OF_WAIT.search(screen_text(app)), "the wait to show its length")
        gate.open()
        await until(pilot, lambda: app.screen.evidence.count is not None, "the count")
        await until(pilot, lambda: "counting" not in screen_text(app), "the placeholder replaced")

    run_app(db, check)


def test_the_palette_shows_names_while_the_findings_search_runs(db: Path, gate: Gate, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import tui.commands

    real_evidence = tui.commands._evidence
    searched: list[str] = []

    def slow_evidence(database: Any, query: str) -> Any:
        searched.append(query)
        gate.hold()
        return real_evidence(database, query)

    monkeypatch.setattr(tui.commands, "_evidence", slow_evidence)

    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        app = pilot.app
        await pilot.press("ctrl+p")
        await pilot.press(*"huawei")
        await until(pilot, gate.entered.is_set, "the findings search to start")
        await until(pilot, lambda: "Huawei  actor" in screen_text(app), "the names")
        kinds = hit_kinds(screen_text(app))
        assert "actor" in kinds and "finding" not in kinds  # names shown, the findings still being searched
        gate.open()
        await until(pilot, lambda: "finding" in hit_kinds(screen_text(app)), "the findings to join the names")
        assert "actor" in hit_kinds(screen_text(app))
        # one search once typing paused, none per keystroke (on a loaded machine a pause between two letters may
        # have started one for the letters so far, which the next letter made stale)
        assert searched[-1] == "huawei" and all("huawei".startswith(q) for q in searched), searched
        assert len(searched) == len(set(searched)), searched

    run_app(db, check, size=(120, 40))


def test_a_keystroke_stops_the_findings_search_it_made_stale(db: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import tui.commands

    started: list[str] = []
    interrupted: list[str] = []

    def endless(database: Any, query: str) -> Any:
        started.append(query)
        try:
            database.conn().execute(ENDLESS).fetchone()
        except sqlite3.OperationalError as e:
            if "interrupted" in str(e):
                interrupted.append(query)
            raise
        return []

    monkeypatch.setattr(tui.commands, "_evidence", endless)

    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        app = pilot.app
        await pilot.press("ctrl+p")
        await pilot.press(*"chin")
        # (on a loaded machine a pause between two letters may start a search of the shorter text: the next
        # letter stops it, as it stops the one for 'chin' below)
        await until(pilot, lambda: started[-1:] == ["chin"], "the search for 'chin' to start")
        await until(pilot, lambda: set(started[:-1]) <= set(interrupted), "the searches 'chin' made stale to stop")
        await pilot.press("a")
        await until(pilot, lambda: "chin" in interrupted, "the stale search to be interrupted")
        await until(pilot, lambda: "China" in screen_text(app), "the names of 'china'")
        await until(pilot, lambda: started[-1:] == ["china"], "the search for 'china'")
        await pilot.press("escape")  # leaving the palette stops its search too
        await until(pilot, lambda: "china" in interrupted, "the search stopped with the palette")
        assert sorted(started) == sorted(interrupted)  # none left running

    run_app(db, check, size=(120, 40))


def test_facets_say_they_are_counting_and_for_how_long(db: Path, gate: Gate, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import store.search

    real_facets = store.search.facets

    def slow_facets(conn: sqlite3.Connection, flt: Any, **kw: Any) -> Any:
        gate.hold()
        return real_facets(conn, flt, **kw)

    monkeypatch.setattr(store.search, "facets", slow_facets)

    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        app = pilot.app
        await pilot.press("f")
        await until(pilot, lambda: LENGTH_OF_WAIT.search(screen_text(app)), "the wait to show its length")
        gate.open()
        await until(pilot, lambda: "counting" not in screen_text(app), "the counts")
        assert "finance" in screen_text(app)

    run_app(db, check)
