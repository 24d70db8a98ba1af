"""Starting the explorer: the door without Click, the rows read before the app starts, the first frame.

`findings [--db P] [--low-bandwidth]` and `findings [...] tui [--db P] [--low-bandwidth]` start without importing
Click (main.py's door) and must behave exactly as the Click command does, errors included; anything else is
left to Click (tests/test_doors.py checks the command lines).
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import main
from tests.conftest import ROOT, run_cli
from tests.tui_support import screen_text, settle, type_text

# Runs main.py as `findings` does, and says on stdout whether Click was imported on the way.
PROBE = (
    "import atexit, sys; sys.argv = ['main.py', *sys.argv[1:]]; "
    "atexit.register(lambda: print('click imported:', 'click' in sys.modules)); "
    "import main; main.run()"
)


def run_main(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in ("FINDINGS_DB", "FINDINGS_DEBUG")}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )


def bad_database(kind: str, db: Path, tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / f"{kind}.db"
    if kind == "missing":
        return path, "no database at"
    if kind == "not-sqlite":
        path.write_text("hello, I am a text file\n")
        return path, "is not a SQLite database"
    path.write_bytes(db.read_bytes())
    conn = sqlite3.connect(path)
    conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    return path, "newer than this program understands"


@pytest.mark.parametrize("kind", ["missing", "not-sqlite", "newer"])
def test_without_click_a_database_problem_gives_the_same_one_line_error_and_exit_1(
    db: Path, tmp_path: Path, kind: str
) -> None:
    path, expected = bad_database(kind, db, tmp_path)
    clicked = run_cli("tui", "--db", str(path))  # the Click command, in-process
    assert clicked.exit_code == 1
    (click_line,) = clicked.output.strip().splitlines()
    assert click_line.startswith("Error: ") and expected in click_line
    for args in (
        ["--db", str(path)],
        [f"--db={path}"],
        ["--db", str(path), "tui"],
        ["tui", "--db", str(path)],
        ["tui", "--low-bandwidth", f"--db={path}"],
        ["--db", str(db), "tui", "--db", str(path)],  # the tui's --db wins, as with Click
    ):
        done = run_main(*args)
        assert done.returncode == 1, (args, done.stderr)
        assert done.stderr.splitlines() == [click_line], args  # one line, the same words, no traceback
        assert done.stdout.strip() == "click imported: False", args
    done = run_main("tui", env={"FINDINGS_DB": str(path)})
    assert (done.returncode, done.stderr.splitlines()) == (1, [click_line])


def test_without_a_terminal_the_explorer_says_so_instead_of_drawing_into_a_pipe(db: Path) -> None:
    for args in ([], ["tui"]):  # the Click-free door and
        done = run_main("--db", str(db), *args)  # stdout is a pipe here, stdin /dev/null
        assert done.returncode == 1, done.stderr
        assert done.stderr.startswith("Error: the explorer needs a terminal, and its output is not one.")
        assert "findings search QUERY" in done.stderr
        assert "\x1b" not in done.stdout  # no screen was drawn into the pipe
    cli = run_cli("tui", db=db)  # the Click command (CliRunner: not a terminal either)
    assert cli.exit_code == 1 and "the explorer needs a terminal" in cli.output


def test_anything_else_is_left_to_click(tmp_path: Path) -> None:
    done = run_main("tui", "--help")
    assert done.returncode == 0 and "Usage: findings tui" in done.stdout
    assert "click imported: True" in done.stdout
    done = run_main("--db", str(tmp_path))  # a directory: Click's usage error, as before
    assert done.returncode == 2 and "is a directory" in done.stderr
    done = run_main("tui", "--no-such-option")
    assert done.returncode == 2 and "No such option" in done.stderr


def test_the_explorer_starts_with_the_options_given(db: Path, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import tui.start

    calls: list[tuple[Path, bool | None]] = []
    monkeypatch.setattr(tui.start, "run", lambda path, low_bandwidth=None: calls.append((path, low_bandwidth)))
    other = tmp_path / "other.db"
    for argv in (
        ["--db", str(db), "tui", "--low-bandwidth"],
        [f"--db={db}"],
        ["--low-bandwidth", "--db", str(db)],
        ["tui", "--low-bandwidth", "--db", str(db)],
        ["--db", str(other), "tui", "--db", str(db)],  # the command's own --db wins
    ):
        assert main.fast(argv) == 0, argv  # the door
        assert run_cli(*argv).exit_code == 0, argv  # and Click
    assert calls == [(db, True)] * 2 + [(db, None)] * 2 + [(db, True)] * 4 + [(db, None)] * 2


def test_the_first_rows_are_read_before_the_app_starts(db: Path, tmp_path: Path) -> None:
    from store import browse
    from store.connect import open_readonly
    from store.search import EvidenceFilter, list_evidence
    from tui.preload import Preload

    rows = Preload(open_readonly(db)).rows()
    assert rows is not None
    conn = open_readonly(db)
    assert rows["actors"] == (24, browse.list_actors(conn, sort="name", limit=100))
    assert rows["regions"] == (6, browse.list_regions(conn, sort="name", limit=100))
    assert rows["evidence"] == (29, list_evidence(conn, EvidenceFilter(), limit=100))
    conn.close()
    empty = tmp_path / "empty.db"
    conn = sqlite3.connect(empty)
    conn.execute("CREATE TABLE meta (key TEXT, value TEXT)")
    conn.close()
    assert Preload(sqlite3.connect(empty)).rows() is None  # not a findings database: the lists say why


def test_with_the_first_rows_read_the_hidden_panes_come_when_they_are_needed(db: Path) -> None:
    """At 80x24 one pane shows: the Actors and Regions panes are mounted when wanted, and look the same."""
    from store.connect import open_readonly
    from tui.app import FindingsApp
    from tui.preload import Preload

    async def session(preloaded: bool) -> list[str]:
        rows = Preload(open_readonly(db)).rows() if preloaded else None
        app = FindingsApp(db, preload=rows)
        screens = []
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            home = app.screen
            assert home.actors.is_mounted is not preloaded  # left out of the first frame
            screens.append(screen_text(app))  # "1 Actors 24  2 Regions 6  3 Evidence 29" either way
            await pilot.press("1")
            await settle(pilot)
            assert home.actors.is_mounted and app.focused is home.actors
            screens.append(screen_text(app))
            await pilot.press("3", "slash")
            await type_text(pilot, "wechat")
            screens.append(screen_text(app))
            await pilot.press("escape", "2")  # out of the search bar (there "2" is text), then the Regions pane
            await settle(pilot)
            assert home.regions.is_mounted and app.focused is home.regions
            screens.append(screen_text(app))
        return screens

    deferred = asyncio.run(session(True))
    assert deferred == asyncio.run(session(False))
    assert "1 Actors 24" in deferred[0] and "3 Evidence 29" in deferred[0]
    assert "Tencent" in deferred[1] or "China" in deferred[1]
    assert "1 Actors 1 " in deferred[2]  # the search counted the actors found (Tencent, by its alias)


def test_with_the_first_rows_read_a_search_updates_the_hidden_panes_counts(db: Path) -> None:
    from store.connect import open_readonly
    from tui.app import FindingsApp
    from tui.preload import Preload

    async def main() -> None:
        app = FindingsApp(db, preload=Preload(open_readonly(db)).rows())
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("slash")
            await type_text(pilot, "crimea")
            text = screen_text(app)
            assert "2 Regions 1 " in text and "1 Actors 24 " not in text

    asyncio.run(main())


def test_garbage_is_collected_again_once_the_first_frame_is_out(db: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import gc

    import tui.start
    from tui import warm
    from tui.app import FindingsApp

    seen: dict[str, object] = {}

    def run(app: FindingsApp, **_: object) -> None:  # the app as it would run, up to its first frame
        seen["collecting while starting"] = gc.isenabled()
        frozen = gc.get_freeze_count()
        warm.after_first_frame()
        seen["collecting after the first frame"] = gc.isenabled()
        seen["start-up frozen"] = gc.get_freeze_count() > frozen
        gc.disable()  # (as if the app went on with it off: `run` must turn it on again)

    monkeypatch.setattr(tui.start, "terminal_problem", lambda: None)
    monkeypatch.setattr(FindingsApp, "run", run)
    monkeypatch.setattr(warm, "_import_all", lambda: None)
    assert gc.isenabled()
    try:
        tui.start.run(db)
        assert seen == {
            "collecting while starting": False,
            "collecting after the first frame": True,
            "start-up frozen": True,
        }
        assert gc.isenabled()
    finally:
        gc.unfreeze()
        gc.enable()
