"""Tagging (importers/matcher.py, the gazetteer) and `findings import article`."""

from __future__ import annotations

import json
import random
import sqlite3
from pathlib import Path

import pytest

from importers.matcher import Matcher
from tests.conftest import ROOT, query, run_cli

ARTICLES = ROOT / "tests" / "data" / "articles"
CRANES = ARTICLES / "port-cranes.md"
NOTES = ARTICLES / "field-notes.txt"


def dataset_matcher(db: Path) -> Matcher:
    from importers.gazetteer import entity_matcher
    from store.connect import open_readonly

    conn = open_readonly(db)
    try:
        return entity_matcher(conn)
    finally:
        conn.close()


@pytest.fixture(scope="module")
def tagger(built_db: Path) -> Matcher:
    return dataset_matcher(built_db)


def tags(matcher: Matcher, text: str) -> list[str]:
    return [ref for _, ref in matcher.tags(text)]


# ------------------------------------------------------------------------------------------------ traps


def test_north_korea_is_not_korea() -> None:
    m = Matcher()
    m.add("Korea", [("actor", "korea")])
    m.add("North Korea", [("actor", "north-korea")])
    m.add("North Korean", [("actor", "north-korea")])
    assert tags(m, "North Korea sent workers; Korea did not.") == ["north-korea", "korea"]
    assert [x.text for x in m.find("North Korean engineers")] == ["North Korean"]
    assert tags(m, "South Korea's embassy") == ["korea"]


def test_dataset_traps(tagger: Matcher) -> None:
    assert tags(tagger, "North Korea's envoy met South Korea's") == ["north-korea"]
    (mention,) = tagger.find("the Donetsk People’s Republic said")
    assert mention.text == "Donetsk People’s Republic" and mention.targets == (("region", "donetsk"),)
    assert tags(tagger, "the DPR and Donetsk") == ["donetsk"]
    assert len(tagger.find("the DPR and Donetsk")) == 2
    assert tags(tagger, "Trucks left Rostov-on-Don for Novorossiysk, then Moscow and Kyiv.") == []
    assert tags(tagger, "Donetsk, Rostov Oblast, is a Russian town") == ["russia"]  # not Donetsk Oblast
    assert tags(tagger, "China's yuan and Iran’s oil") == ["china", "iran"]
    assert tags(tagger, "a restaurant in Chinatown") == []
    assert tags(tagger, "Iranian drones and Iranians") == ["iran"]
    assert tags(tagger, "North Korean workers") == ["north-korea"]
    assert tags(tagger, "Chinese-made cranes") == ["china"]
    assert tags(tagger, "Russian proxy firms") == ["russian-proxy-firms"]  # the longer name wins
    assert tags(tagger, "Kherson-based traders") == ["kherson"]
    assert tags(tagger, "ZAPORIZHZHIA and zaporižžia") == ["zaporizhzhia"]  # case and diacritics
    assert tags(tagger, "Donbas") == ["donetsk", "luhansk"]
    assert tags(tagger, "Sevastopol, Mariupol, Alchevsk, Melitopol, Nova Kakhovka") == [
        "crimea",
        "donetsk",
        "luhansk",
        "zaporizhzhia",
        "kherson",
    ]


def test_short_capitals_match_only_in_capitals() -> None:
    m = Matcher()
    m.add("US", [("actor", "united-states")])
    m.add("DPR", [("region", "donetsk")])
    assert tags(m, "Let us go") == []
    assert tags(m, "the US and the DPR") == ["united-states", "donetsk"]
    assert tags(m, "the dpr") == []


def test_blockers_hide_shorter_names() -> None:
    m = Matcher()
    m.add("Donetsk", [("region", "donetsk")])
    m.add("Donetsk, Rostov Oblast")
    assert tags(m, "Donetsk (Rostov Oblast) and Donetsk") == ["donetsk"]
    assert len(m.find("Donetsk (Rostov Oblast) and Donetsk")) == 1


