"""Records from FtM entities: the actors, sources, regions, findings and relations they become.

The mapping is the table in store/ftm_mapping.py. Each builder takes one (merged) entity and its number in the
index; references go through the index. What an entity gives that has no column (a sanction's authority, an
actor's topics, datasets, first and last seen) is kept in `ftm_properties`; identifiers and referents in
`external_ids`. Records go into `batch` (with their FtM values, proposals and deletions), which the importer
writes and renews chunk by chunk.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from importers.ftm.check_digits import check_digit_problem
from importers.ftm.entities import Entity
from importers.ftm.ids import EntityKind, Index, Mode
from importers.ftm.report import Outcome, Report
from importers.ftm.side import SideStore
from importers.ftm.values import (
    OCCUPIED_CODES,
    Places,
    check_roles,
    country_code,
    country_label,
    distinct,
    entity_name,
    partial_date,
    sentences,
    stored_country,
)
from importers.matcher import key_of
from importers.slugs import short_hash, slugify
from store import ftm_mapping as M
from store import ftm_model, ftm_reads, vocab
from store.ftm_writes import Proposal
from store.language import check_code
from store.records import Actor, Batch, Evidence, ExternalId, Origin, Region, Relation, Source

if TYPE_CHECKING:
    import sqlite3

    from importers.ftm.limits import Limits
    from importers.session import ImportSession

SYSTEM = "ftm"
MIN_NAME_KEY = 3  # shorter names ("UN", "AB") are not compared with existing actors
MAX_LISTED = 20  # values listed in a text (all are kept in ftm_properties)
MAX_ALIASES = 1_000  # other names of one actor: every one is searchable, and real records have a few hundred

# FtM values kept for the export, per kind of record (besides '@schema', '@dataset', '@first_seen', ...).
KEPT: dict[str, tuple[str, ...]] = {
    "actor": ("topics", "position", "birthDate", "incorporationDate", "dissolutionDate", "legalForm", "status"),
    "evidence": (
        "authority",
        "authorityId",
        "program",
        "programId",
        "programUrl",
        "provisions",
        "duration",
        "unscId",
        "status",
        "reason",
        "startDate",
        "endDate",
        "listingDate",
        "date",
        "sourceUrl",
        "amount",
        "currency",
        "amountEur",
        "amountUsd",
        "purpose",
        "country",
    ),
    "relation": ("sharesCount", "sharesValue", "sharesCurrency", "sharesType", "legalBasis", "ownershipType", "status"),
}


# Kept properties holding dates: a value findings refused as a date (2024-02-30) is not written back by the export
KEPT_DATES = frozenset(
    {"birthDate", "incorporationDate", "dissolutionDate", "startDate", "endDate", "listingDate", "date"}
)


# One encoder for every record's FtM values (json.dumps with options builds a new one per call).
_to_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _storable(text: str) -> bool:
    """Text without unpaired surrogates, which vocab.check_text refuses (they are not text)."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@functools.lru_cache(maxsize=4_096)  # dates repeat (listing days, first and last seen): each is checked once
def _date(value: str) -> str | None:
    head = partial_date(value)
    if not head and value.strip():  # `весна 2024`: no date in it (check_date would take the empty text for none)
        raise ValueError(f"{value[:60]!r} is not a date (YYYY, YYYY-MM or YYYY-MM-DD)")
    return vocab.check_date(head)


