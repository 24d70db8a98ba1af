"""findings beside the tools a user would pick instead, on the same database (bench/run.py section `peers`).

Peers: VisiData (`vd DB`), Datasette (`datasette serve -i DB` and its JSON API) and raw sqlite3 (a `python -c`
process and the `sqlite3` shell, each running the hand-written FTS5 query: bm25 order, snippet, 20 rows). Every
figure is findings' median against the peer's median, measured in the same run, findings' run and the peer's in
turn (the machine's load changes under both alike). The peers are not dependencies of findings: install them in a
venv of their own,

    python3 -m venv /work/peers-venv && /work/peers-venv/bin/pip install visidata datasette

and the bench finds them there (--peers-venv, or FINDINGS_PEERS_VENV), or give each program (--vd, --datasette,
--sqlite3; or FINDINGS_VD, FINDINGS_DATASETTE, FINDINGS_SQLITE3). A peer that is not there is skipped, with a note
that says how to install it; the others are still measured.

- first   on --db (1M), 80x24: time to first paint, `findings tui --db DB` vs `vd DB`; resident memory at first paint
          and `hold` seconds after launch (VisiData goes on reading every table, to count its rows, after its first
          screen; findings has drawn everything by then).
- bytes   on data.db: bytes written at first paint, `findings tui` vs `vd DB`; per cursor move, findings' evidence
          list (focused at start) vs VisiData's evidence sheet (`vd DB +data:evidence::`), each sent the arrow key
          its terminal mode asks for (curses turns on xterm's application mode: ESC O B).
- search  words typed as one query (10 common, then rare: bench/run.py's query set): a `findings --db DB search
          WORD --kind evidence --json` process vs a `python -c` process and a `sqlite3 -readonly -json` process
          running the raw query, and vs Datasette's `/DB/evidence.json?_search=WORD&_size=20` served locally
          (unranked: it orders by id; a query over its sql_time_limit_ms, 1000 by default, is an error, counted).
- end     on --db: `findings tui` from launch until End has drawn the evidence list's last row, vs VisiData from
          `vd DB +STEM:evidence::` until it has read the table (its status line shows the table's row count) and
          End (go-bottom) has drawn the last row; resident memory then.

VisiData runs with HOME set to a new temporary directory (it must not read or write the user's files), holding a
.visidatarc that opens SQLite read-only (`mode=ro`; VisiData otherwise opens databases for writing).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import statistics
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bench.run import (
    FINDINGS,
    OPT,
    PYTHON,
    RAW_CLI,
    RAW_SEARCH_SQL,
    Figure,
    _run_process,
    _session,
    bytecode_env,
    log,
    median,
    percentile,
    search_queries,
    tui_cmd,
)

if TYPE_CHECKING:
    from bench.pty_session import Session

DEFAULT_VENV = Path(os.environ.get("FINDINGS_PEERS_VENV", "/work/peers-venv"))
INSTALL = "python3 -m venv /work/peers-venv && /work/peers-venv/bin/pip install visidata datasette"
PARTS = ("first", "bytes", "search", "end")
# What findings keeps against each: its search process within 1.5x a Python process running the raw query (both
# start an interpreter), and faster than Datasette's API. The sqlite3 shell is a C program that starts in a few
# milliseconds: information only.
TARGETS = {"python": 1.5, "datasette": 1.0}
DATASETTE_LIMIT_MS = 1000  # Datasette's default sql_time_limit_ms, as a user who installs it has it
TIMED_OUT = b"SQL query took too long"  # Datasette's error when a query passes that limit
VISIDATARC = "vd.option('sqlite_param_mode', 'ro', 'open SQLite databases read-only (sqlite3 URI mode=ro)')\n"
TUI_DOWN, TUI_END = b"\x1b[B", b"\x1b[F"  # Textual reads normal-mode cursor keys
VD_DOWN, VD_END = b"\x1bOB", b"\x1bOF"  # what xterm sends once curses has turned on application mode


@dataclass
class Peers:
    """Paths of the peer programs found (None: not installed), their versions, and what was skipped and why."""

    vd: str | None = None
    datasette: str | None = None
    sqlite3: str | None = None
    versions: dict[str, str] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)


def _resolve(name: str, given: str | None, env_var: str, venv: Path) -> tuple[str | None, str]:
    """The program: as given (option, then environment), else in the peers' venv, else on PATH."""
    given = given or os.environ.get(env_var)
    if given:
        return shutil.which(given), given
    in_venv = venv / "bin" / name
    if in_venv.exists():
        return str(in_venv), str(in_venv)
    return shutil.which(name), f"{in_venv} or PATH"


