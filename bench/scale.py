"""Figures at scale (bench/run.py sections `facets`, `export`, `check`), each against a baseline in the same run.

- facets  every facet of all findings (store.search.facets, a fresh connection each time so nothing is
          remembered) vs the hand-written GROUP BY a person would run for it; and, with a filter
          (country:CN), the time to the first partial counts vs to the exact ones (information).
- export  `findings export FORMAT -o FILE` processes: CSV vs `sqlite3 -csv` of the same columns (actors and
          regions joined with group_concat, newest first); peak memory (RSS) of every format, beside the size of
          the file it wrote.
- check   `findings check` vs `sqlite3 DB "PRAGMA integrity_check; PRAGMA foreign_key_check"`.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import time
from pathlib import Path

from bench.run import FINDINGS, Figure, bytecode_env, log, median

# The baseline of each facet: what the counts cost when they are computed (the explorer did this before).
GROUP_BY = {
    "category": "SELECT category, count(*) FROM evidence GROUP BY category",
    "year": "SELECT substr(date, 1, 4), count(*) FROM evidence WHERE date IS NOT NULL GROUP BY 1",
    "region": "SELECT region_id, count(*) FROM evidence_regions GROUP BY region_id",
    "country": "SELECT a.country, count(DISTINCT l.evidence_id) FROM evidence_actors l JOIN actors a "
    "ON a.id = l.actor_id WHERE a.country IS NOT NULL GROUP BY a.country",
}

# `sqlite3 -csv` of the columns `findings export csv` writes, as a person would write the query.
CSV_SQL = """SELECT e.id, e.date, e.category, e.status, e.confidence, e.claim, e.quote, e.quantity, e.unit,
 (SELECT group_concat(a.name, '; ') FROM evidence_actors l JOIN actors a ON a.id = l.actor_id
   WHERE l.evidence_id = e.id) AS actors,
 (SELECT group_concat(l.actor_id, '; ') FROM evidence_actors l WHERE l.evidence_id = e.id) AS actor_ids,
 (SELECT group_concat(r.name, '; ') FROM evidence_regions l JOIN regions r ON r.id = l.region_id
   WHERE l.evidence_id = e.id) AS regions,
 (SELECT group_concat(l.region_id, '; ') FROM evidence_regions l WHERE l.evidence_id = e.id) AS region_ids,
 e.source_id, s.title, s.publisher, s.published, s.url, e.locator
FROM evidence e LEFT JOIN sources s ON s.id = e.source_id ORDER BY e.date DESC, e.rowid DESC"""


POLL_S = 0.005  # how often a timed process's memory is read: its time is known to this much too


def _timed_process(cmd: list[str], *, stdout: Path | None = None) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of one process.

    The peak is the child's own high-water mark (VmHWM of /proc/PID/status, read every POLL_S until it exits),
    not wait4's ru_maxrss: Linux carries the address space a process had before exec into that figure, and a
    child forked from this bench starts as a copy of it (after the ftm section, ~390 MB reported for every
    export, whatever it used)."""
    out = open(stdout, "wb") if stdout else subprocess.DEVNULL  # noqa: SIM115 - closed below
    peak_kb = 0
    try:
        t = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE, env=bytecode_env())
        while True:
            pid, status = os.waitpid(proc.pid, os.WNOHANG)
            if pid:
                break
            peak_kb = max(peak_kb, _high_water_kb(proc.pid))
            time.sleep(POLL_S)
        seconds = time.perf_counter() - t
        proc.returncode = os.waitstatus_to_exitcode(status)
        err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    finally:
        if stdout:
            out.close()  # type: ignore[union-attr]
    if proc.returncode not in (0, 1):  # check exits 1 on a problem: still a measurement
        raise RuntimeError(f"{cmd} failed ({proc.returncode}): {err[-400:]}")
    return seconds, peak_kb / 1024


