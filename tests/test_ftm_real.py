"""FollowTheMoney as Aleph and OpenSanctions write it (the real files of tests/data/ftm/, see its README): every
form read, nothing lost, nothing trusted blindly, every record accounted for."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from tests.conftest import ROOT, one, query, run_cli
from tests.test_ftm import ent, ref, write_lines

DATA = ROOT / "tests" / "data" / "ftm"
T1 = DATA / "yente-t1.ftm.json"
ZALA = DATA / "yente-zala-excerpt.ftm.json"
DONATIONS = DATA / "nomenklatura-donations-head.ijson"


def imported(db: Path, *paths: Path | str, extra: tuple[str, ...] = ()) -> dict:
    """Import with --json; the summary as a dict (and the command's stderr under '_stderr')."""
    result = run_cli("import", "ftm", *map(str, paths), "--json", *extra, db=db)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    summary["_stderr"] = result.stderr
    records = summary["records"]
    assert records["in"] == records["out"], records  # every record accounted for
    return summary


def ftm_values(db: Path, kind: str, ref_id: str) -> dict[str, list[str]]:
    """The FtM values a record keeps for the export (ftm_properties)."""
    return json.loads(one(db, "SELECT properties FROM ftm_properties WHERE kind = ? AND ref_id = ?", kind, ref_id))  # type: ignore[arg-type]


def actor_row(db: Path, actor_id: str) -> tuple:
    return one(db, "SELECT name, kind, country, summary, aka FROM actors WHERE id = ?", actor_id)  # type: ignore[return-value]


# ------------------------------------------------------------------------------------------ provenance over trust


def test_a_files_findings_key_never_rewrites_a_curated_record(db: Path, tmp_path: Path) -> None:
    before = actor_row(db, "china")
    links = query(db, "SELECT evidence_id FROM evidence_actors WHERE actor_id = 'china' ORDER BY 1")
    hostile = write_lines(
        tmp_path / "hostile.ftm",
        [
            {**ent("x-ivan", "Person", name="Ivan Example"), "findings": {"id": "china", "kind": "person"}},
            {
                **ent("x-san", "Sanction", entity="x-ivan", authority="Nobody"),
                "findings": {"id": "bank-branches-sell-yuan", "status": "curated", "category": "sanctions"},
            },
        ],
    )
    summary = imported(db, hostile)
    assert actor_row(db, "china") == before
    assert query(db, "SELECT evidence_id FROM evidence_actors WHERE actor_id = 'china' ORDER BY 1") == links
    ivan = ref(db, "x-ivan")
    assert ivan != "china" and one(db, "SELECT name, kind FROM actors WHERE id = ?", ivan) == ("Ivan Example", "person")
    sanction = ref(db, "x-san")
    assert sanction != "bank-branches-sell-yuan"
    assert one(db, "SELECT status FROM evidence WHERE id = ?", sanction) == "unreviewed"  # never curated by a file
    assert one(db, "SELECT status FROM evidence WHERE id = 'bank-branches-sell-yuan'") == "curated"
    warnings = {w["warning"] for w in summary["warnings"]}
    assert any("hints naming a record this file did not create" in w for w in warnings)


def test_a_copy_that_matches_first_and_changes_later_still_changes_nothing(db: Path, tmp_path: Path) -> None:
    """An entity equal to a curated record stands for it; a later version of the same file cannot change it."""
    china = {
        "id": "findings-actor-china",
        "schema": "PublicBody",
        "properties": {"name": ["China"], "country": ["cn"], "topics": ["gov.national"]},
        "findings": {"id": "china"},
    }
    aliases = [a for (a,) in query(db, "SELECT alias FROM aliases WHERE ref_id = 'china'")]
    row = actor_row(db, "china")
    china["properties"]["alias"] = aliases
    china["properties"]["summary"] = [row[3]]
    china["findings"]["kind"] = "state"
    china["findings"]["role"] = one(db, "SELECT role FROM actors WHERE id = 'china'")
    first = imported(db, write_lines(tmp_path / "a.ftm", [china]))
    assert first["records"]["merged"] == 1 and first["tables"]["actors"]["inserted"] == 0
    assert one(db, "SELECT created FROM external_ids WHERE external_id = 'findings-actor-china'") == 0
    changed = {**china, "properties": {**china["properties"], "name": ["Ivan Example"], "summary": ["Wiped"]}}
    imported(db, write_lines(tmp_path / "a.ftm", [changed]))
    assert actor_row(db, "china") == row


def test_an_imported_russian_federation_is_a_proposal_not_a_second_state(db: Path, tmp_path: Path) -> None:
    path = write_lines(
        tmp_path / "ru.ftm",
        [ent("ru-gov", "PublicBody", name="Russian Federation", country="ru", topics="gov.national")],
    )
    summary = imported(db, path)
    new = ref(db, "ru-gov")
    assert new != "russia"
    assert one(db, "SELECT kind FROM actors WHERE id = ?", new) == "organization"  # not a duplicate state
    assert one(db, "SELECT count(*) FROM actors WHERE kind = 'state' AND country = 'RU'") == 1
    assert summary["records"]["proposed"] == 1
    assert [(p["imported"], p["existing"]) for p in summary["proposals"]] == [(new, "russia")]
    row = one(
        db,
        "SELECT kind, left_kind, right_id, status, import_id IS NOT NULL FROM proposals WHERE left_id = ?",
        new,
    )
    assert row == ("same-as", "actor", "russia", "open", 1)
    assert "same as russia?" in summary["_stderr"]
    # importing it again proposes nothing twice, and it stays no state while the proposal is open (a QA run:
    # the second import made it one)
    again = imported(db, path)
    assert one(db, "SELECT count(*) FROM proposals WHERE left_id = ?", new) == 1
    assert one(db, "SELECT kind FROM actors WHERE id = ?", new) == "organization"
    assert again["tables"]["actors"].get("updated", 0) == 0
    assert one(db, "SELECT count(*) FROM actors WHERE kind = 'state' AND country = 'RU'") == 1


def test_the_same_identifier_in_another_file_is_proposed_as_the_same(empty_db: Path, tmp_path: Path) -> None:
    imported(empty_db, ZALA)
    spc = ref(empty_db, "NK-9Xa4Kg7Y7nfccE7VcZt6Q6")
    assert query(empty_db, "SELECT system, external_id FROM external_ids WHERE ref_id = ? AND system = 'inn'", spc) == [
        ("inn", "9715374145")
    ]
    other = write_lines(tmp_path / "other.ftm", [ent("reg-1", "Company", name="SPS LLC", innCode="9715374145")])
    summary = imported(empty_db, other)
    new = ref(empty_db, "reg-1")
    assert [(p["imported"], p["existing"], p["reason"]) for p in summary["proposals"]] == [
        (new, spc, "same innCode 9715374145")
    ]
    # the identifier still names the first company
    assert one(empty_db, "SELECT ref_id FROM external_ids WHERE system = 'inn' AND external_id = '9715374145'") == spc


def test_an_identifier_failing_its_check_digit_is_kept_but_never_makes_two_actors_the_same(
    empty_db: Path, tmp_path: Path
) -> None:
    """QA: INN 9102012345 and OGRN 1149102012345 (wrong check digits, which `ftm validate` drops) were stored as
    identifiers and drove a "same innCode" proposal."""
    bad = {"innCode": "9102012345", "ogrnCode": "1149102012345"}
    first = write_lines(tmp_path / "a.ftm", [ent("c-1", "Company", name="ООО Крымский порт", **bad)])
    summary = imported(empty_db, first)
    assert "identifiers that fail their check" in summary["_stderr"]
    assert "innCode '9102012345': its check digit is wrong" in summary["_stderr"]
    assert "ogrnCode '1149102012345'" in summary["_stderr"]
    first_id = ref(empty_db, "c-1")
    assert query(empty_db, "SELECT system FROM external_ids WHERE system IN ('inn', 'ogrn')") == []
    kept = ftm_values(empty_db, "actor", first_id)
    assert kept["innCode"] == ["9102012345"] and kept["ogrnCode"] == ["1149102012345"]  # nothing lost
    other = write_lines(tmp_path / "b.ftm", [ent("c-2", "Company", name="Krymsky Port LLC", innCode="9102012345")])
    assert imported(empty_db, other)["proposals"] == []  # an invalid number proves nothing
    exported = [json.loads(line) for line in run_cli("export", "ftm", db=empty_db).stdout.splitlines()]
    (company,) = [e for e in exported if e["properties"].get("name") == ["ООО Крымский порт"]]
    assert company["properties"]["innCode"] == ["9102012345"]  # exported as given: FtM decides about it
    # a valid one, written with spaces, still identifies
    good = write_lines(tmp_path / "c.ftm", [ent("c-3", "Company", name="Sberbank", innCode="7707 083893")])
    imported(empty_db, good)
    assert query(empty_db, "SELECT external_id FROM external_ids WHERE system = 'inn'") == [("7707 083893",)]


@pytest.mark.parametrize("escaped", [False, True])
def test_a_name_written_with_combining_accents_is_the_same_name(empty_db: Path, tmp_path: Path, escaped: bool) -> None:
    """NFD (`Ї` as `І` and a combining diaeresis, as macOS writes names), raw or as JSON escapes: the same id and
    the same proposal as the precomposed name, and an entity named twice in the two forms has one name."""
    import unicodedata

    name = "Їжак Трейд"
    native = tmp_path / "native.json"
    native.write_text(json.dumps({"actors": [{"id": "yizhak-native", "name": name, "kind": "company"}]}), "utf-8")
    assert run_cli("import", "json", str(native), db=empty_db).exit_code == 0
    nfd = unicodedata.normalize("NFD", name)
    assert nfd != name
    line = {"id": "ftm-nfd", "schema": "Company", "properties": {"name": [nfd], "alias": [name, nfd]}}
    path = tmp_path / "nfd.ftm"
    path.write_text(json.dumps(line, ensure_ascii=escaped) + "\n", encoding="utf-8")
    assert ("\\u0308" in path.read_text("utf-8")) is escaped
    summary = imported(empty_db, path)
    new = ref(empty_db, "ftm-nfd")
    assert new == "yizhak-treyd"  # the id the precomposed name gives
    assert [(p["imported"], p["existing"]) for p in summary["proposals"]] == [(new, "yizhak-native")]
    name_and_aka = one(empty_db, "SELECT name, aka FROM actors WHERE id = ?", new)
    assert name_and_aka == (name, None)  # the alias in either form is its name


# ------------------------------------------------------------------------------------------ relations


def test_an_ownership_history_keeps_every_relation(empty_db: Path, tmp_path: Path) -> None:
    """50% ended, then 48%, then 51% now: three relations between one pair, each with its dates and share."""
    lines = [
        ent("o1", "Person", name="Anna Example"),
        ent("c1", "Company", name="Example Port LLC"),
        ent("own-a", "Ownership", owner="o1", asset="c1", percentage="50", startDate="2015", endDate="2019-06"),
        ent("own-b", "Ownership", owner="o1", asset="c1", percentage="48", startDate="2019-06", endDate="2022"),
        ent("own-c", "Ownership", owner="o1", asset="c1", percentage="51", startDate="2022-03"),
    ]
    path = write_lines(tmp_path / "history.ftm", lines)
    imported(empty_db, path)
    rows = query(empty_db, 'SELECT percentage, role, start, "end" FROM relations ORDER BY start')
    assert rows == [("50", "50%", "2015", "2019-06"), ("48", "48%", "2019-06", "2022"), ("51", "51%", "2022-03", None)]
    again = imported(empty_db, path)
    assert again["tables"]["relations"] == {"inserted": 0, "updated": 0, "unchanged": 3}
    # the export gives three Ownerships with their FtM ids and percentages
    out = run_cli("export", "ftm", db=empty_db).stdout
    owns = sorted(
        (e["id"], e["properties"]["percentage"])
        for e in map(json.loads, out.splitlines())
        if e["schema"] == "Ownership"
    )
    assert owns == [("own-a", ["50"]), ("own-b", ["48"]), ("own-c", ["51"])]


def test_one_relation_entity_with_many_owners_and_assets_is_refused(empty_db: Path, tmp_path: Path) -> None:
    owners = [ent(f"p{i}", "Person", name=f"Owner {i}") for i in range(40)]
    assets = [ent(f"c{i}", "Company", name=f"Asset {i} LLC") for i in range(30)]
    many = ent("own-many", "Ownership", owner=[f"p{i}" for i in range(40)], asset=[f"c{i}" for i in range(30)])
    summary = imported(empty_db, write_lines(tmp_path / "many.ftm", [*owners, *assets, many]))
    assert one(empty_db, "SELECT count(*) FROM relations") == 0
    assert any("more than 1,000 pairs" in reason for reason in summary["records"]["skipped because"])


# ------------------------------------------------------------------------------------------ forms


@pytest.mark.parametrize("name", ["yente-t1-head.statements.csv", "yente-t1-head.statements.json"])
def test_statements_are_rolled_up_into_entities(empty_db: Path, name: str) -> None:
    summary = imported(empty_db, DATA / name)
    assert summary["records"]["statements"] > 40 and summary["records"]["in"] == 3
    assert one(empty_db, "SELECT count(*) FROM actors") == 3
    assert query(empty_db, "SELECT claim FROM evidence WHERE claim LIKE 'Sanction%'") == []  # not read as entities
    irgc = ref(empty_db, "NK-2GdmHtZTeNXjNVrBGEXZNj")
    assert one(empty_db, "SELECT kind, country FROM actors WHERE id = ?", irgc) == ("organization", "BY")
    assert ftm_values(empty_db, "actor", irgc)["@dataset"] == ["eu_fsf"]
    assert "topics Sanctioned (sanction)" in one(empty_db, "SELECT summary FROM actors WHERE id = ?", irgc)


def test_an_empty_sanction_makes_no_finding(empty_db: Path, tmp_path: Path) -> None:
    summary = imported(empty_db, write_lines(tmp_path / "s.ftm", ['{"id":"s1","schema":"Sanction","properties":{}}']))
    assert one(empty_db, "SELECT count(*) FROM evidence") == 0
    assert summary["records"]["skipped"] == 1


def test_nested_entities_are_all_imported(empty_db: Path) -> None:
    summary = imported(empty_db, DATA / "donations-nested.json")
    assert summary["records"]["in"] == 6 and summary["records"]["skipped"] == 0
    assert summary["warnings"] == []
    names = {r[0] for r in query(empty_db, "SELECT name FROM actors")}
    assert names == {"Verband der Bayerischen Metall- und Elektroindustrie e.V.", "FDP", "CSU"}
    payments = query(
        empty_db, "SELECT claim, quantity, unit, date, category FROM evidence WHERE claim LIKE 'Payment%' ORDER BY date"
    )
    verband = "Verband der Bayerischen Metall- und Elektroindustrie e.V."
    assert payments == [
        (f"Payment of 320,000 EUR from {verband} to CSU", 320000, "EUR", "2011-12-21", "finance"),
        (f"Payment of 80,000 EUR from {verband} to FDP", 80000, "EUR", "2011-12-22", "finance"),
    ]


def test_every_form_of_the_same_entities_gives_the_same_actors(tmp_path: Path) -> None:
    from store.connect import open_readwrite

    lines = T1.read_text(encoding="utf-8").splitlines()
    forms = {
        "lines.json": T1.read_bytes(),
        "pretty.json": (DATA / "yente-t1.pretty.json").read_bytes(),
        "array.json": ("[" + ",\n".join(lines) + "]\n").encode(),
        "indented-array.json": json.dumps([json.loads(line) for line in lines], indent=2).encode(),
        "lines.json.gz": gzip.compress(T1.read_bytes()),
        "results.json": json.dumps({"results": [json.loads(line) for line in lines], "total": 7}).encode(),
        # `jq .` of an API response (a QA run: read as one entity without an id)
        "indented-results.json": json.dumps({"results": [json.loads(line) for line in lines]}, indent=2).encode(),
    }
    seen = {}
    for name, data in forms.items():
        path = tmp_path / name
        path.write_bytes(data)
        target = tmp_path / f"{name}.db"
        open_readwrite(target, create=True).close()
        summary = imported(target, path)
        assert summary["records"]["in"] == 7, name
        seen[name] = query(target, "SELECT id, name, kind, country FROM actors ORDER BY id")
    assert all(rows == seen["lines.json"] for rows in seen.values()), seen


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"datasets": [{"name": "eu_fsf"}], "updated_at": "2024"}\n', "dataset index (index.json)"),
        ('{"versions": {"2024": "https://example.org/x"}}\n', "delta versions (delta.json)"),
        ('{"name": "eu_authorities", "resources": []}\n', "dataset metadata"),
        ("PK\x03\x04rest of a zip", "ZIP archive"),
        ("%PDF-1.4\n", "PDF document"),
        ("name,country\nACME,ru\n", "is not FollowTheMoney data"),
    ],
)
@pytest.mark.parametrize("indent", [None, 2])
def test_forms_it_cannot_read_are_named(
    empty_db: Path, tmp_path: Path, content: str, message: str, indent: int | None
) -> None:
    path = tmp_path / "input.json"
    if indent and content.startswith("{"):  # as `jq .` writes it
        content = json.dumps(json.loads(content), indent=indent) + "\n"
    path.write_text(content, encoding="latin-1")
    result = run_cli("import", "ftm", str(path), db=empty_db)
    assert result.exit_code == 1
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_an_indented_delta_file_is_read_as_a_delta(empty_db: Path, tmp_path: Path) -> None:
    delta = DATA / "yente-t2.delta.json"
    path = tmp_path / "t2.delta.json"
    ops = [json.loads(line) for line in delta.read_text(encoding="utf-8").splitlines() if line.strip()]
    path.write_text("".join(json.dumps(op, indent=2) + "\n" for op in ops), encoding="utf-8")
    summary = imported(empty_db, path)
    assert summary["forms"][str(path)].startswith("an OpenSanctions delta")
    assert summary["tables"]["actors"]["inserted"] == 1


