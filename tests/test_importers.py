"""Native YAML/JSON and CSV importers: upserts, dry runs, and clean failures on bad input."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from tests.conftest import digest, query, run_cli

GOOD_YAML = """\
source:
  id: test-source
  title: A test report
  publisher: Test Desk
  published: 2025-06
actors:
  - id: test-company
    name: Test Company
    kind: company
    country: cn
    aliases: [TestCo, Test Co Ltd]
regions:
  - id: test-city
    name: Test City
    kind: city
    parent: crimea
evidence:
  - id: test-finding
    claim: Test Company opened an office in Test City.
    category: corporate
    date: 2025-06-01
    quantity: 1
    unit: office
    locator: para 2
    status: curated
    actors: [test-company, {id: china, role: home state}]
    regions: [test-city, crimea]
relations:
  - {subject: test-company, object: china, kind: owned-by, evidence: test-finding}
"""


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


# ------------------------------------------------------------------------------------------------- good input


def test_yaml_import_inserts_rows_links_and_aliases(db: Path, tmp_path: Path) -> None:
    path = write(tmp_path, "new.yaml", GOOD_YAML)
    result = run_cli("import", "yaml", str(path), db=db)
    assert result.exit_code == 0, result.output
    assert "inserted" in result.output
    assert query(db, "SELECT name, kind, country FROM actors WHERE id = 'test-company'") == [
        ("Test Company", "company", "CN")
    ]
    assert query(db, "SELECT alias FROM aliases WHERE ref_id = 'test-company' ORDER BY alias") == [
        ("Test Co Ltd",),
        ("TestCo",),
    ]
    assert query(db, "SELECT parent_id FROM regions WHERE id = 'test-city'") == [("crimea",)]
    assert query(db, "SELECT actor_id, role FROM evidence_actors WHERE evidence_id = 'test-finding' ORDER BY 1") == [
        ("china", "home state"),
        ("test-company", None),
    ]
    assert query(db, "SELECT source_id, date, quantity FROM evidence WHERE id = 'test-finding'") == [
        ("test-source", "2025-06-01", 1)
    ]
    assert query(db, "SELECT kind, evidence_id FROM relations WHERE subject_id = 'test-company'") == [
        ("owned-by", "test-finding")
    ]
    # Aliases and linked names are searchable at once.
    hits = query(
        db,
        "SELECT e.id FROM evidence_fts JOIN evidence e ON e.rowid = evidence_fts.rowid "
        "WHERE evidence_fts MATCH 'testco'",
    )
    assert hits == [("test-finding",)]
    log = query(db, "SELECT path, format, sha256 FROM imports WHERE path = ?", str(path))
    assert log == [(str(path), "yaml", hashlib.sha256(path.read_bytes()).hexdigest())]


def test_importing_the_same_file_twice_changes_nothing(db: Path, tmp_path: Path) -> None:
    path = write(tmp_path, "new.yaml", GOOD_YAML)
    assert run_cli("import", "yaml", str(path), db=db).exit_code == 0
    before = query(db, "SELECT * FROM evidence ORDER BY id"), query(db, "SELECT * FROM evidence_actors ORDER BY 1, 2")
    second = run_cli("import", "yaml", str(path), db=db)
    assert second.exit_code == 0
    assert "│        0 │       0 │" in second.output  # nothing inserted or updated in any table
    after = query(db, "SELECT * FROM evidence ORDER BY id"), query(db, "SELECT * FROM evidence_actors ORDER BY 1, 2")
    assert before == after


def test_another_file_never_rewrites_a_curated_finding(db: Path, tmp_path: Path) -> None:
    """A QA run: a YAML (or CSV) file with the id of a shipped curated finding rewrote its claim, status and links."""
    before = query(db, "SELECT * FROM evidence WHERE id = 'yuanization'")
    links = query(db, "SELECT * FROM evidence_actors WHERE evidence_id = 'yuanization'")
    other = write(
        tmp_path,
        "other.yaml",
        "evidence:\n  - id: yuanization\n    claim: Rewritten claim.\n    category: other\n    status: unreviewed\n"
        "    source: kyiv-independent-occupied-economy\n",
    )
    result = run_cli("import", "yaml", str(other), db=db)
    assert result.exit_code == 0, result.output
    assert query(db, "SELECT * FROM evidence WHERE id = 'yuanization'") == before
    assert query(db, "SELECT * FROM evidence_actors WHERE evidence_id = 'yuanization'") == links
    assert "1 curated finding(s) left as they are" in result.stderr and f"yuanization ({other}:2)" in result.stderr
    csv = write(
        tmp_path,
        "evidence.csv",
        "id,claim,category,date,source_id,actors,regions,status\n"
        "yuanization,Rewritten by CSV,other,2025,kyiv-independent-occupied-economy,,,unreviewed\n",
    )
    assert run_cli("import", "csv", str(csv), db=db).exit_code == 0
    assert query(db, "SELECT * FROM evidence WHERE id = 'yuanization'") == before
    assert run_cli("check", db=db).exit_code == 0


def test_another_file_never_rewrites_a_curated_actor_region_or_source(db: Path, tmp_path: Path) -> None:
    """A QA run: a native YAML with the id `china` turned the curated state into a person, wiped its summary and
    aliases, and renamed the curated source and region with it. The curated records stay as they are and are
    listed; the file's own records and findings are imported and link to them."""
    # (actors' and regions' rows also count their findings, which grow by the file's finding linking to them)
    read = [
        "SELECT id, name, kind, country, summary, aka FROM actors WHERE id = 'china'",
        "SELECT * FROM aliases WHERE ref_id IN ('china', 'crimea') ORDER BY 1, 2, 3",
        "SELECT id, name, kind, parent_id, aka FROM regions WHERE id = 'crimea'",
        "SELECT id, title, publisher, kind, notes FROM sources WHERE id = 'kyiv-independent-occupied-economy'",
    ]
    before = [query(db, sql) for sql in read]
    path = write(
        tmp_path,
        "hostile.yaml",
        "sources:\n  - {id: kyiv-independent-occupied-economy, title: Rewritten title}\n"
        "actors:\n  - {id: china, name: Ivan Example, kind: person, aliases: []}\n"
        "  - {id: acme, name: Acme, kind: company}\n"
        "regions:\n  - {id: crimea, name: Somewhere, kind: city}\n"
        "evidence:\n  - {id: acme-cranes, claim: Acme sold cranes in Crimea., category: trade,\n"
        "      source: kyiv-independent-occupied-economy, actors: [acme, china], regions: [crimea]}\n",
    )
    result = run_cli("import", "yaml", str(path), db=db)
    assert result.exit_code == 0, result.output
    assert [query(db, sql) for sql in read] == before
    assert "3 curated record(s) left as they are" in result.stderr
    for line in ("actor china (", "region crimea (", "source kyiv-independent-occupied-economy ("):
        assert line in result.stderr
    assert query(db, "SELECT name FROM actors WHERE id = 'acme'") == [("Acme",)]
    assert query(db, "SELECT actor_id FROM evidence_actors WHERE evidence_id = 'acme-cranes' ORDER BY 1") == [
        ("acme",),
        ("china",),
    ]
    # An actor an import made is still the imports' to update.
    write(tmp_path, "later.yaml", "actors:\n  - {id: acme, name: Acme Ltd, kind: company}\n")
    later = run_cli("import", "yaml", str(tmp_path / "later.yaml"), db=db)
    assert later.exit_code == 0 and "left as they are" not in later.stderr
    assert query(db, "SELECT name FROM actors WHERE id = 'acme'") == [("Acme Ltd",)]
    assert run_cli("check", db=db).exit_code == 0


