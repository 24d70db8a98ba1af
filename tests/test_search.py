"""The search engine (store.search): query language, ranking, qualifiers, paging, counts, facets, resolving."""

from __future__ import annotations

import random
import re
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from store import browse
from store import search as S
from store.connect import open_readonly, open_readwrite
from store.query import parse
from store.search import EvidenceFilter
from store.search import evidence as evidence_module
from store.search import plan as plan_module

# ----------------------------------------------------------------------------------------------- helpers


def add(
    path: Path,
    *,
    evidence: list[dict] = (),  # type: ignore[assignment]
    actors: list[dict] = (),  # type: ignore[assignment]
    regions: list[dict] = (),  # type: ignore[assignment]
) -> None:
    """Insert rows with plain SQL (the triggers keep aka, linked_names and counts), in one transaction."""
    conn = open_readwrite(path)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "INSERT OR IGNORE INTO sources (id, title, publisher) VALUES ('test-source', 'Test source', 'Tester')"
        )
        for a in actors:
            conn.execute(
                "INSERT INTO actors (id, name, kind, country) VALUES (?, ?, ?, ?)",
                (a["id"], a["name"], a.get("kind", "company"), a.get("country")),
            )
            for alias in a.get("aliases", ()):
                conn.execute("INSERT INTO aliases (kind, ref_id, alias) VALUES ('actor', ?, ?)", (a["id"], alias))
        for r in regions:
            conn.execute(
                "INSERT INTO regions (id, name, kind, parent_id) VALUES (?, ?, ?, ?)",
                (r["id"], r["name"], r.get("kind", "city"), r.get("parent_id")),
            )
        for e in evidence:
            conn.execute(
                "INSERT INTO evidence (id, claim, quote, category, date, source_id, locator, status) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    e["id"],
                    e["claim"],
                    e.get("quote"),
                    e.get("category", "other"),
                    e.get("date"),
                    e.get("source_id", "test-source"),
                    e.get("locator"),
                    e.get("status", "unreviewed"),
                ),
            )
            for actor_id in e.get("actors", ()):
                conn.execute("INSERT INTO evidence_actors (evidence_id, actor_id) VALUES (?, ?)", (e["id"], actor_id))
            for region_id in e.get("regions", ()):
                conn.execute(
                    "INSERT INTO evidence_regions (evidence_id, region_id) VALUES (?, ?)", (e["id"], region_id)
                )
        conn.execute("COMMIT")
    finally:
        conn.close()


@pytest.fixture(scope="module")
def conn(built_db: Path):
    c = open_readonly(built_db)
    yield c
    c.close()


def ids(hits, kind: str = "evidence") -> list[str]:
    return [h.id for h in hits if h.kind == kind]


def linked(conn: sqlite3.Connection, table: str, col: str, value: str) -> set[str]:
    return {r[0] for r in conn.execute(f"SELECT evidence_id FROM {table} WHERE {col} = ?", [value])}


# ------------------------------------------------------------------------------------- the checks


def test_yuan_finds_the_bank_branches_finding_first(conn):
    hits = S.search(conn, "yuan")
    assert ids(hits)[0] == "bank-branches-sell-yuan"
    assert set(ids(hits)) == {"bank-branches-sell-yuan", "yuanization"}


def test_actor_and_region_qualifiers_list_evidence_linked_to_both_then_the_general(conn):
    hits = S.search(conn, "actor:china region:crimea", limit=1000)
    china = linked(conn, "evidence_actors", "actor_id", "china")
    both = china & linked(conn, "evidence_regions", "region_id", "crimea")
    general = china & linked(conn, "evidence_regions", "region_id", "occupied-territories") - both
    assert hits and {h.kind for h in hits} == {"evidence"}
    assert [h.scope for h in hits] == ["specific"] * len(both) + ["general"] * len(general)
    assert set(ids(hits[: len(both)])) == both == {"new-silk-road-forum-crimea", "western-systems-replaced"}
    assert set(ids(hits[len(both) :])) == general and len(general) == 12
    assert S.count(conn, "actor:china region:crimea") == (len(both) + len(general), False)


def test_qualifiers_alone_list_evidence_newest_first_undated_last(conn):
    hits = S.search(conn, "actor:china", limit=1000)
    dates = [h.date for h in hits]
    dated = [d for d in dates if d]
    assert dated == sorted(dated, reverse=True)
    assert dates.index(None) == len(dated)  # every undated one after every dated one
    assert all(h.score == 0.0 for h in hits)


def test_an_alias_finds_the_region_and_its_evidence(conn):
    hits = S.search(conn, "Zaporozhye", limit=1000)
    assert hits[0].kind == "region" and hits[0].id == "zaporizhzhia"
    assert set(ids(hits)) == linked(conn, "evidence_regions", "region_id", "zaporizhzhia")
    lugansk = S.search(conn, "lugansk", limit=1000)
    assert lugansk[0].id == "luhansk"
    assert set(ids(lugansk)) == linked(conn, "evidence_regions", "region_id", "luhansk")


def test_as_you_type_the_last_word_is_a_prefix(conn):
    typed = S.search(conn, "wech", as_you_type=True)
    assert ("actor", "tencent") in [(h.kind, h.id) for h in typed]
    assert "covert-payments-wechat-usdt" in ids(typed)
    assert S.search(conn, "wech") == []  # not a prefix unless typing
    assert "covert-payments-wechat-usdt" in ids(S.search(conn, "wech*"))
    assert S.search(conn, "wech ", as_you_type=True) == []  # a space ends the word
    assert S.search(conn, "w", as_you_type=True) == []  # one letter is not worth a prefix scan
    assert S.count(conn, "wech", as_you_type=True) == (1, False)


@pytest.mark.parametrize("text", ['"', '""', '"""', "*", "-", ":", "^", "NEAR(", "AND OR NOT", "(", ")", "'", "😀"])
def test_odd_input_gives_results_or_nothing(conn, text):
    assert isinstance(S.search(conn, text), list)
    assert S.count(conn, text)[0] >= 0


