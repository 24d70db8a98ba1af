"""What the lists show, as RowSources over store/ (run in worker threads with that thread's connection)."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from store import browse
from tui.widgets.virtual_list import RowSource

if TYPE_CHECKING:
    from store.search import EvidenceFilter, EvidenceRow, ScopeCounts

SEARCH_CAP = 10_000  # entity search counts stop here ("10,000+")


def entity_query(text: str) -> str:
    """The part of a search that applies to the actor and region panes: the query when it searches them
    (store.search.searches_entities: `actor:china` filters findings, not the list of actors), else ''."""
    from store.search import searches_entities

    return text.lstrip() if searches_entities(text, as_you_type=True) else ""


class ActorSource(RowSource[browse.ActorRow]):
    """All actors in an order, or (with a query) the actors the search finds, best first."""

    def __init__(self, sort: str = "name", query: str = "") -> None:
        self.sort = sort
        self.query = query.lstrip()  # a trailing space ends the last word (store.query, as you type)
        self.key = ("actors", self.sort, self.query)

    def count(self, conn: sqlite3.Connection) -> int:
        if self.query:
            from store.search import count

            return count(conn, self.query, kind="actor", cap=SEARCH_CAP, as_you_type=True)[0]
        return browse.count_actors(conn)

    def fetch(self, conn: sqlite3.Connection, offset: int, limit: int) -> list[browse.ActorRow]:
        if self.query:
            from store.search import search

            hits = search(conn, self.query, kinds=["actor"], limit=limit, offset=offset, as_you_type=True)
            return browse.actors_by_id(conn, [h.id for h in hits])
        return browse.list_actors(conn, sort=self.sort, offset=offset, limit=limit)


class RegionSource(RowSource[browse.RegionRow]):
    def __init__(self, sort: str = "name", query: str = "") -> None:
        self.sort = sort
        self.query = query.lstrip()
        self.key = ("regions", self.sort, self.query)

    def count(self, conn: sqlite3.Connection) -> int:
        if self.query:
            from store.search import count

            return count(conn, self.query, kind="region", cap=SEARCH_CAP, as_you_type=True)[0]
        return browse.count_regions(conn)

    def fetch(self, conn: sqlite3.Connection, offset: int, limit: int) -> list[browse.RegionRow]:
        if self.query:
            from store.search import search

            hits = search(conn, self.query, kinds=["region"], limit=limit, offset=offset, as_you_type=True)
            return browse.regions_by_id(conn, [h.id for h in hits])
        return browse.list_regions(conn, sort=self.sort, offset=offset, limit=limit)


class EvidenceSource(RowSource["EvidenceRow"]):  # (a string: EvidenceRow is imported for the checker only)
    """The findings that pass an EvidenceFilter (actor ∧ region ∧ query ∧ facets)."""

    def __init__(self, flt: EvidenceFilter) -> None:
        self.filter = flt
        self.key = ("evidence", flt)
        self.total: int | None = None  # the count, once the list knows it
        # With a region asked for: how many findings are about it and how many general (store.search.ScopeCounts),
        # set with the count (before the list says it is counted)
        self.scopes: ScopeCounts | None = None

    def count(self, conn: sqlite3.Connection) -> int:
        from store.search import count_evidence, scope_counts

        n = count_evidence(conn, self.filter)
        self.scopes = scope_counts(conn, self.filter)  # the counts just made, remembered: no second count
        return n

    def note_count(self, count: int) -> None:
        self.total = count

    def fetch(self, conn: sqlite3.Connection, offset: int, limit: int) -> list[EvidenceRow]:
        from store.search import list_evidence

        # The known count lets a far page be read backwards from the end without counting again (counts are
        # remembered per connection, and this thread's connection may not have counted this list).
        return list_evidence(conn, self.filter, offset=offset, limit=limit, total=self.total)
