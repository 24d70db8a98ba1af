"""Which SQLite errors come from what someone typed, and the one way to turn them into "nothing found".

Search never fails on user input: a query the FTS engine rejects, or one too large for SQLite, gives no
results. Errors that are not about the query (a missing or damaged database, an interrupted statement) still
raise.
"""

from __future__ import annotations

import sqlite3
from types import TracebackType

_QUERY_ERRORS = (
    "fts5",
    "unterminated string",
    "malformed match",
    "parser stack overflow",
    "too many sql variables",
    "expression tree is too large",
    "pattern too complex",
    "string or blob too big",
)


def is_query_error(e: BaseException) -> bool:
    if not isinstance(e, sqlite3.OperationalError):
        return False
    message = str(e).lower()
    return any(m in message for m in _QUERY_ERRORS)


class _QueryErrorMeansEmpty:
    """`with query_error_means_empty: ... return result` then `return <nothing>`: a query error leaves the
    block, and the function goes on to return its empty result (generators too)."""

    __slots__ = ()

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> bool:
        return error is not None and is_query_error(error)


query_error_means_empty = _QueryErrorMeansEmpty()
