"""What exports leave out: sensitive findings, sensitive sources, and the findings of sensitive sources.

A finding or source is marked sensitive by a person (`findings mark-sensitive`, or the review's edit of
`sensitive`), e.g. because it names a witness. Every export (csv, json, markdown, ftm) leaves such records out
unless it is asked to include them (--include-sensitive); the shipped dataset cannot mark anything sensitive,
so data.db never holds a sensitive record.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from store.write import CHUNK

# SQL: the finding `e` is left out (it is sensitive, or its source is)
HIDDEN_EVIDENCE = "(e.sensitive != 0 OR EXISTS (SELECT 1 FROM sources s WHERE s.id = e.source_id AND s.sensitive != 0))"


def sensitive_sources(conn: sqlite3.Connection) -> set[str]:
    """The ids of the sources marked sensitive."""
    return {r[0] for r in conn.execute("SELECT id FROM sources WHERE sensitive != 0")}


def hidden_evidence(conn: sqlite3.Connection) -> set[str]:
    """The ids of the findings exports leave out: sensitive ones and those of sensitive sources."""
    return {
        r[0]
        for r in conn.execute(
            "SELECT id FROM evidence WHERE sensitive != 0 UNION "
            "SELECT e.id FROM sources s JOIN evidence e ON e.source_id = s.id WHERE s.sensitive != 0"
        )
    }


def without_hidden(conn: sqlite3.Connection, ids: Iterable[str]) -> list[str]:
    """`ids` in their order, without the findings exports leave out."""
    wanted = list(ids)
    hidden: set[str] = set()
    for i in range(0, len(wanted), CHUNK):
        chunk = wanted[i : i + CHUNK]
        marks = ",".join("?" * len(chunk))
        hidden.update(
            r[0]
            for r in conn.execute(f"SELECT e.id FROM evidence e WHERE e.id IN ({marks}) AND {HIDDEN_EVIDENCE}", chunk)
        )
    return [i for i in wanted if i not in hidden] if hidden else wanted


def count_hidden(conn: sqlite3.Connection) -> int:
    """How many findings exports leave out."""
    return int(conn.execute(f"SELECT count(*) FROM evidence e WHERE {HIDDEN_EVIDENCE}").fetchone()[0])
