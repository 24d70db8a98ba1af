"""1M tiny records of each import format: time and peak memory per record, against the plain parser of the
same file (not run in CI; tests/test_bench_import_records.py runs it at a tiny size).

    .venv/bin/python bench/import_records.py [--records 1000000] [--formats yaml,json,csv,article]
                                             [--no-import] [--json-out bench/import_records.json]

For each format a file of N tiny findings is generated (a top-level source and `{id, claim, category}` records;
CSV rows with their source; an article of N short paragraphs). Each measurement runs in a fresh process, which
reports its time and its peak resident memory (its own VmHWM, not ru_maxrss); memory per record is that peak
less the peak of the same process doing nothing (the interpreter and the modules it imported), divided by N:

- baseline   the plain parser of the whole file: `json.loads`, `csv.reader` (every row), PyYAML's libyaml safe
             loader `yaml.load(f, CSafeLoader)` (and, below 200,000 records, the pure-Python `yaml.safe_load`);
             for articles, reading the file and splitting it at blank lines
- reading    our reader: every record parsed, checked and validated into the records the import writes (no
             database): importers.native / csv_tables / article, as `findings import` runs them (with its
             garbage collector's pacing, importers.collection)
- import     `findings import FORMAT FILE` into a new database: reading, references, planning, writing and the
             commit (the article import also tags every paragraph)

Times are CPU seconds of the measured part (wall seconds are recorded too): on a shared machine they vary less.
Targets (issue 14): reading ≤ 3x the baseline's time and ≤ 2 KB peak per record.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
FORMATS = ("yaml", "json", "csv", "article")
SUFFIX = {"yaml": "yaml", "json": "json", "csv": "csv", "article": "md"}


def generate(fmt: str, n: int, path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        if fmt == "yaml":
            f.write("source:\n  id: bench-source\n  title: Benchmark source\nevidence:\n")
            for i in range(n):
                f.write(f"  - id: e-{i:07d}\n    claim: Claim number {i}\n    category: trade\n")
        elif fmt == "json":
            f.write('{"source": {"id": "bench-source", "title": "Benchmark source"},\n "evidence": [\n')
            for i in range(n):
                sep = ",\n" if i < n - 1 else "\n"
                f.write(f'  {{"id": "e-{i:07d}", "claim": "Claim number {i}", "category": "trade"}}{sep}')
            f.write("]}\n")
        elif fmt == "csv":  # (its source is in sources.csv beside it, see `files`)
            f.write("id,claim,category,source_id\r\n")
            for i in range(n):
                f.write(f"e-{i:07d},Claim number {i},trade,bench-source\r\n")
        else:
            f.write("# Benchmark article\n\n")
            for i in range(n):
                f.write(f"Paragraph number {i} of the benchmark article names nothing in particular.\n\n")


def files(fmt: str, path: Path) -> list[Path]:
    """The files one import of `fmt` reads: CSV needs its source's table too."""
    if fmt != "csv":
        return [path]
    sources = path.with_name("sources.csv")
    sources.write_text("id,title\r\nbench-source,Benchmark source\r\n", encoding="utf-8")
    return [sources, path]


# What each measuring process runs; it prints {"seconds": ..., "records": ...}.
_PRELUDE = f"""
import sys, time, json
sys.path.insert(0, {str(ROOT)!r})
path = sys.argv[1]
"""
_END = (
    "\nt, c = time.perf_counter() - t, time.process_time() - c"
    "\nhwm = next(int(line.split()[1]) for line in open('/proc/self/status') if line.startswith('VmHWM:'))"
    "\nprint(json.dumps({'seconds': t, 'cpu': c, 'records': n, 'peak_kb': hwm}))\n"
)
_OPEN = "open(path, encoding='utf-8', newline='')"
_T0 = "t, c = time.perf_counter(), time.process_time()\n"
JOBS = {
    "idle": "t, c = time.perf_counter(), time.process_time(); n = 0",
    "baseline-json": "import json\n" + _T0 + f"n = len(json.loads({_OPEN}.read())['evidence'])",
    "baseline-csv": "import csv\n" + _T0 + f"n = sum(1 for _ in csv.reader({_OPEN})) - 1",
    "baseline-yaml": "import yaml\n" + _T0 + f"n = len(yaml.load({_OPEN}, yaml.CSafeLoader)['evidence'])",
    "baseline-yaml-pure": "import yaml\n" + _T0 + f"n = len(yaml.safe_load({_OPEN})['evidence'])",
    "baseline-article": (_T0 + f"n = sum(1 for p in {_OPEN}.read().split('\\n\\n') if p.strip()) - 1"),
}
# Each reader, and the same process idle (its imports, no reading: what its peak is measured against).
_READERS = {
    "native": (
        "from importers.loaders import TextInput\nfrom importers.native import native_records\n",
        "with TextInput(path) as inp:\n    n = sum(1 for _ in native_records(inp, sys.argv[2])) - 1",
    ),
    "csv": ("from importers.csv_tables import CsvTable\n", "n = sum(1 for _ in CsvTable(path).records())"),
    "article": ("from importers.article import read_article\n", "n = len(read_article(path).paragraphs)"),
}
# Run as `findings import` runs them: with its pacing of the garbage collector (importers.collection).
_PACED = "from importers.collection import fewer_collections\n"
for _name, (_imports, _work) in _READERS.items():
    _paced = "with fewer_collections():\n" + "".join(f"    {line}\n" for line in _work.splitlines())
    JOBS[f"reading-{_name}"] = _PACED + _imports + _T0 + _paced
    JOBS[f"idle-{_name}"] = _PACED + _imports + _T0 + "n = 0"


