"""`findings mark-sensitive KIND ID`: mark a finding or a source sensitive, so that exports leave it out."""

from __future__ import annotations

from pathlib import Path

import click

from cli.options import Command, db_option, given_db, reviewer_option


@click.command("mark-sensitive", cls=Command)
@click.argument("kind", type=click.Choice(["evidence", "source"]))
@click.argument("id_", metavar="ID")
@click.option("--clear", is_flag=True, help="Mark it not sensitive again.")
@click.option("--note", metavar="TEXT", help="Why (kept in the history).")
@reviewer_option()
@db_option()
@click.pass_context
def mark_sensitive(
    ctx: click.Context, kind: str, id_: str, clear: bool, note: str | None, reviewer: str | None, db: Path | None
) -> None:
    """Mark a finding (evidence) or a source sensitive, e.g. because it names a witness.

    Sensitive findings, and the findings of sensitive sources, are left out of every export (csv, json,
    markdown, ftm) and of the data a bundle ships, unless the export is given --include-sensitive; a sensitive
    source's own fields are left out with them. The change is kept in the history, with who and when. A sealed
    (curated) finding can be marked without unsealing it.

    \b
    Examples:
      findings mark-sensitive evidence witness-statement-3 --note "names the witness"
      findings mark-sensitive source field-interview-2025 --clear
    """
    from store import review
    from store.connect import open_readwrite
    from store.errors import StoreError
    from store.paths import writing_db
    from store.text import printable

    path = writing_db(given_db(ctx))
    if path is None or not path.exists():
        raise StoreError(
            f"no database at {path}: marking changes your own database, which your first import creates; "
            "or choose one with --db PATH"
        )
    conn = open_readwrite(path)
    try:
        try:
            done = review.mark_sensitive(conn, kind, id_, not clear, who=review.reviewer(reviewer), note=note)
        except review.ReviewError as e:
            from store import details

            close = details.suggest(conn, kind, id_)  # as `findings show` tells a mistyped id
            if not close:
                raise
            names = ", ".join(f"{printable(n)} ({printable(i)})" for i, n in close)
            raise review.ReviewError(f"{e}; did you mean {names}?") from None
    finally:
        conn.close()
    state = "not sensitive" if clear else "sensitive"
    if done.changes:
        click.echo(printable(f"{kind} {id_} marked {state}"))
    else:
        click.echo(printable(f"{kind} {id_} was already {state}: nothing changed"))