def test_an_alias_of_a_linked_actor_finds_its_findings(db):
    add(
        db,
        actors=[{"id": "acme", "name": "Acme Holdings", "aliases": ["Roadrunner Trading"]}],
        evidence=[{"id": "acme-ships", "claim": "A firm shipped turbines.", "actors": ["acme"]}],
    )
    c = open_readonly(db)
    assert ids(S.search(c, "roadrunner")) == ["acme-ships"]
    assert ids(S.search(c, "actor:roadrunner-trading")) == []  # an id slug is not an alias
    assert ids(S.search(c, 'actor:"Roadrunner Trading"')) == ["acme-ships"]


# ------------------------------------------------------------------------------------------ query language


def test_words_must_all_match(conn):
    assert ids(S.search(conn, "yuan cash")) == ["bank-branches-sell-yuan"]
    assert ids(S.search(conn, "YUAN Cash")) == ["bank-branches-sell-yuan"]  # case does not matter


def test_phrases(conn):
    assert ids(S.search(conn, '"bank branches"')) == ["bank-branches-sell-yuan"]
    assert ids(S.search(conn, '"branches bank"')) == []


@pytest.mark.parametrize("glued", ["yuan,cash", "yuan/cash", "yuan;cash", "(yuan)cash", "cash,yuan"])
def test_words_joined_by_a_lists_punctuation_are_words_of_their_own(conn, glued):
    """A QA run: `Крим,Донецьк` and `Iran,China` found nothing (read as a phrase), with no word of why."""
    assert ids(S.search(conn, glued)) == ids(S.search(conn, "yuan cash")) == ["bank-branches-sell-yuan"]


def test_a_hyphen_and_a_decimal_comma_keep_a_word_whole():
    assert [[t.text for t in c] for c in parse("Ka-52 12,5 Huawei's").clauses] == [["Ka-52"], ["12,5"], ["Huawei's"]]
    assert [[t.text for t in c] for c in parse("Крим,Донецьк").clauses] == [["Крим"], ["Донецьк"]]
    typed = parse("Крим,Доне", as_you_type=True).clauses
    assert [(t.text, t.prefix) for c in typed for t in c] == [("Крим", False), ("Доне", True)]


def test_or_and_exclusion(conn):
    either = set(ids(S.search(conn, "usdt OR yuan", limit=100)))
    assert either == {"covert-payments-wechat-usdt", "bank-branches-sell-yuan", "yuanization"}
    assert ids(S.search(conn, "yuan -bank")) == ["yuanization"]
    assert ids(S.search(conn, "yuan NOT bank")) == ["yuanization"]
    assert ids(S.search(conn, 'yuan -"bank branches"')) == ["yuanization"]
    # OR binds tighter than AND: cash AND (usdt OR yuan)
    assert ids(S.search(conn, "cash usdt OR yuan")) == ["bank-branches-sell-yuan"]


def test_exclusion_alone_lists_everything_else(conn):
    everything = S.count(conn, "category:finance")[0]
    assert ids(S.search(conn, "category:finance -yuan")) == ["covert-payments-wechat-usdt"]
    assert len(S.search(conn, "-yuan", limit=1000)) == conn.execute("SELECT count(*) FROM evidence").fetchone()[0] - 2
    assert everything == 3


def test_diacritics_do_not_matter(db):
    add(db, evidence=[{"id": "cafe", "claim": "The Café Zürich opened in Sevastopol."}])
    c = open_readonly(db)
    assert ids(S.search(c, "cafe zurich")) == ["cafe"]
    assert ids(S.search(c, "CAFÉ")) == ["cafe"]


def test_qualifier_values_are_ids_names_or_aliases(conn):
    china = linked(conn, "evidence_actors", "actor_id", "china")
    for text in ("actor:china", "actor:China", "actor:PRC", 'actor:"People\'s Republic of China"'):
        assert set(ids(S.search(conn, text, limit=100))) == china, text
    luhansk = linked(conn, "evidence_regions", "region_id", "luhansk")
    listed = ids(S.search(conn, "region:luhansk", limit=100))
    for text in ('region:"Luhansk Oblast"', "region:lugansk", "region:LPR", "region:luhansk"):
        hits = S.search(conn, text, limit=100)
        assert ids(hits) == listed, text
        assert {h.id for h in hits if h.scope == "specific"} == luhansk, text


def test_a_query_of_values_that_name_nothing_finds_nothing_not_an_error(conn):
    for text in ("actor:nobody-at-all", "after:yesterday", "kind:unicorn", "category:nonsense", "colour:red"):
        assert S.search(conn, text) == [], text
        assert S.count(conn, text) == (0, False), text
        assert S.list_evidence(conn, EvidenceFilter(query=text)) == [], text
        assert S.notes(conn, text), text


def test_a_value_that_names_nothing_is_left_out_and_the_rest_runs(conn):
    yuan = ids(S.search(conn, "yuan"))
    for text in ("yuan region:atlantis", "yuan actor:nosuch", "yuan category:financ", "yuan after:2025-13"):
        assert ids(S.search(conn, text)) == yuan, text
        assert [r.id for r in S.list_evidence(conn, EvidenceFilter(query=text))] == yuan, text
        (note,) = S.notes(conn, text)
        assert note.endswith("Searched without it."), note
    # in a comma list, only the value that names nothing is left out
    assert S.count(conn, "category:finance,financ") == S.count(conn, "category:finance")
    assert S.notes(conn, "category:finance,financ") == [
        "no category 'financ' — did you mean finance? Searched without it."
    ]


def test_an_unknown_qualifier_name_is_left_out_but_urls_and_times_are_words(conn):
    assert parse("foo:bar").unknown and not parse("foo:bar").qualifiers and not parse("foo:bar").clauses
    assert ids(S.search(conn, "yuan colour:red")) == ids(S.search(conn, "yuan"))
    for text in ("http://example.org", "https://kyivindependent.com/x", "10:30", "mailto:a@b.org", "Note:", "a::b"):
        q = parse(text)
        assert q.clauses and not q.unknown and not q.qualifiers, text
        assert S.notes(conn, text) == [], text
    assert ids(S.search(conn, "bank branches:")) == ["bank-branches-sell-yuan"]  # `name:` alone is a word


