"""Received databases are untrusted (store/connect.py, store/schema_check.py, store/check.py, store/repair.py):
SQL stored in a file never runs with the reader's or the importer's rights, no file hangs a command, values of
the wrong type are shown or refused in one line, `findings check` only reads, and `findings repair` writes only
after a backup and says what it did. Each crafted database is made here, small, from the built one.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from store import connect, schema_check
from store.errors import DatabaseTooSlow, describe
from tests.conftest import ROOT, content, digest, query, run_cli
from tests.test_damaged_db import findings, headless_tui, one_error_line

COMMANDS = (
    ("search", "yuan"),
    ("search", "--json", "huawei"),
    ("show", "evidence", "yuanization"),
    ("show", "actor", "huawei"),
    ("show", "actor", "china"),
    ("stats",),
    ("export", "csv"),
    ("export", "json"),
    ("export", "markdown"),
)
NEW_FINDING = (
    "evidence:\n  - {id: received-probe, claim: A finding as imported, category: trade, "
    "source: kyiv-independent-occupied-economy}\n"
)


def sql(db: Path, *statements: str) -> None:
    conn = sqlite3.connect(db)
    try:
        conn.execute("PRAGMA foreign_keys = OFF")
        for statement in statements:
            conn.execute(statement)
        conn.commit()
    finally:
        conn.close()


def no_crash(proc: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in proc.stderr + proc.stdout and "internal error" not in proc.stderr, proc.stderr


# ------------------------------------------------------------------------------------- values of the wrong type


def test_values_of_the_wrong_type_are_shown_as_text_by_every_command_and_the_explorer(db: Path) -> None:
    """A BLOB category crashed the explorer (traceback, exit 0) and the CLI ("internal error: TypeError")."""
    sql(
        db,
        "UPDATE evidence SET category = x'00ff41', quantity = 'abc', date = x'3230' WHERE id = 'yuanization'",
        "UPDATE actors SET name = CAST('Huawei' AS BLOB), country = 7 WHERE id = 'huawei'",
        "UPDATE sources SET title = x'c0ff' WHERE id = 'kyiv-independent-occupied-economy'",
    )
    for argv in COMMANDS:
        proc = findings(db, *argv)
        no_crash(proc)
        assert proc.returncode == 0, (argv, proc.stderr)
    shown = findings(db, "show", "evidence", "yuanization").stdout
    assert "␀\ufffdA" in shown and "abc" in shown  # the bytes as text, control character made visible
    assert "Huawei" in findings(db, "show", "actor", "huawei").stdout
    status, report = headless_tui(db, rounds=3)  # searches yuan, crimea, huawei and opens what it finds
    assert status == 0 and report["running"], report
    check = findings(db, "check")
    assert check.returncode == 1 and "FAIL  values of the right type: 5" in check.stdout, check.stdout
    assert "evidence.category" in check.stdout and "actors.name" in check.stdout


def test_text_that_is_not_utf8_is_exported_with_replacement_characters(db: Path) -> None:
    """CSV rows are decoded in C and read again, from where they stopped, as every reader reads text when bytes
    are not UTF-8; a region's name so damaged stopped the export ("Could not decode to UTF-8")."""
    import csv
    import io

    sql(
        db,
        "UPDATE regions SET name = x'ff' WHERE id = 'crimea'",
        "UPDATE sources SET title = x'c0ff' WHERE id = 'kyiv-independent-occupied-economy'",
        "UPDATE actors SET name = x'c0ff' WHERE id = 'china'",
    )
    proc = findings(db, "export", "csv")
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert len(rows) == query(db, "SELECT count(*) FROM evidence WHERE sensitive = 0")[0][0]
    assert len({r["id"] for r in rows}) == len(rows)
    assert any(r["regions"].startswith("\ufffd") and "crimea" in r["region_ids"] for r in rows)
    assert any(r["source_title"] == "\ufffd\ufffd" for r in rows)
    assert any("\ufffd\ufffd" in r["actors"].split("; ") for r in rows)


