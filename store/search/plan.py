"""Query plans: a query text (and the explorer's filter) compiled into the conditions that find its findings.

A plan is made once per query text, as-you-type mode, connection and database state (store.search.cache),
and everything that asks about the same text uses it: the explorer's counts, pages and facets, and the ranked
hits and counts of `findings search`. Compiling resolves the names of `actor:`, `region:`, `source:` and
`country:` qualifiers, checks categories, statuses, kinds and dates, and leaves out every part that names
nothing, with a note saying why and naming the nearest valid values (`notes`).

How evidence queries run (they must stay fast at a million rows):
- with words: one FTS5 `MATCH ... ORDER BY rank` on `evidence_fts`, joined to `evidence` by rowid (FTS drives,
  forced by CROSS JOIN); other conditions filter the joined rows;
- without words: newest first by the `evidence_date` index; a selective link condition (an actor, a region, a
  source, a country with few findings) drives the query instead, when that reads fewer rows (`driver`).

General and specific: `region:kherson` finds the findings about Kherson Oblast and the places within it (the
plan's own conditions: *specific*), and then, listed after them, the findings about a wider region that contains
it, such as the occupied territories as a whole, that name no part of it (`Plan.general`, a plan of its own:
*general*). A finding about "the occupied territories" is never counted, listed or ranked as one about Kherson;
callers that ignore `general` get only the specific findings. Each part runs as fast as any plan, so a region
with no wider region costs what it did before.
"""

from __future__ import annotations

import math
import re
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache

from store.query import KIND_WORDS, KINDS, MATCH_MODES, Query, Term, date_problem, has_content, parse
from store.search.cache import Cache
from store.search.errors import query_error_means_empty
from store.search.explain import Problem, describe
from store.search.names import (
    MAX_RESOLVED,
    country_code,
    named_by_key,
    named_exactly,
    resolve,
    wider_regions,
    with_descendants,
)
from store.search.tables import TABLES, marks
from store.search.variants import exact, excluded_expression, expressions
from store.text import printable

TYPE_CHECKING = False  # not typing's: `findings search` never imports typing (about 2 ms)
if TYPE_CHECKING:
    from store.search.evidence_filter import EvidenceFilter

DRIVE_ALWAYS = 5_000  # a link condition matching at most this many findings always drives the query
EVIDENCE_BM25 = f"bm25({TABLES['evidence'].weights})"
MAX_VALUE_CHECKS = 100  # category/status values outside the vocabulary looked up in the database
PLANS: Cache[Plan] = Cache(64)  # compiled queries and filters
REJECTED = "rejected"  # findings a reviewer rejected: left out unless asked for (status:rejected)


class Cond:
    """A condition on evidence `e`; `drive` (a query of evidence ids) and `est` when it can drive the query;
    `column` for a condition on one column of evidence (category, status)."""

    __slots__ = ("column", "drive", "drive_params", "est", "params", "sql")

    def __init__(
        self,
        sql: str,
        params: list,
        drive: str | None = None,
        drive_params: list | None = None,
        est: int | None = None,
        column: str | None = None,
    ) -> None:
        self.sql, self.params, self.drive, self.drive_params, self.est = sql, params, drive, drive_params or [], est
        self.column = column


class RegionScope:
    """A region condition of a plan: the regions asked for (`asked`), the condition on them and their parts
    (`cond`, the specific findings) and the wider regions that contain them (`wider`: their findings are the
    general ones)."""

    __slots__ = ("asked", "cond", "wider")

    def __init__(self, asked: list[str], cond: Cond, wider: list[str]) -> None:
        self.asked, self.cond, self.wider = tuple(asked), cond, tuple(wider)


