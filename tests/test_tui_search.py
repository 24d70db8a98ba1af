"""The explorer's search is what you typed: leaving the search bar keeps the list it showed; the line under the
bar says why parts of a query found nothing, offers the query corrected, and otherwise names the database."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from tests.tui_support import press, run_app, screen_text, settle, type_text, until


def ids(vlist) -> list[str]:  # type: ignore[no-untyped-def]
    return [vlist.row_at(i).id for i in range(vlist.count or 0)]


def status_line(app) -> str:  # type: ignore[no-untyped-def]
    return screen_text(app).splitlines()[1]


@pytest.mark.parametrize("leave", ["enter", "escape", "tab"])
@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("yua", {"yuanization", "bank-branches-sell-yuan"}),  # the two yuan findings
        ("wech", {"covert-payments-wechat-usdt"}),  # the README's example: WeChat
        ("china crim", None),  # many, in an order that must not change
    ],
)
def test_leaving_the_search_bar_keeps_the_list_it_showed(db: Path, typed: str, expected, leave: str) -> None:  # type: ignore[no-untyped-def]
    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        home = pilot.app.screen
        await press(pilot, "slash")
        await type_text(pilot, typed)
        shown, source = ids(home.evidence), home.evidence.source
        assert shown and (expected is None or set(shown) == expected)
        assert f"3 Evidence {len(shown)}" in screen_text(pilot.app)
        await press(pilot, leave)
        assert pilot.app.focused is home.evidence
        assert home.evidence.source is source  # the same list: nothing re-read, nothing reordered
        assert ids(home.evidence) == shown
        assert f"3 Evidence {len(shown)}" in screen_text(pilot.app)

    run_app(db, check)


def test_a_search_left_before_the_pause_in_typing_never_reorders_under_the_cursor(db: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import tui.screens.home

    # The pause the search waits for never comes during this test: leaving the bar must search at once.
    monkeypatch.setattr(tui.screens.home, "SEARCH_DEBOUNCE_S", 60.0)

    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        from store.search import EvidenceFilter

        home = pilot.app.screen
        await press(pilot, "slash")
        await pilot.press(*"china", "space", *"occupied", "escape")  # 14 findings
        await settle(pilot)
        assert home.evidence.source.filter == EvidenceFilter(query="china occupied", as_you_type=True)
        assert home._debounce is None  # no search left to come that would reorder the list
        await press(pilot, "down", "down", "down")
        assert home.evidence.cursor == 3 and home.evidence.highlighted.id == ids(home.evidence)[3]

    run_app(db, check)


def test_a_misspelt_value_is_told_once_typed_and_its_correction_is_one_key(db: Path) -> None:
    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        app = pilot.app
        home = app.screen
        await press(pilot, "slash")
        await type_text(pilot, "china category:financ")
        # still being typed: the unfinished qualifier is left out without a word, the line names the database
        assert home.evidence.count == 15
        assert "category" not in status_line(app) and "Database" in status_line(app)
        await press(pilot, "enter")
        await until(pilot, lambda: "financ" in status_line(app), "the note")
        line = status_line(app)
        assert "no category 'financ' — did you mean finance?" in line
        assert "^y" in line and "^y Fix query" in screen_text(app)  # under the bar and in the footer
        assert home.evidence.count == 15  # the list did not change: searched without it, as the note says
        await press(pilot, "ctrl+y")
        assert home.search.value == "china category:finance"
        await until(pilot, lambda: home.evidence.count == 3, "the corrected search")
        assert set(ids(home.evidence)) == {"bank-branches-sell-yuan", "yuanization", "covert-payments-wechat-usdt"}
        assert "Database" in status_line(app) and "^y" not in screen_text(app)

    run_app(db, check)


def test_a_note_longer_than_the_line_is_read_whole_on_two(db: Path) -> None:
    """A QA run at 80x24: "no region 'atlantis' — did you mean Luhansk Oblast (luhansk)? Searched…" — the end
    of the note, what the search did, was cut. A note that does not fit takes a second line; a short one, one."""

    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        app = pilot.app
        await press(pilot, "slash")
        await type_text(pilot, "china region:atlantis")
        await press(pilot, "enter")
        await until(pilot, lambda: "atlantis'" in status_line(app), "the note")
        lines = screen_text(app).splitlines()
        said = " ".join(line.strip() for line in lines[1:3])
        assert "no region 'atlantis' — did you mean Luhansk Oblast (luhansk)? Searched without it." in said
        assert "^y fix" in lines[2] and "1 Actors" in lines[3]  # the tabs one line lower
        await press(pilot, "slash", "ctrl+u")
        await type_text(pilot, "yuan category:financ")
        await press(pilot, "enter")
        await until(pilot, lambda: "financ'" in status_line(app), "the short note")
        await until(pilot, lambda: "1 Actors" in screen_text(app).splitlines()[2], "one line again")

    run_app(db, check, size=(80, 24))


def test_notes_about_finished_parts_show_while_typing_and_are_data(db: Path) -> None:
    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        app = pilot.app
        await press(pilot, "slash")
        await type_text(pilot, "actor:[b]chna[/b] yua")
        await until(pilot, lambda: "chna" in status_line(app), "the note")
        assert "no actor '[b]chna[/b]'" in status_line(app)  # literally: markup is data
        assert app.screen.evidence.count == 2  # searched without it: the yuan findings

    run_app(db, check)


def test_the_notes_are_read_on_the_lists_thread(db: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import store.search as S

    threads: list[str] = []
    real = S.notes

    def notes(conn, text, *, as_you_type=False):  # type: ignore[no-untyped-def]
        threads.append(threading.current_thread().name)
        return real(conn, text, as_you_type=as_you_type)

    monkeypatch.setattr(S, "notes", notes)

    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        await press(pilot, "slash")
        await type_text(pilot, "colour:red yuan")
        await until(pilot, lambda: "colour" in status_line(pilot.app), "the note")

    run_app(db, check)
    assert threads and all(name.startswith("findings-db-lists") for name in threads), threads


@pytest.mark.parametrize("which", ["shipped", "yours", "other"])
def test_the_first_screen_and_the_help_say_which_database_is_open(
    db: Path, findings_home: Path, monkeypatch, which: str
) -> None:  # type: ignore[no-untyped-def]
    import store.paths

    if which == "shipped":  # the data.db beside the program
        monkeypatch.setattr(store.paths, "program_dir", lambda: db.parent)
        path, kind = db, "Shipped reference data"
    elif which == "yours":
        findings_home.mkdir(parents=True)
        path, kind = findings_home / "findings.db", "Your own database"
        shutil.copyfile(db, path)
    else:
        path, kind = db, "Database"

    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        line = status_line(pilot.app)
        assert line.startswith(f" {kind} · ") and line.rstrip().endswith(path.name)
        assert ("reference" in line) == (which == "shipped") and ("own" in line) == (which == "yours")
        await press(pilot, "question_mark")
        # (a long temporary path wraps after the colon)
        await until(pilot, lambda: f"{kind}:" in screen_text(pilot.app), "the help's line on the database")
        assert path.name in screen_text(pilot.app), screen_text(pilot.app)

    run_app(path, check)


def test_an_exclusion_still_being_typed_excludes_once_the_search_bar_is_left(db: Path) -> None:
    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        home = pilot.app.screen
        await press(pilot, "slash")
        await type_text(pilot, "iran -coal")
        shown = ids(home.evidence)  # as you type, the exclusion waits for its whole word
        assert "iran-grain-coal-logistics" in shown
        await press(pilot, "enter")
        kept = ids(home.evidence)
        assert "iran-grain-coal-logistics" not in kept
        assert kept == [i for i in shown if i != "iran-grain-coal-logistics"]  # the rest in the same order

    run_app(db, check)


class _Gate:
    """Holds the ranked read of one query until `open()` (the ranking of a common word at a million findings)."""

    def __init__(self, query: str) -> None:
        self.query = query
        self.opened = threading.Event()
        self.entered = threading.Event()

    def install(self, monkeypatch) -> None:  # type: ignore[no-untyped-def]
        from tui.sources import EvidenceSource

        real_fetch = EvidenceSource.fetch

        def fetch(source: EvidenceSource, conn, offset: int, limit: int):  # type: ignore[no-untyped-def]
            if source.order == "relevance" and source.filter.query == self.query:
                self.entered.set()
                assert self.opened.wait(30), "the test never opened the gate"
            return real_fetch(source, conn, offset, limit)

        monkeypatch.setattr(EvidenceSource, "fetch", fetch)


def _orders(db: Path, text: str) -> tuple[list[str], list[str]]:
    """(ranked, latest added first) ids of what the search bar's list finds for `text`."""
    from store.connect import open_readonly
    from store.search import ADDED, EvidenceFilter, list_evidence

    conn = open_readonly(db)
    try:
        flt = EvidenceFilter(query=text, as_you_type=True)
        return [r.id for r in list_evidence(conn, flt, limit=500)], [
            r.id for r in list_evidence(conn, flt, limit=500, order=ADDED)
        ]
    finally:
        conn.close()


