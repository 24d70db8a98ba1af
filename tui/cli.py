"""`findings tui`: open the explorer (also what `findings` does with no command)."""

from __future__ import annotations

from pathlib import Path

import click


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


def run(db_path: Path, *, low_bandwidth: bool | None = None) -> None:
    """Check the database (one clear line and exit 1 if it cannot be browsed), then run the app."""
    from store.connect import open_readonly

    open_readonly(db_path).close()  # raises DatabaseUnavailable: main turns it into `Error: ...`, exit 1

    from tui.preload import Preload

    preload = Preload(db_path)
    preload.start()  # the first rows are read while Textual is imported

    from tui.app import FindingsApp, low_bandwidth_requested

    if low_bandwidth is None:
        low_bandwidth = low_bandwidth_requested()
    app = FindingsApp(db_path, low_bandwidth=low_bandwidth, preload=preload.rows())
    app.run(mouse=not low_bandwidth)
