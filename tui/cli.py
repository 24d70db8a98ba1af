"""`findings tui`: open the explorer (also what `findings` does with no command)."""

from __future__ import annotations

from pathlib import Path

import click

from tui.start import run


@click.command("tui")
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Database file (default: the global --db, ./data.db, or the data.db beside main.py).",
)
@click.option(
    "--low-bandwidth",
    is_flag=True,
    default=None,
    help="For slow links: the terminal's own colours, no animation, no mouse, fewer bytes "
    "[env FINDINGS_LOW_BANDWIDTH=1].",
)
@click.pass_context
def tui(ctx: click.Context, db_path: Path | None, low_bandwidth: bool | None) -> None:
    """Open the explorer: search, filter by actor and region, drill down, copy citations, export.

    Keys are listed in the footer; press ? for all of them, ctrl+q to quit.

    \b
    Examples:
      findings                        the explorer on the default database
      findings tui --db other.db      another database
      findings tui --low-bandwidth    over a slow SSH link
    """
    if db_path is None:
        db_path = getattr(ctx.obj, "db", None)
    if db_path is None:
        from main import default_db

        db_path = default_db()
    run(Path(db_path), low_bandwidth=low_bandwidth)
