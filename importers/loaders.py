"""Reading input files safely: only regular files (or standard input), UTF-8 checked as it streams in, and YAML /
JSON parsers that hand over one record at a time, remembering line numbers.

`open_input` refuses directories, devices, FIFOs and sockets before reading a byte (a FIFO is opened without
waiting for a writer). `TextInput` reads a file in blocks and checks each as it arrives: a UTF-16 file, a NUL
byte or bytes that are not UTF-8 stop the import with the line they are on; it hashes the bytes on the way.

The native format is one mapping of sections; `native_items` yields its contents in file order as `Item`s: a
section's list one element at a time, any other section value whole. Neither parser builds the document: YAML
is read as PyYAML events (libyaml when present) and each record is built from its events; JSON is cut into
records by a small scanner and each record is decoded by the standard library's C decoder. So memory holds one
record, whatever the file's size, and a record, a value or a run of text that grows past the limits
(importers/limits.py) stops the import with the line it is on.

Mappings come back as `Node` (a dict that knows its line and the line of each key), so an error can name the
line of the field at fault. YAML anchors, aliases and tags are refused (which rules out "billion laughs"
expansion and `!!python/...` objects); plain scalars are read the YAML 1.2 way. Nothing here executes anything
from the file.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import re
import stat
import sys
from collections.abc import Callable, Iterator
from itertools import repeat
from operator import itemgetter
from typing import Any, BinaryIO

from importers.limits import DEFAULT_LIMITS, Limits
from store.errors import DataError
from store.output import NotARegularFile, file_kind, open_regular

MAX_DEPTH = 100  # nesting of YAML and JSON values; the native format needs 4 levels
MAX_DIGITS = 4_000  # a whole number longer than this is not a quantity (Python refuses to parse over 4,300)
BLOCK = 256 * 1024  # bytes read at a time
CHUNK = 64 * 1024  # characters of records read in bulk at most (JSON chunks, CSV blocks)
_LINE_END = re.compile(r"\r\n?|\n")


_NO_LINES: dict[Any, int] = {}  # shared by every Node whose keys are all on its first line; never written


class Node(dict):
    """A mapping from a file, with the line it starts on and the line of each key. Both are set after it is made
    (`node()`), so that making one costs what making a dict costs: the JSON decoder makes one per object."""

    line: int | None = None
    key_lines: dict[Any, int] = _NO_LINES

    def line_of(self, key: str) -> int | None:
        return self.key_lines.get(key, self.line)


def node(pairs: list[tuple[Any, Any]], line: int | None, key_lines: dict[Any, int] | None = None) -> Node:
    made = Node(pairs)
    made.line = line
    if key_lines:
        made.key_lines = key_lines
    return made


class LazyLines(dict):
    """The line of each key of a record, worked out from the record's text only when an error asks for one."""

    __slots__ = ("_fill",)

    def __init__(self, fill: Callable[[], dict[str, int]]) -> None:
        super().__init__()
        self._fill: Callable[[], dict[str, int]] | None = fill

    def _load(self) -> None:
        if self._fill is not None:
            fill, self._fill = self._fill, None
            self.update(fill())

    def __len__(self) -> int:
        self._load()
        return super().__len__()

    def __contains__(self, key: object) -> bool:
        self._load()
        return super().__contains__(key)

    def __getitem__(self, key: str) -> int:
        self._load()
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        self._load()
        return super().get(key, default)

    def __iter__(self) -> Iterator[str]:
        self._load()
        return super().__iter__()


def display_path(path: str | os.PathLike[str]) -> str:
    return "<stdin>" if str(path) == "-" else str(path)


# An export for people and spreadsheets (`findings export csv/json`) read back as an import: what moves findings
# between databases instead.
EXPORT_NOT_IMPORT = (
    "is {what} (for reading and spreadsheets: names, not ids, and no actors or sources of its own); to move "
    "findings to another database, use `findings export dataset` and `findings build`, `findings sync`, or "
    "`findings export ftm` and `findings import ftm`"
)


# ------------------------------------------------------------------------------------------------ opening


def open_input(
    path: str | os.PathLike[str], *, stdin: bool = True, pipe_hint: str = "give - and pipe it in"
) -> BinaryIO:
    """The file's bytes. Refuses directories, devices, FIFOs and sockets without waiting on them (`/dev/zero`
    would never end, a FIFO would block until someone writes); `-` is standard input where `stdin` allows it
    (`pipe_hint` says how, in the message about a FIFO or device)."""
    name = display_path(path)
    if str(path) == "-":
        if not stdin:
            raise DataError("cannot come from standard input here; save it to a file", file=name)
        return sys.stdin.buffer
    try:
        return open_regular(path)
    except NotARegularFile as e:
        if stat.S_ISDIR(e.mode):
            raise DataError("is a directory, not a file", file=name) from None
        where = f" (to read from a pipe, {pipe_hint})" if stdin else ""
        raise DataError(f"is {file_kind(e.mode)}, not a regular file{where}", file=name) from None
    except FileNotFoundError:
        raise DataError("no such file", file=name) from None
    except IsADirectoryError:
        raise DataError("is a directory, not a file", file=name) from None
    except PermissionError:
        raise DataError("permission denied", file=name) from None
    except OSError as e:
        raise DataError(f"cannot read: {e.strerror or e}", file=name) from None