def test_category_status_source_kind_and_dates(db):
    add(
        db,
        evidence=[
            {"id": "new-one", "claim": "Sorghum left by ship.", "category": "trade", "date": "2025-11-03"},
            {"id": "old-one", "claim": "Sorghum left by rail.", "category": "logistics", "date": "2019"},
        ],
    )
    c = open_readonly(db)
    assert ids(S.search(c, "sorghum category:trade")) == ["new-one"]
    assert set(ids(S.search(c, "sorghum category:trade,logistics"))) == {"new-one", "old-one"}
    assert set(ids(S.search(c, "sorghum category:trade category:logistics"))) == {"new-one", "old-one"}
    assert ids(S.search(c, "status:unreviewed", limit=100)) == ["new-one", "old-one"]
    assert ids(S.search(c, "source:test-source", limit=100)) == ["new-one", "old-one"]
    assert ids(S.search(c, "source:tester", limit=100)) == ["new-one", "old-one"]  # the publisher
    assert ids(S.search(c, "sorghum after:2025")) == ["new-one"]
    assert ids(S.search(c, "sorghum after:2025-11-04")) == []
    assert ids(S.search(c, "sorghum before:2020")) == ["old-one"]
    assert ids(S.search(c, "sorghum -after:2020")) == ["old-one"]
    assert S.search(c, "sorghum kind:actor") == []
    assert set(ids(S.search(c, "sorghum kind:evidence"))) == {"new-one", "old-one"}


def test_negated_qualifier(conn):
    no_china = set(ids(S.search(conn, "-actor:china", limit=1000)))
    every = {r[0] for r in conn.execute("SELECT id FROM evidence")}
    assert no_china == every - linked(conn, "evidence_actors", "actor_id", "china")


def test_region_includes_its_parts(db):
    add(
        db,
        regions=[{"id": "sevastopol", "name": "Sevastopol", "parent_id": "crimea"}],
        evidence=[{"id": "port-deal", "claim": "A port deal was signed.", "regions": ["sevastopol"]}],
    )
    c = open_readonly(db)
    assert "port-deal" in ids(S.search(c, "region:crimea", limit=100))
    assert ids(S.search(c, "port region:crimea")) == ["port-deal"]
    assert ids(S.search(c, "port region:kherson")) == []


def test_kind_qualifier_and_kinds_argument(conn):
    assert {h.kind for h in S.search(conn, "china kind:actor")} == {"actor"}
    assert {h.kind for h in S.search(conn, "china", kinds=["evidence"])} == {"evidence"}
    assert {h.kind for h in S.search(conn, "china -kind:evidence")} <= {"actor", "region", "source"}
    listed = S.search(conn, "kind:region")  # a kind alone lists that kind, most findings first
    assert [h.kind for h in listed] == ["region"] * 6  # the five and the occupied territories as a whole
    assert [h.count for h in listed] == sorted((h.count for h in listed), reverse=True)


def test_entities_come_first_each_group_ranked(conn):
    hits = S.search(conn, "china", limit=100)
    kinds = [h.kind for h in hits]
    order = {"actor": 0, "region": 1, "source": 2, "evidence": 3}
    assert kinds == sorted(kinds, key=order.__getitem__)
    rest = hits[1:]  # after the actor the query names (below)
    for kind in ("actor", "evidence"):
        scores = [h.score for h in rest if h.kind == kind]
        assert scores == sorted(scores)


def test_the_actor_named_by_the_query_comes_first(conn):
    # bm25 alone would put Genertec (aka: China General Technology, twice, in a short row) above China, whose
    # Ukrainian and Russian aliases make its row long
    hits = S.search(conn, "china", limit=100)
    assert (hits[0].kind, hits[0].id) == ("actor", "china")
    assert next(h.id for h in S.search(conn, "china", kinds=["actor"])) == "china"


@pytest.mark.parametrize("text", ["LPR", "ЛНР", "lpr", "Luhansk", "Луганськ"])
def test_a_region_named_by_the_query_comes_before_actors_named_after_it(conn, text):
    hits = S.search(conn, text, limit=100)
    assert (hits[0].kind, hits[0].id) == ("region", "luhansk")
    assert "lpr-ministry-of-industry-and-trade" in [h.id for h in hits if h.kind == "actor"]


def test_paging_keeps_the_exact_names_first(conn):
    full = S.search(conn, "LPR", limit=1000)
    paged = [h for offset in range(0, len(full) + 3, 3) for h in S.search(conn, "LPR", offset=offset, limit=3)]
    assert [(h.kind, h.id) for h in paged] == [(h.kind, h.id) for h in full]
    assert S.count(conn, "LPR", kind="region")[0] == len([h for h in full if h.kind == "region"])


def test_evidence_qualifiers_leave_entities_out(conn):
    assert {h.kind for h in S.search(conn, "china category:finance")} == {"evidence"}


def test_paging_across_groups_is_the_full_list_sliced(conn):
    full = S.search(conn, "china", limit=1000)
    assert len(full) > 10
    paged = []
    for offset in range(0, len(full) + 7, 7):
        paged += S.search(conn, "china", offset=offset, limit=7)
    assert [(h.kind, h.id) for h in paged] == [(h.kind, h.id) for h in full]
    assert S.count(conn, "china", kind="actor")[0] == len([h for h in full if h.kind == "actor"])


def test_count_is_capped(conn):
    n = conn.execute("SELECT count(*) FROM evidence").fetchone()[0]
    assert S.count(conn, "-zzzz", cap=5) == (5, True)
    assert S.count(conn, "-zzzz", cap=n) == (n, False)
    assert S.count(conn, "") == (0, False)


# --------------------------------------------------------------------------------------------- snippets


def test_snippets_are_plain_text_with_highlight_ranges(conn):
    hit = S.search(conn, "yuan")[0]
    assert S.OPEN not in hit.snippet and S.CLOSE not in hit.snippet
    assert hit.highlights and all(hit.snippet[a:b].lower() == "yuan" for a, b in hit.highlights)
    assert hit.title.startswith("According to the report, 79 bank branches")
    assert (hit.category, hit.status) == ("finance", "curated")


