"""The `keys` and `stems` columns of findings, sources, actors and regions, computed from their text.

SQL triggers cannot compute matching keys (store/matchkey.py is Python), so they are written with the rows:
store/write.py computes them for every finding and source it writes (`for_text`), and refreshes those of the
actors and regions whose name, aliases or places it changed (`refresh`); an upgrade fills them once for every
row (store/migrate.py). Prose (claims, quotes, titles) gets `text_keys`, names and aliases `name_keys`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from store.matchkey import name_keys, text_keys
from store.schema import KEYED_FROM

CHUNK = 500
_NAMES = ("actors", "regions")


def for_text(table: str, *texts: str | None) -> tuple[str | None, str | None]:
    """(keys, stems) of a row of `table` whose KEYED_FROM columns hold `texts`, in that order."""
    return name_keys(*texts) if table in _NAMES else text_keys(*texts)


def refresh(conn: sqlite3.Connection, table: str, ids: Iterable[str] | None = None) -> int:
    """Recompute the keys of `table`'s rows `ids` (every row when None) and write those that changed, inside
    the caller's transaction. Returns how many rows changed."""
    columns = ", ".join(KEYED_FROM[table])
    select = f"SELECT id, {columns}, keys, stems FROM {table}"
    changed = 0
    if ids is None:  # in rowid order, a chunk at a time (no cursor left open over rows being updated)
        last = -(2**63)
        while rows := conn.execute(
            f"SELECT rowid, id, {columns}, keys, stems FROM {table} WHERE rowid > ? ORDER BY rowid LIMIT ?",
            [last, CHUNK],
        ).fetchall():
            last = rows[-1][0]
            changed += _write(conn, table, [row[1:] for row in rows])
        return changed
    wanted = sorted(set(ids))
    for i in range(0, len(wanted), CHUNK):
        chunk = wanted[i : i + CHUNK]
        rows = conn.execute(f"{select} WHERE id IN ({','.join('?' * len(chunk))})", chunk).fetchall()
        changed += _write(conn, table, rows)
    return changed


def _write(conn: sqlite3.Connection, table: str, rows: list[tuple]) -> int:
    updates = []
    for id_, *texts, keys, stems in rows:
        new = for_text(table, *texts)
        if new != (keys, stems):
            updates.append((*new, id_))
    if updates:
        conn.executemany(f"UPDATE {table} SET keys = ?, stems = ? WHERE id = ?", updates)
    return len(updates)
