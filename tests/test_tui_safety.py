"""Untrusted text stays data, browsing never writes, and a database that cannot be browsed says why in one line."""

from __future__ import annotations

import csv
import hashlib
import os
import pty
import select
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from textual.content import Content

from store.text import printable
from tests.conftest import ROOT, run_cli
from tests.hostile import ACTOR_SHOWN, RAW, SHOWN, TEXT, URL_SHOWN, add_hostile_finding, words
from tests.tui_support import add_evil_records, palette_lists, press, run_app, screen_text, settle, type_text
from tui.text import clean, clean_block, safe_rich

CLICK = "[@click=app.quit]press[/]"
LINK = "[link=http://x]y[/]"


@pytest.fixture
def evil_db(db: Path, tmp_path: Path) -> Path:
    return add_evil_records(db, tmp_path)


def test_clean_makes_controls_visible_and_never_parses_markup() -> None:
    assert clean("a\x1b[2Jb") == "a␛[2Jb"
    assert clean("bell\x07 del\x7f") == "bell␇ del␡"
    assert clean("c1 \x9b31m") == "c1 <U+009B>31m"
    assert clean("rtl \u202eevil") == "rtl <U+202E>evil"
    assert clean("two\nlines\tand  tabs") == "two lines and tabs"
    assert clean_block("two\r\nlines\x1b") == "two\nlines␛"
    assert clean("Hua\u200bwei \ufeff\U000e0041") == "Hua<U+200B>wei <U+FEFF><U+E0041>"
    assert clean(TEXT) == SHOWN == printable(TEXT)  # the explorer shows what every other output shows
    assert clean(None) == ""
    content = Content(clean(CLICK))
    assert content.plain == CLICK and not content.spans
    label = safe_rich(CLICK, "bold")
    assert label.plain == CLICK and not label.spans


def test_markup_and_escapes_show_literally_in_lists_and_do_nothing(evil_db: Path) -> None:
    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        app = pilot.app
        home = app.screen
        text = screen_text(app)
        assert CLICK in text and LINK in text
        assert "Clear ␛[2J the screen ␛]0;pwned␇ now" in text
        assert "\x1b" not in text and "\x07" not in text
        rows = [home.evidence.row_at(i).id for i in range(home.evidence.count)]
        y = rows.index("evil-click")
        for _ in range(2):  # click the row, then click it again (opens it)
            await pilot.click(home.evidence, offset=(30, y))
            await settle(pilot)
        assert app.is_running and app.return_value is None
        assert app.screen.__class__.__name__ == "EvidenceScreen"
        text = screen_text(app)
        assert CLICK in text and "[@click=app.quit]press[/] (" not in text
        await pilot.click("#evidence-body", offset=(3, 0))  # on the would-be link
        await press(pilot, "enter")
        assert app.is_running

    run_app(evil_db, check, size=(120, 40))


def test_names_titles_tree_breadcrumb_and_title_are_data(evil_db: Path) -> None:
    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        app = pilot.app
        app.open("actor", "evil-actor")
        await settle(pilot)
        screen = app.screen
        text = screen_text(app)
        assert f"findings › Home › {CLICK}" in text
        assert f"also {LINK}" in text
        assert "Summary with ␛[2J clear, <U+009B>31m a C1 control and [b]bold[/b]" in text
        assert f"→ China ({CLICK.replace('press', 'role')})" in text
        assert screen.title == CLICK and "\x1b" not in screen.title
        await press(pilot, "2", "enter")  # the evil region
        assert f"{LINK} region" in screen_text(app)
        app.open("source", "evil-source")
        await settle(pilot)
        text = screen_text(app)
        assert f"{LINK} source ␛[2J title" in text and CLICK in text
        assert app.is_running

    run_app(evil_db, check, size=(120, 40))