def test_marker_characters_in_the_data_are_dropped(db):
    add(db, evidence=[{"id": "odd", "claim": "Odd \ufdd0text\ufdd1 with \ufdd1markers\ufdd0 and turbines."}])
    hit = S.search(open_readonly(db), "turbines")[0]
    assert "\ufdd0" not in hit.snippet and "\ufdd1" not in hit.snippet
    assert all(hit.snippet[a:b].lower() == "turbines" for a, b in hit.highlights)


def test_markup_and_escapes_in_the_data_come_back_as_plain_text(db):
    claim = "[@click=app.quit]press[/] [link=http://x]y[/] \x1b[2J turbines"
    add(db, evidence=[{"id": "evil", "claim": claim}])
    hit = S.search(open_readonly(db), "turbines")[0]
    assert hit.title == claim
    assert "[@click=app.quit]press[/]" in hit.snippet


def test_unmark():
    o, c = S.OPEN, S.CLOSE
    assert S.unmark(f"a {o}b{c} c {o}d{c}") == ("a b c d", [(2, 3), (6, 7)])
    assert S.unmark(f"{c}x{o}") == ("x", [])  # stray markers are dropped
    assert S.unmark(f"{o}ab{c}{o}cd{c}") == ("abcd", [(0, 4)])  # adjacent ranges merge
    assert S.unmark(None) == ("", [])


# -------------------------------------------------------------------------------- why nothing matched

ALL_QUALIFIERS = "actor, region, country, category, source, status, kind, after, before, lang, match"
DATE_FORMS = "(YYYY, YYYY-MM or YYYY-MM-DD)"


@pytest.mark.parametrize(
    ("text", "note"),
    [
        ("category:financ", "no category 'financ' — did you mean finance?"),
        ("status:curate", "no status 'curate' — did you mean curated?"),
        ("STATUS:Disputd", "no status 'disputd' — did you mean disputed?"),
        ("after:2025-13", f"'2025-13' is not a date {DATE_FORMS}: month 13 does not exist"),
        ("before:2025-02-29", f"'2025-02-29' is not a date {DATE_FORMS}: day 29 does not exist in 2025-02"),
        ("after:yesterday", f"'yesterday' is not a date {DATE_FORMS}"),
        ("actor:nosuch", "no actor 'nosuch'"),
        ("kind:unicorn", "no kind 'unicorn' (kinds: actor, region, source, evidence)"),
        ("kind:findngs", "no kind 'findngs' — did you mean evidence?"),
        ("colour:red", f"no qualifier 'colour:' (qualifiers: {ALL_QUALIFIERS})"),
        ("Colour:red", f"no qualifier 'Colour:' (qualifiers: {ALL_QUALIFIERS})"),
        ("regoin:crimea", f"no qualifier 'regoin:' — did you mean region:? (qualifiers: {ALL_QUALIFIERS})"),
        ('colour:"dark red"', f"no qualifier 'colour:' (qualifiers: {ALL_QUALIFIERS})"),
        ("country:xx", "no country 'xx' (a code such as CN, or a name such as China)"),
        ("-actor:nosuch", "no actor 'nosuch'"),
    ],
)
def test_a_part_that_names_nothing_says_why(conn, text, note):
    assert S.notes(conn, text) == [note]
    assert S.search(conn, text) == [] and S.count(conn, text) == (0, False)


def test_a_misspelt_name_is_told_the_nearest_names(conn):
    (actor,) = S.notes(conn, "actor:chna")
    assert actor.startswith("no actor 'chna' — did you mean China (china)")
    (region,) = S.notes(conn, "region:crimia")
    assert region.startswith("no region 'crimia' — did you mean Crimea (crimea)")
    (source,) = S.notes(conn, "source:kyiv")
    assert source.startswith("no source 'kyiv' — did you mean ") and "(kyiv-independent-occupied-economy)" in source
    (country,) = S.notes(conn, "country:chna")
    assert country.startswith("no country 'chna' — did you mean China (CN)")
    (korea,) = S.notes(conn, "country:korea")  # two countries' names start with it: neither is guessed
    assert "(KP)" in korea and "(KR)" in korea
    (category,) = S.notes(conn, "category:zzz")  # nothing close: every category
    from store.vocab import CATEGORIES

    assert category == f"no category 'zzz' (categories: {', '.join(CATEGORIES)})"


@pytest.mark.parametrize(
    ("text", "meant"),
    [
        ("region:Херсонська", "Kherson Oblast (kherson)"),  # the adjective of «Херсонська область», an alias
        ("region:Херсонской", "Kherson Oblast (kherson)"),
        ("region:Запорізькій", "Zaporizhzhia Oblast (zaporizhzhia)"),
        ("region:Луганщині", "Luhansk Oblast (luhansk)"),
        ("actor:Китая", "China (china)"),
    ],
)
def test_an_inflected_ukrainian_or_russian_name_is_told_the_record_it_names(conn, text, meant):
    """A QA run: `region:Херсонська` said only "no region" — the suggestions compared it with the English names,
    never with the aliases a person would have meant."""
    (note,) = S.notes(conn, text)
    assert note.startswith(f"no {text.split(':')[0]} '{text.split(':')[1]}' — did you mean {meant}"), note


def test_the_suggestions_are_the_ones_findings_show_gives(conn):
    from store import details

    close = details.suggest(conn, "actor", "huawai")
    (note,) = S.notes(conn, "actor:huawai")
    assert close and note == "no actor 'huawai' — did you mean " + ", ".join(f"{n} ({i})" for i, n in close) + "?"


def test_each_part_that_names_nothing_gets_its_own_line(conn):
    lines = S.notes(conn, "yuan colour:red category:financ,trade after:2025-13 actor:nosuch")
    assert [re.match(r"no \w+ '[^']*'|'[^']*' is not a date", line).group() for line in lines] == [
        "no qualifier 'colour:'",
        "no category 'financ'",
        "'2025-13' is not a date",
        "no actor 'nosuch'",
    ]
    assert all(line.endswith("Searched without it.") for line in lines)
    assert S.notes(conn, "yuan") == [] and S.notes(conn, "") == [] and S.notes(conn, "actor:china") == []


