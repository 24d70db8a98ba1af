"""The history: every change to a record, appended to `changes` and never updated or deleted.

Imports append what they created and changed (with their import_id); review actions (store.review) append what
a reviewer did. Values are JSON in `before`/`after`: text, numbers, null, true/false, and for the links of a
finding the whole list after the change ('actors': [[actor id, role], ...] sorted by id; 'regions': [region id,
...] sorted). A record created has a row with `field` NULL and `after` the fields it was created with (those that
are not empty); one deleted, `field` NULL, `after` NULL and `before` the fields it had (those not empty).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice

from store.schema import ACTOR_COLUMNS, EVIDENCE_COLUMNS, REGION_COLUMNS, RELATION_COLUMNS, SOURCE_COLUMNS
from store.write import now

KINDS = ("evidence", "actor", "region", "source", "relation", "link", "proposal")
# (kind, record_id, field, before, after): one history row before it is written
Row = tuple[str, str, str | None, object, object]


@dataclass(frozen=True, slots=True)
class Change:
    """One row of the history; `before` and `after` decoded from JSON."""

    id: int
    at: str
    who: str
    kind: str
    record_id: str
    field: str | None
    before: object
    after: object
    note: str | None
    import_id: int | None
    action: int | None = None
    undoes: int | None = None

    @property
    def what(self) -> str:
        """'created', 'deleted', or the field's name."""
        if self.field is not None:
            return self.field
        return "created" if self.after is not None else "deleted"


# -------------------------------------------------------------------------------------------------- history


def encode(value: object) -> str | None:
    """A value as `changes.before`/`after` hold it (None stays SQL NULL only for 'no record')."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def decode(text: str | None) -> object:
    return None if text is None else json.loads(text)


def append(
    conn: sqlite3.Connection,
    rows: Sequence[tuple[str, str, str | None, object, object]],
    *,
    who: str,
    note: str | None = None,
    import_id: int | None = None,
    action: bool = True,
    undoes: int | None = None,
) -> list[int]:
    """Append (kind, record_id, field, before, after) rows to the history in the caller's transaction (which
    holds the write lock); returns their ids. `before`/`after` are Python values, JSON-encoded here; a record
    created (field None) has before None, one deleted after None, written as SQL NULL. With `action` (review),
    the rows share one action id, the first row's, so that undo reverts them together; an import's rows have
    none (import_id says which import wrote them)."""
    if not rows:
        return []
    # Rows are never deleted, so the next id is max + 1 (SQLite's rowid rule): the first row's own id.
    first = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM changes").fetchone()[0]
    group = first if action else None
    when = now()
    values = []
    for kind, record_id, field, before, after in rows:
        if kind not in KINDS:
            raise ValueError(f"unknown history kind {kind!r}")
        enc_before = None if field is None and before is None else encode(before)
        enc_after = None if field is None and after is None else encode(after)
        values.append((when, who, kind, record_id, field, enc_before, enc_after, note, import_id, group, undoes))
    conn.executemany(
        "INSERT INTO changes (at, who, kind, record_id, field, before, after, note, import_id, action, undoes) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        values,
    )
    return list(range(first, first + len(values)))


CHANGE_COLUMNS = "id, at, who, kind, record_id, field, before, after, note, import_id, action, undoes"


def row_change(row: Sequence) -> Change:
    id_, at, who, kind, record_id, field, before, after, note, import_id, action, undoes = row
    return Change(id_, at, who, kind, record_id, field, decode(before), decode(after), note, import_id, action, undoes)


def history(conn: sqlite3.Connection, kind: str, record_id: str) -> list[Change]:
    """Every change to one record, oldest first (a finding's own fields, status, sealing and links)."""
    rows = conn.execute(
        f"SELECT {CHANGE_COLUMNS} FROM changes WHERE kind = ? AND record_id = ? ORDER BY id", (kind, record_id)
    )
    return [row_change(r) for r in rows]


def changes_by_id(conn: sqlite3.Connection, ids: Sequence[int]) -> list[Change]:
    marks = ",".join("?" * len(ids))
    rows = conn.execute(f"SELECT {CHANGE_COLUMNS} FROM changes WHERE id IN ({marks}) ORDER BY id", list(ids))
    return [row_change(r) for r in rows]


# ---------------------------------------------------------------------------------------------- consistency

# kind -> (table, key column, the columns the history records); links and aliases are read apart
_RECORDS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "evidence": ("evidence", "id", (*EVIDENCE_COLUMNS[1:], "sensitive")),
    "actor": ("actors", "id", ACTOR_COLUMNS[1:]),
    "region": ("regions", "id", REGION_COLUMNS[1:]),
    "source": ("sources", "id", (*SOURCE_COLUMNS[1:], "sensitive")),
    "relation": ("relations", "id", RELATION_COLUMNS),
    "proposal": ("proposals", "id", ("status",)),
}
_CHUNK = 500


