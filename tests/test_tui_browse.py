"""store.browse: the pages the explorer's Actors and Regions panes read, and the palette's name look-up."""

from __future__ import annotations

from pathlib import Path

import pytest

from store import browse
from store.connect import open_readonly


@pytest.fixture
def conn(built_db: Path):  # type: ignore[no-untyped-def]
    c = open_readonly(built_db)
    yield c
    c.close()


@pytest.mark.parametrize("sort", list(browse.ACTOR_SORTS))
def test_actor_pages_cover_every_actor_once_in_order(conn, sort: str) -> None:  # type: ignore[no-untyped-def]
    pages = [browse.list_actors(conn, sort=sort, offset=o, limit=5) for o in range(0, 30, 5)]
    rows = [r for page in pages for r in page]
    assert len(rows) == browse.count_actors(conn) == 24
    assert len({r.id for r in rows}) == 24
    if sort == "count":
        counts = [r.evidence_count for r in rows]
        assert counts == sorted(counts, reverse=True) and rows[0].id == "china"
    if sort == "name":
        assert [r.name.casefold() for r in rows] == sorted(r.name.casefold() for r in rows)


def test_region_pages_and_unknown_sort(conn) -> None:  # type: ignore[no-untyped-def]
    # the occupied territories as a whole hold most findings; of the five, Donetsk Oblast
    assert [r.id for r in browse.list_regions(conn, sort="count", limit=2)] == ["occupied-territories", "donetsk"]
    assert browse.count_regions(conn) == 6
    with pytest.raises(ValueError, match="unknown sort"):
        browse.list_actors(conn, sort="evil; DROP TABLE actors")


def test_by_id_keeps_the_order_asked_and_skips_unknown_ids(conn) -> None:  # type: ignore[no-untyped-def]
    assert [a.id for a in browse.actors_by_id(conn, ["iran", "nobody", "china"])] == ["iran", "china"]
    assert [r.id for r in browse.regions_by_id(conn, ["kherson", "crimea"])] == ["kherson", "crimea"]
    assert browse.actors_by_id(conn, []) == []


def test_lookup_by_letters_in_order_alias_title_and_finding_id(conn) -> None:  # type: ignore[no-untyped-def]
    def found(text: str) -> list[tuple[str, str]]:
        return [(m.kind, m.id) for m in browse.lookup(conn, text)]

    assert found("China")[0] == ("actor", "china")
    assert ("actor", "north-korea") in found("nkor")  # letters in order
    assert ("actor", "tencent") in found("WeChat")  # an alias
    assert ("region", "crimea") in found("krym")
    assert ("source", "kyiv-independent-occupied-economy") in found("prop up economy")
    assert ("evidence", "bank-branches-sell-yuan") in found("bank-branches")
    alias = next(m for m in browse.lookup(conn, "PRC") if m.id == "china")
    assert alias.alias == "PRC"


@pytest.mark.parametrize(("text", "kind", "id_"), [("хуав", "actor", "huawei"), ("херс", "region", "kherson"),
                                                   ("кит", "actor", "china"), ("ХУАВ", "actor", "huawei")])  # fmt: skip
def test_lookup_ignores_case_in_every_script(conn, text: str, kind: str, id_: str) -> None:  # type: ignore[no-untyped-def]
    """A QA run: the palette found Хуавей for `Хуав`, not for `хуав` (SQLite's LIKE ignores case in ASCII only)."""
    assert (kind, id_) in [(m.kind, m.id) for m in browse.lookup(conn, text)]


def test_quick_lookup_finds_what_starts_with_the_text_or_has_a_word_that_does(conn) -> None:  # type: ignore[no-untyped-def]
    def found(text: str) -> list[tuple[str, str]]:
        return [(m.kind, m.id) for m in browse.lookup(conn, text, quick=True)]

    assert ("actor", "china") in found("Chi")  # the name starts with it
    assert ("actor", "tencent") in found("WeCh")  # an alias starts with it
    assert ("actor", "north-korea") in found("kor")  # a word of the name starts with it
    assert ("source", "kyiv-independent-occupied-economy") in found("kyiv-indep")  # the id starts with it
    assert ("source", "kyiv-independent-occupied-economy") in found("occupied econ")  # words of the title
    assert ("evidence", "bank-branches-sell-yuan") in found("bank-branches")
    assert ("actor", "north-korea") not in found("nkor")  # letters in order: the full look-up only
    for text in ("Chi", "kor", "WeCh"):  # (words in any order: only the quick one finds "occupied econ")
        assert set(found(text)) <= {(m.kind, m.id) for m in browse.lookup(conn, text, limit=500)}


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "%",
        "_",
        "\\",
        "'",
        '"',
        "%_\\'\"",
        "\x00",
        "a" * 5000,
        "[@click=app.quit]",
        'x" OR *',
        "NEAR(a b)",
        "Ж]^-*?[",
        "*",
        "ж" * 5000,
    ],
)
@pytest.mark.parametrize("quick", [False, True])
def test_lookup_never_errors(conn, text: str, quick: bool) -> None:  # type: ignore[no-untyped-def]
    assert isinstance(browse.lookup(conn, text, quick=quick), list)
    if text.strip() in ("%", "_"):
        assert browse.lookup(conn, text, quick=quick) == []  # wildcards are matched literally


def test_counts_of_actors_and_regions_are_kept_whoever_writes(built_db: Path, tmp_path: Path) -> None:
    import shutil
    import sqlite3

    from store import check

    db = tmp_path / "copy.db"
    shutil.copy(built_db, db)
    plain = sqlite3.connect(db)  # another program: the triggers keep the counts
    plain.execute("INSERT INTO actors (id, name, kind) VALUES ('new-one', 'New One', 'company')")
    plain.execute("DELETE FROM regions WHERE id = 'kherson'")
    plain.commit()
    reader = open_readonly(db)
    assert browse.count_actors(reader) == plain.execute("SELECT count(*) FROM actors").fetchone()[0] == 25
    assert browse.count_regions(reader) == plain.execute("SELECT count(*) FROM regions").fetchone()[0] == 5
    assert check.facet_counts(reader).ok
    plain.execute("UPDATE facet_counts SET n = 3 WHERE facet = 'rows' AND value = 'actors'")
    plain.commit()
    finding = check.facet_counts(reader)
    assert not finding.ok and any("rows 'actors': kept 3, counted 25" in e for e in finding.examples)
    reader.close()
    plain.close()
