"""The search engine: one implementation for the CLI and the TUI. A query in the language of store.query is
parsed and compiled once per text (and connection, and database state), and that plan answers every question
asked about it:

- `search(conn, text)`: ranked hits of every kind (store.search.hits). With `kinds=None`, entity hits (actors,
  then regions, then sources) come before evidence hits; each group is ranked by bm25 (`score`: lower is
  better; 0.0 where the order is not by relevance). Entities are searched only when the query has words and
  no qualifier that only applies to evidence (`searches_entities`), or when `kind:` asks for them. A query of
  qualifiers alone lists evidence, newest first.
- `count(conn, text)`: a cheap count, capped.
- General and specific: a query or filter that asks for a region (`region:kherson`) lists the findings about it
  and its parts first, then the *general* ones, about a wider region that contains it as a whole (the
  occupied territories), each marked with its `scope`; `scope_counts` says how many of each
  (store.search.plan explains how).
- `list_evidence(conn, EvidenceFilter(...))`, `count_evidence`, `iter_evidence_ids`: the evidence list of the
  TUI, paged at any offset (store.search.evidence); `facets`: its counts by category, country, region and year
  (store.search.facet_counts).
- `notes(conn, text)`: why parts of the query find nothing (`no category 'financ' — did you mean finance?`);
  those parts are left out and the rest runs (store.search.explain).
- `resolve(conn, kind, text)`: ids whose id, name or alias is `text`, ignoring case and diacritics
  (store.search.names, which also suggests the nearest names).

Nothing here raises on what a user typed: a query the FTS engine would reject gives no results
(store.search.errors). Errors that are not about the query (a missing or damaged database) still raise.
Plans, counts, facets and list orders are remembered per connection until the database changes
(store.search.cache).

At a million findings (bench/big.db on the development machine): top 50 with snippets p95 1.03x the raw FTS5
query; first pages of any list under 20 ms; the first deep page of a filtered list 0.1-2.5 s (then ~1 ms);
count_evidence 0-1.5 s depending on the filter; facets with no filter a few ms (kept counts), filtered ones grow
with the matching findings (`iter_facets` yields counts so far).
"""

from __future__ import annotations

from store.search.hits import CLOSE, OPEN, Hit, count, search, unmark
from store.search.names import resolve, slug, suggest, wider_regions, with_descendants
from store.search.plan import notes, searches_entities

# The evidence list and facets load on first use: `findings search` needs neither (about 2 ms of start-up).
_LATER = {
    "EvidenceFilter": "evidence_filter",
    "EvidenceRow": "evidence",
    "ScopeCounts": "evidence",
    "count_evidence": "evidence",
    "scope_counts": "evidence",
    "iter_evidence_ids": "evidence",
    "list_evidence": "evidence",
    "FACETS": "facet_counts",
    "facets": "facet_counts",
    "iter_facets": "facet_counts",
    "FacetProgress": "facet_counts",
    "total_findings": "facet_counts",
}
TYPE_CHECKING = False  # not typing's: `findings search` never imports typing
if TYPE_CHECKING:
    from store.search.evidence import (
        EvidenceRow,
        ScopeCounts,
        count_evidence,
        iter_evidence_ids,
        list_evidence,
        scope_counts,
    )
    from store.search.evidence_filter import EvidenceFilter
    from store.search.facet_counts import FACETS, FacetProgress, facets, iter_facets, total_findings


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
    "CLOSE",
    "FACETS",
    "OPEN",
    "EvidenceFilter",
    "EvidenceRow",
    "FacetProgress",
    "Hit",
    "ScopeCounts",
    "count",
    "count_evidence",
    "facets",
    "iter_evidence_ids",
    "iter_facets",
    "list_evidence",
    "notes",
    "resolve",
    "scope_counts",
    "search",
    "searches_entities",
    "slug",
    "suggest",
    "total_findings",
    "unmark",
    "wider_regions",
    "with_descendants",
]
