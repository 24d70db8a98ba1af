"""`findings check`: is this database healthy? Storage, references, derived data, search indexes."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import click

from cli.options import Command, db_option, given_db


@click.command("check", cls=Command)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@db_option()
@click.pass_context
def check(ctx: click.Context, as_json: bool, db: Path | None) -> None:
    """Check the database, reading only: storage integrity, schema (SQL findings did not write), journal files,
    references, counts, region parent cycles, value types and search indexes; warnings for hidden characters
    in names and ids, and names not in NFC.

    Exits 1 when any check fails, so it can guard scripts and cron jobs. The file is never written (`findings
    repair` fixes what can be fixed, after making a backup).

    \b
    Examples:
      findings check
      findings --db team.db check --json
    """
    from store.check import run_checks
    from store.paths import reading_db
    from store.text import json_safe, printable

    path = reading_db(given_db(ctx))
    findings = run_checks(path)
    problems = [f for f in findings if not f.ok]
    if as_json:
        report = {"database": str(path), "ok": not problems, "checks": [asdict(f) for f in findings]}
        click.echo(json_safe(json.dumps(report, indent=2, ensure_ascii=False)))
    else:
        click.echo(f"{printable(str(path))}: {len(findings)} checks, {len(problems)} problem(s)")
        for f in findings:
            mark = "FAIL" if not f.ok else "WARN" if f.warning else "ok  "
            line = f"  {mark}  {f.check}"
            if not f.ok or f.warning:
                line += f": {f.count:,}" if f.count else ""
            if f.detail:
                line += f" — {f.detail}"
            click.echo(printable(line))
            for example in f.examples:
                click.echo(f"          {printable(example)}")
    if problems:
        ctx.exit(1)
