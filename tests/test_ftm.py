"""`findings import ftm` and the FtM export: mappings, warnings, errors, re-imports, the round trip, streaming."""

from __future__ import annotations

import io
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from store import schema
from tests.conftest import ROOT, content, one, query, run_cli

DATA = ROOT / "tests" / "data" / "ftm"
SCENARIO = DATA / "scenario.ijson"
WARNINGS = DATA / "warnings.ijson"


def ref(db: Path, ftm_id: str) -> str:
    return one(db, "SELECT ref_id FROM external_ids WHERE system = 'ftm' AND external_id = ?", ftm_id)  # type: ignore[return-value]


def write_lines(path: Path, entities: list[dict | str]) -> Path:
    path.write_text("".join((e if isinstance(e, str) else json.dumps(e)) + "\n" for e in entities), encoding="utf-8")
    return path


def ent(ident: str, schema: str, **props: object) -> dict:
    return {
        "id": ident,
        "schema": schema,
        "properties": {k: v if isinstance(v, list) else [v] for k, v in props.items()},
    }


# ---------------------------------------------------------------------------------------- the done-when scenario


def test_broken_line_fails_naming_it_and_writes_nothing(db: Path) -> None:
    before = db.read_bytes()
    result = run_cli("import", "ftm", str(SCENARIO), db=db)
    assert result.exit_code == 1
    assert f"{SCENARIO}:7: invalid JSON" in result.stderr
    assert "--skip-invalid" in result.stderr
    assert "Traceback" not in result.output
    assert db.read_bytes() == before


def test_skip_invalid_imports_the_rest(db: Path) -> None:
    result = run_cli("import", "ftm", str(SCENARIO), "--skip-invalid", db=db)
    assert result.exit_code == 0, result.output
    assert f"{SCENARIO}:7: invalid JSON" in result.stderr  # the skipped line is reported

    krymtekh, boyuan = ref(db, "co-krymtekh"), ref(db, "co-boyuan")
    marchenko, liwei = ref(db, "p-marchenko"), ref(db, "p-liwei")
    assert (krymtekh, boyuan, marchenko, liwei) == (
        "krymtekh-logistics-llc",
        "shenzhen-boyuan-heavy-machinery-co-ltd",
        "oleg-marchenko",
        "li-wei",
    )
    assert one(db, "SELECT name, kind, country FROM actors WHERE id = ?", krymtekh) == (
        "Krymtekh Logistics LLC",
        "company",
        "RU",
    )
    assert one(db, "SELECT kind, country, summary FROM actors WHERE id = ?", boyuan) == (
        "company",
        "CN",
        "Maker of port cranes.",
    )
    assert one(db, "SELECT kind, country FROM actors WHERE id = ?", marchenko) == ("person", "RU")
    assert one(db, "SELECT alias FROM aliases WHERE ref_id = ?", boyuan) == "Boyuan Machinery"

    relations = set(query(db, 'SELECT subject_id, object_id, kind, role, start, "end" FROM relations'))
    assert (marchenko, krymtekh, "owns", "75%", "2019-03-01", None) in relations
    assert (boyuan, krymtekh, "owns", "shareholder, 25%", "2021", None) in relations
    assert (marchenko, krymtekh, "director-of", "Director", None, None) in relations
    assert not any(r[0] == liwei for r in relations)  # its directorship was the broken line

    sanction = ref(db, "san-1")
    assert one(db, "SELECT claim, category, status, date FROM evidence WHERE id = ?", sanction) == (
        "Sanction by Council of the European Union under EU Crimea, from 2023-02-25: Operates port logistics in "
        "occupied Crimea.",
        "sanctions",
        "unreviewed",
        "2023-02-25",
    )
    assert query(db, "SELECT actor_id, role FROM evidence_actors WHERE evidence_id = ?", sanction) == [
        (krymtekh, "sanctioned")
    ]
    assert one(db, "SELECT date FROM evidence WHERE id = ?", ref(db, "san-2")) == "2022-09-30"

    event = ref(db, "ev-cranes")
    claim, status, date, source = one(db, "SELECT claim, status, date, source_id FROM evidence WHERE id = ?", event)
    assert claim.startswith("Cranes delivered to Sevastopol port. Two gantry cranes")
    assert (status, date) == ("unreviewed", "2024-06-12")
    assert query(db, "SELECT region_id FROM evidence_regions WHERE evidence_id = ?", event) == [("crimea",)]
    assert {r[0] for r in query(db, "SELECT actor_id FROM evidence_actors WHERE evidence_id = ?", event)} == {
        boyuan,
        krymtekh,
    }
    # the Documentation names the Event's source: the Article
    assert one(db, "SELECT title, publisher, authors, url, published, kind FROM sources WHERE id = ?", source) == (
        "Chinese cranes reach Sevastopol",
        "Black Sea Monitor",
        "A. Reporter",
        "https://example.org/cranes-sevastopol",
        "2024-06-20",
        "news-article",
    )
    # a sanction with no document of its own cites the file
    assert one(db, "SELECT s.title FROM evidence e JOIN sources s ON s.id = e.source_id WHERE e.id = ?", sanction) == (
        "FollowTheMoney file scenario.ijson"
    )
    # an address in Simferopol links the company to Crimea
    location = one(
        db, "SELECT evidence_id FROM evidence_actors WHERE actor_id = ? AND evidence_id LIKE '%location'", krymtekh
    )
    assert query(db, "SELECT region_id FROM evidence_regions WHERE evidence_id = ?", location) == [("crimea",)]
    assert "Simferopol, Kyivska St 12" in one(db, "SELECT claim FROM evidence WHERE id = ?", location)  # type: ignore[operator]


