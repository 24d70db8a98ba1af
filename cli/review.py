"""`findings review`: the explorer opened for writing, on the findings that wait for a person's review."""

from __future__ import annotations

from pathlib import Path

import click

from cli.options import Command, db_option, given_db


@click.command("review", cls=Command)
@db_option(help="Database to review (default: your database; the shipped data.db is never written).")
@click.argument("query", nargs=-1)
@click.option(
    "--reviewer",
    metavar="NAME",
    help="Your name in the history of every change [env FINDINGS_REVIEWER; default: your login name].",
)
@click.option(
    "--repo",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="FINDINGS_REPO",
    help="The data repository `findings sync` uses, whose waiting merge review mode shows as sync conflicts "
    "(press C) [env FINDINGS_REPO; default: the current directory, if it is one].",
)
@click.option(
    "--low-bandwidth",
    is_flag=True,
    default=None,
    help="For slow links, as `findings tui --low-bandwidth` [env FINDINGS_LOW_BANDWIDTH=1].",
)
@click.pass_context
def review(
    ctx: click.Context,
    db: Path | None,
    query: tuple[str, ...],
    reviewer: str | None,
    repo: Path | None,
    low_bandwidth: bool | None,
) -> None:
    """Review findings: the explorer on the unreviewed findings matching QUERY, opened for writing.

    QUERY is the search language of the explorer (`source:`, `region:`, `actor:`, words...). Mark each
    finding curated, disputed or rejected, edit it, fix its links, accept or refuse proposed duplicates and
    same-as links; every change is kept in the history with your name. Press ? for the keys. A query with its
    own `status:` reviews those findings instead of the unreviewed ones (`findings review status:disputed`).

    A merge of `findings sync` that stopped on records both sides changed waits in the data repository
    (--repo): review mode says so, and C shows each conflict, ours and theirs side by side, to keep one
    (o, t) or write a merged version (e); the last decision finishes the merge as `findings sync --resolve`
    does. Until then your database keeps its last good state.

    Plain `findings` and `findings tui` never write; this command writes only what you do.

    \b
    Examples:
      findings review                               everything unreviewed, in your database
      findings review source:my-article             the findings of one source
      findings review region:kherson --reviewer OK  under your name
      findings review --repo ~/team                 with the sync conflicts waiting in ~/team
    """
    from store.errors import StoreError
    from store.paths import is_shipped, writing_db
    from tui import start
    from tui.review_api import Review
    from tui.review_api import reviewer as decide_reviewer

    path = writing_db(given_db(ctx))
    if path is None:
        raise StoreError("there is no home directory for your database: choose one with --db PATH")
    if not path.exists():
        raise StoreError(
            f"there is nothing to review at {path} yet: import something first (`findings import article FILE`), "
            "or choose a database with --db PATH"
        )
    if is_shipped(path):
        raise StoreError(
            f"{path} is the shipped reference data, which review does not write: import into your own database "
            "first, or give another one with --db PATH"
        )
    if repo is None:
        from store.tree import MARKER

        here = Path.cwd()
        repo = here if (here / ".git").exists() and (here / MARKER).exists() else None
    if low_bandwidth is None and ctx.parent is not None:
        low_bandwidth = ctx.parent.params.get("low_bandwidth")
    start.run(path, low_bandwidth=low_bandwidth, review=Review(decide_reviewer(reviewer), " ".join(query), repo))
