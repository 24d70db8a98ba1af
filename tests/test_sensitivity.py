"""Sensitive findings and sources: marked by a person (with history), left out of every export format unless
--include-sensitive, and never in the shipped data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import query, run_cli

SECRET = "bank-branches-sell-yuan"  # a finding the dataset has; its claim names 79 bank branches
SOURCE = "kyiv-independent-occupied-economy"
FORMATS = ("csv", "json", "markdown", "ftm")


def exported(db: Path, fmt: str, *extra: str) -> str:
    result = run_cli("export", fmt, *extra, db=db)
    assert result.exit_code == 0, result.output
    return result.stdout


def holds_secret(fmt: str, text: str) -> bool:
    if fmt == "ftm":
        ids = [json.loads(line)["id"] for line in text.splitlines() if line.strip()]
        return any(SECRET in i for i in ids)
    return "79 bank branches" in text or SECRET in text


@pytest.fixture
def marked(db: Path) -> Path:
    result = run_cli("mark-sensitive", "evidence", SECRET, "--reviewer", "olena", "--note", "names a witness", db=db)
    assert result.exit_code == 0, result.output
    assert "marked sensitive" in result.output
    return db


def test_marking_is_kept_in_the_history(marked: Path) -> None:
    assert query(marked, "SELECT sensitive FROM evidence WHERE id = ?", SECRET) == [(1,)]
    assert query(
        marked,
        "SELECT who, field, before, after, note FROM changes WHERE record_id = ? AND field = 'sensitive'",
        SECRET,
    ) == [("olena", "sensitive", "false", "true", "names a witness")]
    again = run_cli("mark-sensitive", "evidence", SECRET, db=marked)
    assert again.exit_code == 0 and "already sensitive" in again.output
    assert run_cli("check", db=marked).exit_code == 0
    assert "SENSITIVE" in run_cli("show", "evidence", SECRET, db=marked).output


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_leaves_a_sensitive_finding_out_unless_asked(db: Path, marked: Path, fmt: str) -> None:
    assert not holds_secret(fmt, exported(marked, fmt))
    assert not holds_secret(fmt, exported(marked, fmt, "yuan"))  # a query that matches it, too
    assert holds_secret(fmt, exported(marked, fmt, "--include-sensitive"))


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_sensitive_source_takes_its_findings_out_of_every_format(db: Path, fmt: str) -> None:
    assert run_cli("mark-sensitive", "source", SOURCE, db=db).exit_code == 0
    text = exported(db, fmt)
    if fmt == "ftm":
        entities = [json.loads(line) for line in text.splitlines() if line.strip()]
        source_id = f"findings-source-{SOURCE}"
        assert source_id not in {e["id"] for e in entities}
        assert not [e for e in entities if source_id in json.dumps(e["properties"])]  # nothing cites it
        assert not [e for e in entities if e["id"].startswith("findings-evidence-")]  # its findings are all it has
    elif fmt == "json":
        assert json.loads(text) == []
    else:
        assert SOURCE not in text
    assert SOURCE in exported(db, fmt, "--include-sensitive")


def test_the_export_says_how_many_it_left_out(marked: Path, tmp_path: Path) -> None:
    out = tmp_path / "all.csv"
    result = run_cli("export", "csv", "-o", str(out), db=marked)
    assert result.exit_code == 0, result.output
    meta = json.loads((tmp_path / "all.csv.meta.json").read_text(encoding="utf-8"))
    assert meta["sensitive_left_out"] == 1
    assert "1 sensitive left out" in exported(marked, "markdown")


def test_clearing_the_mark_puts_it_back(marked: Path) -> None:
    assert run_cli("mark-sensitive", "evidence", SECRET, "--clear", db=marked).exit_code == 0
    assert holds_secret("csv", exported(marked, "csv"))


def test_the_shipped_data_holds_nothing_sensitive(built_db: Path) -> None:
    assert query(built_db, "SELECT count(*) FROM evidence WHERE sensitive != 0") == [(0,)]
    assert query(built_db, "SELECT count(*) FROM sources WHERE sensitive != 0") == [(0,)]
    assert query(built_db, "SELECT count(*) FROM captures WHERE text IS NOT NULL") == [(0,)]


def test_marking_an_unknown_record_is_an_error(db: Path) -> None:
    result = run_cli("mark-sensitive", "evidence", "no-such-finding", db=db)
    assert result.exit_code == 1 and "no finding" in result.output


def test_the_explorer_marks_a_sensitive_finding_in_its_list(marked: Path) -> None:
    from tests.tui_support import press, run_app, screen_text, settle, type_text

    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        await press(pilot, "slash")
        await type_text(pilot, "yuan")  # the finding, and one that is not sensitive
        await press(pilot, "enter")
        await settle(pilot)
        lines = screen_text(pilot.app).splitlines()
        secret = [line for line in lines if "According to the report, 79" in line]
        assert secret and "sensitive" in secret[0], "\n".join(lines)
        assert [line for line in lines if "sensitive" in line] == secret  # the other yuan finding is not marked
        assert any("yuan" in line.lower() or "Yuan" in line for line in lines if line not in secret)

    run_app(marked, check)


def test_a_mistyped_id_is_told_the_nearest(db) -> None:  # type: ignore[no-untyped-def]
    """A QA run: `findings show evidence yuanizaton` said "did you mean yuanization?", `mark-sensitive` only
    that there is no such finding."""
    from tests.conftest import run_cli

    result = run_cli("mark-sensitive", "evidence", "yuanizaton", "--reviewer", "qa", db=db)
    assert result.exit_code == 1
    assert "no finding 'yuanizaton'; did you mean yuanization (yuanization)?" in result.output
