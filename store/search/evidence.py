"""The explorer's evidence list: the findings an EvidenceFilter selects, paged at any offset, and counted.

Deep pages: the unfiltered list reads its far half backwards from the end (the last page costs what the first
does); a filtered or searched list read past its first DEEP_PAGE rows is read once in full as rowids in list
order (8 bytes a finding, cached per connection and filter until the database changes), after which any page
is a lookup by rowid.

A list that asks for a region lists the findings about it, then the general ones (about a wider region as a
whole): two plans (store.search.plan), each paged, counted and cached on its own, read one after the other.

Orders: a list with words to match is by relevance (bm25), which scores every match before the first row comes
(0.3-1 s for a common word at a million findings); `order=ADDED` lists the same findings latest added first,
which FTS5 reads in its own order and stops after the page (a few ms): the explorer shows that first while the
ranking is read (tui.widgets.virtual_list, `set_source(..., then=...)`). A list without words is newest first
(by date) in either order.
"""

from __future__ import annotations

import sqlite3
from array import array
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass

from store.search.cache import Cache
from store.search.errors import query_error_means_empty
from store.search.evidence_filter import EvidenceFilter
from store.search.plan import EVIDENCE_BM25, Plan, driver, from_where, plan_for, total_estimate
from store.search.tables import marks

# A filtered list read past its first pages is read once in full, as the rowids in list order (8 bytes a
# finding), so that any later page costs a lookup by rowid: scrolling and jumping stay fast at a million rows.
DEEP_PAGE = 1_000
ORDERS_MAX_IDS = 4_000_000  # across the cached lists: 32 MB
COUNTS: Cache[int] = Cache(32)  # exact counts of evidence lists
ORDERS: Cache[array[int]] = Cache(32)  # list orders as rowids
RELEVANCE = "relevance"  # best match first (bm25); newest first without words
ADDED = "added"  # latest added first (the FTS index's own order: cheap at any size); newest first without words
ORDERS_BY = (RELEVANCE, ADDED)
# `sensitive`: the finding or its source is (store.sensitivity: what exports leave out), for the list's mark.
_ROW = (
    "e.rowid, e.id, e.date, e.category, e.claim, e.status, e.source_id, e.locator, "
    "(e.sensitive OR coalesce((SELECT s.sensitive FROM sources s WHERE s.id = e.source_id), 0))"
)


@dataclass
class EvidenceRow:
    id: str
    date: str | None
    category: str
    claim: str
    status: str
    source_id: str
    locator: str | None
    rowid: int
    # To the regions the list asks for: 'specific' (about them or a place within them) or 'general' (about a
    # wider region that contains them, as a whole); None when the list asks for no region.
    scope: str | None = None
    sensitive: bool = False  # the finding or its source names a witness or the like (left out of exports)


@dataclass(frozen=True)
class ScopeCounts:
    """How many findings of a list are about the regions it asks for (`specific`) and how many are about a
    wider region as a whole (`general`); `asked` and `wider` are those regions' names."""

    asked: tuple[str, ...]
    wider: tuple[str, ...]
    specific: int
    general: int

    def text(self, *, as_a_whole: bool = True) -> str:
        """`Kherson Oblast 1 · Occupied territories of Ukraine as a whole 12` (names as stored: show them through
        the text-safety table). Without `as_a_whole` the shorter `… · Occupied territories of Ukraine 12`."""
        whole = " as a whole" if as_a_whole else ""
        return f"{', '.join(self.asked)} {self.specific:,} · {', '.join(self.wider)}{whole} {self.general:,}"


def list_evidence(
    conn: sqlite3.Connection,
    flt: EvidenceFilter,
    *,
    offset: int = 0,
    limit: int = 50,
    total: int | None = None,
    order: str = RELEVANCE,
) -> list[EvidenceRow]:
    """A page of the findings that match `flt`: by relevance when the query has words, else newest first
    (undated last), then most recently added first. Fast at any offset; see the module docstring.

    With a region asked for (a `region:` qualifier or a region in `flt`), the findings about it come first and
    then, each with `scope` 'general', those about a wider region that contains it as a whole (store.search.plan),
    each part in that order.

    `total`: the number of matching findings when the caller already knows it (count_evidence, maybe on
    another connection); the unfiltered list then reads its far half from the end without counting again.

    `order`: RELEVANCE, or ADDED for the same findings latest added first (a list with words: its first page in
    a few ms however common the words, where ranking them scores every match; see the module docstring)."""
    offset, limit = max(0, int(offset)), max(0, int(limit))
    added = order == ADDED
    if limit == 0:
        return []
    with query_error_means_empty:
        plan = plan_for(conn, flt)
        if plan.empty:
            return []
        if plan.match is None and not plan.conds:
            return _walk_by_date(conn, flt, offset, limit, total)
        key: Hashable = (flt, ADDED) if added and plan.match is not None else flt
        if plan.general is None:
            return _page(conn, key, plan, offset, limit, added)
        own_key = (key, "specific")
        own = COUNTS.get(conn, own_key)
        rows: list[EvidenceRow] = []
        if own is None or offset < own:
            rows = _page(conn, own_key, plan, offset, limit, added)
            if len(rows) == limit:
                return rows
            if own is None:  # a short page ends the list, unless it began past the end
                own = offset + len(rows) if rows or offset == 0 else _count(conn, own_key, plan)
        general = _page(conn, (key, "general"), plan.general, max(0, offset - own), limit - len(rows), added)
        return rows + general
    return []


