"""Benchmark: `findings import ftm` of 200,000 entities against the real library's validating parse of the file.

    .venv/bin/python bench/ftm_import.py [--entities 200000] [--repeats 1]

The file is made of the real entities of tests/data/ftm/ (OpenSanctions persons and organisations with their
captions, referents, datasets and topics, Russian companies with INN/OGRN codes, an Ownership, Addresses,
German donations with Payments) plus OpenSanctions-shaped Sanctions and relations between them (an ownership
history, a directorship), copied with new ids, names and identifiers until there are N entities, references
kept within each copy.

Baseline, in a fresh process on the same file: the validating parse of the `followthemoney` library
(`ftm validate` reads each line with orjson and builds a ValueEntity from it) when the library is installed,
else plain `json.loads` of every line. Figures: our CPU time as a ratio of the baseline's (target ≤ 1.5x), the
peak memory of the import (maximum RSS above the process's size once its modules are loaded) per entity
(target ≤ 300 B), and the memory an entity adds: the peak minus that of importing the file's first tenth, per
entity of the difference (what the fixed costs hide in a small run).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "ftm"
REAL = ("yente-t1.ftm.json", "yente-zala-excerpt.ftm.json", "nomenklatura-donations-head.ijson")

# OpenSanctions-shaped sanctions (the fixtures have none): one per person or organisation of the copy.
SANCTION = {
    "schema": "Sanction",
    "caption": "Sanction",
    "properties": {
        "authority": ["Council of the European Union"],
        "program": ["Belarus"],
        "programId": ["EU-BLR"],
        "sourceUrl": ["https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:32012R0765"],
        "startDate": ["2022-06-03"],
        "reason": ["Supports the regime and benefits from it."],
    },
    "datasets": ["eu_fsf"],
    "first_seen": "2023-04-20T18:00:25",
    "last_seen": "2024-06-01T10:57:03",
}


IDENTIFIERS = frozenset(
    {"innCode", "ogrnCode", "kppCode", "registrationNumber", "taxNumber", "leiCode", "imoNumber", "wikidataId"}
)


def _identifier(prop: str, value: str, copy_no: int) -> str:
    """`value` made another identifier for copy `copy_no`: one of the same form, with valid check digits where
    its system has them (as real files have: an identifier failing its check is warned of, not matched on)."""
    from importers.ftm.check_digits import check_digit_problem
    from store.ftm_mapping import IDENTIFIER_SYSTEMS

    system = IDENTIFIER_SYSTEMS.get(prop, "")
    if check_digit_problem(system, value) is not None or system not in ("inn", "ogrn", "lei", "imo"):
        return f"{value}{copy_no}"
    prefix = "IMO " if value.upper().startswith("IMO") else ""
    body = value[len(prefix) :].replace(" ", "")
    tail = 2 if system == "lei" or (system == "inn" and len(body) == 12) else 1
    stem = body[: len(body) - tail - 6] + str(copy_no % 10**6).zfill(6)  # the copy's number before the check
    for check in range(10**tail):
        candidate = f"{prefix}{stem}{check:0{tail}d}"
        if check_digit_problem(system, candidate) is None:
            return candidate
    return f"{value}{copy_no}"


# Relations between entities of the real files (the zala excerpt's Ownership points outside it): an ownership
# history of two of its companies and a directorship of a t1 person in a t1 organisation, shaped as OpenSanctions
# writes them.
RELATIONS = [
    {
        "id": "own-hist-1",
        "schema": "Ownership",
        "properties": {
            "owner": ["NK-56Edov9bas9puzaChH5pBy"],
            "asset": ["NK-9Xa4Kg7Y7nfccE7VcZt6Q6"],
            "percentage": ["50"],
            "startDate": ["2020-01-10"],
            "endDate": ["2022-06-30"],
        },
        "datasets": ["ext_ru_egrul"],
    },
    {
        "id": "own-hist-2",
        "schema": "Ownership",
        "properties": {
            "owner": ["NK-56Edov9bas9puzaChH5pBy"],
            "asset": ["NK-9Xa4Kg7Y7nfccE7VcZt6Q6"],
            "percentage": ["51"],
            "startDate": ["2022-07-01"],
        },
        "datasets": ["ext_ru_egrul"],
    },
    {
        "id": "dir-1",
        "schema": "Directorship",
        "properties": {
            "director": ["NK-2Ka3UvopqbpZmVDFjWd4LA"],
            "organization": ["NK-2GdmHtZTeNXjNVrBGEXZNj"],
            "role": ["General Director"],
        },
        "datasets": ["eu_fsf"],
    },
]


def templates() -> list[dict]:
    out = []
    for name in REAL:
        for line in (DATA / name).read_text(encoding="utf-8").splitlines():
            if line.strip().startswith("{"):
                out.append(json.loads(line))
    return out + copy.deepcopy(RELATIONS)


def _rename(value: object, suffix: str, ids: set[str]) -> object:
    if isinstance(value, str):
        return f"{value}-{suffix}" if value in ids else value
    if isinstance(value, list):
        return [_rename(v, suffix, ids) for v in value]
    return value


def generate(path: Path, n: int) -> int:
    """Write n entities to `path`; returns the file size. Identifiers get the copy number too (an INN names one
    company)."""
    base = templates()
    ids = {e["id"] for e in base}
    written = 0
    with path.open("w", encoding="utf-8") as f:
        copy_no = 0
        while written < n:
            suffix = f"c{copy_no}"
            for template in base:
                if written >= n:
                    break
                entity = copy.deepcopy(template)
                entity["id"] = f"{template['id']}-{suffix}"
                props = entity["properties"]
                for key, values in props.items():
                    props[key] = _rename(values, suffix, ids)
                if "name" in props:
                    props["name"] = [f"{v} {copy_no}" for v in props["name"]]
                for key in IDENTIFIERS.intersection(props):
                    props[key] = [_identifier(key, v, copy_no) for v in props[key]]
                    if entity.get("caption"):
                        entity["caption"] = f"{entity['caption']} {copy_no}"
                for key in ("referents",):
                    if key in entity:
                        entity[key] = [f"{r}-{suffix}" for r in entity[key]]
                f.write(json.dumps(entity, ensure_ascii=False) + "\n")
                written += 1
                if template["schema"] in ("Person", "Organization", "Company") and written < n:
                    sanction = copy.deepcopy(SANCTION)
                    sanction["id"] = f"san-{entity['id']}"
                    sanction["properties"]["entity"] = [entity["id"]]
                    f.write(json.dumps(sanction, ensure_ascii=False) + "\n")
                    written += 1
            copy_no += 1
    return path.stat().st_size


BASELINE = r"""
import json, resource, sys, time
path = sys.argv[1]
try:
    import orjson
    from followthemoney.entity import ValueEntity
    kind = "followthemoney " + __import__("followthemoney").__version__ + " validating parse (orjson + ValueEntity)"
