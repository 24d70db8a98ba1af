"""Errors meant for people: each says what went wrong, where, and what to do."""

from __future__ import annotations


class StoreError(Exception):
    """A problem the user can act on (bad input, unknown id, unusable database). Exit status 1."""


class DatabaseUnavailable(StoreError):
    """The database file is missing, unreadable, not SQLite, or of an unsupported schema version."""


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
