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


# ------------------------------------------------------------------------------------- regions: general, specific


def region_names(db: Path) -> dict[str, set[str]]:
    """Each region's names as a text may write them: its name and aliases, the gazetteer's places in it, and
    the names of the regions within it (at any depth)."""
    names: dict[str, set[str]] = {rid: {name} for rid, name in query(db, "SELECT id, name FROM regions")}
    for rid, alias in query(db, "SELECT ref_id, alias FROM aliases WHERE kind = 'region'"):
        names[rid].add(alias)
    for name, rid in query(db, "SELECT name, region_id FROM gazetteer"):
        names[rid].add(name)
    parents = dict(query(db, "SELECT id, parent_id FROM regions WHERE parent_id IS NOT NULL"))
    for rid in list(names):
        parent = parents.get(rid)
        while parent is not None:
            names[parent] |= names[rid]
            parent = parents.get(parent)
    return names


def names_in(text: str, names: set[str]) -> bool:
    text = text.replace("’", "'")
    return any(re.search(rf"(?<!\w){re.escape(n)}(?!\w)", text, re.IGNORECASE) for n in names)


def wholes(db: Path) -> set[str]:
    """Regions that stand for a whole (parts, and part of nothing): the occupied territories."""
    sql = (
        "SELECT id FROM regions r WHERE parent_id IS NULL AND EXISTS (SELECT 1 FROM regions p WHERE p.parent_id = r.id)"
    )
    return {r[0] for r in query(db, sql)}


def linked_regions(db: Path) -> dict[str, set[str]]:
    links: dict[str, set[str]] = {id_: set() for id_, *_ in findings(db)}
    for eid, rid in query(db, "SELECT evidence_id, region_id FROM evidence_regions"):
        if eid in links:
            links[eid].add(rid)
    return links


def test_a_finding_is_linked_to_a_region_only_when_its_paragraph_names_it_or_a_place_in_it(built_db: Path) -> None:
    """A finding about "the occupied territories" is not about Kherson: linked to a region, it cites a paragraph
    that names that region, one of its aliases or a place in it (dataset/gazetteer/)."""
    names, whole = region_names(built_db), wholes(built_db)
    locators = {id_: locator for id_, _, _, _, locator in findings(built_db)}
    for id_, regions in linked_regions(built_db).items():
        for rid in regions - whole:
            assert names_in(cited(locators[id_]), names[rid]), (id_, rid, locators[id_])


def test_a_finding_about_the_occupied_territories_as_a_whole_is_linked_to_them(built_db: Path) -> None:
    """The other way round: a paragraph that speaks of the occupied territories and names none of their regions
    gives a finding linked to the whole, not to every region and not to none."""
    names, whole = region_names(built_db), wholes(built_db)
    assert whole == {"occupied-territories"}
    sql = "SELECT name FROM regions WHERE id = ? UNION SELECT alias FROM aliases WHERE kind = 'region' AND ref_id = ?"
    the_whole = {r[0] for r in query(built_db, sql, "occupied-territories", "occupied-territories")}
    locators = {id_: locator for id_, _, _, _, locator in findings(built_db)}
    checked = 0
    for id_, regions in linked_regions(built_db).items():
        text = cited(locators[id_])
        if names_in(text, the_whole) and not any(names_in(text, names[r]) for r in names if r not in whole):
            assert regions == {"occupied-territories"}, (id_, regions, locators[id_])
            checked += 1
    assert checked >= 15  # most of the article speaks of the occupied territories as a whole
