"""Qualifiers with many values give the answer of their meaning, not an empty list: `after:` any of a thousand
dates is after the earliest of them (SQLite once gave up on an OR of 999 comparisons and nothing matched)."""

from __future__ import annotations

from pathlib import Path

import pytest

from store.connect import open_readonly
from store.search import EvidenceFilter, iter_evidence_ids
from tests.conftest import query


def _ids(db: Path, query: str) -> list[str]:
    conn = open_readonly(db)
    try:
        return [i for batch in iter_evidence_ids(conn, EvidenceFilter(query=query)) for i in batch]
    finally:
        conn.close()


@pytest.mark.parametrize("n", [2, 999, 1_000, 5_000])
@pytest.mark.parametrize(("qualifier", "one"), [("after", "1000"), ("before", "2999"), ("-after", "1000")])
def test_many_dates_mean_the_widest_of_them(built_db: Path, n: int, qualifier: str, one: str) -> None:
    dates = [str(2999 - i) if qualifier == "after" or qualifier == "-after" else str(1000 + i) for i in range(n)]
    dates.append(one)
    many = _ids(built_db, f"{qualifier}:{','.join(dates)}")
    assert many == _ids(built_db, f"{qualifier}:{one}")
    dated = query(built_db, "SELECT count(*) FROM evidence WHERE date IS NOT NULL")[0][0]
    assert len(many) == (0 if qualifier == "-after" else dated) and dated > 0  # all are after 1000, before 2999
