"""Snapshots of the home, actor, region and evidence screens at 80x24 and 120x40 (fixed theme, no blinking).

After an intended change of the look: `pytest tests/test_tui_snapshots.py --snapshot-update`, then review the SVGs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.tui_support import settle
from tui.app import FindingsApp

SCREENS = {
    "home": None,
    "actor": ("actor", "china"),
    "region": ("region", "crimea"),
    "evidence": ("evidence", "bank-branches-sell-yuan"),
}


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
@pytest.mark.parametrize("screen", list(SCREENS))
def test_screen_snapshot(snap_compare, db: Path, screen: str, size: tuple[int, int], monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # The home screen names the database it shows: the same name on every run (the test's copy is in a new
    # temporary directory each time).
    monkeypatch.setattr("tui.widgets.search.shown_path", lambda path: "~/findings/data.db")
    app = FindingsApp(db)

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot)
        if SCREENS[screen] is not None:
            pilot.app.open(*SCREENS[screen])
            await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)