def test_importing_again_adds_nothing(db: Path) -> None:
    assert run_cli("import", "ftm", str(SCENARIO), "--skip-invalid", db=db).exit_code == 0
    counts = [one(db, f"SELECT count(*) FROM {t}") for t in ("actors", "evidence", "relations", "sources", "aliases")]
    again = run_cli("import", "ftm", str(SCENARIO), "--skip-invalid", db=db)
    assert again.exit_code == 0
    assert [
        one(db, f"SELECT count(*) FROM {t}") for t in ("actors", "evidence", "relations", "sources", "aliases")
    ] == counts
    logged = json.loads(one(db, "SELECT counts FROM imports ORDER BY id DESC LIMIT 1"))  # type: ignore[arg-type]
    assert all(row["inserted"] == 0 and row["updated"] == 0 for row in logged.values()), logged


@pytest.mark.skipif(not (ROOT / "cli" / "show.py").exists(), reason="findings show is not there yet")
def test_show_lists_the_new_actor_with_relations_and_the_event_in_crimea(db: Path) -> None:
    assert run_cli("import", "ftm", str(SCENARIO), "--skip-invalid", db=db).exit_code == 0
    shown = run_cli("show", "actor", "krymtekh-logistics-llc", db=db)
    assert shown.exit_code == 0, shown.output
    assert "Krymtekh Logistics LLC" in shown.output
    assert "Oleg Marchenko" in shown.output  # owner and director
    event = run_cli("show", "evidence", ref(db, "ev-cranes"), db=db)
    assert event.exit_code == 0, event.output
    assert "Cranes delivered to Sevastopol port" in event.output and "Crimea" in event.output
    assert "unreviewed" in event.output


def test_dry_run_reports_and_writes_nothing(db: Path) -> None:
    before = db.read_bytes()
    result = run_cli("import", "ftm", str(SCENARIO), "--skip-invalid", "--dry-run", db=db)
    assert result.exit_code == 0
    assert "would be inserted" in result.stdout
    assert db.read_bytes() == before


def test_standard_input(db: Path) -> None:
    result = run_cli("import", "ftm", "-", db=db, input=WARNINGS.read_text(encoding="utf-8"))
    assert result.exit_code == 0, result.output
    assert one(db, "SELECT name FROM actors WHERE id = ?", ref(db, "c-1")) == "Azov Grain Terminal JSC"
    assert one(db, "SELECT title FROM sources WHERE id = 'ftm-stdin'") == "FollowTheMoney file stdin"


# ---------------------------------------------------------------------------------------------- mappings


def test_actor_schemas_and_fields(empty_db: Path, tmp_path: Path) -> None:
    path = write_lines(
        tmp_path / "actors.ftm",
        [
            ent("a", "Person", name=["Hu Ming", "Ming Hu"], alias="H. Ming", previousName="Hu Xiaoming", country="CHN"),
            ent("b", "Organization", name="Friends of Tavria", summary="A charity.", description="Founded 2015."),
            ent("c", "PublicBody", name="Ministry of Trade of Examplestan", jurisdiction="Iran", topics="gov.national"),
            ent("d", "PublicBody", name="Republic of Moldova", topics=["gov.national"]),
            ent("e", "LegalEntity", name="Unknown Holdings", mainCountry="kp", weakAlias="UH"),
            ent("f", "Person", firstName="Ivan", lastName="Petrenko", nationality="ua"),
        ],
    )
    assert run_cli("import", "ftm", str(path), db=empty_db).exit_code == 0
    rows = {r[0]: r[1:] for r in query(empty_db, "SELECT id, name, kind, country, summary FROM actors")}
    assert rows["hu-ming"] == ("Hu Ming", "person", "CN", None)
    assert rows["friends-of-tavria"] == ("Friends of Tavria", "organization", None, "A charity.\n\nFounded 2015.")
    assert rows["ministry-of-trade-of-examplestan"][1:3] == ("organization", "IR")  # a ministry, not a state
    assert rows["republic-of-moldova"][1] == "state"
    assert rows["unknown-holdings"][1:3] == ("organization", "KP")
    assert rows["ivan-petrenko"][:3] == ("Ivan Petrenko", "person", "UA")
    aliases = {a for (a,) in query(empty_db, "SELECT alias FROM aliases WHERE ref_id = 'hu-ming'")}
    assert aliases == {"Ming Hu", "H. Ming", "Hu Xiaoming"}


