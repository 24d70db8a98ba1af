"""What searching has worked out already, per connection, until the database changes.

Compiled query plans, exact counts, facets and list orders are kept in small LRU caches (each beside the code
that fills it: store.search.plan, .evidence and .facet_counts) keyed by the connection object itself (held
here, so its id cannot be reused by another connection; entries of closed connections are dropped) and what
was asked. An entry is valid while PRAGMA data_version and total_changes say nobody wrote since it was made.
The explorer's database threads share these caches, hence the lock.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

TYPE_CHECKING = False  # not typing's: `findings search` never imports typing (about 2 ms)
if TYPE_CHECKING:
    from typing import Generic, TypeVar

    V = TypeVar("V")

    class _Values(Generic[V]):
        """What the type checker sees: a cache is generic in the values it holds."""

else:

    class _Values:
        """At run time, `Cache[V]` is just Cache (typing.Generic would import typing)."""

        __slots__ = ()

        def __class_getitem__(cls, item: object) -> type:
            return cls


_LOCK = threading.Lock()
Marker = tuple[int, int]


def db_marker(conn: sqlite3.Connection) -> Marker:
    """Changes whenever the database does (a write on this connection, or a commit on any other)."""
    return conn.execute("PRAGMA data_version").fetchone()[0], conn.total_changes


class Cache(_Values["V"]):
    """An LRU of (connection, key) -> value, each entry valid until the database changes."""

    __slots__ = ("_entries", "size")

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[tuple[sqlite3.Connection, Hashable], tuple[Marker, V]] = OrderedDict()

    def get(self, conn: sqlite3.Connection, key: Hashable) -> V | None:
        """The value for `key` on `conn`, if the database has not changed since it was stored."""
        with _LOCK:
            entry = self._entries.get((conn, key))
        if entry is None or entry[0] != db_marker(conn):
            return None
        return entry[1]

    def put(self, conn: sqlite3.Connection, key: Hashable, value: V, marker: Marker | None = None) -> None:
        """Store `value`; `marker`: the database state it was computed in (default: now)."""
        if marker is None:
            marker = db_marker(conn)
        entries = self._entries
        with _LOCK:
            entries[(conn, key)] = (marker, value)
            entries.move_to_end((conn, key))
            for other in [k for k in entries if k[0] is not conn]:
                try:
                    other[0].total_changes  # noqa: B018 - raises once the connection is closed
                except sqlite3.ProgrammingError:
                    del entries[other]
            while len(entries) > self.size:
                entries.popitem(last=False)

    def get_or_make(self, conn: sqlite3.Connection, key: Hashable, make: Callable[[], V]) -> V:
        """The cached value, else `make()`'s, stored with the database state from before it was made."""
        marker = db_marker(conn)
        with _LOCK:
            entry = self._entries.get((conn, key))
        if entry is not None and entry[0] == marker:
            return entry[1]
        value = make()
        self.put(conn, key, value, marker)
        return value

    def clear(self) -> None:
        """Forget every entry (a benchmark measuring a query as if typed for the first time)."""
        with _LOCK:
            self._entries.clear()

    def trim(self, total: int, weight: Callable[[V], int]) -> None:
        """Drop the oldest entries until the values' weights add up to at most `total` (one entry stays)."""
        with _LOCK:
            while len(self._entries) > 1 and sum(weight(v[1]) for v in self._entries.values()) > total:
                self._entries.popitem(last=False)
