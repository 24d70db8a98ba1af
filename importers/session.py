"""One import command = one transaction, however many files and batches it reads.

    with ImportSession(db_path, "yaml", dry_run=False) as session:
        session.add_file(path, sha256)
        session.add(batch)          # checked, planned and (unless dry-run) written
    session.counts                  # inserted / updated / unchanged per table

On any exception the transaction is rolled back, and every connection is closed on every path. The database file
is then as it was: an existing one byte for byte (store.journal), and a new one never appears.

A new database (store.newdb) is made under a temporary name beside its place and moved there only once the
import has committed; if another import created it meanwhile, this one fails and says so. An existing empty file
is replaced only then, and a symbolic link is followed, never removed. Your own database (store.paths.user_db)
starts as a copy of the shipped data; any other new path starts empty. A dry run validates against the shipped
data, an empty schema in memory, or the database itself opened read-only.

Every batch goes through `add`, whichever importer made it: ids, names and references are put in NFC (so two
spellings of one name are one name), region parents may form no cycle, and names or ids holding hidden
characters (zero-width, bidi, tags) are listed in a note at the end (store.integrity).
"""

from __future__ import annotations

import contextlib
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path

from store import connect, integrity, paths, reference, review, write
from store.errors import DataError
from store.newdb import NewDatabase
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
        self.hidden: list[integrity.Hidden] = []
        self.duplicates = 0  # new findings proposed as near duplicates of existing ones (store.near_duplicates)
        self.checked = 0  # new findings checked for that
        self.unchecked = 0  # new findings not checked: the import added more than near_duplicates.MAX_CHECKED
        self.new: NewDatabase | None = None  # the database this import creates, under its temporary name
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
            self.conn = connect.open_readonly(self.db_path, notes=False)
            _check_writable(self.conn, self.db_path)  # a real import would refuse what would run during it
        elif not exists:
            self.new = NewDatabase(self.db_path, owner_only=seed is not None)  # your own database: yours alone
            temp = self.new.create(None if seed is None else lambda path: reference.copy_database(seed, path))
            try:
                self.conn = connect.open_readwrite(temp, private=True, verified=seed is None)
            except BaseException:
                self.new.discard()
                raise
        else:
            self.conn = connect.open_readwrite(self.db_path)
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
            elif self.dry_run:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
            else:
                write.rollback(self.conn)  # SQLite may have rolled back already (a full disk, SQLITE_FULL)
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                write.rollback(self.conn)
            self._close(success=False)
            raise
        self._close(success=exc_type is None)
        if exc_type is None:
            self._say_hidden()
            self._say_duplicates()

    def _close(self, *, success: bool) -> None:
        """Close; a new database is moved into place on success, and its temporary file removed either way."""
        assert self.conn is not None
        self.conn.close()
        if self.new is not None:
            if success and not self.dry_run:
                self.new.publish()
            else:
                self.new.discard()

    def _say_hidden(self) -> None:
        """One note on standard error listing names and ids with hidden characters (they are kept as they are)."""
        if not self.hidden:
            return
        n = len(self.hidden)
        shown = "; ".join(str(h) for h in self.hidden[: integrity.EXAMPLES])
        more = f"; and {n - integrity.EXAMPLES} more" if n > integrity.EXAMPLES else ""
        what = "name or id holds" if n == 1 else "names or ids hold"
        from store.text import printable

        sys.stderr.write(
            printable(
                f"Note: {n} {what} invisible, bidi or tag characters, kept as they are and shown as their codes "
                f"(`findings check` lists them): {shown}{more}"
            )
            + "\n"
        )

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
        integrity.normalise(batch)
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
        integrity.check_region_parents(self.conn, batch.regions)
        plan = write.plan(
            self.conn,
            batch,
            sealed=review.left_by_imports,
            curated=None if self.build else review.curated_records,
        )
        if not self.dry_run:
            write.execute(self.conn, plan)
            self._log_history(plan)
            self._propose_duplicates(plan)
        self.counts.merge(plan.counts)
        self.hidden.extend(integrity.hidden_in_batch(batch))
        for file, counts in plan.by_file.items():
            self.by_file.setdefault(file, write.Counts()).merge(counts)
        for table, records in (
            ("sources", batch.sources),
            ("actors", batch.actors),
            ("regions", batch.regions),
            ("evidence", batch.evidence),
        ):
            self.seen[table].update(rec.id for rec in records)

    def _propose_duplicates(self, plan: write.Plan) -> None:
        """Propose the new findings that restate existing ones as their duplicates, for a reviewer to decide."""
        from store import near_duplicates
        from store.ftm_writes import Proposal, add_proposals

        assert self.conn is not None
        new = plan.new_evidence
        if not new:
            return
        if self.unchecked or self.checked + len(new) > near_duplicates.MAX_CHECKED:
            self.unchecked += len(new)
            return
        self.checked += len(new)
        found = near_duplicates.find(self.conn, new)
        if not found:
            return
        logged = self.log_files()
        origins = {ev.id: (ev.origin.file if ev.origin else None) for ev in new}
        only = next(iter(logged.values())) if len(logged) == 1 else None
        proposals = [
            Proposal(
                "duplicate",
                "evidence",
                d.new_id,
                "evidence",
                d.existing_id,
                d.reason,
                logged.get(origins.get(d.new_id) or "") or only,
            )
            for d in found
        ]
        self.duplicates += add_proposals(self.conn, proposals)

    def _say_duplicates(self) -> None:
        if self.duplicates:
            n = self.duplicates
            sys.stderr.write(
                f"Proposed {n} new finding{'s' if n != 1 else ''} as near duplicate{'s' if n != 1 else ''} of "
                "findings already there (same source and claim, or same figure, date and actor): kept unreviewed "
                "until a reviewer accepts (the new one is rejected) or refuses (`findings review`)\n"
            )
        if self.unchecked:
            from store.near_duplicates import MAX_CHECKED

            sys.stderr.write(
                f"Near duplicates not looked for in {self.unchecked:,} new findings (an import of more than "
                f"{MAX_CHECKED:,} is not checked)\n"
            )

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


def _check_writable(conn: sqlite3.Connection, path: Path) -> None:
    from store import schema_check

    try:
        schema_check.check_writable(conn, path)
    except BaseException:
        conn.close()
        raise
