"""`findings export FORMAT [QUERY]`: findings as CSV, JSON, a Markdown brief, or FollowTheMoney entities."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import click

from cli import open_db
from cli.options import Command, db_option
from cli.render import reader_gone

if TYPE_CHECKING:
    from typing import Protocol, TextIO

    from _typeshed import SupportsWrite

    class FtmWriter(Protocol):
        """The FtM exporter (imported only for `export ftm`)."""

        def __call__(self, conn: sqlite3.Connection, out: SupportsWrite[str], *, query: str | None = None) -> int: ...


FORMATS = ("csv", "json", "markdown", "md", "ftm", "dataset")


@click.command("export", cls=Command)
@click.argument("fmt", metavar="FORMAT", type=click.Choice(FORMATS, case_sensitive=False))
@click.argument("query", nargs=-1)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file (replaced only when complete) instead of standard output.",
)
@click.option(
    "--include-sensitive",
    is_flag=True,
    help="dataset: write sensitive findings and sources too (left out by default).",
)
@db_option()
@click.pass_context
def export(
    ctx: click.Context, fmt: str, query: tuple[str, ...], output: Path | None, include_sensitive: bool, db: Path | None
) -> None:
    """Export all findings, or those QUERY matches (the query language of `findings search`).

    The query is every argument after FORMAT that is not an option; options may come anywhere. A --word
    that is not an option is an error; a word with one dash excludes it (`-coal`), except -o and -h;
    after `--` everything is query.

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
      findings export csv china -coal -o out.csv
      findings export json > all.json
      findings export dataset my-tree/
      findings export dataset share/ source:kyiv-independent-occupied-economy
    """
    fmt = "markdown" if fmt.lower() == "md" else fmt.lower()
    if fmt == "dataset":
        if not query:
            raise click.UsageError("export dataset needs the directory to write: findings export dataset DIR")
        if output is not None:
            raise click.UsageError("export dataset writes a directory (DIR), not -o FILE")
        _export_tree(ctx, Path(query[0]), " ".join(query[1:]) or None, include_sensitive)
        return
    text = " ".join(query) or None
    write = _ftm_writer() if fmt == "ftm" else None
    conn = open_db(ctx)
    try:
        if output is None:
            out = _TerminalSafe(sys.stdout) if sys.stdout.isatty() else sys.stdout
            try:
                n = _write(conn, fmt, out, text, write)
                sys.stdout.flush()
            except BrokenPipeError:
                reader_gone()
        else:
            n = _write_file(conn, fmt, output, text, write)
    finally:
        conn.close()
    if output is not None:
        what = ("entity", "entities") if fmt == "ftm" else ("finding", "findings")
        click.echo(f"wrote {n:,} {what[n != 1]} to {output}", err=True)


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


def _ftm_writer() -> FtmWriter:
    from store.export_ftm import export as ftm_export

    return ftm_export


def _write(conn: sqlite3.Connection, fmt: str, out: SupportsWrite[str], text: str | None, ftm: FtmWriter | None) -> int:
    if ftm is not None:
        return ftm(conn, out, query=text)
    from store.export import write_export

    return write_export(conn, fmt, out, query=text)


def _write_file(conn: sqlite3.Connection, fmt: str, path: Path, text: str | None, ftm: FtmWriter | None) -> int:
    """Write beside the target and rename over it when complete: a failed export leaves no half file."""
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise click.ClickException(f"cannot write {path}: the directory {directory} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            n = _write(conn, fmt, out, text, ftm)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return n
