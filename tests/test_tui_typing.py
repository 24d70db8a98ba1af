"""Keys that arrive in one burst (a fast typist, a paste, a script over SSH) land where the first key sends them.

A terminal delivers "/yuan" as one read; Textual routes each key to whatever has focus when it arrives, so a
focus change made by "/" must happen before the next key is routed.
"""

from __future__ import annotations

from pathlib import Path

from textual import events

from tests.tui_support import run_app, settle


async def burst(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    """Post every key at once, as the driver does for one read from the terminal, then let the app work."""
    names = {"/": "slash", " ": "space"}
    for ch in text:
        pilot.app.post_message(events.Key(names.get(ch, ch), ch))
    await settle(pilot)


def test_slash_then_text_in_one_burst_goes_into_the_search_bar(db: Path) -> None:
    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        home = pilot.app.screen
        await burst(pilot, "/yuan 1/3")
        assert home.search.value == "yuan 1/3"  # digits and "/" are text while the search bar has focus
        assert pilot.app.focused is home.search
        assert not pilot.app._notifications  # "y" did not copy a citation on the way

    run_app(db, check)


def test_pane_keys_then_movement_in_one_burst(db: Path) -> None:
    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        home = pilot.app.screen
        await burst(pilot, "1")
        assert pilot.app.focused is home.actors
        await burst(pilot, "3/wech")
        assert home.search.value == "wech"

    run_app(db, check)
