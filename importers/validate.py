"""From parsed mappings to validated `store.records`, with errors that name file, line, record and field.

The native format (YAML or JSON) is one mapping per file:

    source:     {id, title, ...}       # optional: the default source of this file's evidence
    sources:    [{id, title, ...}]
    actors:     [{id, name, kind, country, summary, role, aliases: [...]}]
    regions:    [{id, name, kind, iso_code, parent, occupied_since, aliases: [...]}]
    evidence:   [{id, claim, category, source, quote, date, quantity, unit, locator, status, confidence,
                  actors: [id | {id, role}], regions: [id]}]
    relations:  [{subject, object, kind, role, evidence, start, end}]
    gazetteer:  [{name, regions: [id]}]   # place names that tagging maps to regions (dataset/gazetteer/)

CSV rows use the same per-record functions (with `;`-separated lists).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from store import vocab
from store.errors import DataError
from store.records import Actor, Batch, Evidence, GazetteerEntry, Origin, Region, Relation, Source

SECTIONS = ("source", "sources", "actors", "regions", "evidence", "relations", "gazetteer")

SOURCE_FIELDS = {"id", "title", "publisher", "authors", "url", "published", "kind", "accessed", "notes"}
ACTOR_FIELDS = {"id", "name", "kind", "country", "summary", "role", "aliases"}
REGION_FIELDS = {"id", "name", "kind", "iso_code", "parent", "occupied_since", "aliases"}
EVIDENCE_FIELDS = {
    "id",
    "claim",
    "quote",
    "category",
    "date",
    "quantity",
    "unit",
    "source",
    "locator",
    "status",
    "confidence",
    "actors",
    "regions",
}
RELATION_FIELDS = {"subject", "object", "kind", "role", "evidence", "start", "end"}
GAZETTEER_FIELDS = {"name", "regions"}


class Record:
    """One input mapping plus where it came from; `get` validates a field and locates any error."""

    def __init__(self, data: Mapping[str, Any], file: str, line: int | None, label: str) -> None:
        self.data = data
        self.file = file
        self.line = line
        self.label = label

    def line_of(self, key: str) -> int | None:
        line_of = getattr(self.data, "line_of", None)
        return line_of(key) if line_of else self.line

    def error(self, message: str, key: str | None = None) -> DataError:
        return DataError(
            message, file=self.file, line=self.line_of(key) if key else self.line, record=self.label, field=key
        )

    def get(self, key: str, check: Callable[[Any], Any]) -> Any:
        try:
            return check(self.data.get(key))
        except ValueError as e:
            raise self.error(str(e), key) from None

    def origin(self) -> Origin:
        key_lines = getattr(self.data, "key_lines", None)
        return Origin(self.file, self.line, self.label, dict(key_lines) if key_lines else None)

    def check_fields(self, allowed: set[str], required: tuple[str, ...]) -> None:
        for key in self.data:
            if key not in allowed:
                raise self.error(f"unknown field (expected one of: {', '.join(sorted(allowed))})", key)
        for key in required:
            if self.data.get(key) in (None, ""):
                raise self.error("is required", key)


def _text(limit: int = vocab.MAX_TEXT, required: bool = False) -> Callable[[Any], str | None]:
    return lambda v: vocab.check_text(v, limit=limit, required=required)


def _optional_id(value: Any) -> str | None:
    return None if value in (None, "") else vocab.check_id(value)


def _authors(value: Any) -> str | None:
    if isinstance(value, list):
        names = [vocab.check_text(v, limit=vocab.MAX_NAME, required=True) for v in value]
        return vocab.check_text("; ".join(n for n in names if n), limit=vocab.MAX_TITLE)
    return vocab.check_text(value, limit=vocab.MAX_TITLE)


def _list(value: Any, *, split: bool) -> list[Any]:
    if value is None or value == "":
        return []
    if isinstance(value, str) and split:
        return [part.strip() for part in value.split(";") if part.strip()]
    if not isinstance(value, list):
        raise ValueError(f"must be a list, not {vocab.type_name(value)}")
    return value


def _aliases(name: str, split: bool) -> Callable[[Any], list[str] | None]:
    def check(value: Any) -> list[str] | None:
        if value is None:
            return None
        out: list[str] = []
        seen = {name.casefold()}
        for item in _list(value, split=split):
            alias = vocab.check_text(item, limit=vocab.MAX_NAME, required=True)
            if alias and alias.casefold() not in seen:
                seen.add(alias.casefold())
                out.append(alias)
        return out

    return check


def source_from(rec: Record) -> Source:
    rec.check_fields(SOURCE_FIELDS, ("id", "title"))
    return Source(
        id=rec.get("id", vocab.check_id),
        title=rec.get("title", _text(vocab.MAX_TITLE, required=True)),
        publisher=rec.get("publisher", _text(vocab.MAX_NAME)),
        authors=rec.get("authors", _authors),
        url=rec.get("url", vocab.check_url),
        published=rec.get("published", vocab.check_date),
        kind=rec.get("kind", lambda v: vocab.check_choice(v, vocab.SOURCE_KINDS)),
        accessed=rec.get("accessed", vocab.check_date),
        notes=rec.get("notes", _text()),
        origin=rec.origin(),
    )


def actor_from(rec: Record, *, split: bool = False) -> Actor:
    rec.check_fields(ACTOR_FIELDS, ("id", "name", "kind"))
    name = rec.get("name", _text(vocab.MAX_NAME, required=True))
    return Actor(
        id=rec.get("id", vocab.check_id),
        name=name,
        kind=rec.get("kind", lambda v: vocab.check_choice(v, vocab.ACTOR_KINDS, required=True)),
        country=rec.get("country", vocab.check_country),
        summary=rec.get("summary", _text()),
        role=rec.get("role", _text(vocab.MAX_TITLE)),
        aliases=rec.get("aliases", _aliases(name, split)),
        origin=rec.origin(),
    )


def region_from(rec: Record, *, split: bool = False) -> Region:
    rec.check_fields(REGION_FIELDS, ("id", "name"))
    name = rec.get("name", _text(vocab.MAX_NAME, required=True))
    region = Region(
        id=rec.get("id", vocab.check_id),
        name=name,
        kind=rec.get("kind", lambda v: vocab.check_choice(v, vocab.REGION_KINDS)),
        iso_code=rec.get("iso_code", _iso_3166_2),
        parent_id=rec.get("parent", _optional_id),
        occupied_since=rec.get("occupied_since", vocab.check_date),
        aliases=rec.get("aliases", _aliases(name, split)),
        origin=rec.origin(),
    )
    if region.parent_id == region.id:
        raise rec.error("a region cannot be its own parent", "parent")
    return region


def _iso_3166_2(value: Any) -> str | None:
    text = vocab.check_text(value, limit=12)
    if text is None:
        return None
    code = text.upper()
    country, _, sub = code.partition("-")
    if country not in vocab.COUNTRIES or not sub or not sub.isalnum() or len(sub) > 3:
        raise ValueError(f"{text!r} is not an ISO 3166-2 code such as 'UA-43'")
    return code


def _evidence_actors(split: bool) -> Callable[[Any], list[tuple[str, str | None]]]:
    def check(value: Any) -> list[tuple[str, str | None]]:
        out: dict[str, str | None] = {}
        for item in _list(value, split=split):
            if isinstance(item, Mapping):
                unknown = set(item) - {"id", "role"}
                if unknown:
                    raise ValueError(f"unknown key {sorted(unknown)[0]!r} in an actor link (use id and role)")
                actor_id = vocab.check_id(item.get("id"))
                role = vocab.check_text(item.get("role"), limit=vocab.MAX_NAME)
            else:
                actor_id, role = vocab.check_id(item), None
            if actor_id in out:
                raise ValueError(f"actor {actor_id!r} is listed twice")
            out[actor_id] = role
        return list(out.items())

    return check


def _evidence_regions(split: bool) -> Callable[[Any], list[str]]:
    def check(value: Any) -> list[str]:
        out: list[str] = []
        for item in _list(value, split=split):
            region_id = vocab.check_id(item)
            if region_id in out:
                raise ValueError(f"region {region_id!r} is listed twice")
            out.append(region_id)
        return out

    return check


def evidence_from(rec: Record, *, default_source: str | None = None, split: bool = False) -> Evidence:
    rec.check_fields(EVIDENCE_FIELDS, ("id", "claim", "category"))
    source_id = rec.get("source", _optional_id) or default_source
    if source_id is None:
        raise rec.error("is required: every finding needs a source (or give the file a top-level `source`)", "source")
    return Evidence(
        id=rec.get("id", vocab.check_id),
        claim=rec.get("claim", _text(required=True)),
        quote=rec.get("quote", _text()),
        category=rec.get("category", lambda v: vocab.check_choice(v, vocab.CATEGORIES, required=True)),
        date=rec.get("date", vocab.check_date),
        quantity=rec.get("quantity", vocab.check_quantity),
        unit=rec.get("unit", _text(vocab.MAX_NAME)),
        source_id=source_id,
        locator=rec.get("locator", _text(vocab.MAX_NAME)),
        status=rec.get("status", lambda v: vocab.check_choice(v, vocab.STATUSES) or "unreviewed"),
        confidence=rec.get("confidence", lambda v: vocab.check_choice(v, vocab.CONFIDENCE)),
        actors=rec.get("actors", _evidence_actors(split)),
        regions=rec.get("regions", _evidence_regions(split)),
        origin=rec.origin(),
    )


def relation_from(rec: Record) -> Relation:
    rec.check_fields(RELATION_FIELDS, ("subject", "object", "kind"))
    relation = Relation(
        subject_id=rec.get("subject", vocab.check_id),
        object_id=rec.get("object", vocab.check_id),
        kind=rec.get("kind", vocab.check_relation_kind),
        role=rec.get("role", _text(vocab.MAX_NAME)),
        evidence_id=rec.get("evidence", _optional_id),
        start=rec.get("start", vocab.check_date),
        end=rec.get("end", vocab.check_date),
        origin=rec.origin(),
    )
    if relation.start and relation.end and relation.end < relation.start:
        raise rec.error(f"ends ({relation.end}) before it starts ({relation.start})", "end")
    return relation


def gazetteer_from(rec: Record) -> GazetteerEntry:
    rec.check_fields(GAZETTEER_FIELDS, ("name", "regions"))
    regions = rec.get("regions", _evidence_regions(False))
    if not regions:
        raise rec.error("must name at least one region", "regions")
    return GazetteerEntry(
        name=rec.get("name", _text(vocab.MAX_NAME, required=True)), regions=regions, origin=rec.origin()
    )


def _label(kind: str, index: int, data: Any) -> str:
    ident = data.get("id") if isinstance(data, Mapping) else None
    if isinstance(ident, str) and ident:
        return f"{kind} {ident[:60]!r}"
    if kind == "relation" and isinstance(data, Mapping):
        return f"relation #{index + 1}"
    if kind == "gazetteer entry" and isinstance(data, Mapping) and isinstance(data.get("name"), str):
        return f"{kind} {data['name'][:60]!r}"
    return f"{kind} #{index + 1}"


def batch_from_document(doc: Any, file: str) -> Batch:
    """Validate a native document (the mapping loaded from one YAML or JSON file)."""
    if not isinstance(doc, Mapping):
        raise DataError(
            f"the top level must be a mapping with {', '.join(SECTIONS)}; found {vocab.type_name(doc)}",
            file=file,
            line=getattr(doc, "line", 1),
        )
    top = Record(doc, file, getattr(doc, "line", None), "top level")
    for key in doc:
        if key not in SECTIONS:
            raise top.error(f"unknown section (expected: {', '.join(SECTIONS)})", key)

    batch = Batch()
    default_source = None
    if doc.get("source") is not None:
        data = doc["source"]
        if not isinstance(data, Mapping):
            raise top.error(f"must be a mapping, not {vocab.type_name(data)}", "source")
        source = source_from(Record(data, file, getattr(data, "line", top.line_of("source")), "source"))
        batch.sources.append(source)
        default_source = source.id

    makers: dict[str, tuple[str, Callable[[Record], Any], list[Any]]] = {
        "sources": ("source", source_from, batch.sources),
        "actors": ("actor", actor_from, batch.actors),
        "regions": ("region", region_from, batch.regions),
        "evidence": ("evidence", lambda r: evidence_from(r, default_source=default_source), batch.evidence),
        "relations": ("relation", relation_from, batch.relations),
        "gazetteer": ("gazetteer entry", gazetteer_from, batch.gazetteer),
    }
    for section, (kind, make, into) in makers.items():
        items = doc.get(section)
        if items is None:
            continue
        if not isinstance(items, list):
            raise top.error(f"must be a list of {section}, not {vocab.type_name(items)}", section)
        for index, data in enumerate(items):
            line = getattr(data, "line", None) or top.line_of(section)
            if not isinstance(data, Mapping):
                raise DataError(
                    f"must be a mapping, not {vocab.type_name(data)}",
                    file=file,
                    line=line,
                    record=f"{kind} #{index + 1}",
                )
            into.append(make(Record(data, file, line, _label(kind, index, data))))
    return batch