def test_text_where_a_number_belongs_is_one_line(db: Path) -> None:
    sql(db, "UPDATE actors SET evidence_count = 'many' WHERE id = 'china'")
    for argv in (("show", "actor", "china"), ("search", "china")):
        one_error_line(findings(db, *argv), "where a number belongs", "findings check")
    _, report = headless_tui(db, rounds=1)
    assert report["running"], report  # a notification, not a crash
    assert any("number belongs" in e for e in report["errors"]) or report["unreadable"], report


def test_a_column_of_another_type_is_refused(db: Path) -> None:
    """The readers' conversions go by declared types: a table that declares `claim` INTEGER is not read."""
    sql(
        db,
        "DROP TRIGGER sources_ai",
        "ALTER TABLE sources RENAME TO sources_old",
        "CREATE TABLE sources (id TEXT PRIMARY KEY, title INTEGER NOT NULL, publisher TEXT, authors TEXT, "
        "url TEXT, published TEXT, kind TEXT, accessed TEXT, notes TEXT, evidence_count INTEGER NOT NULL DEFAULT 0)",
    )
    one_error_line(findings(db, "stats"), "'title' of 'sources' is declared INTEGER, not TEXT")


def test_the_declared_types_read_from_the_schema_are_the_databases_own(built_db: Path) -> None:
    """store.schema_check reads column types from store.schema's statements without making a database."""
    conn = sqlite3.connect(f"file:{built_db}?mode=ro&immutable=1", uri=True)
    try:
        for table, columns in schema_check.our_columns().items():
            actual = {r[1]: r[2].upper() for r in conn.execute(f'PRAGMA table_info("{table}")')}
            assert columns == actual, table
    finally:
        conn.close()


# ------------------------------------------------------------------------------------------ SQL in the schema


def _view_for_a_table(db: Path) -> None:
    """`evidence` replaced by a view that never ends (it hung show, stats, export and check)."""
    sql(
        db,
        "DROP TRIGGER evidence_ai",
        "DROP TRIGGER evidence_ad",
        "DROP TRIGGER evidence_au",
        "DROP TABLE evidence_fts",
        "ALTER TABLE evidence RENAME TO evidence_real",
        "CREATE VIEW evidence AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) "
        "SELECT 'x' || i AS id, 'claim' AS claim, NULL AS quote, 'trade' AS category, NULL AS date, NULL AS quantity, "
        "NULL AS unit, 'kyiv-independent-occupied-economy' AS source_id, NULL AS locator, 'curated' AS status, "
        "NULL AS confidence, NULL AS linked_names FROM n",
    )


@pytest.mark.parametrize(
    "argv",
    [("search", "yuan"), ("show", "actor", "china"), ("stats",), ("export", "csv"), ("check",), ("tui",), ("repair",)],
    ids=" ".join,
)
def test_a_view_in_place_of_a_table_is_refused_at_once(db: Path, argv: tuple[str, ...]) -> None:
    _view_for_a_table(db)
    before = digest(db)
    one_error_line(findings(db, *argv), "'evidence' is a view")  # (findings() gives up after 60 s)
    assert digest(db) == before


@pytest.mark.parametrize("table", ["relations", "proposals", "ftm_properties"])
def test_every_table_findings_reads_is_refused_as_a_view(db: Path, table: str) -> None:
    """The tables added after the first schema (relations, proposals, FtM values) were not among those checked:
    a view in their place was read."""
    sql(db, f"ALTER TABLE {table} RENAME TO {table}_real", f"CREATE VIEW {table} AS SELECT * FROM {table}_real")
    before = digest(db)
    one_error_line(findings(db, "show", "actor", "china"), f"'{table}' is a view")
    assert digest(db) == before


