"""Corpus files whose only oddity is their text — markup, terminal escapes, SQL, spreadsheet formulas — import as
data: stored exactly as written, shown literally in the TUI and the CLI (control characters made visible, never
sent raw to the terminal), kept exactly in JSON, and neutralised in CSV exports.
"""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import re
import select
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT, one, query, run_cli
from tests.hostile import (
    ACTOR,
    ACTOR_SHOWN,
    RAW,
    SHOWN,
    TEXT,
    URL,
    URL_SHOWN,
    add_hostile_finding,
    unmarkdown,
    words,
)

BAD = ROOT / "tests" / "data" / "bad"
FORMATS = {".yaml": "yaml", ".json": "json", ".csv": "csv", ".ijson": "ftm", ".md": "article"}
HOSTILE = (
    "yaml-hostile-text.yaml",
    "json-hostile-text.json",
    "json-sql.json",
    "csv-hostile-text.csv",
    "csv-formula-injection.csv",
    "ftm-hostile-text.ijson",
    "article-hostile.md",
)
CLICK = "[@click=app.quit]quit[/]"
# Bytes that would drive a terminal: C0 controls but newline and carriage return, DEL, and C1 controls (as UTF-8).
RAW_CONTROL = re.compile(rb"[\x00-\x09\x0b\x0c\x0e-\x1f\x7f]|\xc2[\x80-\x9f]")
SGR = re.compile(rb"\x1b\[[0-9;]*m")


