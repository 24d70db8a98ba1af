"""`f`: facets of the current evidence list (category, actor country, region, year) with counts.

Space marks a value, Enter applies the marks as filters (chips), Escape leaves the filters as they were.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from rich.style import Style
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.db import run_db
from tui.text import clean
from tui.widgets.chips import Chip
from tui.widgets.keybar import KeyBar
from tui.widgets.panes import PaneTabs, Tab
from tui.widgets.virtual_list import StaticSource, VirtualList, pad
from tui.widgets.waiting import COUNTING, Waits

if TYPE_CHECKING:
    import sqlite3

    from store.search import EvidenceFilter

FACETS = (("category", "Category"), ("country", "Country"), ("region", "Region"), ("year", "Year"))


@dataclass(frozen=True)
class FacetRow:
    field: str
    value: str
    label: str  # cleaned
    count: int
    marked: bool = False


class FacetList(VirtualList[FacetRow]):
    # Enter applies from the list itself, not as a priority binding of the screen: a priority binding runs as
    # the key arrives, before the list has handled a Space sent just before it (`2 space enter` in one burst
    # over a slow link would apply nothing).
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "mark", "Mark", id="facets.mark"),
        Binding("enter", "apply", "Apply", id="facets.apply"),
    ]
    empty_text = "no values"

    def row_segments(self, row: FacetRow, width: int) -> list[tuple[str, Style | None]]:
        dim = self.get_component_rich_style("vlist--dim", partial=True)
        accent = self.get_component_rich_style("vlist--accent", partial=True)
        count = f"{row.count:,}"
        mark = "[x] " if row.marked else "[ ] "
        return [(" " + mark, accent), (pad(row.label, max(1, width - len(count) - 7)), None), (" " + count, dim)]

    def action_apply(self) -> None:
        screen = self.screen
        if isinstance(screen, FacetsScreen):
            screen.action_apply()

    def action_mark(self) -> None:
        row = self.highlighted
        source = self.source
        if row is None or not isinstance(source, StaticSource):
            return
        rows = list(source.rows)
        rows[self.cursor] = replace(row, marked=not row.marked)
        cursor = self.cursor
        self.set_source(StaticSource(rows, key=("facet", row.field, tuple(r.marked for r in rows))), keep_cursor=True)
        self.move_to(cursor)


class FacetsScreen(ModalScreen[tuple[Chip, ...] | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="facets.cancel"),
        Binding("enter", "apply", "Apply", id="facets.apply"),
        Binding("1", "facet(0)", "Category", show=False, id="facets.category"),
        Binding("2", "facet(1)", "Country", show=False, id="facets.country"),
        Binding("3", "facet(2)", "Region", show=False, id="facets.region"),
        Binding("4", "facet(3)", "Year", show=False, id="facets.year"),
        Binding("tab", "cycle(1)", "Next facet", show=False, id="facets.next"),
        Binding("shift+tab", "cycle(-1)", "Previous facet", show=False, id="facets.previous"),
    ]

    @dataclass
    class _Loaded(Message, bubble=False):
        facets: dict[str, list[FacetRow]]

    def __init__(self, flt: EvidenceFilter, chips: tuple[Chip, ...]) -> None:
        super().__init__()
        self.filter = flt
        self.chips = chips
        self.active = 0
        self.lists = {
            name: FacetList(StaticSource([], key=("empty", name)), id=f"facet-{name}", empty_text=COUNTING)
            for name, _ in FACETS
        }
        self.waits = Waits(self)
        self.tabs = PaneTabs([Tab(str(i + 1), n, label) for i, (n, label) in enumerate(FACETS)], "category")

    def compose(self) -> ComposeResult:
        with Vertical(id="facets"):
            yield Static("Facets: space marks, Enter applies", id="facets-title", markup=False)
            yield self.tabs
            for name, _ in FACETS:
                yield self.lists[name]
            yield KeyBar()

    def on_mount(self) -> None:
        self.action_facet(0)
        for name, _ in FACETS:  # each facet says it is counting, and after a second for how long
            self.waits.start(name, partial(self._show_counting, name))
        flt, marked = self.filter, {(c.field, c.value) for c in self.chips}

        def work(conn: sqlite3.Connection, only: tuple[str, ...]) -> None:
            from store.countries import COUNTRIES
            from store.details import names
            from store.search import facets

            found = facets(conn, flt, only=only)
            region_names = names(conn, "region", [v for v, _ in found.get("region", [])])
            out: dict[str, list[FacetRow]] = {}
            for name in only:
                rows = []
                for value, n in found.get(name, []):
                    if name == "region":
                        label = region_names.get(value, value)
                    elif name == "country":
                        label = f"{value} {COUNTRIES[value][1]}" if value in COUNTRIES else value
                    else:
                        label = value
                    rows.append(FacetRow(name, value, clean(label), n, (name, value) in marked))
                out[name] = rows
            self.post_message(self._Loaded(out))

        # Country reads every actor link of the matching findings (seconds at a million, unfiltered): the other
        # facets come from indexes and counters, so they are shown first, on their own thread.
        quick = tuple(name for name, _ in FACETS if name != "country")
        run_db(self, lambda conn: work(conn, quick), group="facets")
        run_db(self, lambda conn: work(conn, ("country",)), group="facets-country")

    def _show_counting(self, name: str, text: str) -> None:
        facet = self.lists[name]
        if facet.count == 0:
            facet.empty_text = text
            facet.refresh()
        self.tabs.set_count(name, "…")

    def _on_facets_screen__loaded(self, message: _Loaded) -> None:
        for name, rows in message.facets.items():
            self.waits.done(name)
            self.lists[name].empty_text = FacetList.empty_text
            self.lists[name].set_source(StaticSource(rows, key=("facet", name, "loaded")))
            self.tabs.set_count(name, f"{len(rows)}")

    def action_facet(self, index: int) -> None:
        self.active = index % len(FACETS)
        name = FACETS[self.active][0]
        for other, widget in self.lists.items():
            widget.display = other == name
        self.tabs.set_active(name)
        self.set_focus(self.lists[name])

    def action_cycle(self, step: int) -> None:
        self.action_facet(self.active + step)

    @on(VirtualList.Selected)
    def _selected(self, message: VirtualList.Selected) -> None:
        self.action_apply()

    def action_apply(self) -> None:
        facet_fields = {name for name, _ in FACETS}
        chips = [c for c in self.chips if c.field not in facet_fields]
        for name, _ in FACETS:
            source = self.lists[name].source
            rows = source.rows if isinstance(source, StaticSource) else []
            chips += [Chip(r.field, r.value, r.label) for r in rows if r.marked]
        # Keep chips the user had that this list no longer shows (a value with no findings left).
        shown = {(c.field, c.value) for c in chips}
        for c in self.chips:
            if c.field in facet_fields and (c.field, c.value) not in shown and not self._listed(c):
                chips.append(c)
        self.dismiss(tuple(chips))

    def _listed(self, chip: Chip) -> bool:
        source = self.lists[chip.field].source
        rows = source.rows if isinstance(source, StaticSource) else []
        return any(r.value == chip.value for r in rows)

    def action_cancel(self) -> None:
        self.dismiss(None)