def _hostile_trigger(db: Path) -> None:
    """A trigger that rewrites each imported finding, marks it curated and copies it to a hidden table."""
    sql(
        db,
        "CREATE TABLE exfiltrated (id TEXT, claim TEXT)",
        "CREATE TRIGGER rewrite_imports AFTER INSERT ON evidence BEGIN "
        "UPDATE evidence SET claim = 'rewritten by the file', status = 'curated' WHERE id = NEW.id; "
        "INSERT INTO exfiltrated SELECT id, claim FROM evidence WHERE id = NEW.id; END",
    )


def test_triggers_in_a_received_database_never_run_during_imports(db: Path, tmp_path: Path) -> None:
    _hostile_trigger(db)
    new = tmp_path / "new.yaml"
    new.write_text(NEW_FINDING, encoding="utf-8")
    before = digest(db)
    for argv in (("import", "yaml", str(new)), ("import", "yaml", "--dry-run", str(new))):
        one_error_line(findings(db, *argv), "trigger 'rewrite_imports' on evidence", "nothing was written", "repair")
    assert digest(db) == before
    assert query(db, "SELECT count(*) FROM exfiltrated") == [(0,)]
    for argv in COMMANDS[:3]:  # reading never runs it, and says it is ignored
        proc = findings(db, *argv)
        assert proc.returncode == 0 and "ignored" in proc.stderr, proc.stderr

    rows = content(db)
    proc = findings(db, "repair")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "dropped trigger 'rewrite_imports' on evidence" in proc.stdout and "backup made first" in proc.stdout
    backup = next(p for p in db.parent.iterdir() if ".backup-" in p.name)
    assert digest(backup) == before
    assert content(db) == rows
    proc = findings(db, "import", "yaml", str(new))
    assert proc.returncode == 0, proc.stderr
    assert query(db, "SELECT claim, status FROM evidence WHERE id = 'received-probe'") == [
        ("A finding as imported", "unreviewed")
    ]
    assert query(db, "SELECT count(*) FROM exfiltrated") == [(0,)]
    assert findings(db, "check").returncode == 0


def test_a_changed_trigger_of_findings_is_refused_and_made_again_by_repair(db: Path, tmp_path: Path) -> None:
    sql(
        db,
        "DROP TRIGGER evidence_source_ai",
        "CREATE TRIGGER evidence_source_ai AFTER INSERT ON evidence BEGIN "
        "UPDATE evidence SET status = 'curated' WHERE id = NEW.id; END",
    )
    new = tmp_path / "new.yaml"
    new.write_text(NEW_FINDING, encoding="utf-8")
    one_error_line(findings(db, "import", "yaml", str(new)), "changed trigger 'evidence_source_ai'")
    proc = findings(db, "repair")
    assert "made trigger 'evidence_source_ai' on evidence again" in proc.stdout, proc.stdout
    assert findings(db, "import", "yaml", str(new)).returncode == 0
    assert query(db, "SELECT status FROM evidence WHERE id = 'received-probe'") == [("unreviewed",)]
    assert findings(db, "check").returncode == 0


def test_views_and_tables_findings_did_not_make_are_left_alone_with_a_note(db: Path, tmp_path: Path) -> None:
    sql(db, "CREATE TABLE my_notes (x)", "CREATE VIEW recent AS SELECT id FROM evidence WHERE date > '2024'")
    new = tmp_path / "new.yaml"
    new.write_text(NEW_FINDING, encoding="utf-8")
    proc = findings(db, "import", "yaml", str(new))
    assert proc.returncode == 0 and "view 'recent'" in proc.stderr and "ignored" in proc.stderr, proc.stderr
    proc = findings(db, "check")
    assert proc.returncode == 0 and "view 'recent'" in proc.stdout, proc.stdout


