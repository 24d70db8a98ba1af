"""The passes of an FtM import over its files, in one ImportSession (one transaction; `--dry-run` plans only).

1. read every input once, in whichever form (importers/ftm/reader.py), check each record, add it to the index
   and the spool; then give every entity the id it gets here and the mode it is written in (ids.py);
2. regions; 3. sources and actors (with their FtM record, identifiers, referents, location findings and
   proposed links);
4. findings; 5. relations: each reference points backwards;
6. a delta file's deletions, and with --prune what earlier imports of the same file made that it no longer has.

Passes 2-5 read the spool, not the files, and build records a chunk at a time: memory holds the index and one
chunk, never a file.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import click

from importers.ftm.entities import Entity, LineError, entity_from
from importers.ftm.ids import CODE, EntityKind, Index, Mode
from importers.ftm.limits import Limits
from importers.ftm.reader import InputFile, ItemKind
from importers.ftm.records import KEPT, SYSTEM, RecordBuilder
from importers.ftm.report import Outcome, Report
from importers.ftm.side import SideStore
from importers.ftm.spool import Spool
from importers.ftm.statements import Aggregator
from importers.ftm.values import Places
from importers.session import ImportSession
from store import ftm_mapping as M
from store import ftm_reads, ftm_writes
from store.errors import DataError
from store.ftm_reads import REFERENT
from store.ftm_writes import Proposal
from store.records import Actor, Batch, Evidence, ExternalId, Region, Source
from store.schema import ACTOR_COLUMNS, EVIDENCE_COLUMNS, REGION_COLUMNS, SOURCE_COLUMNS
from store.write import existing_ids

CHUNK = 1_000  # entities per write
CHUNK_BYTES = 8 * 1024 * 1024  # ... or fewer, when they are big: memory holds one chunk
MAX_PROPOSALS_KEPT = 10_000  # proposals listed in the report (all are written)
CACHE_KB = 16 * 1024
_COLUMNS = {"actors": ACTOR_COLUMNS, "sources": SOURCE_COLUMNS, "regions": REGION_COLUMNS, "evidence": EVIDENCE_COLUMNS}


class FtmImport:
    def __init__(self, session: ImportSession, report: Report, limits: Limits, *, skip_invalid: bool) -> None:
        assert session.conn is not None
        # A smaller page cache than other imports': memory stays a few hundred bytes per entity on large files
        # (the cost is more pages spilled to the WAL, about a tenth more time).
        session.conn.execute(f"PRAGMA cache_size = -{CACHE_KB}")
        self.session = session
        self.conn = session.conn
        self.report = report
        self.limits = limits
        self.skip_invalid = skip_invalid
        self.places = Places(session.conn)
        self.side = SideStore()
        self.spool = Spool()
        self.index = Index(session.conn, report, self.places, self.side)
        if session.dry_run:
            self.index.planned = {}
        self.records = RecordBuilder(session, self.index, self.places, report, self.side, limits)
        self.files: list[str] = []
        self.deletes: list[tuple[str, int, int, str]] = []  # (FtM id, spool position, file index, where)
        self.extra: Counter[str] = Counter()  # outcomes of records that are not entities of the index
        self.reads = 0

    def close(self) -> None:
        self.spool.close()
        self.side.close()

    # -------------------------------------------------------------------------------------- pass 1

    def read(self, f: InputFile) -> None:
        file_index = len(self.files)
        self.files.append(f.name)
        aggregator: Aggregator | None = None
        before = self.report.records_in + self.report.statements
        try:
            for item in f.items():
                self._count(f, item.line)
                if item.error is not None:
                    self._invalid(f, item.line, item.error)
                    continue
                try:
                    if item.kind is ItemKind.STATEMENT:
                        if aggregator is None:
                            aggregator = Aggregator()
                        aggregator.add(item.data, item.line)
                        self.report.statements += 1
                        self.report.records_in -= 1  # counted when rolled up into an entity
                        continue
                    entities: list[Entity] = []
                    if item.kind is ItemKind.DELTA:
                        if not self._delta(item.data, entities, f, file_index, item.line):
                            continue
                    else:
                        entity_from(item.data, self.limits, entities)
                except LineError as e:
                    self._invalid(f, item.line, str(e))
                    continue
                self._add_all(entities, f, file_index, item.line)
            if aggregator is not None:
                for line, data in aggregator.entities():
                    self._count(f, line)
                    entities = []
                    try:
                        if isinstance(data, LineError):
                            raise data
                        entity_from(data, self.limits, entities)
                    except LineError as e:
                        self._invalid(f, line, str(e))
                        continue
                    self._add_all(entities, f, file_index, line)
        finally:
            if aggregator is not None:
                aggregator.close()
        self.report.forms[f.name] = str(f.form) + (", gzip-compressed" if f.compressed else "")
        if self.report.records_in + self.report.statements == before:
            raise DataError("is empty" if f.form is None else "holds no records", file=f.name)

    def _count(self, f: InputFile, line: int) -> None:
        self.report.records_in += 1
        self.reads += 1
        if self.reads > self.limits.records:
            raise DataError(
                f"holds more than {self.limits.records:,} records, the limit for one import (--max-records raises it)",
                file=f.name,
                line=line,
            )

    def _invalid(self, f: InputFile, line: int, message: str) -> None:
        if not self.skip_invalid:
            raise DataError(f"{message} (use --skip-invalid to import the other records)", file=f.name, line=line)
        self.report.skipped_lines.append(f"{f.name}:{line}: {message}")
        self.extra["skipped:not valid FtM (listed under “skipped”)"] += 1

    def _delta(self, data: object, entities: list[Entity], f: InputFile, file_index: int, line: int) -> bool:
        """One delta operation: ADD and MOD carry an entity that replaces what came before; DEL names one."""
        if not isinstance(data, dict) or not isinstance(data.get("entity"), dict):
            raise LineError("is a delta operation without an `entity` object")
        op = data.get("op")
        if op == "DEL":
            ident = data["entity"].get("id")
            if not isinstance(ident, str) or not ident.strip():
                raise LineError("is a DEL without the `id` of the entity it deletes")
            self.deletes.append((ident.strip(), self.spool.count, file_index, f"{f.name}:{line}"))
            return False
        if op not in ("ADD", "MOD"):
            raise LineError(f"has the delta operation {str(op)[:20]!r}; FtM deltas have ADD, MOD and DEL")
        entity_from(data["entity"], self.limits, entities)
        entities[0].replace = True
        return True

    def _add_all(self, entities: list[Entity], f: InputFile, file_index: int, line: int) -> None:
        for i, ent in enumerate(entities):
            ent.file, ent.line = f.name, line
            if i:  # entities embedded in the first: records of their own
                self._count(f, line)
            why = self.index.add(ent, self.spool.count, file_index)
            if why is not None:
                self._invalid(f, line, why)
                continue
            n = self.index.numbers[ent.id]
            for prop in M.UNUSED_TEXTS.intersection(ent.props):
                del ent.props[prop]
            self.spool.write(n, ent.to_record(file_index))
            kind = self.index.kind(n)
            if kind is EntityKind.ADDRESS:
                regions = tuple(sorted(self.places.of_address(ent)))
                full = ent.values("full")[:1] or ent.values(*M.ADDRESS_PROPS)
                self.side.put_info(ent.id, ("address", regions, ", ".join(full)[:1_000]))
            elif kind is EntityKind.POSITION:
                name = next(iter(self.records.texts(ent, "name", limit=1_000)), None)
                if name:
                    named = self.places.in_texts(ent.values(*M.POSITION_PROPS))
                    named |= self.places.of_codes(ent.values("country"))
                    self.side.put_info(ent.id, ("position", name, tuple(sorted(named))))

    def settle_deletes(self) -> None:
        """A DEL followed by a later ADD or MOD of the same entity (in file order) changes nothing; one that
        comes after the entity's records in this import means the entity is not imported."""
        kept = []
        for fid, position, file_index, where in self.deletes:
            n = self.index.number(fid)
            if n is not None and self.index.last[n] >= position:
                self.extra["skipped:DEL followed by a later ADD or MOD of the entity"] += 1
                continue
            if n is not None:
                self.index.set_kind(n, EntityKind.SKIP)
                self.index.outcome(n, Outcome.SKIPPED, "added and then deleted (DEL) in this import")
            kept.append((fid, position, file_index, where))
        self.deletes = kept

    # -------------------------------------------------------------------------------------- passes 2-5

    def entities(self, *kinds: EntityKind) -> Iterator[tuple[Entity, int, int]]:
        """(entity, number, size) of the entities of these kinds, fragments merged into one, as they come in
        the spool."""
        codes = {CODE[k] for k in kinds}
        index, files = self.index, self.files
        index_kinds = index.kinds
        for seq, n, rec, size in self.spool.records(lambda n: index_kinds[n] in codes):
            if index.counts[n] > 1:
                if seq != index.last[n]:
                    self.side.put_fragment(rec[0], seq, rec)
                    continue
                parts = [*self.side.take_fragments(rec[0]), rec]
                ent = Entity.from_record(parts[0], files)
                for part in parts[1:]:
                    nxt = Entity.from_record(part, files)
                    if nxt.replace:
                        ent = nxt
                    else:
                        ent.merge(nxt)
                ent.schema = index.schema(n)
            else:
                ent = Entity.from_record(rec, files)
            yield ent, n, size

    def chunks(self, *kinds: EntityKind) -> Iterator[list[tuple[Entity, int]]]:
        chunk: list[tuple[Entity, int]] = []
        held = 0
        for ent, n, size in self.entities(*kinds):
            chunk.append((ent, n))
            held += size
            if len(chunk) >= CHUNK or held >= CHUNK_BYTES:
                yield chunk
                chunk, held = [], 0
        if chunk:
            yield chunk

    def flush(self) -> None:
        r = self.records
        if r.batch or r.batch.external_ids:
            self.session.add(r.batch)
            if self.session.dry_run:
                for x in r.batch.external_ids:
                    self.index.plan(x.system, x.external_id, x.kind, x.ref_id)
            r.batch = Batch()
        if not self.session.dry_run:
            if r.props:
                ftm_writes.replace_properties(self.conn, r.props)
            if r.proposals:
                self.report.proposals_new += ftm_writes.add_proposals(self.conn, r.proposals)
            r.deletions = self._without_curated(r.deletions)
            if r.deletions:
                made_by = next(iter(self.session.logged.values()), None)
                deleted = ftm_writes.delete_records(self.conn, r.deletions, who=self.session.who, import_id=made_by)
                for kind, n in deleted.items():
                    self.report.deleted[kind] += n
        self.report.proposals += r.proposals[: max(0, MAX_PROPOSALS_KEPT - len(self.report.proposals))]
        r.props, r.proposals, r.deletions = [], [], []

    def _without_curated(self, records: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """`records` (kind, id) but the findings a person has curated (sealed), which no import deletes (a DEL,
        --prune, a record that no longer says it): they are left, and counted."""
        if not records:
            return records
        curated = ftm_reads.curated_findings(self.conn, [ref for kind, ref in records if kind == "evidence"])
        if not curated:
            return records
        self.report.kept_curated += len(curated)
        return [(kind, ref) for kind, ref in records if not (kind == "evidence" and ref in curated)]

    def _verified(self, n: int, table: str, record: Actor | Source | Region | Evidence, mark: int) -> bool:
        """For an entity whose hint names an existing record: True when it equals that record (which it then
        stands for, unwritten); else its hint is refused and it gets an id of its own."""
        index = self.index
        if index.modes[n] != Mode.VERIFY:
            return False
        ref = index.refs[n]
        assert ref is not None
        stored = ftm_reads.stored_rows(self.conn, table, _COLUMNS[table], [ref]).get(ref)
        row = record.row()
        columns = _COLUMNS[table]
        if stored is not None and "lang" in columns:  # a file that does not say the language does not differ on it
            at = columns.index("lang")
            if row[at] is None:
                row = (*row[:at], stored[at], *row[at + 1 :])
        same = stored == row
        if same and isinstance(record, Actor | Region):
            kind = "actor" if isinstance(record, Actor) else "region"
            same = ftm_reads.stored_aliases(self.conn, kind, [ref]).get(ref, set()) == set(record.aliases or [])
        if same and isinstance(record, Evidence):
            actors, regions = ftm_reads.stored_links(self.conn, [ref]).get(ref, (set(), set()))
            same = actors == set(record.actors) and regions == set(record.regions)
        del self.records.props[mark:]
        if same:
            index.modes[n] = Mode.READONLY
            index.outcome(n, Outcome.MERGED)
            self.records.batch.external_ids.append(
                ExternalId(
                    SYSTEM, index.verify_fids[n], index.kind(n), ref, created=False, import_id=self.records.import_id(n)
                )
            )
            return True
        self.report.warn(
            "`findings.id` hints naming a record this file did not create (refused: imported under an id of its own)",
            f"{self.files[index.files[n]]}: {index.verify_fids[n][:60]!r} -> {ref}",
        )
        index.refs[n], index.modes[n] = index.own_id(n), Mode.NEW
        return False

    def pass_regions(self) -> list[Region]:
        regions: list[Region] = []
        batch = Batch()
        for chunk in self.chunks(EntityKind.REGION):
            self.index.prefetch([e for e, _ in chunk], {"partOf"})
            for ent, n in chunk:
                if not self.index.writable(n):
                    self.index.outcome(n, Outcome.MERGED)
                    continue
                mark = len(self.records.props)
                region = self.records.region(ent, n)
                if self._verified(n, "regions", region, mark):
                    continue
                if self.index.refs[n] != region.id:
                    region = self.records.region(ent, n)
                regions.append(region)
                batch.external_ids.append(self.records.external("region", ent.id, region.id, n))
        batch.regions = regions  # parents may come after their children: all regions in one batch
        self.records.batch.extend(batch)
        self.flush()
        self.places.learn(regions)
        return regions

    def pass_actors(self) -> None:
        r, index = self.records, self.index
        for chunk in self.chunks(EntityKind.ACTOR, EntityKind.SOURCE):
            index.prefetch([e for e, _ in chunk], {"proof", "document"})
            r.prefetch_infos([e for e, _ in chunk])
            built: list[tuple[Entity, int, Actor, list[str]]] = []
            for ent, n in chunk:
                if not index.writable(n):
                    index.outcome(n, Outcome.MERGED)
                    continue
                mark = len(r.props)
                if index.kind(n) is EntityKind.SOURCE:
                    source = r.source(ent, n)
                    if self._verified(n, "sources", source, mark):
                        continue
                    if index.refs[n] != source.id:
                        source = r.source(ent, n)
                    r.batch.sources.append(source)
                    r.batch.external_ids.append(r.external("source", ent.id, source.id, n))
                    continue
                actor, countries = r.actor(ent, n)
                if self._verified(n, "actors", actor, mark):
                    continue
                if index.refs[n] != actor.id:
                    actor, countries = r.actor(ent, n)
                built.append((ent, n, actor, countries))
            self._settle_actors(built)
            self.flush()

    def _settle_actors(self, built: list[tuple[Entity, int, Actor, list[str]]]) -> None:
        """Identifiers, referents, proposed links and the findings each actor's record makes, for one chunk."""
        r, index = self.records, self.index
        checked = {ent.id: r.identifiers(ent) for ent, _, _, _ in built}
        idents = {fid: found for fid, (found, _) in checked.items()}
        known = index.identifier_refs([(s, v) for ids in idents.values() for s, v, _ in ids])
        referents = index.external_refs([x for ent, _, _, _ in built for x in ent.referents])
        derived = ftm_reads.mapped(self.conn, [f"{ent.id}#location" for ent, _, _, _ in built])
        new = [a.id for _, n, a, _ in built if index.modes[n] == Mode.NEW]
        taken = existing_ids(self.conn, "evidence", [f"{a[:110]}-location" for a in new])
        # An actor of an earlier import that may be the same as another (an open proposal) stays no state
        # until a reviewer decides, as when it was proposed.
        pending = ftm_reads.pending_same_as(
            self.conn, [a.id for _, n, a, _ in built if a.kind == "state" and index.modes[n] != Mode.NEW]
        )
        given: dict[tuple[str, str], str] = {}
        for ent, n, actor, countries in built:
            same: dict[str, str] = {}
            if index.modes[n] == Mode.NEW:
                same.update(r.same_as(actor))
            elif actor.id in pending:
                actor.kind = "organization"
            for system, value, prop in idents[ent.id]:
                holder = known.get((system, value)) or given.get((system, value))
                if holder is None or holder == actor.id:
                    given[(system, value)] = actor.id
                    r.batch.external_ids.append(r.external("actor", value, actor.id, n, system=system))
                else:
                    same.setdefault(holder, f"same {prop} {value}")
            for referent in ent.referents:
                found = referents.get(referent)
                if found is None or found[1] == actor.id:
                    r.batch.external_ids.append(r.external("actor", referent, actor.id, n, system=REFERENT))
                elif found[0] == "actor":
                    same.setdefault(found[1], f"the FtM entity names {referent!r}, an id of it, as one of its own")
            if same:
                index.outcome(n, Outcome.PROPOSED)
                if actor.kind == "state":  # never a second state beside the one it may be: a reviewer decides
                    actor.kind = "organization"
                for other, reason in sorted(same.items()):
                    r.proposals.append(Proposal("same-as", "actor", actor.id, "actor", other, reason, r.import_id(n)))
            r.batch.actors.append(actor)
            r.batch.external_ids.append(r.external("actor", ent.id, actor.id, n))
            kept = {"country": countries, **checked[ent.id][1]}
            r.keep("actor", actor.id, ent, (*KEPT["actor"], *M.other_identifiers(ent.schema)), kept)
            if ent.hint:
                continue  # our own export: the finding its record made is an entity of the file
            key = f"{ent.id}#location"
            mapping = derived.get(key)
            ev = r.location(ent, actor)
            if ev is None:
                if mapping is not None and mapping[2]:
                    r.deletions.append((mapping[0], mapping[1]))  # the record no longer says it
            elif mapping is not None and not mapping[2]:
                pass  # a finding a reviewer took over: left as it is
            elif mapping is None and ev.id in taken:
                self.report.warn("findings about an actor whose id another finding has (not made)", ev.id)
            else:
                r.batch.evidence.append(ev)
                r.batch.external_ids.append(r.external("evidence", key, ev.id, n))

    def pass_findings(self) -> None:
        r, index = self.records, self.index
        link_props = {p for spec in M.EVIDENCE_SCHEMAS.values() for p, _ in spec.links} | {"proof", "document"}
        for chunk in self.chunks(EntityKind.EVIDENCE):
            index.prefetch([e for e, _ in chunk], link_props)
            r.prefetch_infos([e for e, _ in chunk])
            named = [e for e, _ in chunk if e.schema in ("Payment", "Occupancy")]
            r.prefetch_names(
                [t[1] for e in named for v in e.values("payer", "beneficiary", "holder") if (t := index.resolve(v))]
            )
            own = [index.refs[n] for _, n in chunk if index.modes[n] == Mode.OWN]
            curated = ftm_reads.curated_findings(self.conn, [x for x in own if x])
            for ent, n in chunk:
                if not index.writable(n):
                    index.outcome(n, Outcome.MERGED)
                    continue
                if index.refs[n] in curated:
                    index.outcome(n, Outcome.SKIPPED, "findings a person has curated since (left as they are)")
                    continue
                mark = len(r.props)
                ev = r.evidence(ent, n)
                if ev is None:
                    del r.props[mark:]
                    continue
                if self._verified(n, "evidence", ev, mark):
                    continue
                if index.refs[n] != ev.id:
                    ev = r.evidence(ent, n)
                    if ev is None:
                        continue
                r.batch.evidence.append(ev)
                r.batch.external_ids.append(r.external("evidence", ent.id, ev.id, n))
                if len(r.batch) >= CHUNK:
                    self.flush()
            self.flush()

    def pass_relations(self) -> None:
        props = {p for spec in M.RELATION_SCHEMAS.values() for p in (spec.subject, spec.object)}
        for chunk in self.chunks(EntityKind.RELATION):
            self.index.prefetch([e for e, _ in chunk], props)
            for ent, n in chunk:
                self.records.batch.relations += self.records.relations(ent, n)
                if len(self.records.batch) >= CHUNK:
                    self.flush()
            self.flush()

    # -------------------------------------------------------------------------------------- pass 6

    def apply_deletes(self) -> None:
        if not self.deletes:
            return
        fids = [fid for fid, _, _, _ in self.deletes]
        keys = fids + [f"{fid}#location" for fid in fids]
        found = ftm_reads.mapped(self.conn, keys)
        curated = ftm_reads.curated_findings(self.conn, [m[1] for m in found.values() if m[0] == "evidence"])
        doomed: list[tuple[str, str]] = []
        for fid, _, _, _ in self.deletes:
            mapping = found.get(fid)
            if mapping is None:
                self.extra["skipped:DEL of an entity that is not here"] += 1
                continue
            if not mapping[2]:
                self.extra["skipped:DEL of a record an FtM import did not create (left as it is)"] += 1
                continue
            if mapping[0] == "evidence" and mapping[1] in curated:
                self.extra["skipped:DEL of a finding a person has curated (left as it is)"] += 1
                continue
            self.extra["deleted"] += 1
            doomed.append((mapping[0], mapping[1]))
            derived = found.get(f"{fid}#location")
            if derived and derived[2] and derived[1] not in curated:
                doomed.append((derived[0], derived[1]))
        self.records.deletions += doomed
        if self.session.dry_run:
            for kind, _ in doomed:
                self.report.deleted[kind] += 1
        self.flush()

    def prune(self, import_ids: dict[str, int], *, prune: bool) -> None:
        stale: list[tuple[str, str]] = []
        for path, import_id in import_ids.items():
            stale += [(kind, ref) for _, kind, ref in ftm_reads.stale_records(self.conn, path, import_id)]
            if prune and not ftm_reads.imported_before(self.conn, path, import_id):
                self.report.never_imported.append(path)
        stale = self._without_curated(stale)
        if not prune:
            self.report.stale = len(stale)
            return
        self.report.pruned.update(kind for kind, _ in stale)
        self.records.deletions += stale
        self.flush()

    def account(self) -> None:
        index = self.index
        for n in range(len(index)):
            kind = index.kind(n)
            if kind in (EntityKind.ADDRESS, EntityKind.POSITION) and index.outcomes[n] == Outcome.IMPORTED:
                index.outcome(n, Outcome.MERGED)  # place text and posts of the entities that point at them
            elif kind is EntityKind.SKIP and index.outcomes[n] == Outcome.IMPORTED:
                schema = index.schema(n)
                reason = f"{schema}: a schema with no place here" if M.is_schema(schema) else "unknown schemas"
                index.outcome(n, Outcome.SKIPPED, reason)
        self.report.account(index.outcomes, index.counts, self.extra)


def run_import(
    db_path: Path,
    paths: tuple[str, ...],
    *,
    skip_invalid: bool = False,
    dry_run: bool = False,
    prune: bool = False,
    as_json: bool = False,
    limits: Limits | None = None,
) -> Report:
    from importers.progress import DelayedProgress
    from importers.summary import print_summary

    if list(paths).count("-") > 1:
        raise click.UsageError("standard input (-) can be read only once")
    limits = limits or Limits()
    report = Report()
    with contextlib.ExitStack() as stack:
        files = [InputFile(path, stack, limits) for path in paths]
        with ImportSession(db_path, "ftm", dry_run=dry_run) as session:
            job = FtmImport(session, report, limits, skip_invalid=skip_invalid)
            stack.callback(job.close)
            with DelayedProgress("reading FtM files", unit="files", total=len(files)) as bar:
                for f in files:
                    job.read(f)
                    bar.advance()
            job.settle_deletes()
            job.index.assign_ids()
            for f in files:
                session.add_file(f.name, f.sha256)
            import_ids = session.log_files()
            job.records.import_ids = [import_ids.get(f.name) for f in files]
            with DelayedProgress("importing FtM entities", unit="passes", total=5) as bar:
                job.pass_regions()
                bar.advance()
                job.pass_actors()
                bar.advance()
                job.pass_findings()
                bar.advance()
                job.pass_relations()
                bar.advance()
                job.apply_deletes()
                job.prune(import_ids, prune=prune)
                bar.advance()
            job.account()
    if as_json:
        report.print_json(session.counts.as_dict(), dry_run=dry_run)
    else:
        print_summary(session.counts, dry_run=dry_run, title=f"import ftm: {len(files)} file(s)")
    report.print(dry_run=dry_run)
    return report
