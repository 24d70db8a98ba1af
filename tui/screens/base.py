"""What every explorer screen shares: a crumb for the breadcrumb, layout classes from the first frame, and
Escape / Backspace to go back through the history (the screen stack)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, ClassVar

from textual import constants, events
from textual.binding import Binding, BindingType
from textual.screen import Screen

from tui import textual_internals
from tui.app_access import findings_app
from tui.text import clean
from tui.widgets.virtual_list import VirtualList

if TYPE_CHECKING:
    from textual.timer import Timer
    from textual.widget import Widget

FRAME_S = 1 / constants.MAX_FPS  # the shortest time between two frames: Textual's own (its update timer's, 60 Hz)


class FindingsScreen(Screen[Any]):
    crumb: str = ""

    def __init__(self, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        # Screen sets its breakpoint classes on the first resize, after the first frame. Set them before the
        # screen has children: given now, they cost nothing, whereas a class changed once the widgets are
        # mounted restyles every one of them (15-30 ms on the home screen).
        try:
            size = self.app.size
        except RuntimeError:  # made outside a running app (NoActiveAppError): on_mount sets them
            return
        self._apply_breakpoints(size.width, size.height, update=False)

    _resumed = False

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        # Overrides a private handler of Screen (tui.textual_internals.OVERRIDES).
        # Textual restyles the whole screen when it is shown. The first time, every widget got its styles as it
        # was mounted a moment before (classes given at construction): doing it again cost ~10 ms of the
        # start-up (and of each drill-down screen's first frame). Later resumes (back from another screen, after
        # a theme change) restyle as usual. (Textual's dispatch then calls Screen._on_screen_resume a second time,
        # as it calls each class's handler: with the same `refresh_styles`, ~0.1 ms when nothing changed.)
        first = not self._resumed
        if first:
            self._resumed = True
            event.refresh_styles = False
        super()._on_screen_resume(event)
        if not first:
            for vlist in self.query(VirtualList):
                vlist.resume_loading()
        if first and self.focused is not None:
            # Except for rules on `:focus-within` (a pane's header is bold while its list has focus, findings.tcss):
            # the focus came as the widgets mounted. Restyle the children of the focused widget's containers.
            nodes: list[Widget] = []
            for parent in self.focused.ancestors:
                if parent is self:
                    break
                nodes += [child for child in parent.children if child.is_mounted]
            self.app.stylesheet.update_nodes(nodes, animate=False)

    def on_screen_suspend(self) -> None:
        for vlist in self.query(VirtualList):
            vlist.suspend_loading()  # the screen on top reads first (tui.db: lists read on one thread)

    _resized = False

    def on_resize(self) -> None:
        self._resized = True

    def _on_idle(self, event: events.Idle) -> None:  # type: ignore[override]  # Textual calls sync handlers too
        """While the app holds its output, do the pending layout now instead of at the next 60 Hz tick.

        Frame pacing is pointless while nothing is written, and the held first frame goes out only after a
        refresh (FindingsApp.output_ready): doing that refresh as soon as the screen is idle saves ~15 ms of
        start-up (bench/RESULTS.md). Three conditions keep the first frame complete (one paint, same bytes):
        - only once the screen has been shown and sized (ScreenResume restyles, Resize lays out);
        - the refresh's `call_after_refresh` callbacks (the release) do not run from here: Screen._on_idle,
          which runs after this through the class hierarchy, runs them once nothing is pending;
        - while the app or a widget still has messages to handle (the resizes this layout caused), they wait;
          the update timer brings the screen back here if nothing else does.
        (Overrides a private handler of Screen, with Textual internals: tui.textual_internals.)"""
        app = findings_app(self)
        if not (self is app.screen and self.is_current):
            return
        if textual_internals.in_batch_update(app) or app.is_inline or not (self._resumed and self._resized):
            return
        if not app.holding_output:
            self._paint_when_due()  # (Textual's update timer, which Screen._on_idle wakes, may paint it first)
            return
        if textual_internals.refresh_pending(self):
            textual_internals.refresh_now(self)
        if app.message_queue_size or any(widget.message_queue_size for widget in self.walk_children()):
            event.prevent_default()
            textual_internals.wake_update_timer(self)

    # When this screen last wrote a frame (time.monotonic()), and the timer that paints what waits for the next
    _painted_at = 0.0
    _paint_timer: Timer | None = None

    def _paint_when_due(self) -> None:
        """Paint a pending update as soon as the screen is idle, or, within FRAME_S of the last frame, when it is due.

        Textual paints at the next tick of its 60 Hz update timer, and an update asked for just after a frame (the
        rows a list's database thread sends just after the list's first paint, the last page after End) waits for
        the tick after next: 17-33 ms in which the rows are ready and not shown (bench/RESULTS.md, "Frames when
        they are due"). Here the update goes out at once when the last frame is older than FRAME_S, else when it
        is that old (or at the update timer's tick, if that comes first), with whatever else came meanwhile.
        Updates that arrive together (everything handled before the screen is idle) go out as one frame.
        Screen._on_idle, which runs after this, finds nothing left to paint and runs the `call_after_refresh`
        callbacks, or wakes the update timer. (Holding Textual's timer back until the update is due, so as to
        keep to one frame per FRAME_S, made opening a list slower, not faster: bench/RESULTS.md.)"""
        if not textual_internals.refresh_pending(self):
            return
        wait = self._painted_at + FRAME_S - time.monotonic()
        if wait <= 0:
            textual_internals.refresh_now(self)
        elif self._paint_timer is None:
            self._paint_timer = self.set_timer(wait, self._paint_due, name="paint-when-due")

    def _paint_due(self) -> None:
        self._paint_timer = None
        if self.is_current and not textual_internals.in_batch_update(self.app):
            self._paint_when_due()
        self.check_idle()  # Screen._on_idle then runs the callbacks the paint left queued (or wakes its own timer)

    def _compositor_refresh(self) -> None:
        """Render the screen and write the changes, unless the app holds its output (FindingsApp.hold_output):
        nothing would be written, and `release_output` renders the whole screen once anyway. Rendering while
        holding cost 20-30 ms of the start-up, in frames nobody saw. (Overrides a private method of Screen:
        tui.textual_internals.)"""
        app = findings_app(self)
        if app.holding_output and self is app.screen and not app.is_inline:
            textual_internals.forget_dirty_widgets(self)
            return
        if self is app.screen:
            self._painted_at = time.monotonic()
        super()._compositor_refresh()

    def on_mount(self) -> None:
        # The terminal's size may have changed since: set them again (a no-op when they are right), so the first
        # paint has the right layout (and is not painted twice).
        self._apply_breakpoints(self.app.size.width, self.app.size.height)

    def _apply_breakpoints(self, width: int, height: int, *, update: bool = True) -> None:
        classes: dict[str, bool] = {}
        for breakpoints, dimension in (
            (self.HORIZONTAL_BREAKPOINTS or self.app.HORIZONTAL_BREAKPOINTS or [], width),
            (self.VERTICAL_BREAKPOINTS or self.app.VERTICAL_BREAKPOINTS or [], height),
        ):
            chosen = textual_internals.breakpoint_classes(self, dimension, breakpoints)
            for _, name in breakpoints:
                classes[name] = name in chosen
        if classes:
            self.update_classes(classes, update=update, animate=False)

    def set_crumb(self, text: object) -> None:
        """Name this screen (breadcrumb and title) after something from the database, cleaned."""
        self.crumb = clean(text)[:80] or "?"
        self.title = self.crumb
        self.sub_title = ""
        for crumb in self.query_children("Breadcrumb"):  # (a child of the screen: no walk of every widget)
            crumb.refresh()


class DrillScreen(FindingsScreen):
    """A screen pushed on the history stack: Escape or Backspace goes back."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="screen.back"),
        Binding("backspace", "back", "Back", show=False, id="screen.back-alt"),
        Binding("h", "home", "Home", tooltip="Back to the home screen", show=False, id="screen.home"),
    ]

    async def action_back(self) -> None:
        app = findings_app(self)
        if len(app.screen_stack) > 1:
            app.hold_output()
            await app.pop_screen()
            app.output_ready(cycles=2)

    async def action_home(self) -> None:
        app = findings_app(self)
        app.hold_output()
        while len(app.screen_stack) > 1:
            await app.pop_screen()
        app.output_ready(cycles=2)
