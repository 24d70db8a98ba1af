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

from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import partial
from itertools import chain, repeat
from typing import Any

from importers.loaders import Chunk, Item, LazyLines, Node
from store import vocab
from store.errors import DataError
from store.language import check_code
from store.records import Actor, Evidence, GazetteerEntry, Origin, Region, Relation, Source, origins, plain_evidence

SECTIONS = ("source", "sources", "actors", "regions", "evidence", "relations", "gazetteer")

SOURCE_FIELDS = frozenset(
    {"id", "title", "publisher", "authors", "url", "published", "kind", "accessed", "notes", "lang"}
)
ACTOR_FIELDS = frozenset({"id", "name", "kind", "country", "summary", "role", "aliases"})
REGION_FIELDS = frozenset({"id", "name", "kind", "iso_code", "parent", "occupied_since", "aliases"})
EVIDENCE_FIELDS = frozenset(
    {
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
)
RELATION_FIELDS = frozenset({"subject", "object", "kind", "role", "evidence", "start", "end"})
GAZETTEER_FIELDS = frozenset({"name", "regions"})


class Record:
    """One input mapping plus where it came from; `get` validates a field and locates any error."""

    __slots__ = ("data", "file", "label", "line")

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

    def opt(self, key: str, check: Callable[[Any], Any]) -> Any:
        """`get` for a field whose absence means None (most fields of most records are absent)."""
        value = self.data.get(key)
        if value is None:
            return None
        try:
            return check(value)
        except ValueError as e:
            raise self.error(str(e), key) from None

    def checked(self, checks: Mapping[str, Callable[[Any], Any]], required: tuple[str, ...]) -> dict[str, Any]:
        """Every field the record has (not None), checked: {field: value}; a field it lacks is absent. An
        unknown field, or a required one missing or empty, is an error. One pass over what is there (most
        records have few fields), then the required ones."""
        out: dict[str, Any] = {}
        for key, value in self.data.items():
            check = checks.get(key)
            if check is None:
                raise self.error(f"unknown field (expected one of: {', '.join(sorted(checks))})", key)
            if value is not None:
                if value == "" and key in required:
                    raise self.error("is required", key)
                try:
                    out[key] = check(value)
                except ValueError as e:
                    raise self.error(str(e), key) from None
        for key in required:
            if key not in out:
                raise self.error("is required", key)
        return out

    def origin(self) -> Origin:
        # The mapping's own key lines are kept (not copied): nothing changes them once it is read, and JSON's are
        # worked out only if an error asks for one.
        key_lines = getattr(self.data, "key_lines", None)
        if key_lines is not None and not isinstance(key_lines, LazyLines) and not key_lines:
            key_lines = None
        return Origin(self.file, self.line, self.label, key_lines)

    def check_fields(self, allowed: frozenset[str], required: tuple[str, ...]) -> None:
        data = self.data
        if not data.keys() <= allowed:
            for key in data:
                if key not in allowed:
                    raise self.error(f"unknown field (expected one of: {', '.join(sorted(allowed))})", key)
        for key in required:
            if data.get(key) in (None, ""):
                raise self.error("is required", key)


def _text(limit: int = vocab.MAX_TEXT, required: bool = False) -> Callable[[Any], str | None]:
    return lambda v: vocab.check_text(v, limit=limit, required=required)


def _optional_id(value: Any) -> str | None:
    return None if value in (None, "") else vocab.check_id(value)


_TEXT = _text()
_TEXT_REQUIRED = _text(required=True)
_NAME = _text(vocab.MAX_NAME)
_NAME_REQUIRED = _text(vocab.MAX_NAME, required=True)
_TITLE = _text(vocab.MAX_TITLE)
_TITLE_REQUIRED = _text(vocab.MAX_TITLE, required=True)


def _choice(choices: tuple[str, ...], required: bool = False) -> Callable[[Any], str | None]:
    return lambda v: vocab.check_choice(v, choices, required=required)


_CATEGORY = _choice(vocab.CATEGORIES, required=True)
_STATUS = _choice(vocab.STATUSES)
_CONFIDENCE = _choice(vocab.CONFIDENCE)
_SOURCE_KIND = _choice(vocab.SOURCE_KINDS)
_ACTOR_KIND = _choice(vocab.ACTOR_KINDS, required=True)
_REGION_KIND = _choice(vocab.REGION_KINDS)


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


_SOURCE_CHECKS: dict[str, Callable[[Any], Any]] = {
    "id": vocab.check_id,
    "title": _TITLE_REQUIRED,
    "publisher": _NAME,
    "authors": _authors,
    "url": vocab.check_url,
    "published": vocab.check_date,
    "kind": _SOURCE_KIND,
    "accessed": vocab.check_date,
    "notes": _TEXT,
    "lang": check_code,
}


def source_from(rec: Record) -> Source:
    v = rec.checked(_SOURCE_CHECKS, ("id", "title"))
    g = v.get
    return Source(
        id=v["id"],
        title=v["title"],
        publisher=g("publisher"),
        authors=g("authors"),
        url=g("url"),
        published=g("published"),
        kind=g("kind"),
        accessed=g("accessed"),
        notes=g("notes"),
        lang=g("lang"),
        origin=rec.origin(),
    )


def _no_check(value: Any) -> Any:
    return value


_ACTOR_CHECKS: dict[str, Callable[[Any], Any]] = {
    "id": vocab.check_id,
    "name": _NAME_REQUIRED,
    "kind": _ACTOR_KIND,
    "country": vocab.check_country,
    "summary": _TEXT,
    "role": _TITLE,
    "aliases": _no_check,  # checked below: they are compared with the name
}


def actor_from(rec: Record, *, split: bool = False) -> Actor:
    v = rec.checked(_ACTOR_CHECKS, ("id", "name", "kind"))
    g = v.get
    name = v["name"]
    return Actor(
        id=v["id"],
        name=name,
        kind=v["kind"],
        country=g("country"),
        summary=g("summary"),
        role=g("role"),
        aliases=rec.opt("aliases", _aliases(name, split)) if "aliases" in v else None,
        origin=rec.origin(),
    )


_REGION_CHECKS: dict[str, Callable[[Any], Any]] = {
    "id": vocab.check_id,
    "name": _NAME_REQUIRED,
    "kind": _REGION_KIND,
    "iso_code": lambda v: _iso_3166_2(v),
    "parent": _optional_id,
    "occupied_since": vocab.check_date,
    "aliases": _no_check,
}


def region_from(rec: Record, *, split: bool = False) -> Region:
    v = rec.checked(_REGION_CHECKS, ("id", "name"))
    g = v.get
    name = v["name"]
    region = Region(
        id=v["id"],
        name=name,
        kind=g("kind"),
        iso_code=g("iso_code"),
        parent_id=g("parent"),
        occupied_since=g("occupied_since"),
        aliases=rec.opt("aliases", _aliases(name, split)) if "aliases" in v else None,
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
        seen: set[str] = set()
        for item in _list(value, split=split):
            region_id = vocab.check_id(item)
            if region_id in seen:
                raise ValueError(f"region {region_id!r} is listed twice")
            seen.add(region_id)
            out.append(region_id)
        return out

    return check


_ACTOR_LINKS = {False: _evidence_actors(False), True: _evidence_actors(True)}
_REGION_LINKS = {False: _evidence_regions(False), True: _evidence_regions(True)}

LATER = "\x00later"  # evidence_from's default_source while the file's own `source` may still come


def _evidence_checks(split: bool) -> dict[str, Callable[[Any], Any]]:
    return {
        "id": vocab.check_id,
        "claim": _TEXT_REQUIRED,
        "quote": _TEXT,
        "category": _CATEGORY,
        "date": vocab.check_date,
        "quantity": vocab.check_quantity,
        "unit": _NAME,
        "source": _optional_id,
        "locator": _NAME,
        "status": _STATUS,
        "confidence": _CONFIDENCE,
        "lang": check_code,
        "actors": _ACTOR_LINKS[split],
        "regions": _REGION_LINKS[split],
    }


_EVIDENCE_CHECKS = {False: _evidence_checks(False), True: _evidence_checks(True)}


def evidence_from(rec: Record, *, default_source: str | None = None, split: bool = False) -> Evidence:
    """A finding. With `default_source=LATER` a finding without a source gets LATER as its source_id, for the
    caller to fill in once the file's top-level `source` is read (or to report, if it never is)."""
    v = rec.checked(_EVIDENCE_CHECKS[split], ("id", "claim", "category"))
    g = v.get
    source_id = g("source") or default_source
    if source_id is None:
        raise rec.error("is required: every finding needs a source (or give the file a top-level `source`)", "source")
    return Evidence(
        id=v["id"],
        claim=v["claim"],
        category=v["category"],
        source_id=source_id,
        quote=g("quote"),
        date=g("date"),
        quantity=g("quantity"),
        unit=g("unit"),
        locator=g("locator"),
        status=g("status") or "unreviewed",
        confidence=g("confidence"),
        actors=g("actors") or [],
        regions=g("regions") or [],
        lang=g("lang"),
        origin=rec.origin(),
    )


# Evidence in bulk: a batch of findings given as columns, each checked with C operations over the whole column.

_SLUG_BYTES = b"abcdefghijklmnopqrstuvwxyz0123456789-"  # what ids are made of


def _ids(column: list[str], longest: int | None = None) -> list[str] | None:
    """The column when every value is a slug as check_id wants: made only of a-z, 0-9 and hyphens, no id empty,
    no hyphen at an end or beside another. The ids are joined by hyphens, so that an empty one, or one with a
    hyphen at an end, makes two hyphens in a row or one at an end of the whole. (`longest`: the length of the
    longest, when known; TypeError: a value that is not a text.)"""
    text = "-".join(column)
    if (max(map(len, column)) if longest is None else longest) > vocab.MAX_ID or not text.isascii():
        return None
    if text.encode("ascii").translate(None, _SLUG_BYTES) or not text:
        return None
    return None if "--" in text or text.startswith("-") or text.endswith("-") else column


def _texts(limit: int) -> Callable[[list[str]], list[str] | None]:
    def check(column: list[str]) -> list[str] | None:
        texts = list(map(str.strip, column))  # (TypeError: a value that is not a text)
        joined = "".join(texts)
        if not all(texts) or (len(joined) > limit and max(map(len, texts)) > limit):
            return None
        bad = "\x00" in joined if joined.isascii() else vocab.NOT_TEXT.search(joined)  # isascii takes no time
        return None if bad else texts

    return check


def _choices(choices: tuple[str, ...]) -> Callable[[list[str]], list[str] | None]:
    allowed = frozenset(choices)

    def check(column: list[str]) -> list[str] | None:
        if allowed.issuperset(column):  # as they are, most often (TypeError: a value that cannot be one)
            return column
        values = list(map(str.lower, map(str.strip, column)))
        return values if allowed.issuperset(values) else None

    return check


# check -> the same check of a column of non-empty texts (None: a value it does not cover, such as "" or "  ";
# TypeError: a value that is not a text)
_BULK: dict[Callable[[Any], Any], Callable[[list[str]], list[str] | None]] = {
    vocab.check_id: _ids,
    _optional_id: _ids,
    _TEXT: _texts(vocab.MAX_TEXT),
    _TEXT_REQUIRED: _texts(vocab.MAX_TEXT),
    _NAME: _texts(vocab.MAX_NAME),
    _CATEGORY: _choices(vocab.CATEGORIES),
    _STATUS: _choices(vocab.STATUSES),
    _CONFIDENCE: _choices(vocab.CONFIDENCE),
}
_REQUIRED = ("id", "claim", "category")


def _bulk(bulk: Callable[[list[str]], list[str] | None], column: list[Any]) -> list[Any] | None:
    """`bulk` of the column, or None where it does not say (a value it does not cover, or not a text). A
    column of one text over and over (a CSV's source, a category) is checked once."""
    first = column[0]
    try:
        if type(first) is str and first == column[-1] and column.count(first) == len(column):
            one = bulk([first])
            return None if one is None else column if one[0] is first else [one[0]] * len(column)
        return bulk(column)
    except TypeError:
        return None


def _blank(value: Any) -> Any:
    """None for a CSV cell that is empty or only spaces; any other value as it is."""
    return None if value == "" or (type(value) is str and value.isspace()) else value


def _column(check: Callable[[Any], Any], column: list[Any], required: bool, blanks: bool) -> list[Any] | None:
    """`check` of each value (None stays None), or None when a value fails it or a required one is missing.
    `blanks`: the values are texts, and an empty one or one of spaces stands for None (CSV cells)."""
    if blanks:
        column = list(map(_blank, column))
    kinds = set(map(type, column))
    if required and (type(None) in kinds or "" in column):
        return None
    try:
        return [None if v is None else check(v) for v in column]
    except ValueError:
        return None


def evidence_batch(
    columns: dict[str, Any],
    lines: Any,
    file: str,
    default_source: str | None,
    *,
    split: bool = False,
    blanks: bool = False,
) -> Iterator[Evidence] | None:
    """What `evidence_from` makes of each of a batch of findings, given as columns ({field: the value of each
    finding, None where it has none; lists or tuples}) and the line of each (a list or a range); None when
    any finding fails a check (or needs its source): the caller then checks them one at a time, which reports
    the first problem as always. `blanks`: the values are CSV cells, an empty one or one of spaces standing for
    None. Every check is made before this returns; the findings are made as they are asked for, a few at a
    time."""
    checks = _EVIDENCE_CHECKS[split]
    if not columns.keys() <= checks.keys() or not columns.keys() >= set(_REQUIRED):
        return None
    v: dict[str, Any] = {}
    texts = set()  # the fields whose every value passed a bulk check: a text, never None
    try:
        longest: int | None = max(map(len, columns["id"]))  # (for the check and the labels)
    except TypeError:
        longest = None
    for key, column in columns.items():
        check = checks[key]
        bulk = _BULK.get(check)
        if key == "id" and longest is not None:
            bulk = partial(_ids, longest=longest)
        if bulk is not None and (values := _bulk(bulk, column)) is not None:
            # (a bulk check passes no empty text and none of spaces: `blanks` would change nothing)
            texts.add(key)
        elif (values := _column(check, column, key in _REQUIRED, blanks)) is None:
            return None
        v[key] = values
    if "source" in texts:
        sources: Any = v["source"]
    elif "source" in v:
        sources = [s or default_source for s in v["source"]]
        if default_source is None and None in sources:
            return None
    elif default_source is None:
        return None
    else:
        sources = repeat(default_source)
    ids = v["id"]
    if (max(map(len, ids)) if longest is None else longest) <= 60:  # a slug's repr is the slug in single quotes
        labels = ("evidence '" + "'\nevidence '".join(ids) + "'").split("\n")
    else:
        labels = ["evidence " + repr(i[:60]) for i in ids]
    none = repeat(None)
    fields = (
        ids,
        v["claim"],
        v["category"],
        sources,
        v.get("quote", none),
        v.get("date", none),
        v.get("quantity", none),
        v.get("unit", none),
        v.get("locator", none),
        v["status"]
        if "status" in texts
        else [s or "unreviewed" for s in v["status"]]
        if "status" in v
        else repeat("unreviewed"),
        v.get("confidence", none),
        v.get("lang", none),
        [a or [] for a in v["actors"]] if "actors" in v else map(list, repeat(())),
        [r or [] for r in v["regions"]] if "regions" in v else map(list, repeat(())),
    )
    return _made(fields, file, lines, labels, _PLAIN.issuperset(v))


_SLICE = 256  # findings made at a time: what the caller drops before the next are made never outlives the GC's
# youngest generation, which keeps collections cheap (all of a chunk's at once cost up to a µs a finding in GC)


_PLAIN = frozenset({"id", "claim", "category", "source", "status"})  # the fields plain_evidence takes
_SLICED = (list, tuple)  # a column of values (the others repeat one, or make one each)


def _made(fields: tuple[Any, ...], file: str, lines: list[int], labels: list[str], plain: bool) -> Iterator[Evidence]:
    def made(at: int) -> list[Evidence]:
        end = at + _SLICE
        parts = [f[at:end] if type(f) in _SLICED else f for f in fields]
        if plain:
            return plain_evidence(file, parts[0], parts[1], parts[2], parts[3], parts[9], lines[at:end], labels[at:end])
        return list(map(Evidence, *parts, origins(file, lines[at:end], labels[at:end])))

    return chain.from_iterable(map(made, range(0, len(lines), _SLICE)))


def relation_from(rec: Record) -> Relation:
    rec.check_fields(RELATION_FIELDS, ("subject", "object", "kind"))
    relation = Relation(
        subject_id=rec.get("subject", vocab.check_id),
        object_id=rec.get("object", vocab.check_id),
        kind=rec.get("kind", vocab.check_relation_kind),
        role=rec.opt("role", _NAME),
        evidence_id=rec.opt("evidence", _optional_id),
        start=rec.opt("start", vocab.check_date),
        end=rec.opt("end", vocab.check_date),
        origin=rec.origin(),
    )
    if relation.start and relation.end and relation.end < relation.start:
        raise rec.error(f"ends ({relation.end}) before it starts ({relation.start})", "end")
    return relation


def gazetteer_from(rec: Record) -> GazetteerEntry:
    rec.check_fields(GAZETTEER_FIELDS, ("name", "regions"))
    regions = rec.get("regions", _REGION_LINKS[False])
    if not regions:
        raise rec.error("must name at least one region", "regions")
    return GazetteerEntry(name=rec.get("name", _NAME_REQUIRED), regions=regions, origin=rec.origin())


def _label(kind: str, index: int, data: Any) -> str:
    ident = data.get("id")
    if type(ident) is str and ident:
        return f"{kind} {ident[:60]!r}"
    if kind == "gazetteer entry" and isinstance(data.get("name"), str):
        return f"{kind} {data['name'][:60]!r}"
    return f"{kind} #{index + 1}"


# section -> (table the records go to, what one record is called)
_SECTION_KINDS = {
    "source": ("sources", "source"),
    "sources": ("sources", "source"),
    "actors": ("actors", "actor"),
    "regions": ("regions", "region"),
    "evidence": ("evidence", "evidence"),
    "relations": ("relations", "relation"),
    "gazetteer": ("gazetteer", "gazetteer entry"),
}


def document_records(items: Iterable[Item], file: str) -> Iterator[tuple[str, Any]]:
    """Validate a native document as it is read: (table, record) for each record, in file order.

    Findings without a `source` of their own take the file's top-level `source`; those read before it are held
    until it comes (and reported if it never does).
    """
    return chain.from_iterable(_runs(items, file))


def _runs(items: Iterable[Item], file: str) -> Iterator[Iterable[tuple[str, Any]]]:
    """document_records' records as runs: one record, or a chunk's findings (so that this resumes once a run)."""
    default_source: str | None = None
    waiting: list[Evidence] = []  # findings read before the file's top-level source
    counts: dict[str, int] = {}
    makers: dict[str, Callable[[Record], Any]] = {
        "sources": source_from,
        "actors": actor_from,
        "regions": region_from,
        "relations": relation_from,
        "gazetteer": gazetteer_from,
    }
    stream: Iterator[Item] = iter(items)
    pending: Iterator[Item] = iter(())
    while (item := next(pending, None) or next(stream, None)) is not None:
        section, element, data, line = item
        if type(data) is Chunk:  # a run of flat records: findings checked in bulk, the others one at a time
            if section == "evidence":
                columns = data.columns()
                lines = range(data.first_line, data.first_line + len(data.values))
                made = evidence_batch(columns, lines, file, default_source or LATER)
                if made is not None:
                    counts[section] = counts.get(section, 0) + len(lines)
                    if default_source is None:  # those without a source of their own wait for the file's
                        batch = list(made)
                        waiting.extend(ev for ev in batch if ev.source_id is LATER)
                        made = (ev for ev in batch if ev.source_id is not LATER)
                    yield zip(repeat("evidence"), made)
                    continue
            pending = data.items(section)
            continue
        if not section:
            if isinstance(data, list) and data and isinstance(data[0], dict) and {"claim", "regions"} <= data[0].keys():
                from importers.loaders import EXPORT_NOT_IMPORT

                raise DataError(EXPORT_NOT_IMPORT.format(what="a JSON export of findings"), file=file, line=line)
            raise DataError(
                f"the top level must be a mapping with {', '.join(SECTIONS)}; found {vocab.type_name(data)}",
                file=file,
                line=line,
            )
        if section not in _SECTION_KINDS:
            raise DataError(
                f"unknown section (expected: {', '.join(SECTIONS)})",
                file=file,
                line=line,
                record="top level",
                field=section,
            )
        table, kind = _SECTION_KINDS[section]
        if section == "source":
            if data is None:
                continue
            if element or not isinstance(data, Mapping):
                found = "a list" if element else vocab.type_name(data)
                raise DataError(
                    f"must be a mapping, not {found}", file=file, line=line, record="top level", field="source"
                )
            source = source_from(Record(data, file, line, "source"))
            default_source = source.id
            for ev in waiting:
                ev.source_id = default_source
            yield (("sources", source), *zip(repeat("evidence"), waiting))
            waiting = []
            continue
        if not element:
            if data is None:
                continue
            raise DataError(
                f"must be a list of {section}, not {vocab.type_name(data)}",
                file=file,
                line=line,
                record="top level",
                field=section,
            )
        index = counts.get(section, 0)
        counts[section] = index + 1
        if type(data) is not Node and not isinstance(data, Mapping):
            raise DataError(
                f"must be a mapping, not {vocab.type_name(data)}", file=file, line=line, record=f"{kind} #{index + 1}"
            )
        rec = Record(data, file, line, _label(kind, index, data))
        if table == "evidence":
            ev = evidence_from(rec, default_source=default_source or LATER)
            if ev.source_id is LATER:
                waiting.append(ev)
            else:
                yield (("evidence", ev),)
        else:
            yield ((table, makers[table](rec)),)
    if waiting:
        first = waiting[0]
        origin = first.origin
        raise DataError(
            "is required: every finding needs a source (or give the file a top-level `source`)",
            file=file,
            line=origin.line_of("source") if origin else None,
            record=origin.record if origin else None,
            field="source",
        )
