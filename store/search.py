"""The search engine: one implementation for the CLI and the TUI.

- `search(conn, text)`: ranked hits of every kind for a query in the language of `store.query`. With
  `kinds=None`, entity hits (actors, then regions, then sources) come before evidence hits; each group is ranked
  by bm25 (`score`: lower is better; 0.0 where the order is not by relevance). Entities are searched only when
  the query has words and no evidence-only qualifier (`actor:`, `region:`, `category:`, `source:`, `status:`,
  `after:`, `before:`), or when `kind:` asks for them. A query of qualifiers alone lists evidence, newest first.
- `list_evidence(conn, EvidenceFilter(...))`, `count_evidence`, `facets`: the evidence list of the TUI, paged at
  any offset.
- `count(conn, text)`: a cheap count, capped.
- `resolve(conn, kind, text)`: ids whose id, name or alias is `text`, ignoring case and diacritics.

Nothing here raises on what a user typed: a query the FTS engine would reject gives no results. Errors that are
not about the query (a missing or damaged database) still raise.

How evidence queries run (they must stay fast at a million rows):
- with words: one FTS5 `MATCH ... ORDER BY rank` on `evidence_fts`, joined to `evidence` by rowid (FTS drives,
  forced by CROSS JOIN); other conditions filter the joined rows; snippets are computed for the returned page only;
- without words: newest first by the `evidence_date` index; a selective link condition (an actor, a region, a
  source, a country with few findings) drives the query instead, when that reads fewer rows;
- deep pages: the unfiltered list reads its far half backwards from the end (the last page costs what the first
  does); a filtered or searched list read past its first DEEP_PAGE rows is read once in full as rowids in list
  order (8 bytes a finding, cached per connection and filter until the database changes), after which any page
  is a lookup by rowid.

At a million findings (bench/big.db on the development machine): top 50 with snippets p95 1.03x the raw FTS5
query; first pages of any list under 20 ms; the first deep page of a filtered list 0.1-2.5 s (then ~1 ms);
count_evidence 0-1.5 s depending on the filter; facets with no filter ~5-10 s (the country figure, see facets).
"""

from __future__ import annotations

import math
import re
import sqlite3
import threading
from array import array
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from store.query import KIND_WORDS, KINDS, Query, Term, fold, has_content, parse, valid_date

# Snippet markers: Unicode noncharacters, which interchanged text never contains. Should a row hold one anyway,
# its snippet is made again with a pair it does not hold, and every noncharacter is dropped from snippets.
OPEN, CLOSE = "\ufdd0", "\ufdd1"
_NONCHARACTERS = re.compile("[\ufdd0-\ufdef]")
SNIPPET_TOKENS = 16
TITLE_SNIPPET_CHARS = 240
MAX_RESOLVED = 1000
# A word in the claim counts more than in the quote, and both more than in the names of linked actors/regions.
EVIDENCE_BM25 = "bm25(4.0, 2.0, 1.0)"
DRIVE_ALWAYS = 5_000  # a link condition matching at most this many findings always drives the query

ENTITY_TABLES = {
    # kind: (table, label column, bm25 weights per FTS column)
    "actor": ("actors", "name", "10.0, 1.0, 5.0"),
    "region": ("regions", "name", "10.0, 5.0"),
    "source": ("sources", "title", "1.0"),
}
ENTITY_TEXT = {"actor": ("name", "summary", "aka"), "region": ("name", "aka"), "source": ("title",)}
_EVIDENCE_TEXT = "(e.claim || coalesce(e.quote, '') || coalesce(e.linked_names, ''))"
_HOLDS_MARKER = "(instr({text}, ?) + instr({text}, ?)) > 0"
_QUERY_ERRORS = (
    "fts5",
    "unterminated string",
    "malformed match",
    "parser stack overflow",
    "too many sql variables",
    "expression tree is too large",
    "pattern too complex",
    "string or blob too big",
)


@dataclass
class Hit:
    """One search result. `snippet` is plain text; `highlights` are [start, end) character ranges in it."""

    kind: str  # 'evidence' | 'actor' | 'region' | 'source'
    id: str
    title: str  # evidence: its claim; entities: name or title
    snippet: str
    highlights: list[tuple[int, int]]
    score: float  # bm25: lower is better; 0.0 when listed by date or evidence count
    date: str | None = None
    category: str | None = None
    status: str | None = None
    count: int | None = None  # entities: how many findings are linked to it