def _page(
    conn: sqlite3.Connection, key: Hashable, plan: Plan, offset: int, limit: int, added: bool = False
) -> list[EvidenceRow]:
    """A page of one plan's findings (no general part); `key` names its list in the caches; `added`: latest
    added first (ADDED)."""
    scope = plan.scope
    if offset + limit > DEEP_PAGE or ORDERS.get(conn, key) is not None:
        order = _ordered_rowids(conn, key, plan, added)
        return _rows_by_rowid(conn, order[offset : offset + limit], scope)
    if plan.match is not None:
        source, where, params = from_where(plan, None, with_rank=not added)
        sql = f"SELECT {_ROW} FROM {source}{where} ORDER BY {_match_order(added)} LIMIT ? OFFSET ?"
        return [_row(r, scope) for r in conn.execute(sql, [*params, limit, offset])]
    drive = driver(plan, total_estimate(conn), offset + limit)
    source, where, params = from_where(plan, drive)
    sql = f"SELECT {_ROW} FROM {source}{where} ORDER BY e.date DESC, e.rowid DESC LIMIT ? OFFSET ?"
    return [_row(r, scope) for r in conn.execute(sql, [*params, limit, offset])]


def _walk_by_date(
    conn: sqlite3.Connection, flt: EvidenceFilter, offset: int, limit: int, total: int | None = None
) -> list[EvidenceRow]:
    """The unfiltered list, by the date index; the far half is read backwards from the end. The first pages
    are read forwards without the count (counting reads the whole index: ~25 ms at a million findings); the
    others need it: the caller's `total`, else the one remembered for this connection, else a new count."""
    forward = f"SELECT {_ROW} FROM evidence e ORDER BY e.date DESC, e.rowid DESC LIMIT ? OFFSET ?"
    if offset + limit <= DEEP_PAGE:
        return [_row(r) for r in conn.execute(forward, [limit, offset])]
    if total is None:
        total = COUNTS.get(conn, flt)
    if total is None:
        total = count_evidence(conn, flt)
    if offset >= total:
        return []
    if offset + limit / 2 > total / 2:
        start = max(0, total - offset - limit)
        sql = f"SELECT {_ROW} FROM evidence e ORDER BY e.date ASC, e.rowid ASC LIMIT ? OFFSET ?"
        rows = [_row(r) for r in conn.execute(sql, [total - offset - start, start])]
        rows.reverse()
        return rows
    return [_row(r) for r in conn.execute(forward, [limit, offset])]


def _match_order(added: bool) -> str:
    """ORDER BY of a list with words: FTS5 reads its matches by rowid and stops after the page; `rank` (bm25)
    scores all of them first."""
    return "f.rowid DESC" if added else "f.rank"


def _ordered_sql(plan: Plan, added: bool = False) -> tuple[str, list]:
    """SELECT of the rowids of one plan's findings in list order (`added`: latest added first)."""
    if plan.match is not None and not plan.conds:
        if added:
            return "SELECT rowid FROM evidence_fts WHERE evidence_fts MATCH ? ORDER BY rowid DESC", [plan.match]
        sql = "SELECT rowid FROM evidence_fts WHERE evidence_fts MATCH ? AND rank MATCH ? ORDER BY rank"
        return sql, [plan.match, EVIDENCE_BM25]
    source, where, params = from_where(plan, driver(plan, 0, None), with_rank=not added)
    order = _match_order(added) if plan.match is not None else "e.date DESC, e.rowid DESC"
    return f"SELECT e.rowid FROM {source}{where} ORDER BY {order}", params


def _ordered_rowids(conn: sqlite3.Connection, key: Hashable, plan: Plan, added: bool = False) -> array:
    def read() -> array:
        sql, params = _ordered_sql(plan, added)
        rowids = array("q", (r[0] for r in conn.execute(sql, params)))
        COUNTS.put(conn, key, len(rowids))
        return rowids

    rowids = ORDERS.get_or_make(conn, key, read)
    ORDERS.trim(ORDERS_MAX_IDS, len)
    return rowids