def test_notes_stay_short_lines_whatever_was_typed(conn):
    names = [a + b for a in "abcdefgh" for b in "xyz"]  # 24 unknown qualifier names
    text = "actor:" + "x" * 5_000 + ' actor:"two\nlines" ' + " ".join(f"{n}:v" for n in names)
    lines = S.notes(conn, text)
    assert 2 <= len(lines) <= 6
    assert all("\n" not in line and len(line) < 300 for line in lines)
    assert re.fullmatch(r"\d+ more parts name nothing", lines[-1])


def test_notes_while_typing_skip_only_the_unfinished_last_qualifier(conn):
    assert S.notes(conn, "category:fin", as_you_type=True) == []
    assert S.notes(conn, "colour:re", as_you_type=True) == []
    assert S.notes(conn, "category:fin ", as_you_type=True)  # a space: it is finished
    assert ids(S.search(conn, "yuan category:fin", as_you_type=True)) == ids(S.search(conn, "yuan"))


# ------------------------------------------------------------------------------------------ countries


def by_country(conn: sqlite3.Connection, *codes: str) -> set[str]:
    marks = ",".join("?" * len(codes))
    sql = f"SELECT l.evidence_id FROM evidence_actors l JOIN actors a ON a.id = l.actor_id WHERE a.country IN ({marks})"
    return {r[0] for r in conn.execute(sql, codes)}


def test_country_finds_the_findings_linked_to_an_actor_of_that_country(conn):
    cn, ir, ru = by_country(conn, "CN"), by_country(conn, "IR"), by_country(conn, "RU")
    assert cn and ir and ru
    for text in ("country:cn", "country:CN", "country:China", "country:chn", 'country:"People\'s Republic of China"'):
        assert set(ids(S.search(conn, text, limit=1000))) == cn, text
        assert S.notes(conn, text) == [], text
    assert set(ids(S.search(conn, "country:russia", limit=1000))) == ru  # the start of one name only
    assert set(ids(S.search(conn, "country:CN,IR", limit=1000))) == cn | ir
    assert set(ids(S.search(conn, "country:cn country:ru", limit=1000))) == cn & ru  # both, like actor:
    every = {r[0] for r in conn.execute("SELECT id FROM evidence")}
    assert set(ids(S.search(conn, "-country:cn", limit=1000))) == every - cn
    assert {h.kind for h in S.search(conn, "china country:cn", limit=1000)} == {"evidence"}
    assert S.count(conn, "yuan country:cn") == (len(cn & set(ids(S.search(conn, "yuan")))), False)


def test_country_is_the_condition_of_the_country_facet(conn):
    def listed(flt: EvidenceFilter) -> list[str]:
        return [r.id for r in S.list_evidence(conn, flt, limit=1000)]

    assert listed(EvidenceFilter(query="country:ir")) == listed(EvidenceFilter(countries=("IR",)))
    both = EvidenceFilter(query="country:cn", countries=("RU",))
    assert set(listed(both)) == by_country(conn, "CN") & by_country(conn, "RU")
    assert dict(S.facets(conn, EvidenceFilter(query="country:kp"))["country"])["KP"] == len(by_country(conn, "KP"))


# ------------------------------------------------------------------------------------------ resolve


def test_resolve_ignores_case_diacritics_and_spacing(db):
    add(db, actors=[{"id": "societe-generale", "name": "Société Générale"}])
    c = open_readonly(db)
    assert S.resolve(c, "region", "ZAPORIZHZHIA   oblast") == ["zaporizhzhia"]
    assert S.resolve(c, "region", "zaporozhye") == ["zaporizhzhia"]
    assert S.resolve(c, "actor", "north korea") == ["north-korea"]  # the slug of the name is the id
    assert S.resolve(c, "actor", "wechat") == ["tencent"]
    assert S.resolve(c, "actor", "SOCIÉTÉ GÉNÉRALE") == ["societe-generale"]
    assert S.resolve(c, "actor", "societe generale") == ["societe-generale"]
    assert S.resolve(c, "source", "The Kyiv Independent") == ["kyiv-independent-occupied-economy"]
    assert S.resolve(c, "evidence", "YUANIZATION") == ["yuanization"]
    assert S.resolve(c, "actor", "nobody") == []
    assert S.resolve(c, "actor", "") == []
    assert S.resolve(c, "planet", "earth") == []


# ------------------------------------------------------------------------------------ the evidence list


def test_list_evidence_and_count_match_search(conn):
    flt = EvidenceFilter(query="actor:china region:crimea")
    rows = S.list_evidence(conn, flt, limit=1000)
    assert [r.id for r in rows] == ids(S.search(conn, flt.query, limit=1000))
    assert S.count_evidence(conn, flt) == len(rows)


def test_filter_fields_and_across_or_within(conn):
    china = linked(conn, "evidence_actors", "actor_id", "china")
    iran = linked(conn, "evidence_actors", "actor_id", "iran")
    crimea = linked(conn, "evidence_regions", "region_id", "crimea")

    def listed(**kw):
        return {r.id for r in S.list_evidence(conn, EvidenceFilter(**kw), limit=1000)}

    assert listed(actor_ids=("china", "iran")) == china | iran
    whole = linked(conn, "evidence_regions", "region_id", "occupied-territories")
    # the findings about Crimea, then those about the occupied territories as a whole
    assert listed(actor_ids=("china", "iran"), region_ids=("crimea",)) == (china | iran) & (crimea | whole)
    finance = {r[0] for r in conn.execute("SELECT id FROM evidence WHERE category = 'finance'")}
    assert listed(categories=("finance",), actor_ids=("china",)) == finance & china
    assert listed(countries=("IR",)) == iran | linked(conn, "evidence_actors", "actor_id", "ri-group")
    assert listed(years=("2025",)) == {"new-silk-road-forum-crimea", "youth-delegation-north-korea-2025"}
    assert listed(years=(2024, "2022")) == {"xi-putin-beijing-2024", "north-korea-recognised-referendums"}
    assert listed(statuses=("disputed",)) == set()
    assert len(listed(source_ids=("kyiv-independent-occupied-economy",))) == 29
    assert listed(query="yuan", actor_ids=("china",)) == {"bank-branches-sell-yuan", "yuanization"}
    assert listed(query="wech", as_you_type=True) == {"covert-payments-wechat-usdt"}
    assert listed(query="kind:actor") == set()


