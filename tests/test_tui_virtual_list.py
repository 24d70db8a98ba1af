"""The virtual list: a million rows, read a page at a time, and two lines repainted per cursor move."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from textual.app import App, ComposeResult

from tests.tui_support import settle
from tui.widgets.virtual_list import PAGE_CACHE, PAGE_SIZE, RowSource, VirtualList

N = 1_000_000


class Numbers(RowSource[str]):
    """A million computed rows; remembers which pages were read, and from which threads."""

    key = "numbers"

    def __init__(self) -> None:
        self.pages: list[int] = []
        self.threads: set[str] = set()
        self.counted = 0

    def count(self, conn: Any) -> int:
        self.counted += 1
        return N

    def fetch(self, conn: Any, offset: int, limit: int) -> list[str]:
        self.pages.append(offset // PAGE_SIZE)
        self.threads.add(threading.current_thread().name)
        return [f"row {i}" for i in range(offset, min(N, offset + limit))]


class NoDatabase:
    def conn(self) -> None:
        return None


class ListApp(App[None]):
    def __init__(self, source: RowSource[str]) -> None:
        super().__init__()
        self.db = NoDatabase()
        self.vlist = VirtualList(source)

    def compose(self) -> ComposeResult:
        yield self.vlist


def run(source: RowSource[str], test: Any) -> None:
    app = ListApp(source)

    async def main() -> None:
        async with app.run_test(size=(40, 12)) as pilot:
            await settle(pilot)
            await test(pilot, app.vlist)

    asyncio.run(main())


def test_a_million_rows_open_and_jump_to_the_end_reading_only_what_is_shown() -> None:
    source = Numbers()

    async def check(pilot, vlist) -> None:  # type: ignore[no-untyped-def]
        assert vlist.count == N and vlist.virtual_size.height == N
        assert source.pages == [0]
        assert vlist.highlighted == "row 0"
        await pilot.press("end")
        await settle(pilot)
        assert vlist.cursor == N - 1 and vlist.highlighted == f"row {N - 1}"
        assert set(source.pages) <= {0, (N - 1) // PAGE_SIZE, (N - 12) // PAGE_SIZE}
        await pilot.press("home", "pagedown", "pagedown", "down", "j", "k")
        await settle(pilot)
        assert vlist.cursor == 2 * 12 + 1  # two pages of 12 rows down, one down, one down and one up
        assert len(source.pages) < 10
        assert all(name != threading.main_thread().name for name in source.threads)  # read in workers
        before = len(source.pages)
        for i in range(1, 6):  # far jumps read one or two pages each; the page cache is an LRU of bounded size
            vlist.move_to(i * 100_000)
            await settle(pilot)
            assert vlist.highlighted == f"row {i * 100_000}"
        assert len(source.pages) - before <= 10
        assert len(vlist._pages) <= vlist._pages.maxsize == PAGE_CACHE

    run(source, check)


def test_a_cursor_move_repaints_two_lines() -> None:
    source = Numbers()

    async def check(pilot, vlist) -> None:  # type: ignore[no-untyped-def]
        refreshed: list[Any] = []
        original = vlist.refresh

        def spy(*regions: Any, **kwargs: Any) -> Any:
            refreshed.append((regions, kwargs))
            return original(*regions, **kwargs)

        vlist.refresh = spy
        await pilot.press("down")
        await settle(pilot)
        assert vlist.cursor == 1
        lines = [r for regions, _ in refreshed for r in regions]
        assert len(lines) == 2 and all(r.height == 1 for r in lines)
        assert all(regions for regions, _ in refreshed)  # never a whole-widget refresh

    run(source, check)


def test_a_failing_source_shows_the_error_instead_of_crashing() -> None:
    class Broken(RowSource[str]):
        key = "broken"

        def count(self, conn: Any) -> int:
            raise OSError("disk on fire")

        def fetch(self, conn: Any, offset: int, limit: int) -> list[str]:
            raise OSError("disk on fire")

    async def check(pilot, vlist) -> None:  # type: ignore[no-untyped-def]
        assert pilot.app.is_running
        assert vlist._error and "disk on fire" in vlist._error

    run(Broken(), check)