def test_another_file_never_rewrites_a_curated_relation_or_place_name(db: Path, tmp_path: Path) -> None:
    """A QA run: a YAML file changed the dataset's relation China ally-of Russia (role, start, evidence) and
    moved the place name Berdiansk to Crimea, after which articles about Berdiansk were tagged Crimea. Both are
    left as they are and listed; a new place name is added."""
    relations = query(db, "SELECT * FROM relations ORDER BY id")
    path = write(
        tmp_path,
        "r.yaml",
        "relations:\n  - {subject: china, object: russia, kind: ally-of, role: hacked, start: '1900'}\n"
        "gazetteer:\n  - {name: Berdiansk, regions: [crimea]}\n  - {name: Новоград, regions: [kherson]}\n",
    )
    result = run_cli("import", "yaml", str(path), db=db)
    assert result.exit_code == 0, result.output
    assert query(db, "SELECT * FROM relations ORDER BY id") == relations
    assert query(db, "SELECT region_id FROM gazetteer WHERE name = 'Berdiansk'") == [("zaporizhzhia",)]
    assert query(db, "SELECT region_id FROM gazetteer WHERE name = 'Новоград'") == [("kherson",)]
    assert "2 curated record(s) left as they are" in result.stderr
    assert "relation china ally-of russia (" in result.stderr and "place name Berdiansk (" in result.stderr