class Plan:
    """How to find what a query asks for. Shared by every caller that asks about the same query and filter on
    the same connection: never changed once made (but for `notes`, written on first use)."""

    __slots__ = (
        "conds",
        "empty",
        "entity_exact",
        "entity_match",
        "exact",
        "exact_ids",
        "general",
        "hidden",
        "kinds",
        "match",
        "notes",
        "problems",
        "query",
        "regions",
        "typed_score",
        "variants",
    )

    def __init__(self, query: Query) -> None:
        self.query = query
        self.variants = query.variants  # words also find other scripts, spellings, word forms (not match:exact)
        self.match: str | None = query.match(exact)  # FTS5 expression over evidence_fts
        self.exact: str | None = None  # the same with the words as typed only, when it differs (store.search.variants)
        # `exact` is the one phrase of `match` in the text's own columns (a query of one term and nothing else):
        # a finding's bm25 score from those columns says whether it matched as typed (store.search.hits)
        self.typed_score = False
        # the same over actors_fts, regions_fts and sources_fts (not pruned: they are small)
        self.entity_match: str | None = self.match
        self.entity_exact: str | None = None
        self.exact_ids: dict[str, tuple[str, ...]] = {}  # kind -> ids whose name or alias is the query: listed first
        self.empty = False  # matches nothing (every part named nothing, or kind: excludes everything)
        self.conds: list[Cond] = []
        self.kinds: frozenset[str] | None = None  # from kind: qualifiers
        self.problems: tuple[Problem, ...] = ()  # the parts left out because they name nothing
        self.notes: tuple[str, ...] | None = None  # the problems described, once asked for (notes())
        self.regions: list[RegionScope] = []  # the region conditions (not negated ones) among `conds`
        # The general findings, listed after this plan's own: about a wider region as a whole (see the module
        # docstring). None when no asked region lies within another.
        self.general: Plan | None = None
        # The condition among `conds` that leaves rejected findings out, unless the query asks for them; None
        # when nothing is rejected in the database (then it costs nothing) or the query asks for them.
        self.hidden: Cond | None = None

    @property
    def scope(self) -> str | None:
        """What this plan's own findings are to the regions it asks for: 'specific', or None when it asks for
        no region (the general part's plan says 'general')."""
        return "specific" if self.regions else None

    def parts(self) -> list[Plan]:
        """The plans whose findings make this plan's list, in list order: itself, then its general part."""
        return [self] if self.general is None else [self, self.general]

    @property
    def selects_evidence(self) -> bool:
        """Whether this plan asks for anything (an empty query lists nothing in search())."""
        return self.match is not None or any(c is not self.hidden for c in self.conds)

    def copy(self) -> Plan:
        """A plan to add conditions to (this one stays as it is); its general part is made again by the caller
        (`_split_general`)."""
        other = Plan(self.query)
        other.empty, other.kinds, other.problems = self.empty, self.kinds, self.problems
        other.match, other.exact, other.typed_score = self.match, self.exact, self.typed_score
        other.entity_match, other.entity_exact, other.exact_ids = self.entity_match, self.entity_exact, self.exact_ids
        other.conds = list(self.conds)
        other.regions = list(self.regions)
        other.hidden = self.hidden
        return other

    def show_rejected(self) -> None:
        """Include rejected findings (a filter asked for them)."""
        if self.hidden is not None:
            self.conds = [c for c in self.conds if c is not self.hidden]
            self.hidden = None


class GeneralPlan(Plan):
    """The general part of a plan: the findings about a wider region as a whole (never split again)."""

    __slots__ = ()

    @property
    def scope(self) -> str | None:
        return "general"


# ------------------------------------------------------------------------------------------- the public side


@lru_cache(maxsize=256)
def parsed(text: str, as_you_type: bool = False) -> Query:
    """`store.query.parse`, once per text: the Query is shared, never change it."""
    return parse(text, as_you_type=as_you_type)


def searches_entities(query: str | Query, *, as_you_type: bool = False, asked: bool = False) -> bool:
    """Whether a query searches actors, regions and sources, not only findings: it has words and no qualifier
    that applies to findings only (`actor:china` filters findings, it does not search the list of actors).

    `asked`: the caller (or a `kind:` qualifier) asked for entities; then a query without words lists them
    too (most findings first), unless it only excludes words."""
    q = parsed(query, as_you_type) if isinstance(query, str) else query
    if q.evidence_only:
        return False
    return q.has_text or (asked and not q.excluded)


