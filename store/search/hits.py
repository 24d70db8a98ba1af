"""Ranked hits with snippets: `search()` and `count()`, what `findings search` and the explorer's actor and
region panes show.

Entity hits (actors, then regions, then sources) come before evidence hits; each group is ranked by bm25
(`score`: lower is better; 0.0 where the order is not by relevance). Snippets are computed for the returned
page only.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from store.query import KINDS
from store.schema import KEY_COLUMNS
from store.search.errors import query_error_means_empty
from store.search.explain import one_line
from store.search.plan import Plan, driver, from_where, query_plan, searches_entities, total_estimate
from store.search.tables import ENTITY_KINDS, TABLES, marks
from store.search.variants import highlighted, query_key_sets

# Snippet markers: Unicode noncharacters, which interchanged text never contains. Should a row hold one anyway,
# its snippet is made again with a pair it does not hold, and every noncharacter is dropped from snippets.
OPEN, CLOSE = "\ufdd0", "\ufdd1"
_NONCHARACTERS = re.compile("[\ufdd0-\ufdef]")
SNIPPET_TOKENS = 16
TITLE_SNIPPET_CHARS = 240
_HOLDS_MARKER = "(instr({text}, ?) + instr({text}, ?)) > 0"


def _indexed_text(kind: str, alias: str) -> str:
    """SQL for the text a row's FTS index holds, to check it for marker characters."""
    return "(" + " || ".join(f"coalesce({alias}.{c}, '')" for c in TABLES[kind].text) + ")"


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
    # matched only through another script, spelling or word form of the query's words (Krym -> Криму), not
    # through the words as typed (store.search.variants); its snippet then shows the words that matched
    variant: bool = False
    # evidence, to the regions the query asks for: 'specific' (about them or a place within them) or 'general'
    # (about a wider region that contains them, as a whole, listed after the specific ones); None: no region
    scope: str | None = None


def search(
    conn: sqlite3.Connection,
    text: str,
    *,
    kinds: Iterable[str] | None = None,
    limit: int = 50,
    offset: int = 0,
    as_you_type: bool = False,
) -> list[Hit]:
    """Hits for a query, entities (actors, regions, sources) first, then evidence; see store.search.

    `kinds` restricts the result to some of 'actor', 'region', 'source', 'evidence' (as `kind:` does).
    `offset`/`limit` page through the concatenated groups. An empty query gives no hits. Never raises on `text`.
    """
    offset, limit = max(0, int(offset)), max(0, int(limit))
    if limit == 0:
        return []
    with query_error_means_empty:
        plan = query_plan(conn, text, as_you_type=as_you_type)
        if plan.query.is_empty or plan.empty:
            return []
        hits: list[Hit] = []
        need, skip = limit, offset
        groups = _groups(plan, kinds)
        for group in groups:
            if need <= 0:
                break
            rows = _fetch_group(conn, group, plan, skip, need, groups)
            if rows:
                hits += rows
                need -= len(rows)
                skip = 0
            elif skip:
                skip -= min(skip, _count_group(conn, group, plan, skip, groups))
        return hits
    return []


def count(
    conn: sqlite3.Connection, text: str, *, kind: str = "evidence", cap: int = 10_000, as_you_type: bool = False
) -> tuple[int, bool]:
    """(n, capped): how many hits of `kind` the query has, counting at most `cap` + 1 (capped: more than n)."""
    cap = max(0, int(cap))
    with query_error_means_empty:
        plan = query_plan(conn, text, as_you_type=as_you_type)
        if plan.query.is_empty or plan.empty or kind not in _groups(plan, [kind]):
            return 0, False
        n = _count_group(conn, kind, plan, cap + 1)
        return min(n, cap), n > cap
    return 0, False


EXACT = "exact"  # the group of entities whose name or alias is the query, listed first (Plan.exact_ids)


