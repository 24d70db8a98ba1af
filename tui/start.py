"""Starting the explorer: `run` (checks the database, reads the first rows, runs the app) and a Click-free door.

Importing Click and dispatching through it costs ~10-25 ms of a start-up whose target is 1.25x a bare Textual
app. `main.py` calls `explorer_main(argv, ...)` first; it handles exactly

    findings [--db PATH]
    findings [--db PATH] tui [--db PATH] [--low-bandwidth]

(also `--db=PATH`), with Click's meaning: the tui's --db, else the global --db, else FINDINGS_DB, else
./data.db if present, else the data.db beside main.py. Anything else (help, --version, other commands, an
option given twice, a missing value, a --db that is a directory, which Click refuses with a usage message)
returns None before anything has been done, and Click handles it. Errors are reported as on Click's path:
one line `Error: ...` on stderr, exit status 1.

Nothing here imports Click or Textual at module level.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _db_value(args: list[str], i: int) -> tuple[str, int] | None:
    """The value of a `--db` option at args[i] and the index after it, or None when it is malformed."""
    arg = args[i]
    if arg == "--db":
        if i + 1 >= len(args):
            return None
        value, after = args[i + 1], i + 2
    else:
        value, after = arg[len("--db=") :], i + 1
    if not value or value.startswith("-"):  # Click would take it as a path, or complain: let it
        return None
    return value, after


def _is_db_option(arg: str) -> bool:
    return arg == "--db" or arg.startswith("--db=")


def parse(argv: list[str]) -> dict[str, Any] | None:
    """{"db": str | None, "low_bandwidth": True | None}, or None when this is not a plain explorer start."""
    args = list(argv)
    i = 0
    group_db: str | None = None
    if args[:1] and _is_db_option(args[0]):
        got = _db_value(args, 0)
        if got is None:
            return None
        group_db, i = got
    if i == len(args):
        return {"db": group_db, "low_bandwidth": None}
    if args[i] != "tui":
        return None
    i += 1
    tui_db: str | None = None
    low_bandwidth: bool | None = None
    while i < len(args):
        arg = args[i]
        if arg == "--low-bandwidth" and low_bandwidth is None:
            low_bandwidth, i = True, i + 1
        elif _is_db_option(arg) and tui_db is None:
            got = _db_value(args, i)
            if got is None:
                return None
            tui_db, i = got
        else:
            return None  # --help, a typo, an argument, an option given twice: Click explains or decides
    return {"db": tui_db if tui_db is not None else group_db, "low_bandwidth": low_bandwidth}


def database(given: str | None, here: Path) -> Path | None:
    """As main.py: the given path, else FINDINGS_DB, else ./data.db if present, else `here`/data.db. None when
    a path given (or from FINDINGS_DB) is a directory: Click's option type refuses it with a usage error."""
    if given is None:
        given = os.environ.get("FINDINGS_DB") or None
    if given is not None:
        return None if os.path.isdir(given) else Path(given)
    local = Path("data.db")
    return local if local.exists() else here / "data.db"


def explorer_main(argv: list[str], describe_error: Callable[[BaseException], str], here: Path) -> int | None:
    """Open the explorer for `argv` (without the program name) and return the exit status, or None to let
    Click handle the command line. `describe_error` is main.describe_error; `here` the directory of main.py."""
    args = parse(argv)
    if args is None:
        return None
    path = database(args["db"], here)
    if path is None:
        return None
    try:
        run(path, low_bandwidth=args["low_bandwidth"])
    except KeyboardInterrupt:
        return 130
    except Exception as e:  # as main.LazyGroup.invoke: one line for people; FINDINGS_DEBUG=1 shows the traceback
        if os.environ.get("FINDINGS_DEBUG"):
            raise
        from store.text import printable

        sys.stderr.write(f"Error: {printable(describe_error(e))}\n")
        sys.stderr.flush()
        return 1
    return 0


def terminal_problem() -> str | None:
    """Why the explorer cannot run here (its input or output is not a terminal), or None. Without this check it
    would write its screen into a pipe or a file and wait for keys that never come."""
    for name, stream in (("output", sys.stdout), ("input", sys.stdin)):
        try:
            ok = stream is not None and stream.isatty()
        except (AttributeError, ValueError):  # closed or replaced
            ok = False
        if not ok:
            return (
                f"the explorer needs a terminal, and its {name} is not one. For output to a pipe or a file use "
                "`findings search QUERY`, `findings show KIND ID`, `findings stats` or `findings export FORMAT`"
            )
    return None


def run(db_path: Path, *, low_bandwidth: bool | None = None) -> None:
    """Check the database (one clear line and exit 1 if it cannot be browsed), then run the app."""
    from store.connect import open_readonly

    conn = open_readonly(db_path)  # raises DatabaseUnavailable: main turns it into `Error: ...`, exit 1
    if problem := terminal_problem():
        conn.close()
        from store.errors import StoreError

        raise StoreError(problem)

    from tui.preload import Preload

    preload = Preload(conn)  # the first rows now, the count of findings while Textual is imported

    from tui.app import FindingsApp, low_bandwidth_requested

    if low_bandwidth is None:
        low_bandwidth = low_bandwidth_requested()
    app = FindingsApp(db_path, low_bandwidth=low_bandwidth, preload=preload.rows())
    app.run(mouse=not low_bandwidth)