def test_an_aleph_export_with_its_licence_header(empty_db: Path) -> None:
    summary = imported(empty_db, DATA / "aleph-samples-excerpt.ijson")
    assert summary["records"]["in"] == 2
    assert one(empty_db, "SELECT title, kind FROM sources WHERE title = 'royal-family-v2.vis'") == (
        "royal-family-v2.vis",
        "document",
    )
    assert summary["records"]["skipped because"] == {"Workbook: a schema with no place here": 1}


# ------------------------------------------------------------------------------------------ deltas


def test_delta_files_add_modify_and_delete(empty_db: Path, tmp_path: Path) -> None:
    imported(empty_db, T1)
    irgc = ref(empty_db, "NK-2PacmNpiLUmoz4XD2mSt7A")
    assert one(empty_db, "SELECT name FROM actors WHERE id = ?", irgc) == "IRGC"
    modified = imported(empty_db, DATA / "yente-has-deltas-pfh-mod.delta.json")
    assert modified["forms"][str(DATA / "yente-has-deltas-pfh-mod.delta.json")].startswith("an OpenSanctions delta")
    assert one(empty_db, "SELECT name FROM actors WHERE id = ?", irgc) == "Foobar Foobargroup"  # its caption
    added = imported(empty_db, DATA / "yente-t2.delta.json")
    assert added["tables"]["actors"]["inserted"] == 1
    plotnikov = ref(empty_db, "Q4365364")
    # a DEL of an entity that is not here changes nothing; one of an imported entity removes what it made
    nothing = imported(empty_db, DATA / "yente-has-deltas-npf.delta.json")
    assert nothing["records"]["skipped because"] == {"DEL of an entity that is not here": 2}
    delete = write_lines(tmp_path / "del.delta.json", ['{"op":"DEL","entity":{"id":"Q4365364"}}'])
    deleted = imported(empty_db, delete)
    assert deleted["records"]["deleted"] == 1
    assert query(empty_db, "SELECT id FROM actors WHERE id = ?", plotnikov) == []
    assert query(empty_db, "SELECT id FROM evidence WHERE id LIKE ?", f"{plotnikov}-%") == []
    assert query(empty_db, "SELECT * FROM external_ids WHERE ref_id = ?", plotnikov) == []
    assert run_cli("check", db=empty_db).exit_code == 0


