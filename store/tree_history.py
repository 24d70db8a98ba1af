"""The history of changes (the `changes` table) in a tree: one file per change, so it only ever grows.

    history/<kind>/<record_id>/<at>--<who>--<digest>.yaml      {changes: [{at, who, kind, record, field, ...}]}

`at` is written without colons (20261201T120000Z: a legal file name everywhere), `who` as a slug, `digest` the
first 12 hex digits of the sha256 of the change itself, so two clones recording changes at the same second
still write different files, and the same change always has the same name: git merges histories as a union of
files, never as a conflict. A build reads them back in time order. The import a change came from (`import_id`)
stays in the database it was made in: a tree knows no import log.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import TypedDict

from store.errors import DataError, StoreError

CHANGE_FIELDS = ("at", "who", "kind", "record", "field", "before", "after", "note")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


class Change(TypedDict):
    at: str
    who: str
    kind: str
    record: str
    field: str | None
    before: str | None
    after: str | None
    note: str | None


def has_history(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'changes'").fetchone() is not None


def _slug(text: str) -> str:
    return _NOT_SLUG.sub("-", text.lower()).strip("-")[:40] or "someone"


def change_path(change: Change) -> str:
    stamp = change["at"].replace("-", "").replace(":", "")
    body = json.dumps([change.get(k) for k in CHANGE_FIELDS], ensure_ascii=False)
    digest = hashlib.sha256(body.encode("utf-8")).hexdigest()[:12]
    return f"history/{change['kind']}/{change['record']}/{stamp}--{_slug(change['who'])}--{digest}.yaml"


def history_documents(
    conn: sqlite3.Connection, records: set[tuple[str, str]] | None = None
) -> Iterator[tuple[str, object]]:
    """(path, document) for each recorded change (of `records`, (kind, id) pairs, when given)."""
    if not has_history(conn):
        return
    rows = conn.execute(
        "SELECT at, who, kind, record_id, field, before, after, note FROM changes ORDER BY kind, record_id, at, id"
    )
    for row in rows:
        if records is not None and (row[2], row[3]) not in records:
            continue
        change = Change(
            at=row[0], who=row[1], kind=row[2], record=row[3], field=row[4], before=row[5], after=row[6], note=row[7]
        )
        yield change_path(change), {"changes": [{k: v for k, v in change.items() if v is not None}]}


def read_history(tree: Path) -> list[Change]:
    """Every change recorded under `tree`/history, oldest first (ties in path order)."""
    from importers import loaders  # the one safe YAML loader

    base = tree / "history"
    if not base.is_dir():
        return []
    out: list[tuple[str, str, Change]] = []
    for path in sorted(base.rglob("*.yaml")):
        name = loaders.display_path(path)
        doc = loaders.load_yaml(loaders.decode_text(loaders.read_bytes(path), name), name)
        items = doc.get("changes") if isinstance(doc, dict) else None
        if not isinstance(items, list):
            raise DataError("a history file holds `changes: [...]`", file=name, line=1)
        for item in items:
            if not isinstance(item, dict) or not all(
                isinstance(item.get(k), str) for k in ("at", "who", "kind", "record")
            ):
                raise DataError("a change needs at, who, kind and record", file=name, line=getattr(item, "line", 1))
            unknown = set(item) - set(CHANGE_FIELDS)
            if unknown:
                raise DataError(
                    f"unknown field {sorted(unknown)[0]!r} in a change", file=name, line=getattr(item, "line", 1)
                )
            change = Change(**{k: _text(item.get(k)) for k in CHANGE_FIELDS})  # type: ignore[typeddict-item]
            out.append((change["at"], path.as_posix(), change))
    return [c for _, _, c in sorted(out, key=lambda t: (t[0], t[1]))]


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def write_history(conn: sqlite3.Connection, changes: list[Change]) -> None:
    """Append `changes` to the history, inside the caller's transaction."""
    if not has_history(conn):
        raise StoreError("the tree holds a history of changes, but this database has no `changes` table")
    conn.executemany(
        "INSERT INTO changes (at, who, kind, record_id, field, before, after, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [tuple(c[k] for k in CHANGE_FIELDS) for c in changes],  # type: ignore[literal-required]
    )
