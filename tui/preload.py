"""The home screen's first rows, read before the app starts, so that its first frame is painted with them.

The first pages of the three home lists and the counts of actors and regions are read at once, on the starting
thread, with the connection that checked the database (a few milliseconds, even at a million findings); the
count of all findings (it reads a whole index: 10-25 ms at a million, more from a cold disk) is read by a thread
while Textual is imported. That thread needs the GIL only to start and finish its one query. Reading everything
in a thread made the start-up slower instead: every row fetched takes the GIL back from the import (Python runs
one thread at a time), and the two threads took turns hundreds of times.

Nothing here imports Textual.
"""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

PAGE = 100  # must equal tui.widgets.virtual_list.PAGE_SIZE (checked where the rows are used)


class Preload:
    """Reads the first rows now and counts the findings in a thread; `rows()` has them all (or None)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        """`conn`: a read-only connection (store.connect.open_readonly), which this object closes."""
        self._pages: dict[str, tuple[int, list[Any]]] | None = None
        self._evidence: list[Any] = []
        self._total: int | None = None
        try:
            from store import browse
            from store.search import EvidenceFilter, list_evidence

            self._pages = {
                "actors": (browse.count_actors(conn), browse.list_actors(conn, sort="name", limit=PAGE)),
                "regions": (browse.count_regions(conn), browse.list_regions(conn, sort="name", limit=PAGE)),
            }
            self._evidence = list_evidence(conn, EvidenceFilter(), limit=PAGE)
        except Exception:  # the lists then load in workers as usual, and report any error there
            self._pages = None
            conn.close()
            self._thread = None
            return
        self._thread: threading.Thread | None = threading.Thread(
            target=self._count, args=(conn,), name="findings-preload", daemon=True
        )
        self._thread.start()

    def _count(self, conn: sqlite3.Connection) -> None:
        try:
            from store.search import EvidenceFilter, count_evidence

            self._total = count_evidence(conn, EvidenceFilter())
        except Exception:  # the evidence list then counts in a worker
            self._total = None
        finally:
            conn.close()

    def rows(self, timeout: float = 0.5) -> dict[str, tuple[int, list[Any]]] | None:
        """{list name: (count, first page)} for the lists read in full; None if nothing could be read."""
        if self._pages is None:
            return None
        if self._thread is not None:
            self._thread.join(timeout)
        out = dict(self._pages)
        if self._total is not None:
            out["evidence"] = (self._total, self._evidence)
        return out
