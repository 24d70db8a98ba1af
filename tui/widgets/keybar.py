"""A lean footer: the keys that work here, on one line, drawn as one piece of text.

Textual's Footer is a container of one widget per key; it re-mounts them whenever focus moves and writes a
cursor move and style per key. This bar reads the same `Screen.active_bindings` and only repaints its line,
which keeps the bytes on a slow link down. A click on a key runs its action.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.cells import cell_len
from textual import events
from textual.content import Content
from textual.widget import Widget

if TYPE_CHECKING:
    from textual.dom import DOMNode
    from textual.screen import Screen

ESSENTIAL = ("help", "back")


class KeyBar(Widget):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._spans: list[tuple[int, int, str, DOMNode]] = []
        self._shown: list[tuple[str, str]] = []

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[Any]) -> None:
        keys = [(k, d) for k, d, _, _ in self.keys()]
        if keys != self._shown:  # focus moves often without changing the keys: then nothing to repaint
            self.refresh()

    def keys(self) -> list[tuple[str, str, str, DOMNode]]:
        """(key display, description, action, namespace) for every shown binding, one per action."""
        out: list[tuple[str, str, str, DOMNode]] = []
        seen: set[str] = set()
        palette = None
        for namespace, binding, enabled, _tooltip in self.screen.active_bindings.values():
            if not binding.show or not enabled or binding.action in seen:
                continue
            seen.add(binding.action)
            item = (self.app.get_key_display(binding), binding.description, binding.action, namespace)
            if binding.action == "command_palette":
                palette = item
            else:
                out.append(item)
        if palette is not None:
            out.append(palette)
        return out

    def render(self) -> Content:
        keys = self.keys()
        self._shown = [(k, d) for k, d, _, _ in keys]
        width = self.size.width
        # Help (and quit) stay visible however narrow: drop other keys from the end first.
        essential = [k for k in keys if k[2] in ESSENTIAL]
        room = width - sum(cell_len(f" {k[0]} {k[1]} ") for k in essential)
        shown = []
        for item in keys:
            if item[2] in ESSENTIAL:
                shown.append(item)
                continue
            size = cell_len(f" {item[0]} {item[1]} ")
            if size <= room:
                shown.append(item)
                room -= size
        parts: list[tuple[str, str]] = []
        self._spans = []
        x = 0
        for key, description, action, namespace in shown:
            piece = f" {key} {description} "
            parts.append((f" {key}", "bold $accent"))
            parts.append((f" {description} ", ""))
            self._spans.append((x, x + cell_len(piece), action, namespace))
            x += cell_len(piece)
        return Content.assemble(*parts)

    async def on_click(self, event: events.Click) -> None:
        for start, end, action, namespace in self._spans:
            if start <= event.x < end:
                await self.app.run_action(action, namespace)
                return
