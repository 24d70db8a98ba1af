"""Run the real program in a pseudo-terminal, as a person in a terminal would, and read what it writes."""

from __future__ import annotations

import contextlib
import os
import pty
import select
import signal
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Run:
    shown: bytes  # what it wrote until `until` came (then ctrl+q was pressed)
    output: bytes  # everything it wrote
    status: int


def _read(fd: int, timeout: float) -> bytes | None:
    """Whatever the terminal has within `timeout` (b"" if nothing), None at the end of output."""
    ready, _, _ = select.select([fd], [], [], timeout)
    if not ready:
        return b""
    try:
        return os.read(fd, 65536) or None
    except OSError:  # EIO: the program has exited and closed the terminal
        return None


def _read_until(fd: int, output: bytes, done: Callable[[bytes], bool], seconds: float = 30) -> bytes:
    """`output` and what the terminal writes after it, until `done(all of it)`, the end of output or `seconds`."""
    deadline = time.monotonic() + seconds
    while not done(output) and time.monotonic() < deadline:
        chunk = _read(fd, 0.5)
        if chunk is None:
            break
        output += chunk
    return output


def run_in_terminal(
    argv: list[str],
    env: dict[str, str],
    cwd: Path,
    *,
    until: bytes | Callable[[bytes], bool] = b"Evidence",
    size: tuple[int, int] = (24, 80),
    keys: bytes = b"",
    then: bytes | Callable[[bytes], bool] = b"",
) -> Run:
    """Start `argv` in a terminal of `size` (rows, columns), wait (30 s at most) until its output holds `until`
    (or `until(output)` is true); with `keys`, type them and wait (30 s at most) until the output after them holds
    `then` (or `then(output)`, all of it, is true); press ctrl+q and wait for it to exit."""
    arrived = until if callable(until) else lambda output: until in output
    import fcntl
    import termios

    pid, fd = pty.fork()
    if pid == 0:  # the child: become the program
        try:
            os.chdir(cwd)
            os.execve(argv[0], argv, env)
        finally:
            os._exit(127)
    try:
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", *size, 0, 0))
        output = _read_until(fd, b"", arrived)
        ready = arrived(output)  # (what `until` looked for may be gone once keys are typed)
        if keys and ready:
            os.write(fd, keys)
            start = len(output)
            answered = then if callable(then) else lambda written: then in written[start:]
            output = _read_until(fd, output, answered)
        shown = output
        if ready:
            with contextlib.suppress(OSError):  # (it may have finished on its own)
                os.write(fd, b"\x11")  # ctrl+q
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and (chunk := _read(fd, 0.5)) is not None:
            output += chunk
        deadline = time.monotonic() + 5
        status = None
        while status is None and time.monotonic() < deadline:
            done, code = os.waitpid(pid, os.WNOHANG)
            if done:
                status = code
            else:
                time.sleep(0.05)
        assert status is not None, output[-2000:].decode(errors="replace")
        pid = 0
        return Run(shown, output, os.waitstatus_to_exitcode(status))
    finally:
        if pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        os.close(fd)


def screen(output: bytes, size: tuple[int, int] = (24, 80)) -> str:
    """The text a terminal of `size` shows after `output` (the last screen drawn), one line per row."""
    import pyte

    rows, columns = size
    terminal = pyte.Screen(columns, rows)
    stream = pyte.ByteStream(terminal)
    stream.feed(output)
    return "\n".join(terminal.display)


class Terminal:
    """The real program in a pseudo-terminal, read through a terminal emulator (pyte) as a person would see it:
    start it, wait until the screen shows something, press keys, look at each character and its attributes.

        with Terminal([sys.executable, "main.py", ...], env, ROOT) as term:
            term.wait_for("Quit")
            term.press(b"3")
    """

    def __init__(self, argv: list[str], env: dict[str, str], cwd: Path, *, size: tuple[int, int] = (24, 80)) -> None:
        import pyte

        self.argv, self.env, self.cwd, self.size = argv, env, cwd, size
        rows, columns = size
        self.screen = pyte.Screen(columns, rows)
        self._stream = pyte.ByteStream(self.screen)
        self.output = b""
        self.pid = 0
        self.fd = -1
        self.status: int | None = None  # its exit status, once it has gone (-9: killed after ctrl+q did not end it)

    def __enter__(self) -> Terminal:
        import fcntl
        import termios

        pid, fd = pty.fork()
        if pid == 0:  # the child: become the program
            try:
                os.chdir(self.cwd)
                os.execve(self.argv[0], self.argv, self.env)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", *self.size, 0, 0))
        return self

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(OSError):
            os.write(self.fd, b"\x11")  # ctrl+q
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and self._read(0.2) is not None:
            pass
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            self.status = os.waitstatus_to_exitcode(os.waitpid(self.pid, 0)[1])
        os.close(self.fd)

    def _read(self, timeout: float) -> bytes | None:
        chunk = _read(self.fd, timeout)
        if chunk:
            self.output += chunk
            self._stream.feed(chunk)
        return chunk

    @property
    def text(self) -> str:
        """What the screen shows, one line per row."""
        return "\n".join(self.screen.display)

    def wait_for(self, condition: str | Callable[[Terminal], bool], seconds: float = 30.0) -> None:
        """Read until the screen shows `condition` (a text) or `condition(self)` is true, then until nothing more
        arrives for a moment (the rest of that frame)."""
        test = (lambda term: condition in term.text) if isinstance(condition, str) else condition
        deadline = time.monotonic() + seconds
        while not test(self):
            if time.monotonic() > deadline or self._read(0.2) is None:
                raise AssertionError(f"the screen never showed {condition!r}:\n{self.text}")
        while self._read(0.3):
            pass

    def press(self, keys: bytes) -> None:
        os.write(self.fd, keys)

    def row(self, y: int) -> list:  # pyte Chars, left to right
        line = self.screen.buffer[y]
        return [line[x] for x in range(self.screen.columns)]

    def find_row(self, text: str) -> int:
        """The first row showing `text`."""
        for y, line in enumerate(self.screen.display):
            if text in line:
                return y
        raise AssertionError(f"no row shows {text!r}:\n{self.text}")
