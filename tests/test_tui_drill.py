"""Drill-down, the history stack and breadcrumb, the command palette, help, copy and export."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from tests.tui_support import palette_hits, palette_lists, press, run_app, screen_text, settle, type_text, until


def crumbs(app) -> list[str]:  # type: ignore[no-untyped-def]
    return [s.crumb for s in app.screen_stack]


def test_enter_on_an_actor_opens_its_screen_and_escape_goes_back(db: Path) -> None:
    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        app = pilot.app
        home = app.screen
        await press(pilot, "1")
        home.actors.move_to(1)  # China (by name)
        await press(pilot, "enter")
        screen = app.screen
        assert screen.__class__.__name__ == "ActorScreen"
        assert crumbs(app) == ["Home", "China"]
        text = screen_text(app)
        assert "findings › Home › China" in text
        assert "Regions Crimea 2" in text  # its regions with counts, on the first screen
        assert "1 Evidence 15" in text and screen.evidence.count == 15
        assert "Timeline" in text
        await press(pilot, "2")  # the regions section; Enter opens one
        assert app.focused.row_at(0).label == "Crimea"
        await press(pilot, "enter")
        assert crumbs(app) == ["Home", "China", "Crimea"]
        assert "findings › Home › China › Crimea" in screen_text(app)
        await press(pilot, "backspace")
        assert crumbs(app) == ["Home", "China"]
        await press(pilot, "escape")
        assert app.screen is home

    run_app(db, check)


def test_a_section_key_pressed_before_the_side_is_mounted_opens_that_section(db: Path) -> None:
    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        app = pilot.app
        app.open("actor", "china")
        await pilot.press("2")  # at once: the side sections are mounted after the screen's first frame
        screen = app.screen
        assert screen.__class__.__name__ == "ActorScreen"
        await settle(pilot)
        assert screen.side and app.focused.id == "regions" and app.focused.row_at(0).label == "Crimea"
        assert "2 Regions 6" in screen_text(app) and "Occupied territories of Ukraine (as a whole)" in screen_text(app)

    run_app(db, check)


def test_actor_relations_tree_leads_to_the_other_actor(db: Path) -> None:
    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        app = pilot.app
        app.open("actor", "china")
        await settle(pilot)
        await press(pilot, "3")
        tree = app.focused
        assert tree.id == "relations"
        labels = [str(n.label) for n in tree.root.children]
        assert labels == ["ally-of", "contractor-for", "head-of"]
        tree.move_cursor(tree.root.children[2].children[0])  # ← Xi Jinping
        await press(pilot, "enter")
        assert crumbs(app) == ["Home", "China", "Xi Jinping"]

    run_app(db, check)


def test_region_screen_shows_actors_categories_and_evidence(db: Path) -> None:
    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        app = pilot.app
        await press(pilot, "2", "enter")  # Crimea
        screen = app.screen
        assert screen.__class__.__name__ == "RegionScreen"
        assert screen.evidence.count == 25  # its 2, then the 23 about the occupied territories as a whole
        text = screen_text(app)
        assert "Crimea" in text and "UA-43" in text and "occupied since 2014" in text
        words = " ".join(text.split())  # the profile wraps at 100 columns
        assert "2 findings · 23 general (about Occupied territories of Ukraine as a whole)" in words
        assert "Evidence 25 · Crimea 2 · Occupied territories of" in words  # the header, as far as it fits
        rows = [screen.evidence.row_at(i) for i in range(25)]
        assert [r.scope for r in rows] == ["specific"] * 2 + ["general"] * 23
        assert "general" in screen.evidence.render_line(2).text  # the first general row says so
        assert "Actors China" in text
        await press(pilot, "3")
        assert "sanctions-evasion" in screen_text(app)
        # its own findings only: the general ones (finance among them) are not Crimea's
        assert screen.data["by_category"] == [("diplomacy", 1), ("sanctions-evasion", 1)]
        await press(pilot, "2", "enter")
        assert app.screen.__class__.__name__ == "ActorScreen"

    run_app(db, check, size=(100, 30))


def test_evidence_screen_reaches_every_link_in_one_key(db: Path) -> None:
    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        app = pilot.app
        app.open("evidence", "bank-branches-sell-yuan")
        await settle(pilot)
        text = screen_text(app)
        assert "79 bank branches" in text
        assert "1 actor   China" in text and "s source" in text
        await press(pilot, "1")
        assert crumbs(app)[-1] == "China"
        await press(pilot, "escape", "2")  # "in the occupied territories": the whole, not one region
        assert crumbs(app)[-1] == "Occupied territories of Ukraine"
        await press(pilot, "escape", "s")
        assert app.screen.__class__.__name__ == "SourceScreen"
        assert app.screen.evidence.count == 29
        assert "The Kyiv Independent" in screen_text(app)
        await press(pilot, "enter")  # a finding of the source
        assert app.screen.__class__.__name__ == "EvidenceScreen"
        assert len(app.screen_stack) == 4

    run_app(db, check)


def test_unknown_id_says_so(db: Path) -> None:
    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        pilot.app.open("actor", "no-such-actor")
        await settle(pilot)
        assert "Nothing with id no-such-actor" in screen_text(pilot.app)

    run_app(db, check)


def test_palette_china_then_escape_home_then_ri_group(db: Path) -> None:
    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        app = pilot.app
        home = app.screen
        await press(pilot, "ctrl+p")
        await type_text(pilot, "China")
        await palette_lists(pilot, "China")  # the palette gathers hits in batches
        await press(pilot, "enter")
        assert app.screen.__class__.__name__ == "ActorScreen" and app.screen.item_id == "china"
        text = screen_text(app)
        assert "Regions Crimea" in text and "Evidence 15" in text
        await press(pilot, "escape")
        assert app.screen is home
        await press(pilot, "ctrl+p")
        await type_text(pilot, "RI-Gr")
        await palette_lists(pilot, "RI-Group")
        await press(pilot, "enter")
        assert crumbs(app) == ["Home", "RI-Group"]

    run_app(db, check)


def test_palette_finds_by_alias_and_word_at_once_and_by_letters_in_order_after(db: Path) -> None:
    from tui.commands import JumpProvider

    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        provider = JumpProvider(pilot.app.screen)
        for query, expected in (("wechat", "Tencent"), ("krym", "Crimea"), ("korea", "North Korea")):
            hits = [hit async for hit in provider.search(query)]  # what one keystroke shows
            assert hits and hits[0].text == expected, query
        assert "North Korea" not in [hit.text async for hit in provider.search("nkor")]
        await press(pilot, "ctrl+p")  # the palette itself searches every name after the keystroke
        await type_text(pilot, "nkor")
        await palette_lists(pilot, "North Korea")

    run_app(db, check)


def test_palette_typing_on_shows_at_once_the_names_found_by_letters_in_order_for_the_text_before(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Typing "nko" lists North Korea once every name has been scanned; typing "r" then lists it in the very first hits,
    not after another scan (the list would shrink to the names the indexes give, then grow again)."""
    from tui.commands import JumpProvider

    searched: list[tuple[str, list[str]]] = []
    search = JumpProvider.search

    async def recorded(self: JumpProvider, query: str):  # type: ignore[no-untyped-def]
        texts = []
        async for hit in search(self, query):
            texts.append(hit.text)
            yield hit
        searched.append((query, texts))

    monkeypatch.setattr(JumpProvider, "search", recorded)

    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        fresh = [hit.text async for hit in JumpProvider(pilot.app.screen).search("nkor")]
        assert "North Korea" not in fresh  # "nkor" on its own: what the indexes give at once
        await press(pilot, "ctrl+p")
        await type_text(pilot, "nko")
        await palette_lists(pilot, "North Korea")
        before = len(searched)
        await type_text(pilot, "r")
        await palette_lists(pilot, "North Korea")
        first_for_nkor = next(texts for query, texts in searched[before:] if query == "nkor")
        assert "North Korea" in first_for_nkor

    run_app(db, check)


