"""Writes of a FollowTheMoney import beside the records store.write plans: the FtM values records have no column
for, proposed links, and deletions (a delta file's DEL, --prune). All in the caller's transaction.

Deletions remove only what an FtM import created (external_ids.created = 1), with what hangs on it: aliases,
links, FtM values, external ids and open proposals; a source still cited by findings that stay is kept.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from store.write import CHUNK, now, stored_fields

SYSTEM = "ftm"
_TABLES = {"actor": "actors", "source": "sources", "region": "regions", "evidence": "evidence"}


@dataclass(frozen=True, slots=True)
class Proposal:
    kind: str  # 'same-as'
    left_kind: str  # the imported record
    left_id: str
    right_kind: str  # the record it may be
    right_id: str
    reason: str  # "same name as the existing actor 'Russia'", "same INN 7704484400"
    import_id: int | None = None


def replace_properties(conn: sqlite3.Connection, rows: Sequence[tuple[str, str, str]]) -> None:
    """(kind, ref_id, properties as JSON) rows: each record's FtM values become these."""
    conn.executemany("INSERT OR REPLACE INTO ftm_properties (kind, ref_id, properties) VALUES (?, ?, ?)", rows)


def add_proposals(conn: sqlite3.Connection, proposals: Iterable[Proposal]) -> int:
    """Insert new proposals (one already made, open or decided, is not made again). Returns how many are new."""
    before = conn.total_changes
    conn.executemany(
        "INSERT OR IGNORE INTO proposals (kind, left_kind, left_id, right_kind, right_id, reason, import_id, created) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(p.kind, p.left_kind, p.left_id, p.right_kind, p.right_id, p.reason, p.import_id, now()) for p in proposals],
    )
    return conn.total_changes - before


def delete_records(
    conn: sqlite3.Connection,
    records: Sequence[tuple[str, str]],
    *,
    who: str | None = None,
    import_id: int | None = None,
) -> dict[str, int]:
    """Delete these (kind, id) records, which the caller made sure an FtM import created. Findings go first
    (a source they cite may then go too), then relations, actors, regions, sources. Returns counts per kind,
    with 'kept' for sources still cited. With `who`, each deletion is recorded in the history (store.history),
    naming `import_id`."""
    by_kind: dict[str, list[str]] = {}
    for kind, ref in records:
        by_kind.setdefault(kind, []).append(ref)
    done: dict[str, int] = {}
    for kind in ("evidence", "relation", "actor", "region", "source"):
        ids = sorted(set(by_kind.get(kind, ())))
        if not ids:
            continue
        if kind == "source":
            cited = _cited(conn, ids)
            if cited:
                done["kept"] = len(cited)
                ids = [i for i in ids if i not in cited]
        if who is not None:
            from store.history import append

            before = stored_fields(conn, kind, ids)
            rows = [(kind, i, None, before.get(i), None) for i in ids]
            append(conn, rows, who=who, import_id=import_id, action=False)
        for i in range(0, len(ids), CHUNK):
            chunk = ids[i : i + CHUNK]
            marks = ",".join("?" * len(chunk))
            if kind == "relation":
                conn.execute(f"DELETE FROM relations WHERE id IN ({marks})", [int(r) for r in chunk])
            else:
                if kind == "actor":  # its relations go with it (ON DELETE CASCADE): what hangs on them too
                    _forget_relations(conn, chunk)
                if kind in ("actor", "region"):
                    conn.execute(f"DELETE FROM aliases WHERE kind = ? AND ref_id IN ({marks})", [kind, *chunk])
                conn.execute(f"DELETE FROM {_TABLES[kind]} WHERE id IN ({marks})", chunk)
            conn.execute(f"DELETE FROM ftm_properties WHERE kind = ? AND ref_id IN ({marks})", [kind, *chunk])
            conn.execute(f"DELETE FROM external_ids WHERE kind = ? AND ref_id IN ({marks})", [kind, *chunk])
            conn.execute(
                f"DELETE FROM proposals WHERE status = 'open' AND ((left_kind = ? AND left_id IN ({marks})) "
                f"OR (right_kind = ? AND right_id IN ({marks})))",
                [kind, *chunk, kind, *chunk],
            )
        done[kind] = len(ids)
    return done


def _forget_relations(conn: sqlite3.Connection, actor_ids: Sequence[str]) -> None:
    marks = ",".join("?" * len(actor_ids))
    ids = [
        str(r[0])
        for r in conn.execute(
            f"SELECT id FROM relations WHERE subject_id IN ({marks}) OR object_id IN ({marks})",
            [*actor_ids, *actor_ids],
        )
    ]
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i : i + CHUNK]
        rel_marks = ",".join("?" * len(chunk))
        keys = [
            r[0]
            for r in conn.execute(
                f"SELECT external_id FROM external_ids WHERE kind = 'relation' AND ref_id IN ({rel_marks})", chunk
            )
        ]
        conn.execute(f"DELETE FROM external_ids WHERE kind = 'relation' AND ref_id IN ({rel_marks})", chunk)
        if keys:
            key_marks = ",".join("?" * len(keys))
            conn.execute(f"DELETE FROM ftm_properties WHERE kind = 'relation' AND ref_id IN ({key_marks})", keys)


def _cited(conn: sqlite3.Connection, source_ids: list[str]) -> set[str]:
    out: set[str] = set()
    for i in range(0, len(source_ids), CHUNK):
        chunk = source_ids[i : i + CHUNK]
        sql = f"SELECT DISTINCT source_id FROM evidence WHERE source_id IN ({','.join('?' * len(chunk))})"
        out.update(r[0] for r in conn.execute(sql, chunk))
    return out