def test_a_100k_alias_gazetteer_tags_the_same(tagger: Matcher, built_db: Path) -> None:
    """100,000 extra names (each a plausible company name) change nothing about what a text mentions."""
    big = dataset_matcher(built_db)
    rng = random.Random(7)
    words = ["Trans", "Agro", "Steel", "Port", "Energo", "Logistics", "Invest", "Prom", "Stroy", "Azov"]
    names = [f"{rng.choice(words)} {rng.choice(words)} {i:05d} LLC" for i in range(100_000)]
    for i, name in enumerate(names):
        big.add(name, [("actor", f"company-{i}")])
    assert len(big) > 100_000
    text = CRANES.read_text(encoding="utf-8")
    assert tags(big, text) == tags(tagger, text)
    assert tags(big, f"{text} {names[4242]} shipped grain from Yalta.") == [*tags(tagger, text), "company-4242"]


# ------------------------------------------------------------------------------------------------ import


def evidence(db: Path, source_id: str) -> dict[str, tuple]:
    rows = query(
        db, "SELECT id, claim, category, status, locator FROM evidence WHERE source_id = ? ORDER BY id", source_id
    )
    return {r[0]: r[1:] for r in rows}


def links(db: Path, evidence_id: str) -> set[str]:
    return {r[0] for r in query(db, "SELECT actor_id FROM evidence_actors WHERE evidence_id = ?", evidence_id)} | {
        r[0] for r in query(db, "SELECT region_id FROM evidence_regions WHERE evidence_id = ?", evidence_id)
    }


SOURCE = "chinese-cranes-arrive-in-occupied-mariupol"


def test_an_article_becomes_unreviewed_tagged_findings(db: Path) -> None:
    result = run_cli(
        "import", "article", str(CRANES), "--url", "https://example.org/cranes", "--published", "2025-09", db=db
    )
    assert result.exit_code == 0, result.output
    assert query(db, "SELECT title, url, published, kind FROM sources WHERE id = ?", SOURCE) == [
        ("Chinese cranes arrive in occupied Mariupol", "https://example.org/cranes", "2025-09", "news-article")
    ]
    found = evidence(db, SOURCE)
    # para 3 names only places outside the occupied regions, para 4 is a heading, para 6 mentions only Chinatown
    assert set(found) == {f"{SOURCE}-para-{n}" for n in (1, 2, 5, 7)}
    assert links(db, f"{SOURCE}-para-1") == {"donetsk"}  # the photo caption names Mariupol
    claim, category, status, locator = found[f"{SOURCE}-para-2"]
    assert claim.startswith("A shipment of gantry cranes made by SANY reached the port of Mariupol")
    assert "Donetsk People's Republic authorities" in claim and "for the DPR economy" in claim  # Markdown removed
    assert (category, status, locator) == ("other", "unreviewed", "para 2")
    assert links(db, f"{SOURCE}-para-2") == {"sany", "donetsk"}
    assert links(db, f"{SOURCE}-para-5") == {"iran", "crimea"}
    assert links(db, f"{SOURCE}-para-7") == {"north-korea", "donetsk", "luhansk"}
    assert "tagged 4 of 7 paragraph(s)" in result.stdout
    assert "iran  (Iran)" in result.stdout and "donetsk  (Donetsk Oblast)" in result.stdout


def test_the_same_article_in_decomposed_letters_is_the_same_article(db: Path, tmp_path: Path) -> None:
    """A QA run: a Ukrainian article saved in NFD (`й` as `и` + a breve) was a second source with every finding
    twice."""
    import unicodedata

    assert run_cli("import", "article", str(UK_ARTICLE), db=db).exit_code == 0
    sources, findings = query(db, "SELECT count(*) FROM sources"), query(db, "SELECT count(*) FROM evidence")
    decomposed = tmp_path / "nfd.md"
    decomposed.write_text(unicodedata.normalize("NFD", UK_ARTICLE.read_text(encoding="utf-8")), encoding="utf-8")
    again = run_cli("import", "article", str(decomposed), db=db)
    assert again.exit_code == 0, again.output
    assert query(db, "SELECT count(*) FROM sources") == sources
    assert query(db, "SELECT count(*) FROM evidence") == findings


