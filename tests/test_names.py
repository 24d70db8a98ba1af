"""Names in three languages: every actor and region of the dataset answers to its Ukrainian and Russian names,
no name points at two things, and a user typing them finds the right record."""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
from collections import defaultdict
from pathlib import Path

import pytest

from tests.conftest import query, run_cli

# One Ukrainian and one Russian alias per record: the languages are not in the schema, so this table says which
# is which. Many names are spelt alike in both (Китай, КНДР, Херсонщина); then the same string stands for both.
# None: no name in that language is in real use, for the reason given.
NAMES: dict[tuple[str, str], tuple[str | None, str | None]] = {
    ("actor", "china"): ("Китайська Народна Республіка", "Китайская Народная Республика"),
    ("actor", "iran"): ("Іран", "Иран"),
    ("actor", "north-korea"): ("Північна Корея", "Северная Корея"),
    ("actor", "russia"): ("Росія", "Россия"),
    ("actor", "ukraine"): ("Україна", "Украина"),
    ("actor", "united-states"): ("Сполучені Штати Америки", "Соединённые Штаты Америки"),
    ("actor", "europe"): ("Європа", "Европа"),
    ("actor", "huawei"): ("Хуавей", "Хуавэй"),
    ("actor", "sany"): (None, None),  # SANY in both; "Сани" is also the word for a sledge
    ("actor", "genertec"): (None, None),  # written in Latin in both
    ("actor", "tencent"): ("Тенсент", "Тенсент"),
    ("actor", "ri-group"): (None, "РИ-Групп"),  # no Ukrainian spelling found in use
    ("actor", "russian-proxy-firms"): (None, None),  # a description, not a name
    ("actor", "chinese-companies-17"): (None, None),  # a description, not a name
    ("actor", "usdt"): (None, None),  # written in Latin in both
    ("actor", "occupation-authorities"): ("Окупаційна влада", "Оккупационные власти"),
    ("actor", "lpr-ministry-of-industry-and-trade"): (
        "Міністерство промисловості і торгівлі ЛНР",
        "Министерство промышленности и торговли ЛНР",
    ),
    ("actor", "young-guard"): ("Молода гвардія", "Молодая гвардия"),
    ("actor", "volunteer-company"): ("Волонтерська рота", "Волонтёрская рота"),
    ("actor", "eastern-human-rights-group"): ("Східна правозахисна група", "Восточная правозащитная группа"),
    ("actor", "institute-for-strategic-research-and-security"): (
        "Інститут стратегічних досліджень та безпеки",
        "Институт стратегических исследований и безопасности",
    ),
    ("actor", "vera-iastrebova"): ("Віра Ястребова", "Вера Ястребова"),
    ("actor", "xi-jinping"): ("Сі Цзіньпін", "Си Цзиньпин"),
    ("actor", "vladimir-putin"): ("Володимир Путін", "Владимир Путин"),
    ("region", "crimea"): ("Автономна Республіка Крим", "Автономная Республика Крым"),
    ("region", "donetsk"): ("Донецька область", "Донецкая область"),
    ("region", "luhansk"): ("Луганська область", "Луганская область"),
    ("region", "zaporizhzhia"): ("Запорізька область", "Запорожская область"),
    ("region", "kherson"): ("Херсонська область", "Херсонская область"),
    ("region", "occupied-territories"): ("тимчасово окуповані території", "временно оккупированные территории"),
}

UKRAINIAN_ONLY = set("іїєґІЇЄҐ")
RUSSIAN_ONLY = set("ыэёъЫЭЁЪ")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def fold(name: str) -> str:
    """What two names must differ by to be told apart: not case, diacritics, punctuation or spacing."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", name.casefold()) if not unicodedata.combining(c))
    return " ".join(re.findall(r"\w+", plain))


def names_of(db: Path) -> dict[tuple[str, str], list[str]]:
    """(kind, id) -> the record's name and aliases."""
    out: dict[tuple[str, str], list[str]] = defaultdict(list)
    for kind, table in (("actor", "actors"), ("region", "regions")):
        for id_, name in query(db, f"SELECT id, name FROM {table}"):
            out[kind, id_].append(name)
        for ref_id, alias in query(db, "SELECT ref_id, alias FROM aliases WHERE kind = ?", kind):
            out[kind, ref_id].append(alias)
    return out


def aliases_of(db: Path, kind: str, id_: str) -> set[str]:
    return {a for (a,) in query(db, "SELECT alias FROM aliases WHERE kind = ? AND ref_id = ?", kind, id_)}


def test_every_actor_and_region_is_listed_with_its_languages(built_db: Path) -> None:
    assert set(names_of(built_db)) == set(NAMES), "list each new actor or region in NAMES"


