"""`findings build`: rebuild the database from dataset/*.yaml.

The new database is written to a temporary file beside the target and renamed over it only when complete, so
a failed build leaves the old database in place.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import click

from importers.native import read_native
from importers.session import ImportSession
from importers.summary import print_summary
from store.records import Batch

DATASET_DIR = Path(__file__).resolve().parent.parent / "dataset"


def build_database(target: Path, dataset: Path = DATASET_DIR) -> ImportSession:
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
        with ImportSession(tmp, "yaml") as session:
            for name, sha in files:
                session.add_file(name, sha)
            session.add(batch)
        os.replace(tmp, target)
    finally:
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                Path(f"{tmp}{suffix}").unlink()
    return session


@click.command("build")
@click.option(
    "--dataset",
    "dataset",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=DATASET_DIR,
    show_default="dataset/ beside main.py",
    help="Directory of native YAML files to build from.",
)
@click.pass_context
def build(ctx: click.Context, dataset: Path) -> None:
    """Rebuild the database (data.db, or --db) from the curated dataset/*.yaml.

    The old database is replaced only when the new one is complete.

    \b
    Examples:
      findings build
      findings --db /tmp/test.db build --dataset my-dataset/
    """
    target: Path = ctx.find_root().obj.db
    session = build_database(target, dataset)
    print_summary(session.counts, dry_run=False, title=f"built {target}")
