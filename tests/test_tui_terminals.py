"""Every terminal shows the explorer readably: low-bandwidth mode, NO_COLOR, 16 colours (TERM=xterm, linux) and
monochrome (TERM=vt100).

The real program runs in a pseudo-terminal and a terminal emulator (pyte) reads what it draws, as a person
would see it. On each screen (home, an actor with its relations, a region, a finding), no visible character is
drawn in its own background colour (reverse video swaps them; the terminal's default colours are taken as
white on black, what the ANSI theme is made for), and the cursor row stands out with every colour ignored:
in reverse video, on the row the cursor is on, and on the next one after a move.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.terminal import Terminal

DOWN, ESC, ENTER, CTRL_P = b"\x1b[B", b"\x1b", b"\r", b"\x10"

# (id, extra command-line arguments, environment)
TERMINALS = [
    ("low-bandwidth", ["--low-bandwidth"], {"TERM": "xterm-256color"}),
    ("low-bandwidth-no-color", ["--low-bandwidth"], {"TERM": "xterm", "NO_COLOR": "1"}),
    ("no-color", [], {"TERM": "xterm-256color", "NO_COLOR": "1"}),
    ("xterm-16-colours", [], {"TERM": "xterm"}),
    ("linux-console", [], {"TERM": "linux"}),
    ("vt100-monochrome", [], {"TERM": "vt100"}),
]


def drawn_in_own_background(term: Terminal) -> list[str]:
    """Every visible character whose colour is its background's, as `row,column 'c' fg/bg`."""
    found = []
    for y in range(term.screen.lines):
        for x, char in enumerate(term.row(y)):
            if not char.data.strip():
                continue
            fg = "white" if char.fg == "default" else char.fg
            bg = "black" if char.bg == "default" else char.bg
            if char.reverse:
                fg, bg = bg, fg
            if fg == bg:
                found.append(f"{y},{x} {char.data!r} {char.fg}/{char.bg}{' reverse' if char.reverse else ''}")
    return found


def reversed_rows(term: Terminal, rows: range, columns: int) -> list[int]:
    """The rows among `rows` whose first `columns` cells hold reverse video (the scrollbar column is not counted)."""
    return [y for y in rows if any(char.reverse for char in term.row(y)[:columns])]


def cursor_row(term: Terminal, rows: range) -> int:
    """The one row of a list (`rows`) in reverse video, across the whole row: the cursor, with colours ignored."""
    width = term.screen.columns - 1
    found = reversed_rows(term, rows, width)
    assert len(found) == 1, (found, term.text)
    row = term.row(found[0])[:width]
    assert all(char.reverse for char in row), term.text  # the whole row, not a few cells
    return found[0]


def first_row_below(term: Terminal, header: str) -> str:
    """The text of the row under the row showing `header`, once the list there has its rows and its cursor (a slow
    machine may paint a screen before its rows are read)."""

    def shown(t: Terminal) -> bool:
        if header not in t.text:
            return False
        below = t.find_row(header) + 1
        return below < t.screen.lines - 1 and bool(reversed_rows(t, range(below, below + 1), t.screen.columns - 1))

    term.wait_for(shown)
    return "".join(c.data for c in term.row(term.find_row(header) + 1)).strip()[:30]


def check_readable(term: Terminal, screen: str) -> None:
    assert drawn_in_own_background(term) == [], f"{screen}:\n{term.text}"


def check_list_cursor(term: Terminal, screen: str, first_row_text: str) -> None:
    """The focused list's cursor is on the row showing `first_row_text`; after ↓ it is on the next row."""
    term.wait_for(first_row_text)
    top = term.find_row(first_row_text)
    rows = range(top, term.screen.lines - 1)  # the list down to the footer
    assert cursor_row(term, rows) == top, f"{screen}:\n{term.text}"
    term.press(DOWN)
    term.wait_for(lambda t: reversed_rows(t, rows, t.screen.columns - 1) == [top + 1])
    assert cursor_row(term, rows) == top + 1, f"{screen}:\n{term.text}"
    check_readable(term, screen)


