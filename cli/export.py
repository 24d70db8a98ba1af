"""`findings export FORMAT [QUERY]`: findings as CSV, JSON, a Markdown brief, or FollowTheMoney entities."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import click

from cli import open_db
from cli.options import Command, db_option, given_db
from cli.render import reader_gone

if TYPE_CHECKING:
    import sqlite3

    from _typeshed import SupportsWrite

    from store.export import Selection
    from store.output import Target

FORMATS = ("csv", "json", "markdown", "md", "ftm", "dataset")
DESCRIBED_BESIDE = ("csv", "json")  # formats whose file gets a FILE.meta.json (Markdown says it in its header)


@click.command("export", cls=Command)
@click.argument("fmt", metavar="FORMAT", type=click.Choice(FORMATS, case_sensitive=False))
@click.argument("query", nargs=-1)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, allow_dash=True),
    help="Write to this file (- for standard output). It is written beside and renamed into place when complete; "
    "an existing file is replaced only with --force or a yes when asked, and keeps its permissions.",
)
@click.option(
    "--romanise",
    "--romanize",
    "romanise",
    is_flag=True,
    help="Add each Ukrainian or Russian claim and quote in Latin letters (KMU 2010; BGN/PCGN) and the standard "
    "used (csv, json, markdown).",
)
@click.option("--force", is_flag=True, help="Replace an existing output file without asking.")
@click.option(
    "--include-sensitive",
    is_flag=True,
    help="Include findings and sources marked sensitive (left out by default: findings mark-sensitive).",
)
@db_option()
@click.pass_context
def export(
    ctx: click.Context,
    fmt: str,
    query: tuple[str, ...],
    output: Path | None,
    romanise: bool,
    force: bool,
    include_sensitive: bool,
    db: Path | None,
) -> None:
    """Export all findings, or those QUERY matches (the query language of `findings search`).

    The query is every argument after FORMAT that is not an option; options may come anywhere. A --word
    that is not an option is an error; a word with one dash excludes it (`-coal`), except -o and -h;
    after `--` everything is query.

    Every export says what it holds (the query, how many of the database's findings, which database, when): a
    Markdown brief in its first lines; a CSV or JSON file in FILE.meta.json beside it; on standard output, in a
    line on standard error.

    Findings and sources marked sensitive (`findings mark-sensitive`), and the findings of sensitive sources,
    are left out of every format unless --include-sensitive is given; the export says how many were.

    \b
    FORMAT:
      csv        one row per finding, with actors, regions and the source (formula-safe)
      json       an array of findings with their source, actors and regions
      markdown   a brief to paste: findings grouped by actor, each with its citation (also: md)
      ftm        FollowTheMoney entities, one JSON object per line
      dataset    DIR: the native YAML tree `findings build --dataset DIR` reads, one record per file (the
                 form a team shares in git); QUERY writes those findings and what they need; sensitive
                 records only with --include-sensitive

    \b
    Examples:
      findings export markdown yuan
      findings export csv actor:china region:crimea -o china-crimea.csv
      findings export csv china -coal -o out.csv --force
      findings export json | jq '.[].claim'
      findings export csv lang:uk --romanise -o ukrainian.csv
      findings export dataset my-tree/
      findings export dataset share/ source:kyiv-independent-occupied-economy
    """
    from store.paths import reading_db
    from store.text import printable

    fmt = "markdown" if fmt.lower() == "md" else fmt.lower()
    if fmt == "dataset":
        if not query:
            raise click.UsageError("export dataset needs the directory to write: findings export dataset DIR")
        if output is not None:
            raise click.UsageError("export dataset writes a directory (DIR), not -o FILE")
        _export_tree(ctx, Path(query[0]), " ".join(query[1:]) or None, include_sensitive)
        return
    text = " ".join(query) or None
    if romanise and fmt == "ftm":
        raise click.UsageError("--romanise adds columns to csv, json and markdown exports, not to ftm")
    to_file = output is not None and str(output) != "-"
    targets = []
    if to_file:
        from cli.output import checked_targets

        assert output is not None
        if not output.name:  # `-o ''` (or `-o .`) arrives as the current directory, which has no name
            raise click.BadParameter("-o needs the file to write, not an empty name or '.'", param_hint="-o")
        paths = [output] + ([_meta_path(output)] if fmt in DESCRIBED_BESIDE else [])
        targets = checked_targets(paths, force=force)
    conn = open_db(ctx)
    try:
        if text:
            _explain(conn, text, fmt)
        sel = None
        if fmt != "ftm":
            from store.export import selection

            sel = selection(conn, database=str(reading_db(given_db(ctx)).resolve()), query=text)
        if not to_file:
            out = _TerminalSafe(sys.stdout) if sys.stdout.isatty() else sys.stdout
            try:
                n = _write(conn, fmt, out, text, sel, romanise, include_sensitive)
                sys.stdout.flush()
            except BrokenPipeError:
                reader_gone()
        else:
            n = _write_file(conn, fmt, targets, text, sel, romanise, include_sensitive)
    finally:
        conn.close()
    what = ("entity", "entities") if fmt == "ftm" else ("finding", "findings")
    if to_file:
        replaced = " (replaced)" if targets[0].existing is not None else ""
        click.echo(f"wrote {n:,} {what[n != 1]} to {printable(str(output))}{replaced}", err=True)
        if len(targets) > 1:
            click.echo(f"what it holds: {printable(str(targets[1].path))}", err=True)
    elif sel is not None:
        click.echo(f"exported {printable(sel.summary())}", err=True)


def _explain(conn: sqlite3.Connection, text: str, fmt: str) -> None:
    """What `findings search` says of the query, on stderr (cli.search_output.explain); a query with nothing to
    search for (`!!!`) is an error here, not an export of every finding."""
    from cli.search_output import explain
    from store.search import query_error_means_empty, query_plan
    from store.search.plan import nothing_to_search
    from store.text import printable

    with query_error_means_empty:
        nothing = nothing_to_search(text, query_plan(conn, text).query)
        if nothing:
            raise click.ClickException(
                f"{printable(nothing[0])}; nothing was exported (without a query, export writes every finding)"
            )
    explain(conn, text, f"findings export {fmt}")


def _meta_path(output: Path) -> Path:
    return output.with_name(output.name + ".meta.json")


def _export_tree(ctx: click.Context, directory: Path, text: str | None, include_sensitive: bool) -> None:
    from store.errors import StoreError
    from store.tree import TreeSelection, export_tree

    conn = open_db(ctx)
    try:
        counts = export_tree(conn, directory, TreeSelection(include_sensitive=include_sensitive), query=text)
    except StoreError as e:
        raise click.ClickException(str(e)) from None
    finally:
        conn.close()
    records = ", ".join(f"{n:,} {section}" for section, n in counts.records.items()) or "nothing"
    click.echo(
        f"wrote {directory}: {records} ({counts.written:,} files written, {counts.unchanged:,} unchanged, "
        f"{counts.removed:,} removed)",
        err=True,
    )
    for table, n in counts.left_out.items():
        click.echo(f"left out {n:,} sensitive {table} (--include-sensitive writes them)", err=True)


class _TerminalSafe:
    """stdout when it is a terminal: the export's text with control characters made visible (ESC -> ␛), so a
    finding cannot move the cursor, clear the screen or set the clipboard. Files and pipes get the data as is."""

    def __init__(self, out: TextIO) -> None:
        self._out = out

    def write(self, text: str) -> int:
        from store.text import printable

        self._out.write(printable(text.replace("\r\n", "\n"), keep_newlines=True))
        return len(text)

    def flush(self) -> None:
        self._out.flush()


def _write(
    conn: sqlite3.Connection,
    fmt: str,
    out: SupportsWrite[str],
    text: str | None,
    sel: Selection | None,
    romanise: bool = False,
    include_sensitive: bool = False,
) -> int:
    if fmt == "ftm":
        from store.export_ftm import export as ftm_export

        return ftm_export(conn, out, query=text, include_sensitive=include_sensitive)
    from store.export import write_export

    if not sys.stderr.isatty() or isinstance(out, _TerminalSafe):  # no bar on a pipe, nor over the export itself
        return write_export(
            conn, fmt, out, query=text, selection=sel, romanise=romanise, include_sensitive=include_sensitive
        )
    from importers.progress import DelayedProgress

    total = sel.total if sel is not None and not text else None  # all findings: the kept total
    with DelayedProgress(f"exporting {fmt}", total=total, unit="findings") as bar:
        return write_export(
            conn,
            fmt,
            out,
            query=text,
            selection=sel,
            romanise=romanise,
            include_sensitive=include_sensitive,
            progress=lambda n: bar.advance(n - bar.done),
        )


def _write_file(
    conn: sqlite3.Connection,
    fmt: str,
    targets: list[Target],
    text: str | None,
    sel: Selection | None,
    romanise: bool = False,
    include_sensitive: bool = False,
) -> int:
    """The export, and its description beside it: each written beside its target and renamed when complete."""
    from store.output import Hashing, replacing

    with replacing(targets[0]) as f:
        out = Hashing(f)
        n = _write(conn, fmt, out, text, sel, romanise, include_sensitive)
        if sel is not None and len(targets) > 1:
            with replacing(targets[1]) as meta:
                meta.write(sel.as_json(fmt=fmt, file=targets[0].path.name, sha256=out.sha256))
    return n