@dataclass(frozen=True)
class EvidenceFilter:
    """What the evidence list shows: AND across fields, OR within one. `query` uses the full query language."""

    query: str = ""
    actor_ids: tuple[str, ...] = ()
    region_ids: tuple[str, ...] = ()  # a region includes its parts (regions whose parent it is)
    categories: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()  # country (ISO 3166-1 alpha-2) of a linked actor
    years: tuple[str | int, ...] = ()
    statuses: tuple[str, ...] = ()
    source_ids: tuple[str, ...] = ()
    as_you_type: bool = False  # the query's last word is a prefix (see store.query)

    def is_empty(self) -> bool:
        return not (
            self.query.strip()
            or self.actor_ids
            or self.region_ids
            or self.categories
            or self.countries
            or self.years
            or self.statuses
            or self.source_ids
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


# ------------------------------------------------------------------------------------------------ compiling


class _Cond:
    """A condition on evidence `e`; `drive` (a query of evidence ids) and `est` when it can drive the query."""

    __slots__ = ("drive", "drive_params", "est", "params", "sql")

    def __init__(
        self,
        sql: str,
        params: list,
        drive: str | None = None,
        drive_params: list | None = None,
        est: int | None = None,
    ) -> None:
        self.sql, self.params, self.drive, self.drive_params, self.est = sql, params, drive, drive_params or [], est


class _Plan:
    """How to find the evidence a query asks for."""

    __slots__ = ("conds", "empty", "evidence_only", "kinds", "match")

    def __init__(self, match: str | None = None) -> None:
        self.empty = False  # a condition nothing can meet (an unknown actor, a bad date)
        self.match = match  # FTS5 expression over evidence_fts
        self.conds: list[_Cond] = []
        self.kinds: frozenset[str] | None = None  # from kind: qualifiers
        self.evidence_only = False  # has a qualifier that only applies to evidence

    @property
    def selects_evidence(self) -> bool:
        """Whether this plan asks for anything (an empty query lists nothing in search())."""
        return self.match is not None or bool(self.conds)


def _marks(n: int) -> str:
    return ",".join("?" * n)


def _link_cond(conn: sqlite3.Connection, kind: str, ids: list[str], negated: bool = False) -> _Cond:
    table, col, entity = {
        "actor": ("evidence_actors", "actor_id", "actors"),
        "region": ("evidence_regions", "region_id", "regions"),
    }[kind]
    marks = _marks(len(ids))
    # `+l.col`: probe by evidence id (one index seek), never by walking the actor's or region's links
    exists = f"EXISTS (SELECT 1 FROM {table} l WHERE l.evidence_id = e.id AND +l.{col} IN ({marks}))"
    if negated:
        return _Cond(f"NOT {exists}", list(ids))
    est = sum(r[0] for r in conn.execute(f"SELECT evidence_count FROM {entity} WHERE id IN ({marks})", ids))
    distinct = "DISTINCT " if len(ids) > 1 else ""
    drive = f"SELECT {distinct}evidence_id AS id FROM {table} WHERE {col} IN ({marks})"
    return _Cond(exists, list(ids), drive, list(ids), est)


def _country_cond(conn: sqlite3.Connection, countries: list[str], negated: bool = False) -> _Cond:
    marks = _marks(len(countries))
    exists = (
        "EXISTS (SELECT 1 FROM evidence_actors l CROSS JOIN actors a ON a.id = l.actor_id "
        f"WHERE l.evidence_id = e.id AND +a.country IN ({marks}))"
    )
    if negated:
        return _Cond(f"NOT {exists}", list(countries))
    est = conn.execute(f"SELECT sum(evidence_count) FROM actors WHERE country IN ({marks})", countries).fetchone()[0]
    drive = (
        "SELECT DISTINCT l.evidence_id AS id FROM actors a CROSS JOIN evidence_actors l ON l.actor_id = a.id "
        f"WHERE a.country IN ({marks})"
    )
    return _Cond(exists, list(countries), drive, list(countries), est or 0)


def _source_cond(conn: sqlite3.Connection, ids: list[str], negated: bool = False) -> _Cond:
    marks = _marks(len(ids))
    if negated:
        return _Cond(f"e.source_id NOT IN ({marks})", list(ids))
    est = sum(r[0] for r in conn.execute(f"SELECT evidence_count FROM sources WHERE id IN ({marks})", ids))
    drive = f"SELECT id FROM evidence WHERE source_id IN ({marks})"
    return _Cond(f"e.source_id IN ({marks})", list(ids), drive, list(ids), est)


def _in_cond(column: str, values: list[str], negated: bool = False, *, indexed: bool = True) -> _Cond:
    """`e.column IN (...)`; `indexed=False` keeps SQLite from choosing that column's index to drive the query."""
    col = f"e.{column}" if indexed else f"+e.{column}"
    return _Cond(f"{col} {'NOT IN' if negated else 'IN'} ({_marks(len(values))})", list(values))


def _year_cond(years: Iterable[str | int]) -> _Cond | None:
    ranges, params = [], []
    for y in years:
        text = str(y).strip()
        if re.fullmatch(r"\d{4}", text):
            ranges.append("(e.date >= ? AND e.date < ?)")
            params += [text, str(int(text) + 1)]
    if not ranges:
        return None
    return _Cond("(" + " OR ".join(ranges) + ")", params)


def with_descendants(conn: sqlite3.Connection, region_ids: Iterable[str]) -> list[str]:
    """The regions and every region within them (by parent_id), e.g. crimea -> crimea, sevastopol."""
    ids = sorted(set(region_ids))
    if not ids:
        return []
    rows = conn.execute(
        f"""WITH RECURSIVE sub(id) AS (
                SELECT id FROM regions WHERE id IN ({_marks(len(ids))})
                UNION SELECT r.id FROM regions r JOIN sub ON r.parent_id = sub.id)
            SELECT id FROM sub LIMIT {MAX_RESOLVED}""",
        ids,
    ).fetchall()
    return sorted({r[0] for r in rows} | set(ids))


def _compile(conn: sqlite3.Connection, q: Query, flt: EvidenceFilter | None = None) -> _Plan:
    plan = _Plan(match=q.match())
    if not q.clauses and q.excluded:
        plan.conds.append(
            _Cond(
                "e.rowid NOT IN (SELECT rowid FROM evidence_fts WHERE evidence_fts MATCH ?)",
                [q.excluded_match()],
            )
        )
    kinds: set[str] | None = None
    single_valued: dict[tuple[str, bool], list[str]] = {}
    for qual in q.qualifiers:
        name, negated = qual.name, qual.negated
        if name != "kind":
            plan.evidence_only = True
        cond: _Cond | None = None
        if name in ("actor", "region"):
            ids = sorted({i for v in qual.values for i in resolve(conn, name, v)})[:MAX_RESOLVED]
            if ids and name == "region":
                ids = with_descendants(conn, ids)[:MAX_RESOLVED]
            if ids:
                cond = _link_cond(conn, name, ids, negated)
            elif qual.typing or negated:
                continue  # still being typed, or excluding nothing
            else:
                plan.empty = True
                continue
        elif name == "source":
            ids = sorted({i for v in qual.values for i in resolve(conn, "source", v)})[:MAX_RESOLVED]
            if not ids:
                if not (qual.typing or negated):
                    plan.empty = True
                continue
            single_valued.setdefault(("source", negated), []).extend(ids)
            continue
        elif name in ("category", "status"):
            values = [v.lower() for v in qual.values]
            if qual.typing and not _any_evidence_with(conn, name, values):
                continue
            single_valued.setdefault((name, negated), []).extend(values)
            continue
        elif name in ("after", "before"):
            dates = [v for v in qual.values if valid_date(v)]
            if not dates:
                if not qual.typing:
                    plan.empty = True
                continue
            # "after any of these" is after the earliest (before: the latest): one comparison, however many
            # values (an OR per value made SQLite's expression tree too deep past 999 and matched nothing).
            op = ">=" if name == "after" else "<"
            bound = min(dates) if name == "after" else max(dates)
            cond = _Cond(f"NOT (e.date {op} ?)" if negated else f"(e.date {op} ?)", [bound])
        elif name == "kind":
            wanted = {KIND_WORDS[v.lower()] for v in qual.values if v.lower() in KIND_WORDS}
            if not wanted:
                if not qual.typing:
                    plan.empty = True
                continue
            if negated:
                wanted = set(KINDS) - wanted
            kinds = wanted if kinds is None else kinds & wanted
            continue
        if cond is not None:
            plan.conds.append(cond)
    has_category = any(name == "category" for name, _ in single_valued) or bool(flt and flt.categories)
    for (name, negated), values in sorted(single_valued.items()):
        values = sorted(set(values))
        if name == "source":
            plan.conds.append(_source_cond(conn, values, negated))
        else:
            # a status rarely narrows much: with a category, the category index should drive
            plan.conds.append(_in_cond(name, values, negated, indexed=not (name == "status" and has_category)))
    if kinds is not None:
        plan.kinds = frozenset(kinds)
        if not kinds:
            plan.empty = True
    if flt is not None:
        _compile_filter(conn, flt, plan)
    return plan


def _any_evidence_with(conn: sqlite3.Connection, column: str, values: list[str]) -> bool:
    sql = f"SELECT 1 FROM evidence WHERE {column} IN ({_marks(len(values))}) LIMIT 1"
    return conn.execute(sql, values).fetchone() is not None


def _compile_filter(conn: sqlite3.Connection, flt: EvidenceFilter, plan: _Plan) -> None:
    if flt.actor_ids:
        plan.conds.append(_link_cond(conn, "actor", sorted(set(flt.actor_ids))[:MAX_RESOLVED]))
    if flt.region_ids:
        plan.conds.append(_link_cond(conn, "region", with_descendants(conn, flt.region_ids)[:MAX_RESOLVED]))
    if flt.categories:
        plan.conds.append(_in_cond("category", sorted(set(flt.categories))))
    if flt.statuses:
        has_category = bool(flt.categories) or "e.category" in " ".join(c.sql for c in plan.conds)
        plan.conds.append(_in_cond("status", sorted(set(flt.statuses)), indexed=not has_category))
    if flt.source_ids:
        plan.conds.append(_source_cond(conn, sorted(set(flt.source_ids))[:MAX_RESOLVED]))
    if flt.countries:
        plan.conds.append(_country_cond(conn, sorted({c.upper() for c in flt.countries})))
    if flt.years:
        cond = _year_cond(flt.years)
        if cond is None:
            plan.empty = True
        else:
            plan.conds.append(cond)


def _plan_for(conn: sqlite3.Connection, flt: EvidenceFilter) -> _Plan:
    plan = _compile(conn, parse(flt.query, as_you_type=flt.as_you_type), flt)
    if plan.kinds is not None and "evidence" not in plan.kinds:
        plan.empty = True
    return plan


# --------------------------------------------------------------------------------------------- evidence SQL

_ROW = "e.rowid, e.id, e.date, e.category, e.claim, e.status, e.source_id, e.locator"


def _driver(plan: _Plan, total: int, want: int | None) -> _Cond | None:
    """The condition whose findings to read first, or None to walk the date index.

    `want` is how many rows of the ordered list are needed (offset + limit); None for a count (read everything).
    Driving reads the driver's findings and sorts them; walking reads the list in order and tests each row, so
    it wins when the conditions are common and only the first pages are needed.
    """
    if plan.match is not None:
        return None
    drivers = [c for c in plan.conds if c.drive is not None and c.est is not None]
    if not drivers:
        return None
    best = min(drivers, key=lambda c: c.est or 0)
    if want is None or (best.est or 0) <= DRIVE_ALWAYS or total <= 0:
        return best
    selectivity = math.prod(min(1.0, (c.est or 0) / total) for c in drivers)
    walk_cost = want / max(selectivity, 1e-9) * len(plan.conds)
    drive_cost = (best.est or 0) * (1 + len(plan.conds)) * 2
    return best if drive_cost < walk_cost else None


def _from_where(plan: _Plan, driver: _Cond | None) -> tuple[str, str, list]:
    params: list = []
    where: list[str] = []
    if plan.match is not None:
        source = "evidence_fts f CROSS JOIN evidence e ON e.rowid = f.rowid"
        where.append("evidence_fts MATCH ? AND f.rank MATCH ?")
        params += [plan.match, EVIDENCE_BM25]
    elif driver is not None:
        source = f"({driver.drive}) d CROSS JOIN evidence e ON e.id = d.id"
        params += driver.drive_params
    else:
        source = "evidence e"
    for cond in plan.conds:
        if cond is not driver:
            where.append(cond.sql)
            params += cond.params
    return source, (" WHERE " + " AND ".join(where)) if where else "", params


def _total_estimate(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT coalesce(max(rowid), 0) FROM evidence").fetchone()[0]


# Exact counts (and facets, and list orders below) already computed, for the lists the TUI pages through.
# Keyed by the connection object itself (held here, so its id cannot be reused by another connection; entries
# of closed connections are dropped) and the filter; valid while PRAGMA data_version and total_changes say
# nobody wrote.
_COUNTS: OrderedDict[tuple[sqlite3.Connection, EvidenceFilter], tuple[tuple[int, int], int]] = OrderedDict()
_COUNTS_SIZE = 32
_CACHE_LOCK = threading.Lock()
_FACETS: OrderedDict[tuple[sqlite3.Connection, tuple], tuple[tuple[int, int], dict]] = OrderedDict()


def _db_marker(conn: sqlite3.Connection) -> tuple[int, int]:
    return conn.execute("PRAGMA data_version").fetchone()[0], conn.total_changes


def _cached_count(conn: sqlite3.Connection, flt: EvidenceFilter) -> int | None:
    return _recall(_COUNTS, (conn, flt))


def _recall(cache: OrderedDict, key: tuple) -> object | None:
    """The cached value for (connection, filter), if the database has not changed since."""
    with _CACHE_LOCK:
        entry = cache.get(key)
    if entry is None or entry[0] != _db_marker(key[0]):
        return None
    return entry[1]


def _remember_count(conn: sqlite3.Connection, flt: EvidenceFilter, n: int) -> None:
    _remember(_COUNTS, (conn, flt), n, _COUNTS_SIZE)


def _remember(cache: OrderedDict, key: tuple, value: object, size: int) -> None:
    """Store in an LRU cache keyed by (connection, filter); entries of closed connections are dropped."""
    marker = _db_marker(key[0])
    with _CACHE_LOCK:  # TUI workers run in threads
        cache[key] = (marker, value)
        cache.move_to_end(key)
        for other in [k for k in cache if k[0] is not key[0]]:
            try:
                other[0].total_changes  # noqa: B018 - raises once the connection is closed
            except sqlite3.ProgrammingError:
                del cache[other]
        while len(cache) > size:
            cache.popitem(last=False)


def _is_query_error(e: sqlite3.Error) -> bool:
    message = str(e).lower()
    return any(m in message for m in _QUERY_ERRORS)


# ------------------------------------------------------------------------------------------- evidence list


def list_evidence(
    conn: sqlite3.Connection, flt: EvidenceFilter, *, offset: int = 0, limit: int = 50, total: int | None = None
) -> list[EvidenceRow]:
    """A page of the findings that match `flt`: by relevance when the query has words, else newest first
    (undated last), then most recently added first. Fast at any offset; see the module docstring.

    `total`: the number of matching findings when the caller already knows it (count_evidence, maybe on
    another connection); the unfiltered list then reads its far half from the end without counting again."""
    offset, limit = max(0, int(offset)), max(0, int(limit))
    if limit == 0:
        return []
    try:
        plan = _plan_for(conn, flt)
        if plan.empty:
            return []
        if plan.match is None and not plan.conds:
            return _walk_by_date(conn, flt, plan, offset, limit, total)
        if offset + limit > DEEP_PAGE or _recall(_ORDERS, (conn, flt)) is not None:
            order = _ordered_rowids(conn, flt, plan)
            return _rows_by_rowid(conn, order[offset : offset + limit])
        if plan.match is not None:
            source, where, params = _from_where(plan, None)
            sql = f"SELECT {_ROW} FROM {source}{where} ORDER BY f.rank LIMIT ? OFFSET ?"
            return [_row(r) for r in conn.execute(sql, [*params, limit, offset])]
        driver = _driver(plan, _total_estimate(conn), offset + limit)
        source, where, params = _from_where(plan, driver)
        sql = f"SELECT {_ROW} FROM {source}{where} ORDER BY e.date DESC, e.rowid DESC LIMIT ? OFFSET ?"
        return [_row(r) for r in conn.execute(sql, [*params, limit, offset])]
    except sqlite3.OperationalError as e:
        if _is_query_error(e):
            return []
        raise


def _walk_by_date(
    conn: sqlite3.Connection, flt: EvidenceFilter, plan: _Plan, offset: int, limit: int, total: int | None = None
) -> list:
    """The unfiltered list, by the date index; the far half is read backwards from the end. The first pages
    are read forwards without the count (counting reads the whole index: ~25 ms at a million findings); the
    others need it: the caller's `total`, else the one remembered for this connection, else a new count."""
    forward = f"SELECT {_ROW} FROM evidence e ORDER BY e.date DESC, e.rowid DESC LIMIT ? OFFSET ?"
    if offset + limit <= DEEP_PAGE:
        return [_row(r) for r in conn.execute(forward, [limit, offset])]
    if total is None:
        total = _cached_count(conn, flt)
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


# A filtered list read past its first pages is read once in full, as the rowids in list order (8 bytes a
# finding), so that any later page costs a lookup by rowid: scrolling and jumping stay fast at a million rows.
DEEP_PAGE = 1_000
_ORDERS: OrderedDict[tuple[sqlite3.Connection, EvidenceFilter], tuple[tuple[int, int], array]] = OrderedDict()
_ORDERS_MAX_IDS = 4_000_000  # across the cached lists: 32 MB


def _ordered_rowids(conn: sqlite3.Connection, flt: EvidenceFilter, plan: _Plan) -> array:
    key = (conn, flt)
    cached = _recall(_ORDERS, key)
    if cached is not None:
        return cached  # type: ignore[return-value]
    if plan.match is not None and not plan.conds:
        sql = "SELECT rowid FROM evidence_fts WHERE evidence_fts MATCH ? AND rank MATCH ? ORDER BY rank"
        params: list = [plan.match, EVIDENCE_BM25]
    else:
        source, where, params = _from_where(plan, _driver(plan, 0, None))
        order = "f.rank" if plan.match is not None else "e.date DESC, e.rowid DESC"
        sql = f"SELECT e.rowid FROM {source}{where} ORDER BY {order}"
    rowids = array("q", (r[0] for r in conn.execute(sql, params)))
    _remember(_ORDERS, key, rowids, _COUNTS_SIZE)
    _remember_count(conn, flt, len(rowids))
    with _CACHE_LOCK:
        while sum(len(v[1]) for v in _ORDERS.values()) > _ORDERS_MAX_IDS and len(_ORDERS) > 1:
            _ORDERS.popitem(last=False)
    return rowids


def _rows_by_rowid(conn: sqlite3.Connection, rowids: Iterable[int]) -> list[EvidenceRow]:
    wanted = list(rowids)
    found: dict[int, EvidenceRow] = {}
    for i in range(0, len(wanted), 500):
        chunk = wanted[i : i + 500]
        sql = f"SELECT {_ROW} FROM evidence e WHERE e.rowid IN ({_marks(len(chunk))})"
        found.update((r[0], _row(r)) for r in conn.execute(sql, chunk))
    return [found[r] for r in wanted if r in found]


def _row(r: tuple) -> EvidenceRow:
    rowid, id_, date, category, claim, status, source_id, locator = r
    return EvidenceRow(id_, date, category, claim, status, source_id, locator, rowid)


def count_evidence(conn: sqlite3.Connection, flt: EvidenceFilter) -> int:
    """The exact number of findings matching `flt`.

    Cost: no filter, `SELECT count(*)`; words only, a count of the FTS matches; with conditions, the smallest
    linked set (an actor's, a region's, a source's findings) is read and the other conditions tested on it;
    with only category/status/year/date conditions, their index is read (about 10-100 ms per million rows).
    Counts are remembered per connection and filter until the database changes.
    """
    try:
        cached = _cached_count(conn, flt)
        if cached is not None:
            return cached
        plan = _plan_for(conn, flt)
        if plan.empty:
            n = 0
        elif plan.match is None and not plan.conds:
            n = conn.execute("SELECT count(*) FROM evidence").fetchone()[0]
        elif plan.match is not None and not plan.conds:
            n = conn.execute("SELECT count(*) FROM evidence_fts WHERE evidence_fts MATCH ?", [plan.match]).fetchone()[0]
        else:
            source, where, params = _from_where(plan, _driver(plan, 0, None))
            n = conn.execute(f"SELECT count(*) FROM {source}{where}", params).fetchone()[0]
        _remember_count(conn, flt, n)
        return n
    except sqlite3.OperationalError as e:
        if _is_query_error(e):
            return 0
        raise


def count_evidence_capped(conn: sqlite3.Connection, flt: EvidenceFilter, cap: int = 10_000) -> tuple[int, bool]:
    """(n, capped): like count_evidence, but stops after `cap` + 1 rows; capped means "more than n"."""
    cap = max(0, int(cap))
    try:
        cached = _cached_count(conn, flt)
        if cached is not None:
            return min(cached, cap), cached > cap
        plan = _plan_for(conn, flt)
        if plan.empty:
            return 0, False
        source, where, params = _from_where(plan, _driver(plan, 0, None))
        n = conn.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM {source}{where} LIMIT ?)", [*params, cap + 1]
        ).fetchone()[0]
        return min(n, cap), n > cap
    except sqlite3.OperationalError as e:
        if _is_query_error(e):
            return 0, False
        raise


