"""The benchmarks' start-up read (bench/pty_session.py): a program slower to show its rows than the memory hold
(a loaded machine compiling bytecode on its first launch) is still waited for, and one that keeps drawing is read
until its rows are shown and the hold has passed, not until it goes quiet."""

from __future__ import annotations

import sys
import textwrap

import pytest

from bench.pty_session import Session, have_pty

pytestmark = pytest.mark.skipif(not have_pty(), reason="no pseudo-terminal here")


def _rows(s: Session) -> bool:
    return any(line.startswith("row ") for line in s.screen.display)


def _program(tmp_path, body: str) -> list[str]:
    script = tmp_path / "prog.py"
    script.write_text(textwrap.dedent(body))
    return [sys.executable, str(script)]


def _startup(cmd: list[str], tmp_path, *, hold: float) -> dict:
    """The first screen as bench/peers.py reads it: a 5 s settle, a 20 s limit, ended by `hold` once ready."""
    s = Session(cmd, cwd=str(tmp_path))
    try:
        return s.startup(settle=5.0, limit=20.0, ready=_rows, end_by=hold)
    finally:
        s.close()


def test_rows_shown_after_the_hold_are_still_waited_for(tmp_path) -> None:
    # The title at once, the rows 0.6 s after the program started: later than the hold on any machine.
    cmd = _program(
        tmp_path,
        """
        import sys, time
        sys.stdout.write("title\\r\\n"); sys.stdout.flush()
        time.sleep(0.6)
        sys.stdout.write("row one two three\\r\\n"); sys.stdout.flush()
        time.sleep(30)
        """,
    )
    out = _startup(cmd, tmp_path, hold=0.3)
    assert out["first_paint_s"] is not None
    assert out["ready_s"] is not None and out["ready_s"] >= 0.6


def test_a_program_that_keeps_drawing_is_read_until_the_hold(tmp_path) -> None:
    cmd = _program(
        tmp_path,
        """
        import sys, time
        sys.stdout.write("row one two three\\r\\n"); sys.stdout.flush()
        i = 0
        while True:
            i += 1
            sys.stdout.write(f"\\rloading {i}"); sys.stdout.flush()
            time.sleep(0.02)
        """,
    )
    hold = 0.5
    out = _startup(cmd, tmp_path, hold=hold)
    assert out["ready_s"] is not None
    # It stopped at the hold, not at the 20 s limit (the program never goes quiet for the 5 s settle).
    assert hold <= out["quiet_s"] < 10.0
