"""The command palette (ctrl+p): jump to any actor, region, source or finding by fuzzy name or alias.

Candidates come from store.browse.lookup (names and aliases that contain the typed letters in order) and, for
findings, the search engine; Textual's fuzzy matcher ranks them. Every hit is built from cleaned text as
Content: the palette would otherwise read a name like `[@click=app.quit]` as markup.

Names first: each keystroke looks up names only (a few milliseconds at a million findings), and the palette
shows them as soon as they are in. Textual's palette shows a search's hits once all of it has finished, so a
search of the findings' text (up to a second on a common word at a million) never runs inside it: it starts once
typing pauses (EVIDENCE_DELAY_S), in a worker of its own that the next keystroke cancels (its query is interrupted:
tui.db), and when it ends the palette searches again, finding the names and those findings at once.
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.command import CommandInput, CommandPalette, DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from tui import textual_internals
from tui.app_access import findings_app
from tui.text import clean

if TYPE_CHECKING:
    from textual.screen import Screen
    from textual.style import Style

    from tui.db import Database

KIND_LABELS = {"actor": "actor", "region": "region", "source": "source", "evidence": "finding"}
KIND_WEIGHTS = {"actor": 1.0, "region": 1.0, "source": 0.8, "evidence": 0.6}  # names first, then long titles
MAX_HITS = 24  # more than a palette shows; each one is a line to build and lay out on the UI thread
LOOKUP_LIMIT = 60  # names asked of store.browse.lookup, for the fuzzy matcher to rank
EVIDENCE_DELAY_S = 0.3  # typing paused this long: search the findings' text too
EVIDENCE_MIN_CHARS = 2  # a single letter finds too much to be worth a search of every finding
EVIDENCE_GROUP = "palette-evidence"


class Palette(CommandPalette):
    """Textual's command palette with a cursor that does not blink: a blinking cursor redraws itself twice a
    second for as long as the palette is open (about 1 KB a second over SSH, for nothing), as the search bar's
    does not either."""

    def on_mount(self) -> None:
        self.query_one(CommandInput).cursor_blink = False


Candidate = tuple[str, str, str, str | None, int]  # (kind, id, name, alias, count)
# (score, kind, id, name, alias, offsets of the matched letters, whether they are in the alias)
Ranked = tuple[float, str, str, str, str | None, tuple[int, ...], bool]


def _names(db: Database, query: str) -> list[Candidate]:
    """(kind, id, name, alias, count) for the palette: entities by name or alias, findings by id."""
    from store.browse import lookup

    return [(m.kind, m.id, m.name, m.alias, m.evidence_count) for m in lookup(db.conn(), query, limit=LOOKUP_LIMIT)]


def _ranked_names(db: Database, query: str, found: list[Candidate]) -> list[Ranked]:
    """The names for `query` and the findings already `found` by their text, ranked (see `rank`)."""
    candidates = _names(db, query)
    seen = {(kind, id_) for kind, id_, *_ in candidates}
    return rank(query, candidates + [c for c in found if (c[0], c[1]) not in seen])


def rank(query: str, candidates: list[Candidate]) -> list[Ranked]:
    """The best MAX_HITS candidates for `query` by Textual's fuzzy matcher (the palette's own), with the offsets of
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
    return scored[:MAX_HITS]


def _evidence(db: Database, query: str) -> list[Candidate]:
    """Findings whose text matches `query` (the search engine, as typed), best first."""
    from store.search import search

    hits = search(db.conn(), query, kinds=["evidence"], limit=10, as_you_type=True)
    return [("evidence", hit.id, hit.title, None, 0) for hit in hits]


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
        # Findings found by their text, per query, for the palette's second search (the last few queries)
        self._found: dict[str, list[Candidate]] = {}

    async def search(self, query: str) -> Hits:
        query = query.strip()
        if not query:
            return
        db = findings_app(self).db
        found = self._found.get(query)
        try:  # looked up and ranked on a database thread: the UI thread only builds the lines it shows
            ranked = await db.call(_ranked_names, db, query, found or [])
        except Exception as e:  # a database problem: say so in the palette rather than crash it
            if "interrupted" not in str(e):  # not just overtaken by the next letter typed
                yield Hit(0.01, Content(f"Cannot search: {clean(e)}"), lambda: None, text="error")
            return
        if found is None and len(query) >= EVIDENCE_MIN_CHARS:
            self._search_evidence_later(query)
        for hit in self._hits(ranked):
            yield hit

    def _search_evidence_later(self, query: str) -> None:
        """Once typing pauses, search the findings' text for `query`; then search the palette again, which shows
        them with the names. The next keystroke cancels it (a worker of the palette's, exclusive in its group)."""
        app = findings_app(self)
        palette = app.screen  # the palette (self.screen is the screen it was opened over)
        if not isinstance(palette, CommandPalette):
            return
        db = app.db
        found = self._found

        async def search_evidence() -> None:
            await asyncio.sleep(EVIDENCE_DELAY_S)
            try:
                hits = await db.call(_evidence, db, query)
            except Exception:  # interrupted by the next keystroke, or a database problem the names report
                return
            found[query] = hits
            while len(found) > 32:
                found.pop(next(iter(found)))
            if palette.is_attached and palette.query_one(CommandInput).value.strip() == query:
                textual_internals.search_palette_again(palette, query)

        palette.run_worker(search_evidence(), group=EVIDENCE_GROUP, exclusive=True, exit_on_error=False)

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
