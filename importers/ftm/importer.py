"""The passes of an FtM import over its files, in one ImportSession (one transaction; `--dry-run` plans only).

1. check every line and index the entities (importers/ftm/ids.py), then give each the id it gets here;
2. write sources, actors and regions; 3. findings; 4. relations (so every reference points backwards).

Each pass reads the files again a line at a time and merges the fragments of an entity before building its
records, so memory holds the index and one chunk of records, never a file.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import click

from importers.ftm.ids import EntityKind, Index
from importers.ftm.lines import Entity, FtmFile, LineError, LineKind, parse_line
from importers.ftm.records import RecordBuilder
from importers.ftm.report import Report
from importers.ftm.values import Places
from importers.session import ImportSession
from store import ftm_mapping as M
from store.errors import DataError
from store.records import Batch, ExternalId, Region

CHUNK = 1_000  # records per write
SYSTEM = "ftm"


class FtmImport:
    def __init__(self, session: ImportSession, report: Report) -> None:
        assert session.conn is not None
        self.session = session
        self.report = report
        self.places = Places(session.conn)
        self.index = Index(session.conn, report, self.places)
        self.records = RecordBuilder(session, self.index, self.places, report)

    # -------------------------------------------------------------------------------------- pass 1

    def index_file(self, f: FtmFile, *, skip_invalid: bool) -> None:
        f.kinds = bytearray(1)
        nonblank = 0
        for number, text, why in f.lines(first=True):
            try:
                if text is None:
                    raise LineError(why)
                ent = parse_line(text)
            except LineError as e:
                if not skip_invalid:
                    message = f"{e} (use --skip-invalid to import the other lines)"
                    raise DataError(message, file=f.name, line=number) from None
                self.report.skipped.append(f"{f.name}:{number}: {e}")
                f.kinds.append(LineKind.SKIP)
                nonblank += 1
                continue
            if ent is None:
                f.kinds.append(LineKind.SKIP)
                continue
            nonblank += 1
            ent.file, ent.line = f.name, number
            self.index.add(ent)
            f.kinds.append(LineKind.LINK if ent.schema in M.RELATION_SCHEMAS else LineKind.NODE)
        if nonblank == 0:
            raise DataError("is empty", file=f.name)

    # -------------------------------------------------------------------------------------- passes 2-4

    def entities(self, f: FtmFile, kind: LineKind) -> Iterator[Entity]:
        """The entities of the lines of `kind`, fragments merged into one."""
        fragments: dict[str, Entity] = {}
        for number, text, _ in f.lines():
            if number >= len(f.kinds) or f.kinds[number] != kind or text is None:
                continue
            ent = parse_line(text)
            if ent is None:
                continue
            ent.file, ent.line = f.name, number
            seen = self.index[ent.id]
            if seen.count > 1:
                if ent.id in fragments:
                    fragments[ent.id].merge(ent)
                    ent = fragments[ent.id]
                if number != seen.last:
                    fragments[ent.id] = ent
                    continue
                fragments.pop(ent.id, None)
                ent.schema = seen.schema
            yield ent

    def chunks(self, f: FtmFile, kind: LineKind) -> Iterator[list[Entity]]:
        chunk: list[Entity] = []
        for ent in self.entities(f, kind):
            chunk.append(ent)
            if len(chunk) >= CHUNK:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def flush(self, *, force: bool = False) -> None:
        batch = self.records.batch
        if batch and (force or len(batch) >= CHUNK):
            self.session.add(batch)
            self.records.batch = Batch()

    def pass_nodes(self, f: FtmFile, regions: list[Region]) -> None:
        for chunk in self.chunks(f, LineKind.NODE):
            self.index.prefetch(chunk, {"partOf"})
            for ent in chunk:
                seen = self.index[ent.id]
                if not seen.write or seen.ref is None:
                    continue
                batch = self.records.batch
                if seen.kind is EntityKind.ACTOR:
                    batch.actors.append(self.records.actor(ent, seen.ref))
                elif seen.kind is EntityKind.SOURCE:
                    batch.sources.append(self.records.source(ent, seen.ref))
                elif seen.kind is EntityKind.REGION:
                    regions.append(self.records.region(ent, seen.ref))
                else:
                    continue
                batch.external_ids.append(ExternalId(SYSTEM, ent.id, seen.kind, seen.ref))
                self.flush()

    def pass_evidence(self, f: FtmFile) -> None:
        link_props = {p for spec in M.EVIDENCE_SCHEMAS.values() for p, _ in spec.links} | {"proof", "document"}
        for chunk in self.chunks(f, LineKind.NODE):
            self.index.prefetch(chunk, link_props)
            for ent in chunk:
                seen = self.index[ent.id]
                if seen.kind is EntityKind.ACTOR and seen.ref:
                    self.records.actor_location(ent, seen.ref)
                elif seen.kind is EntityKind.EVIDENCE and seen.ref:
                    ev = self.records.evidence(ent, seen.ref)
                    if ev is not None:
                        self.records.batch.evidence.append(ev)
                        self.records.batch.external_ids.append(ExternalId(SYSTEM, ent.id, EntityKind.EVIDENCE, ev.id))
                self.flush()

    def pass_relations(self, f: FtmFile) -> None:
        props = {p for spec in M.RELATION_SCHEMAS.values() for p in (spec.subject, spec.object)}
        for chunk in self.chunks(f, LineKind.LINK):
            self.index.prefetch(chunk, props)
            for ent in chunk:
                self.records.batch.relations += self.records.relations(ent)
                self.flush()


def run_import(db_path: Path, paths: tuple[str, ...], *, skip_invalid: bool = False, dry_run: bool = False) -> None:
    from importers.progress import DelayedProgress
    from importers.summary import print_summary

    if list(paths).count("-") > 1:
        raise click.UsageError("standard input (-) can be read only once")
    report = Report()
    with contextlib.ExitStack() as stack:
        files = [FtmFile(path, stack) for path in paths]
        with ImportSession(db_path, "ftm", dry_run=dry_run) as session:
            job = FtmImport(session, report)
            with DelayedProgress("checking FtM lines", unit="files", total=len(files)) as bar:
                for f in files:
                    job.index_file(f, skip_invalid=skip_invalid)
                    bar.advance()
            job.index.assign_ids()
            regions: list[Region] = []
            with DelayedProgress("importing FtM entities", unit="passes", total=3 * len(files)) as bar:
                for f in files:
                    job.pass_nodes(f, regions)
                    bar.advance()
                job.flush(force=True)
                if regions:  # parents may come after their children: all regions in one batch
                    session.add(Batch(regions=regions))
                    job.places.learn(regions)
                for f in files:
                    job.pass_evidence(f)
                    bar.advance()
                job.flush(force=True)
                for f in files:
                    job.pass_relations(f)
                    bar.advance()
                job.flush(force=True)
            for f in files:
                session.add_file(f.name, f.sha.hexdigest())
    print_summary(session.counts, dry_run=dry_run, title=f"import ftm: {len(files)} file(s)")
    report.print()