# --------------------------------------------------------------------------------------------------- text


# Files that are not text at all, named for what they are (the first bytes say it): what to do instead.
_BINARY = (
    (b"\x1f\x8b", "is gzip-compressed: decompress it first (gunzip FILE); only `findings import ftm` reads .gz"),
    (
        b"PK\x03\x04",
        "is a ZIP archive (an Excel workbook or a Word document?): save the sheet as CSV UTF-8, or "
        "the text as plain text, and import that",
    ),
    (b"%PDF-", "is a PDF document: save its text as plain text (or Markdown) and import that"),
    (b"SQLite format 3\x00", "is an SQLite database, not a file to import (open it with --db)"),
)


def _binary_kind(head: bytes) -> str | None:
    return next((message for magic, message in _BINARY if head.startswith(magic)), None)


class TextInput:
    """One input file as UTF-8 text, read a block at a time and checked as it arrives.

    `read(n)` hands out text (the YAML parser's interface), `readline(n)` a line of at most n characters (for
    CSV and articles); `sha256` is the hash of every byte read. A problem is raised as a DataError naming the
    line; for the YAML parser, which cannot pass our errors through, it is kept in `failure` and the text ends.
    """

    def __init__(
        self, path: str | os.PathLike[str], *, stdin: bool = True, nul: bool = False, text: str | None = None
    ) -> None:
        """`nul`: let NUL bytes through (CSV: the validator names the cell that holds one)."""
        self.path = path
        self._nul_ok = nul
        self.name = display_path(path)
        self._raw: BinaryIO | None = None if text is not None else open_input(path, stdin=stdin)
        self._hash = hashlib.sha256()
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._first = True
        self._eof = False
        self._raw_lines = 0  # line breaks in the bytes checked so far (for the line of a bad byte)
        self._breaks = 0  # line breaks in the text of the last block read
        # Set by a reader of `blocks` that counts the lines of what it is handed (the JSON reader): the line
        # breaks in the text handed out so far, asked only for the line of a bad byte; the blocks are then not
        # counted here (nor is `line` kept).
        self.lines_before: Callable[[], int] | None = None
        self._buf = text or ""
        self._pos = 0
        self.lines_out = 0  # line breaks in the text handed out so far
        self.nonblank = bool(self._buf.strip())
        self.failure: DataError | None = None
        if text is not None:
            self._hash.update(text.encode("utf-8", "surrogatepass"))
            self._eof = True

    @classmethod
    def of_text(cls, text: str, name: str) -> TextInput:
        """A TextInput over text already in memory (tests and benchmarks)."""
        return cls(name, text=text)

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()

    @property
    def line(self) -> int:
        """The line the text handed out so far ends on."""
        return self.lines_out + 1

    def close(self) -> None:
        if self._raw is not None and self._raw is not sys.stdin.buffer:
            self._raw.close()

    def __enter__(self) -> TextInput:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def error(self, message: str, line: int | None = None) -> DataError:
        return DataError(message, file=self.name, line=line)

    def _block(self) -> str:
        """The next block of text ("" at the end), checked."""
        assert self._raw is not None
        try:
            data = self._raw.read(BLOCK)
        except OSError as e:
            raise self.error(f"cannot read: {e.strerror or e}") from None
        if not data:
            self._eof = True
            try:
                self._decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                message = "is not valid UTF-8 (it ends inside a character); save it as UTF-8"
                raise self.error(message, self._lines_checked() + 1) from None
            return ""
        self._hash.update(data)
        if self._first:
            self._first = False
            if data.startswith((b"\xff\xfe", b"\xfe\xff")):
                raise self.error("is UTF-16 encoded; save it as UTF-8", 1)
            if kind := _binary_kind(data):
                raise self.error(kind, 1)
            if data.startswith(b"\xef\xbb\xbf"):
                data = data[3:]
        nul = -1 if self._nul_ok else data.find(b"\x00")
        if nul != -1:
            line = self._lines_checked() + data.count(b"\n", 0, nul) + 1
            raise self.error("contains a NUL byte (binary data?)", line)
        pending = len(self._decoder.getstate()[0])  # the last block's unfinished character
        try:
            text = self._decoder.decode(data)
        except UnicodeDecodeError as e:
            start = max(0, e.start - pending)
            bad = data[start] if start < len(data) else 0
            line = self._lines_checked() + data.count(b"\n", 0, start) + 1
            raise self.error(f"is not valid UTF-8 (byte 0x{bad:02x}); save it as UTF-8", line) from None
        # (a LF byte is a LF character in UTF-8, and in nothing else: the text has the bytes' line breaks)
        if self.lines_before is None:
            self._breaks = text.count("\n")
            self._raw_lines += self._breaks
        if not self.nonblank and text and not text.isspace():
            self.nonblank = True
        return text

    def _lines_checked(self) -> int:
        """The line breaks in the blocks checked before the one being checked."""
        return self._raw_lines if self.lines_before is None else self.lines_before()

    def _more(self) -> bool:
        """Append the next block to the buffer (dropping what was handed out); False at the end."""
        if self._eof:
            return False
        if self._pos:
            self._buf = self._buf[self._pos :]
            self._pos = 0
        while not self._eof:
            text = self._block()
            if text:
                self._buf += text
                return True
        return False

    def read(self, size: int = -1) -> str:
        """Up to `size` characters ("" at the end, or after a failure)."""
        if self.failure is not None:
            return ""
        try:
            if self._pos >= len(self._buf) and not self._more():
                return ""
        except DataError as e:
            self.failure = e
            return ""
        end = len(self._buf) if size < 0 else min(len(self._buf), self._pos + size)
        out = self._buf[self._pos : end]
        self._pos = end
        self.lines_out += out.count("\n")
        return out

    def readline(self, limit: int) -> str:
        """The next line with its line break (LF, CR LF or CR), or its first `limit` characters when it is
        longer; "" at the end. A long line is gathered block by block and joined once."""
        pieces: list[str] = []
        size = 0
        while True:
            buf, pos = self._buf, self._pos
            window = pos + limit - size
            found = _LINE_END.search(buf, pos, window)
            if found is not None:
                if found.group() == "\r" and found.end() == len(buf) and not self._eof:
                    # a CR at the end of the block: it may be the first half of a CR LF
                    pieces.append(buf[pos : found.start()])
                    size += found.start() - pos
                    self._pos = found.start()
                    self._more()
                    continue
                pieces.append(buf[pos : found.end()])
                self._pos = found.end()
                self.lines_out += 1
                return "".join(pieces)
            if len(buf) >= window:
                pieces.append(buf[pos:window])
                self._pos = window
                return "".join(pieces)
            pieces.append(buf[pos:])
            size += len(buf) - pos
            self._pos = len(buf)
            if not self._more():
                return "".join(pieces)

    def whole_lines(self, size: int) -> str:
        """The whole lines (up to the last LF) in the next `size` characters of the text read so far and not
        handed out (or the first line, if it is longer), without handing them out: for a reader that takes them
        at once (`skip`) or else reads them a line at a time."""
        buf, pos = self._buf, self._pos
        end = buf.rfind("\n", pos, pos + size) + 1 or buf.find("\n", pos) + 1
        return buf[pos:end]

    def skip(self, text: str, lines: int) -> None:
        """Hand out `text`, what `whole_lines` gave (or its start), which holds `lines` lines."""
        self._pos += len(text)
        self.lines_out += lines

    def blocks(self) -> Iterator[str]:
        """The rest of the text, a block at a time (the JSON scanner's interface)."""
        if self._pos < len(self._buf):
            rest = self._buf[self._pos :]
            self._pos = len(self._buf)
            self.lines_out += rest.count("\n")
            yield rest
        while self._more():
            rest = self._buf[self._pos :]  # all handed out before: the block just read, whose breaks are counted
            self._pos = len(self._buf)
            if self.lines_before is None:
                self.lines_out += self._breaks
            yield rest

    def check_not_empty(self) -> None:
        if not self.nonblank:
            raise self.error("is empty")


