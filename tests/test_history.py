"""The history of imports and reviews: what an import creates and merges is recorded with its import, `findings
show --history` lists it, and `findings check` fails when records no longer agree with their history."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from store import connect, review
from tests.conftest import ROOT, import_yaml, query, run_cli

NOTES = ROOT / "tests" / "data" / "articles" / "field-notes.txt"

YAML_V1 = """\
sources:
  - {id: field-diary, title: Field diary, kind: document}
actors:
  - {id: krymport, name: Krymport Logistics, kind: company}
evidence:
  - id: diary-cranes
    claim: Two cranes were unloaded at the port.
    category: logistics
    source: field-diary
    date: 2024-03
    actors: [krymport]
    regions: [crimea]
"""


@pytest.fixture
def yaml_file(tmp_path: Path) -> Path:
    path = tmp_path / "diary.yaml"
    path.write_text(YAML_V1, encoding="utf-8")
    return path


def test_an_import_records_what_it_created_with_its_import(db: Path, yaml_file: Path) -> None:
    result = run_cli("import", "yaml", str(yaml_file), db=db)
    assert result.exit_code == 0, result.output
    [(import_id,)] = query(db, "SELECT id FROM imports WHERE path = ?", str(yaml_file))
    rows = query(
        db, "SELECT kind, record_id, field, after, import_id FROM changes WHERE import_id = ? ORDER BY id", import_id
    )
    assert [(k, r, f) for k, r, f, _, _ in rows] == [
        ("source", "field-diary", None),
        ("actor", "krymport", None),
        ("evidence", "diary-cranes", None),
    ]
    created = json.loads(rows[2][3])
    assert created["claim"] == "Two cranes were unloaded at the port."
    assert created["actors"] == [["krymport", None]] and created["regions"] == ["crimea"]
    assert run_cli("check", db=db).exit_code == 0


def test_a_second_import_records_each_field_it_merged(db: Path, yaml_file: Path) -> None:
    assert run_cli("import", "yaml", str(yaml_file), db=db).exit_code == 0
    yaml_file.write_text(YAML_V1.replace("date: 2024-03", "date: 2024-04").replace("[crimea]", "[crimea, kherson]"))
    assert run_cli("import", "yaml", str(yaml_file), db=db).exit_code == 0
    conn = connect.open_readonly(db)
    changes = review.history(conn, "evidence", "diary-cranes")
    assert [c.what for c in changes] == ["created", "date", "regions"]
    assert (changes[1].before, changes[1].after) == ("2024-03", "2024-04")
    assert changes[2].after == ["crimea", "kherson"]
    assert changes[1].import_id != changes[0].import_id
    conn.close()
    # importing the same file again changes nothing and records nothing
    before = query(db, "SELECT count(*) FROM changes")
    assert run_cli("import", "yaml", str(yaml_file), db=db).exit_code == 0
    assert query(db, "SELECT count(*) FROM changes") == before
    assert run_cli("check", db=db).exit_code == 0


def test_check_fails_when_a_record_changed_outside_its_history(db: Path, yaml_file: Path) -> None:
    assert run_cli("import", "yaml", str(yaml_file), db=db).exit_code == 0
    conn = sqlite3.connect(db)
    conn.execute("UPDATE evidence SET date = '1999' WHERE id = 'diary-cranes'")
    conn.commit()
    conn.close()
    result = run_cli("check", db=db)
    assert result.exit_code == 1
    assert "history" in result.output and "diary-cranes: date is '1999'" in result.output


def test_check_fails_when_a_recorded_record_vanished(db: Path, yaml_file: Path) -> None:
    assert run_cli("import", "yaml", str(yaml_file), db=db).exit_code == 0
    conn = sqlite3.connect(db)
    conn.execute("DELETE FROM evidence WHERE id = 'diary-cranes'")
    conn.commit()
    conn.close()
    result = run_cli("check", db=db)
    assert result.exit_code == 1
    assert "diary-cranes: in the history, but missing" in result.output


def test_review_changes_keep_check_passing_and_show_lists_them(db: Path, yaml_file: Path) -> None:
    assert run_cli("import", "yaml", str(yaml_file), db=db).exit_code == 0
    conn = connect.open_readwrite(db)
    review.edit(conn, "diary-cranes", "date", "2024-03-14", who="olena", note="from the port log")
    review.unlink(conn, "diary-cranes", "region", "crimea", who="olena")
    review.set_status(conn, "diary-cranes", "curated", who="olena")
    conn.close()
    assert run_cli("check", db=db).exit_code == 0
    result = run_cli("show", "evidence", "diary-cranes", "--history", db=db)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "History (4 changes)" in out
    assert "date: 2024-03 → 2024-03-14 (from the port log)" in out
    assert "regions: crimea → -" in out and "status: unreviewed → curated" in out
    assert out.count("olena") == 3
    data = json.loads(run_cli("show", "evidence", "diary-cranes", "--history", "--json", db=db).output)
    assert [c["what"] for c in data["history"]] == ["created", "date", "regions", "status"]
    assert data["sealed"] is True


def test_an_article_reimport_records_the_findings_it_removed(db: Path, tmp_path: Path) -> None:
    article = tmp_path / "notes.txt"
    article.write_text(NOTES.read_text(encoding="utf-8"), encoding="utf-8")
    url = ("--url", "https://example.org/grain-notes")  # the same article, whatever its text
    assert run_cli("import", "article", str(article), *url, db=db).exit_code == 0
    made = query(db, "SELECT id FROM evidence WHERE status = 'unreviewed' ORDER BY id")
    assert made
    # the paragraphs no longer name anything known: their findings go, and the history says so
    lines = article.read_text(encoding="utf-8").splitlines()
    article.write_text("\n\n".join([lines[0], "Nothing of note happened."]) + "\n", encoding="utf-8")
    result = run_cli("import", "article", str(article), *url, db=db)
    assert result.exit_code == 0, result.output
    deleted = query(db, "SELECT record_id FROM changes WHERE field IS NULL AND after IS NULL ORDER BY record_id")
    assert deleted == made
    assert run_cli("check", db=db).exit_code == 0


# ------------------------------------------------------------- the check's two ways of comparing: one verdict

TRICKY_YAML = """\
sources:
  - {id: notes-1, title: "Нотатки \\"з поля\\" — back\\\\slash", kind: document, published: "2024-05"}