def test_a_delta_that_adds_an_entity_again_as_another_schema_replaces_it_name_and_id(
    empty_db: Path, tmp_path: Path
) -> None:
    """yente's has_deltas fixture, shortened (a QA run): an ADD of an Organization, then an ADD of the same id as a
    Person. The Person replaced it, but kept an id made from the Organization's name
    ('frontt-al-nusrah-za-khorata-ot-iztoka'), which citations and exports then carried."""
    delta = write_lines(
        tmp_path / "wnk.delta.json",
        [
            '{"op":"ADD","entity":{"id":"NK-2T3","schema":"Organization","properties":'
            '{"name":["Фронтът Al-Nusrah за хората от Изтока"],"alias":["ISIS"]}}}',
            '{"op":"ADD","entity":{"id":"NK-2T3","caption":"Abdulhai Salek","schema":"Person","properties":'
            '{"name":["Abdulhai Salek","Maulavi Abdulhai Salek"]}}}',
        ],
    )
    imported(empty_db, delta)
    person = ref(empty_db, "NK-2T3")
    assert person == "abdulhai-salek"
    assert one(empty_db, "SELECT name || ' ' || kind FROM actors WHERE id = ?", person) == "Abdulhai Salek person"
    assert "ISIS" not in [r[0] for r in query(empty_db, "SELECT alias FROM aliases WHERE ref_id = ?", person)]


