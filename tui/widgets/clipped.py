"""Text in a bounded space that never loses words silently: the last line it has room for ends in "…"."""

from __future__ import annotations

from textual.content import Content
from textual.widget import Widget

ELLIPSIS = "…"
TRAILING = " ·,;:—–-"  # separators a cut line does not end in before its ellipsis


def clip_lines(content: Content, width: int, height: int) -> Content:
    """`content` wrapped to `width` cells, at most `height` lines; when some did not fit, the last line shown
    ends in an ellipsis."""
    if width <= 0 or height <= 0:
        return Content("")
    lines = content.wrap(width)
    if len(lines) <= height:
        return Content("\n").join(lines)
    kept = lines[:height]
    last = kept[-1].rstrip()
    if last.cell_length + len(ELLIPSIS) > width:  # no room for the ellipsis: the last word goes instead
        space = last.plain.rfind(" ")
        last = last[:space] if space > 0 else last.truncate(width - len(ELLIPSIS))
    kept[-1] = last.rstrip(TRAILING) + ELLIPSIS  # `Luhansk Oblast 13…`, not `Luhansk Oblast 13 ·…`
    return Content("\n").join(kept)


class Clipped(Widget):
    """Lines of text (Content built from cleaned text) as high as they need, up to the stylesheet's
    max-height; what does not fit is cut at the end with "…"."""

    DEFAULT_CSS = """
    Clipped {
        height: auto;
    }
    """

    def __init__(self, content: Content | None = None, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._content = content if content is not None else Content("")

    @property
    def content(self) -> Content:
        return self._content

    def update(self, content: Content) -> None:
        self._content = content
        self.refresh(layout=True)

    def get_content_height(self, container, viewport, width):  # type: ignore[no-untyped-def]
        return max(1, len(self._content.wrap(width))) if width > 0 else 1

    def render(self) -> Content:
        size = self.content_size
        return clip_lines(self._content, size.width, size.height)
