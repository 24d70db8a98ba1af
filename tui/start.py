"""Starting the explorer: `run` checks the database, reads the first rows, then runs the app.

Called by main.py's Click-free door and by the Click commands (`findings`, `findings tui`); errors are raised,
and both turn them into one line `Error: ...` and exit status 1. Nothing here imports Click or Textual at module
level.
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui.review_api import Review


def terminal_problem() -> str | None:
    """Why the explorer cannot run here (its input or output is not a terminal), or None. Without this check it
    would write its screen into a pipe or a file and wait for keys that never come."""
    for name, stream in (("output", sys.stdout), ("input", sys.stdin)):
        try:
            ok = stream is not None and stream.isatty()
        except (AttributeError, ValueError):  # closed or replaced
            ok = False
        if not ok:
            return (
                f"the explorer needs a terminal, and its {name} is not one. For output to a pipe or a file use "
                "`findings search QUERY`, `findings show KIND ID`, `findings stats` or `findings export FORMAT`"
            )
    return None


def run(db_path: Path, *, low_bandwidth: bool | None = None, review: Review | None = None) -> None:
    """Check the database (one clear line and exit 1 if it cannot be browsed), then run the app: read-only, or
    with `review` (findings review) on its queue, writing through its one read-write connection.

    Python's cyclic garbage collector waits until the first frame is out (tui.warm turns it back on, with the
    start-up's objects frozen): while Textual is imported and the first screen built, its passes over every new
    object took 50-60 ms of the ~400 ms to the first frame (108 young, 10 middle and one full collection of 30
    ms), and the start-up makes almost no garbage."""
    gc.disable()
    try:
        _run(db_path, low_bandwidth=low_bandwidth, review=review)
    finally:
        gc.enable()


def _run(db_path: Path, *, low_bandwidth: bool | None, review: Review | None) -> None:
    from store.connect import open_readonly

    conn = open_readonly(db_path)  # raises DatabaseUnavailable: main turns it into `Error: ...`, exit 1
    if problem := terminal_problem():
        conn.close()
        from store.errors import StoreError

        raise StoreError(problem)

    from tui.preload import Preload

    preload = Preload(conn)  # the first rows now, the count of findings while Textual is imported

    from tui.app import FindingsApp, low_bandwidth_requested

    if low_bandwidth is None:
        low_bandwidth = low_bandwidth_requested()
    app = FindingsApp(
        db_path, low_bandwidth=low_bandwidth, preload=preload.rows(), terminal_colours=True, review=review
    )
    from tui import warm

    app.after_output(warm.after_first_frame)  # (the explorer as run, not in tests: it freezes the process's objects)
    from tui.textual_internals import tolerate_undecodable_input

    tolerate_undecodable_input()
    app.run(mouse=not low_bandwidth)
