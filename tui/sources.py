"""What the lists show, as RowSources over store/ (run in worker threads with that thread's connection)."""

from __future__ import annotations

import bisect
import sqlite3
import threading
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
    """The findings that pass an EvidenceFilter (actor ∧ region ∧ query ∧ facets); `order`: store.search's
    RELEVANCE (best match first, the default) or ADDED (latest added first: a search's first page at once)."""

    def __init__(self, flt: EvidenceFilter, order: str = "relevance") -> None:
        self.filter = flt
        self.order = order
        self.key = ("evidence", flt) if order == "relevance" else ("evidence", flt, order)
        self.total: int | None = None  # the count, once the list knows it
        # With a region asked for: how many findings are about it and how many general (store.search.ScopeCounts),
        # set with the count (before the list says it is counted)
        self.scopes: ScopeCounts | None = None

    def count(self, conn: sqlite3.Connection) -> int:
        from store.search import EvidenceFilter, count_evidence, scope_counts

        if self.filter == EvidenceFilter():  # every finding: counted without reading them
            return browse.count_findings(conn)
        n = count_evidence(conn, self.filter)
        self.scopes = scope_counts(conn, self.filter)  # the counts just made, remembered: no second count
        return n

    def note_count(self, count: int) -> None:
        self.total = count

    def fetch(self, conn: sqlite3.Connection, offset: int, limit: int) -> list[EvidenceRow]:
        from store.search import list_evidence

        # The known count lets a far page be read backwards from the end without counting again (counts are
        # remembered per connection, and this thread's connection may not have counted this list).
        return list_evidence(conn, self.filter, offset=offset, limit=limit, total=self.total, order=self.order)


class QueueSource(RowSource["EvidenceRow"]):
    """Review mode's queue: the findings of a filter (the unreviewed ones, unless the query names a status),
    where a finding reviewed in this session keeps its row, shown as it is now, instead of closing up the list.

    `replace` records the finding as it is after a review action, at its row; one that no longer matches the
    filter (marked curated) is left out of the pages read later from the database, so the rows after it keep
    their places: a person working down the list sees every finding once."""

    def __init__(self, flt: EvidenceFilter) -> None:
        self.filter = flt
        self.key = ("queue", flt)
        self.total: int | None = None
        self.scopes: ScopeCounts | None = None
        self._lock = threading.Lock()
        self._rows: dict[int, EvidenceRow] = {}  # row -> the finding as review left it
        self._left: set[int] = set()  # of those, the rows whose finding left the filter

    def replace(self, index: int, row: EvidenceRow, *, in_filter: bool) -> None:
        with self._lock:
            self._rows[index] = row
            if in_filter:
                self._left.discard(index)
            else:
                self._left.add(index)

    def count(self, conn: sqlite3.Connection) -> int:
        from store.search import count_evidence, scope_counts

        n = count_evidence(conn, self.filter)
        self.scopes = scope_counts(conn, self.filter)
        with self._lock:
            return n + len(self._left)

    def note_count(self, count: int) -> None:
        self.total = count

    def fetch(self, conn: sqlite3.Connection, offset: int, limit: int) -> list[EvidenceRow]:
        from store.search import list_evidence

        with self._lock:
            rows, left = dict(self._rows), sorted(self._left)
        before = bisect.bisect_left(left, offset)
        inside = bisect.bisect_left(left, offset + limit) - before
        total = self.total - len(left) if self.total is not None else None
        read = iter(list_evidence(conn, self.filter, offset=offset - before, limit=limit - inside, total=total))
        out: list[EvidenceRow] = []
        left_set = set(left)
        for index in range(offset, offset + limit):
            if index in left_set:
                out.append(rows[index])
                continue
            row = next(read, None)
            if row is None:
                break
            out.append(row)  # (read after the change: as fresh as the row review kept)
        return out
