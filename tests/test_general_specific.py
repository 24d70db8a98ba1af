"""General and specific: a finding about "the occupied territories" as a whole is not a finding about Kherson.

Asked about a region (its screen, a region chip, `region:kherson`), every door lists the findings about that
region (or a place within it) first, then, apart and marked, the general ones: about a wider region that
contains it, as a whole. Counts say which is which; nothing counts a general finding as the region's own.
"""

from __future__ import annotations

import csv
import io
import json
import random
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from store import search as S
from store.connect import open_readonly, open_readwrite
from store.search import EvidenceFilter
from store.search import evidence as evidence_module
from store.search import plan as plan_module
from tests.conftest import run_cli
from tests.test_cli_lookups import lines_fit
from tests.tui_support import press, run_app, screen_text, settle

WHOLE = "occupied-territories"


@pytest.fixture(scope="module")
def conn(built_db: Path):
    c = open_readonly(built_db)
    yield c
    c.close()


def linked(conn: sqlite3.Connection, table: str, col: str, value: str) -> set[str]:
    return {r[0] for r in conn.execute(f"SELECT evidence_id FROM {table} WHERE {col} = ?", [value])}


def china_in(conn: sqlite3.Connection, region: str) -> set[str]:
    return linked(conn, "evidence_actors", "actor_id", "china") & linked(conn, "evidence_regions", "region_id", region)


# ------------------------------------------------------------------------------------------- the dataset


def test_china_in_kherson_is_one_finding_about_kherson_then_twelve_about_the_occupied_territories(conn):
    hits = S.search(conn, "actor:china region:kherson", limit=100)
    general = china_in(conn, WHOLE) - china_in(conn, "kherson")
    assert [h.id for h in hits[:1]] == ["western-systems-replaced"]  # para 4 names Kherson Oblast
    assert [h.scope for h in hits] == ["specific"] + ["general"] * 12
    assert {h.id for h in hits[1:]} == general
    assert S.count(conn, "actor:china region:kherson") == (13, False)
    # the explorer's chips say the same as the query
    flt = EvidenceFilter(actor_ids=("china",), region_ids=("kherson",))
    rows = S.list_evidence(conn, flt, limit=100)
    assert [(r.id, r.scope) for r in rows] == [(h.id, h.scope) for h in hits]
    assert S.count_evidence(conn, flt) == 13
    scopes = S.scope_counts(conn, flt)
    assert (scopes.specific, scopes.general) == (1, 12)
    assert scopes.text() == "Kherson Oblast 1 · Occupied territories of Ukraine as a whole 12"
    assert scopes.text(as_a_whole=False) == "Kherson Oblast 1 · Occupied territories of Ukraine 12"


def test_no_general_finding_is_linked_to_any_of_the_five_regions(conn):
    for region in ("crimea", "donetsk", "luhansk", "zaporizhzhia", "kherson"):
        for h in S.search(conn, f"region:{region}", limit=100):
            sql = "SELECT region_id FROM evidence_regions WHERE evidence_id = ?"
            regions = {r[0] for r in conn.execute(sql, [h.id])}
            assert (region in regions) == (h.scope == "specific"), (region, h.id)


def test_a_finding_naming_a_region_and_the_whole_is_specific_for_that_region_only(conn):
    # para 20: the proxy "Luhansk People's Republic" (Luhansk), and what the occupied territories cannot sell
    scopes = {h.id: h.scope for h in S.search(conn, "casein region:luhansk")}
    assert scopes == {"casein-export-iran": "specific"}
    assert {h.id: h.scope for h in S.search(conn, "casein region:kherson")} == {"casein-export-iran": "general"}


def test_the_occupied_territories_hold_every_finding_about_them_or_a_part_of_them(conn):
    hits = S.search(conn, f"region:{WHOLE}", limit=100)
    with_regions = {r[0] for r in conn.execute("SELECT DISTINCT evidence_id FROM evidence_regions")}
    assert {h.id for h in hits} == with_regions and len(with_regions) == 27
    assert {h.scope for h in hits} == {"specific"}  # nothing is wider than the whole
    assert S.scope_counts(conn, EvidenceFilter(region_ids=(WHOLE,))) is None


