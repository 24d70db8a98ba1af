"""Imports stream: memory holds a record (a chunk of them on the way to the database), not the file, and records
are written in an order in which every reference resolves, whatever order the file lists them in."""

from __future__ import annotations

import json
import sqlite3
import tracemalloc
from pathlib import Path

import pytest

from importers import feed
from importers.loaders import TextInput
from importers.native import native_records
from tests.conftest import content, query, run_cli

SRC = "kyiv-independent-occupied-economy"


def _yaml(n: int) -> str:
    rows = "".join(f"  - id: e-{i:06d}\n    claim: Claim number {i}\n    category: trade\n" for i in range(n))
    return f"source:\n  id: stream-source\n  title: Streamed\nevidence:\n{rows}"


def _json(n: int, indent: bool = False) -> str:
    records = [{"id": f"e-{i:06d}", "claim": f"Claim number {i}", "category": "trade"} for i in range(n)]
    doc = {"source": {"id": "stream-source", "title": "Streamed"}, "evidence": records}
    return json.dumps(doc, indent=2 if indent else None)


def _peak_reading(path: Path, fmt: str) -> tuple[int, int]:
    """(records read, peak bytes allocated) while validating every record of a file and dropping it."""
    tracemalloc.start()
    try:
        n = 0
        with TextInput(path) as inp:
            for _ in native_records(inp, fmt):
                n += 1
        return n, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(
    ("fmt", "make"),
    [("yaml", _yaml), ("json", _json), ("json", lambda n: _json(n, indent=True))],
    ids=["yaml", "json", "json-indented"],
)
def test_reading_holds_a_record_not_the_document(tmp_path: Path, fmt: str, make) -> None:  # type: ignore[no-untyped-def]
    """Four times the records, the same memory (the whole document would take about 1 KB a record)."""
    peaks = []
    for n in (10_000, 40_000):
        path = tmp_path / f"{n}.{fmt}"
        path.write_text(make(n), encoding="utf-8")
        read, peak = _peak_reading(path, fmt)
        assert read == n + 1
        peaks.append(peak)
    assert peaks[1] < 1.3 * peaks[0] + 64 * 1024, peaks
    assert peaks[1] < 4_000_000, peaks  # a few blocks of text, nothing per record (80 MB for the document)


