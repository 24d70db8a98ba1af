"""Writing validated records: check references, plan what changes, then apply the plan.

Upsert by id: a record equal to its row is left alone; a changed one is updated and its links (aliases,
evidence actors and regions) are replaced. Planning and writing never commit: the caller owns the one
transaction of an import (importers.session, through `begin`, `commit` and `rollback`), so any error leaves the
database as it was.
"""

from __future__ import annotations

import difflib
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from store import derived_keys, schema
from store.errors import DataError
from store.records import Actor, Batch, Evidence, GazetteerEntry, Origin, Region, Relation, Source

if TYPE_CHECKING:
    from store import journal

CHUNK = 500  # ids per `IN (...)` query, well under SQLite's variable limit

SOURCE_COLS = schema.SOURCE_COLUMNS
ACTOR_COLS = schema.ACTOR_COLUMNS
REGION_COLS = schema.REGION_COLUMNS
EVIDENCE_COLS = schema.EVIDENCE_COLUMNS
RELATION_COLS = schema.RELATION_COLUMNS
TABLES = ("sources", "actors", "regions", "evidence", "relations")


def begin(conn: sqlite3.Connection) -> tuple[int, int]:
    """Start the one write transaction of a command (BEGIN IMMEDIATE: one writer at a time); returns the schema
    versions (before, after).

    A database at rest in rollback-journal mode is switched to WAL mode for the write (store.journal), so readers
    go on reading while it runs. An older schema is upgraded first, inside the same transaction, and then the
    schema is compared with this program's (store.schema_check), so a failed command leaves no trace.
    """
    from store import journal, migrate, schema_check

    path = getattr(conn, "path", None) or _main_file(conn)
    state = journal.start_write(conn, path, private=getattr(conn, "private", False))
    if hasattr(conn, "write_state"):
        conn.write_state = state
    try:
        conn.execute("BEGIN IMMEDIATE")
        journal.write_started(state)
        versions = migrate.upgrade_in_transaction(conn)
        if not getattr(conn, "schema_verified", True):
            schema_check.check_writable(conn, path)  # the upgraded schema, in full
            conn.execute("PRAGMA trusted_schema = ON")
    except BaseException:
        rollback(conn)  # (SQLite itself rolls back on some errors, such as a full disk)
        raise
    return versions


def upgrade(conn: sqlite3.Connection) -> tuple[int, int]:
    """Bring the database to the current schema version in a transaction of its own (`findings migrate`);
    nothing changes on failure. Returns the versions (before, after)."""
    versions = begin(conn)
    commit(conn)
    return versions


def _main_file(conn: sqlite3.Connection) -> Path:
    return Path(conn.execute("PRAGMA database_list").fetchone()[2])


def commit(conn: sqlite3.Connection) -> None:
    """Commit, and leave the file in rollback-journal mode (unless other connections use its WAL)."""
    from store import journal

    try:
        conn.execute("COMMIT")
    except BaseException:
        rollback(conn)  # (a full disk at commit)
        raise
    journal.end_write(conn, _take_state(conn), committed=True)


def rollback(conn: sqlite3.Connection) -> None:
    """Roll back; a file this write switched to WAL mode goes back to rollback mode with its header as it was."""
    from store import journal

    try:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
    finally:
        journal.end_write(conn, _take_state(conn), committed=False)


def _take_state(conn: sqlite3.Connection) -> journal.WriteState | None:
    state = getattr(conn, "write_state", None)
    if state is not None:
        conn.write_state = None  # type: ignore[attr-defined]
    return state


@dataclass
class Counts:
    """Inserted / updated / unchanged, per table."""

    tables: dict[str, dict[str, int]] = field(
        default_factory=lambda: {t: {"inserted": 0, "updated": 0, "unchanged": 0} for t in TABLES}
    )

    def add(self, table: str, what: str, n: int = 1) -> None:
        # Tables outside TABLES (the gazetteer) appear only when an import touches them.
        self.tables.setdefault(table, {"inserted": 0, "updated": 0, "unchanged": 0})[what] += n

    # Words mixing Latin and Cyrillic look-alike letters in what was written (`Huаwei`): said after the table.
    mixed_scripts: list[str] = field(default_factory=list)
    # Curated findings (sealed) this import would have changed, left as they are: said after the table.
    sealed: list[str] = field(default_factory=list)
    # Curated sources, actors and regions (last written by the dataset's build or a person, not an import) this
    # import would have changed, left as they are: said after the table.
    kept_curated: list[str] = field(default_factory=list)

    def merge(self, other: Counts) -> None:
        for table, row in other.tables.items():
            for what, n in row.items():
                self.add(table, what, n)
        self.mixed_scripts += [w for w in other.mixed_scripts if w not in self.mixed_scripts]
        self.sealed += other.sealed
        self.kept_curated += other.kept_curated

    @property
    def changed(self) -> int:
        return sum(r["inserted"] + r["updated"] for r in self.tables.values())

    def as_dict(self) -> dict[str, dict[str, int]]:
        return {t: dict(r) for t, r in self.tables.items()}


