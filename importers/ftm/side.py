"""What pass 1 learns that later passes need, kept on disk in a private temporary SQLite database: the
fragments of entities split over several records, and the place each Address gives and the post each
Position names (for the entities that point at them).

Memory then holds the index (a few hundred bytes per entity) and one chunk of records, whatever the input.
"""

from __future__ import annotations

import marshal
import sqlite3
from collections.abc import Iterable

PENDING = 2_000  # infos buffered before they are written


class SideStore:
    def __init__(self) -> None:
        self.db = sqlite3.connect("", isolation_level=None)  # "": a temporary file of its own, removed on close
        self.db.executescript(
            """
            CREATE TABLE fragments (id TEXT, seq INTEGER, record BLOB);
            CREATE INDEX fragments_id ON fragments(id, seq);
            CREATE TABLE info (id TEXT PRIMARY KEY, data BLOB) WITHOUT ROWID;
            """
        )
        self._pending: list[tuple[str, bytes]] = []  # infos not yet written: one executemany per few thousand

    def close(self) -> None:
        self.db.close()

    # -------------------------------------------------------------------------------------- fragments

    def put_fragment(self, ftm_id: str, seq: int, record: tuple) -> None:
        self.db.execute("INSERT INTO fragments VALUES (?, ?, ?)", (ftm_id, seq, marshal.dumps(record)))

    def take_fragments(self, ftm_id: str) -> list[tuple]:
        """The fragments kept for an id, in order, removed from the store."""
        rows = self.db.execute("SELECT record FROM fragments WHERE id = ? ORDER BY seq", (ftm_id,)).fetchall()
        if rows:
            self.db.execute("DELETE FROM fragments WHERE id = ?", (ftm_id,))
        return [marshal.loads(r[0]) for r in rows]

    # -------------------------------------------------------------------------------------- info

    def put_info(self, ftm_id: str, data: tuple) -> None:
        self._pending.append((ftm_id, marshal.dumps(data)))
        if len(self._pending) >= PENDING:
            self._write_infos()

    def _write_infos(self) -> None:
        # In order: of two infos for one id, the later one stays (a fragment read later replaces it).
        self.db.executemany("INSERT OR REPLACE INTO info VALUES (?, ?)", self._pending)
        self._pending = []

    def infos(self, ftm_ids: Iterable[str]) -> dict[str, tuple]:
        if self._pending:
            self._write_infos()
        wanted = sorted(set(ftm_ids))
        out: dict[str, tuple] = {}
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            sql = f"SELECT id, data FROM info WHERE id IN ({','.join('?' * len(chunk))})"
            out.update((ident, marshal.loads(data)) for ident, data in self.db.execute(sql, chunk))
        return out