def test_check_only_reads_even_a_file_built_to_make_it_write(db: Path, tmp_path: Path) -> None:
    """check used to open the file read-write, INSERT into *_fts and merge a pending -wal; an INSTEAD OF trigger
    on a view then ran the file's SQL with write access. Now: the same bytes, the same directory."""
    from tests.test_journal import stray_wal_beside

    sql(
        db,
        "CREATE TABLE canary (x)",
        "CREATE VIEW evidence_fts_check AS SELECT 1 AS x",
        "CREATE TRIGGER write_on_check INSTEAD OF INSERT ON evidence_fts_check BEGIN INSERT INTO canary VALUES (1); "
        "DELETE FROM evidence; END",
    )
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    stray_wal_beside(db, scratch)
    before, wal, files = digest(db), digest(Path(f"{db}-wal")), sorted(p.name for p in db.parent.iterdir())
    proc = findings(db, "check")
    assert proc.returncode == 1, proc.stdout
    assert "FAIL  schema" in proc.stdout and "FAIL  journal files" in proc.stdout
    assert "trigger 'write_on_check'" in proc.stdout
    assert digest(db) == before and digest(Path(f"{db}-wal")) == wal
    assert sorted(p.name for p in db.parent.iterdir()) == files
    conn = sqlite3.connect(f"file:{db}?mode=ro&immutable=1", uri=True)
    assert conn.execute("SELECT count(*) FROM canary").fetchone() == (0,)
    conn.close()


def test_check_finds_a_search_index_out_of_step_without_writing(db: Path) -> None:
    sql(
        db,
        "DROP TRIGGER evidence_au",
        "UPDATE evidence SET claim = 'rewritten without reindexing' WHERE id = 'yuanization'",
    )
    before = digest(db)
    proc = findings(db, "check")
    assert proc.returncode == 1 and "FAIL  search index of evidence: 1" in proc.stdout, proc.stdout
    assert "yuanization" in proc.stdout and digest(db) == before
    proc = findings(db, "repair")
    assert "made trigger 'evidence_au' on evidence again" in proc.stdout, proc.stdout
    assert "rebuilt the search index of evidence" in proc.stdout
    after = findings(db, "check").stdout
    assert "FAIL  search index" not in after and "ok    search index of evidence" in after
    # the claim was rewritten behind findings' back: its history says so, and repair does not hide it
    assert [line.split(":")[0] for line in after.splitlines() if "FAIL" in line] == ["  FAIL  history"]
    assert "yuanization: claim is 'rewritten without reindexing'" in after
    assert "yuanization" in findings(db, "search", "--json", "reindexing").stdout


def test_check_finds_a_search_index_damaged_inside_and_repair_rebuilds_it(db: Path) -> None:
    """Every row's words are right, but the index's count of a row's words (which ranking reads) is not."""
    sql(db, "UPDATE evidence_fts_docsize SET sz = x'0102030405' WHERE id = (SELECT min(id) FROM evidence_fts_docsize)")
    before = digest(db)
    proc = findings(db, "check")
    assert proc.returncode == 1 and "FAIL  search index of evidence: 1 — evidence_fts is damaged" in proc.stdout
    assert digest(db) == before
    assert "rebuilt the search index of evidence" in findings(db, "repair").stdout
    after = findings(db, "check")
    assert after.returncode == 0 and "ok    search index of evidence" in after.stdout, after.stdout


def test_repair_with_nothing_to_do_writes_nothing(db: Path) -> None:
    before = digest(db)
    proc = findings(db, "repair")
    assert proc.returncode == 0 and "nothing to repair" in proc.stdout, proc.stdout
    assert digest(db) == before and sorted(p.name for p in db.parent.iterdir()) == ["data.db"]


# ------------------------------------------------------------------------------------------------ time budget


def test_connections_trust_no_sql_in_the_file(db: Path) -> None:
    conn = connect.open_readonly(db)
    try:
        assert conn.execute("PRAGMA trusted_schema").fetchone() == (0,)
        assert conn.execute("PRAGMA query_only").fetchone() == (1,)
    finally:
        conn.close()


