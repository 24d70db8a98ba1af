"""The search engine: one implementation for the CLI and the TUI. A query in the language of store.query is
parsed and compiled once per text (and connection, and database state), and that plan answers every question
asked about it:

- `search(conn, text)`: ranked hits of every kind (store.search.hits). With `kinds=None`, entity hits (actors,
  then regions, then sources) come before evidence hits; each group is ranked by bm25 (`score`: lower is
  better; 0.0 where the order is not by relevance). Entities are searched only when the query has words and
  no qualifier that only applies to evidence (`searches_entities`), or when `kind:` asks for them. A query of
  qualifiers alone lists evidence, newest first.
  Words also find their other scripts, spellings and word forms (`Krym` finds Крим and Криму:
  store.search.variants), ranked below the words as typed; `Hit.variant` marks a hit found only that way;
  `match:exact` in the query turns it off. Actors, regions and sources whose name or alias is the query
  (`china`, `LPR`, or that name in another form: `в Луганске`) come first, whatever their kind.
- `count(conn, text)`: a cheap count, capped.
- General and specific: a query or filter that asks for a region (`region:kherson`) lists the findings about it
  and its parts first, then the *general* ones, about a wider region that contains it as a whole (the
  occupied territories), each marked with its `scope`; `scope_counts` says how many of each
  (store.search.plan explains how).
- `list_evidence(conn, EvidenceFilter(...))`, `count_evidence`, `iter_evidence_ids`, `iter_evidence_rows`: the
  evidence list of the TUI, paged at any offset (store.search.evidence), and for exports, streamed;
  `order=ADDED` lists a search's findings latest added first, its first page in milliseconds where the ranking
  (RELEVANCE) scores every match first (`ranked`: whether a query's list is by relevance); `facets`: its counts
  by category, country, region and year (store.search.facet_counts).
- `notes(conn, text)`: why parts of the query find nothing (`no category 'financ' — did you mean finance?`);
  those parts are left out and the rest runs (store.search.explain); and words that match nothing, with the
  nearest words the database holds (`no finding, actor, region or source has 'Hauwei' — did you mean
  Huawei?`, store.search.spelling). `correction(conn, text)`: the query with the nearest valid value in place
  of each such part (`category:finance`) and the nearest word in place of each such word (`Huawei`), or None;
  `settled_notes`: the notes of an as-you-type query once its typing has stopped (the explorer's search bar).
- `resolve(conn, kind, text)`: ids whose id, name or alias is `text`, ignoring case and diacritics
  (store.search.names, which also suggests the nearest names).

Nothing here raises on what a user typed: a query the FTS engine would reject gives no results
(store.search.errors). Errors that are not about the query (a missing or damaged database) still raise.
Plans, counts, facets and list orders are remembered per connection until the database changes
(store.search.cache).

At a million findings (bench/big.db on the development machine): top 50 with snippets p95 1.03x the raw FTS5
query; first pages of any list under 20 ms; the first deep page of a filtered list 0.1-2.5 s (then ~1 ms);
count_evidence 0-1.5 s depending on the filter; a search's first page latest added first (order=ADDED, compile
included) p95 0.17x the raw query, where its ranking scores every match (0.4-0.6 s for a word in 80,000
findings); facets with no filter a few ms (kept counts), filtered ones grow with the matching findings
(`iter_facets` yields counts so far).
"""

from __future__ import annotations

from store.search.errors import query_error_means_empty
from store.search.explain import corrected, describe
from store.search.hits import CLOSE, OPEN, Hit, count, search, unmark
from store.search.names import resolve, slug, suggest, wider_regions, with_descendants
from store.search.plan import notes, query_plan, ranked, searches_entities, word_suggestions

TYPE_CHECKING = False  # not typing's: `findings search` never imports typing
if TYPE_CHECKING:
    import sqlite3

    from store.search.evidence import (
        ADDED,
        RELEVANCE,
        EvidenceRow,
        ScopeCounts,
        count_evidence,
        iter_evidence_ids,
        iter_evidence_rows,
        list_evidence,
        scope_counts,
    )
    from store.search.evidence_filter import EvidenceFilter
    from store.search.facet_counts import FACETS, FacetProgress, facets, iter_facets, total_findings


