"""Validated records, as importers hand them to `store.write`.

Importers build these from files (checking every field); `store.write` turns them into rows. `origin` says
where a record came from (file, line, record), for error messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import repeat
from typing import Any


@dataclass(frozen=True, slots=True)
class Origin:
    file: str
    line: int | None = None
    record: str | None = None
    field_lines: dict[str, int] | None = field(default=None, compare=False, hash=False)

    def line_of(self, field_name: str | None) -> int | None:
        if field_name and self.field_lines and field_name in self.field_lines:
            return self.field_lines[field_name]
        return self.line


class _Draft:
    """Origin's slots without its frozen `__setattr__`: the bulk paths set a draft's slots as any object's (one
    store each, where an Origin's go through object.__setattr__), then make it the Origin it is laid out as, by
    assigning its `__class__`. The result is an Origin like any other: frozen, compared and hashed as one."""

    __slots__ = ("field_lines", "file", "line", "record")
    file: str
    line: int | None
    record: str | None
    field_lines: dict[str, int] | None


assert set(_Draft.__slots__) == set(Origin.__slots__)  # the same layout (else assigning __class__ fails)


def _origin(file: str, line: int | None, record: str | None) -> Origin:
    made = _Draft()
    made.file = file
    made.line = line
    made.record = record
    made.field_lines = None
    made.__class__ = Origin  # type: ignore[assignment]
    return made  # type: ignore[return-value]


def origins(file: str, lines: list[int], records: list[str]) -> list[Origin]:
    """`[Origin(file, line, record) for line, record in zip(lines, records)]`, made in bulk (the importers' fast
    paths) in a third of the time of the frozen dataclass's __init__ (which sets each field through
    object.__setattr__)."""
    return list(map(_origin, repeat(file), lines, records))


_new = object.__new__


@dataclass(slots=True)
class Source:
    id: str
    title: str
    publisher: str | None = None
    authors: str | None = None
    url: str | None = None
    published: str | None = None
    kind: str | None = None
    accessed: str | None = None
    notes: str | None = None
    lang: str | None = None  # ISO 639-1; None: store.write detects it from the title
    origin: Origin | None = field(default=None, compare=False)

    def row(self) -> tuple:
        return (
            self.id,
            self.title,
            self.publisher,
            self.authors,
            self.url,
            self.published,
            self.kind,
            self.accessed,
            self.notes,
            self.lang,
        )


@dataclass(slots=True)
class Actor:
    id: str
    name: str
    kind: str
    country: str | None = None
    summary: str | None = None
    role: str | None = None
    aliases: list[str] | None = None  # None: leave the stored aliases as they are
    origin: Origin | None = field(default=None, compare=False)

    def row(self) -> tuple:
        return (self.id, self.name, self.kind, self.country, self.summary, self.role)


@dataclass(slots=True)
class Region:
    id: str
    name: str
    kind: str | None = None
    iso_code: str | None = None
    parent_id: str | None = None
    occupied_since: str | None = None
    aliases: list[str] | None = None
    origin: Origin | None = field(default=None, compare=False)

    def row(self) -> tuple:
        return (self.id, self.name, self.kind, self.iso_code, self.parent_id, self.occupied_since)


@dataclass(slots=True)
class Evidence:
    id: str
    claim: str
    category: str
    source_id: str
    quote: str | None = None
    date: str | None = None
    quantity: int | float | None = None
    unit: str | None = None
    locator: str | None = None
    status: str = "unreviewed"
    confidence: str | None = None
    lang: str | None = None  # ISO 639-1; None: store.write detects it from the claim and quote
    actors: list[tuple[str, str | None]] = field(default_factory=list)  # (actor id, role)
    regions: list[str] = field(default_factory=list)
    origin: Origin | None = field(default=None, compare=False)

    def row(self) -> tuple:
        return (
            self.id,
            self.claim,
            self.quote,
            self.category,
            self.date,
            self.quantity,
            self.unit,
            self.source_id,
            self.locator,
            self.status,
            self.confidence,
            self.lang,
        )


def _plain(
    id: str, claim: str, category: str, source_id: str, status: str, file: str, line: int, record: str
) -> Evidence:
    origin = _Draft()
    origin.file = file
    origin.line = line
    origin.record = record
    origin.field_lines = None
    origin.__class__ = Origin  # type: ignore[assignment]
    made = _new(Evidence)
    made.id = id
    made.claim = claim
    made.category = category
    made.source_id = source_id
    made.status = status
    made.origin = origin  # type: ignore[assignment]
    made.quote = made.date = made.quantity = made.unit = made.locator = made.confidence = made.lang = None
    made.actors = []
    made.regions = []
    return made


def plain_evidence(
    file: str,
    ids: list[str],
    claims: list[str],
    categories: list[str],
    sources: Any,
    statuses: Any,
    lines: Any,
    records: Any,
) -> list[Evidence]:
    """`Evidence(id, claim, category, source_id, status=status, origin=Origin(file, line, record))` for each
    (every other field at its default), in bulk: what the importers' fast paths make of the commonest finding,
    the finding and its origin in one call, in about a third of the time of the two dataclasses' __init__
    (tests/test_import_chunks.py holds the two to the same result)."""
    return list(map(_plain, ids, claims, categories, sources, statuses, repeat(file), lines, records))


@dataclass(slots=True)
class Relation:
    """A relation of the native format is keyed by (subject, object, kind); one imported from FollowTheMoney by
    its FtM id (`ftm_id`), so that several can join one pair (an ownership history)."""

    subject_id: str
    object_id: str
    kind: str
    role: str | None = None
    evidence_id: str | None = None
    start: str | None = None
    end: str | None = None
    percentage: str | None = None
    ftm_id: str | None = None
    import_id: int | None = field(default=None, compare=False)  # with ftm_id: the import (file) it came from
    origin: Origin | None = field(default=None, compare=False)

    @property
    def key(self) -> tuple[str, ...]:
        if self.ftm_id is not None:
            return ("ftm", self.ftm_id)
        return (self.subject_id, self.object_id, self.kind)

    def row(self) -> tuple:
        return (
            self.subject_id,
            self.object_id,
            self.kind,
            self.role,
            self.evidence_id,
            self.start,
            self.end,
            self.percentage,
        )


@dataclass(slots=True)
class ExternalId:
    system: str  # e.g. "ftm"
    external_id: str
    kind: str  # actor, region, source, evidence, relation
    ref_id: str
    created: bool = True  # False: only linked to a record that came from elsewhere (never written through it)
    import_id: int | None = None  # the import (file) that wrote the mapping


@dataclass(slots=True)
class GazetteerEntry:
    """A place name that article tagging and FtM addresses map to regions ("Donbas" -> donetsk, luhansk)."""

    name: str
    regions: list[str]
    origin: Origin | None = field(default=None, compare=False)


@dataclass(slots=True)
class Batch:
    sources: list[Source] = field(default_factory=list)
    actors: list[Actor] = field(default_factory=list)
    regions: list[Region] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    external_ids: list[ExternalId] = field(default_factory=list)
    gazetteer: list[GazetteerEntry] = field(default_factory=list)

    def extend(self, other: Batch) -> None:
        self.sources += other.sources
        self.actors += other.actors
        self.regions += other.regions
        self.evidence += other.evidence
        self.relations += other.relations
        self.external_ids += other.external_ids
        self.gazetteer += other.gazetteer

    def __len__(self) -> int:
        return (
            len(self.sources)
            + len(self.actors)
            + len(self.regions)
            + len(self.evidence)
            + len(self.relations)
            + len(self.gazetteer)
        )
