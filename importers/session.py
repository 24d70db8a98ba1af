"""One import command = one transaction, however many files and batches it reads.

    with ImportSession(db_path, "yaml", dry_run=False) as session:
        session.add_file(path, sha256)
        session.add(batch)          # checked, planned and (unless dry-run) written
    session.counts                  # inserted / updated / unchanged per table

On any exception the transaction is rolled back; a database file the session created is removed again, so a
failed import leaves the disk exactly as it was.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from store import connect, write
from store.errors import DataError
from store.records import Batch


class ImportSession:
    def __init__(self, db_path: Path, fmt: str, *, dry_run: bool = False) -> None:
        self.db_path = Path(db_path)
        self.fmt = fmt
        self.dry_run = dry_run
        self.counts = write.Counts()
        self.by_file: dict[str, write.Counts] = {}
        self.files: list[tuple[str, str | None]] = []
        self.logged: dict[str, int] = {}  # files logged early (log_files): path -> imports.id
        self.seen: dict[str, set[str]] = {t: set() for t in ("sources", "actors", "regions", "evidence")}
        self.created = False
        self.conn: sqlite3.Connection | None = None
        self.started = write.now()

    def __enter__(self) -> ImportSession:
        exists = self.db_path.exists() and self.db_path.stat().st_size > 0
        if self.dry_run and not exists:
            # Nothing to compare with: validate against an empty database in memory.
            self.conn = sqlite3.connect(":memory:", isolation_level=None)
            from store import schema

            schema.create(self.conn)
        elif self.dry_run:
            self.conn = connect.open_readonly(self.db_path)
        else:
            self.created = not exists
            self.conn = connect.open_readwrite(self.db_path, create=True)
        if self.dry_run:
            self.conn.execute("BEGIN")
        else:
            write.begin(self.conn)  # upgrades an older schema inside this same transaction
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
                write.commit(self.conn)
            else:
                write.rollback(self.conn)  # SQLite may have rolled back already (a full disk, SQLITE_FULL)
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                self.conn.execute("ROLLBACK")
            self._close(remove=self.created)
            raise
        self._close(remove=self.created and exc_type is not None)

    def _close(self, *, remove: bool) -> None:
        assert self.conn is not None
        self.conn.close()
        if remove:
            for suffix in ("", "-wal", "-shm", "-journal"):
                with contextlib.suppress(FileNotFoundError):
                    Path(f"{self.db_path}{suffix}").unlink()

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