def _version(cmd: list[str]) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"? ({e})"
    return (out.stdout or out.stderr).strip().splitlines()[0] if (out.stdout or out.stderr).strip() else "?"


def find_peers(
    venv: Path = DEFAULT_VENV, *, vd: str | None = None, datasette: str | None = None, sqlite3: str | None = None
) -> Peers:
    peers = Peers()
    for attr, name, label, given, env_var, option in (
        ("vd", "vd", "VisiData", vd, "FINDINGS_VD", "--vd"),
        ("datasette", "datasette", "Datasette", datasette, "FINDINGS_DATASETTE", "--datasette"),
        ("sqlite3", "sqlite3", "the sqlite3 shell", sqlite3, "FINDINGS_SQLITE3", "--sqlite3"),
    ):
        path, where = _resolve(name, given, env_var, venv)
        if path is None:
            how = "apt-get install sqlite3" if name == "sqlite3" else INSTALL
            peers.skipped.append(
                f"{label} not found ({where}): its figures are skipped. Install it outside the project ({how}) "
                f"or give its path with {option} / {env_var}."
            )
            continue
        setattr(peers, attr, path)
        peers.versions[label] = _version([path, "--version"])
    for msg in peers.skipped:
        log(f"peers: {msg}")
    return peers


# ------------------------------------------------------------------------------------------------ terminals


def _vd_home(workdir: Path) -> dict[str, str]:
    home = workdir / "vd-home"
    home.mkdir(exist_ok=True)
    (home / ".visidatarc").write_text(VISIDATARC)
    return {"HOME": str(home)}


def findings_rows(s: Session) -> bool:
    """findings' first screen shows a row of its list: a line of words below the title, database and tab lines."""
    return any(len(line.split()) >= 3 for line in s.screen.display[3:-1])


def vd_rows(s: Session) -> bool:
    """VisiData's sheet shows a row: a line below its column header that starts with a key column (a table's
    name on `vd DB`'s list of tables). Its first frame is the header alone, rows following as it reads."""
    return any(re.match(r" \S[^║]*║", line) for line in s.screen.display[2:-1])


def first_screen(
    cmd: list[str], env_extra: dict[str, str], settle: float, hold: float, ready: Callable[[Session], bool]
) -> dict:
    """Launch in a pty: the start-up figures (bench/pty_session.py) and when the screen first showed a row
    (`ready`), then resident memory `hold` seconds after launch (the start-up read ends at quiet, or at `hold` for
    a program that keeps drawing, or when the screen is ready if that is later: a loaded machine, where a first
    launch compiles its bytecode, can take longer than `hold`); no `hold`: at quiet."""
    s = _session(cmd, env_extra)
    try:
        out = s.startup(settle=settle, ready=ready, end_by=hold or None)
        rest = hold - (time.monotonic() - s.t_start)
        if hold and rest > 0:
            s.drain(rest, rest)
        out["hold_rss_kb"] = s.rss_kb().get("VmRSS")
        return out
    finally:
        s.close()


