"""`findings migrate`: upgrade an older database to this program's schema, keeping all data."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("migrate")
@click.pass_context
def migrate(ctx: click.Context) -> None:
    """Upgrade the database to the current schema version, in one transaction.

    Writing commands (import, build) do this on their own; the explorer, which only reads, asks you to run it.

    \b
    Example:
      findings --db old-team.db migrate
    """
    import sqlite3

    from store.connect import check_version, open_readwrite
    from store.schema import SCHEMA_VERSION

    path: Path = ctx.find_root().obj.db
    probe = sqlite3.connect(f"file:{path}?mode=ro", uri=True) if path.exists() else None
    try:
        before = check_version(probe, path, writing=True) if probe else None
    finally:
        if probe:
            probe.close()
    open_readwrite(path).close()  # raises a clear error for a missing or unusable file; upgrades an old one
    if before is None or before == SCHEMA_VERSION:
        click.echo(f"{path}: already at schema version {SCHEMA_VERSION}; nothing to do")
    else:
        click.echo(f"{path}: upgraded from schema version {before} to {SCHEMA_VERSION}")