def test_importing_again_updates_instead_of_duplicating(db: Path, tmp_path: Path) -> None:
    assert run_cli("import", "article", str(CRANES), "--url", "https://example.org/cranes", db=db).exit_code == 0
    first = evidence(db, SOURCE)
    again = run_cli("import", "article", str(CRANES), db=db)  # same text, no URL: found by its text
    assert again.exit_code == 0
    assert evidence(db, SOURCE) == first
    assert query(db, "SELECT url FROM sources WHERE id = ?", SOURCE) == [("https://example.org/cranes",)]
    assert query(db, "SELECT count(*) FROM sources") == [(3,)]

    # A reviewer curates para 5; the article is then edited (same URL): para 7 loses its names
    conn = sqlite3.connect(db)
    conn.execute("UPDATE evidence SET status = 'curated' WHERE id = ?", (f"{SOURCE}-para-5",))
    conn.commit()
    conn.close()
    edited = tmp_path / "edited.md"
    text = CRANES.read_text(encoding="utf-8").replace("North Korea's delegation visited Donbas", "A delegation came")
    edited.write_text(text.replace("Iranian traders", "Iranian merchants"), encoding="utf-8")
    result = run_cli("import", "article", str(edited), "--url", "https://example.org/cranes", db=db)
    assert result.exit_code == 0, result.output
    after = evidence(db, SOURCE)
    assert set(after) == {f"{SOURCE}-para-{n}" for n in (1, 2, 5)}
    assert after[f"{SOURCE}-para-5"] == (*first[f"{SOURCE}-para-5"][:2], "curated", "para 5")  # left as it was
    assert "1 reviewed finding(s) left as they are" in result.stdout
    assert "1 finding(s) removed" in result.stdout
    # The history keeps every field of the finding removed, its links too (it kept claim, locator, status)
    ((removed, before),) = query(
        db, "SELECT record_id, before FROM changes WHERE kind = 'evidence' AND field IS NULL AND after IS NULL"
    )
    kept = json.loads(before)
    assert removed == f"{SOURCE}-para-7"
    assert {"claim", "category", "source_id", "locator", "status", "lang", "actors", "regions"} <= kept.keys()
    assert kept["source_id"] == SOURCE and ["north-korea", None] in kept["actors"]


def test_dry_run_prints_paragraphs_with_tags_and_writes_nothing(db: Path) -> None:
    before = db.read_bytes()
    result = run_cli("import", "article", str(CRANES), "--dry-run", db=db)
    assert result.exit_code == 0
    assert db.read_bytes() == before
    out = result.stdout
    assert "-> new source chinese-cranes-arrive-in-occupied-mariupol" in out
    assert "para 2: [sany, donetsk]" in out
    assert "para 3: [-]" in out and "Rostov-on-Don" in out
    assert "para 4: [heading]" in out
    assert "would be inserted" in out


def test_plain_text_one_paragraph_per_line_and_a_given_title(db: Path) -> None:
    result = run_cli("import", "article", str(NOTES), "--source-title", "Field notes, spring", db=db)
    assert result.exit_code == 0, result.output
    ((source, title),) = query(db, "SELECT id, title FROM sources WHERE title LIKE 'Field notes%'")
    assert (source, title) == ("field-notes-spring", "Field notes, spring")
    found = evidence(db, source)
    # the first line ("Grain corridor notes") is not the given title, so it is para 1
    assert set(found) == {f"{source}-para-2", f"{source}-para-3"}
    assert links(db, f"{source}-para-2") == {"zaporizhzhia"}  # Berdyansk; Novorossiysk is not occupied
    assert links(db, f"{source}-para-3") == {"huawei", "crimea"}