@pytest.mark.parametrize(
    ("schema", "props", "kind", "role"),
    [
        ("Ownership", {"owner": "p", "asset": "o", "role": "beneficial owner"}, "owns", "beneficial owner"),
        ("Directorship", {"director": "p", "organization": "o", "role": "CEO"}, "director-of", "CEO"),
        ("Membership", {"member": "p", "organization": "o", "role": "board member"}, "member-of", "board member"),
        ("Employment", {"employee": "p", "employer": "o", "role": "engineer"}, "employed-by", "engineer"),
        ("Representation", {"agent": "p", "client": "o"}, "represents", None),
        ("Control", {"controller": "p", "controlled": "o", "controlType": "voting"}, "controls", "voting"),
        (
            "Associate",
            {"person": "p", "associate": "o", "relationship": "business partner"},
            "associate-of",
            "business partner",
        ),
        ("Family", {"person": "p", "relative": "o", "relationship": "brother"}, "family-of", "brother"),
        ("UnknownLink", {"subject": "p", "object": "o", "role": "supplier"}, "linked-to", "supplier"),
    ],
)
def test_relation_schemas(
    empty_db: Path, tmp_path: Path, schema: str, props: dict, kind: str, role: str | None
) -> None:
    path = write_lines(
        tmp_path / "rel.ftm",
        [
            ent("p", "Person", name="Petro Example"),
            ent("o", "Company", name="Example Trade LLC"),
            ent("r", schema, startDate="2020-01-15", endDate="2022", **props),
        ],
    )
    result = run_cli("import", "ftm", str(path), db=empty_db)
    assert result.exit_code == 0, result.output
    assert query(empty_db, 'SELECT subject_id, object_id, kind, role, start, "end" FROM relations') == [
        ("petro-example", "example-trade-llc", kind, role, "2020-01-15", "2022")
    ]


def test_notes_territories_addresses_and_fragments(db: Path) -> None:
    result = run_cli("import", "ftm", str(WARNINGS), db=db)
    assert result.exit_code == 0, result.output
    terminal = ref(db, "c-1")
    # Address entity in Berdiansk -> Zaporizhzhia; bad country value dropped with a warning
    assert one(db, "SELECT country FROM actors WHERE id = ?", terminal) is None
    location = one(
        db, "SELECT evidence_id FROM evidence_actors WHERE actor_id = ? AND evidence_id LIKE '%location'", terminal
    )
    assert query(db, "SELECT region_id FROM evidence_regions WHERE evidence_id = ?", location) == [("zaporizhzhia",)]
    # an Event whose date is impossible keeps its other fields; `location` text names the region; nested refs work
    event = ref(db, "ev-bad-date")
    assert one(db, "SELECT date FROM evidence WHERE id = ?", event) is None
    assert query(db, "SELECT region_id FROM evidence_regions WHERE evidence_id = ?", event) == [("zaporizhzhia",)]
    assert query(db, "SELECT actor_id FROM evidence_actors WHERE evidence_id = ?", event) == [(terminal,)]
    # fragments of one entity merge (LegalEntity + Company -> Company)
    assert one(db, "SELECT name, kind, country FROM actors WHERE id = ?", ref(db, "frag-1")) == (
        "Melitopol Agro Holding",
        "company",
        "UA",
    )
    assert one(db, "SELECT alias FROM aliases WHERE ref_id = ?", ref(db, "frag-1")) == "MAH"
    # a Territory with a known code stands for the existing region, which is left as it is
    assert one(db, "SELECT count(*) FROM regions") == 6  # the five and the occupied territories as a whole
    assert one(db, "SELECT occupied_since FROM regions WHERE id = 'crimea'") == "2014"
    # a national public body that is not named as a country is an organization (a ministry), not a state
    assert one(db, "SELECT kind FROM actors WHERE id = ?", ref(db, "pb-1")) == "organization"


def test_names_never_overwrite_existing_rows(db: Path, tmp_path: Path) -> None:
    """A Company called Huawei is not our `huawei` (no merging by name): it gets a slug with a hash."""
    curated = one(db, "SELECT name, summary FROM actors WHERE id = 'huawei'")
    path = write_lines(tmp_path / "h.ftm", [ent("hw-1", "Company", name="Huawei", summary="Imported")])
    assert run_cli("import", "ftm", str(path), db=db).exit_code == 0
    new = ref(db, "hw-1")
    assert new.startswith("huawei-") and new != "huawei"
    assert one(db, "SELECT name, summary FROM actors WHERE id = 'huawei'") == curated


def test_non_latin_names_and_missing_names(empty_db: Path, tmp_path: Path) -> None:
    path = write_lines(
        tmp_path / "c.ftm",
        [
            ent("c1", "Company", name="ООО «Крымская энергия»"),
            ent("n1", "Note", description="Seen at the port.", entity="c1"),
            ent("n2", "Note", entity="c1"),
        ],
    )
    result = run_cli("import", "ftm", str(path), db=empty_db)
    assert result.exit_code == 0
    assert ref(empty_db, "c1") == "ooo-krymskaya-energiya"
    assert ref(empty_db, "n1").startswith("note-")
    assert "skipped: Note without any text" in result.stderr


