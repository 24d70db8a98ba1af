"""Review mode's link palette: link a finding to an actor or region by name or alias, or pick one of its links to
remove. The command palette's screen with a provider of its own, finding and ranking names as the ^p palette
does (store.browse.lookup: names and aliases, in any script; tui.commands.rank: an exact name or alias first);
every hit is built from cleaned text."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from textual.command import DiscoveryHit, Hit, Hits, Provider

from tui.app_access import findings_app
from tui.commands import LOOKUP_LIMIT, Palette, _prompt, rank
from tui.text import clean

if TYPE_CHECKING:
    from tui.commands import Candidate
    from tui.db import Database
    from tui.screens.review import ReviewScreen

LINKABLE = ("actor", "region")
MAX_HITS = 30

Choice = tuple[str, str, str]  # (kind, id, name)


def link_choices(data: dict[str, Any] | None) -> list[Choice]:
    """A finding's actor and region links (store.details.evidence), for the unlink palette."""
    if not data:
        return []
    out: list[Choice] = []
    for kind, items in (("actor", data.get("actors")), ("region", data.get("regions"))):
        for item in items or ():
            out.append((kind, str(item.get("id")), str(item.get("name") or item.get("id"))))
    return out


def _candidates(db: Database, query: str) -> list[Candidate]:
    """Actors and regions by name or alias (store.browse.lookup, as the ^p palette asks it), with the alias that
    matched: (kind, id, name, alias, count)."""
    from store.browse import lookup

    matches = lookup(db.conn(), query, limit=LOOKUP_LIMIT + 20)
    return [(m.kind, m.id, m.name, m.alias, m.evidence_count) for m in matches if m.kind in LINKABLE]


def _top(db: Database) -> list[Candidate]:
    from store.browse import list_actors, list_regions

    conn = db.conn()
    actors: list[Candidate] = [
        ("actor", a.id, a.name, None, a.evidence_count) for a in list_actors(conn, sort="count", limit=8)
    ]
    regions: list[Candidate] = [
        ("region", r.id, r.name, None, r.evidence_count) for r in list_regions(conn, sort="count", limit=8)
    ]
    return actors + regions


class LinkProvider(Provider):
    """Actors and regions to link (or, removing, the finding's own links). Set up by `open_link_palette`."""

    evidence_id: ClassVar[str] = ""
    add: ClassVar[bool] = True
    choices: ClassVar[list[Choice]] = []

    async def _pool(self, query: str) -> list[Candidate]:
        if not self.add:
            return [(kind, ref_id, name, None, 0) for kind, ref_id, name in self.choices]
        db = findings_app(self).db
        return await db.call(_candidates, db, query) if query else await db.call(_top, db)

    async def search(self, query: str) -> Hits:
        query = query.strip()
        try:
            pool = await self._pool(query)
        except Exception as e:
            if "interrupted" not in str(e):
                from textual.content import Content

                yield Hit(0.01, Content(f"Cannot search: {clean(e)}"), lambda: None, text="error")
            return
        if not query:
            for kind, ref_id, name, _alias, _count in pool[:MAX_HITS]:
                yield Hit(1.0, _prompt(kind, name, None), partial(self._apply, kind, ref_id), text=clean(name))
            return
        for score, kind, ref_id, name, alias, offsets, on_alias in rank(query, pool, MAX_HITS):
            prompt = _prompt(kind, name, alias, offsets, on_alias)
            yield Hit(score, prompt, partial(self._apply, kind, ref_id), text=clean(name))

    async def discover(self) -> Hits:
        try:
            pool = await self._pool("")
        except Exception:
            return
        for kind, ref_id, name, _alias, _count in pool:
            yield DiscoveryHit(_prompt(kind, name, None), partial(self._apply, kind, ref_id), text=clean(name))

    def _apply(self, kind: str, ref_id: str) -> None:
        screen: ReviewScreen = self.screen  # type: ignore[assignment]  # opened from the review screen
        screen.apply_link(self.evidence_id, kind, ref_id, add=self.add)


def open_link_palette(
    screen: ReviewScreen, evidence_id: str, *, add: bool, choices: list[Choice] | None = None
) -> None:
    """Open the palette on `screen` to link `evidence_id` to an actor or region (or remove one of `choices`)."""
    provider = type(
        "LinkProvider" if add else "UnlinkProvider",
        (LinkProvider,),
        {"evidence_id": evidence_id, "add": add, "choices": list(choices or [])},
    )
    placeholder = "Link to an actor or region…" if add else "Remove which link?"
    screen.app.push_screen(Palette(providers=[provider], placeholder=placeholder))
