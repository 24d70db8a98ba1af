"""A progress bar that only appears when work takes more than a second (and only on a terminal)."""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID


class DelayedProgress:
    DELAY_S = 1.0

    def __init__(self, description: str, total: int | None = None, *, unit: str = "records") -> None:
        self.description = description
        self.total = total
        self.unit = unit
        self.done = 0
        self.started = time.monotonic()
        self._bar: tuple[Progress, TaskID] | None = None  # once shown
        self._enabled = sys.stderr.isatty()

    def advance(self, n: int = 1) -> None:
        self.done += n
        if self._bar is None:
            if not self._enabled or time.monotonic() - self.started < self.DELAY_S:
                return
            self._bar = self._start()
        progress, task = self._bar
        progress.update(task, completed=self.done)

    def describe(self, description: str) -> None:
        """Say what is being done now (a phase of a longer job)."""
        self.description = description
        if self._bar is not None:
            self._bar[0].update(self._bar[1], description=description)
        else:
            self.advance(0)

    def _start(self) -> tuple[Progress, TaskID]:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn(self.unit),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        progress.start()
        return progress, progress.add_task(self.description, total=self.total, completed=self.done)

    def close(self) -> None:
        if self._bar is not None:
            self._bar[0].stop()
            self._bar = None

    def __enter__(self) -> DelayedProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
