"""One line saying what review mode just did, or why it did not (our own words and cleaned text only)."""

from __future__ import annotations

from textual.content import Content
from textual.widget import Widget


class StatusLine(Widget):
    """The last thing done; a refusal starts with `Not done:` so it reads without colour too."""

    DEFAULT_CSS = """
    StatusLine {
        height: auto;
        max-height: 3;  /* a long refusal wraps (at 80 columns "... press U to unseal it first" was cut) */
        padding: 0 1;
        color: $text-muted;
    }
    StatusLine.-error {
        color: $text;
        text-style: bold;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.text = ""

    def say(self, text: str, *, error: bool = False) -> None:
        """Show `text` (already clean: tui.text)."""
        if text != self.text:
            self.text = text
            self.refresh(layout=True)  # (its height follows the text: a long one wraps)
        self.set_class(error, "-error")

    def render(self) -> Content:
        return Content(self.text)