def environment(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "COLORTERM", "FINDINGS_LOW_BANDWIDTH")}
    return {**env, **extra}


def open_by_palette(term: Terminal, name: str, kind: str, shown: str) -> None:
    term.press(CTRL_P)
    term.wait_for("🔎")
    term.press(name.encode())
    term.wait_for(lambda t: any(name in line and kind in line for line in t.screen.display))
    term.press(ENTER)
    term.wait_for(shown)


@pytest.mark.parametrize(("args", "env"), [t[1:] for t in TERMINALS], ids=[t[0] for t in TERMINALS])
def test_every_screen_is_readable_and_shows_its_cursor_without_colour(
    built_db: Path, args: list[str], env: dict[str, str]
) -> None:
    argv = [sys.executable, "main.py", "tui", "--db", str(built_db), *args]
    with Terminal(argv, environment(env), ROOT) as term:
        term.wait_for("Quit")
        check_readable(term, "home")
        check_list_cursor(term, "home", first_row_below(term, "3 Evidence"))

        open_by_palette(term, "China", "actor", "Timeline")
        check_readable(term, "actor")
        check_list_cursor(term, "actor", "A Chinese representative")
        term.press(b"3")  # the relations tree: its cursor is on the first row, a kind of relation
        term.wait_for("ally-of")
        check_readable(term, "relations")
        tree = range(term.find_row("ally-of"), term.screen.lines - 1)
        term.wait_for(lambda t: reversed_rows(t, tree, t.screen.columns - 1) == [tree.start])
        assert "⏎ Fold" in term.text
        term.press(DOWN)
        term.wait_for(lambda t: "⏎ Open" in t.text and reversed_rows(t, tree, t.screen.columns - 1) == [tree.start + 1])
        check_readable(term, "relations")
        term.press(ESC)
        term.wait_for("3 Evidence")

        open_by_palette(term, "Crimea", "region", "Timeline")
        check_readable(term, "region")
        check_list_cursor(term, "region", first_row_below(term, "1 Evidence"))
        term.press(ENTER)  # the finding under the cursor
        first_link = first_row_below(term, "press a number or s")  # the links header, once they are read
        check_readable(term, "finding")
        check_list_cursor(term, "finding", first_link[:20])


@pytest.mark.parametrize(("args", "env"), [t[1:] for t in TERMINALS], ids=[t[0] for t in TERMINALS])
def test_the_palette_and_the_search_bar_show_their_cursors_without_colour(
    built_db: Path, args: list[str], env: dict[str, str]
) -> None:
    """A QA run: without colour the palette's highlighted hit was bold like every other (Textual's option lists
    drop `reverse`), so Enter opened a row nothing marked; and the search bar's text cursor was not drawn."""
    argv = [sys.executable, "main.py", "tui", "--db", str(built_db), *args]
    with Terminal(argv, environment(env), ROOT) as term:
        term.wait_for("Quit")
        term.press(b"/")
        term.press(b"Kr")
        term.wait_for("Kr")
        bar = term.find_row("Kr")
        term.wait_for(lambda t: any(char.reverse for char in t.row(bar)))  # the cell the next letter goes in
        term.press(ESC)
        term.press(CTRL_P)
        term.wait_for("🔎")
        term.press(b"Crime")
        term.wait_for(lambda t: sum("Crimea" in line or "Crime" in line for line in t.screen.display) > 1)
        typed = term.find_row("🔎")
        hits = range(typed + 1, term.screen.lines - 1)
        width = term.screen.columns - 1
        term.wait_for(lambda t: len(reversed_rows(t, hits, width)) == 1)
        first = reversed_rows(term, hits, width)[0]
        term.press(DOWN)
        # the next hit (a finding's hit takes two rows) is the one in reverse video now, and only it
        term.wait_for(lambda t: bool(reversed_rows(t, hits, width)) and min(reversed_rows(t, hits, width)) > first)
        assert len(reversed_rows(term, hits, width)) <= 2, term.text
        check_readable(term, "palette")
