"""Review mode (`findings review`): triage an imported article in the explorer, every change in the history."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import digest, one, query, run_cli
from tests.tui_support import add_evil_records, burst, press, screen_text, settle, until

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT / "tests" / "data" / "articles" / "port-cranes.md"
SOURCE = "chinese-cranes-arrive-in-occupied-mariupol"
REVIEWER = "Olena Kovalenko"


def para(n: int) -> str:
    return f"{SOURCE}-para-{n}"


def imported(db: Path) -> Path:
    result = run_cli("import", "article", str(ARTICLE), "--url", "https://example.org/cranes", db=db)
    assert result.exit_code == 0, result.output
    return db


def review_app(db: Path, query_text: str = f"source:{SOURCE}", reviewer: str = REVIEWER) -> Any:
    from tui.app import FindingsApp
    from tui.review_api import Review

    return FindingsApp(db, review=Review(reviewer, query_text))


def run(app: Any, test: Any, size: tuple[int, int] = (80, 24)) -> None:
    async def main() -> None:
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            await test(pilot)

    asyncio.run(main())


def row_text(app: Any, index: int) -> str:
    return app.screen.evidence.render_line(index - int(app.screen.evidence.scroll_y)).text


async def palette_pick(pilot: Any, key: str, text: str) -> None:
    """Open a link palette with `key`, type `text`, take the first hit."""
    from textual.command import CommandPalette

    await press(pilot, key)
    assert isinstance(pilot.app.screen, CommandPalette)
    await pilot.press(*text)
    await until(pilot, lambda: pilot.app.screen.query("CommandList").first().option_count > 0, "palette hits")
    await press(pilot, "down", "enter")


def test_triage_an_article_then_read_the_history_and_the_cited_text(db: Path) -> None:
    """Import an article, open review mode, mark two findings curated and one rejected, fix a region link and a
    date; close, reopen: each change is in the finding's history with the reviewer's name, under the paragraph
    the finding cites."""
    imported(db)
    before = dict(query(db, "SELECT id, status FROM evidence"))
    order: list[str] = []

    async def triage(pilot: Any) -> None:
        app = pilot.app
        screen = app.screen
        assert screen.__class__.__name__ == "ReviewScreen"
        assert screen.evidence.count == 4  # the article's unreviewed findings
        order.extend(screen.evidence.row_at(i).id for i in range(4))
        assert order[0] == para(7)
        assert "unreviewed" in row_text(app, 0)

        # the date: the visit was in April (a bad date first: said in the form, nothing written)
        await press(pilot, "E")
        form = app.screen
        assert form.__class__.__name__ == "EditScreen"
        form.inputs["date"].value = "2025-04-31"
        await press(pilot, "enter")
        assert form.error_text.startswith("Not saved") and "day 31 does not exist" in form.error_text
        assert "Not saved" in screen_text(app)
        assert app.screen is form
        form.inputs["date"].value = "2025-04"
        await press(pilot, "enter")
        assert app.screen is screen
        assert "2025-04" in row_text(app, 0)  # the row, in place

        # the region link: Donbas here means Donetsk and Zaporizhzhia, not Luhansk
        await palette_pick(pilot, "L", "luhansk")
        await until(pilot, lambda: "Unlinked region luhansk" in screen.review_status.text, "the unlink")
        await palette_pick(pilot, "l", "zaporiz")
        await until(pilot, lambda: "Linked region zaporizhzhia" in screen.review_status.text, "the link")

        # two curated, one rejected; each row shows its new mark where it was, the list keeps its length
        await press(pilot, "c")  # para 7, then the cursor goes on
        await until(pilot, lambda: "curated" in row_text(app, 0), "the curated mark")
        await press(pilot, "c")  # para 5
        await until(pilot, lambda: "curated" in row_text(app, 1), "the second mark")
        await press(pilot, "down")  # para 2 stays unreviewed
        await press(pilot, "r")  # para 1: a photo caption, no finding
        await until(pilot, lambda: "rejected" in row_text(app, 3), "the rejected mark")
        assert screen.evidence.count == 4
        assert "unreviewed" in row_text(app, 2)
        # the marks read without colour: words, not colours
        assert [row_text(app, i).split()[-1] for i in range(4)] == ["curated", "curated", "unreviewed", "rejected"]

    run(review_app(db), triage)
    assert order == [para(7), para(5), para(2), para(1)]
    assert dict(query(db, "SELECT id, status FROM evidence WHERE source_id = ?", SOURCE)) == {
        para(7): "curated",
        para(5): "curated",
        para(2): "unreviewed",
        para(1): "rejected",
    }
    assert one(db, "SELECT date FROM evidence WHERE id = ?", para(7)) == "2025-04"
    assert {r[0] for r in query(db, "SELECT region_id FROM evidence_regions WHERE evidence_id = ?", para(7))} == {
        "donetsk",
        "zaporizhzhia",
    }
    # nothing else was touched
    after = dict(query(db, "SELECT id, status FROM evidence"))
    assert {k: v for k, v in after.items() if not k.startswith(SOURCE)} == {
        k: v for k, v in before.items() if not k.startswith(SOURCE)
    }

    async def reopened(pilot: Any) -> None:
        app = pilot.app
        screen = app.screen
        # the queue now holds what is left to review
        assert [screen.evidence.row_at(i).id for i in range(screen.evidence.count)] == [para(2)]
        app.open("evidence", para(7))
        await settle(pilot)
        text = " ".join(screen_text(app).split())
        assert "History (" in text
        assert f"{REVIEWER} date: — → 2025-04" in text
        assert f"{REVIEWER} regions: donetsk, luhansk → donetsk" in text
        assert f"{REVIEWER} regions: donetsk → donetsk, zaporizhzhia" in text
        assert f"{REVIEWER} status: unreviewed → curated" in text
        assert "created" in text  # by the import, before the review
        assert "Sealed yes: curated; an edit needs an unseal first" in text
        # the paragraph the locator cites, from the text kept at import (no network)
        assert "Cited text (para 7) North Korea's delegation visited Donbas in April" in text
        await press(pilot, "escape")
        app.open("evidence", para(1))
        await settle(pilot)
        text = " ".join(screen_text(app).split())
        assert f"{REVIEWER} status: unreviewed → rejected" in text
        await press(pilot, "escape")
        # the last one: read on its own screen (Enter), disputed there; its row in the queue follows
        await press(pilot, "enter")
        finding = app.screen
        assert finding.__class__.__name__ == "ReviewEvidenceScreen" and finding.evidence_id == para(2)
        await press(pilot, "d")
        await until(pilot, lambda: "status: unreviewed → disputed" in screen_text(app), "its history")
        await press(pilot, "escape")
        assert app.screen is screen and "disputed" in row_text(app, 0)

    run(review_app(db), reopened, size=(80, 40))
    assert one(db, "SELECT status FROM evidence WHERE id = ?", para(2)) == "disputed"


def test_a_finding_shows_the_paragraph_its_locator_cites(db: Path) -> None:
    imported(db)

    async def check(pilot: Any) -> None:
        pilot.app.open("evidence", para(5))
        await settle(pilot)
        text = " ".join(screen_text(pilot.app).split())
        assert "Cited text (para 5)" in text
        assert "Iranian traders, meanwhile, opened an office in Simferopol" in text

    run(review_app(db), check, size=(80, 40))


def test_a_sealed_finding_is_refused_until_unsealed_and_undo_goes_back(db: Path) -> None:
    imported(db)

    async def check(pilot: Any) -> None:
        app = pilot.app
        screen = app.screen
        await press(pilot, "c")
        await until(pilot, lambda: "curated" in row_text(app, 0), "curated")
        await press(pilot, "up")
        # E, l and L on a sealed finding say at once that it is sealed and how to unseal it: no form, no palette
        for key, what in (("E", "its fields"), ("l", "its links"), ("L", "its links")):
            screen.review_status.say("")
            await press(pilot, key)
            assert app.screen is screen
            await until(pilot, lambda: "sealed" in screen.review_status.text, f"the refusal of {key}")
            text = screen.review_status.text
            assert text.startswith("Not done") and what in text and "press U to unseal it first" in text
            # on screen whole at 80 columns (a QA run: it was cut after "changing its"), on a second line
            await until(pilot, lambda: "(press U to unseal it first)" in screen_text(app), "the whole refusal")
        await press(pilot, "U")
        await until(pilot, lambda: "Unsealed" in screen.review_status.text, "unsealed")
        await press(pilot, "E")
        app.screen.inputs["claim"].value = "North Korea's delegation visited Donbas in April."
        await press(pilot, "enter")
        assert app.screen is screen
        await until(pilot, lambda: "Changed claim" in screen.review_status.text, "the edit")
        await press(pilot, "u")  # undo the claim
        await until(pilot, lambda: screen.review_status.text.startswith("Undone"), "undo")
        assert one(db, "SELECT claim FROM evidence WHERE id = ?", para(7)).endswith("stayed away.")
        for _ in range(3):  # the unseal, the mark; then nothing is left to undo, which is said, not raised
            await press(pilot, "u")
        await until(pilot, lambda: "Not done: nothing to undo" in screen.review_status.text, "nothing to undo")
        assert "unreviewed" in row_text(app, 0)
        assert app.is_running

    run(review_app(db), check)
    assert one(db, "SELECT status FROM evidence WHERE id = ?", para(7)) == "unreviewed"


def test_a_proposed_same_as_is_accepted_or_refused_side_by_side(db: Path) -> None:
    from store.connect import open_readwrite
    from store.ftm_writes import Proposal, add_proposals
    from store.write import begin, commit

    conn = open_readwrite(db)
    begin(conn)
    add_proposals(
        conn,
        [
            Proposal("same-as", "actor", "huawei", "actor", "china", "test: two names for one actor"),
            Proposal("same-as", "actor", "sany", "actor", "china", "test: another"),
        ],
    )
    commit(conn)
    conn.close()

    async def check(pilot: Any) -> None:
        app = pilot.app
        await press(pilot, "p")
        screen = app.screen
        assert screen.__class__.__name__ == "ProposalsScreen"
        text = screen_text(app)
        assert "1 of 2 · Same actor? · test: two names for one actor" in text
        assert "Huawei" in text and "China" in text
        await press(pilot, "n")  # refused
        await until(pilot, lambda: "1 of 1" in screen.heading.text, "the next proposal")
        await press(pilot, "x")  # accepted
        await until(pilot, lambda: "No open proposals" in screen.heading.text, "no more")
        assert "Accepted" in screen.status.text

    run(review_app(db), check)
    assert query(db, "SELECT left_id, status, decided_by FROM proposals ORDER BY id") == [
        ("huawei", "refused", REVIEWER),
        ("sany", "accepted", REVIEWER),
    ]
    assert one(db, "SELECT count(*) FROM relations WHERE subject_id = 'sany' AND kind = 'same-as'") == 1


def test_untrusted_text_in_the_queue_and_the_form_stays_text(db: Path, tmp_path: Path) -> None:
    add_evil_records(db, tmp_path)

    async def check(pilot: Any) -> None:
        app = pilot.app
        screen = app.screen
        index = screen.evidence.find_loaded(lambda r: r.id == "evil-click")
        assert index is not None
        screen.evidence.move_to(index)
        await press(pilot, "E")
        form = app.screen
        assert form.inputs["claim"].value == "[@click=app.quit]press[/]"  # shown as typed, not run
        await press(pilot, "enter")  # nothing changed: nothing written
        assert app.screen is screen and app.is_running

    before = digest(db)
    run(review_app(db, "status:unreviewed"), check)
    assert digest(db) == before


def test_the_plain_explorer_cannot_write_and_review_mode_writes_on_its_own_thread(db: Path) -> None:
    import sqlite3

    from tui.db import Database

    database = Database(db)
    with pytest.raises(sqlite3.OperationalError, match="read-only"):
        database.write_conn()
    database.close()
    # in review mode, writing is for the writes thread only: never the UI's
    writer = Database(db, writable=True)
    with pytest.raises(RuntimeError, match="writes thread"):
        writer.write_conn()
    assert writer.submit("writes", lambda: writer.write_conn().in_transaction).result(timeout=30) is False
    writer.close()
    assert writer.open_connections == 0


def test_review_refuses_the_shipped_data_and_a_database_not_made_yet(findings_home: Path) -> None:
    from store.paths import shipped_db

    result = run_cli("review", db=shipped_db())
    assert result.exit_code == 1 and "shipped reference data" in result.output
    result = run_cli("review")  # no database of one's own yet
    assert result.exit_code == 1 and "nothing to review" in result.output and "import" in result.output
    assert not findings_home.exists()  # and nothing was made


def test_findings_review_in_a_monochrome_terminal_marks_and_says_so(db: Path) -> None:
    """The real command in a terminal with NO_COLOR: the queue, a key, the mark in words, the row written."""
    import os
    import sys

    from tests.terminal import run_in_terminal, screen

    imported(db)
    env = {**os.environ, "TERM": "xterm", "NO_COLOR": "1"}
    argv = [sys.executable, str(ROOT / "main.py"), "review", f"source:{SOURCE}", "--db", str(db), "--reviewer", "OK"]
    done = run_in_terminal(
        argv,
        env,
        ROOT,
        until=lambda out: "Reviewing as OK" in screen(out),
        keys=b"c",
        then=lambda out: "Marked curated" in screen(out),
    )
    assert done.status == 0
    shown = screen(done.shown).splitlines()
    assert any("North Korea's delegation" in line and line.rstrip().endswith("curated") for line in shown), shown
    assert any(line.rstrip().endswith("unreviewed") for line in shown)
    assert b"\x1b[38;2" not in done.output and b"\x1b[48;2" not in done.output  # no colours at all
    assert one(db, "SELECT status FROM evidence WHERE id = ?", para(7)) == "curated"
    assert query(db, "SELECT who, field, after FROM changes WHERE record_id = ? AND import_id IS NULL", para(7)) == [
        ("OK", "status", '"curated"')
    ]


def test_accepting_a_proposed_duplicate_rejects_the_new_finding_and_its_row_says_so(db: Path) -> None:
    from store.connect import open_readwrite
    from store.ftm_writes import Proposal, add_proposals
    from store.write import begin, commit

    imported(db)
    conn = open_readwrite(db)
    begin(conn)
    add_proposals(conn, [Proposal("duplicate", "evidence", para(1), "evidence", para(2), "test: the same port")])
    commit(conn)
    conn.close()

    async def check(pilot: Any) -> None:
        app = pilot.app
        queue = app.screen
        await press(pilot, "p")
        text = " ".join(screen_text(app).split())
        assert "Duplicate finding? · test: the same port" in text
        assert "New" in text and "Existing" in text and "Photo: a cargo ship" in text
        await press(pilot, "x")
        await until(pilot, lambda: "No open proposals" in app.screen.heading.text, "decided")
        await press(pilot, "escape")
        assert app.screen is queue
        assert "rejected" in row_text(app, 3)  # the new finding's row, where it was

    run(review_app(db), check, size=(100, 30))
    assert one(db, "SELECT status FROM evidence WHERE id = ?", para(1)) == "rejected"


def test_a_refused_value_in_the_edit_form_saves_nothing_and_a_save_updates_the_row(db: Path) -> None:
    """Typed as a person types: the claim changed, then an unknown category. The form says "Not saved" and nothing
    is written, not even the valid claim; Esc leaves it so. A save of valid fields is one change, its row shows the
    new claim, and a claim in another language gives the finding that language."""
    imported(db)
    claim = one(db, "SELECT claim FROM evidence WHERE id = ?", para(7))
    assert one(db, "SELECT lang FROM evidence WHERE id = ?", para(7)) == "en"

    async def check(pilot: Any) -> None:
        app = pilot.app
        screen = app.screen
        await press(pilot, "E")
        form = app.screen
        assert form.__class__.__name__ == "EditScreen"
        await press(pilot, "end", *" EDIT")
        await press(pilot, "tab")
        await press(pilot, "tab")
        assert app.focused is form.inputs["category"]
        await press(pilot, "ctrl+u", *"військо", "enter")
        await until(pilot, lambda: form.error_text.startswith("Not saved"), "the refusal")
        assert "військо" in form.error_text and app.screen is form
        assert form.inputs["claim"].value == f"{claim} EDIT"  # the form keeps what was typed
        await press(pilot, "escape")
        assert app.screen is screen
        assert one(db, "SELECT claim FROM evidence WHERE id = ?", para(7)) == claim  # nothing was written
        assert one(db, "SELECT count(*) FROM changes WHERE who = ?", REVIEWER) == 0

        await press(pilot, "E")
        form = app.screen
        form.inputs["claim"].value = "Делегація КНДР відвідала Донбас у квітні, але вона також була в Криму."
        form.inputs["category"].value = "military"
        await press(pilot, "enter")
        assert app.screen is screen
        await until(pilot, lambda: "Changed claim, category" in screen.review_status.text, "the save")
        assert "Делегація КНДР" in row_text(app, 0)  # the row, in place

    run(review_app(db), check, size=(100, 30))
    assert one(db, "SELECT claim, category, lang FROM evidence WHERE id = ?", para(7)) == (
        "Делегація КНДР відвідала Донбас у квітні, але вона також була в Криму.",
        "military",
        "uk",
    )
    # one action: the claim, the category and the language the claim now shows, undone together
    rows = query(db, "SELECT field, action FROM changes WHERE record_id = ? AND who = ?", para(7), REVIEWER)
    assert sorted(field for field, _ in rows) == ["category", "claim", "lang"]
    assert len({action for _, action in rows}) == 1
    assert run_cli("check", db=db).exit_code == 0


def test_an_edit_changes_only_what_was_typed(db: Path) -> None:
    """A QA run: fixing one character of a claim (E, End, Backspace, `.`) saved the whole claim altered: its line
    breaks and no-break spaces as plain spaces, a stored ESC and U+200B as the literal `␛` and `<U+200B>` the
    form shows for them. The parts not touched are saved as they were stored."""
    imported(db)
    stored = "Перше речення.\nДруге: 1\u00a0200 тонн, Hua\u200bwei \x1b[31m червоне"
    conn = sqlite3.connect(db)
    conn.execute("UPDATE evidence SET claim = ? WHERE id = ?", (stored, para(7)))
    conn.commit()
    conn.close()

    async def check(pilot: Any) -> None:
        app = pilot.app
        screen = app.screen
        await press(pilot, "E")
        form = app.screen
        assert "Hua<U+200B>wei ␛[31m" in form.inputs["claim"].value  # shown, never raw
        await press(pilot, "end", "backspace", *"е.", "enter")
        assert app.screen is screen
        await until(pilot, lambda: "Changed claim" in screen.review_status.text, "the save")

    run(review_app(db), check, size=(100, 30))
    assert one(db, "SELECT claim FROM evidence WHERE id = ?", para(7)) == stored[:-1] + "е."


def test_ctrl_c_leaves_the_edit_form_unsaved_and_quits_elsewhere(db: Path) -> None:
    imported(db)
    claim = one(db, "SELECT claim FROM evidence WHERE id = ?", para(7))

    async def check(pilot: Any) -> None:
        app = pilot.app
        screen = app.screen
        await press(pilot, "E")
        await press(pilot, "end", *" EDIT", "ctrl+c")
        assert app.screen is screen and app.is_running  # the form left, the app still there
        await press(pilot, "ctrl+c")
        await until(pilot, lambda: not app.is_running, "the quit")

    run(review_app(db), check, size=(100, 30))
    assert one(db, "SELECT claim FROM evidence WHERE id = ?", para(7)) == claim


def test_keys_typed_right_after_tab_go_to_the_next_field(db: Path) -> None:
    """Over a slow link Tab and the next keys come in one burst: each key goes to the field focused after the keys
    before it (Tab moved the focus before `Y` was given to a field), and Shift+Tab likewise."""
    imported(db)

    async def check(pilot: Any) -> None:
        app = pilot.app
        await press(pilot, "E")
        form = app.screen
        claim, date = form.inputs["claim"].value, form.inputs["date"].value
        await burst(pilot, "tab", "Y", "tab", "tab", "Z", "shift+tab", "X")
        assert form.inputs["claim"].value == claim
        assert form.inputs["date"].value == f"{date}Y"
        assert form.inputs["figure"].value.endswith("Z")
        assert form.inputs["category"].value.endswith("X")
        assert app.focused is form.inputs["category"]

    run(review_app(db), check)


def test_the_link_palette_finds_actors_and_regions_by_alias_in_any_script(db: Path) -> None:
    """`l` looks names up as the ^p palette does (store.browse.lookup, ranked by tui.commands.rank): an alias in
    Cyrillic finds its region or actor, and an exact alias (`PRC`) ranks first, above names that hold its letters."""
    from tests.tui_support import palette_hits

    imported(db)
    wanted = [
        ("Херсон", "Kherson Oblast (Херсон)", "region", "kherson"),
        ("Запорізька область", "(Запорізька область)", "region", "zaporizhzhia"),
        ("Китай", "China (Китай)", "actor", "china"),
        ("PRC", "China (PRC)", "actor", "china"),
    ]

    async def check(pilot: Any) -> None:
        app = pilot.app
        screen = app.screen
        for text, first, kind, ref_id in wanted:
            await press(pilot, "l")
            await pilot.press(*text)
            await until(pilot, lambda: palette_hits(app), f"hits for {text}")
            await settle(pilot)
            hits = palette_hits(app)
            assert hits and first in hits[0], (text, hits)
            if app.screen.query_one("CommandList").highlighted is None:
                await press(pilot, "down")  # onto the first hit
            assert app.screen.query_one("CommandList").highlighted == 0
            await press(pilot, "enter")
            said = f"Linked {kind} {ref_id}"
            await until(pilot, lambda said=said: said in screen.review_status.text, f"the link {text}")
            screen.review_status.say("")

    run(review_app(db), check, size=(100, 30))
    assert {r[0] for r in query(db, "SELECT region_id FROM evidence_regions WHERE evidence_id = ?", para(7))} >= {
        "kherson",
        "zaporizhzhia",
    }
    assert one(db, "SELECT count(*) FROM evidence_actors WHERE evidence_id = ? AND actor_id = 'china'", para(7)) == 1
