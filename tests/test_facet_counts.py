"""Facet counts are kept, not recomputed: they stay right whoever writes, and filtered facets arrive in steps."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from store.check import facet_counts as facet_check
from store.connect import open_readonly
from store.search import EvidenceFilter, facets, iter_facets, total_findings
from tests.conftest import run_cli


def counted(db: Path) -> dict[str, list[tuple[str, int]]]:
    """The facets of every finding, counted from the rows with GROUP BY (what the kept counts must say)."""
    conn = sqlite3.connect(db)
    try:
        rows = {
            "category": conn.execute("SELECT category, count(*) FROM evidence GROUP BY category").fetchall(),
            "year": conn.execute(
                "SELECT substr(date, 1, 4), count(*) FROM evidence WHERE date IS NOT NULL AND date != '' GROUP BY 1"
            ).fetchall(),
            "region": conn.execute("SELECT region_id, count(*) FROM evidence_regions GROUP BY region_id").fetchall(),
            "country": conn.execute(
                "SELECT a.country, count(DISTINCT l.evidence_id) FROM evidence_actors l JOIN actors a "
                "ON a.id = l.actor_id WHERE a.country IS NOT NULL GROUP BY a.country"
            ).fetchall(),
        }
    finally:
        conn.close()
    out = {}
    for facet, values in rows.items():
        ordered = sorted(((str(v), n) for v, n in values if n), key=lambda x: (-x[1], x[0]))
        out[facet] = sorted(ordered, reverse=True) if facet == "year" else ordered
    return out


def kept(db: Path) -> tuple[dict[str, list[tuple[str, int]]], int]:
    conn = open_readonly(db)
    try:
        return facets(conn, EvidenceFilter()), total_findings(conn)
    finally:
        conn.close()


def write(db: Path, *statements: str) -> None:
    """Another program writing: plain sqlite3, foreign keys on (their cascades fire the triggers)."""
    conn = sqlite3.connect(db)
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        for statement in statements:
            conn.execute(statement)
        conn.commit()
    finally:
        conn.close()


def n_findings(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT count(*) FROM evidence").fetchone()[0]
    finally:
        conn.close()


EDITS = {
    "an actor changes country": ["UPDATE actors SET country = 'IR' WHERE id = 'china'"],
    "an actor loses its country": ["UPDATE actors SET country = NULL WHERE id = 'iran'"],
    "an actor is deleted (its links cascade)": ["DELETE FROM actors WHERE id = 'china'"],
    "findings are deleted": ["DELETE FROM evidence WHERE rowid % 3 = 0"],
    "a finding is recategorised and redated": [
        "UPDATE evidence SET category = 'energy', date = '1999-01-01' WHERE rowid IN (1, 2, 3)"
    ],
    "links are removed and added": [
        "DELETE FROM evidence_actors WHERE rowid % 2 = 0",
        "INSERT OR IGNORE INTO evidence_actors (evidence_id, actor_id) SELECT id, 'north-korea' FROM evidence",
    ],
    "a link moves to another actor": [
        "UPDATE OR IGNORE evidence_actors SET actor_id = 'iran' WHERE actor_id = 'china'",
    ],
}


@pytest.mark.parametrize("statements", list(EDITS.values()), ids=list(EDITS))
def test_kept_counts_stay_right_after_edits_by_another_program(db: Path, statements: list[str]) -> None:
    before, _ = kept(db)
    assert before == counted(db) and before["country"], before
    write(db, *statements)
    after, total = kept(db)
    assert after == counted(db)
    assert total == n_findings(db)
    conn = open_readonly(db)
    try:
        assert facet_check(conn).ok  # `findings check` agrees
    finally:
        conn.close()


def test_kept_counts_stay_right_after_imports(db: Path, tmp_path: Path) -> None:
    source = tmp_path / "new.yaml"
    source.write_text(
        "actors:\n  - id: new-co\n    name: New Co\n    kind: company\n    country: CN\n"
        "evidence:\n"
        "  - id: new-one\n    claim: A shipment arrived.\n    category: logistics\n"
        "    source: kyiv-independent-occupied-economy\n    date: 2031-05-01\n    actors: [new-co, china]\n"
        "  - id: new-two\n    claim: Another shipment arrived.\n    category: trade\n"
        "    source: kyiv-independent-occupied-economy\n    actors: [new-co]\n",
        encoding="utf-8",
    )
    before, _ = kept(db)
    result = run_cli("import", "yaml", str(source), db=db)
    assert result.exit_code == 0, result.output
    after, total = kept(db)
    assert after == counted(db) and after != before and ("2031", 1) in after["year"]
    assert total == n_findings(db)
    # the same file edited: a finding changes category and loses an actor
    source.write_text(
        source.read_text(encoding="utf-8")
        .replace("category: logistics", "category: energy")
        .replace("[new-co, china]", "[china]"),
        encoding="utf-8",
    )
    assert run_cli("import", "yaml", str(source), db=db).exit_code == 0
    assert kept(db) == (counted(db), n_findings(db))


def test_filtered_facets_arrive_in_steps_that_end_with_the_exact_counts(db: Path) -> None:
    conn = open_readonly(db)
    try:
        flt = EvidenceFilter(countries=("CN", "RU", "IR", "KP"))
        steps = list(iter_facets(conn, flt, slice_size=3))
        exact = facets(conn, flt)
        assert len(steps) > 2 and [s.done for s in steps] == [False] * (len(steps) - 1) + [True]
        assert steps[-1].counts == exact
        counts = [s.counted for s in steps[:-1]]
        assert counts == sorted(counts) and counts[0] == 3
        for step in steps[:-1]:  # partial counts never exceed the exact ones
            final = {facet: dict(values) for facet, values in exact.items()}
            for facet, values in step.counts.items():
                assert all(n <= final[facet][value] for value, n in values)
        again = list(iter_facets(conn, flt))  # remembered: one step
        assert len(again) == 1 and again[0].counts == exact
    finally:
        conn.close()


def test_repair_recounts_facet_counts_that_check_finds_wrong(db: Path) -> None:
    write(db, "UPDATE facet_counts SET n = n + 5 WHERE facet = 'country'")
    assert "FAIL  facet counts" in run_cli("check", db=db).stdout
    repaired = run_cli("repair", db=db)
    assert "recomputed facet counts" in repaired.output, repaired.output
    assert kept(db) == (counted(db), n_findings(db))
    assert run_cli("check", db=db).exit_code == 0