def test_without_a_region_nothing_is_general_or_specific(conn):
    assert {h.scope for h in S.search(conn, "actor:china", limit=100)} == {None}
    assert {r.scope for r in S.list_evidence(conn, EvidenceFilter(query="yuan"))} == {None}
    assert S.scope_counts(conn, EvidenceFilter(actor_ids=("china",))) is None


def test_not_kherson_leaves_out_only_the_findings_about_kherson(conn):
    every = {r[0] for r in conn.execute("SELECT id FROM evidence")}
    listed = {h.id for h in S.search(conn, "-region:kherson", limit=100)}
    assert listed == every - linked(conn, "evidence_regions", "region_id", "kherson")


def test_the_region_facet_counts_general_findings_for_the_whole_not_for_the_region(conn):
    f = dict(S.facets(conn, EvidenceFilter(actor_ids=("china",), region_ids=("kherson",)))["region"])
    assert f["kherson"] == 1 and f[WHOLE] == 12
    f = S.facets(conn, EvidenceFilter(region_ids=("kherson",)))
    assert sum(n for _, n in f["category"]) == S.count_evidence(conn, EvidenceFilter(region_ids=("kherson",))) == 24


def test_profiles_count_a_regions_own_findings_and_the_general_ones_apart(conn):
    from store import details

    kherson = details.region(conn, "kherson")
    assert (kherson["evidence_total"], kherson["general_total"]) == (1, 23)
    assert kherson["evidence"] == ["western-systems-replaced"]
    assert kherson["wider"] == [{"id": WHOLE, "name": "Occupied territories of Ukraine", "count": 23}]
    assert sum(a["count"] for a in kherson["actors"] if a["id"] == "china") == 1  # not 13
    assert sum(n for _, n in kherson["by_category"]) == 1
    china = details.actor(conn, "china")
    regions = [(r["id"], r["count"], r["as_a_whole"]) for r in china["regions"]]
    assert regions[-1] == (WHOLE, 12, True)  # the whole after the regions named one by one
    assert ("kherson", 1, False) in regions


# ----------------------------------------------------------------------------------- nested regions, paged


@pytest.fixture(scope="module")
def nested(tmp_path_factory) -> Path:
    """600 findings linked at random to a whole `w`, its parts r0-r3, a place c0 within r0, and r4, r5 that lie
    in nothing."""
    from tests.test_search import add

    path = tmp_path_factory.mktemp("nested") / "nested.db"
    open_readwrite(path, create=True).close()
    rng = random.Random(11)
    regions = [{"id": "w", "name": "Whole", "kind": "area"}]
    regions += [{"id": f"r{i}", "name": f"Region {i}", "parent_id": "w" if i < 4 else None} for i in range(6)]
    regions += [{"id": "c0", "name": "City 0", "parent_id": "r0"}]
    actors = [{"id": f"a{i}", "name": f"Actor {i}"} for i in range(4)]
    evidence = []
    for i in range(600):
        evidence.append(
            {
                "id": f"e{i:04d}",
                "claim": f"finding {i} " + rng.choice(["alpha", "beta", "gamma beta"]),
                "date": rng.choice([None, "2020", "2021-05", f"20{rng.randint(10, 25)}-0{rng.randint(1, 9)}"]),
                "actors": rng.sample([a["id"] for a in actors], rng.randint(0, 2)),
                "regions": rng.sample([r["id"] for r in regions], rng.choice([0, 1, 1, 1, 2])),
            }
        )
    add(path, actors=actors, regions=regions, evidence=evidence)
    return path


WITHIN = {"w": {"w", "r0", "r1", "r2", "r3", "c0"}, "r0": {"r0", "c0"}}
ABOVE = {"c0": {"r0", "w"}, "r0": {"w"}, "r1": {"w"}, "r2": {"w"}, "r3": {"w"}}