@dataclass
class Plan:
    counts: Counts = field(default_factory=Counts)
    by_file: dict[str, Counts] = field(default_factory=dict)  # the same counts, per input file
    inserts: dict[str, list[tuple]] = field(default_factory=lambda: {t: [] for t in TABLES})
    updates: dict[str, list[tuple]] = field(default_factory=lambda: {t: [] for t in TABLES})
    alias_add: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, ref_id, alias)
    alias_remove: list[tuple[str, str, str]] = field(default_factory=list)
    new_evidence: list[Evidence] = field(default_factory=list)
    link_add: dict[str, list[tuple]] = field(default_factory=lambda: {"actors": [], "regions": []})
    link_remove: dict[str, list[tuple]] = field(default_factory=lambda: {"actors": [], "regions": []})
    link_role: list[tuple[str | None, str, str]] = field(default_factory=list)  # (role, evidence_id, actor_id)
    external_ids: list[tuple[str, str, str, str, int, int | None]] = field(default_factory=list)
    gazetteer_add: list[tuple[str, str]] = field(default_factory=list)  # (name, region_id)
    gazetteer_remove: list[tuple[str, str]] = field(default_factory=list)
    # What the history records of this plan (store.history): (input file, (kind, record_id, field, before, after))
    history: list[tuple[str, tuple[str, str, str | None, object, object]]] = field(default_factory=list)

    def tally(self, rec: Source | Actor | Region | Evidence | Relation | GazetteerEntry, table: str, what: str) -> None:
        self.counts.add(table, what)
        self.by_file.setdefault(_file_of(rec), Counts()).add(table, what)

    def record(
        self,
        rec: Source | Actor | Region | Evidence | Relation,
        kind: str,
        record_id: str,
        cols: Sequence[str],
        old: Sequence[object] | None,
        new: Sequence[object],
        extra: dict[str, tuple[object, object]] | None = None,
    ) -> None:
        """The history of one planned write: created (the non-empty values of `new`, with `extra`'s afters),
        or each column of `cols` that differs between `old` and `new`, then each of `extra` (field -> (before,
        after): a finding's links, an entity's aliases) that differs."""
        file = _file_of(rec)
        if old is None:
            values = {c: v for c, v in zip(cols, new, strict=True) if v is not None}
            values.update({name: after for name, (_, after) in (extra or {}).items()})
            self.history.append((file, (kind, record_id, None, None, values)))
            return
        for c, before, after in zip(cols, old, new, strict=True):
            if before != after:
                self.history.append((file, (kind, record_id, c, before, after)))
        for name, (before, after) in (extra or {}).items():
            if before != after:
                self.history.append((file, (kind, record_id, name, before, after)))


def _file_of(rec: Source | Actor | Region | Evidence | Relation | GazetteerEntry) -> str:
    return rec.origin.file if rec.origin else "<input>"


def _where(rec: Source | Actor | Region | Evidence | Relation | GazetteerEntry) -> str:
    """`file:line` of a record (its file alone when it has no line): for the lists of what was left."""
    return f"{rec.origin.file}:{rec.origin.line}" if rec.origin and rec.origin.line else _file_of(rec)


def actor_links(pairs: Iterable[tuple[str, str | None]]) -> list[list[str | None]]:
    """A finding's actors as the history records them: [[actor id, role], ...] sorted by id."""
    return [[a, r] for a, r in sorted(pairs, key=lambda pair: pair[0])]


# kind -> (table, columns, the id first): what `stored_fields` reads
_STORED = {
    "actor": ("actors", schema.ACTOR_COLUMNS),
    "source": ("sources", schema.SOURCE_COLUMNS),
    "region": ("regions", schema.REGION_COLUMNS),
    "evidence": ("evidence", schema.EVIDENCE_COLUMNS),
    "relation": ("relations", ("id", *schema.RELATION_COLUMNS)),
}


def stored_fields(conn: sqlite3.Connection, kind: str, ids: Sequence[str]) -> dict[str, dict[str, object]]:
    """The non-empty fields of these records (`kind`: actor, source, region, evidence, relation) as they are
    now, a finding's actors and regions as the history lists them: what the history keeps of a record deleted
    (an FtM delta's DEL or --prune, an article's paragraph gone), so that nothing an import removes is lost."""
    table, cols = _STORED[kind]
    keys = [int(r) for r in ids] if kind == "relation" else ids
    out = {
        str(key): {c: v for c, v in zip(cols[1:], row[1:], strict=True) if v is not None}
        for key, row in fetch_rows(conn, table, cols, keys).items()
    }
    if kind == "evidence":
        actors = fetch_pairs(
            conn, "SELECT evidence_id, actor_id, role FROM evidence_actors WHERE evidence_id IN ({marks})", ids
        )
        regions = fetch_pairs(
            conn, "SELECT evidence_id, region_id FROM evidence_regions WHERE evidence_id IN ({marks})", ids
        )
        for ev, pairs in actors.items():
            out.setdefault(ev, {})["actors"] = actor_links(pairs)
        for ev, found in regions.items():
            out.setdefault(ev, {})["regions"] = sorted(found)
    return out


# ---------------------------------------------------------------------------------------------------- checks


def _chunks(items: Sequence, size: int = CHUNK) -> Iterator[Sequence]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def existing_ids(conn: sqlite3.Connection, table: str, ids: Iterable[str]) -> set[str]:
    """Which of `ids` exist in `table` (sources, actors, regions, evidence)."""
    assert table in ("sources", "actors", "regions", "evidence")
    wanted = sorted(set(ids))
    found: set[str] = set()
    for chunk in _chunks(wanted):
        marks = ",".join("?" * len(chunk))
        found.update(r[0] for r in conn.execute(f"SELECT id FROM {table} WHERE id IN ({marks})", chunk))
    return found