def test_chips_palette_copy_and_notifications_are_data(evil_db: Path) -> None:
    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        from tui.commands import JumpProvider

        app = pilot.app
        home = app.screen
        await press(pilot, "1", "down", "space")  # the evil actor sorts second by name
        assert home.chips[0].label == CLICK
        assert f"actor: {CLICK} ×" in screen_text(app)
        hits = [hit async for hit in JumpProvider(home).search("press")]
        assert hits and hits[0].text == CLICK
        assert hits[0].prompt.plain.startswith(CLICK)  # Content: shown as typed, never parsed
        await press(pilot, "ctrl+p")
        await type_text(pilot, "press")
        await palette_lists(pilot, CLICK)
        assert CLICK in screen_text(app)
        await press(pilot, "escape", "3")
        rows = [home.evidence.row_at(i).id for i in range(home.evidence.count)]
        home.evidence.move_to(rows.index("evil-escape"))
        await press(pilot, "y")
        assert "\x1b" not in app.clipboard and "\x07" not in app.clipboard
        assert app.clipboard.startswith("Clear ␛[2J the screen")
        assert app.is_running

    run_app(evil_db, check)


def test_every_character_of_the_table_shows_in_its_one_form(db: Path, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The explorer's list, detail pane, finding screen, actor screen, clipboard and CSV export (`e c`) show the
    hostile finding exactly as `findings show` and the exports do."""
    add_hostile_finding(db, tmp_path)
    exports = tmp_path / "exports"
    exports.mkdir()
    monkeypatch.setenv("FINDINGS_EXPORT_DIR", str(exports))

    def assert_shown(text: str, *forms: str) -> None:
        assert not RAW.search(text), repr(RAW.search(text))
        flat = words(text)
        for form in forms:
            assert form in flat, (form, flat)

    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        app = pilot.app
        await press(pilot, "slash")
        await type_text(pilot, "zebracorn")
        await press(pilot, "enter")
        home = app.screen
        assert [home.evidence.row_at(i).id for i in range(home.evidence.count)] == ["table-finding"]
        assert_shown(screen_text(app), SHOWN[:60])  # the list row, cut to its column
        assert_shown(home.query_one("#detail").content.plain, SHOWN, "1,200 units <U+200B>␛[1m", ACTOR_SHOWN)
        await press(pilot, "y")
        assert_shown(
            app.clipboard,
            f"Unreviewed: {SHOWN} (2025-10; 1,200 units <U+200B>␛[1m) Source: {SHOWN}, “{SHOWN}”",
            URL_SHOWN,
        )
        assert "[findings: table-finding; source: table-source]" in app.clipboard
        await press(pilot, "e", "c")
        (exported,) = exports.glob("*.csv")
        with exported.open(encoding="utf-8", newline="") as f:
            (row,) = csv.DictReader(f)
        assert row["claim"] == row["quote"] == row["source_title"] == SHOWN
        assert row["actors"] == ACTOR_SHOWN and row["url"] == URL_SHOWN
        assert not RAW.search(exported.read_text(encoding="utf-8"))
        app.open("evidence", "table-finding")
        await settle(pilot)
        assert_shown(screen_text(app), SHOWN, f"“{SHOWN}”", URL_SHOWN, "para <U+200B>9", ACTOR_SHOWN)
        app.open("actor", "table-actor")
        await settle(pilot)
        assert_shown(screen_text(app), ACTOR_SHOWN)
        assert app.screen.title == ACTOR_SHOWN
        assert app.is_running and app.return_value is None

    run_app(db, check, size=(250, 60))


def test_escape_sequences_never_reach_the_terminal(evil_db: Path) -> None:
    """The real program in a pseudo-terminal: the bytes it writes hold no escape sequence from the data."""
    pid, fd = pty.fork()
    if pid == 0:  # child: the explorer on the evil database
        os.environ.update({"TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40"})
        os.chdir(ROOT)
        os.execv(sys.executable, [sys.executable, "main.py", "--db", str(evil_db), "tui", "--low-bandwidth"])
    out = bytearray()

    def read_until(marker: bytes, seconds: float) -> None:
        """Read what the program writes until `marker` appears and it has been quiet for a moment."""
        end = time.monotonic() + seconds
        quiet_since = time.monotonic()
        while time.monotonic() < end:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if ready:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:
                    return
                if not chunk:
                    return
                out.extend(chunk)
                quiet_since = time.monotonic()
            elif marker in out and time.monotonic() - quiet_since > 0.2:
                return

    try:
        import fcntl
        import struct
        import termios

        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        read_until("␛[2J".encode(), 10)  # the evil finding is on the first screen, its ESC made visible
        for keys, marker in ((b"1", b"17 Chinese"), (b"\x1b[B", b""), (b"\r", b"Summary with")):
            os.write(fd, keys)  # the actors pane, down to the evil actor, open its screen
            read_until(marker, 5)
        os.write(fd, b"\x11")  # ctrl+q
        read_until(b"\x00never", 2)
    finally:
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)
    data = bytes(out)
    assert "␛[2J".encode() in data  # shown, as a picture of the character
    assert b"Summary with" in data  # the actor screen was reached
    assert b"\x1b[2J the screen" not in data and b"\x1b]0;pwned" not in data
    assert b"\x1b]8;" not in data  # no hyperlink was made from `[link=...]`


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_browsing_never_writes_the_database(db: Path, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("FINDINGS_EXPORT_DIR", str(tmp_path))
    before = sha256(db)

    async def session(pilot) -> None:  # type: ignore[no-untyped-def]
        await press(pilot, "slash")
        await type_text(pilot, "yuan")
        await press(pilot, "enter", "y", "enter", "1", "escape", "escape")
        await press(pilot, "1", "space", "2", "space", "f", "enter", "e", "c")
        await press(pilot, "ctrl+p")
        await type_text(pilot, "Crimea")
        await palette_lists(pilot, "Crimea")
        await press(pilot, "enter", "3", "question_mark", "escape", "escape")

    run_app(db, session, size=(120, 40))
    assert sha256(db) == before
    wal = db.with_name(db.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0


def test_connections_are_read_only(db: Path) -> None:
    from tui.db import Database

    conn = Database(db).conn()
    with pytest.raises(sqlite3.OperationalError):
        conn.execute("DELETE FROM evidence")


@pytest.mark.parametrize("case", ["missing", "not-sqlite", "newer"])
def test_a_database_that_cannot_be_browsed_is_one_line_and_exit_1(db: Path, tmp_path: Path, case: str) -> None:
    path = tmp_path / "x.db"
    if case == "missing":
        expected = "no database at"
    elif case == "not-sqlite":
        path.write_text("hello, I am a text file\n")
        expected = "is not a SQLite database"
    else:
        path.write_bytes(db.read_bytes())
        conn = sqlite3.connect(path)
        conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
        conn.commit()
        conn.close()
        expected = "newer than this program understands"
    for args, global_db in (
        (["tui"], path),
        (["tui", "--low-bandwidth"], path),
        ([], path),
        (["tui", "--db", str(path)], None),
    ):
        result = run_cli(*args, db=global_db)
        assert result.exit_code == 1, result.output
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: ") and expected in lines[0], result.output
        assert "Traceback" not in result.output


def test_the_cli_does_not_import_textual_until_the_explorer_starts() -> None:
    code = "import sys, main, tui.cli; main.cli.get_command(None, 'tui'); assert 'textual' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_pasted_controls_and_hidden_characters_never_reach_the_terminal(db: Path) -> None:
    """A QA run in tmux: pasting `one\\x1btwo` into the search bar showed `^twoone` (the ESC echoed raw, the
    terminal acting on it), and a pasted U+202E went out raw too. A paste is typed text: without controls (line
    feeds and tabs aside) and hidden characters, in every field."""
    from textual import events

    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        app = pilot.app
        home = app.screen
        await press(pilot, "slash")
        app.post_message(events.Paste("china \x1b[31mred\u202e\x9b2J\u200b"))
        await settle(pilot)
        assert home.search.value == "china [31mred2J"
        assert not any(ch in home.search.value for ch in "\x1b\u202e\x9b\u200b")

    run_app(db, check)
