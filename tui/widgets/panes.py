"""Small one-line widgets around the lists: pane headers and the pane switcher used on narrow terminals."""

from __future__ import annotations

from typing import NamedTuple

from textual import events
from textual.content import Content
from textual.message import Message
from textual.widget import Widget


class PaneHeader(Widget):
    """` Actors  24 · by name`: a title, a count and a note (all our own text or cleaned text)."""

    def __init__(self, title: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.title = title
        self.count: str = ""
        self.note: str = ""

    def set(self, *, count: str | None = None, note: str | None = None) -> None:
        changed = False
        if count is not None and count != self.count:
            self.count, changed = count, True
        if note is not None and note != self.note:
            self.note, changed = note, True
        if changed:
            self.refresh()

    def render(self) -> Content:
        parts: list[str | tuple[str, str] | Content] = [(" " + self.title, "bold")]
        if self.count:
            parts.append(("  " + self.count, "$text-muted"))
        if self.note:
            parts.append((" · ", "$text-muted"))
            parts.append(Content(self.note).stylize("$text-muted"))
        return Content.assemble(*parts).truncate(self.size.width or 80, ellipsis=True)


class Tab(NamedTuple):  # (not a dataclass: see tui.messages)
    key: str  # the key that shows it ("1")
    name: str  # pane name ("actors")
    label: str  # "Actors"


class PaneTabs(Widget):
    """`1 Actors 24  2 Regions 5  3 Evidence 29 · by name`: which pane is shown when only one fits, and the note
    of its header (its sort order, what it matches), which the narrow layout does not show."""

    class Chosen(Message):
        def __init__(self, name: str) -> None:
            super().__init__()
            self.name = name

    def __init__(self, tabs: list[Tab], active: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.tabs = tabs
        self.active = active
        self.counts: dict[str, str] = {}
        self.notes: dict[str, str] = {}

    def set_note(self, name: str, note: str) -> None:
        if self.notes.get(name, "") != note:
            self.notes[name] = note
            if name == self.active:
                self.refresh()

    def set_active(self, name: str) -> None:
        if name != self.active:
            self.active = name
            self.refresh()

    def set_count(self, name: str, count: str) -> None:
        if self.counts.get(name) != count:
            self.counts[name] = count
            self.refresh()

    def _label(self, tab: Tab, level: int = 0) -> str:
        """The tab's text; shorter at higher levels (no count, then a short name) so that all tabs fit."""
        count = self.counts.get(tab.name, "") if level == 0 else ""
        label = tab.label if level < 2 else tab.label[:3]
        return f" {tab.key} {label}" + (f" {count}" if count else "") + " "

    def _level(self) -> int:
        width = self.size.width or 80
        for level in (0, 1, 2):
            if sum(len(self._label(t, level)) + 1 for t in self.tabs) <= width:
                return level
        return 2

    def render(self) -> Content:
        level = self._level()
        parts: list[str | tuple[str, str] | Content] = []
        note = self.notes.get(self.active, "") if level == 0 else ""
        for i, tab in enumerate(self.tabs):
            style = "bold reverse" if tab.name == self.active else "$text-muted"
            parts.append((self._label(tab, level), style))
            if not (note and i == len(self.tabs) - 1):  # (a label ends in a space: "Evidence 2 · by date")
                parts.append((" ", ""))
        if note:
            parts.append(("· ", "$text-muted"))
            parts.append(Content(note).stylize("$text-muted"))
        return Content.assemble(*parts).truncate(self.size.width or 80, ellipsis=True)

    def on_click(self, event: events.Click) -> None:
        x = event.x
        level = self._level()
        for tab in self.tabs:
            width = len(self._label(tab, level)) + 1
            if 0 <= x < width:
                self.post_message(self.Chosen(tab.name))
                return
            x -= width