def test_a_source_a_person_marked_sensitive_is_not_reverted_by_its_file(db: Path, tmp_path: Path) -> None:
    """Re-importing the file a source came from (edited) left it sensitive: a person's change is not undone by
    an import (the file says nothing of sensitivity, and had it rewrite the row, the witness would export)."""
    path = write(tmp_path, "mine.yaml", "sources:\n  - {id: interview-7, title: Interview 7}\n")
    assert run_cli("import", "yaml", str(path), db=db).exit_code == 0
    assert run_cli("mark-sensitive", "source", "interview-7", "--reviewer", "ana", db=db).exit_code == 0
    path.write_text("sources:\n  - {id: interview-7, title: Interview 7 (edited)}\n", encoding="utf-8")
    result = run_cli("import", "yaml", str(path), db=db)
    assert result.exit_code == 0, result.output
    assert query(db, "SELECT title, sensitive FROM sources WHERE id = 'interview-7'") == [("Interview 7", 1)]
    assert "source interview-7 (" in result.stderr


def test_a_finding_a_reviewer_curated_is_not_reverted_by_its_file(db: Path, tmp_path: Path) -> None:
    from store import review
    from store.connect import open_readwrite

    path = write(tmp_path, "new.yaml", GOOD_YAML.replace("status: curated", "status: unreviewed"))
    assert run_cli("import", "yaml", str(path), db=db).exit_code == 0
    conn = open_readwrite(db)
    review.set_status(conn, "test-finding", "curated", who="a reviewer")
    conn.commit()
    conn.close()
    path.write_text(GOOD_YAML.replace("status: curated", "status: unreviewed").replace("opened", "closed"))
    result = run_cli("import", "yaml", str(path), db=db)
    assert result.exit_code == 0, result.output
    assert query(db, "SELECT claim, status FROM evidence WHERE id = 'test-finding'") == [
        ("Test Company opened an office in Test City.", "curated")
    ]
    assert "test-finding" in result.stderr


def test_edited_file_updates_rows_and_replaces_links(db: Path, tmp_path: Path) -> None:
    path = write(tmp_path, "new.yaml", GOOD_YAML)
    run_cli("import", "yaml", str(path), db=db)
    edited = (
        GOOD_YAML.replace("opened an office", "closed its office")
        .replace("[test-company, {id: china, role: home state}]", "[test-company]")
        .replace("aliases: [TestCo, Test Co Ltd]", "aliases: [TC Group]")
    )
    path.write_text(edited, encoding="utf-8")
    result = run_cli("import", "yaml", str(path), db=db)
    assert result.exit_code == 0, result.output
    assert query(db, "SELECT claim FROM evidence WHERE id = 'test-finding'") == [
        ("Test Company closed its office in Test City.",)
    ]
    assert query(db, "SELECT actor_id FROM evidence_actors WHERE evidence_id = 'test-finding'") == [("test-company",)]
    assert query(db, "SELECT alias FROM aliases WHERE ref_id = 'test-company'") == [("TC Group",)]
    assert query(db, "SELECT aka FROM actors WHERE id = 'test-company'") == [("TC Group",)]
    # The old alias is gone from search, the new one found.
    match = "SELECT count(*) FROM actors_fts WHERE actors_fts MATCH ?"
    assert query(db, match, "testco") == [(0,)]
    assert query(db, match, '"tc group"') == [(1,)]