def _high_water_kb(pid: int) -> int:
    """VmHWM of a running process (0 once it has gone, or before it has exec'd anything we can read)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def bench_facets(db: Path, repeats: int) -> list[Figure]:
    from store.connect import open_readonly
    from store.search import EvidenceFilter, facets, iter_facets

    figures = []
    raw = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    for facet, sql in GROUP_BY.items():
        ours, base = [], []
        for _ in range(repeats):
            conn = open_readonly(db)
            t = time.perf_counter()
            facets(conn, EvidenceFilter(), only=[facet])
            ours.append(time.perf_counter() - t)
            conn.close()
            t = time.perf_counter()
            raw.execute(sql).fetchall()
            base.append(time.perf_counter() - t)
        log(f"facets {facet}: ours {median(ours):.3f} s, GROUP BY {median(base):.3f} s")
        figures.append(
            Figure(
                f"facet_{facet}",
                f"facet {facet}, all findings",
                "s",
                median(ours),
                median(base),
                "GROUP BY",
                [("value", 0.1)],
                {"ours_s": ours, "baseline_s": base},
            )
        )
    raw.close()
    first, done = [], []
    for _ in range(repeats):
        conn = open_readonly(db)
        t = time.perf_counter()
        steps = iter_facets(conn, EvidenceFilter(countries=("CN",)))
        next(steps)
        first.append(time.perf_counter() - t)
        for _step in steps:
            pass
        done.append(time.perf_counter() - t)
        conn.close()
    figures.append(
        Figure(
            "facet_filtered_first",
            "filtered facets (country CN): first partial counts",
            "s",
            median(first),
            median(done),
            "the exact counts",
            [],
            {"first_s": first, "done_s": done},
        )
    )
    return figures


def bench_export(db: Path, repeats: int, workdir: Path) -> list[Figure]:
    sqlite = shutil.which("sqlite3")
    figures = []
    peaks: dict[str, float] = {}
    sizes: dict[str, float] = {}
    ours_csv: list[float] = []
    for fmt in ("csv", "json", "markdown"):
        target = workdir / f"export.{fmt}"
        for _ in range(repeats if fmt == "csv" else 1):
            for leftover in (target, Path(f"{target}.meta.json")):
                leftover.unlink(missing_ok=True)
            seconds, peak = _timed_process([FINDINGS, "--db", str(db), "export", fmt, "-o", str(target)])
            peaks[fmt] = max(peaks.get(fmt, 0.0), peak)
            sizes[fmt] = target.stat().st_size / 2**20
            if fmt == "csv":
                ours_csv.append(seconds)
            log(f"export {fmt}: {seconds:.2f} s, {peak:.0f} MB")
        target.unlink(missing_ok=True)
    base = []
    if sqlite:
        for _ in range(repeats):
            seconds, _peak = _timed_process(
                [sqlite, "-csv", "-header", f"file:{db}?mode=ro", CSV_SQL], stdout=workdir / "baseline.csv"
            )
            base.append(seconds)
        log(f"export csv baseline (sqlite3 -csv): {median(base):.2f} s")
    figures.append(
        Figure(
            "export_csv",
            "export csv, all findings",
            "s",
            median(ours_csv),
            median(base) if base else None,
            "sqlite3 -csv",
            [("ratio", 2.0)],
            {"ours_s": ours_csv, "baseline_s": base},
        )
    )
    for fmt, peak in peaks.items():
        figures.append(
            Figure(
                f"export_{fmt}_memory",
                f"export {fmt}, all findings: peak memory",
                "MB",
                peak,
                sizes[fmt],
                "the file's size (what holding it would take)",
                [("value", 100.0)],
            )
        )
    return figures


def bench_check(db: Path, repeats: int) -> list[Figure]:
    sqlite = shutil.which("sqlite3")
    ours, base = [], []
    # The exports before it leave ~1.7 GB of written files to be flushed: written back while the check runs,
    # they would take CPU and the disk from it (both cores are the check's; its baseline's spare core absorbs
    # them). Then the file is read into the page cache for both (the first run of either read it from disk).
    os.sync()
    with db.open("rb") as f:
        while f.read(1 << 24):
            pass
    for i in range(repeats):
        runs = [("ours", [FINDINGS, "--db", str(db), "check"])]
        if sqlite:
            runs.append(("base", [sqlite, f"file:{db}?mode=ro", "PRAGMA integrity_check; PRAGMA foreign_key_check;"]))
        for name, argv in runs if i % 2 == 0 else runs[::-1]:  # (each goes first in every other pair)
            (ours if name == "ours" else base).append(_timed_process(argv)[0])
        log(f"check: ours {ours[-1]:.1f} s, sqlite3 {base[-1] if base else float('nan'):.1f} s")
    return [
        Figure(
            "check",
            "findings check",
            "s",
            median(ours),
            median(base) if base else None,
            "sqlite3 integrity_check + foreign_key_check",
            [("ratio", 1.3)],
            {"ours_s": ours, "baseline_s": base},
        )
    ]