NESTED_FILTERS = [
    EvidenceFilter(region_ids=("r0",)),
    EvidenceFilter(region_ids=("c0",)),
    EvidenceFilter(region_ids=("r0", "r4")),
    EvidenceFilter(region_ids=("r5",)),
    EvidenceFilter(query="region:r1", actor_ids=("a1",)),
    EvidenceFilter(query="region:r0", region_ids=("r1",)),
    EvidenceFilter(query="beta region:r2"),
]


def _expected(c: sqlite3.Connection, flt: EvidenceFilter) -> list[tuple[str, str]]:
    """(id, scope) in list order, worked out from the link table: each asked region's own findings (it and the
    places within it) are specific; those linked to a region it lies in, general; the specific come first."""
    links: dict[str, set[str]] = {}
    for eid, rid in c.execute("SELECT evidence_id, region_id FROM evidence_regions"):
        links.setdefault(eid, set()).add(rid)
    asked = [flt.region_ids] if flt.region_ids else []
    asked += [(word.split(":")[1],) for word in flt.query.split() if word.startswith("region:")]
    rest = EvidenceFilter(query=" ".join(w for w in flt.query.split() if not w.startswith("region:")))
    rest = EvidenceFilter(query=rest.query, actor_ids=flt.actor_ids)
    candidates = [r.id for r in S.list_evidence(c, rest, limit=100_000)]  # in the order of the rest of the query

    def own(eid: str, regions: tuple[str, ...]) -> bool:
        return bool(links.get(eid, set()) & set().union(*(WITHIN.get(r, {r}) for r in regions)))

    def broad(eid: str, regions: tuple[str, ...]) -> bool:
        return own(eid, regions) or bool(links.get(eid, set()) & set().union(*(ABOVE.get(r, set()) for r in regions)))

    specific = [e for e in candidates if all(own(e, a) for a in asked)]
    general = [e for e in candidates if all(broad(e, a) for a in asked) and e not in set(specific)]
    return [(e, "specific") for e in specific] + [(e, "general") for e in general]


@pytest.mark.parametrize("flt", NESTED_FILTERS)
@pytest.mark.parametrize(("drive_always", "deep_page"), [(0, 10**9), (10**9, 10**9), (10**9, 0)])
def test_pages_of_a_region_list_are_its_findings_then_the_general_ones_sliced(
    nested, flt, drive_always, deep_page, monkeypatch
):
    """Whichever way a page is read (walking the date index, driving from a link table, a cached list order),
    the list is the specific findings, then the general ones, each part in the list's order."""
    monkeypatch.setattr(plan_module, "DRIVE_ALWAYS", drive_always)
    monkeypatch.setattr(evidence_module, "DEEP_PAGE", deep_page)
    c = open_readonly(nested)
    try:
        expected = _expected(c, flt)
        n_general = sum(1 for _, scope in expected if scope == "general")
        assert n_general or flt.region_ids == ("r5",)  # the fixture gives every other filter general findings
        first = [(r.id, r.scope) for r in S.list_evidence(c, flt, offset=0, limit=10)]
        assert first == expected[:10]
        assert S.count_evidence(c, flt) == len(expected)
        boundary = len(expected) - n_general
        for offset in (0, 1, boundary - 3, boundary, boundary + 1, len(expected) - 4, len(expected) + 5):
            page = [(r.id, r.scope) for r in S.list_evidence(c, flt, offset=max(0, offset), limit=7)]
            assert page == expected[max(0, offset) : max(0, offset) + 7], offset
        assert [i for batch in S.iter_evidence_ids(c, flt, batch=50) for i in batch] == [e for e, _ in expected]
        assert sum(n for _, n in S.facets(c, flt)["category"]) == len(expected)
        scopes = S.scope_counts(c, flt)
        if n_general:
            assert (scopes.specific, scopes.general) == (boundary, n_general)
        else:
            assert scopes is None
        if not flt.has_fields:  # a query: `search` pages the same list
            full = [(h.id, h.scope) for h in S.search(c, flt.query, kinds=["evidence"], limit=1000)]
            assert full == expected
            paged = []
            for offset in range(0, len(expected) + 9, 9):
                paged += [(h.id, h.scope) for h in S.search(c, flt.query, kinds=["evidence"], offset=offset, limit=9)]
            assert paged == expected
            assert S.count(c, flt.query, cap=10_000) == (len(expected), False)
    finally:
        c.close()


