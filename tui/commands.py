"""The command palette (ctrl+p): jump to any actor, region, source or finding by fuzzy name or alias.

Candidates come from store.browse.lookup (names and aliases) and, for findings, the search engine; Textual's
fuzzy matcher ranks them. Every hit is built from cleaned text as Content: the palette would otherwise read a
name like `[@click=app.quit]` as markup.

Names first, and at once: Textual's palette shows a search's hits only once all of it has finished, so each
keystroke asks only what the indexes answer at any size (names, aliases and titles that start with the text or
have a word that does, ids: store.browse.lookup(quick=True), a few milliseconds), painted as soon as they are
in (Palette._on_idle). The rest runs once they are on screen, in a worker of its own that the next keystroke
cancels (its query is interrupted: tui.db): names that hold the letters in order anywhere (a scan of every
name, tens of milliseconds at 50,000 actors) at once, then, once typing pauses (EVIDENCE_DELAY_S), a search of
the findings' text (up to a second on a common word at a million); after each, the palette searches again and
shows them with the names.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from textual import events
from textual.command import CommandInput, CommandList, CommandPalette, DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.worker import Worker, WorkerState

from tui import textual_internals
from tui.app_access import findings_app
from tui.text import clean
from tui.widgets.reverse_video import keep_reverse_video

if TYPE_CHECKING:
    from textual.screen import Screen
    from textual.style import Style

    from tui.db import Database

KIND_LABELS = {"actor": "actor", "region": "region", "source": "source", "evidence": "finding"}
KIND_WEIGHTS = {"actor": 1.0, "region": 1.0, "source": 0.8, "evidence": 0.6}  # names first, then long titles
MAX_HITS = 24  # at most; each one is a line to build and lay out on the UI thread
PALETTE_SHARE = 0.7  # of the terminal's height, the palette's list (Textual's CommandList: max-height 70vh)
LOOKUP_LIMIT = 60  # names asked of store.browse.lookup, for the fuzzy matcher to rank
EVIDENCE_DELAY_S = 0.3  # typing paused this long: search the findings' text too
EVIDENCE_MIN_CHARS = 2  # a single letter finds too much to be worth a search of every finding
MORE_GROUP = "palette-more"  # the searches after the names the indexes give


class Palette(CommandPalette):
    """Textual's command palette with a cursor that does not blink (a blinking cursor redraws itself twice a
    second for as long as the palette is open: about 1 KB a second over SSH, for nothing, as the search bar's
    does not either), whose hits are painted as soon as they are in, and only then searched further."""

    def on_mount(self) -> None:
        self.query_one(CommandInput).cursor_blink = False
        keep_reverse_video(self.query_one(CommandList))  # the highlighted hit, in the terminal's own colours

    def _on_idle(self, event: events.Idle) -> None:  # type: ignore[override]  # Textual calls sync handlers too
        """Paint the hits as soon as the palette is idle, not at the update timer's next tick.

        A keystroke makes two frames: the echo, at once, then the hits once the search is done (10-20 ms later).
        Textual's update timer, resumed that soon after a tick, waits for the next tick but one of its 60 Hz grid:
        17-33 ms in which the hits are ready and not shown (bench/RESULTS.md). Only a layout is done at once: a
        repaint alone while a search is gathering (the scrollbars after the echo's layout, ~490 B) goes out with the
        hits' frame rather than in a frame of its own. Screen._on_idle runs after this, unless prevented,
        through the class hierarchy, and finds nothing left to do but the `call_after_refresh` callbacks. (Overrides
        a private handler of Screen, with Textual internals: tui.textual_internals.)"""
        if not self.is_current or textual_internals.in_batch_update(self.app) or self.app.is_inline:
            return
        if textual_internals.layout_pending(self):  # new hits, or the echo
            textual_internals.refresh_now(self)
        elif textual_internals.refresh_pending(self) and self._searching():
            event.prevent_default()  # a repaint alone (the scrollbars after the echo) goes out with the hits

    def _searching(self) -> bool:
        """A search of the palette's is gathering hits: its list will be laid out and painted when it ends (when it
        ends, cancelled or not, the palette is told, and is idle again)."""
        return any(self._gathers(worker) and not worker.is_finished for worker in self.workers)

    def _gathers(self, worker: Worker[Any]) -> bool:
        """The worker is one of the palette's own searches (Textual's gather of hits), not one after the names."""
        return worker.node is self and worker.group != MORE_GROUP

    # What to start once a search's hits are on screen (JumpProvider: the searches after the names)
    after_hits: Callable[[], None] | None = None

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A search of the palette's has filled its list: start what waits for its hits to be painted (at the
        next idle, after `_on_idle` above has painted them). The searches after the names run Python on a
        database thread; started with the keystroke's own search, they took the GIL from the list's render."""
        if self._gathers(event.worker) and event.state == WorkerState.SUCCESS and self.after_hits is not None:
            start, self.after_hits = self.after_hits, None
            self.call_after_refresh(start)


