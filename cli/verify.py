"""`findings verify`: hash every kept source again and say which changed or went missing."""

from __future__ import annotations

import json
from pathlib import Path

import click

from cli.options import Command, db_option, given_db


@click.command("verify", cls=Command)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--quiet", "-q", is_flag=True, help="Print only what failed (and the summary).")
@db_option()
@click.pass_context
def verify(ctx: click.Context, as_json: bool, quiet: bool, db: Path | None) -> None:
    """Re-hash every captured source: each imported file at its path, and each kept article text.

    A file that changed (its SHA-256 or size differs from the one recorded when it was imported) or is
    missing, or a kept article text that no longer matches its hash, is reported; the exit status is then 1.
    Files read from standard input have only their kept text checked; the shipped dataset's files are
    checked when they are on this machine (otherwise only their hash is kept). Never writes.

    \b
    Examples:
      findings verify
      findings --db team.db verify --json
    """
    from importers.build import DATASET_DIR
    from store import captures
    from store.connect import open_readonly
    from store.paths import reading_db
    from store.text import json_safe, printable

    path = reading_db(given_db(ctx))
    conn = open_readonly(path)
    try:
        results = list(captures.verify(conn, dataset_dir=DATASET_DIR))
    finally:
        conn.close()
    failed = [r for r in results if r.failed]
    if as_json:
        report = {
            "database": str(path),
            "ok": not failed,
            "sources": [
                {
                    "origin": r.capture.origin,
                    "source_id": r.capture.source_id,
                    "sha256": r.capture.sha256,
                    "size": r.capture.size,
                    "captured_at": r.capture.captured_at,
                    "collector": r.capture.collector,
                    "file": r.file,
                    "text": r.text,
                    "detail": r.detail,
                }
                for r in results
            ],
        }
        click.echo(json_safe(json.dumps(report, indent=2, ensure_ascii=False)))
    else:
        for r in results:
            if quiet and not r.failed:
                continue
            mark = "FAIL" if r.failed else "ok  "
            states = f"file {r.file}" + (f", kept text {r.text}" if r.text else "")
            line = f"  {mark}  {r.capture.origin}  ({states})"
            if r.detail:
                line += f" — {r.detail}"
            click.echo(printable(line))
        kept = sum(1 for r in results if r.text is not None)
        click.echo(
            printable(f"{path}: {len(results)} captured source(s), {kept} with kept text, {len(failed)} problem(s)")
        )
    if failed:
        ctx.exit(1)
