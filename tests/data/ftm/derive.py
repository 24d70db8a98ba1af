"""Regenerates the files of this directory that are derived from the real ones with the `followthemoney` library:

    .venv/bin/pip install followthemoney && .venv/bin/python tests/data/ftm/derive.py

- yente-t1.pretty.json: `ftm pretty` of yente-t1.ftm.json (indented objects, one after another);
- yente-t1-head.statements.{csv,json}: `ftm statements` of its first three entities (dataset eu_fsf);
- donations-nested.json: one entity of nomenklatura-donations-head.ijson as yente's
  `/entities/<id>?nested=true` serves it: the entities it references embedded in place, and the entities that
  reference it (its Payments, through the reverse property `paymentPayer`) embedded under that property.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
FTM = str(Path(sys.executable).parent / "ftm")


def nested(root_id: str, entities: dict[str, dict]) -> dict:
    from followthemoney import model

    def embed(data: dict, depth: int, skip: str | None) -> dict:
        schema = model.get(data["schema"])
        out = {"id": data["id"], "schema": data["schema"], "properties": {}}
        for prop_name, values in data["properties"].items():
            prop = schema.get(prop_name)
            if prop is not None and prop.type.name == "entity" and depth < 2:
                values = [embed(entities[v], depth + 1, data["id"]) if v in entities and v != skip else v for v in values]
            out["properties"][prop_name] = values
        if depth == 0:  # what points here, under the reverse property of the pointing entity's property
            for other in entities.values():
                other_schema = model.get(other["schema"])
                for prop_name, values in other["properties"].items():
                    prop = other_schema.get(prop_name)
                    if prop is not None and prop.reverse is not None and data["id"] in values:
                        out["properties"].setdefault(prop.reverse.name, []).append(embed(other, depth + 1, data["id"]))
        return out

    return embed(entities[root_id], 0, None)


def main() -> None:
    subprocess.run([FTM, "pretty", "-i", str(HERE / "yente-t1.ftm.json")], stdout=(HERE / "yente-t1.pretty.json").open("wb"), check=True)
    head = HERE / "yente-t1-head.ftm.json.tmp"
    head.write_text("".join((HERE / "yente-t1.ftm.json").read_text(encoding="utf-8").splitlines(True)[:3]), encoding="utf-8")
    for fmt in ("csv", "json"):
        out = HERE / f"yente-t1-head.statements.{fmt}"
        subprocess.run([FTM, "statements", "-f", fmt, "-d", "eu_fsf", "-o", str(out), str(head)], check=True)
    head.unlink()
    lines = (HERE / "nomenklatura-donations-head.ijson").read_text(encoding="utf-8").splitlines()
    entities = {e["id"]: e for e in map(json.loads, lines)}
    root = "62ad0fe6f56dbbf6fee57ce3da76e88c437024d5"  # Verband der Bayerischen Metall- und Elektroindustrie e.V.
    (HERE / "donations-nested.json").write_text(
        json.dumps(nested(root, entities), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main()