def test_a_delta_never_deletes_a_curated_record(db: Path, tmp_path: Path) -> None:
    delete = write_lines(tmp_path / "del.delta.json", ['{"op":"DEL","entity":{"id":"findings-actor-china"}}'])
    imported(db, write_lines(tmp_path / "china.ftm", [{**ent("findings-actor-china", "PublicBody", name="China")}]))
    summary = imported(db, delete)
    assert one(db, "SELECT name FROM actors WHERE id = 'china'") == "China"
    assert summary["records"]["deleted"] == 1  # the actor that file made, not china
    assert one(db, "SELECT count(*) FROM actors WHERE name = 'China'") == 1


def test_a_newer_release_without_a_sanction_removes_it_with_prune(empty_db: Path, tmp_path: Path) -> None:
    release = tmp_path / "entities.ftm.json"
    company = ent("c1", "Company", name="Delisted Shipping LLC")
    sanction = ent("s1", "Sanction", entity="c1", authority="OFAC", startDate="2022")
    write_lines(release, [company, sanction])
    imported(empty_db, release)
    finding = ref(empty_db, "s1")
    write_lines(release, [company])  # the next release: delisted
    kept = imported(empty_db, release)
    assert kept["stale"] == 1 and "--prune removes them" in kept["_stderr"]
    assert one(empty_db, "SELECT count(*) FROM evidence WHERE id = ?", finding) == 1
    pruned = imported(empty_db, release, extra=("--prune",))
    assert pruned["deleted"] == {"evidence": 1}
    assert one(empty_db, "SELECT count(*) FROM evidence WHERE id = ?", finding) == 0
    assert one(empty_db, "SELECT count(*) FROM actors") == 1
    # the deletion is in the history, which the records still agree with
    deleted = "SELECT count(*) FROM changes WHERE record_id = ? AND field IS NULL AND after IS NULL"
    assert one(empty_db, deleted, finding) == 1
    assert run_cli("check", db=empty_db).exit_code == 0


