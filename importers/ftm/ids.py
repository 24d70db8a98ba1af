"""The index of an FtM import: what each FtM id is, the id it gets here, and whether the import may write it.

Pass 1 adds every entity to the index, compactly (one dict entry and a few array slots per entity: about
200 bytes). Then each entity to be imported gets its id and a mode:

- OWN: an earlier import of this FtM id (or one of its referents) created the record: it is updated;
- READONLY: it stands for a record from elsewhere, which is never written: an existing region with its code or
  name, a record its `findings.id` hint names and it equals exactly, a record a reviewer merged it into;
- VERIFY: its hint names an existing record this FtM id did not create: when the record is built it is
  compared with the stored one; equal, it becomes READONLY, else the hint is refused and it gets its own id;
- NEW: the import creates it: under its hint's id when that id is free, else a slug of its name (with a short
  hash of the FtM id when the slug is taken, or when it has no name).

Provenance, not trust: a file's private `findings` key can name any id, so it is honoured only for records the
same FtM entity created (or that it matches exactly), never for a curated record it would change.
"""

from __future__ import annotations

import sqlite3
from array import array
from collections.abc import Collection, Iterable
from enum import IntEnum, StrEnum

from importers.ftm.entities import Entity, specific
from importers.ftm.report import Outcome, Report
from importers.ftm.side import SideStore
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
    POSITION = "position"  # the post of the Occupancies that name it
    SKIP = "skip"  # nothing: a schema with no place here, or an entity that cannot be imported


KINDS = list(EntityKind)
CODE = {kind: i for i, kind in enumerate(KINDS)}

# The kinds that become rows of a table (and are mapped in external_ids).
TABLES: dict[EntityKind, str] = {
    EntityKind.ACTOR: "actors",
    EntityKind.SOURCE: "sources",
    EntityKind.REGION: "regions",
    EntityKind.EVIDENCE: "evidence",
}
NAMED = (EntityKind.ACTOR, EntityKind.SOURCE, EntityKind.REGION)


class Mode(IntEnum):
    NEW = 0
    OWN = 1
    READONLY = 2
    VERIFY = 3


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
    if schema == M.POSITION_SCHEMA:
        return EntityKind.POSITION
    return EntityKind.SKIP