def test_a_nul_in_a_name_is_dropped_as_ftm_drops_it(empty_db: Path, tmp_path: Path) -> None:
    """A QA run: a Person named `Ivan\\u0000Petrov` was skipped as "Person without a name". The followthemoney
    library reads that name as IvanPetrov (its cleaning drops the NUL): so does the import, in every value."""
    path = write_lines(
        tmp_path / "nul.ftm",
        [ent("p1", "Person", name="Ivan\x00Petrov", nationality="ua"), ent("p2", "Person", name="\x00Olha\x00")],
    )
    assert "\\u0000" in path.read_text(encoding="utf-8")
    result = run_cli("import", "ftm", str(path), db=empty_db)
    assert result.exit_code == 0, result.output
    assert "without a name" not in result.stderr
    assert query(empty_db, "SELECT name FROM actors ORDER BY name") == [("IvanPetrov",), ("Olha",)]


def test_an_address_the_import_does_not_hold_is_warned_of(empty_db: Path, tmp_path: Path) -> None:
    """A QA run: a Company whose addressEntity named an Address not in the file lost the reference silently.
    It is warned of and links no region; the export leaves it out (every reference of an export resolves in it,
    test_ftm_library)."""
    path = write_lines(tmp_path / "c.ftm", [ent("c1", "Company", name="Krym Port LLC", addressEntity="addr-x")])
    result = run_cli("import", "ftm", str(path), db=empty_db)
    assert result.exit_code == 0, result.output
    assert "1 × addressEntity naming no Address of this import" in result.stderr
    assert "c.ftm:1: Company 'c1': addressEntity addr-x" in result.stderr
    assert query(empty_db, "SELECT count(*) FROM evidence_regions") == [(0,)]
    out = tmp_path / "out.ftm.json"
    assert run_cli("export", "ftm", "-o", str(out), db=empty_db).exit_code == 0
    (company,) = [e for e in map(json.loads, out.read_text(encoding="utf-8").splitlines()) if e["id"] == "c1"]
    assert "addressEntity" not in company["properties"]


def test_every_value_left_out_is_warned_of(empty_db: Path, tmp_path: Path) -> None:
    """A QA run: a percentage of 150, a date `весна 2024` and a birthDate 1970-02-30 vanished without a word
    (2025-02-30 in an endDate was warned of). Each is listed, naming line, entity, property and why."""
    path = write_lines(
        tmp_path / "p.ftm",
        [
            ent("a", "Company", name="Azov Grain"),
            ent("b", "Company", name="Qingdao Holdings"),
            ent("o", "Ownership", owner="b", asset="a", percentage="150", startDate="весна 2024"),
            ent("p", "Person", name="Ivan Test", birthDate="1970-02-30"),
        ],
    )
    result = run_cli("import", "ftm", str(path), db=empty_db)
    assert result.exit_code == 0, result.output
    assert "p.ftm:3: Ownership 'o': percentage: '150' is not a percentage (a number from 0 to 100)" in result.stderr
    assert "p.ftm:3: Ownership 'o': startDate: 'весна 2024' is not a date" in result.stderr
    assert "p.ftm:4: Person 'p': birthDate: '1970-02-30': day 30 does not exist" in result.stderr


def test_a_payment_says_its_amount_whole_and_an_infinite_one_is_warned_of(empty_db: Path, tmp_path: Path) -> None:
    """A QA run: a 32-digit amount read `Payment of 1e+32 RUB`, and `1e400` made a payment with no figure and
    no word about it."""
    path = write_lines(
        tmp_path / "pay.ftm",
        [
            ent("c1", "Company", name="Azov Grain"),
            ent("p1", "Payment", amount="9" * 32, currency="RUB", purpose="grain", payer="c1"),
            ent("p2", "Payment", amount="1e400", currency="RUB", purpose="coal", payer="c1"),
        ],
    )
    result = run_cli("import", "ftm", str(path), db=empty_db)
    assert result.exit_code == 0, result.output
    claims = [c for (c,) in query(empty_db, "SELECT claim FROM evidence WHERE claim LIKE 'Payment%' ORDER BY claim")]
    assert f"Payment of {int('9' * 32):,} RUB from Azov Grain: grain" in claims
    assert "pay.ftm:3: Payment 'p2': amount: '1e400' is not a finite number" in result.stderr


# ---------------------------------------------------------------------------------------------- warnings


