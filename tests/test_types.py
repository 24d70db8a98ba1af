"""The code type-checks: mypy, with the settings and the files named in pyproject.toml's [tool.mypy], finds no
error. A failure shows mypy's own report; `.venv/bin/mypy` (no arguments) runs the same check by hand."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_mypy_finds_no_error(tmp_path: Path) -> None:
    assert importlib.util.find_spec("mypy") is not None, "mypy is in the test extras: pip install -e '.[test]'"
    checked = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]["files"]
    assert {"store", "importers", "cli"} <= set(checked)
    # The cache goes to a temporary directory: a test writes nothing into the checkout.
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "mypy-cache")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, f"mypy found errors:\n{result.stdout}{result.stderr}"