class Index:
    """Every FtM id of the files, what it is and the id it gets; references are resolved through it."""

    def __init__(self, conn: sqlite3.Connection, report: Report, places: Places, side: SideStore) -> None:
        self.conn = conn
        self.report = report
        self.places = places
        self.side = side
        self.numbers: dict[str, int] = {}  # FtM id -> entity number (in the order the entities came)
        self.kinds = bytearray()
        self.modes = bytearray()
        self.outcomes = bytearray()
        self.schema_codes = array("H")  # its schema, as an index into `schema_names`
        self.schema_names: list[str] = []
        self._schema_code: dict[str, int] = {}
        self.verify_fids: dict[int, str] = {}  # the FtM ids of the entities in mode VERIFY
        self.counts = array("I")  # records (fragments) of the entity
        self.last = array("I")  # spool sequence number of its last fragment
        self.files = array("H")  # index of the file of its last fragment
        self.refs: list[str | None] = []  # the id it gets here
        self.slugs: list[str | None] = []  # pass 1 only: the slug of its name
        self.hints: dict[int, str] = {}  # `findings.id` hints
        self.codes: dict[int, tuple[str, ...]] = {}  # Territories: their codes
        self.region_names: dict[int, str] = {}  # Territories: their names
        self.documented_by: dict[str, list[str]] = {}  # entity id -> document ids (Documentation)
        self.titles: dict[str, str] = {}  # document id -> title
        self.db_refs: dict[str, tuple[str, str, bool]] = {}  # per chunk: FtM ids known from earlier imports
        # A dry run writes nothing, so what a real import would find in external_ids from its own earlier
        # chunks (referents and identifiers of its actors) is kept here: (system, external id) -> (kind, id).
        self.planned: dict[tuple[str, str], tuple[str, str]] | None = None
        self.keep_slugs: dict[int, str | None] = {}

    def __len__(self) -> int:
        return len(self.numbers)

    def schema(self, n: int) -> str:
        return self.schema_names[self.schema_codes[n]]

    def _code(self, schema: str) -> int:
        code = self._schema_code.get(schema)
        if code is None:
            code = self._schema_code[schema] = len(self.schema_names)
            self.schema_names.append(schema)
        return code

    def fids(self) -> list[str]:
        """Entity number -> FtM id (a list made on demand: the ids are the dict's keys, in order)."""
        return list(self.numbers)

    def number(self, ftm_id: str) -> int | None:
        return self.numbers.get(ftm_id)

    def kind(self, n: int) -> EntityKind:
        return KINDS[self.kinds[n]]

    def set_kind(self, n: int, kind: EntityKind) -> None:
        self.kinds[n] = CODE[kind]

    def outcome(self, n: int, outcome: Outcome, reason: str | None = None) -> None:
        self.outcomes[n] = outcome
        if reason is not None:
            self.report.skip_reason(n, reason)

    # -------------------------------------------------------------------------------------- pass 1

    def add(self, ent: Entity, seq: int, file_index: int) -> str | None:
        """Index one record of an entity. Returns why it cannot join the entity's earlier records (FtM refuses
        to merge their schemata), or None."""
        self._check_properties(ent)
        n = self.numbers.get(ent.id)
        if n is None:
            kind = classify(ent.schema)
            if kind is EntityKind.SKIP:
                if M.is_schema(ent.schema):
                    self.report.not_imported[ent.schema] += 1
                else:
                    self.report.warn("unknown schemas (skipped)", subject=ent.schema[:60])
            n = len(self.numbers)
            self.numbers[ent.id] = n
            self.kinds.append(CODE[kind])
            self.modes.append(Mode.NEW)
            self.outcomes.append(Outcome.IMPORTED)
            self.schema_codes.append(self._code(ent.schema))
            self.counts.append(1)
            self.last.append(seq)
            self.files.append(file_index)
            self.refs.append(None)
            self.slugs.append(None)
        else:
            schema = self.schema(n)
            if ent.replace:
                merged = ent.schema
            elif M.is_schema(schema) and M.is_schema(ent.schema):
                merged = M.common_schema(schema, ent.schema)  # type: ignore[assignment]
                if merged is None:
                    return (
                        f"its schema {ent.schema} cannot merge with {schema}, given for the same id before "
                        "(FtM: no common schema)"
                    )
            else:
                merged = specific(schema, ent.schema)
            self.counts[n] += 1
            self.last[n] = seq
            self.files[n] = file_index
            if merged != schema:
                self.schema_codes[n] = self._code(merged)
                self.kinds[n] = CODE[classify(merged)]
        kind = self.kind(n)
        if kind in TABLES and (self.slugs[n] is None or ent.replace):  # (a delta's ADD or MOD: the name it gives)
            name = entity_name(ent)
            if name is not None:
                self.slugs[n] = slugify(name) or ""
                if kind is EntityKind.REGION:
                    self.region_names[n] = name
        if n not in self.hints and "id" in ent.hint:
            try:
                self.hints[n] = vocab.check_id(ent.hint["id"])
            except ValueError as e:
                self.report.warn("invalid `findings.id` hints (ignored)", f"{ent.where}: {e}")
        if kind is EntityKind.REGION:
            self.codes[n] = self.codes.get(n, ()) + tuple(v.lower() for v in ent.values("territoryCode", "country"))
        elif ent.schema == M.DOCUMENTATION_SCHEMA:
            for target in ent.values("entity"):
                self.documented_by.setdefault(target, []).extend(ent.values("document"))
        if kind is EntityKind.SOURCE and ent.id not in self.titles:
            title = entity_name(ent)
            if title:
                self.titles[ent.id] = title
        return None

    def _check_properties(self, ent: Entity) -> None:
        known = M.properties(ent.schema)
        if not known:
            return
        for prop in ent.props:
            if prop not in known:
                self.report.warn("unknown properties (ignored)", subject=f"{ent.schema}.{prop[:60]}")

    # -------------------------------------------------------------------------------------- ids

    def assign_ids(self) -> None:
        """Give every entity to be imported its id here and its mode (see the module docstring)."""
        from store import ftm_reads
        from store.write import existing_ids

        fids = self.fids()
        mapped: list[int] = []
        for n in range(len(fids)):
            kind = self.kind(n)
            if kind not in TABLES:
                continue
            if kind in NAMED and self.slugs[n] is None:
                self.set_kind(n, EntityKind.SKIP)
                self.outcome(n, Outcome.SKIPPED, f"{self.schema(n)} without a name")
                continue
            mapped.append(n)
        taken: dict[EntityKind, set[str]] = {kind: set() for kind in TABLES}
        earlier = ftm_reads.external_refs(self.conn, [fids[n] for n in mapped])
        hinted: dict[EntityKind, list[int]] = {kind: [] for kind in TABLES}
        pending: dict[EntityKind, list[int]] = {kind: [] for kind in TABLES}
        for n in mapped:
            kind, fid = self.kind(n), fids[n]
            if fid in earlier and earlier[fid][0] == kind and earlier[fid][1] not in taken[kind]:
                _, ref, created = earlier[fid]
                self.refs[n], self.modes[n] = ref, Mode.OWN if created else Mode.READONLY
                taken[kind].add(ref)
            elif n in self.hints and self.hints[n] not in taken[kind]:
                hinted[kind].append(n)
                taken[kind].add(self.hints[n])
            elif kind is EntityKind.REGION and (region := self._known_region(n)):
                self.refs[n], self.modes[n] = region, Mode.READONLY
                self.outcome(n, Outcome.MERGED)
            else:
                pending[kind].append(n)
        for kind, table in TABLES.items():
            if hinted[kind]:
                exist = existing_ids(self.conn, table, [self.hints[n] for n in hinted[kind]])
                for n in hinted[kind]:
                    self.refs[n] = self.hints[n]
                    self.modes[n] = Mode.VERIFY if self.hints[n] in exist else Mode.NEW
            # Slugs of names, checked against the database a chunk at a time.
            todo = pending[kind]
            for i in range(0, len(todo), 5_000):
                chunk = todo[i : i + 5_000]
                options = {n: self._candidates(n, fids[n]) for n in chunk}
                in_db = existing_ids(self.conn, table, {c for cands in options.values() for c in cands})
                for n in chunk:
                    free = [c for c in options[n] if c not in in_db and c not in taken[kind]]
                    self.refs[n] = free[0] if free else f"{options[n][0]}-{short_hash(fids[n], 16)}"
                    taken[kind].add(self.refs[n])  # type: ignore[arg-type]
        self.keep_slugs = {n: self.slugs[n] for n in range(len(fids)) if self.modes[n] == Mode.VERIFY}
        self.verify_fids = {n: fids[n] for n in self.keep_slugs}
        self.slugs = []
        self.codes.clear()
        self.region_names.clear()

    def _candidates(self, n: int, fid: str) -> list[str]:
        slug = self.slugs[n]
        if not slug:
            base = slugify(self.schema(n)) or "entity"
            return [f"{base}-{short_hash(fid, 8)}", f"{base}-{short_hash(fid, 12)}"]
        return [slug, f"{slug}-{short_hash(fid)}", f"{slug}-{short_hash(fid, 10)}"]

    def own_id(self, n: int) -> str:
        """An id for an entity whose hint was refused: its slug with a hash of its FtM id, free in the database."""
        from store.write import existing_ids

        kind = self.kind(n)
        base = self.keep_slugs.get(n) or slugify(self.schema(n)) or "entity"
        for size in (12, 16, 24, 40):
            candidate = f"{base[: vocab.MAX_ID - size - 1]}-{short_hash(self.verify_fids[n], size)}"
            if not existing_ids(self.conn, TABLES[kind], [candidate]):
                return candidate
        raise AssertionError("a SHA-1 collision")  # pragma: no cover

    def _known_region(self, n: int) -> str | None:
        """The existing region a Territory stands for: by its code, or a region's own name or alias (a
        gazetteer place such as Kerch is a city in a region, not the region)."""
        for code in self.codes.get(n, ()):
            if region := self.places.of_code(code):
                return region
            if code.upper() in self.places.region_codes:
                return self.places.region_codes[code.upper()]
        name = self.region_names.get(n)
        if name:
            regions = self.places.own_names.get(key_of(name), ())
            if len(regions) == 1:
                return next(iter(regions))
        return None

    # -------------------------------------------------------------------------------------- references

    def prefetch(self, entities: Iterable[Entity], props: Collection[str]) -> None:
        """Look up, in one query, the references of `entities` that are not in the files."""

        outside = {v for ent in entities for p in props for v in ent.props.get(p, ()) if v not in self.numbers}
        self.db_refs = self.external_refs(outside) if outside else {}

    def external_refs(self, ftm_ids: Collection[str]) -> dict[str, tuple[str, str, bool]]:
        """ftm_reads.external_refs, and in a dry run the referents this import has planned so far (as a real
        import would have written them: over an older referent mapping, never over an entity's own id)."""
        from store import ftm_reads

        found = ftm_reads.external_refs(self.conn, ftm_ids)
        if self.planned:
            for fid in ftm_ids:
                mine = self.planned.get((ftm_reads.REFERENT, fid))
                own = self.planned.get((ftm_reads.SYSTEM, fid))
                if own is not None:
                    found[fid] = (*own, True)
                elif mine is not None and not self._own_in_db(fid, found):
                    found[fid] = (*mine, True)
        return found

    def _own_in_db(self, fid: str, found: dict[str, tuple[str, str, bool]]) -> bool:
        """Whether `found[fid]` came from an entity's own id in the database (which a referent never replaces)."""
        from store import ftm_reads

        return fid in found and fid in ftm_reads.mapped(self.conn, [fid])

    def identifier_refs(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """ftm_reads.identifier_refs, and in a dry run the identifiers this import has planned so far."""
        from store import ftm_reads

        found = ftm_reads.identifier_refs(self.conn, keys)
        if self.planned:
            for key in keys:
                mine = self.planned.get(key)
                if mine is not None and mine[0] == "actor":
                    found[key] = mine[1]
        return found

    def plan(self, system: str, external_id: str, kind: str, ref: str) -> None:
        """In a dry run: an external id this import would have written."""
        if self.planned is not None:
            self.planned[(system, external_id)] = (kind, ref)

    def resolve(self, ftm_id: str) -> tuple[str, str] | None:
        """(kind, id here) of the entity an FtM id names: in the files, or in the database by its id or one of
        its referents (this import writes actors' referents before the findings and relations that may name
        them, so a reference to a referent reaches an entity of the same import too, except in a dry run)."""
        n = self.numbers.get(ftm_id)
        if n is not None:
            ref = self.refs[n]
            kind = self.kind(n)
            return (kind, ref) if ref and kind in TABLES else None
        found = self.db_refs.get(ftm_id)
        return (found[0], found[1]) if found else None

    def writable(self, n: int) -> bool:
        return self.modes[n] in (Mode.NEW, Mode.OWN, Mode.VERIFY) and self.refs[n] is not None
