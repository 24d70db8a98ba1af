"""Reading FtM files: each line checked and parsed into an Entity, files read again pass after pass."""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import Any, BinaryIO

from store import ftm_mapping as M
from store import vocab
from store.errors import DataError
from store.records import Origin

MAX_LINE = 64 * 1024 * 1024  # one entity; Aleph documents can carry megabytes of text
MAX_FTM_ID = 1_000

_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class LineKind(IntEnum):
    """What a line of a file is, for the passes after the first (kept per line in a bytearray)."""

    SKIP = 0  # blank, or skipped as invalid
    NODE = 1  # an entity that becomes an actor, source, region or finding (or nothing)
    LINK = 2  # a relation entity (Ownership, Directorship, ...), read in the last pass


class LineError(Exception):
    """A line that is not a valid FtM entity."""


@dataclass(slots=True)
class Entity:
    id: str
    schema: str
    props: dict[str, list[str]]
    hint: dict[str, Any]
    file: str
    line: int

    def values(self, *names: str) -> list[str]:
        out: list[str] = []
        for name in names:
            out += self.props.get(name, ())
        return out

    @property
    def label(self) -> str:
        return f"{self.schema} {self.id[:60]!r}"

    def origin(self) -> Origin:
        return Origin(self.file, self.line, self.label)

    def merge(self, other: Entity) -> None:
        """Fold in another fragment of the same entity (FtM streams may split one over several lines)."""
        for prop, values in other.props.items():
            have = self.props.setdefault(prop, [])
            have += [v for v in values if v not in have]
        self.hint = {**other.hint, **self.hint}
        self.schema = specific(self.schema, other.schema)
        self.line = other.line


def specific(a: str, b: str) -> str:
    """Of two schemas of one entity, the more specific (LegalEntity + Company -> Company)."""
    if a == b or b in ("Thing", "LegalEntity"):
        return a
    return b if a in ("Thing", "LegalEntity") else a


def parse_line(text: str) -> Entity | None:
    """An entity from one line of text (None for a blank line); LineError when it is not one."""
    if not text.strip():
        return None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise LineError(f"invalid JSON: {e.msg} (column {e.colno})") from None
    except RecursionError:
        raise LineError("is nested too deeply") from None
    except ValueError:  # what else json raises: a number of more than 4,300 digits, which Python will not read
        raise LineError("invalid JSON: a number with more than 4,300 digits") from None
    if _SURROGATE_ESCAPE.search(text):  # "\ud800" alone decodes to a string that is not text (nor storable)
        try:
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise LineError("holds an unpaired UTF-16 surrogate (such as \\ud800), which is not text") from None
    if not isinstance(data, dict):
        raise LineError(f"is not a JSON object but {vocab.type_name(data)}")
    ident = data.get("id")
    if not isinstance(ident, str) or not ident.strip():
        raise LineError("lacks an `id` (a non-empty string)")
    if len(ident) > MAX_FTM_ID:
        raise LineError(f"has an `id` longer than {MAX_FTM_ID:,} characters")
    schema = data.get("schema")
    if not isinstance(schema, str) or not schema.strip():
        raise LineError("lacks a `schema` (a string such as 'Company')")
    raw = data.get("properties", {})
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise LineError(f"`properties` must be an object of lists, not {vocab.type_name(raw)}")
    props: dict[str, list[str]] = {}
    for key, values in raw.items():
        if not isinstance(values, list):
            raise LineError(f"`properties.{key[:60]}` must be a list of values, not {vocab.type_name(values)}")
        out = []
        for value in values:
            if isinstance(value, dict) and isinstance(value.get("id"), str):
                value = value["id"]  # a nested entity (FtM's nested JSON form): its id is the reference
            elif isinstance(value, int | float) and not isinstance(value, bool):
                value = str(value)
            elif not isinstance(value, str):
                raise LineError(f"`properties.{key[:60]}` holds {vocab.type_name(value)} where text is expected")
            value = value.strip()
            if value and value not in out:
                out.append(value)
        if out:
            props[key] = out
    hint = data.get(M.HINT_KEY)
    return Entity(ident, schema.strip(), props, hint if isinstance(hint, dict) else {}, "", 0)


class FtmFile:
    """One input file (standard input is first copied to a temporary file): its lines, pass after pass."""

    def __init__(self, path: str, stack: contextlib.ExitStack) -> None:
        self.name = "<stdin>" if path == "-" else str(path)
        self.sha = hashlib.sha256()
        self.size = 0
        self.kinds = bytearray()  # per line: a LineKind (index 0 unused)
        try:
            if path == "-":
                spool = stack.enter_context(tempfile.TemporaryFile())  # noqa: SIM115
                shutil.copyfileobj(sys.stdin.buffer, spool, 1024 * 1024)
                self.f: BinaryIO = spool
            else:
                if Path(path).is_dir():
                    raise DataError("is a directory, not a file", file=self.name)
                self.f = stack.enter_context(open(path, "rb"))  # noqa: SIM115
        except FileNotFoundError:
            raise DataError("no such file", file=self.name) from None
        except PermissionError:
            raise DataError("permission denied", file=self.name) from None
        except OSError as e:
            raise DataError(f"cannot read: {e.strerror or e}", file=self.name) from None
        self.f.seek(0)
        head = self.f.read(4)
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise DataError("is UTF-16 encoded; save it as UTF-8", file=self.name, line=1)

    def lines(self, *, first: bool = False) -> Iterator[tuple[int, str | None, str | None]]:
        """(line number, text, None) for each line, or (line number, None, why) for a line that is not text."""
        self.f.seek(0)
        number = 0
        while True:
            raw = self.f.readline(MAX_LINE + 1)
            if not raw:
                return
            number += 1
            if first:
                self.sha.update(raw)
            if len(raw) > MAX_LINE and not raw.endswith(b"\n"):
                while raw and not raw.endswith(b"\n"):  # skip the rest of the line
                    raw = self.f.readline(MAX_LINE)
                    if first:
                        self.sha.update(raw)
                yield number, None, f"is longer than {MAX_LINE // (1024 * 1024)} MB"
                continue
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            if b"\x00" in raw:
                yield number, None, "contains a NUL byte (binary data?)"
                continue
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                yield number, None, f"is not valid UTF-8 (byte 0x{raw[e.start]:02x}); save the file as UTF-8"
                continue
            yield number, text, None