def moves(cmd: list[str], env_extra: dict[str, str], key: bytes, settle: float) -> dict:
    """First paint, then bytes written per cursor move (OPT.moves of them)."""
    s = _session(cmd, env_extra)
    try:
        out = s.startup(settle=settle)
        out["moves"] = [s.key(key, settle=OPT.key_settle)["bytes"] for _ in range(OPT.moves)]
        return out
    finally:
        s.close()


def findings_end(db: Path, settle: float) -> dict:
    """`findings tui`: launch until its first screen is drawn (the last byte before quiet), then End until quiet."""
    s = _session(tui_cmd(db))
    try:
        start = s.startup(settle=settle)
        end = s.key(TUI_END, settle=OPT.key_settle)
        rss = s.rss_kb()
        return {
            "first_paint_s": start["first_paint_s"],
            "ready_s": start["quiet_s"],
            "end_s": end["quiet_s"],
            "total_s": (start["quiet_s"] or 0) + (end["quiet_s"] or 0),
            "rss_kb": rss.get("VmRSS"),
        }
    finally:
        s.close()


def vd_end(vd: str, db: Path, rows: int, env_extra: dict[str, str], limit: float) -> dict:
    """VisiData on the evidence table: launch until its status line shows all `rows` read (no longer loading),
    then End until quiet."""
    s = _session([vd, str(db), f"+{db.stem}:evidence::"], env_extra)
    counted = re.compile(rf"(?<![\d,.]){rows} rows")

    def loaded(_burst: object) -> bool:
        status = s.screen.display[-1]
        return bool(counted.search(status)) and "loading" not in status

    try:
        s.start()
        burst = s.drain(limit, limit, t0=s.t_start, until=loaded)
        if not loaded(burst):
            raise TimeoutError(f"VisiData had not read {rows:,} rows after {limit:.0f} s: {s.screen.display[-1]!r}")
        end = s.key(VD_END, settle=OPT.key_settle)
        rss = s.rss_kb()
        return {
            "ready_s": burst.last_s,
            "end_s": end["quiet_s"],
            "total_s": (burst.last_s or 0) + (end["quiet_s"] or 0),
            "rss_kb": rss.get("VmRSS"),
        }
    finally:
        s.close()


# ------------------------------------------------------------------------------------------------- search


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Datasette:
    """`datasette serve -i DB` on a free local port (immutable: it reads the file and writes nothing)."""

    def __init__(self, exe: str, db: Path, workdir: Path, limit_ms: int = DATASETTE_LIMIT_MS) -> None:
        self.db, self.limit_ms, self.workdir = db, limit_ms, workdir
        self.port = _free_port()
        self.cmd = [exe, "serve", "-i", str(db), "--host", "127.0.0.1", "--port", str(self.port)]
        self.cmd += ["--setting", "sql_time_limit_ms", str(limit_ms)]
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.ready_s: float | None = None
        self.log = workdir / "datasette.log"

    def __enter__(self) -> Datasette:
        out = self.log.open("wb")
        t = time.perf_counter()
        self.proc = subprocess.Popen(
            self.cmd, stdout=out, stderr=subprocess.STDOUT, cwd=self.workdir, env=bytecode_env()
        )
        out.close()
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{self.base}/-/versions.json", timeout=5):
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.__exit__()
                    raise RuntimeError(f"datasette did not start: {self.log.read_text()[-800:]}") from None
                time.sleep(0.1)
        self.ready_s = time.perf_counter() - t
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None

    def url(self, word: str) -> str:
        return f"{self.base}/{urllib.parse.quote(self.db.stem)}/evidence.json?" + urllib.parse.urlencode(
            {"_search": word, "_size": 20}
        )

    def search(self, word: str) -> tuple[float, bool]:
        """Seconds for one request, and whether Datasette gave up at its time limit."""
        t = time.perf_counter()
        try:
            with urllib.request.urlopen(self.url(word), timeout=120) as resp:
                resp.read()
            return time.perf_counter() - t, False
        except urllib.error.HTTPError as e:
            body = e.read()
            elapsed = time.perf_counter() - t
            if TIMED_OUT in body:
                return elapsed, True
            raise RuntimeError(f"datasette {e.code} for {word!r}: {body[:300]!r}") from None


