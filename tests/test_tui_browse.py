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


@pytest.mark.parametrize(
    "text", ["", "   ", "%", "_", "\\", "'", '"', "%_\\'\"", "\x00", "a" * 5000, "[@click=app.quit]"]
)
def test_lookup_never_errors(conn, text: str) -> None:  # type: ignore[no-untyped-def]
    assert isinstance(browse.lookup(conn, text), list)
    if text.strip() in ("%", "_"):
        assert browse.lookup(conn, text) == []  # wildcards are matched literally
