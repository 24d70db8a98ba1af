"""Ukrainian, Russian and English in one search: every name of the issue, in every script, spelling and word
form, finds its region or actor from the CLI and the explorer; findings in other scripts are found, ranked
below the words as typed and marked; the switch turns it off; Cyrillic is shown whole at 80x24."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.cells import cell_len

from tests.conftest import ROOT, query, run_cli
from tests.tui_support import press, run_app, screen_text, type_text

ARTICLES = ROOT / "tests" / "data" / "articles"

# (query, kind, id): what a user types, and the record that must come first
NAMED = [
    *[(q, "region", "crimea") for q in ("Krym", "Krim", "Крым", "Крим", "в Криму", "Кримського півострова")],
    *[(q, "region", "crimea") for q in ("Sevastopol", "Севастополь", "Севастополе")],
    *[(q, "region", "zaporizhzhia") for q in ("Zaporizhzhia", "Zaporizhia", "Запоріжжя", "Zaporozhye", "Запорожье")],
    *[(q, "region", "zaporizhzhia") for q in ("Запорожской", "Запорізької області", "у Запоріжжі")],
    *[(q, "region", "luhansk") for q in ("Lugansk", "Luhansk", "Луганськ", "Луганск", "в Луганске", "LPR", "ЛНР")],
    *[(q, "region", "donetsk") for q in ("Donetsk", "Донецьк", "Донецк", "Донецької області", "DPR", "ДНР")],
    *[(q, "region", "donetsk") for q in ("Mariupol", "Маріуполь", "Мариуполь", "у Маріуполі")],
    *[(q, "region", "kherson") for q in ("Kherson", "Herson", "Херсон", "на Херсонщині", "у Новій Каховці")],
    *[(q, "actor", "huawei") for q in ("Huawei", "Huawey", "Хуавей", "Хуавэй", "Хуавею")],
    *[(q, "actor", "china") for q in ("china", "China", "Китай", "Китаю")],
    *[(q, "actor", "iran") for q in ("Iran", "Іран", "Ирана")],
]


def hits(db: Path, *args: str) -> list[dict]:
    result = run_cli("search", *args, "--json", "--limit", "200", db=db)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize(("text", "kind", "id_"), NAMED, ids=[q for q, _, _ in NAMED])
def test_every_name_in_every_script_and_form_finds_its_record_first(built_db: Path, text: str, kind: str, id_: str):
    found = hits(built_db, text)
    assert found and (found[0]["kind"], found[0]["id"]) == (kind, id_), [(h["kind"], h["id"]) for h in found[:3]]


@pytest.mark.parametrize(
    ("inflected", "base"),
    [
        ("Китаю Криму", "Китай Крим"),
        ("Китаю в Криму", "Китай Крим"),
        ("Iran Китаю", "Iran Китай"),
        ("Росії Китаю", "Росія Китай"),
        ("china Крыму", "china Крым"),
        ("Китаю crimea", "Китай crimea"),
        # seven words (a QA run: past six, the words looked up stopped, and the query found nothing)
        ("Китаю Ірану КНДР Росії Криму Луганщини Донеччини", "Китай Іран КНДР Росія Крим Луганщина Донеччина"),
    ],
)
def test_several_words_in_other_forms_find_what_their_names_find(built_db: Path, inflected: str, base: str) -> None:
    """A QA run: `Китаю` alone and `Китай Крим` found China's findings in Crimea, `Китаю Криму` nothing (each
    word found the findings linked to its actor only when it was the whole query, or the name as written)."""
    findings = {h["id"] for h in hits(built_db, base) if h["kind"] == "evidence"}
    assert findings
    assert {h["id"] for h in hits(built_db, inflected) if h["kind"] == "evidence"} == findings


def test_the_ukrainian_apostrophe_in_a_latin_word_is_its_apostrophe(built_db: Path) -> None:
    """A QA run: `People's Republic` found 21 findings, `Peopleʼs Republic` (U+02BC, the apostrophe a Ukrainian
    keyboard types) 1; `People’s` (U+2019) already found the 21."""
    typed = {h["id"] for h in hits(built_db, "People's Republic")}
    assert len(typed) > 5
    for apostrophe in ("\u02bc", "\u2019"):
        assert {h["id"] for h in hits(built_db, f"People{apostrophe}s Republic")} == typed, apostrophe


def test_donbas_offers_both_regions(built_db: Path) -> None:
    for text in ("Donbas", "Донбас", "Донбасс", "Донбасі"):
        assert {(h["kind"], h["id"]) for h in hits(built_db, text)} >= {("region", "donetsk"), ("region", "luhansk")}


@pytest.fixture
def three_languages(db: Path, tmp_path: Path) -> Path:
    """The dataset, a Ukrainian and a Russian article, and an English note that names Huawei and Mariupol."""
    note = tmp_path / "note.md"
    note.write_text("# Field note\n\nHuawei cranes were seen in Mariupol in May.\n", encoding="utf-8")
    for path in (ARTICLES / "uk-berdiansk-port.md", ARTICLES / "ru-mariupol-deliveries.md", note):
        result = run_cli("import", "article", str(path), db=db)
        assert result.exit_code == 0, result.output
    return db


def claims(found: list[dict]) -> list[str]:
    return [h["title"] for h in found if h["kind"] == "evidence"]


def test_a_latin_query_finds_cyrillic_findings_below_the_words_as_typed(three_languages: Path) -> None:
    found = [h for h in hits(three_languages, "Mariupol") if h["kind"] == "evidence"]
    assert found[0]["title"] == "Huawei cranes were seen in Mariupol in May." and not found[0]["variant"]
    variants = {h["title"] for h in found if h["variant"]}
    assert "Китайские краны пришли в порт Мариуполя через Таганрог." in variants  # ru, genitive
    assert "Іранська компанія заявила про інвестиції в Маріуполі та на Херсонщині." in variants  # uk, locative
    snippet = next(h for h in found if h["title"].startswith("Іранська"))
    start, end = snippet["highlights"][0]
    assert snippet["snippet"][start:end] == "Маріуполі"  # the word that matched, not a key


def test_a_cyrillic_query_finds_latin_findings(three_languages: Path) -> None:
    for text in ("Хуавей", "Маріуполь"):
        assert "Huawei cranes were seen in Mariupol in May." in claims(hits(three_languages, text)), text


def test_word_forms_find_the_findings_that_use_them(three_languages: Path) -> None:
    assert "В Крыму и Донецкой Народной Республике работают российские банки." in claims(hits(three_languages, "Криму"))
    assert "Після окупації Кримського півострова у 2014 році Росія перевела Крим на рубль." in claims(
        hits(three_languages, "Кримський півострів")
    )
    assert "Обладнання Хуавею змонтували в Новій Каховці та у Волновасі." in claims(
        hits(three_languages, "Нова Каховка")
    )


def test_match_exact_searches_the_words_as_typed(three_languages: Path) -> None:
    exact = hits(three_languages, "Mariupol", "match:exact")
    assert claims(exact) == ["Huawei cranes were seen in Mariupol in May."]
    assert not any(h["variant"] for h in exact)
    assert hits(three_languages, "Криму", "match:exact") == []
    assert claims(hits(three_languages, "Криму", "lang:ru")) == [
        "В Крыму и Донецкой Народной Республике работают российские банки."
    ]


def test_language_is_recorded_shown_and_exported(three_languages: Path, tmp_path: Path) -> None:
    (ru_id,) = query(three_languages, "SELECT id FROM evidence WHERE claim LIKE 'Северная Корея%'")[0]
    shown = run_cli("show", "evidence", ru_id, db=three_languages)
    assert "Language  Russian (ru)" in shown.output
    out = tmp_path / "uk.csv"
    result = run_cli("export", "csv", "lang:uk", "--romanise", "-o", str(out), db=three_languages)
    assert result.exit_code == 0, result.output
    import csv

    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert rows and {r["lang"] for r in rows} == {"uk"}
    berdiansk = next(r for r in rows if r["claim"].startswith("Китайські крани"))
    assert berdiansk["claim_romanised"].startswith("Kytaiski krany prybuly do portu Berdianska")
    assert berdiansk["romanisation"].startswith("KMU 2010")
    as_json = json.loads(run_cli("export", "json", "Мариуполь", "--romanise", db=three_languages).stdout)
    ru = next(r for r in as_json if r["lang"] == "ru")
    assert ru["romanised"]["standard"] == "BGN/PCGN 1947"
    assert "Mariupolya" in ru["romanised"]["claim"]


def test_a_language_is_one_code_however_it_is_written(three_languages: Path, tmp_path: Path) -> None:
    """`lang: ukr` (three letters, as FollowTheMoney and catalogues write it) is stored as `uk`, so `lang:uk`
    finds it; `lang:UKR` searches the same; `lang: xx` is refused, naming the field; `lang:ua` (the country's
    code) is told the language's."""
    path = tmp_path / "ukr.yaml"
    path.write_text(
        "sources:\n  - {id: notes-ukr, title: Notes}\nevidence:\n  - {id: ukr-note, claim: Кран у порту, "
        "category: trade, source: notes-ukr, lang: ukr}\n",
        encoding="utf-8",
    )
    assert run_cli("import", "yaml", str(path), db=three_languages).exit_code == 0
    assert query(three_languages, "SELECT lang FROM evidence WHERE id = 'ukr-note'") == [("uk",)]
    uk = claims(hits(three_languages, "lang:uk"))
    assert "Кран у порту" in uk and claims(hits(three_languages, "lang:UKR")) == uk
    bad = path.with_name("xx.yaml")
    bad.write_text(path.read_text(encoding="utf-8").replace("lang: ukr", "lang: xx"), encoding="utf-8")
    refused = run_cli("import", "yaml", str(bad), db=three_languages)
    assert refused.exit_code != 0 and "'lang'" in refused.output and "'xx' is not a language code" in refused.output
    said = run_cli("search", "lang:ua", db=three_languages)
    assert "'ua' is not a language code (ISO 639-1: uk, ru, en, …) — did you mean uk?" in said.output
    assert "findings search 'lang:uk'" in said.output
    nothing = run_cli("search", "lang:xx", db=three_languages)
    assert "'xx' is not a language code" in nothing.output