except ImportError:
    orjson = None
    kind = "json.loads of every line (followthemoney not installed)"
start = time.process_time()
n = 0
with open(path, "rb") as fh:
    if orjson is not None:
        while line := fh.readline():
            ValueEntity.from_dict(orjson.loads(line), cleaned=False)
            n += 1
    else:
        for line in fh:
            json.loads(line)
            n += 1
print(json.dumps({"cpu": time.process_time() - start, "n": n, "kind": kind}))
"""

OURS = r"""
import contextlib, io, json, resource, sys, time
sys.path.insert(0, sys.argv[1])
from importers.ftm import run_import
import importers.ftm.importer  # noqa: F401 (everything loaded before the baseline size is taken)
from store.connect import open_readwrite
db, path = sys.argv[2], sys.argv[3]
open_readwrite(db, create=True).close()
def status_kb(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
base = status_kb("VmRSS")
start, wall = time.process_time(), time.perf_counter()
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    report = run_import(db, (path,))
cpu, wall = time.process_time() - start, time.perf_counter() - wall
peak = status_kb("VmHWM")  # not ru_maxrss: Linux carries into it the address space the process had before exec
print(json.dumps({"cpu": cpu, "wall": wall, "base_kb": base, "peak_kb": peak, "records": report.accounting}))
"""


def run_once(path: Path, workdir: Path) -> dict:
    db = workdir / "ftm-bench.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    base = subprocess.run(
        [sys.executable, "-c", BASELINE, str(path)], capture_output=True, text=True, check=True, timeout=3600
    )
    ours = subprocess.run(
        [sys.executable, "-c", OURS, str(ROOT), str(db), str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=3600,
    )
    return {"baseline": json.loads(base.stdout), "ours": json.loads(ours.stdout.strip().splitlines()[-1])}


def _peak_kb(run: dict) -> int:
    return max(0, run["ours"]["peak_kb"] - run["ours"]["base_kb"])


def measure(n: int, repeats: int, workdir: Path) -> dict:
    """Both figures, and the memory per entity without the import's fixed costs (the matcher, SQLite's page
    cache filling, Python's first arenas): the peak of this import minus that of an import of its first tenth,
    per entity of the difference. At 200,000 entities the fixed costs are a small part of the peak; at a few
    hundred (the smoke run) they are all of it, and only the growth says what an entity costs."""
    path = workdir / "entities.ftm.json"
    size = generate(path, n)
    small_n = max(1, n // 10)
    small = workdir / "entities-tenth.ftm.json"
    generate(small, small_n)  # the first tenth of the same entities (generate writes them in the same order)
    runs = [run_once(path, workdir) for _ in range(repeats)]
    small_runs = [run_once(small, workdir) for _ in range(repeats)]
    best = min(runs, key=lambda r: r["ours"]["cpu"] / r["baseline"]["cpu"])
    ours, base = best["ours"], best["baseline"]
    growth_kb = min(_peak_kb(r) for r in runs) - min(_peak_kb(r) for r in small_runs)
    return {
        "entities": n,
        "file_bytes": size,
        "ours_cpu_s": ours["cpu"],
        "ours_wall_s": ours["wall"],
        "baseline_cpu_s": base["cpu"],
        "baseline": base["kind"],
        "ratio": ours["cpu"] / base["cpu"],
        "peak_bytes_per_entity": max(0, ours["peak_kb"] - ours["base_kb"]) * 1024 / n,
        "growth_bytes_per_entity": max(0, growth_kb) * 1024 / max(1, n - small_n),
        "tenth_entities": small_n,
        "records": ours["records"],
        "runs": runs,
    }


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--entities", type=int, default=200_000)
    ap.add_argument("--repeats", type=int, default=1)
    a = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="findings-ftm-bench-") as tmp:
        result = measure(a.entities, a.repeats, Path(tmp))
    print(
        f"import ftm of {result['entities']:,} entities ({result['file_bytes'] / 1e6:.0f} MB): "
        f"{result['ours_cpu_s']:.1f} s CPU ({result['ours_wall_s']:.1f} s wall), "
        f"{result['ratio']:.2f}x the baseline's {result['baseline_cpu_s']:.1f} s ({result['baseline']}); "
        f"peak memory {result['peak_bytes_per_entity']:.0f} B per entity, "
        f"{result['growth_bytes_per_entity']:.0f} B per entity from {result['tenth_entities']:,} entities to "
        f"{result['entities']:,}"
    )
    print(json.dumps(result["records"]))
    return result


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