@pytest.mark.parametrize("record", sorted(NAMES), ids="/".join)
def test_ukrainian_and_russian_names_are_aliases(built_db: Path, record: tuple[str, str]) -> None:
    uk, ru = NAMES[record]
    aliases = aliases_of(built_db, *record)
    for name, foreign in ((uk, RUSSIAN_ONLY), (ru, UKRAINIAN_ONLY)):
        if name is None:
            continue
        assert name in aliases, f"{record}: {name!r} is not an alias"
        assert CYRILLIC.search(name), f"{record}: {name!r} is not in Cyrillic"
        assert not foreign & set(name), f"{record}: {name!r} has a letter of the other language"


def test_every_region_has_both_languages() -> None:
    assert all(None not in pair for (kind, _), pair in NAMES.items() if kind == "region")


def test_no_name_points_at_two_actors_or_two_regions(built_db: Path) -> None:
    owners: dict[tuple[str, str], set[str]] = defaultdict(set)
    for (kind, id_), names in names_of(built_db).items():
        for name in names:
            owners[kind, fold(name)].add(id_)
    shared = {key: ids for key, ids in owners.items() if len(ids) > 1}
    assert not shared
    # a place in the gazetteer never carries the name of a region it does not lie in
    places: dict[str, set[str]] = defaultdict(set)
    for name, region_id in query(built_db, "SELECT name, region_id FROM gazetteer"):
        places[name].add(region_id)
    for name, regions in places.items():
        assert owners.get(("region", fold(name)), set()) <= regions, name


# ------------------------------------------------------------------------------------------- as a user types


def hits(db: Path, *args: str) -> list[dict]:
    result = run_cli("search", *args, "--json", "--limit", "100", db=db)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def linked(db: Path, kind: str, id_: str) -> set[str]:
    table, column = ("evidence_actors", "actor_id") if kind == "actor" else ("evidence_regions", "region_id")
    return {e for (e,) in query(db, f"SELECT evidence_id FROM {table} WHERE {column} = ?", id_)}


@pytest.mark.parametrize(
    ("text", "kind", "id_"),
    [
        ("Крым", "region", "crimea"),
        ("Крим", "region", "crimea"),
        ("Херсонщина", "region", "kherson"),
        ("Донеччина", "region", "donetsk"),
        ("Луганщина", "region", "luhansk"),
        ("Запорожье", "region", "zaporizhzhia"),
        ("окуповані території", "region", "occupied-territories"),
        ("временно оккупированные территории", "region", "occupied-territories"),
        ("Китай", "actor", "china"),
        ("Іран", "actor", "iran"),
        ("Северная Корея", "actor", "north-korea"),
        ("Хуавей", "actor", "huawei"),
        ("Віра Ястребова", "actor", "vera-iastrebova"),
    ],
)
def test_search_a_cyrillic_name_finds_its_record_first_and_all_its_findings(
    built_db: Path, text: str, kind: str, id_: str
) -> None:
    found = hits(built_db, text)
    assert (found[0]["kind"], found[0]["id"]) == (kind, id_)
    evidence = {h["id"] for h in found if h["kind"] == "evidence"}
    assert evidence and evidence == linked(built_db, kind, id_)


def test_cyrillic_qualifiers_filter_like_ids(built_db: Path) -> None:
    by_id = {h["id"] for h in hits(built_db, "actor:china region:crimea")}
    assert by_id
    assert {h["id"] for h in hits(built_db, "actor:Китай", "region:Крим")} == by_id
    donetsk = hits(built_db, 'region:"Донецкая область"')
    assert {h["id"] for h in donetsk if h["scope"] == "specific"} == linked(built_db, "region", "donetsk")
    general = linked(built_db, "region", "occupied-territories") - linked(built_db, "region", "donetsk")
    assert {h["id"] for h in donetsk if h["scope"] == "general"} == general


def test_show_by_a_russian_or_ukrainian_name(built_db: Path) -> None:
    region = run_cli("show", "region", "Донецкая область", db=built_db)
    assert region.exit_code == 0, region.output
    assert region.output.splitlines()[0].split() == ["Donetsk", "Oblast", "donetsk"]
    actor = run_cli("show", "actor", "Китай", db=built_db)
    assert actor.exit_code == 0, actor.output
    assert actor.output.splitlines()[0].split() == ["China", "china"]


@pytest.mark.parametrize("record", sorted(NAMES), ids="/".join)
def test_show_resolves_each_language_name_to_its_record(built_db: Path, record: tuple[str, str]) -> None:
    kind, id_ = record
    for name in {n for n in NAMES[record] if n is not None}:
        result = run_cli("show", kind, name, "--json", db=built_db)
        assert result.exit_code == 0, (name, result.output)
        assert json.loads(result.stdout)["id"] == id_, name


