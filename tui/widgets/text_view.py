"""A scrollable block of text that repaints only itself when its text changes.

A Static inside a VerticalScroll changes height with its text, which makes Textual lay out (and repaint) the
whole screen; this widget keeps its size and draws lines through the Line API, so showing the next finding in
the detail pane costs the pane's lines, not the screen's.
"""

from __future__ import annotations

from textual.content import Content
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.visual import Visual


class TextView(ScrollView, can_focus=True):
    DEFAULT_CSS = """
    TextView {
        overflow-x: hidden;
        overflow-y: auto;
    }
    """

    def __init__(self, content: Content | None = None, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._content = content if content is not None else Content("")
        self._lines: list[Strip] = []
        self._width = -1

    @property
    def content(self) -> Content:
        return self._content

    def update(self, content: Content) -> None:
        """Show other text (Content built from cleaned text), from the top."""
        self._content = content
        self._width = -1
        if self.is_mounted:
            self.scroll_to(y=0, animate=False, force=True)
            self._wrap()
        self.refresh()

    def _wrap(self) -> None:
        width = self.scrollable_content_region.width
        if width <= 0:
            return
        self._lines = Visual.to_strips(self, self._content, width, None, self.visual_style, pad=True)
        self._width = width
        self.virtual_size = Size(0, len(self._lines))

    def on_resize(self) -> None:
        self._width = -1
        self._wrap()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._width = -1

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if self._width != width:
            self._wrap()
        # (rounded, as Textual repaints a scroll view only when the rounded offset changes: the last step of an
        # animated End, 47.6 -> 48, repainted nothing, and a truncated 47 left the last line out of reach)
        index = self.scroll_offset.y + y
        if 0 <= index < len(self._lines):
            return self._lines[index]
        return Strip.blank(width, self.rich_style)