def iter_evidence_ids(conn: sqlite3.Connection, flt: EvidenceFilter, *, batch: int = 500) -> Iterator[list[str]]:
    """Every matching evidence id, in list order, in batches (for exports: one query, streamed)."""
    try:
        plan = _plan_for(conn, flt)
        if plan.empty:
            return
        driver = _driver(plan, 0, None)
        source, where, params = _from_where(plan, driver)
        order = "f.rank" if plan.match is not None else "e.date DESC, e.rowid DESC"
        cursor = conn.execute(f"SELECT e.id FROM {source}{where} ORDER BY {order}", params)
        while rows := cursor.fetchmany(batch):
            yield [r[0] for r in rows]
    except sqlite3.OperationalError as e:
        if _is_query_error(e):
            return
        raise


FACETS = ("category", "country", "region", "year")


def facets(
    conn: sqlite3.Connection, flt: EvidenceFilter, *, only: Iterable[str] | None = None
) -> dict[str, list[tuple[str, int]]]:
    """Counts of the findings matching `flt` by 'category', 'country' (of a linked actor, ISO alpha-2),
    'region' (region id) and 'year'. Years are newest first; the others by count, largest first. `only` limits
    the work to some of them (the others come back empty).

    Cost grows with the number of matching findings (every match is read once). With no filter, category and
    year come from their indexes and region from `regions.evidence_count` (milliseconds), but country reads
    every actor link (seconds at a million findings): ask for it separately (`only=["country"]`) so the rest
    can be shown first. Results are remembered per connection and filter until the database changes.
    """
    wanted = tuple(f for f in FACETS if only is None or f in set(only))
    out: dict[str, list[tuple[str, int]]] = {f: [] for f in FACETS}
    key = (conn, (flt, wanted))
    cached = _recall(_FACETS, key)
    if cached is not None:
        return {k: list(v) for k, v in cached.items()}  # type: ignore[attr-defined]
    try:
        plan = _plan_for(conn, flt)
        if plan.empty or not wanted:
            return out
        if plan.match is None and not plan.conds:
            parts = {
                "category": "SELECT 'category', category, count(*) FROM evidence GROUP BY category",
                "year": "SELECT 'year', substr(date, 1, 4), count(*) FROM evidence "
                "WHERE date IS NOT NULL GROUP BY substr(date, 1, 4)",
                "region": "SELECT 'region', id, evidence_count FROM regions WHERE evidence_count > 0",
                "country": "SELECT 'country', a.country, count(DISTINCT l.evidence_id) "
                "FROM evidence_actors l JOIN actors a ON a.id = l.actor_id "
                "WHERE a.country IS NOT NULL GROUP BY a.country",
            }
            rows = conn.execute(" UNION ALL ".join(parts[f] for f in wanted)).fetchall()
        else:
            source, where, params = _from_where(plan, _driver(plan, 0, None))
            parts = {
                "category": "SELECT 'category', category, count(*) FROM m GROUP BY category",
                "year": "SELECT 'year', substr(date, 1, 4), count(*) FROM m "
                "WHERE date IS NOT NULL GROUP BY substr(date, 1, 4)",
                "region": "SELECT 'region', r.region_id, count(*) FROM m "
                "CROSS JOIN evidence_regions r ON r.evidence_id = m.id GROUP BY r.region_id",
                "country": "SELECT 'country', a.country, count(DISTINCT m.id) FROM m "
                "CROSS JOIN evidence_actors l ON l.evidence_id = m.id CROSS JOIN actors a ON a.id = l.actor_id "
                "WHERE a.country IS NOT NULL GROUP BY a.country",
            }
            rows = conn.execute(
                "WITH m AS MATERIALIZED (SELECT e.id AS id, e.category AS category, e.date AS date "
                f"FROM {source}{where}) " + " UNION ALL ".join(parts[f] for f in wanted),
                params,
            ).fetchall()
    except sqlite3.OperationalError as e:
        if _is_query_error(e):
            return out
        raise
    for facet, value, n in rows:
        if value is not None and n:
            out[facet].append((str(value), n))
    for facet, values in out.items():
        if facet == "year":
            values.sort(key=lambda v: v[0], reverse=True)
        else:
            values.sort(key=lambda v: (-v[1], v[0]))
    _remember(_FACETS, key, {k: list(v) for k, v in out.items()}, _COUNTS_SIZE)
    return out