def test_warnings_are_counted_and_listed(db: Path) -> None:
    result = run_cli("import", "ftm", str(WARNINGS), db=db)
    assert result.exit_code == 0
    err = result.stderr
    assert "unknown schemas (skipped)\n           Spaceship (1)" in err
    assert "unknown properties (ignored)\n           Company.fooBar (1)" in err
    assert "Ownership 'own-ghost': owner 'ghost-company' is neither in the file nor the database" in err
    assert "Sanction 'san-ghost'" in err and "skipped: findings whose entities are neither" in err
    assert "skipped: Company without a name" in err
    assert "'Atlantis' is not a known country" in err
    assert "month 13 does not exist" in err
    assert "records: 14 read = " in err  # every record accounted for
    # a Vessel is an actor now, and the ownership of it a relation
    vessel = ref(db, "v-1")
    assert one(db, "SELECT name, kind FROM actors WHERE id = ?", vessel) == ("Sea Breeze", "vessel")
    assert query(db, "SELECT kind FROM relations WHERE object_id = ?", vessel) == [("owns",)]
    assert one(db, "SELECT count(*) FROM relations WHERE subject_id LIKE 'ghost%' OR object_id LIKE 'ghost%'") == 0


def test_a_date_refused_on_import_is_warned_of_once_and_not_exported(empty_db: Path, tmp_path: Path) -> None:
    """A Sanction's startDate 2024-02-30 was warned of twice ('2 x invalid startDate values (skipped)', the same
    line both times) and yet written back by `export ftm`. Found by a QA run."""
    path = write_lines(
        tmp_path / "s.ijson",
        [
            ent("co", "Company", name="Example Silk Road LLC"),
            ent("san", "Sanction", entity="co", authority="NSDC", startDate="2024-02-30", endDate="2025-01-31"),
        ],
    )
    result = run_cli("import", "ftm", str(path), db=empty_db)
    assert result.exit_code == 0, result.output
    assert "1 × invalid startDate values (skipped)" in result.stderr
    assert result.stderr.count("day 30 does not exist in 2024-02") == 1, result.stderr
    exported = run_cli("export", "ftm", db=empty_db).stdout
    sanctions = [e for e in map(json.loads, exported.splitlines()) if e["schema"] == "Sanction"]
    assert sanctions and all("2024-02-30" not in json.dumps(e) for e in sanctions), sanctions
    assert any(e["properties"].get("endDate") == ["2025-01-31"] for e in sanctions), sanctions


def test_several_relations_between_one_pair_each_keep_a_row(empty_db: Path, tmp_path: Path) -> None:
    path = write_lines(
        tmp_path / "d.ftm",
        [
            ent("p", "Person", name="Anna Example"),
            ent("o", "Company", name="Example LLC"),
            ent("r1", "Ownership", owner="p", asset="o", percentage="10"),
            ent("r2", "Ownership", owner="p", asset="o", percentage="20"),
        ],
    )
    result = run_cli("import", "ftm", str(path), db=empty_db)
    assert result.exit_code == 0
    assert sorted(query(empty_db, "SELECT role, percentage FROM relations")) == [("10%", "10"), ("20%", "20")]
    assert "twice" not in result.stderr


# ---------------------------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"id": "x", "schema": "Company", "properties": {"name": ["A"]', "invalid JSON"),
        ('["not", "an", "object"]', "is not a JSON object but a list"),
        ('{"schema": "Company", "properties": {}}', "lacks an `id`"),
        ('{"id": "", "schema": "Company", "properties": {}}', "lacks an `id`"),
        ('{"id": "x", "properties": {}}', "lacks a `schema`"),
        ('{"id": "x", "schema": "Company", "properties": ["name"]}', "`properties` must be an object of lists"),
        ('{"id": "x", "schema": "Company", "properties": {"name": "A"}}', "`properties.name` must be a list"),
        ('{"id": "x", "schema": "Company", "properties": {"name": [null]}}', "holds nothing where text is expected"),
        ("[" * 100_000, "nested too deeply"),
    ],
)
def test_bad_lines_fail_with_file_and_line(db: Path, tmp_path: Path, line: str, message: str) -> None:
    path = write_lines(tmp_path / "bad.ftm", [ent("ok", "Company", name="Fine LLC"), line])
    before = db.read_bytes()
    result = run_cli("import", "ftm", str(path), db=db)
    assert result.exit_code == 1
    assert f"{path}:2: " in result.stderr and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert db.read_bytes() == before
    skipped = run_cli("import", "ftm", str(path), "--skip-invalid", db=db)
    assert skipped.exit_code == 0
    assert f"{path}:2: " in skipped.stderr
    assert one(db, "SELECT count(*) FROM actors WHERE name = 'Fine LLC'") == 1


@pytest.mark.parametrize(
    ("data", "message", "line"),
    [
        (b"", "is empty", None),
        (b"\n  \n", "is empty", None),
        ('{"id": "a", "schema": "Company"}\n'.encode("utf-16"), "is UTF-16 encoded", 1),
        (b'{"id": "a", "schema": "Company", "properties": {"name": ["\xff"]}}\n', "is not valid UTF-8", 1),
        (b'{"id": "a", "schema": "Company"}\x00\n', "contains a NUL byte", 1),
    ],
)
def test_bad_files(db: Path, tmp_path: Path, data: bytes, message: str, line: int | None) -> None:
    path = tmp_path / "bad.ftm"
    path.write_bytes(data)
    before = db.read_bytes()
    result = run_cli("import", "ftm", str(path), db=db)
    assert result.exit_code == 1
    assert message in result.stderr
    assert (f"{path}:{line}:" if line else f"{path}:") in result.stderr
    assert db.read_bytes() == before


