"""A query is parsed and its names resolved once per text (and connection, and database state): a typed key
costs one parse and one compile however many lists, counts and facets ask about it, and a plan made before
the database changed is never used after."""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import store.query
import store.search.plan
from store import search as S
from store.connect import open_readonly
from store.search import EvidenceFilter
from tests.test_search import add, ids
from tui.sources import ActorSource, EvidenceSource, RegionSource, entity_query


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How often the query was parsed (every parse tokenizes it once), compiled, and a name looked up."""
    counts: Counter[str] = Counter()

    def counted(module: Any, name: str, label: str) -> None:
        real: Callable[..., Any] = getattr(module, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            counts[label] += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(module, name, wrapper)

    counted(store.query, "tokenize", "parse")
    counted(store.search.plan, "compile_query", "compile")
    counted(store.search.plan, "resolve", "resolve")
    store.search.plan.parsed.cache_clear()
    return counts


def keystroke(conn: Any, text: str) -> None:
    """What the explorer's home screen asks for a search as typed: the rule for the actor and region panes
    (on the UI thread), their counts and first rows, the evidence list's count and first rows, its facets and
    the notes (on the lists thread, one connection)."""
    words = entity_query(text)
    if words:
        for source in (ActorSource("name", words), RegionSource("name", words)):
            source.count(conn)
            source.fetch(conn, 0, 30)
    flt = EvidenceFilter(query=text, as_you_type=True)
    evidence = EvidenceSource(flt)
    evidence.note_count(evidence.count(conn))
    evidence.fetch(conn, 0, 30)
    S.facets(conn, flt)
    S.notes(conn, text, as_you_type=True)


@pytest.mark.parametrize("typed", ["china crimea", "actor:china yua", "grain -coal region:kherson"])
def test_a_typed_key_parses_and_compiles_its_query_once(built_db: Path, calls: Counter[str], typed: str) -> None:
    conn = open_readonly(built_db)
    try:
        for end in range(2, len(typed) + 1):
            calls.clear()
            keystroke(conn, typed[:end])
            assert calls["parse"] == 1, (typed[:end], calls)
            assert calls["compile"] == 1, (typed[:end], calls)
            assert calls["resolve"] <= typed[:end].count(":"), (typed[:end], calls)  # once per name, at most
        calls.clear()
        keystroke(conn, typed)  # the same text again (a list re-reading its rows): nothing is worked out again
        assert calls["parse"] == calls["compile"] == calls["resolve"] == 0, calls
    finally:
        conn.close()


def test_a_search_command_compiles_its_query_once(built_db: Path, calls: Counter[str]) -> None:
    """`findings search` asks for the hits and then a count per kind."""
    conn = open_readonly(built_db)
    try:
        hits = S.search(conn, "china region:crimea", limit=5)
        counts = [S.count(conn, "china region:crimea", kind=kind) for kind in ("actor", "region", "evidence")]
        assert hits and counts[2][0] > 0
        assert calls["parse"] == calls["compile"] == calls["resolve"] == 1, calls
    finally:
        conn.close()


def test_a_plan_is_made_again_once_the_database_changed(db: Path) -> None:
    conn = open_readonly(db)
    try:
        assert S.search(conn, "turbines actor:acme") == []
        note, word = S.notes(conn, "turbines actor:acme")
        assert note.startswith("no actor 'acme'")
        assert word.startswith("no finding, actor, region or source has 'turbines'")
        add(
            db,
            actors=[{"id": "acme", "name": "Acme Holdings", "country": "CN"}],
            evidence=[{"id": "acme-ships", "claim": "A firm shipped turbines.", "actors": ["acme"]}],
        )
        assert ids(S.search(conn, "turbines actor:acme")) == ["acme-ships"]
        assert S.notes(conn, "turbines actor:acme") == []
        assert [r.id for r in S.list_evidence(conn, EvidenceFilter(query="turbines actor:acme"))] == ["acme-ships"]
    finally:
        conn.close()


def test_each_connection_has_its_own_plans(built_db: Path, tmp_path: Path, calls: Counter[str]) -> None:
    """Two explorer threads (two connections) may be at different database states: they never share a plan."""
    other = tmp_path / "other.db"
    shutil.copyfile(built_db, other)
    add(other, actors=[{"id": "acme", "name": "Acme Holdings"}], evidence=[{"id": "x", "claim": "Acme cranes."}])
    first, second = open_readonly(built_db), open_readonly(other)
    try:
        assert S.count(first, "cranes") != S.count(second, "cranes")
        assert calls["compile"] == 2 and calls["parse"] == 1
    finally:
        first.close()
        second.close()


def test_the_actor_panes_and_search_follow_one_rule(built_db: Path) -> None:
    """The explorer's actor pane searches exactly when `findings search` would list actors for the query."""
    conn = open_readonly(built_db)
    try:
        for text in ("china", "chi", "huawei crimea", "china region:crimea", "actor:china", "-bank", "colour:red hua"):
            actors = [h.id for h in S.search(conn, text, as_you_type=True, limit=1000) if h.kind == "actor"]
            words = entity_query(text)
            if words:
                pane = ActorSource("name", words)
                assert [a.id for a in pane.fetch(conn, 0, 1000)] == actors, text
            else:
                assert actors == [], text
        assert S.searches_entities("huawei colour:red")  # a qualifier that is none filters nothing
        assert not S.searches_entities("huawei country:cn")
        assert not S.searches_entities("kind:actor") and S.searches_entities("kind:actor", asked=True)
        assert not S.searches_entities("-bank", asked=True)
    finally:
        conn.close()
