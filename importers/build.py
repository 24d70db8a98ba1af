"""`findings build`: rebuild a database (by default the shipped data.db) from dataset/*.yaml.

The new database is written to a temporary file beside the target and renamed over it only when complete, so
a failed build leaves the old database in place. It is in rollback-journal mode, as every write leaves a
database (store.journal), so reading it creates no file. It is marked as made by a build (store/reference.py);
a target that holds anything else (your imports, or another kind of file) is not replaced unless forced.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import click

from cli.options import Command, db_option, given_db
from importers.native import read_native
from importers.session import ImportSession
from importers.summary import print_summary
from store.errors import StoreError
from store.paths import building_db
from store.records import Batch
from store.reference import not_built_here

DATASET_DIR = Path(__file__).resolve().parent.parent / "dataset"


def build_database(target: Path, dataset: Path = DATASET_DIR, *, force: bool = False) -> ImportSession:
    """Build `target` from the YAML files in `dataset`; StoreError if it holds something a build did not make
    (unless `force`)."""
    if not force and (why := not_built_here(target)):
        raise StoreError(f"not rebuilding {target}: {why}, and a build would delete it; --force replaces it anyway")
    paths = sorted(dataset.glob("*.yaml"))
    if not paths:
        raise click.ClickException(f"no *.yaml files in {dataset}")
    batch, files = Batch(), []
    for path in paths:
        part, sha = read_native(path, "yaml")
        batch.extend(part)
        files.append((f"{dataset.name}/{path.name}", sha))
    tmp = target.with_name(f".{target.name}.build-{os.getpid()}")
    try:
        with ImportSession(tmp, "yaml", build=True) as session:
            for name, sha in files:
                session.add_file(name, sha)
            session.add(batch)
        os.replace(tmp, target)
        # The old file's -wal and -shm went with it: beside the new one (in rollback mode) they would be taken
        # for another database's log.
        for suffix in ("-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                Path(f"{target}{suffix}").unlink()
    finally:
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                Path(f"{tmp}{suffix}").unlink()
    return session


@click.command("build", cls=Command)
@click.option(
    "--dataset",
    "dataset",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=DATASET_DIR,
    show_default="dataset/ beside main.py",
    help="Directory of native YAML files to build from.",
)
@click.option("--force", is_flag=True, help="Replace the database even if it holds imports a build did not make.")
@db_option(help="The database to rebuild (default: the shipped data.db beside main.py or findings.pyz).")
@click.pass_context
def build(ctx: click.Context, dataset: Path, force: bool, db: Path | None) -> None:
    """Rebuild the shipped data.db (or --db) from the curated dataset/*.yaml.

    The old database is replaced only when the new one is complete. Build refuses to replace a database that
    holds imports it did not make (your own findings), or a file that is not a findings database; --force
    replaces it anyway. Your own database (where imports go) is never the default here.

    \b
    Examples:
      findings build
      findings build --db /tmp/test.db --dataset my-dataset/
    """
    target = building_db(given_db(ctx))
    session = build_database(target, dataset, force=force)
    print_summary(session.counts, dry_run=False, title=f"built {target}")
