"""A progress bar that only appears when work takes more than a second (and only on a terminal)."""

from __future__ import annotations

import sys
import time
from typing import Any


class DelayedProgress:
    DELAY_S = 1.0

    def __init__(self, description: str, total: float | None = None, *, unit: str = "records") -> None:
        self.description = description
        self.total = total
        self.unit = unit
        self.done = 0.0
        self.started = time.monotonic()
        self._progress: Any = None
        self._task: Any = None
        self._enabled = sys.stderr.isatty()

    def advance(self, n: float = 1) -> None:
        self.done += n
        if self._progress is None:
            if not self._enabled or time.monotonic() - self.started < self.DELAY_S:
                return
            self._start()
        self._progress.update(self._task, completed=self.done)

    def set_total(self, total: float) -> None:
        self.total = total
        if self._progress is not None:
            self._progress.update(self._task, total=total)

    def _start(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn(self.unit),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._progress.start()
        self._task = self._progress.add_task(self.description, total=self.total, completed=self.done)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def __enter__(self) -> DelayedProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