# -------------------------------------------------------------------------------------------------- the CLI


def test_findings_search_labels_the_general_findings_and_counts_each(built_db):
    r = run_cli("search", "actor:china region:kherson", db=built_db)
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert "western-systems-replaced" in lines[0] and "GENERAL" not in lines[0]
    heading = next(i for i, line in enumerate(lines) if line.startswith("General: about"))
    assert " ".join(lines[heading : heading + 2]).startswith(
        "General: about Occupied territories of Ukraine as a whole, not about Kherson Oblast in particular (12)"
    )
    numbered = [line for line in lines if line[:4].strip().rstrip(".").isdigit()]
    assert len(numbered) == 13 and all("GENERAL" in line for line in numbered[1:])
    assert "findings: Kherson Oblast 1 · Occupied territories of Ukraine as a whole 12" in r.output
    assert lines_fit(r.output)
    hits = json.loads(run_cli("search", "actor:china region:kherson", "--json", db=built_db).stdout)
    assert [h["scope"] for h in hits] == ["specific"] + ["general"] * 12
    assert {h["scope"] for h in json.loads(run_cli("search", "yuan", "--json", db=built_db).stdout)} == {None}


def test_findings_show_region_and_actor_say_which_is_which(built_db):
    out = run_cli("show", "region", "kherson", db=built_db).output
    assert "1 finding · 23 general" in out
    assert "Findings (24: Kherson Oblast 1 · Occupied territories of Ukraine as a whole 23)" in out
    assert out.count("GENERAL ") == 23 and lines_fit(out)
    lines = out.splitlines()
    own = next(i for i, line in enumerate(lines) if "western-systems-replaced" in line)
    assert own < next(i for i, line in enumerate(lines) if "GENERAL" in line)
    data = json.loads(run_cli("show", "region", "kherson", "--json", db=built_db).stdout)
    assert data["evidence"] == ["western-systems-replaced"] and len(data["general_evidence"]) == 23
    actor = run_cli("show", "actor", "china", db=built_db).output
    rows = [line.split() for line in actor.splitlines() if "occupied-territories" in line or "kherson" in line]
    assert ["Kherson", "Oblast", "kherson", "1"] in rows
    assert ["Occupied", "territories", "of", "Ukraine", "(as", "a", "whole)", "occupied-territories", "12"] in rows


def test_findings_stats_counts_the_whole_apart(built_db):
    out = run_cli("stats", db=built_db).output
    section = out[out.index("Findings by region") :].split("\n\n")[0].splitlines()
    whole = next(i for i, line in enumerate(section) if "(occupied-territories)" in line)
    assert section[whole - 1].strip() == "as a whole (counted for none of its parts):"
    assert whole == len(section) - 1  # after the five
    assert section[whole].split()[-2] == "23"
    data = json.loads(run_cli("stats", "--json", db=built_db).stdout)
    regions = {r["value"]: (r["count"], r["as_a_whole"]) for r in data["evidence"]["region"]}
    assert regions[WHOLE] == (23, True) and regions["kherson"] == (1, False)


