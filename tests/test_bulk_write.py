"""Big imports go through store.write.insert_rows (staged in a TEMP table, one INSERT ... SELECT per table).

What a user would notice if it went wrong: findings out of order, numbers changed on the way in, links or
search terms missing, evidence counts off, or a failed import leaving rows behind.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from store import write
from store.search import search
from tests.conftest import digest, one, query, run_cli

ROWS = 12_345  # more than two CSV batches of 5,000 and than one staging round


def _evidence_csv(path: Path, rows: int, *, broken_at: int | None = None) -> Path:
    lines = ["id,claim,category,date,source_id,actors,regions,status,quantity,unit"]
    for i in range(rows):
        quantity = f"{i / 7:.17g}" if i % 3 else str(i)  # floats with all their digits, and integers
        region = "crimea" if i % 2 else "kherson"
        source = "no-such-source" if i == broken_at else "kyiv-independent-2025-10-30"
        lines.append(
            f'bulk-{i:05d},"Shipment {i} of zorblatt cranes, per the desk.",trade,2024-{1 + i % 12:02d},'
            f"{source},china:shipper;iran,{region},unreviewed,{quantity},cranes"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _source_id(db: Path) -> str:
    return str(one(db, "SELECT id FROM sources ORDER BY id LIMIT 1"))


def test_a_big_csv_import_keeps_order_values_links_counts_and_search(db: Path, tmp_path: Path) -> None:
    source = _source_id(db)
    csv_path = _evidence_csv(tmp_path / "evidence.csv", ROWS)
    csv_path.write_text(csv_path.read_text().replace("kyiv-independent-2025-10-30", source), encoding="utf-8")
    china_before = one(db, "SELECT evidence_count FROM actors WHERE id = 'china'")

    result = run_cli("import", "csv", str(csv_path), db=db)
    assert result.exit_code == 0, result.output

    ids = [row[0] for row in query(db, "SELECT id FROM evidence WHERE id LIKE 'bulk-%' ORDER BY rowid")]
    assert ids == [f"bulk-{i:05d}" for i in range(ROWS)]  # in file order
    quantities = dict(query(db, "SELECT id, quantity FROM evidence WHERE id LIKE 'bulk-%'"))
    assert quantities["bulk-00001"] == 1 / 7  # bit for bit
    assert quantities["bulk-12343"] == 12343 / 7
    assert quantities["bulk-00003"] == 3 and isinstance(quantities["bulk-00003"], int)
    assert one(db, "SELECT count(*) FROM evidence_actors WHERE evidence_id LIKE 'bulk-%'") == 2 * ROWS
    assert one(db, "SELECT role FROM evidence_actors WHERE evidence_id = 'bulk-00042' AND actor_id = 'china'") == (
        "shipper"
    )
    assert one(db, "SELECT count(*) FROM evidence_regions WHERE evidence_id LIKE 'bulk-%'") == ROWS
    assert one(db, "SELECT evidence_count FROM actors WHERE id = 'china'") == china_before + ROWS  # (triggers ran)

    conn = sqlite3.connect(db)
    try:
        conn.execute("INSERT INTO evidence_fts(evidence_fts) VALUES('integrity-check')")
        assert len(search(conn, "zorblatt", kinds=("evidence",), limit=ROWS + 10)) == ROWS
        # the linked names were indexed with each row: an alias of a linked region finds it
        hits = search(conn, "zorblatt region:kherson", kinds=("evidence",), limit=ROWS)
        assert len(hits) == (ROWS + 1) // 2
        staged = conn.execute("SELECT count(*) FROM sqlite_temp_master").fetchone()[0]
        assert staged == 0  # (a new connection: the staging tables were the import's own)
    finally:
        conn.close()


def test_a_big_import_that_fails_on_its_last_batch_leaves_the_database_unchanged(db: Path, tmp_path: Path) -> None:
    before = digest(db)
    csv_path = _evidence_csv(tmp_path / "evidence.csv", ROWS, broken_at=ROWS - 1)
    csv_path.write_text(csv_path.read_text().replace("kyiv-independent-2025-10-30", _source_id(db)), encoding="utf-8")
    result = run_cli("import", "csv", str(csv_path), db=db)
    assert result.exit_code == 1
    assert f"evidence.csv:{ROWS + 1}: evidence 'bulk-{ROWS - 1:05d}': field 'source'" in result.output
    assert digest(db) == before


def test_a_big_import_that_fills_the_disk_half_way_leaves_the_database_unchanged(
    db: Path, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    before = digest(db)
    csv_path = _evidence_csv(tmp_path / "evidence.csv", ROWS)
    csv_path.write_text(csv_path.read_text().replace("kyiv-independent-2025-10-30", _source_id(db)), encoding="utf-8")
    pages = one(db, "PRAGMA page_count")
    monkeypatch.setenv("FINDINGS_MAX_PAGE_COUNT", str(int(pages) + 300))  # room for a batch or so, not for all
    result = run_cli("import", "csv", str(csv_path), db=db)
    assert result.exit_code == 1
    assert "disk is full" in result.output and "nothing was written" in result.output
    assert digest(db) == before


def test_insert_rows_writes_exactly_what_executemany_writes(tmp_path: Path) -> None:
    """Same rows, same order, same types, with and without staging (sizes around the thresholds)."""
    values: list[object] = [None, 0, -1, 2**62, 0.1, 1e-300, 123456.78901234567, "", "a ; b", b"\x00b"]
    for n in (1, write.STAGE_MIN_ROWS - 1, write.STAGE_MIN_ROWS, write.STAGE_MAX_ROWS + 3):
        rows = [(i, values[i % len(values)], values[(i * 7) % len(values)]) for i in range(n)]
        got = []
        for staged in (False, True):
            conn = sqlite3.connect(":memory:", isolation_level=None)
            conn.execute("CREATE TABLE t (a, b, c)")
            conn.execute("BEGIN")
            if staged:
                write.insert_rows(conn, "t", ("a", "b", "c"), rows)
            else:
                conn.executemany("INSERT INTO t VALUES (?, ?, ?)", rows)
            conn.execute("COMMIT")
            got.append(conn.execute("SELECT rowid, a, b, typeof(b), c, typeof(c) FROM t ORDER BY rowid").fetchall())
            conn.close()
        assert got[0] == got[1]
        assert [row[1] for row in got[1]] == list(range(n))
