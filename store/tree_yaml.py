"""The YAML of a tree's files: the bytes PyYAML's pure-Python emitter writes, a great deal faster.

A tree of 1,000 findings is 2,000 small documents, and PyYAML's emitter spends about 3 ms on each. The
documents of a tree have a few shapes (mappings of text, whole numbers and lists), and most of their text can be
written as a plain scalar, which needs no emitter at all: this module writes those directly and asks PyYAML
only for a scalar that needs quoting (on one line), or for the whole document when anything else turns up (a
float, a line break). Lines are never folded (the width is unlimited): one field is one line, which is what a
diff of two versions should show. tests/test_tree.py checks the output equals PyYAML's, document for document.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import yaml

WIDTH = 1_000_000_000  # never fold a line


class Flow(list[str]):
    """A list written on one line (`regions: [donetsk, luhansk]`)."""


class _DoubleQuoted(str):
    """Text holding NEL, LINE or PARAGRAPH SEPARATOR: PyYAML would write it raw inside single quotes, where a
    reader takes it for a line break and folds it to a space; double quotes escape it (\\N, \\L, \\P). Also
    text holding a character the text table shows as its code (zero-width, bidi, tag characters: `cat` or
    `git diff` of a raw U+202E shows the line reversed): written with every non-ASCII character as an escape,
    the same text when read."""


_ODD_BREAKS = re.compile("[\x85\u2028\u2029]")


def _hidden(text: str) -> bool:
    from store.text import hidden_characters, holds_table_characters

    return not text.isascii() and holds_table_characters(text) and bool(hidden_characters(text))


def _quoting(value: object) -> object:
    if isinstance(value, str) and (_ODD_BREAKS.search(value) or _hidden(value)):
        return _DoubleQuoted(value)
    if isinstance(value, Flow):
        return value
    if isinstance(value, dict):
        return {k: _quoting(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_quoting(v) for v in value]
    return value


@lru_cache(maxsize=1)
def _dumper() -> type[yaml.SafeDumper]:
    import yaml

    class Dumper(yaml.SafeDumper):
        def write_double_quoted(self, text: str, split: bool = True) -> None:
            if not _hidden(text):
                return super().write_double_quoted(text, split)
            self.allow_unicode = False  # (every character outside printable ASCII as an escape)
            try:
                return super().write_double_quoted(text, split)
            finally:
                self.allow_unicode = True

    Dumper.add_representer(Flow, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True))
    Dumper.add_representer(_DoubleQuoted, lambda d, v: d.represent_scalar("tag:yaml.org,2002:str", v, style='"'))
    return Dumper


def pyyaml_dump(document: object) -> str:
    import yaml

    return yaml.dump(
        _quoting(document),
        Dumper=_dumper(),
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=WIDTH,
        indent=2,
    )


# What PyYAML writes plain in a block: no indicator first, no ': ' or ' #', no control, break or BOM, no space
# at either end, and not read back as anything but text (true, 12, 2024-05-16, ~ ...: checked with its resolver).
_FIRST_BAD = set("#,[]{}&*!|>'\"%@` ")
_FIRST_BAD_BEFORE_SPACE = set("-?:")  # indicators only when a space (or the end) follows: `-;` is plain text
_SPACES = set(" \t\r\n\x85\u2028\u2029")
_BAD_CHARS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]|: |:$| #")
# What PyYAML will not single-quote (it double-quotes with escapes): characters outside its printable set.
_NOT_SINGLE = re.compile("[^\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]|\ufeff")
_SLUG = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")  # ids: plain unless the resolver says otherwise


class _Fallback(Exception):
    """The document has something only PyYAML's emitter writes right."""


@lru_cache(maxsize=4096)
def _is_str(text: str) -> bool:
    import yaml

    return yaml.resolver.Resolver().resolve(yaml.ScalarNode, text, (True, False)) == "tag:yaml.org,2002:str"


def _plain(text: str) -> bool:
    if not text or text[0] in _FIRST_BAD or text.startswith(("---", "...")):
        return False
    if text[0] in _FIRST_BAD_BEFORE_SPACE and (len(text) == 1 or text[1] in _SPACES):
        return False
    return text[-1] != " " and not _BAD_CHARS.search(text) and _is_str(text)


def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        raise _Fallback
    if isinstance(value, int):
        return str(value)
    if not isinstance(value, str):
        raise _Fallback
    if _hidden(value):
        raise _Fallback  # (double quotes with escapes, PyYAML's _DoubleQuoted)
    if _plain(value):
        return value
    if "\n" in value or "\r" in value or "\x85" in value or "\u2028" in value or "\u2029" in value:
        raise _Fallback  # a quoted scalar over several lines depends on its indentation
    if not _NOT_SINGLE.search(value):
        return "'" + value.replace("'", "''") + "'"  # PyYAML's choice when plain will not do, on one line
    line = pyyaml_dump([value])  # "- 'quoted'\n": the same quoting in any block position
    if not line.startswith("- ") or line.count("\n") != 1:
        raise _Fallback
    return line[2:-1]


def _mapping(mapping: dict[str, object], indent: str, first_prefix: str, out: list[str]) -> None:
    prefix = first_prefix
    for key, value in mapping.items():
        if not _SLUG.fullmatch(key.replace("_", "-")) or not _is_str(key):
            raise _Fallback
        if isinstance(value, Flow):
            out.append(f"{prefix}{key}: [{', '.join(_flow_item(v) for v in value)}]\n")
        elif isinstance(value, list):
            if not value:
                raise _Fallback
            out.append(f"{prefix}{key}:\n")
            _sequence(value, indent, out)
        elif isinstance(value, dict):
            raise _Fallback
        else:
            out.append(f"{prefix}{key}: {_scalar(value)}\n")
        prefix = indent


def _flow_item(value: object) -> str:
    if not isinstance(value, str) or not _SLUG.fullmatch(value) or not _is_str(value):
        raise _Fallback
    return value


def _sequence(items: list[object], indent: str, out: list[str]) -> None:
    for item in items:
        if isinstance(item, dict):
            if not item:
                raise _Fallback
            _mapping(item, indent + "  ", indent + "- ", out)
        elif isinstance(item, list):
            raise _Fallback
        else:
            out.append(f"{indent}- {_scalar(item)}\n")


def dump(document: object) -> str:
    """A tree document as YAML text: the same bytes as PyYAML's pure-Python emitter (never libyaml's, which
    may differ), the same on every machine."""
    if isinstance(document, dict) and document:
        out: list[str] = []
        try:
            _mapping(document, "", "", out)
            return "".join(out)
        except _Fallback:
            pass
    return pyyaml_dump(document)