def _error(message: str, origin: Origin | None, field_name: str | None) -> DataError:
    return DataError(
        message,
        file=origin.file if origin else None,
        line=origin.line_of(field_name) if origin else None,
        record=origin.record if origin else None,
        field=field_name,
    )


def check_duplicates(batch: Batch) -> None:
    """The same id twice in one import is an error (which of the two should win?)."""
    for kind, records in (
        ("source", batch.sources),
        ("actor", batch.actors),
        ("region", batch.regions),
        ("evidence", batch.evidence),
    ):
        seen: dict[str, Origin | None] = {}
        for rec in records:
            if rec.id in seen:
                first = seen[rec.id]
                where = f" (first at {first.file}:{first.line})" if first and first.line else ""
                raise _error(f"duplicate {kind} id {rec.id!r}{where}", rec.origin, "id")
            seen[rec.id] = rec.origin
    keys: dict[tuple[str, ...], Origin | None] = {}
    for rel in batch.relations:
        if rel.key in keys:
            what = f"FtM id {rel.ftm_id!r}" if rel.ftm_id else f"{rel.subject_id} {rel.kind} {rel.object_id}"
            raise _error(f"duplicate relation {what}", rel.origin, "subject")
        keys[rel.key] = rel.origin
    names: set[str] = set()
    for entry in batch.gazetteer:
        if entry.name.casefold() in names:
            raise _error(f"duplicate gazetteer name {entry.name!r}", entry.origin, "name")
        names.add(entry.name.casefold())


def check_references(conn: sqlite3.Connection, batch: Batch, also_known: dict[str, set[str]] | None = None) -> None:
    """Every id a record points to exists in this import (`batch`, or `also_known` from earlier parts of it)
    or already in the database."""
    also_known = also_known or {}
    # The batch's ids and the references found in the database; `also_known` (all of an import so far) is only
    # looked into, never copied: copying it for every batch made an import quadratic in its records.
    known = {
        "sources": {s.id for s in batch.sources},
        "actors": {a.id for a in batch.actors},
        "regions": {r.id for r in batch.regions},
        "evidence": {e.id for e in batch.evidence},
    }
    earlier = {t: also_known.get(t, set()) for t in known}
    # (table, id, record, field) for every reference
    refs: list[tuple[str, str, Region | Evidence | GazetteerEntry | Relation, str]] = []
    for region in batch.regions:
        if region.parent_id:
            refs.append(("regions", region.parent_id, region, "parent"))
    for ev in batch.evidence:
        refs.append(("sources", ev.source_id, ev, "source"))
        refs.extend(("actors", actor_id, ev, "actors") for actor_id, _ in ev.actors)
        refs.extend(("regions", region_id, ev, "regions") for region_id in ev.regions)
    for entry in batch.gazetteer:
        refs.extend(("regions", region_id, entry, "regions") for region_id in entry.regions)
    for rel in batch.relations:
        refs.append(("actors", rel.subject_id, rel, "subject"))
        refs.append(("actors", rel.object_id, rel, "object"))
        if rel.evidence_id:
            refs.append(("evidence", rel.evidence_id, rel, "evidence"))
    missing = {
        t: {ref_id for table, ref_id, _, _ in refs if table == t and ref_id not in earlier[t]} - known[t] for t in known
    }
    for table, ids in missing.items():
        known[table] |= existing_ids(conn, table, ids)
    for table, ref_id, rec, field_name in refs:
        if ref_id not in known[table] and ref_id not in earlier[table]:
            singular = {"sources": "source", "actors": "actor", "regions": "region", "evidence": "evidence"}[table]
            hint = _closest(conn, table, ref_id, known[table] | earlier[table])
            raise _error(f"unknown {singular} {ref_id!r}{hint}", rec.origin, field_name)


def _closest(conn: sqlite3.Connection, table: str, wanted: str, batch_ids: set[str]) -> str:
    candidates = set(batch_ids)
    candidates.update(r[0] for r in conn.execute(f"SELECT id FROM {table} LIMIT 100000"))
    close = difflib.get_close_matches(wanted, sorted(candidates), n=3, cutoff=0.6)
    return f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""


# ------------------------------------------------------------------------------------------------------ plan


def fetch_rows(conn: sqlite3.Connection, table: str, cols: Sequence[str], ids: Sequence[Any]) -> dict[Any, tuple]:
    """The rows of `table` with these ids (`cols`, the id first), by id, read a chunk of ids at a time."""
    out: dict[Any, tuple] = {}
    select = _column_list(cols)
    for chunk in _chunks(ids):
        marks = ",".join("?" * len(chunk))
        for row in conn.execute(f"SELECT {select} FROM {table} WHERE id IN ({marks})", chunk):
            out[row[0]] = tuple(row)
    return out


def fetch_pairs(conn: sqlite3.Connection, sql: str, ids: Sequence[str]) -> dict[str, set]:
    """Run `sql` (with one `{marks}` for the ids) and group (id, value...) rows by id."""
    out: dict[str, set] = {}
    for chunk in _chunks(ids):
        for row in conn.execute(sql.format(marks=",".join("?" * len(chunk))), chunk):
            out.setdefault(row[0], set()).add(row[1] if len(row) == 2 else tuple(row[1:]))
    return out