def _groups(plan: Plan, kinds: Iterable[str] | None) -> list[str]:
    wanted = set(KINDS) if kinds is None else {k for k in kinds if k in KINDS}
    if plan.kinds is not None:
        wanted &= plan.kinds
    asked = kinds is not None or plan.kinds is not None
    out = [kind for kind in ENTITY_KINDS if kind in wanted and searches_entities(plan.query, asked=asked)]
    if plan.entity_match is not None and any(kind in plan.exact_ids for kind in out):
        out.insert(0, EXACT)
    # `kind:evidence` alone asks for every finding, as `kind:actor` lists every actor
    if "evidence" in wanted and (plan.selects_evidence or (plan.kinds is not None and "evidence" in plan.kinds)):
        out.append("evidence")
    return out


def _exact_kinds(plan: Plan, groups: Iterable[str] | None = None) -> list[str]:
    kinds = [k for k in ENTITY_KINDS if k in plan.exact_ids]
    return kinds if groups is None else [k for k in kinds if k in groups]


def _fetch_group(
    conn: sqlite3.Connection, kind: str, plan: Plan, offset: int, limit: int, groups: list[str] | None = None
) -> list[Hit]:
    if kind == "evidence":
        return _evidence_hits(conn, plan, offset, limit)
    if kind == EXACT:
        hits = [h for k in _exact_kinds(plan, groups) for h in _entity_hits(conn, k, plan, 0, MAX_EXACT, only=True)]
        return hits[offset : offset + limit]
    return _entity_hits(conn, kind, plan, offset, limit, only=False if groups and EXACT in groups else None)


MAX_EXACT = 100


def _entity_hits(
    conn: sqlite3.Connection, kind: str, plan: Plan, offset: int, limit: int, only: bool | None = None
) -> list[Hit]:
    """Ranked hits of one entity kind; `only`: True for just the plan's exact ids, False for all but them."""
    t = TABLES[kind]
    table, label = t.name, t.label
    match = plan.entity_match
    if match is None:
        sql = f"SELECT id, {label}, evidence_count FROM {table} ORDER BY evidence_count DESC, {label} LIMIT ? OFFSET ?"
        return [Hit(kind, id_, name, name, [], 0.0, count=n) for id_, name, n in conn.execute(sql, [limit, offset])]
    ids = list(plan.exact_ids.get(kind, ()))
    restrict, restrict_params = "", []
    if only is not None and ids:
        restrict = f" AND t.id {'IN' if only else 'NOT IN'} ({marks(len(ids))})"
        restrict_params = ids
    elif only:
        return []
    indexed = _indexed_text(kind, "t")
    sql = (
        f"SELECT t.id, t.{label}, t.evidence_count, f.rank, snippet({table}_fts, -1, ?, ?, '…', 12), t.rowid, "
        f"CASE WHEN {_HOLDS_MARKER.format(text=indexed)} THEN {indexed} END "
        f"FROM {table}_fts f CROSS JOIN {table} t ON t.rowid = f.rowid "
        f"WHERE {table}_fts MATCH ? AND f.rank MATCH ?{restrict} ORDER BY f.rank LIMIT ? OFFSET ?"
    )
    hits = []
    rowids = []
    params = [OPEN, CLOSE, OPEN, CLOSE, match, f"bm25({t.weights})", *restrict_params, limit, offset]
    for id_, name, n, rank, marked, rowid, raw in conn.execute(sql, params):
        snippet, spans = _snippet(conn, table, rowid, match, marked, raw or "", 12)
        hits.append(Hit(kind, id_, name, snippet, spans, rank, count=n))
        rowids.append(rowid)
    _mark_variants(conn, table, plan.entity_exact, plan, hits, rowids)
    if kind != "source":
        _names_not_keys(conn, table, plan, hits, rowids)
    return hits