Candidate = tuple[str, str, str, str | None, int]  # (kind, id, name, alias, count)
# (score, kind, id, name, alias, offsets of the matched letters, whether they are in the alias)
Ranked = tuple[float, str, str, str, str | None, tuple[int, ...], bool]


def _names(db: Database, query: str, *, quick: bool) -> list[Candidate]:
    """(kind, id, name, alias, count) for the palette: entities by name or alias, findings by id; `quick`: only
    names that start with the query or have a word that does (store.browse.lookup)."""
    from store.browse import lookup

    matches = lookup(db.conn(), query, limit=LOOKUP_LIMIT, quick=quick)
    return [(m.kind, m.id, m.name, m.alias, m.evidence_count) for m in matches]


def _ranked_names(db: Database, query: str, found: list[Candidate], limit: int = MAX_HITS) -> list[Ranked]:
    """The names for `query` that the indexes give at once, and the candidates already `found` after an earlier
    search for it (every name with its letters in order, findings by their text), ranked (see `rank`)."""
    candidates = _names(db, query, quick=True)
    seen = {(kind, id_) for kind, id_, *_ in candidates}
    return rank(query, candidates + [c for c in found if (c[0], c[1]) not in seen], limit)


def rank(query: str, candidates: list[Candidate], limit: int = MAX_HITS) -> list[Ranked]:
    """The best `limit` candidates for `query` by Textual's fuzzy matcher (the palette's own), with the offsets of
    the matched letters: exact names first, then names that start with it, then the rest; findings last."""
    from textual.fuzzy import FuzzySearch

    fuzzy = FuzzySearch()
    folded = query.casefold()
    raw = []
    for kind, id_, name, alias, count in candidates:
        name_text, alias_text = clean(name), clean(alias) if alias else ""
        score, offsets = fuzzy.match(query, name_text)
        on_alias = False
        if alias_text:
            alias_score, alias_offsets = fuzzy.match(query, alias_text)
            if alias_score > score:
                score, offsets, on_alias = alias_score, alias_offsets, True
        if score <= 0 and kind != "evidence":
            continue
        raw.append((score, kind, id_, name, alias, tuple(offsets), on_alias, count, alias_text, name_text))
    top = max((r[0] for r in raw), default=0) or 1.0
    scored: list[Ranked] = []
    for score, kind, id_, name, alias, offsets, on_alias, count, alias_text, name_text in raw:
        # FuzzySearch scores are unbounded: scale to 0-1, then rank exact names, then prefixes, first.
        score = score / top if score > 0 else 0.2  # a finding the search engine found by its words
        matched = (alias_text if on_alias else name_text).casefold()
        if matched == folded:
            score = 1.0
        elif matched.startswith(folded):
            score = 0.5 + score / 2
        else:
            score = score / 2
        score *= KIND_WEIGHTS.get(kind, 0.5)
        score = min(1.0, score * 0.99 + min(count, 1000) / 100_000)  # ties: better documented first
        scored.append((score, kind, id_, name, alias, offsets, on_alias))
    scored.sort(key=lambda s: -s[0])
    return scored[:limit]


def _evidence(db: Database, query: str) -> list[Candidate]:
    """Findings whose text matches `query` (the search engine, as typed), best first."""
    from store.search import search

    hits = search(db.conn(), query, kinds=["evidence"], limit=10, as_you_type=True)
    return [("evidence", hit.id, hit.title, None, 0) for hit in hits]


def _identities(ranked: list[Ranked]) -> list[tuple[str, str]]:
    """The (kind, id) of ranked hits, in their order: what a list of them shows."""
    return [(kind, id_) for _score, kind, id_, *_ in ranked]


def _top(db: Database) -> list[Candidate]:
    from store.browse import list_actors, list_regions

    conn = db.conn()
    actors: list[Candidate] = [
        ("actor", a.id, a.name, None, a.evidence_count) for a in list_actors(conn, sort="count", limit=8)
    ]
    regions = [("region", r.id, r.name, None, r.evidence_count) for r in list_regions(conn, sort="count", limit=5)]
    return actors + regions


def _prompt(kind: str, name: str, alias: str | None, offsets: tuple[int, ...] = (), on_alias: bool = False) -> Content:
    """`China  actor` or `China (PRC)  actor`, matched letters underlined, all from cleaned text."""
    name_text = clean(name)
    if len(name_text) > 90:
        name_text = name_text[:89] + "…"
    label = Content(name_text)
    if offsets and not on_alias:
        for offset in offsets:
            if offset < len(name_text):
                label = label.stylize("underline bold", offset, offset + 1)
    parts: list[Content | tuple[str, str]] = [label]
    if alias:
        alias_text = Content(clean(alias))
        if offsets and on_alias:
            for offset in offsets:
                if offset < len(alias_text):
                    alias_text = alias_text.stylize("underline bold", offset, offset + 1)
        parts += [(" (", "$text-muted"), alias_text, (")", "$text-muted")]
    parts.append(("  " + KIND_LABELS.get(kind, kind), "$text-muted italic"))
    return Content.assemble(*parts)