def test_dry_run_reports_but_writes_nothing(db: Path, tmp_path: Path) -> None:
    path = write(tmp_path, "new.yaml", GOOD_YAML)
    before = digest(db)
    result = run_cli("import", "yaml", "--dry-run", str(path), db=db)
    assert result.exit_code == 0, result.output
    assert "dry run" in result.output and "would be inserted" in result.output
    assert digest(db) == before
    assert query(db, "SELECT count(*) FROM actors WHERE id = 'test-company'") == [(0,)]


def test_dry_run_on_a_missing_database_creates_nothing(tmp_path: Path) -> None:
    path = write(tmp_path, "new.yaml", "actors:\n  - {id: solo, name: Solo, kind: person}\n")
    target = tmp_path / "none.db"
    result = run_cli("import", "yaml", "--dry-run", str(path), db=target)
    assert result.exit_code == 0, result.output
    assert not target.exists()


def test_json_import_matches_yaml(tmp_path: Path, empty_db: Path) -> None:
    import yaml

    doc = yaml.safe_load(GOOD_YAML.replace("parent: crimea", "").replace(", crimea]", "]"))
    doc["evidence"][0]["actors"] = ["test-company"]
    doc["relations"][0]["object"] = "test-company"
    doc["relations"][0]["kind"] = "self"
    doc["source"]["published"] = "2025-06"
    doc["evidence"][0]["date"] = "2025-06-01"
    path = write(tmp_path, "new.json", json.dumps(doc))
    result = run_cli("import", "json", str(path), db=empty_db)
    assert result.exit_code == 0, result.output
    assert query(empty_db, "SELECT id, status FROM evidence") == [("test-finding", "curated")]


def test_import_into_a_new_database_file_creates_it(tmp_path: Path) -> None:
    src = write(tmp_path, "a.yaml", "actors:\n  - {id: solo, name: Solo, kind: person}\n")
    target = tmp_path / "fresh.db"
    assert run_cli("import", "yaml", str(src), db=target).exit_code == 0
    assert query(target, "SELECT id FROM actors") == [("solo",)]


CSV_ACTORS = "id,name,kind,country,aliases\nacme,Acme Holdings,company,RU,Acme;ACME Group\n"
CSV_SOURCES = "id,title,publisher\ncsv-src,CSV source,Desk\n"
CSV_EVIDENCE = (
    "id,claim,category,date,source_id,actors,regions,status,quantity,unit\n"
    'csv-ev,"Acme shipped 12 cranes to Crimea, per the desk.",trade,2024-03,csv-src,acme:shipper;china,crimea,'
    "unreviewed,12,cranes\n"
)


def test_csv_tables_recognised_from_headers_in_dependency_order(db: Path, tmp_path: Path) -> None:
    ev = write(tmp_path, "evidence.csv", CSV_EVIDENCE)
    actors = write(tmp_path, "actors.csv", CSV_ACTORS)
    src = write(tmp_path, "sources.csv", CSV_SOURCES)
    result = run_cli("import", "csv", str(ev), str(actors), str(src), db=db)
    assert result.exit_code == 0, result.output
    assert query(db, "SELECT actor_id, role FROM evidence_actors WHERE evidence_id = 'csv-ev' ORDER BY 1") == [
        ("acme", "shipper"),
        ("china", None),
    ]
    assert query(db, "SELECT quantity, unit, status FROM evidence WHERE id = 'csv-ev'") == [
        (12, "cranes", "unreviewed")
    ]
    assert query(db, "SELECT alias FROM aliases WHERE ref_id = 'acme' ORDER BY alias") == [("ACME Group",), ("Acme",)]
    assert len(query(db, "SELECT * FROM imports WHERE format = 'csv'")) == 3


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_csv_saved_with_semicolons_or_tabs_reads_the_same(db: Path, tmp_path: Path, delimiter: str) -> None:
    """Excel in a Ukrainian or Russian locale saves CSV with semicolons (the comma is the decimal mark); a sheet
    copied out is separated by tabs. A QA run: 'cannot tell which table the columns id;name;kind... describe'."""
    import csv
    import io

    def resaved(text: str) -> str:
        out = io.StringIO()
        csv.writer(out, delimiter=delimiter, lineterminator="\n").writerows(csv.reader(io.StringIO(text)))
        return out.getvalue()

    paths = [
        write(tmp_path, name, resaved(text))
        for name, text in (("evidence.csv", CSV_EVIDENCE), ("actors.csv", CSV_ACTORS), ("sources.csv", CSV_SOURCES))
    ]
    result = run_cli("import", "csv", *map(str, paths), db=db)
    assert result.exit_code == 0, result.output
    assert query(db, "SELECT actor_id, role FROM evidence_actors WHERE evidence_id = 'csv-ev' ORDER BY 1") == [
        ("acme", "shipper"),
        ("china", None),
    ]
    assert query(db, "SELECT alias FROM aliases WHERE ref_id = 'acme' ORDER BY alias") == [("ACME Group",), ("Acme",)]


