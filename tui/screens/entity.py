"""What the actor, region and source screens share: a profile, a timeline, and sections (its evidence first;
then linked regions or actors, relations, categories) — side by side when wide, one at a time (1-4) when narrow.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

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

if TYPE_CHECKING:
    import sqlite3

    from store.search import EvidenceFilter


@dataclass(frozen=True)
class Section:
    name: str  # id suffix: section-<name>
    label: str


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
        self._data_ready = False
        self._list_ready = False

    def evidence_filter(self) -> EvidenceFilter:
        raise NotImplementedError

    def section_widget(self, name: str) -> Widget:
        raise NotImplementedError

    def load(self, conn: sqlite3.Connection) -> dict[str, Any] | None:
        raise NotImplementedError

    def populate(self, data: dict[str, Any]) -> None:
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
                    with Vertical(id=f"section-{section.name}", classes="section"):
                        yield self.headers[section.name]
                        yield self.section_widget(section.name)
        yield KeyBar()

    def on_mount(self) -> None:
        super().on_mount()
        findings_app(self).hold_output()
        self.set_focus(self.evidence)

        def work(conn: sqlite3.Connection) -> None:
            self.post_message(self._Loaded(self.load(conn)))

        run_db(self, work, group="profile")

    def _on_entity_screen__loaded(self, message: _Loaded) -> None:
        if message.data is None:
            self.profile.update(Content(f"Nothing with id {clean(self.item_id)} in this database."))
            self.set_crumb(self.item_id)
        else:
            self.data = message.data
            self.populate(message.data)
            self.timeline.set_data(message.data.get("timeline") or [], message.data.get("undated") or 0)
        self._data_ready = True
        self._maybe_ready()

    def _maybe_ready(self) -> None:
        if self._data_ready and self._list_ready:
            findings_app(self).output_ready(cycles=2)

    @on(VirtualList.Counted, "#evidence")
    def _evidence_counted(self, message: VirtualList.Counted) -> None:
        text = f"{message.count:,}"
        self.headers["evidence"].set(count=text)
        self.tabs.set_count("evidence", text)
        self._list_ready = True
        self._maybe_ready()

    # -- sections ---------------------------------------------------------------------------------------------------

    def action_section(self, index: int) -> None:
        if not 0 <= index < len(self.SECTIONS):
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

    def set_section_rows(self, name: str, rows: list[CountRow]) -> None:
        widget = self.query_one(f"#section-{name} CountList", CountList)
        widget.set_source(StaticSource(rows, key=(name, self.item_id)))
        self.headers[name].set(count=f"{len(rows):,}")
        self.tabs.set_count(name, f"{len(rows):,}")

    def set_strip(self, title: str, rows: list[CountRow], key: str) -> None:
        """One line naming the top linked entities (`Regions  Crimea 14 · Donetsk Oblast 13 · …`)."""
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

    def set_section_bars(self, name: str, rows: list[tuple[str, int]]) -> None:
        self.query_one(f"#section-{name} Bars", Bars).set_rows(rows)

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


def count_rows(kind: str, items: list[dict[str, Any]] | None) -> list[CountRow]:
    return [CountRow(kind, item["id"], clean(item.get("name")), int(item.get("count") or 0)) for item in items or ()]


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
