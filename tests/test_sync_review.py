"""Sync conflicts decided in review mode: two researchers offline from each other, one bundle each way, the one
finding both edited shown side by side in `findings review` (C), kept ours, theirs or a merged version; the
database untouched until the last decision, then rebuilt with the decision in its history, as
`findings sync --resolve` does. Real git in temporary directories; bundles are files."""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.hostile import RAW
from tests.test_sync import Person, ok, quiet_git, team
from tests.test_tui_review import run
from tests.tui_support import press, screen_text, settle, until

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


@pytest.fixture(autouse=True)
def _git_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    quiet_git(tmp_path, monkeypatch)


@pytest.fixture
def people(tmp_path: Path, built_db: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Person]:
    return team(tmp_path, built_db, monkeypatch)


FINDING = "long-term-damage"
OLENA = "Olena: the damage lasts decades."
TARAS = "Taras: the damage lasts years."
HOSTILE = "Olena [@click=app.quit]quit[/] \x1b[2J clear \u202etxt.exe\u202c and Hua\u200bwei"


def exchanged(
    people: dict[str, Person], tmp_path: Path, olena_claim: str = OLENA, also: tuple[str, ...] = ()
) -> tuple[Person, Person]:
    """The done-when scenario up to the conflict: a shared start, each imports and reviews offline, both edit
    FINDING, one bundle each way; both merges stop on FINDING."""
    olena, taras = people["olena"], people["taras"]
    ok(olena.sync())
    ok(olena.sync("--bundle", str(tmp_path / "start.bundle")))
    ok(taras.sync(str(tmp_path / "start.bundle")))
    olena.add("olena-a1", "olena-a2")
    taras.add("taras-b1")
    olena.review("set_status", "olena-a1", "curated")
    olena.review("edit", FINDING, "claim", olena_claim)
    taras.review("edit", FINDING, "claim", TARAS)
    for other in also:  # more findings both changed: one side's status, the other's claim
        olena.review("set_status", other, "disputed")
        taras.review("edit", other, "claim", f"Taras rewrote {other}.")
    ok(olena.sync("--bundle", str(tmp_path / "from-olena.bundle")))
    ok(taras.sync("--bundle", str(tmp_path / "from-taras.bundle")))
    a = olena.sync(str(tmp_path / "from-taras.bundle"))
    b = taras.sync(str(tmp_path / "from-olena.bundle"))
    assert a.exit_code == 1 and b.exit_code == 1 and FINDING in a.output and FINDING in b.output
    assert "findings review" in b.output  # the way to decide side by side is named
    return olena, taras


def review_app(person: Person) -> Any:
    from tui.app import FindingsApp
    from tui.review_api import Review

    return FindingsApp(person.db, review=Review(person.name, "", person.repo))


def notes(person: Person, record: str) -> list[tuple[str, str | None, str | None]]:
    conn = sqlite3.connect(person.db)
    try:
        return list(
            conn.execute(
                "SELECT who, field, note FROM changes WHERE kind = 'evidence' AND record_id = ? ORDER BY at, id",
                (record,),
            )
        )
    finally:
        conn.close()


async def open_conflicts(pilot: Any) -> Any:
    app = pilot.app
    await until(pilot, lambda: "sync conflict" in app.screen.review_status.text, "the conflicts said")
    assert app.screen.review_status.text.startswith(f"{app.screen.sync_conflicts} sync conflict")
    assert "— press C" in app.screen.review_status.text
    await press(pilot, "C")
    screen = app.screen
    assert screen.__class__.__name__ == "ConflictsScreen"
    await until(pilot, lambda: screen.current is not None, "the conflicts read")
    return screen


def test_both_see_the_union_and_theirs_is_kept_in_review_mode(people: dict[str, Person], tmp_path: Path) -> None:
    olena, taras = exchanged(people, tmp_path)
    before = taras.db.read_bytes()

    async def decide(pilot: Any) -> None:
        screen = await open_conflicts(pilot)
        text = screen_text(pilot.app)
        assert f"evidence {FINDING}" in text
        assert OLENA in text and TARAS in text  # both claims, side by side
        assert "Ours (yours)" in text and "Theirs (from-olena.bundle)" in text
        claim_line = next(line for line in text.splitlines() if line.split()[:2] == ["≠", "claim"])
        assert "Taras" in claim_line and "Olena" in claim_line  # one row: ours and theirs beside each other
        assert taras.db.read_bytes() == before  # reading the conflicts wrote nothing
        said: list[str] = []
        say = screen.status.say
        screen.status.say = lambda text, **kw: (said.append(text), say(text, **kw))
        await press(pilot, "t")
        await until(pilot, lambda: screen.finished, "the merge finished")
        assert "Merge finished" in screen.heading.text
        # the rebuild said what it was doing while the screen went on
        assert any(t.startswith("Finishing the merge: building your database") for t in said), said
        await press(pilot, "escape")
        queue = pilot.app.screen
        assert "Merge finished" in queue.review_status.text
        await settle(pilot)
        assert queue.evidence.count is not None and queue.evidence.count > 0  # the rebuilt file, read anew

    run(review_app(taras), decide, size=(100, 30))
    mine = taras.findings()
    assert mine[FINDING][0] == OLENA  # theirs, kept
    assert {"olena-a1", "olena-a2", "taras-b1"} <= mine.keys()  # the union
    # the decision, under the reviewer's name: a change of the claim, or a `merge` row when the kept claim is
    # already the last one the merged history records (Olena's edit may be recorded after Taras's)
    who, field, note = notes(taras, FINDING)[-1]
    assert (who, note) == ("taras", "sync conflict decided: kept theirs") and field in ("claim", "merge")
    assert not (taras.repo / ".git" / "MERGE_HEAD").exists()
    # Olena, whose merge waited too, takes his decision instead of deciding herself
    ok(olena.sync("--abort"))
    ok(taras.sync("--bundle", str(tmp_path / "decided.bundle")))
    ok(olena.sync(str(tmp_path / "decided.bundle")))
    assert olena.findings() == taras.findings()