# Which of these curated findings (id -> the file the import reads it from) an import must leave as they are
# (store.review.left_by_imports): given by the caller, as store.review builds on this module.
Sealed = Callable[[sqlite3.Connection, dict[str, str]], set[str]]
# Which of these existing sources, actors or regions (kind, ids) are curated, so that no import rewrites them
# (store.review.curated_records): given by the caller too.
Curated = Callable[[sqlite3.Connection, str, Sequence[str]], set[str]]


def plan(
    conn: sqlite3.Connection, batch: Batch, *, sealed: Sealed | None = None, curated: Curated | None = None
) -> Plan:
    """Decide, by reading only, what applying `batch` would insert, update and leave unchanged. With `sealed`,
    the findings it names are left as they are (and listed in the counts) when the batch would change them;
    with `curated`, so are the sources, actors and regions it names."""
    p = Plan()
    _fill_languages(batch)
    p.counts.mixed_scripts = mixed_script_notes(batch)
    _plan_rows(p, conn, "sources", SOURCE_COLS, batch.sources, {}, curated=curated)
    for kind, table, cols, records in (
        ("actor", "actors", ACTOR_COLS, batch.actors),
        ("region", "regions", REGION_COLS, batch.regions),
    ):
        ids = [r.id for r in records if r.aliases is not None]
        stored = fetch_pairs(
            conn, f"SELECT ref_id, alias FROM aliases WHERE kind = '{kind}' AND ref_id IN ({{marks}})", ids
        )
        alias_changes: dict[str, _AliasChange] = {}
        for rec in records:
            if rec.aliases is None:
                continue
            want, have = set(rec.aliases), stored.get(rec.id, set())
            alias_changes[rec.id] = _AliasChange(
                add=[(kind, rec.id, a) for a in rec.aliases if a not in have],
                remove=[(kind, rec.id, a) for a in sorted(have - want)],
                history={"aliases": (sorted(have), sorted(want))},
            )
        _plan_rows(p, conn, table, cols, records, alias_changes, curated=curated)
    _plan_evidence(p, conn, batch.evidence, sealed)
    p.external_ids = [
        (x.system, x.external_id, x.kind, x.ref_id, int(x.created), x.import_id) for x in batch.external_ids
    ]
    _plan_relations(p, conn, batch.relations, curated)
    _plan_gazetteer(p, conn, batch.gazetteer, keep_existing=curated is not None)
    return p


def _fill_languages(batch: Batch) -> None:
    """A source or finding without a language gets the one its text shows (None when it shows none)."""
    from store.language import detect

    for source in batch.sources:
        if source.lang is None:
            source.lang = detect(source.title)
    for ev in batch.evidence:
        if ev.lang is None:
            ev.lang = finding_language(ev.claim, ev.quote)


def finding_language(claim: str | None, quote: str | None) -> str | None:
    """The language a finding's claim and quote show (store.language.detect), None when they show none: what an
    import gives a finding without one, and what a review edit of its claim or quote gives it (store.review)."""
    from store.language import detect

    return detect(f"{claim} {quote}" if quote else claim)


MAX_MIXED_NOTES = 20


def mixed_script_notes(batch: Batch) -> list[str]:
    """One line for each record whose text has a word mixing Latin and Cyrillic look-alike letters (`Huаwei`
    with a Cyrillic а): it reads as a name it is not. At most MAX_MIXED_NOTES lines."""
    from store.scripts import described, mixed_script_words

    texts: list[tuple[str, str, list[str | None]]] = []
    texts += [("source", s.id, [s.title, s.publisher]) for s in batch.sources]
    texts += [("actor", a.id, [a.name, *(a.aliases or [])]) for a in batch.actors]
    texts += [("region", r.id, [r.name, *(r.aliases or [])]) for r in batch.regions]
    texts += [("finding", e.id, [e.claim, e.quote]) for e in batch.evidence]
    texts += [("place", g.name, [g.name]) for g in batch.gazetteer]
    notes: list[str] = []
    for kind, id_, parts in texts:
        words = [w for part in parts if part for w in mixed_script_words(part)]
        if words:
            notes.append(f"{kind} {id_}: {', '.join(described(w) for w in dict.fromkeys(words))}")
            if len(notes) >= MAX_MIXED_NOTES:
                break
    return notes


@dataclass
class _AliasChange:
    """What writing a record's aliases would add and remove, and the history's before/after of them."""

    add: list[tuple[str, str, str]]
    remove: list[tuple[str, str, str]]
    history: dict[str, tuple[object, object]]

    @property
    def changed(self) -> bool:
        return bool(self.add or self.remove)