def _names_not_keys(conn: sqlite3.Connection, table: str, plan: Plan, hits: list[Hit], rowids: list[int]) -> None:
    """An actor's or region's snippet from its name and aliases where FTS5 made it from a key column: its best
    snippet can be `knr kitai kita kitaisk …` (the matching keys hold the most matches), which is no one's word."""
    if not hits:
        return
    keyed = {
        rowid: " ".join(filter(None, keys))
        for rowid, *keys in conn.execute(
            f"SELECT rowid, {', '.join(KEY_COLUMNS)} FROM {table} WHERE rowid IN ({marks(len(rowids))})", rowids
        )
    }
    key_sets = None
    for hit, rowid in zip(hits, rowids, strict=True):
        shown = hit.snippet.replace("…", " ").split()
        if not shown or " ".join(shown) not in keyed.get(rowid, ""):
            continue
        if key_sets is None:
            key_sets = query_key_sets(plan.query)
        snippet, spans = highlighted(_entity_text(conn, table, rowid), key_sets, 80)
        hit.snippet, hit.highlights = (snippet, spans) if snippet else (hit.title, [])


# A finding's bm25 score from the text's own columns only (the matching keys weigh nothing): not 0 exactly when
# the query's one term matched as typed. A query of one term (the common case while typing) learns that from the
# search itself; `rowid IN (...)` with the exact expression would expand a prefix (`invest*`: every word it
# starts) once more, 0.6 s at a million findings.
_TYPED_SCORE = "bm25(evidence_fts, {})".format(
    ", ".join(
        "0" if column in KEY_COLUMNS else weight
        for column, weight in zip(TABLES["evidence"].text, TABLES["evidence"].weights.split(","), strict=True)
    )
)


def _one_term(plan: Plan) -> bool:
    """Whether the plan's exact expression is the one phrase its search has in the text's own columns (a query
    of one term, nothing excluded, no linked names added: Plan.typed_score)."""
    return plan.typed_score


def _mark_variants(
    conn: sqlite3.Connection,
    table: str,
    exact: str | None,
    plan: Plan,
    hits: list[Hit],
    rowids: list[int],
    as_typed: set[int] | None = None,
) -> None:
    """Mark the hits that match only through other spellings or word forms (not `exact`), and show in their
    snippets the words that matched (a snippet FTS5 made from a key column would show keys). `as_typed`: the
    rowids known to match `exact`, when the search itself said (_TYPED_SCORE)."""
    if exact is None or not hits:
        return
    if as_typed is None:
        sql = f"SELECT rowid FROM {table}_fts WHERE {table}_fts MATCH ? AND rowid IN ({marks(len(rowids))})"
        as_typed = {r[0] for r in conn.execute(sql, [exact, *rowids])}
    key_sets = None
    for hit, rowid in zip(hits, rowids, strict=True):
        if rowid in as_typed:
            continue
        hit.variant = True
        if key_sets is None:
            key_sets = query_key_sets(plan.query)
        text = hit.title if hit.kind == "evidence" or hit.kind == "source" else _entity_text(conn, table, rowid)
        snippet, spans = highlighted(text, key_sets, TITLE_SNIPPET_CHARS if hit.kind == "evidence" else 80)
        if snippet:
            hit.snippet, hit.highlights = snippet, spans


def _entity_text(conn: sqlite3.Connection, table: str, rowid: int) -> str:
    """A name and the aliases (and places) the keys of an actor or region come from."""
    columns = ("name", "aka", "places") if table == "regions" else ("name", "aka")
    row = conn.execute(f"SELECT {', '.join(columns)} FROM {table} WHERE rowid = ?", [rowid]).fetchone()
    return " ; ".join(v for v in (row or ()) if v)


def _evidence_hits(conn: sqlite3.Connection, plan: Plan, offset: int, limit: int) -> list[Hit]:
    """A page of the evidence hits: the plan's own (specific) findings, then its general part's."""
    hits = _part_hits(conn, plan, offset, limit)
    if plan.general is None or len(hits) == limit:
        return hits
    own = offset + len(hits) if hits or offset == 0 else _count_part(conn, plan, offset + 1)
    return hits + _part_hits(conn, plan.general, max(0, offset - own), limit - len(hits))


