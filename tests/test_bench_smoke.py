"""The benchmark runs end to end at a tiny size and produces every figure (bench/run.py --smoke).

Times are not asserted here (they belong in bench/RESULTS.md): only that each figure is there, with a finite value
and a finite baseline. The terminal figures need a pseudo-terminal; without one they are skipped, not faked. The
peers (VisiData, Datasette) are never installed by the project: the run is told they are absent and must say so;
where they are installed (bench/peers.py finds them), a second run measures against them.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

ALWAYS = [
    "import",
    "search_p50",
    "search_p95",
    "list_p50",
    "list_p95",
    "typed_p50",
    "typed_p95",
    "ranked_p50",
    "ranked_p95",
    "cli_console_data.db",
    "cli_main_data.db",
    "cli_console_1M",
    "ftm_import",
    "ftm_memory",
    "ftm_memory_growth",
    "facet_category",
    "facet_year",
    "facet_region",
    "facet_country",
    "facet_filtered_first",
    "export_csv",
    "export_csv_memory",
    "export_json_memory",
    "export_markdown_memory",
    "check",
    "peers_search_python_p50",
    "peers_search_python_p95",
]
SQLITE3_SHELL = ["peers_search_sqlite3_p50", "peers_search_sqlite3_p95"]
INSTALLED_PEERS = [
    "peers_first_rows",
    "peers_first_paint",
    "peers_first_rows_cpu",
    "peers_first_rows_rss",
    "peers_hold_rss",
    "peers_first_paint_bytes",
    "peers_move_bytes",
    "peers_search_datasette_p50",
    "peers_search_datasette_p95",
    "peers_search_inprocess_datasette_p50",
    "peers_search_inprocess_datasette_p95",
    "peers_open_end",
    "peers_open_end_rss",
]
TERMINAL = [
    "startup_data.db",
    "startup_cpu_data.db",
    "startup_quiet_data.db",
    "startup_1M",
    "startup_cpu_1M",
    "startup_quiet_1M",
    "list_open_end_1M",
    "list_open_end_worst_pair_1M",
    "list_open_1M",
    "list_end_1M",
    "list_end_pty_1M",
    "list_rss_1M",
    "open_china_worst_gap_1M",
    "open_china_header_1M",
    "open_china_loaded_1M",
    "palette_key_1M",
    "cold_start_read_1M",
    "typing_echo_max",
    "typing_echo_median",
    "bytes_first_paint_default",
    "bytes_move_evidence_default",
    "bytes_move_actor_default",
    "bytes_first_paint_low",
    "bytes_move_evidence_low",
    "bytes_move_actor_low",
]


def _finite(value: object) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)


def _smoke(db: Path, tmp_path: Path, sections: list[str], *extra: str) -> dict:
    """bench/run.py --smoke on a tiny generated database; its JSON."""
    from bench.generate import Spec, generate
    from bench.run import main

    if not (Path(sys.executable).parent / "findings").exists():
        pytest.skip("the findings console script is not installed (pip install -e .)")
    tiny = tmp_path / "tiny.db"
    generate(tiny, Spec(rows=300, actors=60, regions=12, sources=20, chunk=100), quiet=True)
    out = tmp_path / "results.json"
    args = ["--smoke", "--db", str(tiny), "--small-db", str(tiny), "--data-db", str(db), "--json-out", str(out)]
    main([*args, "--only", ",".join(sections), *extra])
    result = json.loads(out.read_text())
    assert result["errors"] == {}
    return result


def _assert_figures(result: dict, expected: list[str]) -> dict:
    figures = {f["key"]: f for f in result["figures"]}
    assert sorted(expected) == sorted(figures)
    for key in expected:
        f = figures[key]
        assert _finite(f["ours"]), (key, f["ours"])
        assert _finite(f["baseline"]), (key, f["baseline"])
        assert _finite(f["ratio"]), key
        assert f["pass"] in (True, False, None)
    return figures


def test_every_figure_is_produced(db: Path, tmp_path: Path) -> None:
    from bench.pty_session import have_pty
    from bench.run import SECTIONS

    sections = list(SECTIONS) if have_pty() else ["import", "search", "cli", "ftm", "peers"]
    absent = str(tmp_path / "not-installed")
    result = _smoke(db, tmp_path, sections, "--vd", absent, "--datasette", absent, "--sqlite3", "sqlite3")
    assert result["machine"]["sqlite"] and result["machine"]["textual"]
    shell = SQLITE3_SHELL if shutil.which("sqlite3") else []
    figures = _assert_figures(result, ALWAYS + shell + (TERMINAL if "startup" in sections else []))
    skipped = "\n".join(result["skipped"])
    for peer in ("VisiData", "Datasette"):  # said, with how to install it
        assert f"{peer} not found ({absent})" in skipped
    assert "pip install visidata datasette" in skipped
    assert figures["import"]["samples"]["same_rows"] is True  # both imports wrote the same database
    assert figures["search_p95"]["samples"]["count_mismatches"] == []
    assert len(figures["search_p95"]["samples"]["queries"]) == 50


def test_peers_are_measured_where_installed(db: Path, tmp_path: Path) -> None:
    from bench.peers import find_peers
    from bench.pty_session import have_pty

    found = find_peers()
    if not (found.vd and found.datasette and found.sqlite3 and have_pty()):
        pytest.skip("VisiData, Datasette or the sqlite3 shell not installed (bench/peers.py says how)")
    result = _smoke(db, tmp_path, ["peers"])
    figures = _assert_figures(result, ALWAYS[-2:] + SQLITE3_SHELL + INSTALLED_PEERS)
    assert result["skipped"] == []
    assert "VisiData" in figures["peers_first_rows"]["baseline_label"]


def test_a_timed_process_reports_its_own_peak_memory_not_that_of_the_bench_that_started_it() -> None:
    """The export and check figures' peak memory: a small child of a large bench process is small. (wait4's
    ru_maxrss counts the address space the child had before exec, a copy of the bench's: after the ftm section,
    every export read ~390 MB.)"""
    sys.path.insert(0, str(ROOT))
    from bench.scale import _timed_process

    held = bytearray(300 * 1024 * 1024)  # the bench, grown: 300 MB resident
    held[::4096] = b"x" * len(held[::4096])
    _seconds, small = _timed_process([sys.executable, "-c", "import time; time.sleep(0.2)"])
    grow = "import time; b = bytearray(150 * 2**20); b[::4096] = b'x' * len(b[::4096]); time.sleep(0.2)"
    _seconds, large = _timed_process([sys.executable, "-c", grow])
    del held
    assert 0 < small < 60, small
    assert 150 <= large < 250, large


def test_the_ftm_and_tiny_record_benchmarks_report_their_childs_peak_not_the_bench_s(tmp_path: Path) -> None:
    """bench/ftm_import.py and bench/import_records.py measure each run in a child process. After the
    ftm section, a run of bench/run.py held ~390 MB: the ftm import's peak read 1,901 B per entity (380 MB over
    200,000) and its growth from a tenth of the file 0 B, where the import alone peaks at 540 B per entity."""
    sys.path.insert(0, str(ROOT))
    from bench import ftm_import, import_records

    held = bytearray(300 * 1024 * 1024)  # the bench, grown: 300 MB resident
    held[::4096] = b"x" * len(held[::4096])
    path = tmp_path / "entities.ftm.json"
    ftm_import.generate(path, 40)
    run = ftm_import.run_once(path, tmp_path)
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(0.1)"])
    _status, _usage, small_kb = import_records._wait_with_peak(proc)
    records = import_records._measure_child("idle", path)
    del held
    assert 0 < ftm_import._peak_kb(run) < 150 * 1024, run["ours"]
    assert 0 < run["ours"]["peak_kb"] < 250 * 1024, run["ours"]
    assert 0 < small_kb < 150 * 1024, small_kb
    assert 0 < records["peak_kb"] < 150 * 1024, records