def _plan_rows(
    p: Plan,
    conn: sqlite3.Connection,
    table: str,
    cols: Sequence[str],
    records: Sequence[Source | Actor | Region],
    aliases: dict[str, _AliasChange],
    *,
    curated: Curated | None = None,
) -> None:
    stored = fetch_rows(conn, table, cols, [r.id for r in records])
    kind = table[:-1]
    rows = [rec.row() for rec in records]
    changing = [
        rec.id
        for rec, row in zip(records, rows, strict=True)
        if rec.id in stored and (stored[rec.id] != row or (rec.id in aliases and aliases[rec.id].changed))
    ]
    kept = curated(conn, kind, changing) if curated is not None and changing else set()
    for rec, row in zip(records, rows, strict=True):
        old = stored.get(rec.id)
        change = aliases.get(rec.id)
        if rec.id in kept:  # curated: no import from elsewhere rewrites it
            where = _where(rec)
            p.counts.kept_curated.append(f"{kind} {rec.id} ({where})")
            p.tally(rec, table, "unchanged")
            continue
        if change is not None:
            p.alias_add += change.add
            p.alias_remove += change.remove
        extra = change.history if change is not None else None
        if old is None:
            p.inserts[table].append(row)
            p.tally(rec, table, "inserted")
            p.record(rec, kind, rec.id, cols[1:], None, row[1:], extra if extra and extra["aliases"][1] else None)
            continue
        p.record(rec, kind, rec.id, cols[1:], old[1:], row[1:], extra)
        if old != row:
            p.updates[table].append(row)
            p.tally(rec, table, "updated")
        elif change is not None and change.changed:
            p.tally(rec, table, "updated")
        else:
            p.tally(rec, table, "unchanged")


def _plan_evidence(p: Plan, conn: sqlite3.Connection, records: Sequence[Evidence], left: Sealed | None) -> None:
    stored = fetch_rows(conn, "evidence", EVIDENCE_COLS, [e.id for e in records])
    existing = [e.id for e in records if e.id in stored]
    old_actors = fetch_pairs(
        conn, "SELECT evidence_id, actor_id, role FROM evidence_actors WHERE evidence_id IN ({marks})", existing
    )
    old_regions = fetch_pairs(
        conn, "SELECT evidence_id, region_id FROM evidence_regions WHERE evidence_id IN ({marks})", existing
    )
    status_at = EVIDENCE_COLS.index("status")
    curated = {e.id: _file_of(e) for e in records if e.id in stored and stored[e.id][status_at] == "curated"}
    sealed = left(conn, curated) if left is not None and curated else set()
    for ev in records:
        row = ev.row()
        old = stored.get(ev.id)
        if old is None:
            p.new_evidence.append(ev)
            p.link_add["actors"] += [(ev.id, actor_id, role) for actor_id, role in ev.actors]
            p.link_add["regions"] += [(ev.id, region_id) for region_id in ev.regions]
            p.tally(ev, "evidence", "inserted")
            links: dict[str, tuple[object, object]] = {
                "actors": (None, actor_links(ev.actors)),
                "regions": (None, sorted(ev.regions)),
            }
            p.record(ev, "evidence", ev.id, EVIDENCE_COLS[1:], None, row[1:], links)
            continue
        changed = old != row
        have_actors = {a: r for a, r in old_actors.get(ev.id, set())}
        want_actors = dict(ev.actors)
        have_regions, want_regions = old_regions.get(ev.id, set()), set(ev.regions)
        links_changed = have_actors != want_actors or have_regions != want_regions
        if ev.id in sealed and (changed or links_changed):  # sealed means sealed: a person unseals it first
            where = _where(ev)
            p.counts.sealed.append(f"{ev.id} ({where})")
            p.tally(ev, "evidence", "unchanged")
            continue
        if changed:
            p.updates["evidence"].append(row)
        for actor_id in have_actors.keys() - want_actors.keys():
            p.link_remove["actors"].append((ev.id, actor_id))
        for actor_id, role in ev.actors:
            if actor_id not in have_actors:
                p.link_add["actors"].append((ev.id, actor_id, role))
            elif have_actors[actor_id] != role:
                p.link_role.append((role, ev.id, actor_id))
        p.link_remove["regions"] += [(ev.id, r) for r in sorted(have_regions - want_regions)]
        p.link_add["regions"] += [(ev.id, r) for r in ev.regions if r not in have_regions]
        history_links: dict[str, tuple[object, object]] = {
            "actors": (actor_links(have_actors.items()), actor_links(ev.actors)),
            "regions": (sorted(have_regions), sorted(want_regions)),
        }
        p.record(ev, "evidence", ev.id, EVIDENCE_COLS[1:], old[1:], row[1:], history_links)
        p.tally(ev, "evidence", "updated" if changed or links_changed else "unchanged")


def _first_unkeyed(unkeyed: dict[tuple, list[tuple[int, tuple]]], key: tuple) -> tuple[int, tuple, bool] | None:
    rows = unkeyed.get(key, [])
    return (rows[0][0], rows[0][1], True) if rows else None