def test_list_evidence_by_relevance_with_words(conn):
    rows = S.list_evidence(conn, EvidenceFilter(query="yuan"))
    assert [r.id for r in rows] == ["bank-branches-sell-yuan", "yuanization"]


def test_facets_count_the_matching_evidence(conn):
    f = S.facets(conn, EvidenceFilter(actor_ids=("china",)))
    china = linked(conn, "evidence_actors", "actor_id", "china")
    assert sum(n for _, n in f["category"]) == len(china)
    assert dict(f["country"])["CN"] == len(china)
    assert dict(f["region"])["crimea"] == len(china & linked(conn, "evidence_regions", "region_id", "crimea"))
    every = S.facets(conn, EvidenceFilter())
    assert sum(n for _, n in every["category"]) == 29
    assert every["year"] == [("2025", 2), ("2024", 1), ("2022", 1)]
    assert dict(every["region"])["donetsk"] == 3
    assert dict(every["region"])["occupied-territories"] == 23
    assert S.facets(conn, EvidenceFilter(query="actor:nobody")) == {
        "category": [],
        "country": [],
        "region": [],
        "year": [],
    }


@pytest.fixture(scope="module")
def many(tmp_path_factory) -> Path:
    """A database of 600 findings with repeated and missing dates, linked at random."""
    from store.connect import open_readwrite

    path = tmp_path_factory.mktemp("many") / "many.db"
    open_readwrite(path, create=True).close()
    rng = random.Random(7)
    actors = [{"id": f"a{i}", "name": f"Actor {i}", "country": rng.choice(["CN", "IR", None])} for i in range(12)]
    regions = [{"id": f"r{i}", "name": f"Region {i}"} for i in range(6)]
    evidence = []
    for i in range(600):
        date = rng.choice([None, "2020", "2021-05", "2021-05-02", f"20{rng.randint(10, 25)}-0{rng.randint(1, 9)}"])
        evidence.append(
            {
                "id": f"e{i:04d}",
                "claim": f"finding {i} " + rng.choice(["alpha", "beta", "gamma beta"]),
                "category": rng.choice(["trade", "finance", "energy"]),
                "date": date,
                "status": rng.choice(["curated", "unreviewed"]),
                "actors": rng.sample([a["id"] for a in actors], rng.randint(0, 3)),
                "regions": rng.sample([r["id"] for r in regions], rng.randint(0, 2)),
            }
        )
    add(path, actors=actors, regions=regions, evidence=evidence)
    return path


FILTERS = [
    EvidenceFilter(),
    EvidenceFilter(actor_ids=("a1",)),
    EvidenceFilter(actor_ids=("a1", "a2"), region_ids=("r3",)),
    EvidenceFilter(categories=("trade",), statuses=("unreviewed",)),
    EvidenceFilter(countries=("CN",), years=("2021",)),
    EvidenceFilter(query="-gamma actor:a3"),
    EvidenceFilter(query="beta"),
]


def _reference(conn: sqlite3.Connection, flt: EvidenceFilter) -> list[str]:
    """The expected order, from a plain query over the candidate ids."""
    wanted = {r.id for r in S.list_evidence(conn, flt, limit=100_000)}
    rows = conn.execute("SELECT id, date, rowid FROM evidence").fetchall()
    if flt.query == "beta":
        return [r.id for r in S.list_evidence(conn, flt, limit=100_000)]
    rows = [r for r in rows if r[0] in wanted]
    rows.sort(key=lambda r: (r[1] is not None, r[1] or "", r[2]), reverse=True)
    return [r[0] for r in rows]


