"""Notes for the person at the terminal about the database a command uses (a log beside it that is not its own,
SQL in it that is ignored): on standard error, once per file and process, so that standard output stays what the
command prints."""

from __future__ import annotations

import sys
from pathlib import Path

_NOTED: set[str] = set()


def note(path: Path, message: str) -> None:
    key = f"{path}\0{message}"
    if key in _NOTED:
        return
    _NOTED.add(key)
    from store.text import printable

    try:
        sys.stderr.write(f"Note: {printable(message)}\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