def _part_hits(conn: sqlite3.Connection, plan: Plan, offset: int, limit: int) -> list[Hit]:
    scope = plan.scope
    if plan.match is not None:
        source, where, params = from_where(plan, None)
        indexed = _indexed_text("evidence", "e")
        typed = _TYPED_SCORE if plan.exact is not None and _one_term(plan) else "NULL"
        sql = (
            f"SELECT e.id, e.claim, e.date, e.category, e.status, f.rank, "
            f"snippet(evidence_fts, -1, ?, ?, '…', {SNIPPET_TOKENS}), e.rowid, "
            f"CASE WHEN {_HOLDS_MARKER.format(text=indexed)} THEN {indexed} END, {typed} "
            f"FROM {source}{where} ORDER BY f.rank LIMIT ? OFFSET ?"
        )
        hits = []
        rowids = []
        as_typed: set[int] = set()
        for id_, claim, date, category, status, rank, marked, rowid, text, score in conn.execute(
            sql, [OPEN, CLOSE, OPEN, CLOSE, *params, limit, offset]
        ):
            snippet, spans = _snippet(conn, "evidence", rowid, plan.match, marked, text or "", SNIPPET_TOKENS)
            hits.append(Hit("evidence", id_, claim, snippet, spans, rank, date, category, status, scope=scope))
            rowids.append(rowid)
            if score:
                as_typed.add(rowid)
        _mark_variants(conn, "evidence", plan.exact, plan, hits, rowids, as_typed if typed != "NULL" else None)
        return hits
    drive = driver(plan, total_estimate(conn), offset + limit)
    source, where, params = from_where(plan, drive)
    sql = (
        f"SELECT e.id, e.claim, e.date, e.category, e.status FROM {source}{where} "
        "ORDER BY e.date DESC, e.rowid DESC LIMIT ? OFFSET ?"
    )
    return [
        Hit("evidence", id_, claim, one_line(claim, TITLE_SNIPPET_CHARS), [], 0.0, date, category, status, scope=scope)
        for id_, claim, date, category, status in conn.execute(sql, [*params, limit, offset])
    ]


def _count_part(conn: sqlite3.Connection, plan: Plan, cap: int) -> int:
    """How many of one plan's findings there are (its general part not included), counting at most `cap`."""
    source, where, params = from_where(plan, driver(plan, 0, None))
    sql = f"SELECT count(*) FROM (SELECT 1 FROM {source}{where} LIMIT ?)"
    return conn.execute(sql, [*params, cap]).fetchone()[0]


def _count_group(conn: sqlite3.Connection, kind: str, plan: Plan, cap: int, groups: list[str] | None = None) -> int:
    if kind == "evidence":
        n = _count_part(conn, plan, cap)
        if plan.general is not None and n < cap:
            n += _count_part(conn, plan.general, cap - n)
        return n
    if kind == EXACT:
        return len(_fetch_group(conn, EXACT, plan, 0, MAX_EXACT, groups))
    table = TABLES[kind].name
    if plan.entity_match is None:
        return conn.execute(f"SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT ?)", [cap]).fetchone()[0]
    sql = f"SELECT count(*) FROM (SELECT 1 FROM {table}_fts WHERE {table}_fts MATCH ? LIMIT ?)"
    n = conn.execute(sql, [plan.entity_match, cap]).fetchone()[0]
    if groups and EXACT in groups and kind in plan.exact_ids:
        n -= len([h for h in _fetch_group(conn, EXACT, plan, 0, MAX_EXACT, groups) if h.kind == kind])
    return max(0, n)


# ---------------------------------------------------------------------------------------------- snippets


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