# ----------------------------------------------------------------------------------------------- search()


def search(
    conn: sqlite3.Connection,
    text: str,
    *,
    kinds: Iterable[str] | None = None,
    limit: int = 50,
    offset: int = 0,
    as_you_type: bool = False,
) -> list[Hit]:
    """Hits for a query, entities (actors, regions, sources) first, then evidence; see the module docstring.

    `kinds` restricts the result to some of 'actor', 'region', 'source', 'evidence' (as `kind:` does).
    `offset`/`limit` page through the concatenated groups. An empty query gives no hits. Never raises on `text`.
    """
    offset, limit = max(0, int(offset)), max(0, int(limit))
    if limit == 0:
        return []
    try:
        q = parse(text, as_you_type=as_you_type)
        if q.is_empty:
            return []
        plan = _compile(conn, q)
        if plan.empty:
            return []
        groups = _groups(q, plan, kinds)
        hits: list[Hit] = []
        need, skip = limit, offset
        for group in groups:
            if need <= 0:
                break
            rows = _fetch_group(conn, group, q, plan, skip, need)
            if rows:
                hits += rows
                need -= len(rows)
                skip = 0
            elif skip:
                skip -= min(skip, _count_group(conn, group, q, plan, skip))
        return hits
    except sqlite3.OperationalError as e:
        if _is_query_error(e):
            return []
        raise