@pytest.fixture(scope="module")
def hostile_db(built_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The dataset plus every hostile-text corpus file, imported as a user would. Tests only read it."""
    path = tmp_path_factory.mktemp("hostile") / "data.db"
    shutil.copyfile(built_db, path)
    for name in HOSTILE:
        result = run_cli("import", FORMATS[Path(name).suffix], str(BAD / name), db=path)
        assert result.exit_code == 0, (name, result.output)
    return path


# ---------------------------------------------------------------------------------------------------- storage


def native_texts(doc: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(table, id, column, text) for every text field of a native document, as the importer stores it."""
    out: list[tuple[str, str, str, str]] = []
    sources = [doc["source"]] if "source" in doc else []
    for rec in sources + doc.get("sources", []):
        for key in ("title", "publisher", "url", "notes"):
            if key in rec:
                out.append(("sources", rec["id"], key, rec[key]))
        if "authors" in rec:
            out.append(("sources", rec["id"], "authors", "; ".join(rec["authors"])))
    for table in ("actors", "regions"):
        for rec in doc.get(table, []):
            for key in ("name", "summary", "role"):
                if key in rec:
                    out.append((table, rec["id"], key, rec[key]))
    for rec in doc.get("evidence", []):
        for key in ("claim", "quote", "unit", "locator"):
            if key in rec:
                out.append(("evidence", rec["id"], key, rec[key]))
    return out


@pytest.mark.parametrize("name", ["yaml-hostile-text.yaml", "json-hostile-text.json", "json-sql.json"])
def test_native_text_is_stored_exactly(hostile_db: Path, name: str) -> None:
    text = (BAD / name).read_text(encoding="utf-8")
    doc = yaml.safe_load(text) if name.endswith(".yaml") else json.loads(text)
    fields = native_texts(doc)
    assert len(fields) >= 5
    for table, ident, column, value in fields:
        assert one(hostile_db, f"SELECT {column} FROM {table} WHERE id = ?", ident) == value.strip(), (table, column)
    for table in ("actors", "regions"):
        for rec in doc.get(table, []):
            stored = {r[0] for r in query(hostile_db, "SELECT alias FROM aliases WHERE ref_id = ?", rec["id"])}
            assert stored == set(rec.get("aliases", [])), rec["id"]
    for rel in doc.get("relations", []):
        roles = query(hostile_db, "SELECT role FROM relations WHERE subject_id = ?", rel["subject"])
        assert (rel["role"],) in roles
    for rec in doc.get("evidence", []):
        for link in rec.get("actors", []):
            if isinstance(link, dict):
                role = one(
                    hostile_db,
                    "SELECT role FROM evidence_actors WHERE evidence_id = ? AND actor_id = ?",
                    rec["id"],
                    link["id"],
                )
                assert role == link["role"]


def test_csv_text_is_stored_exactly(hostile_db: Path) -> None:
    for name in ("csv-hostile-text.csv", "csv-formula-injection.csv"):
        with (BAD / name).open(encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
        assert rows
        for row in rows:
            for column in ("claim", "quote", "unit", "locator"):
                stored = one(hostile_db, f"SELECT {column} FROM evidence WHERE id = ?", row["id"])
                assert stored == row[column].strip(), (name, column)


def test_ftm_and_article_text_is_stored_exactly(hostile_db: Path) -> None:
    entities = [json.loads(line) for line in (BAD / "ftm-hostile-text.ijson").read_text("utf-8").splitlines()]
    company = next(e for e in entities if e["id"] == "ftm-hostile-co")["properties"]
    (actor_id,) = [r[0] for r in query(hostile_db, "SELECT id FROM actors WHERE name = ?", company["name"][0])]
    assert one(hostile_db, "SELECT summary FROM actors WHERE id = ?", actor_id) == company["summary"][0]
    assert query(hostile_db, "SELECT alias FROM aliases WHERE ref_id = ?", actor_id) == [(company["alias"][0],)]
    note = next(e for e in entities if e["id"] == "ftm-hostile-note")["properties"]["description"][0]
    assert query(hostile_db, "SELECT count(*) FROM evidence WHERE claim LIKE ?", f"%{note}%") == [(1,)]

    lines = (BAD / "article-hostile.md").read_text(encoding="utf-8").split("\n\n")
    headline = lines[0].removeprefix("# ")
    source = one(hostile_db, "SELECT id FROM sources WHERE title = ?", headline)
    claims = [r[0] for r in query(hostile_db, "SELECT claim FROM evidence WHERE source_id = ? ORDER BY id", source)]
    assert claims == [lines[1], lines[2]]  # the paragraphs naming China / Crimea and Iran, exactly


def test_sql_in_values_is_only_data(hostile_db: Path, built_db: Path) -> None:
    tables = {r[0] for r in query(built_db, "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {r[0] for r in query(hostile_db, "SELECT name FROM sqlite_master WHERE type = 'table'")} == tables
    assert one(hostile_db, "SELECT value FROM meta WHERE key = 'schema_version'") == one(
        built_db, "SELECT value FROM meta WHERE key = 'schema_version'"
    )
    for table in ("sources", "actors", "regions", "evidence", "relations"):
        assert one(hostile_db, f"SELECT count(*) FROM {table}") > one(built_db, f"SELECT count(*) FROM {table}")
    assert one(hostile_db, "SELECT count(*) FROM actors WHERE name LIKE 'SQL actor \"; DELETE FROM actors%'") == 1
    # every index, link and search index is consistent
    result = run_cli("check", db=hostile_db)
    assert result.exit_code == 0, result.output


# -------------------------------------------------------------------------------------------------------- CLI

LOOKUPS = [
    ("show", "actor", "hostile-actor"),
    ("show", "region", "hostile-region"),
    ("show", "source", "hostile-source"),
    ("show", "evidence", "hostile-finding"),
    ("show", "evidence", "json-hostile-finding"),
    ("show", "evidence", "csv-hostile-finding"),
    ("show", "actor", "json-hostile-actor"),
    ("show", "source", "json-hostile-source"),
    ("search", "hostile"),
    ("search", "--limit", "50", "kind:evidence", "status:unreviewed"),
    ("export", "markdown", "hostile"),
]


@pytest.mark.parametrize("argv", LOOKUPS, ids=[" ".join(a) for a in LOOKUPS])
def test_cli_shows_markup_literally_and_no_control_character(hostile_db: Path, argv: tuple[str, ...]) -> None:
    result = run_cli(*argv, db=hostile_db)
    assert result.exit_code == 0, result.output
    out = result.stdout_bytes
    assert not RAW_CONTROL.search(out), RAW_CONTROL.search(out)
    assert b"\x1b" not in out
    text = out.decode("utf-8")
    if argv[0] == "export":
        assert "\\[@click=app.quit\\]" in text  # Markdown: escaped, so it renders as the text itself
    else:
        assert "[@click=app.quit]" in text
        assert "␛[2J" in text  # ESC is shown as a picture of itself


def run_in_terminal(*argv: str, columns: int = 100) -> bytes:
    """The real program with a pseudo-terminal as its output (styled output, as a user sees it)."""
    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FINDINGS_DB")}
    env.update(TERM="xterm-256color", COLUMNS=str(columns), LINES="50")
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), *argv], stdin=slave, stdout=slave, stderr=slave, env=env, cwd=ROOT
    )
    os.close(slave)
    out = bytearray()
    try:
        while True:
            ready, _, _ = select.select([master], [], [], 20)
            if not ready:
                break
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the program has exited and the terminal is closed
                break
            if not chunk:
                break
            out += chunk
    finally:
        proc.wait(timeout=20)
        os.close(master)
    assert proc.returncode == 0, bytes(out)
    return bytes(out)


@pytest.mark.parametrize(
    "argv",
    [
        ("show", "actor", "hostile-actor"),
        ("show", "source", "hostile-source"),
        ("show", "evidence", "hostile-finding"),
        ("search", "hostile"),
    ],
    ids=lambda a: " ".join(a),
)
def test_cli_on_a_terminal_sends_only_its_own_styling(hostile_db: Path, argv: tuple[str, ...]) -> None:
    out = run_in_terminal("--db", str(hostile_db), *argv)
    assert SGR.search(out), "expected styled output on a terminal"
    rest = SGR.sub(b"", out)  # colours and bold are the program's; anything else would come from the data
    assert not RAW_CONTROL.search(rest), rest[max(0, RAW_CONTROL.search(rest).start() - 40) :][:80]
    assert b"\x1b" not in rest
    assert CLICK.encode() in out or b"[@click=app.quit]" in out


@pytest.mark.parametrize("fmt", ["csv", "json", "markdown", "ftm"])
def test_exports_printed_on_a_terminal_send_no_control_character(hostile_db: Path, fmt: str) -> None:
    """`findings export csv` without -o, on a terminal: the data is shown, never obeyed (ESC as ␛)."""
    out = run_in_terminal("--db", str(hostile_db), "export", fmt, "hostile")
    assert b"\x1b" not in out
    assert not RAW_CONTROL.search(out.replace(b"\t", b" ")), out[max(0, RAW_CONTROL.search(out).start() - 40) :][:80]
    assert b"2J" in out and b"pwned" in out  # the data is there, made visible
    piped = run_cli("export", fmt, "hostile", db=hostile_db)  # to a pipe or a file: JSON as escapes, exact data;
    assert piped.exit_code == 0  # CSV and Markdown, which have no escape syntax, in the table's visible forms
    assert b"\x1b" not in piped.stdout_bytes
    assert ("\\u001b" if fmt in ("json", "ftm") else "␛").encode() in piped.stdout_bytes


def test_json_output_keeps_the_data_exactly_with_controls_escaped(hostile_db: Path) -> None:
    result = run_cli("show", "source", "hostile-source", "--json", db=hostile_db)
    assert result.exit_code == 0
    assert not RAW_CONTROL.search(result.stdout_bytes)  # C0 and C1 controls are \u escapes
    data = json.loads(result.stdout)
    for column in ("title", "publisher", "authors", "url", "notes"):
        assert data[column] == one(hostile_db, f"SELECT {column} FROM sources WHERE id = 'hostile-source'")
    hits = json.loads(run_cli("search", "hostile", "--json", "--limit", "50", db=hostile_db).stdout)
    claims = {h["id"]: h["title"] for h in hits if h["kind"] == "evidence"}
    assert claims["hostile-finding"] == one(hostile_db, "SELECT claim FROM evidence WHERE id = 'hostile-finding'")
    exported = run_cli("export", "json", "hostile", db=hostile_db)
    assert exported.exit_code == 0 and not RAW_CONTROL.search(exported.stdout_bytes)
    rows = {r["id"]: r for r in json.loads(exported.stdout)}
    assert rows["hostile-finding"]["quote"] == one(
        hostile_db, "SELECT quote FROM evidence WHERE id = 'hostile-finding'"
    )


def test_csv_export_neutralises_formula_injection(hostile_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "all.csv"
    result = run_cli("export", "csv", "-o", str(out), db=hostile_db)
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8", newline="") as f:
        rows = {r["id"]: r for r in csv.DictReader(f)}
    checked = 0
    for ident in ("formula-cmd", "formula-link"):
        for column in ("claim", "quote", "unit", "locator"):
            stored = one(hostile_db, f"SELECT {column} FROM evidence WHERE id = ?", ident)
            assert stored.lstrip()[:1] in ("=", "+", "-", "@"), (ident, column, stored)  # the corpus is hostile
            assert rows[ident][column] == "'" + stored, (ident, column)  # shown as text by spreadsheets
            checked += 1
    assert checked == 8
    for row in rows.values():  # and no cell of the whole export starts a formula
        for value in row.values():
            assert value[:1] not in ("=", "+", "@", "\t", "\r") and not (value[:1] == "-" and value[1:2] != "-")


# -------------------------------------------------------------------------------------------------------- TUI

TUI_SCREENS = [
    ("actor", "hostile-actor", ("actors", "name"), ("actors", "role"), ("actors", "summary")),
    ("region", "hostile-region", ("regions", "name")),
    ("source", "hostile-source", ("sources", "title"), ("sources", "publisher"), ("sources", "authors")),
    ("source", "hostile-source", ("sources", "url"), ("sources", "notes")),
    ("evidence", "hostile-finding", ("evidence", "claim"), ("evidence", "quote"), ("evidence", "locator")),
    ("evidence", "json-hostile-finding", ("evidence", "claim"), ("evidence", "quote")),
    ("evidence", "csv-hostile-finding", ("evidence", "claim"), ("evidence", "quote")),
    ("evidence", "sql-finding", ("evidence", "claim"), ("evidence", "quote")),
    ("actor", "json-hostile-actor", ("actors", "name"), ("actors", "summary")),
]


def test_tui_shows_every_field_literally(hostile_db: Path) -> None:
    from tests.tui_support import run_app, screen_text, settle
    from tui.text import clean

    aliases = [
        r[0]
        for r in query(
            hostile_db,
            "SELECT alias FROM aliases WHERE ref_id IN ('hostile-actor', 'hostile-region', 'json-hostile-actor')",
        )
    ]
    assert len(aliases) >= 3
    seen: list[str] = []

    async def browse(pilot) -> None:  # type: ignore[no-untyped-def]
        app = pilot.app
        home = screen_text(app)
        assert clean(one(hostile_db, "SELECT claim FROM evidence WHERE id = 'json-hostile-finding'")) in home
        for kind, ident, *fields in TUI_SCREENS:
            app.open(kind, ident)
            await settle(pilot)
            text = screen_text(app)
            assert "\x1b" not in text and not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f]", text), (kind, ident)
            for table, column in fields:
                value = one(hostile_db, f"SELECT {column} FROM {table} WHERE id = ?", ident)
                assert clean(value) in text, (kind, ident, column, clean(value))
            if kind in ("actor", "region"):
                seen.append(text)
            app.pop_screen()
            await settle(pilot)
        assert app.is_running and app.return_value is None  # no [@click=app.quit] ever ran

    run_app(hostile_db, browse, size=(220, 50))
    for alias in aliases:  # each alias shows on its actor's or region's screen
        assert any(clean(alias) in text for text in seen), alias


# ---------------------------------------------------------------------- the one table, in every output path


@pytest.fixture(scope="module")
def table_db(built_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The dataset plus tests.hostile's finding (every character of the text-safety table). Tests only read it."""
    tmp = tmp_path_factory.mktemp("table")
    path = tmp / "data.db"
    shutil.copyfile(built_db, path)
    return add_hostile_finding(path, tmp)


def assert_shown(text: str, *forms: str) -> None:
    """Nothing of the table reaches the reader raw, and each form is there (line wrapping undone)."""
    found = RAW.search(text)
    assert not found, text[max(0, found.start() - 40) :][:80]
    flat = words(text)
    for form in forms:
        assert form in flat, (form, flat)


EVIDENCE_SHOWN = (SHOWN, f"“{SHOWN}”", "1,200 units <U+200B>␛[1m", ACTOR_SHOWN, "para <U+200B>9", URL_SHOWN)
CLI_PATHS = [
    (("show", "evidence", "table-finding"), EVIDENCE_SHOWN),
    (("show", "source", "table-source"), (f"Publisher {SHOWN}", f"URL {URL_SHOWN}")),
    (("show", "actor", "table-actor"), (ACTOR_SHOWN,)),
    (("search", "zebracorn"), (SHOWN,)),
]


@pytest.mark.parametrize(("argv", "forms"), CLI_PATHS, ids=[" ".join(a) for a, _ in CLI_PATHS])
def test_lookups_show_the_table_in_one_form_plain_and_styled(
    table_db: Path, argv: tuple[str, ...], forms: tuple[str, ...]
) -> None:
    plain = run_cli(*argv, db=table_db)
    assert plain.exit_code == 0, plain.output
    assert_shown(plain.output, *forms)
    styled = run_in_terminal("--db", str(table_db), *argv, columns=120)
    assert SGR.search(styled)
    assert_shown(SGR.sub(b"", styled).decode("utf-8"), *forms)


def test_error_messages_show_the_table(table_db: Path, tmp_path: Path) -> None:
    result = run_cli("show", "actor", TEXT, db=table_db)
    assert result.exit_code == 1
    assert_shown(result.output, f"no actor '{SHOWN}'")
    missing = tmp_path / TEXT.replace("/", "_") / "x.db"
    for argv in (("show", "actor", "china"), ("search", "yuan"), ("export", "csv"), ("tui",)):
        result = run_cli(*argv, db=missing)
        assert result.exit_code == 1, (argv, result.output)
        assert_shown(result.output, SHOWN.replace("/", "_"))


def _csv_row(text: str) -> dict[str, str]:
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(text, newline=""))}
    return rows["table-finding"]


