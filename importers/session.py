"""One import command = one transaction, however many files and batches it reads.

    with ImportSession(db_path, "yaml", dry_run=False) as session:
        session.add_file(path, sha256)
        session.add(batch)          # checked, planned and (unless dry-run) written
    session.counts                  # inserted / updated / unchanged per table

On any exception the transaction is rolled back; a database file the session created is removed again, so a
failed import leaves the disk exactly as it was.

Your own database (store.paths.user_db) starts as a copy of the shipped data: when it does not exist yet, the
session works on a copy made under a temporary name beside it, and moves it into place only once the import has
committed (a dry run validates against the shipped data). Any other new path becomes an empty database.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from store import connect, paths, reference, write
from store.errors import DataError, StoreError
from store.records import Batch


@dataclass
class Kept:
    """What a file's capture keeps beyond its hash: the source it is (an article), its text and paragraphs
    (number, first line, last line), and the origin and size when the path given is not where it was read."""

    source_id: str | None = None
    text: str | None = None
    paragraphs: list[tuple[int, int, int]] | None = None
    origin: str | None = None
    size: int | None = None


class ImportSession:
    def __init__(
        self,
        db_path: Path,
        fmt: str,
        *,
        dry_run: bool = False,
        build: bool = False,
        who: str | None = None,
        log_history: bool = True,
    ) -> None:
        from store.review import reviewer

        self.db_path = Path(db_path)
        # Who the history names for what this import changes (the collector of its files): --reviewer or
        # FINDINGS_REVIEWER or the login name (store.review.reviewer); a build names the dataset.
        self.who = "dataset" if build and who is None else reviewer(who)
        self.fmt = fmt
        # False: a build from a tree, which brings its records' history with it (store/tree_history.py)
        self.log_history = log_history
        self.dry_run = dry_run
        self.build = build  # `findings build`: mark the database as made by a build (store.reference)
        self.counts = write.Counts()
        self.by_file: dict[str, write.Counts] = {}
        self.files: list[tuple[str, str | None]] = []
        self.kept: dict[str, Kept] = {}  # what each file's capture keeps beyond its hash (store.captures)
        self.logged: dict[str, int] = {}  # files logged early (log_files): path -> imports.id
        self.seen: dict[str, set[str]] = {t: set() for t in ("sources", "actors", "regions", "evidence")}
        self.created = False
        self.copy: Path | None = None  # the copy of the shipped data that becomes db_path on success
        self.made: list[Path] = []  # directories made for it
        self.conn: sqlite3.Connection | None = None
        self.started = write.now()

    def __enter__(self) -> ImportSession:
        exists = self.db_path.exists() and self.db_path.stat().st_size > 0
        seed = None if exists else _seed_of(self.db_path)
        if self.dry_run and not exists and seed is not None:
            self.conn = reference.open_shipped(seed)  # what the new database would start from
        elif self.dry_run and not exists:
            # Nothing to compare with: validate against an empty database in memory.
            self.conn = sqlite3.connect(":memory:", isolation_level=None)
            from store import schema

            schema.create(self.conn)
        elif self.dry_run:
            self.conn = connect.open_readonly(self.db_path)
        elif seed is not None:
            self.copy, self.made = _copy_beside(seed, self.db_path)
            try:
                self.conn = connect.open_readwrite(self.copy)
            except BaseException:
                _remove(self.copy)
                _remove_empty(self.made)
                raise
        else:
            self.created = not exists
            self.conn = connect.open_readwrite(self.db_path, create=True)
        try:
            if self.dry_run:
                self.conn.execute("BEGIN")
            else:
                write.begin(self.conn)  # upgrades an older schema inside this same transaction
        except BaseException:
            self._close(success=False)
            raise
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        assert self.conn is not None
        try:
            if exc_type is None and not self.dry_run:
                by_name = {Path(file).name: counts for file, counts in self.by_file.items()}
                for path, sha in self.files:
                    counts = self.by_file.get(path) or by_name.get(Path(path).name) or write.Counts()
                    import_id = self.logged.get(path)
                    if import_id is None:
                        import_id = write.start_import(
                            self.conn, path=path, sha256=sha, fmt=self.fmt, started=self.started
                        )
                    write.finish_import(self.conn, import_id, counts, sha256=sha)
                    self._capture(path, sha, import_id)
                if self.build:
                    reference.mark_build(self.conn)
                write.commit(self.conn)
            else:
                write.rollback(self.conn)  # SQLite may have rolled back already (a full disk, SQLITE_FULL)
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                self.conn.execute("ROLLBACK")
            self._close(success=False)
            raise
        self._close(success=exc_type is None)

    def _close(self, *, success: bool) -> None:
        """Close; a new file is removed again on failure, a copy of the shipped data moved into place on success."""
        assert self.conn is not None
        self.conn.close()  # the last connection: SQLite checkpoints the WAL into the file and removes it
        if self.copy is not None:
            try:
                if success:
                    _move_into_place(self.copy, self.db_path)
            finally:
                _remove(self.copy)
                if not self.db_path.exists():
                    _remove_empty(self.made)
        elif self.created and not success:
            _remove(self.db_path)

    def add_file(self, path: str, sha256: str | None, *, kept: Kept | None = None) -> None:
        """Add a file to the import log; adding it again (its hash known once it has been read) sets its hash.
        Its capture (store.captures) is recorded with the import; `kept` says what it keeps beyond the hash."""
        if kept is not None:
            self.kept[path] = kept
        for i, (known, _) in enumerate(self.files):
            if known == path:
                self.files[i] = (path, sha256)
                return
        self.files.append((path, sha256))

    def log_files(self) -> dict[str, int]:
        """Log the files added so far now, not at the end, and return path -> imports.id, so that what the import
        writes can name the file it came from. Their counts are filled in when the session ends. In a dry
        run nothing is logged (and the dict is empty)."""
        assert self.conn is not None
        if not self.dry_run:
            for path, sha in self.files:
                if path not in self.logged:
                    self.logged[path] = write.start_import(
                        self.conn, path=path, sha256=sha, fmt=self.fmt, started=self.started
                    )
        return dict(self.logged)

    def add(self, batch: Batch) -> None:
        """Check a batch against the database and everything added before it, then plan and write it."""
        assert self.conn is not None
        write.check_duplicates(batch)
        for table, records in (
            ("sources", batch.sources),
            ("actors", batch.actors),
            ("regions", batch.regions),
            ("evidence", batch.evidence),
        ):
            for rec in records:
                if rec.id in self.seen[table]:
                    origin = rec.origin
                    raise DataError(
                        f"duplicate id {rec.id!r} (it appears earlier in this import)",
                        file=origin.file if origin else None,
                        line=origin.line if origin else None,
                        record=origin.record if origin else None,
                        field="id",
                    )
        write.check_references(self.conn, batch, self.seen)
        plan = write.plan(self.conn, batch)
        if not self.dry_run:
            write.execute(self.conn, plan)
            self._log_history(plan)
        self.counts.merge(plan.counts)
        for file, counts in plan.by_file.items():
            self.by_file.setdefault(file, write.Counts()).merge(counts)
        for table, records in (
            ("sources", batch.sources),
            ("actors", batch.actors),
            ("regions", batch.regions),
            ("evidence", batch.evidence),
        ):
            self.seen[table].update(rec.id for rec in records)

    def _capture(self, path: str, sha: str | None, import_id: int) -> None:
        """Record the file as captured: its hash, size, time, where from, who collected it (and what `kept`
        adds: an article's text)."""
        if sha is None:
            return
        from store import captures

        assert self.conn is not None
        kept = self.kept.get(path) or Kept()
        file = Path(path)
        origin = kept.origin or ("<stdin>" if path in ("-", "<stdin>") else str(file.resolve()))
        size = kept.size
        if size is None:
            try:
                size = file.stat().st_size
            except OSError:
                size = 0
        captures.add(
            self.conn,
            origin=origin,
            sha256=sha,
            size=size,
            collector=captures.DATASET_COLLECTOR if self.build else self.who,
            fmt=self.fmt,
            import_id=import_id,
            source_id=kept.source_id,
            text=kept.text,
            paragraphs=kept.paragraphs,
        )

    def _log_history(self, plan: write.Plan) -> None:
        """Append what the plan created and changed to the history, each row naming the import (file) it came
        from; the files added so far are logged now for that (their counts follow at the end)."""
        if not plan.history or not self.log_history:
            return
        from store.history import append

        assert self.conn is not None
        logged = self.log_files()
        by_name: dict[str, int] = {}
        for path, import_id in logged.items():
            by_name.setdefault(Path(path).name, import_id)
        only = next(iter(logged.values())) if len(logged) == 1 else None
        groups: dict[int | None, list[tuple[str, str, str | None, object, object]]] = {}
        for file, row in plan.history:
            made_by = logged.get(file) or by_name.get(Path(file).name) or only
            groups.setdefault(made_by, []).append(row)
        for made_by, rows in groups.items():
            append(self.conn, rows, who=self.who, import_id=made_by, action=False)


def _seed_of(path: Path) -> Path | None:
    """What a new database at `path` starts as: the shipped data for your own database, else nothing (empty)."""
    if not paths.is_user_db(path):
        return None
    shipped = paths.shipped_db()
    return shipped if shipped.is_file() else None


def _copy_beside(seed: Path, target: Path) -> tuple[Path, list[Path]]:
    """A copy of `seed` under a temporary name in `target`'s directory, and the directories made for it
    (innermost first), which are removed again if the copy fails."""
    made = [d for d in (target.parent, *target.parent.parents) if not d.exists()]
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".new", dir=target.parent)
    except OSError as e:
        _remove_empty(made)
        raise StoreError(f"cannot create {target}: {e.strerror or e}") from None
    os.close(fd)
    copy = Path(name)
    try:
        reference.copy_database(seed, copy)
    except BaseException:
        _remove(copy)
        _remove_empty(made)
        raise
    return copy, made


def _remove_empty(directories: list[Path]) -> None:
    for directory in directories:
        with contextlib.suppress(OSError):
            directory.rmdir()  # only if empty


def _move_into_place(copy: Path, target: Path) -> None:
    """Give `copy` the name `target`, unless a file appeared there meanwhile (another import made it)."""
    try:
        os.link(copy, target)  # never replaces: fails if the target exists
        return
    except FileExistsError:
        pass
    except OSError:  # no hard links on this file system (FAT, some network shares)
        if not target.exists():
            os.replace(copy, target)
            return
    raise StoreError(f"{target} was created by another import while this one ran; nothing was written; run it again")


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            Path(f"{path}{suffix}").unlink()
