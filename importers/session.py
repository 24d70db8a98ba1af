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
from pathlib import Path

from store import connect, paths, reference, write
from store.errors import DataError, StoreError
from store.records import Batch


class ImportSession:
    def __init__(self, db_path: Path, fmt: str, *, dry_run: bool = False, build: bool = False) -> None:
        self.db_path = Path(db_path)
        self.fmt = fmt
        self.dry_run = dry_run
        self.build = build  # `findings build`: mark the database as made by a build (store.reference)
        self.counts = write.Counts()
        self.by_file: dict[str, write.Counts] = {}
        self.files: list[tuple[str, str | None]] = []
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
                for path, sha in self.files:
                    counts = self.by_file.get(path, write.Counts())
                    if path in self.logged:
                        write.finish_import(self.conn, self.logged[path], counts)
                        continue
                    write.log_import(
                        self.conn, path=path, sha256=sha, fmt=self.fmt, started=self.started, counts=counts
                    )
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

    def add_file(self, path: str, sha256: str | None) -> None:
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
