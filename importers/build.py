"""`findings build`: rebuild a database (by default the shipped data.db) from the native files of dataset/.

The dataset is a tree of native YAML files (store/tree.py: one record per file); any folder of native files
builds, the files read in path order. The build is logged as one import: the folder, with one sha256 over its
files' paths and hashes (store.tree.tree_digest), and what it wrote.

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
from importers.session import ImportSession, Kept
from importers.summary import print_summary
from store.errors import StoreError
from store.paths import building_db
from store.records import Batch
from store.reference import not_built_here
from store.tree import mark_sensitive, read_sensitive, tree_digest, tree_files
from store.tree_history import read_history, write_history

DATASET_DIR = Path(__file__).resolve().parent.parent / "dataset"


def build_database(
    target: Path, dataset: Path = DATASET_DIR, *, force: bool = False, also: tuple[Path, ...] = ()
) -> ImportSession:
    """Build `target` from the native YAML files in `dataset` (and the trees `also`, such as the private part of
    a data repository); StoreError if it holds something a build did not make (unless `force`)."""
    if not force and (why := not_built_here(target)):
        raise StoreError(f"not rebuilding {target}: {why}, and a build would delete it; --force replaces it anyway")
    paths = tree_files(dataset)
    if not paths:
        raise click.ClickException(f"no *.yaml files in {dataset}")
    batch = Batch()
    for path in paths:
        batch.extend(read_native(path, "yaml")[0])
    for tree in also:
        for path in tree_files(tree):
            batch.extend(read_native(path, "yaml")[0])
    name = f"{dataset.name}/"
    size = sum(p.stat().st_size for p in paths)
    history = sorted(
        (a for tree in (dataset, *also) for a in read_history(tree)), key=lambda a: a[1][0]["at"]
    )  # stable: each tree in its order
    sensitive = [mark for tree in (dataset, *also) for mark in read_sensitive(tree)]
    tmp = target.with_name(f".{target.name}.build-{os.getpid()}")
    try:
        # The tree's history is the history: the build writes none of its own for what it inserts; a tree
        # without any (written by hand) gets the build's own, as any import writes, so that `findings check` can
        # tell a record changed behind findings' back.
        with ImportSession(tmp, "yaml", build=True, log_history=not history) as session:
            # captured as hash and metadata (the files are not shipped)
            session.add_file(name, tree_digest(dataset, paths), kept=Kept(origin=name, size=size))
            session.add(batch)
            session.by_file[name] = session.counts
            assert session.conn is not None
            mark_sensitive(session.conn, sensitive)
            if history:
                write_history(session.conn, history)
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
    """Rebuild the shipped data.db (or --db) from the curated tree in dataset/ (or any folder of native YAML files).

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