def sqlite3_cmd(exe: str, db: Path, word: str) -> list[str]:
    """The raw query in the sqlite3 shell, the word as an SQL literal (the shell has no bound parameters on its
    command line)."""
    literal = "'" + word.replace("'", "''") + "'"
    return [exe, "-readonly", "-json", str(db), RAW_SEARCH_SQL.replace("MATCH ?", f"MATCH {literal}")]


def search_words(n: int) -> list[str]:
    """The first `n` single-word queries of bench/run.py's query set (common words first, then rare ones): what
    every tool takes as it is, with no query syntax to translate."""
    from bench.generate import Generator, Spec

    words = [text for text, _, extra in search_queries(Generator(Spec())._vocabulary()) if text.isalpha() and not extra]
    return list(dict.fromkeys(words))[:n]


def search_runs(db: Path, words: list[str], peers: Peers, repeats: int, workdir: Path) -> dict:
    """Each word in turn through every tool, a first pass unmeasured (caches), then `repeats` measured."""
    env = bytecode_env()
    cmds = {
        "findings": lambda w: [FINDINGS, "--db", str(db), "search", w, "--kind", "evidence", "--json"],
        "python": lambda w: [PYTHON, "-c", RAW_CLI, str(db), w],
    }
    if peers.sqlite3:
        exe = peers.sqlite3
        cmds["sqlite3"] = lambda w: sqlite3_cmd(exe, db, w)
    times: dict[str, list[list[float]]] = {k: [[] for _ in words] for k in [*cmds, "in-process", "datasette"]}
    timeouts = [0] * len(words)
    from store.connect import open_readonly
    from store.search import search

    with contextlib.ExitStack() as stack:
        # What a program that stays open (the explorer, like Datasette's server) pays: no interpreter to start.
        conn = stack.enter_context(contextlib.closing(open_readonly(db)))
        server = stack.enter_context(Datasette(peers.datasette, db, workdir)) if peers.datasette else None
        if server is None:
            del times["datasette"]
        else:
            log(f"peers: datasette ready after {server.ready_s:.1f} s")
        log(f"peers: search, {len(words)} words x {repeats} (+1 unmeasured pass) through {', '.join(times)}")
        for rep in range(repeats + 1):
            for i, word in enumerate(words):
                for k, cmd in cmds.items():
                    t = _run_process(cmd(word), env, output=k != "sqlite3")
                    if rep:
                        times[k][i].append(t)
                t = time.perf_counter()
                search(conn, word, kinds=("evidence",), limit=20)
                if rep:
                    times["in-process"][i].append(time.perf_counter() - t)
                if server is not None:
                    t, timed_out = server.search(word)
                    if rep:
                        times["datasette"][i].append(t)
                        timeouts[i] += timed_out
        ready = server.ready_s if server else None
    return {"words": words, "times": times, "timeouts": timeouts, "datasette_ready_s": ready}


# -------------------------------------------------------------------------------------------------- figures


def _mb(kb: float | None) -> float | None:
    return kb / 1024 if kb is not None else None


def _med(runs: list[dict], key: str) -> float | None:
    return median([r[key] for r in runs])


def _vd_label(peers: Peers) -> str:
    return f"VisiData {peers.versions.get('VisiData', '').rpartition(' v')[2]} `vd DB`"


def _beside(
    key: str,
    label: str,
    unit: str,
    runs: tuple[list[dict], list[dict]],
    field: str,
    baseline_label: str = "VisiData",
    target: float | None = None,
    samples: dict | None = None,
    note: str = "",
) -> Figure:
    """A figure from findings' runs and the peer's: the median of `field` in each (KiB shown as MB)."""
    ours, theirs = (_med(r, field) for r in runs)
    if unit == "MB":
        ours, theirs = _mb(ours), _mb(theirs)
    targets = [("ratio", target)] if target is not None else []
    return Figure(key, label, unit, ours, theirs, baseline_label, targets, samples or {}, note)