def test_csv_table_option_and_bom(db: Path, tmp_path: Path) -> None:
    path = write(tmp_path, "x.csv", b"\xef\xbb\xbf" + CSV_SOURCES.encode())
    result = run_cli("import", "csv", "--table", "sources", str(path), db=db)
    assert result.exit_code == 0, result.output
    assert query(db, "SELECT title FROM sources WHERE id = 'csv-src'") == [("CSV source",)]


def test_utf8_bom_is_fine_in_yaml(db: Path, tmp_path: Path) -> None:
    path = write(tmp_path, "bom.yaml", b"\xef\xbb\xbf" + b"actors:\n  - {id: bom, name: Bom, kind: person}\n")
    assert run_cli("import", "yaml", str(path), db=db).exit_code == 0


def test_markup_and_escape_sequences_import_as_plain_text(db: Path, tmp_path: Path) -> None:
    text = "[@click=app.quit]press[/] \x1b[2J [link=http://x]y[/] '); DROP TABLE evidence; --"
    doc = {
        "actors": [{"id": "weird", "name": text, "kind": "person"}],
        "evidence": [
            {"id": "weird-ev", "claim": text, "category": "other", "source": "kyiv-independent-occupied-economy"}
        ],
    }
    path = write(tmp_path, "weird.json", json.dumps(doc))
    assert run_cli("import", "json", str(path), db=db).exit_code == 0
    assert query(db, "SELECT claim FROM evidence WHERE id = 'weird-ev'") == [(text,)]
    assert query(db, "SELECT count(*) FROM evidence")[0][0] > 1


# -------------------------------------------------------------------------------------------------- bad input

