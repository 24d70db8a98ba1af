"""The first dataset: every required id exists, the issue's sample findings are linked right, and the committed
data.db equals a fresh build."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.conftest import ROOT

ALL_REGIONS = {"crimea", "donetsk", "luhansk", "zaporizhzhia", "kherson"}
WHOLE = "occupied-territories"  # the occupied territories as a whole: the five are its parts


@pytest.fixture
def conn(built_db: Path):
    c = sqlite3.connect(built_db)
    yield c
    c.close()


def linked(conn: sqlite3.Connection, evidence_id: str) -> tuple[set[str], set[str]]:
    actors = {r[0] for r in conn.execute("SELECT actor_id FROM evidence_actors WHERE evidence_id = ?", (evidence_id,))}
    regions = {
        r[0] for r in conn.execute("SELECT region_id FROM evidence_regions WHERE evidence_id = ?", (evidence_id,))
    }
    return actors, regions


def find(conn: sqlite3.Connection, where: str, *args: object) -> str:
    found = [r[0] for r in conn.execute(f"SELECT id FROM evidence WHERE {where}", args)]
    assert len(found) == 1, found
    return found[0]


def test_required_actors_and_regions_exist(conn: sqlite3.Connection) -> None:
    actors = {r[0] for r in conn.execute("SELECT id FROM actors")}
    assert {
        "china",
        "iran",
        "north-korea",
        "russia",
        "huawei",
        "sany",
        "genertec",
        "tencent",
        "ri-group",
        "young-guard",
    } <= actors
    regions = dict(conn.execute("SELECT id, iso_code FROM regions"))
    assert regions == {
        "crimea": "UA-43",
        "donetsk": "UA-14",
        "luhansk": "UA-09",
        "zaporizhzhia": "UA-23",
        "kherson": "UA-65",
        WHOLE: None,
    }
    parents = dict(conn.execute("SELECT id, parent_id FROM regions"))
    assert parents == {**dict.fromkeys(ALL_REGIONS, WHOLE), WHOLE: None}


def test_aliases_the_issue_names(conn: sqlite3.Connection) -> None:
    aliases = set(conn.execute("SELECT ref_id, alias FROM aliases"))
    for pair in [
        ("luhansk", "Lugansk"),
        ("zaporizhzhia", "Zaporozhye"),
        ("kherson", "Kerson"),
        ("genertec", "China General Technology Group"),
        ("tencent", "WeChat"),
    ]:
        assert pair in aliases


def test_every_finding_is_curated_with_source_and_locator(conn: sqlite3.Connection) -> None:
    rows = conn.execute("SELECT id, source_id, locator, status, claim FROM evidence").fetchall()
    assert len(rows) >= 25
    for id_, source_id, locator, status, claim in rows:
        assert source_id == "kyiv-independent-occupied-economy", id_
        assert locator and locator.startswith("para "), id_
        assert status == "curated", id_
        assert len(claim) > 40, id_


def test_both_sources_are_recorded(conn: sqlite3.Connection) -> None:
    sources = dict(conn.execute("SELECT id, publisher FROM sources"))
    assert sources["kyiv-independent-occupied-economy"] == "The Kyiv Independent"
    assert "Eastern Human Rights Group" in sources["ehrg-isrs-allies-report"]
    assert "Institute for Strategic Research and Security" in sources["ehrg-isrs-allies-report"]


def test_bank_branches_selling_yuan(conn: sqlite3.Connection) -> None:
    ev = find(conn, "quantity = 79")
    row = conn.execute("SELECT category, unit, claim FROM evidence WHERE id = ?", (ev,)).fetchone()
    assert row[0] == "finance" and row[1] == "bank branches" and "yuan" in row[2]
    actors, regions = linked(conn, ev)
    assert "china" in actors and regions == {WHOLE}  # "in the occupied territories": none named


def test_casein_export_plan(conn: sqlite3.Connection) -> None:
    actors, regions = linked(conn, find(conn, "claim LIKE '%casein%'"))
    assert "iran" in actors and "luhansk" in regions


def test_april_2025_youth_delegation(conn: sqlite3.Connection) -> None:
    ev = find(conn, "date = '2025-04'")
    actors, regions = linked(conn, ev)
    assert {"north-korea", "young-guard"} <= actors and "donetsk" in regions


def test_new_silk_road_forum(conn: sqlite3.Connection) -> None:
    ev = find(conn, "claim LIKE '%New Silk Road Forum%'")
    actors, regions = linked(conn, ev)
    assert regions == {"crimea"} and "china" in actors
    assert conn.execute("SELECT date FROM evidence WHERE id = ?", (ev,)).fetchone()[0] == "2025-10"


def test_figures_are_quantities(conn: sqlite3.Connection) -> None:
    figures = set(conn.execute("SELECT quantity, unit FROM evidence WHERE quantity IS NOT NULL"))
    assert {(6000, "mobile base stations"), (79, "bank branches"), (17, "companies")} <= figures


def test_proxy_firm_relations(conn: sqlite3.Connection) -> None:
    rels = set(conn.execute("SELECT subject_id, object_id FROM relations WHERE kind = 'proxy-for'"))
    assert {("russian-proxy-firms", c) for c in ("huawei", "sany", "genertec")} <= rels


def _content(path: Path) -> dict[str, list[tuple]]:
    """Every table's rows (the import log, history and captures without their timestamps), sorted: the
    logical content."""
    conn = sqlite3.connect(path)
    try:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '%_fts%' "
                "AND name NOT LIKE 'sqlite_%'"
            )
        ]
        out = {}
        for t in tables:
            cols = {
                "imports": "path, sha256, format, counts",
                "changes": "id, who, kind, record_id, field, before, after, note, import_id, action, undoes",
                "captures": "import_id, source_id, origin, sha256, size, collector, format, text, text_sha256",
            }.get(t, "*")
            out[t] = sorted(conn.execute(f"SELECT {cols} FROM [{t}]").fetchall(), key=repr)
        out["schema"] = sorted(conn.execute("SELECT type, name, sql FROM sqlite_master").fetchall(), key=repr)
        return out
    finally:
        conn.close()


def test_committed_data_db_equals_a_fresh_build(built_db: Path) -> None:
    committed = _content(ROOT / "data.db")
    fresh = _content(built_db)
    assert committed.keys() == fresh.keys()
    for table in fresh:
        assert committed[table] == fresh[table], f"data.db is stale in {table}: run `findings build` and commit it"


def test_fts_indexes_agree_with_their_tables(built_db: Path) -> None:
    conn = sqlite3.connect(built_db)
    for table in ("evidence", "actors", "regions", "sources"):
        conn.execute(f"INSERT INTO {table}_fts({table}_fts, rank) VALUES('integrity-check', 1)")
    conn.close()