def test_a_merged_version_is_written_and_invalid_ones_are_refused(people: dict[str, Person], tmp_path: Path) -> None:
    _, taras = exchanged(people, tmp_path)
    before = taras.db.read_bytes()

    async def edit(pilot: Any) -> None:
        screen = await open_conflicts(pilot)
        await press(pilot, "e")
        form = pilot.app.screen
        assert form.__class__.__name__ == "MergedEditScreen"
        prefilled = form.editor.text
        assert TARAS in prefilled and f"# theirs: {OLENA!r}".replace("'", '"') in prefilled

        async def save(text: str) -> None:
            form.editor.load_text(text)
            await pilot.press("ctrl+s")
            await until(pilot, lambda: form.error_text != "Checking…" or pilot.app.screen is not form, "the check")
            await settle(pilot)

        await save("<<<<<<< ours\n" + prefilled)
        assert pilot.app.screen is form and "conflict markers" in form.error_text
        await save(re.sub(r"(?m)^  category: .*$", '  category: "no-such-category"', prefilled))
        assert pilot.app.screen is form and "does not read" in form.error_text
        assert "Not kept" in screen_text(pilot.app)
        await save(prefilled.replace(f"id: {FINDING!r}".replace("'", '"'), 'id: "another-id"'))
        assert pilot.app.screen is form and "another-id" in form.error_text
        assert taras.db.read_bytes() == before  # refused versions change nothing
        merged = prefilled.replace(TARAS, "The damage lasts decades, both agree.")
        await save(merged)
        assert pilot.app.screen is screen
        await until(pilot, lambda: screen.finished, "the merge finished")

    run(review_app(taras), edit, size=(80, 24))
    assert taras.findings()[FINDING][0] == "The damage lasts decades, both agree."
    assert ("taras", "claim", "sync conflict decided: kept edited") in notes(taras, FINDING)[-1:]
    path = next(taras.repo.glob(f"evidence/*/{FINDING}.yaml"))
    assert "#" not in path.read_text(encoding="utf-8")  # the tree is written anew from the database


def test_hostile_text_in_a_conflict_is_shown_as_data(people: dict[str, Person], tmp_path: Path) -> None:
    _, taras = exchanged(people, tmp_path, olena_claim=HOSTILE)
    before = taras.db.read_bytes()

    async def look(pilot: Any) -> None:
        screen = await open_conflicts(pilot)
        text = screen_text(pilot.app)
        assert "[@click=app.quit]quit[/]" in text  # the markup, as text: not a live link
        assert "␛[2J" in text and "<U+202E>txt.exe<U+202C>" in text and "Hua<U+200B>wei" in text
        assert not RAW.search(text)
        await press(pilot, "e")
        prefilled = pilot.app.screen.editor.text
        assert not RAW.search(prefilled) and "\\u202e" in prefilled and "\\u001b" in prefilled
        assert yaml.safe_load(prefilled)["evidence"][0]["claim"] == TARAS
        await press(pilot, "escape")
        assert pilot.app.screen is screen and pilot.app.is_running
        assert taras.db.read_bytes() == before
        await press(pilot, "t")
        await until(pilot, lambda: screen.finished, "the merge finished")

    run(review_app(taras), look, size=(100, 30))
    assert taras.findings()[FINDING][0] == HOSTILE  # the data, kept exactly