def _plan_relations(
    p: Plan, conn: sqlite3.Connection, records: Sequence[Relation], curated: Curated | None = None
) -> None:
    """Native relations are upserted by (subject, object, kind) among the relations no FtM id keys; FtM ones by
    their FtM id (external_ids), so that several can join one pair. An FtM relation seen for the first time
    that equals a row no FtM id keys (a native one, exported and imported back) stands for that row, which it
    never writes (its external id is linked with created = 0). New rows get their ids here (the import holds
    the write lock), so that the external ids of new FtM relations can point at them."""
    unkeyed: dict[tuple, list[tuple[int, tuple]]] = {}
    subjects = sorted({r.subject_id for r in records})
    for chunk in _chunks(subjects):
        marks = ",".join("?" * len(chunk))
        sql = (
            f"SELECT r.id, {_column_list(RELATION_COLS, 'r')} FROM relations r WHERE r.subject_id IN ({marks}) "
            "AND NOT EXISTS (SELECT 1 FROM external_ids x WHERE x.kind = 'relation' AND x.system = 'ftm' "
            "AND x.ref_id = CAST(r.id AS TEXT)) ORDER BY r.id"
        )
        for row in conn.execute(sql, chunk):
            unkeyed.setdefault(tuple(row[1:4]), []).append((row[0], tuple(row[1:])))
    by_ftm: dict[str, tuple[int, tuple, bool]] = {}
    ftm_ids = sorted({r.ftm_id for r in records if r.ftm_id})
    for chunk in _chunks(ftm_ids):
        marks = ",".join("?" * len(chunk))
        sql = (
            f"SELECT x.external_id, x.created, r.id, {_column_list(RELATION_COLS, 'r')} FROM external_ids x "
            "JOIN relations r ON r.id = CAST(x.ref_id AS INTEGER) "
            f"WHERE x.system = 'ftm' AND x.kind = 'relation' AND x.external_id IN ({marks})"
        )
        for row in conn.execute(sql, chunk):
            by_ftm[row[0]] = (row[2], tuple(row[3:]), bool(row[1]))
    next_id = None
    # The rows this batch would change that are curated (the dataset's, or a person's): left as they are
    would_change = [
        str(found[0])
        for rel in records
        if (found := (by_ftm.get(rel.ftm_id) if rel.ftm_id else _first_unkeyed(unkeyed, rel.key))) is not None
        and found[1] != rel.row()
        and found[2]
    ]
    kept = curated(conn, "relation", would_change) if curated is not None and would_change else set()
    for rel in records:
        row = rel.row()
        if rel.ftm_id is None:
            found = _first_unkeyed(unkeyed, rel.key)
        else:
            found = by_ftm.get(rel.ftm_id)
            if found is None:
                same = [r for r in unkeyed.get(row[:3], []) if r[1] == row]
                if same:  # stands for that row, unwritten
                    unkeyed[row[:3]].remove(same[0])
                    p.external_ids.append(("ftm", rel.ftm_id, "relation", str(same[0][0]), 0, rel.import_id))
                    p.tally(rel, "relations", "unchanged")
                    continue
        if found is None:
            if next_id is None:
                next_id = conn.execute("SELECT coalesce(max(id), 0) FROM relations").fetchone()[0] + 1
            p.inserts["relations"].append((next_id, *row))
            p.record(rel, "relation", str(next_id), RELATION_COLS, None, row)
            if rel.ftm_id:
                p.external_ids.append(("ftm", rel.ftm_id, "relation", str(next_id), 1, rel.import_id))
            next_id += 1
            p.tally(rel, "relations", "inserted")
        else:
            if rel.ftm_id:  # this import holds it too: its mapping names this import (else it would look stale)
                p.external_ids.append(("ftm", rel.ftm_id, "relation", str(found[0]), int(found[2]), rel.import_id))
            if found[1] != row and found[2] and str(found[0]) in kept:  # curated: no import rewrites it
                where = _where(rel)
                p.counts.kept_curated.append(f"relation {rel.subject_id} {rel.kind} {rel.object_id} ({where})")
                p.tally(rel, "relations", "unchanged")
            elif found[1] != row and found[2]:
                p.updates["relations"].append((found[0], *row))
                p.record(rel, "relation", str(found[0]), RELATION_COLS, found[1], row)
                p.tally(rel, "relations", "updated")
            else:  # equal, or a row that came from elsewhere (never written through an FtM id)
                p.tally(rel, "relations", "unchanged")


def _plan_gazetteer(
    p: Plan, conn: sqlite3.Connection, records: Sequence[GazetteerEntry], *, keep_existing: bool = False
) -> None:
    """A name's regions are replaced as a whole, like an entity's aliases. With `keep_existing` (any import but
    a build), a place name the gazetteer has is left as it is and listed: the gazetteer has no history to say
    who wrote a name, and moving the dataset's `Berdiansk` to Crimea would tag every later article wrongly."""
    names = [e.name for e in records]
    stored = fetch_pairs(conn, "SELECT name, region_id FROM gazetteer WHERE name IN ({marks})", names)
    for entry in records:
        have, want = stored.get(entry.name, set()), set(entry.regions)
        if keep_existing and have and have != want:
            where = _where(entry)
            p.counts.kept_curated.append(f"place name {entry.name} ({where})")
            p.tally(entry, "gazetteer", "unchanged")
            continue
        p.gazetteer_add += [(entry.name, r) for r in entry.regions if r not in have]
        p.gazetteer_remove += [(entry.name, r) for r in sorted(have - want)]
        p.tally(entry, "gazetteer", "inserted" if not have else "updated" if have != want else "unchanged")


# ----------------------------------------------------------------------------------------------------- apply


def _column_list(cols: Sequence[str], table: str | None = None) -> str:
    prefix = f"{table}." if table else ""
    return ", ".join(f'{prefix}"{c}"' for c in cols)


def _insert_sql(table: str, cols: Sequence[str]) -> str:
    return f"INSERT INTO {table} ({_column_list(cols)}) VALUES ({', '.join('?' * len(cols))})"


