"""The benchmark: every speed, memory and bytes target, each a median over repeats next to its baseline measured
in the same run.

    .venv/bin/python bench/run.py [--quick] [--rows N] [--db bench/big.db] [--json-out bench/results.json]
                                  [--only import,search,cli,startup,lists,explorer,typing,bytes,ftm,...,peers]
                                  [--peers-venv /work/peers-venv] [--vd PATH] [--datasette PATH] [--sqlite3 PATH]

Prints a table (figure, ours, baseline, ratio, target, PASS/FAIL) and writes the JSON (figures with their samples,
the machine, the options, the load average around each section). --smoke: one of everything with short waits
(tests/test_bench_smoke.py). bench/RESULTS.md explains the methods and the latest results. Figures:

- import     our importer (importers.session.ImportSession -> store.write, as bench/generate.py uses it) vs plain
             sqlite3.executemany of the same rows into the same schema (store.schema.create, the same pragmas, one
             transaction, the same order: links, then findings with their linked names); both end committed.
- search     50 fixed queries (common and rare words, prefixes, phrases, AND/OR/NOT, qualifiers) top 50 with
             snippets: store.search.search(kinds=('evidence',)) vs the hand-written FTS5 `MATCH ... ORDER BY rank
             LIMIT 50` with snippet() in raw sqlite3; per query the median of the repeats, then p50/p95 over queries.
             Also list_evidence (no snippets) vs the same raw query without snippet(); and what the explorer's
             search bar reads for each query typed (its last word a prefix, nothing remembered): its first page,
             latest added first, and then the ranked first page and the count that replace it, vs the raw query
             without snippet().
- cli        a `findings search WORD --kind evidence --json` process (the installed console script, and
             `python main.py`) vs a `python -c` process running the same raw query; bytecode caching on for both
             (PYTHONDONTWRITEBYTECODE is unset; caches warmed first), as an installed program has it.
- startup    time to first paint of `findings tui` on data.db and on --db vs ../shared/tools/bare_textual.py, in a
             pseudo-terminal (bench/pty_session.py).
- lists      the evidence list over every finding of --db and of a 10k DB (bench/10k.db, generated if missing):
             open and jump to the end (End), timed through the TUI's own widget in a headless App.run_test (when
             rows are drawn, not Pilot's idle waits), a 1M run and a 10k run in turn, the worst pair against the
             target; RSS of the real `findings tui` process in a pty after End.
- explorer   the real TUI on --db and on the 10k DB, run for run in turn (bench/frame_probe.py: `findings tui` plus
             a 10 ms timer whose ticks it records): opening China from the palette, the worst gap between ticks
             from Enter until everything is filled in, and Enter to its header; the palette per keystroke typing
             "China" (until a hit whose underlined letters spell the text typed so far is drawn); bytes read
             (rchar of /proc/PID/io) by the first frame on --db vs data.db.
- typing     five characters typed into the search bar of `findings tui` on --db, 200 ms apart (the searches of
             the earlier prefixes still running): time until the search bar shows each; baseline: a bare Textual
             Input (bench/bare_input.py).
- facets, export, check: bench/scale.py (kept facet counts vs GROUP BY; export processes vs `sqlite3 -csv` and
             their peak memory; `findings check` vs sqlite3's integrity and foreign-key checks).
- bytes      bytes written at 80x24: first paint, and per cursor move in the evidence list and the actors pane,
             default and low-bandwidth mode, vs bare_textual.py (first paint, per OptionList move).
- peers      bench/peers.py: findings vs the tools a user would pick instead, on the same database: VisiData (first
             screen and its memory, bytes at first paint and per cursor move, open + End), Datasette's JSON API and
             raw sqlite3 (`python -c` and the `sqlite3` shell) for search. The peers live in a venv of their own
             (--peers-venv, default /work/peers-venv); one not found is skipped with a note (JSON: "skipped").
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PYTHON = sys.executable  # the project's venv python (.venv/bin/python)
FINDINGS = str(Path(sys.executable).parent / "findings")  # its console script, as `pip install -e .` makes it
BARE_TEXTUAL = ROOT.parent / "shared" / "tools" / "bare_textual.py"  # the reference baseline
if not BARE_TEXTUAL.exists():  # a checkout without ../shared: the same app, copied into bench/
    BARE_TEXTUAL = ROOT / "bench" / "bare_textual.py"
BARE_INPUT = ROOT / "bench" / "bare_input.py"
SECTIONS = (
    "import",
    "search",
    "cli",
    "startup",
    "lists",
    "explorer",
    "typing",
    "bytes",
    "ftm",
    "facets",
    "export",
    "check",
    "peers",
)
TERM = "xterm-256color"  # as ../shared/tools/ptybytes.py (its PTY_TERM default); COLORTERM unset


# ------------------------------------------------------------------------------------------------- figures


@dataclass
class Options:
    """How long and how often; --quick and --smoke change them."""

    settle: float = 1.0  # quiet time that ends a start-up in the pty (s)
    key_settle: float = 0.5  # quiet time that ends the response to a key
    warmups: int = 1  # unmeasured runs first (bytecode and page caches)
    moves: int = 10  # cursor moves per list in the bytes figure
    interval: float = 0.2  # seconds between typed characters
    search_quiet: float = 1.0  # quiet time that ends the palette's deferred search of the findings' text


OPT = Options()


@dataclass
class Figure:
    key: str
    label: str
    unit: str  # "s", "B", "MB", "x"
    ours: float | None
    baseline: float | None = None
    baseline_label: str = ""
    targets: list[tuple[str, float]] = field(default_factory=list)  # ("ratio", 1.5) / ("value", 0.2)
    samples: dict = field(default_factory=dict)
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.ours is None or not self.baseline:
            return None
        return self.ours / self.baseline

    @property
    def passed(self) -> bool | None:
        if not self.targets:
            return None
        for what, limit in self.targets:
            value = self.ratio if what == "ratio" else self.ours
            if value is None or not math.isfinite(value) or value > limit:
                return False
        return True

    def target_text(self) -> str:
        parts = []
        for what, limit in self.targets:
            parts.append(f"≤ {limit:g}x" if what == "ratio" else f"≤ {fmt(limit, self.unit)}")
        return " and ".join(parts) or "—"

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "label": self.label,
            "unit": self.unit,
            "ours": self.ours,
            "baseline": self.baseline,
            "baseline_label": self.baseline_label,
            "ratio": self.ratio,
            "targets": [{"on": w, "max": v} for w, v in self.targets],
            "target": self.target_text(),
            "pass": self.passed,
            "note": self.note,
            "samples": self.samples,
        }


def fmt(value: float | None, unit: str) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    if unit == "s":
        return f"{value * 1000:,.1f} ms" if value < 10 else f"{value:,.2f} s"
    if unit == "B":
        return f"{value / 1024:,.1f} KB" if value >= 2048 else f"{value:,.0f} B"
    if unit == "MB":
        return f"{value:,.0f} MB"
    return f"{value:,.3g}"


def median(values: list[float]) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank-interpolated percentile (p in 0..100)."""
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    k = (len(values) - 1) * p / 100
    lo, hi = math.floor(k), math.ceil(k)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def timed(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def bytecode_env() -> dict[str, str]:
    """The environment for child processes: bytecode caching on, as an installed program has it."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("FINDINGS_LOW_BANDWIDTH", None)
    env.pop("FINDINGS_DB", None)
    return env


# -------------------------------------------------------------------------------------------------- import


def _import_spec(rows: int):  # type: ignore[no-untyped-def]
    from bench.generate import Spec

    # the proportions of bench/big.db (1M findings: 50k actors, 2k regions, 10k sources)
    return Spec(rows=rows, actors=max(50, rows // 20), regions=max(10, rows // 500), sources=max(10, rows // 100))


def _plain_rows(entities, batches) -> dict[str, list[tuple]]:  # type: ignore[no-untyped-def]
    """The rows an import of these records writes, as plain tuples for executemany (built before timing)."""
    aka = {}
    aliases = []
    for kind, records in (("actor", entities.actors), ("region", entities.regions)):
        for r in records:
            names = sorted(set(r.aliases or []))
            aliases += [(kind, r.id, a) for a in names]
            aka[(kind, r.id)] = f"{r.name} ; {' ; '.join(names)}" if names else r.name
    links_a, links_r, evidence = [], [], []
    for batch in batches:
        for ev in batch.evidence:
            links_a += [(ev.id, a, role) for a, role in ev.actors]
            links_r += [(ev.id, r) for r in ev.regions]
            parts = [aka[("actor", a)] for a, _ in ev.actors] + [aka[("region", r)] for r in ev.regions]
            evidence.append((*ev.row(), " ; ".join(parts) if parts else None))
    return {
        "sources": [s.row() for s in entities.sources],
        "actors": [a.row() for a in entities.actors],
        "regions": [r.row() for r in entities.regions],
        "aliases": aliases,
        "evidence_actors": links_a,
        "evidence_regions": links_r,
        "evidence": evidence,
    }


def _remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def import_ours(path: Path, entities, batches) -> float:  # type: ignore[no-untyped-def]
    from importers.session import ImportSession

    _remove_db(path)
    t = time.perf_counter()
    with ImportSession(path, "synthetic") as session:
        session.add(entities)
        for batch in batches:
            session.add(batch)
    return time.perf_counter() - t


def import_plain(path: Path, rows: dict[str, list[tuple]]) -> float:
    from store import schema, write

    _remove_db(path)
    t = time.perf_counter()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA busy_timeout = 10000")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA journal_mode = WAL")
    schema.create(conn)
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA cache_size = -65536")
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("PRAGMA defer_foreign_keys = ON")
    for table, cols in (
        ("sources", write.SOURCE_COLS),
        ("actors", write.ACTOR_COLS),
        ("regions", write.REGION_COLS),
        ("aliases", ("kind", "ref_id", "alias")),
        ("evidence_actors", ("evidence_id", "actor_id", "role")),
        ("evidence_regions", ("evidence_id", "region_id")),
        ("evidence", (*write.EVIDENCE_COLS, "linked_names")),
    ):
        conn.executemany(write._insert_sql(table, cols), rows[table])
    conn.execute("COMMIT")
    conn.close()
    return time.perf_counter() - t


def db_fingerprint(path: Path) -> list:
    """What both imports must have written alike: row counts, derived columns, the FTS index."""
    conn = sqlite3.connect(path)
    try:
        out = []
        for table in ("sources", "actors", "regions", "aliases", "evidence", "evidence_actors", "evidence_regions"):
            out.append(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
        out += conn.execute("SELECT total(length(linked_names)), total(length(claim)) FROM evidence").fetchone()
        for table in ("actors", "regions", "sources"):
            out.append(conn.execute(f"SELECT total(evidence_count) FROM {table}").fetchone()[0])
        out.append(conn.execute("SELECT total(length(aka)) FROM actors").fetchone()[0])
        out.append(conn.execute("SELECT count(*) FROM evidence_fts WHERE evidence_fts MATCH 'crimea'").fetchone()[0])
        return out
    finally:
        conn.close()


def bench_import(rows: int, repeats: int, workdir: Path) -> list[Figure]:
    from bench.generate import Generator

    log(f"import: generating {rows:,} findings in memory")
    gen = Generator(_import_spec(rows))
    entities = gen.entities()
    batches = list(gen.evidence())
    plain = _plain_rows(entities, batches)
    ours_db, plain_db = workdir / "import-ours.db", workdir / "import-plain.db"
    ours_t, plain_t = [], []
    for i in range(repeats):
        ours_t.append(import_ours(ours_db, entities, batches))
        plain_t.append(import_plain(plain_db, plain))
        log(f"import {i + 1}/{repeats}: ours {ours_t[-1]:.2f} s, plain {plain_t[-1]:.2f} s")
    same = db_fingerprint(ours_db) == db_fingerprint(plain_db)
    _remove_db(ours_db)
    _remove_db(plain_db)
    return [
        Figure(
            "import",
            f"import {rows:,} findings (+{len(entities.actors):,} actors)",
            "s",
            median(ours_t),
            median(plain_t),
            "sqlite3.executemany",
            [("ratio", 1.5)],
            {"ours_s": ours_t, "baseline_s": plain_t, "same_rows": same, "rows": rows},
            "" if same else "the two databases differ!",
        )
    ]


# ------------------------------------------------------------------------------------------------------ ftm


def bench_ftm(entities: int, repeats: int, workdir: Path) -> list[Figure]:
    """`findings import ftm` of real-shaped entities against the FtM library's validating parse (bench/ftm_import)."""
    from bench.ftm_import import measure

    log(f"ftm: importing {entities:,} entities, {repeats} time(s)")
    result = measure(entities, repeats, workdir)
    samples = {k: v for k, v in result.items() if k != "runs"}
    return [
        Figure(
            "ftm_import",
            f"import ftm, {entities:,} entities (CPU)",
            "s",
            result["ours_cpu_s"],
            result["baseline_cpu_s"],
            result["baseline"],
            [("ratio", 1.5)],
            samples,
        ),
        Figure(
            "ftm_memory",
            f"import ftm, {entities:,} entities: peak memory per entity",
            "B",
            result["peak_bytes_per_entity"],
            result["file_bytes"] / entities,
            "the file's bytes per entity (what reading it whole would hold)",
            # judged where an entity's own cost dominates; a small run is all fixed costs (the next figure)
            [("value", 300.0)] if entities >= 100_000 else [],
            samples,
        ),
        Figure(
            "ftm_memory_growth",
            f"import ftm: memory per entity added, {result['tenth_entities']:,} -> {entities:,} entities",
            "B",
            result["growth_bytes_per_entity"],
            result["file_bytes"] / entities,
            "the file's bytes per entity",
            # below ~11,000 entities SQLite's 16 MB page cache is still filling with what the import writes
            # (about 1.5 KB per entity), so only a large run says what an entity costs once it is full
            [("value", 300.0)] if entities >= 100_000 else [],
            samples,
        ),
    ]


# -------------------------------------------------------------------------------------------------- search

_ACTOR = "EXISTS (SELECT 1 FROM evidence_actors l WHERE l.evidence_id = e.id AND l.actor_id = ?)"
# A region, every place within it, and the regions that contain it (a finding about the occupied territories as a
# whole answers region:crimea too, marked general, as store.search does).
_REGION = (
    "EXISTS (SELECT 1 FROM evidence_regions l WHERE l.evidence_id = e.id AND l.region_id IN "
    "(WITH RECURSIVE sub(id) AS (SELECT ? UNION SELECT r.id FROM regions r JOIN sub ON r.parent_id = sub.id), "
    "up(id) AS (SELECT parent_id FROM regions WHERE id = ? AND parent_id IS NOT NULL "
    "UNION SELECT r.parent_id FROM regions r JOIN up ON r.id = up.id WHERE r.parent_id IS NOT NULL) "
    "SELECT id FROM sub UNION SELECT id FROM up))"
)


def search_queries(words: list[str]) -> list[tuple[str, str, list[tuple[str, list]]]]:
    """50 queries: (what a user types, the FTS5 expression a person would write, [(extra SQL, params)])."""
    rare = [words[i] for i in range(2_000, 20_000, 2_000) if i < len(words)][:9]
    rare += [words[-1]] * (10 - len(rare))
    q: list[tuple[str, str, list]] = []
    for w in ("bank", "yuan", "trade", "grain", "the", "company", "equipment", "port", "cash", "telecom"):
        q.append((w, w, []))
    for w in rare:
        q.append((w, w, []))
    for p in ("constr", "ship", "tele", "invest", "sanct", "vess", "deliver", rare[0][:4]):
        q.append((p + "*", p + "*", []))
    for a, b in (
        ("bank", "branches"),
        ("cash", "payments"),
        ("grain", "export"),
        ("mobile", "network"),
        ("sanctions", "evasion"),
        ("the", "company"),
        ("trade", "route"),
        ("coal", "port"),
    ):
        q.append((f'"{a} {b}"', f'"{a} {b}"', []))
    q += [
        ("yuan crimea", "yuan crimea", []),
        ("huawei telecom", "huawei telecom", []),
        ("yuan OR cash", "yuan OR cash", []),
        ("cash -bank", "cash NOT bank", []),
        ("yuan actor:china", "yuan", [(_ACTOR, ["china"])]),
        ("bank region:crimea", "bank", [(_REGION, ["crimea"] * 2)]),
        ("grain category:agriculture", "grain", [("e.category = ?", ["agriculture"])]),
        ("coal after:2020", "coal", [("e.date >= ?", ["2020"])]),
        ("trade actor:china region:crimea", "trade", [(_ACTOR, ["china"]), (_REGION, ["crimea"] * 2)]),
        ("equipment status:curated", "equipment", [("e.status = ?", ["curated"])]),
        ("port category:logistics before:2018", "port", [("e.category = ?", ["logistics"]), ("e.date < ?", ["2018"])]),
        ("telecom actor:huawei", "telecom", [(_ACTOR, ["huawei"])]),
        (f"{rare[1]} region:donetsk", rare[1], [(_REGION, ["donetsk"] * 2)]),
        ("vessel region:crimea after:2022", "vessel", [(_REGION, ["crimea"] * 2), ("e.date >= ?", ["2022"])]),
    ]
    assert len(q) == 50, len(q)
    return q


def _raw_sql(match: str, extra: list[tuple[str, list]], *, snippet: bool, limit: int = 50) -> tuple[str, list]:
    cols = "e.id, e.claim, e.date, e.category, e.status, f.rank"
    if snippet:
        cols += ", snippet(evidence_fts, -1, '[', ']', '…', 16)"
    where = "evidence_fts MATCH ?" + "".join(f" AND {sql}" for sql, _ in extra)
    params: list = [match] + [p for _, ps in extra for p in ps]
    return (
        f"SELECT {cols} FROM evidence_fts f JOIN evidence e ON e.rowid = f.rowid WHERE {where} "
        f"ORDER BY f.rank LIMIT {limit}",
        params,
    )


def _typed(conn: sqlite3.Connection, text: str) -> tuple[float, float]:
    """What the explorer's evidence list reads for a query typed into the search bar (tui.screens.home,
    VirtualList.set_source's `then`), as if typed for the first time (nothing remembered: the plan is compiled
    in the time): (seconds to its first page, latest added first; seconds from then to the ranked first page
    and the count, which replace it)."""
    from store.search import ADDED, EvidenceFilter, count_evidence, list_evidence
    from store.search.evidence import COUNTS, ORDERS
    from store.search.plan import PLANS
    from tui.widgets.virtual_list import PAGE_SIZE

    for cache in (PLANS, COUNTS, ORDERS):
        cache.clear()
    flt = EvidenceFilter(query=text, as_you_type=True)
    first = timed(lambda: list_evidence(conn, flt, limit=PAGE_SIZE, order=ADDED))
    ranked = timed(lambda: (count_evidence(conn, flt), list_evidence(conn, flt, limit=PAGE_SIZE)))
    return first, ranked


def bench_search(db: Path, repeats: int) -> list[Figure]:
    from bench.generate import Generator, Spec
    from store.connect import open_readonly
    from store.search import EvidenceFilter, list_evidence, search

    queries = search_queries(Generator(Spec())._vocabulary())
    ours_conn = open_readonly(db)
    raw_conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    per = {
        "search": ([[] for _ in queries], [[] for _ in queries]),
        "list": ([[] for _ in queries], [[] for _ in queries]),
        "typed": ([[] for _ in queries], [[] for _ in queries]),
        "ranked": ([[] for _ in queries], [[] for _ in queries]),
    }
    counts: list[tuple[int, int]] = []
    log(f"search: {len(queries)} queries x {repeats} on {db.name} (+1 warm-up pass)")
    for rep in range(repeats + 1):
        for i, (text, match, extra) in enumerate(queries):
            sql, params = _raw_sql(match, extra, snippet=True)
            sql_ns, params_ns = _raw_sql(match, extra, snippet=False)
            hits: list = []
            raw: list = []
            t_ours = timed(lambda t=text, h=hits: h.extend(search(ours_conn, t, kinds=("evidence",), limit=50)))
            t_raw = timed(lambda q=sql, p=params, r=raw: r.extend(raw_conn.execute(q, p).fetchall()))
            t_list = timed(lambda text=text: list_evidence(ours_conn, EvidenceFilter(query=text), limit=50))
            t_list_raw = timed(lambda sql=sql_ns, p=params_ns: raw_conn.execute(sql, p).fetchall())
            t_first, t_ranked = _typed(ours_conn, text)
            if rep == 0:
                # The same results as the raw query, once other spellings and word forms are left out (those
                # are what findings finds beyond a plain FTS5 query: store.search.variants).
                as_typed = search(ours_conn, f"match:exact {text}", kinds=("evidence",), limit=50)
                counts.append((len(as_typed), len(raw)))
                continue
            per["search"][0][i].append(t_ours)
            per["search"][1][i].append(t_raw)
            per["list"][0][i].append(t_list)
            per["list"][1][i].append(t_list_raw)
            per["typed"][0][i].append(t_first)
            per["typed"][1][i].append(t_list_raw)
            per["ranked"][0][i].append(t_first + t_ranked)
            per["ranked"][1][i].append(t_list_raw)
    ours_conn.close()
    raw_conn.close()
    figures = []
    for name, label, (ours, raw) in (
        ("search", "search top 50 + snippets", per["search"]),
        ("list", "list_evidence top 50 (no snippets)", per["list"]),
        ("typed", "explorer: first page while typing (latest added first, 100 rows)", per["typed"]),
        ("ranked", "explorer: ranked first page + count, from typing", per["ranked"]),
    ):
        ours_med = [median(x) for x in ours]
        raw_med = [median(x) for x in raw]
        samples = {
            "queries": [q[0] for q in queries],
            "ours_median_s": ours_med,
            "baseline_median_s": raw_med,
            "result_counts": counts,
            "count_mismatches": [q[0] for q, c in zip(queries, counts, strict=True) if c[0] != c[1]],
        }
        for p in (50, 95):
            figures.append(
                Figure(
                    f"{name}_p{p}",
                    f"{label}, p{p} of 50 queries",
                    "s",
                    percentile(ours_med, p),
                    percentile(raw_med, p),
                    "raw FTS5 query",
                    {"search": [("ratio", 1.5)], "typed": [("ratio", 0.5)]}.get(name, []) if p == 95 else [],
                    samples if p == 95 else {},
                )
            )
    return figures


# ------------------------------------------------------------------------------------------------------ cli

# The hand-written FTS5 query a person would run for a search: bm25 order, a snippet, the CLI's 20 rows.
RAW_SEARCH_SQL = (
    "SELECT e.id, e.claim, snippet(evidence_fts, -1, '[', ']', '…', 16), f.rank FROM evidence_fts f "
    "JOIN evidence e ON e.rowid = f.rowid WHERE evidence_fts MATCH ? ORDER BY f.rank LIMIT 20"
)
RAW_CLI = f"""
import json, sqlite3, sys
conn = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
rows = conn.execute({RAW_SEARCH_SQL!r}, [sys.argv[2]]).fetchall()
print(json.dumps([dict(zip(("id", "title", "snippet", "score"), r)) for r in rows], indent=2))
"""


def _run_process(cmd: list[str], env: dict[str, str], *, output: bool = True) -> float:
    """Seconds one process takes; it must exit 0 and, with `output`, print something (`sqlite3 -json` prints
    nothing for no rows)."""
    t = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, check=False)
    elapsed = time.perf_counter() - t
    if proc.returncode != 0 or (output and not proc.stdout.strip()):
        raise RuntimeError(f"{cmd} failed ({proc.returncode}): {proc.stderr.decode()[-500:]}")
    return elapsed