def count(
    conn: sqlite3.Connection, text: str, *, kind: str = "evidence", cap: int = 10_000, as_you_type: bool = False
) -> tuple[int, bool]:
    """(n, capped): how many hits of `kind` the query has, counting at most `cap` + 1 (capped: more than n)."""
    cap = max(0, int(cap))
    try:
        q = parse(text, as_you_type=as_you_type)
        if q.is_empty:
            return 0, False
        plan = _compile(conn, q)
        if plan.empty or kind not in _groups(q, plan, [kind]):
            return 0, False
        n = _count_group(conn, kind, q, plan, cap + 1)
        return min(n, cap), n > cap
    except sqlite3.OperationalError as e:
        if _is_query_error(e):
            return 0, False
        raise


def _groups(q: Query, plan: _Plan, kinds: Iterable[str] | None) -> list[str]:
    wanted = set(KINDS) if kinds is None else {k for k in kinds if k in KINDS}
    explicit = kinds is not None or plan.kinds is not None
    if plan.kinds is not None:
        wanted &= plan.kinds
    out = []
    for kind in ("actor", "region", "source"):
        if kind in wanted and not plan.evidence_only and (q.has_text or (explicit and not q.excluded)):
            out.append(kind)
    if "evidence" in wanted and plan.selects_evidence:
        out.append("evidence")
    return out


