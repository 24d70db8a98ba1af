"""Every use the explorer makes of Textual's private API, in one place, and why each is needed.

Textual has no public way to keep a frame off the terminal and then paint the whole screen at once
(`FindingsApp.hold_output`), to lay a screen out as soon as it is idle instead of at the next 60 Hz tick, or to
give a screen its breakpoint classes before its first resize; each of these is what keeps the start-up at about
the time of a bare Textual app and the first paint one frame of ~5 KB (bench/RESULTS.md). The helpers below are
the only code in tui/ that reads or writes Textual's private attributes. Four private methods are overridden where
they must be (a subclass of App or Screen): they are listed in `OVERRIDES`.

Every entry was checked against Textual 8.2.8 (`CHECKED_AGAINST`; pyproject pins textual <8.3 for this reason).
tests/test_textual_internals.py checks each entry of `ATTRIBUTES`, `METHODS` and `OVERRIDES` against the
installed Textual, and that no other private Textual name is used in tui/: after upgrading Textual, run it
first; it names what disappeared or changed shape.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from rich.console import RenderableType
    from textual.app import App
    from textual.command import CommandPalette
    from textual.screen import Screen
    from textual.worker import Worker

CHECKED_AGAINST = "8.2.8"

R = TypeVar("R")


# -- the accesses -------------------------------------------------------------------------------------------------
# Each: why the explorer needs it, then what the private name is in the Textual version it was checked against.


def in_batch_update(app: App[Any]) -> bool:
    """Inside `App.batch_update()`, Textual writes nothing until it ends; laying out then would be wasted.

    Textual 8.2.8: `App._batch_count`, an int, the depth of nested batch updates (Screen._on_idle checks it the same
    way)."""
    return bool(app._batch_count)


def refresh_pending(screen: Screen[Any]) -> bool:
    """The screen has a layout, scroll, repaint or widget update waiting for its update timer.

    Textual 8.2.8: `Screen._layout_required`, `_scroll_required`, `_repaint_required` (bools) and `_dirty_widgets` (a
    set of widgets): the flags Screen._on_idle reads to decide whether to resume its update timer."""
    return bool(screen._layout_required or screen._scroll_required or screen._repaint_required or screen._dirty_widgets)


def layout_pending(screen: Screen[Any]) -> bool:
    """The screen has a layout waiting for its update timer (a widget changed size or content), not only a repaint.

    Textual 8.2.8: `Screen._layout_required`, the bool Screen._on_timer_update reads to lay the screen out."""
    return bool(screen._layout_required)


def refresh_now(screen: Screen[Any]) -> None:
    """Do the screen's pending layout and repaint now, as its update timer would at the next tick, but leave the
    `call_after_refresh` callbacks queued: Screen._on_idle runs them once nothing is pending, which is what keeps
    a held first frame complete (FindingsScreen._on_idle).

    Textual 8.2.8: `Screen._on_timer_update()`, the update timer's callback (lays out, updates the compositor, renders).
    `Screen._callbacks`, the list of (callback, message pump) pairs that `call_after_refresh` appends to, and that
    `_on_timer_update` schedules to run when it is not empty."""
    callbacks, screen._callbacks = screen._callbacks, []
    try:
        screen._on_timer_update()
    finally:
        screen._callbacks[:0] = callbacks


def wake_update_timer(screen: Screen[Any]) -> None:
    """Have the screen's update timer bring it back to its pending work at the next tick.

    Textual 8.2.8: `Screen._update_timer`, a property, the screen's paused `Timer` (made on first use) that runs
    `_on_timer_update`; Screen._on_idle resumes it the same way."""
    screen._update_timer.resume()


def forget_dirty_widgets(screen: Screen[Any]) -> None:
    """Drop the screen's list of widgets to repaint without rendering them: used while the output is held, when the
    full render of `render_full_frame` will include them (the compositor keeps their dirty regions).

    Textual 8.2.8: `Screen._dirty_widgets`, the set of widgets `Screen._compositor_refresh` would render and then
    clear."""
    screen._dirty_widgets.clear()


def apply_pending_updates(screen: Screen[Any]) -> None:
    """Apply a pending layout and the pending widget repaints to the screen's compositor now, as the update timer
    would at its next tick, so that `render_full_frame` includes them instead of their following as partial frames.

    Textual 8.2.8: `Screen._layout_required` / `_scroll_required` (bools, cleared here as `_on_timer_update` clears
    them), `Screen._refresh_layout(size=None, scroll=False)` (lays out, then calls `_compositor_refresh`, which
    FindingsScreen holds), `Screen._dirty_widgets` (set) and `Screen._compositor` (the screen's `Compositor`, whose
    `update_widgets(set)` marks their regions for the next render)."""
    if screen._layout_required:
        screen._refresh_layout(scroll=screen._scroll_required)
        screen._layout_required = screen._scroll_required = False
    if screen._dirty_widgets:
        screen._compositor.update_widgets(screen._dirty_widgets)
        screen._dirty_widgets.clear()


def render_full_frame(app: App[Any], screen: Screen[Any]) -> RenderableType | None:
    """The whole screen as one update, with the screens visible behind it.

    Textual 8.2.8: `Screen._compositor.render_update(full=True, screen_stack=...)` with `App._background_screens` (a
    list), as `Screen._compositor_refresh` calls it."""
    return screen._compositor.render_update(full=True, screen_stack=app._background_screens)


def write_frame(app: App[Any], screen: Screen[Any], update: RenderableType | None) -> None:
    """Write a rendered update to the terminal in one synchronized write, as Textual does after each refresh.

    Textual 8.2.8: `App._display(screen, renderable)`, the one place Textual writes a screen's update to the driver
    (nothing when `renderable` is None or inside a batch update)."""
    app._display(screen, update)


def breakpoint_classes(screen: Screen[Any], dimension: int, breakpoints: list[tuple[int, str]]) -> set[str]:
    """The breakpoint class Textual gives a screen of this width (or height): the same rule as Textual's own, so
    the classes a screen is given before its first frame are the ones its first resize keeps (no restyle).

    Textual 8.2.8: `Screen._get_breakpoint_classes(dimension, breakpoints)` returns a set of class names
    (Screen._on_resize uses it with HORIZONTAL_BREAKPOINTS / VERTICAL_BREAKPOINTS)."""
    return screen._get_breakpoint_classes(dimension, breakpoints)


def worker_work(worker: Worker[R]) -> Callable[[], R]:
    """The callable a thread worker was made with: DatabaseWorker (tui/db.py) runs it on the Database's own
    threads instead of the event loop's default executor.

    Textual 8.2.8: `Worker._work`, the `work` argument of `Worker.__init__`, kept as given."""
    work: Callable[[], R] = worker._work  # type: ignore[assignment]  # typed as a callable, coroutine or awaitable
    return work


def search_palette_again(palette: CommandPalette, query: str) -> None:
    """Have the command palette search again for what it shows, as if it had just been typed: a search that
    ran outside it (the findings' text, tui.commands) has ended, and its hits join the names.

    Textual 8.2.8: `CommandPalette._stop_no_matches_countdown()` (stops the timer that would add `No matches
    found`) and `CommandPalette._gather_commands(search_value)`, the exclusive worker that asks every provider and
    fills the list; `CommandPalette._input`, its Input.Changed handler, calls the two in this order."""
    palette._stop_no_matches_countdown()
    palette._gather_commands(query)


def tolerate_undecodable_input() -> None:
    """Bytes from the terminal that are not UTF-8 read as U+FFFD instead of stopping the explorer. A terminal set to
    another encoding (KOI8-R or CP1251 over SSH: Cyrillic typed there is not UTF-8), or a paste of binary, made
    Textual's input thread raise UnicodeDecodeError: a traceback, and the explorer gone.

    Textual 8.2.8: `textual.drivers.linux_driver` (and `linux_inline_driver`) make their input decoder in
    `run_input_thread` as `getincrementaldecoder("utf-8")().decode`, a strict one, from the module's name
    `getincrementaldecoder` (imported from codecs), looked up when the thread starts: that name is replaced by
    one whose decoders replace what they cannot decode."""
    import importlib

    for name in DECODING_DRIVERS:
        setattr(importlib.import_module(name), "getincrementaldecoder", _replacing_decoder)  # noqa: B010 (a module's name)


def _replacing_decoder(encoding: str) -> Callable[..., Any]:
    import codecs
    import functools

    return functools.partial(codecs.getincrementaldecoder(encoding), errors="replace")


DECODING_DRIVERS = ("textual.drivers.linux_driver", "textual.drivers.linux_inline_driver")


# -- what tests/test_textual_internals.py checks --------------------------------------------------------------
# Plain tuples: only the test reads them, and constants cost nothing at start-up.

# (Textual class, private attribute, the type of its value on a live instance, the helpers above that use it)
ATTRIBUTES: tuple[tuple[str, str, str, str], ...] = (
    ("textual.app.App", "_batch_count", "int", "in_batch_update"),
    ("textual.app.App", "_background_screens", "list", "render_full_frame"),
    ("textual.screen.Screen", "_layout_required", "bool", "refresh_pending, layout_pending, apply_pending_updates"),
    ("textual.screen.Screen", "_scroll_required", "bool", "refresh_pending, apply_pending_updates"),
    ("textual.screen.Screen", "_repaint_required", "bool", "refresh_pending"),
    ("textual.screen.Screen", "_dirty_widgets", "set", "refresh_pending, forget_dirty_widgets, apply_pending_updates"),
    ("textual.screen.Screen", "_callbacks", "list", "refresh_now"),
    ("textual.screen.Screen", "_update_timer", "textual.timer.Timer", "wake_update_timer"),
    (
        "textual.screen.Screen",
        "_compositor",
        "textual._compositor.Compositor",
        "apply_pending_updates, render_full_frame",
    ),
    ("textual.worker.Worker", "_work", "callable", "worker_work"),
)

# (Textual class, private method called from here, its parameters after self, the helpers that call it)
METHODS: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    ("textual.screen.Screen", "_on_timer_update", (), "refresh_now"),
    ("textual.screen.Screen", "_refresh_layout", ("size", "scroll"), "apply_pending_updates"),
    ("textual.screen.Screen", "_get_breakpoint_classes", ("dimension", "breakpoints"), "breakpoint_classes"),
    ("textual.app.App", "_display", ("screen", "renderable"), "write_frame"),
    ("textual.command.CommandPalette", "_stop_no_matches_countdown", (), "search_palette_again"),
    ("textual.command.CommandPalette", "_gather_commands", ("search_value",), "search_palette_again"),
    # Public methods of the private Compositor (tests/tui_support.py's screen_text reads render_full_update).
    ("textual._compositor.Compositor", "update_widgets", ("widgets",), "apply_pending_updates"),
    ("textual._compositor.Compositor", "render_update", ("full", "screen_stack", "simplify"), "render_full_frame"),
    ("textual._compositor.Compositor", "render_full_update", ("simplify",), "tests/tui_support.py"),
)

# (our class as module:Class, the Textual class, the private method ours overrides, its parameters after self,
#  what calls it in Textual 8.2.8, why ours overrides it)
OVERRIDES: tuple[tuple[str, str, str, tuple[str, ...], str, str], ...] = (
    (
        "tui.app:FindingsApp",
        "textual.app.App",
        "_display",
        ("screen", "renderable"),
        "Screen._compositor_refresh, for every frame of the top screen",
        "writes nothing while the output is held (FindingsApp.hold_output)",
    ),
    (
        "tui.screens.base:FindingsScreen",
        "textual.screen.Screen",
        "_compositor_refresh",
        (),
        "Screen._on_timer_update, after updating the compositor",
        "renders nothing while the output is held: release_output renders the whole screen once",
    ),
    (
        "tui.screens.base:FindingsScreen",
        "textual.screen.Screen",
        "_on_idle",
        ("event",),
        "the Idle event's dispatch, each class of the MRO in turn until one calls prevent_default",
        "lays out a held screen as soon as it is idle; Screen._on_idle runs after it, unless prevented",
    ),
    (
        "tui.commands:Palette",
        "textual.screen.Screen",
        "_on_idle",
        ("event",),
        "the Idle event's dispatch, each class of the MRO in turn until one calls prevent_default",
        "paints the palette's hits as soon as it is idle; Screen._on_idle runs after it, unless prevented",
    ),
    (
        "tui.screens.base:FindingsScreen",
        "textual.screen.Screen",
        "_on_screen_resume",
        ("event",),
        "the ScreenResume event's dispatch, each class of the MRO in turn until one calls prevent_default",
        "skips the restyle of a screen's first resume (its widgets were styled as they mounted)",
    ),
)
