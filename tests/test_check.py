"""`findings check`: passes on data.db, and names each kind of damage with exit 1."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import ROOT, import_yaml, run_cli


def test_check_passes_on_the_committed_database() -> None:
    result = run_cli("check", db=ROOT / "data.db")
    assert result.exit_code == 0, result.output
    assert "0 problem(s)" in result.output


def test_check_json_shape(db: Path) -> None:
    result = run_cli("check", "--json", db=db)
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["ok"] is True
    names = {c["check"] for c in report["checks"]}
    assert {"storage integrity", "foreign keys", "evidence without a source", "aliases pointing nowhere"} <= names
    assert {"search index of evidence", "search index of actors"} <= names


DAMAGE = [
    (
        "aliases pointing nowhere",
        ["INSERT INTO aliases (kind, ref_id, alias) VALUES ('actor', 'ghost', 'Ghost Ltd')"],
    ),
    (
        "evidence without a source",
        ["PRAGMA foreign_keys = OFF", "UPDATE evidence SET source_id = 'gone' WHERE id = 'yuanization'"],
    ),
    (
        "evidence links to missing actors",
        [
            "PRAGMA foreign_keys = OFF",
            "INSERT INTO evidence_actors (evidence_id, actor_id) VALUES ('yuanization', 'nobody')",
        ],
    ),
    (
        "relations to missing rows",
        [
            "PRAGMA foreign_keys = OFF",
            "INSERT INTO relations (subject_id, object_id, kind) VALUES ('x', 'china', 'owns')",
        ],
    ),
    ("actor evidence counts", ["UPDATE actors SET evidence_count = 999 WHERE id = 'china'"]),
    ("alias columns", ["UPDATE actors SET aka = 'stale' WHERE id = 'china'"]),
    ("facet counts", ["UPDATE facet_counts SET n = n + 1 WHERE facet = 'category'"]),
    # A count the triggers never saw: a finding written with them gone.
    (
        "facet counts",
        [
            "DROP TRIGGER evidence_facets_ai",
            "INSERT INTO evidence (id, claim, category, source_id) "
            "SELECT 'unseen', 'x', 'trade', id FROM sources LIMIT 1",
        ],
    ),
    (
        "search index of evidence",
        # The index's count of a row's words, which ranking reads, made wrong.
        ["UPDATE evidence_fts_docsize SET sz = x'0102030405' WHERE id = (SELECT min(id) FROM evidence_fts_docsize)"],
    ),
    (
        "search index of evidence",
        # Change a row behind the index's back: drop the update trigger, edit, restore nothing.
        [
            "DROP TRIGGER evidence_au",
            "UPDATE evidence SET claim = 'rewritten without reindexing' WHERE id = 'yuanization'",
        ],
    ),
]


@pytest.mark.parametrize(("check", "statements"), DAMAGE, ids=[f"{d[0]}-{i}" for i, d in enumerate(DAMAGE)])
def test_check_names_the_damage_and_exits_1(db: Path, check: str, statements: list[str]) -> None:
    conn = sqlite3.connect(db)
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()
    result = run_cli("check", db=db)
    assert result.exit_code == 1, result.output
    failing = [line for line in result.output.splitlines() if line.strip().startswith("FAIL")]
    assert any(check in line for line in failing), result.output
    report = json.loads(run_cli("check", "--json", db=db).stdout)
    assert report["ok"] is False
    assert [c for c in report["checks"] if c["check"] == check and not c["ok"]]


def test_check_on_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"\x00garbage" * 1000)
    result = run_cli("check", db=path)
    assert result.exit_code == 1
    assert "not a SQLite database" in result.stderr


def test_check_without_a_terminal_writes_a_line_per_phase_before_the_report(db: Path) -> None:
    from store.check import phases

    lines = run_cli("check", db=db).stdout.splitlines()
    names = phases()
    progress = [line for line in lines if line.startswith("check ")]
    assert [line.split(": ")[0] for line in progress] == [f"check {i + 1}/{len(names)}" for i in range(len(names))]
    assert sorted(line.split(": ")[1] for line in progress) == sorted(names)  # (side by side: in the order they end)
    assert lines.index(progress[-1]) < next(i for i, line in enumerate(lines) if "problem(s)" in line)
    as_json = run_cli("check", "--json", db=db)
    assert json.loads(as_json.stdout)["ok"] is True  # the phase lines went to standard error
    assert as_json.stderr.count("check ") == len(names)


def test_check_finds_what_another_program_wrote_in_names_and_texts(db: Path) -> None:
    """Hidden characters, names not in NFC and words mixing scripts are looked for only in text outside plain
    ASCII (SQL passes over the rest): a NUL, where SQL's GLOB stops reading, hides nothing behind it."""
    import unicodedata

    conn = sqlite3.connect(db)
    conn.execute("UPDATE actors SET name = ? WHERE id = 'china'", ("Chi\x00na\u200b",))
    conn.execute(
        "UPDATE aliases SET alias = ? WHERE ref_id = 'china' AND alias = 'PRC'", (unicodedata.normalize("NFD", "Київ"),)
    )
    conn.execute("UPDATE evidence SET claim = ? WHERE id = 'yuanization'", ("Plain ASCII\x00 then Hu\u0430wei",))
    conn.commit()
    conn.close()
    by_name = {c["check"]: c for c in json.loads(run_cli("check", "--json", db=db).stdout)["checks"]}
    hidden = by_name["hidden characters in names and ids"]
    assert hidden["warning"] and hidden["count"] == 1 and "china" in hidden["examples"][0], hidden
    assert "U+200B" in hidden["examples"][0]
    not_nfc = by_name["ids and names in NFC"]
    assert not_nfc["warning"] and not_nfc["count"] == 1 and "of actor china" in not_nfc["examples"][0], not_nfc
    mixed = by_name["words mixing Latin and Cyrillic letters"]
    assert mixed["count"] == 1 and mixed["examples"][0].startswith("finding yuanization: Hu"), mixed
    assert "U+0430" in mixed["examples"][0]


