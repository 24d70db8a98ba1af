"""`findings search QUERY`: ranked hits of every kind, from the one search engine (store.search)."""

from __future__ import annotations

from pathlib import Path

import click

from cli import open_db
from cli.options import Command, db_option
from cli.search_output import DEFAULT_LIMIT, KINDS, MAX_LIMIT


@click.command("search", cls=Command)
@click.argument("query", nargs=-1, required=True)
@click.option("--kind", "kinds", multiple=True, type=click.Choice(KINDS), help="Only this kind (repeatable).")
@click.option(
    "--limit", default=DEFAULT_LIMIT, show_default=True, type=click.IntRange(1, MAX_LIMIT), help="Hits to show."
)
@click.option("--offset", default=0, type=click.IntRange(0), help="Hits to skip (for the next page).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of hits.")
@db_option()
@click.pass_context
def search(
    ctx: click.Context,
    query: tuple[str, ...],
    kinds: tuple[str, ...],
    limit: int,
    offset: int,
    as_json: bool,
    db: Path | None,
) -> None:
    """Search findings, actors, regions and sources.

    Words must all match; "quoted phrases"; OR between words; -word to exclude; word* for a prefix.
    Case, diacritics and aliases do not matter: Zaporozhye finds Zaporizhzhia, WeChat finds Tencent.

    The query is every argument that is not an option, and options may come anywhere:
    `findings search iran -coal --json`. A --word that is not an option below is an error; a word
    with one dash excludes it (-h is help); after `--` everything is query (`-- --json`).

    \b
    Qualifiers (values are ids, names or aliases; quote values with spaces;
    a comma between values is either: category:finance,trade):
      actor:china  region:"Luhansk Oblast"  country:CN  category:finance
      source:ID  status:unreviewed  kind:actor  lang:uk  match:exact
      after:2024  before:2025-06
    after: is on or after the start of its date, before: before the start of
    its date (after:2025-04 before:2025-05 is April 2025); a finding dated to a
    month or a year counts as its first day.
    Qualifiers alone list the matching findings, newest first. Actors, regions and sources come before
    findings; each group is ranked by relevance. A qualifier that filters findings (all but kind: and
    match:) makes the search one of findings.

    \b
    Examples:
      findings search yuan
      findings search actor:china region:crimea
      findings search wech*
      findings search iran -coal --kind evidence --json
    """
    from cli.search_output import run

    conn = open_db(ctx)
    try:
        run(conn, " ".join(query), kinds, limit, offset, as_json)
    finally:
        conn.close()