def test_prune_of_a_release_under_a_new_name_says_it_compared_nothing(empty_db: Path, tmp_path: Path) -> None:
    """A QA run: `--prune` with the next release under a new file name removed nothing and said nothing."""
    company = ent("c1", "Company", name="Delisted Shipping LLC")
    sanction = ent("s1", "Sanction", entity="c1", authority="OFAC", startDate="2022")
    imported(empty_db, write_lines(tmp_path / "2024-01.ftm.json", [company, sanction]))
    later = imported(empty_db, write_lines(tmp_path / "2024-02.ftm.json", [company]), extra=("--prune",))
    assert later["prune_compared_nothing"] and "2024-02.ftm.json" in later["prune_compared_nothing"][0]
    assert "--prune: nothing compared for" in later["_stderr"] and "a new file" in later["_stderr"]
    assert one(empty_db, "SELECT count(*) FROM evidence WHERE id = ?", ref(empty_db, "s1")) == 1


def test_a_relation_the_file_still_holds_is_never_stale_nor_pruned(empty_db: Path, tmp_path: Path) -> None:
    """A QA run: an Ownership imported again was counted as no longer in its file, and --prune deleted it."""
    release = write_lines(
        tmp_path / "own.ftm.json",
        [
            ent("p1", "Person", name="Ivan Testov"),
            ent("c1", "Company", name="Testco LLC"),
            ent("o1", "Ownership", owner="p1", asset="c1", percentage="51", startDate="2020"),
        ],
    )
    imported(empty_db, release)
    again = imported(empty_db, release)
    assert again["stale"] == 0 and "not in it any more" not in again["_stderr"]
    pruned = imported(empty_db, release, extra=("--prune",))
    assert pruned["deleted"] == {} and pruned["pruned"] == {}
    assert one(empty_db, "SELECT count(*) FROM relations") == 1
    assert run_cli("check", db=empty_db).exit_code == 0


