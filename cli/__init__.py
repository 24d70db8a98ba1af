"""Quick-lookup and maintenance commands (search, show, stats, export, check, migrate).

The lookups (search, show, stats, export) open the database read-only, ask `store` one question and print the
answer: styled on a terminal, plain when piped or NO_COLOR is set, JSON with --json. They import neither
Textual nor sqlite-utils (nor rich when output is plain), so a lookup costs little more than its query.
"""

from __future__ import annotations


def open_db(ctx):  # type: ignore[no-untyped-def]  # (click.Context) -> sqlite3.Connection; cli.fast avoids Click
    """The database of the root command (--db), opened read-only."""
    from store.connect import open_readonly

    return open_readonly(ctx.find_root().obj.db)