SRC = "kyiv-independent-occupied-economy"
BAD_CASES = [
    # (id, file name, content, [expected fragments of the one-line error])
    ("yaml-malformed", "bad.yaml", "actors:\n  - id: x\n    name: [unclosed\n", ["bad.yaml:", "invalid YAML"]),
    ("json-malformed", "bad.json", '{"actors": [\n  {"id": "x",,}\n]}', ["bad.json:2", "invalid JSON"]),
    ("yaml-top-level-list", "list.yaml", "- a\n- b\n", ["list.yaml:1", "top level must be a mapping"]),
    ("json-top-level-string", "str.json", '"hello"', ["str.json", "top level must be a mapping"]),
    ("empty", "empty.yaml", "", ["empty.yaml", "is empty"]),
    ("whitespace", "blank.yaml", "  \n\n \n", ["blank.yaml", "is empty"]),
    ("nul-byte", "nul.yaml", b"actors:\n  - id: a\x00b\n", ["nul.yaml:2", "NUL"]),
    (
        "latin-1",
        "latin.yaml",
        "actors:\n  - {id: a, name: Caf\xe9, kind: person}\n".encode("latin-1"),
        ["latin.yaml:2", "not valid UTF-8"],
    ),
    ("utf-16", "u16.yaml", "actors: []\n".encode("utf-16"), ["u16.yaml:1", "UTF-16"]),
    (
        "wrong-type",
        "type.yaml",
        "actors:\n  - id: a\n    name: [1, 2]\n    kind: person\n",
        ["type.yaml:3", "actor 'a'", "field 'name'", "must be text"],
    ),
    ("section-not-list", "sec.yaml", "actors:\n  id: a\n", ["sec.yaml:1", "field 'actors'", "must be a list"]),
    (
        "missing-required",
        "req.yaml",
        "actors:\n  - id: a\n    kind: person\n",
        ["req.yaml:2", "field 'name'", "required"],
    ),
    (
        "unknown-category",
        "cat.yaml",
        f"evidence:\n  - id: e\n    claim: c\n    source: {SRC}\n    category: gossip\n",
        ["cat.yaml:5", "evidence 'e'", "field 'category'", "gossip"],
    ),
    (
        "unknown-status",
        "st.yaml",
        f"evidence:\n  - id: e\n    claim: c\n    category: trade\n    source: {SRC}\n    status: maybe\n",
        ["st.yaml:6", "field 'status'", "maybe"],
    ),
    (
        "no-source",
        "nosrc.yaml",
        "evidence:\n  - id: e\n    claim: c\n    category: trade\n",
        ["nosrc.yaml:2", "evidence 'e'", "field 'source'"],
    ),
    (
        "unknown-source",
        "usrc.yaml",
        "evidence:\n  - id: e\n    claim: c\n    category: trade\n    source: nowhere\n",
        ["usrc.yaml:5", "field 'source'", "unknown source 'nowhere'"],
    ),
    (
        "unknown-actor",
        "uact.yaml",
        f"evidence:\n  - id: e\n    claim: c\n    category: trade\n    source: {SRC}\n    actors: [chinaa]\n",
        ["uact.yaml:6", "field 'actors'", "unknown actor 'chinaa'", "china"],
    ),
    (
        "unknown-region",
        "ureg.yaml",
        f"evidence:\n  - id: e\n    claim: c\n    category: trade\n    source: {SRC}\n    regions: [narnia]\n",
        ["ureg.yaml:6", "field 'regions'", "unknown region 'narnia'"],
    ),
    (
        "duplicate-id",
        "dup.yaml",
        "actors:\n  - {id: a, name: A, kind: person}\n  - {id: a, name: B, kind: person}\n",
        ["dup.yaml:3", "duplicate actor id 'a'", "dup.yaml:2"],
    ),
    (
        "impossible-date",
        "date.yaml",
        f"evidence:\n  - id: e\n    claim: c\n    category: trade\n    source: {SRC}\n    date: 2025-13-40\n",
        ["date.yaml:6", "field 'date'", "month 13"],
    ),
    (
        "bad-id",
        "id.yaml",
        "actors:\n  - {id: ../../etc/passwd, name: A, kind: person}\n",
        ["id.yaml:2", "field 'id'", "slug"],
    ),
    (
        "unknown-field",
        "field.yaml",
        "actors:\n  - {id: a, name: A, kind: person, nmae: x}\n",
        ["field.yaml:2", "field 'nmae'", "unknown field"],
    ),
    (
        "yaml-python-tag",
        "tag.yaml",
        "actors: !!python/object/apply:os.system ['echo pwned']\n",
        ["tag.yaml:1", "invalid YAML"],
    ),
    ("yaml-alias", "alias.yaml", "a: &x [1]\nactors: *x\n", ["alias.yaml:1", "anchors and aliases"]),
    ("csv-malformed", "bad.csv", 'id,title\n"s1,"unterminated\n', ["bad.csv", "CSV"]),
    ("csv-wrong-width", "width.csv", "id,title\ns1,One,extra\n", ["width.csv:2", "3 cells"]),
    ("csv-unknown-table", "what.csv", "foo,bar\n1,2\n", ["what.csv:1", "--table"]),
    ("csv-unknown-column", "col.csv", "id,title,colour\ns,t,red\n", ["col.csv:1", "colour"]),
    ("csv-bad-date", "date.csv", "id,title,published\ns,t,2025-02-30\n", ["date.csv:2", "field 'published'", "day 30"]),
    (
        "csv-unknown-ref",
        "ref.csv",
        "id,claim,category,source_id\ne,c,trade,ghost\n",
        ["ref.csv:2", "field 'source'", "unknown source 'ghost'"],
    ),
    ("csv-empty", "empty.csv", "", ["empty.csv", "empty"]),
    ("csv-latin-1", "latin.csv", "id,title\ns,Caf\xe9\n".encode("latin-1"), ["latin.csv:2", "UTF-8"]),
    ("csv-nul", "nul.csv", b"id,title\ns,a\x00b\n", ["nul.csv:2", "NUL"]),
]


