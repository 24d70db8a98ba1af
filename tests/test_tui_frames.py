"""An explorer screen paints an update when it is due, not at the tick after next of Textual's 60 Hz update timer:
rows a list's database thread sends just after a frame go out one frame-time after it (tui.screens.base), and
an update after a quiet spell goes out as soon as the screen is idle.

Textual's own update timer is stopped in these tests: what paints is the screen's pacing alone (with the pacing
removed, nothing would be painted and each test would time out)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from textual.app import App, ComposeResult
from textual.widgets import Static

from tests.tui_support import until
from tui import textual_internals
from tui.screens import base
from tui.screens.base import FRAME_S, FindingsScreen

WAIT_S = 30.0  # a broken build must not hang the test run


class Plain(FindingsScreen):
    def compose(self) -> ComposeResult:
        yield Static("before", id="text")


class Host(App[None]):
    holding_output = False  # what FindingsScreen asks of the explorer (FindingsApp holds only its first frame)


async def _shown(pilot: Any, screen: Plain) -> None:
    await pilot.app.push_screen(screen)
    await until(
        pilot,
        lambda: screen.is_current and screen._resized and not textual_internals.refresh_pending(screen),
        "the screen shown",
    )
    timer = screen._update_timer  # Textual's 60 Hz update timer: from now on it never ticks
    timer.pause()
    timer.resume = lambda: None  # type: ignore[method-assign]


def test_an_update_after_a_quiet_spell_is_painted_as_soon_as_the_screen_is_idle(monkeypatch: Any) -> None:
    painted: list[str] = []
    real = textual_internals.refresh_now

    def refresh_now(screen: Any) -> None:
        painted.append(str(screen.query_one("#text", Static).content))
        real(screen)

    monkeypatch.setattr(base.textual_internals, "refresh_now", refresh_now)

    async def main() -> None:
        app = Host()
        async with app.run_test(size=(80, 24)) as pilot:
            screen = Plain()
            await _shown(pilot, screen)
            screen._painted_at = time.monotonic() - 1.0  # the last frame is long past
            painted.clear()
            screen.query_one("#text", Static).update("after")
            await until(pilot, lambda: "after" in painted, "the update painted", WAIT_S)
            assert painted[0] == "after"  # painted by the screen when idle, with nothing else to paint
            assert screen._paint_timer is None  # at once: nothing was left for later

    asyncio.run(main())


def test_an_update_just_after_a_frame_goes_out_one_frame_time_after_it() -> None:
    frames: list[tuple[float, str]] = []

    async def main() -> None:
        app = Host()
        async with app.run_test(size=(80, 24)) as pilot:
            screen = Plain()
            await _shown(pilot, screen)
            real = screen._compositor_refresh

            second_painted = asyncio.Event()

            def compositor_refresh() -> None:
                content = str(screen.query_one("#text", Static).content)
                frames.append((time.monotonic(), content))
                real()
                if content == "second":
                    second_painted.set()

            screen._compositor_refresh = compositor_refresh  # type: ignore[method-assign]
            text = screen.query_one("#text", Static)
            text.update("first")
            await until(pilot, lambda: any(t == "first" for _, t in frames), "the first update painted", WAIT_S)
            screen._painted_at = painted_at = time.monotonic()  # as if the last frame had gone out just now
            text.update("second")
            # Waited for without polling: nothing but the screen's own pacing brings it back to paint
            await asyncio.wait_for(second_painted.wait(), WAIT_S)
            second = min(at for at, t in frames if t == "second")
            assert second - painted_at >= FRAME_S, "painted before it was due: two frames closer than FRAME_S"
            assert screen._paint_timer is None, "the timer that painted it is still set"

    asyncio.run(main())