def _fetch_group(conn: sqlite3.Connection, kind: str, q: Query, plan: _Plan, offset: int, limit: int) -> list[Hit]:
    if kind == "evidence":
        return _evidence_hits(conn, plan, offset, limit)
    table, label, weights = ENTITY_TABLES[kind]
    if plan.match is None:
        sql = f"SELECT id, {label}, evidence_count FROM {table} ORDER BY evidence_count DESC, {label} LIMIT ? OFFSET ?"
        return [Hit(kind, id_, name, name, [], 0.0, count=n) for id_, name, n in conn.execute(sql, [limit, offset])]
    text = " || ".join(f"coalesce(t.{c}, '')" for c in ENTITY_TEXT[kind])
    sql = (
        f"SELECT t.id, t.{label}, t.evidence_count, f.rank, snippet({table}_fts, -1, ?, ?, '…', 12), t.rowid, "
        f"CASE WHEN {_HOLDS_MARKER.format(text=text)} THEN {text} END "
        f"FROM {table}_fts f CROSS JOIN {table} t ON t.rowid = f.rowid "
        f"WHERE {table}_fts MATCH ? AND f.rank MATCH ? ORDER BY f.rank LIMIT ? OFFSET ?"
    )
    hits = []
    params = [OPEN, CLOSE, OPEN, CLOSE, plan.match, f"bm25({weights})", limit, offset]
    for id_, name, n, rank, marked, rowid, raw in conn.execute(sql, params):
        snippet, spans = _snippet(conn, table, rowid, plan.match, marked, raw or "", 12)
        hits.append(Hit(kind, id_, name, snippet, spans, rank, count=n))
    return hits


