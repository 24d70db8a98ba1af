"""Flat CSV tables for sources, actors, regions, evidence and relations.

Columns are the table's columns (`source_id` or `source`, `parent_id` or `parent`, ...). In evidence, `actors`
and `regions` hold `;`-separated ids (an actor may carry a role: `huawei:supplier`); `aliases` is `;`-separated
too. The table is recognised from the header, or named with --table. Rows stream in chunks, so a large file
never sits in memory whole.
"""

from __future__ import annotations

import contextlib
import csv
import os
from collections.abc import Callable, Iterator
from typing import Any

from importers import loaders
from importers.limits import DEFAULT_LIMITS, Limits
from importers.validate import (
    ACTOR_FIELDS,
    EVIDENCE_FIELDS,
    REGION_FIELDS,
    RELATION_FIELDS,
    SOURCE_FIELDS,
    Record,
    actor_from,
    evidence_from,
    region_from,
    relation_from,
    source_from,
)
from store.errors import DataError

TABLES = ("sources", "actors", "regions", "evidence", "relations")

RENAMES = {
    "source_id": "source",
    "parent_id": "parent",
    "subject_id": "subject",
    "object_id": "object",
    "evidence_id": "evidence",
}
FIELDS = {
    "sources": SOURCE_FIELDS,
    "actors": ACTOR_FIELDS,
    "regions": REGION_FIELDS,
    "evidence": EVIDENCE_FIELDS,
    "relations": RELATION_FIELDS,
}


def recognise(header: list[str]) -> str | None:
    """Which table a header describes, or None when it is not clear."""
    cols = {RENAMES.get(c, c) for c in header}
    if "claim" in cols:
        return "evidence"
    if {"subject", "object"} <= cols:
        return "relations"
    if "title" in cols:
        return "sources"
    if cols & {"iso_code", "parent", "occupied_since"}:
        return "regions"
    if {"name", "kind"} <= cols and cols & {"country", "summary", "role"}:
        return "actors"
    return None


def _evidence_actor_cell(value: str) -> list[Any]:
    """`china;huawei:supplier` -> ['china', {'id': 'huawei', 'role': 'supplier'}]."""
    out: list[Any] = []
    for part in value.split(";"):
        part = part.strip()
        if not part:
            continue
        actor_id, sep, role = part.partition(":")
        out.append({"id": actor_id.strip(), "role": role.strip()} if sep else actor_id)
    return out


class _Row:
    """The characters of the row being read, for the record limit."""

    __slots__ = ("chars", "line")

    def __init__(self) -> None:
        self.chars = 0
        self.line = 1


class CsvTable:
    """One CSV file: its table and its rows as validated records, streamed.

    Lines are read with a length limit (a 300 MB line is refused at its first 64 MB, never read whole), and so
    are rows (a quoted cell may span lines) and cells."""

    def __init__(self, path: str | os.PathLike[str], table: str | None = None, limits: Limits = DEFAULT_LIMITS) -> None:
        self.path = path
        self.name = loaders.display_path(path)
        self.limits = limits
        self.sha256: str | None = None
        if str(path) == "-":
            raise DataError("CSV is read in two passes and cannot come from standard input; save it to a file")
        with self._open() as (_, reader, _row):
            try:
                self.header = [h.strip() for h in next(reader)]
            except StopIteration:
                raise DataError("is empty", file=self.name) from None
        if not any(self.header):
            message = "is empty, or its first line is blank (the first line must name the columns)"
            raise DataError(message, file=self.name, line=1)
        if any(not h for h in self.header):
            raise DataError("the header has an empty column name", file=self.name, line=1)
        if len(set(self.header)) != len(self.header):
            dup = next(h for h in self.header if self.header.count(h) > 1)
            raise DataError(f"the header names column {dup!r} twice", file=self.name, line=1)
        self.table = table or recognise(self.header)
        if self.table is None:
            raise DataError(
                f"cannot tell which table the columns {', '.join(self.header)} describe; "
                f"name it with --table ({', '.join(TABLES)})",
                file=self.name,
                line=1,
            )
        allowed = FIELDS[self.table]
        for column in self.header:
            if RENAMES.get(column, column) not in allowed:
                raise DataError(
                    f"unknown column {column!r} for table {self.table} (expected: {', '.join(sorted(allowed))})",
                    file=self.name,
                    line=1,
                )

    def _lines(self, inp: loaders.TextInput, row: _Row) -> Iterator[str]:
        limit = self.limits.record_bytes
        while line := inp.readline(limit + 2):
            if len(line) > limit and len(line.rstrip("\r\n")) > limit:
                raise DataError(self.limits.record_too_big("this line"), file=self.name, line=inp.line)
            row.chars += len(line)
            if row.chars > limit:
                raise DataError(self.limits.record_too_big("this row"), file=self.name, line=row.line)
            yield line

    @contextlib.contextmanager
    def _open(self) -> Iterator[tuple[loaders.TextInput, Any, _Row]]:  # Any: the csv module's reader type
        """A csv reader over the file, checked as UTF-8 (BOM allowed) as it is read; errors name the line."""
        csv.field_size_limit(self.limits.field_bytes)
        row = _Row()
        with loaders.TextInput(self.path, stdin=False, nul=True) as inp:
            reader = csv.reader(self._lines(inp, row), strict=True)
            try:
                yield inp, reader, row
            except csv.Error as e:
                line = max(reader.line_num, 1)  # the line read last
                if "field larger than field limit" in str(e):
                    raise DataError(self.limits.field_too_big("a cell"), file=self.name, line=line) from None
                message = "contains a NUL byte (binary data?)" if "NUL" in str(e) else f"invalid CSV: {e}"
                raise DataError(message, file=self.name, line=line) from None

    def records(self) -> Iterator[tuple[str, Any]]:
        """(table, validated record) for each row."""
        make = self._maker()
        keys = [RENAMES.get(c, c) for c in self.header]
        table = self.table
        assert table is not None
        kind = {"sources": "source", "actors": "actor", "regions": "region", "relations": "relation"}.get(
            table, "evidence"
        )
        width = len(keys)
        evidence = table == "evidence"
        with self._open() as (inp, reader, row_state):
            next(reader, None)
            row_state.chars, row_state.line = 0, reader.line_num + 1
            for row in reader:
                line = row_state.line
                row_state.chars, row_state.line = 0, reader.line_num + 1
                if len(row) != width:
                    if not any(cell.strip() for cell in row):
                        continue
                    raise DataError(f"has {len(row)} cells; the header has {width}", file=self.name, line=line)
                data: dict[str, Any] = {k: v if v and not v.isspace() else None for k, v in zip(keys, row, strict=True)}
                if not any(v is not None for v in data.values()):
                    continue
                if evidence and data.get("actors"):
                    data["actors"] = _evidence_actor_cell(data["actors"])
                ident = data.get("id")
                label = f"{kind} {ident[:60]!r}" if ident else f"{kind} on line {line}"
                yield table, make(Record(data, self.name, line, label))
        self.sha256 = inp.sha256

    def _maker(self) -> Callable[[Record], Any]:
        assert self.table is not None
        makers: dict[str, Callable[[Record], Any]] = {
            "sources": source_from,
            "actors": lambda r: actor_from(r, split=True),
            "regions": lambda r: region_from(r, split=True),
            "evidence": lambda r: evidence_from(r, split=True),
            "relations": relation_from,
        }
        return makers[self.table]


def order_by_dependency(tables: list[CsvTable]) -> list[CsvTable]:
    """Sources, actors and regions before the evidence and relations that point at them."""
    return sorted(tables, key=lambda t: TABLES.index(t.table))
