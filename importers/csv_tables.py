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
from collections.abc import Callable, Iterable, Iterator
from itertools import chain, repeat
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
    _blank,
    actor_from,
    evidence_batch,
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
    """Where reading is: the characters of the row being read (for the record limit), the line it starts on, and
    the lines read so far."""

    __slots__ = ("chars", "line", "read")

    def __init__(self) -> None:
        self.chars = 0
        self.line = 1
        self.read = 0


class CsvTable:
    """One CSV file: its table and its rows as validated records, streamed.

    Lines are read with a length limit (a 300 MB line is refused at its first 64 MB, never read whole), and so
    are rows (a quoted cell may span lines) and cells."""

    bulk = True  # whether findings are read a block of lines at a time (tests turn it off to compare)

    def __init__(self, path: str | os.PathLike[str], table: str | None = None, limits: Limits = DEFAULT_LIMITS) -> None:
        self.path = path
        self.name = loaders.display_path(path)
        self.limits = limits
        self.sha256: str | None = None
        if str(path) == "-":
            raise DataError("CSV is read in two passes and cannot come from standard input; save it to a file")
        self.delimiter = ","
        with self._open() as (_, reader, _row):
            try:
                self.header = [h.strip() for h in next(reader)]
            except StopIteration:
                raise DataError("is empty", file=self.name) from None
        if len(self.header) == 1:
            # Excel saves "CSV" with semicolons where the comma is the decimal mark (a Ukrainian or Russian
            # locale), and a sheet copied out is separated by tabs: a header with neither commas nor anything
            # else but one of these says which it is
            for other in (";", "\t"):
                if other in self.header[0]:
                    self.delimiter = other
                    with self._open() as (_, reader, _row):
                        self.header = [h.strip() for h in next(reader)]
                    break
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
        if {"actor_ids", "region_ids", "source_title"} <= set(self.header):
            raise DataError(loaders.EXPORT_NOT_IMPORT.format(what="a CSV export of findings"), file=self.name, line=1)
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
            row.read += 1
            yield line

    @contextlib.contextmanager
    def _open(self) -> Iterator[tuple[loaders.TextInput, Any, _Row]]:  # Any: the csv module's reader type
        """A csv reader over the file, checked as UTF-8 (BOM allowed) as it is read; errors name the line."""
        before = csv.field_size_limit(self.limits.field_bytes)  # (the csv module's one limit, for the process)
        row = _Row()
        with contextlib.ExitStack() as stack:
            stack.callback(csv.field_size_limit, before)  # put back: the limit is for this import only
            inp = stack.enter_context(loaders.TextInput(self.path, stdin=False, nul=True))
            reader = csv.reader(self._lines(inp, row), strict=True, delimiter=self.delimiter)
            try:
                yield inp, reader, row
            except csv.Error as e:
                line = max(row.read, 1)  # the line read last
                # a row over several lines: a quoted cell holds line breaks, and the error is about that cell,
                # named by the line the row (and so the quote) starts on
                start = f" (in the row from line {row.line:,}: is a quote left open there?)" if row.line < line else ""
                if "field larger than field limit" in str(e):
                    raise DataError(self.limits.field_too_big("a cell") + start, file=self.name, line=line) from None
                if "NUL" in str(e):
                    raise DataError("contains a NUL byte (binary data?)", file=self.name, line=line) from None
                if "unexpected end of data" in str(e) and start:
                    message = f"a quoted cell in this row never closes (the file ends at line {line:,})"
                    raise DataError(message, file=self.name, line=row.line) from None
                raise DataError(f"invalid CSV: {e}{start}", file=self.name, line=line) from None

    def records(self) -> Iterator[tuple[str, Any]]:
        """(table, validated record) for each row. Findings come a block of whole lines at a time when each line
        is a row and every row passes the checks in bulk (`_findings`); any other rows are read one at a time."""
        return chain.from_iterable(self._runs())

    def _runs(self) -> Iterator[Iterable[tuple[str, Any]]]:
        """The records as runs (a row, or the findings of a block), so that this resumes once a run."""
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
            slow_until = 0  # the line the rows read one at a time go to (lines refused in bulk)
            while True:
                if evidence and self.bulk and row_state.read >= slow_until:
                    text = inp.whole_lines(loaders.CHUNK)
                    found = self._findings(text, keys, row_state.read + 1) if text else None
                    if found is not None:
                        lines, made = found
                        inp.skip(text, lines)
                        row_state.read += lines
                        yield zip(repeat(table), made)
                        continue
                    # (its lines as readline counts them)
                    breaks = text.count("\n") + text.count("\r") - text.count("\r\n")
                    slow_until = row_state.read + max(breaks, 1)
                row_state.chars, row_state.line = 0, row_state.read + 1
                row = next(reader, None)
                if row is None:
                    break
                line = row_state.line
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
                yield ((table, make(Record(data, self.name, line, label))),)
        self.sha256 = inp.sha256

    def _findings(self, text: str, keys: list[str], first_line: int) -> tuple[int, Iterator[Any]] | None:
        """(the lines of `text`, its findings) when each of its lines (whole lines, the first of them
        `first_line`) is one row of the header's width, none longer than the record limit, and the rows pass
        evidence_batch's checks; None when not: they are then read one at a time, which reports the first
        problem as always."""
        lines = text.splitlines()  # (at LF, CR LF and CR, as readline, and at the other breaks it does not know)
        breaks = text.count("\n")
        if breaks != len(lines):  # not every line ends with a LF: count the breaks as readline does
            breaks += text.count("\r") - text.count("\r\n")
            if breaks != len(lines):
                return None
        limits = self.limits
        if len(text) > limits.record_bytes and max(map(len, lines)) + 2 > limits.record_bytes:
            return None  # (a line of it may be longer than the limit with its line break: read one at a time)
        columns: dict[str, Any]
        if '"' not in text and "\x00" not in text and len(text) <= limits.field_bytes:
            # No quote, no NUL: each line's cells are what is between its commas, as csv.reader reads them
            # (no cell longer than the field limit, as the whole text is not)
            try:
                columns = dict(zip(keys, zip(*map(str.split, lines, repeat(self.delimiter)), strict=True), strict=True))
            except ValueError:  # a row not as wide as the header
                return None
        else:
            try:
                rows = list(csv.reader(lines, strict=True, delimiter=self.delimiter))
                if len(rows) != len(lines):
                    return None
                columns = dict(zip(keys, zip(*rows, strict=True), strict=True))  # (ValueError: a row not as wide)
            except (csv.Error, ValueError):
                return None
        if "actors" in columns:
            columns["actors"] = [v and _evidence_actor_cell(v) for v in map(_blank, columns["actors"])]
        lines_of = range(first_line, first_line + len(lines))
        made = evidence_batch(columns, lines_of, self.name, None, split=True, blanks=True)
        return None if made is None else (len(lines), made)

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
