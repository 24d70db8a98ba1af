"""What the explorer's evidence list shows: a query and the filters chosen beside it (its chips)."""

from __future__ import annotations

from dataclasses import dataclass


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

    @property
    def has_fields(self) -> bool:
        """Whether anything besides the query filters (the explorer's chips)."""
        return bool(
            self.actor_ids
            or self.region_ids
            or self.categories
            or self.countries
            or self.years
            or self.statuses
            or self.source_ids
        )

    def is_empty(self) -> bool:
        return not (self.query.strip() or self.has_fields)
