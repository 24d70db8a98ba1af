"""A search's findings latest added first (store.search.ADDED): the same findings as the ranked list, in the
order FTS5 reads them, at any offset; what the explorer shows while the ranking is read."""

from __future__ import annotations

from pathlib import Path

import pytest

from store.connect import open_readonly
from store.search import ADDED, EvidenceFilter, count_evidence, list_evidence, ranked
from tests.conftest import query


@pytest.mark.parametrize("text", ["occupied", "china", "china crim", "yua", "bank region:crimea", "occupied -china"])
def test_latest_added_first_lists_the_ranked_findings_newest_rowid_first(built_db: Path, text: str) -> None:
    flt = EvidenceFilter(query=text, as_you_type=True)
    conn = open_readonly(built_db)
    try:
        n = count_evidence(conn, flt)
        best = list_evidence(conn, flt, limit=n + 5)
        added = list_evidence(conn, flt, limit=n + 5, order=ADDED)
    finally:
        conn.close()
    assert n and len(added) == len(best) == n
    assert sorted(r.id for r in added) == sorted(r.id for r in best)
    # a region asked for: its own findings first, then the general ones, each part latest added first
    parts = [[r.rowid for r in added if r.scope == scope] for scope in dict.fromkeys(r.scope for r in added)]
    assert [r.scope for r in added] == sorted((r.scope for r in added), key=lambda s: s == "general")
    assert all(part == sorted(part, reverse=True) for part in parts)


def test_the_two_orders_differ_where_relevance_says_so(built_db: Path) -> None:
    flt = EvidenceFilter(query="occupied", as_you_type=True)
    conn = open_readonly(built_db)
    try:
        best = [r.rowid for r in list_evidence(conn, flt, limit=100)]
        added = [r.rowid for r in list_evidence(conn, flt, limit=100, order=ADDED)]
    finally:
        conn.close()
    assert added == sorted(best, reverse=True) != best


def test_deep_pages_latest_added_first_agree_with_the_first(built_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import store.search.evidence

    flt = EvidenceFilter(query="occupied", as_you_type=True)
    conn = open_readonly(built_db)
    try:
        whole = [r.id for r in list_evidence(conn, flt, limit=100, order=ADDED)]
        best = [r.id for r in list_evidence(conn, flt, limit=100)]
        monkeypatch.setattr(store.search.evidence, "DEEP_PAGE", 4)  # every page past 4 rows: read by rowid order
        pages = [r.id for o in range(0, 100, 3) for r in list_evidence(conn, flt, offset=o, limit=3, order=ADDED)]
        best_pages = [r.id for o in range(0, len(best), 3) for r in list_evidence(conn, flt, offset=o, limit=3)]
    finally:
        conn.close()
    assert pages == whole
    assert best_pages == best != whole  # the two orders are remembered apart


def test_lists_without_words_are_newest_first_in_either_order(built_db: Path) -> None:
    flt = EvidenceFilter(query="region:crimea", as_you_type=True)
    conn = open_readonly(built_db)
    try:
        assert list_evidence(conn, flt, limit=100, order=ADDED) == list_evidence(conn, flt, limit=100)
    finally:
        conn.close()
    assert not ranked("region:crimea") and not ranked("") and not ranked("-china")
    assert ranked("china") and ranked("yua", as_you_type=True) and ranked("china region:crimea")


@pytest.mark.parametrize("text", ['"', "AND", "*", "\x00", "NEAR(", "'", "a:b:c", "-", "（中国）", "\u202e"])
def test_latest_added_first_never_errors_on_what_was_typed(built_db: Path, text: str) -> None:
    conn = open_readonly(built_db)
    try:
        rows = list_evidence(conn, EvidenceFilter(query=text, as_you_type=True), limit=10, order=ADDED)
    finally:
        conn.close()
    assert isinstance(rows, list)
    assert isinstance(ranked(text, as_you_type=True), bool)


def test_latest_added_means_the_last_written(db: Path) -> None:
    """The newest rowid is the finding imported last (what "latest added" tells the user)."""
    newest = query(db, "SELECT id FROM evidence ORDER BY rowid DESC LIMIT 1")[0][0]
    words = query(db, "SELECT claim FROM evidence WHERE id = ?", newest)[0][0].split()
    word = max(words, key=len).strip(".,;:()\"'")
    conn = open_readonly(db)
    try:
        first = list_evidence(conn, EvidenceFilter(query=word), limit=1, order=ADDED)
    finally:
        conn.close()
    assert [r.id for r in first] == [newest]
