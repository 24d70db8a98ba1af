"""The home screen's first rows, read before the app starts, so that its first frame is painted with them.

The first pages of the three home lists are read at once, on the starting thread, with the connection that
checked the database (a few milliseconds, even at a million findings); the counts (of findings, actors and
regions: one row each of the counts the triggers keep, store.browse) are read by a thread while Textual is
imported. That thread needs the GIL only to start and finish its one-row queries. Reading everything
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
    """Reads the first rows now and counts in a thread; `rows()` has them all (or None)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        """`conn`: a read-only connection (store.connect.open_readonly), which this object closes."""
        self._first: dict[str, list[Any]] | None = None
        self._counts: dict[str, int] = {}
        self._thread: threading.Thread | None = None
        try:
            from store import browse
            from store.search import EvidenceFilter, list_evidence

            self._first = {
                "actors": browse.list_actors(conn, sort="name", limit=PAGE),
                "regions": browse.list_regions(conn, sort="name", limit=PAGE),
                "evidence": list_evidence(conn, EvidenceFilter(), limit=PAGE),
            }
        except Exception:  # the lists then load in workers as usual, and report any error there
            self._first = None
            conn.close()
            return
        self._thread = threading.Thread(target=self._count, args=(conn,), name="findings-preload", daemon=True)
        self._thread.start()

    def _count(self, conn: sqlite3.Connection) -> None:
        try:
            from store import browse

            for name, count in (
                ("actors", browse.count_actors),
                ("regions", browse.count_regions),
                ("evidence", browse.count_findings),  # not a count of the findings' index (a cold disk reads it all)
            ):
                self._counts[name] = count(conn)
        except Exception:  # a list without its count counts in a worker
            pass
        finally:
            conn.close()

    def rows(self, timeout: float = 0.5) -> dict[str, tuple[int, list[Any]]] | None:
        """{list name: (count, first page)} for the lists whose count was read in time; None if nothing could be
        read."""
        if self._first is None:
            return None
        if self._thread is not None:
            self._thread.join(timeout)
        counts = dict(self._counts)  # (a thread still counting after the timeout adds nothing from here on)
        return {name: (counts[name], rows) for name, rows in self._first.items() if name in counts}
