"""The core works without the UI: importing store, importers and cli, or running a quick lookup, never imports
Textual (and a piped lookup imports neither rich nor sqlite-utils), which keeps lookups fast and layers honest."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_python(code: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_importing_store_importers_and_cli_never_imports_textual():
    found = run_python(
        """
import importlib, json, pkgutil, sys
names = []
for package in ("store", "importers", "cli"):
    module = importlib.import_module(package)
    for info in pkgutil.iter_modules(module.__path__):
        names.append(f"{package}.{info.name}")
        importlib.import_module(f"{package}.{info.name}")
print(json.dumps({"modules": names, "textual": sorted(m for m in sys.modules if m.split(".")[0] == "textual")}))
"""
    )
    assert "store.search" in found["modules"] and "cli.search" in found["modules"]
    assert found["textual"] == []


def test_a_search_process_imports_neither_textual_rich_nor_sqlite_utils(built_db):
    found = run_python(
        f"""
import io, json, sys
from contextlib import redirect_stdout
import main
buf = io.StringIO()
with redirect_stdout(buf):
    try:
        main.cli.main(["--db", {str(built_db)!r}, "search", "yuan"], prog_name="findings")
    except SystemExit as e:
        assert e.code in (0, None), e.code
assert "bank-branches-sell-yuan" in buf.getvalue()
heavy = ("textual", "rich", "sqlite_utils")
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in heavy)))
"""
    )
    assert found == []


def test_show_stats_and_export_processes_do_not_import_textual(built_db):
    found = run_python(
        f"""
import io, json, sys
from contextlib import redirect_stdout
import main
for argv in (["show", "actor", "china"], ["stats"], ["export", "markdown", "yuan"], ["search", "china", "--json"]):
    with redirect_stdout(io.StringIO()):
        try:
            main.cli.main(["--db", {str(built_db)!r}, *argv], prog_name="findings")
        except SystemExit as e:
            assert e.code in (0, None), (argv, e.code)
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in ("textual", "sqlite_utils"))))
"""
    )
    assert found == []


def test_a_piped_search_process_does_not_even_import_click(built_db):
    found = run_python(
        f"""
import io, json, runpy, sys
from contextlib import redirect_stdout
sys.argv = ["main.py", "--db", {str(built_db)!r}, "search", "yuan"]
buf = io.StringIO()
with redirect_stdout(buf):
    try:
        runpy.run_path("main.py", run_name="__main__")
    except SystemExit as e:
        assert e.code == 0, e.code
assert "bank-branches-sell-yuan" in buf.getvalue()
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in ("click", "textual", "rich", "sqlite_utils"))))
"""
    )
    assert found == []