def test_records_in_any_order_import_as_in_dependency_order(db: Path, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Findings before the actors and regions they name, a region before its parent, a relation before its
    finding, the file's source last; in chunks of three, so that most references cross a chunk."""
    monkeypatch.setattr(feed, "CHUNK", 3)
    backwards = tmp_path / "backwards.yaml"
    backwards.write_text(
        """relations:
  - {subject: fwd-a, object: fwd-b, kind: ally-of, evidence: fwd-e1}
evidence:
"""
        + "".join(
            f"  - {{id: fwd-e{i}, claim: Claim {i}, category: trade, actors: [fwd-a, fwd-b], regions: [fwd-r1]}}\n"
            for i in range(1, 8)
        )
        + """regions:
  - {id: fwd-r1, name: Inner, parent: fwd-r2}
  - {id: fwd-r2, name: Middle, parent: fwd-r3}
  - {id: fwd-r3, name: Outer}
actors:
  - {id: fwd-a, name: Forward A, kind: company}
  - {id: fwd-b, name: Forward B, kind: company}
source: {id: fwd-source, title: Forward}
""",
        encoding="utf-8",
    )
    ordered = tmp_path / "ordered.json"
    ordered.write_text(
        json.dumps(
            {
                "source": {"id": "fwd-source", "title": "Forward"},
                "actors": [
                    {"id": "fwd-a", "name": "Forward A", "kind": "company"},
                    {"id": "fwd-b", "name": "Forward B", "kind": "company"},
                ],
                "regions": [
                    {"id": "fwd-r3", "name": "Outer"},
                    {"id": "fwd-r2", "name": "Middle", "parent": "fwd-r3"},
                    {"id": "fwd-r1", "name": "Inner", "parent": "fwd-r2"},
                ],
                "evidence": [
                    {
                        "id": f"fwd-e{i}",
                        "claim": f"Claim {i}",
                        "category": "trade",
                        "actors": ["fwd-a", "fwd-b"],
                        "regions": ["fwd-r1"],
                    }
                    for i in range(1, 8)
                ],
                "relations": [{"subject": "fwd-a", "object": "fwd-b", "kind": "ally-of", "evidence": "fwd-e1"}],
            }
        ),
        encoding="utf-8",
    )
    other = tmp_path / "other.db"
    other.write_bytes(db.read_bytes())
    assert run_cli("import", "yaml", str(backwards), db=db).exit_code == 0
    assert run_cli("import", "json", str(ordered), db=other).exit_code == 0
    assert content(db) == content(other)
    derived = "SELECT id, evidence_count FROM actors WHERE id LIKE 'fwd-%' ORDER BY id"
    assert query(db, derived) == query(other, derived) == [("fwd-a", 7), ("fwd-b", 7)]
    names = "SELECT linked_names FROM evidence WHERE id = 'fwd-e5'"
    assert query(db, names) == query(other, names) == [("Forward A ; Forward B ; Inner",)]


def test_an_unknown_reference_held_to_the_end_is_still_reported_with_its_line(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "ghost.yaml"
    path.write_text(
        f"evidence:\n  - id: g1\n    claim: c\n    category: trade\n    source: {SRC}\n    actors: [ghost-actor]\n"
        "actors:\n  - {id: real-actor, name: Real, kind: company}\n",
        encoding="utf-8",
    )
    result = run_cli("import", "yaml", str(path), db=db)
    assert result.exit_code == 1
    assert f"{path}:6: evidence 'g1': field 'actors': unknown actor 'ghost-actor'" in result.stderr


def test_a_finding_without_a_source_before_the_files_source_takes_it(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "late-source.yaml"
    path.write_text(
        "evidence:\n  - {id: late-1, claim: Early finding, category: trade}\nsource: {id: late-src, title: Late}\n",
        encoding="utf-8",
    )
    assert run_cli("import", "yaml", str(path), db=db).exit_code == 0
    assert query(db, "SELECT source_id FROM evidence WHERE id = 'late-1'") == [("late-src",)]


def test_a_repeated_relation_in_another_chunk_is_an_error(db: Path, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(feed, "CHUNK", 2)
    rows = ["subject,object,kind", "china,russia,ally-of", "iran,russia,ally-of", "north-korea,russia,ally-of"]
    path = tmp_path / "relations.csv"
    path.write_text("\n".join([*rows, "china,russia,ally-of"]) + "\n", encoding="utf-8")
    result = run_cli("import", "csv", str(path), db=db)
    assert result.exit_code == 1
    assert f"{path}:5: relation on line 5: field 'subject': duplicate relation china ally-of russia" in result.stderr


def test_errors_deep_in_a_long_file_name_their_line(db: Path, tmp_path: Path) -> None:
    """Line numbers stay right across the blocks the reader reads and the chunks it writes."""
    n = 12_000
    text = _json(n, indent=True).replace('"claim": "Claim number 11000"', '"claim": "Claim", "date": "2025-13"')
    path = tmp_path / "long.json"
    path.write_text(text, encoding="utf-8")
    line = next(i for i, row in enumerate(text.split("\n"), 1) if '"date": "2025-13"' in row)
    result = run_cli("import", "json", str(path), db=db)
    assert result.exit_code == 1
    assert f"{path}:{line}: evidence 'e-011000': field 'date'" in result.stderr, result.stderr


def test_json_on_one_line_is_read_record_by_record(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "minified.json"
    path.write_text(_json(3_000).replace("\n", ""), encoding="utf-8")
    assert run_cli("import", "json", str(path), "--max-record-size", "4K", db=db).exit_code == 0
    assert query(db, "SELECT count(*) FROM evidence WHERE source_id = 'stream-source'") == [(3_000,)]


def test_import_log_hashes_every_byte_of_a_streamed_file(db: Path, tmp_path: Path) -> None:
    import hashlib

    path = tmp_path / "hashed.yaml"
    path.write_text(_yaml(2_000), encoding="utf-8")
    assert run_cli("import", "yaml", str(path), db=db).exit_code == 0
    conn = sqlite3.connect(db)
    try:
        (sha,) = conn.execute("SELECT sha256 FROM imports WHERE path = ?", (str(path),)).fetchone()
    finally:
        conn.close()
    assert sha == hashlib.sha256(path.read_bytes()).hexdigest()
