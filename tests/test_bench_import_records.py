"""bench/import_records.py runs end to end at a tiny size and produces every figure (times are not asserted:
they belong in bench/RESULTS.md)."""

from __future__ import annotations

import math
from pathlib import Path


def test_every_import_figure_is_produced(tmp_path: Path) -> None:
    from bench.import_records import FORMATS, main

    out = tmp_path / "results.json"
    results = main(["--records", "200", "--repeats", "1", "--json-out", str(out)])
    assert [r["format"] for r in results] == list(FORMATS) and out.exists()
    for r in results:
        for name in ("baseline", "reading", "import"):
            figure = r[name]
            assert math.isfinite(figure["cpu"]) and figure["cpu"] >= 0, (r["format"], name)
            assert figure["peak_kb"] > 0 and math.isfinite(figure["bytes_per_record"])
        assert math.isfinite(r["reading"]["time_ratio"]) and math.isfinite(r["import"]["time_ratio"])
    assert "baseline_pure" in results[0]  # YAML's pure-Python safe_load, at small sizes
