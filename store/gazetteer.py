"""Names for tagging: every actor and region name and alias, and the gazetteer's place names."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

_REGION_NAMES = """
SELECT 'region', id, name FROM regions
UNION ALL SELECT 'region', a.ref_id, a.alias FROM aliases a JOIN regions r ON r.id = a.ref_id WHERE a.kind = 'region'
UNION ALL SELECT 'region', region_id, name FROM gazetteer
"""
_ACTOR_NAMES = """
SELECT 'actor', id, name FROM actors
UNION ALL SELECT 'actor', a.ref_id, a.alias FROM aliases a JOIN actors b ON b.id = a.ref_id WHERE a.kind = 'actor'
"""


def names(conn: sqlite3.Connection, *, actors: bool = True) -> Iterator[tuple[str, str, str]]:
    """(kind, id, name) rows: regions (names, aliases, gazetteer) and, unless actors=False, actors."""
    yield from conn.execute(_REGION_NAMES)
    if actors:
        yield from conn.execute(_ACTOR_NAMES)