# ------------------------------------------------------------------------------------------------- items


# One piece of a native document, in file order: (section, element, data, line) -- an element of a section's list
# (`element` true), or the whole value of a section that is not a list; section "" for a top level that is not a
# mapping. A plain tuple: there is one per record, and a class instance costs several times as much to make.
Item = tuple[str, bool, Any, "int | None"]


def native_items(inp: TextInput, fmt: str, limits: Limits = DEFAULT_LIMITS) -> Iterator[Item]:
    """The items of a native YAML or JSON document, one at a time."""
    reader = _YamlReader(inp, limits) if fmt == "yaml" else _JsonReader(inp, limits)
    return reader.items()


# ------------------------------------------------------------------------------------------------------ YAML

# YAML 1.2 plain scalars: only true/false, null and decimal numbers are not text. YAML 1.1 would turn `NO`
# (Norway) into false, `2025-13-40` into a failing date, `12:30` into 750 and `012` into 10; dates stay text here
# and are checked by the date validator, which names the field.
_TRUE = frozenset(("true", "True", "TRUE"))
_FALSE = frozenset(("false", "False", "FALSE"))
_NULL = frozenset(("~", "null", "Null", "NULL", ""))
_INT = re.compile(r"[-+]?[0-9]+")
_FLOAT = re.compile(r"[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
_NUMBER_START = frozenset("-+0123456789.")
# What YAML allows raw in a stream (YAML 1.2, 5.1); anything else is an error PyYAML would raise without a line.
_NOT_YAML_TEXT = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_TAG_PREFIX = "tag:yaml.org,2002:"
_ALIASES = "YAML anchors and aliases (&name, *name) are not supported in data files; write the value out"


class _YamlText:
    """The TextInput as the YAML parser reads it: YAML's own character rules checked with a line number, and
    reading stops (the failure kept) when one record runs past the record limit."""

    def __init__(self, inp: TextInput, limits: Limits) -> None:
        self.inp = inp
        self.limit = limits.record_bytes
        self.limits = limits
        self.read_chars = 0
        self.record_start = 0  # characters read when the current record began

    def read(self, size: int = -1) -> str:
        inp = self.inp
        if inp.failure is not None:
            return ""
        line = inp.line
        text = inp.read(size)
        bad = _NOT_YAML_TEXT.search(text)
        if bad:
            char = bad.group()
            inp.failure = inp.error(
                f"invalid YAML: character U+{ord(char):04X} is not allowed; write control characters as escapes "
                'in double quotes, such as "\\e" for ESC',
                line + text.count("\n", 0, bad.start()),
            )
            return ""
        self.read_chars += len(text)
        if self.read_chars - self.record_start > self.limit + 2 * BLOCK:
            inp.failure = inp.error(self.limits.record_too_big(), line)
            return ""
        return text


class _TooLong(Exception):
    def __init__(self, line: int) -> None:
        self.line = line


class _YamlReader:
    def __init__(self, inp: TextInput, limits: Limits) -> None:
        import yaml

        self.yaml = yaml
        self.inp = inp
        self.limits = limits
        self.text = _YamlText(inp, limits)
        loader = getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader  # only its parser (events) is used
        self.loader = loader(self.text)
        self.events = yaml.events
        self.end = 0  # where the last value built ends (characters)

    # errors

    def _error(self, message: str, mark: Any) -> DataError:
        return self.inp.error(message, mark.line + 1 if mark is not None else None)

    def _get(self) -> Any:
        """The next parser event; parser errors (and our own reading errors) as DataErrors with a line."""
        yaml = self.yaml
        try:
            return self.loader.get_event()
        except yaml.MarkedYAMLError as e:
            if self.inp.failure is not None:
                raise self.inp.failure from None
            self._refuse_blank()
            mark = e.problem_mark or e.context_mark
            problem = e.problem or e.context or "invalid YAML"
            raise self._error(f"invalid YAML: {problem}", mark) from None
        except yaml.YAMLError as e:
            if self.inp.failure is not None:
                raise self.inp.failure from None
            raise self.inp.error(f"invalid YAML: {e}") from None

    def _refuse_blank(self) -> None:
        """A file of white space (tabs, which YAML does not allow as indentation, included) is empty, not bad YAML."""
        inp = self.inp
        while not inp.nonblank and inp.read(BLOCK):
            pass
        if not inp.nonblank and inp.failure is None:
            raise inp.error("is empty")

    def _refuse(self, event: Any) -> None:
        """Anchors, aliases and tags are not data."""
        if type(event) is self.events.AliasEvent or event.anchor is not None:
            raise self._error(_ALIASES, event.start_mark)
        tag = event.tag
        if tag is not None:
            shown = "!!" + tag[len(_TAG_PREFIX) :] if tag.startswith(_TAG_PREFIX) else tag
            value = getattr(event, "value", None)
            what = f"{shown} {value[:60]!r}" if isinstance(value, str) else shown
            raise self._error(
                f"invalid YAML: tags are not supported in data files ({what}); write the value without its tag",
                event.start_mark,
            )

    def _scalar(self, event: Any) -> Any:
        if event.anchor is not None or event.tag is not None:
            self._refuse(event)
        value = event.value
        if len(value) > self.limits.field_bytes:
            raise _TooLong(event.start_mark.line + 1)
        if not event.implicit[0]:  # quoted or block: text
            return value
        if not value or value in _NULL:
            return None
        first = value[0]
        if first in "tTfF":
            if value in _TRUE:
                return True
            if value in _FALSE:
                return False
        elif first in _NUMBER_START:
            try:
                if _INT.fullmatch(value):
                    return int(value)
                if _FLOAT.fullmatch(value):
                    return float(value)
            except ValueError as e:  # over 4,300 digits
                raise self._error(f"cannot read the value {value[:60]!r}…: {e}", event.start_mark) from None
        return value

    def _value(self, event: Any) -> Any:
        """The value that starts with `event`, built from the events that follow (no recursion)."""
        ev = self.events
        stack: list[list[Any]] = []
        try:
            if type(event) is ev.ScalarEvent:
                return self._scalar(event)
            if type(event) is ev.AliasEvent or event.anchor is not None or event.tag is not None:
                self._refuse(event)
            is_map = type(event) is ev.MappingStartEvent
            # a frame: [items, is_mapping, key (or _NO_KEY), key_lines, line]
            stack.append([[], is_map, _NO_KEY, {} if is_map else None, event.start_mark.line + 1])
            return self._build(stack)
        except _TooLong as e:
            frame = stack[-1] if stack else None
            key = frame[2] if frame and frame[1] and frame[2] is not _NO_KEY else None
            raise DataError(self.limits.field_too_big(), file=self.inp.name, line=e.line, field=key) from None

    def _build(self, stack: list[list[Any]]) -> Any:
        ev = self.events
        scalar, mapping_start, sequence_start = ev.ScalarEvent, ev.MappingStartEvent, ev.SequenceStartEvent
        get, make_scalar = self._get, self._scalar
        frame = stack[-1]
        while True:
            event = get()
            kind = type(event)
            if kind is scalar:
                value = make_scalar(event)
                if frame[1]:
                    if frame[2] is _NO_KEY:
                        if not isinstance(value, str):
                            raise self._error(f"keys must be text, not {value!r}", event.start_mark)
                        if value in frame[3]:
                            raise self._error(f"duplicate key {value!r}", event.start_mark)
                        frame[3][value] = event.start_mark.line + 1
                        frame[2] = value
                    else:
                        frame[0].append((frame[2], value))
                        frame[2] = _NO_KEY
                else:
                    frame[0].append(value)
                continue
            if kind is mapping_start or kind is sequence_start:
                if event.anchor is not None or event.tag is not None:
                    self._refuse(event)
                if frame[1] and frame[2] is _NO_KEY:
                    raise self._error("keys must be text, not a list or mapping", event.start_mark)
                if len(stack) >= MAX_DEPTH:
                    raise self._error(f"is nested more than {MAX_DEPTH} levels deep", event.start_mark)
                is_map = kind is mapping_start
                frame = [[], is_map, _NO_KEY, {} if is_map else None, event.start_mark.line + 1]
                stack.append(frame)
                continue
            if kind is ev.MappingEndEvent or kind is ev.SequenceEndEvent:
                done = stack.pop()
                value = node(done[0], done[4], done[3]) if done[1] else done[0]
                if not stack:
                    self.end = event.end_mark.index
                    return value
                frame = stack[-1]
                if frame[1]:
                    frame[0].append((frame[2], value))
                    frame[2] = _NO_KEY
                else:
                    frame[0].append(value)
                continue
            if kind is ev.AliasEvent:
                self._refuse(event)
            raise self._error("invalid YAML: unexpected structure", event.start_mark)  # pragma: no cover

    def document(self) -> Any:
        """The whole of a one-document stream (bench and tests: small files)."""
        ev = self.events
        self._get()  # stream start
        values = []
        while type(event := self._get()) is ev.DocumentStartEvent:
            values.append(self._value(self._get()))
            self._get()  # document end
        if self.inp.failure is not None:
            raise self.inp.failure
        values = [v for v in values if v is not None]
        if not values:
            raise self.inp.error("is empty")
        if len(values) > 1:
            raise self.inp.error("holds several YAML documents (---); use one per file")
        del event
        return values[0]

    def items(self) -> Iterator[Item]:
        ev = self.events
        get = self._get
        get()  # stream start
        found = False
        while True:
            event = get()
            if type(event) is ev.StreamEndEvent:
                break
            if type(event) is not ev.DocumentStartEvent:  # pragma: no cover - the parser guarantees it
                raise self._error("invalid YAML: expected a document", event.start_mark)
            start = event.start_mark
            root = get()
            if type(root) is ev.ScalarEvent and root.implicit[0] and root.tag is None and root.value in _NULL:
                get()  # an empty document: nothing
                continue
            if found:
                raise self._error("holds several YAML documents (---); use one per file", start)
            found = True
            if type(root) is not ev.MappingStartEvent:
                value = self._value(root)
                yield ("", False, value, root.start_mark.line + 1)  # the validator names the wrong type
            else:
                if root.anchor is not None or root.tag is not None:
                    self._refuse(root)
                yield from self._sections()
            get()  # document end
        if self.inp.failure is not None:
            raise self.inp.failure
        if not found:
            self.inp.check_not_empty()
            raise self.inp.error("is empty")

    def _sections(self) -> Iterator[Item]:
        ev = self.events
        get, text = self._get, self.text
        seen: set[str] = set()
        while True:
            event = get()
            if type(event) is ev.MappingEndEvent:
                return
            key = self._value(event) if type(event) is ev.ScalarEvent else None
            if not isinstance(key, str):
                raise self._error(f"keys must be text, not {key!r}", event.start_mark)
            if key in seen:
                raise self._error(f"duplicate key {key!r}", event.start_mark)
            seen.add(key)
            key_line = event.start_mark.line + 1
            text.record_start = text.read_chars
            event = get()
            if type(event) is not ev.SequenceStartEvent:
                yield (key, False, self._record(event), key_line)
                continue
            if event.anchor is not None or event.tag is not None:
                self._refuse(event)
            while True:
                text.record_start = text.read_chars
                event = get()
                if type(event) is ev.SequenceEndEvent:
                    break
                yield (key, True, self._record(event), event.start_mark.line + 1)

    def _record(self, event: Any) -> Any:
        """One record (a section item, or a section's value), no longer than the record limit."""
        start = event.start_mark
        self.end = event.end_mark.index
        value = self._value(event)
        if self.inp.failure is not None:
            raise self.inp.failure
        if self.end - start.index > self.limits.record_bytes:
            raise self._error(self.limits.record_too_big(), start)
        return value


_NO_KEY = object()


def load_yaml(text: str, name: str) -> Any:
    """A whole YAML document from text, as `Node`s and lists (tests and benchmarks; imports stream instead)."""
    return _YamlReader(TextInput.of_text(text, name), DEFAULT_LIMITS).document()


# ------------------------------------------------------------------------------------------------------ JSON


class _Located(ValueError):
    """A problem the decoder found, with what is needed to place it."""

    def __init__(self, message: str, needle: str | None = None, *, second: bool = False) -> None:
        super().__init__(message)
        self.needle = needle  # text to look for in the record, for its line
        self.second = second  # its second appearance


def _pairs(pairs: list[tuple[str, Any]]) -> Node:
    made = Node(pairs)
    if len(made) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _Located(f"invalid JSON: duplicate key {key!r}", json.dumps(key), second=True)
            seen.add(key)
    return made


def _parse_int(digits: str) -> int:
    if len(digits) > MAX_DIGITS + 1:
        raise _Located(f"invalid JSON: a number with more than {MAX_DIGITS:,} digits", digits)
    return int(digits)


_DECODER = json.JSONDecoder(object_pairs_hook=_pairs, parse_int=_parse_int)
_SCAN = _DECODER.scan_once  # type: ignore[attr-defined]  # the C scanner itself (raw_decode wraps it in Python)
_SPACE = re.compile(r"[ \t\n\r]*")
# Strings (consumed whole, so a quote inside one is never taken for the start of another) and brackets: enough to
# find the line of each key of a record, which is asked for only when an error needs one.
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.?)*+"?(\s*:)?|[{}\[\]]')


