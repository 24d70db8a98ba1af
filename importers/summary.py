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
    else:
        console.print(table)
    _print_mixed_scripts(counts)
    _print_sealed(counts)
    _print_kept_curated(counts)


def _print_sealed(counts: Counts) -> None:
    """Curated findings are sealed: an import that would change one leaves it as it is, and says so."""
    _print_left(
        counts.sealed,
        "curated finding(s) left as they are (sealed: unseal one, `U` in `findings review`, to let an import "
        "change it):",
    )


def _print_kept_curated(counts: Counts) -> None:
    """Curated sources, actors and regions (the dataset's, or changed by a person) are never rewritten by an
    import: one that would change one leaves it as it is, and says so."""
    _print_left(
        counts.kept_curated,
        "curated record(s) left as they are (from the dataset or changed by a person: no import rewrites "
        "them; the file's findings may still link to them):",
    )


def _print_left(lines: list[str], heading: str) -> None:
    """`N <heading>` and the first 20 lines (control characters made visible), then how many more."""
    import click

    from store.text import printable

    if not lines:
        return
    click.echo(f"{len(lines):,} {heading}", err=True)
    for line in lines[:20]:
        click.echo(f"  {printable(line)}", err=True)
    if len(lines) > 20:
        click.echo(f"  ... and {len(lines) - 20:,} more", err=True)


def _print_mixed_scripts(counts: Counts) -> None:
    """Words that mix Latin and Cyrillic look-alike letters read as a name they are not (`Huаwei`): said, so
    that a person checks them (search and tagging read them as the name they look like)."""
    import click

    from store.text import printable

    if not counts.mixed_scripts:
        return
    click.echo("words that mix Latin and Cyrillic look-alike letters (they look like another word):")
    for line in counts.mixed_scripts:
        click.echo(f"  {printable(line)}")