def ranked(query: str, *, as_you_type: bool = False) -> bool:
    """Whether the evidence list of a query is by relevance (it has words to match), from its text alone (no
    database): the explorer shows such a list latest added first until its ranking is read."""
    return parsed(query, as_you_type).has_text


def query_plan(conn: sqlite3.Connection, text: str, *, as_you_type: bool = False) -> Plan:
    """The compiled query, made once per text, mode, connection and database state. Raises on query errors."""
    return PLANS.get_or_make(conn, ("query", text, as_you_type), lambda: compile_query(conn, parsed(text, as_you_type)))


def plan_for(conn: sqlite3.Connection, flt: EvidenceFilter) -> Plan:
    """The plan of an evidence list: its query's plan, plus the filter's conditions when it has any."""
    base = query_plan(conn, flt.query, as_you_type=flt.as_you_type)
    if not flt.has_fields and (base.kinds is None or "evidence" in base.kinds):
        return base
    return PLANS.get_or_make(conn, ("filter", flt), lambda: _with_filter(conn, base, flt))


def notes(conn: sqlite3.Connection, text: str, *, as_you_type: bool = False) -> list[str]:
    """Why parts of a query find nothing: one line for each unknown qualifier (`colour:red`) and each value
    that names nothing (`category:financ`, `actor:nosuch`, `after:2025-13`), with the nearest valid values,
    e.g. "no category 'financ' — did you mean finance? Searched without it." Those parts are left out and
    the rest of the query runs (the lines then end "Searched without it."); a query of nothing else finds
    nothing. As you type, the last qualifier, unfinished, is left out without a note. [] when every part
    names something. Plain text holding what was typed and names from the database: show it as data.
    Never raises on `text`. Uses the plan the search made (same connection, same text); finding the
    nearest names costs 10-100 ms per misspelt actor, region or source at a million findings, once."""
    with query_error_means_empty:
        plan = query_plan(conn, text, as_you_type=as_you_type)
        if plan.notes is None:
            from store.search.spelling import no_word
            from store.search.variants import variant_note

            words = [no_word(word, options) for word, options in word_suggestions(conn, plan)]
            variants = (
                []
                if plan.empty
                else [variant_note(conn, plan.query, (plan.match, plan.exact), (plan.entity_match, plan.entity_exact))]
            )
            plan.notes = (
                # as you type, a last word too short to search yet (`0`) is no reason for the note
                *([] if as_you_type and has_content(text) else nothing_to_search(text, plan.query)),
                *_left_out(plan.query),
                *describe(conn, plan.problems, left_out=not plan.empty),
                *words,
                *filter(None, variants),
                *([] if words or plan.problems else _not_together(conn, plan)),
            )
        return list(plan.notes)
    return []


def _not_together(conn: sqlite3.Connection, plan: Plan) -> list[str]:
    """The note for words that each find something but never together (`Huawei Tencent`): without it, nothing
    said why a query of known words found nothing."""
    clauses = plan.query.clauses
    if plan.empty or len(clauses) < 2 or len(clauses) > MAX_TOGETHER_WORDS or plan.match is None:
        return []
    if not all(len(c) == 1 and _WORD_TYPED.fullmatch(c[0].text) for c in clauses):
        return []  # (words only: `http://example.org` is two terms, but no one typed two words)
    if any(c is not plan.hidden for c in plan.conds) or plan.query.excluded:
        return []  # (the words alone: with filters, the list itself says what it holds)
    probes = [("evidence", plan.match)]
    probes += [(table, plan.entity_match) for table in ("actors", "regions", "sources") if plan.entity_match]
    for table, expr in probes:
        sql = f"SELECT 1 FROM {table}_fts WHERE {table}_fts MATCH ? LIMIT 1"
        if conn.execute(sql, [expr]).fetchone() is not None:
            return []
    shown = " ".join(c[0].text for c in clauses)
    either = " OR ".join(c[0].text for c in clauses)
    return [f"each of the words {shown!r} finds something, but nothing has them all; {either!r} finds any of them"]


MAX_TOGETHER_WORDS = 8  # (a longer query is seldom meant word for word)
_WORD_TYPED = re.compile(r"[^\W\d_][^\W_'’ʼ-]*")  # letters and digits, a letter first (one run: linear)


