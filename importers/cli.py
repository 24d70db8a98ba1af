"""`findings import yaml|json|csv PATH...`: the native format and flat CSV tables, each in one transaction."""

from __future__ import annotations

from pathlib import Path

import click

from cli.options import Group, db_option, given_db
from importers.collection import fewer_collections
from importers.ftm.limits import DEFAULT_LIMITS as FTM_LIMITS
from importers.ftm.limits import MB, ByteSize
from importers.ftm.limits import Limits as FtmLimits
from importers.limits import Limits, limit_options
from importers.progress import DelayedProgress
from importers.session import ImportSession
from importers.summary import print_summary
from store.text import printable

dry_run_option = click.option("--dry-run", is_flag=True, help="Validate and report what would change; write nothing.")
# (no dir_okay=False: importers.loaders.open_input refuses a directory in one line, exit 1, as any file it cannot read)
paths_argument = click.argument("paths", nargs=-1, required=True, type=click.Path(allow_dash=True))
DB_HELP = "The database to import into (default: your own; never the shipped data.db)."
NEW_DATABASE = "findings.new_user_db"  # ctx.meta: your database, which this import is about to create


def db_path(ctx: click.Context) -> Path:
    """The database an import writes (store.paths.writing_db): the --db given (or FINDINGS_DB), else your own
    database, which the import creates from the shipped data if it does not exist yet. Never the shipped data."""
    from store import paths

    target = paths.writing_db(given_db(ctx))
    if target is None:
        raise click.ClickException(
            "there is no home directory to keep your database in: set FINDINGS_HOME=DIR, or choose a file with --db"
        )
    if paths.is_shipped(target):
        raise click.ClickException(
            f"{printable(str(target))} is the shipped reference data, rebuilt from dataset/ by `findings build`: "
            "leave out --db (and FINDINGS_DB) to import into your own database, or choose another with --db OTHER"
        )
    if paths.is_user_db(target) and not target.exists():
        ctx.meta[NEW_DATABASE] = target
    return target


