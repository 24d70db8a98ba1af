"""The timeline of an actor, region or source counts every dated finding, whatever its date's precision."""

from __future__ import annotations

from tui.widgets.charts import _fill_months


def test_findings_dated_to_the_year_alone_are_counted_beside_those_dated_to_the_month() -> None:
    """A QA run: `2023-11 · 2024 · 2025-04` showed 2 dated findings of 3 (the year-only one fell out)."""
    filled = _fill_months([("2023-11", 1), ("2024", 1), ("2025-04", 1)])
    assert filled == [("2023", 1), ("2024", 1), ("2025", 1)]
    assert sum(n for _, n in filled) == 3


def test_months_alone_stay_months_and_missing_ones_are_filled() -> None:
    filled = _fill_months([("2024-11", 2), ("2025-02", 1)])
    assert filled == [("2024-11", 2), ("2024-12", 0), ("2025-01", 0), ("2025-02", 1)]


def test_years_alone_are_filled() -> None:
    assert _fill_months([("2021", 1), ("2023", 4)]) == [("2021", 1), ("2022", 0), ("2023", 4)]
