"""Small text charts: a one-line timeline (sparkline) and horizontal bars (evidence by category or period).

Each is drawn as one piece of text in one or two styles: cheap on the wire, readable in any colour scheme.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.cells import cell_len
from textual.content import Content
from textual.widget import Widget

from tui.text import clean

if TYPE_CHECKING:
    from textual.geometry import Size

BLOCKS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[int]) -> str:
    """One block character per value, scaled to the largest (zero is a space: nothing that month)."""
    top = max(values, default=0)
    if top <= 0:
        return ""
    out = []
    for v in values:
        if v <= 0:
            out.append(" ")
        else:
            out.append(BLOCKS[min(len(BLOCKS) - 1, (v * len(BLOCKS) - 1) // top)])
    return "".join(out)


def _fill_months(timeline: Sequence[tuple[str, int]]) -> list[tuple[str, int]]:
    """Insert the missing months (or years) between the first and last period, with zero counts. Findings dated
    to the year alone beside others dated to the month make it a timeline of years (each month counted in its
    year): none is left out."""
    if not timeline:
        return []
    if len({len(period) for period, _ in timeline}) > 1 and all(p[:4].isdigit() for p, _ in timeline):
        years: dict[str, int] = {}
        for period, n in timeline:
            years[period[:4]] = years.get(period[:4], 0) + n
        timeline = sorted(years.items())
    counts = dict(timeline)
    first, last = timeline[0][0], timeline[-1][0]
    if len(first) == 7 and len(last) == 7:
        y, m = int(first[:4]), int(first[5:7])
        ly, lm = int(last[:4]), int(last[5:7])
        out: list[tuple[str, int]] = []
        while (y, m) <= (ly, lm) and len(out) < 600:
            key = f"{y:04d}-{m:02d}"
            out.append((key, counts.get(key, 0)))
            m += 1
            if m > 12:
                y, m = y + 1, 1
        return out
    if len(first) == 4 and len(last) == 4 and first.isdigit() and last.isdigit():
        return [(str(y), counts.get(str(y), 0)) for y in range(int(first), int(last) + 1)][:600]
    return list(timeline)


class Timeline(Widget):
    """`Timeline 2022-09 ▁ ▃█ 2025-10 · 4 dated, 25 undated` — evidence per month or year."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.timeline: list[tuple[str, int]] = []
        self.undated = 0
        self.loaded = False
        self.placeholder = ""  # while not loaded: what is being waited for (`counting…`)

    def set_data(self, timeline: Sequence[tuple[str, int]], undated: int = 0) -> None:
        self.timeline = _fill_months(list(timeline))
        self.undated = undated
        self.loaded = True
        self.refresh()

    def set_placeholder(self, text: str) -> None:
        if text != self.placeholder:
            self.placeholder = text
            if not self.loaded:
                self.refresh()

    def render(self) -> Content:
        label = (" Timeline ", "bold")
        if not self.loaded:
            return Content.assemble(label, (self.placeholder, "$text-muted"))
        dated = sum(n for _, n in self.timeline)
        notes = []
        if dated:
            notes.append(f"{dated:,} dated")
        if self.undated:
            notes.append(f"{self.undated:,} undated")
        note = " · " + ", ".join(notes) if notes else " · no findings"
        if not self.timeline:
            return Content.assemble(label, (note.lstrip(" ·") if not dated else note, "$text-muted"))
        first, last = clean(self.timeline[0][0]), clean(self.timeline[-1][0])
        room = max(4, self.size.width - cell_len(" Timeline ") - len(first) - len(last) - len(note) - 3)
        values = [n for _, n in self.timeline]
        if len(values) > room:  # fold neighbouring periods together so it fits
            step = -(-len(values) // room)
            values = [sum(values[i : i + step]) for i in range(0, len(values), step)]
        return Content.assemble(
            label,
            (first + " ", "$text-muted"),
            (sparkline(values), "$accent"),
            (" " + last if last != first else "", "$text-muted"),
            (note, "$text-muted"),
        )


def bars(rows: Sequence[tuple[str, int]], width: int, *, label_width: int = 18, empty: str = "nothing yet") -> Content:
    """`finance            ██████ 12` per row (labels cleaned), bars scaled to the largest count."""
    if not rows:
        return Content(empty).stylize("$text-muted")
    top = max(n for _, n in rows) or 1
    count_w = max(len(f"{n:,}") for _, n in rows)
    bar_room = max(1, width - label_width - count_w - 3)
    lines = []
    for label, n in rows:
        text = clean(label)
        if cell_len(text) > label_width:
            text = text[: label_width - 1] + "…"
        text = text + " " * (label_width - cell_len(text))
        length = max(1, round(n / top * bar_room)) if n else 0
        lines.append(
            Content.assemble(
                (" " + text + " ", ""),
                ("█" * length, "$accent"),
                (" " + f"{n:,}", "$text-muted"),
            )
        )
    return Content("\n").join(lines)


class Bars(Widget):
    """Horizontal bars for a bounded list of (label, count), e.g. evidence by category."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.rows: list[tuple[str, int]] = []
        self.empty = "nothing yet"  # shown while there are no rows (`counting…` while they are read)

    def set_rows(self, rows: Sequence[tuple[str, int]]) -> None:
        self.rows = list(rows)
        self.empty = "nothing yet"
        self.refresh(layout=True)

    def set_placeholder(self, text: str) -> None:
        if text != self.empty:
            self.empty = text
            if not self.rows:
                self.refresh()

    def render(self) -> Content:
        return bars(self.rows, self.size.width, empty=self.empty)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return max(1, len(self.rows))