class RecordBuilder:
    def __init__(
        self,
        session: ImportSession,
        index: Index,
        places: Places,
        report: Report,
        side: SideStore,
        limits: Limits,
    ) -> None:
        assert session.conn is not None
        self.session = session
        self.conn: sqlite3.Connection = session.conn
        self.index = index
        self.places = places
        self.report = report
        self.side = side
        self.limits = limits
        self.import_ids: list[int | None] = []  # per input file
        self.batch = Batch()
        self.props: list[tuple[str, str, str]] = []  # ftm_properties rows of the chunk (JSON)
        self.infos: dict[str, tuple] = {}  # per chunk: what the Address and Position entities it names give
        self.names_of: dict[str, str] = {}  # per chunk: names of the actors its findings link
        self.proposals: list[Proposal] = []
        self.deletions: list[tuple[str, str]] = []
        self.file_sources: dict[str, str] = {}  # file name -> id of the source standing for it
        self.dataset_sources: dict[str, str] = {}  # FtM dataset name -> id of its source
        self._names: dict[str, tuple[str, ...]] | None = None
        self._file_source_refs: set[str] | None = None
        self.today = dt.date.today().isoformat()
        self._warned: tuple[Entity | None, set[tuple[str, str]]] = (None, set())  # (_bad: the entity's warnings)

    # -------------------------------------------------------------------------------------- values

    def _bad(self, ent: Entity, prop: str, error: str) -> None:
        """One warning per entity, property and problem, however often its values are read (a Sanction's
        startDate is read for its date and its period)."""
        if self._warned[0] is not ent:
            self._warned = (ent, set())
        if (prop, error) in self._warned[1]:
            return
        self._warned[1].add((prop, error))
        self.report.warn(f"invalid {prop} values (skipped)", f"{ent.where}: {ent.label}: {prop}: {error}")

    def checked(
        self, ent: Entity, props: tuple[str, ...], check: Callable[[str], str | None], *, text: int | None = None
    ) -> list[str]:
        """The values of these properties that pass `check` (as it returns them, repeats dropped); each one that
        does not is a warning naming the entity and the property. With `text` (a length limit), plain text is
        taken as it is without calling `check`: an entity's values are stripped strings already
        (entities.entity_from), so only their length, a NUL and, for non-ASCII text, encodability need looking
        at, and `check` words what is wrong with the others."""
        out: dict[str, None] = {}
        get = ent.props.get
        for prop in props:
            for value in get(prop, ()):
                if text is not None and len(value) <= text and "\x00" not in value and _storable(value):
                    if value:
                        out[value] = None
                    continue
                try:
                    checked = check(value)
                except ValueError as e:
                    self._bad(ent, prop, str(e))
                    continue
                if checked:
                    out[checked] = None
        return list(out)

    def texts(self, ent: Entity, *props: str, limit: int = vocab.MAX_TEXT) -> list[str]:
        return self.checked(ent, props, lambda v: vocab.check_text(v, limit=limit), text=limit)

    def dates(self, ent: Entity, *props: str) -> list[str]:
        return self.checked(ent, props, _date)

    def date(self, ent: Entity, *props: str) -> str | None:
        """The first valid date of the first property that has one."""
        for prop in props:
            found = self.dates(ent, prop)
            if found:
                return found[0]
        return None

    def earliest(self, ent: Entity, *props: str) -> str | None:
        found = self.dates(ent, *props)
        return min(found) if found else None

    def countries(self, ent: Entity) -> list[str]:
        """Every country the entity gives (FtM codes, in the order of its country properties)."""
        out: dict[str, None] = {}
        for prop in M.country_properties(ent.schema):
            for value in ent.props.get(prop, ()):
                code = country_code(value)
                if code:
                    out[code] = None
                else:
                    self._bad(ent, prop, f"{value[:40]!r} is not a known country")
        return list(out)

    def urls(self, ent: Entity, prop: str) -> list[str]:
        return self.checked(ent, (prop,), vocab.check_url)

    def _hint(self, ent: Entity, key: str, check: Any) -> Any:
        if key not in ent.hint:
            return None
        try:
            return check(ent.hint[key])
        except (ValueError, TypeError) as e:
            self.report.warn(f"invalid `findings.{key}` hint (ignored)", f"{ent.where}: {ent.label}: {e}")
            return None

    def _one_line(self, ent: Entity, props: tuple[str, ...], limit: int) -> str | None:
        values = self.texts(ent, *props, limit=limit)
        return values[0] if values else None

    def _joined(self, ent: Entity, props: tuple[str, ...], separator: str = "\n\n") -> str | None:
        parts = distinct(self.texts(ent, *props))
        if not parts:
            return None
        text = separator.join(parts)
        return self._capped(ent, text)

    def _capped(self, ent: Entity, text: str) -> str:
        if len(text) > vocab.MAX_TEXT:
            self.report.warn("texts shortened to the 20,000-character limit", f"{ent.where}: {ent.label}")
            text = text[: vocab.MAX_TEXT - 1] + "…"
        return text

    # -------------------------------------------------------------------------------------- provenance

    def external(self, kind: str, external_id: str, ref: str, n: int, *, system: str = SYSTEM) -> ExternalId:
        return ExternalId(system, external_id, kind, ref, created=True, import_id=self.import_id(n))

    def import_id(self, n: int) -> int | None:
        files = self.index.files
        return self.import_ids[files[n]] if self.import_ids else None

    def keep(self, kind: str, ref: str, ent: Entity, props: tuple[str, ...], extra: dict[str, list[str]]) -> None:
        """The entity's FtM values without a column, for the export (they replace what the record had)."""
        values: dict[str, list[str]] = {"@schema": [ent.schema]}
        for prop in props:
            found = ent.props.get(prop)
            if found and prop in KEPT_DATES:
                dates = []
                for value in found:
                    try:
                        if _date(value) is not None:
                            dates.append(value)
                    except ValueError as e:  # (warned of once, however often the entity's values are read)
                        self._bad(ent, prop, str(e))
                found = dates
            if found:
                values[prop] = found
        for prop, found in extra.items():
            if found:
                values[prop] = found
        if ent.datasets:
            values["@dataset"] = ent.datasets
        if ent.first_seen:
            values["@first_seen"] = [ent.first_seen]
        if ent.last_seen:
            values["@last_seen"] = [ent.last_seen]
        self.props.append((kind, ref, _to_json(values)))

    # -------------------------------------------------------------------------------------- sources

    def source_for(self, ent: Entity) -> str:
        """The first proof document, else a Documentation's document, else the entity's first dataset, else the
        file's own source."""
        for doc in ent.values("proof") + self.index.documented_by.get(ent.id, []):
            target = self.index.resolve(doc)
            if target and target[0] == EntityKind.SOURCE:
                return target[1]
        if ent.datasets:
            return self.dataset_source(ent.datasets[0], ent.file)
        return self.file_source(ent.file)

    def _standing_source(self, source_id: str, title: str, notes: str, file: str) -> str:
        if self._file_source_refs is None:
            index = self.index
            self._file_source_refs = {
                ref for n, ref in enumerate(index.refs) if ref and index.kind(n) is EntityKind.SOURCE
            }
        if source_id in self._file_source_refs:
            return source_id  # an entity of the files stands for it (our own export of it)
        stored = ftm_reads.source_title(self.conn, source_id)
        if (stored is not None and stored != title) or source_id in self.session.seen["sources"]:
            source_id = f"{source_id[:100]}-{short_hash(title)}"
        self.batch.sources.append(
            Source(id=source_id, title=title, kind="dataset", notes=notes, origin=Origin(file, None, "file"))
        )
        return source_id

    def file_source(self, file: str) -> str:
        if file not in self.file_sources:
            base = Path(file).name if file != "<stdin>" else "stdin"
            self.file_sources[file] = self._standing_source(
                f"ftm-{slugify(Path(base).stem) or 'file'}",
                f"FollowTheMoney file {base}",
                "Entities imported with `findings import ftm`; the findings made from them that name no source "
                "document or dataset of their own cite this file.",
                file,
            )
        return self.file_sources[file]

    def dataset_source(self, dataset: str, file: str) -> str:
        if dataset not in self.dataset_sources:
            try:
                name = vocab.check_text(dataset, limit=vocab.MAX_NAME) or "dataset"
            except ValueError:
                name = "dataset"
            self.dataset_sources[dataset] = self._standing_source(
                f"ftm-dataset-{slugify(name) or short_hash(name)}",
                f"FtM dataset {name}",
                f"Entities of the FollowTheMoney dataset `{name}` (as their `datasets` name it), imported with "
                "`findings import ftm`.",
                file,
            )
        return self.dataset_sources[dataset]

    def locator(self, ent: Entity) -> str:
        urls = self.urls(ent, "sourceUrl")
        if urls and len(urls[0]) <= vocab.MAX_NAME:
            return urls[0]
        return f"FtM id {ent.id[: vocab.MAX_NAME - 8]}"

    # -------------------------------------------------------------------------------------- regions

    def region(self, ent: Entity, n: int) -> Region:
        ref = self.index.refs[n]
        assert ref is not None
        name = entity_name(ent) or ref
        aliases = [a for a in self.texts(ent, "name", "alias", limit=vocab.MAX_NAME) if a.casefold() != name.casefold()]
        iso = next((c.upper() for c in ent.values("territoryCode") if _iso_3166_2(c)), None)
        if iso and iso.lower() in M.COUNTRY_REGIONS:
            iso = None  # ua-cri is FtM's code, not ISO 3166-2
        parent = None
        for value in ent.values("partOf"):
            target = self.index.resolve(value)
            if target and target[0] == EntityKind.REGION and target[1] != ref:
                parent = target[1]
                break
        if parent is None:  # a city the gazetteer places in one region (Kerch, Sevastopol: Crimea)
            within = {r for r in self.places.in_texts([name]) if r != ref}
            if len(within) == 1:
                parent = next(iter(within))
        level = next((M.TERRITORY_LEVELS[v] for v in ent.values("level") if v in M.TERRITORY_LEVELS), None)
        self.keep("region", ref, ent, (), {})
        return Region(
            id=ref,
            name=name,
            kind=self._hint(ent, "kind", lambda v: vocab.check_choice(v, vocab.REGION_KINDS)) or level,
            iso_code=iso,
            parent_id=parent,
            occupied_since=self._hint(ent, "occupied_since", vocab.check_date),
            aliases=list(dict.fromkeys(aliases)),
            origin=ent.origin(),
        )

    # -------------------------------------------------------------------------------------- sources

    def source(self, ent: Entity, n: int) -> Source:
        ref = self.index.refs[n]
        assert ref is not None
        urls = self.urls(ent, "sourceUrl")
        authors = self.texts(ent, "author", limit=vocab.MAX_NAME)
        self.keep("source", ref, ent, (), {})
        return Source(
            id=ref,
            title=entity_name(ent) or ref,
            publisher=self._one_line(ent, ("publisher",), vocab.MAX_NAME),
            authors="; ".join(authors)[: vocab.MAX_TITLE] or None,
            url=urls[0] if urls else None,
            published=self.date(ent, "publishedAt", "date", "authoredAt"),
            kind=self._hint(ent, "kind", lambda v: vocab.check_choice(v, vocab.SOURCE_KINDS))
            or (None if "id" in ent.hint else M.SOURCE_SCHEMAS[ent.schema]),  # our own export: no kind stays none
            accessed=self.date(ent, "retrievedAt"),
            notes=self._joined(ent, M.SUMMARY_PROPS),
            origin=ent.origin(),
        )

    # -------------------------------------------------------------------------------------- actors

    def actor(self, ent: Entity, n: int) -> tuple[Actor, list[str]]:
        """The actor, and every country the entity gives."""
        ref = self.index.refs[n]
        assert ref is not None
        name = entity_name(ent) or ref
        names = self.texts(ent, "name", *M.ALIAS_PROPS, limit=vocab.MAX_NAME)
        seen_names, aliases = {name.casefold()}, []
        for alias in names:
            if alias.casefold() not in seen_names:
                seen_names.add(alias.casefold())
                aliases.append(alias)
        if len(aliases) > MAX_ALIASES:
            self.report.warn(f"actors with more than {MAX_ALIASES:,} other names (the rest not kept)", ent.where)
            aliases = aliases[:MAX_ALIASES]
        kind = M.ACTOR_SCHEMAS[ent.schema]
        if ent.schema == "PublicBody" and M.STATE_TOPICS & set(ent.values("topics")) and _names_a_country(name):
            kind = "state"  # a country's government, as `findings export ftm` writes a state (not a ministry)
        kind = self._hint(ent, "kind", lambda v: vocab.check_choice(v, vocab.ACTOR_KINDS)) or kind
        countries = self.countries(ent)
        country = next((stored_country(c) for c in countries if c not in OCCUPIED_CODES), None)
        summary = self._joined(ent, M.SUMMARY_PROPS)
        if not ent.hint:  # what else its record says, where a reader looks for it (and search finds it)
            record = self.record_text(ent, country, countries)
            if record:
                summary = self._capped(ent, f"{summary}\n\n{record}" if summary else record)
        actor = Actor(
            id=ref,
            name=name,
            kind=kind,
            country=country,
            summary=summary,
            role=self._hint(ent, "role", lambda v: vocab.check_text(v, limit=vocab.MAX_TITLE)),
            aliases=aliases,
            origin=ent.origin(),
        )
        return actor, countries

    def names(self) -> dict[str, tuple[str, ...]]:
        """The actors in the database before this import, by the normalised form of each name and alias."""
        if self._names is None:
            names: dict[str, set[str]] = {}
            for actor_id, name in ftm_reads.actor_names(self.conn):
                key = key_of(name)
                if len(key) >= MIN_NAME_KEY:
                    names.setdefault(key, set()).add(actor_id)
            self._names = {k: tuple(sorted(v)) for k, v in names.items()}
        return self._names

    def same_as(self, actor: Actor) -> list[tuple[str, str]]:
        """(existing actor, reason) for the actors whose name or alias this actor's name or aliases match."""
        out: dict[str, str] = {}
        names = self.names()
        if not names:
            return []
        for text in [actor.name, *(actor.aliases or [])]:
            for other in names.get(key_of(text), ()):
                if other != actor.id and other not in out:
                    out[other] = f"same name or alias “{text}”"
        return sorted(out.items())

    def identifiers(self, ent: Entity) -> tuple[list[tuple[str, str, str]], dict[str, list[str]]]:
        """(system, identifier, FtM property) for the identifiers the entity gives (INN, OGRN, LEI, IMO, ...),
        and, by property, those that fail their check digit (importers/ftm/check_digits.py): warned of, kept
        among the record's FtM values as given, never matched on."""
        out = []
        failed: dict[str, list[str]] = {}
        for prop, system in M.IDENTIFIER_SYSTEMS.items():
            for value in ent.props.get(prop, ()):
                ident = " ".join(value.split())
                if not 0 < len(ident) <= 200:
                    continue
                problem = check_digit_problem(system, ident)
                if problem is None:
                    out.append((system, ident, prop))
                    continue
                failed.setdefault(prop, []).append(value)
                self.report.warn(
                    "identifiers that fail their check (kept as given; not used to find the same actor)",
                    f"{ent.where}: {ent.label}: {prop} {ident[:40]!r}: {problem}",
                )
        return out, failed

    def record_text(self, ent: Entity, country: str | None, countries: list[str]) -> str | None:
        """The FtM record's topics, other countries, addresses and positions, with its datasets and when they
        first and last saw it, as a paragraph: "FtM record (eu_fsf, first seen 2023-04-20): topics ..."."""
        topics = [t for t in ent.values("topics") if not (t in M.STATE_TOPICS and ent.schema == "PublicBody")]
        parts = []
        if topics:
            parts.append("topics " + ", ".join(f"{ftm_model.TOPICS.get(t, t)} ({t})" for t in topics[:MAX_LISTED]))
        if len(countries) > 1 or (countries and stored_country(countries[0]) != country):
            parts.append("countries " + ", ".join(country_label(c) for c in countries[:MAX_LISTED]))
        addresses = self._addresses(ent)
        if addresses:
            parts.append("addresses " + "; ".join(f"“{a[:300]}”" for a in addresses[:MAX_LISTED]))
        positions = self.texts(ent, "position", limit=vocab.MAX_TITLE)
        if positions:
            parts.append("positions " + "; ".join(f"“{p[:300]}”" for p in positions[:MAX_LISTED]))
        if not parts:
            return None
        about = [", ".join(ent.datasets[:MAX_LISTED])] if ent.datasets else []
        if ent.first_seen:
            about.append(f"first seen {ent.first_seen[:10]}")
        if ent.last_seen:
            about.append(f"last seen {ent.last_seen[:10]}")
        head = f"FtM record ({'; '.join(about)})" if about else "FtM record"
        return f"{head}: {'; '.join(parts)}."

    def location(self, ent: Entity, actor: Actor) -> Evidence | None:
        """A finding that links the actor to the occupied regions its addresses, country codes and positions
        name, saying which."""
        regions, said = self.places_of(ent)
        for text in self.texts(ent, "position", limit=vocab.MAX_TITLE):
            found = self.places.in_texts([text])
            if found:
                regions |= found
                said.append(f"position “{text[:300]}”")
        if not regions:
            return None
        claim = f"The FtM record of {actor.name} gives {'; '.join(dict.fromkeys(said))}."
        return Evidence(
            id=f"{actor.id[:110]}-location",
            claim=claim[: vocab.MAX_TEXT],
            category="other",
            source_id=self.source_for(ent),
            locator=f"FtM id {ent.id[:200]}",
            actors=[(actor.id, None)],
            regions=sorted(regions),
            origin=ent.origin(),
        )

    def prefetch_infos(self, entities: list[Entity]) -> None:
        """What the Address and Position entities the chunk names give, in one query."""
        wanted = [v for ent in entities for v in ent.values("addressEntity", "post")]
        self.infos = self.side.infos(wanted) if wanted else {}

    def prefetch_names(self, actor_ids: list[str]) -> None:
        rows = ftm_reads.stored_rows(self.conn, "actors", ("id", "name"), actor_ids) if actor_ids else {}
        self.names_of = {k: v[1] for k, v in rows.items()}

    def _addresses(self, ent: Entity) -> list[str]:
        texts = self.texts(ent, "address", limit=vocab.MAX_TITLE)
        for address in ent.values("addressEntity"):
            info = self.infos.get(address)
            if info and info[0] == "address" and info[2]:
                texts.append(info[2])
            elif info is None:
                self.report.warn(
                    "addressEntity naming no Address of this import (left out: no place known from it, and an export's "
                    "references all resolve)",
                    f"{ent.where}: {ent.label}: addressEntity {address[:100]}",
                )
        return list(dict.fromkeys(texts))

    def places_of(self, ent: Entity, *, codes: bool = True) -> tuple[set[str], list[str]]:
        """Regions named by an entity's country codes, place texts and Address entities, and what named them."""
        values = ent.values(*M.country_properties(ent.schema))
        regions = self.places.of_codes(values) if codes else set()
        said = [f"country code {c}" for c in values if c.lower() in M.COUNTRY_REGIONS] if codes else []
        for text in ent.values("address"):
            found = self.places.in_address([text])
            if found:
                regions |= found
                said.append(f"address “{text[:300]}”")
        for text in ent.values("location", "city", "region"):
            found = self.places.in_texts([text])
            if found:
                regions |= found
                said.append(f"place “{text[:300]}”")
        for address in ent.values("addressEntity"):
            info = self.infos.get(address)
            if info and info[0] == "address" and info[1]:
                regions |= set(info[1])
                said.append(f"address “{info[2][:300]}”")
        return regions, said

    # -------------------------------------------------------------------------------------- findings

    def evidence(self, ent: Entity, n: int) -> Evidence | None:
        ref = self.index.refs[n]
        assert ref is not None
        spec = M.EVIDENCE_SCHEMAS[ent.schema]
        actors: dict[str, str | None] = {}
        wanted = missing = 0
        roles = self._hint(ent, "roles", check_roles) or {}
        source_id: str | None = None
        if ent.schema == M.DOCUMENTATION_SCHEMA:
            docs = [t[1] for d in ent.values("document") if (t := self.index.resolve(d)) and t[0] == EntityKind.SOURCE]
            targets = [self.index.resolve(e) for e in ent.values("entity")]
            if not docs or not any(t and t[0] == EntityKind.ACTOR for t in targets):
                self.index.outcome(n, Outcome.MERGED)  # it names the source of a finding (source_for)
                return None
            source_id = docs[0]
        for prop, role in spec.links:
            for value in ent.values(prop):
                wanted += 1
                target = self.index.resolve(value)
                if target is None:
                    missing += 1
                    self._missing(ent, prop, value)
                elif target[0] == EntityKind.ACTOR:
                    actors.setdefault(target[1], roles.get(target[1], role))
        regions, _ = self.places_of(ent, codes=ent.schema != "Sanction")  # a sanction's country is the authority's
        post = None
        if ent.schema == "Occupancy":
            post = self._post(ent)
            if post:
                regions |= set(post[1])
        hinted = self._hint(ent, "regions", lambda v: [vocab.check_id(r) for r in v])
        if hinted is not None:
            regions = {r for r in hinted if r in self.places.region_ids or r in self.session.seen["regions"]}
        if wanted and missing == wanted and not regions:
            self.index.outcome(n, Outcome.SKIPPED, "findings whose entities are neither in the file nor the database")
            return None
        if not actors and ent.schema in ("Payment", "Occupancy", "Sanction") and not regions:
            self.index.outcome(n, Outcome.SKIPPED, f"{ent.schema} linking no actor that is here")
            return None
        if "id" in ent.hint and ent.values("description"):  # our own export: its description is the claim
            claim = self._capped(ent, self.texts(ent, "description")[0]) if self.texts(ent, "description") else None
        else:
            claim = self.claim(ent, spec, actors, post)
        if claim is None:
            self.index.outcome(n, Outcome.SKIPPED, f"{ent.schema} without any text")
            return None
        quantity, unit, _ = self._amount(ent) if ent.schema == "Payment" else (None, None, None)
        status = self._hint(ent, "status", lambda v: vocab.check_choice(v, vocab.STATUSES)) or "unreviewed"
        if status == "curated" and self.index.modes[n] != Mode.VERIFY:
            self.report.warn(
                "`findings.status: curated` not taken from a file (imported findings are unreviewed)", ent.where
            )
            status = "unreviewed"
        # a sanction's date is its earliest (listed, then renewed); other findings' the first they give
        date = self.earliest(ent, *spec.date_props) if ent.schema == "Sanction" else self.date(ent, *spec.date_props)
        if "date" in ent.hint:  # a dated Note of our own export (FtM's Note has no date)
            date = self._hint(ent, "date", vocab.check_date)
        self.keep("evidence", ref, ent, KEPT["evidence"], {})
        return Evidence(
            id=ref,
            claim=claim,
            category=self._hint(ent, "category", lambda v: vocab.check_choice(v, vocab.CATEGORIES, required=True))
            or spec.category,
            source_id=source_id or self.source_for(ent),
            quote=self._hint(ent, "quote", vocab.check_text),
            date=date,
            quantity=self._hint(ent, "quantity", vocab.check_quantity) if "quantity" in ent.hint else quantity,
            unit=self._hint(ent, "unit", lambda v: vocab.check_text(v, limit=vocab.MAX_NAME))
            if "unit" in ent.hint
            else unit,
            locator=self._hint(ent, "locator", lambda v: vocab.check_text(v, limit=vocab.MAX_NAME))
            if "locator" in ent.hint
            else (self.locator(ent) if not ent.hint else None),
            status=status,
            confidence=self._hint(ent, "confidence", lambda v: vocab.check_choice(v, vocab.CONFIDENCE)),
            lang=self._hint(ent, "lang", check_code),  # None: detected from the claim, as for any import
            actors=list(actors.items()),
            regions=sorted(regions),
            origin=ent.origin(),
        )

    def _post(self, ent: Entity) -> tuple[str, tuple[str, ...]] | None:
        for post in ent.values("post"):
            info = self.infos.get(post)
            if info and info[0] == "position":
                return info[1], tuple(info[2])
        return None

    def _amount(self, ent: Entity) -> tuple[float | int | None, str | None, str | None]:
        """(quantity as stored, currency, the amount as a claim says it): a 32-digit amount is said whole,
        though the stored figure (SQLite's 64 bits) is its nearest float."""
        for prop, currency in (("amount", None), ("amountEur", "EUR"), ("amountUsd", "USD")):
            for value in ent.values(prop):
                digits = value.replace(",", "").replace(" ", "")
                try:
                    number = float(digits)
                except ValueError:
                    self._bad(ent, prop, f"{value[:40]!r} is not a number")
                    continue
                if number != number or number in (float("inf"), float("-inf")):
                    self._bad(ent, prop, f"{value[:40]!r} is not a finite number")
                    continue
                unit = currency or self._one_line(ent, ("currency",), 40)
                whole = digits.lstrip("-").isdigit() and len(digits) <= 400
                shown = f"{int(digits):,}" if whole else f"{number:,}"
                return (int(number) if number.is_integer() and abs(number) < 2**63 else number), unit, shown
        return None, None, None

    def claim(self, ent: Entity, spec: M.EvidenceSpec, actors: dict[str, str | None], post: tuple | None) -> str | None:
        parts = distinct(self.texts(ent, *spec.claim_props))
        text: str | None
        if ent.schema == "Sanction":
            text = self._sanction_claim(ent, parts)
        elif ent.schema == "Payment":
            amount, unit, shown = self._amount(ent)
            head = "Payment"
            if amount is not None:
                head += f" of {shown} {unit or ''}".rstrip()
            payers = [a for a, r in actors.items() if r == "payer"]
            payees = [a for a, r in actors.items() if r == "beneficiary"]
            names = self._actor_names(payers + payees)
            if payers:
                head += " from " + ", ".join(names.get(a, a) for a in payers)
            if payees:
                head += " to " + ", ".join(names.get(a, a) for a in payees)
            text = head + (": " + "; ".join(parts) if parts else "")
        elif ent.schema == "Occupancy":
            holders = self._actor_names(list(actors))
            who = ", ".join(holders.get(a, a) for a in actors) or "The holder"
            text = f"{who} held the position “{post[0]}”" if post else f"{who} held a position"
            text += _period(self.earliest(ent, "startDate", "date"), self.date(ent, "endDate"))
            status = self._one_line(ent, ("status",), vocab.MAX_NAME)
            if status:
                text += f" (status: {status})"
            text = text + "." + (" " + sentences(parts) if parts else "")
        elif ent.schema == M.DOCUMENTATION_SCHEMA:
            parts = distinct(self.texts(ent, "role") + parts)
            titles = [self.index.titles[d] for d in ent.values("document") if d in self.index.titles]
            text = sentences(parts) if parts else f"Documented in “{titles[0]}”." if titles else None
        else:
            text = sentences(parts) if parts else None
        return self._capped(ent, text) if text else None

    def _sanction_claim(self, ent: Entity, parts: list[str]) -> str:
        head = "Sanction"
        authorities = self.texts(ent, "authority", limit=vocab.MAX_NAME)
        programs = self.texts(ent, "program", limit=vocab.MAX_NAME)
        if authorities:
            head += " by " + ", ".join(authorities[:MAX_LISTED])
        if programs:
            head += " under " + ", ".join(programs[:MAX_LISTED])
        ids = self.texts(ent, "programId", limit=vocab.MAX_NAME)
        if ids:
            head += f" ({', '.join(ids[:MAX_LISTED])})"
        start = self.earliest(ent, "startDate", "listingDate", "date")
        ends = self.dates(ent, "endDate")
        end = max(ends) if ends else None
        statuses = self.texts(ent, "status", limit=vocab.MAX_NAME)
        ended = (end is not None and end <= self.today) or any(s.casefold() in M.ENDED_STATUSES for s in statuses)
        head += _period(start, end)
        if statuses:
            head += f", status: {', '.join(statuses)}"
        if ended:
            head += ", no longer in force" if end else ", lifted"
        return head + (": " + "; ".join(parts) if parts else ".")

    def _actor_names(self, ids: list[str]) -> dict[str, str]:
        return {i: self.names_of[i] for i in ids if i in self.names_of}

    def _missing(self, ent: Entity, prop: str, value: str) -> None:
        seen = self.index.number(value)
        why = "was not imported" if seen is not None else "is neither in the file nor the database"
        self.report.warn(
            "references to entities that are not here (skipped)",
            f"{ent.where}: {ent.label}: {prop} {value[:60]!r} {why}",
        )

    # -------------------------------------------------------------------------------------- relations

    def relations(self, ent: Entity, n: int) -> list[Relation]:
        spec = M.RELATION_SCHEMAS[ent.schema]
        ends: dict[str, list[str]] = {}
        for prop in (spec.subject, spec.object):
            ends[prop] = []
            values = ent.values(prop)
            if not values:
                self.index.outcome(n, Outcome.SKIPPED, f"{ent.schema} without {prop}")
                return []
            for value in values:
                target = self.index.resolve(value)
                if target is None:
                    self._missing(ent, prop, value)
                elif target[0] != EntityKind.ACTOR:
                    self.report.warn(
                        f"{ent.schema} whose {prop} is not an actor (skipped)", f"{ent.where}: {ent.label}"
                    )
                else:
                    ends[prop].append(target[1])
        subjects, objects = list(dict.fromkeys(ends[spec.subject])), list(dict.fromkeys(ends[spec.object]))
        if not subjects or not objects:
            self.index.outcome(n, Outcome.SKIPPED, f"{ent.schema} whose ends are not both actors here")
            return []
        if len(subjects) * len(objects) > self.limits.pairs:
            self.index.outcome(
                n,
                Outcome.SKIPPED,
                f"relation entities naming more than {self.limits.pairs:,} pairs of ends (FtM gives one each)",
            )
            return []
        kind = self._hint(ent, "kind", vocab.check_relation_kind) or spec.kind
        role = self._one_line(ent, spec.role_props, vocab.MAX_NAME)
        if spec.kind == "linked-to" and kind != spec.kind and role:  # our export puts the kind in the role
            role = role.removeprefix(f"{kind}: ").removeprefix(kind) or None
        percentage = None
        if ent.schema == "Ownership":
            given = self._one_line(ent, ("percentage",), 40)
            percentage = _percentage(given)
            if given and percentage is None:
                self._bad(ent, "percentage", f"{given!r} is not a percentage (a number from 0 to 100)")
            if percentage and not ent.hint:  # shown with the role, as a reader expects it ("shareholder, 25%")
                role = f"{role}, {percentage}%" if role else f"{percentage}%"
        if "role" in ent.hint:  # our own export: the role as it was, percentage included
            role = self._hint(ent, "role", lambda v: vocab.check_text(v, limit=vocab.MAX_NAME))
        start = self.earliest(ent, "startDate", "date")
        end = self.date(ent, "endDate")
        if start and end and end < start:
            self._bad(ent, "endDate", f"{end} is before the start {start}")
            end = None
        evidence_id = self._hint(ent, "evidence", vocab.check_id)
        if evidence_id and evidence_id not in self.session.seen["evidence"]:
            from store.write import existing_ids

            if not existing_ids(self.conn, "evidence", [evidence_id]):
                self.report.warn("relations citing an unknown finding (link dropped)", ent.where)
                evidence_id = None
        out = []
        import_id = self.import_id(n)
        single = len(subjects) * len(objects) == 1
        for subject in subjects:
            for obj in objects:
                key = ent.id if single else f"{ent.id}#{subject}>{obj}"
                out.append(
                    Relation(
                        subject_id=subject,
                        object_id=obj,
                        kind=kind,
                        role=role,
                        evidence_id=evidence_id,
                        start=start,
                        end=end,
                        percentage=percentage,
                        ftm_id=key,
                        import_id=import_id,
                        origin=ent.origin(),
                    )
                )
                self.keep("relation", key, ent, KEPT["relation"], {})
        return out


def _names_a_country(name: str) -> bool:
    code = country_code(name)
    return code is not None and code not in OCCUPIED_CODES


def _topic_category(topics: list[str]) -> str:
    for prefix, category in M.TOPIC_CATEGORIES:
        if any(t == prefix or t.startswith(prefix + ".") for t in topics):
            return category
    return "other"


def _period(start: str | None, end: str | None) -> str:
    if start and end:
        return f", from {start} to {end}"
    if start:
        return f", from {start}"
    if end:
        return f", until {end}"
    return ""


def _percentage(text: str | None) -> str | None:
    """'25', '25%', '25.5 %' -> the number as FtM gives it; None for what is not a percentage."""
    if not text:
        return None
    number = text.strip().rstrip("%").strip().replace(",", ".")
    try:
        value = float(number)
    except ValueError:
        return None
    return number if 0 <= value <= 100 else None


def _iso_3166_2(code: str) -> bool:
    """ua-43, RU-KRY: two letters, a hyphen, one to three letters or digits."""
    head, _, tail = code.partition("-")
    return len(head) == 2 and head.isalpha() and code.isascii() and 1 <= len(tail) <= 3 and tail.isalnum()