def _left_out(query: Query) -> list[str]:
    """The note for words beyond what a query searches (store.query: 32 words, 16 alternatives, 16 exclusions):
    a pasted sentence must not look searched whole."""
    if not query.dropped:
        return []
    from store.query import MAX_CLAUSES

    return [f"only the first {MAX_CLAUSES} words are searched: {query.dropped:,} more left out (search fewer words)"]


def nothing_to_search(text: str, query: Query) -> list[str]:
    """The note for a query that holds something but nothing to search for (`!!!`, `«»`, a quote alone): no
    word, no qualifier. A U+FFFD in it is what a terminal sends that is not UTF-8 (one set to CP1251 or KOI8-R)."""
    if not query.is_empty or not text.strip():
        return []
    shown = printable(text.strip()[:40])  # one line, control characters shown
    if "\ufffd" in text:
        return ["\ufffd stands for a byte that is not UTF-8 text: is the terminal set to UTF-8?"]
    return [f"nothing to search for in '{shown}': a search needs a letter or a digit"]


def word_suggestions(conn: sqlite3.Connection, plan: Plan) -> list[tuple[str, list[str]]]:
    from store.search.spelling import word_notes

    if plan.empty or not plan.query.clauses:
        return []
    return word_notes(conn, plan.query)


# ------------------------------------------------------------------------------------------------ compiling


def _link_cond(conn: sqlite3.Connection, kind: str, ids: list[str], negated: bool = False) -> Cond:
    table, col, entity = {
        "actor": ("evidence_actors", "actor_id", "actors"),
        "region": ("evidence_regions", "region_id", "regions"),
    }[kind]
    m = marks(len(ids))
    # `+l.col`: probe by evidence id (one index seek), never by walking the actor's or region's links
    exists = f"EXISTS (SELECT 1 FROM {table} l WHERE l.evidence_id = e.id AND +l.{col} IN ({m}))"
    if negated:
        return Cond(f"NOT {exists}", list(ids))
    est = sum(r[0] for r in conn.execute(f"SELECT evidence_count FROM {entity} WHERE id IN ({m})", ids))
    distinct = "DISTINCT " if len(ids) > 1 else ""
    drive = f"SELECT {distinct}evidence_id AS id FROM {table} WHERE {col} IN ({m})"
    return Cond(exists, list(ids), drive, list(ids), est)


def _country_cond(conn: sqlite3.Connection, countries: list[str], negated: bool = False) -> Cond:
    m = marks(len(countries))
    exists = (
        "EXISTS (SELECT 1 FROM evidence_actors l CROSS JOIN actors a ON a.id = l.actor_id "
        f"WHERE l.evidence_id = e.id AND +a.country IN ({m}))"
    )
    if negated:
        return Cond(f"NOT {exists}", list(countries))
    est = conn.execute(f"SELECT sum(evidence_count) FROM actors WHERE country IN ({m})", countries).fetchone()[0]
    drive = (
        "SELECT DISTINCT l.evidence_id AS id FROM actors a CROSS JOIN evidence_actors l ON l.actor_id = a.id "
        f"WHERE a.country IN ({m})"
    )
    return Cond(exists, list(countries), drive, list(countries), est or 0)


def _source_cond(conn: sqlite3.Connection, ids: list[str], negated: bool = False) -> Cond:
    m = marks(len(ids))
    if negated:
        return Cond(f"e.source_id NOT IN ({m})", list(ids))
    est = sum(r[0] for r in conn.execute(f"SELECT evidence_count FROM sources WHERE id IN ({m})", ids))
    drive = f"SELECT id FROM evidence WHERE source_id IN ({m})"
    return Cond(f"e.source_id IN ({m})", list(ids), drive, list(ids), est)


def _in_cond(column: str, values: list[str], negated: bool = False) -> Cond:
    return Cond(f"e.{column} {'NOT IN' if negated else 'IN'} ({marks(len(values))})", list(values), column=column)