def _rows_by_rowid(conn: sqlite3.Connection, rowids: Iterable[int], scope: str | None = None) -> list[EvidenceRow]:
    wanted = list(rowids)
    found: dict[int, EvidenceRow] = {}
    for i in range(0, len(wanted), 500):
        chunk = wanted[i : i + 500]
        sql = f"SELECT {_ROW} FROM evidence e WHERE e.rowid IN ({marks(len(chunk))})"
        found.update((r[0], _row(r, scope)) for r in conn.execute(sql, chunk))
    return [found[r] for r in wanted if r in found]


def _row(r: tuple, scope: str | None = None) -> EvidenceRow:
    rowid, id_, date, category, claim, status, source_id, locator, sensitive = r
    return EvidenceRow(id_, date, category, claim, status, source_id, locator, rowid, scope, bool(sensitive))


def _counted(conn: sqlite3.Connection, plan: Plan) -> int:
    """The number of one plan's findings (its general part not included)."""
    if plan.match is None and not plan.conds:
        return conn.execute("SELECT count(*) FROM evidence").fetchone()[0]
    if plan.match is not None and not plan.conds:
        sql = "SELECT count(*) FROM evidence_fts WHERE evidence_fts MATCH ?"
        return conn.execute(sql, [plan.match]).fetchone()[0]
    source, where, params = from_where(plan, driver(plan, 0, None))
    return conn.execute(f"SELECT count(*) FROM {source}{where}", params).fetchone()[0]


def _count(conn: sqlite3.Connection, key: Hashable, plan: Plan) -> int:
    """`_counted`, remembered under `key`."""
    return COUNTS.get_or_make(conn, key, lambda: _counted(conn, plan))


def count_evidence(conn: sqlite3.Connection, flt: EvidenceFilter) -> int:
    """The exact number of findings matching `flt` (with a region asked for: the specific and the general ones).

    Cost: no filter, `SELECT count(*)`; words only, a count of the FTS matches; with conditions, the smallest
    linked set (an actor's, a region's, a source's findings) is read and the other conditions tested on it;
    with only category/status/year/date conditions, their index is read (about 10-100 ms per million rows).
    Counts are remembered per connection and filter until the database changes.
    """

    def counted() -> int:
        plan = plan_for(conn, flt)
        if plan.empty:
            return 0
        if plan.general is None:
            return _counted(conn, plan)
        return _count(conn, (flt, "specific"), plan) + _count(conn, (flt, "general"), plan.general)

    with query_error_means_empty:
        return COUNTS.get_or_make(conn, flt, counted)
    return 0


def scope_counts(conn: sqlite3.Connection, flt: EvidenceFilter) -> ScopeCounts | None:
    """How the list of `flt` splits into findings about the regions it asks for and general ones (about a wider
    region as a whole), with the regions' names; None when it has no general part (no region asked for, or
    none that lies within a wider one). Costs the two counts (remembered, as count_evidence's)."""
    with query_error_means_empty:
        plan = plan_for(conn, flt)
        if plan.empty or plan.general is None:
            return None
        asked = sorted({i for scope in plan.regions for i in scope.asked})
        wider = sorted({i for scope in plan.regions for i in scope.wider} - set(asked))
        ids = asked + wider
        names = dict(conn.execute(f"SELECT id, name FROM regions WHERE id IN ({marks(len(ids))})", ids))
        return ScopeCounts(
            tuple(names.get(i, i) for i in asked),
            tuple(names.get(i, i) for i in wider),
            _count(conn, (flt, "specific"), plan),
            _count(conn, (flt, "general"), plan.general),
        )
    return None


def iter_evidence_ids(conn: sqlite3.Connection, flt: EvidenceFilter, *, batch: int = 500) -> Iterator[list[str]]:
    """Every matching evidence id, in list order (the specific findings before the general ones), in batches
    (for exports: one query per part, streamed)."""
    for rows in iter_evidence_rows(conn, flt, "e.id", batch=batch):
        yield [r[0] for r in rows]


def iter_evidence_rows(
    conn: sqlite3.Connection, flt: EvidenceFilter, columns: str, *, joins: str = "", batch: int = 500
) -> Iterator[list[tuple]]:
    """`columns` (SQL over the finding `e` and what `joins` adds to it, such as `LEFT JOIN sources src ON ...`)
    of every matching finding, in list order, in batches: an export reads each finding once, in the order the
    list walks them, rather than looking each id up again."""
    with query_error_means_empty:
        plan = plan_for(conn, flt)
        if plan.empty:
            return
        for part in plan.parts():
            source, where, params = from_where(part, driver(part, 0, None))
            order = "f.rank" if part.match is not None else "e.date DESC, e.rowid DESC"
            joined = f" {joins}" if joins else ""
            cursor = conn.execute(f"SELECT {columns} FROM {source}{joined}{where} ORDER BY {order}", params)
            while rows := cursor.fetchmany(batch):
                yield rows
