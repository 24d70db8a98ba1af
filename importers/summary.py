"""The table printed at the end of an import: inserted / updated / unchanged per table."""

from __future__ import annotations

from store.write import Counts


def print_summary(counts: Counts, *, dry_run: bool, title: str) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title=title + (" (dry run: nothing written)" if dry_run else ""), title_justify="left")
    table.add_column("table")
    for what in ("inserted", "updated", "unchanged"):
        table.add_column(f"would be {what}" if dry_run else what, justify="right")
    for name, row in counts.as_dict().items():
        if any(row.values()):
            table.add_row(name, *(f"{row[w]:,}" for w in ("inserted", "updated", "unchanged")))
    if not table.row_count:
        console.print(f"{title}: nothing to import")
        return
    console.print(table)
