"""Home: a search bar, the Actors, Regions and Evidence panes, a detail pane and the active filters.

Wide terminals show every pane; narrow ones show one at a time (1/2/3 or Tab switch). Selecting an actor or a
region (space) filters the evidence, and so do the search and the facets: actor ∧ region ∧ query ∧ facets.

The search is what you typed: the lists follow the search bar as you type (the last word a prefix), and
leaving the bar (Enter, Esc, Tab) keeps the list it showed, in its order; only an exclusion still being typed
(`iran -coal`, which as you type waits for its whole word) now takes its findings out. The line under the bar
says why parts of the query found nothing and offers the query corrected (ctrl+y); with nothing to say, which
database is open.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widget import AwaitMount
from textual.widgets import Input, Static

from tui.app_access import findings_app
from tui.db import db_worker
from tui.messages import CycleSort, RemoveChip, ToggleFilter
from tui.screens.base import FindingsScreen
from tui.sources import ActorSource, EvidenceSource, RegionSource, entity_query
from tui.text import clean
from tui.widgets.chips import Chip, FilterChips
from tui.widgets.detail import EvidenceDetail
from tui.widgets.keybar import KeyBar
from tui.widgets.lists import ActorList, EvidenceList, RegionList
from tui.widgets.panes import PaneHeader, PaneTabs, Tab
from tui.widgets.search import ACCEPT_KEY, SearchBar, SearchStatus
from tui.widgets.virtual_list import VirtualList

if TYPE_CHECKING:
    from textual.widget import Widget

    from store.search import EvidenceFilter

SEARCH_DEBOUNCE_S = 0.15
ORDER_RANKING = "latest added first, ranking…"
ORDER_ADDED = "latest added first"
ACTOR_SORTS = ("name", "count", "kind", "country")
REGION_SORTS = ("name", "count", "kind")
PANES = ("actors", "regions", "evidence")
PANE_KEYS = {"actors": "1", "regions": "2", "evidence": "3"}
PANE_LABELS = {"actors": "Actors", "regions": "Regions", "evidence": "Evidence"}
EMPTY = {"actors": "no actors", "regions": "no regions", "evidence": "no findings"}
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
    # (a trailing space stays: as you type, it ends the last word, see finished_query)
    query = query.lstrip() if as_you_type else query.strip()
    return EvidenceFilter(query=query, as_you_type=as_you_type, **{k: tuple(v) for k, v in values.items()})


def finished_query(text: str) -> str:
    """The query of a search bar you have left: as you typed it, so the last word stays a prefix, except that a
    last exclusion (`iran -coal`, `iran NOT coal`), which as you type waits for its whole word, now excludes:
    the text ends in a space, which in as-you-type mode ends the word being typed."""
    from store.query import parse

    if text and len(parse(text + " ", as_you_type=True).excluded) > len(parse(text, as_you_type=True).excluded):
        return text + " "
    return text


def _searches_something(text: str) -> bool:
    """Whether a query holds a word or a qualifier: `!!!` or a quote alone holds neither (the lists show all)."""
    from store.query import parse

    return not parse(text, as_you_type=True).is_empty


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
        # First, so that the footer shows it whenever there is a correction (the footer drops keys from its end).
        Binding(
            ACCEPT_KEY,
            "accept_correction",
            "Fix query",
            tooltip="Search for the corrected query shown under the search bar",
            id="home.accept-correction",
        ),
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
        Binding(  # (priority: `f2` in one burst opens the facets on Country, not the Regions pane then Category)
            "f",
            "facets",
            "Facets",
            tooltip="Filter by category, country, region, year",
            id="home.facets",
            priority=True,
        ),
        Binding(
            "x",
            "remove_last_filter",
            "Unfilter",
            tooltip="Remove the last filter (then the search)",
            id="home.unfilter",
        ),
        Binding("i", "toggle_detail", "Details", tooltip="Show or hide the detail pane", id="home.details"),
        Binding("e", "export", "Export", tooltip="Export the evidence list (Markdown, CSV, JSON)", id="home.export"),
        # ctrl+t works in the search bar too (priority): it is no key for typing
        Binding(
            "ctrl+t",
            "toggle_spelling",
            "Exact spelling",
            show=False,
            tooltip="Search the words as typed only (on), or also other scripts, spellings and word forms (off)",
            id="home.exact-spelling",
            priority=True,
        ),
    ]

    class _Explained(Message, bubble=False):
        """The notes and correction of a query (read on the lists thread)."""

        def __init__(self, text: str, settled: bool, notes: list[str], correction: str | None) -> None:
            super().__init__()
            self.text, self.settled, self.notes, self.correction = text, settled, notes, correction

    def __init__(self) -> None:
        # Every class the first frame needs is given before mounting: a class changed later restyles the screen.
        super().__init__(classes="-pane-evidence")
        self.query_text = ""  # what the lists show: the search bar's text, as you type it (last word a prefix)
        self.settled = False  # the search bar was left with this text: its last qualifier is finished too
        self.correction: str | None = None  # the query corrected, offered under the search bar
        self._our_value: str | None = None  # a value this screen put in the search bar (not typed)
        self.exact_spelling = False  # ctrl+t: the words as typed only (the query language's match:exact)
        self.chips: tuple[Chip, ...] = ()
        self.actor_sort = "name"
        self.region_sort = "name"
        self.pane = "evidence"
        self._debounce: Timer | None = None
        # The evidence list shown latest added first: while its ranking is read (ORDER_RANKING), or for good
        # (ORDER_ADDED: the cursor moved before the ranking came); None: in its own order
        self.evidence_order: str | None = None
        self._ready_sent = False
        seeds = findings_app(self).preload or {}
        self.actors = ActorList(ActorSource(self.actor_sort), seed=seeds.get("actors"), id="actors")
        self.regions = RegionList(RegionSource(self.region_sort), seed=seeds.get("regions"), id="regions")
        self.evidence = EvidenceList(EvidenceSource(build_filter("", ())), seed=seeds.get("evidence"), id="evidence")
        self.detail = EvidenceDetail(id="detail")
        self.search = SearchBar(placeholder="Search findings  (/)", id="search", compact=True, select_on_focus=False)
        self.search.cursor_blink = False
        self.status = SearchStatus(findings_app(self).db_path, id="search-status")
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
        self._set_note("actors", SORT_NOTES[self.actor_sort])
        self._set_note("regions", SORT_NOTES[self.region_sort])
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
        yield self.status
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

    def _set_note(self, pane: str, note: str) -> None:
        """The note after a pane's title (`by name`, `matching “yuan”`): in its header, and on the tab line
        when only one pane is shown."""
        self.headers[pane].set(note=note)
        self.tabs.set_note(pane, note)

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
        """Esc or Tab in the search bar: back to the list, which keeps what the bar showed."""
        if self.focused is self.search:
            self._settle_search()
            self.set_focus(self._list(self.pane))

    @property
    def search_pending(self) -> bool:
        """A typed search waits for a pause in typing before the lists follow it."""
        return self._debounce is not None

    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        if event.value == self._our_value:  # put there by this screen (a correction), not typed
            self._our_value = None
            return
        self._our_value = None
        self.settled = False
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(SEARCH_DEBOUNCE_S, self._apply_search)

    @on(Input.Submitted, "#search")
    async def _search_submitted(self, event: Input.Submitted) -> None:
        self._settle_search()
        await self.action_show_pane("evidence")

    def _settle_search(self) -> None:
        """The search bar is left: search for what it holds now, if the pause in typing has not come yet (the
        same list it would have shown), with its typing finished, and say what its last qualifier names."""
        if self._debounce is not None:
            self._debounce.stop()
        self._apply_search(finished=True)
        if not self.settled:
            self.settled = True
            self._explain()

    def _apply_search(self, *, finished: bool = False) -> None:
        """Show what the search bar holds, as you type it (its last word a prefix); `finished`: you have left
        the search bar, so an exclusion you were typing is whole (`finished_query`)."""
        self._debounce = None
        text = self.search.value.strip()
        if finished:
            text = finished_query(text)
        if text == self.query_text:
            return
        self.query_text = text
        self.refresh_bindings()
        self._research()

    def search_text(self) -> str:
        """The query the lists search: what was typed, and `match:exact` while ctrl+t is on."""
        if self.exact_spelling and self.query_text:
            from store.query import EXACT

            return f"{EXACT} {self.query_text}"  # first: the last word typed stays a prefix
        return self.query_text

    def _research(self) -> None:
        """The lists (and notes) for the search bar's text and the exact-spelling switch."""
        words = entity_query(self.search_text())
        self.mount_panes()  # their counts on the tab line follow the search
        # One thread reads them in this order: the findings' first page (latest added first), the panes'
        # searches, the findings' ranking (the longest), then the notes under the search bar.
        self._refilter()
        self.actors.set_source(ActorSource(self.actor_sort, words))
        self.regions.set_source(RegionSource(self.region_sort, words))
        self.evidence.refine()
        self._set_note("actors", self._sort_note(self.actor_sort))
        self._set_note("regions", self._sort_note(self.region_sort))
        self._explain()

    def _sort_note(self, sort: str) -> str:
        """The order of the actors or regions pane: its sort, or the search's when the search looks for them. A
        query with words that the panes do not search (a qualifier filters findings only, as `findings search`
        reads it: `china lang:uk`) says so: the pane lists them all, not what the words found."""
        from store.search import ranked

        if entity_query(self.query_text):
            return "best match first"
        if ranked(self.query_text, as_you_type=True):
            return "all: qualifiers filter findings"  # (the tab line has room for this much at 80 columns)
        return SORT_NOTES[sort]

    def _explain(self) -> None:
        """Read why parts of the query name nothing, and the query corrected, on the lists thread, after the
        lists' counts (which made the plan these use: store.search.explain)."""
        text, settled = self.query_text, self.settled
        if not text:
            self._show_notes([], None)
            return
        db = findings_app(self).db
        searched = self.search_text()  # with match:exact while ctrl+t is on: no note of other spellings then

        def work() -> None:
            from store.search import correction, notes, settled_notes

            conn = db.conn()
            if settled:
                lines, fixed = settled_notes(conn, searched), correction(conn, text)
            else:
                lines, fixed = notes(conn, searched, as_you_type=True), correction(conn, text, as_you_type=True)
            self.post_message(self._Explained(searched, settled, lines, fixed))

        db_worker(self, work, group="search-notes", exclusive=True, lane="lists")

    def _on_home_screen__explained(self, message: _Explained) -> None:
        if (message.text, message.settled) == (self.search_text(), self.settled):
            self._show_notes(message.notes, message.correction)

    def _show_notes(self, notes: list[str], correction: str | None) -> None:
        self.status.set_notes(notes, correction)
        if correction != self.correction:
            self.correction = correction
            self.refresh_bindings()

    def action_accept_correction(self) -> None:
        """Search for the corrected query: it replaces the search bar's text, and the lists follow at once."""
        if not self.correction:
            return
        text, self.correction = self.correction, None
        self._our_value = text
        self.search.value = text
        self.search.cursor_position = len(text)
        self._apply_search()

    def action_toggle_spelling(self) -> None:
        self.exact_spelling = not self.exact_spelling
        state = "on: the words as typed" if self.exact_spelling else "off: also other scripts, spellings, word forms"
        self.notify(f"Exact spelling {state}", timeout=3, markup=False)
        if self.query_text:
            self._research()

    # -- filters ------------------------------------------------------------------------------------------------------

    def _refilter(self) -> None:
        """The evidence list for the search and the chips. A search with words is shown latest added first (its
        first page in milliseconds) until its ranking is read (a second or so for a common word at a million
        findings), which then replaces it if the cursor has not moved (VirtualList.set_source's `then`)."""
        from store.search import ADDED, ranked

        flt = self.current_filter()
        best = EvidenceSource(flt)
        quick = EvidenceSource(flt, ADDED) if ranked(flt.query, as_you_type=True) else None
        shown = self.evidence.source
        if shown is not None and shown.key in (best.key, quick and quick.key):
            return  # the list shows these findings already
        self.evidence_order = ORDER_RANKING if quick else None
        if quick is not None:
            self.evidence.set_source(quick, then=best)
        else:
            self.evidence.set_source(best)
        self.headers["evidence"].set(count="…")
        self._set_note("evidence", self._evidence_note())
        self.tabs.set_count("evidence", "…")

    def current_filter(self) -> EvidenceFilter:
        """The evidence list's filter: the query as the search bar shows it (as you type), and the chips."""
        return build_filter(self.search_text(), self.chips, as_you_type=True)

    @on(VirtualList.Refined, "#evidence")
    def _evidence_ranked(self, message: VirtualList.Refined) -> None:
        self.evidence_order = None if message.applied else ORDER_ADDED
        self._set_note("evidence", self._evidence_note())

    def _evidence_note(self) -> str:
        parts = []
        if self.evidence_order:  # first: cut at 80 columns, the query is still in the search bar above
            parts.append(self.evidence_order)
        if self.query_text and not _searches_something(self.query_text):
            parts.append(f"nothing to search for in “{clean(self.query_text)}”")  # (`!!!`: every finding shown)
        elif self.query_text:
            parts.append(f"matching “{clean(self.query_text)}”" + (" as typed" if self.exact_spelling else ""))
        if self.chips:
            parts.append(f"{len(self.chips)} filter" + ("s" if len(self.chips) > 1 else ""))
        return ", ".join(parts)

    def set_chips(self, chips: tuple[Chip, ...]) -> None:
        self.chips = chips
        self.chip_bar.set_chips(chips)
        self._refilter()
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("focus_search", "show_pane", "facets") and self.focused is self.search:
            return False  # typed into the search bar
        if action == "remove_last_filter":
            return bool(self.chips or self.query_text)
        if action == "toggle_detail":
            return self.focused is self.evidence or self._detail_visible()
        if action == "accept_correction":
            return self.correction is not None
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
        focused = self.focused
        on_chips = focused is None or self.chip_bar in focused.ancestors_with_self
        if 0 <= message.index < len(self.chips):
            self.set_chips(self.chips[: message.index] + self.chips[message.index + 1 :])
        if not self.chips and on_chips:  # the last chip went with the focus: the list it filtered has it
            target = self._list(self.pane)
            self.call_after_refresh(self.set_focus, target)  # once the bar, hidden, has let go of it

    def action_remove_last_filter(self) -> None:
        if self.chips:
            self.set_chips(self.chips[:-1])
        elif self.search.value:
            self._our_value = ""
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
            self.actors.set_source(ActorSource(self.actor_sort, entity_query(self.search_text())))
            self._set_note("actors", self._sort_note(self.actor_sort))
        else:
            self.region_sort = REGION_SORTS[(REGION_SORTS.index(self.region_sort) + 1) % len(REGION_SORTS)]
            self.regions.set_source(RegionSource(self.region_sort, entity_query(self.search_text())))
            self._set_note("regions", self._sort_note(self.region_sort))

    # -- list events --------------------------------------------------------------------------------------------------

    @on(VirtualList.Counted)
    def _counted(self, message: VirtualList.Counted) -> None:
        name = message.vlist.id or ""
        if name in self.headers:
            text = count_text(message.count)
            header, tab = _scoped_counts(message.vlist, text)
            self.headers[name].set(count=header)
            self.tabs.set_count(name, tab)
            self._say_where_the_hits_are()
        self._check_ready()

    def _say_where_the_hits_are(self) -> None:
        """An empty pane names the panes where the search did find something (the one pane shown at 80 columns
        could say `no actors` while the findings are one key away)."""
        query = clean(self.query_text)
        for name in PANES:
            vlist = self._list(name)
            if vlist.count != 0:
                continue
            if not query:
                text = EMPTY[name] + (" match the filters" if name == "evidence" and self.chips else "")
            else:
                text = f"{EMPTY[name]} match “{query}”"
                elsewhere = [
                    f"{PANE_LABELS[other]} {count_text(self._list(other).count)} ({PANE_KEYS[other]})"
                    for other in PANES
                    if other != name and self._list(other).count
                ]
                if elsewhere:
                    text += " · found in " + ", ".join(elsewhere)
            vlist.set_empty_text(text)

    def _check_ready(self) -> None:
        """Once every list has its count and first rows, the first frame can be painted."""
        if self._ready_sent:
            return
        if not all(vlist.first_rows_in for vlist in (self.actors, self.regions, self.evidence)):
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
