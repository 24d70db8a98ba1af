"""`findings repair`: fix what `findings check` finds and can be fixed, after making a backup (store/repair.py)."""

from __future__ import annotations

from pathlib import Path

import click

from cli.options import Command, db_option, given_db


@click.command("repair", cls=Command)
@db_option()
@click.pass_context
def repair(ctx: click.Context, db: Path | None) -> None:
    """Repair the database, after copying it to NAME.backup-DATE beside it; say what was done.

    Moves aside a write-ahead log that belongs to another database; rolls back an interrupted write (a hot
    -journal); drops triggers and indexes findings did not make (they would run during imports); makes its own
    again if changed; rebuilds search indexes and recomputes counts that disagree with the data. Views, virtual
    tables and extra tables are left alone (never run or read). Changed tables, region parent cycles and values
    of the wrong type are reported, not changed: exit status 1 while any remain.

    \b
    Examples:
      findings --db received.db check
      findings --db received.db repair
    """
    from store.paths import reading_db
    from store.repair import repair as run_repair
    from store.text import printable

    path = reading_db(given_db(ctx))
    report = run_repair(path)
    shown = printable(str(path))
    if report.backup is None and not report.left:
        click.echo(f"{shown}: nothing to repair")
    elif report.backup is not None:
        click.echo(f"{shown}: backup made first: {printable(str(report.backup))}")
    for line in report.done:
        click.echo(f"  done: {printable(line)}")
    for line in report.notes:
        click.echo(f"  note: {printable(line)}")
    for line in report.left:
        click.echo(f"  not repaired: {printable(line)}")
    if not report.ok:
        ctx.exit(1)
