"""The benchmark runs end to end at a tiny size and produces every figure (bench/run.py --smoke).

Times are not asserted here (they belong in bench/RESULTS.md): only that each figure is there, with a finite value
and a finite baseline. The terminal figures need a pseudo-terminal; without one they are skipped, not faked.
"""

from __future__ import annotations

import json
import math
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


def test_every_figure_is_produced(db: Path, tmp_path: Path) -> None:
    from bench.generate import Spec, generate
    from bench.pty_session import have_pty
    from bench.run import SECTIONS, main

    if not (Path(sys.executable).parent / "findings").exists():
        pytest.skip("the findings console script is not installed (pip install -e .)")
    tiny = tmp_path / "tiny.db"
    generate(tiny, Spec(rows=300, actors=60, regions=12, sources=20, chunk=100), quiet=True)
    sections = list(SECTIONS) if have_pty() else ["import", "search", "cli", "ftm"]
    out = tmp_path / "results.json"
    main(
        [
            "--smoke",
            "--db",
            str(tiny),
            "--small-db",
            str(tiny),
            "--data-db",
            str(db),
            "--json-out",
            str(out),
            "--only",
            ",".join(sections),
        ]
    )
    result = json.loads(out.read_text())
    assert result["errors"] == {}
    assert result["machine"]["sqlite"] and result["machine"]["textual"]
    figures = {f["key"]: f for f in result["figures"]}
    expected = ALWAYS + (TERMINAL if "startup" in sections else [])
    assert sorted(expected) == sorted(figures)
    for key in expected:
        f = figures[key]
        assert _finite(f["ours"]), (key, f["ours"])
        assert _finite(f["baseline"]), (key, f["baseline"])
        assert _finite(f["ratio"]), key
        assert f["pass"] in (True, False, None)
    assert figures["import"]["samples"]["same_rows"] is True  # both imports wrote the same database
    assert figures["search_p95"]["samples"]["count_mismatches"] == []
    assert len(figures["search_p95"]["samples"]["queries"]) == 50