def test_a_query_that_never_ends_is_stopped_by_the_time_budget(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINDINGS_DB_TIME_LIMIT", "0.3")
    endless = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n"
    conn = connect.open_readonly(db)
    try:
        with pytest.raises(DatabaseTooSlow) as caught:
            conn.execute(endless).fetchone()
        assert "took too long" in describe(caught.value) and "FINDINGS_DB_TIME_LIMIT" in describe(caught.value)
        with pytest.raises(DatabaseTooSlow):  # rows fetched one by one: each fetch has the budget
            for _ in conn.execute(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT i FROM n "
                "WHERE i % 100000000 = 0"
            ):
                pass
        assert conn.execute("SELECT count(*) FROM evidence").fetchone()[0] > 0  # and the connection goes on
    finally:
        conn.close()
    stopped = connect.open_readonly(db, stop=lambda: True)  # the explorer's cancellation, through the same handler
    try:
        with pytest.raises(sqlite3.OperationalError, match=r"^interrupted$"):
            stopped.execute(endless).fetchone()
    finally:
        stopped.close()


# ---------------------------------------------------------------------------------------------- region parents


def test_region_parent_cycles_are_refused_on_import_and_found_by_check(db: Path, tmp_path: Path) -> None:
    cycle = tmp_path / "cycle.yaml"
    cycle.write_text(
        "regions:\n  - {id: north-a, name: North A, parent: north-b}\n"
        "  - {id: north-b, name: North B, parent: north-a}\n",
        encoding="utf-8",
    )
    one_error_line(findings(db, "import", "yaml", str(cycle)), "cycle.yaml:2", "own ancestor", "north-a -> north-b")
    itself = tmp_path / "itself.yaml"
    itself.write_text("regions:\n  - {id: crimea, name: Crimea, parent: crimea}\n", encoding="utf-8")
    one_error_line(findings(db, "import", "yaml", str(itself)), "a region cannot be its own parent")
    through = tmp_path / "through.yaml"  # a cycle through a region already in the database
    through.write_text("regions:\n  - {id: part-of-crimea, name: Part, parent: crimea}\n", encoding="utf-8")
    assert findings(db, "import", "yaml", str(through)).returncode == 0
    back = tmp_path / "back.yaml"
    back.write_text("regions:\n  - {id: crimea, name: Crimea, parent: part-of-crimea}\n", encoding="utf-8")
    one_error_line(findings(db, "import", "yaml", str(back)), "own ancestor")

    sql(db, "UPDATE regions SET parent_id = 'part-of-crimea' WHERE id = 'crimea'")  # written by another program
    proc = findings(db, "check")
    assert proc.returncode == 1 and "FAIL  region parent cycles: 1" in proc.stdout, proc.stdout
    assert "crimea -> part-of-crimea -> crimea" in proc.stdout
    proc = findings(db, "show", "region", "crimea")  # browsing a cycle ends
    assert proc.returncode == 0, proc.stderr


# ------------------------------------------------------------------------------------------- names and output


def test_nfc_and_nfd_spellings_of_a_name_are_one_name(db: Path, tmp_path: Path) -> None:
    """One actor imported from a file written in NFD (as macOS writes names), another that has the same name as an
    alias in NFC: before, typing the name one way found the first and the other way the second."""
    nfc = "Київська рада"  # й and ї precomposed
    nfd = unicodedata.normalize("NFD", nfc)
    assert nfd != nfc
    first, second = tmp_path / "first.yaml", tmp_path / "second.yaml"
    first.write_text(f"actors:\n  - {{id: kyiv-city-council, name: {nfd}, kind: state}}\n", encoding="utf-8")
    second.write_text(
        f"actors:\n  - {{id: kyiv-oblast-council, name: Kyiv Oblast Council, kind: state, aliases: [{nfc}]}}\n",
        encoding="utf-8",
    )
    for path in (first, second):
        proc = findings(db, "import", "yaml", str(path))
        assert proc.returncode == 0, proc.stderr
    assert query(db, "SELECT name FROM actors WHERE id = 'kyiv-city-council'") == [(nfc,)]  # the same text, NFC
    answers = {spelling: findings(db, "show", "actor", spelling) for spelling in (nfc, nfd)}
    assert answers[nfc].returncode == answers[nfd].returncode
    same = [unicodedata.normalize("NFC", answers[s].stdout + answers[s].stderr) for s in (nfc, nfd)]
    assert same[0] == same[1]  # (the message repeats what was typed)
    hits = {s: json.loads(findings(db, "search", "--json", "--kind", "actor", s).stdout) for s in (nfc, nfd)}
    assert {h["id"] for h in hits[nfc]} == {h["id"] for h in hits[nfd]} >= {"kyiv-city-council", "kyiv-oblast-council"}
    proc = findings(db, "import", "yaml", str(first))  # the NFD file again: nothing changes
    assert proc.returncode == 0, proc.stderr
    logged = json.loads(str(query(db, "SELECT counts FROM imports ORDER BY id DESC LIMIT 1")[0][0]))
    assert logged["actors"] == {"inserted": 0, "updated": 0, "unchanged": 1}
    assert query(db, "SELECT name FROM actors WHERE id = 'kyiv-city-council'") == [(nfc,)]


def test_a_claim_written_in_nfd_is_found_by_the_words_typed(db: Path, tmp_path: Path) -> None:
    """A claim pasted in NFD (macOS, some editors: `ї` as `і` and a combining diaeresis) was stored as it came:
    `їхали` found nothing ('no finding has їхали'), `інвестиції` found it only as another spelling, and the
    romanised export wrote `Kytay̆ski`. Claims and quotes are stored in NFC (the same text), as names are."""
    claim = "Китайські вантажівки їхали до Херсона, й далі: інвестиції."
    nfd = unicodedata.normalize("NFD", claim)
    assert nfd != claim
    path = tmp_path / "nfd.yaml"
    path.write_text(
        "sources:\n  - {id: field-notes, title: Field notes}\n"
        f"evidence:\n  - {{id: nfd-claim, claim: '{nfd}', quote: '{nfd}', category: logistics, source: field-notes}}\n",
        encoding="utf-8",
    )
    proc = findings(db, "import", "yaml", str(path))
    assert proc.returncode == 0, proc.stderr
    assert query(db, "SELECT claim, quote FROM evidence WHERE id = 'nfd-claim'") == [(claim, claim)]
    for word in ("їхали", "інвестиції", "Китайські"):
        hits = json.loads(findings(db, "search", "--json", "--kind", "evidence", word).stdout)
        assert [(h["id"], h.get("variant")) for h in hits] == [("nfd-claim", False)], word
    romanised = findings(db, "export", "csv", "--romanise", "їхали").stdout
    assert "Kytaiski" in romanised and not any(unicodedata.combining(c) for c in romanised), romanised


def test_hidden_characters_in_names_are_flagged_by_imports_and_check(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "hidden.yaml"
    path.write_text('actors:\n  - {id: huawei-lookalike, name: "Hua\\u200bwei", kind: company}\n', encoding="utf-8")
    proc = findings(db, "import", "yaml", str(path))
    assert proc.returncode == 0, proc.stderr
    assert "1 name or id holds invisible" in proc.stderr and "huawei-lookalike (name: U+200B)" in proc.stderr
    assert "\u200b" not in proc.stderr
    proc = findings(db, "check")
    assert proc.returncode == 0, proc.stdout
    assert "WARN  hidden characters in names and ids: 1" in proc.stdout
    assert "huawei-lookalike (name: U+200B)" in proc.stdout


@pytest.mark.parametrize("argv", [("check",), ("search", "china"), ("export", "csv")], ids=" ".join)
def test_a_closed_output_is_not_an_error(db: Path, argv: tuple[str, ...]) -> None:
    """`findings check | head` printed "Error: file: Broken pipe"."""
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "--db", str(db), *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader is gone before the first line
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert "Error" not in err and "Traceback" not in err and "Broken pipe" not in err, err


def test_the_check_report_says_what_it_checked(db: Path) -> None:
    report = json.loads(run_cli("check", "--json", db=db).stdout)
    names = {c["check"] for c in report["checks"]}
    assert {"schema", "journal files", "region parent cycles", "values of the right type"} <= names
    assert {"hidden characters in names and ids", "ids and names in NFC"} <= names
