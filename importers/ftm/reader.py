"""Reading an FtM input file in whichever form people have it, one record at a time.

Forms (recognised from the first record, the file name does not matter; any of them may be gzip-compressed):

- FtM entities, one JSON object per line (`.ftm.json`, `.ijson`: OpenSanctions, Aleph, `ftm` tools)
- indented JSON objects one after another (`ftm pretty`, `jq .`), or a JSON array of entities
- an API response holding `results` (yente, Aleph), whose entities may nest others
- an OpenSanctions delta file: lines of {"op": "ADD" | "MOD" | "DEL", "entity": {...}}
- FtM statements, as JSON lines or CSV (`ftm statements`, nomenklatura, OpenSanctions statements.csv)

Leading `SPDX-` licence lines (as in Aleph's sample files) are skipped. Anything else fails with a message that
names what the file is (a dataset index, a ZIP archive, a PDF, ...) and what to import instead.

Special files are refused before they are opened for reading (a FIFO would block, /dev/zero never ends); every
line or object is read with a size limit, so no input makes the importer read without end.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import hashlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import BinaryIO, cast

from importers import loaders
from importers.ftm.entities import LineError
from importers.ftm.limits import Limits, size_text
from store.errors import DataError
from store.text import printable


class Form(StrEnum):
    ENTITIES = "FtM entities, one JSON object per line"
    PRETTY = "indented FtM JSON objects (as `ftm pretty` writes them)"
    ARRAY = "a JSON array of FtM entities"
    RESULTS = "an API response with `results` (yente, Aleph)"
    DELTA = "an OpenSanctions delta file (op ADD, MOD, DEL)"
    STATEMENTS = "FtM statements, one JSON object per line"
    STATEMENTS_CSV = "FtM statements (CSV)"


class ItemKind(StrEnum):
    ENTITY = "entity"
    DELTA = "delta"
    STATEMENT = "statement"


@dataclass(slots=True)
class Item:
    """One record of a file: a JSON object (or a CSV row as a dict), or why it could not be read."""

    line: int
    kind: ItemKind
    data: object = None
    error: str | None = None


STATEMENT_FIELDS = ("entity_id", "prop", "value")
_CSV_COLUMNS = frozenset(
    "canonical_id entity_id prop prop_type schema value dataset origin lang original_value external "
    "first_seen last_seen id target".split()
)


class _Hashing(io.RawIOBase):
    """A raw stream that hashes what is read through it (the file's SHA-256 for the import log)."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.sha = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        data = self.raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.sha.update(data)
        self.size += n
        return n


def open_input(path: str, stack: contextlib.ExitStack) -> BinaryIO:
    """The file's bytes (importers.loaders.open_input: directories, FIFOs, devices and sockets refused without
    waiting on them), closed with `stack`; standard input is left open."""
    f = loaders.open_input(path, pipe_hint="use -")
    return f if path == "-" else stack.enter_context(f)


class InputFile:
    """One input: its records (`items`), its SHA-256 and size once read, the form it turned out to be."""

    def __init__(self, path: str, stack: contextlib.ExitStack, limits: Limits) -> None:
        self.path = path
        self.name = "<stdin>" if path == "-" else str(path)
        self.limits = limits
        self.hashing = _Hashing(open_input(path, stack))
        buffered = io.BufferedReader(self.hashing, 1024 * 1024)
        head = buffered.peek(4)[:4]
        self.compressed = head.startswith(b"\x1f\x8b")
        stream = gzip.GzipFile(fileobj=buffered, mode="rb") if self.compressed else buffered
        self.stream = cast(BinaryIO, stream)
        self.form: Form | None = None
        self.header_lines = 0  # SPDX licence lines skipped

    @property
    def sha256(self) -> str:
        return self.hashing.sha.hexdigest()

    def _error(self, message: str, line: int | None = None) -> DataError:
        return DataError(message, file=self.name, line=line)

    # -------------------------------------------------------------------------------------- lines

    def _raw_lines(self) -> Iterator[tuple[int, bytes]]:
        limit = self.limits.record_bytes
        number = 0
        while True:
            try:
                raw = self.stream.readline(limit + 1)
            except (OSError, EOFError) as e:  # a damaged gzip stream
                raise self._error(f"cannot be read: {e}", number + 1) from None
            if not raw:
                return
            number += 1
            if len(raw) > limit and not raw.endswith(b"\n"):
                raise self._error(
                    f"is longer than {size_text(limit)}, the limit for one record (--max-record-size raises it)",
                    number,
                )
            yield number, raw

    def _text_lines(self) -> Iterator[tuple[int, str | None, str | None]]:
        """(number, text, None), or (number, None, why) for a line that is not UTF-8 text."""
        for number, raw in self._raw_lines():
            if number == 1:
                if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
                    raise self._error("is UTF-16 encoded; save it as UTF-8", 1)
                if raw.startswith(b"\xef\xbb\xbf"):
                    raw = raw[3:]
                self._refuse_binary(raw)
            if b"\x00" in raw:
                yield number, None, "contains a NUL byte (binary data?)"
                continue
            try:
                yield number, raw.decode("utf-8"), None
            except UnicodeDecodeError as e:
                yield number, None, f"is not valid UTF-8 (byte 0x{raw[e.start]:02x}); save the file as UTF-8"

    def _refuse_binary(self, head: bytes) -> None:
        if head.startswith(b"PK\x03\x04"):
            raise self._error(
                "is a ZIP archive (an Excel workbook, or zipped data): unpack it and import the FtM file inside"
            )
        if head.startswith(b"%PDF"):
            raise self._error("is a PDF document, not FollowTheMoney data")
        if head.startswith(b"SQLite format 3"):
            raise self._error("is an SQLite database, not FollowTheMoney data")

    # -------------------------------------------------------------------------------------- records

    def items(self) -> Iterator[Item]:
        lines = self._text_lines()
        for number, text, why in lines:
            if text is None:
                yield Item(number, ItemKind.ENTITY, error=why)
                continue
            stripped = text.strip()
            if not stripped:
                continue
            if stripped.startswith("SPDX-") and self.form is None:
                self.header_lines += 1
                continue
            yield from self._first(number, text, stripped, lines)
            return

    def _first(self, number: int, text: str, stripped: str, lines: Iterator) -> Iterator[Item]:
        """Decide the form from the first record, then read the file in it."""
        if stripped.startswith("["):
            self.form = Form.ARRAY
            yield from self._array(number, text, lines)
            return
        if stripped == "{":  # an indented object: `ftm pretty`, `jq .` (of entities, a delta, an API response...)
            yield from self._first_indented(self._indented(number, text, lines))
            return
        if stripped.startswith("{"):
            try:
                data = loads(text)
            except LineError as e:
                self.form = Form.ENTITIES
                yield Item(number, ItemKind.ENTITY, error=str(e))
                yield from self._json_lines(lines, ItemKind.ENTITY)
                return
            kind = self._form_of(data, number)
            if self.form is Form.RESULTS and isinstance(data, dict):
                yield from self._results(number, data)
                return
            yield Item(number, kind, data)
            yield from self._json_lines(lines, kind)
            return
        if "entity_id" in stripped and "prop" in stripped and "," in stripped:
            self.form = Form.STATEMENTS_CSV
            yield from self._csv(number, text, lines)
            return
        raise self._error(
            f"is not FollowTheMoney data (JSON entities, statements or a delta file): it starts with "
            f"{printable(stripped[:40])!r}",
            number,
        )

    def _first_indented(self, items: Iterator[Item]) -> Iterator[Item]:
        """Indented objects: the first decides the form, as a first line does (a delta's operations, an API
        response's results, statements, an index refused with its message), and the rest are read in it."""
        self.form = Form.PRETTY
        first = next(items, None)
        if first is None:
            return
        if first.error is not None:
            yield first
            yield from items
            return
        kind = self._form_of(first.data, first.line)
        if self.form is Form.RESULTS and isinstance(first.data, dict):
            yield from self._results(first.line, first.data)
        else:
            if self.form is Form.ENTITIES:
                self.form = Form.PRETTY
            yield Item(first.line, kind, first.data)
        for item in items:
            item.kind = kind
            yield item

    def _form_of(self, data: object, line: int) -> ItemKind:
        if isinstance(data, dict):
            if "op" in data and "entity" in data:
                self.form = Form.DELTA
                return ItemKind.DELTA
            if "entity_id" in data and "prop" in data:
                self.form = Form.STATEMENTS
                return ItemKind.STATEMENT
            if "schema" not in data:
                if isinstance(data.get("results"), list):
                    self.form = Form.RESULTS
                    return ItemKind.ENTITY
                if "datasets" in data and isinstance(data["datasets"], list):
                    raise self._error(
                        "is an OpenSanctions dataset index (index.json): it describes datasets; import the "
                        "entities.ftm.json files it lists",
                        line,
                    )
                if "versions" in data:
                    raise self._error(
                        "is a list of delta versions (delta.json); import the entities.delta.json files it names",
                        line,
                    )
                if "resources" in data:
                    raise self._error(
                        "is dataset metadata (its `resources` name the data files); import the entities file it lists",
                        line,
                    )
        self.form = Form.ENTITIES
        return ItemKind.ENTITY

    def _json_lines(self, lines: Iterator, kind: ItemKind) -> Iterator[Item]:
        for number, text, why in lines:
            if text is None:
                yield Item(number, kind, error=why)
                continue
            if not text.strip():
                continue
            try:
                yield Item(number, kind, loads(text))
            except LineError as e:
                yield Item(number, kind, error=str(e))

    def _results(self, number: int, data: dict) -> Iterator[Item]:
        for result in data["results"]:
            yield Item(number, ItemKind.ENTITY, result)

    def _indented(self, number: int, text: str, lines: Iterator, *, in_array: bool = False) -> Iterator[Item]:
        """Objects one after another, each starting at a line with `{` and ending at the line with `}` at the
        same indentation (what `ftm pretty`, `jq .` and `json.dumps(..., indent=...)` write). One pass over
        the lines, no backtracking: an object is decoded once, when its closing line has come."""
        pending: tuple[int, str, str] | None = (number, text, "")  # (first line, first text, indentation)
        while True:
            if pending is None:
                nxt = next(lines, None)
                if nxt is None:
                    return
                number, text, why = nxt
                if text is None:
                    yield Item(number, ItemKind.ENTITY, error=why)
                    continue
            else:
                number, text, _ = pending
                pending = None
            stripped = text.strip()
            if not stripped or stripped in (",", "]", "],"):
                continue
            if not stripped.startswith("{"):
                yield Item(
                    number, ItemKind.ENTITY, error=f"expected an object starting with {{, found {stripped[:20]!r}"
                )
                continue
            if stripped.rstrip(",") != "{":  # a whole object on one line
                single = stripped.rstrip(",").rstrip()
                if in_array and single.endswith("]"):
                    single = single[:-1].rstrip().rstrip(",")
                try:
                    yield Item(number, ItemKind.ENTITY, loads(single))
                except LineError as e:
                    yield Item(number, ItemKind.ENTITY, error=str(e))
                continue
            indent = text[: len(text) - len(text.lstrip())]
            parts, size, start = [text], len(text), number
            for number, text, why in lines:
                if text is None:
                    yield Item(number, ItemKind.ENTITY, error=why)
                    break
                parts.append(text)
                size += len(text)
                if size > self.limits.record_bytes:
                    raise self._error(
                        f"holds an object longer than {size_text(self.limits.record_bytes)}, the limit for one "
                        "record (--max-record-size raises it)",
                        start,
                    )
                if text.startswith(indent + "}"):
                    body = "".join(parts).strip().rstrip(",").rstrip()
                    if in_array and body.endswith("]"):
                        body = body[:-1].rstrip().rstrip(",")
                    try:
                        yield Item(start, ItemKind.ENTITY, loads(body))
                    except LineError as e:
                        yield Item(start, ItemKind.ENTITY, error=str(e))
                    break
            else:
                yield Item(start, ItemKind.ENTITY, error="an object that never ends (the file is cut short?)")
                return

    def _array(self, number: int, text: str, lines: Iterator) -> Iterator[Item]:
        stripped = text.strip()
        try:
            data = loads(stripped)
        except LineError:
            data = None
        if isinstance(data, list):  # the whole array on one line
            for element in data:
                yield Item(number, ItemKind.ENTITY, element)
            return
        rest = stripped[1:].strip()
        if rest:
            yield from self._indented(number, rest, lines, in_array=True)
        else:
            first = next(lines, None)
            if first is None:
                return
            number, text, why = first
            if text is None:
                yield Item(number, ItemKind.ENTITY, error=why)
                return
            yield from self._indented(number, text, lines, in_array=True)

    def _csv(self, number: int, text: str, lines: Iterator) -> Iterator[Item]:
        header = next(csv.reader([text]))
        columns = [c.strip() for c in header]
        missing = [c for c in STATEMENT_FIELDS if c not in columns]
        if missing:
            raise self._error(f"looks like a CSV file but lacks the statement column(s) {', '.join(missing)}", number)
        unknown = [c for c in columns if c not in _CSV_COLUMNS]
        if unknown:
            raise self._error(
                f"is a CSV file with columns FtM statements do not have: {', '.join(unknown[:5])}", number
            )
        line_of = {"n": number}

        def texts() -> Iterator[str]:
            for n, line_text, why in lines:
                if line_text is None:
                    raise self._error(why or "cannot be read", n)
                line_of["n"] = n
                yield line_text

        reader = csv.reader(texts())
        before = csv.field_size_limit()  # (the csv module's one limit, for the process: put back after each row)
        while True:
            start = line_of["n"] + 1
            csv.field_size_limit(self.limits.record_bytes)
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as e:
                yield Item(start, ItemKind.STATEMENT, error=f"is not valid CSV: {e}")
                continue
            finally:
                csv.field_size_limit(before)
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(columns):
                yield Item(start, ItemKind.STATEMENT, error=f"has {len(row)} cells; the header has {len(columns)}")
                continue
            yield Item(start, ItemKind.STATEMENT, dict(zip(columns, row, strict=True)))


def loads(text: str) -> object:
    """JSON text -> value; LineError for what is not JSON, or decodes to text that is not text."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise LineError(f"invalid JSON: {e.msg} (column {e.colno})") from None
    except RecursionError:
        raise LineError("is nested too deeply") from None
    except ValueError:  # what else json raises: a number of more than 4,300 digits, which Python will not read
        raise LineError("invalid JSON: a number with more than 4,300 digits") from None
    if "\\ud" in text or "\\uD" in text:  # "\ud800" alone decodes to a string that is not text (nor storable)
        try:
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise LineError("holds an unpaired UTF-16 surrogate (such as \\ud800), which is not text") from None
    if "\\u0000" in text:  # NUL is no character of text: FtM's own cleaning drops it (`Ivan\u0000Petrov` is IvanPetrov)
        data = _without_nul(data)
    return data


def _without_nul(value: object) -> object:
    """`value` (decoded JSON) with every NUL character taken out of its strings, keys too."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_without_nul(v) for v in value]
    if isinstance(value, dict):
        return {_without_nul(k): _without_nul(v) for k, v in value.items()}
    return value
