"""Which database a command uses: the shipped reference data, or your own.

- The shipped database is `data.db` beside main.py (or beside findings.pyz): reference data that `findings build`
  rebuilds from dataset/. Imports never write into it.
- Your database is `findings.db` in your user data directory (`user_dir`). It does not exist until your first
  import, which creates it as a copy of the shipped data (importers/session.py) and then adds to it.
- `--db PATH` (or FINDINGS_DB) chooses any other file, for every command.

Reading (the explorer, lookups, check, migrate): --db, else FINDINGS_DB, else your database if it exists, else
./data.db if present, else the shipped one. Writing (imports): --db, else FINDINGS_DB, else your database.
Building: --db, else FINDINGS_DB, else the shipped one.

Nothing here imports more than the standard library's os, sys and pathlib, and nothing here creates a file: the
doors in main.py call it before Click is imported, and browsing writes nothing, not even a directory.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

SHIPPED_NAME = "data.db"
USER_NAME = "findings.db"


def program_dir() -> Path:
    """The directory of main.py, or of findings.pyz when the code runs from inside the bundle."""
    root = Path(__file__).resolve().parent.parent  # inside the bundle: .../findings.pyz (a file, the zip)
    return root.parent if root.is_file() else root


def shipped_db() -> Path:
    """The reference data.db that comes with the program."""
    return program_dir() / SHIPPED_NAME


def user_dir() -> Path | None:
    """Where your own database lives: FINDINGS_HOME, else the platform's user data directory + `findings`
    (XDG_DATA_HOME or ~/.local/share; ~/Library/Application Support on macOS; %APPDATA% on Windows).
    None when there is no home directory to put it in."""
    if home := os.environ.get("FINDINGS_HOME"):
        return Path(home).expanduser()
    if sys.platform == "win32" and (appdata := os.environ.get("APPDATA")):
        return Path(appdata) / "findings"
    user_home = os.path.expanduser("~")
    if user_home == "~" or not os.path.isabs(user_home):  # no HOME and no password entry
        return None
    if sys.platform == "win32":
        return Path(user_home) / "AppData" / "Roaming" / "findings"
    if sys.platform == "darwin":
        return Path(user_home) / "Library" / "Application Support" / "findings"
    xdg = os.environ.get("XDG_DATA_HOME", "")
    base = Path(xdg) if os.path.isabs(xdg) else Path(user_home) / ".local" / "share"  # relative: ignored (XDG)
    return base / "findings"


def user_db() -> Path | None:
    """Your own database (it may not exist yet), or None when there is no home directory for it."""
    directory = user_dir()
    return directory / USER_NAME if directory is not None else None


def _chosen(given: str | os.PathLike[str] | None) -> Path | None:
    """The database chosen on the command line (--db), else by FINDINGS_DB, else None."""
    if given is not None:
        return Path(given)
    env = os.environ.get("FINDINGS_DB")
    return Path(env) if env else None


def reading_db(given: str | os.PathLike[str] | None = None) -> Path:
    """The database the explorer and lookups read: --db, else FINDINGS_DB, else your database if it exists, else
    ./data.db if present, else the shipped one."""
    chosen = _chosen(given)
    if chosen is not None:
        return chosen
    mine = user_db()
    if mine is not None and mine.exists():
        return mine
    local = Path(SHIPPED_NAME)
    return local if local.exists() else shipped_db()


def writing_db(given: str | os.PathLike[str] | None = None) -> Path | None:
    """The database imports write to: --db, else FINDINGS_DB, else your database (None: no home directory)."""
    chosen = _chosen(given)
    return chosen if chosen is not None else user_db()


def building_db(given: str | os.PathLike[str] | None = None) -> Path:
    """The database `findings build` replaces: --db, else FINDINGS_DB, else the shipped one."""
    chosen = _chosen(given)
    return chosen if chosen is not None else shipped_db()


def same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """Whether two paths name the same file (through links and relative paths; by name when one is missing)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(os.path.realpath(a)) == os.path.abspath(os.path.realpath(b))


def is_shipped(path: str | os.PathLike[str]) -> bool:
    """Whether `path` is the shipped reference data.db (the one beside main.py or findings.pyz)."""
    return same_file(path, shipped_db())


def is_user_db(path: str | os.PathLike[str]) -> bool:
    """Whether `path` is your own database (created from the shipped data on the first write)."""
    mine = user_db()
    return mine is not None and same_file(path, mine)
