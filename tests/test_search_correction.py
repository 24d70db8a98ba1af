"""`store.search.correction`: the query again, each part that names nothing replaced by its nearest valid value;
`settled_notes`: an as-you-type query's notes once its typing has stopped."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import store.search as S
from store.query import tokenize
from store.search.explain import qualifier_spans


@pytest.fixture(scope="module")
def conn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sqlite3.Connection]:
    from importers.build import build_database
    from store.connect import open_readonly

    path: Path = tmp_path_factory.mktemp("correction") / "data.db"
    build_database(path)
    c = open_readonly(path)
    yield c
    c.close()


@pytest.mark.parametrize(
    ("text", "corrected"),
    [
        ("category:financ", "category:finance"),
        ("actor:chna", "actor:china"),
        ("region:crimia yuan", "region:crimea yuan"),
        ("status:curate", "status:curated"),
        ("STATUS:Disputd", "STATUS:disputed"),
        ("kind:findngs bank", "kind:evidence bank"),
        ("country:chna", "country:CN"),
        ("yuan regoin:crimea", "yuan region:crimea"),  # an unknown qualifier: the nearest name
        ("category:trade,financ", "category:trade,finance"),  # only the value that names nothing
        ("-category:financ china", "-category:finance china"),  # excluded, and still excluded
        ('actor:"chna" bank', 'actor:"china" bank'),  # quotes kept
        ('"actor:chna" actor:chna', '"actor:chna" actor:china'),  # a phrase is what it says
        ("china  category:financ  ", "china  category:finance  "),  # the rest exactly as typed
    ],
)
def test_each_part_that_names_nothing_becomes_its_nearest_value(conn, text: str, corrected: str) -> None:  # type: ignore[no-untyped-def]
    assert S.correction(conn, text) == corrected
    # the first value the note proposes is the one put in, and the corrected query needs no more notes
    assert S.notes(conn, corrected) == []


@pytest.mark.parametrize(
    "text",
    ["", "yuan", "actor:china region:crimea", "after:2025-13", "category:zzz", "colour:red", "http://x.org", "💥"],
)
def test_nothing_to_correct_is_none(conn, text: str) -> None:  # type: ignore[no-untyped-def]
    assert S.correction(conn, text) is None


def test_as_you_type_the_last_qualifier_is_left_as_typed(conn) -> None:  # type: ignore[no-untyped-def]
    assert S.correction(conn, "category:financ", as_you_type=True) is None
    assert S.correction(conn, "category:financ yua", as_you_type=True) == "category:finance yua"
    assert S.correction(conn, "category:financ ", as_you_type=True) == "category:finance "


def test_settled_notes_tell_the_finished_last_qualifier_and_what_the_list_ran_without(conn) -> None:  # type: ignore[no-untyped-def]
    assert S.notes(conn, "china category:financ", as_you_type=True) == []
    # as typed, the list was china's findings, without the category: the note says so
    assert S.settled_notes(conn, "china category:financ") == [
        "no category 'financ' — did you mean finance? Searched without it."
    ]
    # alone, it left out everything, so the list showed everything: "searched without it" too
    assert S.settled_notes(conn, "category:financ") == [
        "no category 'financ' — did you mean finance? Searched without it."
    ]
    assert S.settled_notes(conn, "colour:red yua") == S.notes(conn, "colour:red yua", as_you_type=True)
    assert S.settled_notes(conn, "yua") == [] and S.settled_notes(conn, "") == []


def test_a_last_word_that_is_no_prefix_of_anything_gets_its_nearest_words_once_typing_stops(conn) -> None:  # type: ignore[no-untyped-def]
    """`Hauwei` alone in the search bar showed only `^y Huawei`, not the sentence `Tencnet iran` gets: as you
    type, the last word is a prefix, and the spelling notes leave prefixes out. It finds nothing as a prefix
    either, so the settled notes are the finished query's."""
    assert S.settled_notes(conn, "Hauwei") == [
        "no finding, actor, region or source has 'Hauwei' — did you mean Huawei?"
    ]
    assert not any("did you mean" in n for n in S.settled_notes(conn, "Hua"))  # (a prefix of Huawei: no note)


QUERY_CHARS = st.sampled_from([*'abc:"- ,*', "actor:", "region:", "colour:", "category:", "http://", "x"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.lists(QUERY_CHARS, max_size=12).map("".join))
def test_qualifiers_are_found_where_the_query_parser_finds_them(text: str) -> None:
    spans = qualifier_spans(text)
    parsed = [(t.qualifier, t.text) for t in tokenize(text) if t.qualifier is not None]
    found = [(name.lower(), text[a:b]) for name, _, a, b, _ in spans]
    assert found == [(name.lower(), value) for name, value in parsed]
    for name, at, _, _, _ in spans:
        assert text[at : at + len(name)] == name


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=60), as_you_type=st.booleans())
def test_correction_never_raises(conn, text: str, as_you_type: bool) -> None:  # type: ignore[no-untyped-def]
    fixed = S.correction(conn, text, as_you_type=as_you_type)
    assert fixed is None or (isinstance(fixed, str) and fixed != text)
    S.settled_notes(conn, text)


@pytest.mark.parametrize("typed", ["Hauwei.", "Hauwei,", "(Hauwei)", "Hauwei?", "«Hauwei»"])
def test_punctuation_beside_a_misspelt_word_keeps_its_note(conn, typed: str) -> None:  # type: ignore[no-untyped-def]
    """A QA run: `Hauwei` was told "did you mean Huawei?", `Hauwei.` or `(Hauwei)` only that nothing matched."""
    assert S.notes(conn, typed) == ["no finding, actor, region or source has 'Hauwei' — did you mean Huawei?"]
    assert S.correction(conn, typed) == typed.replace("Hauwei", "Huawei")
