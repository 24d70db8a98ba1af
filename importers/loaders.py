"""Reading input files safely: encoding checks, and YAML / JSON parsers that remember line numbers.

Mappings come back as `Node` (a dict that knows its line and the line of each key), so an error can name the
line of the field at fault. YAML is read with PyYAML's safe loader (libyaml when present); aliases are refused,
which also rules out "billion laughs" expansion. Nothing here executes anything from the file.
"""

from __future__ import annotations

import bisect
import json
import json.decoder
import json.scanner
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from store.errors import DataError

if TYPE_CHECKING:
    import yaml
    from yaml import SafeLoader as _SafeLoader  # at run time: libyaml's CSafeLoader when present (same interface)

MAX_DOCUMENT_BYTES = 256 * 1024 * 1024  # YAML/JSON are loaded whole; bigger collections go through CSV or FtM
MAX_DEPTH = 100  # JSON nesting; the native format needs 4 levels, and Python's stack runs out near 300
MAX_DIGITS = 4_000  # a whole number longer than this is not a quantity (Python refuses to parse over 4,300)


class Node(dict[str, Any]):
    """A mapping from a file, with the line it starts on and the line of each key."""

    __slots__ = ("key_lines", "line")

    def __init__(self, pairs: list[tuple[str, Any]], line: int | None, key_lines: dict[str, int] | None = None) -> None:
        super().__init__(pairs)
        self.line = line
        self.key_lines = key_lines or {}

    def line_of(self, key: str) -> int | None:
        return self.key_lines.get(key, self.line)


def display_path(path: str | os.PathLike[str]) -> str:
    return "<stdin>" if str(path) == "-" else str(path)


def read_bytes(path: str | os.PathLike[str], *, limit: int = MAX_DOCUMENT_BYTES) -> bytes:
    name = display_path(path)
    try:
        if str(path) == "-":
            import sys

            data = sys.stdin.buffer.read(limit + 1)
        else:
            p = Path(path)
            if p.is_dir():
                raise DataError("is a directory, not a file", file=name)
            with p.open("rb") as f:
                data = f.read(limit + 1)
    except FileNotFoundError:
        raise DataError("no such file", file=name) from None
    except PermissionError:
        raise DataError("permission denied", file=name) from None
    except OSError as e:
        raise DataError(f"cannot read: {e.strerror or e}", file=name) from None
    if len(data) > limit:
        raise DataError(f"is larger than {limit // (1024 * 1024)} MB; split it into smaller files", file=name)
    return data


def decode_text(data: bytes, name: str) -> str:
    """UTF-8 text (a UTF-8 BOM is fine). Other encodings, NUL bytes and empty files are errors."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DataError("is UTF-16 encoded; save it as UTF-8", file=name, line=1)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    nul = data.find(b"\x00")
    if nul != -1:
        raise DataError("contains a NUL byte (binary data?)", file=name, line=data.count(b"\n", 0, nul) + 1)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise DataError(
            f"is not valid UTF-8 (byte 0x{data[e.start]:02x}); save it as UTF-8", file=name, line=line
        ) from None
    if not text.strip():
        raise DataError("is empty", file=name)
    return text


# ------------------------------------------------------------------------------------------------------ YAML


def load_yaml(text: str, name: str) -> Any:
    import yaml

    if not TYPE_CHECKING:
        _SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Loader(_SafeLoader):
        def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
            if node in self.constructed_objects:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    "YAML aliases (*name) are not supported in data files; write the value out",
                    node.start_mark,
                )
            try:
                return super().construct_object(node, deep=deep)
            except (ValueError, TypeError, OverflowError) as e:  # e.g. `!!timestamp 2025-13-45`, `!!int abc`
                raise yaml.constructor.ConstructorError(
                    None, None, f"cannot read the value {str(node.value)[:60]!r}: {e}", node.start_mark
                ) from None

        def construct_map_with_lines(self, node: yaml.MappingNode) -> Node:
            self.flatten_mapping(node)
            pairs: list[tuple[str, Any]] = []
            key_lines: dict[str, int] = {}
            for key_node, value_node in node.value:
                if value_node in self.constructed_objects:
                    raise yaml.constructor.ConstructorError(
                        None,
                        None,
                        "YAML aliases (*name) are not supported in data files; write the value out",
                        key_node.start_mark,
                    )
                key = self.construct_object(key_node, deep=True)
                if not isinstance(key, str):
                    raise yaml.constructor.ConstructorError(
                        None, None, f"keys must be text, not {key!r}", key_node.start_mark
                    )
                if key in key_lines:
                    raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
                key_lines[key] = key_node.start_mark.line + 1
                pairs.append((key, self.construct_object(value_node, deep=True)))
            return Node(pairs, node.start_mark.line + 1, key_lines)

    Loader.add_constructor("tag:yaml.org,2002:map", Loader.construct_map_with_lines)
    _plain_scalars(Loader)
    try:
        docs = list(yaml.load_all(text, Loader=Loader))  # a (C)SafeLoader subclass: safe_load + lines
    except yaml.reader.ReaderError as e:  # a raw control character: YAML allows them only as escapes ("\e")
        char = chr(e.character) if isinstance(e.character, int) else str(e.character)[:1] or "?"
        at = text.find(char)
        raise DataError(
            f"invalid YAML: character U+{ord(char):04X} is not allowed; write control characters as "
            'escapes in double quotes, such as "\\e" for ESC',
            file=name,
            line=text.count("\n", 0, at) + 1 if at >= 0 else None,
        ) from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        problem = e.problem or e.context or "invalid YAML"
        raise DataError(f"invalid YAML: {problem}", file=name, line=mark.line + 1 if mark else None) from None
    except yaml.YAMLError as e:
        raise DataError(f"invalid YAML: {e}", file=name) from None
    except RecursionError:
        raise DataError("is nested too deeply", file=name) from None
    docs = [d for d in docs if d is not None]
    if not docs:
        raise DataError("is empty", file=name)
    if len(docs) > 1:
        raise DataError("holds several YAML documents (---); use one per file", file=name)
    return docs[0]


def _plain_scalars(loader: type[_SafeLoader]) -> None:
    """Resolve plain scalars the YAML 1.2 way: only true/false, null, decimal numbers; everything else is text.

    YAML 1.1 would turn `NO` (Norway) into false, `2025-13-40` into a failing date and `12:30` into 750; dates
    stay text here and are checked by the date validator, which names the field.
    """
    import re

    loader.yaml_implicit_resolvers = {}
    resolvers = [
        ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
        ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
        ("tag:yaml.org,2002:int", r"^[-+]?[0-9]+$", "-+0123456789"),
        ("tag:yaml.org,2002:float", r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$", "-+0123456789."),
    ]
    for tag, pattern, first in resolvers:
        loader.add_implicit_resolver(tag, re.compile(pattern), list(first))


# ------------------------------------------------------------------------------------------------------ JSON


# The pure-Python decoder's parts (the C scanner would not call our parse_object and parse_array). They are in
# every CPython 3 but not in typeshed's stubs, which cover the public API only.
_Scanner = Callable[[str, int], tuple[Any, int]]
_json_object: Callable[..., tuple[Node, int]] = json.decoder.JSONObject  # type: ignore[attr-defined]
_json_array: Callable[..., tuple[list[Any], int]] = json.decoder.JSONArray  # type: ignore[attr-defined]
_py_make_scanner: Callable[[json.JSONDecoder], _Scanner] = json.scanner.py_make_scanner  # type: ignore[attr-defined]


class _Located(ValueError):
    """A problem the decoder found at a known line."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