def test_missing_file_and_new_database_left_absent(tmp_path: Path) -> None:
    target = tmp_path / "new.db"
    result = run_cli("import", "ftm", str(tmp_path / "nope.ftm"), db=target)
    assert result.exit_code == 1 and "no such file" in result.stderr
    bad = write_lines(tmp_path / "bad.ftm", ["{"])
    assert run_cli("import", "ftm", str(bad), db=target).exit_code == 1
    assert not target.exists()


def test_a_utf8_bom_and_blank_lines_are_fine(empty_db: Path, tmp_path: Path) -> None:
    path = tmp_path / "bom.ftm"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(ent("a", "Company", name="Bom LLC")).encode() + b"\n\n\n")
    assert run_cli("import", "ftm", str(path), db=empty_db).exit_code == 0
    assert one(empty_db, "SELECT name FROM actors") == "Bom LLC"


# ---------------------------------------------------------------------------------------------- export


def export_to(db: Path, path: Path, query: str | None = None) -> int:
    from store.connect import open_readonly
    from store.export_ftm import export

    conn = open_readonly(db)
    try:
        with path.open("w", encoding="utf-8") as out:
            return export(conn, out, query=query)
    finally:
        conn.close()


def test_round_trip_into_an_empty_database(db: Path, empty_db: Path, tmp_path: Path) -> None:
    # the dataset plus what the FtM and article importers add (unreviewed findings, relations with roles)
    assert run_cli("import", "ftm", str(SCENARIO), "--skip-invalid", db=db).exit_code == 0
    assert run_cli("import", "article", str(ROOT / "tests/data/articles/port-cranes.md"), db=db).exit_code == 0
    out = tmp_path / "all.ftm"
    n = export_to(db, out)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert n == len(lines) > 80
    for line in lines:
        entity = json.loads(line)
        assert isinstance(entity["id"], str) and isinstance(entity["schema"], str)
        assert all(isinstance(v, list) and all(isinstance(x, str) for x in v) for v in entity["properties"].values())
    schemas = {json.loads(line)["schema"] for line in lines}
    assert {"Article", "Territory", "Person", "Company", "PublicBody", "Organization", "Event", "Note"} <= schemas
    assert {"Ownership", "Directorship", "UnknownLink"} <= schemas

    result = run_cli("import", "ftm", str(out), db=empty_db)
    assert result.exit_code == 0, result.output
    # the same content, except that no file makes a finding curated: a person decides that here
    assert "`findings.status: curated` not taken from a file" in result.stderr
    want = content(db)
    status = list(schema.EVIDENCE_COLUMNS).index("status")
    want["evidence"] = sorted(
        (tuple("unreviewed" if i == status and v == "curated" else v for i, v in enumerate(row)))
        for row in want["evidence"]
    )
    got = content(empty_db)
    got["evidence"] = sorted(got["evidence"])
    assert got == want
    # and back into the database it came from: nothing changes
    again = run_cli("import", "ftm", str(out), db=db)
    assert again.exit_code == 0
    logged = json.loads(one(db, "SELECT counts FROM imports ORDER BY id DESC LIMIT 1"))  # type: ignore[arg-type]
    assert all(row["inserted"] == 0 and row["updated"] == 0 for row in logged.values()), logged


