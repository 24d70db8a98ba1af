"""Home: a search bar, the Actors, Regions and Evidence panes, a detail pane and the active filters.

Wide terminals show every pane; narrow ones show one at a time (1/2/3 or Tab switch). Selecting an actor or a
region (space) filters the evidence, and so do the search and the facets: actor ∧ region ∧ query ∧ facets.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widget import AwaitMount
from textual.widgets import Input, Static

from tui.app_access import findings_app
from tui.messages import CycleSort, RemoveChip, ToggleFilter
from tui.screens.base import FindingsScreen
from tui.sources import ActorSource, EvidenceSource, RegionSource, entity_query
from tui.widgets.chips import Chip, FilterChips
from tui.widgets.detail import EvidenceDetail
from tui.widgets.keybar import KeyBar
from tui.widgets.lists import ActorList, EvidenceList, RegionList
from tui.widgets.panes import PaneHeader, PaneTabs, Tab
from tui.widgets.virtual_list import VirtualList

if TYPE_CHECKING:
    from textual.widget import Widget

    from store.search import EvidenceFilter

SEARCH_DEBOUNCE_S = 0.15
ACTOR_SORTS = ("name", "count", "kind", "country")
REGION_SORTS = ("name", "count", "kind")
PANES = ("actors", "regions", "evidence")
SORT_NOTES = {"name": "by name", "count": "by evidence", "kind": "by kind", "country": "by country"}

# chip field -> EvidenceFilter field
FILTER_FIELDS = {
    "actor": "actor_ids",
    "region": "region_ids",
    "category": "categories",
    "country": "countries",
    "year": "years",
    "status": "statuses",
    "source": "source_ids",
}


def build_filter(query: str, chips: tuple[Chip, ...], *, as_you_type: bool = False) -> EvidenceFilter:
    """The EvidenceFilter for a query and a set of chips (AND across fields, OR within a field)."""
    from store.search import EvidenceFilter

    values: dict[str, list[str]] = {}
    for chip in chips:
        values.setdefault(FILTER_FIELDS[chip.field], []).append(chip.value)
    return EvidenceFilter(query=query.strip(), as_you_type=as_you_type, **{k: tuple(v) for k, v in values.items()})


def count_text(n: int | None, capped: bool = False) -> str:
    if n is None:
        return "…"
    return f"{n:,}+" if capped else f"{n:,}"


def _scoped_counts(vlist: VirtualList[Any], text: str) -> tuple[str, str]:
    """The count for a list's header and tab; with a region filter, which findings are about the region and
    which are general: `24: Kherson Oblast 1 · Occupied territories of Ukraine 23` and `1 + 23 general`."""
    from tui.text import clean

    scopes = getattr(vlist.source, "scopes", None)
    if scopes is None:
        return text, text
    return f"{text}: {clean(scopes.text(as_a_whole=False))}", f"{scopes.specific:,} + {scopes.general:,} general"


class HomeScreen(FindingsScreen):
    crumb = "Home"
    AUTO_FOCUS = "#evidence"
    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority bindings run as the key arrives, before the keys after it are routed: typed fast ("/yuan" in
        # one burst, or pasted), the rest lands in the search bar, not in the list that had focus. check_action
        # lets them through as text while the search bar has focus.
        Binding(
            "slash", "focus_search", "Search", tooltip="Search findings as you type", id="home.search", priority=True
        ),
        Binding("1", "show_pane('actors')", "Actors", show=False, id="home.pane-actors", priority=True),
        Binding("2", "show_pane('regions')", "Regions", show=False, id="home.pane-regions", priority=True),
        Binding("3", "show_pane('evidence')", "Evidence", show=False, id="home.pane-evidence", priority=True),
        Binding("tab", "cycle_pane(1)", "Next pane", show=False, id="home.next-pane"),
        Binding("shift+tab", "cycle_pane(-1)", "Previous pane", show=False, id="home.previous-pane"),
        Binding("f", "facets", "Facets", tooltip="Filter by category, country, region, year", id="home.facets"),
        Binding(
            "x",
            "remove_last_filter",
            "Unfilter",
            tooltip="Remove the last filter (then the search)",
            id="home.unfilter",
        ),
        Binding("i", "toggle_detail", "Details", tooltip="Show or hide the detail pane", id="home.details"),
        Binding("e", "export", "Export", tooltip="Export the evidence list (Markdown, CSV, JSON)", id="home.export"),
        Binding("escape", "leave_search", "Back to list", show=False, id="home.leave-search"),
    ]

    def __init__(self) -> None:
        # Every class the first frame needs is given before mounting: a class changed later restyles the screen.
        super().__init__(classes="-pane-evidence")
        self.query_text = ""
        self.typing = False  # the query is being typed: its last word is a prefix
        self.chips: tuple[Chip, ...] = ()
        self.actor_sort = "name"
        self.region_sort = "name"
        self.pane = "evidence"
        self._debounce: Timer | None = None
        self._ready_sent = False
        seeds = findings_app(self).preload or {}
        self.actors = ActorList(ActorSource(self.actor_sort), seed=seeds.get("actors"), id="actors")
        self.regions = RegionList(RegionSource(self.region_sort), seed=seeds.get("regions"), id="regions")
        self.evidence = EvidenceList(EvidenceSource(build_filter("", ())), seed=seeds.get("evidence"), id="evidence")
        self.detail = EvidenceDetail(id="detail")
        self.search = Input(placeholder="Search findings  (/)", id="search", compact=True, select_on_focus=False)
        self.search.cursor_blink = False
        self.chip_bar = FilterChips(id="chips")
        self.chip_bar.set_chips(())  # hidden until there is a filter
        self.tabs = PaneTabs(
            [Tab("1", "actors", "Actors"), Tab("2", "regions", "Regions"), Tab("3", "evidence", "Evidence")],
            self.pane,
            id="tabs",
        )
        self.headers = {
            "actors": PaneHeader("Actors", id="actors-header"),
            "regions": PaneHeader("Regions", id="regions-header"),
            "evidence": PaneHeader("Evidence", id="evidence-header"),
        }
        self.headers["actors"].set(note=SORT_NOTES[self.actor_sort])
        self.headers["regions"].set(note=SORT_NOTES[self.region_sort])
        for name in PANES:  # counts read before the app started: on the tab line of the first frame
            vlist = self._list(name)
            if vlist.count is not None:
                self.headers[name].set(count=count_text(vlist.count))
                self.tabs.set_count(name, count_text(vlist.count))
        self.left_panes = [
            Vertical(self.headers["actors"], self.actors, id="actors-pane", classes="pane"),
            Vertical(self.headers["regions"], self.regions, id="regions-pane", classes="pane"),
        ]
        # A narrow terminal shows one pane. When the Actors and Regions lists already have their counts (read
        # before the app started), their panes are mounted only when something needs them (a pane key, a
        # search, a wider terminal): each widget mounted before the first frame costs start-up time (styles,
        # layout), and mounting them later repaints nothing while their container is hidden.
        self._deferred = self.has_class("-narrow") and self.actors.count is not None and self.regions.count is not None
        self._mounting: AwaitMount | None = None

    brand = "findings"  # the name left of the search bar

    def above_keys(self) -> ComposeResult:
        """Widgets between the panes and the key bar (none here; review mode's status line)."""
        yield from ()

    def compose(self) -> ComposeResult:
        with Horizontal(id="top"):
            yield Static(self.brand, id="brand", markup=False)
            yield self.search
        yield self.chip_bar
        yield self.tabs
        with Horizontal(id="body"):
            with Vertical(id="left"):
                if not self._deferred:
                    yield from self.left_panes
            with Vertical(id="right"):
                with Vertical(id="evidence-pane", classes="pane"):
                    yield self.headers["evidence"]
                    yield self.evidence
                yield self.detail
        yield from self.above_keys()
        yield KeyBar()

    def on_mount(self) -> None:
        super().on_mount()
        self._check_ready()

    def mount_panes(self) -> AwaitMount | None:
        """Start mounting the panes left out of the first frame, once; the mount to await (None: nothing to)."""
        if self._deferred and self._mounting is None:
            self._mounting = self.query_one("#left").mount(*self.left_panes)
        return self._mounting

    def on_resize(self) -> None:
        if not self.has_class("-narrow"):
            self.mount_panes()  # a wide terminal shows every pane

    # -- panes ------------------------------------------------------------------------------------------------------

    def _list(self, pane: str) -> VirtualList[Any]:
        lists: dict[str, VirtualList[Any]] = {"actors": self.actors, "regions": self.regions, "evidence": self.evidence}
        return lists[pane]

    async def action_show_pane(self, pane: str) -> None:
        switching = pane != self.pane and self.has_class("-narrow")
        if self._deferred and self._mounting is None:
            if switching:
                findings_app(self).hold_output()  # the mount goes into the one frame below
            mounting = self.mount_panes()
            if mounting is not None:
                await mounting
        if switching:
            findings_app(self).paint_once()
        self.pane = pane
        for name in PANES:
            self.set_class(name == pane, f"-pane-{name}")
        self.tabs.set_active(pane)
        self.set_focus(self._list(pane))

    async def action_cycle_pane(self, step: int) -> None:
        focused = self.focused
        order: list[Widget] = [self.actors, self.regions, self.evidence]
        if self.detail.display and self.detail.region.height:
            order.append(self.detail)
        if self.chips:
            order.insert(0, self.chip_bar)
        current = next((w for w in order if focused is w or (focused and focused in w.walk_children())), None)
        index = order.index(current) if current in order else -1
        target = order[(index + step) % len(order)]
        if target in (self.actors, self.regions, self.evidence):
            await self.action_show_pane(target.id or "evidence")
        else:
            self.set_focus(target)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        for name in PANES:
            if event.widget is self._list(name) and name != self.pane:
                self.pane = name
                for other in PANES:
                    self.set_class(other == name, f"-pane-{other}")
                self.tabs.set_active(name)

    @on(PaneTabs.Chosen)
    async def _tab_chosen(self, message: PaneTabs.Chosen) -> None:
        await self.action_show_pane(message.name)

    def action_toggle_detail(self) -> None:
        findings_app(self).paint_once()
        if self.has_class("-wide"):
            self.toggle_class("-no-detail")
        else:
            self.toggle_class("-detail")
        if self._detail_visible():
            row = self.evidence.highlighted
            self.detail.show(row.id if row is not None else None)

    # -- search -----------------------------------------------------------------------------------------------------

    def action_focus_search(self) -> None:
        self.set_focus(self.search)
        self.search.cursor_position = len(self.search.value)

    def action_leave_search(self) -> None:
        if self.focused is self.search:
            self.set_focus(self._list(self.pane))

    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(SEARCH_DEBOUNCE_S, lambda: self._apply_search(typing=True))

    @on(Input.Submitted, "#search")
    async def _search_submitted(self, event: Input.Submitted) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        self._apply_search(typing=False)
        await self.action_show_pane("evidence")

    def _apply_search(self, *, typing: bool = False) -> None:
        self._debounce = None
        text = self.search.value.strip()
        if (text, typing) == (self.query_text, self.typing):
            return
        changed = text != self.query_text
        self.query_text, self.typing = text, typing
        if changed:
            self.refresh_bindings()
        words = entity_query(text)
        self.mount_panes()  # their counts on the tab line follow the search
        self.actors.set_source(ActorSource(self.actor_sort, words))
        self.regions.set_source(RegionSource(self.region_sort, words))
        self._refilter()

    # -- filters ------------------------------------------------------------------------------------------------------

    def _refilter(self) -> None:
        self.evidence.set_source(EvidenceSource(self.current_filter()))
        self.headers["evidence"].set(count="…", note=self._evidence_note())
        self.tabs.set_count("evidence", "…")

    def current_filter(self) -> EvidenceFilter:
        return build_filter(self.query_text, self.chips, as_you_type=self.typing)

    def _evidence_note(self) -> str:
        parts = []
        if self.query_text:
            parts.append(f"matching “{self.query_text}”")
        if self.chips:
            parts.append(f"{len(self.chips)} filter" + ("s" if len(self.chips) > 1 else ""))
        return ", ".join(parts)

    def set_chips(self, chips: tuple[Chip, ...]) -> None:
        self.chips = chips
        self.chip_bar.set_chips(chips)
        self._refilter()
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("focus_search", "show_pane") and self.focused is self.search:
            return False  # typed into the search bar
        if action == "remove_last_filter":
            return bool(self.chips or self.query_text)
        if action == "toggle_detail":
            return self.focused is self.evidence or self._detail_visible()
        return True

    @on(ToggleFilter)
    def _toggle_filter(self, message: ToggleFilter) -> None:
        message.stop()
        chip = Chip(message.field, message.value, message.label)
        same = [c for c in self.chips if (c.field, c.value) == (chip.field, chip.value)]
        if same:
            self.set_chips(tuple(c for c in self.chips if c not in same))
        else:
            self.set_chips((*self.chips, chip))

    @on(RemoveChip)
    def _remove_chip(self, message: RemoveChip) -> None:
        message.stop()
        if 0 <= message.index < len(self.chips):
            self.set_chips(self.chips[: message.index] + self.chips[message.index + 1 :])
        if not self.chips and self.focused is None:
            self.set_focus(self._list(self.pane))

    def action_remove_last_filter(self) -> None:
        if self.chips:
            self.set_chips(self.chips[:-1])
        elif self.search.value:
            self.search.value = ""
            self._apply_search()

    def action_facets(self) -> None:
        from tui.screens.facets import FacetsScreen

        self.app.push_screen(FacetsScreen(self.current_filter(), self.chips), self._facets_done)

    def _facets_done(self, chips: tuple[Chip, ...] | None) -> None:
        if chips is not None and chips != self.chips:
            self.set_chips(chips)

    def action_export(self) -> None:
        from tui.screens.export import ExportScreen

        self.app.push_screen(ExportScreen(self.current_filter(), self.evidence.count))

    # -- sorting ------------------------------------------------------------------------------------------------------

    @on(CycleSort)
    def _cycle_sort(self, message: CycleSort) -> None:
        message.stop()
        if message.kind == "actor":
            self.actor_sort = ACTOR_SORTS[(ACTOR_SORTS.index(self.actor_sort) + 1) % len(ACTOR_SORTS)]
            self.actors.set_source(ActorSource(self.actor_sort, entity_query(self.query_text)))
            self.headers["actors"].set(note=SORT_NOTES[self.actor_sort])
        else:
            self.region_sort = REGION_SORTS[(REGION_SORTS.index(self.region_sort) + 1) % len(REGION_SORTS)]
            self.regions.set_source(RegionSource(self.region_sort, entity_query(self.query_text)))
            self.headers["regions"].set(note=SORT_NOTES[self.region_sort])

    # -- list events --------------------------------------------------------------------------------------------------

    @on(VirtualList.Counted)
    def _counted(self, message: VirtualList.Counted) -> None:
        name = message.vlist.id or ""
        if name in self.headers:
            text = count_text(message.count)
            header, tab = _scoped_counts(message.vlist, text)
            self.headers[name].set(count=header)
            self.tabs.set_count(name, tab)
        self._check_ready()

    def _check_ready(self) -> None:
        """Once every list has its count and first rows, the first frame can be painted."""
        if self._ready_sent:
            return
        for vlist in (self.actors, self.regions, self.evidence):
            if vlist.count is None or (vlist.count and vlist.row_at(0) is None):
                return
        self._ready_sent = True
        findings_app(self).output_ready()

    @on(VirtualList.Highlighted)
    def _highlighted(self, message: VirtualList.Highlighted) -> None:
        self._check_ready()

    @on(VirtualList.Highlighted, "#evidence")
    def _evidence_highlighted(self, message: VirtualList.Highlighted) -> None:
        if self._detail_visible():
            self.detail.show(message.row.id)

    def _detail_visible(self) -> bool:
        """Whether the layout shows the detail pane (from the classes: the styles may not be applied yet)."""
        if self.has_class("-wide"):
            return not self.has_class("-no-detail")
        return self.has_class("-detail") and not self.has_class("-short")

    @on(VirtualList.Selected)
    def _selected(self, message: VirtualList.Selected) -> None:
        from tui.messages import Open

        kind = {"actors": "actor", "regions": "region", "evidence": "evidence"}.get(message.vlist.id or "")
        if kind:
            self.post_message(Open(kind, message.row.id))