class _LineDecoder(json.JSONDecoder):
    """The standard decoder, with objects built as `Node`s that know their line, and a nesting limit."""

    def __init__(self, text: str) -> None:
        super().__init__()
        newlines = [m.start() for m in re.finditer("\n", text)]
        depth = 0

        def line_at(pos: int) -> int:
            return bisect.bisect_left(newlines, pos) + 1

        def nested(pos: int) -> None:
            if depth > MAX_DEPTH:
                raise _Located(f"is nested more than {MAX_DEPTH} levels deep", line_at(pos))

        def parse_object(
            s_and_end: tuple[str, int],
            strict: bool,
            scan_once: _Scanner,
            object_hook: object,
            object_pairs_hook: object,
            memo: dict[str, str] | None = None,
        ) -> tuple[Node, int]:
            nonlocal depth
            start = s_and_end[1] - 1

            def pairs_hook(pairs: list[tuple[str, Any]]) -> Node:
                seen: set[str] = set()
                for key, _ in pairs:
                    if key in seen:
                        raise _Located(f"invalid JSON: duplicate key {key!r}", line_at(start))
                    seen.add(key)
                return Node(pairs, line_at(start))

            depth += 1
            try:
                nested(start)
                return _json_object(s_and_end, strict, scan_once, object_hook, pairs_hook, memo)
            finally:
                depth -= 1

        def parse_array(s_and_end: tuple[str, int], scan_once: _Scanner) -> tuple[list[Any], int]:
            nonlocal depth
            depth += 1
            try:
                nested(s_and_end[1] - 1)
                return _json_array(s_and_end, scan_once)
            finally:
                depth -= 1

        def parse_int(digits: str) -> int:
            if len(digits.lstrip("-")) > MAX_DIGITS:
                found = re.search(rf"\d{{{MAX_DIGITS + 1}}}", text)
                raise _Located(
                    f"invalid JSON: a number with more than {MAX_DIGITS:,} digits",
                    line_at(found.start()) if found else None,
                )
            return int(digits)

        self.parse_object = parse_object
        self.parse_array = parse_array
        self.parse_int = parse_int
        self.scan_once = _py_make_scanner(self)


def load_json(text: str, name: str) -> Any:
    try:
        return _LineDecoder(text).decode(text)
    except json.JSONDecodeError as e:
        raise DataError(f"invalid JSON: {e.msg} (column {e.colno})", file=name, line=e.lineno) from None
    except _Located as e:
        raise DataError(str(e), file=name, line=e.line) from None
    except RecursionError:
        raise DataError("is nested too deeply", file=name) from None
    except ValueError as e:
        raise DataError(f"invalid JSON: {e}", file=name) from None
