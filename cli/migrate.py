"""`findings migrate`: upgrade an older database to this program's schema, keeping all data."""

from __future__ import annotations

from pathlib import Path

import click

from cli.options import Command, db_option, given_db


@click.command("migrate", cls=Command)
@db_option()
@click.pass_context
def migrate(ctx: click.Context, db: Path | None) -> None:
    """Upgrade the database to the current schema version, in one transaction.

    Writing commands (import, build) do this on their own; the explorer, which only reads, asks you to run it.

    \b
    Example:
      findings --db old-team.db migrate
    """
    from store import write
    from store.connect import open_readwrite
    from store.paths import reading_db

    path = reading_db(given_db(ctx))
    conn = open_readwrite(path)  # a clear error for a missing, damaged or newer database
    try:
        before, after = write.upgrade(conn)
    finally:
        conn.close()
    if before == after:
        click.echo(f"{path}: already at schema version {after}; nothing to do")
    else:
        click.echo(f"{path}: upgraded from schema version {before} to {after}")
