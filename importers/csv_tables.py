"""Flat CSV tables for sources, actors, regions, evidence and relations.

Columns are the table's columns (`source_id` or `source`, `parent_id` or `parent`, ...). In evidence, `actors`
and `regions` hold `;`-separated ids (an actor may carry a role: `huawei:supplier`); `aliases` is `;`-separated
too. The table is recognised from the header, or named with --table. Rows stream in chunks, so a large file
never sits in memory whole.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import os
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, BinaryIO

from importers import loaders
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
from store.records import Batch

if TYPE_CHECKING:
    from _csv import Reader as CsvReader  # what csv.reader returns

TABLES = ("sources", "actors", "regions", "evidence", "relations")
CHUNK_ROWS = 5_000
MAX_FIELD = 1_000_000  # csv's own limit is 128 KiB; ours reports long fields through the validator instead

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


def _first_bad_utf8(path: str | os.PathLike[str]) -> tuple[int, int]:
    """(line, byte value) of the first byte that is not UTF-8, reading in blocks so big files are fine."""
    line, carry = 1, b""
    with open(path, "rb") as f:
        while block := f.read(1 << 16):
            data, carry = carry + block, b""
            try:
                data.decode("utf-8")
            except UnicodeDecodeError as e:
                if not (e.reason == "unexpected end of data" and e.end == len(data)):
                    return line + data.count(b"\n", 0, e.start), data[e.start]
                data, carry = data[: e.start], data[e.start :]  # a character split across blocks
            line += data.count(b"\n")
    return line, carry[0] if carry else 0


class _HashingReader(io.RawIOBase):
    """Reads a binary file while hashing what passes through (sha256 of the file, in one pass)."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.hash = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.raw.read(len(buffer))
        self.hash.update(data)
        buffer[: len(data)] = data
        return len(data)


class CsvTable:
    """One CSV file: its table and its rows as validated records, a chunk at a time."""

    def __init__(self, path: str | os.PathLike[str], table: str | None = None) -> None:
        self.path = path
        self.name = loaders.display_path(path)
        self.sha256: str | None = None
        with self._open() as (_, reader):
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
        table = table or recognise(self.header)
        if table is None:
            raise DataError(
                f"cannot tell which table the columns {', '.join(self.header)} describe; "
                f"name it with --table ({', '.join(TABLES)})",
                file=self.name,
                line=1,
            )
        self.table = table
        allowed = FIELDS[self.table]
        for column in self.header:
            if RENAMES.get(column, column) not in allowed:
                raise DataError(
                    f"unknown column {column!r} for table {self.table} (expected: {', '.join(sorted(allowed))})",
                    file=self.name,
                    line=1,
                )

    @contextlib.contextmanager
    def _open(self) -> Iterator[tuple[_HashingReader, CsvReader]]:
        """A csv reader over the file, decoded as UTF-8 (BOM allowed); decoding errors name the line."""
        if str(self.path) == "-":
            raise DataError("CSV is read in two passes and cannot come from standard input; save it to a file")
        try:
            raw = open(self.path, "rb")  # noqa: SIM115 - closed in `finally`
        except FileNotFoundError:
            raise DataError("no such file", file=self.name) from None
        except OSError as e:
            raise DataError(f"cannot read: {e.strerror or e}", file=self.name) from None
        head = raw.peek(4)[:4]
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise DataError("is UTF-16 encoded; save it as UTF-8", file=self.name, line=1)
        hashing = _HashingReader(raw)
        text = io.TextIOWrapper(io.BufferedReader(hashing), encoding="utf-8-sig", newline="")
        reader = csv.reader(text, strict=True)
        try:
            yield hashing, reader
        except UnicodeDecodeError:
            line, byte = _first_bad_utf8(self.path)
            raise DataError(
                f"is not valid UTF-8 (byte 0x{byte:02x}); save it as UTF-8", file=self.name, line=line
            ) from None
        except csv.Error as e:
            message = "contains a NUL byte (binary data?)" if "NUL" in str(e) else f"invalid CSV: {e}"
            raise DataError(message, file=self.name, line=max(reader.line_num, 1)) from None  # the line read last
        finally:
            raw.close()

    def batches(self, size: int = CHUNK_ROWS) -> Iterator[tuple[Batch, int]]:
        """Validated batches of up to `size` rows, with the number of rows in each."""
        csv.field_size_limit(MAX_FIELD)
        make, into = self._maker()
        keys = [RENAMES.get(c, c) for c in self.header]
        kind = {"sources": "source", "actors": "actor", "regions": "region", "relations": "relation"}.get(
            self.table, "evidence"
        )
        batch, n = Batch(), 0
        with self._open() as (hashing, reader):
            next(reader, None)
            for row in reader:
                line = reader.line_num
                if not any(cell.strip() for cell in row):
                    continue
                if len(row) != len(keys):
                    raise DataError(f"has {len(row)} cells; the header has {len(keys)}", file=self.name, line=line)
                data: dict[str, Any] = {k: (v if v.strip() != "" else None) for k, v in zip(keys, row, strict=True)}
                if self.table == "evidence" and data.get("actors"):
                    data["actors"] = _evidence_actor_cell(data["actors"])
                label = f"{kind} {data['id'][:60]!r}" if data.get("id") else f"{kind} on line {line}"
                into(batch).append(make(Record(data, self.name, line, label)))
                n += 1
                if n >= size:
                    yield batch, n
                    batch, n = Batch(), 0
            if n:
                yield batch, n
            self.sha256 = hashing.hash.hexdigest()

    def _maker(self) -> tuple[Callable[[Record], Any], Callable[[Batch], list]]:
        return {
            "sources": (source_from, lambda b: b.sources),
            "actors": (lambda r: actor_from(r, split=True), lambda b: b.actors),
            "regions": (lambda r: region_from(r, split=True), lambda b: b.regions),
            "evidence": (lambda r: evidence_from(r, split=True), lambda b: b.evidence),
            "relations": (relation_from, lambda b: b.relations),
        }[self.table]


def order_by_dependency(tables: list[CsvTable]) -> list[CsvTable]:
    """Sources, actors and regions before the evidence and relations that point at them."""
    return sorted(tables, key=lambda t: TABLES.index(t.table))
