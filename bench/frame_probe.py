"""`findings tui --db DB` with a probe of its event loop, for bench/run.py's frame-gap figure.

    FINDINGS_FRAME_LOG=ticks.json python bench/frame_probe.py DB

Runs the explorer exactly as `findings tui` does (tui.start.run), plus a 10 ms interval timer on the app; at exit
it writes the times (time.monotonic(), the clock bench/run.py reads too) at which the timer ran. A gap between two
ticks is a time in which the event loop could not paint a frame or answer a key: SQL run on it, or Python holding
the GIL in another thread. FINDINGS_PROBE_ROOT: import the explorer from another checkout (a before/after run).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

ROOT = os.environ.get("FINDINGS_PROBE_ROOT") or str(Path(__file__).resolve().parent.parent)
sys.path.insert(0, ROOT)

TICK_S = 0.01


def main() -> None:
    from tui import app as tui_app
    from tui import start

    log = os.environ.get("FINDINGS_FRAME_LOG")
    ticks: list[float] = []
    app_class = tui_app.FindingsApp
    mounted = app_class.on_mount

    def on_mount(self: tui_app.FindingsApp) -> None:
        mounted(self)
        self.set_interval(TICK_S, lambda: ticks.append(time.monotonic()), name="frame-probe")

    app_class.on_mount = on_mount  # type: ignore[method-assign]
    try:
        start.run(Path(sys.argv[1]))
    finally:
        if log:
            Path(log).write_text(json.dumps(ticks))


if __name__ == "__main__":
    main()
