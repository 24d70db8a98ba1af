"""The history of changes (the `changes` table) in a tree: one file per action, so it only ever grows.

    history/<kind>/<record>/<at>.<n>--<who>--<digest>.yaml    {changes: [{at, who, kind, record, field, ...}, ...]}

A file holds the rows of one review action (a status change with its sealing, an undo), or one row an import
wrote. `at` is written without colons (20261201T120000Z: a legal file name everywhere), `n` is its place among
the actions of that second, `who` a slug, and `digest` the first 12 hex digits of the sha256 of the rows: two
clones recording changes in the same second still write different files, and the same change always has the
same name, so git merges histories as a union of files and never as a conflict. An undo names the file of the
action it reverts (`undoes: <digest>`). Relations are named by their natural key (`subject--kind--object`),
since their row ids are local to each database; an FtM import's relations and their history stay in the
database (several may join one pair) and a sync carries them over. A build reads the files back in time
order and numbers the rows anew. What a tree cannot carry: the import a change came from (`import_id`; a tree
knows no import log).
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from store.errors import DataError, StoreError

ROW_FIELDS = ("at", "who", "kind", "record", "field", "before", "after", "note")
FILE_FIELDS = (*ROW_FIELDS, "undoes")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")

Row = dict[str, str]  # one change as a tree holds it (absent keys: NULL)


def has_history(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'changes'").fetchone() is not None


def _slug(text: str) -> str:
    return _NOT_SLUG.sub("-", text.lower()).strip("-")[:40] or "someone"


def _digest(rows: list[Row]) -> str:
    body = json.dumps(rows, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()[:12]


def _path(rows: list[Row], digest: str, nth: int) -> str:
    first = rows[0]
    stamp = first["at"].replace("-", "").replace(":", "").replace("+0000", "Z")
    return f"history/{first['kind']}/{first['record']}/{stamp}.{nth}--{_slug(first['who'])}--{digest}.yaml"


def relation_keys(conn: sqlite3.Connection) -> dict[str, str]:
    """relation row id (as text) -> `subject--kind--object`."""
    return {
        str(r[0]): f"{r[1]}--{r[3]}--{r[2]}"
        for r in conn.execute("SELECT id, subject_id, object_id, kind FROM relations")
    }


def local_relations(conn: sqlite3.Connection) -> set[str]:
    """Row ids (as text) of the relations that stay in this database: an FtM import's (several may join one
    pair, and a tree holds relations by pair). They travel in their FtM file; a sync carries them, with their
    history, into the rebuilt database (store/carry.py)."""
    if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'external_ids'").fetchone() is None:
        return set()
    return {
        str(r[0]) for r in conn.execute("SELECT ref_id FROM external_ids WHERE system = 'ftm' AND kind = 'relation'")
    }


def history_documents(
    conn: sqlite3.Connection, records: set[tuple[str, str]] | None = None
) -> Iterator[tuple[str, object]]:
    """(path, document) per action (of `records`, (kind, id) pairs, when given; links by their finding)."""
    if not has_history(conn):
        return
    keys = relation_keys(conn)
    local = local_relations(conn)
    groups: dict[int, list[Row]] = {}
    undoes: dict[int, int] = {}
    for id_, at, who, kind, record, field, before, after, note, action, undone in conn.execute(
        "SELECT id, at, who, kind, record_id, field, before, after, note, action, undoes FROM changes ORDER BY id"
    ):
        if kind == "proposal":
            continue  # proposals stay in the database they were made in: a tree carries none
        if kind == "relation":
            if record in local:
                continue  # its history stays with it, in this database
            record = keys.get(record, record)
        if records is not None and not _wanted(kind, record, records):
            continue
        row = {"at": at, "who": who, "kind": kind, "record": record}
        row.update(
            {k: v for k, v in (("field", field), ("before", before), ("after", after), ("note", note)) if v is not None}
        )
        group = action if action is not None else -id_
        groups.setdefault(group, []).append(row)
        if undone is not None:
            undoes[group] = undone
    digests = {group: _digest(rows) for group, rows in groups.items()}
    out = []
    in_second: dict[str, int] = {}  # the actions of one second, in the order they were made
    for group, rows in groups.items():
        nth = in_second[rows[0]["at"]] = in_second.get(rows[0]["at"], -1) + 1
        doc: dict[str, object] = {"changes": rows}
        if group > 0:
            doc["review"] = True  # one review action (undo reverts its rows together); else an import's row
        if group in undoes and undoes[group] in digests:
            doc["undoes"] = digests[undoes[group]]
        out.append((_path(rows, digests[group], nth), doc))
    yield from sorted(out, key=lambda item: item[0])


def _wanted(kind: str, record: str, records: set[tuple[str, str]]) -> bool:
    if kind == "link":
        return ("evidence", record) in records
    if kind == "relation":
        return ("relation", record) in records
    if kind == "proposal":
        return False  # proposals stay where they were made: a tree carries none
    return (kind, record) in records


Action = tuple[str, list[Row], str | None, bool]  # digest, rows, digest of the action it undoes, a review action


def read_history(tree: Path) -> list[Action]:
    """Every action recorded under `tree`/history, oldest first."""
    from importers import loaders  # the one safe YAML loader

    base = tree / "history"
    if not base.is_dir():
        return []
    out: list[tuple[str, int, str, str, list[Row], str | None, bool]] = []
    for path in sorted(base.rglob("*.yaml")):
        name = loaders.display_path(path)
        doc = loaders.load_yaml(path.read_text(encoding="utf-8"), name)
        items = doc.get("changes") if isinstance(doc, dict) else None
        if not isinstance(items, list) or not items:
            raise DataError("a history file holds `changes: [...]`", file=name, line=1)
        rows: list[Row] = []
        for item in items:
            line = getattr(item, "line", 1)
            if not isinstance(item, dict) or not all(isinstance(item.get(k), str) for k in ("at", "who", "kind")):
                raise DataError("a change needs at, who, kind and record", file=name, line=line)
            unknown = set(item) - set(ROW_FIELDS)
            if unknown:
                raise DataError(f"unknown field {sorted(unknown)[0]!r} in a change", file=name, line=line)
            rows.append({k: str(v) for k, v in item.items() if v is not None})
        undoes = doc.get("undoes")
        stamp, _, rest = path.stem.partition("--")
        digest = rest.rsplit("--", 1)[-1]
        nth = int(stamp.rpartition(".")[2]) if stamp.rpartition(".")[2].isdigit() else 0
        review = doc.get("review") is True or undoes is not None
        out.append((rows[0]["at"], nth, path.as_posix(), digest, rows, None if undoes is None else str(undoes), review))
    out.sort(key=lambda t: (t[0], t[1], t[2]))
    return [(digest, rows, undoes, review) for _, _, _, digest, rows, undoes, review in out]


def write_history(conn: sqlite3.Connection, actions: list[Action]) -> None:
    """Append the actions of a tree to the history, inside the caller's (build's) transaction: rows numbered
    anew, each action's rows sharing the id of its first, relations mapped back to their row ids."""
    if not has_history(conn):
        raise StoreError("the tree holds a history of changes, but this database has no `changes` table")
    by_key = {key: id_ for id_, key in relation_keys(conn).items()}
    first = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM changes").fetchone()[0]
    action_ids: dict[str, int] = {}
    values = []
    for digest, rows, undoes, review in actions:
        action_ids[digest] = first
        group = first if review else None
        for row in rows:
            record = row.get("record", "")
            if row["kind"] == "relation":
                record = by_key.get(record, record)
            values.append(
                (
                    row["at"],
                    row["who"],
                    row["kind"],
                    record,
                    row.get("field"),
                    row.get("before"),
                    row.get("after"),
                    row.get("note"),
                    group,
                    action_ids.get(undoes) if undoes else None,
                )
            )
            first += 1
    conn.executemany(
        "INSERT INTO changes (at, who, kind, record_id, field, before, after, note, action, undoes) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        values,
    )