def test_show_region_by_its_short_name_in_either_language(built_db: Path) -> None:
    for text, id_ in [
        ("Донецьк", "donetsk"),
        ("Донецк", "donetsk"),
        ("Луганськ", "luhansk"),
        ("Луганск", "luhansk"),
        ("Запоріжжя", "zaporizhzhia"),
        ("Херсон", "kherson"),
        ("Крым", "crimea"),
    ]:
        result = run_cli("show", "region", text, "--json", db=built_db)
        assert result.exit_code == 0, (text, result.output)
        assert json.loads(result.stdout)["id"] == id_, text


def test_names_are_stored_in_their_own_script(built_db: Path) -> None:
    conn = sqlite3.connect(built_db)
    try:
        aka = conn.execute("SELECT aka FROM regions WHERE id = 'crimea'").fetchone()[0]
    finally:
        conn.close()
    assert "Крим" in aka and "Крым" in aka and "Krym" in aka


# ------------------------------------------------------------------------------------------------ tagging

ARTICLE = """# Краны для порта

Маршрут Ростов-на-Дону — Таганрог — Мариуполь: краны пришли в порт Мариуполь.

Донецк, Ростовская область, — российский город, как и Донецк Ростовской области, Новороссийск и Краснодар.
Адрес: 346330, Ростовская область, г. Донецк; Ростовская обл., г. Донецк. Офис у метро Китай-город.

Вантажі йдуть через Київ, Харків і Одеса; Бєлгород, Москва, Ростовська область і Донецьк, Ростовська область.

Китай і Хуавей постачають обладнання в Енергодар; Крим і Херсонщина чекають.

Ростовская область, Донецк и Луганск.
"""


def tag_article(db: Path, tmp_path: Path, text: str) -> dict[str, set[str]]:
    """Import `text` as an article; locator -> the ids its finding is linked to."""
    path = tmp_path / "article.md"
    path.write_text(text, encoding="utf-8")
    url = "https://example.org/names-in-three-languages"
    result = run_cli("import", "article", str(path), "--url", url, db=db)
    assert result.exit_code == 0, result.output
    tagged: dict[str, set[str]] = defaultdict(set)
    for locator, ref in query(
        db,
        "SELECT e.locator, l.actor_id FROM evidence e JOIN sources s ON s.id = e.source_id "
        "JOIN evidence_actors l ON l.evidence_id = e.id WHERE s.url = ? UNION ALL "
        "SELECT e.locator, l.region_id FROM evidence e JOIN sources s ON s.id = e.source_id "
        "JOIN evidence_regions l ON l.evidence_id = e.id WHERE s.url = ?",
        url,
        url,
    ):
        tagged[locator].add(ref)
    return dict(tagged)


def test_an_article_in_russian_and_ukrainian_is_tagged_by_cyrillic_names(db: Path, tmp_path: Path) -> None:
    # para 2 and 3 name only places outside the occupied regions (Донецк of Rostov Oblast, Moscow's Китай-город);
    # para 2 calls that Донецк "российский город", which names Russia (as "a Russian town" does)
    assert tag_article(db, tmp_path, ARTICLE) == {
        "para 1": {"donetsk"},  # Mariupol; not Rostov-on-Don or Taganrog
        "para 2": {"russia"},
        "para 4": {"china", "huawei", "zaporizhzhia", "crimea", "kherson"},
        "para 5": {"donetsk", "luhansk"},  # a list naming Rostov Oblast first is not an address
    }


PLACES = [
    ("Маріуполь", {"donetsk"}),
    ("Мариуполь", {"donetsk"}),
    ("Бахмут", {"donetsk"}),
    ("Сімферополь", {"crimea"}),
    ("Симферополь", {"crimea"}),
    ("Севастополь", {"crimea"}),
    ("Керч", {"crimea"}),
    ("Керчь", {"crimea"}),
    ("Сєвєродонецьк", {"luhansk"}),
    ("Северодонецк", {"luhansk"}),
    ("Мелітополь", {"zaporizhzhia"}),
    ("Энергодар", {"zaporizhzhia"}),
    ("Бердянськ", {"zaporizhzhia"}),
    ("Нова Каховка", {"kherson"}),
    ("Новая Каховка", {"kherson"}),
    ("Донбас", {"donetsk", "luhansk"}),
    ("Донбасс", {"donetsk", "luhansk"}),
]


def test_places_tag_their_region_in_ukrainian_and_russian(db: Path, tmp_path: Path) -> None:
    text = "# Places\n\n" + "\n\n".join(f"Місце: {place}." for place, _ in PLACES)
    assert tag_article(db, tmp_path, text) == {f"para {i}": regions for i, (_, regions) in enumerate(PLACES, 1)}