def _current(conn: sqlite3.Connection, kind: str, ids: list[str]) -> dict[str, dict[str, object]]:
    """The values the history can cover of these records, as it records them (absent ids: no such record)."""
    table, key, cols = _RECORDS[kind]
    keys: list[object] = [int(i) for i in ids if i.isdigit()] if kind in ("relation", "proposal") else list(ids)
    if not keys:
        return {}
    marks = ",".join("?" * len(keys))
    select = ", ".join(f'"{c}"' for c in cols)
    out: dict[str, dict[str, object]] = {}
    for row in conn.execute(f"SELECT {key}, {select} FROM {table} WHERE {key} IN ({marks})", keys):
        values = dict(zip(cols, row[1:], strict=True))
        if "sensitive" in values:
            values["sensitive"] = bool(values["sensitive"])
        out[str(row[0])] = values
    lists: dict[tuple[str, str], list[object]] = {}
    if kind == "evidence":
        for rid in out:
            out[rid]["actors"] = lists[(rid, "actors")] = []
            out[rid]["regions"] = lists[(rid, "regions")] = []
        for eid, actor, role in conn.execute(
            f"SELECT evidence_id, actor_id, role FROM evidence_actors WHERE evidence_id IN ({marks}) "
            "ORDER BY evidence_id, actor_id",
            keys,
        ):
            if (eid, "actors") in lists:  # (links of a finding deleted without foreign keys are another check's)
                lists[(eid, "actors")].append([actor, role])
        for eid, region in conn.execute(
            f"SELECT evidence_id, region_id FROM evidence_regions WHERE evidence_id IN ({marks}) "
            "ORDER BY evidence_id, region_id",
            keys,
        ):
            if (eid, "regions") in lists:
                lists[(eid, "regions")].append(region)
    if kind in ("actor", "region"):
        for rid in out:
            out[rid]["aliases"] = lists[(rid, "aliases")] = []
        for rid, alias in conn.execute(
            f"SELECT ref_id, alias FROM aliases WHERE kind = ? AND ref_id IN ({marks}) ORDER BY ref_id, alias",
            [kind, *keys],
        ):
            if (rid, "aliases") in lists:
                lists[(rid, "aliases")].append(alias)
    return out


_GONE_TABLES = {"actor": "actors", "region": "regions", "evidence": "evidence"}


