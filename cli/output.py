"""Consent before a command replaces a file a person named (`export -o`, `bundle -o`).

store/output.py writes safely; this decides whether an existing file may be replaced: `--force` says yes; on a
terminal the command asks (default no); without a terminal to ask on (a script, a pipe) it refuses, naming
--force, so that a script never overwrites a file by surprise.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from store.output import Target


def checked_targets(paths: list[Path], *, force: bool, ours: Callable[[Path], bool] | None = None) -> list[Target]:
    """The files to write, each checked (no device, FIFO, link or directory), with consent to replace those that
    exist. `ours(path)`: an existing file this command made and may replace without asking (a bundle)."""
    from store.output import check_target

    targets = [check_target(p) for p in paths]
    existing = [t for t in targets if t.existing is not None and not (ours and ours(t.path))]
    if existing and not force:
        names = " and ".join(t.shown for t in existing)
        one = len(existing) == 1
        if sys.stdin.isatty() and sys.stderr.isatty():
            question = f"{names} already exist{'s' if one else ''}; replace {'it' if one else 'them'}?"
            if not click.confirm(question, default=False, err=True):
                raise click.ClickException("not replaced; nothing was written")
        else:
            raise click.ClickException(
                f"{names} already exist{'s' if one else ''}; add --force to replace {'it' if one else 'them'} "
                "(permissions are kept), or choose another file with -o"
            )
    return targets