def _key_lines(text: str, first_line: int) -> dict[str, int]:
    """{key: line} for the keys of the object `text` (its own keys, not those of objects inside it)."""
    out: dict[str, int] = {}
    depth, line, counted = 0, first_line, 0
    for m in _JSON_TOKEN.finditer(text):
        token = m.group()
        if token in "{[":
            depth += 1
        elif token in "}]":
            depth -= 1
        elif depth == 1 and m.group(1) is not None:
            line += text.count("\n", counted, m.start())
            counted = m.start()
            try:
                key = json.loads(token[: token.rindex('"') + 1])
            except ValueError:  # pragma: no cover - the text was decoded already
                continue
            out.setdefault(key, line)
    return out


_FAST_DECODER = json.JSONDecoder(parse_int=_parse_int)  # plain dicts: a chunk's duplicate keys are found below
_FAST_SCAN = _FAST_DECODER.scan_once  # type: ignore[attr-defined]
MIN_CHUNK = 4096  # characters: fewer records than this are not worth a chunk


class Chunk:
    """Consecutive elements of a section, one flat mapping per line, decoded in one call of the C decoder.

    `values` are plain dicts (their values are all scalars, and none has a duplicate key); `first_line` is the
    line of the first, the others follow one a line. `items` hands them out as the per-record reader would."""

    __slots__ = ("first_line", "values")

    def __init__(self, values: list[dict[str, Any]], first_line: int) -> None:
        self.values = values
        self.first_line = first_line

    def columns(self) -> dict[str, list[Any]]:
        """{key: the value of each record, None where it has none}: when every record has the first's keys
        (most often), one `itemgetter` a record and a transposition, else a column for each key of any."""
        values = self.values
        keys = list(values[0])
        if len(keys) > 1 and len(keys) * len(values) == sum(map(len, values)):  # each as many keys as the first
            try:
                rows = list(map(itemgetter(*keys), values))  # (KeyError: one has another key instead)
            except KeyError:
                pass
            else:
                return dict(zip(keys, map(list, zip(*rows, strict=True)), strict=True))
        return {key: list(map(dict.get, values, repeat(key))) for key in set().union(*values)}

    def items(self, section: str) -> Iterator[Item]:
        for line, value in enumerate(self.values, self.first_line):
            made = Node(value)
            made.line = line
            yield (section, True, made, line)


