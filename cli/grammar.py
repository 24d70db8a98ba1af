"""How a command line is read: one rule for every command, with Click (cli/options.py) or without (main.py).

A command's arguments are its options and its words (a query, a format, paths):

- `--name` and `--name=VALUE` are options; a `--name` the command does not have is a usage error;
- a short option (`-o`, `-h`) is an option only when the command has exactly that one; any other argument that
  starts with one dash is a word, so `findings search iran -coal` excludes coal (and `-oil` is not `-o il`);
- an option that takes a value takes the text after `=`, or else the next argument, whatever it is;
- `--` ends the options: everything after it is words;
- in a group (`findings`, `findings import`) the first word is the command, and everything after it is that
  command's to read.

Options may come before, between or after the words. This module only splits the arguments; Click converts and
checks the values (types, ranges, choices, required arguments), and main.py's door checks them as Click does.
It imports nothing, so that door can use it before Click is imported.
"""

from __future__ import annotations

# Plain classes, not dataclasses: making a dataclass costs about half a millisecond, and this module is on the
# path of every `findings search` process (whose whole budget is a few tens of milliseconds).


class Option:
    """One option: its names (`("-o", "--output")`) and whether it takes a value (a flag does not)."""

    __slots__ = ("names", "takes_value")

    def __init__(self, names: tuple[str, ...], takes_value: bool) -> None:
        self.names = names
        self.takes_value = takes_value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Option) and (self.names, self.takes_value) == (other.names, other.takes_value)

    def __hash__(self) -> int:
        return hash((self.names, self.takes_value))

    def __repr__(self) -> str:
        return f"Option({self.names!r}, {self.takes_value!r})"

    @property
    def long(self) -> str:
        """Its `--name` (every option has one: it is how the arguments are handed to Click)."""
        return next(n for n in self.names if n.startswith("--"))


class Grammar:
    """The options of one command, and whether it is a group (its first word is a command)."""

    __slots__ = ("group", "options")

    def __init__(self, options: tuple[Option, ...], *, group: bool = False) -> None:
        self.options = options
        self.group = group

    def find(self, name: str) -> Option | None:
        return next((o for o in self.options if name in o.names), None)


class Parsed:
    """A command line split by a Grammar: the options in the order given (with the name used and the value, None
    for a flag), the words, and for a group the arguments after the command word, unread."""

    __slots__ = ("options", "rest", "words")

    def __init__(self) -> None:
        self.options: list[tuple[Option, str, str | None]] = []
        self.words: list[str] = []
        self.rest: list[str] = []

    def given(self, name: str) -> bool:
        return any(name in o.names for o, _, _ in self.options)

    def last(self, name: str) -> str | None:
        """The value of the last `name` given (a repeated option means its last value), or None."""
        values = self.values(name)
        return values[-1] if values else None

    def values(self, name: str) -> list[str]:
        return [v for o, _, v in self.options if name in o.names and v is not None]

    def normalised(self) -> list[str]:
        """The same command line in a form with one reading for any parser: `--name=VALUE` or `--name` for each
        option, then `--` and the words (and, for a group, the arguments after the command word)."""
        out = [
            f"{o.long}={v}" if o.takes_value else (used if used.startswith("--") else o.long)
            for o, used, v in self.options
        ]
        if self.words or self.rest:
            out += ["--", *self.words, *self.rest]
        return out


class ArgvError(Exception):
    """A usage error: an unknown option, a missing value, or a value given to a flag. Exit status 2."""

    def __init__(self, option: str, message: str, *, unknown: bool = False) -> None:
        super().__init__(message)
        self.option = option
        self.message = message
        self.unknown = unknown


def read(grammar: Grammar, argv: list[str]) -> Parsed:
    """Split `argv` (a command's arguments, without its name) by the rule above; ArgvError on wrong usage."""
    parsed = Parsed()
    i = 0
    while i < len(argv):
        token = argv[i]
        i += 1
        if token == "--":
            _words(grammar, parsed, argv[i:])
            break
        if token.startswith("--"):
            name, eq, value = token.partition("=")
            option = grammar.find(name)
            if option is None:
                raise ArgvError(name, f"No such option: {name}", unknown=True)
        elif token.startswith("-") and (option := grammar.find(token)) is not None:
            name, eq, value = token, "", ""
        else:
            if _words(grammar, parsed, [token]):
                parsed.rest = argv[i:]
                break
            continue
        if not option.takes_value:
            if eq:
                raise ArgvError(name, f"Option '{name}' does not take a value.")
            parsed.options.append((option, name, None))
            continue
        if not eq:
            if i == len(argv):
                raise ArgvError(name, f"Option '{name}' requires an argument.")
            value = argv[i]
            i += 1
        parsed.options.append((option, name, value))
    return parsed


def _words(grammar: Grammar, parsed: Parsed, words: list[str]) -> bool:
    """Add words; True when that ends a group's part (its first word is the command, the rest is the command's)."""
    if grammar.group and words:
        parsed.words.append(words[0])
        parsed.rest = words[1:]
        return True
    parsed.words += words
    return False


# Bytes that are not UTF-8 reach Python's argv as lone surrogates (U+DC80-U+DCFF): a path keeps them (the file
# system gives the same bytes back), but as text they cannot be encoded, stored or searched.
NOT_UTF8_NOTE = "note: the command line holds bytes that are not UTF-8 text; they were read as U+FFFD (\ufffd)"


def readable(text: str) -> str:
    """A command-line argument as text: any bytes that are not UTF-8 become U+FFFD; the rest is unchanged."""
    if text.isascii() or not any("\ud800" <= ch <= "\udfff" for ch in text):
        return text
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:  # a surrogate that did not come from a byte (not from a POSIX command line)
        return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