@click.group("import", cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@db_option(help=DB_HELP)
@click.pass_context
def import_group(ctx: click.Context, db: Path | None) -> None:
    """Load findings from files into your database (or --db).

    Every import is one transaction: on any error nothing is written, and the error names the file, the line
    and the field. Importing the same file twice changes nothing; an edited file updates its rows.

    Without --db, imports go to your own database (FINDINGS_HOME/findings.db, else
    ~/.local/share/findings/findings.db); the first one creates it from the shipped data.db, which is never
    written to. The explorer and lookups read your database from then on.

    \b
    Examples:
      findings import yaml my-findings.yaml
      findings import json findings.json --dry-run
      findings import csv actors.csv evidence.csv --db team.db
    """
    ctx.with_resource(fewer_collections())


@import_group.result_callback()
@click.pass_context
def _say_where_it_is(ctx: click.Context, /, result: object, **params: object) -> None:
    """The first import without --db says where your database now is (once: the next one finds it there)."""
    target = ctx.meta.get(NEW_DATABASE)
    if target is None:
        return
    shown = printable(str(target))
    if target.exists():
        click.echo(
            f"Created your database {shown} from the shipped data, with this import; the explorer "
            "and lookups read it from now on",
            err=True,
        )
    else:
        click.echo(f"(dry run: your database {shown} would be created from the shipped data)", err=True)


def _import_native(ctx: click.Context, paths: tuple[str, ...], fmt: str, dry_run: bool, limits: Limits) -> None:
    from importers.feed import Feeder
    from importers.loaders import TextInput
    from importers.native import check_inputs, native_records

    check_inputs(paths)
    with ImportSession(db_path(ctx), fmt, dry_run=dry_run) as session, DelayedProgress(f"importing {fmt}") as bar:
        feeder = Feeder(session, limits, progress=bar.advance)
        for path in paths:
            with TextInput(path) as inp:
                feeder.add_all(native_records(inp, fmt, limits))
            session.add_file(str(path), inp.sha256)
        feeder.finish()
    print_summary(session.counts, dry_run=dry_run, title=f"import {fmt}: {len(paths)} file(s)")


@import_group.command("yaml")
@paths_argument
@db_option(help=DB_HELP)
@dry_run_option
@limit_options
@click.pass_context
def import_yaml(ctx: click.Context, paths: tuple[str, ...], db: Path | None, dry_run: bool, limits: Limits) -> None:
    """Import native YAML files (the format of the files in dataset/).

    \b
    Examples:
      findings import yaml dataset/actors/*.yaml
      findings import yaml my-findings.yaml --dry-run
    """
    _import_native(ctx, paths, "yaml", dry_run, limits)


@import_group.command("json")
@paths_argument
@db_option(help=DB_HELP)
@dry_run_option
@limit_options
@click.pass_context
def import_json(ctx: click.Context, paths: tuple[str, ...], db: Path | None, dry_run: bool, limits: Limits) -> None:
    """Import native JSON files (the same structure as the YAML format).

    \b
    Example:
      findings import json export.json
    """
    _import_native(ctx, paths, "json", dry_run, limits)


@import_group.command("csv")
@paths_argument
@db_option(help=DB_HELP)
@click.option(
    "--table",
    type=click.Choice(["sources", "actors", "regions", "evidence", "relations"]),
    help="The table the rows belong to (default: recognised from the header).",
)
@dry_run_option
@limit_options
@click.pass_context
def import_csv(
    ctx: click.Context, paths: tuple[str, ...], db: Path | None, table: str | None, dry_run: bool, limits: Limits
) -> None:
    """Import flat CSV tables: sources, actors, regions, evidence or relations.

    The header names the columns (those of the table; `actors` and `regions` in evidence are `;`-separated ids).
    Files are imported sources first, then actors and regions, then evidence and relations.

    \b
    Examples:
      findings import csv actors.csv evidence.csv
      findings import csv rows.csv --table evidence --dry-run
    """
    from importers.csv_tables import CsvTable, order_by_dependency
    from importers.feed import Feeder

    tables = order_by_dependency([CsvTable(p, table, limits) for p in paths])
    with ImportSession(db_path(ctx), "csv", dry_run=dry_run) as session, DelayedProgress("importing csv") as bar:
        feeder = Feeder(session, limits, progress=bar.advance)
        for t in tables:
            session.add_file(t.name, None)  # before its rows, which the history says it made; hashed as read
            feeder.add_all(t.records())
            session.add_file(t.name, t.sha256)
        feeder.finish()
    print_summary(session.counts, dry_run=dry_run, title=f"import csv: {len(tables)} file(s)")


@import_group.command("ftm")
@paths_argument
@db_option(help=DB_HELP)
@click.option("--skip-invalid", is_flag=True, help="Skip records that are not valid FtM (each is reported).")
@click.option(
    "--prune",
    is_flag=True,
    help="Remove what earlier imports of the same file created and this one no longer holds (a delisted sanction).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON (standard output).")
@click.option(
    "--max-record-size",
    type=ByteSize(),
    default=str(FTM_LIMITS.record_bytes // MB) + "M",
    show_default=True,
    help="The longest line (or indented object) read as one record.",
)
@click.option(
    "--max-records",
    type=click.IntRange(1),
    default=FTM_LIMITS.records,
    show_default=True,
    help="Records in one import.",
)
@click.option(
    "--max-values",
    type=click.IntRange(1),
    default=FTM_LIMITS.values,
    show_default=True,
    help="Values of one property of one entity.",
)
@dry_run_option
@click.pass_context
def import_ftm(
    ctx: click.Context,
    paths: tuple[str, ...],
    db: Path | None,
    skip_invalid: bool,
    prune: bool,
    as_json: bool,
    max_record_size: int,
    max_records: int,
    max_values: int,
    dry_run: bool,
) -> None:
    """Import FollowTheMoney data: entities (JSON lines, `ftm pretty` output, JSON arrays, API responses with
    nested entities), statements (JSON or CSV), OpenSanctions delta files; gzip-compressed or not; - for
    standard input.

    People, companies, organisations and vessels become actors; ownerships, directorships and other links
    relations (each its own row: an ownership history stays a history); sanctions, payments, positions, notes
    and events unreviewed findings; articles and documents sources. Re-importing a file updates what it
    imported before (FtM ids are kept). An imported actor never changes an existing one: one with the same
    name, alias or identifier is proposed as the same, for review. The summary accounts for every record.
    See the README for the mapping.

    \b
    Examples:
      findings import ftm entities.ftm.json
      findings import ftm statements.csv export.ftm --skip-invalid --dry-run
      findings import ftm entities.delta.json --json
      gunzip -c entities.ftm.json.gz | findings import ftm -
    """
    from importers.ftm import run_import

    limits = FtmLimits(record_bytes=max_record_size, records=max_records, values=max_values)
    run_import(
        db_path(ctx), paths, skip_invalid=skip_invalid, dry_run=dry_run, prune=prune, as_json=as_json, limits=limits
    )


@import_group.command("article")
@paths_argument
@db_option(help=DB_HELP)
@click.option("--source-title", "title", help="The article's title (default: its first heading or line).")
@click.option("--url", help="Where the article was published.")
@click.option("--published", help="Publication date: 2025, 2025-10 or 2025-10-15.")
@click.option("--publisher", help="Who published it.")
@click.option("--lang", help="Its language, an ISO 639-1 code (uk, ru, en); default: detected from the text.")
@dry_run_option
@limit_options
@click.pass_context
def import_article(
    ctx: click.Context,
    paths: tuple[str, ...],
    db: Path | None,
    title: str | None,
    url: str | None,
    published: str | None,
    publisher: str | None,
    lang: str | None,
    dry_run: bool,
    limits: Limits,
) -> None:
    """Import a news article or report (plain text or Markdown) as unreviewed findings.

    Each paragraph that names a known actor or region (names, aliases, the gazetteer of place names,
    demonyms such as "Chinese") becomes a finding linked to what it names, with locator `para N`.
    Ukrainian and Russian text is tagged in every word form (в Криму, Донецької області); the language of
    the article and of each finding is detected from the text, or set with --lang.
    Importing the same article again (same URL or text) updates it instead of adding it twice.

    \b
    Examples:
      findings import article report.md --url https://example.org/report --published 2025-10
      findings import article notes.txt --source-title "Field notes, Melitopol" --dry-run
      findings import article zvit.md --lang uk --publisher "Схід SOS"
    """
    from importers.article import run_import

    run_import(
        db_path(ctx),
        paths,
        title=title,
        url=url,
        published=published,
        publisher=publisher,
        lang=lang,
        dry_run=dry_run,
        limits=limits,
    )