def test_two_conflicts_stacked_under_80_columns_and_decided_one_by_one(
    people: dict[str, Person], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    second = "yuanization"
    _, taras = exchanged(people, tmp_path, also=(second,))
    before = taras.db.read_bytes()
    monkeypatch.setenv("NO_COLOR", "1")  # nothing told by colour alone

    async def narrow(pilot: Any) -> None:
        await until(pilot, lambda: pilot.app.screen.sync_conflicts == 2, "both conflicts counted")
        assert pilot.app.screen.review_status.text.startswith("2 sync conflicts — press C to decide them")
        screen = await open_conflicts(pilot)
        assert "Sync conflict 1 of 2" in screen.heading.text
        chosen = screen.choices.get_component_styles("option-list--option-highlighted")
        assert "reverse" in str(chosen.text_style)  # the conflict shown is marked in reverse video
        lines = [line.strip() for line in screen_text(pilot.app).splitlines()]
        at = next(i for i, line in enumerate(lines) if line.startswith("≠ claim"))
        assert lines[at + 1].startswith("ours") and "Taras" in lines[at + 1]
        theirs = next(i for i in range(at + 1, len(lines)) if lines[i].startswith("theirs"))
        assert "Olena" in " ".join(lines[theirs : theirs + 2])
        await press(pilot, "o")  # the first: ours
        await until(pilot, lambda: "Sync conflict 1 of 1" in screen.heading.text, "the one left")
        assert "1 still to decide" in screen.status.text
        assert taras.db.read_bytes() == before  # nothing half-merged: the last good state still serves
        assert screen.current is not None
        await press(pilot, "t")
        await until(pilot, lambda: screen.finished, "the merge finished")

    run(review_app(taras), narrow, size=(60, 30))
    mine = taras.findings()
    decided = {record: notes(taras, record)[-1][2] for record in (FINDING, second)}
    assert sorted(decided.values()) == ["sync conflict decided: kept ours", "sync conflict decided: kept theirs"]
    ours = next(r for r, note in decided.items() if note and note.endswith("ours"))  # git's order: the first one
    theirs = second if ours == FINDING else FINDING
    assert mine[ours][0].startswith("Taras")  # his claim kept
    assert mine[theirs][0] == (OLENA if theirs == FINDING else mine[theirs][0])
    assert not mine[theirs][0].startswith("Taras")


def test_without_a_waiting_merge_review_mode_says_nothing_of_conflicts(people: dict[str, Person]) -> None:
    olena = people["olena"]
    ok(olena.sync())

    async def quiet(pilot: Any) -> None:
        await settle(pilot)
        assert "sync conflict" not in pilot.app.screen.review_status.text
        await press(pilot, "C")
        await settle(pilot)
        assert "No sync conflicts" in screen_text(pilot.app)

    run(review_app(olena), quiet)


def test_the_editable_version_reads_back_to_the_same_record() -> None:
    from store.sync_conflicts import Conflict, editable_text

    ours = {"id": "x", "claim": HOSTILE + '\n"quoted" \\ back', "quantity": 1.5, "actors": [["china", None]]}
    theirs = {**ours, "claim": "other", "date": "2025-10"}
    text = editable_text(Conflict("evidence/s/x.yaml", "evidence", "x", ours, theirs, "evidence:\n- id: x\n", None))
    assert not RAW.search(text)
    assert yaml.safe_load(text) == {"evidence": [ours]}
    assert '# theirs: "other"' in text and "date" in text


def test_findings_review_finds_the_repository_as_sync_does(
    people: dict[str, Person], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--repo, else $FINDINGS_REPO, else the current directory when it is a data repository."""
    from tests.conftest import run_cli
    from tui import start

    olena = people["olena"]
    ok(olena.sync())
    opened: list[Any] = []
    monkeypatch.setattr(start, "run", lambda path, **kw: opened.append(kw["review"]))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    for args, env in (
        (["--repo", str(olena.repo)], None),
        ([], str(olena.repo)),
        ([], None),
    ):
        if env is None:
            monkeypatch.delenv("FINDINGS_REPO", raising=False)
        else:
            monkeypatch.setenv("FINDINGS_REPO", env)
        result = run_cli("review", *args, db=olena.db)
        assert result.exit_code == 0, result.output
    monkeypatch.chdir(olena.repo)
    assert run_cli("review", db=olena.db).exit_code == 0
    assert [r.repo for r in opened] == [olena.repo, olena.repo, None, olena.repo]
    assert "--repo" in run_cli("review", "--help").output


def test_a_review_change_while_the_merge_waits_is_not_lost(people: dict[str, Person], tmp_path: Path) -> None:
    """A finding reviewed while the merge waits is in the database, not in the merged tree: the last decision is
    refused (before it is staged, so it can be taken again after `findings sync --abort` and a new sync)."""
    _, taras = exchanged(people, tmp_path)

    async def review_then_decide(pilot: Any) -> None:
        queue = pilot.app.screen
        await until(pilot, lambda: queue.sync_conflicts == 1, "the conflict counted")
        await press(pilot, "d")  # the first unreviewed finding: disputed
        await until(pilot, lambda: queue.review_status.text.startswith("Marked disputed"), "the mark")
        await press(pilot, "C")
        screen = pilot.app.screen
        await until(pilot, lambda: getattr(screen, "current", None) is not None, "the conflicts read")
        await press(pilot, "t")
        await until(pilot, lambda: screen.status.text.startswith("Not done"), "the refusal")
        assert "--abort" in screen.status.text and not screen.finished
        assert screen.current is not None and not screen.working  # still listed, still to decide

    run(review_app(taras), review_then_decide, size=(100, 30))
    again = taras.sync()  # the merge still waits, with the same record to decide
    assert again.exit_code == 1 and FINDING in again.output
