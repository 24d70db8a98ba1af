"""What every explorer screen shares: a crumb for the breadcrumb, layout classes from the first frame, and
Escape / Backspace to go back through the history (the screen stack)."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.binding import Binding, BindingType
from textual.screen import Screen

from tui.widgets.safe import clean


class FindingsScreen(Screen[Any]):
    crumb: str = ""

    def on_mount(self) -> None:
        # Screen sets its breakpoint classes on the first resize, after the first frame; set them now so the
        # first paint has the right layout (and is not painted twice).
        self._apply_breakpoints(self.app.size.width, self.app.size.height)

    def _apply_breakpoints(self, width: int, height: int) -> None:
        classes: dict[str, bool] = {}
        for breakpoints, dimension in (
            (self.HORIZONTAL_BREAKPOINTS or self.app.HORIZONTAL_BREAKPOINTS or [], width),
            (self.VERTICAL_BREAKPOINTS or self.app.VERTICAL_BREAKPOINTS or [], height),
        ):
            chosen = self._get_breakpoint_classes(dimension, breakpoints)
            for _, name in breakpoints:
                classes[name] = name in chosen
        if classes:
            self.update_classes(classes, animate=False)

    def set_crumb(self, text: object) -> None:
        """Name this screen (breadcrumb and title) after something from the database, cleaned."""
        self.crumb = clean(text)[:80] or "?"
        self.title = self.crumb
        self.sub_title = ""
        for crumb in self.query("Breadcrumb"):
            crumb.refresh()


class DrillScreen(FindingsScreen):
    """A screen pushed on the history stack: Escape or Backspace goes back."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="screen.back"),
        Binding("backspace", "back", "Back", show=False, id="screen.back-alt"),
        Binding("h", "home", "Home", tooltip="Back to the home screen", show=False, id="screen.home"),
    ]

    async def action_back(self) -> None:
        app = self.app
        if len(app.screen_stack) > 1:
            app.hold_output()  # type: ignore[attr-defined]
            await app.pop_screen()
            app.output_ready(cycles=2)  # type: ignore[attr-defined]

    async def action_home(self) -> None:
        app = self.app
        app.hold_output()  # type: ignore[attr-defined]
        while len(app.screen_stack) > 1:
            await app.pop_screen()
        app.output_ready(cycles=2)  # type: ignore[attr-defined]