actors:
  - id: port-operator
    name: "Кримський морський порт"
    kind: company
    country: UA
    summary: "Line one\\nline two\\ttabbed; emoji 🇺🇦; U+2028 [\\u2028]"
    aliases: ["Крымский порт", "Port \\"Krym\\""]
  - {id: shipper, name: Shipper Ltd, kind: company}
regions:
  - {id: crimea, name: Crimea, kind: autonomous-republic, aliases: [Крим, Крым]}
  - {id: kerch-port, name: Керченський порт, kind: city, parent: crimea}
evidence:
  - id: unloading
    claim: "Two cranes (\\"Liebherr\\") were unloaded; 12,5 т — see \\\\appendix."
    quote: "«Крани прибули»"
    category: logistics
    source: notes-1
    date: 2024-03
    quantity: 2
    unit: cranes
    locator: p. 3
    actors: [port-operator, shipper]
    regions: [crimea, kerch-port]
  - id: no-links
    claim: A finding with no actor and no region.
    category: logistics
    source: notes-1
relations:
  - {subject: shipper, object: port-operator, kind: supplier-of, evidence: unloading, start: "2023"}
"""


@pytest.fixture
def tricky(empty_db: Path, tmp_path: Path) -> Path:
    import_yaml(empty_db, tmp_path, TRICKY_YAML, "tricky.yaml")
    return empty_db


def _both_ways(db: Path) -> tuple[tuple[int, list[str]], tuple[int, list[str]]]:
    from store.history import inconsistencies

    conn = connect.open_readonly(db)
    try:
        return inconsistencies(conn), inconsistencies(conn, in_sql=False)
    finally:
        conn.close()


def test_sql_sets_aside_every_record_still_as_it_was_created_whatever_its_text(tricky: Path) -> None:
    from store.history import _RECORDS, _looked_at_sql

    conn = connect.open_readonly(tricky)
    created = {kind: n for kind, n in conn.execute("SELECT kind, count(*) FROM changes GROUP BY kind")}
    assert {"evidence", "actor", "region", "source", "relation"} <= created.keys()
    left = {kind: [r for (r,) in conn.execute(_looked_at_sql(kind), (kind,))] for kind in _RECORDS}
    conn.close()
    # quotes, backslashes, newlines, tabs, Cyrillic, emoji, U+2028: SQLite writes them as the history did
    assert left == {kind: [] for kind in _RECORDS}
    assert _both_ways(tricky) == ((0, []), (0, []))


# (what another program does to the file, whether the history notices it)
TAMPERING = [
    ("UPDATE evidence SET date = '1999' WHERE id = 'unloading'", True),
    ("UPDATE evidence SET quantity = 2.0 WHERE id = 'unloading'", False),  # the same number
    ("UPDATE evidence SET quantity = 2.5 WHERE id = 'unloading'", True),
    ("UPDATE evidence SET quote = NULL WHERE id = 'unloading'", True),
    ("UPDATE evidence SET confidence = 'high' WHERE id = 'unloading'", False),  # not in its created row
    ("UPDATE evidence SET claim = CAST(claim AS BLOB) WHERE id = 'unloading'", False),  # its text: a type check's
    ("UPDATE evidence SET sensitive = 2 WHERE id = 'unloading'", False),  # not in its created row
    ("DELETE FROM evidence_actors WHERE evidence_id = 'unloading' AND actor_id = 'shipper'", True),
    ("UPDATE evidence_actors SET role = 'buyer' WHERE evidence_id = 'unloading'", True),
    # (a value JSON cannot hold: SQLite refuses the kind's query, Python compares every finding)
    ("UPDATE evidence_actors SET role = x'00' WHERE evidence_id = 'unloading'", True),
    ("INSERT INTO evidence_actors (evidence_id, actor_id) VALUES ('no-links', 'shipper')", True),
    ("INSERT INTO evidence_regions (evidence_id, region_id) VALUES ('no-links', 'crimea')", True),
    ("DELETE FROM evidence_regions WHERE evidence_id = 'unloading' AND region_id = 'kerch-port'", True),
    ("UPDATE aliases SET alias = 'Krym port' WHERE alias = 'Крымский порт'", True),
    ("UPDATE actors SET country = 'RU' WHERE id = 'port-operator'", True),
    ("UPDATE actors SET aka = 'anything' WHERE id = 'port-operator'", False),  # derived, not recorded
    ("UPDATE regions SET parent_id = NULL WHERE id = 'kerch-port'", True),
    ("UPDATE sources SET title = title || ' ' WHERE id = 'notes-1'", True),
    ("UPDATE relations SET start = '2022'", True),
    ("DELETE FROM relations", True),
    ("DELETE FROM evidence WHERE id = 'no-links'", True),
    ("UPDATE changes SET after = json_set(after, '$.date', '2024-04') WHERE record_id = 'unloading'", True),
    ("UPDATE changes SET after = json_set(after, '$.\"\"', json('false')) WHERE record_id = 'no-links'", True),
    ("UPDATE changes SET after = '[1]' WHERE record_id = 'no-links'", False),  # no fields: it exists, that is all
    ("UPDATE changes SET after = NULL WHERE record_id = 'no-links'", True),  # its history: deleted
    ("UPDATE changes SET after = json_set(after, '$.sensitive', json('true')) WHERE record_id = 'unloading'", True),
    ("UPDATE changes SET after = json_set(after, '$.extra', 1) WHERE record_id = 'unloading'", False),
    ("UPDATE changes SET after = json_set(after, '$.quantity', 2.0) WHERE record_id = 'unloading'", False),
    ("UPDATE changes SET after = json_set(after, '$.quote', NULL) WHERE record_id = 'unloading'", True),
    ("UPDATE changes SET after = json_set(after, '$.quantity', 0.3) WHERE record_id = 'unloading'", True),
]


@pytest.mark.parametrize(("sql", "noticed"), TAMPERING, ids=[sql for sql, _ in TAMPERING])
def test_a_change_behind_the_history_gets_the_same_verdict_both_ways(tricky: Path, sql: str, noticed: bool) -> None:
    conn = sqlite3.connect(tricky)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("DROP TRIGGER IF EXISTS changes_no_update")  # (to forge the history itself)
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'changes'"):
        conn.execute(f'DROP TRIGGER "{name}"')
    assert conn.execute(sql).rowcount > 0
    conn.commit()
    conn.close()
    in_sql, in_python = _both_ways(tricky)
    assert in_sql == in_python
    assert (in_sql[0] > 0) is noticed, in_sql


def test_a_created_row_written_in_another_order_is_read_by_its_values(tricky: Path) -> None:
    """SQLite first compares the created row's text with the record's fields written as findings writes them
    (keys sorted, no NULLs); a row another program wrote otherwise is still compared by its values."""
    import json

    conn = sqlite3.connect(tricky)
    conn.execute("DROP TRIGGER IF EXISTS changes_no_update")
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'changes'"):
        conn.execute(f'DROP TRIGGER "{name}"')
    rows = conn.execute("SELECT id, after FROM changes WHERE field IS NULL AND after IS NOT NULL").fetchall()
    for id_, after in rows:  # keys in reverse order, non-ASCII escaped: the same values
        fields = json.loads(after)
        conn.execute("UPDATE changes SET after = ? WHERE id = ?", (json.dumps(dict(reversed(fields.items()))), id_))
    conn.commit()
    conn.close()
    assert _both_ways(tricky) == ((0, []), (0, []))


def test_a_number_sqlite_writes_shorter_is_compared_in_python(tricky: Path) -> None:
    """0.30000000000000004 is written 0.3 by SQLite (15 digits): the texts agree, the values do not."""
    conn = sqlite3.connect(tricky)
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'changes'"):
        conn.execute(f'DROP TRIGGER "{name}"')
    conn.execute("UPDATE evidence SET quantity = 0.30000000000000004 WHERE id = 'unloading'")
    conn.execute("UPDATE changes SET after = json_set(after, '$.quantity', 0.3) WHERE record_id = 'unloading'")
    conn.commit()
    conn.close()
    in_sql, in_python = _both_ways(tricky)
    assert in_sql == in_python
    assert in_sql[0] == 1 and "quantity" in in_sql[1][0]
