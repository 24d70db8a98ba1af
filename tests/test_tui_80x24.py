"""Small things a person sees at 80x24: labels that must be there, cut text that says so, keys that are offered."""

from __future__ import annotations

from pathlib import Path

from textual.content import Content

from tests.tui_support import press, run_app, screen_text, settle, type_text, until
from tui.widgets.clipped import clip_lines


def lines(app) -> list[str]:  # type: ignore[no-untyped-def]
    return screen_text(app).splitlines()


def footer(app) -> str:  # type: ignore[no-untyped-def]
    return lines(app)[-1]


def test_the_sort_order_is_on_the_tab_line_at_80_columns(db: Path) -> None:
    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        await press(pilot, "1")
        assert "3 Evidence 29 · by name" in lines(pilot.app)[2]
        await press(pilot, "s")
        assert "· by evidence" in lines(pilot.app)[2]
        await press(pilot, "2")
        assert "· by name" in lines(pilot.app)[2]  # the regions' own order
        await press(pilot, "slash")
        await type_text(pilot, "crimea")
        assert "· best match first" in lines(pilot.app)[2]  # a search orders them, not the sort

    run_app(db, check)


def test_while_typing_an_empty_pane_names_where_the_hits_are_and_the_footer_has_the_keys(db: Path) -> None:
    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        app = pilot.app
        await press(pilot, "1", "slash")
        assert "⏎ Findings" in footer(app) and "esc List" in footer(app)  # not only ^q Quit
        await type_text(pilot, "yua")
        assert "1 Actors 0" in lines(app)[2]
        assert lines(app)[3].strip() == "no actors match “yua” · found in Evidence 2 (3)"
        assert "⏎ Findings" in footer(app)
        await press(pilot, "enter")
        assert app.focused is app.screen.evidence and app.screen.evidence.count == 2

    run_app(db, check)


def test_the_relations_cursor_starts_on_a_kind_and_enter_is_offered(db: Path) -> None:
    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        app = pilot.app
        app.open("actor", "china")
        await settle(pilot)
        await press(pilot, "3")
        tree = app.screen.query_one("#relations")
        assert app.focused is tree and tree.cursor_line == 0 and str(tree.cursor_node.label) == "ally-of"
        assert "⏎ Fold" in footer(app)
        await press(pilot, "enter")  # folds the kind
        assert not tree.cursor_node.is_expanded and "→ Russia" not in screen_text(app).split("ally-of")[1][:20]
        await press(pilot, "enter")
        await press(pilot, "down")
        assert "⏎ Open" in footer(app)
        await press(pilot, "enter")
        await until(pilot, lambda: app.screen.crumb == "Russia", "Russia's screen")

    run_app(db, check)


def test_text_that_does_not_fit_ends_in_an_ellipsis(db: Path) -> None:
    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        app = pilot.app
        app.open("actor", "china")
        await settle(pilot)
        shown = lines(app)
        summary = shown[6].rstrip()  # the profile's last line at 80x24: China's summary goes on
        assert summary.endswith("…") and "them in law." not in screen_text(app)
        assert shown[8].rstrip().endswith("…")  # the line of its regions
        await press(pilot, "escape")
        app.open("source", "kyiv-independent-occupied-economy")
        await settle(pilot)
        assert lines(app)[6].rstrip().endswith("…")  # the source's notes

    run_app(db, check)


def test_clip_lines_cuts_at_the_height_with_an_ellipsis() -> None:
    text = Content("one two three four five six seven eight")
    assert clip_lines(text, 10, 9).plain == "one two\nthree four\nfive six\nseven\neight"
    assert clip_lines(text, 10, 2).plain == "one two\nthree…"
    assert clip_lines(Content("abcdefghijklmnop"), 10, 1).plain == "abcdefghi…"
    assert clip_lines(text, 10, 1).plain == "one two…"
    assert clip_lines(Content("short"), 10, 1).plain == "short"


def test_the_country_column_stays_put_whatever_the_count(db: Path) -> None:
    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        await press(pilot, "1")
        rows = [line for line in lines(pilot.app) if " CN " in line]
        counts = {line.split()[-1] for line in rows}
        assert {"1", "15"} <= counts  # one digit and two
        assert len({line.index(" CN ") for line in rows}) == 1, rows

    run_app(db, check)


def test_the_palette_screenshot_is_saved_where_exports_go(db: Path, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "exports"
    out.mkdir()
    monkeypatch.setenv("FINDINGS_EXPORT_DIR", str(out))

    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        app = pilot.app
        await press(pilot, "ctrl+p")
        await type_text(pilot, "screenshot")
        await press(pilot, "enter")
        await until(pilot, lambda: list(out.glob("*.svg")), "the screenshot")
        await until(pilot, lambda: any("Saved" in str(n.message) for n in app._notifications), "its notification")
        assert not any(n.severity == "error" for n in app._notifications)

    run_app(db, check)
    (svg,) = out.glob("*.svg")
    assert "<svg" in svg.read_text(encoding="utf-8")


def test_the_breadcrumb_names_a_finding_by_the_start_of_its_claim(db: Path) -> None:
    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        app = pilot.app
        app.open("evidence", "bank-branches-sell-yuan")
        await settle(pilot)
        crumb = lines(app)[0]
        assert "According to the report, 79 bank…" in crumb and "bank-branches-sell-yuan" not in crumb

    run_app(db, check)
