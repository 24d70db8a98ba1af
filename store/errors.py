"""Errors meant for people: each says what went wrong, where, and what to do."""

from __future__ import annotations

import errno
import sqlite3


class StoreError(Exception):
    """A problem the user can act on (bad input, unknown id, unusable database). Exit status 1."""


class DatabaseUnavailable(StoreError):
    """The database file is missing, unreadable, not SQLite, or of an unsupported schema version."""


class DatabaseTooSlow(StoreError, sqlite3.OperationalError):
    """One step of a query ran past the time budget (store.connect): a database built to hang, or one far too big
    for this machine. An OperationalError too, so that code handling database errors handles it."""


class WrongType(StoreError, sqlite3.DataError):
    """A value of the wrong type where the schema promises a number (text in a count): an altered database."""


class DataError(StoreError):
    """Invalid input data, located as precisely as we can: file, line or record, field."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        record: str | None = None,
        field: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.record = record
        self.field = field
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.file or "<input>"
        if self.line is not None:
            where += f":{self.line}"
        parts = [where]
        if self.record:
            parts.append(self.record)
        if self.field:
            parts.append(f"field '{self.field}'")
        return ": ".join([*parts, self.message])


def describe(e: BaseException) -> str:
    """One line for people about an error a command met: what happened and what to do (sqlite3 and OS errors
    included); an unexpected one says how to see where it came from."""
    if isinstance(e, StoreError):
        return str(e)
    if isinstance(e, sqlite3.Error):
        message = str(e)
        if getattr(e, "sqlite_errorname", "") == "SQLITE_READONLY_ROLLBACK":
            return (
                "the database holds an interrupted write (its -journal file): `findings repair` finishes undoing "
                "it, after making a backup"
            )
        if message == "interrupted":
            return "the database took too long to answer and the query was stopped (see FINDINGS_DB_TIME_LIMIT)"
        if "disk is full" in message or "disk I/O" in message:
            return f"the disk is full or failing ({message}); nothing was written"
        if "locked" in message or "busy" in message:
            return f"the database is busy ({message}): another program or import kept it for 10 s; try again later"
        if "readonly" in message or "read-only" in message:
            return f"cannot write to the database: its file, directory or disk is read-only ({message})"
        if message == "unable to open database file":  # (past the open: a journal it could not create)
            return (
                "SQLite could not open the database, or create the journal file a write needs beside it: is the "
                f"database's directory writable? ({message})"
            )
        if "malformed" in message or "not a database" in message or "vtable constructor failed" in message:
            return f"the database file is damaged ({message}); `findings check` shows where; restore it from a backup"
        return f"database error: {message}"
    if isinstance(e, OSError):
        if e.errno == errno.EPIPE:
            return "the output was closed before everything was written"
        return f"{e.filename or 'file'}: {e.strerror or e}" if e.filename else str(e.strerror or e)
    if isinstance(e, UnicodeEncodeError) and isinstance(e.object, str):
        # A path (or other value) with bytes that are not UTF-8, which Python keeps as lone surrogates.
        bad = e.object[e.start] if e.start < len(e.object) else ""
        byte = f"byte 0x{ord(bad) - 0xDC00:02x}" if "\udc80" <= bad <= "\udcff" else f"U+{ord(bad):04X}" if bad else "?"
        return f"{e.object[:200]!r} is not UTF-8 text ({byte}); rename the file, or give the value in UTF-8"
    return f"internal error: {type(e).__name__}: {e} (run with FINDINGS_DEBUG=1 to see where)"
