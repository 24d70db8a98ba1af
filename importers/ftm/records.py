"""Records from FtM entities: the actors, sources, regions, findings and relations they become.

The mapping is the table in store/ftm_mapping.py. Each method takes one (merged) entity and the id it gets
here; references go through the index. Findings made from an entity with no source document of its own cite a
source standing for the imported file.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from importers.ftm.ids import Index
from importers.ftm.lines import Entity
from importers.ftm.report import Report
from importers.ftm.values import Places, check_roles, country_code, distinct, entity_name, sentences
from importers.slugs import short_hash, slugify
from store import ftm_mapping as M
from store import ftm_reads, vocab
from store.records import Actor, Batch, Evidence, Origin, Region, Relation, Source

if TYPE_CHECKING:
    import sqlite3

    from importers.session import ImportSession

_PARTIAL_DATE = re.compile(r"\d{4}(?:-\d{2}(?:-\d{2})?)?")
_ISO_3166_2 = re.compile(r"[a-z]{2}-[a-z0-9]{1,3}", re.IGNORECASE)


class RecordBuilder:
    """Builds records into `batch` (which the importer writes and renews chunk by chunk)."""

    def __init__(self, session: ImportSession, index: Index, places: Places, report: Report) -> None:
        assert session.conn is not None
        self.session = session
        self.conn: sqlite3.Connection = session.conn
        self.index = index
        self.places = places
        self.report = report
        self.batch = Batch()
        self.file_sources: dict[str, str] = {}  # file name -> id of the source standing for it
        self.relation_keys: set[tuple[str, str, str]] = set()

    # -------------------------------------------------------------------------------------- values

    def _bad(self, ent: Entity, prop: str, error: str) -> None:
        self.report.warn(f"invalid {prop} values (skipped)", f"{ent.file}:{ent.line}: {ent.label}: {prop}: {error}")

    def texts(self, ent: Entity, *props: str, limit: int = vocab.MAX_TEXT) -> list[str]:
        out: list[str] = []
        for prop in props:
            for value in ent.props.get(prop, ()):
                try:
                    text = vocab.check_text(value, limit=limit)
                except ValueError as e:
                    self._bad(ent, prop, str(e))
                    continue
                if text and text not in out:
                    out.append(text)
        return out

    def date(self, ent: Entity, *props: str) -> str | None:
        for prop in props:
            for value in ent.props.get(prop, ()):
                m = _PARTIAL_DATE.match(value)
                try:
                    return vocab.check_date(m.group() if m else value)
                except ValueError as e:
                    self._bad(ent, prop, str(e))
        return None

    def country(self, ent: Entity) -> str | None:
        for prop in M.COUNTRY_PROPS:
            for value in ent.props.get(prop, ()):
                code = country_code(value)
                if code:
                    return code
                if value.lower() not in M.COUNTRY_REGIONS:
                    self._bad(ent, prop, f"{value[:40]!r} is not a known country")
        return None

    def _hint(self, ent: Entity, key: str, check: Any) -> Any:
        if key not in ent.hint:
            return None
        try:
            return check(ent.hint[key])
        except (ValueError, TypeError) as e:
            self.report.warn(f"invalid `findings.{key}` hint (ignored)", f"{ent.file}:{ent.line}: {ent.label}: {e}")
            return None

    def _one_line(self, ent: Entity, props: tuple[str, ...], limit: int) -> str | None:
        values = self.texts(ent, *props, limit=limit)
        return values[0] if values else None

    def _joined(self, ent: Entity, props: tuple[str, ...], separator: str = "\n\n") -> str | None:
        parts = distinct(self.texts(ent, *props))
        if not parts:
            return None
        text = separator.join(parts)
        if len(text) > vocab.MAX_TEXT:
            self.report.warn("texts shortened to the 20,000-character limit", f"{ent.file}:{ent.line}: {ent.label}")
            text = text[: vocab.MAX_TEXT - 1] + "…"
        return text

    # -------------------------------------------------------------------------------------- records

    def actor(self, ent: Entity, ref: str) -> Actor:
        name = entity_name(ent) or ref
        names = self.texts(ent, "name", *M.ALIAS_PROPS, limit=vocab.MAX_NAME)
        seen_names, aliases = {name.casefold()}, []
        for alias in names:
            if alias.casefold() not in seen_names:
                seen_names.add(alias.casefold())
                aliases.append(alias)
        kind = M.ACTOR_SCHEMAS[ent.schema]
        if ent.schema == "PublicBody" and M.STATE_TOPICS & set(ent.values("topics")):
            kind = "state"
        kind = self._hint(ent, "kind", lambda v: vocab.check_choice(v, vocab.ACTOR_KINDS)) or kind
        return Actor(
            id=ref,
            name=name,
            kind=kind,
            country=self.country(ent),
            summary=self._joined(ent, M.SUMMARY_PROPS),
            role=self._hint(ent, "role", lambda v: vocab.check_text(v, limit=vocab.MAX_TITLE)),
            aliases=aliases,
            origin=ent.origin(),
        )

    def source(self, ent: Entity, ref: str) -> Source:
        urls = []
        for value in ent.values("sourceUrl"):
            try:
                urls.append(vocab.check_url(value))
            except ValueError as e:
                self._bad(ent, "sourceUrl", str(e))
        authors = self.texts(ent, "author", limit=vocab.MAX_NAME)
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

    def region(self, ent: Entity, ref: str) -> Region:
        name = entity_name(ent) or ref
        aliases = [a for a in self.texts(ent, "name", "alias", limit=vocab.MAX_NAME) if a.casefold() != name.casefold()]
        iso = next((c.upper() for c in ent.values("territoryCode") if _ISO_3166_2.fullmatch(c)), None)
        if iso and iso.lower() in M.COUNTRY_REGIONS:
            iso = None  # ua-cri is FtM's code, not ISO 3166-2
        parent = None
        for value in ent.values("partOf"):
            target = self.index.resolve(value)
            if target and target[0] == "region" and target[1] != ref:
                parent = target[1]
                break
        level = next((M.TERRITORY_LEVELS[v] for v in ent.values("level") if v in M.TERRITORY_LEVELS), None)
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

    def _places(self, ent: Entity, *, codes: bool = True) -> tuple[set[str], list[str]]:
        """Regions named by an entity's country codes, place texts and Address entities, and those texts."""
        regions = self.places.of_codes(ent.values(*M.COUNTRY_PROPS)) if codes else set()
        said = [f"country code {c}" for c in ent.values(*M.COUNTRY_PROPS) if c.lower() in M.COUNTRY_REGIONS]
        for text in ent.values(*M.PLACE_PROPS):
            found = self.places.in_texts([text])
            if found:
                regions |= found
                said.append(f"address “{text[:300]}”")
        for address in ent.values("addressEntity"):
            if address in self.index.addresses:
                found_regions, text = self.index.addresses[address]
                regions |= set(found_regions)
                said.append(f"address “{text[:300]}”")
        return regions, said

    def actor_location(self, ent: Entity, ref: str) -> None:
        """A finding that links an actor to the region its address or country code names."""
        regions, said = self._places(ent)
        if not regions:
            return
        name = entity_name(ent) or ref
        claim = f"The FtM record of {name} gives {'; '.join(dict.fromkeys(said))}."
        self.batch.evidence.append(
            Evidence(
                id=f"{ref[:110]}-location",
                claim=claim[: vocab.MAX_TEXT],
                category="other",
                source_id=self.source_for(ent),
                status="unreviewed",
                actors=[(ref, None)],
                regions=sorted(regions),
                origin=ent.origin(),
            )
        )

    def source_for(self, ent: Entity) -> str:
        """The first proof document, else a Documentation's document, else the file's own source."""
        for doc in ent.values("proof") + self.index.documented_by.get(ent.id, []):
            target = self.index.resolve(doc)
            if target and target[0] == "source":
                return target[1]
        return self.file_source(ent.file)

    def file_source(self, file: str) -> str:
        if file in self.file_sources:
            return self.file_sources[file]
        base = Path(file).name if file != "<stdin>" else "stdin"
        title = f"FollowTheMoney file {base}"
        source_id = f"ftm-{slugify(Path(base).stem) or 'file'}"
        stored = ftm_reads.source_title(self.conn, source_id)
        if (stored is not None and stored != title) or source_id in self.session.seen["sources"]:
            source_id = f"{source_id}-{short_hash(file)}"
        self.batch.sources.append(
            Source(
                id=source_id,
                title=title,
                kind="dataset",
                notes="Entities imported with `findings import ftm`; the findings made from them that name no "
                "source document of their own cite this file.",
                origin=Origin(file, None, "file"),
            )
        )
        self.file_sources[file] = source_id
        return source_id

    def evidence(self, ent: Entity, ref: str) -> Evidence | None:
        spec = M.EVIDENCE_SCHEMAS[ent.schema]
        actors: dict[str, str | None] = {}
        wanted = missing = 0
        roles = self._hint(ent, "roles", check_roles) or {}
        source_id: str | None = None
        if ent.schema == M.DOCUMENTATION_SCHEMA:
            docs = [t[1] for d in ent.values("document") if (t := self.index.resolve(d)) and t[0] == "source"]
            targets = [self.index.resolve(e) for e in ent.values("entity")]
            if not docs or not any(t and t[0] == "actor" for t in targets):
                return None  # it only names the source of a finding (see source_for), or links nothing we keep
            source_id = docs[0]
        for prop, role in spec.links:
            for value in ent.values(prop):
                wanted += 1
                target = self.index.resolve(value)
                if target is None:
                    missing += 1
                    self._missing(ent, prop, value)
                elif target[0] == "actor":
                    actors.setdefault(target[1], roles.get(target[1], role))
        regions, _ = self._places(ent, codes=ent.schema != "Sanction")  # a sanction's country is the authority's
        hinted = self._hint(ent, "regions", lambda v: [vocab.check_id(r) for r in v])
        if hinted is not None:
            regions = {r for r in hinted if r in self.places.region_ids or r in self.session.seen["regions"]}
        if wanted and missing == wanted and not regions:
            self.report.warn(
                "findings whose entities are neither in the file nor the database (skipped)",
                f"{ent.file}:{ent.line}: {ent.label}",
            )
            return None
        claim = self.claim(ent, spec)
        if claim is None:
            self.report.warn(f"{ent.schema} without any text (skipped)", f"{ent.file}:{ent.line}: {ent.label}")
            return None
        return Evidence(
            id=ref,
            claim=claim,
            category=self._hint(ent, "category", lambda v: vocab.check_choice(v, vocab.CATEGORIES, required=True))
            or spec.category,
            source_id=source_id or self.source_for(ent),
            quote=self._hint(ent, "quote", vocab.check_text),
            date=self.date(ent, *spec.date_props),
            quantity=self._hint(ent, "quantity", vocab.check_quantity),
            unit=self._hint(ent, "unit", lambda v: vocab.check_text(v, limit=vocab.MAX_NAME)),
            locator=self._hint(ent, "locator", lambda v: vocab.check_text(v, limit=vocab.MAX_NAME)),
            status=self._hint(ent, "status", lambda v: vocab.check_choice(v, vocab.STATUSES)) or "unreviewed",
            confidence=self._hint(ent, "confidence", lambda v: vocab.check_choice(v, vocab.CONFIDENCE)),
            actors=list(actors.items()),
            regions=sorted(regions),
            origin=ent.origin(),
        )

    def claim(self, ent: Entity, spec: M.EvidenceSpec) -> str | None:
        parts = distinct(self.texts(ent, *spec.claim_props))
        if ent.schema == "Sanction":
            head = "Sanction"
            authorities = self.texts(ent, "authority", limit=vocab.MAX_NAME)
            programs = self.texts(ent, "program", limit=vocab.MAX_NAME)
            if authorities:
                head += " by " + ", ".join(authorities)
            if programs:
                head += " under " + ", ".join(programs)
            text = head + (": " + "; ".join(parts) if parts else "")
        elif ent.schema == M.DOCUMENTATION_SCHEMA:
            parts = distinct(self.texts(ent, "role") + parts)
            titles = [self.index.titles[d] for d in ent.values("document") if d in self.index.titles]
            text = sentences(parts) if parts else f"Documented in “{titles[0]}”." if titles else None
        else:
            text = sentences(parts) if parts else None
        if text and len(text) > vocab.MAX_TEXT:
            self.report.warn("texts shortened to the 20,000-character limit", f"{ent.file}:{ent.line}: {ent.label}")
            text = text[: vocab.MAX_TEXT - 1] + "…"
        return text

    def _missing(self, ent: Entity, prop: str, value: str) -> None:
        seen = self.index.get(value)
        why = "was not imported" if seen is not None else "is neither in the file nor the database"
        self.report.warn(
            "references to entities that are not here (skipped)",
            f"{ent.file}:{ent.line}: {ent.label}: {prop} {value[:60]!r} {why}",
        )

    def relations(self, ent: Entity) -> list[Relation]:
        spec = M.RELATION_SCHEMAS[ent.schema]
        ends: dict[str, list[str]] = {}
        for prop in (spec.subject, spec.object):
            ends[prop] = []
            values = ent.values(prop)
            if not values:
                self.report.warn(f"{ent.schema} without {prop} (skipped)", f"{ent.file}:{ent.line}: {ent.label}")
            for value in values:
                target = self.index.resolve(value)
                if target is None:
                    self._missing(ent, prop, value)
                elif target[0] != "actor":
                    self.report.warn(
                        f"{ent.schema} whose {prop} is not an actor (skipped)", f"{ent.file}:{ent.line}: {ent.label}"
                    )
                else:
                    ends[prop].append(target[1])
        kind = self._hint(ent, "kind", vocab.check_relation_kind) or spec.kind
        role = self._one_line(ent, spec.role_props, vocab.MAX_NAME)
        if ent.schema == "Ownership" and not ent.hint:
            percentage = self._one_line(ent, ("percentage",), 40)
            if percentage:
                percentage = percentage if percentage.endswith("%") else f"{percentage}%"
                role = f"{role}, {percentage}" if role else percentage
        start = self.date(ent, "startDate", "date")
        end = self.date(ent, "endDate")
        if start and end and end < start:
            self._bad(ent, "endDate", f"{end} is before the start {start}")
            end = None
        evidence_id = self._hint(ent, "evidence", vocab.check_id)
        if evidence_id and evidence_id not in self.session.seen["evidence"]:
            from store.write import existing_ids

            if not existing_ids(self.conn, "evidence", [evidence_id]):
                self.report.warn("relations citing an unknown finding (link dropped)", f"{ent.file}:{ent.line}")
                evidence_id = None
        out = []
        for subject in ends[spec.subject]:
            for obj in ends[spec.object]:
                key = (subject, obj, kind)
                if key in self.relation_keys:
                    self.report.warn("the same relation twice (later ones skipped)", f"{ent.file}:{ent.line}")
                    continue
                self.relation_keys.add(key)
                out.append(Relation(subject, obj, kind, role, evidence_id, start, end, ent.origin()))
        return out