def test_palette_does_not_rebuild_its_list_when_the_later_scan_finds_the_same_names(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Typing "z": the names the indexes give at once are every name with a z (and one letter starts no search of the
    findings), so the palette searches once: no second list, laid out and painted again, identical. And each set
    of candidates is ranked once: the search again that a different ranking starts shows that ranking."""
    from tui import commands
    from tui.commands import JumpProvider

    queries: list[str] = []
    rankings: list[str] = []
    search = JumpProvider.search
    rank_names = commands._ranked_names

    def ranked_names(db, query, found, limit):  # type: ignore[no-untyped-def]
        rankings.append(query)
        return rank_names(db, query, found, limit)

    monkeypatch.setattr(commands, "_ranked_names", ranked_names)

    async def counted(self: JumpProvider, query: str):  # type: ignore[no-untyped-def]
        queries.append(query)
        async for hit in search(self, query):
            yield hit

    monkeypatch.setattr(JumpProvider, "search", counted)

    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        await press(pilot, "ctrl+p")
        await type_text(pilot, "z")
        await palette_lists(pilot, "")
        hits = palette_hits(pilot.app)
        assert hits and queries == ["z"], (hits, queries)
        await type_text(pilot, "a")  # "za": the same names, then findings by their text, shown after them
        await palette_lists(pilot, "")
        assert queries.count("za") == 2, queries
        # the names the indexes give, the names scanned (the same hits), the names and the findings (others)
        assert rankings.count("za") == 3, rankings

    run_app(db, check)


def test_palette_searches_further_only_once_its_first_hits_are_on_screen(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each keystroke's hits are painted before the scan of every name starts (it runs Python on a database
    thread, which took the GIL from the list's render): when it starts, the list shows the hits for that text,
    with nothing left to lay out or paint."""
    from tui import textual_internals
    from tui.commands import JumpProvider

    started: list[tuple[str, list[str], bool]] = []
    search_more = JumpProvider._search_more

    def recorded(self: JumpProvider, query: str) -> None:
        palette = self.app.screen
        started.append((query, palette_hits(self.app), textual_internals.refresh_pending(palette)))
        search_more(self, query)

    monkeypatch.setattr(JumpProvider, "_search_more", recorded)

    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        await press(pilot, "ctrl+p")
        for typed in ("h", "hu", "hua"):
            await type_text(pilot, typed[-1])
            await palette_lists(pilot, "Huawei")
            await until(pilot, lambda typed=typed: any(q == typed for q, *_ in started), f"a scan for {typed!r}")
        for query, hits, pending in started:
            assert hits and not pending, (query, hits, pending)
            assert all(query in hit.casefold() or "finding" in hit for hit in hits[:1]), (query, hits)

    run_app(db, check)


def test_help_lists_every_binding(db: Path) -> None:
    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        from tui.screens.help import binding_groups, help_content

        await press(pilot, "question_mark")
        app = pilot.app
        assert app.screen.__class__.__name__ == "HelpScreen"
        text = str(help_content(app))
        for _title, bindings in binding_groups(type(app)):
            for binding in bindings:
                described = binding.group.description if binding.group else binding.description
                assert described in text and (binding.tooltip or "") in text
        for needle in ("/", "Search", "^p", "Export", "Copy", "Facets", "Filter", "Back", "^q"):
            assert needle in text
        # Families of keys (a finding's nine link keys, a profile's numbered sections) are one line each.
        assert "Open link" not in text and "Section 2" not in text
        families = [line.split(maxsplit=1) for line in text.splitlines() if line.lstrip()[:1].isdigit()]
        assert ["2–4", "The other sections, by their number on the tab line"] in families
        assert ["1–9", "Open a link (by its number)"] in families
        await press(pilot, "escape")
        assert app.screen.__class__.__name__ == "HomeScreen"

    run_app(db, check)


def test_y_copies_the_citation_and_says_so(db: Path) -> None:
    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        app = pilot.app
        await press(pilot, "slash")
        await type_text(pilot, "79 bank branches")
        await press(pilot, "enter", "y")
        assert app.clipboard.startswith("According to the report, 79 bank branches")
        assert "Source: The Kyiv Independent, “China, Iran help Russia" in app.clipboard
        assert app.clipboard.endswith(
            "para 16 [findings: bank-branches-sell-yuan; source: kyiv-independent-occupied-economy]"
        )
        assert any("Copied the citation of bank-branches-sell-yuan" in n.message for n in app._notifications)

    run_app(db, check)


@pytest.mark.parametrize(("key", "suffix", "first"), [("m", ".md", "#"), ("c", ".csv", "id,"), ("j", ".json", "[")])
def test_e_exports_the_current_list(db: Path, tmp_path: Path, monkeypatch, key: str, suffix: str, first: str) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "exports"
    out.mkdir()
    monkeypatch.setenv("FINDINGS_EXPORT_DIR", str(out))

    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        app = pilot.app
        home = app.screen
        await press(pilot, "2", "space")  # Crimea
        await press(pilot, "e")
        assert "Export 25 findings" in screen_text(app)  # Crimea's 2 and the 23 general ones
        await press(pilot, key)
        await settle(pilot)
        assert app.screen is home
        files = sorted(out.iterdir(), key=lambda p: len(p.name))
        assert files[0].suffix == suffix
        text = files[0].read_text(encoding="utf-8")
        assert text.lstrip().startswith(first)
        messages = [n.message for n in app._notifications]
        if suffix == ".md":  # the brief says it is the Crimea chip's part of the database
            assert len(files) == 1
            split = "(Crimea 2 · Occupied territories of Ukraine as a whole 23)"
            assert f"*Selection: region Crimea: 25 of 29 findings {split} in the database" in text
            assert f"Exported 25 findings to {files[0]}" in messages
        else:  # beside it, what it holds
            assert [f.name for f in files] == [files[0].name, files[0].name + ".meta.json"]
            meta = json.loads(files[1].read_text(encoding="utf-8"))
            assert meta["filters"] == {"regions": [{"id": "crimea", "name": "Crimea"}]}
            assert (meta["count"], meta["total_in_database"], meta["selection"]) == (25, 29, "region Crimea")
            assert meta["sha256"] == hashlib.sha256(files[0].read_bytes()).hexdigest()
            assert meta["database"] == str(db.resolve())
            assert f"Exported 25 findings to {files[0]}; what it holds: {files[1].name}" in messages

    run_app(db, check)


def test_an_export_says_how_far_it_has_got_and_esc_stops_it_leaving_nothing(  # type: ignore[no-untyped-def]
    db: Path, tmp_path: Path, monkeypatch
) -> None:
    """While the file is written the dialog says so (the file, how many of how many, for how long); esc stops it
    at the next batch, and neither the file nor its temporary part is left."""
    import threading

    import store.export

    out = tmp_path / "exports"
    out.mkdir()
    monkeypatch.setenv("FINDINGS_EXPORT_DIR", str(out))
    real = store.export.write_export
    reached, go_on = threading.Event(), threading.Event()

    def held(*args, **kwargs):  # type: ignore[no-untyped-def]
        progress = kwargs["progress"]

        def paced(n: int) -> None:  # the export's thread waits here, after its first batch, for the test
            progress(n)
            reached.set()
            go_on.wait(60)
            progress(n)  # the dialog's: raises once esc was pressed

        return real(*args, **{**kwargs, "progress": paced})

    monkeypatch.setattr(store.export, "write_export", held)

    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        app = pilot.app
        home = app.screen
        await press(pilot, "2", "space")  # Crimea: 25 findings
        await press(pilot, "e")
        await pilot.press("c")  # (not `press`: it would wait for the export, held below)
        await until(pilot, reached.is_set, "the export's first batch")
        progress = re.compile(r"\b([1-9][\d,]*) of 25 written · \d+ s")  # after the first batch, however big
        await until(pilot, lambda: progress.search(screen_text(app)), "the progress")
        text = screen_text(app)
        assert "Exporting as CSV" in text and "esc stop (nothing is kept)" in text
        assert re.search(r"to findings-\d{8}-\d{6}\.csv", text)
        await pilot.press("escape")
        await until(pilot, lambda: "Stopping" in screen_text(app), "the dialog to say it stops")
        assert app.screen is not home  # it has not yet
        go_on.set()
        await until(pilot, lambda: app.screen is home, "the dialog to close")
        messages = [n.message for n in app._notifications]
        assert any(m.startswith("Export stopped: nothing was written") for m in messages), messages
        assert list(out.iterdir()) == []

    run_app(db, check)


def test_actor_relations_tree_moves_with_j_k_g_and_G_as_the_lists_do(db: Path) -> None:
    from tui.screens.actor import RelationsTree
    from tui.screens.help import help_lines
    from tui.widgets.virtual_list import VirtualList

    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        app = pilot.app
        app.open("actor", "china")
        await settle(pilot)
        await press(pilot, "3")
        tree = app.focused
        assert tree.id == "relations" and tree.last_line > 2
        start = tree.cursor_line
        await press(pilot, "j")
        assert tree.cursor_line == start + 1
        await press(pilot, "j", "k")
        assert tree.cursor_line == start + 1
        await press(pilot, "G")
        assert tree.cursor_line == tree.last_line
        await press(pilot, "g")
        assert tree.cursor_line == 0
        # help says so, with the same keys and words as for the lists
        tree_lines, list_lines = help_lines(app, list(RelationsTree.BINDINGS)), help_lines(app, VirtualList.BINDINGS)
        moves = [line for line in list_lines if line[1] in ("Down", "Up", "First", "Last", "Page down", "Page up")]
        assert len(moves) == 6 and all(line in tree_lines for line in moves)

    run_app(db, check)


def test_the_end_of_a_long_findings_text_can_be_scrolled_into_view(db: Path, tmp_path: Path) -> None:
    """A QA run: on a finding with a long text, End stopped a line short (the last step of the scroll,
    47.6 -> 48, repainted nothing and the view drew line 47 on), so its history row was never seen; and Tab, the
    key that moves from the links to the text, was not in the footer."""
    from tests.conftest import import_yaml

    claim = " ".join(["У Херсоні окупаційна влада разом із компанією Хуавей встановлювала обладнання зв'язку."] * 20)
    import_yaml(
        db,
        tmp_path,
        f'evidence:\n  - id: long-one\n    claim: "{claim}"\n    category: telecom\n'
        "    source: kyiv-independent-occupied-economy\n    actors: [huawei]\n",
    )

    def lines(strips) -> str:  # type: ignore[no-untyped-def]
        return "\n".join("".join(seg.text for seg in strip) for strip in strips)

    def body(app):  # type: ignore[no-untyped-def]
        return app.screen.query("#evidence-body").first() if app.screen.query("#evidence-body") else None

    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        app = pilot.app
        app.open("evidence", "long-one")
        await until(pilot, lambda: body(app) is not None and "History (1 change)" in lines(body(app)._lines), "text")
        await settle(pilot)
        assert "tab Text / links" in screen_text(app)
        await press(pilot, "tab")
        await until(pilot, lambda: app.focused is body(app), "the text focused")
        await press(pilot, "end")
        view = body(app)
        last = lines(view._lines[-1:]).strip()
        # what the last frames drew (the compositor's strips), not a fresh render of the screen
        await until(
            pilot,
            lambda: view.scroll_y == view.max_scroll_y and last in lines(app.screen._compositor.render_strips()),
            "the last line shown",
        )

    run_app(db, check)