class JumpProvider(Provider):
    """Actors, regions, sources and findings by fuzzy name or alias."""

    def __init__(self, screen: Screen[Any], match_style: Style | None = None) -> None:
        super().__init__(screen, match_style)
        # Per query (the last few): what the searches after the keystroke found (every name with the letters in
        # order, then the findings by their text), for the palette's next searches of it
        self._found: dict[str, list[Candidate]] = {}
        # The query and the (kind, id) of the hits the palette was last given for it: a later search that finds
        # the same hits does not rebuild the list (a layout and a repaint of every line, for nothing)
        self._given: tuple[str, list[tuple[str, str]]] = ("", [])
        # (query, how many hits, the hits) that a later search ranked differently, for the palette's search
        # again that it starts, which gives them as they are rather than ranking them a second time
        self._next: tuple[str, int, list[Ranked]] | None = None

    async def search(self, query: str) -> Hits:
        query = query.strip()
        if not query:
            return
        db = findings_app(self).db
        found = self._found.get(query)
        shown = self._shown()
        ready, self._next = self._next, None
        try:  # looked up and ranked on a database thread: the UI thread only builds the lines it shows
            if ready is not None and ready[:2] == (query, shown):
                ranked = ready[2]
            else:
                ranked = await db.call(_ranked_names, db, query, found or self._narrowed(query), shown)
        except Exception as e:  # a database problem: say so in the palette rather than crash it
            if "interrupted" not in str(e):  # not just overtaken by the next letter typed
                yield Hit(0.01, Content(f"Cannot search: {clean(e)}"), lambda: None, text="error")
            return
        if found is None:
            palette = findings_app(self).screen  # the palette (self.screen is the screen it was opened over)
            if isinstance(palette, Palette):
                palette.after_hits = partial(self._search_more, query)
        self._given = (query, _identities(ranked))
        for hit in self._hits(ranked):
            yield hit

    def _narrowed(self, query: str) -> list[Candidate]:
        """Until the names for `query` are in: the names found for the longest start of it that was searched
        (typing on, the text only grows), the ones the matcher still finds. Every name that holds the letters of
        `query` in order holds those of its start, so the palette shows at once about what it will show, rather
        than the few names the indexes give, then the rest (a list shrinking and growing again at each key)."""
        for end in range(len(query) - 1, 0, -1):
            earlier = self._found.get(query[:end])
            if earlier is not None:
                return [c for c in earlier if c[0] != "evidence"]  # findings were found by their words, not these
        return []

    def _shown(self) -> int:
        """How many hits to build: as many as the palette's list can show (a line each), at most MAX_HITS."""
        return max(1, min(MAX_HITS, int(findings_app(self).size.height * PALETTE_SHARE)))

    def _search_more(self, query: str) -> None:
        """After the names the indexes give: every name with the letters of `query` in order, then, once typing
        pauses, the findings' text; after each, search the palette again, which shows them with the names. The
        next keystroke cancels it (a worker of the palette's, exclusive in its group)."""
        app = findings_app(self)
        palette = app.screen  # the palette (self.screen is the screen it was opened over)
        if not isinstance(palette, CommandPalette):
            return
        db = app.db
        found = self._found
        shown = self._shown()

        async def show(candidates: list[Candidate]) -> None:
            found[query] = candidates
            while len(found) > 32:
                found.pop(next(iter(found)))
            # Ranked here, on a database thread, as the palette's search will: the same hits as it was given
            # (most keystrokes: the names the indexes give are the best ones) leave its list as it is.
            ranked = await db.call(_ranked_names, db, query, candidates, shown)
            if self._given == (query, _identities(ranked)):
                return
            if palette.is_attached and palette.query_one(CommandInput).value.strip() == query:
                self._next = (query, shown, ranked)
                textual_internals.search_palette_again(palette, query)

        async def search_more() -> None:
            started = asyncio.get_running_loop().time()
            try:
                names = await db.call(partial(_names, quick=False), db, query)
                await show(names)
            except Exception:  # interrupted by the next keystroke, or a database problem the names report
                return
            if len(query) < EVIDENCE_MIN_CHARS:
                return
            await asyncio.sleep(max(0.0, EVIDENCE_DELAY_S - (asyncio.get_running_loop().time() - started)))
            try:
                hits = await db.call(_evidence, db, query)
                await show(names + hits)
            except Exception:
                return

        palette.run_worker(search_more(), group=MORE_GROUP, exclusive=True, exit_on_error=False)

    def _hits(self, ranked: list[Ranked]) -> list[Hit]:
        return [
            Hit(score, _prompt(kind, name, alias, offsets, on_alias), partial(self._open, kind, id_), text=clean(name))
            for score, kind, id_, name, alias, offsets, on_alias in ranked
        ]

    async def discover(self) -> Hits:
        db = findings_app(self).db
        try:
            top = await db.call(_top, db)
        except Exception:
            return
        for kind, id_, name, _alias, _count in top:
            yield DiscoveryHit(_prompt(kind, name, None), partial(self._open, kind, id_), text=clean(name))

    def _open(self, kind: str, item_id: str) -> None:
        findings_app(self).open(kind, item_id)