def test_export_without_hints_still_maps_by_ftm_alone(built_db: Path, empty_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "all.ftm"
    export_to(built_db, out)
    stripped = tmp_path / "plain.ftm"
    with out.open(encoding="utf-8") as src, stripped.open("w", encoding="utf-8") as dst:
        for line in src:
            entity = json.loads(line)
            entity.pop("findings")
            dst.write(json.dumps(entity) + "\n")
    assert run_cli("import", "ftm", str(stripped), db=empty_db).exit_code == 0
    names = {r[0] for r in query(empty_db, "SELECT name FROM actors")}
    assert names == {r[0] for r in query(built_db, "SELECT name FROM actors")}
    assert one(empty_db, "SELECT kind FROM actors WHERE name = 'China'") == "state"
    assert one(empty_db, "SELECT count(*) FROM evidence") == one(built_db, "SELECT count(*) FROM evidence")
    linked = query(empty_db, "SELECT DISTINCT r.name FROM evidence_regions er JOIN regions r ON r.id = er.region_id")
    assert {"Crimea", "Zaporizhzhia Oblast", "Kherson Oblast"} <= {r[0] for r in linked}


WHOLE = "occupied-territories"
OBLAST_CODES = {"ua-43", "ua-14", "ua-09", "ua-23", "ua-65", "ua-cri", "ua-dpr", "ua-lpr"}


def exported(db: Path, tmp_path: Path) -> dict[str, dict]:
    out = tmp_path / "all.ftm"
    export_to(db, out)
    return {(e := json.loads(line))["id"]: e for line in out.read_text(encoding="utf-8").splitlines()}


def test_a_finding_about_the_occupied_territories_as_a_whole_is_exported_as_general(
    built_db: Path, tmp_path: Path
) -> None:
    entities = exported(built_db, tmp_path)
    whole = entities[f"findings-region-{WHOLE}"]["properties"]
    assert whole["country"] == ["ua"] and "territoryCode" not in whole and "partOf" not in whole
    assert "as a whole" in whole["summary"][0] and "Kherson Oblast" in whole["summary"][0]
    # a finding about the whole: its country, the whole's name as its place, and a summary that says it is
    # general; nothing that names one oblast
    props = entities["findings-evidence-allies-reshape-occupied-economy"]["properties"]
    assert props["country"] == ["ua"]
    assert props["address"] == ["Occupied territories of Ukraine"]
    assert props["summary"][0].startswith("General: about Occupied territories of Ukraine as a whole")
    assert "not about one of its parts" in props["summary"][0]
    assert not OBLAST_CODES & set(props["country"])
    # a finding about one region is not general; one about a region and the whole names both
    kherson = entities["findings-evidence-western-systems-replaced"]["properties"]
    assert "summary" not in kherson or not kherson["summary"][0].startswith("General")
    casein = entities["findings-evidence-casein-export-iran"]["properties"]  # Luhansk and the whole
    assert set(casein["country"]) == {"ua-lpr", "ua"} and "summary" not in casein


def test_an_export_without_its_own_key_keeps_every_region_link_in_a_new_database(
    db: Path, empty_db: Path, tmp_path: Path
) -> None:
    """What another FtM tool gives back (the file's private `findings` key dropped): the Territories become
    regions with ids of their own (`donetsk-oblast`), and a finding's `ua-dpr` / `ua-lpr` / `ua-cri` still
    links it to the region of that ISO code, as many findings per region as in the database it came from."""
    out = tmp_path / "all.ftm"
    export_to(db, out)
    stripped = tmp_path / "stripped.ftm"
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert any("findings" in entity for entity in lines)
    stripped.write_text("".join(json.dumps({k: v for k, v in e.items() if k != "findings"}) + "\n" for e in lines))
    result = run_cli("import", "ftm", str(stripped), db=empty_db)
    assert result.exit_code == 0, result.output

    def per_region(path: Path) -> dict[str | None, int]:
        sql = (
            "SELECT r.iso_code, count(*) FROM evidence_regions l JOIN regions r ON r.id = l.region_id "
            "GROUP BY r.iso_code"
        )
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return dict(conn.execute(sql).fetchall())
        finally:
            conn.close()

    want, got = per_region(db), per_region(empty_db)
    assert {"UA-14", "UA-09", "UA-43"} <= set(want)
    assert got == want


def test_ftm_occupied_territories_map_back_to_the_whole(db: Path, tmp_path: Path) -> None:
    from store import search as S
    from store.connect import open_readonly

    path = write_lines(
        tmp_path / "occupied.ftm",
        [
            ent("t-1", "Territory", name="Temporarily occupied territories of Ukraine", country="ua"),
            ent("a-1", "Address", full="Temporarily occupied territories, Ukraine", country="ua"),
            ent("c-1", "Company", name="Occupied Trade LLC", addressEntity="a-1"),
            ent("n-1", "Note", description="Grain leaves by sea.", entity="c-1", address="Occupied territories"),
        ],
    )
    regions = one(db, "SELECT count(*) FROM regions")
    assert run_cli("import", "ftm", str(path), db=db).exit_code == 0
    assert one(db, "SELECT count(*) FROM regions") == regions  # the Territory is the whole, not a new region
    company = ref(db, "c-1")
    for finding in (ref(db, "n-1"), f"{company}-location"):
        assert query(db, "SELECT region_id FROM evidence_regions WHERE evidence_id = ?", finding) == [(WHOLE,)]
    conn = open_readonly(db)
    try:  # asked about Kherson, they are general findings, not Kherson's
        scopes = {h.id: h.scope for h in S.search(conn, "region:kherson", limit=500)}
    finally:
        conn.close()
    assert scopes[ref(db, "n-1")] == "general" and scopes[f"{company}-location"] == "general"


def test_the_whole_survives_an_export_read_without_our_hints(built_db: Path, empty_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "plain.ftm"
    with out.open("w", encoding="utf-8") as dst:
        for entity in exported(built_db, tmp_path).values():
            entity.pop("findings")
            dst.write(json.dumps(entity) + "\n")
    assert run_cli("import", "ftm", str(out), db=empty_db).exit_code == 0
    sql = (
        "SELECT e.claim, group_concat(r.name, ' + ') FROM evidence e JOIN evidence_regions er ON er.evidence_id = e.id "
        "JOIN regions r ON r.id = er.region_id GROUP BY e.id HAVING max(r.name = 'Occupied territories of Ukraine') "
        "ORDER BY e.claim"
    )
    want = dict(query(built_db, sql))
    got = dict(query(empty_db, sql))
    assert len(got) == len(want) > 20
    # a reader without our hints keeps the export's word that a finding is general in the claim itself
    general = "General: about Occupied territories of Ukraine as a whole, not about one of its parts "
    for claim, names in want.items():
        if "+" in names:  # a region and the whole: not general, the same claim
            assert "Occupied territories of Ukraine" in got[claim]
        else:
            said = next(c for c in got if claim in c)
            assert general in said and got[said] == names


def test_export_with_a_query(built_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "q.ftm"
    export_to(built_db, out, query="yuan")
    entities = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    findings = [e for e in entities if e["schema"] in ("Note", "Event")]
    assert findings and len(findings) < one(built_db, "SELECT count(*) FROM evidence")
    assert all("yuan" in json.dumps(e).lower() for e in findings)
    actor_ids = {e["id"] for e in entities if e["schema"] in ("Person", "Company", "Organization", "PublicBody")}
    assert "findings-actor-china" in actor_ids


def test_export_through_the_cli(built_db: Path, tmp_path: Path) -> None:
    if not (ROOT / "cli" / "export.py").exists():
        pytest.skip("findings export is not there yet")
    out = tmp_path / "cli.ftm"
    result = run_cli("export", "ftm", "-o", str(out), db=built_db)
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").count("\n") == export_to(built_db, tmp_path / "direct.ftm")


def test_export_escapes_nothing_it_should_not(empty_db: Path, tmp_path: Path) -> None:
    """Hostile text survives the round trip as data."""
    nasty = '[@click=app.quit] \x1b[31mred\x1b[0m "quotes" \u202e'
    path = write_lines(tmp_path / "n.ftm", [ent("a", "Company", name="Nasty LLC", summary=nasty)])
    assert run_cli("import", "ftm", str(path), db=empty_db).exit_code == 0
    buffer = io.StringIO()
    from store.connect import open_readonly
    from store.export_ftm import export

    conn = open_readonly(empty_db)
    export(conn, buffer)
    conn.close()
    (entity,) = [json.loads(line) for line in buffer.getvalue().splitlines() if '"Company"' in line]
    assert entity["properties"]["summary"] == [nasty]


# ---------------------------------------------------------------------------------------------- streaming

STREAM_SCRIPT = r"""
import json, resource, sys, tracemalloc
sys.path.insert(0, sys.argv[1])
from importers.ftm import run_import
from store.connect import open_readwrite
db, path = sys.argv[2], sys.argv[3]
open_readwrite(db, create=True).close()
tracemalloc.start()
run_import(db, (path,))
current, peak = tracemalloc.get_traced_memory()
print(json.dumps({"peak": peak}))
"""


def test_a_large_file_streams_in_bounded_memory(tmp_path: Path) -> None:
    """8,000 companies with 4 KB of text each and 4,000 ownerships (a 33 MB file): the import's traced memory
    peaks far below the file size (reading it whole would take more than the file size)."""
    path = tmp_path / "big.ftm"
    padding = "x" * 4000
    with path.open("w", encoding="utf-8") as f:
        for i in range(8_000):
            props = {"name": [f"Company {i}"], "indexText": [padding], "country": ["ru"]}
            f.write(json.dumps({"id": f"c{i}", "schema": "Company", "properties": props}) + "\n")
            if i % 2:
                link = {"owner": [f"c{i}"], "asset": [f"c{i - 1}"]}
                f.write(json.dumps({"id": f"o{i}", "schema": "Ownership", "properties": link}) + "\n")
    size = path.stat().st_size
    proc = subprocess.run(
        [sys.executable, "-c", STREAM_SCRIPT, str(ROOT), str(tmp_path / "big.db"), str(path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    peak = json.loads(proc.stdout.strip().splitlines()[-1])["peak"]
    assert size > 30_000_000
    assert peak < size / 2, f"peak {peak:,} bytes for a {size:,}-byte file"
    assert one(tmp_path / "big.db", "SELECT count(*) FROM actors") == 8_000
    assert one(tmp_path / "big.db", "SELECT count(*) FROM relations") == 4_000


def test_a_findings_language_as_given_survives_the_round_trip(db: Path, empty_db: Path, tmp_path: Path) -> None:
    """A QA run: a finding given `lang: uk` came back from an FtM export with the language detected again (NULL
    for an English claim), as FtM has no property for it: it travels in the file's `findings` key."""
    from tests.conftest import import_yaml

    import_yaml(
        db,
        tmp_path,
        "actors:\n  - {id: act-a, name: Actor A, kind: company, country: CN}\n"
        "evidence:\n  - {id: ev-lang, claim: Actor A shipped goods., category: trade, lang: uk, actors: [act-a],"
        " source: kyiv-independent-occupied-economy}\n",
    )
    assert one(db, "SELECT lang FROM evidence WHERE id = 'ev-lang'") == "uk"
    out = tmp_path / "a.ftm"
    export_to(db, out, "actor:act-a")
    assert run_cli("import", "ftm", str(out), db=empty_db).exit_code == 0
    assert one(empty_db, "SELECT lang FROM evidence WHERE id = 'ev-lang'") == "uk"
