"""`findings check`: is this database healthy? Storage, references, derived data, search indexes."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import click

from cli.options import Command, db_option, given_db

if TYPE_CHECKING:
    from store.check import Finding


@click.command("check", cls=Command)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@db_option()
@click.pass_context
def check(ctx: click.Context, as_json: bool, db: Path | None) -> None:
    """Check the database, reading only: storage integrity, schema (SQL findings did not write), journal files,
    references, counts, region parent cycles, value types and search indexes; warnings for hidden characters
    in names and ids, and names not in NFC.

    Exits 1 when any check fails, so it can guard scripts and cron jobs. The file is never written (`findings
    repair` fixes what can be fixed, after making a backup). Phases run side by side; on a terminal a progress
    bar names those running; otherwise each phase writes a line as it ends, before the report (to standard
    error with --json, so that standard output stays JSON).

    \b
    Examples:
      findings check
      findings --db team.db check --json
    """
    from store.check import run_checks
    from store.paths import reading_db
    from store.text import json_safe, printable

    path = reading_db(given_db(ctx))
    with _PhaseReport(lines_to_stderr=as_json) as report_phase:
        findings = run_checks(path, progress=report_phase)
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
            if f.examples and f.count > len(f.examples):
                click.echo(f"          ... and {f.count - len(f.examples):,} more")
    if problems:
        ctx.exit(1)


class _PhaseReport:
    """How `check` shows its progress: a bar on a terminal (after a second) naming the phase running longest and
    how many more run beside it, a line per phase elsewhere as it ends (phases run side by side, so they end in
    their own order)."""

    def __init__(self, *, lines_to_stderr: bool) -> None:
        import sys
        import time

        from importers.progress import DelayedProgress

        self._clock = time.monotonic
        self._terminal = sys.stderr.isatty()
        self._bar = DelayedProgress("checking", unit="phases") if self._terminal else None
        self._running: dict[str, float] = {}  # phase -> when it started
        self._ended = 0
        self._err = lines_to_stderr

    def __call__(self, index: int, total: int, name: str, found: list[Finding] | None) -> None:
        if found is None:
            self._running[name] = self._clock()
            self._describe(total)
            return
        started = self._running.pop(name, None)
        self._ended += 1
        if self._bar is not None:
            self._bar.advance()
            self._describe(total)
            return
        from store.text import printable

        problems = sum(not f.ok for f in found)
        warnings = sum(f.ok and f.warning for f in found)
        verdict = (
            "not run (the storage is damaged)"
            if not found
            else f"{problems} problem(s)"
            if problems
            else f"{warnings} warning(s)"
            if warnings
            else "ok"
        )
        seconds = f" ({self._clock() - started:.1f} s)" if started is not None else ""
        click.echo(f"check {self._ended}/{total}: {printable(name)}: {verdict}{seconds}", err=self._err)

    def _describe(self, total: int) -> None:
        if self._bar is not None:
            self._bar.total = total
            running = list(self._running)  # the one running longest first
            more = f" (+{len(running) - 1})" if len(running) > 1 else ""
            self._bar.describe(f"checking {running[0]}{more}" if running else "checking")

    def __enter__(self) -> _PhaseReport:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.close()