@pytest.mark.parametrize("where", ["file", "pipe", "terminal"])
def test_exports_show_the_table_and_json_keeps_it(table_db: Path, tmp_path: Path, where: str) -> None:
    def export(fmt: str) -> str:
        if where == "terminal":  # stdout, then (on stderr, the same terminal) the line saying what was exported
            shown = run_in_terminal("--db", str(table_db), "export", fmt, "zebracorn").decode("utf-8")
            body, _, note = shown.rstrip("\r\n").rpartition("\n")
            assert note.startswith("exported query “zebracorn”: 1 of "), note
            return body
        if where == "pipe":
            result = run_cli("export", fmt, "zebracorn", db=table_db)
            assert result.exit_code == 0, result.output
            return result.stdout
        out = tmp_path / f"x.{fmt}"
        result = run_cli("export", fmt, "zebracorn", "-o", str(out), db=table_db)
        assert result.exit_code == 0, result.output
        return out.read_text(encoding="utf-8")

    brief = export("markdown")
    assert "\\[@click=app.quit\\]" in brief  # escaped Markdown, rendering as the text itself
    assert_shown(unmarkdown(brief), f"**Unreviewed:** {SHOWN}", f"“{SHOWN}”", URL_SHOWN, "para <U+200B>9")
    assert_shown(unmarkdown(brief), f"Source: {SHOWN}, *{SHOWN}*", "[findings: table-finding; source: table-source]")

    table = export("csv")
    assert not RAW.search(table)  # `cat` of the file cannot drive a terminal
    row = _csv_row(table)
    assert row["claim"] == row["quote"] == row["source_title"] == row["publisher"] == SHOWN
    assert row["actors"] == ACTOR_SHOWN and row["url"] == URL_SHOWN and row["locator"] == "para <U+200B>9"

    data = export("json")
    assert not RAW.search(data)  # the same characters as \u escapes
    (finding,) = json.loads(data)
    assert finding["claim"] == finding["quote"] == finding["source"]["title"] == TEXT  # exactly the data
    assert finding["source"]["url"] == URL and finding["actors"][0]["name"] == ACTOR


def test_bytes_that_are_not_utf8_typed_into_the_explorer_read_as_replacement_characters(built_db: Path) -> None:
    """A terminal set to CP1251 or KOI8-R (Cyrillic typed there is not UTF-8), or a binary paste: Textual's
    input thread stopped on UnicodeDecodeError, and the explorer printed a traceback and exited 0. Now each such
    byte reads as U+FFFD, and the explorer goes on: the search bar shows what was typed, the rest still works."""
    from tests.terminal import Terminal

    env = {**os.environ, "TERM": "xterm-256color"}
    with Terminal([sys.executable, "main.py", "--db", str(built_db)], env, ROOT) as term:
        term.wait_for("Evidence")
        term.press(b"/")
        term.press("Херсон".encode("cp1251") + b"\xff")
        term.wait_for(f"nothing to search for in “{chr(0xFFFD) * 7}”")  # (all findings listed; the note says why)
        term.wait_for("is the terminal set to UTF-8?")
        term.press(b" OR Huawei")
        term.wait_for(lambda t: f"{chr(0xFFFD) * 7} OR Huawei" in t.text and "Actors 1" in t.text)
    assert b"UnicodeDecodeError" not in term.output and b"Traceback" not in term.output
    assert term.status == 0