def _curate(db: Path, evidence_id: str) -> None:
    from store import review
    from store.connect import open_readwrite

    conn = open_readwrite(db)
    try:
        review.set_status(conn, evidence_id, "curated", who="a reviewer")
        conn.commit()
    finally:
        conn.close()


@pytest.mark.parametrize("how", ["DEL", "--prune"])
def test_no_import_deletes_a_finding_a_person_has_curated(empty_db: Path, tmp_path: Path, how: str) -> None:
    """A QA run: a delta's DEL and --prune deleted a sanction a reviewer had marked curated (sealed)."""
    release = tmp_path / "entities.ftm.json"
    person = ent("p-s", "Person", name="Ivan Sanctioned")
    write_lines(release, [person, ent("s-s", "Sanction", entity="p-s", authority="EU", startDate="2022-03-01")])
    imported(empty_db, release)
    finding = ref(empty_db, "s-s")
    _curate(empty_db, finding)
    if how == "DEL":
        summary = imported(empty_db, write_lines(tmp_path / "d.delta.json", ['{"op":"DEL","entity":{"id":"s-s"}}']))
        assert summary["records"]["skipped because"] == {"DEL of a finding a person has curated (left as it is)": 1}
    else:
        write_lines(release, [person])  # the next release: delisted
        summary = imported(empty_db, release, extra=("--prune",))
        assert summary["kept_curated"] == 1 and "a person has curated: kept, not deleted" in summary["_stderr"]
    assert one(empty_db, "SELECT status FROM evidence WHERE id = ?", finding) == "curated"
    assert run_cli("check", db=empty_db).exit_code == 0


def test_prune_says_what_it_removed_and_the_history_keeps_it(empty_db: Path, tmp_path: Path) -> None:
    release = tmp_path / "entities.ftm.json"
    company = ent("c1", "Company", name="Delisted Shipping LLC")
    write_lines(release, [company, ent("s1", "Sanction", entity="c1", authority="OFAC", startDate="2022")])
    imported(empty_db, release)
    finding = ref(empty_db, "s1")
    claim = one(empty_db, "SELECT claim FROM evidence WHERE id = ?", finding)
    write_lines(release, [company])
    pruned = imported(empty_db, release, extra=("--prune",))
    assert pruned["pruned"] == {"evidence": 1}
    assert "no longer holds: removed (1 evidence)" in pruned["_stderr"]
    before = one(
        empty_db, "SELECT before FROM changes WHERE record_id = ? AND field IS NULL AND after IS NULL", finding
    )
    kept = json.loads(before)  # type: ignore[arg-type]
    assert kept["claim"] == claim and [a for a, _ in kept["actors"]] == [ref(empty_db, "c1")]
    assert run_cli("check", db=empty_db).exit_code == 0


# ------------------------------------------------------------------------------------------ fragments, referents


def test_fragments_of_one_entity_in_two_files_merge(empty_db: Path, tmp_path: Path) -> None:
    first = write_lines(tmp_path / "a.ftm", [ent("frag", "LegalEntity", name="Azov Trading", country="ru")])
    second = write_lines(tmp_path / "b.ftm", [ent("frag", "Company", alias="AzovTrade", innCode="6164000000")])
    summary = imported(empty_db, first, second)
    assert summary["records"]["fragments merged"] == 1
    actor = ref(empty_db, "frag")
    assert one(empty_db, "SELECT name, kind, country FROM actors WHERE id = ?", actor) == (
        "Azov Trading",
        "company",
        "RU",
    )
    assert one(empty_db, "SELECT alias FROM aliases WHERE ref_id = ?", actor) == "AzovTrade"


def test_fragments_whose_schemata_ftm_cannot_merge_are_refused(empty_db: Path, tmp_path: Path) -> None:
    path = write_lines(
        tmp_path / "c.ftm",
        [ent("same", "Organization", name="Alpha"), ent("same", "Person", name="Alpha Person")],
    )
    result = run_cli("import", "ftm", str(path), db=empty_db)
    assert result.exit_code == 1
    assert f"{path}:2: its schema Person cannot merge with Organization" in result.stderr
    assert "no common schema" in result.stderr


def test_relations_pointing_at_a_referent_reach_the_entity(empty_db: Path, tmp_path: Path) -> None:
    imported(empty_db, T1)
    irgc = ref(empty_db, "NK-2PacmNpiLUmoz4XD2mSt7A")
    later = write_lines(
        tmp_path / "links.ftm",
        [
            ent("p-x", "Person", name="Example Agent"),
            ent("mem-1", "Membership", member="p-x", organization="ofac-10465"),  # a referent of IRGC
        ],
    )
    imported(empty_db, later)
    assert query(empty_db, "SELECT object_id, kind FROM relations") == [(irgc, "member-of")]
    # and within one import too
    both = write_lines(
        tmp_path / "both.ftm",
        [
            {**ent("NK-1", "Company", name="One Referent Co"), "referents": ["old-id-1"]},
            ent("own-1", "Ownership", owner="p-x", asset="old-id-1"),
        ],
    )
    imported(empty_db, both)
    assert one(empty_db, "SELECT count(*) FROM relations WHERE object_id = ?", ref(empty_db, "NK-1")) == 1