def first_figures(
    db: Path, vd: str, vd_env: dict[str, str], peers: Peers, repeats: int, hold: float, settle: float
) -> list[Figure]:
    runs: dict[str, list[dict]] = {"findings": [], "vd": []}
    cmds = {"findings": (tui_cmd(db), {}, findings_rows), "vd": ([vd, str(db)], vd_env, vd_rows)}
    for cmd, extra, ready in cmds.values():  # page cache and bytecode, unmeasured
        for _ in range(OPT.warmups):
            first_screen(cmd, extra, settle, hold, ready)
    for _ in range(repeats):
        for k, (cmd, extra, ready) in cmds.items():
            runs[k].append(first_screen(cmd, extra, settle, hold, ready))
    pair = (runs["findings"], runs["vd"])
    log(f"peers first screen: findings {_med(pair[0], 'ready_s')}, vd {_med(pair[1], 'ready_s')}")
    versions = "; ".join(f"{k}: {v}" for k, v in peers.versions.items())
    return [
        _beside(
            "peers_first_rows",
            f"first screen with rows, 80x24, {db.name}: `findings tui` vs VisiData",
            "s",
            pair,
            "ready_s",
            _vd_label(peers),
            1.25,
            {"ours": pair[0], "baseline": pair[1]},
            versions,
        ),
        _beside(
            "peers_first_paint",
            "  first paint (any text: VisiData's is its column header alone)",
            "s",
            pair,
            "first_paint_s",
        ),
        _beside("peers_first_rows_cpu", "  CPU time used by first paint (all threads)", "s", pair, "first_paint_cpu_s"),
        _beside("peers_first_rows_rss", "  resident memory when the first rows are drawn", "MB", pair, "ready_rss_kb"),
        _beside(
            "peers_hold_rss",
            f"  resident memory {hold:g} s after launch",
            "MB",
            pair,
            "hold_rss_kb",
            target=0.25,
            note="VisiData reads every table after its first screen, to count the rows",
        ),
    ]


def bytes_figures(
    data_db: Path, vd: str, vd_env: dict[str, str], peers: Peers, repeats: int, settle: float
) -> list[Figure]:
    runs: dict[str, list[dict]] = {"findings": [], "vd": [], "vd_sheet": []}
    sheet = [vd, str(data_db), f"+{data_db.stem}:evidence::"]
    for _ in range(repeats):
        runs["findings"].append(moves(tui_cmd(data_db), {}, TUI_DOWN, settle))
        runs["vd"].append(first_screen([vd, str(data_db)], vd_env, settle, 0, vd_rows))
        runs["vd_sheet"].append(moves(sheet, vd_env, VD_DOWN, settle))
    for r in runs["findings"] + runs["vd_sheet"]:
        r["median_move"] = median(r["moves"])
    paint, move = (runs["findings"], runs["vd"]), (runs["findings"], runs["vd_sheet"])
    label = f"bytes at first paint 80x24, {data_db.name}: `findings tui` vs VisiData"
    figures = [
        _beside("peers_first_paint_bytes", label, "B", paint, "first_paint_bytes", _vd_label(peers), 1.0, runs),
        _beside(
            "peers_move_bytes",
            f"bytes per cursor move, {data_db.name}: evidence list vs VisiData's evidence sheet",
            "B",
            move,
            "median_move",
            f"`vd DB +{data_db.stem}:evidence::`",
            1.0,
        ),
    ]
    log("peers bytes: " + ", ".join(f"{f.key} {f.ours} vs {f.baseline}" for f in figures))
    return figures


