"""Checks against the real `followthemoney` library: the export is valid FtM, real files survive a round trip,
and the model tables findings carries (store/ftm_model.py) are FtM's own.

The library needs PyICU (compiled), so it is never a dependency of findings; these tests are skipped without
it. To run them: `.venv/bin/pip install -e '.[ftm]'` (or `pip install followthemoney`), then
`.venv/bin/pytest -m ftm_library`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli

pytestmark = pytest.mark.ftm_library
followthemoney = pytest.importorskip(
    "followthemoney", reason="the followthemoney library is not installed (.venv/bin/pip install -e '.[ftm]')"
)

DATA = ROOT / "tests" / "data" / "ftm"
REAL = [
    "yente-t1.ftm.json",
    "yente-zala-excerpt.ftm.json",
    "nomenklatura-donations-head.ijson",
    "donations-nested.json",
    "aleph-samples-excerpt.ijson",
    "yente-t1-head.statements.csv",
    "yente-t2.delta.json",
]


def entities_of(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def export_of(db: Path) -> list[dict]:
    result = run_cli("export", "ftm", db=db)
    assert result.exit_code == 0, result.output
    return entities_of(result.stdout)


@pytest.fixture(scope="module")
def everything(tmp_path_factory: pytest.TempPathFactory, built_db: Path) -> Path:
    """The dataset plus every real file and the scenarios, as one database."""
    import shutil

    path = tmp_path_factory.mktemp("ftm-library") / "data.db"
    shutil.copyfile(built_db, path)
    for name in [*REAL, "scenario.ijson", "warnings.ijson"]:
        result = run_cli("import", "ftm", str(DATA / name), "--skip-invalid", db=path)
        assert result.exit_code == 0, (name, result.output)
    assert run_cli("import", "article", str(ROOT / "tests/data/articles/port-cranes.md"), db=path).exit_code == 0
    return path


def test_the_model_tables_are_ftms_own() -> None:
    from tests.ftm_model_gen import TARGET, render

    assert TARGET.read_text(encoding="utf-8") == render(), (
        "store/ftm_model.py is stale: run python -m tests.ftm_model_gen"
    )


def test_every_exported_entity_is_valid(everything: Path, tmp_path: Path) -> None:
    from followthemoney import model
    from followthemoney.entity import ValueEntity

    entities = export_of(everything)
    assert len(entities) > 100
    schemata = {e["id"]: e["schema"] for e in entities}
    assert len(schemata) == len(entities), "every FtM id once"
    for data in entities:
        proxy = model.get_proxy(json.loads(json.dumps(data)), cleaned=True)
        assert proxy.schema.name == data["schema"]
        cleaned = ValueEntity.from_dict(json.loads(json.dumps(data)), cleaned=False)
        for prop_name, values in data["properties"].items():
            prop = proxy.schema.get(prop_name)
            assert prop is not None and not prop.stub, (data["id"], prop_name)
            kept = cleaned.get(prop_name, quiet=True)
            assert len(kept) == len(set(values)), (data["id"], prop_name, values, kept)  # no value is invalid
            if prop.type.name == "entity":
                for value in values:
                    assert value in schemata, (data["id"], prop_name, value)
                    assert model.get(schemata[value]).is_a(prop.range), (data["id"], prop_name, schemata[value])
    out = tmp_path / "export.ftm.json"
    out.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entities), encoding="utf-8")
    ftm = Path(sys.executable).parent / "ftm"
    proc = subprocess.run([str(ftm), "validate", "-i", str(out)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert len(entities_of(proc.stdout)) == len(entities)


def test_an_employment_between_two_people_is_not_exported_as_one(empty_db: Path, tmp_path: Path) -> None:
    from followthemoney import model

    path = tmp_path / "e.ftm"
    path.write_text(
        "\n".join(
            json.dumps(e)
            for e in (
                {"id": "p1", "schema": "Person", "properties": {"name": ["A Example"]}},
                {"id": "p2", "schema": "Person", "properties": {"name": ["B Example"]}},
                {"id": "e1", "schema": "Employment", "properties": {"employee": ["p1"], "employer": ["p2"]}},
            )
        ),
        encoding="utf-8",
    )
    assert run_cli("import", "ftm", str(path), db=empty_db).exit_code == 0
    (link,) = [e for e in export_of(empty_db) if e["id"] == "e1"]
    assert link["schema"] == "UnknownLink" and link["properties"]["role"] == ["employed-by"]
    model.get_proxy(link)


@pytest.mark.parametrize("name", REAL)
def test_real_files_survive_a_round_trip(empty_db: Path, name: str) -> None:
    """What FtM says about each entity of a real file comes back out of findings under the same FtM id."""
    from followthemoney.entity import ValueEntity

    source = DATA / name
    assert run_cli("import", "ftm", str(source), db=empty_db).exit_code == 0
    out = {e["id"]: ValueEntity.from_dict(e) for e in export_of(empty_db)}
    if name.endswith(".statements.csv"):
        originals = entities_of(T1_HEAD)
    elif name.endswith(".delta.json"):
        originals = [json.loads(line)["entity"] for line in source.read_text(encoding="utf-8").splitlines()]
    elif name == "donations-nested.json":
        originals = [json.loads(line) for line in (DATA / "nomenklatura-donations-head.ijson").read_text().splitlines()]
        nested = json.dumps(json.loads(source.read_text(encoding="utf-8")))
        originals = [e for e in originals if f'"{e["id"]}"' in nested]
    else:
        originals = [e for e in entities_of_file(source) if e.get("schema")]
    checked = 0
    for data in originals:
        original = ValueEntity.from_dict(data)
        if original.id not in out:
            assert original.schema.name in ("Address", "Workbook", "Ownership"), original.id
            continue
        back = out[original.id]
        checked += 1
        assert back.schema.name == original.schema.name or back.schema.is_a(original.schema), original.id
        for prop in original.iterprops():
            if prop.name in ("indexText", "bodyText", "addressEntity", "notes", "createdAt", "modifiedAt"):
                continue
            if prop.name.endswith("Mentioned"):  # what Aleph's text analysis found in it: not the entity's own
                continue
            wanted = set(original.get(prop))
            got = set(back.get(prop.name, quiet=True))
            if prop.name == "name":  # the other names come back as aliases
                got |= set(back.get("alias", quiet=True))
            if (
                prop.type.name == "name"
                or prop.name in ("country", "topics", "datasets")
                or prop.type.name == "identifier"
            ):
                assert wanted <= got, (original.id, prop.name, wanted - got)
        assert set(original.datasets) <= set(back.datasets), original.id
        if not name.endswith(".statements.csv"):  # statements name no referents
            assert set(original.referents) <= set(back.referents), original.id
    assert checked


T1_HEAD = "".join((DATA / "yente-t1.ftm.json").read_text(encoding="utf-8").splitlines(True)[:3])


def entities_of_file(path: Path) -> list[dict]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("{"):
            out.append(json.loads(line))
    return out


def test_ftm_refuses_the_merges_findings_refuses() -> None:
    from followthemoney import model
    from followthemoney.exc import InvalidData

    from store import ftm_mapping as M

    for left, right in [("Organization", "Person"), ("Company", "Vessel"), ("Sanction", "Person")]:
        with pytest.raises(InvalidData):
            model.common_schema(left, right)
        assert M.common_schema(left, right) is None
    for left, right in [("LegalEntity", "Company"), ("Thing", "Person"), ("Organization", "PublicBody")]:
        assert M.common_schema(left, right) == model.common_schema(left, right).name


def test_the_check_digits_agree_with_the_library() -> None:
    """importers/ftm/check_digits.py says of each identifier what the library's formats say (`rigour.ids`, which
    `ftm validate` uses): valid ones made by fixing the last digits, and the same with one digit changed."""
    import random

    from rigour.ids import get_identifier_format

    from importers.ftm.check_digits import check_digit_problem

    rng = random.Random(7)
    shapes = {"inn": (10, 12), "ogrn": (13, 15), "imo": (7,), "lei": (20,)}
    checked = {system: [0, 0] for system in shapes}
    for system, lengths in shapes.items():
        library = get_identifier_format(system)
        for _ in range(400):
            n = rng.choice(lengths)
            if system == "lei":
                head = "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(18))
                value = head + f"{98 - int(''.join(str(int(c, 36)) for c in head + '00')) % 97:02d}"
            else:
                value = "".join(rng.choice("0123456789") for _ in range(n))
            for candidate in (value, value[:-1] + str((int(value[-1]) + 1) % 10)):
                ours = check_digit_problem(system, candidate) is None
                assert ours == library.is_valid(candidate), (system, candidate)
                checked[system][ours] += 1
    assert all(valid and invalid for invalid, valid in checked.values()), checked  # both kinds were tried
