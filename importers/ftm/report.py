"""What an FtM import tells the user beside the summary table: warnings, skipped lines, schemas not imported."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import click

from store.text import printable

MAX_DETAILS = 20  # cases listed per kind of warning
MAX_SKIPPED_SHOWN = 1_000


@dataclass
class Report:
    """Warnings (counted per kind, with the first few cases of each), skipped lines, schemas not imported."""

    warnings: Counter[str] = field(default_factory=Counter)
    details: dict[str, list[str]] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    not_imported: Counter[str] = field(default_factory=Counter)

    def warn(self, message: str, detail: str | None = None) -> None:
        self.warnings[message] += 1
        cases = self.details.setdefault(message, [])
        if detail and len(cases) < MAX_DETAILS:
            cases.append(detail)

    def print(self) -> None:
        if self.skipped:
            click.echo(f"skipped {len(self.skipped):,} invalid line(s):", err=True)
            for line in self.skipped[:MAX_SKIPPED_SHOWN]:
                click.echo(f"  {printable(line)}", err=True)
            if len(self.skipped) > MAX_SKIPPED_SHOWN:
                click.echo(f"  ... and {len(self.skipped) - MAX_SKIPPED_SHOWN:,} more", err=True)
        if self.warnings:
            click.echo(f"warnings ({sum(self.warnings.values()):,}):", err=True)
            for message, n in sorted(self.warnings.items(), key=lambda kv: (-kv[1], kv[0])):
                click.echo(f"  {n:>6,} × {printable(message)}", err=True)
                cases = self.details.get(message, [])
                for case in cases:
                    click.echo(f"           {printable(case)}", err=True)
                if cases and n > len(cases):
                    click.echo(f"           ... and {n - len(cases):,} more", err=True)
        if self.not_imported:
            parts = ", ".join(f"{n:,} {printable(s)}" for s, n in sorted(self.not_imported.items()))
            click.echo(f"not imported (no place for them here): {parts}", err=True)
