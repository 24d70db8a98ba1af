"""findings: a terminal explorer for investigative findings.

The door. `run()` is what the `findings` console script, `python main.py` and the bundle's __main__ call.
Importing Click costs about as much as a whole lookup process, so the two commands people run most are answered
without it: the explorer (`findings [--db P] [--low-bandwidth]`, `findings [...] tui [--db P] [--low-bandwidth]`)
and `findings [...] search WORDS [--kind K]... [--limit N] [--offset N] [--json] [--db P]`. The door reads the
command line by the rule every command uses (cli/grammar.py) and checks each value as Click's option types do;
anything else, and anything Click would refuse or answer differently (help, usage errors, other commands), goes
to the Click group (cli/group.py) before anything has been done. tests/test_doors.py checks on generated command
lines that the door and Click agree. Importing this module imports only cli/grammar.py.
"""

from __future__ import annotations

import gc
import os
import stat
import sys
from pathlib import Path

from cli.grammar import NOT_UTF8_NOTE, ArgvError, Grammar, Option, read, readable

# The options of the group, of `tui` and of `search`, as their Click commands declare them (a test compares).
HELP = Option(("-h", "--help"), False)
DB = Option(("--db",), True)
LOW_BANDWIDTH = Option(("--low-bandwidth",), False)
GROUP = Grammar((DB, LOW_BANDWIDTH, Option(("--version",), False), HELP), group=True)
TUI = Grammar((DB, LOW_BANDWIDTH, HELP))
SEARCH = Grammar(
    (
        Option(("--kind",), True),
        Option(("--limit",), True),
        Option(("--offset",), True),
        Option(("--json",), False),
        DB,
        HELP,
    )
)


class _Answer:
    """What the door will do, compared by value (a plain class: making a dataclass costs half a millisecond)."""

    __slots__: tuple[str, ...] = ()

    def _values(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Answer) and type(other) is type(self) and self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        return f"{type(self).__name__}{self._values()!r}"


class Explorer(_Answer):
    """Open the explorer. `db` is the --db given (or FINDINGS_DB), None for the default."""

    __slots__ = ("db", "low_bandwidth")

    def __init__(self, db: Path | None, low_bandwidth: bool | None) -> None:
        self.db = db
        self.low_bandwidth = low_bandwidth


class Search(_Answer):
    """Run `findings search` and print its hits."""

    __slots__ = ("as_json", "db", "kinds", "limit", "offset", "text")

    def __init__(
        self, db: Path | None, text: str, kinds: tuple[str, ...], limit: int, offset: int, as_json: bool
    ) -> None:
        self.db = db
        self.text = text
        self.kinds = kinds
        self.limit = limit
        self.offset = offset
        self.as_json = as_json


class _ClickDecides(Exception):
    """A value Click refuses or treats specially: Click must answer this command line."""


def door(argv: list[str]) -> Explorer | Search | None:
    """What `argv` (without the program name) asks, with the values Click would give it; None when Click must
    answer. Reads the environment and stats the --db paths, as Click does; changes nothing."""
    try:
        return _door(argv)
    except (ArgvError, _ClickDecides):
        return None


def _door(argv: list[str]) -> Explorer | Search:
    top = read(GROUP, argv)
    if top.given("--help") or top.given("--version"):
        raise _ClickDecides
    # Click checks the group's --db (or FINDINGS_DB) even when the command has its own.
    group_db = _path(top.last("--db") if top.given("--db") else os.environ.get("FINDINGS_DB") or None)
    group_low = True if top.given("--low-bandwidth") else None
    if not top.words:
        return Explorer(group_db, group_low)
    command = top.words[0]
    if command == "tui":
        sub = read(TUI, top.rest)
        if sub.words or sub.given("--help"):
            raise _ClickDecides
        db = _path(sub.last("--db"))
        return Explorer(db if db is not None else group_db, True if sub.given("--low-bandwidth") else group_low)
    if command == "search":
        from cli.search_output import DEFAULT_LIMIT, KINDS, MAX_LIMIT

        sub = read(SEARCH, top.rest)
        if not sub.words or sub.given("--help"):
            raise _ClickDecides
        kinds = tuple(sub.values("--kind"))
        if not set(kinds) <= set(KINDS):
            raise _ClickDecides
        db = _path(sub.last("--db"))
        return Search(
            db if db is not None else group_db,
            readable(" ".join(sub.words)),
            kinds,
            _int(sub.last("--limit"), DEFAULT_LIMIT, 1, MAX_LIMIT),
            _int(sub.last("--offset"), 0, 0, None),
            sub.given("--json"),
        )
    raise _ClickDecides


def _path(value: str | None) -> Path | None:
    """A --db value as click.Path(dir_okay=False) converts it: an existing directory or unreadable file is a
    usage error there. An empty value (Click would take the current directory) is left to Click too."""
    if value is None:
        return None
    if not value:
        raise _ClickDecides
    try:
        found = os.stat(value)
    except OSError:
        return Path(value)
    except ValueError:  # a NUL in the path
        raise _ClickDecides from None
    if stat.S_ISDIR(found.st_mode) or not os.access(value, os.R_OK):
        raise _ClickDecides
    return Path(value)


def _int(value: str | None, default: int, low: int, high: int | None) -> int:
    """As click.IntRange(low, high): int() of the text, within the range."""
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise _ClickDecides from None
    if number < low or (high is not None and number > high):
        raise _ClickDecides
    return number


def fast(argv: list[str]) -> int | None:
    """Answer `argv` without Click and return the exit status, or None (having done nothing) for Click to answer.
    Errors as on Click's path: one line `Error: ...` on stderr, exit status 1."""
    asked = door(argv)
    if asked is None:
        return None
    try:
        from store.paths import reading_db

        if isinstance(asked, Explorer):
            from tui.start import run as explore

            explore(reading_db(asked.db), low_bandwidth=asked.low_bandwidth)
        else:
            # One query, printed, and the process ends: Python's cyclic garbage collector would only walk the
            # objects of the imports (a young and a middle pass, ~4 ms of ~80 ms: bench section `cli`).
            gc.disable()
            from cli.search_output import run as search
            from store.connect import open_readonly

            if asked.text != " ".join(read(SEARCH, read(GROUP, argv).rest).words):
                sys.stderr.write(NOT_UTF8_NOTE + "\n")
            conn = open_readonly(reading_db(asked.db))
            try:
                search(conn, asked.text, asked.kinds, asked.limit, asked.offset, asked.as_json)
            finally:
                conn.close()
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader of the output went away (`findings search x | head -1`): quietly, as Click
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # (the flush at exit would fail again)
        except (OSError, ValueError):
            pass
        return 1
    except Exception as e:  # as cli/group.py's LazyGroup: one line for people; FINDINGS_DEBUG=1 shows where
        if os.environ.get("FINDINGS_DEBUG"):
            raise
        from store.errors import describe
        from store.text import printable

        sys.stderr.write(f"Error: {printable(describe(e))}\n")
        sys.stderr.flush()
        return 1
    return 0


def run(prog_name: str = "findings") -> None:
    """The entry point: the Click-free door, else the Click group. Exits with the command's status."""
    status = fast(sys.argv[1:])
    if status is not None:
        sys.exit(status)
    from cli.group import cli

    cli.main(prog_name=prog_name)


def __getattr__(name: str) -> object:
    """`main.cli`, the Click group, imported on first use so that importing main stays Click-free."""
    if name == "cli":
        from cli.group import cli

        return cli
    raise AttributeError(f"module 'main' has no attribute {name!r}")


if __name__ == "__main__":
    run()