def _run_import(fmt: str, paths: list[Path], work: Path) -> dict:
    db = work / f"import-{fmt}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("FINDINGS_")} | {"FINDINGS_HOME": str(work)}
    start = time.perf_counter()
    proc = subprocess.Popen(
        [PYTHON, str(ROOT / "main.py"), "--db", str(db), "import", fmt, *map(str, paths)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        cwd=work,
    )
    status, usage, peak_kb = _wait_with_peak(proc)
    seconds = time.perf_counter() - start
    err = proc.stderr.read().decode() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"import {fmt} failed: {err[-2000:]}")
    return {"seconds": seconds, "cpu": usage.ru_utime + usage.ru_stime, "peak_kb": peak_kb}


POLL_S = 0.005


def _wait_with_peak(proc: subprocess.Popen) -> tuple[int, os.struct_rusage, int]:
    """Wait for `proc`: (wait status, resource usage, its peak RSS in KiB).

    The peak is the child's own high-water mark (VmHWM of /proc/PID/status, read every POLL_S while it runs),
    not wait4's ru_maxrss, which Linux carries over from the address space the process had before exec: a copy
    of the process that started it (run.py after the ftm section: ~390 MB for every child)."""
    peak_kb = 0
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            return status, usage, peak_kb
        try:
            with open(f"/proc/{proc.pid}/status") as f:
                peak_kb = max(peak_kb, next((int(line.split()[1]) for line in f if line.startswith("VmHWM:")), 0))
        except OSError:
            pass
        time.sleep(POLL_S)


def _measure_child(job: str, path: Path, *args: str) -> dict:
    code = _PRELUDE + JOBS[job] + _END
    r, w = os.pipe()
    proc = subprocess.Popen([PYTHON, "-c", code, str(path), *args], stdout=w, stderr=subprocess.PIPE, cwd=ROOT)
    os.close(w)
    with os.fdopen(r) as f:
        out = f.read()  # the child's last line: written once its work is done, just before it exits
    status, _usage, _peak = _wait_with_peak(proc)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{job} failed: {proc.stderr.read().decode()[-2000:] if proc.stderr else ''}")
    return json.loads(out)


def bench_format(fmt: str, n: int, work: Path, *, do_import: bool, repeats: int = 1) -> dict:
    path = work / f"records.{SUFFIX[fmt]}"
    generate(fmt, n, path)
    out: dict = {"format": fmt, "records": n, "file_bytes": path.stat().st_size}
    idle = _measure_child("idle", path)
    baselines = [f"baseline-{fmt}"] + (["baseline-yaml-pure"] if fmt == "yaml" and n < 200_000 else [])
    reading = {"yaml": ("reading-native", "yaml"), "json": ("reading-native", "json")}.get(fmt, (f"reading-{fmt}",))
    runs = {
        "baseline": [_measure_child(baselines[0], path)],
        "reading": [_measure_child(reading[0], path, *reading[1:])],
    }
    if len(baselines) > 1:
        runs["baseline_pure"] = [_measure_child(baselines[1], path)]
    reading_idle = _measure_child(reading[0].replace("reading-", "idle-"), path)  # with the reader's imports
    for _ in range(repeats - 1):  # interleaved, so that the load of the moment weighs on both alike
        runs["baseline"].append(_measure_child(baselines[0], path))
        runs["reading"].append(_measure_child(reading[0], path, *reading[1:]))
    if do_import:
        runs["import"] = [_run_import(fmt, files(fmt, path), work)]
    for name, samples in runs.items():
        best = min(samples, key=lambda s: s["cpu"])
        base_kb = (reading_idle if name == "reading" else idle)["peak_kb"]
        out[name] = {
            "seconds": min(s["seconds"] for s in samples),
            "cpu": best["cpu"],
            "peak_kb": min(s["peak_kb"] for s in samples),
            "bytes_per_record": max(0, min(s["peak_kb"] for s in samples) - base_kb) * 1024 / n,
            "us_per_record": best["cpu"] * 1e6 / n,
        }
    base = out["baseline"]
    for name in ("reading", "import", "baseline_pure"):
        if name in out:
            out[name]["time_ratio"] = out[name]["cpu"] / base["cpu"]
            out[name]["memory_ratio"] = out[name]["bytes_per_record"] / max(base["bytes_per_record"], 1e-9)
    path.unlink()
    return out


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--no-import", action="store_true", help="Measure reading only, not the full import.")
    parser.add_argument("--repeats", type=int, default=2, help="Runs of the baseline and the reader (the best).")
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory(prefix="findings-bench-") as tmp:
        for fmt in args.formats.split(","):
            results.append(
                bench_format(fmt, args.records, Path(tmp), do_import=not args.no_import, repeats=args.repeats)
            )
            _print(results[-1])
    if args.json_out:
        load = os.getloadavg() if hasattr(os, "getloadavg") else None
        args.json_out.write_text(json.dumps({"load_average": load, "results": results}, indent=2) + "\n")
    return results


def _print(r: dict) -> None:
    print(f"{r['format']}: {r['records']:,} records, {r['file_bytes'] / 1e6:.1f} MB")
    for name in ("baseline", "baseline_pure", "reading", "import"):
        if name not in r:
            continue
        m = r[name]
        ratio = f"  {m['time_ratio']:.2f}x time" if "time_ratio" in m else ""
        print(
            f"  {name:<14} {m['seconds']:8.2f} s  cpu {m['cpu']:8.2f} s  {m['us_per_record']:7.2f} µs/record  "
            f"peak {m['peak_kb'] / 1024:7.1f} MB  {m['bytes_per_record']:7.0f} B/record{ratio}"
        )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