# ---------------------------------------------------------------------------------------------- explorer


def ids(vlist) -> list[str]:  # type: ignore[no-untyped-def]
    return [vlist.row_at(i).id for i in range(vlist.count or 0)]


@pytest.mark.parametrize(
    ("text", "pane", "id_"),
    [
        ("Криму", "regions", "crimea"),
        ("Mariupol", "regions", "donetsk"),
        ("Луганске", "regions", "luhansk"),
        ("Huawey", "actors", "huawei"),
        ("LPR", "regions", "luhansk"),
    ],
)
def test_the_explorer_finds_each_name_in_its_pane(built_db: Path, tmp_path: Path, text: str, pane: str, id_: str):
    import shutil

    db = tmp_path / "data.db"
    shutil.copyfile(built_db, db)

    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        home = pilot.app.screen
        await press(pilot, "slash")
        await type_text(pilot, text + " ")
        assert ids(getattr(home, pane))[:1] == [id_]

    run_app(db, check, size=(120, 40))


def test_ctrl_t_searches_the_words_as_typed(db: Path) -> None:
    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        home = pilot.app.screen
        await press(pilot, "slash")
        await type_text(pilot, "Криму ")
        assert ids(home.regions) == ["crimea"]
        await press(pilot, "ctrl+t")  # in the search bar: it is no key for typing
        assert home.search.value == "Криму "
        assert home.regions.count == 0  # Криму as typed is no name of any region
        await press(pilot, "ctrl+t")
        assert ids(home.regions) == ["crimea"]

    run_app(db, check, size=(120, 40))