def bench_cli(dbs: list[tuple[str, Path]], word: str, repeats: int) -> list[Figure]:
    """`--kind evidence`, so that both processes run the same query: without it the command also searches actors,
    regions and sources first (on the 1M DB twenty source titles say "yuan" and the evidence query never runs)."""
    env = bytecode_env()
    figures = []
    for n, (db_label, db) in enumerate(dbs):
        args = ["--db", str(db), "search", word, "--kind", "evidence", "--json"]
        variants = {"console": [FINDINGS, *args], "main": [PYTHON, str(ROOT / "main.py"), *args]}
        if n:  # the console script is enough on the big DB: the query dominates
            del variants["main"]
        variants["raw"] = [PYTHON, "-c", RAW_CLI, str(db), word]
        for cmd in variants.values():  # warm the bytecode caches and the page cache
            for _ in range(OPT.warmups * 3):
                _run_process(cmd, env)
        times: dict[str, list[float]] = {k: [] for k in variants}
        for _ in range(repeats):
            for k, cmd in variants.items():
                times[k].append(_run_process(cmd, env))
        log(f"cli on {db_label}: " + ", ".join(f"{k} {median(v) * 1000:.0f} ms" for k, v in times.items()))
        for k, label in (("console", "findings"), ("main", "python main.py")):
            if k not in variants:
                continue
            figures.append(
                Figure(
                    f"cli_{k}_{db_label}",
                    f"`{label} search {word} --kind evidence --json` process, {db_label}",
                    "s",
                    median(times[k]),
                    median(times["raw"]),
                    "python -c raw query",
                    [("ratio", 2.0)],
                    {"ours_s": times[k], "baseline_s": times["raw"]},
                    "bytecode caching on (PYTHONDONTWRITEBYTECODE unset, caches warmed)",
                )
            )
    return figures