# Inserting N rows with `executemany` runs the statement N times, and each run of a statement that fires triggers
# opens a statement savepoint, which makes every FTS5 table already written in this transaction flush its
# pending index data to disk (fts5's xSavepoint). From the second batch of an import on, that made each finding
# and each link cost two to three times as much. Rows are therefore put in a TEMP table first (no triggers, no
# FTS: nothing to flush) and moved with one INSERT ... SELECT per table: one statement, one savepoint, the FTS
# terms of the whole batch buffered together. The values bind exactly as with executemany (temp columns have no
# type, so no conversion); rowids keep the order of `rows`. Measured on 30,000 findings in 10,000-row batches:
# findings 2.2 -> 0.6 s, links 1.35 -> 0.43 s (bench/RESULTS.md, import).
STAGE_MIN_ROWS = 64  # fewer rows: plain executemany (a staging round trip costs more than it saves)
STAGE_MAX_ROWS = 5_000  # rows per staging round: bounds the temp table's memory


def insert_rows(conn: sqlite3.Connection, table: str, cols: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """INSERT `rows` (tuples in the order of `cols`) into `table`, in the caller's transaction, in order."""
    if len(rows) < STAGE_MIN_ROWS:
        conn.executemany(_insert_sql(table, cols), rows)
        return
    stage = f"temp.stage_{table}_{len(cols)}"
    names = _column_list(cols)
    conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS stage_{table}_{len(cols)} ({names})")
    fill = f"INSERT INTO {stage} VALUES ({', '.join('?' * len(cols))})"
    move = f"INSERT INTO main.{table} ({names}) SELECT {names} FROM {stage} ORDER BY rowid"
    for start in range(0, len(rows), STAGE_MAX_ROWS):  # (a failure rolls the temp table back with the rest)
        conn.executemany(fill, rows[start : start + STAGE_MAX_ROWS])
        conn.execute(move)
        conn.execute(f"DELETE FROM {stage}")


def _update_sql(table: str, cols: Sequence[str]) -> str:
    sets = ", ".join(f'"{c}" = ?' for c in cols[1:])
    return f"UPDATE {table} SET {sets} WHERE id = ?"


def _names(conn: sqlite3.Connection, table: str, ids: set[str]) -> dict[str, str]:
    """id -> 'name ; alias ; alias', as the linked_names triggers write it."""
    out: dict[str, str] = {}
    for chunk in _chunks(sorted(ids)):
        marks = ",".join("?" * len(chunk))
        for id_, name, aka in conn.execute(f"SELECT id, name, aka FROM {table} WHERE id IN ({marks})", chunk):
            out[id_] = f"{name} ; {aka}" if aka else name
    return out


def _aka(aliases: list[str] | None) -> str | None:
    """`aka` as the alias triggers write it (schema._aka_sql): the aliases in SQLite's order, joined."""
    return " ; ".join(sorted(aliases)) if aliases else None


def linked_names(ev: Evidence, actor_names: dict[str, str], region_names: dict[str, str]) -> str | None:
    parts = [actor_names[a] for a, _ in ev.actors] + [region_names[r] for r in ev.regions]
    return " ; ".join(parts) if parts else None


KEYS = schema.KEY_COLUMNS


def with_keys(table: str, cols: Sequence[str], row: Sequence[object]) -> tuple:
    """`row` (values of `cols`) followed by its matching keys (store.derived_keys), for sources and evidence."""
    texts = [row[cols.index(c)] for c in schema.KEYED_FROM[table]]
    return (*row, *derived_keys.for_text(table, *texts))  # type: ignore[arg-type]


def execute(conn: sqlite3.Connection, p: Plan) -> Counts:
    """Apply a plan inside the caller's transaction."""
    conn.execute("PRAGMA defer_foreign_keys = ON")
    # The aliases of new actors and regions go in before their rows, which then carry `aka` themselves: the alias
    # triggers find no row to update, and the row is indexed for search once. (Inserted after the row, each
    # alias would rewrite `aka` and re-index it: quadratic in the aliases of one record.)
    new = {(kind, row[0]) for kind, table in (("actor", "actors"), ("region", "regions")) for row in p.inserts[table]}
    early = [a for a in p.alias_add if (a[0], a[1]) in new]
    if early:
        insert_rows(conn, "aliases", ("kind", "ref_id", "alias"), early)
    akas: dict[tuple[str, str], list[str]] = {}
    for kind, ref_id, alias in early:
        akas.setdefault((kind, ref_id), []).append(alias)
    for table, cols in (("sources", SOURCE_COLS), ("actors", ACTOR_COLS), ("regions", REGION_COLS)):
        inserts, updates = p.inserts[table], p.updates[table]
        if table == "sources":
            inserts = [with_keys(table, cols, row) for row in inserts]
            updates = [with_keys(table, cols, row) for row in updates]
            cols = (*cols, *KEYS)
            if inserts:
                insert_rows(conn, table, cols, inserts)
        elif inserts:
            kind = table[:-1]
            rows = [(*row, _aka(akas.get((kind, row[0])))) for row in inserts]
            if table == "actors":  # their keys too: their name and aka are all of it (regions add places later)
                rows = [with_keys(table, (*cols, "aka"), row) for row in rows]
                insert_rows(conn, table, (*cols, "aka", *KEYS), rows)
            else:
                insert_rows(conn, table, (*cols, "aka"), rows)
        if updates:
            conn.executemany(_update_sql(table, cols), [(*row[1:], row[0]) for row in updates])
    if p.alias_remove:
        conn.executemany("DELETE FROM aliases WHERE kind = ? AND ref_id = ? AND alias = ?", p.alias_remove)
    late = [a for a in p.alias_add if (a[0], a[1]) not in new]
    if late:
        insert_rows(conn, "aliases", ("kind", "ref_id", "alias"), late)

    if p.updates["evidence"]:
        rows = [with_keys("evidence", EVIDENCE_COLS, row) for row in p.updates["evidence"]]
        conn.executemany(_update_sql("evidence", (*EVIDENCE_COLS, *KEYS)), [(*row[1:], row[0]) for row in rows])
    if p.link_remove["actors"]:
        conn.executemany("DELETE FROM evidence_actors WHERE evidence_id = ? AND actor_id = ?", p.link_remove["actors"])
    if p.link_remove["regions"]:
        conn.executemany(
            "DELETE FROM evidence_regions WHERE evidence_id = ? AND region_id = ?", p.link_remove["regions"]
        )
    if p.link_role:
        conn.executemany("UPDATE evidence_actors SET role = ? WHERE evidence_id = ? AND actor_id = ?", p.link_role)
    # Links first: for findings not yet inserted their triggers only bump counts; the finding's linked_names
    # is then written once, with the row, so its text is indexed once.
    if p.link_add["actors"]:
        insert_rows(conn, "evidence_actors", ("evidence_id", "actor_id", "role"), p.link_add["actors"])
    if p.link_add["regions"]:
        insert_rows(conn, "evidence_regions", ("evidence_id", "region_id"), p.link_add["regions"])
    if p.new_evidence:
        actor_names = _names(conn, "actors", {a for ev in p.new_evidence for a, _ in ev.actors})
        region_names = _names(conn, "regions", {r for ev in p.new_evidence for r in ev.regions})
        insert_rows(
            conn,
            "evidence",
            (*EVIDENCE_COLS, *KEYS, "linked_names"),
            [
                (*with_keys("evidence", EVIDENCE_COLS, ev.row()), linked_names(ev, actor_names, region_names))
                for ev in p.new_evidence
            ],
        )

    if p.inserts["relations"]:
        insert_rows(conn, "relations", ("id", *RELATION_COLS), p.inserts["relations"])
    if p.updates["relations"]:
        sets = ", ".join(f'"{c}" = ?' for c in RELATION_COLS)
        conn.executemany(
            f"UPDATE relations SET {sets} WHERE id = ?", [(*row[1:], row[0]) for row in p.updates["relations"]]
        )
    if p.gazetteer_remove:
        conn.executemany("DELETE FROM gazetteer WHERE name = ? AND region_id = ?", p.gazetteer_remove)
    if p.gazetteer_add:
        insert_rows(conn, "gazetteer", ("name", "region_id"), p.gazetteer_add)
    _refresh_name_keys(conn, p)
    if p.external_ids:
        conn.executemany(
            "INSERT INTO external_ids (system, external_id, kind, ref_id, created, import_id) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (system, external_id) DO UPDATE SET kind = excluded.kind, "
            "ref_id = excluded.ref_id, created = excluded.created, import_id = excluded.import_id",
            p.external_ids,
        )
    return p.counts


def _refresh_name_keys(conn: sqlite3.Connection, p: Plan) -> None:
    """The keys of the actors and regions whose name, aliases or places this plan changed (after the triggers
    have written their aka and places). New actors have theirs from `execute`, unless an alias of theirs was
    then removed (each update of a row's keys re-indexes it for search)."""
    for kind, table in (("actor", "actors"), ("region", "regions")):
        ids = {row[0] for row in p.updates[table]}
        if kind == "region":
            ids |= {row[0] for row in p.inserts[table]}
        late = {(a[0], a[1]) for a in p.alias_add} - {(kind, row[0]) for row in p.inserts[table]}
        ids |= {ref_id for k, ref_id in late if k == kind}
        ids |= {ref_id for k, ref_id, _ in p.alias_remove if k == kind}
        if kind == "region":
            ids |= {region_id for _, region_id in (*p.gazetteer_add, *p.gazetteer_remove)}
        if ids:
            derived_keys.refresh(conn, table, ids)


# ------------------------------------------------------------------------------------------------ import log


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def log_import(
    conn: sqlite3.Connection, *, path: str, sha256: str | None, fmt: str, started: str, counts: Counts
) -> None:
    conn.execute(
        "INSERT INTO imports (path, sha256, format, started, finished, counts) VALUES (?, ?, ?, ?, ?, ?)",
        (path, sha256, fmt, started, now(), json.dumps(counts.as_dict(), sort_keys=True)),
    )


def start_import(conn: sqlite3.Connection, *, path: str, sha256: str | None, fmt: str, started: str) -> int:
    """Log an import's file before its records are written (they may point at it); finish_import completes it."""
    cur = conn.execute(
        "INSERT INTO imports (path, sha256, format, started) VALUES (?, ?, ?, ?)", (path, sha256, fmt, started)
    )
    return int(cur.lastrowid)  # type: ignore[arg-type]


def finish_import(conn: sqlite3.Connection, import_id: int, counts: Counts, *, sha256: str | None = None) -> None:
    """Complete an import's log entry: its counts, and its file's hash when it was known only once read."""
    conn.execute(
        "UPDATE imports SET finished = ?, counts = ?, sha256 = coalesce(?, sha256) WHERE id = ?",
        (now(), json.dumps(counts.as_dict(), sort_keys=True), sha256, import_id),
    )