def _chunk_of(body: str, limit: int) -> list[dict[str, Any]] | None:
    """The records of `body` (elements of a JSON array, without its brackets) when each is an object of scalars
    on a line of its own, with no key twice; None when not (the per-record reader then reads them, and reports
    any problem as always). The checks are C operations over the whole body:

    - flat objects: no '[' at all, and a '{' a line (a '{' or '[' inside a text makes it a None too), so with
      as many values as lines, all of them dicts, no dict holds another;
    - one object a line: every line break comes right after `},` (which a text cannot hold, as it cannot hold
      a line break), so no object goes on past a line break, and each line ends one: as many as there are;
    - no duplicate key: each key is followed by one ':', so with no other ':' than those, the ':' are as many as
      the keys of the dicts made (a repeated key makes one entry). Texts may hold ':' too: then, without the
      escape \\u003a, the ':' left over must be exactly those of the decoded texts (and none in a key)."""
    lines = body.count("\n") + 1
    if len(body) > limit or "[" in body or body.count("{") != lines:
        return None
    ends = body.count("},\n") + (body.count("},\r\n") if "\r" in body else 0)
    if ends != lines - 1:
        return None
    try:
        values, end = _FAST_SCAN(f"[{body}]", 0)
    except (ValueError, StopIteration, RecursionError):
        return None
    if end != len(body) + 2 or len(values) != lines or set(map(type, values)) != {dict}:
        return None
    colons = body.count(":") - sum(map(len, values))
    if colons and (
        "\\u003" in body or colons != "\x1f".join([v for d in values for v in d.values() if type(v) is str]).count(":")
    ):
        return None
    return values