async def _search_held(pilot, gate: _Gate, rows: int):  # type: ignore[no-untyped-def]
    """Type the gate's query into the search bar; returns the home screen once its first page (`rows` rows) is
    shown and its ranking is being read (held by the gate)."""
    home = pilot.app.screen
    await press(pilot, "slash")
    await pilot.press(*gate.query)
    await until(pilot, lambda: gate.entered.is_set() and home.evidence.row_at(rows - 1), "the first page")
    return home


def test_a_search_shows_its_findings_at_once_then_ranked_if_the_cursor_is_on_the_first(db: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    best, added = _orders(db, "occupied")
    assert best != added and sorted(best) == sorted(added)
    gate = _Gate("occupied")
    gate.install(monkeypatch)

    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        home = await _search_held(pilot, gate, len(added))
        assert ids(home.evidence) == added  # latest added first, while the ranking is read
        assert "latest added first, ranking…" in screen_text(pilot.app)
        await pilot.press("enter")  # to the list: the cursor stays on the first row
        await until(pilot, lambda: pilot.app.focused is home.evidence, "the list")  # (settle would wait for the gate)
        assert home.evidence.cursor == 0 and ids(home.evidence) == added
        gate.opened.set()
        await settle(pilot)
        assert ids(home.evidence) == best  # once settled: exactly the ranked list
        assert "latest added first" not in screen_text(pilot.app)
        assert home.evidence.highlighted.id == best[0]
        assert f"3 Evidence {len(best)}" in screen_text(pilot.app)

    run_app(db, check)


@pytest.mark.parametrize("move", ["down", "end"])
def test_the_ranking_never_reorders_the_list_once_the_cursor_has_moved(db: Path, monkeypatch, move: str) -> None:  # type: ignore[no-untyped-def]
    _, added = _orders(db, "occupied")
    gate = _Gate("occupied")
    gate.install(monkeypatch)

    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        home = await _search_held(pilot, gate, len(added))
        await pilot.press("enter", move)
        await until(pilot, lambda: home.evidence.cursor > 0, "the cursor to move")  # (settle would wait for the gate)
        cursor = home.evidence.cursor
        assert home.evidence.highlighted.id == added[cursor]
        gate.opened.set()
        await settle(pilot)
        assert ids(home.evidence) == added  # the order the person was reading stays
        assert home.evidence.cursor == cursor and home.evidence.highlighted.id == added[cursor]
        text = screen_text(pilot.app)
        assert "latest added first" in text and "ranking…" not in text  # and it says which order it is
        assert f"3 Evidence {len(added)}" in text

    run_app(db, check)


def test_a_new_search_while_one_is_ranked_shows_the_new_one(db: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    best, _ = _orders(db, "china")
    gate = _Gate("occupied")  # never opened before the next search: its ranking is interrupted
    gate.install(monkeypatch)

    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        home = pilot.app.screen
        await press(pilot, "slash")
        await pilot.press(*"occupied")
        await until(pilot, gate.entered.is_set, "the ranking to start")
        gate.opened.set()
        await pilot.press(*["backspace"] * len("occupied"), *"china")
        await settle(pilot)
        assert ids(home.evidence) == best
        assert "latest added first" not in screen_text(pilot.app)

    run_app(db, check)


def test_the_note_of_other_spellings_goes_when_exact_spelling_is_on(db: Path, tmp_path: Path) -> None:
    """A QA run: after ^t the line still said `also finding other spellings and word forms: Херсон`."""
    from tests.conftest import import_yaml

    import_yaml(
        db,
        tmp_path,
        "evidence:\n  - id: kherson-port\n    claim: Китайське судно зайшло в порт у Херсоні.\n"
        "    category: logistics\n    source: kyiv-independent-occupied-economy\n",
    )

    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        app = pilot.app
        await press(pilot, "slash")
        await type_text(pilot, "Kherson ")
        await until(pilot, lambda: "also finding other spellings" in status_line(app), "the note of other spellings")
        said = " ".join(" ".join(screen_text(app).splitlines()[1:3]).split())
        assert "— ^t for the words as typed" in said and "in the explorer" not in said  # (it is the explorer)
        await press(pilot, "ctrl+t")
        await until(pilot, lambda: "also finding other spellings" not in status_line(app), "the note gone")
        await press(pilot, "ctrl+t")
        await until(pilot, lambda: "also finding other spellings" in status_line(app), "the note again")

    run_app(db, check)


def test_panes_a_query_does_not_search_say_they_list_everything(db: Path) -> None:
    """A QA run: `china` listed 2 actors, `china lang:uk` every actor with no word of why (a qualifier for
    findings makes the search one of findings, as `findings search` reads it): the pane's note says so."""

    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        home = pilot.app.screen
        await press(pilot, "slash")
        await type_text(pilot, "china category:finance ")
        await until(pilot, lambda: home.evidence.count == 3, "the findings filtered")
        await press(pilot, "escape", "1")
        await until(pilot, lambda: "all: qualifiers filter findings" in screen_text(pilot.app), "the pane's note")

    run_app(db, check)