def _prefer_category_index(conds: list[Cond]) -> list[Cond]:
    """A status rarely narrows much: with a category condition, keep SQLite from choosing the status index
    (`+e.status`) so that the category index drives."""
    if not any(c.column == "category" for c in conds):
        return conds
    return [
        Cond("+" + c.sql, c.params, column=c.column) if c.column == "status" and not c.sql.startswith("+") else c
        for c in conds
    ]


def _year_cond(years: Iterable[str | int]) -> Cond | None:
    ranges, params = [], []
    for y in years:
        text = str(y).strip()
        if re.fullmatch(r"\d{4}", text):
            ranges.append("(e.date >= ? AND e.date < ?)")
            params += [text, str(int(text) + 1)]
    if not ranges:
        return None
    return Cond("(" + " OR ".join(ranges) + ")", params)


def compile_query(conn: sqlite3.Connection, q: Query) -> Plan:
    """The plan of a parsed query; its notes say which parts were left out and why."""
    q = _without_function_words(q)
    plan = Plan(q)
    _match_expressions(conn, plan)
    problems: list[Problem] = []
    if not q.clauses and q.excluded:
        plan.conds.append(
            Cond(
                "e.rowid NOT IN (SELECT rowid FROM evidence_fts WHERE evidence_fts MATCH ?)",
                [excluded_expression(q, variants=plan.variants)],
            )
        )
    problems += [(unknown.name, None) for unknown in q.unknown if not unknown.typing]
    kinds: set[str] | None = None
    single_valued: dict[tuple[str, bool], list[str]] = {}
    for qual in q.qualifiers:
        name, negated, values = qual.name, qual.negated, qual.values
        # what names nothing: told (unless still being typed), then left out
        missing: list[str] = []
        found: list[str] = []
        if name in ("actor", "region", "source"):
            ids: set[str] = set()
            for v in values:
                hits = resolve(conn, name, v)
                ids.update(hits)
                if not hits:
                    missing.append(v)
            found = sorted(ids)[:MAX_RESOLVED]
        elif name == "country":
            codes = {v: country_code(v) for v in values}
            found = sorted({c for c in codes.values() if c})
            missing = [v for v, c in codes.items() if c is None]
        elif name in ("category", "status"):
            found, missing = _known_values(conn, name, [v.lower() for v in values])
        elif name in ("after", "before"):
            found = [v for v in values if date_problem(v) is None]
            missing = [v for v in values if date_problem(v) is not None]
        elif name == "kind":
            found = sorted({KIND_WORDS[v.lower()] for v in values if v.lower() in KIND_WORDS})
            missing = [v for v in values if v.lower() not in KIND_WORDS]
        elif name == "lang":
            from store.language import language_code

            languages = {v: language_code(v) for v in values}  # as findings store them: `ukr` is `uk`
            found = sorted({c for c in languages.values() if c})
            missing = [v for v, c in languages.items() if c is None]
        elif name == "match":  # a mode, not a condition: Plan.variants has it
            missing = [v for v in values if v.lower() not in MATCH_MODES]
        if not qual.typing:
            problems += [(name, v) for v in missing]
        if not found:
            continue
        if name == "actor":
            plan.conds.append(_link_cond(conn, name, found, negated))
        elif name == "region":
            _add_region(conn, plan, found, negated)
        elif name == "country":
            plan.conds.append(_country_cond(conn, found, negated))
        elif name in ("source", "category", "status", "lang"):
            single_valued.setdefault((name, negated), []).extend(found)
        elif name in ("after", "before"):
            # "after any of these" is after the earliest (before: the latest): one comparison, however many
            # values (an OR per value made SQLite's expression tree too deep past 999 and matched nothing).
            op = ">=" if name == "after" else "<"
            bound = min(found) if name == "after" else max(found)
            plan.conds.append(Cond(f"NOT (e.date {op} ?)" if negated else f"(e.date {op} ?)", [bound]))
        elif name == "kind":
            wanted = set(KINDS) - set(found) if negated else set(found)
            kinds = wanted if kinds is None else kinds & wanted
    for (name, negated), chosen in sorted(single_valued.items()):
        chosen = sorted(set(chosen))
        if name == "source":
            plan.conds.append(_source_cond(conn, chosen, negated))
        else:
            plan.conds.append(_in_cond(name, chosen, negated))
    asks_rejected = any(
        q.name == "status" and not q.negated and any(v.lower() == REJECTED for v in q.values) for q in q.qualifiers
    )
    if not asks_rejected and _has_rejected(conn):
        plan.hidden = Cond("+e.status IS NOT ?", [REJECTED], column="status")  # "+": never the status index
        plan.conds.append(plan.hidden)
    plan.conds = _prefer_category_index(plan.conds)
    if kinds is not None:
        plan.kinds = frozenset(kinds)
        if not kinds:
            plan.empty = True
    plan.problems = tuple(dict.fromkeys(problems))
    if problems and not plan.selects_evidence and plan.kinds is None:
        plan.empty = True  # nothing but parts that name nothing: nothing to search for
    plan.exact_ids = _named_exactly(conn, q, plan.entity_match if plan.variants else None)
    _with_linked_findings(conn, plan)
    _split_general(conn, plan)
    return plan