def test_a_dry_run_resolves_referents_as_the_import_does(empty_db: Path, tmp_path: Path) -> None:
    # A relation naming a referent of an actor of the same file: the dry run (which writes no referent to look
    # up) reports what the import then does, the relation made, not skipped as pointing at nothing.
    path = write_lines(
        tmp_path / "referents.ftm",
        [
            ent("p-y", "Person", name="Example Owner"),
            {**ent("NK-2", "Company", name="Two Referent Co"), "referents": ["old-id-2"]},
            ent("own-2", "Ownership", owner="p-y", asset="old-id-2"),
        ],
    )
    dry = imported(empty_db, path, extra=("--dry-run",))
    assert "not here" not in dry["_stderr"]
    real = imported(empty_db, path)
    assert one(empty_db, "SELECT count(*) FROM relations WHERE object_id = ?", ref(empty_db, "NK-2")) == 1
    for key in ("tables", "records", "warnings"):
        assert dry[key] == real[key], key
    assert dry["tables"]["relations"]["inserted"] == 1


# ------------------------------------------------------------------------------------------ names, places


def test_captions_are_the_names(empty_db: Path) -> None:
    imported(empty_db, T1)
    names = {
        r[0]: r[1]
        for r in query(
            empty_db,
            "SELECT x.external_id, a.name FROM actors a JOIN external_ids x ON x.ref_id = a.id AND x.system = 'ftm'",
        )
    }
    assert names["NK-2GdmHtZTeNXjNVrBGEXZNj"] == "RAB „Inter Tobacco“"  # not the first name, LLC “Inter Tobacco”
    assert names["NK-2Ka3UvopqbpZmVDFjWd4LA"] == "Vitaly Yurievich KUZMENKO"  # not Vitalij Kuzmenko
    # the other names are aliases
    tobacco = ref(empty_db, "NK-2GdmHtZTeNXjNVrBGEXZNj")
    assert one(empty_db, "SELECT count(*) FROM aliases WHERE ref_id = ?", tobacco) == 11


def test_topics_countries_positions_and_identifiers_are_kept(db: Path) -> None:
    empty_db = db  # the dataset's regions: Donetsk among them
    imported(empty_db, T1)
    zhuravleva = ref(empty_db, "NK-2KeUB68qUJtykm3BuAcazG")
    # the position names the Donetsk People's Republic: a finding links her to Donetsk
    location = one(
        empty_db,
        "SELECT evidence_id FROM evidence_actors WHERE actor_id = ? AND evidence_id LIKE '%-location'",
        zhuravleva,
    )
    assert query(empty_db, "SELECT region_id FROM evidence_regions WHERE evidence_id = ?", location) == [("donetsk",)]
    assert one(empty_db, "SELECT source_id, locator FROM evidence WHERE id = ?", location) == (
        "ftm-dataset-eu-fsf",
        "FtM id NK-2KeUB68qUJtykm3BuAcazG",
    )
    # what else the record says is part of her summary: shown with her, and found by search
    summary = one(empty_db, "SELECT summary FROM actors WHERE id = ?", zhuravleva)
    assert "FtM record (eu_fsf; first seen 2023-04-20; last seen 2024-06-01): topics Sanctioned (sanction)" in summary
    assert "positions “Member of the so-called ‘People’s Council’" in summary
    found = run_cli("search", "kind:actor", "Sanctioned", "Zjuravleva", "--json", db=empty_db)
    assert found.exit_code == 0 and zhuravleva in found.stdout
    kuzmenko = ref(empty_db, "NK-2Ka3UvopqbpZmVDFjWd4LA")
    assert ("tax", "366510784303") in query(
        empty_db, "SELECT system, external_id FROM external_ids WHERE ref_id = ?", kuzmenko
    )
    assert (
        one(empty_db, "SELECT count(*) FROM external_ids WHERE ref_id = ? AND system = 'ftm-referent'", kuzmenko) == 7
    )


def test_every_ftm_country_code_is_accepted_and_every_value_kept(empty_db: Path, tmp_path: Path) -> None:
    from store import ftm_model

    codes = sorted(ftm_model.COUNTRIES)
    entities = [ent(f"c-{code}", "Company", name=f"Company of {code}", country=code) for code in codes]
    summary = imported(empty_db, write_lines(tmp_path / "all.ftm", entities))
    assert not [w for w in summary["warnings"] if "country" in w["warning"]]
    stored = {r[0] for r in query(empty_db, "SELECT country FROM actors WHERE country IS NOT NULL")}
    assert {"XK", "EU", "SUHH", "GE-AB", "RU"} <= stored and "UA-CRI" not in stored  # Crimea is a region here
    many = write_lines(
        tmp_path / "many.ftm", [ent("m", "Company", name="Many Lands LLC", country=["xk", "eu", "suhh", "ge-ab"])]
    )
    imported(empty_db, many)
    kept = set(ftm_values(empty_db, "actor", ref(empty_db, "m"))["country"])
    assert kept == {"xk", "eu", "suhh", "ge-ab"}


