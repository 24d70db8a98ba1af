"""The command palette (ctrl+p): jump to any actor, region, source or finding by fuzzy name or alias.

Candidates come from store.browse.lookup (names and aliases that contain the typed letters in order) and, for
findings, the search engine; Textual's fuzzy matcher ranks them. Every hit is built from cleaned text as
Content: the palette would otherwise read a name like `[@click=app.quit]` as markup.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from tui.app_access import findings_app
from tui.text import clean

if TYPE_CHECKING:
    from tui.db import Database

KIND_LABELS = {"actor": "actor", "region": "region", "source": "source", "evidence": "finding"}
KIND_WEIGHTS = {"actor": 1.0, "region": 1.0, "source": 0.8, "evidence": 0.6}  # names first, then long titles
MAX_HITS = 40


Candidate = tuple[str, str, str, str | None, int]  # (kind, id, name, alias, count)


def _candidates(db: Database, query: str) -> list[Candidate]:
    """(kind, id, name, alias, count) for the palette: entities by name/alias, findings by words or id."""
    from store.browse import lookup
    from store.search import search

    conn = db.conn()
    out: list[Candidate] = [(m.kind, m.id, m.name, m.alias, m.evidence_count) for m in lookup(conn, query, limit=80)]
    seen = {(kind, id_) for kind, id_, *_ in out}
    for hit in search(conn, query, kinds=["evidence"], limit=10, as_you_type=True):
        if ("evidence", hit.id) not in seen:
            out.append(("evidence", hit.id, hit.title, None, 0))
    return out


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

    async def search(self, query: str) -> Hits:
        query = query.strip()
        if not query:
            return
        db = findings_app(self).db
        try:
            candidates = await db.call(_candidates, db, query)
        except Exception as e:  # a database problem: say so in the palette rather than crash it
            if "interrupted" not in str(e):  # not just overtaken by the next letter typed
                yield Hit(0.01, Content(f"Cannot search: {clean(e)}"), lambda: None, text="error")
            return
        fuzzy = self.matcher(query).fuzzy_search
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
        scored = []
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
        for score, kind, id_, name, alias, offsets, on_alias in scored[:MAX_HITS]:
            yield Hit(
                score,
                _prompt(kind, name, alias, offsets, on_alias),
                partial(self._open, kind, id_),
                text=clean(name),
            )

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