def test_cyrillic_findings_fit_80_columns_whole_or_cut_with_an_ellipsis(three_languages: Path) -> None:
    async def check(pilot) -> None:  # type: ignore[no-untyped-def]
        await press(pilot, "slash")
        await type_text(pilot, "Бердянськ ")
        await press(pilot, "enter")
        text = screen_text(pilot.app)
        lines = text.splitlines()
        assert len(lines) == 24 and all(cell_len(line) == 80 for line in lines)
        assert "Китайські крани прибули до порту" in text  # the claim, letters intact
        row = next(line for line in lines if "Китайські крани" in line)
        assert "…" in row  # too long for the row: cut with an ellipsis, not mid-letter
        assert "\ufffd" not in text and "?" not in row

    run_app(three_languages, check)


def test_a_name_in_another_form_finds_the_findings_linked_to_it(built_db: Path) -> None:
    linked = {r[0] for r in query(built_db, "SELECT evidence_id FROM evidence_regions WHERE region_id = 'crimea'")}
    for text in ("Криму", "в Крыму"):
        found = hits(built_db, text)
        assert {h["id"] for h in found if h["kind"] == "evidence"} == linked, text
        assert all(h["variant"] for h in found if h["kind"] == "evidence")  # none has the word as typed


@pytest.mark.parametrize(
    "text",
    ["Mariupol", "Маріуполь", "Мариуполя", "mariup*", "Маріуп*", "Huawei", "Хуавей", "crimea", "Крым", '"port of"'],
)
def test_a_one_term_search_marks_the_same_variants_as_the_exact_query(
    three_languages: Path, text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A query of one term learns which findings matched it as typed from the search's own scores (the text's
    columns only); every other query asks the exact expression again. Both say the same of every finding."""
    from store.search import hits as search_hits

    quick = [(h["id"], h["variant"]) for h in hits(three_languages, text) if h["kind"] == "evidence"]
    monkeypatch.setattr(search_hits, "_one_term", lambda plan: False)
    asked = [(h["id"], h["variant"]) for h in hits(three_languages, text) if h["kind"] == "evidence"]
    assert quick == asked
    assert quick, text