@pytest.mark.parametrize("flt", FILTERS)
@pytest.mark.parametrize(("drive_always", "deep_page"), [(0, 10**9), (10**9, 10**9), (10**9, 0)])
def test_pages_at_any_offset_are_the_full_list_sliced(many, flt, drive_always, deep_page, monkeypatch):
    """Every way of reading a page (walking the date index, driving from a link table, reading the far half
    in reverse once the count is known, looking up a cached list order) gives the same rows in the same order."""
    monkeypatch.setattr(plan_module, "DRIVE_ALWAYS", drive_always)
    monkeypatch.setattr(evidence_module, "DEEP_PAGE", deep_page)
    c = open_readonly(many)
    try:
        expected = _reference(c, flt)
        assert expected == sorted(expected, key=expected.index)  # sanity
        first = [r.id for r in S.list_evidence(c, flt, offset=0, limit=10)]
        assert first == expected[:10]
        assert S.count_evidence(c, flt) == len(expected)  # now cached: far pages read in reverse
        for offset in (0, 1, len(expected) // 2 - 3, len(expected) - 11, len(expected) - 1, len(expected) + 5):
            page = [r.id for r in S.list_evidence(c, flt, offset=max(0, offset), limit=10)]
            assert page == expected[max(0, offset) : max(0, offset) + 10], offset
        assert S.facets(c, flt)["category"] and sum(n for _, n in S.facets(c, flt)["category"]) == len(expected)
    finally:
        c.close()


def test_the_count_cache_notices_writes(many, tmp_path):
    import shutil

    path = tmp_path / "copy.db"
    shutil.copyfile(many, path)
    c = open_readonly(path)
    n = S.count_evidence(c, EvidenceFilter())
    add(path, evidence=[{"id": "late", "claim": "late finding", "date": "1999"}])
    assert S.count_evidence(c, EvidenceFilter()) == n + 1
    newer = c.execute("SELECT count(*) FROM evidence WHERE date > '1999'").fetchone()[0]  # dated ones come first
    assert S.list_evidence(c, EvidenceFilter(), offset=newer, limit=5)[0].id == "late"


# --------------------------------------------------------------------------------------------- fuzzing

NASTY = st.text(
    # (lone surrogates too: a terminal or a paste can hand one over, and SQLite cannot be given one)
    alphabet=st.sampled_from(
        [*'"*-:^()NEAR AND OR NOT actor:region:kind:after:before:', "😀", "\x00", "é", " ", "\ud800", "\udcff"]
    ),
    max_size=200,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.one_of(st.text(max_size=300), NASTY))
@example(text="x" * 10_000)
@example(text=" ".join(["yuan"] * 5_000))
@example(text=" OR ".join(["a"] * 3_000))
@example(text="(" * 5_000 + ")" * 5_000)
@example(text='"' * 10_000)
@example(text="actor:" * 2_000)
@example(text="-a " * 3_000)
@example(text="NEAR(a b, 3) ^x {claim}: y")
@example(text="a" * 9_999 + "*")
@example(text="Hua\udcffwei actor:\ud800 \ud800")
@example(text="\U00018cd6\n0")
def test_never_raises_on_any_text(conn, text):
    for as_you_type in (False, True):
        hits = S.search(conn, text, as_you_type=as_you_type)
        assert isinstance(hits, list)
        for h in hits:
            assert all(0 <= a < b <= len(h.snippet) for a, b in h.highlights)
    n, capped = S.count(conn, text)
    assert n >= 0 and isinstance(capped, bool)
    flt = EvidenceFilter(query=text, as_you_type=True)
    assert isinstance(S.list_evidence(conn, flt, offset=3, limit=5), list)
    assert S.count_evidence(conn, flt) >= 0
    assert isinstance(S.facets(conn, flt), dict)
    assert isinstance(S.resolve(conn, "actor", text), list)
    assert isinstance(S.suggest(conn, "region", text), list)
    assert isinstance(browse.lookup(conn, text), list) and isinstance(browse.lookup(conn, text, quick=True), list)
    assert S.correction(conn, text) is None or isinstance(S.correction(conn, text), str)
    assert isinstance(S.settled_notes(conn, text), list)
    for as_you_type in (False, True):
        lines = S.notes(conn, text, as_you_type=as_you_type)
        assert len(lines) <= 6 and all(isinstance(line, str) and "\n" not in line for line in lines)


def test_facets_only_some(conn):
    f = S.facets(conn, EvidenceFilter(), only=["category", "year"])
    assert f["category"] and f["year"] and f["country"] == [] and f["region"] == []
    assert S.facets(conn, EvidenceFilter(), only=["country"])["country"] == S.facets(conn, EvidenceFilter())["country"]


def test_details_without_aggregates_come_back_at_once(conn):
    from store import details

    full = details.actor(conn, "china")
    quick = details.actor(conn, "china", aggregates=False, evidence_limit=0)
    assert quick["regions"] is None and quick["by_category"] is None and quick["evidence"] == []
    assert quick["evidence_total"] == full["evidence_total"] == 15
    assert quick["relations"] == full["relations"]
    region = details.region(conn, "crimea", aggregates=False)
    assert region["actors"] is None and region["evidence_total"] == 2 and len(region["evidence"]) == 2
    assert region["general_total"] == 23 and region["wider"][0]["id"] == "occupied-territories"
    assert details.source(conn, "kyiv-independent-occupied-economy", aggregates=False)["evidence_total"] == 29
    assert details.actor(conn, "nobody") is None
    assert details.names(conn, "actor", ["china", "nobody"]) == {"china": "China"}
    assert details.suggest(conn, "region", "crimia")[0] == ("crimea", "Crimea")
    assert details.find(conn, "actor", "People's Republic of China") == "china"


def test_a_qualifier_being_typed_does_not_empty_the_results(conn):
    typed = ids(S.search(conn, "yuan actor:chi", as_you_type=True))
    assert typed == ids(S.search(conn, "yuan"))
    assert S.notes(conn, "yuan actor:chi", as_you_type=True) == []  # not yet: it is being typed
    # once submitted, an actor that is not there is left out, and the note says so
    assert ids(S.search(conn, "yuan actor:chi")) == typed
    (note,) = S.notes(conn, "yuan actor:chi")
    assert note.startswith("no actor 'chi' — did you mean China (china)") and note.endswith("? Searched without it.")
    assert S.notes(conn, "actor:chi yuan", as_you_type=True)  # only the last word is being typed
    assert ids(S.search(conn, "yuan category:fin", as_you_type=True)) == ids(S.search(conn, "yuan"))
    assert ids(S.search(conn, "yuan -ban", as_you_type=True)) == ids(S.search(conn, "yuan"))  # not yet excluded


# ---------------------------------------------------------------------------------------------- did you mean


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("Hauwei", "Huawei"),
        ("Tencnet", "Tencent"),
        ("Genertek", "Genertec"),
        ("Mariupl", "Mariupol"),
        ("Krimea", "Crimea"),  # a first letter typed for another
        ("yuanizaton", "yuanization"),  # indexed as the stem `yuaniz`
    ],
)
def test_a_word_that_matches_nothing_gets_the_nearest_word_of_the_database(conn, typed, meant):
    assert S.search(conn, typed) == []
    assert S.notes(conn, typed) == [f"no finding, actor, region or source has '{typed}' — did you mean {meant}?"]
    assert S.correction(conn, f"{typed} yuan") == f"{meant} yuan"
    assert S.search(conn, S.correction(conn, typed))  # the correction finds something


def test_a_name_the_stemmer_changed_is_still_suggested_first(conn):
    """SANY is indexed as `sani`: `samy` was two edits from it and got no suggestion at all."""
    (note,) = S.notes(conn, "samy")
    assert note.startswith("no finding, actor, region or source has 'samy' — did you mean SANY")
    assert S.correction(conn, "samy cranes") == "SANY cranes"


