"""`findings tui`: open the explorer (also what `findings` does with no command)."""

from __future__ import annotations

from pathlib import Path

import click

from cli.options import Command, db_option, given_db
from store.paths import reading_db
from tui import start


@click.command("tui", cls=Command)
@db_option()
@click.option(
    "--low-bandwidth",
    is_flag=True,
    default=None,
    help="For slow links: the terminal's own colours, no animation, no mouse, fewer bytes "
    "[env FINDINGS_LOW_BANDWIDTH=1].",
)
@click.pass_context
def tui(ctx: click.Context, db: Path | None, low_bandwidth: bool | None) -> None:
    """Open the explorer: search, filter by actor and region, drill down, copy citations, export.

    Keys are listed in the footer; press ? for all of them, ctrl+q to quit.

    \b
    Examples:
      findings                        the explorer on your database (or the shipped one)
      findings tui --db other.db      another database
      findings tui --low-bandwidth    over a slow SSH link
    """
    if low_bandwidth is None and ctx.parent is not None:
        low_bandwidth = ctx.parent.params.get("low_bandwidth")  # `findings --low-bandwidth tui`
    start.run(reading_db(given_db(ctx)), low_bandwidth=low_bandwidth)
