"""Placeholders for what is still being read: `counting…`, and after a second `counting… 3 s`, ticking.

A screen that waits on the database must never look frozen or silent: each wait shows a placeholder at once and,
when it lasts, how long it has lasted (one short update every half second, a few bytes). The waits of one screen
share one timer, which stops when nothing is being waited for.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.dom import DOMNode
    from textual.timer import Timer

COUNTING = "counting…"
TICK_S = 0.5
QUIET_S = 1.0  # a wait shorter than this shows the plain placeholder only


def waiting_text(elapsed: float, label: str = COUNTING) -> str:
    """`counting…` at first, `counting… 2 s` once it has lasted QUIET_S."""
    return label if elapsed < QUIET_S else f"{label} {elapsed:.0f} s"


class Waits:
    """The waits of one screen: `start(key, show)` calls `show(text)` now and as time passes; `done(key)` stops."""

    def __init__(self, node: DOMNode, label: str = COUNTING) -> None:
        self._node = node
        self._label = label
        self._waits: dict[str, tuple[float, Callable[[str], None], str]] = {}
        self._timer: Timer | None = None

    def __contains__(self, key: str) -> bool:
        return key in self._waits

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(self._waits)

    def start(self, key: str, show: Callable[[str], None], label: str | None = None) -> None:
        text = label or self._label
        self._waits[key] = (time.monotonic(), show, text)
        show(text)
        if self._timer is None:
            self._timer = self._node.set_interval(TICK_S, self._tick, name="waits")

    def text(self, key: str) -> str | None:
        """What wait `key` shows now (None: not waited for)."""
        if key not in self._waits:
            return None
        started, _show, label = self._waits[key]
        return waiting_text(time.monotonic() - started, label)

    def done(self, key: str) -> None:
        self._waits.pop(key, None)
        if not self._waits and self._timer is not None:
            self._timer.stop()
            self._timer = None

    def _tick(self) -> None:
        now = time.monotonic()
        for started, show, label in list(self._waits.values()):
            if now - started >= QUIET_S:
                show(waiting_text(now - started, label))