def _evidence_hits(conn: sqlite3.Connection, plan: _Plan, offset: int, limit: int) -> list[Hit]:
    if plan.match is not None:
        source, where, params = _from_where(plan, None)
        sql = (
            f"SELECT e.id, e.claim, e.date, e.category, e.status, f.rank, "
            f"snippet(evidence_fts, -1, ?, ?, '…', {SNIPPET_TOKENS}), e.rowid, "
            f"CASE WHEN {_HOLDS_MARKER.format(text=_EVIDENCE_TEXT)} THEN {_EVIDENCE_TEXT} END "
            f"FROM {source}{where} ORDER BY f.rank LIMIT ? OFFSET ?"
        )
        hits = []
        for id_, claim, date, category, status, rank, marked, rowid, text in conn.execute(
            sql, [OPEN, CLOSE, OPEN, CLOSE, *params, limit, offset]
        ):
            snippet, spans = _snippet(conn, "evidence", rowid, plan.match, marked, text or "", SNIPPET_TOKENS)
            hits.append(Hit("evidence", id_, claim, snippet, spans, rank, date, category, status))
        return hits
    driver = _driver(plan, _total_estimate(conn), offset + limit)
    source, where, params = _from_where(plan, driver)
    sql = (
        f"SELECT e.id, e.claim, e.date, e.category, e.status FROM {source}{where} "
        "ORDER BY e.date DESC, e.rowid DESC LIMIT ? OFFSET ?"
    )
    return [
        Hit("evidence", id_, claim, _cut(claim), [], 0.0, date, category, status)
        for id_, claim, date, category, status in conn.execute(sql, [*params, limit, offset])
    ]