def _has_rejected(conn: sqlite3.Connection) -> bool:
    """Whether any finding is rejected (one probe of the status index; plans are made again when the database
    changes, store.search.cache)."""
    return conn.execute("SELECT 1 FROM evidence WHERE status = ? LIMIT 1", [REJECTED]).fetchone() is not None


def _with_linked_findings(conn: sqlite3.Connection, plan: Plan) -> None:
    """A query that is an actor's or region's name in another form (`Криму`, `в Луганске`) also finds the
    findings linked to it, as the name itself does (through their linked names): marked as other spellings."""
    if not plan.variants or plan.match is None or plan.query.excluded:
        return
    if not plan.exact_ids or named_exactly(conn, " ".join(c[0].text for c in plan.query.clauses)):
        return  # the name as typed: linked names hold it already
    phrases = _name_phrases(conn, plan.exact_ids)
    if phrases:
        plan.exact = plan.exact or plan.match
        plan.match = f"({plan.match}) OR ({{linked_names}} : ({' OR '.join(phrases)}))"
        plan.typed_score = False  # a second phrase in the text's columns


def _without_function_words(q: Query) -> Query:
    """The query without clauses that are one Cyrillic function word (`в Криму` searches Криму: texts in any
    language find it, as `Криму` does), unless that is all there is or the words are to match as typed."""
    from store.matchkey import is_stop_word
    from store.scripts import has_cyrillic

    if not q.variants or len(q.clauses) < 2:
        return q

    def function_word(clause: list) -> bool:
        return (
            len(clause) == 1 and not clause[0].prefix and has_cyrillic(clause[0].text) and is_stop_word(clause[0].text)
        )

    kept = [c for c in q.clauses if not function_word(c)]
    if not kept or len(kept) == len(q.clauses):
        return q
    other = Query()
    other.clauses, other.excluded, other.qualifiers, other.unknown = kept, q.excluded, q.qualifiers, q.unknown
    other.dropped = q.dropped
    return other


def _match_expressions(conn: sqlite3.Connection, plan: Plan) -> None:
    """The plan's FTS5 expressions, with other spellings and word forms unless `match:exact`. For findings,
    key phrases the index does not hold are left out (one probe each): an English database searches as if
    there were no keys, at no cost."""
    if not plan.variants or plan.match is None:
        return

    def held(column: str, phrases: list[str]) -> list[str]:
        if not phrases:
            return phrases
        expr = f"{{{column}}} : (" + " OR ".join(phrases) + ")"
        row = conn.execute("SELECT 1 FROM evidence_fts WHERE evidence_fts MATCH ? LIMIT 1", [expr]).fetchone()
        return phrases if row is not None else []

    plan.match, plan.exact = expressions(plan.query, variants=True, keep=held, linked=_linked_names(conn, plan.query))
    q = plan.query
    plan.typed_score = len(q.clauses) == 1 and len(q.clauses[0]) == 1 and not q.excluded
    plan.entity_match, plan.entity_exact = expressions(plan.query, variants=True)


