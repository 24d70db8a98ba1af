"""Validated records into an import session a chunk at a time, in an order in which every reference resolves.

Readers stream: a record is validated as soon as it is read and handed here, and a full chunk goes to the
session (checked, planned, written) at once, so memory holds a chunk, not the file. The session checks each
chunk's references against the database and what it has written before; so records are written in the order
of their dependencies — sources, actors, regions, gazetteer entries, findings, relations — and a chunk of
findings first writes whatever actors and regions are waiting. A record that points at something not written
yet and not in the database (a finding listed before the actor it names, a region before its parent) is held
until the end, when everything else is in: then it is written, or its reference reported as unknown, with the
file, line and field. A file in dependency order (as dataset/ and every export are) holds nothing back.

Every record counts against the import's record limit (importers/limits.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from importers.limits import Limits
from store.errors import DataError
from store.records import Batch, Evidence, GazetteerEntry, Origin, Region, Relation

if TYPE_CHECKING:
    from importers.session import ImportSession

ORDER = ("sources", "actors", "regions", "gazetteer", "evidence", "relations")
CHUNK = 5_000  # records per session.add: the staging size of store.write


def _error(message: str, origin: Origin | None, field: str | None) -> DataError:
    return DataError(
        message,
        file=origin.file if origin else None,
        line=origin.line_of(field) if origin else None,
        record=origin.record if origin else None,
        field=field,
    )


class Feeder:
    def __init__(
        self,
        session: ImportSession,
        limits: Limits,
        *,
        chunk: int = CHUNK,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        self.session = session
        self.limits = limits
        self.chunk = chunk
        self.progress = progress
        self.count = 0
        self.pending: dict[str, list[Any]] = {kind: [] for kind in ORDER}
        self.held: dict[str, list[Any]] = {kind: [] for kind in ORDER}
        # The session finds a repeated id across chunks; relation keys and gazetteer names it sees per chunk only.
        self.relation_keys: set[tuple[str, str, str]] = set()
        self.gazetteer_names: set[str] = set()

    def add(self, kind: str, record: Any) -> None:
        """One validated record for table `kind` (one of ORDER)."""
        self.count += 1
        if self.count > self.limits.records:
            raise _error(self.limits.too_many_records(), record.origin, None)
        if kind == "relations":
            if record.key in self.relation_keys:
                rel: Relation = record
                raise _error(f"duplicate relation {rel.subject_id} {rel.kind} {rel.object_id}", rel.origin, "subject")
            self.relation_keys.add(record.key)
        elif kind == "gazetteer":
            name = record.name.casefold()
            if name in self.gazetteer_names:
                raise _error(f"duplicate gazetteer name {record.name!r}", record.origin, "name")
            self.gazetteer_names.add(name)
        pending = self.pending[kind]
        pending.append(record)
        if len(pending) >= self.chunk:
            self._flush_through(kind)

    def add_all(self, records: Iterable[tuple[str, Any]]) -> None:
        for kind, record in records:
            self.add(kind, record)

    def finish(self) -> None:
        """Write what is pending, then what was held back (regions parents first)."""
        self._flush_through(ORDER[-1])
        for kind in ORDER:
            held, self.held[kind] = self.held[kind], []
            if kind == "regions":
                held = _parents_first(held)
            for start in range(0, len(held), self.chunk):
                self._write(kind, held[start : start + self.chunk])

    # -------------------------------------------------------------------------------------------- internals

    def _flush_through(self, kind: str) -> None:
        """Write the pending records of `kind` and of every table before it."""
        for earlier in ORDER[: ORDER.index(kind) + 1]:
            records, self.pending[earlier] = self.pending[earlier], []
            if not records:
                continue
            ready, later = self._ready(earlier, records)
            self.held[earlier] += later
            if ready:
                self._write(earlier, ready)

    def _write(self, kind: str, records: list[Any]) -> None:
        self.session.add(Batch(**{kind: records}))
        if self.progress is not None:
            self.progress(len(records))

    def _ready(self, kind: str, records: list[Any]) -> tuple[list[Any], list[Any]]:
        """(records whose references all resolve now, records to hold until the end)."""
        refs = [_references(kind, r) for r in records]
        wanted: dict[str, set[str]] = {}
        for rec_refs in refs:
            for table, ref_id in rec_refs:
                wanted.setdefault(table, set()).add(ref_id)
        if not wanted:
            return records, []
        seen = self.session.seen
        known: dict[str, set[str]] = {}
        here = {r.id for r in records} if kind == "regions" else set()
        for table, ids in wanted.items():
            missing = ids - seen[table] - (here if table == "regions" else set())
            found = set(ids) - missing
            if missing:
                from store.write import existing_ids

                assert self.session.conn is not None
                found |= existing_ids(self.session.conn, table, missing)
            known[table] = found | (here if table == "regions" else set())
        ready, later = [], []
        for rec, rec_refs in zip(records, refs, strict=True):
            if all(ref_id in known[table] for table, ref_id in rec_refs):
                ready.append(rec)
            else:
                later.append(rec)
        return ready, later


def _references(kind: str, record: Any) -> list[tuple[str, str]]:
    """(table, id) of everything `record` points at."""
    if kind == "evidence":
        ev: Evidence = record
        out = [("sources", ev.source_id)]
        out += [("actors", actor_id) for actor_id, _ in ev.actors]
        out += [("regions", region_id) for region_id in ev.regions]
        return out
    if kind == "relations":
        rel: Relation = record
        out = [("actors", rel.subject_id), ("actors", rel.object_id)]
        if rel.evidence_id:
            out.append(("evidence", rel.evidence_id))
        return out
    if kind == "regions":
        region: Region = record
        return [("regions", region.parent_id)] if region.parent_id else []
    if kind == "gazetteer":
        entry: GazetteerEntry = record
        return [("regions", region_id) for region_id in entry.regions]
    return []


def _parents_first(regions: list[Region]) -> list[Region]:
    """Regions ordered so that a parent in the list comes before its parts (a cycle keeps its file order)."""
    by_id = {r.id: r for r in regions}
    out: list[Region] = []
    placed: set[str] = set()
    for region in regions:
        chain: list[Region] = []
        in_chain: set[str] = set()
        current: Region | None = region
        while current is not None and current.id not in placed and current.id not in in_chain:
            chain.append(current)
            in_chain.add(current.id)
            current = by_id.get(current.parent_id) if current.parent_id else None
        for r in reversed(chain):
            placed.add(r.id)
            out.append(r)
    return out
