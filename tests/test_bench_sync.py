"""bench/sync.py runs end to end at a tiny size and reports every figure (times are not asserted here)."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_the_sync_benchmark_reports_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "sync.json"
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "sync.py"), "--findings", "5", "--repeat", "1", "--json-out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(out.read_text())
    for key in ("send_s", "receive_s", "git_fetch_s", "received_bytes", "git_fetch_bytes", "bundle_bytes"):
        assert math.isfinite(result[key]) and result[key] > 0, key
    assert result["received_bytes"] == result["git_fetch_bytes"]  # sync moves what git moves
