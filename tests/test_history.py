"""The history of imports and reviews: what an import creates and merges is recorded with its import, `findings
show --history` lists it, and `findings check` fails when records no longer agree with their history."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from store import connect, review
from tests.conftest import ROOT, query, run_cli

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
