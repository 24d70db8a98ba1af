"""The active filters as removable chips: `actor: China ×  region: Crimea ×`.

Focus the row (Tab, or click) and move with ←/→; Delete, Backspace or x removes the chip under the cursor.
"""

from __future__ import annotations

from typing import ClassVar, NamedTuple

from textual import events
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.widget import Widget

from tui.messages import RemoveChip

FIELD_LABELS = {
    "actor": "actor",
    "region": "region",
    "category": "category",
    "country": "country",
    "year": "year",
    "status": "status",
    "source": "source",
}


class Chip(NamedTuple):  # (not a dataclass: see tui.messages)
    field: str
    value: str
    label: str  # cleaned text (tui.text.clean)


class FilterChips(Widget, can_focus=True):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left,h", "move(-1)", "Previous", show=False, id="chips.previous"),
        Binding("right,l", "move(1)", "Next", show=False, id="chips.next"),
        Binding("delete,backspace,x", "remove", "Remove filter", id="chips.remove"),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {"chips--chip", "chips--cursor", "chips--label"}

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.chips: tuple[Chip, ...] = ()
        self.cursor = 0

    def set_chips(self, chips: tuple[Chip, ...]) -> None:
        self.chips = chips
        self.cursor = max(0, min(self.cursor, len(chips) - 1))
        self.display = bool(chips)
        self.can_focus = bool(chips)
        self.refresh()

    def render(self) -> Content:
        parts: list[Content | str] = [Content.styled("Filters:", "$text-muted")]
        for i, chip in enumerate(self.chips):
            style = "reverse" if (i == self.cursor and self.has_focus) else "bold"
            field = FIELD_LABELS.get(chip.field, chip.field)
            parts.append(" ")
            parts.append(Content.assemble((f"{field}: ", "$text-muted"), Content(chip.label), " ×").stylize(style))
        return Content.assemble(*parts)

    def action_move(self, step: int) -> None:
        if self.chips:
            self.cursor = (self.cursor + step) % len(self.chips)
            self.refresh()

    def action_remove(self) -> None:
        if self.chips:
            self.post_message(RemoveChip(self.cursor))

    def on_click(self, event: events.Click) -> None:
        x = event.x - len("Filters:")
        for i, chip in enumerate(self.chips):
            width = 1 + len(FIELD_LABELS.get(chip.field, chip.field)) + 2 + len(chip.label) + 2
            if 0 <= x < width:
                self.cursor = i
                self.post_message(RemoveChip(i))
                return
            x -= width

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()
