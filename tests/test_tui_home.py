"""The home screen: live search, filters (actor ∧ region ∧ query ∧ facets), panes, small terminals."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.tui_support import press, run_app, screen_text, settle, type_text, until
from tui.screens.home import HomeScreen


def ids(vlist) -> list[str]:  # type: ignore[no-untyped-def]
    return [vlist.row_at(i).id for i in range(vlist.count or 0)]


def test_home_lists_actors_regions_and_evidence_with_counts(db: Path) -> None:
    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        home = pilot.app.screen
        assert isinstance(home, HomeScreen)
        assert (home.actors.count, home.regions.count, home.evidence.count) == (24, 6, 29)
        text = screen_text(pilot.app)
        assert "1 Actors 24" in text and "2 Regions 6" in text and "3 Evidence 29" in text
        assert pilot.app.focused is home.evidence

    run_app(db, check)


def test_slash_and_typing_yuan_finds_the_bank_branches_finding(db: Path) -> None:
    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        home = pilot.app.screen
        await press(pilot, "slash")
        assert pilot.app.focused is home.search
        await type_text(pilot, "yuan")
        assert "bank-branches-sell-yuan" in ids(home.evidence)
        assert "79 bank branches" in screen_text(pilot.app)
        await press(pilot, "enter")  # Enter leaves the search box for the list
        assert pilot.app.focused is home.evidence
        await press(pilot, "x")  # x clears the query when there is no filter chip
        assert home.evidence.count == 29

    run_app(db, check)


def test_search_narrows_the_actor_and_region_panes(db: Path) -> None:
    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        home = pilot.app.screen
        await press(pilot, "slash")
        await type_text(pilot, "wechat")
        assert ids(home.actors) == ["tencent"]  # found by its alias
        assert home.regions.count == 0
        await pilot.press("ctrl+a", "ctrl+k")  # clear the search box
        await type_text(pilot, "")
        assert home.actors.count == 24

    run_app(db, check)


def test_actor_and_region_filters_combine_and_come_off_one_by_one(db: Path) -> None:
    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        home = pilot.app.screen
        await press(pilot, "1")
        assert pilot.app.focused is home.actors
        china = next(i for i in range(home.actors.count) if home.actors.row_at(i).id == "china")
        home.actors.move_to(china)
        await press(pilot, "space")
        assert [c.label for c in home.chips] == ["China"]
        assert home.evidence.count == 15
        await press(pilot, "2")
        home.regions.move_to(0)  # Crimea (by name)
        await press(pilot, "space")
        assert [c.label for c in home.chips] == ["China", "Crimea"]
        assert home.evidence.count == 14
        assert "actor: China ×" in screen_text(pilot.app)
        await press(pilot, "slash")
        await type_text(pilot, "yuan")  # China in Crimea mentioning yuan
        assert set(ids(home.evidence)) == {"bank-branches-sell-yuan", "yuanization"}
        await press(pilot, "escape", "x")  # the last chip (Crimea) comes off
        assert [c.label for c in home.chips] == ["China"]
        assert pilot.app.focused is home.regions  # Escape went back to the pane the search started from
        await press(pilot, "tab", "tab")  # evidence, then (wrapping) the chips; Delete removes the focused one
        assert pilot.app.focused is home.chip_bar
        await press(pilot, "delete")
        assert home.chips == ()
        assert home.evidence.count == 2  # only the query is left
        # the focus went with the last chip (a QA run: nothing had it, no key did anything): the list has it
        await until(pilot, lambda: pilot.app.focused is home.evidence, "the list focused")  # (Tab went by it)

    run_app(db, check)


def test_space_again_removes_the_filter(db: Path) -> None:
    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        home = pilot.app.screen
        await press(pilot, "2", "space")
        assert len(home.chips) == 1
        await press(pilot, "space")
        assert home.chips == ()
        assert home.evidence.count == 29

    run_app(db, check)


def test_facets_filter_by_category_and_cancel_keeps_filters(db: Path) -> None:
    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        home = pilot.app.screen
        await press(pilot, "f")
        facets = pilot.app.screen
        assert "Category" in screen_text(pilot.app)
        rows = facets.lists["category"].source.rows
        finance = next(i for i, r in enumerate(rows) if r.value == "finance")
        facets.lists["category"].move_to(finance)
        await press(pilot, "space", "enter")
        assert pilot.app.screen is home
        assert [(c.field, c.value) for c in home.chips] == [("category", "finance")]
        assert home.evidence.count == 3
        await press(pilot, "f", "2", "escape")  # country facet, then cancel: nothing changes
        assert [(c.field, c.value) for c in home.chips] == [("category", "finance")]

    run_app(db, check)


def test_facets_show_categories_while_the_slow_country_counts_are_still_running(db: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """On a million findings the country facet takes seconds: the others do not wait for it."""
    import threading

    import store.search

    real_facets, release = store.search.facets, threading.Event()

    def facets(conn, flt, *, only=None):  # type: ignore[no-untyped-def]
        if only is not None and "country" in only:
            release.wait(20)  # a slow count, until the test lets it finish
        return real_facets(conn, flt, only=only)

    monkeypatch.setattr(store.search, "facets", facets)

    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.press("f")
        screen = pilot.app.screen
        await until(pilot, lambda: screen.lists["category"].count, "the category counts")
        assert screen.lists["category"].count and screen.lists["year"].count is not None
        await pilot.press("2")
        await until(pilot, lambda: pilot.app.focused is screen.lists["country"], "the country facet")
        await pilot.pause()  # its first paint
        assert "counting…" in screen_text(pilot.app)  # not "no values"
        release.set()
        await until(pilot, lambda: screen.lists["country"].count, "the country counts")
        assert "CN China" in screen_text(pilot.app)

    run_app(db, check)


def test_sort_cycles_actor_order(db: Path) -> None:
    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        home = pilot.app.screen
        await press(pilot, "1", "s")
        assert home.actor_sort == "count"
        assert home.actors.row_at(0).id == "china"
        await press(pilot, "s")
        assert home.actor_sort == "kind"

    run_app(db, check)


def test_panes_switch_with_numbers_and_tab_at_80x24(db: Path) -> None:
    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        home = pilot.app.screen
        assert home.has_class("-narrow")
        await press(pilot, "1")
        assert home.actors.display and not home.evidence.region.height
        assert "17 Chinese companies" in screen_text(pilot.app)
        await press(pilot, "tab")
        assert pilot.app.focused is home.regions
        await press(pilot, "tab")
        assert pilot.app.focused is home.evidence
        await press(pilot, "i")  # the detail pane opens under the list
        assert home.detail.region.height > 0
        assert "Category" in screen_text(pilot.app)

    run_app(db, check)


def test_wide_layout_shows_every_pane_and_the_detail(db: Path) -> None:
    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        home = pilot.app.screen
        assert home.has_class("-wide")
        for widget in (home.actors, home.regions, home.evidence, home.detail):
            assert widget.region.height > 0
        await press(pilot, "down")
        text = screen_text(pilot.app)
        assert "Actors  24" in text and "Regions  6" in text
        assert home.detail.evidence_id == home.evidence.highlighted.id
        assert "The Kyiv Independent" in text  # the citation in the detail pane

    run_app(db, check, size=(120, 40))


def test_no_crash_when_resized_down_to_40x12_and_back(db: Path) -> None:
    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        for size in ((60, 20), (40, 12), (80, 24)):
            await pilot.resize_terminal(*size)
            await settle(pilot)
            await press(pilot, "down", "1", "2", "3", "i")
            assert pilot.app.screen.evidence.count == 29
        await pilot.resize_terminal(40, 12)
        await press(pilot, "enter")
        await settle(pilot)
        assert "›" in screen_text(pilot.app)
        await press(pilot, "escape")

    run_app(db, check, size=(120, 40))


def test_usable_at_40x12(db: Path) -> None:
    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        text = screen_text(pilot.app)
        assert "Search" in text and "Evidence" in text and "? Help" in text
        await press(pilot, "slash")
        await type_text(pilot, "yuan")
        await press(pilot, "enter", "enter")
        assert pilot.app.screen.__class__.__name__ == "EvidenceScreen"

    run_app(db, check, size=(40, 12))


def test_low_bandwidth_mode_uses_terminal_colours_no_animation_no_blink(db: Path) -> None:
    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        app = pilot.app
        assert app.theme == "ansi-dark" and app.current_theme.ansi
        assert app.animation_level == "none"
        assert app.has_class("-low-bandwidth")
        assert app.screen.search.cursor_blink is False
        assert not app.screen.evidence.show_vertical_scrollbar  # no scrollbar column to repaint

    run_app(db, check, low_bandwidth=True)


@pytest.mark.parametrize(("args", "env", "low"), [([], "", False), (["--low-bandwidth"], "", True), ([], "1", True)])
def test_cli_runs_without_mouse_in_low_bandwidth_mode(db: Path, monkeypatch, args, env, low) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import run_cli
    from tui.app import FindingsApp

    calls = []
    monkeypatch.setenv("FINDINGS_LOW_BANDWIDTH", env)
    monkeypatch.setattr(FindingsApp, "run", lambda self, **kw: calls.append((self.low_bandwidth, kw)))
    monkeypatch.setattr("tui.start.terminal_problem", lambda: None)  # as in a terminal (CliRunner's is not one)
    result = run_cli("tui", *args, db=db)
    assert result.exit_code == 0, result.output
    assert calls == [(low, {"mouse": not low})]


def test_a_facet_key_right_after_f_opens_that_facet(db: Path) -> None:
    """`f` then `2` in one burst (a slow link): the facets open on Country, every time, and the home screen's
    panes stay as they were (the `2` is not the home screen's Regions key)."""
    from tests.tui_support import burst
    from tui.screens.facets import FacetsScreen

    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        home = pilot.app.screen
        for key, name in (("2", "country"), ("3", "region"), ("4", "year"), ("2", "country"), ("3", "region")):
            await burst(pilot, "f", key)
            facets = pilot.app.screen
            assert isinstance(facets, FacetsScreen)
            assert facets.tabs.active == name and pilot.app.focused is facets.lists[name]
            assert facets.lists[name].display and not facets.lists["category"].display
            await press(pilot, "escape")
            assert pilot.app.screen is home and pilot.app.focused is home.evidence

    run_app(db, check)


def test_marking_and_applying_facets_in_one_burst_applies_what_was_marked(db: Path) -> None:
    """`2 space enter` sent at once (a slow link) once the facets are shown: the Country facet's first value is
    marked, then applied, in the order typed; `space j space enter` marks two."""
    from tests.tui_support import burst
    from tui.screens.facets import FacetsScreen

    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        app = pilot.app
        home = app.screen
        await press(pilot, "f")
        assert isinstance(app.screen, FacetsScreen)
        countries = [r.value for r in app.screen.lists["country"].source.rows]
        categories = [r.value for r in app.screen.lists["category"].source.rows]
        await burst(pilot, "2", "space", "enter")
        assert app.screen is home
        assert [(c.field, c.value) for c in home.chips] == [("country", countries[0])]
        await press(pilot, "x", "f")
        await burst(pilot, "space", "j", "space", "enter")
        assert [(c.field, c.value) for c in home.chips] == [("category", categories[0]), ("category", categories[1])]

    run_app(db, check)
