"""What the actor, region and source screens share: a profile, a timeline, and sections (its evidence first;
then linked regions or actors, relations, categories) — side by side when wide, one at a time (1-4) when narrow.

The side sections are mounted after the screen's first frame, one per turn of the event loop: mounting and
styling every widget at once held the first frame of a drill-down for the time of all of them (the longest the
explorer could not answer a key). What arrives for a section before it is mounted waits for it (`on_side`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widget import Widget

from tui.app_access import findings_app
from tui.db import run_db
from tui.messages import Open
from tui.screens.base import DrillScreen
from tui.sources import EvidenceSource
from tui.text import clean
from tui.widgets.breadcrumb import Breadcrumb
from tui.widgets.charts import Bars, Timeline
from tui.widgets.clipped import Clipped
from tui.widgets.keybar import KeyBar
from tui.widgets.links import CountList, CountRow
from tui.widgets.lists import EvidenceList
from tui.widgets.panes import PaneHeader, PaneTabs, Tab
from tui.widgets.virtual_list import StaticSource, VirtualList
from tui.widgets.waiting import COUNTING, Waits

if TYPE_CHECKING:
    import sqlite3

    from store.search import EvidenceFilter


W = TypeVar("W", bound=Widget)


@dataclass(frozen=True)
class Section:
    name: str  # id suffix: section-<name>
    label: str


DRILL_HOLD_S = 0.05  # a new screen keeps the old frame at most this long, for its profile and first rows

OTHER_SECTIONS = Binding.Group("The other sections, by their number on the tab line")  # one line in the help


class EntityScreen(DrillScreen):
    """Subclasses set `kind`, `SECTIONS` (evidence first), `load` and `populate`."""

    kind = ""
    SECTIONS: ClassVar[tuple[Section, ...]] = (Section("evidence", "Evidence"),)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "section(0)", "Evidence", show=False, id="entity.section-1"),
        *(
            Binding(
                str(i + 1),
                f"section({i})",
                f"Section {i + 1}",
                show=False,
                id=f"entity.section-{i + 1}",
                group=OTHER_SECTIONS,
            )
            for i in range(1, 4)
        ),
        Binding("tab", "cycle_section(1)", "Next section", show=False, id="entity.next-section"),
        Binding("shift+tab", "cycle_section(-1)", "Previous section", show=False, id="entity.previous-section"),
        Binding("e", "export", "Export", tooltip="Export this evidence list", id="entity.export"),
    ]

    @dataclass
    class _Loaded(Message, bubble=False):
        data: dict[str, Any] | None
        complete: bool  # with the counted lists (regions, categories, timeline), not only the profile

    def __init__(self, item_id: str) -> None:
        super().__init__()
        self.item_id = item_id
        self.data: dict[str, Any] | None = None
        self.active = 0
        self.crumb = clean(item_id)
        self.evidence = EvidenceList(EvidenceSource(self.evidence_filter()), id="evidence")
        self.profile = Clipped(id="profile")  # a long summary ends in "…" where the space ends
        self.timeline = Timeline(id="timeline")
        self.strip = Clipped(id="strip")
        self.tabs = PaneTabs(
            [Tab(str(i + 1), s.name, s.label) for i, s in enumerate(self.SECTIONS)], self.SECTIONS[0].name, id="tabs"
        )
        self.headers = {s.name: PaneHeader(s.label, id=f"{s.name}-header") for s in self.SECTIONS}
        self.side: dict[str, Widget] = {}  # a side section's widget, once mounted (the side comes after a frame)
        self._side_mounted = False
        self._side_waiting: list[Callable[[], None]] = []  # what arrived for the side before it was mounted
        self.waits = Waits(self)
        self.counted_sections: set[str] = set()  # sections whose lists are in (the others say `counting…`)
        self._strip_title = ""
        self._strip_set = False
        self._head_ready = False
        self._list_ready = False

    def evidence_filter(self) -> EvidenceFilter:
        raise NotImplementedError

    def section_widget(self, name: str) -> Widget:
        raise NotImplementedError

    def load(self, conn: sqlite3.Connection, *, aggregates: bool) -> dict[str, Any] | None:
        """The profile (store.details); without `aggregates` only what one row and its links give (at once, at
        any size), with them the counted lists too (a pass over every linked finding)."""
        raise NotImplementedError

    def populate(self, data: dict[str, Any]) -> None:
        """Show `data`; its counted lists are None until they are read (show them as being counted)."""
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        yield Breadcrumb()
        yield self.profile
        yield self.timeline
        yield self.strip
        yield self.tabs
        with Horizontal(id="sections"):
            with Vertical(id="section-evidence", classes="section -active"):
                yield self.headers["evidence"]
                yield self.evidence
            with Vertical(id="side"):
                for section in self.SECTIONS[1:]:
                    yield Vertical(id=f"section-{section.name}", classes="section")  # filled by _mount_side
        yield KeyBar()

    def on_mount(self) -> None:
        super().on_mount()
        # The old frame stays up at most DRILL_HOLD_S, for the profile and the first rows: then the screen is
        # painted with whatever has arrived, and the rest (counts, rows, profile) fills in as it comes.
        app = findings_app(self)
        app.hold_output(DRILL_HOLD_S)
        app.after_output(self._start_side)
        self.set_focus(self.evidence)
        if self.evidence.count is None:
            self.waits.start("count", self._show_count)
        self.waits.start("aggregates", self._show_counting)

        def work(conn: sqlite3.Connection) -> None:
            head = self.load(conn, aggregates=False)
            self.post_message(self._Loaded(head, complete=head is None))
            if head is not None:
                self.post_message(self._Loaded(self.load(conn, aggregates=True), complete=True))

        run_db(self, work, group="profile")

    def _start_side(self) -> None:
        if self.is_attached and not self._side_mounted:
            self.run_worker(self._mount_side(), group="side", exclusive=True, exit_on_error=False)

    async def _mount_side(self) -> None:
        """Mount the side sections, one per turn of the event loop, then apply what arrived for them."""
        for section in self.SECTIONS[1:]:
            widget = self.section_widget(section.name)
            await self.query_one(f"#section-{section.name}").mount(self.headers[section.name], widget)
            self.side[section.name] = widget
            if section.name not in self.counted_sections and (text := self.waits.text("aggregates")) is not None:
                self._section_counting(section.name, text)  # (not `no regions` while they are being counted)
        self._side_mounted = True
        waiting, self._side_waiting = self._side_waiting, []
        for call in waiting:
            call()

    def on_side(self, call: Callable[[], None]) -> None:
        """Run `call` (which uses the side sections' widgets) now, or once they are mounted."""
        if self._side_mounted:
            call()
        else:
            self._side_waiting.append(call)

    def side_widget(self, name: str, kind: type[W]) -> W:
        """The widget of type `kind` in side section `name` (the section's own widget or one inside it)."""
        widget = self.side[name]
        return widget if isinstance(widget, kind) else widget.query_one(kind)

    def _show_count(self, text: str) -> None:
        self.headers["evidence"].set(count=text)
        self.tabs.set_count("evidence", text)

    def _show_counting(self, text: str) -> None:
        """Every counted list not read yet says so (`counting… 2 s`)."""
        for name in self.SECTIONS[1:]:
            if name.name in self.counted_sections:
                continue
            self.headers[name.name].set(count="…")
            self.tabs.set_count(name.name, "…")
            self._section_counting(name.name, text)
        self.timeline.set_placeholder(text)
        if self._strip_title and not self._strip_set:
            self.strip.update(Content.assemble((f" {self._strip_title} ", "bold"), (text, "$text-muted")))

    def _section_counting(self, name: str, text: str) -> None:
        widget = self.side.get(name)
        if isinstance(widget, CountList):
            widget.set_empty_text(text)
        elif widget is not None and widget.is_mounted and (bars := list(widget.query(Bars))):
            bars[0].set_placeholder(text)

    def _on_entity_screen__loaded(self, message: _Loaded) -> None:
        if message.data is None:
            if self._head_ready:  # gone between the two reads (another program deleted it): keep what is shown
                self.waits.done("aggregates")
                return
            self.profile.update(Content(f"Nothing with id {clean(self.item_id)} in this database."))
            self.set_crumb(self.item_id)
            self.waits.done("aggregates")
            self.timeline.set_placeholder("")
        else:
            self.data = message.data
            self.populate(message.data)
            if message.complete:
                self.waits.done("aggregates")
                self.timeline.set_data(message.data.get("timeline") or [], message.data.get("undated") or 0)
        self._head_ready = True
        self._maybe_ready()

    def _maybe_ready(self) -> None:
        if self._head_ready and self._list_ready:
            findings_app(self).output_ready(cycles=2)

    @on(VirtualList.Counted, "#evidence")
    def _evidence_counted(self, message: VirtualList.Counted) -> None:
        self.waits.done("count")
        text = f"{message.count:,}"
        self.headers["evidence"].set(count=text)
        self.tabs.set_count("evidence", text)
        if message.count == 0:
            self._list_ready = True
            self._maybe_ready()

    @on(VirtualList.Highlighted, "#evidence")
    def _evidence_rows(self, message: VirtualList.Highlighted) -> None:
        if not self._list_ready:  # the first rows are in
            self._list_ready = True
            self._maybe_ready()

    # -- sections ---------------------------------------------------------------------------------------------------

    def action_section(self, index: int) -> None:
        if not 0 <= index < len(self.SECTIONS):
            return
        if not self._side_mounted:  # a key pressed within the first frames: once the sections are there
            self.on_side(lambda: self.action_section(index))
            return
        if index != self.active and self.has_class("-narrow"):
            findings_app(self).paint_once()
        self.active = index
        name = self.SECTIONS[index].name
        for i, section in enumerate(self.SECTIONS):
            self.query_one(f"#section-{section.name}").set_class(i == index, "-active")
        self.query_one("#side").set_class(index > 0, "-active")
        self.tabs.set_active(name)
        target = self.query_one(f"#section-{name}")
        focusable = [w for w in target.query("*") if w.focusable] or [target]
        self.set_focus(focusable[0])

    def action_cycle_section(self, step: int) -> None:
        self.action_section((self.active + step) % len(self.SECTIONS))

    @on(PaneTabs.Chosen)
    def _tab_chosen(self, message: PaneTabs.Chosen) -> None:
        names = [s.name for s in self.SECTIONS]
        if message.name in names:
            self.action_section(names.index(message.name))

    def set_section_rows(self, name: str, rows: list[CountRow] | None) -> None:
        """A section's linked entities with counts; None: still being counted."""
        if rows is None:
            return
        self.counted_sections.add(name)
        self.headers[name].set(count=f"{len(rows):,}")
        self.tabs.set_count(name, f"{len(rows):,}")

        def show() -> None:
            widget = self.side_widget(name, CountList)
            widget.set_empty_text(None)
            widget.set_source(StaticSource(rows, key=(name, self.item_id)))

        self.on_side(show)

    def set_strip(self, title: str, rows: list[CountRow] | None, key: str) -> None:
        """One line naming the top linked entities (`Regions  Crimea 14 · Donetsk Oblast 13 · …`); None: they are
        being counted."""
        self._strip_title = title
        if rows is None:
            if not self._strip_set:
                self._show_counting(COUNTING)
            return
        self._strip_set = True
        parts: list[Content | tuple[str, str]] = [(f" {title} ", "bold")]
        for i, row in enumerate(rows[:12]):
            if i:
                parts.append((" · ", "$text-muted"))
            parts.append(Content(row.label))
            parts.append((f" {row.findings:,}", "$text-muted"))
        if not rows:
            parts.append(("none", "$text-muted"))
        else:
            parts.append((f"   ({key}: all)", "$text-muted"))
        self.strip.update(Content.assemble(*parts))

    def set_section_bars(self, name: str, rows: list[tuple[str, int]] | None) -> None:
        """A section's bars (evidence by category); None: still being counted."""
        if rows is None:
            return
        self.counted_sections.add(name)
        self.headers[name].set(count="")  # (bars have no count of their own)
        self.tabs.set_count(name, "")
        self.on_side(lambda: self.side_widget(name, Bars).set_rows(rows))

    @on(VirtualList.Selected)
    def _selected(self, message: VirtualList.Selected) -> None:
        row = message.row
        if isinstance(row, CountRow):
            self.post_message(Open(row.kind, row.id))
        elif message.vlist is self.evidence:
            self.post_message(Open("evidence", row.id))

    def action_export(self) -> None:
        from tui.screens.export import ExportScreen

        self.app.push_screen(ExportScreen(self.evidence_filter(), self.evidence.count))


def count_list(kind: str, id: str) -> CountList:
    return CountList(StaticSource([], key=("empty", id)), id=id, empty_text=f"no {kind}s")


def bars_box(id: str) -> VerticalScroll:
    return VerticalScroll(Bars(), id=id, classes="bars")


def count_rows(kind: str, items: list[dict[str, Any]] | None) -> list[CountRow] | None:
    """The rows of a counted list; None while it is not counted yet (store.details without aggregates)."""
    if items is None:
        return None
    return [CountRow(kind, item["id"], clean(item.get("name")), int(item.get("count") or 0)) for item in items]


def profile_content(title: object, facts: list[tuple[str, object]], text: object = None) -> Content:
    """`Name` on the first line, then `kind · country · …`, then a paragraph: all from cleaned text."""
    lines = [Content(clean(title)).stylize("bold")]
    line = " · ".join(clean(v) for _, v in facts if v not in (None, ""))
    if line:
        lines.append(Content(line).stylize("$text-muted"))
    if text:
        lines.append(Content(clean(text)))
    return Content("\n").join(lines)


def findings_text(n: int) -> str:
    return f"{n:,} finding" + ("" if n == 1 else "s")
