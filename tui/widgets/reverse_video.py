"""Reverse video for option lists: the highlighted row of the palette and of the conflicts list.

In the terminal's own colours (low-bandwidth mode, 16-colour and monochrome terminals, NO_COLOR) nothing is told
by colour alone, and a list's cursor row is in reverse video (findings.tcss). Textual 8.2.8's
`Widget.get_visual_style`, through which an OptionList styles its rows, keeps a text style's bold, dim, italic,
underline and strike but not its `reverse`: the highlighted option came out bold, like every other option, and
Enter opened a row nothing on screen marked. `keep_reverse_video` puts `reverse` back for the component classes
whose own rules ask for it.
"""

from __future__ import annotations

from textual.style import Style
from textual.widget import Widget

_REVERSE = Style(reverse=True)


def keep_reverse_video(widget: Widget) -> None:
    """Make `widget.get_visual_style` keep `text-style: reverse` of the component classes it combines."""
    combined = widget.get_visual_style

    def get_visual_style(*component_classes: str, partial: bool = False) -> Style:
        style = combined(*component_classes, partial=partial)
        if any(widget.get_component_styles(name).text_style.reverse for name in component_classes):
            return style + _REVERSE
        return style

    widget.get_visual_style = get_visual_style  # type: ignore[method-assign]