def record_decisions(conn: sqlite3.Connection, decided: list[tuple[str, str, str]], *, who: str) -> int:
    """Record in the history, in the caller's transaction, what a person kept of each conflicting record
    ((kind, id, note): a record a merge brought two versions of): for every field whose value now differs
    from the last value its history gives it (the other side's change), a change to the value kept. Returns
    how many rows were appended."""
    from store.history import _current, append, decode

    keys = {key: id_ for id_, key in relation_keys(conn).items()}
    n = 0
    for kind, record, note in decided:
        record_id = keys.get(record, record) if kind == "relation" else record
        current = _current(conn, kind, [record_id]).get(record_id)
        if current is None:
            continue
        state: dict[str, object] = {}
        for field, after in conn.execute(
            "SELECT field, after FROM changes WHERE kind = ? AND record_id = ? ORDER BY id", (kind, record_id)
        ):
            if field is None:
                created = decode(after)
                state = dict(created) if isinstance(created, dict) else {}
            elif field != "sealed":
                state[field] = decode(after)
        rows = [
            (kind, record_id, field, recorded, current[field])
            for field, recorded in state.items()
            if field in current and recorded != current[field]
        ]
        if not rows:  # the kept version is the last one the history knows: the decision itself is recorded
            rows = [(kind, record_id, "merge", None, note)]
        n += len(append(conn, rows, who=who, note=note))
    return n
