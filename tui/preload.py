"""The home screen's first rows, read while Textual is being imported (which takes most of the start-up).

A thread reads the counts and first pages of the three home lists through store/ with its own read-only
connection, so the first frame can be painted as soon as the app is up. Nothing here imports Textual.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

PAGE = 100  # must equal tui.widgets.virtual_list.PAGE_SIZE (checked where the rows are used)


class Preload(threading.Thread):
    def __init__(self, db_path: Path) -> None:
        super().__init__(name="findings-preload", daemon=True)
        self.db_path = db_path
        self.result: dict[str, tuple[int, list[Any]]] | None = None

    def run(self) -> None:
        try:
            from store import browse
            from store.connect import open_readonly
            from store.search import EvidenceFilter, count_evidence, list_evidence

            conn = open_readonly(self.db_path)
            try:
                self.result = {
                    "actors": (browse.count_actors(conn), browse.list_actors(conn, sort="name", limit=PAGE)),
                    "regions": (browse.count_regions(conn), browse.list_regions(conn, sort="name", limit=PAGE)),
                    "evidence": (
                        count_evidence(conn, EvidenceFilter()),
                        list_evidence(conn, EvidenceFilter(), limit=PAGE),
                    ),
                }
            finally:
                conn.close()
        except Exception:  # the lists then load in workers as usual, and report any error there
            self.result = None

    def rows(self, timeout: float = 0.5) -> dict[str, tuple[int, list[Any]]] | None:
        self.join(timeout)
        return self.result
