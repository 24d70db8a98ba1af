"""A list of any length that reads its rows on demand (the Line API, after Toolong's LogLines).

Nothing holds all rows: the list knows a count (its `virtual_size`), draws only visible lines in `render_line`,
and fetches missing rows a page at a time in a thread worker, keeping recent pages in an LRU cache. Moving the
cursor repaints two lines (the old and the new cursor row), which keeps the bytes per keystroke low.

A `RowSource` says what to show; subclasses say how a row looks (`row_segments`).

A list can show a source whose first page is cheap (a search's findings latest added first) while it reads the
same rows in their proper, costlier order (ranked by relevance): `set_source(quick, then=ranked)`. The ranked
order replaces the quick one only if the cursor is still on the first row and the list has not scrolled, so
it never moves a row someone is looking at; once they have moved, the list keeps the quick order (`Refined`
says which happened).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.app_access import findings_app
from tui.db import db_worker

if TYPE_CHECKING:
    import sqlite3

T = TypeVar("T")

PAGE_SIZE = 100
PAGE_CACHE = 50  # pages kept (5,000 rows)
SCROLL_WAIT_S = 0.3  # a scroll into rows not read yet keeps the old frame this long at most, waiting for them


class RowSource(Generic[T]):
    """What a list shows. `count` and `fetch` run in a worker thread with that thread's connection.

    `key` identifies the content: a list given a source with the key it already has keeps its place.
    """

    key: Hashable = None

    def count(self, conn: sqlite3.Connection) -> int:
        raise NotImplementedError

    def fetch(self, conn: sqlite3.Connection, offset: int, limit: int) -> list[T]:
        raise NotImplementedError

    def note_count(self, count: int) -> None:
        """The list now knows how many rows this source has (counted, or seeded); called on the UI thread.

        A source may keep it for `fetch`, e.g. to read a far page without counting again on its thread's
        connection."""


class StaticSource(RowSource[T]):
    """Rows already in memory (a bounded list: facet values, an entity's regions)."""

    def __init__(self, rows: Sequence[T], key: Hashable = None) -> None:
        self.rows = list(rows)
        self.key = key if key is not None else ("static", id(self))

    def count(self, conn: sqlite3.Connection) -> int:
        return len(self.rows)

    def fetch(self, conn: sqlite3.Connection, offset: int, limit: int) -> list[T]:
        return self.rows[offset : offset + limit]


class _ListMessage(Message):
    """About a VirtualList as a whole (the base of its Counted and Refined messages)."""

    def __init__(self, vlist: VirtualList[Any]) -> None:
        super().__init__()
        self.vlist = vlist

    @property
    def control(self) -> VirtualList[Any]:
        return self.vlist


class _RowMessage(Message):
    """A row of a VirtualList (the base of its Highlighted and Selected messages; nothing handles it as such)."""

    def __init__(self, vlist: VirtualList[Any], index: int, row: Any) -> None:
        super().__init__()
        self.vlist = vlist
        self.index = index
        self.row = row

    @property
    def control(self) -> VirtualList[Any]:
        return self.vlist


# The keys that move a cursor, with their labels: the lists' and every other widget that moves as they do (the
# actor's relations tree), so that help lists one set of moves. (keys, label, binding id suffix)
MOVES = (
    ("down,j", "Down", "down"),
    ("up,k", "Up", "up"),
    ("pagedown,ctrl+f", "Page down", "page-down"),
    ("pageup,ctrl+b", "Page up", "page-up"),
    ("home,g", "First", "first"),
    ("end,G", "Last", "last"),
)


def movement_bindings(prefix: str, actions: tuple[str, str, str, str, str, str]) -> list[BindingType]:
    """MOVES bound to a widget's own `actions` (down, up, page down, page up, first, last), ids `prefix.down` …"""
    return [
        Binding(keys, action, label, show=False, id=f"{prefix}.{name}")
        for (keys, label, name), action in zip(MOVES, actions, strict=True)
    ]


class VirtualList(ScrollView, Generic[T], can_focus=True):
    """A cursor over rows read from a RowSource, page by page."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *movement_bindings("list", ("cursor_down", "cursor_up", "page_down", "page_up", "first", "last")),
        Binding("enter", "select", "Open", id="list.open"),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "vlist--cursor",
        "vlist--cursor-blur",
        "vlist--dim",
        "vlist--mark",
        "vlist--accent",
        "vlist--match",
    }

    class Highlighted(_RowMessage):
        """The cursor rests on a (loaded) row."""

    class Selected(_RowMessage):
        """Enter (or a click on the cursor row) on a row."""

    class Refined(_ListMessage):
        """The rows of `then` (set_source) are read: `applied`, the list now shows them in that order; else the
        cursor had moved and the list keeps the order it showed."""

        def __init__(self, vlist: VirtualList[Any], applied: bool) -> None:
            super().__init__(vlist)
            self.applied = applied

    class Counted(_ListMessage):
        """The number of rows is known (after a new source)."""

        def __init__(self, vlist: VirtualList[Any], count: int) -> None:
            super().__init__(vlist)
            self.count = count

    # (plain classes, not dataclasses: see tui.messages)
    class _PageLoaded(Message, bubble=False):
        def __init__(self, generation: int, page: int, rows: list[Any]) -> None:
            super().__init__()
            self.generation = generation
            self.page = page
            self.rows = rows

    class _CountLoaded(Message, bubble=False):
        def __init__(self, generation: int, count: int) -> None:
            super().__init__()
            self.generation = generation
            self.count = count

    class _RefinedLoaded(Message, bubble=False):
        def __init__(self, generation: int, rows: list[Any] | None) -> None:
            super().__init__()
            self.generation = generation
            self.rows = rows  # None: reading them failed

    class _LoadFailed(Message, bubble=False):
        def __init__(self, generation: int, page: int | None, error: str) -> None:
            super().__init__()
            self.generation = generation
            self.page = page
            self.error = error

    empty_text: str = "nothing here"

    def __init__(
        self,
        source: RowSource[T] | None = None,
        *,
        seed: tuple[int, list[T]] | None = None,
        empty_text: str | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        if empty_text is not None:
            self.empty_text = empty_text
        self.source: RowSource[T] | None = None
        self._generation = 0
        self._count: int | None = None
        self._cursor = 0
        self._pages: LRUCache[int, list[T]] = LRUCache(PAGE_CACHE)
        self._pending: set[int] = set()
        self._strips: LRUCache[tuple[int, int, int], Strip] = LRUCache(512)
        self._announced: tuple[int, int] | None = None
        self._error: str | None = None
        self._repaint_pending = False  # scrolled to rows not read yet: repaint when they arrive
        self._suspended = False  # its screen is covered: not reading (suspend_loading)
        self._then: RowSource[T] | None = None  # the same rows in their proper order, being read (set_source)
        self._refining = False  # the worker reading `_then` has started
        self._moved = False  # the cursor left the first row, or the list scrolled, since the source was set
        if source is not None:
            self.set_source(source, seed=seed)

    # -- public API ---------------------------------------------------------------------------------------------

    @property
    def count(self) -> int | None:
        """The number of rows, or None while it is being counted."""
        return self._count

    @property
    def first_rows_in(self) -> bool:
        """Its count is known and, unless it is empty, its first row read: what a screen waits for to paint it."""
        return self._count is not None and (not self._count or self.row_at(0) is not None)

    @property
    def cursor(self) -> int:
        return self._cursor

    @property
    def highlighted(self) -> T | None:
        """The row under the cursor, if it is loaded."""
        return self.row_at(self._cursor)

    def row_at(self, index: int) -> T | None:
        page = self._pages.get(index // PAGE_SIZE)
        if page is None:
            return None
        offset = index % PAGE_SIZE
        return page[offset] if offset < len(page) else None

    def set_source(
        self,
        source: RowSource[T],
        *,
        keep_cursor: bool = False,
        seed: tuple[int, list[T]] | None = None,
        then: RowSource[T] | None = None,
    ) -> None:
        """Show another source (a new filter or sort); the old pages are dropped unless the key is the same.

        `seed` is (count, first page) when they are already known (read before the app started).
        `then`: the same rows as `source` in the order the list is for, costlier to read (a ranking): `source`
        is shown first, its first page read before anything else; then the count (which the list shows) and
        `then`'s first page are read, and `then` replaces `source` if the cursor has not left the first row nor
        the list scrolled meanwhile (see the module docstring); `Refined` says whether it did. `then` is counted
        after `source` (for what it keeps while counting): it should find that count remembered.
        """
        shown = self.source.key if self.source is not None and self._error is None else None
        if shown is not None and (source.key == shown or (then is not None and then.key == shown)):
            return  # shown already (or its better order is)
        if self.source is not None and self.is_mounted:
            self.workers.cancel_group(self, "vlist-pages")  # their queries are interrupted (tui.db)
            if self._refining:
                self.workers.cancel_group(self, "vlist-refine")
        self.source = source
        self._then = then
        self._refining = False
        self._moved = False
        self._generation += 1
        self._pages.clear()
        self._pending.clear()
        self._strips.clear()
        self._announced = None
        self._error = None
        self._repaint_pending = False
        if not keep_cursor:
            self._cursor = 0
            if self.is_mounted:
                self.scroll_to(y=0, animate=False, force=True)
        if isinstance(source, StaticSource):
            self._count = len(source.rows)
            for page in range(0, (self._count + PAGE_SIZE - 1) // PAGE_SIZE):
                self._pages[page] = source.rows[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
            self._set_count(self._count)
        elif seed is not None and (len(seed[1]) == min(seed[0], PAGE_SIZE)):
            self._count = seed[0]
            source.note_count(seed[0])
            self._pages[0] = list(seed[1])
            if self.is_mounted:
                self._set_count(self._count)
            else:
                self.virtual_size = Size(0, self._count)
        else:
            self._count = None
            if self.is_mounted:
                self._request(self._cursor // PAGE_SIZE)  # first: the rows on screen (lists read on one thread)
                self._start_count()
        self.refresh()

    def set_empty_text(self, text: str) -> None:
        """What the list says when it has no rows (cleaned text)."""
        if text != self.empty_text:
            self.empty_text = text
            if self._count == 0:
                self.refresh_line(0)

    def find_loaded(self, predicate: Callable[[T], bool]) -> int | None:
        """The index of the first row read so far (in the pages kept) for which `predicate` is true."""
        for page in sorted(self._pages.keys()):
            rows = self._pages.get(page) or []
            for offset, row in enumerate(rows):
                if predicate(row):
                    return page * PAGE_SIZE + offset
        return None

    def replace_row(self, index: int, row: T) -> None:
        """Show `row` at `index` from now on (a row changed in place: repaints that one line, reads nothing)."""
        page = self._pages.get(index // PAGE_SIZE)
        if page is None or index % PAGE_SIZE >= len(page):
            return
        page[index % PAGE_SIZE] = row
        for key in [k for k in self._strips.keys() if k[0] == index]:  # noqa: SIM118  # (an LRUCache)
            self._strips.discard(key)
        self.refresh_line(index)
        if index == self._cursor:
            self._announced = None
            self._announce()

    def move_to(self, index: int) -> None:
        """Put the cursor on row `index` (clamped), scrolling it into view."""
        known = self._count if self._count is not None else self.virtual_size.height
        index = max(0, min(index, known - 1))
        old, self._cursor = self._cursor, index
        if index != 0:
            self._moved = True
        top, height = int(self.scroll_y), self._viewport_height()
        if index < top:
            self.scroll_to(y=index, animate=False, force=True)
        elif index >= top + height:
            self.scroll_to(y=index - height + 1, animate=False, force=True)
        if not self._repaint_pending:
            if old != index:
                self.refresh_line(old)
            self.refresh_line(index)
        self._announce()

    # -- rendering ------------------------------------------------------------------------------------------------

    def row_segments(self, row: T, width: int) -> list[tuple[str, Style | None]]:
        """How a row looks: (text, style) pieces, left to right. Text must already be safe (tui.text)."""
        return [(str(row), None)]

    def render_line(self, y: int) -> Strip:
        index = int(self.scroll_y) + y
        width = self.scrollable_content_region.width
        base = self.rich_style
        count = self._count
        if count == 0 or self._error is not None:
            if y == 0:
                text = fit(self._error or self.empty_text, width - 1)
                style = base + self.get_component_rich_style("vlist--dim")
                return Strip([Segment(" " + text, style)]).crop_extend(0, width, base)
            return Strip.blank(width, base)
        if count is not None and index >= count:
            return Strip.blank(width, base)
        row = self.row_at(index)
        if row is None:
            self._request(index // PAGE_SIZE)
            return Strip.blank(width, base)
        mode = 0 if index != self._cursor else (1 if self.has_focus else 2)
        key = (index, mode, width)
        strip = self._strips.get(key)
        if strip is None:
            strip = self._render_row(row, width, base, mode)
            self._strips[key] = strip
        return strip

    def _render_row(self, row: T, width: int, base: Style, mode: int) -> Strip:
        over = None
        if mode == 1:
            over = self.get_component_rich_style("vlist--cursor")
        elif mode == 2:
            over = self.get_component_rich_style("vlist--cursor-blur")
        segments = []
        for text, style in self.row_segments(row, width):
            s = base + style if style is not None else base
            if over is not None:
                s = s + over
            segments.append(Segment(text, s))
        fill = base + over if over is not None else base
        return Strip(segments).crop_extend(0, width, fill).simplify()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        """Scrolling repaints the whole list; if the rows now in view are not read yet, keep the old frame
        until they are (or SCROLL_WAIT_S passed), so that a jump is one repaint, not blank lines and then rows."""
        if self.show_vertical_scrollbar:
            self.vertical_scrollbar.position = new_value
        if round(old_value) == round(new_value):
            return
        if round(new_value) != 0:
            self._moved = True
        top, height = round(new_value), self._viewport_height()
        missing = [
            page
            for page in range(top // PAGE_SIZE, (top + height - 1) // PAGE_SIZE + 1)
            if page not in self._pages and (self._count is None or page * PAGE_SIZE < self._count)
        ]
        if not missing or not self.is_mounted:
            self._repaint_pending = False
            self.refresh(self.size.region)
            return
        for page in missing:
            self._request(page)
        if not self._repaint_pending:
            self._repaint_pending = True
            self.set_timer(SCROLL_WAIT_S, self._flush_repaint)

    def _flush_repaint(self) -> None:
        if self._repaint_pending:
            self._repaint_pending = False
            self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()

    def _viewport_height(self) -> int:
        return max(1, self.scrollable_content_region.height)

    # -- loading ----------------------------------------------------------------------------------------------------

    def on_mount(self) -> None:
        if self.source is not None and self._count is None:
            self._request(self._cursor // PAGE_SIZE)
            self._start_count()
        elif self._count is not None:  # known before mounting (a static or seeded source)
            self.post_message(self.Counted(self, self._count))
            self._announce()

    def suspend_loading(self) -> None:
        """Its screen is covered by another: stop reading (running queries are interrupted, tui.db), so that the
        lists of the screen on top do not wait for this one's (lists read on one thread). `resume_loading`
        reads again what is still missing."""
        if not self.is_mounted:
            return
        for group in ("vlist-pages", "vlist-count", "vlist-refine"):
            self.workers.cancel_group(self, group)
        self._pending.clear()
        self._refining = False
        self._suspended = True

    def resume_loading(self) -> None:
        """Its screen is shown again: read the count and the visible rows if they are still missing."""
        if not (self._suspended and self.is_mounted) or self.source is None:
            return
        self._suspended = False
        top, height = int(self.scroll_y), self._viewport_height()
        for page in range(top // PAGE_SIZE, (top + height - 1) // PAGE_SIZE + 1):
            if page not in self._pages and (self._count is None or page * PAGE_SIZE < self._count):
                self._request(page)
        if self._count is None:
            self._start_count()
        if 0 in self._pages:
            self._start_refine()

    def _start_count(self) -> None:
        if self.source is None or self._then is not None:
            return  # (the refinement counts: the same rows)
        self._count_source()

    def _count_source(self) -> None:
        if self.source is None:
            return
        source, generation, db = self.source, self._generation, findings_app(self).db

        def work() -> None:
            try:
                n = source.count(db.conn())
            except Exception as e:
                self.post_message(self._LoadFailed(generation, None, _describe(e)))
                return
            self.post_message(self._CountLoaded(generation, n))

        db_worker(self, work, group="vlist-count", exclusive=True, lane="lists")

    def refine(self) -> None:
        """Queue the reading of set_source's `then` now, behind what the lists' thread has been given already
        (otherwise it is queued once the first page is in: after whatever was asked meanwhile)."""
        self._start_refine()

    def _start_refine(self) -> None:
        """Read `_then`'s count (shown at once: the same rows) and first page, after the quick first page."""
        then = self._then
        if then is None or self._refining or self._suspended or not self.is_mounted:
            return
        self._refining = True
        source, generation, db = self.source, self._generation, findings_app(self).db

        def work() -> None:
            if generation != self._generation or source is None:
                return
            try:
                conn = db.conn()
                # Both count the same rows (a source may keep what it learns while counting, for its screen)
                n = source.count(conn)
                self.post_message(self._CountLoaded(generation, n))
                then.count(conn)
                rows = then.fetch(conn, 0, PAGE_SIZE)
            except Exception as e:
                if "interrupted" not in str(e):
                    self.post_message(self._RefinedLoaded(generation, None))
                return
            self.post_message(self._RefinedLoaded(generation, rows))

        db_worker(self, work, group="vlist-refine", exclusive=True, lane="lists")

    def _on_virtual_list__refined_loaded(self, message: _RefinedLoaded) -> None:
        message.stop()
        then = self._then
        if message.generation != self._generation or then is None:
            return
        self._then = None
        self._refining = False
        count, rows = self._count, message.rows
        if rows is None or count is None:  # reading the better order failed: the list stays as it is
            if self._count is None:
                self._count_source()
            self.post_message(self.Refined(self, False))
            return
        if self._moved or self._cursor != 0 or round(self.scroll_y) != 0:
            self.post_message(self.Refined(self, False))
            return
        if len(rows) == min(count, PAGE_SIZE):
            self.set_source(then, seed=(count, rows))
        else:  # the database changed between the count and the page: read it again
            self.set_source(then)
        self.post_message(self.Refined(self, True))

    def _request(self, page: int) -> None:
        if page in self._pending or self.source is None or page < 0:
            return
        self._pending.add(page)
        source, generation, db = self.source, self._generation, findings_app(self).db

        def work() -> None:
            if generation != self._generation:
                return
            try:
                rows = source.fetch(db.conn(), page * PAGE_SIZE, PAGE_SIZE)
            except Exception as e:
                self.post_message(self._LoadFailed(generation, page, _describe(e)))
                return
            self.post_message(self._PageLoaded(generation, page, rows))

        db_worker(self, work, group="vlist-pages", lane="lists")

    def _on_virtual_list__page_loaded(self, message: _PageLoaded) -> None:
        message.stop()
        if message.generation != self._generation:
            return
        self._pending.discard(message.page)
        self._pages[message.page] = message.rows
        if message.page == 0:
            self._start_refine()
        if self._count is None and message.page == 0 and len(message.rows) < PAGE_SIZE:
            self._set_count(len(message.rows))  # a short first page is the whole list: no need to wait
        elif self._count is None:
            self.virtual_size = Size(0, max(self.virtual_size.height, (message.page + 1) * PAGE_SIZE))
        start = message.page * PAGE_SIZE
        top, height = int(self.scroll_y), self._viewport_height()
        if self._repaint_pending:
            visible = range(top // PAGE_SIZE, (top + height - 1) // PAGE_SIZE + 1)
            if all(p in self._pages or (self._count is not None and p * PAGE_SIZE >= self._count) for p in visible):
                self._flush_repaint()
        else:
            first, last = max(start, top), min(start + len(message.rows), top + height)
            if first < last:
                self.refresh_lines(first, last - first)
        self._announce()

    def _on_virtual_list__count_loaded(self, message: _CountLoaded) -> None:
        message.stop()
        if message.generation == self._generation:
            known = self._count
            self._set_count(message.count)
            if known == message.count:
                # a short first page had counted the list already; the source's own count may know more (how
                # many findings are about the region and how many general): the screen says it again
                self.post_message(self.Counted(self, message.count))

    def _on_virtual_list__load_failed(self, message: _LoadFailed) -> None:
        message.stop()
        if message.generation != self._generation:
            return
        if message.page is not None:
            self._pending.discard(message.page)
        if message.error == "interrupted":
            return
        self._error = f"could not read the list: {message.error}"
        self.refresh()

    def _set_count(self, count: int) -> None:
        known = self._count
        self._count = count
        if self.source is not None:
            self.source.note_count(count)
        self.virtual_size = Size(0, count)
        if count and self._cursor >= count:
            self.move_to(count - 1)
        if known is None or known != count:
            self.post_message(self.Counted(self, count))
        self.refresh()
        self._announce()

    def _announce(self) -> None:
        """Tell the screen which row the cursor rests on, once per row and source."""
        row = self.highlighted
        if row is None:
            return
        key = (self._generation, self._cursor)
        if key != self._announced:
            self._announced = key
            self.post_message(self.Highlighted(self, self._cursor, row))

    # -- keys and mouse ---------------------------------------------------------------------------------------------

    def action_cursor_down(self) -> None:
        self.move_to(self._cursor + 1)

    def action_cursor_up(self) -> None:
        self.move_to(self._cursor - 1)

    def action_page_down(self) -> None:
        height = self._viewport_height()
        self.scroll_to(y=int(self.scroll_y) + height, animate=False, force=True)
        self.move_to(self._cursor + height)

    def action_page_up(self) -> None:
        height = self._viewport_height()
        self.scroll_to(y=max(0, int(self.scroll_y) - height), animate=False, force=True)
        self.move_to(self._cursor - height)

    def action_first(self) -> None:
        self.move_to(0)

    def action_last(self) -> None:
        self.move_to((self._count or 1) - 1)

    def action_select(self) -> None:
        row = self.highlighted
        if row is not None:
            self.post_message(self.Selected(self, self._cursor, row))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or self._count is None:
            return
        index = int(self.scroll_y) + offset.y
        if index >= self._count:
            return
        if index == self._cursor and event.chain >= 1 and self.has_focus:
            self.action_select()
        else:
            self.move_to(index)

    def on_focus(self) -> None:
        self.refresh_line(self._cursor)

    def on_blur(self) -> None:
        self.refresh_line(self._cursor)


def _describe(error: Exception) -> str:
    return str(error) or type(error).__name__


def fit(text: str, width: int) -> str:
    """`text` cut to `width` cells (with an ellipsis when cut) — for columns in a row."""
    if width <= 0:
        return ""
    if cell_len(text) <= width:
        return text
    out, used = [], 0
    for ch in text:
        w = cell_len(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def pad(text: str, width: int) -> str:
    """`text` fitted and padded with spaces to exactly `width` cells."""
    text = fit(text, width)
    return text + " " * (width - cell_len(text))