def test_hostile_text_is_data(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "nasty.txt"
    path.write_text("[@click=app.quit] headline\n\nChina \x1b[2J cleared the screen [link=x]here[/link].\n", "utf-8")
    result = run_cli("import", "article", str(path), "--dry-run", db=db)
    assert result.exit_code == 0
    assert "\x1b" not in result.stdout
    assert "[@click=app.quit] headline" in result.stdout


@pytest.mark.parametrize(
    ("args", "data", "message"),
    [
        ((), b"", "is empty"),
        ((), b"  \n\n", "is empty"),
        ((), b"Title\n\nCaf\xe9 in Yalta\n", "is not valid UTF-8"),
        ((), b"Title\n\nNUL\x00 in Yalta\n", "contains a NUL byte"),
        (("--url", "not a url"), b"Title\n\nYalta\n", "field '--url'"),
        (("--published", "2025-13-01"), b"Title\n\nYalta\n", "month 13 does not exist"),
    ],
)
def test_bad_input_fails_cleanly(db: Path, tmp_path: Path, args: tuple[str, ...], data: bytes, message: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(data)
    before = db.read_bytes()
    result = run_cli("import", "article", str(path), *args, db=db)
    assert result.exit_code == 1
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert db.read_bytes() == before


def test_one_title_for_several_files_is_refused(db: Path) -> None:
    result = run_cli("import", "article", str(CRANES), str(NOTES), "--source-title", "X", db=db)
    assert result.exit_code != 0 and "one file at a time" in result.output


# ------------------------------------------------------------------------------------------------ gazetteer


def test_the_gazetteer_is_data_in_the_database(built_db: Path) -> None:
    rows = query(built_db, "SELECT region_id FROM gazetteer WHERE name = 'Donbas' ORDER BY region_id")
    assert rows == [("donetsk",), ("luhansk",)]
    assert query(built_db, "SELECT region_id FROM gazetteer WHERE name = 'Sevastopol'") == [("crimea",)]
    outside = {"Rostov-on-Don", "Novorossiysk", "Moscow", "Kyiv"}
    assert not query(built_db, f"SELECT name FROM gazetteer WHERE name IN ({','.join('?' * 4)})", *outside)


def test_users_extend_the_gazetteer(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "places.yaml"
    path.write_text("gazetteer:\n  - {name: Kamianka-Dniprovska, regions: [zaporizhzhia]}\n", encoding="utf-8")
    result = run_cli("import", "yaml", str(path), db=db)
    assert result.exit_code == 0, result.output
    assert "gazetteer" in result.stdout
    assert tags(dataset_matcher(db), "Trucks reached Kamianka-Dniprovska") == ["zaporizhzhia"]
    again = run_cli("import", "yaml", str(path), db=db)
    assert query(db, "SELECT count(*) FROM gazetteer WHERE name = 'Kamianka-Dniprovska'") == [(1,)]
    assert "unchanged" in again.stdout


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("{name: Atlantis, regions: [atlantis]}", "unknown region 'atlantis'"),
        ("{name: Nowhere, regions: []}", "must name at least one region"),
        ("{name: Yalta}", "field 'regions': is required"),
        ("{name: Yalta, regions: [crimea], population: 1}", "field 'population': unknown field"),
    ],
)
def test_bad_gazetteer_entries(db: Path, tmp_path: Path, entry: str, message: str) -> None:
    path = tmp_path / "places.yaml"
    path.write_text(f"gazetteer:\n  - {entry}\n", encoding="utf-8")
    before = db.read_bytes()
    result = run_cli("import", "yaml", str(path), db=db)
    assert result.exit_code == 1
    assert message in result.stderr and f"{path}:2" in result.stderr
    assert db.read_bytes() == before


def test_duplicate_gazetteer_names(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "places.yaml"
    path.write_text("gazetteer:\n  - {name: Yalta, regions: [crimea]}\n  - {name: YALTA, regions: [crimea]}\n", "utf-8")
    result = run_cli("import", "yaml", str(path), db=db)
    assert result.exit_code == 1 and "duplicate gazetteer name" in result.stderr


# ----------------------------------------------------------------------------------- Ukrainian and Russian

UK_ARTICLE = ARTICLES / "uk-berdiansk-port.md"
RU_ARTICLE = ARTICLES / "ru-mariupol-deliveries.md"


def tagged_paragraphs(db: Path, source_id: str) -> dict[str, set[str]]:
    return {locator: links(db, id_) for id_, (_, _, _, locator) in evidence(db, source_id).items()}


def test_a_ukrainian_article_is_tagged_in_every_word_form(db: Path) -> None:
    result = run_cli("import", "article", str(UK_ARTICLE), db=db)
    assert result.exit_code == 0, result.output
    (source_id,) = [
        r[0] for r in query(db, "SELECT id FROM sources WHERE title = 'Китайські крани в порту Бердянська'")
    ]
    assert tagged_paragraphs(db, source_id) == {
        # китайські (a demonym), Бердянськ (a place), окупаційна влада, Запорізької області
        "para 1": {"china", "zaporizhzhia", "occupation-authorities"},
        # para 2: Ростов-на-Дону and Москва are outside the occupied regions
        "para 3": {"iran", "donetsk", "kherson"},  # Іранська; у Маріуполі; на Херсонщині
        # para 4: Кримський is a surname, Херсонес is not Херсон
        "para 5": {"crimea", "russia"},  # Кримського півострова; Крим; Росія
        # para 6: Київ, Харків, Одеса tag nothing
        "para 7": {"huawei", "kherson", "donetsk"},  # Хуавею; у Новій Каховці; у Волновасі
        "para 8": {"huawei", "luhansk"},  # a look-alike Cyrillic а inside Huawei; у Луганську
        "para 9": {"china"},  # Кримінальна is no Крим
    }
    assert query(db, "SELECT DISTINCT lang FROM evidence WHERE source_id = ?", source_id) == [("uk",)]
    assert query(db, "SELECT lang FROM sources WHERE id = ?", source_id) == [("uk",)]
    assert "Hu\u0430wei" in result.output and "mix Latin and Cyrillic" in result.output


def test_a_russian_article_is_tagged_in_every_word_form(db: Path) -> None:
    result = run_cli("import", "article", str(RU_ARTICLE), db=db)
    assert result.exit_code == 0, result.output
    (source_id,) = [r[0] for r in query(db, "SELECT id FROM sources WHERE title = 'Поставки в Мариуполь'")]
    assert tagged_paragraphs(db, source_id) == {
        "para 1": {"china", "donetsk"},  # Китайские; Мариуполя (not Таганрог)
        # para 2: Ростов-на-Дону, Москва and Moscow's Китай-город tag nothing
        "para 3": {"luhansk", "zaporizhzhia", "iran"},  # в Луганске; Запорожской области; иранские
        "para 4": {"crimea"},  # под Севастополем; Херсонес is not Херсон
        "para 5": {"crimea", "donetsk", "russia"},  # в Крыму; Донецкой Народной Республике; российские
        "para 6": {"north-korea", "donetsk", "luhansk"},  # Северная Корея; Донбасс
        "para 7": {"huawei", "kherson"},  # Хуавэй; в Новую Каховку
    }
    assert query(db, "SELECT DISTINCT lang FROM evidence WHERE source_id = ?", source_id) == [("ru",)]


def test_a_one_word_name_in_a_form_its_stem_cuts_too_far_is_tagged(db: Path, tmp_path: Path) -> None:
    """The Russian genitive Китая (from China) lost -ая, as an adjective's ending: no paragraph saying "из
    Китая" was tagged China. A whale (кита) is still no China, nor Moscow's Китай-город."""
    path = tmp_path / "kitaya.md"
    path.write_text(
        "# Поставки\n\nПоставки из Китая в Крым.\n\nСделка Китая и России.\n\nГлаза кита.\n\nОфис в Китай-городе.\n",
        encoding="utf-8",
    )
    result = run_cli("import", "article", str(path), db=db)
    assert result.exit_code == 0, result.output
    (source_id,) = [r[0] for r in query(db, "SELECT id FROM sources WHERE title = 'Поставки'")]
    tagged = tagged_paragraphs(db, source_id)
    assert tagged["para 1"] == {"china", "crimea"} and tagged["para 2"] == {"china", "russia"}
    assert not tagged.get("para 3") and not tagged.get("para 4"), tagged


def test_lang_option_sets_the_language(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("Field notes\n\nSANY cranes in Mariupol.\n", encoding="utf-8")
    assert run_cli("import", "article", str(path), "--lang", "UK", db=db).exit_code == 0
    assert query(
        db, "SELECT DISTINCT e.lang FROM evidence e JOIN sources s ON s.id = e.source_id WHERE s.title = 'Field notes'"
    ) == [("uk",)]
    bad = run_cli("import", "article", str(path), "--lang", "Ukrainian!", db=db)
    assert bad.exit_code == 1 and "--lang" in bad.output and "language code" in bad.output


def test_paragraphs_read_as_a_list_of_paragraphs(tmp_path: Path) -> None:
    """An article's paragraphs are kept as columns; read, indexed and sliced, they are what a list would give."""
    from importers.article import Paragraph, read_article

    path = tmp_path / "a.md"
    path.write_text("# Title\n\nFirst one.\n\n## Part\n\nSecond\nof two lines.\n\n---\n\nLast.\n", encoding="utf-8")
    paragraphs = read_article(str(path)).paragraphs
    expected = [
        Paragraph(1, 3, "First one.", False, 3),
        Paragraph(2, 5, "Part", True, 5),
        Paragraph(3, 7, "Second of two lines.", False, 8),
        Paragraph(4, 12, "Last.", False, 12),
    ]
    assert list(paragraphs) == expected and len(paragraphs) == 4
    assert [paragraphs[i] for i in range(-4, 4)] == expected + expected
    assert paragraphs[1:3] == expected[1:3]
    with pytest.raises(IndexError):
        paragraphs[4]
    one_line = tmp_path / "b.md"  # one-line paragraphs: line numbers counted, not listed
    one_line.write_text("# Title\n\nFirst one.\n\n## Part\n\nLast.\n", encoding="utf-8")
    assert list(read_article(str(one_line)).paragraphs) == [
        Paragraph(1, 3, "First one.", False, 3),
        Paragraph(2, 5, "Part", True, 5),
        Paragraph(3, 7, "Last.", False, 7),
    ]
    assert read_article(str(one_line)).paragraphs == read_article(str(one_line)).paragraphs


@pytest.mark.parametrize("suffix", [".md", ".txt"])
def test_an_article_written_with_combining_accents_is_tagged_as_the_precomposed_one(
    db: Path, tmp_path: Path, suffix: str
) -> None:
    """NFD text (`й` as `и` and a breve, as some editors and macOS write it): the same tags, and the title and
    claims stored in NFC; the capture keeps the text as it came."""
    import unicodedata

    text = (
        "# Звіт про Херсонщину\n\n"
        "У Херсонській області та Запорізькій області працюють китайські й іранські компанії.\n"
    )
    nfd = unicodedata.normalize("NFD", text)
    assert nfd != text
    outputs = []
    for name, body in (("nfc", text), ("nfd", nfd)):
        path = tmp_path / f"{name}{suffix}"
        path.write_text(body, encoding="utf-8")
        result = run_cli("import", "article", str(path), "--dry-run", db=db)
        assert result.exit_code == 0, result.output
        outputs.append(result.stdout.replace(f"{name}{suffix}", "FILE"))
    assert "para 1: [kherson, zaporizhzhia, china, iran]" in outputs[0]
    assert outputs[1] == outputs[0]
    path = tmp_path / f"nfd{suffix}"
    assert run_cli("import", "article", str(path), db=db).exit_code == 0
    (title,) = query(db, "SELECT title FROM sources WHERE title LIKE '%Звіт%'")[0]
    claims = [c for (c,) in query(db, "SELECT claim FROM evidence WHERE claim LIKE 'У Херсонській%'")]
    assert title.removeprefix("# ") == "Звіт про Херсонщину" and claims == [
        unicodedata.normalize("NFC", text.splitlines()[2])
    ]
