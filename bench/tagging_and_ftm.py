"""Benchmarks for `import article` tagging and `import ftm` (not run in CI).

    .venv/bin/python bench/tagging_and_ftm.py

Tagging: build a matcher of 100 and of 100,000 names and tag the same article; the cost of tagging should not
grow with the number of names. FtM: import a generated file of N companies and N/2 ownerships; report time and
the peak memory the import traced (tracemalloc, in a fresh process), against the file size.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from importers.matcher import Matcher  # noqa: E402

ARTICLE = (ROOT / "tests" / "data" / "articles" / "port-cranes.md").read_text(encoding="utf-8") * 20
WORDS = ["Trans", "Agro", "Steel", "Port", "Energo", "Logistics", "Invest", "Prom", "Stroy", "Azov", "Tavria"]
REAL = [
    ("China", "china"),
    ("North Korea", "north-korea"),
    ("Iran", "iran"),
    ("SANY", "sany"),
    ("Mariupol", "donetsk"),
    ("Simferopol", "crimea"),
    ("Donetsk People's Republic", "donetsk"),
    ("Donbas", "donetsk"),
]


def bench_tagging() -> None:
    rng = random.Random(1)
    for n in (100, 100_000):
        start = time.perf_counter()
        m = Matcher()
        for name, ref in REAL:
            m.add(name, [("x", ref)])
        for i in range(n - len(REAL)):
            m.add(f"{rng.choice(WORDS)} {rng.choice(WORDS)} {i:06d} LLC", [("actor", f"c{i}")])
        built = time.perf_counter() - start
        start = time.perf_counter()
        rounds = 20
        for _ in range(rounds):
            found = m.tags(ARTICLE)
        tagged = (time.perf_counter() - start) / rounds
        words = len(ARTICLE.split())
        print(f"tagging: {n:>7,} names: build {built * 1000:8.1f} ms, tag {words:,} words {tagged * 1000:6.2f} ms")
        print(f"  found {found}")


SCRIPT = r"""
import json, sys, time, tracemalloc
sys.path.insert(0, sys.argv[1])
from importers.ftm import run_import
from store.connect import open_readwrite
open_readwrite(sys.argv[2], create=True).close()
trace = sys.argv[4] == "trace"
if trace:
    tracemalloc.start()
start = time.perf_counter()
run_import(sys.argv[2], (sys.argv[3],))
print(json.dumps({"seconds": time.perf_counter() - start, "peak": tracemalloc.get_traced_memory()[1] if trace else 0}))
"""


def bench_ftm(n: int, padding: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.ftm"
        with path.open("w", encoding="utf-8") as f:
            for i in range(n):
                props = {"name": [f"Company {i}"], "indexText": ["x" * padding], "country": ["ru"]}
                f.write(json.dumps({"id": f"c{i}", "schema": "Company", "properties": props}) + "\n")
                if i % 2:
                    link = {"owner": [f"c{i}"], "asset": [f"c{i - 1}"]}
                    f.write(json.dumps({"id": f"o{i}", "schema": "Ownership", "properties": link}) + "\n")
        size = path.stat().st_size
        for mode in ("time", "trace"):
            db = Path(tmp) / f"{mode}.db"
            out = subprocess.run(
                [sys.executable, "-c", SCRIPT, str(ROOT), str(db), str(path), mode],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            result = json.loads(out.strip().splitlines()[-1])
            if mode == "time":
                seconds = result["seconds"]
            else:
                peak = result["peak"]
        print(
            f"ftm: {n:>7,} companies + {n // 2:,} ownerships, {size / 1e6:6.1f} MB: {seconds:6.1f} s "
            f"({n * 1.5 / seconds:,.0f} entities/s), traced peak {peak / 1e6:5.1f} MB"
        )


if __name__ == "__main__":
    bench_tagging()
    bench_ftm(8_000, 4_000)
    bench_ftm(100_000, 200)