MAX_LINKED_TERMS = 24  # words of one query looked up as an actor's or region's name in another form (as keyed)
# word -> the FTS phrases of the names it means in another form, per connection and database state: typing adds a
# word at a time, and each keystroke's plan would look every earlier word up again
LINKED_NAMES: Cache[list[str]] = Cache(1024)


def _linked_names(conn: sqlite3.Connection, q: Query) -> Callable[[Term], list[str]] | None:
    """For a query of several words: each finished word that is an actor's or region's name in another form
    (`Китаю`, `Криму`, `Ірану`) also searches that record's names in a finding's linked names, as the name itself
    does (`Китай Крим` finds the findings linked to China and Crimea; `Китаю Криму` did not). A query that is
    one name is `_with_linked_findings`'s."""
    if len(q.clauses) < 2:
        return None
    from store.matchkey import words

    looked = 0

    def linked(term: Term) -> list[str]:
        nonlocal looked
        if term.prefix or len(words(term.text)) != 1 or looked >= MAX_LINKED_TERMS:
            return []
        looked += 1
        return LINKED_NAMES.get_or_make(conn, term.text, lambda: _names_in_another_form(conn, term))

    return linked


def _names_in_another_form(conn: sqlite3.Connection, term: Term) -> list[str]:
    from store.search.variants import with_keys

    if named_exactly(conn, term.text):
        return []  # the name as typed: linked names hold it already
    return _name_phrases(
        conn, {kind: named_by_key(conn, kind, term.text, with_keys(term)) for kind in ("actor", "region")}
    )


def _name_phrases(conn: sqlite3.Connection, ids: Mapping[str, Sequence[str]]) -> list[str]:
    """The FTS5 phrases of the names of these actors and regions (kind -> ids), to search in linked names."""
    names: list[str] = []
    for kind, table in (("actor", "actors"), ("region", "regions")):
        wanted = list(ids.get(kind, ()))
        if wanted:
            sql = f"SELECT name FROM {table} WHERE id IN ({marks(len(wanted))})"
            names += [r[0] for r in conn.execute(sql, wanted)]
    return [Term(n).fts() for n in names if has_content(n)]


MAX_EXACT_IDS = 20


def _named_exactly(conn: sqlite3.Connection, q: Query, expr: str | None) -> dict[str, tuple[str, ...]]:
    """Actors, regions and sources whose id, name or alias is the query's words (`china`, `LPR`, `Крым`), or
    else, with variants, an actor or region with a name in another spelling or word form of them (`в
    Луганске`): search lists them before the others, whatever bm25 says (a long alias list must not push
    China below Genertec, nor a ministry named after the LPR above Luhansk Oblast)."""
    if not q.clauses or q.excluded or q.evidence_only or any(len(c) != 1 for c in q.clauses):
        return {}
    text = " ".join(c[0].text for c in q.clauses)
    found = named_exactly(conn, text)
    if not found and expr is not None:
        for kind in ("actor", "region"):
            ids = named_by_key(conn, kind, text, expr)
            if ids:
                found[kind] = ids
    return {kind: ids[:MAX_EXACT_IDS] for kind, ids in found.items()}


def _add_region(conn: sqlite3.Connection, plan: Plan, found: list[str], negated: bool = False) -> None:
    """The condition of `region:` (or a region chip): linked to the regions or a part of them. Not negated, it
    is a RegionScope too, whose wider regions give the plan its general part."""
    cond = _link_cond(conn, "region", with_descendants(conn, found)[:MAX_RESOLVED], negated)
    plan.conds.append(cond)
    if not negated:
        plan.regions.append(RegionScope(found, cond, wider_regions(conn, found)))


