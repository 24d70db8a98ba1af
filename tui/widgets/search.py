"""The home screen's search bar, and the line under it: why parts of the query found nothing (with the query
corrected, one key away), or else which database the explorer shows."""

from __future__ import annotations

import os
from pathlib import Path
from typing import ClassVar

from rich.cells import cell_len
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Input

from tui.text import clean

ACCEPT_KEY = "ctrl+y"
ACCEPT_KEY_SHOWN = "^y"


LEAVE = Binding.Group("Back to the list, which keeps what the search showed")  # one line in the help


class SearchBar(Input):
    """The query, searched as you type (the last word a prefix). Enter shows the findings; Esc and Tab go back
    to the list; none of them reorders what the list shows (HomeScreen)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "submit", "Findings", tooltip="Go to the findings the search shows", id="search.submit"),
        Binding("escape", "screen.leave_search", "List", id="search.leave", group=LEAVE),
        Binding("tab", "screen.leave_search", "List", show=False, id="search.leave-tab", group=LEAVE),
        Binding("shift+tab", "screen.leave_search", "List", show=False, id="search.leave-back-tab", group=LEAVE),
    ]


def database_kind(path: str | os.PathLike[str]) -> str:
    """What the explorer shows: your own database, the shipped reference data, or another database file."""
    from store.paths import is_shipped, is_user_db

    if is_user_db(path):
        return "Your own database"
    if is_shipped(path):
        return "Shipped reference data"
    return "Database"


def database_note(kind: str) -> str:
    """A sentence on what `kind` (database_kind) means for what you see and where imports go."""
    if kind == "Your own database":
        return "your imports and the shipped reference data they started from; `findings import` adds to it"
    if kind == "Shipped reference data":
        return (
            "the curated findings of dataset/, rebuilt by `findings build`; imports never go into it, they make "
            "your own database, which the explorer then opens"
        )
    return (
        "another database file (chosen with --db or FINDINGS_DB, or the data.db of the current directory): "
        "neither your own database nor the shipped reference data"
    )


def shown_path(path: str | os.PathLike[str]) -> str:
    """`path` absolute, with the home directory as `~` (cleaned text)."""
    text = os.path.abspath(path)
    home = os.path.expanduser("~")
    if home not in ("~", "/") and (text == home or text.startswith(home + os.sep)):
        text = "~" + text[len(home) :]
    return clean(text)


def cut_left(text: str, width: int) -> str:
    """`text` cut from the left to `width` cells, with "…" where it was cut (the end of a path says most)."""
    if cell_len(text) <= width:
        return text
    if width <= 1:
        return "…"[:width]
    out: list[str] = []
    used = 0
    for ch in reversed(text):
        if used + cell_len(ch) > width - 1:
            break
        out.append(ch)
        used += cell_len(ch)
    return "…" + "".join(reversed(out))


class SearchStatus(Widget):
    """One line under the search bar: the search's notes (plain text from store.search, cleaned) and the
    corrected query it offers (ACCEPT_KEY); with nothing to say about the search, the database shown."""

    def __init__(self, db_path: Path, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.kind = database_kind(db_path)
        self.path = shown_path(db_path)
        self.notes: tuple[str, ...] = ()
        self.correction: str | None = None

    def set_notes(self, notes: list[str] | tuple[str, ...], correction: str | None) -> None:
        from store.search.variants import EXACT_HINT

        notes = tuple(clean(n).replace(EXACT_HINT, "^t") for n in notes)  # in the explorer: its key
        correction = clean(correction) if correction else None
        if (notes, correction) != (self.notes, self.correction):
            self.notes, self.correction = notes, correction
            self._fit()
            self.refresh()

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        """Two lines when the notes do not fit on one (80 columns cut "did you mean ..." short), else one."""
        lines = 2 if self.notes and cell_len(self._text()) + cell_len(self._offer(short=True)) > self._width() else 1
        if self.styles.height is None or self.styles.height.value != lines:
            self.styles.height = lines

    def _width(self) -> int:
        return self.size.width or 80

    def _text(self) -> str:
        return " " + " · ".join(self.notes)

    def _offer(self, *, short: bool = False) -> str:
        if not self.correction:
            return ""
        return f"  {ACCEPT_KEY_SHOWN} fix" if short else f"  {ACCEPT_KEY_SHOWN} {self.correction}"

    def render(self) -> Content:
        width = self._width()
        if not (self.notes or self.correction):
            label = f" {self.kind} · "
            return Content.assemble((label, "$text-muted"), (cut_left(self.path, max(1, width - len(label))), ""))
        text = self._text()
        offer = self._offer()
        if offer and cell_len(text) + cell_len(offer) > width:
            offer = self._offer(short=True)  # the notes say what the fix is ("did you mean finance?")
        room = max(1, width - cell_len(offer))
        lines = Content(text).wrap(width) if self.size.height >= 2 and cell_len(text) + cell_len(offer) > width else []
        if len(lines) >= 2:  # the second line: the rest, cut where it still does not fit, then the offer
            rest = Content(" ").append(Content("").join(lines[1:]) if len(lines) > 2 else lines[1])
            notes = Content("\n").join([lines[0], rest.truncate(room, ellipsis=True)])
        else:
            notes = Content(text).truncate(room, ellipsis=True)
        parts: list[Content | tuple[str, str]] = [notes.stylize("$text-warning")]
        if offer:
            parts += [(f"  {ACCEPT_KEY_SHOWN}", "bold $accent"), (offer[len(ACCEPT_KEY_SHOWN) + 2 :], "")]
        return Content.assemble(*parts)