class _Gone:
    """What the schema itself changes when a record goes (ON DELETE CASCADE / SET NULL): a finding's link to a
    deleted actor or region disappears, a relation loses a deleted finding, and a relation goes with an actor.
    Those differences from the history are not problems; `without` takes them out of a recorded value."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.known: dict[tuple[str, str], bool] = {}

    def exists(self, kind: str, record_id: object) -> bool:
        key = (kind, str(record_id))
        if key not in self.known:
            sql = f"SELECT 1 FROM {_GONE_TABLES[kind]} WHERE id = ?"
            self.known[key] = self.conn.execute(sql, (str(record_id),)).fetchone() is not None
        return self.known[key]

    def any_of(self, kind: str, *ids: object) -> bool:
        return any(i is not None and not self.exists(kind, i) for i in ids)

    def without(self, kind: str, field: str, value: object) -> object:
        if kind == "evidence" and field == "actors" and isinstance(value, list):
            return [pair for pair in value if not (isinstance(pair, list) and self.any_of("actor", pair[0]))]
        if kind == "evidence" and field == "regions" and isinstance(value, list):
            return [r for r in value if not self.any_of("region", r)]
        if kind == "relation" and field == "evidence_id" and value is not None and self.any_of("evidence", value):
            return None
        return value


def _same(recorded: object, current: object) -> bool:
    if isinstance(recorded, int | float) and isinstance(current, int | float) and not isinstance(recorded, bool):
        return float(recorded) == float(current)
    return recorded == current


def inconsistencies(conn: sqlite3.Connection, *, limit: int = 5, in_sql: bool = True) -> tuple[int, list[str]]:
    """Where the records disagree with their history: (how many, up to `limit` examples). A record's current
    values must equal the last `after` of each field its history covers (a created row covers the fields it
    names); a record deleted must be gone; one whose history does not begin with its creation must exist (it
    predates the history) unless its history says it was deleted.

    With `in_sql`, SQLite first sets aside the records whose history is their creation alone and whose values
    are, type and all, those it was created with (most records, most of the time), and only the others are
    compared here, in Python; a kind whose rows SQLite cannot read that way (a value JSON cannot hold, a
    created row that is not JSON) is compared wholly in Python. The verdict is the same either way (tests compare
    the two), but for a created row naming one field twice, which findings never writes: SQLite reads the
    first, Python the last."""
    problems: list[str] = []
    count = 0
    for kind in _RECORDS:
        if in_sql:
            try:
                found: list[str] = []
                looked_at = conn.execute(_looked_at_sql(kind), (kind,))
                count += _inconsistencies_of(conn, kind, _changes_of(conn, kind, looked_at), found, limit)
                problems += found[: limit - len(problems)]
                continue
            except sqlite3.OperationalError as e:  # (not for a stop: time, Ctrl-C, a closed list)
                if "interrupt" in str(e) or getattr(conn, "timed_out", False):
                    raise
        rows = conn.execute(
            "SELECT record_id, field, after FROM changes WHERE kind = ? ORDER BY record_id, id", (kind,)
        )
        found = []
        count += _inconsistencies_of(conn, kind, rows, found, limit)
        problems += found[: limit - len(problems)]
    return count, problems


def _inconsistencies_of(
    conn: sqlite3.Connection,
    kind: str,
    rows: Iterable[tuple[str, str | None, str | None]],
    problems: list[str],
    limit: int,
) -> int:
    """How many records of `kind` disagree with their history rows `rows` (every row of each record, in
    record_id then id order); the first `limit` problems are added to `problems`."""
    count = 0
    pending: dict[str, dict[str, object]] = {}  # record -> field -> last after ('' key: exists?)
    for batch in _batches(rows, _CHUNK * 4):
        for record_id, field, after in batch:
            state = pending.setdefault(record_id, {})
            if field is None:
                state.clear()
                state[""] = after is not None
                created = decode(after)
                if isinstance(created, dict):
                    state.update(created)
            elif field != "sealed":  # derived from the history itself (store.review.sealed)
                state[field] = decode(after)
        if len(pending) > _CHUNK:  # the last record may go on in the next rows: it waits for them
            last = next(reversed(pending))
            carried = pending.pop(last)
            count += _compare(conn, kind, pending, problems, limit)
            pending = {last: carried}
    if pending:
        count += _compare(conn, kind, pending, problems, limit)
    return count


def _batches(rows: Iterable[tuple], size: int) -> Iterator[list[tuple]]:
    it = iter(rows)
    while batch := list(islice(it, size)):
        yield batch


def _changes_of(
    conn: sqlite3.Connection, kind: str, record_ids: Iterable[tuple[str]]
) -> Iterator[tuple[str, str | None, str | None]]:
    """The history rows of these records (each id once), in record_id then id order within each batch."""
    for batch in _batches(record_ids, _CHUNK):
        marks = ",".join("?" * len(batch))
        yield from conn.execute(
            f"SELECT record_id, field, after FROM changes WHERE kind = ? AND record_id IN ({marks}) "
            "ORDER BY record_id, id",
            [kind, *(r for (r,) in batch)],
        )


# kind -> the lists a created row holds, as `_current` reads them (INDEXED BY: in its order): field -> (a query
# of the list as JSON for the record `t`, whether the writer leaves an empty list out of the created row)
_LISTS: dict[str, dict[str, tuple[str, bool]]] = {
    "evidence": {
        "actors": (
            "SELECT json_group_array(json_array(actor_id, role)) FROM evidence_actors "
            "INDEXED BY sqlite_autoindex_evidence_actors_1 WHERE evidence_id = t.id",
            False,
        ),
        "regions": (
            "SELECT json_group_array(region_id) FROM evidence_regions "
            "INDEXED BY sqlite_autoindex_evidence_regions_1 WHERE evidence_id = t.id",
            False,
        ),
    },
    **{
        kind: {
            "aliases": (
                "SELECT json_group_array(alias) FROM aliases INDEXED BY sqlite_autoindex_aliases_1 "
                f"WHERE kind = '{kind}' AND ref_id = t.id",
                True,
            )
        }
        for kind in ("actor", "region")
    },
}


def _as_created_sql(kind: str) -> str:
    """SQL that is 1 where SQLite vouches that every field the created row `c.after` names holds, type and all,
    what the record `t` holds now: equal JSON texts are equal values.

    First: is `c.after` the record's fields as an import writes a created row (store.write: keys sorted, NULLs
    left out, no `sensitive`)? `json_patch` of `{}` takes the NULL members out of one `json_object`, in its
    order: one JSON parse. Else: the created row with each field it names set to the value now (JSON merge
    patch: a NULL column takes its field out, a field it does not name stays) equal to `c.after`: two parses,
    for rows written otherwise. 0 where a value might be written otherwise than the history wrote it (a real:
    SQLite writes 15 digits; a blob; in a TEXT column, where findings writes neither, two comparisons tell:
    a number sorts before every text, a blob after) and, in the second test, where Python reads more (a field
    named '')."""
    from store.schema_check import our_columns

    table, _, cols = _RECORDS[kind]
    declared = our_columns().get(table, {})
    scalars = [c for c in cols if c != "sensitive"]
    values = {c: f't."{c}"' for c in scalars}
    for name, (items, left_out_empty) in _LISTS.get(kind, {}).items():
        values[name] = f"json(nullif(({items}), '[]'))" if left_out_empty else f"json(({items}))"  # (NULL: no field)
    as_written = "json_object(" + ", ".join(f"'{k}', {values[k]}" for k in sorted(values)) + ")"
    if "sensitive" in cols:  # (read as a bool; imports leave it out, a created row names it only if written so)
        values["sensitive"] = (
            """CASE WHEN instr(c.after, '"sensitive":') THEN """
            "json(CASE t.sensitive WHEN 0 THEN 'false' WHEN 1 THEN 'true' END) END"
        )
    patched = "json_object(" + ", ".join(f"'{k}', {v}" for k, v in values.items()) + ")"
    other = " OR ".join(
        f"""+t."{c}" < '' OR +t."{c}" >= x''"""
        if declared.get(c) == "TEXT"
        else f"""typeof(t."{c}") IN ('real', 'blob')"""
        for c in scalars
    )
    return (
        f"CASE WHEN {other} THEN 0 WHEN c.after = json_patch('{{}}', {as_written}) THEN 1 "
        f"""WHEN instr(c.after, '"":') THEN 0 ELSE coalesce(c.after = json_patch(c.after, {patched}), 0) END"""
    )


def _looked_at_sql(kind: str) -> str:
    """The query of the record ids of `kind` (bound as its one parameter) whose history Python must compare:
    all but those created once, never changed or deleted since, and still as created."""
    table, key, _ = _RECORDS[kind]
    if kind in ("relation", "proposal"):  # (integer keys: `_current` finds the record whose id reads back the same)
        join = f"t.{key} = CAST(g.record_id AS INTEGER) AND CAST(t.{key} AS TEXT) = g.record_id"
    else:
        join = f"t.{key} = g.record_id"
    return (
        "SELECT g.record_id FROM (SELECT record_id, count(*) AS n, min(id) AS first FROM changes WHERE kind = ? "
        f"GROUP BY record_id) g JOIN changes c ON c.id = g.first LEFT JOIN {table} t ON {join} "
        "WHERE g.n != 1 OR c.field IS NOT NULL OR c.after IS NULL OR t.rowid IS NULL "
        f"OR NOT {_as_created_sql(kind)}"
    )


def _compare(
    conn: sqlite3.Connection, kind: str, states: dict[str, dict[str, object]], problems: list[str], limit: int
) -> int:
    """Compare the records' values with the last values of their history; returns how many disagree."""
    current = _current(conn, kind, list(states))
    gone = _Gone(conn)
    count = 0
    for record_id, state in states.items():
        exists = state.get("")
        now_values = current.get(record_id)
        problem = None
        if exists is False and now_values is not None:
            problem = f"{kind} {record_id}: deleted in its history, but present"
        elif now_values is None and exists is not False:
            if not (kind == "relation" and gone.any_of("actor", state.get("subject_id"), state.get("object_id"))):
                problem = f"{kind} {record_id}: in the history, but missing (its deletion is not recorded)"
        elif now_values is not None:
            for field, recorded in state.items():
                if not field or field not in now_values:
                    continue
                if _same(recorded, now_values[field]):
                    continue  # most fields: no need to ask what was deleted since (a query per actor linked)
                recorded = gone.without(kind, field, recorded)
                if not _same(recorded, now_values[field]):
                    problem = f"{kind} {record_id}: {field} is {now_values[field]!r}, its history says {recorded!r}"
                    break
        if problem:
            count += 1
            if len(problems) < limit:
                problems.append(problem)
    return count
