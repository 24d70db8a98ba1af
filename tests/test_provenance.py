"""Provenance of the first dataset: every locator points at a paragraph of the source text that carries the
finding's quote, figure and date — nothing is cited from a paragraph that does not say it.

The source text is the seed every developer and CI has at ../shared/seed/report-article.txt. Locators follow the
dataset's convention: "para N" is the N-th non-blank line after the headline.
"""

from __future__ import annotations

import calendar
import re
from pathlib import Path

import pytest

from tests.conftest import ROOT, query

SEED = ROOT.parent / "shared" / "seed" / "report-article.txt"
pytestmark = pytest.mark.skipif(not SEED.exists(), reason=f"the source text is not at {SEED}")


def paragraphs() -> dict[int, str]:
    lines = [line.strip() for line in SEED.read_text(encoding="utf-8").splitlines() if line.strip()]
    return dict(enumerate(lines[1:], start=1))  # the headline is not a paragraph


def cited(locator: str) -> str:
    numbers = [int(n) for n in re.findall(r"para (\d+)", locator)]
    assert numbers, locator
    text = paragraphs()
    return " ".join(text[n] for n in numbers)


def findings(db: Path) -> list[tuple]:
    sql = "SELECT id, quote, quantity, date, locator FROM evidence WHERE source_id = ?"
    return query(db, sql, "kyiv-independent-occupied-economy")


def test_every_locator_names_a_paragraph_of_the_source(built_db: Path) -> None:
    text = paragraphs()
    for id_, _, _, _, locator in findings(built_db):
        for n in re.findall(r"para (\d+)", locator):
            assert int(n) in text, (id_, locator)


def test_quotes_are_verbatim_in_the_cited_paragraph(built_db: Path) -> None:
    for id_, quote, _, _, locator in findings(built_db):
        if quote:
            assert quote in cited(locator).replace("’", "'"), (id_, quote, locator)


def test_figures_appear_in_the_cited_paragraph(built_db: Path) -> None:
    for id_, _, quantity, _, locator in findings(built_db):
        if quantity is not None:
            assert f"{quantity:,}" in cited(locator) or str(quantity) in cited(locator), (id_, quantity, locator)


def test_dates_appear_in_the_cited_paragraph(built_db: Path) -> None:
    for id_, _, _, date, locator in findings(built_db):
        if not date:
            continue
        parts = [int(p) for p in date.split("-")]
        year = str(parts[0])
        text = cited(locator)
        assert year in text, (id_, date, locator)
        if len(parts) > 1:
            assert calendar.month_name[parts[1]] in text, (id_, date, locator)
        if len(parts) > 2:
            assert re.search(rf"\b{parts[2]}\b", text), (id_, date, locator)
