"""The explorer: a Textual app over a findings database, opened read-only.

Screens other than Home are imported when first opened, so start-up only pays for the first screen.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual import events, on
from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.timer import Timer

from tui import textual_internals
from tui.db import Database, run_db
from tui.messages import CopyCitation, Open
from tui.text import clean, plain

if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Callable

    from rich.console import RenderableType
    from textual.command import Provider
    from textual.filter import LineFilter

    from tui.review_api import Review

HOLD_S = 0.5  # at most this long, a new screen waits for its first rows before it is painted anyway
DEFAULT_THEME = "textual-dark"
LOW_BANDWIDTH_THEME = "ansi-dark"  # the terminal's own colours: short escape codes, nothing to convert


def _jump_provider() -> type[Provider]:
    from tui.commands import JumpProvider

    return JumpProvider


def _system_provider() -> type[Provider]:
    from textual.system_commands import SystemCommandsProvider

    return SystemCommandsProvider


def _packaged_css() -> str:
    """findings.tcss read through the import system: inside a zip bundle (`findings bundle`) it is not a file."""
    from importlib.resources import files

    return files("tui").joinpath("findings.tcss").read_text(encoding="utf-8")


def low_bandwidth_requested() -> bool:
    return os.environ.get("FINDINGS_LOW_BANDWIDTH", "").strip().lower() not in ("", "0", "false", "no", "off")


# Terminals that show no colour at all (their terminfo entries have none): DEC's, and the `-m`/`-mono` variants.
MONOCHROME_TERMS = frozenset({"dumb", "vt52", "vt100", "vt102", "vt220", "vt320", "vt420", "vt520", "xterm-mono"})


def colour_mode(environ: Mapping[str, str], color_system: str | None, *, low_bandwidth: bool = False) -> str:
    """How the explorer colours the screen: 'full' (its own theme, 256 colours or more), 'ansi' (the terminal's
    own 16 colours: low-bandwidth mode, or a terminal with no more, such as TERM=xterm or linux), or 'none'
    (NO_COLOR, or a monochrome terminal such as TERM=vt100: the terminal's default colours only). In 'ansi'
    and 'none' nothing depends on colour alone: the cursor row is in reverse video (findings.tcss)."""
    term = environ.get("TERM", "").lower()
    if "NO_COLOR" in environ or term in MONOCHROME_TERMS or term.endswith(("-m", "-mono")):
        return "none"  # NO_COLOR set to anything, as Textual itself reads it
    if low_bandwidth or color_system not in ("256", "truecolor"):
        return "ansi"
    return "full"


class FindingsApp(App[None]):
    """Actors, regions and evidence: search, filter, drill down."""

    if (Path(__file__).parent / "findings.tcss").is_file():
        CSS_PATH = "findings.tcss"  # a file: `textual run --dev` reloads it on change
    else:
        CSS = _packaged_css()
    TITLE = "findings"
    COMMANDS: ClassVar[set[type[Provider] | Callable[[], type[Provider]]]] = {_jump_provider, _system_provider}
    COMMAND_PALETTE_DISPLAY = "^p"
    # Typed as Textual declares them (`ClassVar[...] | None`, which type checkers read as instance variables)
    HORIZONTAL_BREAKPOINTS: list[tuple[int, str]] | None = [(0, "-narrow"), (100, "-wide")]  # noqa: RUF012
    VERTICAL_BREAKPOINTS: list[tuple[int, str]] | None = [(0, "-short"), (20, "-tall")]  # noqa: RUF012
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", priority=True, id="app.quit"),
        # Over SSH, ctrl+c is how a terminal program is left: it quits too (Textual's own only says to press ^q);
        # in review's edit form it leaves the form, unsaved, instead (tui/screens/review_edit.py)
        Binding("ctrl+c", "quit", "Quit", show=False, id="app.quit-ctrl-c"),
        Binding("question_mark", "help", "Help", id="app.help"),
    ]

    def __init__(
        self,
        db_path: str | Path,
        *,
        low_bandwidth: bool = False,
        preload: dict[str, Any] | None = None,
        terminal_colours: bool = False,
        review: Review | None = None,
    ) -> None:
        """`terminal_colours`: colour as the terminal can (TERM, COLORTERM: tui.start does); without it, as a
        256-colour terminal, so that a test or a snapshot looks the same on every machine (NO_COLOR and
        low-bandwidth mode still count)."""
        self.low_bandwidth = low_bandwidth
        super().__init__()
        # Read-only unless reviewing (`findings review`): then one read-write connection on its own thread.
        self.review = review
        self.db = Database(db_path, writable=review is not None)
        self.db_path = Path(db_path)
        if review is not None:
            self.sub_title = f"review · {clean(review.reviewer)}"
        self.preload = preload  # first rows of the home lists, read before the app started (tui.preload)
        if terminal_colours:
            self.colours = colour_mode(os.environ, self.console.color_system, low_bandwidth=low_bandwidth)
        else:
            environ = {"NO_COLOR": ""} if "NO_COLOR" in os.environ else {}
            self.colours = colour_mode(environ, "256", low_bandwidth=low_bandwidth)
        self.theme = DEFAULT_THEME if self.colours == "full" else LOW_BANDWIDTH_THEME
        if self.colours != "full":
            self.add_class("-ansi")  # findings.tcss: the cursor in reverse video, nothing told by colour alone
        if self.colours == "none":
            self.no_color = True  # a monochrome terminal is NO_COLOR too (Textual's :nocolor rules)
        self._filters_seen: tuple[LineFilter, ...] | None = None
        self._filters_used: list[LineFilter] = []
        if low_bandwidth:
            self.animation_level = "none"
            self.add_class("-low-bandwidth")  # findings.tcss: no scrollbars (each one repaints a column)
        # Hold the output until the first screen has its first rows: one complete paint instead of an empty frame
        # and then a full repaint (bytes on the wire, and the time until the screen is quiet). Layout and loading
        # go on meanwhile; only the writing to the terminal waits (at most HOLD_S). Drill-down screens do the same.
        self._holding = True
        self._hold_timer: Timer | None = None
        self._after_output: list[Callable[[], object]] = []

    def on_mount(self) -> None:
        self._hold_timer = self.set_timer(HOLD_S, self.release_output)

    async def on_event(self, event: events.Event) -> None:
        # Pasted text is typed text: a control in it (ESC) would reach the terminal raw as the field echoes it,
        # a bidi or zero-width character would reorder or hide what is shown. Every field gets it without them.
        if isinstance(event, events.Paste) and not event.is_forwarded:
            from store.text import pasted

            text = pasted(event.text)
            if text != event.text:
                event = events.Paste(text)
        await super().on_event(event)

    def action_command_palette(self) -> None:
        """ctrl+p: the palette (tui.commands.Palette: Textual's, with a cursor that does not blink)."""
        from tui.commands import Palette

        # (is_open is typed for App[object]; an App's result type makes it invariant, and this app returns None)
        if self.use_command_palette and not Palette.is_open(cast("App[object]", self)):
            self.push_screen(Palette(id="--command-palette"))

    def get_line_filters(self) -> Sequence[LineFilter]:
        """Without colour, the terminal's default colours and nothing else. (Textual's NO_COLOR filter for a
        theme that is not ANSI turns every colour to a grey; chosen as the app starts, before this app's ANSI
        theme is set, it turned the terminal's own colours to black on black.)"""
        filters = super().get_line_filters()
        if self.colours != "none":
            return filters
        if tuple(filters) != self._filters_seen:
            from textual.filter import Monochrome, NoColor

            self._filters_seen = tuple(filters)
            kept = [f for f in filters if not isinstance(f, (Monochrome, NoColor))]
            self._filters_used = [*kept, NoColor()]
        return self._filters_used

    def hold_output(self, timeout: float = HOLD_S) -> None:
        """Keep the current frame on the terminal until `output_ready` (or `timeout`)."""
        if self._hold_timer is not None:
            self._hold_timer.stop()
        self._holding = True
        self._hold_timer = self.set_timer(timeout, self.release_output)

    def paint_once(self, timeout: float = 0.25) -> None:
        """A change of layout is coming (a pane switch, going back): show it as one full frame."""
        self.hold_output(timeout)
        self.output_ready(cycles=2)

    def output_ready(self, cycles: int = 1) -> None:
        """The screen has what it needs: paint it once it has been laid out with it (after `cycles` refreshes:
        a new layout resizes widgets, and their repaints come one refresh later)."""
        if not self._holding or not self.screen_stack:
            return
        screen = self.screen

        def after(n: int) -> None:
            if n <= 1:
                self.release_output()
            else:
                screen.call_after_refresh(after, n - 1)

        screen.call_after_refresh(after, cycles)

    def after_output(self, callback: Callable[[], object]) -> None:
        """Run `callback` once the held frame is on the terminal (work that would delay it: the widgets a screen
        does not show at first); when nothing is held, after the next refresh."""
        if self._holding:
            self._after_output.append(callback)
        else:
            self.call_after_refresh(callback)

    def release_output(self) -> None:
        """Stop holding: paint the whole screen once, as it is now (later changes paint as usual).

        A pending layout and pending widget updates go into this one full frame instead of following it as
        partial frames (through the screen's compositor: tui.textual_internals).
        """
        if not self._holding:
            return
        if self._hold_timer is not None:
            self._hold_timer.stop()
            self._hold_timer = None
        try:
            if not self.screen_stack:  # the app is closing: its screens are gone, there is nothing to paint
                self._holding = False
                return
            screen = self.screen
            if not (screen.is_attached and screen.outer_size):
                self._holding = False
                screen.refresh()
                return
            textual_internals.apply_pending_updates(screen)  # its output is still held
            self._holding = False
            textual_internals.write_frame(self, screen, textual_internals.render_full_frame(self, screen))
        finally:
            waiting, self._after_output = self._after_output, []
            for callback in waiting:
                self.call_later(callback)  # (the next turn of the event loop: the frame is written)

    @property
    def holding_output(self) -> bool:
        """The terminal shows an earlier frame until `output_ready` (or the timeout): nothing is written."""
        return self._holding

    def _display(self, screen: Screen[Any], renderable: RenderableType | None) -> None:
        # Overrides a private method of App (listed in tui.textual_internals.OVERRIDES): Textual's one way to the
        # terminal, so holding it holds every frame, whoever asked for it.
        if self._holding:
            return
        super()._display(screen, renderable)

    def get_default_screen(self) -> Screen[Any]:
        if self.review is not None:
            from tui.screens.review import ReviewScreen

            return ReviewScreen(self.review)
        from tui.screens.home import HomeScreen

        return HomeScreen()

    def reopen_database(self) -> None:
        """The database file was replaced (a finished sync merge renames a rebuilt one over it): read the new file
        through new connections on new threads; the old ones, still on the replaced file, close in the background
        (closing waits for their queries, which must not wait for the UI thread)."""
        old = self.db
        self.db = Database(self.db_path, writable=old.writable)
        self.run_worker(old.close, thread=True, group="close-db", exit_on_error=False)

    async def on_unmount(self) -> None:
        """The app has stopped (its workers are cancelled): stop the database threads and close every connection.

        Closing waits for the running queries to end (they are interrupted at once); it waits in a thread so
        that a worker finishing with `call_from_thread` cannot wait for a blocked event loop."""
        await asyncio.to_thread(self.db.close)

    # -- navigation ---------------------------------------------------------------------------------------------

    def open(self, kind: str, item_id: str) -> None:
        """Push the screen of an actor, region, finding or source (the history stack is the screen stack)."""
        screen_class: Callable[[str], Screen[Any]]
        if kind == "actor":
            from tui.screens.actor import ActorScreen as screen_class
        elif kind == "region":
            from tui.screens.region import RegionScreen as screen_class
        elif kind == "evidence" and self.review is not None:
            from tui.screens.review import ReviewEvidenceScreen

            self.push_screen(ReviewEvidenceScreen(item_id, self.review))
            return
        elif kind == "evidence":
            from tui.screens.evidence import EvidenceScreen as screen_class
        elif kind == "source":
            from tui.screens.source import SourceScreen as screen_class
        else:
            return
        self.push_screen(screen_class(item_id))

    @on(Open)
    def _open(self, message: Open) -> None:
        self.open(message.kind, message.id)

    def action_help(self) -> None:
        from tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    # -- screenshots ----------------------------------------------------------------------------------------------

    def deliver_screenshot(
        self, filename: str | None = None, path: str | None = None, time_format: str | None = None
    ) -> str | None:
        """The palette's Screenshot: an SVG of the screen where exports go ($FINDINGS_EXPORT_DIR, else the current
        directory), and a notification naming the file. (Textual's own saves into a Downloads directory, and
        fails where there is none.)"""
        from tui.screens.export import export_dir

        directory = path or str(export_dir())
        try:
            saved = self.save_screenshot(filename, directory, time_format)
        except OSError as e:
            message = f"Could not save the screenshot: {clean(e)}"
            self.notify(message, title="Screenshot", severity="error", markup=False)
            return None
        self.notify(f"Saved {clean(saved)}", title="Screenshot", markup=False)
        return saved

    # -- clipboard ------------------------------------------------------------------------------------------------

    @on(CopyCitation)
    def _copy_citation(self, message: CopyCitation) -> None:
        evidence_id = message.evidence_id

        def work(conn: sqlite3.Connection) -> None:
            from store.details import evidence

            data = evidence(conn, evidence_id)
            self.call_from_thread(self._copied, evidence_id, data)

        run_db(self, work, group="copy")

    def _copied(self, evidence_id: str, data: dict[str, Any] | None) -> None:
        from tui.format import clipboard_citation

        if data is None:
            self.notify(f"Finding {clean(evidence_id)} is no longer in the database", severity="warning", markup=False)
            return
        text = clipboard_citation(data)
        self.copy_to_clipboard(text)
        self.notify(plain("Copied the citation of", data.get("id")), title="Copied", markup=False)