def correction(conn: sqlite3.Connection, text: str, *, as_you_type: bool = False) -> str | None:
    """`text` with each part that names nothing replaced by its nearest valid value, the rest as typed:
    `category:financ` -> `category:finance`, `actor:chna` -> `actor:china`, `yuan regoin:crimea` ->
    `yuan region:crimea`; in a comma list only the value that names nothing (`category:trade,financ` ->
    `category:trade,finance`); and each word that matches nothing replaced by the nearest word the database
    holds (`Hauwei yuan` -> `Huawei yuan`, store.search.spelling). None when nothing needs correcting, or
    nothing has a near value (dates never do). As you type, a last qualifier still being typed is left as it
    is (as `notes` leaves it out).

    The same parts as `notes` (the plan's problems and its words that match nothing), and the value put in is
    the first the note's "did you mean" names (store.search.explain.nearest, store.search.spelling): a new
    kind of problem gets its correction there. A value written in quotes keeps them. Never raises on `text`."""
    from store.search.spelling import corrected as with_words

    with query_error_means_empty:
        plan = query_plan(conn, text, as_you_type=as_you_type)
        fixed = corrected(conn, text, plan.problems) or text
        words = [(word, options[0]) for word, options in word_suggestions(conn, plan) if options]
        if words:
            fixed = with_words(fixed, words)
        return fixed if fixed != text else None
    return None


def settled_notes(conn: sqlite3.Connection, text: str) -> list[str]:
    """The notes of a query searched as you type, once you have stopped typing it (the explorer's search
    bar, left with Enter, Esc or Tab): it still finds what it found as you typed (the last word a prefix),
    so these are the as-you-type notes (`notes(..., as_you_type=True)`), plus the line for a last qualifier
    that names nothing, which was still being typed then (`china category:financ`). When the query as typed
    finds nothing at all, its last word is no prefix of anything either: the notes are those of the finished
    query, which say what that word may be (`Hauwei` — did you mean Huawei?). Never raises on `text`."""
    with query_error_means_empty:
        shown = query_plan(conn, text, as_you_type=True)
        finished = query_plan(conn, text, as_you_type=False)
        extra = [p for p in finished.problems if p not in shown.problems]
        if not extra:
            if not text[-1:].isspace() and shown.query.has_text and not search(conn, text, limit=1, as_you_type=True):
                return notes(conn, text)
            return notes(conn, text, as_you_type=True)
        return list(describe(conn, (*shown.problems, *extra), left_out=not shown.empty))
    return []


# The evidence list and facets load on first use: `findings search` needs neither (about 2 ms of start-up).
_LATER = {
    "ADDED": "evidence",
    "RELEVANCE": "evidence",
    "EvidenceFilter": "evidence_filter",
    "EvidenceRow": "evidence",
    "ScopeCounts": "evidence",
    "count_evidence": "evidence",
    "scope_counts": "evidence",
    "iter_evidence_ids": "evidence",
    "iter_evidence_rows": "evidence",
    "list_evidence": "evidence",
    "FACETS": "facet_counts",
    "facets": "facet_counts",
    "iter_facets": "facet_counts",
    "FacetProgress": "facet_counts",
    "total_findings": "facet_counts",
}


def __getattr__(name: str) -> object:
    module = _LATER.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LATER})


__all__ = [
    "ADDED",
    "CLOSE",
    "FACETS",
    "OPEN",
    "RELEVANCE",
    "EvidenceFilter",
    "EvidenceRow",
    "FacetProgress",
    "Hit",
    "ScopeCounts",
    "correction",
    "count",
    "count_evidence",
    "facets",
    "iter_evidence_ids",
    "iter_evidence_rows",
    "iter_facets",
    "list_evidence",
    "notes",
    "ranked",
    "resolve",
    "scope_counts",
    "search",
    "searches_entities",
    "settled_notes",
    "slug",
    "suggest",
    "total_findings",
    "unmark",
    "wider_regions",
    "with_descendants",
]