# ------------------------------------------------------------------------------------------------------ tui


def tui_cmd(db: Path, *, low_bandwidth: bool = False) -> list[str]:
    return [FINDINGS, "tui", "--db", str(db), *(["--low-bandwidth"] if low_bandwidth else [])]


def bare_cmd() -> list[str]:
    return [PYTHON, str(BARE_TEXTUAL)]


def _session(cmd: list[str], env_extra: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    from bench.pty_session import Session

    return Session(cmd, env={**bytecode_env(), **(env_extra or {})}, term=TERM, cwd=str(ROOT))


def pty_startup(cmd: list[str], settle: float) -> dict:
    s = _session(cmd)
    try:
        return s.startup(settle=settle)
    finally:
        s.close()


def bench_startup(dbs: list[tuple[str, Path]], repeats: int, settle: float) -> list[Figure]:
    cmds = {"bare": bare_cmd(), **{label: tui_cmd(db) for label, db in dbs}}
    for cmd in cmds.values():  # warm bytecode and page caches
        for _ in range(OPT.warmups):
            pty_startup(cmd, settle)
    runs: dict[str, list[dict]] = {k: [] for k in cmds}
    for _ in range(repeats):
        for k, cmd in cmds.items():
            runs[k].append(pty_startup(cmd, settle))
    figures = []
    bare = runs["bare"]
    for label, _ in dbs:
        ours = runs[label]
        log(
            f"startup {label}: first paint {median([r['first_paint_s'] for r in ours])}, "
            f"bare {median([r['first_paint_s'] for r in bare])}"
        )
        samples = {"ours": ours, "baseline": bare}
        figures.append(
            Figure(
                f"startup_{label}",
                f"start-up to first paint, {label}",
                "s",
                median([r["first_paint_s"] for r in ours]),
                median([r["first_paint_s"] for r in bare]),
                "bare_textual.py",
                [("ratio", 1.25)],
                samples,
            )
        )
        figures.append(
            Figure(
                f"startup_cpu_{label}",
                f"start-up: CPU time used by first paint, {label}",
                "s",
                median([r["first_paint_cpu_s"] for r in ours]),
                median([r["first_paint_cpu_s"] for r in bare]),
                "bare_textual.py",
                note="all threads; unlike wall time, not inflated by other load on the machine",
            )
        )
        figures.append(
            Figure(
                f"startup_quiet_{label}",
                f"start-up to quiet (last byte of the first screen), {label}",
                "s",
                median([r["quiet_s"] for r in ours]),
                median([r["quiet_s"] for r in bare]),
                "bare_textual.py",
            )
        )
    return figures


def bench_bytes(db: Path, repeats: int, settle: float) -> list[Figure]:
    """First paint and per cursor move (evidence list: focused at start; actors pane: key 1), default and
    low-bandwidth, vs bare_textual.py (first paint, per OptionList move)."""
    moves, key_settle = OPT.moves, OPT.key_settle

    def tui_run(low: bool) -> dict:
        s = _session(tui_cmd(db, low_bandwidth=low))
        try:
            out = s.startup(settle=settle)
            out["evidence_moves"] = [s.key(b"\x1b[B", settle=key_settle)["bytes"] for _ in range(moves)]
            out["switch_to_actors"] = s.key(b"1", settle=key_settle)["bytes"]
            out["actor_moves"] = [s.key(b"\x1b[B", settle=key_settle)["bytes"] for _ in range(moves)]
            return out
        finally:
            s.close()

    def bare_run() -> dict:
        s = _session(bare_cmd())
        try:
            out = s.startup(settle=settle)
            out["moves"] = [s.key(b"\x1b[B", settle=key_settle)["bytes"] for _ in range(moves)]
            return out
        finally:
            s.close()

    runs: dict[str, list[dict]] = {"default": [], "low": [], "bare": []}
    for _ in range(repeats):
        runs["default"].append(tui_run(False))
        runs["low"].append(tui_run(True))
        runs["bare"].append(bare_run())
    bare_paint = median([r["first_paint_bytes"] for r in runs["bare"]])
    bare_move = median([median(r["moves"]) for r in runs["bare"]])
    figures = []
    for mode, label, paint_target in (("default", "default", 15 * 1024), ("low", "low-bandwidth", 5 * 1024)):
        rs = runs[mode]
        figures.append(
            Figure(
                f"bytes_first_paint_{mode}",
                f"bytes, first paint 80x24, {label}",
                "B",
                median([r["first_paint_bytes"] for r in rs]),
                bare_paint,
                "bare_textual.py",
                [("value", paint_target)],
                {"ours": rs, "baseline": runs["bare"]} if mode == "default" else {"ours": rs},
            )
        )
        for pane in ("evidence", "actor"):
            figures.append(
                Figure(
                    f"bytes_move_{pane}_{mode}",
                    f"bytes per cursor move, {pane} list, {label}",
                    "B",
                    median([median(r[f"{pane}_moves"]) for r in rs]),
                    bare_move,
                    "bare OptionList move",
                    [("value", 300)] if mode == "low" else [],
                )
            )
    log("bytes: " + ", ".join(f"{f.key} {f.ours}" for f in figures))
    return figures


def bench_typing(db: Path, text: str, repeats: int, settle: float, interval: float) -> list[Figure]:
    """Type `text` into the search bar (after `/`), one character every `interval` seconds (searches of the
    earlier prefixes still running), vs typing into a bare Textual Input."""

    def run(cmd: list[str], focus: bytes | None) -> list[float | None]:
        s = _session(cmd)
        try:
            s.startup(settle=settle)
            if focus:
                s.key(focus, settle=OPT.key_settle)
            return s.echo(text, settle=settle, interval=interval)
        finally:
            s.close()

    ours, bare = [], []
    for _ in range(repeats):
        ours.append(run(tui_cmd(db), b"/"))
        bare.append(run([PYTHON, str(BARE_INPUT)], None))

    def worst(echoes: list[float | None]) -> float:
        return math.inf if any(e is None for e in echoes) else max(echoes)  # type: ignore[type-var]

    log(f"typing: ours {ours}, bare {bare}")
    all_ours = [e for r in ours for e in r if e is not None]
    all_bare = [e for r in bare for e in r if e is not None]
    return [
        Figure(
            "typing_echo_max",
            f"typing '{text}' on 1M: slowest echo of {len(text)} chars ({interval * 1000:.0f} ms apart)",
            "s",
            median([worst(r) for r in ours]),
            median([worst(r) for r in bare]),
            "bare Textual Input",
            [("value", 0.05)],
            {"ours_s": ours, "baseline_s": bare, "interval_s": interval},
        ),
        Figure(
            "typing_echo_median",
            "typing: median echo per character",
            "s",
            median(all_ours),
            median(all_bare),
            "bare Textual Input",
        ),
    ]


FRAME_PROBE = ROOT / "bench" / "frame_probe.py"
COLD_START_TABLE = "evidence"  # the table a first screen must not read whole


def _probe_session(db: Path, log: Path, env_extra: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    from bench.pty_session import Session

    env = bytecode_env()
    env["FINDINGS_FRAME_LOG"] = str(log)
    env.update(env_extra or {})
    return Session([PYTHON, str(FRAME_PROBE), str(db)], env=env, term=TERM, cwd=str(ROOT))


def _quit(s, log: Path) -> list[float]:  # type: ignore[no-untyped-def]
    """Quit the explorer (ctrl+q), wait for it to exit, and read its event-loop ticks."""
    import contextlib

    os.write(s.fd, b"\x11")
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        s.drain(0.2, 0.2)
        with contextlib.suppress(ChildProcessError):
            pid, _ = os.waitpid(s.pid, os.WNOHANG)
            if pid:
                s.pid = 0
                break
    s.close()
    return json.loads(log.read_text()) if log.exists() else []


def worst_gap(ticks: list[float], start: float, end: float) -> float | None:
    """The longest the event loop went without running its 10 ms timer between `start` and `end` (monotonic)."""
    inside = [t for t in ticks if start <= t <= end]
    before = [t for t in ticks if t < start][-1:]
    after = [t for t in ticks if t > end][:1]
    points = before + inside + after
    if len(points) < 2:
        return None
    return max(b - a for a, b in itertools.pairwise(points))


def open_actor_run(db: Path, name: str, settle: float, workdir: Path) -> dict:
    """The real explorer in a pty: ctrl+p, type `name`, Enter (its top hit: the actor). Times from Enter: to the
    header on screen (`› name` in the breadcrumb), to everything filled in (the timeline, the evidence count, no
    `counting`); the worst gap in the event loop's 10 ms ticks over that time."""
    import re

    log = workdir / f"ticks-{time.monotonic_ns()}.json"
    s = _probe_session(db, log)
    out: dict = {}
    try:
        s.startup(settle=settle)
        s.key(b"\x10", settle=OPT.key_settle)  # ctrl+p
        for ch in name:
            s.key(ch.encode(), settle=OPT.key_settle)
        s.drain(OPT.search_quiet * 1.5, 15)  # any search the palette started has ended
        header: list[float] = []

        def done(burst) -> bool:  # type: ignore[no-untyped-def]
            text = s.text()
            if not header and f"› {name}" in text:
                header.append(time.monotonic())
            return bool(
                header
                and re.search(r"Timeline \d{4}", text)
                and re.search(r"1 Evidence [\d,]+", text)
                and "counting" not in text
            )

        t0 = time.monotonic()
        os.write(s.fd, b"\r")
        s.drain(30, 30, t0=t0, until=done)
        t_done = time.monotonic()
        s.drain(0.3, 2)
        out = {
            "header_s": header[0] - t0 if header else None,
            "loaded_s": t_done - t0 if done(None) else None,
            "t0": t0,
            "t_done": t_done,
        }
    finally:
        ticks = _quit(s, log)
    out["worst_gap_s"] = worst_gap(ticks, out.get("t0", 0), out.get("t_done", 0)) if out else None
    out["ticks"] = len(ticks)
    return out


def _underlined(s) -> list[str]:  # type: ignore[no-untyped-def]
    """Per screen row, its underlined characters (the palette underlines the letters a hit matched)."""
    rows = []
    for y in range(s.screen.lines):
        line = s.screen.buffer[y]
        rows.append("".join(line[x].data for x in range(s.screen.columns) if line[x].underscore))
    return rows


def palette_run(db: Path, text: str, settle: float, workdir: Path) -> dict:
    """Type `text` into the palette a character at a time, each once the one before has been answered: per
    character, the time until a hit for the text typed so far is on screen (a row whose underlined letters, the
    ones the palette marks as matched, spell it). A search of the findings started later is not waited for."""
    log = workdir / f"ticks-{time.monotonic_ns()}.json"
    s = _probe_session(db, log)
    try:
        s.startup(settle=settle)
        s.key(b"\x10", settle=OPT.key_settle)
        per_key: list[float | None] = []
        for i, ch in enumerate(text):
            typed = text[: i + 1].casefold()
            hit: list[float] = []

            def shown(burst, typed: str = typed, hit: list[float] = hit) -> bool:  # type: ignore[no-untyped-def]
                if any(row.casefold() == typed for row in _underlined(s)):
                    hit.append(burst.chunks[-1][0])
                    return True
                return False

            t0 = time.monotonic()
            os.write(s.fd, ch.encode())
            s.drain(10, 10, t0=t0, until=shown)
            per_key.append(hit[0] if hit else None)
            s.drain(OPT.search_quiet, 15)  # the deferred search of the findings (if any) ends before the next key
    finally:
        _quit(s, log)
    return {"per_key_s": per_key}


def read_bytes_at_first_paint(db: Path, settle: float, workdir: Path) -> dict:
    """The explorer's bytes read (rchar of /proc/PID/io: every read(2), cache or disk) when its first frame is on
    the screen, and when it has gone quiet."""
    s = _probe_session(db, workdir / f"ticks-{time.monotonic_ns()}.json")
    painted: list[int] = []

    def rchar() -> int | None:
        try:
            for line in Path(f"/proc/{s.pid}/io").read_text().splitlines():
                if line.startswith("rchar:"):
                    return int(line.split()[1])
        except OSError:
            return None
        return None

    try:
        s.start()

        def first(burst) -> bool:  # type: ignore[no-untyped-def]
            if not painted and s.text().strip():
                value = rchar()
                if value is not None:
                    painted.append(value)
            return bool(painted)

        s.drain(30, 30, t0=s.t_start, until=first, first=True)  # however slow the start, up to the first frame
        s.drain(settle, 30)
        quiet = rchar()
    finally:
        s.close()
    return {"first_paint_rchar": painted[0] if painted else None, "quiet_rchar": quiet}


def bench_explorer(dbs: list[tuple[str, Path]], data_db: Path, repeats: int, settle: float) -> list[Figure]:
    """Opening China (the actor with the most findings) from the palette, typing in the palette, bytes read at
    cold start: on the big DB and on the 10k DB (the baseline, in the same run)."""
    (big_label, big), (small_label, _small) = dbs
    with tempfile.TemporaryDirectory(prefix="findings-frames-") as tmp:
        work = Path(tmp)
        opens: dict[str, list[dict]] = {big_label: [], small_label: []}
        palettes: dict[str, list[dict]] = {big_label: [], small_label: []}
        for _ in range(repeats):  # interleaved: both see the same load on the machine
            for label, db in dbs:
                opens[label].append(open_actor_run(db, "China", settle, work))
                palettes[label].append(palette_run(db, "China", settle, work))
        reads = {
            label: [read_bytes_at_first_paint(db, settle, work) for _ in range(max(1, repeats // 2))]
            for label, db in [(big_label, big), ("data.db", data_db)]
        }
    log(f"explorer: opens {opens}")
    log(f"explorer: palette {palettes}")
    log(f"explorer: reads {reads}")

    def med(runs: list[dict], key: str) -> float | None:
        return median([r[key] for r in runs if r.get(key) is not None])

    def worst_key(runs: list[dict]) -> float | None:
        return median([math.inf if None in r["per_key_s"] else max(r["per_key_s"]) for r in runs])

    def mb(label: str, key: str) -> float | None:
        value = med(reads[label], key)
        return value / 1e6 if value is not None else None

    def opening(key: str, label: str, field: str, targets: list[tuple[str, float]], note: str = "") -> Figure:
        samples = {"ours": opens[big_label], "baseline": opens[small_label]} if note else {}
        ours, base = med(opens[big_label], field), med(opens[small_label], field)
        return Figure(key, label, "s", ours, base, small_label, targets, samples, note)

    return [
        opening(
            "open_china_worst_gap_1M",
            f"opening China ({big_label}): worst event-loop gap, Enter to all filled in",
            "worst_gap_s",
            [("value", 0.05)],
            "10 ms timer in the explorer (bench/frame_probe.py), real TUI in a pty",
        ),
        opening(
            "open_china_header_1M",
            f"  opening China ({big_label}): Enter to its header on screen",
            "header_s",
            [("value", 0.2)],
        ),
        opening(
            "open_china_loaded_1M",
            f"  opening China ({big_label}): Enter to counts, rows and profile all in",
            "loaded_s",
            [],
        ),
        Figure(
            "palette_key_1M",
            f"palette ({big_label}): slowest keystroke typing 'China', to its names on screen",
            "s",
            worst_key(palettes[big_label]),
            worst_key(palettes[small_label]),
            small_label,
            [("value", 0.05)],
            {"ours": palettes[big_label], "baseline": palettes[small_label]},
            "time until a hit for the text typed so far is drawn, matched letters underlined",
        ),
        Figure(
            "cold_start_read_1M",
            f"start-up ({big_label}): bytes read by the first paint",
            "MB",
            mb(big_label, "first_paint_rchar"),
            mb("data.db", "first_paint_rchar"),
            "data.db",
            [("ratio", 1.5)],
            reads,
            "rchar of /proc/PID/io (Python's imports included, the same for both); a full count of evidence "
            "reads its whole index",
        ),
    ]


def list_probe(db: Path, repeats: int) -> dict:
    """Run in a fresh process per repeat: the TUI's own evidence list (tui.widgets.lists.EvidenceList over the home
    screen's unfiltered EvidenceSource) in a headless Pilot app at 80x24; time from mounting it until its count
    and first rows are in and drawn (open), and from End until the last row is in and drawn (end)."""
    runs = []
    for _ in range(repeats):
        proc = subprocess.run(
            [PYTHON, __file__, "--probe-list", str(db)],
            env=bytecode_env(),
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"list probe failed: {proc.stderr[-2000:]}")
        runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    return {"runs": runs}


def _probe_list_main(db: Path) -> None:
    """One run of the list probe (in its own process): prints JSON. The list is mounted on an explorer screen
    (tui.screens.base.FindingsScreen, whose frames go out when they are due) of the explorer's own app, which
    keeps the old frame up while it opens, until the list has its count and first rows (at most HOLD_S), as the
    home screen and the drill-down screens do when their lists open (HomeScreen._check_ready,
    EntityScreen._maybe_ready): one paint with the rows in it. (Unheld, the screen painted the list empty first
    whenever that paint came before the first page, and the rows then waited up to a frame-time for the next:
    a race of a few milliseconds that decided 15 ms either way, the same at 10k and at 1M; bench/RESULTS.md.)

    No Pilot waits in the timed path (they sleep and poll for idleness): the list's `render_line` is wrapped to
    note when a row is first drawn with its data, and End goes to the list's own action, as the key binding does.
    Headless, the compositor still renders every frame (it only skips writing it to a terminal).
    """
    import asyncio

    from textual import on

    from store.search import EvidenceFilter
    from tui.app import FindingsApp
    from tui.screens.base import FindingsScreen
    from tui.sources import EvidenceSource
    from tui.widgets.lists import EvidenceList
    from tui.widgets.virtual_list import VirtualList

    class Opening(FindingsScreen):
        """A blank explorer screen that shows its list once it has its count and first rows."""

        waiting: VirtualList | None = None
        counted_at: float | None = None  # when the list's count came in (time.perf_counter())

        @on(VirtualList.Counted)
        def _counted(self) -> None:
            if self.counted_at is None:
                self.counted_at = time.perf_counter()
            self._check_ready()

        @on(VirtualList.Highlighted)
        def _check_ready(self) -> None:
            vlist = self.waiting
            if vlist is not None and vlist.first_rows_in:
                self.waiting = None
                self.app.output_ready()  # type: ignore[attr-defined]

    class Host(FindingsApp):
        CSS_PATH = str(ROOT / "tui" / "findings.tcss")  # (a relative path would be read from bench/)

        def __init__(self) -> None:
            super().__init__(db)

        def get_default_screen(self) -> Opening:
            return Opening()

    async def drawn_at(drawn: dict[int, float], index: int, limit: float = 30.0) -> float:
        deadline = time.perf_counter() + limit
        while index not in drawn:
            if time.perf_counter() > deadline:
                raise TimeoutError(f"row {index} was never drawn")
            await asyncio.sleep(0.0005)
        return drawn[index]

    async def main() -> dict:
        app = Host()
        async with app.run_test(size=(80, 24)):
            vlist = EvidenceList(EvidenceSource(EvidenceFilter()), id="evidence")
            drawn: dict[int, float] = {}
            render_line = vlist.render_line

            def timed_render_line(y: int):  # type: ignore[no-untyped-def]
                strip = render_line(y)
                index = int(vlist.scroll_y) + y
                if index not in drawn and vlist.row_at(index) is not None:
                    drawn[index] = time.perf_counter()
                return strip

            vlist.render_line = timed_render_line  # type: ignore[method-assign]
            screen = app.screen
            assert isinstance(screen, Opening)
            while not (screen.is_current and screen._resized):
                await asyncio.sleep(0.0005)
            app.release_output()  # the app's start-up hold (the blank screen is all there is to show)

            # The lists' thread has its connection, as in the explorer, whose start-up opened it (its home screen's
            # lists): opening one, 8 ms alone and 20-30 ms beside the list's first frames, is the start-up's
            # figure, the same at any size, and only blurred this one.
            def loaded() -> None:  # the schema read, as every query of the explorer's start-up had it
                app.db.conn().execute("SELECT 1 FROM evidence LIMIT 0").fetchall()

            await app.db.call(loaded, lane="lists")
            t = time.perf_counter()
            app.hold_output()  # as a screen opening its lists does: released by Opening._check_ready
            screen.waiting = vlist
            await screen.mount(vlist)
            vlist.focus()
            open_s = await drawn_at(drawn, 0) - t
            while screen.counted_at is None:  # (the hold waits for it; a hold that timed out does not)
                await asyncio.sleep(0.0005)
            count = vlist.count
            assert count is not None
            counted_s = screen.counted_at - t
            t = time.perf_counter()
            vlist.action_last()  # what End (and G) do
            end_s = await drawn_at(drawn, count - 1) - t
            last = vlist.row_at(count - 1)
            app.db.close()
            return {
                "open_s": max(open_s, counted_s),
                "first_row_s": open_s,
                "end_s": end_s,
                "count": count,
                "last_id": getattr(last, "id", None),
            }

    print(json.dumps(asyncio.run(main())))


def pty_list_end(db: Path, settle: float) -> dict:
    """The real `findings tui` in a pty: End in the evidence list (focused at start): bytes and time to quiet;
    then RSS."""
    s = _session(tui_cmd(db))
    try:
        s.startup(settle=settle)
        end = s.key(b"\x1b[F", settle=OPT.key_settle)
        rss = s.rss_kb()
        return {
            "end_quiet_s": end["quiet_s"],
            "end_bytes": end["bytes"],
            "rss_kb": rss.get("VmRSS"),
            "hwm_kb": rss.get("VmHWM"),
        }
    finally:
        s.close()


def bench_lists(dbs: list[tuple[str, Path]], repeats: int, settle: float) -> list[Figure]:
    """Open + End on the big DB and on the 10k DB, run after run in turn (each pair sees the same load on the
    machine): the median of each, and the worst pair's ratio, which must be within target in every run."""
    res: dict[str, dict[str, list[dict]]] = {label: {"probe": [], "pty": []} for label, _ in dbs}
    for _ in range(repeats):
        for label, db in dbs:
            res[label]["probe"] += list_probe(db, 1)["runs"]
    for _ in range(repeats):
        for label, db in dbs:
            res[label]["pty"].append(pty_list_end(db, settle))
    for label, _ in dbs:
        log(f"lists {label}: {res[label]}")
    (big_label, _), (small_label, _) = dbs

    def open_end(run: dict) -> float:
        return run["open_s"] + run["end_s"]

    def rss(label: str) -> float | None:
        value = median([r["rss_kb"] for r in res[label]["pty"]])
        return value / 1024 if value is not None else None

    pairs = [
        (open_end(big), open_end(small))
        for big, small in zip(res[big_label]["probe"], res[small_label]["probe"], strict=True)
        if open_end(small) > 0
    ]
    worst = max(pairs, key=lambda p: p[0] / p[1], default=(None, None))
    return [
        Figure(
            "list_open_end_1M",
            f"evidence list {big_label}: open + jump to end (Pilot, list widget)",
            "s",
            median([open_end(r) for r in res[big_label]["probe"]]),
            median([open_end(r) for r in res[small_label]["probe"]]),
            small_label,
            [("value", 0.2), ("ratio", 1.5)],
            res,
        ),
        Figure(
            "list_open_end_worst_pair_1M",
            f"  open + End ({big_label}), the worst of {len(pairs)} runs against the {small_label} run beside it",
            "s",
            worst[0],
            worst[1],
            small_label,
            [("ratio", 1.5)],
            {"pairs_s": pairs},
            "each big-DB run next to the 10k run made right after it: every one within target",
        ),
        Figure(
            "list_open_1M",
            f"  of which open ({big_label})",
            "s",
            median([r["open_s"] for r in res[big_label]["probe"]]),
            median([r["open_s"] for r in res[small_label]["probe"]]),
            small_label,
        ),
        Figure(
            "list_end_1M",
            f"  of which End ({big_label})",
            "s",
            median([r["end_s"] for r in res[big_label]["probe"]]),
            median([r["end_s"] for r in res[small_label]["probe"]]),
            small_label,
        ),
        Figure(
            "list_end_pty_1M",
            f"End key to quiet, real TUI in a pty ({big_label})",
            "s",
            median([r["end_quiet_s"] for r in res[big_label]["pty"]]),
            median([r["end_quiet_s"] for r in res[small_label]["pty"]]),
            small_label,
        ),
        Figure(
            "list_rss_1M",
            f"RSS of `findings tui` after End ({big_label})",
            "MB",
            rss(big_label),
            rss(small_label),
            small_label,
            [("value", 200)],
        ),
    ]


def ensure_small_db(path: Path) -> None:
    """bench/10k.db: 10,000 findings with the big DB's entities, generated through bench/generate.py."""
    if path.exists():
        return
    log(f"generating {path} (10,000 findings)")
    subprocess.run([PYTHON, str(ROOT / "bench" / "generate.py"), "--rows", "10000", "--out", str(path)], check=True)


# ------------------------------------------------------------------------------------------------- main


def machine() -> dict:
    from importlib.metadata import version

    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = int(line.split()[1]) // 1024
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_mb": mem,
        "os": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "textual": version("textual"),
    }


def table(figures: list[Figure]) -> str:
    rows = [("figure", "ours", "baseline", "ratio", "target", "result")]
    for f in figures:
        ratio = f"{f.ratio:.2f}x" if f.ratio is not None else "—"
        result = {True: "PASS", False: "FAIL", None: "info"}[f.passed]
        base = f"{fmt(f.baseline, f.unit)} ({f.baseline_label})" if f.baseline is not None else "—"
        rows.append((f.label, fmt(f.ours, f.unit), base, ratio, f.target_text(), result))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="fewer repeats, 5k-row import")
    ap.add_argument("--smoke", action="store_true", help="one of everything, short waits (tests: figures, not times)")
    ap.add_argument("--rows", type=int, default=None, help="findings in the import benchmark (default 100k)")
    ap.add_argument("--ftm-entities", type=int, default=None, help="entities in the FtM benchmark (default 200k)")
    ap.add_argument("--db", type=Path, default=ROOT / "bench" / "big.db", help="the big database")
    ap.add_argument("--small-db", type=Path, default=ROOT / "bench" / "10k.db", help="the 10k database (lists)")
    ap.add_argument("--data-db", type=Path, default=ROOT / "data.db", help="the curated database")
    ap.add_argument("--json-out", type=Path, default=ROOT / "bench" / "results.json")
    ap.add_argument("--only", default=",".join(SECTIONS), help="comma list of " + ",".join(SECTIONS))
    ap.add_argument("--repeats", type=int, default=None, help="override every repeat count")
    ap.add_argument("--settle", type=float, default=None, help="pty quiet time (s)")
    peers_help = "a peer program (default: in --peers-venv, else on PATH; a peer not found is skipped)"
    ap.add_argument("--peers-venv", type=Path, default=None, help="venv holding VisiData and Datasette (peers)")
    ap.add_argument("--vd", default=None, help=f"VisiData: {peers_help}; env FINDINGS_VD")
    ap.add_argument("--datasette", default=None, help=f"Datasette: {peers_help}; env FINDINGS_DATASETTE")
    ap.add_argument("--sqlite3", default=None, help=f"the sqlite3 shell: {peers_help}; env FINDINGS_SQLITE3")
    ap.add_argument("--peers-parts", default="first,bytes,search,end", help="which peer figures (peers section)")
    ap.add_argument("--peers-words", type=int, default=None, help="words in the peers' search set (default 20)")
    ap.add_argument("--peers-hold", type=float, default=None, help="seconds after launch to read memory (peers)")
    ap.add_argument("--probe-list", type=Path, help=argparse.SUPPRESS)  # internal: one run of the list probe
    a = ap.parse_args(argv)
    if a.probe_list:
        _probe_list_main(a.probe_list)
        return {}
    only = [s.strip() for s in a.only.split(",") if s.strip()]
    unknown = set(only) - set(SECTIONS)
    if unknown:
        ap.error(f"unknown sections: {', '.join(sorted(unknown))}")

    def reps(full: int, quick: int) -> int:
        if a.repeats is not None:
            return a.repeats
        return 1 if a.smoke else quick if a.quick else full

    rows = a.rows if a.rows is not None else (200 if a.smoke else 5_000 if a.quick else 100_000)
    if a.smoke:
        OPT.settle, OPT.key_settle, OPT.warmups, OPT.moves, OPT.interval = 0.4, 0.15, 0, 2, 0.1
        OPT.search_quiet = 0.4
    if a.settle is not None:
        OPT.settle = a.settle
    settle = OPT.settle
    big = a.db.resolve()
    figures: list[Figure] = []
    errors: dict[str, str] = {}
    skipped: list[str] = []  # figures left out, and why (a peer program not installed)
    load: dict[str, dict[str, float]] = {}  # 1-minute load average around each section (other work skews times)
    started = time.time()
    with tempfile.TemporaryDirectory(prefix="findings-bench-") as tmp:
        work = Path(tmp)
        for section in only:
            t = time.perf_counter()
            load[section] = {"before": os.getloadavg()[0]}
            try:
                if section == "import":
                    figures += bench_import(rows, reps(3, 2), work)
                elif section == "search":
                    figures += bench_search(big, reps(5, 2))
                elif section == "cli":
                    figures += bench_cli([("data.db", a.data_db.resolve()), ("1M", big)], "yuan", reps(20, 5))
                elif section == "startup":
                    figures += bench_startup([("data.db", a.data_db.resolve()), ("1M", big)], reps(7, 2), settle)
                elif section == "lists":
                    ensure_small_db(a.small_db)
                    figures += bench_lists([("1M", big), ("10k", a.small_db.resolve())], reps(7, 2), settle)
                elif section == "explorer":
                    ensure_small_db(a.small_db)
                    figures += bench_explorer(
                        [("1M", big), ("10k", a.small_db.resolve())], a.data_db.resolve(), reps(5, 2), settle
                    )
                elif section == "typing":
                    figures += bench_typing(big, "grain", reps(5, 2), settle, OPT.interval)
                elif section == "bytes":
                    figures += bench_bytes(a.data_db.resolve(), reps(2, 1), settle)
                elif section in ("facets", "export", "check"):
                    from bench import scale

                    if section == "facets":
                        figures += scale.bench_facets(big, reps(5, 2))
                    elif section == "export":
                        figures += scale.bench_export(big, reps(3, 1), work)
                    else:
                        figures += scale.bench_check(big, reps(3, 1))
                elif section == "peers":
                    from bench import peers

                    found = peers.find_peers(
                        a.peers_venv or peers.DEFAULT_VENV, vd=a.vd, datasette=a.datasette, sqlite3=a.sqlite3
                    )
                    skipped += found.skipped
                    figures += peers.bench_peers(
                        big,
                        a.data_db.resolve(),
                        found,
                        repeats=reps(3, 2),
                        search_repeats=reps(2, 1),
                        end_repeats=reps(2, 1),
                        words=a.peers_words or (2 if a.smoke else 20),
                        hold=a.peers_hold if a.peers_hold is not None else 3.0 if a.smoke else 10.0,
                        settle=settle,
                        workdir=work,
                        parts=tuple(p for p in a.peers_parts.split(",") if p),
                    )
                elif section == "ftm":
                    n = a.ftm_entities or (300 if a.smoke else 20_000 if a.quick else 200_000)
                    figures += bench_ftm(n, reps(2, 1), work)
            except Exception as e:  # one broken section must not hide the others
                import traceback

                traceback.print_exc()
                errors[section] = f"{type(e).__name__}: {e}"
            load[section]["after"] = os.getloadavg()[0]
            log(f"[{section}: {time.perf_counter() - t:.1f} s, load average {load[section]}]")
    result = {
        "machine": machine(),
        "options": {
            "quick": a.quick,
            "smoke": a.smoke,
            "options": vars(OPT).copy(),
            "rows": rows,
            "db": str(a.db),
            "term": TERM,
            "settle_s": settle,
            "sections": only,
        },
        "started": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(started)),
        "seconds": round(time.time() - started, 1),
        "load_average": load,
        "figures": [f.as_dict() for f in figures],
        "errors": errors,
        "skipped": skipped,
    }
    print(table(figures))
    m = result["machine"]
    print(
        f"\nmachine: {m['cpu']}, {m['cores']} cores, {m['ram_mb']:,} MB RAM, Python {m['python']}, "
        f"SQLite {m['sqlite']}, Textual {m['textual']}"
    )
    for msg in skipped:
        print(f"skipped: {msg}")
    if errors:
        print("errors: " + "; ".join(f"{k}: {v}" for k, v in errors.items()))
    if a.json_out:
        a.json_out.parent.mkdir(parents=True, exist_ok=True)
        a.json_out.write_text(json.dumps(result, indent=2, default=str))
    return result


if __name__ == "__main__":
    main()