class _JsonReader:
    """The native JSON document, cut into records: `{ "section": [record, ...] | value, ... }`."""

    bulk = True  # whether runs of one-line flat records are decoded as chunks (tests turn it off to compare)

    def __init__(self, inp: TextInput, limits: Limits) -> None:
        self.inp = inp
        self.limits = limits
        self.blocks = inp.blocks()
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.line = 1  # the line at buf[line_pos]
        self.line_pos = 0
        self.slow_until = 0  # no chunk before this index of buf (a chunk was tried there and not taken)
        self.parts: list[str] = []  # blocks being added to buf
        if inp.lines_before is None and inp._pos >= len(inp._buf):  # (its blocks are all to come: count them here)
            inp.lines_before = self._lines_read

    # the buffer

    def _more(self, at_least: int = 0) -> bool:
        """Read more text; drops what has been consumed. False at the end."""
        if self.eof:
            return False
        if self.pos > BLOCK:
            self._line_at(self.pos)
            self.buf = self.buf[self.pos :]
            self.line_pos -= self.pos
            self.slow_until -= self.pos
            self.pos = 0
        added = 0
        parts = self.parts = [self.buf]
        while added < max(at_least, 1):
            block = next(self.blocks, None)
            if block is None:
                self.eof = True
                break
            parts.append(block)
            added += len(block)
        self.buf = "".join(parts)
        self.parts = []
        return added > 0

    def _lines_read(self) -> int:
        """The line breaks in the text read so far (for the line of a bad byte in the next block)."""
        on_their_way = sum(part.count("\n") for part in self.parts[1:])  # (blocks read, not yet in buf)
        return self.line - 1 + self.buf.count("\n", self.line_pos) + on_their_way

    def _line_at(self, index: int) -> int:
        """The line of buf[index]; `index` never goes back before an index already asked about."""
        if index > self.line_pos:
            self.line += self.buf.count("\n", self.line_pos, index)
            self.line_pos = index
        return self.line

    def _error(self, message: str, index: int) -> DataError:
        line = (
            self._line_at(index) if index >= self.line_pos else self.line - self.buf.count("\n", index, self.line_pos)
        )
        return self.inp.error(message, line)

    def _peek(self) -> str:
        """The next character that is not white space ("" at the end)."""
        if self.pos < len(self.buf) and (c := self.buf[self.pos]) not in " \t\n\r":
            return c
        while True:
            self.pos = _SPACE.match(self.buf, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._more():
                return ""

    def _syntax(self, expected: str) -> DataError:
        column = self.pos - self.buf.rfind("\n", 0, self.pos)
        found = "the end of the file" if self.pos >= len(self.buf) else repr(self.buf[self.pos])
        return self._error(f"invalid JSON: Expecting {expected}, found {found} (column {column})", self.pos)

    def _value(self) -> tuple[Any, int]:
        """Decode the value at the current position (after white space); (value, its line)."""
        if not self._peek():
            raise self._syntax("a value")
        start = self.pos
        line = self._line_at(start)
        limit = self.limits.record_bytes
        while True:
            try:
                try:
                    value, end = _SCAN(self.buf, start)
                except StopIteration as stop:
                    raise json.JSONDecodeError("Expecting value", self.buf, stop.value) from None
            except json.JSONDecodeError as e:
                if not self.eof and (e.pos >= len(self.buf) - 12 or e.msg.startswith("Unterminated string")):
                    self._grow(start, line, limit)
                    start = self.pos
                    continue
                column = e.pos - self.buf.rfind("\n", 0, e.pos)
                raise self._error(f"invalid JSON: {e.msg} (column {column})", e.pos) from None
            except _Located as e:
                raise self._locate(e, start, line) from None
            except RecursionError:
                raise self.inp.error("is nested too deeply", line) from None
            if end >= len(self.buf) and not self.eof:  # a number may go on in the next block
                self._grow(start, line, limit)
                start = self.pos
                continue
            break
        if end - start > limit:
            raise self.inp.error(self.limits.record_too_big(), line)
        self.pos = end
        if isinstance(value, Node):
            value.line = line
            if self.buf.find("\n", start, end) != -1:
                record = self.buf[start:end]
                value.key_lines = LazyLines(lambda: _key_lines(record, line))
        return value, line

    def _grow(self, start: int, line: int, limit: int) -> None:
        if len(self.buf) - start > limit:
            raise self.inp.error(self.limits.record_too_big(), line)
        self.pos = start
        self._more(at_least=max(BLOCK, len(self.buf) - start))

    def _locate(self, e: _Located, start: int, line: int) -> DataError:
        needle = e.needle or ""
        at = self.buf.find(needle, start) if needle else -1
        if at != -1 and e.second:  # a repeated key: the line of its second appearance
            again = self.buf.find(needle, at + 1)
            at = again if again != -1 else at
        if at == -1:
            return self.inp.error(str(e), line)
        return self._error(str(e), at)

    # the document

    def items(self) -> Iterator[Item]:
        first = self._peek()
        if not first:
            self.inp.check_not_empty()
            raise self.inp.error("is empty")
        if first != "{":
            value, line = self._value()
            yield ("", False, value, line)
            self._end()
            return
        self.pos += 1
        seen: set[str] = set()
        if self._peek() == "}":
            self.pos += 1
        else:
            while True:
                if self._peek() != '"':
                    raise self._syntax("a section name in double quotes")
                key_at = self.pos
                key, _ = self._value()
                if key in seen:
                    raise self._error(f"invalid JSON: duplicate key {key!r}", key_at)
                seen.add(key)
                if self._peek() != ":":
                    raise self._syntax("':'")
                self.pos += 1
                if self._peek() == "[":
                    self.pos += 1
                    yield from self._elements(key)
                else:
                    value, line = self._value()
                    yield (key, False, value, line)
                c = self._peek()
                self.pos += 1
                if c == "}":
                    break
                if c != ",":
                    self.pos -= 1
                    raise self._syntax("',' or '}'")
        self._end()

    def _chunk(self) -> Chunk | None:
        """The elements from here to the last line end read so far that end with a ',', as a Chunk when
        `_chunk_of` takes them; else None, and no chunk is tried again before that line end."""
        if not self.bulk or self.pos < self.slow_until:
            return None
        # Only the text read already: reading on is for the record that needs it, so that what goes wrong first
        # in the file is what is reported (a bad record before a block that is not UTF-8, say).
        buf, pos = self.buf, self.pos
        # (at most CHUNK characters: a chunk's records are made at once, and the text read may be far longer,
        # after a long record)
        stop = min(len(buf), pos + CHUNK)
        cut = buf.rfind("\n", pos, stop)
        self.slow_until = stop  # not again in this text (too short, or no line ends as an element does)
        if cut - pos < MIN_CHUNK:
            return None
        if buf.startswith("},", cut - 2):  # after an element (most often the last line read ends with one)
            end = cut - 2
        elif buf.startswith("},\r", cut - 3):
            end = cut - 3
        else:
            end = max(buf.rfind("},\n", pos, cut + 1), buf.rfind("},\r\n", pos, cut + 1))
        if end - pos < MIN_CHUNK:
            return None
        self.slow_until = end + 2  # not again before the end of this text, if it is not a chunk
        values = _chunk_of(buf[pos : end + 1], self.limits.record_bytes)
        if values is None:
            return None
        chunk = Chunk(values, self._line_at(pos))
        self.pos = end + 2
        # the line of the chunk's last ',' (its records are one a line): their line breaks are not counted again
        self.line, self.line_pos = chunk.first_line + len(values) - 1, end + 1
        return chunk

    def _elements(self, key: str) -> Iterator[Item]:
        if self._peek() == "]":
            self.pos += 1
            return
        while True:
            if self._peek() == "{" and (chunk := self._chunk()) is not None:
                yield (key, True, chunk, chunk.first_line)
                continue
            value, line = self._value()
            yield (key, True, value, line)
            c = self._peek()
            self.pos += 1
            if c == "]":
                return
            if c != ",":
                self.pos -= 1
                raise self._syntax("',' or ']'")

    def _end(self) -> None:
        if self._peek():
            raise self._syntax("the end of the document")


def load_json(text: str, name: str) -> Any:
    """A whole JSON document from text (tests and benchmarks; imports stream instead)."""
    inp = TextInput.of_text(text, name)
    out: dict[str, Any] = {}
    lists: dict[str, list[Any]] = {}
    for item in _JsonReader(inp, DEFAULT_LIMITS).items():
        for section, element, data, _ in item[2].items(item[0]) if type(item[2]) is Chunk else (item,):
            if not section and not element:
                return data
            if element:
                lists.setdefault(section, []).append(data)
                out.setdefault(section, lists[section])
            else:
                out[section] = data
    return node(list(out.items()), 1)