def test_exports_say_which_regions_are_the_occupied_territories_as_a_whole(built_db):
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(run_cli("export", "csv", "casein", db=built_db).stdout))}
    assert rows["casein-export-iran"]["regions"] == "Luhansk Oblast; Occupied territories of Ukraine (as a whole)"
    assert rows["casein-export-iran"]["region_ids"] == "luhansk; occupied-territories"
    data = json.loads(run_cli("export", "json", "casein", db=built_db).stdout)
    assert data[0]["regions"] == [
        {"id": "luhansk", "name": "Luhansk Oblast", "as_a_whole": False},
        {"id": WHOLE, "name": "Occupied territories of Ukraine", "as_a_whole": True},
    ]
    md = run_cli("export", "markdown", "yuan", db=built_db).output
    assert "Occupied territories of Ukraine (as a whole)" in md and "Crimea" not in md.split("\n## ")[1]


# ---------------------------------------------------------------------------------------------- the explorer


async def filter_by_kherson(pilot) -> Any:  # type: ignore[no-untyped-def]
    """Space on Kherson Oblast in the Regions pane, then the Evidence pane; returns the home screen."""
    home = pilot.app.screen
    await press(pilot, "2")
    home.regions.move_to([r.id for r in (home.regions.row_at(i) for i in range(6))].index("kherson"))
    await press(pilot, "space", "3")
    await settle(pilot)
    return home


def test_a_region_chip_puts_the_counts_of_each_in_the_evidence_header(db: Path) -> None:
    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        home = await filter_by_kherson(pilot)
        text = screen_text(pilot.app)
        assert "Evidence  24: Kherson Oblast 1 · Occupied territories of Ukraine 23" in text
        rows = [home.evidence.row_at(i) for i in range(24)]
        assert rows[0].id == "western-systems-replaced" and rows[0].scope == "specific"
        assert {r.scope for r in rows[1:]} == {"general"}
        assert "general" not in home.evidence.render_line(0).text
        assert "general" in home.evidence.render_line(1).text

    run_app(db, check, size=(160, 40))


def test_at_80_columns_the_tab_says_how_many_are_general(db: Path) -> None:
    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        await filter_by_kherson(pilot)
        assert "3 Evidence 1 + 23 general" in screen_text(pilot.app)

    run_app(db, check)


def test_a_count_that_comes_after_a_short_first_page_still_says_how_many_are_general(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first page shorter than a page is the whole list, so the tab shows its count at once; the count of the
    list, which also says how many findings are about the region and how many general, comes later and must
    still reach the tab (it used to be dropped whenever the page came first: the tab then said `24` for good)."""
    import threading

    from tui.sources import EvidenceSource

    opened, entered = threading.Event(), threading.Event()
    real_count = EvidenceSource.count

    def late_count(self: EvidenceSource, conn: sqlite3.Connection) -> int:
        if self.filter != EvidenceFilter():
            entered.set()
            assert opened.wait(60), "the test never let the count go"
        return real_count(self, conn)

    monkeypatch.setattr(EvidenceSource, "count", late_count)

    async def until(condition: Any, what: str) -> None:
        for _ in range(3000):
            if condition():
                return
            await pilot_ref[0].pause(0.02)
        raise AssertionError(f"gave up waiting for {what}")

    pilot_ref: list[Any] = []

    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        pilot_ref.append(pilot)
        home = pilot.app.screen
        await press(pilot, "2")
        home.regions.move_to([r.id for r in (home.regions.row_at(i) for i in range(6))].index("kherson"))
        await pilot.press("space", "3")
        await until(entered.is_set, "the count to start")
        await until(lambda: "3 Evidence 24 " in screen_text(pilot.app), "the short first page to count the list")
        opened.set()
        await settle(pilot)
        assert "3 Evidence 1 + 23 general" in screen_text(pilot.app)

    try:
        run_app(db, check)
    finally:
        opened.set()


def test_the_actor_screen_lists_the_whole_after_the_regions_and_says_so(db: Path) -> None:
    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        app = pilot.app
        app.open("actor", "china")
        await settle(pilot)
        await press(pilot, "2")
        labels = [(app.focused.row_at(i).label, app.focused.row_at(i).findings) for i in range(6)]
        assert labels[-1] == ("Occupied territories of Ukraine (as a whole)", 12)
        assert ("Kherson Oblast", 1) in labels

    run_app(db, check)