def _count_group(conn: sqlite3.Connection, kind: str, q: Query, plan: _Plan, cap: int) -> int:
    if kind == "evidence":
        source, where, params = _from_where(plan, _driver(plan, 0, None))
        sql = f"SELECT count(*) FROM (SELECT 1 FROM {source}{where} LIMIT ?)"
        return conn.execute(sql, [*params, cap]).fetchone()[0]
    table = ENTITY_TABLES[kind][0]
    if plan.match is None:
        return conn.execute(f"SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT ?)", [cap]).fetchone()[0]
    sql = f"SELECT count(*) FROM (SELECT 1 FROM {table}_fts WHERE {table}_fts MATCH ? LIMIT ?)"
    return conn.execute(sql, [plan.match, cap]).fetchone()[0]


def unmark(marked: str | None, open_: str = OPEN, close: str = CLOSE) -> tuple[str, list[tuple[int, int]]]:
    """Turn a snippet marked with `open_`/`close` into plain text and [start, end) highlight ranges.

    Other noncharacters (U+FDD0-U+FDEF), and markers that do not pair up, are dropped.
    """
    if not marked:
        return "", []
    out: list[str] = []
    spans: list[tuple[int, int]] = []
    pos, start = 0, None
    last = 0
    for m in _NONCHARACTERS.finditer(marked):
        piece = marked[last : m.start()]
        out.append(piece)
        pos += len(piece)
        last = m.end()
        if m.group() == open_:
            if start is None:
                start = pos
        elif m.group() == close and start is not None:
            if pos > start:
                if spans and spans[-1][1] == start:
                    spans[-1] = (spans[-1][0], pos)
                else:
                    spans.append((start, pos))
            start = None
    out.append(marked[last:])
    return "".join(out), spans


def _snippet(
    conn: sqlite3.Connection, table: str, rowid: int, match: str, marked: str, text: str, tokens: int
) -> tuple[str, list[tuple[int, int]]]:
    """Plain snippet and highlights; remade with markers absent from `text` (the row's indexed text) when the
    row holds one of the usual markers."""
    if OPEN not in text and CLOSE not in text:
        return unmark(marked)
    free = [chr(c) for c in range(0xFDD2, 0xFDF0) if chr(c) not in text]
    if len(free) < 2:
        return unmark(_NONCHARACTERS.sub("", marked))
    open_, close = free[0], free[1]
    row = conn.execute(
        f"SELECT snippet({table}_fts, -1, ?, ?, '…', {tokens}) FROM {table}_fts "
        f"WHERE {table}_fts MATCH ? AND rowid = ?",
        [open_, close, match, rowid],
    ).fetchone()
    return unmark(row[0] if row else "", open_, close)


def _cut(text: str, limit: int = TITLE_SNIPPET_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# ---------------------------------------------------------------------------------------------- resolving

_TABLES = {"actor": ("actors", "name"), "region": ("regions", "name"), "source": ("sources", "title")}


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")


def resolve(conn: sqlite3.Connection, kind: str, text: str) -> list[str]:
    """Ids of `kind` ('actor', 'region', 'source', 'evidence') whose id, name (title, or publisher for a
    source) or an alias is `text`, ignoring case and diacritics: `zaporozhye` -> ['zaporizhzhia']."""
    text = (text or "").replace("\x00", "").strip()
    if not text or len(text) > 1000:
        return []
    try:
        if kind == "evidence":
            rows = conn.execute("SELECT id FROM evidence WHERE id IN (?, ?)", [text.lower(), slug(text)]).fetchall()
            return sorted({r[0] for r in rows})
        if kind not in _TABLES:
            return []
        table, label = _TABLES[kind]
        ids = {r[0] for r in conn.execute(f"SELECT id FROM {table} WHERE id IN (?, ?)", [text.lower(), slug(text)])}
        ids |= {r[0] for r in conn.execute(f"SELECT id FROM {table} WHERE {label} = ? COLLATE NOCASE", [text])}
        if kind == "source":
            ids |= {r[0] for r in conn.execute("SELECT id FROM sources WHERE publisher = ? COLLATE NOCASE", [text])}
        ids |= {
            r[0]
            for r in conn.execute(
                "SELECT ref_id FROM aliases WHERE kind = ? AND alias = ? COLLATE NOCASE LIMIT ?",
                [kind, text, MAX_RESOLVED],
            )
        }
        if not ids and has_content(text):
            ids = _resolve_folded(conn, kind, table, label, text)
        return sorted(ids)[:MAX_RESOLVED]
    except sqlite3.OperationalError as e:
        if _is_query_error(e):
            return []
        raise


def _resolve_folded(conn: sqlite3.Connection, kind: str, table: str, label: str, text: str) -> set[str]:
    """Names that differ from `text` only in case beyond ASCII, diacritics or spacing: found through FTS (which
    folds both), confirmed by comparing folded forms."""
    target = fold(text)
    columns = "{title}" if kind == "source" else "{name aka}"
    sql = (
        f"SELECT t.id, t.{label} FROM {table}_fts f CROSS JOIN {table} t ON t.rowid = f.rowid "
        f"WHERE {table}_fts MATCH ? LIMIT 500"
    )
    candidates = dict(conn.execute(sql, [f"{columns} : {Term(text).fts()}"]).fetchall())
    found = {id_ for id_, name in candidates.items() if fold(name) == target}
    if candidates and kind != "source":
        ids = sorted(candidates)
        rows = conn.execute(
            f"SELECT ref_id, alias FROM aliases WHERE kind = ? AND ref_id IN ({_marks(len(ids))})", [kind, *ids]
        )
        found |= {ref_id for ref_id, alias in rows if fold(alias) == target}
    return found
