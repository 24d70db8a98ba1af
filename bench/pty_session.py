"""A terminal harness for TUI benchmarks: run a program in a pseudo-terminal and time and count what it writes.

Equal to ../shared/tools/ptybytes.py in method (a pty of COLS x ROWS, read until the output has been quiet for a
settle time), and also reports, from the moment the child is forked:
- `first_byte_s`: the first byte of output (terminal set-up sequences: alternate screen, modes);
- `first_paint_s`: the end of the first frame: the first read after which the emulated screen (pyte) shows any
  text, extended through the reads that follow it without a gap (a frame arrives in several reads of one write);
- `quiet_s`: the last byte before the output went quiet (everything the start-up wanted to draw is drawn);
- `first_paint_cpu_s`: CPU time the child had used when its first frame arrived (all threads; robust to load);
- `first_paint_rss_kb`: its resident memory then (a program that goes on loading grows after it).
Keystrokes: bytes written in response to each, the time to its first byte and to quiet; and `echo`: type text,
timing each character until the screen shows the text typed so far.

    python bench/pty_session.py [--cols 80 --rows 24] [--keys down*10] [--echo grain [--interval 0.2]] \
        [--term T] -- COMMAND...

prints JSON. As a library: `Session(cmd).start()`, `.drain()`, `.key()`, `.echo()`, `.rss_kb()`, `.close()`.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import pty
import select
import signal
import statistics
import struct
import sys
import termios
import time
from collections.abc import Callable
from dataclasses import dataclass, field

KEYS = {
    "down": b"\x1b[B",
    "up": b"\x1b[A",
    "enter": b"\r",
    "esc": b"\x1b",
    "tab": b"\t",
    "right": b"\x1b[C",
    "left": b"\x1b[D",
    "pgdn": b"\x1b[6~",
    "pgup": b"\x1b[5~",
    "end": b"\x1b[F",
    "home": b"\x1b[H",
    "bs": b"\x7f",
}
FRAME_GAP_S = 0.02  # reads closer together than this belong to the same frame


def parse_keys(spec: str) -> list[tuple[str, bytes]]:
    """'down*3,G,tab' -> [(name, bytes)...]; names from KEYS or literal characters."""
    out = []
    for part in [p for p in spec.split(",") if p]:
        name, _, n = part.partition("*")
        out += [(name, KEYS.get(name, name.encode()))] * (int(n) if n else 1)
    return out


def have_pty() -> bool:
    try:
        master, slave = pty.openpty()
    except OSError:
        return False
    os.close(master)
    os.close(slave)
    return True


@dataclass
class Burst:
    """Output read after an event (start, key): chunks with their arrival times (seconds since `t0`)."""

    t0: float
    chunks: list[tuple[float, bytes]] = field(default_factory=list)

    @property
    def nbytes(self) -> int:
        return sum(len(c) for _, c in self.chunks)

    @property
    def first_s(self) -> float | None:
        return self.chunks[0][0] if self.chunks else None

    @property
    def last_s(self) -> float | None:
        return self.chunks[-1][0] if self.chunks else None

    @property
    def data(self) -> bytes:
        return b"".join(c for _, c in self.chunks)


class Session:
    """One program in a pseudo-terminal, with a pyte screen fed everything it writes."""

    def __init__(
        self,
        cmd: list[str],
        *,
        cols: int = 80,
        rows: int = 24,
        env: dict[str, str] | None = None,
        term: str = "xterm-256color",
        cwd: str | None = None,
    ) -> None:
        self.cmd, self.cols, self.rows, self.cwd = cmd, cols, rows, cwd
        self.env = dict(os.environ if env is None else env)
        self.env["TERM"] = term
        self.env.pop("COLORTERM", None)
        self.env["COLUMNS"], self.env["LINES"] = str(cols), str(rows)
        self.pid = 0
        self.fd = -1
        self.t_start = 0.0
        self.total = 0
        import pyte

        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)

    # ------------------------------------------------------------------ process
    def start(self) -> None:
        pid, fd = pty.fork()
        if pid == 0:  # child
            try:
                if self.cwd:
                    os.chdir(self.cwd)
                os.execvpe(self.cmd[0], self.cmd, self.env)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        self.t_start = time.monotonic()
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", self.rows, self.cols, 0, 0))

    def close(self) -> None:
        if self.pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGTERM)
            deadline = time.monotonic() + 3
            while time.monotonic() < deadline:
                try:
                    done, _ = os.waitpid(self.pid, os.WNOHANG)
                except ChildProcessError:
                    break
                if done:
                    break
                self._read_available(0.05)  # keep the pty drained so the child can exit
            else:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self.pid, signal.SIGKILL)
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(self.pid, 0)
            self.pid = 0
        if self.fd >= 0:
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.fd = -1

    def __enter__(self) -> Session:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def rss_kb(self) -> dict[str, int]:
        """VmRSS and VmHWM (peak) of the child, in KiB."""
        out = {}
        try:
            with open(f"/proc/{self.pid}/status") as f:
                for line in f:
                    key, _, value = line.partition(":")
                    if key in ("VmRSS", "VmHWM"):
                        out[key] = int(value.split()[0])
        except OSError:
            pass
        return out

    def cpu_s(self) -> float | None:
        """CPU time the child has used so far, all threads (from /proc/PID/task/*/schedstat, nanoseconds): unlike
        wall time, it does not grow when other programs compete for the CPU."""
        total = 0
        try:
            for task in os.listdir(f"/proc/{self.pid}/task"):
                with contextlib.suppress(OSError), open(f"/proc/{self.pid}/task/{task}/schedstat") as f:
                    total += int(f.read().split()[0])
        except OSError:
            return None
        return total / 1e9

    # ------------------------------------------------------------------ reading
    def _read_available(self, timeout: float) -> bytes | None:
        r, _, _ = select.select([self.fd], [], [], max(0.0, timeout))
        if not r:
            return b""
        try:
            chunk = os.read(self.fd, 65536)
        except OSError:
            return None
        return chunk or None

    def _feed(self, chunk: bytes) -> None:
        self.total += len(chunk)
        self.stream.feed(chunk)

    def drain(  # type: ignore[no-untyped-def]
        self, quiet: float, limit: float, *, t0: float | None = None, until=None, first=False
    ) -> Burst:
        """Read until no output for `quiet` seconds (or `limit` seconds in all, or `until(burst)` is true after a
        read). With `first`, the quiet period starts at the first byte (or, if `first` is a function, once
        `first(burst)` is true): a program that is slow to start (a loaded machine) is waited for up to `limit`,
        not given up on. Times are seconds since `t0` (default: now)."""
        t0 = time.monotonic() if t0 is None else t0
        burst = Burst(t0)
        start = time.monotonic()
        last = start
        while True:
            now = time.monotonic()
            if now - start > limit:
                break
            waiting_first = not first(burst) if callable(first) else bool(first) and not burst.chunks
            wait = limit - (now - start) if waiting_first else min(quiet - (now - last), limit - (now - start))
            chunk = self._read_available(wait)
            if chunk is None:
                break
            if not chunk:
                if not waiting_first and time.monotonic() - last >= quiet:
                    break
                continue
            last = time.monotonic()
            self._feed(chunk)
            burst.chunks.append((last - t0, chunk))
            if until is not None and until(burst):
                break
        return burst

    def text(self) -> str:
        return "\n".join(self.screen.display)

    # ------------------------------------------------------------------ measurements
    def startup(
        self,
        *,
        settle: float = 1.5,
        limit: float = 30.0,
        ready: Callable[[Session], bool] | None = None,
        end_by: float | None = None,
    ) -> dict:
        """Start the program and read its first screen until quiet. With `ready` (a test of the screen, such as
        "a row of the list is drawn"), also `ready_s` and `ready_rss_kb`: when the screen first passed it. With
        `end_by` (for a program that keeps drawing), the read also ends once the screen is ready and `end_by`
        seconds have passed since launch; a program not ready by then is still waited for, up to `limit`."""
        self.start()
        shown: list[int] = []
        cpu: list[float | None] = []
        rss: list[int | None] = []
        ready_at: list[tuple[float, int | None]] = []

        def painted(burst: Burst) -> bool:
            if not shown and self.text().strip():
                shown.append(len(burst.chunks) - 1)
                cpu.append(self.cpu_s())
                rss.append(self.rss_kb().get("VmRSS"))
            if ready is not None and not ready_at and burst.chunks and ready(self):
                ready_at.append((burst.chunks[-1][0], self.rss_kb().get("VmRSS")))
            # (by the time of the output read last, as quiet_s is: the clock read after it is a little later)
            return end_by is not None and bool(ready_at) and bool(burst.chunks) and burst.chunks[-1][0] >= end_by

        # The quiet period starts at the first paint, not at the first byte: the terminal set-up comes first, and
        # on a loaded machine the frame can follow it by more than `settle`.
        burst = self.drain(settle, limit, t0=self.t_start, until=painted, first=lambda burst: bool(shown))
        first_paint = None
        if shown:
            i = shown[0]
            while i + 1 < len(burst.chunks) and burst.chunks[i + 1][0] - burst.chunks[i][0] < FRAME_GAP_S:
                i += 1
            first_paint = burst.chunks[i][0]
        return {
            "first_byte_s": burst.first_s,
            "first_paint_s": first_paint,
            "quiet_s": burst.last_s,
            "first_paint_bytes": burst.nbytes,
            "first_paint_cpu_s": cpu[0] if cpu else None,  # CPU used by the child up to its first paint
            "first_paint_rss_kb": rss[0] if rss else None,
            **({"ready_s": ready_at[0][0] if ready_at else None} if ready is not None else {}),
            **({"ready_rss_kb": ready_at[0][1] if ready_at else None} if ready is not None else {}),
        }

    def key(self, seq: bytes, *, settle: float = 0.5, limit: float = 10.0, until=None) -> dict:  # type: ignore[no-untyped-def]
        """Send one key; bytes written in response, time to its first byte and to quiet."""
        t0 = time.monotonic()
        os.write(self.fd, seq)
        burst = self.drain(settle, limit, t0=t0, until=until)
        return {"bytes": burst.nbytes, "first_byte_s": burst.first_s, "quiet_s": burst.last_s}

    def echo(
        self, text: str, *, settle: float = 0.5, limit: float = 5.0, interval: float | None = None
    ) -> list[float | None]:
        """Type `text` a character at a time; for each, the seconds until the input row shows the text typed so
        far (the row changed and now holds it). The next character is typed `interval` seconds after the one
        before (a typist; whatever the program is still doing), or, without an interval, once the screen has
        been quiet for `settle` seconds.

        The input row is found at the first character: among the rows that changed and hold it, the row of the
        terminal cursor (Textual puts it on the focused Input's cursor, for input methods), else the topmost."""
        row: list[int] = []
        out: list[float | None] = []
        for i, ch in enumerate(text):
            typed = text[: i + 1]
            before = list(self.screen.display)

            def shown(burst: Burst, typed: str = typed, before: list[str] = before) -> bool:
                lines = self.screen.display
                if not row:
                    found = [n for n, line in enumerate(lines) if line != before[n] and typed in line]
                    if not found:
                        return False
                    row.append(self.screen.cursor.y if self.screen.cursor.y in found else found[0])
                    return True
                return lines[row[0]] != before[row[0]] and typed in lines[row[0]]

            t0 = time.monotonic()
            os.write(self.fd, ch.encode())
            burst = self.drain(limit, limit, t0=t0, until=shown)
            out.append(burst.last_s if burst.chunks and shown(burst) else None)
            if interval is None:
                self.drain(settle, limit)  # let the search results land before the next character
            else:
                rest = interval - (time.monotonic() - t0)
                if rest > 0:
                    self.drain(rest, rest)
        if interval is not None:
            self.drain(settle, limit)
        return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cols", type=int, default=80)
    ap.add_argument("--rows", type=int, default=24)
    ap.add_argument("--keys", default="down*10")
    ap.add_argument("--echo", default="", help="type this text after the keys and time each character's echo")
    ap.add_argument("--interval", type=float, default=None, help="seconds between typed characters (--echo)")
    ap.add_argument("--settle", type=float, default=0.6)
    ap.add_argument("--term", default="xterm-256color", help="TERM (ptybytes.py's default)")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd[:1] == ["--"] else a.cmd
    if not cmd:
        ap.error("no command")
    s = Session(cmd, cols=a.cols, rows=a.rows, term=a.term)
    try:
        out = s.startup(settle=max(a.settle, 1.5))
        per = [s.key(seq, settle=a.settle) for _, seq in parse_keys(a.keys)]
        out["per_key_bytes"] = [p["bytes"] for p in per]
        out["per_key_quiet_s"] = [p["quiet_s"] for p in per]
        out["median_key_bytes"] = statistics.median(out["per_key_bytes"]) if per else None
        if a.echo:
            out["echo_s"] = s.echo(a.echo, settle=a.settle, interval=a.interval)
        out["rss_kb"] = s.rss_kb()
    finally:
        s.close()
    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main()