def _split_general(conn: sqlite3.Connection, plan: Plan) -> None:
    """Set `plan.general`: the same conditions, but with every region condition widened to the wider regions,
    and none of the plan's own findings (so the two parts never share a finding)."""
    plan.general = None
    if plan.empty or not any(scope.wider for scope in plan.regions):
        return
    general = GeneralPlan(plan.query)
    general.kinds, general.problems = plan.kinds, plan.problems
    general.match, general.exact, general.typed_score = plan.match, plan.exact, plan.typed_score
    general.entity_match, general.entity_exact, general.exact_ids = plan.entity_match, plan.entity_exact, plan.exact_ids
    own = {id(scope.cond) for scope in plan.regions}
    conds = [c for c in plan.conds if id(c) not in own]
    if len(plan.regions) == 1:  # the usual case: linked to a wider region, and not to the asked ones
        scope = plan.regions[0]
        conds.append(_link_cond(conn, "region", list(scope.wider)))
        conds.append(Cond(f"NOT {scope.cond.sql}", list(scope.cond.params)))
    else:  # region:a region:b: linked to a or a wider region, and to b or one, and not both specifically
        for scope in plan.regions:
            ids = [*scope.cond.params, *scope.wider] if scope.wider else list(scope.cond.params)
            conds.append(_link_cond(conn, "region", sorted(set(ids))[:MAX_RESOLVED]))
        both = " AND ".join(scope.cond.sql for scope in plan.regions)
        conds.append(Cond(f"NOT ({both})", [p for scope in plan.regions for p in scope.cond.params]))
    general.conds = _prefer_category_index(conds)
    plan.general = general


def _known_values(conn: sqlite3.Connection, column: str, values: list[str]) -> tuple[list[str], list[str]]:
    """(known, unknown) categories or statuses: in the vocabulary, or held by some finding (a database made
    with other vocabularies)."""
    from store.vocab import CATEGORIES, STATUSES

    vocabulary = CATEGORIES if column == "category" else STATUSES
    known, unknown = [], []
    checked = 0
    for v in values:
        if v in vocabulary:
            known.append(v)
            continue
        checked += 1
        sql = f"SELECT 1 FROM evidence WHERE {column} = ? LIMIT 1"
        if checked <= MAX_VALUE_CHECKS and conn.execute(sql, [v]).fetchone() is not None:
            known.append(v)
        else:
            unknown.append(v)
    return known, unknown


def _with_filter(conn: sqlite3.Connection, base: Plan, flt: EvidenceFilter) -> Plan:
    plan = base.copy()
    if plan.kinds is not None and "evidence" not in plan.kinds:
        plan.empty = True
    if plan.empty:
        return plan
    if flt.actor_ids:
        plan.conds.append(_link_cond(conn, "actor", sorted(set(flt.actor_ids))[:MAX_RESOLVED]))
    if flt.region_ids:
        _add_region(conn, plan, sorted(set(flt.region_ids))[:MAX_RESOLVED])
    if flt.categories:
        plan.conds.append(_in_cond("category", sorted(set(flt.categories))))
    if flt.statuses:
        if REJECTED in flt.statuses:
            plan.show_rejected()
        plan.conds.append(_in_cond("status", sorted(set(flt.statuses))))
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
    plan.conds = _prefer_category_index(plan.conds)
    _split_general(conn, plan)
    return plan


# ------------------------------------------------------------------------------------------- evidence SQL


def driver(plan: Plan, total: int, want: int | None) -> Cond | None:
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


def from_where(plan: Plan, drive: Cond | None, *, with_rank: bool = True) -> tuple[str, str, list]:
    """(FROM source, WHERE clause, parameters) of the evidence `e` the plan selects, `drive` first; `with_rank`:
    with the findings' bm25 weights as `f.rank` (a plan with words)."""
    params: list = []
    where: list[str] = []
    if plan.match is not None:
        source = "evidence_fts f CROSS JOIN evidence e ON e.rowid = f.rowid"
        where.append("evidence_fts MATCH ? AND f.rank MATCH ?" if with_rank else "evidence_fts MATCH ?")
        params += [plan.match, EVIDENCE_BM25] if with_rank else [plan.match]
    elif drive is not None:
        source = f"({drive.drive}) d CROSS JOIN evidence e ON e.id = d.id"
        params += drive.drive_params
    else:
        source = "evidence e"
    for cond in plan.conds:
        if cond is not drive:
            where.append(cond.sql)
            params += cond.params
    return source, (" WHERE " + " AND ".join(where)) if where else "", params


def total_estimate(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT coalesce(max(rowid), 0) FROM evidence").fetchone()[0]
