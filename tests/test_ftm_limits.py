"""Hostile FtM input: bounded time and memory on any file. Special files are refused before they are read, every
record is read with a size limit, an import with a record limit, each property with a value limit (all three
configurable, with a message naming the option), and no step is quadratic or backtracks on input text.

Where a test guards against a hang it runs the import in a subprocess with a generous timeout: the timeout is a
hang detector, not a speed target (those live in bench/)."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, one, run_cli
from tests.test_ftm import ent, write_lines

HANG = 120  # seconds: far more than any of these takes, far less than forever


def run_findings(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        input=stdin,
        capture_output=True,
        timeout=HANG,
        check=False,
    )


def test_dev_zero_is_refused_up_front(empty_db: Path) -> None:
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero here")
    before = empty_db.read_bytes()
    proc = run_findings("--db", str(empty_db), "import", "ftm", "/dev/zero")
    assert proc.returncode == 1
    assert b"/dev/zero: is a character device, not a regular file" in proc.stderr
    assert empty_db.read_bytes() == before


def test_a_fifo_is_refused_without_waiting_for_a_writer(empty_db: Path, tmp_path: Path) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    fifo = tmp_path / "pipe.ftm"
    os.mkfifo(fifo)
    proc = run_findings("--db", str(empty_db), "import", "ftm", str(fifo))
    assert proc.returncode == 1
    assert b"is a FIFO (named pipe), not a regular file (to read from a pipe, use -)" in proc.stderr


def test_a_directory_is_refused(empty_db: Path, tmp_path: Path) -> None:
    result = run_cli("import", "ftm", str(tmp_path), db=empty_db)
    assert result.exit_code == 1 and result.stderr.strip() == f"Error: {tmp_path}: is a directory, not a file"


def test_an_endless_line_stops_at_the_record_limit(empty_db: Path, tmp_path: Path) -> None:
    """A 3 MB line (no newline ever) against a 1 MB limit: one clear error, the rest never read."""
    path = tmp_path / "long.ftm"
    path.write_bytes(b'{"id": "x", "schema": "Company", "properties": {"name": ["' + b"A" * 3_000_000)
    result = run_cli("import", "ftm", str(path), "--max-record-size", "1M", db=empty_db)
    assert result.exit_code == 1
    assert f"{path}:1: is longer than 1 MB, the limit for one record (--max-record-size raises it)" in result.stderr
    stdin = b'{"id": "x", "schema": "Company"' + b" " * 3_000_000
    proc = run_findings("--db", str(empty_db), "import", "ftm", "-", "--max-record-size", "1M", stdin=stdin)
    assert proc.returncode == 1 and b"--max-record-size" in proc.stderr


def test_the_record_limit(empty_db: Path, tmp_path: Path) -> None:
    path = write_lines(tmp_path / "n.ftm", [ent(f"c{i}", "Company", name=f"Company {i}") for i in range(10)])
    result = run_cli("import", "ftm", str(path), "--max-records", "5", db=empty_db)
    assert result.exit_code == 1
    assert f"{path}:6: holds more than 5 records, the limit for one import (--max-records raises it)" in result.stderr
    assert one(empty_db, "SELECT count(*) FROM actors") == 0
    assert run_cli("import", "ftm", str(path), "--max-records", "10", db=empty_db).exit_code == 0


def test_the_value_limit(empty_db: Path, tmp_path: Path) -> None:
    path = write_lines(
        tmp_path / "v.ftm",
        [ent("c1", "Company", name=[f"Name {i}" for i in range(5)]), ent("c2", "Company", name="Fine")],
    )
    result = run_cli("import", "ftm", str(path), "--max-values", "3", db=empty_db)
    assert result.exit_code == 1
    assert "`properties.name` has 5 values; the limit is 3 (--max-values)" in result.stderr
    skipped = run_cli("import", "ftm", str(path), "--max-values", "3", "--skip-invalid", db=empty_db)
    assert skipped.exit_code == 0 and f"{path}:1:" in skipped.stderr
    assert one(empty_db, "SELECT name FROM actors") == "Fine"


def test_twenty_thousand_values_are_deduplicated_in_linear_time(empty_db: Path, tmp_path: Path) -> None:
    """20,000 distinct aliases (1,000 of them kept) and 20,000 copies of one name: each a 400 KB line that a
    quadratic step would spend minutes on."""
    names = [f"Alias number {i}" for i in range(20_000)]
    lines = [
        json.dumps({"id": "c1", "schema": "Company", "properties": {"name": ["Many Names LLC"], "weakAlias": names}}),
        json.dumps({"id": "c2", "schema": "Company", "properties": {"name": ["One Name LLC"] * 20_000}}),
        json.dumps({"id": "n1", "schema": "Note", "properties": {"entity": ["c1"], "description": names}}),
    ]
    path = write_lines(tmp_path / "many.ftm", lines)
    proc = run_findings("--db", str(empty_db), "import", "ftm", str(path), "--max-values", "30000")
    assert proc.returncode == 0, proc.stderr
    assert one(empty_db, "SELECT count(*) FROM aliases") == 1_000
    assert b"actors with more than 1,000 other names (the rest not kept)" in proc.stderr
    assert (
        one(empty_db, "SELECT count(*) FROM aliases a JOIN actors b ON b.id = a.ref_id WHERE b.name = 'One Name LLC'")
        == 0
    )


def test_the_ftm_wing_uses_no_regular_expression(tmp_path: Path) -> None:
    """No pattern that could backtrack on input text: the importer's own modules compile none, and the one it
    uses on text (the matcher's word pattern) stays linear on worst-case input."""
    for path in sorted((ROOT / "importers" / "ftm").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {a.name for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names}
        imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
        assert "re" not in imported, path
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); from importers.matcher import words, key_of;"
        "from importers.ftm.values import _is_street;"
        "[words(s) for s in (\"a'\" * 100000, \"a’\" * 100000, 'a' * 200000 + '!', \"'\" * 200000)];"
        "_is_street('1 ' * 100000); key_of(\"x'\" * 100000); print('ok')"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(ROOT)], capture_output=True, text=True, timeout=HANG)
    assert proc.stdout.strip() == "ok", proc.stderr


def test_deep_nesting_of_entities_is_refused(empty_db: Path, tmp_path: Path) -> None:
    entity: dict = {"id": "leaf", "schema": "Company", "properties": {"name": ["Leaf LLC"]}}
    for i in range(40):
        entity = {"id": f"n{i}", "schema": "Company", "properties": {"name": [f"Level {i}"], "parent": [entity]}}
    result = run_cli("import", "ftm", str(write_lines(tmp_path / "deep.json", [entity])), db=empty_db)
    assert result.exit_code == 1 and "nests entities more than 32 levels deep" in result.stderr
