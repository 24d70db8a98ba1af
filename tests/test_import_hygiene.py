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


def _imports(path: Path, *, top_level_only: bool) -> set[str]:
    """The modules a file imports (`import a.b`, `from a.b import c` -> a.b and a.b.c)."""
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in tree.body if top_level_only else ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found: list[list[str]] = []

    def visit(start: str, node: str, path: list[str]) -> None:
        for nxt in sorted(graph[node]):
            if nxt == start:
                found.append(path)
            elif nxt not in path and nxt > start:  # each circle once, from its smallest module
                visit(start, nxt, [*path, nxt])

    for module in sorted(graph):
        visit(module, module, [module])
    return found


def test_the_house_has_no_import_circles():
    """No module imports one that imports it back: not at import time anywhere, and not even inside functions in
    the door, the store, the importers and the commands."""
    files = {"main": ROOT / "main.py"}
    for package in ("store", "importers", "cli", "tui"):
        for path in (ROOT / package).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            files[name] = path
    for top_level_only, scope in ((True, tuple(files)), (False, ("main", "store", "importers", "cli"))):
        names = {m for m in files if m.split(".")[0] in {s.split(".")[0] for s in scope}}
        graph = {m: _imports(files[m], top_level_only=top_level_only) & names for m in names}
        assert _cycles(graph) == [], "at import time" if top_level_only else "anywhere"
