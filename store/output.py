"""Writing a file a person named (exports, the bundle) without writing through whatever is already there.

The data goes to a new file beside the target, created for this write alone, and takes the target's name only
once it is complete: an export that fails or is interrupted leaves the old file as it was and no half file.
Only a regular file is ever replaced. A device (as root, `-o /dev/null` would otherwise become a regular file
and break the system), a FIFO, a socket, a directory or a symbolic link is refused before anything is written;
so is a file that changed into one of those while the export ran. A replaced file keeps its permissions; a new
one gets the user's umask, as any file the user creates. Replacing needs consent, which the caller asks for
(`Target.existing` says whether there is a file to replace): `--force`, or a yes to a question on a terminal.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO

from store.errors import StoreError


class OutputRefused(StoreError):
    """The named output is not something a file may be written to."""


def file_kind(mode: int) -> str:
    """What a file that is not a regular file is, for a message ("a FIFO (named pipe)")."""
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


class NotARegularFile(OSError):
    """A file to read is a directory, a device, a FIFO or a socket (`mode`: its st_mode): never read."""

    def __init__(self, mode: int) -> None:
        super().__init__(f"{file_kind(mode)}, not a regular file")
        self.mode = mode


def open_regular(path: str | os.PathLike[str]) -> BinaryIO:
    """`path` opened to read its bytes if it is a regular file; NotARegularFile if it is not, found without
    waiting on it (`/dev/zero` would never end, a FIFO would block until someone writes); OSError as `open`
    raises it otherwise."""
    # O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then says what the file is
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotARegularFile(mode)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


@dataclass(frozen=True)
class Target:
    path: Path
    existing: os.stat_result | None  # the regular file that would be replaced, or None for a new file

    @property
    def shown(self) -> str:
        from store.text import printable

        return printable(str(self.path))


def check_target(path: Path) -> Target:
    """What writing `path` would do; OutputRefused if it must not be written."""
    from store.text import printable

    shown = printable(str(path))
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise OutputRefused(f"cannot write {shown}: the directory {printable(str(directory))} does not exist")
    try:
        found = os.lstat(path)
    except FileNotFoundError:
        return Target(path, None)
    except OSError as e:
        raise OutputRefused(f"cannot write {shown}: {e.strerror or e}") from None
    mode = found.st_mode
    if stat.S_ISLNK(mode):
        try:
            points_to = printable(os.readlink(path))
        except OSError:
            points_to = "?"
        raise OutputRefused(
            f"{shown} is a symbolic link (to {points_to}); not writing through it: give the path of a regular file"
        )
    if stat.S_ISDIR(mode):
        raise OutputRefused(f"{shown} is a directory; give the path of a file to write")
    if not stat.S_ISREG(mode):
        raise OutputRefused(f"{shown} is {file_kind(mode)}, not a regular file; only regular files are replaced")
    return Target(path, found)


def _same_file(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


@contextlib.contextmanager
def replacing(target: Target, *, binary: bool = False, new_mode: int = 0o666) -> Iterator[IO[Any]]:
    """A file to write the new contents to; when the block ends without an error they become `target`. A new
    file gets `new_mode` less the umask (0o777 for a program)."""
    path = target.path
    directory = path.parent if str(path.parent) else Path(".")
    # A name of our own beside the target: same file system (the rename is atomic), never an existing file.
    temporary = directory / f".{path.name}.{secrets.token_hex(4)}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(temporary, flags, 0o600 if target.existing else new_mode)  # less the umask, as any new file
    except OSError as e:
        raise OutputRefused(f"cannot write {target.shown}: {e.strerror or e}") from None
    try:
        if target.existing is not None:
            os.fchmod(fd, stat.S_IMODE(target.existing.st_mode))
        f: IO[Any] = os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="")
        with f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        _put_in_place(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


class Hashing:
    """A text file that hashes what is written to it (the sha256 an export's description records)."""

    def __init__(self, out: IO[str]) -> None:
        import hashlib

        self._out = out
        self._hash = hashlib.sha256()

    def write(self, text: str) -> int:
        self._hash.update(text.encode("utf-8", "surrogatepass"))
        return self._out.write(text)

    def flush(self) -> None:
        self._out.flush()

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()


def _put_in_place(temporary: Path, target: Target) -> None:
    path = target.path
    if target.existing is None:
        try:
            os.link(temporary, path)  # never replaces: something that appeared meanwhile is left alone
        except FileExistsError:
            raise OutputRefused(f"{target.shown} appeared while the export ran; nothing was replaced") from None
        except OSError:  # a file system without hard links
            if os.path.lexists(path):
                raise OutputRefused(f"{target.shown} appeared while the export ran; nothing was replaced") from None
            os.replace(temporary, path)
            return
        os.unlink(temporary)
        return
    try:
        now = os.lstat(path)
    except FileNotFoundError:  # removed meanwhile: write it as a new file
        _put_in_place(temporary, Target(path, None))
        return
    if not stat.S_ISREG(now.st_mode) or not _same_file(now, target.existing):
        raise OutputRefused(f"{target.shown} changed while the export ran; it was left as it is, nothing written")
    os.replace(temporary, path)