def test_words_that_match_get_no_suggestion(conn):
    assert S.notes(conn, "Huawei") == []
    assert S.notes(conn, "Крим") == []  # found through its key, in an English database
    assert S.correction(conn, "Huawei yuan") is None
    assert S.notes(conn, "xyzzyq") == ["no finding, actor, region or source has 'xyzzyq'"]
    assert S.correction(conn, "xyzzyq") is None


def test_a_word_with_an_apostrophe_that_matches_nothing_says_so(conn):
    """`зв'язок` typed with a straight or curly apostrophe got no note at all (only `зв\u02bcязок` did)."""
    for typed in ("зв'язок", "зв\u2019язок", "зв\u02bcязок"):
        assert S.search(conn, typed) == []
        assert S.notes(conn, typed) == [f"no finding, actor, region or source has '{typed}'"]


def test_a_word_being_typed_is_not_corrected(conn):
    assert S.notes(conn, "Hauwe", as_you_type=True) == []


def test_a_query_with_nothing_to_search_for_says_so(conn):
    """`!!!` or a quote alone holds no word and no qualifier: the note says what a search needs; U+FFFD (what a
    terminal not set to UTF-8 sends for Cyrillic) says what to check."""
    assert S.notes(conn, "!!!") == ["nothing to search for in '!!!': a search needs a letter or a digit"]
    assert S.notes(conn, '  "  ') == ["nothing to search for in '\"': a search needs a letter or a digit"]
    assert "is the terminal set to UTF-8?" in S.notes(conn, "\ufffd\ufffd\ufffd")[0]
    for text in ("", "   ", "Huawei", "kind:actor", "-coal"):
        assert not any("nothing to search for" in line for line in S.notes(conn, text)), text
    # a newline or an escape in what was pasted is shown on the note's one line, never sent as it is
    (line,) = S.notes(conn, "!!\n!!\x1b[")
    assert line.startswith("nothing to search for in '!! !!") and "\n" not in line and "\x1b" not in line
    # as you type, a last word too short to search yet (`0`, `a`) is no reason to say the query holds nothing
    for text in ("0", "!! a", "\U00018cd6\n0"):
        assert not any("nothing to search for" in n for n in S.notes(conn, text, as_you_type=True)), text
    assert S.notes(conn, "!!!", as_you_type=True) == S.notes(conn, "!!!")


def test_an_actor_or_region_hit_shows_its_names_not_its_matching_keys(conn):
    """The best FTS5 snippet of China for `Китай` was its key column (`knr kitai kita kitaisk …`): no one's
    word. The snippet is then made from the name and aliases, with the word highlighted."""
    for kind, text, shown in (("actor", "Китай", "Китай"), ("region", "Zaporozhye", "Zaporozhye")):
        hits = S.search(conn, text, kinds=[kind])
        assert hits, text
        snippet = hits[0].snippet
        keys = conn.execute(
            f"SELECT keys || ' ' || coalesce(stems, '') FROM {kind}s WHERE id = ?", [hits[0].id]
        ).fetchone()[0]
        assert shown in snippet and not set(snippet.replace("…", " ").split()) <= set(keys.split()), snippet
        assert any(snippet[a:b].casefold() == shown.casefold() for a, b in hits[0].highlights), hits[0]


def test_a_zero_width_or_bidi_character_pasted_into_a_word_is_no_part_of_it(conn):
    """`К\u200bрим` (a zero-width space pasted inside Крим) found nothing; a joiner where Persian needs it stays."""
    ids = [h.id for h in S.search(conn, "Крим")]
    assert ids
    for pasted in ("К\u200bрим", "\u202eКрим\u202c", "Кр\u2060им\ufeff", "К\u00adрим"):
        assert [h.id for h in S.search(conn, pasted)] == ids, repr(pasted)
    from store.text import without_hidden

    assert without_hidden("می\u200cخواهم") == "می\u200cخواهم" and without_hidden("a\u2028b") == "a b"


def test_words_beyond_the_limit_are_said_to_be_left_out(conn):
    """A QA run: 32 words then `xyzzyq` found what the 32 found, with no word of the 33rd left out."""
    text = "china " * 32 + "xyzzyq"
    assert "only the first 32 words are searched: 1 more left out (search fewer words)" in S.notes(conn, text)
    assert not any("left out" in note for note in S.notes(conn, "china " * 31 + "xyzzyq"))


def test_kind_evidence_alone_lists_every_finding(conn):
    """A QA run: `kind:actor` listed every actor, `kind:evidence` nothing."""
    total = conn.execute("SELECT count(*) FROM evidence WHERE status != 'rejected'").fetchone()[0]
    hits = S.search(conn, "kind:evidence", limit=1000)
    assert hits and {h.kind for h in hits} == {"evidence"} and len(hits) == total
    assert S.count(conn, "kind:evidence", kind="evidence")[0] == total


DONETSK = "Donetsk Oblast (donetsk)"


@pytest.mark.parametrize(
    ("place", "region"), [("mariupol", DONETSK), ("Бахмут", DONETSK), ("sevastopol", "Crimea (crimea)")]
)
def test_a_place_given_as_a_region_is_told_the_region_it_is_in(conn, place: str, region: str):
    """A QA run: `region:mariupol` was told "did you mean Zaporizhzhia Oblast?" (letters alike), where the
    gazetteer puts Mariupol in Donetsk Oblast; Bakhmut and Sevastopol got no suggestion."""
    (note,) = S.notes(conn, f"region:{place}")
    assert note.startswith(f"no region '{place}' — did you mean {region}"), note


def test_words_that_each_match_but_never_together_are_said_so(conn):
    """A QA run: `Huawei Tencent` (both words known, no finding has both) found nothing with no reason."""
    assert S.search(conn, "Huawei Tencent") == []
    assert S.notes(conn, "Huawei Tencent") == [
        "each of the words 'Huawei Tencent' finds something, but nothing has them all; "
        "'Huawei OR Tencent' finds any of them"
    ]
    assert S.search(conn, "Huawei OR Tencent")
    assert not any("nothing has them all" in n for n in S.notes(conn, "china yuan"))  # they do meet
