"""An explorer nobody is typing into writes nothing to the terminal: over SSH on a slow line every byte counts,
and a blinking cursor (Textual's inputs blink twice a second) costs about 1 KB a second for nothing.

The real `findings tui` in a pseudo-terminal: once a screen is drawn and has gone quiet, the next two seconds
(four blinks) must bring no output at all."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bench.pty_session import Session, have_pty

ROOT = Path(__file__).resolve().parent.parent
IDLE_S = 2.0  # four half-second blinks

pytestmark = pytest.mark.skipif(not have_pty(), reason="needs a pseudo-terminal")


def _session(db: Path, tmp_path: Path) -> Session:
    return Session([sys.executable, str(ROOT / "main.py"), "--db", str(db), "tui"], cwd=str(tmp_path))


def _idle_bytes(s: Session) -> int:
    burst = s.drain(IDLE_S, IDLE_S)
    return sum(len(chunk) for _, chunk in burst.chunks)


def test_an_idle_explorer_writes_nothing_on_the_home_screen_or_in_the_palette(db: Path, tmp_path: Path) -> None:
    s = _session(db, tmp_path)
    try:
        s.startup(settle=0.6)
        assert "Evidence" in s.text()
        assert _idle_bytes(s) == 0  # the search bar's cursor does not blink
        s.key(b"\x10", settle=0.6)  # ctrl+p: the palette
        s.key(b"hua", settle=0.6, until=lambda burst: "Huawei" in s.text())
        s.drain(0.6, 15)  # the names, then the deferred search of the findings' text
        assert "Huawei" in s.text()
        assert _idle_bytes(s) == 0, "the palette's cursor blinks: output while nobody types"
    finally:
        s.close()