def _store_untyped(db: Path, table: str, column: str, value: str) -> bool:
    """Store `value` in the last row's `column` as it is, whatever the column's type: TEXT columns turn numbers
    into text, so the column's declared type is left out of the schema while it is written (as another
    program's file could have it). False where the column's declaration is not found."""
    import re

    conn = sqlite3.connect(db, isolation_level=None)
    (create,) = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone()
    pattern = re.compile(rf"(\b{re.escape(column)}\s+)TEXT\b")
    if len(pattern.findall(create)) != 1:
        conn.close()
        return False
    writes = [(pattern.sub(r"\1", create), "UPDATE"), (create, None)]
    for sql, then in writes:
        conn.execute("PRAGMA writable_schema = ON")
        conn.execute("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?", (sql, table))
        conn.execute("PRAGMA writable_schema = OFF")
        conn.close()
        conn = sqlite3.connect(db, isolation_level=None)
        if then:
            conn.execute("PRAGMA foreign_keys = OFF")
            for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
                conn.execute(f'DROP TRIGGER "{name}"')
            last = f'(SELECT max(rowid) FROM "{table}")'
            conn.execute(f'UPDATE "{table}" SET "{column}" = {value} WHERE rowid = {last}')
    conn.close()
    return True


@pytest.mark.parametrize("value", ["7", "7.5", "x'00'"], ids=["integer", "real", "blob"])
def test_a_number_or_a_blob_in_any_text_column_is_found(db: Path, tmp_path: Path, value: str) -> None:
    """Every TEXT column of every table findings checks: one row holding a number or a blob there is reported."""
    import shutil

    from store import connect
    from store.check import value_types

    conn = sqlite3.connect(db)
    names = "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE '%VIRTUAL%'"
    columns = [
        (table, column)
        for (table,) in conn.execute(names).fetchall()
        if not table.endswith("_fts_config")
        and table != "facet_counts"
        and conn.execute(f'SELECT 1 FROM "{table}"').fetchone()
        for _, column, declared, *_ in conn.execute(f'PRAGMA table_info("{table}")').fetchall()
        if declared.upper() == "TEXT"
    ]
    conn.close()
    tried = 0
    for table, column in columns:
        copy = tmp_path / f"{table}.{column}.db"
        shutil.copyfile(db, copy)
        if not _store_untyped(copy, table, column, value):
            continue
        reader = connect.open_readonly(copy, notes=False)
        try:
            found = value_types(reader)
        finally:
            reader.close()
        assert not found.ok and found.examples[0].startswith(f"{table}.{column}: 1 ("), (table, column, found)
        tried += 1
    assert tried > 20, columns


def test_check_says_how_many_it_did_not_list_and_its_phase_line_says_warning(db: Path, tmp_path: Path) -> None:
    """A QA run: 5 of 8 hidden-character names were listed with no word of the other 3 (the alias spoofs among
    them), and the phase line said `ok` where the summary said WARN."""
    actors = "".join(f'  - {{id: spoof-{i}, name: "Hua\\u200bwei {i}", kind: company}}\n' for i in range(8))
    import_yaml(db, tmp_path, "actors:\n" + actors)
    result = run_cli("check", db=db)
    assert result.exit_code == 0
    assert "WARN  hidden characters in names and ids: 8" in result.stdout
    assert "... and 3 more" in result.stdout
    assert "hidden characters in names and ids: 1 warning(s)" in result.stdout  # (the phase lines, piped)
