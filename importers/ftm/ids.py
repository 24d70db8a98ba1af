"""The index of an FtM import: what each FtM id is, and the id it gets here.

Pass 1 reads every line into the index (a few hundred bytes per entity: its kind, last line, name, hint);
then every entity to be imported gets its id: the row an earlier import of the same FtM id made
(`external_ids`), else the id `findings export ftm` wrote in its `findings` hint, else a slug of its name
(with a short hash of the FtM id when the slug is taken, or when there is no name).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterable
from enum import StrEnum

from importers.ftm.lines import Entity, specific
from importers.ftm.report import Report
from importers.ftm.values import Places, entity_name
from importers.matcher import key_of
from importers.slugs import short_hash, slugify
from store import ftm_mapping as M
from store import vocab


class EntityKind(StrEnum):
    """What an FtM entity becomes here (the values are those of `external_ids.kind`)."""

    ACTOR = "actor"
    SOURCE = "source"
    REGION = "region"
    EVIDENCE = "evidence"
    RELATION = "relation"
    ADDRESS = "address"  # place text for the entities that point at it
    SKIP = "skip"  # nothing: a schema with no place here, or an entity that cannot be imported


# The kinds that become rows of a table (and are mapped in external_ids).
TABLES: dict[EntityKind, str] = {
    EntityKind.ACTOR: "actors",
    EntityKind.SOURCE: "sources",
    EntityKind.REGION: "regions",
    EntityKind.EVIDENCE: "evidence",
}


def classify(schema: str) -> EntityKind:
    if schema in M.ACTOR_SCHEMAS:
        return EntityKind.ACTOR
    if schema in M.SOURCE_SCHEMAS:
        return EntityKind.SOURCE
    if schema == M.REGION_SCHEMA:
        return EntityKind.REGION
    if schema in M.EVIDENCE_SCHEMAS:
        return EntityKind.EVIDENCE
    if schema in M.RELATION_SCHEMAS:
        return EntityKind.RELATION
    if schema == M.ADDRESS_SCHEMA:
        return EntityKind.ADDRESS
    return EntityKind.SKIP


class Seen:
    """What pass 1 learnt about one FtM id."""

    __slots__ = ("codes", "count", "hint_id", "kind", "last", "name", "ref", "schema", "write")

    def __init__(self, schema: str, kind: EntityKind, line: int) -> None:
        self.schema = schema
        self.kind = kind
        self.last = line  # the entity's last line (fragments are merged until then)
        self.count = 1
        self.name: str | None = None
        self.hint_id: str | None = None
        self.codes: tuple[str, ...] = ()
        self.ref: str | None = None  # the id it gets here
        self.write = True  # False: it stands for an existing region, which is left as it is


class Index:
    """Every FtM id of the files, what it is and the id it gets; references resolved through it."""

    def __init__(self, conn: sqlite3.Connection, report: Report, places: Places) -> None:
        self.conn = conn
        self.report = report
        self.places = places
        self.entries: dict[str, Seen] = {}
        self.addresses: dict[str, tuple[tuple[str, ...], str]] = {}  # Address id -> (regions, text)
        self.documented_by: dict[str, list[str]] = {}  # entity id -> document ids (Documentation)
        self.titles: dict[str, str] = {}  # document id -> title
        self.db_refs: dict[str, tuple[str, str]] = {}  # per chunk: FtM ids known from earlier imports

    def __getitem__(self, ftm_id: str) -> Seen:
        return self.entries[ftm_id]

    def get(self, ftm_id: str) -> Seen | None:
        return self.entries.get(ftm_id)

    # -------------------------------------------------------------------------------------- pass 1

    def add(self, ent: Entity) -> None:
        known = M.KNOWN_PROPERTIES.get(ent.schema)
        if known is not None:
            for prop in ent.props:
                if prop not in known:
                    self.report.warn(f"unknown property {ent.schema}.{prop[:60]} (ignored)")
        seen = self.entries.get(ent.id)
        if seen is None:
            kind = classify(ent.schema)
            if kind is EntityKind.SKIP:
                if ent.schema in M.FTM_SCHEMAS:
                    self.report.not_imported[ent.schema] += 1
                else:
                    self.report.warn(f"unknown schema {ent.schema[:60]!r} (skipped)")
            seen = self.entries[ent.id] = Seen(ent.schema, kind, ent.line)
        else:
            seen.count += 1
            seen.last = ent.line
            schema = specific(seen.schema, ent.schema)
            if schema != seen.schema:
                seen.schema, seen.kind = schema, classify(schema)
        if seen.kind in TABLES and seen.name is None:
            seen.name = entity_name(ent)
        if seen.hint_id is None and "id" in ent.hint:
            try:
                seen.hint_id = vocab.check_id(ent.hint["id"])
            except ValueError as e:
                self.report.warn("invalid `findings.id` hint (ignored)", f"{ent.file}:{ent.line}: {e}")
        if seen.kind is EntityKind.REGION:
            seen.codes += tuple(v.lower() for v in ent.values("territoryCode", "country"))
        elif seen.kind is EntityKind.ADDRESS:
            self._add_address(ent)
        elif ent.schema == M.DOCUMENTATION_SCHEMA:
            for target in ent.values("entity"):
                self.documented_by.setdefault(target, []).extend(ent.values("document"))
        if seen.kind is EntityKind.SOURCE and seen.name:
            self.titles[ent.id] = seen.name

    def _add_address(self, ent: Entity) -> None:
        texts = ent.values(*M.ADDRESS_PROPS)
        regions = self.places.in_texts(texts) | self.places.of_codes(ent.values("country"))
        if regions:
            full = ent.values("full")[:1] or texts
            self.addresses[ent.id] = (tuple(sorted(regions)), ", ".join(full))

    # -------------------------------------------------------------------------------------- ids

    def assign_ids(self) -> None:
        """Give every entity to be imported the id it gets here (see the module docstring)."""
        from store import ftm_reads
        from store.write import existing_ids

        mapped = [(fid, s) for fid, s in self.entries.items() if s.kind in TABLES]
        for fid, s in mapped:
            if s.kind in (EntityKind.ACTOR, EntityKind.SOURCE, EntityKind.REGION) and not s.name:
                self.report.warn(f"{s.schema} without a name (skipped)", f"{s.schema} {fid[:60]!r}")
                s.kind = EntityKind.SKIP
        mapped = [(fid, s) for fid, s in mapped if s.kind is not EntityKind.SKIP]
        taken: dict[EntityKind, set[str]] = {kind: set() for kind in TABLES}
        earlier = ftm_reads.external_refs(self.conn, [fid for fid, _ in mapped])
        pending: list[tuple[str, Seen]] = []
        for fid, s in mapped:
            if s.hint_id and s.hint_id not in taken[s.kind]:
                s.ref = s.hint_id
            elif fid in earlier and earlier[fid][0] == s.kind and earlier[fid][1] not in taken[s.kind]:
                s.ref = earlier[fid][1]
            elif s.kind is EntityKind.REGION and (region := self._known_region(s)):
                s.ref, s.write = region, False
                continue
            else:
                pending.append((fid, s))
                continue
            taken[s.kind].add(s.ref)
        # Slugs of names, checked against the database a chunk at a time.
        for kind, table in TABLES.items():
            todo = [(fid, s) for fid, s in pending if s.kind is kind]
            for i in range(0, len(todo), 5_000):
                chunk = todo[i : i + 5_000]
                options = {fid: self._candidates(fid, s) for fid, s in chunk}
                in_db = existing_ids(self.conn, table, {c for cands in options.values() for c in cands})
                for fid, s in chunk:
                    free = [c for c in options[fid] if c not in in_db and c not in taken[kind]]
                    s.ref = free[0] if free else f"{options[fid][0]}-{short_hash(fid, 16)}"
                    taken[kind].add(s.ref)
        for s in self.entries.values():
            s.name, s.hint_id, s.codes = None, None, ()

    def _candidates(self, fid: str, s: Seen) -> list[str]:
        base = slugify(s.name) if s.name else None
        if base is None:
            base = slugify(s.schema) or "entity"
            return [f"{base}-{short_hash(fid, 8)}", f"{base}-{short_hash(fid, 12)}"]
        return [base, f"{base}-{short_hash(fid)}", f"{base}-{short_hash(fid, 10)}"]

    def _known_region(self, s: Seen) -> str | None:
        """The existing region a Territory stands for, by its code or its exact name."""
        for code in s.codes:
            if code in M.COUNTRY_REGIONS and M.COUNTRY_REGIONS[code] in self.places.region_ids:
                return M.COUNTRY_REGIONS[code]
            if code.upper() in self.places.region_codes:
                return self.places.region_codes[code.upper()]
        if s.name:
            matches = self.places.matcher.find(s.name)
            if len(matches) == 1 and key_of(matches[0].text) == key_of(s.name):
                regions = [ref for kind, ref in matches[0].targets if kind == "region"]
                if len(regions) == 1:
                    return regions[0]
        return None

    # -------------------------------------------------------------------------------------- references

    def prefetch(self, entities: Iterable[Entity], props: Collection[str]) -> None:
        """Look up, in one query, the references of `entities` that are not in the files."""
        from store import ftm_reads

        outside = {v for ent in entities for p in props for v in ent.props.get(p, ()) if v not in self.entries}
        self.db_refs = ftm_reads.external_refs(self.conn, outside) if outside else {}

    def resolve(self, ftm_id: str) -> tuple[str, str] | None:
        """(kind, id here) of the entity an FtM id names, in the files or from an earlier import."""
        seen = self.entries.get(ftm_id)
        if seen is not None:
            return (seen.kind, seen.ref) if seen.ref and seen.kind in TABLES else None
        return self.db_refs.get(ftm_id)
