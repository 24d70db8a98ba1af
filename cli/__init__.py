"""Quick-lookup and maintenance commands (search, show, stats, export, check, migrate).

The lookups (search, show, stats, export) open the database read-only, ask `store` one question and print the
answer: styled on a terminal, plain when piped or NO_COLOR is set, JSON with --json. They import neither
Textual nor sqlite-utils (nor rich when output is plain), so a lookup costs little more than its query.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (3 ms of a lookup process)
if TYPE_CHECKING:
    import sqlite3

    import click


def open_db(ctx: click.Context) -> sqlite3.Connection:
    """The database a lookup reads (store.paths.reading_db of the --db given, if any), opened read-only."""
    from cli.options import given_db
    from store.connect import open_readonly
    from store.paths import reading_db

    return open_readonly(reading_db(given_db(ctx)))
