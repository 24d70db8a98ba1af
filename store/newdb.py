"""New databases: made under a temporary name beside where they belong, moved there only when complete.

No kill, crash or race leaves an empty or half-made database under the real name: until the first import has
committed, the file is `.NAME.HOST-PID.XXXX.new` in the same directory. Moving it into place never replaces a
file: if another import created the database meanwhile, this one fails and says so (its rows were never in the
other's file). An existing empty (0-byte) file is replaced only if it is still the same empty file. A symbolic
link is followed: the database is made where it points, and the link is left alone. Temporary files left by a
process that was killed (its pid is gone, on this host) are removed by the next import of the same name.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path

from store.errors import StoreError

SUFFIX = ".new"


def _host() -> str:
    return "".join(c if c.isalnum() else "_" for c in socket.gethostname())[:40] or "host"


def _prefix(target: Path) -> str:
    return f".{target.name}."


def _remove_file(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            Path(f"{path}{suffix}").unlink()


def remove_stale(target: Path) -> None:
    """Remove temporary files of `target` left by processes of this host that no longer run."""
    prefix, host = _prefix(target), _host()
    try:
        names = os.listdir(target.parent)
    except OSError:
        return
    for name in names:
        if not (name.startswith(prefix) and name.endswith(SUFFIX)):
            continue
        owner = name[len(prefix) :].split(".", 1)[0]  # HOST-PID
        owner_host, _, pid = owner.rpartition("-")
        if owner_host != host or not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
            continue  # still running
        except ProcessLookupError:
            _remove_file(target.parent / name)
        except OSError:  # (running, as another user)
            continue


class NewDatabase:
    """A database that does not exist yet at `target` (nor as anything but an empty file)."""

    def __init__(self, target: Path, *, owner_only: bool = False) -> None:
        self.target = Path(os.path.realpath(target))  # through a symbolic link: where the file is to be
        self.shown = target
        self.owner_only = owner_only  # readable by its owner alone (your own database), else as SQLite makes files
        self.temp: Path | None = None
        self.made: list[Path] = []  # directories made for it, innermost first
        try:
            found = os.stat(self.target)
        except FileNotFoundError:
            found = None
        except OSError as e:
            raise StoreError(f"cannot create {target}: {e.strerror or e}") from None
        if found is not None and found.st_size:
            raise StoreError(f"{target} already exists")
        self.empty = (found.st_dev, found.st_ino) if found is not None else None  # an empty file to replace

    def create(self, fill: Callable[[Path], None] | None = None) -> Path:
        """Make the temporary file: `fill(path)` writes it (a copy of the shipped data), else it gets an empty
        database with the schema."""
        parent = self.target.parent
        self.made = [d for d in (parent, *parent.parents) if not d.exists()]
        try:
            parent.mkdir(parents=True, exist_ok=True)
            remove_stale(self.target)
            fd, name = tempfile.mkstemp(
                prefix=f"{_prefix(self.target)}{_host()}-{os.getpid()}.", suffix=SUFFIX, dir=parent
            )
        except OSError as e:
            self._remove_dirs()
            raise StoreError(f"cannot create {self.shown}: {e.strerror or e}") from None
        os.close(fd)
        self.temp = Path(name)
        if not self.owner_only:
            mask = os.umask(0o022)
            os.umask(mask)
            with contextlib.suppress(OSError):
                os.chmod(self.temp, 0o666 & ~mask)  # as SQLite would make it (mkstemp makes it private)
        try:
            if fill is not None:
                fill(self.temp)
            else:
                conn = sqlite3.connect(self.temp, isolation_level=None)
                try:
                    from store import schema

                    # No fsync for each of the schema's transactions: nobody can see this file until the import
                    # has committed (with the import's own durability) and it is moved into place.
                    conn.execute("PRAGMA synchronous = OFF")
                    schema.create(conn)
                finally:
                    conn.close()
        except BaseException:
            self.discard()
            raise
        return self.temp

    def publish(self) -> None:
        """Give the finished temporary file the database's name, unless a database appeared there meanwhile."""
        assert self.temp is not None
        try:
            if self.empty is not None:
                self._replace_empty()
            else:
                self._link()
        finally:
            self.discard()

    def _link(self) -> None:
        assert self.temp is not None
        try:
            os.link(self.temp, self.target)  # never replaces: fails if the name exists
            return
        except FileExistsError:
            pass
        except OSError:  # no hard links on this file system (FAT, some network shares)
            if not os.path.lexists(self.target):
                os.replace(self.temp, self.target)
                return
        raise self._taken()

    def _replace_empty(self) -> None:
        assert self.temp is not None
        try:
            found = os.stat(self.target)
        except FileNotFoundError:
            return self._link()
        if found.st_size or (found.st_dev, found.st_ino) != self.empty:
            raise self._taken()
        os.replace(self.temp, self.target)

    def _taken(self) -> StoreError:
        return StoreError(
            f"{self.shown} was created by another import while this one ran; nothing was written; run it again"
        )

    def discard(self) -> None:
        """Remove the temporary file (and the directories made for it, if nothing else went there)."""
        if self.temp is not None:
            _remove_file(self.temp)
            self.temp = None
        if not os.path.lexists(self.target):
            self._remove_dirs()

    def _remove_dirs(self) -> None:
        for directory in self.made:
            with contextlib.suppress(OSError):
                directory.rmdir()  # only if empty
        self.made = []


def create_database(path: Path) -> None:
    """A new, empty database with the current schema at `path` (which must not exist, or be an empty file)."""
    new = NewDatabase(path)
    new.create()
    new.publish()