@pytest.mark.parametrize(("name", "content", "expected"), [c[1:] for c in BAD_CASES], ids=[c[0] for c in BAD_CASES])
def test_bad_input_fails_cleanly_and_leaves_the_db_unchanged(
    db: Path, tmp_path: Path, name: str, content: str | bytes, expected: list[str]
) -> None:
    path = write(tmp_path, name, content)
    fmt = path.suffix.lstrip(".")
    before = digest(db)
    result = run_cli("import", fmt, str(path), db=db)
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    for fragment in expected:
        assert fragment in lines[0], (fragment, lines[0])
    assert digest(db) == before
    assert not Path(f"{db}-wal").exists() or Path(f"{db}-wal").stat().st_size == 0


def test_failed_import_into_a_new_file_leaves_no_file(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.yaml", "evidence:\n  - {id: e, claim: c, category: trade, source: ghost}\n")
    target = tmp_path / "new.db"
    result = run_cli("import", "yaml", str(path), db=target)
    assert result.exit_code == 1
    assert not target.exists()
    assert not list(tmp_path.glob("new.db*"))


def test_an_error_in_the_second_file_rolls_back_the_first(db: Path, tmp_path: Path) -> None:
    good = write(tmp_path, "good.yaml", "actors:\n  - {id: fine, name: Fine, kind: person}\n")
    bad = write(tmp_path, "bad.yaml", "actors:\n  - {id: Bad Id, name: B, kind: person}\n")
    before = digest(db)
    result = run_cli("import", "yaml", str(good), str(bad), db=db)
    assert result.exit_code == 1
    assert "bad.yaml:2" in result.stderr
    assert digest(db) == before


def test_missing_file_is_a_clean_error(db: Path, tmp_path: Path) -> None:
    result = run_cli("import", "yaml", str(tmp_path / "nope.yaml"), db=db)
    assert result.exit_code in (1, 2)
    assert "nope.yaml" in result.stderr
    assert "Traceback" not in result.output


def test_duplicate_id_across_files_is_an_error(db: Path, tmp_path: Path) -> None:
    a = write(tmp_path, "a.yaml", "actors:\n  - {id: twin, name: A, kind: person}\n")
    b = write(tmp_path, "b.yaml", "actors:\n  - {id: twin, name: B, kind: person}\n")
    result = run_cli("import", "yaml", str(a), str(b), db=db)
    assert result.exit_code == 1
    assert "b.yaml:2" in result.stderr and "duplicate actor id 'twin'" in result.stderr


def test_an_import_collects_garbage_less_often_and_puts_the_collector_back(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The collector traversed every record made, 700 new objects at a time: a third of reading tiny records."""
    import gc

    from importers import cli as import_cli
    from importers.collection import THRESHOLDS

    during: list[tuple[int, ...]] = []
    real = import_cli.print_summary
    monkeypatch.setattr(import_cli, "print_summary", lambda *a, **k: (during.append(gc.get_threshold()), real(*a, **k)))
    before = gc.get_threshold()
    path = tmp_path / "one.yaml"
    path.write_text("source: {id: s1, title: One}\nevidence:\n  - {id: e1, claim: A claim., category: trade}\n")
    result = run_cli("import", "yaml", str(path), db=db)
    assert result.exit_code == 0, result.output
    assert during == [THRESHOLDS] and before != THRESHOLDS
    assert gc.get_threshold() == before


NUMBERS = [  # (as written, as stored): Ukrainian and Russian write a decimal comma and groups of three apart
    ("1,5", 1.5),
    ("0,25", 0.25),
    ("12 000", 12000),
    ("12\u00a0000", 12000),
    ("1 234,5", 1234.5),
    ("1.234,5", 1234.5),
    ("1,500", 1500),
    ("12,000.5", 12000.5),
    ("1.5", 1.5),
    ("1500", 1500),
]


def test_quantities_are_read_as_ukrainian_russian_and_english_writers_write_them(db: Path, tmp_path: Path) -> None:
    """`1,5` was stored as 15 and `12 000` refused by CSV (a review form stored it as 12 with the unit '000
    тонн'). A comma before exactly three digits stays a thousands separator, as in English."""
    rows = "".join(f'n{i},Claim {i},trade,csv-src,"{text}",тонн\n' for i, (text, _) in enumerate(NUMBERS))
    ev = write(tmp_path, "evidence.csv", "id,claim,category,source_id,quantity,unit\n" + rows)
    src = write(tmp_path, "sources.csv", CSV_SOURCES)
    result = run_cli("import", "csv", str(src), str(ev), db=db)
    assert result.exit_code == 0, result.output
    stored = dict(query(db, "SELECT id, quantity FROM evidence WHERE id GLOB 'n[0-9]*'"))
    assert stored == {f"n{i}": number for i, (_, number) in enumerate(NUMBERS)}
    yaml = write(
        tmp_path, "q.yaml", 'evidence:\n  - {id: y, claim: Y, category: trade, source: csv-src, quantity: "1,5"}\n'
    )
    assert run_cli("import", "yaml", str(yaml), db=db).exit_code == 0
    assert query(db, "SELECT quantity FROM evidence WHERE id = 'y'") == [(1.5,)]
    bad = write(tmp_path, "bad.csv", 'id,claim,category,source_id,quantity\nb,B,trade,csv-src,"1,500,5"\n')
    refused = run_cli("import", "csv", str(bad), db=db)
    assert refused.exit_code == 1 and "bad.csv:2:" in refused.output and "'1,500,5' is not a number" in refused.output


def test_a_figure_typed_in_the_review_form_keeps_its_number_whole() -> None:
    from tui.screens.review_edit import changed_values

    data = {"claim": "c", "quantity": 1, "unit": "t"}
    assert changed_values(data, {"claim": "c", "figure": "12 000 тонн"}) == {"quantity": "12 000", "unit": "тонн"}
    assert changed_values(data, {"claim": "c", "figure": "1,5 тонни"}) == {"quantity": "1,5", "unit": "тонни"}
    assert changed_values(data, {"claim": "c", "figure": "3 bridges"}) == {"quantity": "3", "unit": "bridges"}


@pytest.mark.parametrize("fmt", ["yaml", "json", "csv", "article"])
@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"\x1f\x8b\x08\x00rest of a gzip stream", "is gzip-compressed: decompress it first"),
        (b"PK\x03\x04rest of an xlsx", "is a ZIP archive (an Excel workbook or a Word document?)"),
        (b"%PDF-1.7\n", "is a PDF document"),
    ],
)
def test_a_binary_file_is_named_for_what_it_is(db: Path, tmp_path: Path, fmt: str, content: bytes, said: str) -> None:
    """A QA run: a .gz given to `import yaml` said 'contains a NUL byte (binary data?)', to `import csv` 'is not
    valid UTF-8 (byte 0x8b)'."""
    path = write(tmp_path, "input.bin", content)
    before = digest(db)
    result = run_cli("import", fmt, str(path), db=db)
    assert result.exit_code == 1
    assert said in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert digest(db) == before


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_an_export_given_to_an_import_says_what_moves_findings(db: Path, tmp_path: Path, fmt: str) -> None:
    """A QA run: `import csv` of an `export csv` said "unknown column 'actor_ids'", `import json` of an `export
    json` that the top level must be a mapping: neither said that the file is an export, nor what to use."""
    out = tmp_path / f"yuan.{fmt}"
    assert run_cli("export", fmt, "yuan", "-o", str(out), db=db).exit_code == 0
    before = digest(db)
    result = run_cli("import", fmt, str(out), db=db)
    assert result.exit_code == 1
    assert f"is a {fmt.upper()} export of findings" in result.stderr and "findings export dataset" in result.stderr
    assert digest(db) == before