def search_figures(db: Path, peers: Peers, words: int, repeats: int, workdir: Path) -> list[Figure]:
    res = search_runs(db, search_words(words), peers, repeats, workdir)
    per = {k: [statistics.median(v) for v in ts] for k, ts in res["times"].items()}
    n = len(res["words"])
    timeouts = sum(1 for t in res["timeouts"] if t)
    labels = {
        "python": "`python -c` raw FTS5 bm25 + snippet",
        "sqlite3": "`sqlite3 -readonly -json` raw query",
        "datasette": f"Datasette JSON API ({timeouts} of {n} over its {DATASETTE_LIMIT_MS} ms limit)",
    }
    pairs = [("findings", k) for k in ("python", "sqlite3", "datasette") if k in per]
    pairs += [("in-process", "datasette")] if "datasette" in per else []
    figures = []
    for ours, peer in pairs:
        ratios = [o / b for o, b in zip(per[ours], per[peer], strict=True) if o and b]
        key = peer if ours == "findings" else f"{ours}_{peer}"
        what = "search process" if ours == "findings" else "search in-process (store.search)"
        for p in (50, 95):
            figures.append(
                Figure(
                    f"peers_search_{key}_p{p}".replace("-", ""),
                    f"{what}, p{p} of {n} words, {db.name}: findings vs {peer}",
                    "s",
                    percentile(per[ours], p),
                    percentile(per[peer], p),
                    labels[peer],
                    [("ratio", TARGETS[peer])] if p == 95 and peer in TARGETS and ours == "findings" else [],
                    {**res, "per_word_ratio": ratios} if p == 95 else {},
                    f"per word {min(ratios):.2f}–{max(ratios):.2f}x" if ratios and p == 95 else "",
                )
            )
    log("peers search: " + ", ".join(f"{k} p50 {percentile(v, 50)}" for k, v in per.items()))
    return figures


def end_figures(db: Path, vd: str, vd_env: dict[str, str], repeats: int, settle: float) -> list[Figure]:
    import sqlite3

    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        rows = conn.execute("SELECT count(*) FROM evidence").fetchone()[0]
    limit = max(30.0, rows / 5_000)  # VisiData reads some 20k rows a second here: give it four times as long
    runs: dict[str, list[dict]] = {"findings": [], "vd": []}
    for _ in range(repeats):
        runs["findings"].append(findings_end(db, settle))
        runs["vd"].append(vd_end(vd, db, rows, vd_env, limit))
    log(f"peers end: {runs}")
    pair = (runs["findings"], runs["vd"])
    label = f"open the evidence list ({rows:,}) and End, from launch: findings vs VisiData"
    note = "VisiData's End reaches the last row once it has read the whole table"
    return [
        _beside(
            "peers_open_end", label, "s", pair, "total_s", f"`vd DB +{db.stem}:evidence::`, read, End", 1.0, runs, note
        ),
        _beside("peers_open_end_rss", "  resident memory after End", "MB", pair, "rss_kb"),
    ]


def bench_peers(
    db: Path,
    data_db: Path,
    peers: Peers,
    *,
    repeats: int,
    search_repeats: int,
    end_repeats: int,
    words: int,
    hold: float,
    settle: float,
    workdir: Path,
    parts: tuple[str, ...] = PARTS,
) -> list[Figure]:
    """The peer figures of `parts` (PARTS); VisiData's are left out when it is not installed (peers.skipped)."""
    figures: list[Figure] = []
    vd_env = _vd_home(workdir)
    if "first" in parts and peers.vd:
        figures += first_figures(db, peers.vd, vd_env, peers, repeats, hold, settle)
    if "bytes" in parts and peers.vd:
        figures += bytes_figures(data_db, peers.vd, vd_env, peers, repeats, settle)
    if "search" in parts:
        figures += search_figures(db, peers, words, search_repeats, workdir)
    if "end" in parts and peers.vd:
        figures += end_figures(db, peers.vd, vd_env, end_repeats, settle)
    return figures