def test_a_street_named_after_a_region_links_nothing_and_cities_are_cities(db: Path, tmp_path: Path) -> None:
    path = write_lines(
        tmp_path / "places.ftm",
        [
            ent("c-lon", "Company", name="Crimea Road Trading Ltd", address="12 Crimea Road, London"),
            ent("a-1", "Address", full="Unit 4, 7 Crimea Street", city="London", country="gb"),
            ent("c-2", "Company", name="Thames Holdings", addressEntity="a-1"),
            ent("a-2", "Address", full="Kerch, Ordzhonikidze St 1", city="Kerch"),
            ent("c-3", "Company", name="Kerch Ferry LLC", addressEntity="a-2"),
            ent("t-kerch", "Territory", name="Kerch", level="locality"),
            ent("t-sev", "Territory", name="Sevastopol", level="city"),
        ],
    )
    summary = imported(db, path)
    for fid in ("c-lon", "c-2"):
        assert query(db, "SELECT 1 FROM evidence WHERE id = ?", f"{ref(db, fid)}-location") == []
    location = f"{ref(db, 'c-3')}-location"
    assert query(db, "SELECT region_id FROM evidence_regions WHERE evidence_id = ?", location) == [("crimea",)]
    # a city is a region of its own, in its oblast; not merged into Crimea
    assert one(db, "SELECT name, kind, parent_id FROM regions WHERE id = ?", ref(db, "t-kerch")) == (
        "Kerch",
        "city",
        "crimea",
    )
    assert one(db, "SELECT parent_id FROM regions WHERE id = ?", ref(db, "t-sev")) == "crimea"
    assert one(db, "SELECT name FROM regions WHERE id = 'crimea'") == "Crimea"
    assert summary["records"]["merged"] == 2  # the two Address entities, as place text of their companies


def test_sanctions_keep_their_meaning(empty_db: Path, tmp_path: Path) -> None:
    path = write_lines(
        tmp_path / "san.ftm",
        [
            ent("c1", "Company", name="Example Shipping LLC"),
            ent(
                "s1",
                "Sanction",
                entity="c1",
                authority="Office of Foreign Assets Control",
                program="UKRAINE-EO13662",
                startDate=["2019-05-01", "2014-07-16"],
                endDate="2021-01-01",
                status="Delisted",
                sourceUrl="https://sanctionssearch.ofac.treas.gov/Details.aspx?id=17251",
                reason="Operated the Kerch ferry.",
            ),
        ],
    )
    imported(empty_db, path)
    claim, date, locator = one(empty_db, "SELECT claim, date, locator FROM evidence WHERE id = ?", ref(empty_db, "s1"))
    assert date == "2014-07-16"  # the earliest, not the first value
    assert locator == "https://sanctionssearch.ofac.treas.gov/Details.aspx?id=17251"
    assert "from 2014-07-16 to 2021-01-01" in claim and "status: Delisted" in claim and "no longer in force" in claim
    values = ftm_values(empty_db, "evidence", ref(empty_db, "s1"))
    props = {k: values[k][0] for k in ("endDate", "status", "program")}
    assert props == {"endDate": "2021-01-01", "status": "Delisted", "program": "UKRAINE-EO13662"}
    # and it goes back out as a Sanction
    out = [json.loads(line) for line in run_cli("export", "ftm", db=empty_db).stdout.splitlines()]
    (sanction,) = [e for e in out if e["id"] == "s1"]
    assert sanction["schema"] == "Sanction"
    assert sanction["properties"]["entity"] == ["c1"] and sanction["properties"]["status"] == ["Delisted"]
    assert sorted(sanction["properties"]["startDate"]) == ["2014-07-16", "2019-05-01"]


def test_a_modern_property_table(empty_db: Path, tmp_path: Path) -> None:
    path = write_lines(
        tmp_path / "props.ftm",
        [
            ent("p1", "Person", name="Ivan Examplov", biography="Born in Kherson in 1970."),
            ent("c1", "Company", name="Example JSC", okvedCode="46.90", sayariId="abc"),
        ],
    )
    summary = imported(empty_db, path)
    assert summary["warnings"] == []
    assert one(empty_db, "SELECT summary FROM actors WHERE id = ?", ref(empty_db, "p1")) == "Born in Kherson in 1970."


def test_ten_thousand_unknown_properties_make_one_warning(empty_db: Path, tmp_path: Path) -> None:
    props = {f"madeUp{i}": ["x"] for i in range(10_000)}
    line = json.dumps({"id": "c1", "schema": "Company", "properties": {"name": ["Many Props LLC"], **props}})
    result = run_cli("import", "ftm", str(write_lines(tmp_path / "p.ftm", [line])), db=empty_db)
    assert result.exit_code == 0
    assert result.stderr.count("unknown properties (ignored)") == 1
    assert "... and 9,980 more" in result.stderr
    assert len(result.stderr.splitlines()) < 20
