"""`findings bundle`: one file that runs with nothing but Python.

The bundle is built once, copied with a data.db into an empty directory, and run there as `python -I -S
findings.pyz` (no site-packages, no PYTHONPATH, no user site) with a bare environment whose HOME is an empty
directory: --help, search --json, show, the explorer in a terminal, and an import into a new database.
"""

from __future__ import annotations

import contextlib
import json
import os
import pty
import select
import shutil
import signal
import sqlite3
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from tests.conftest import run_cli

MAX_BYTES = 8_000_000


@pytest.fixture(scope="session")
def bundle_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The bundle as `findings bundle -o PATH` writes it, and what the command printed."""
    path = tmp_path_factory.mktemp("build") / "findings.pyz"
    result = run_cli("bundle", "-o", str(path))
    assert result.exit_code == 0, result.output
    return path, result.output


@pytest.fixture(scope="session")
def field(bundle_build: tuple[Path, str], built_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty directory with just findings.pyz and a copy of data.db, as copied from a USB stick."""
    directory = tmp_path_factory.mktemp("field")
    shutil.copy2(bundle_build[0], directory / "findings.pyz")
    shutil.copyfile(built_db, directory / "data.db")
    return directory


@pytest.fixture(scope="session")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("home")


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """No PYTHONPATH, no VIRTUAL_ENV, an empty HOME, a minimal PATH."""
    return {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8", **extra}


def run_bundle(
    field: Path, home: Path, *args: str, cwd: Path | None = None, pyz: Path | None = None
) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-I", "-S", str(pyz or "findings.pyz"), *args]
    return subprocess.run(
        cmd, cwd=cwd or field, env=clean_env(home), capture_output=True, text=True, timeout=60, check=False
    )


def test_the_bundle_is_one_small_executable_file_without_compiled_code(bundle_build: tuple[Path, str]) -> None:
    path, output = bundle_build
    assert path.stat().st_size <= MAX_BYTES, f"{path.stat().st_size:,} bytes"
    assert os.access(path, os.X_OK)
    assert path.read_bytes().startswith(b"#!/usr/bin/env python3\n")
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
    assert "__main__.py" in names and "tui/findings.tcss" in names and "importers/tagging.yaml" in names
    assert "textual/app.py" in names and "rich/console.py" in names and "yaml/__init__.py" in names
    assert not [n for n in names if n.endswith((".so", ".pyd", ".dylib", ".dll", ".pyi"))]
    assert not [n for n in names if "__pycache__" in n or n.startswith(("pip/", "tests/", "dataset/"))]
    assert "yaml._yaml" in output and "Left out" in output  # the command says what it left out, and why


def test_help_runs_from_the_bundle(field: Path, home: Path) -> None:
    result = run_bundle(field, home, "--help")
    assert result.returncode == 0, result.stderr
    assert "Usage: findings.pyz" in result.stdout
    for command in ("search", "show", "import", "tui"):
        assert command in result.stdout


def test_search_json_finds_the_yuan_finding(field: Path, home: Path) -> None:
    result = run_bundle(field, home, "search", "yuan", "--json")
    assert result.returncode == 0, result.stderr
    hits = json.loads(result.stdout)
    assert any("79 bank branches" in hit["title"] for hit in hits if hit["kind"] == "evidence")


def test_show_actor_china(field: Path, home: Path) -> None:
    result = run_bundle(field, home, "show", "actor", "china", "--json")
    assert result.returncode == 0, result.stderr
    actor = json.loads(result.stdout)
    assert actor["name"] == "China" and actor["evidence_count"] > 0


def test_the_data_db_beside_the_bundle_is_the_default_elsewhere(field: Path, home: Path, tmp_path: Path) -> None:
    result = run_bundle(field, home, "search", "yuan", "--json", cwd=tmp_path, pyz=field / "findings.pyz")
    assert result.returncode == 0, result.stderr
    assert any("79 bank branches" in hit["title"] for hit in json.loads(result.stdout))


def test_everything_is_imported_from_the_bundle_and_pyyaml_is_pure_python(field: Path, home: Path) -> None:
    code = (
        "import json, sys; sys.path.insert(0, 'findings.pyz')\n"
        "import yaml, textual, rich, click, sqlite_utils, main, tui.app, importers.loaders\n"
        "mods = [m for m in sys.modules.values() if getattr(m, '__file__', None)]\n"
        "print(json.dumps({'outside': sorted(m.__name__ for m in mods if 'findings.pyz' not in m.__file__"
        " and not m.__file__.startswith(sys.base_prefix)), 'libyaml': yaml.__with_libyaml__}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", code],
        cwd=field,
        env=clean_env(home),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found == {"outside": [], "libyaml": False}


def test_import_yaml_into_a_new_database(field: Path, home: Path, tmp_path: Path) -> None:
    (tmp_path / "mine.yaml").write_text(
        "source: {id: field-notes, title: Field notes, publisher: Me}\n"
        "actors:\n  - {id: acme, name: Acme Trading, kind: company, country: CN}\n"
        "regions:\n  - {id: crimea, name: Crimea, kind: autonomous-republic}\n"
        "evidence:\n"
        "  - id: acme-port\n"
        "    claim: Acme Trading shipped cranes to the port of Sevastopol.\n"
        "    category: logistics\n"
        "    date: 2025-03\n"
        "    actors: [acme]\n"
        "    regions: [crimea]\n",
        encoding="utf-8",
    )
    scratch = tmp_path / "scratch.db"
    pyz = field / "findings.pyz"
    result = run_bundle(field, home, "--db", str(scratch), "import", "yaml", "mine.yaml", cwd=tmp_path, pyz=pyz)
    assert result.returncode == 0, result.stdout + result.stderr
    conn = sqlite3.connect(scratch)
    try:
        assert conn.execute("SELECT claim FROM evidence").fetchall() == [
            ("Acme Trading shipped cranes to the port of Sevastopol.",)
        ]
    finally:
        conn.close()
    result = run_bundle(field, home, "--db", str(scratch), "search", "cranes", "--json", cwd=tmp_path, pyz=pyz)
    assert [hit["id"] for hit in json.loads(result.stdout)] == ["acme-port"]


def _read(fd: int, timeout: float) -> bytes | None:
    """Whatever the terminal has within `timeout` (b"" if nothing), None at end of output."""
    ready, _, _ = select.select([fd], [], [], timeout)
    if not ready:
        return b""
    try:
        return os.read(fd, 65536) or None
    except OSError:  # EIO: the program has exited and closed the terminal
        return None


@pytest.mark.parametrize("low_bandwidth", [False, True], ids=["default", "low-bandwidth"])
def test_the_explorer_starts_in_a_terminal_and_quits(field: Path, home: Path, low_bandwidth: bool) -> None:
    import fcntl
    import termios

    env = clean_env(home, TERM="xterm-256color", **({"FINDINGS_LOW_BANDWIDTH": "1"} if low_bandwidth else {}))
    argv = [sys.executable, "-I", "-S", "findings.pyz"]
    pid, fd = pty.fork()
    if pid == 0:  # the child: become the program, in the field directory
        try:
            os.chdir(field)
            os.execve(argv[0], argv, env)
        finally:
            os._exit(127)
    try:
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        output = b""
        deadline = time.monotonic() + 30
        while b"Evidence" not in output and time.monotonic() < deadline:
            chunk = _read(fd, 0.5)
            if chunk is None:
                break
            output += chunk
        assert b"Evidence" in output, output[-2000:].decode(errors="replace")
        assert b"Traceback" not in output and b"Error" not in output
        os.write(fd, b"\x11")  # ctrl+q
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and _read(fd, 0.5) is not None:
            pass
        deadline = time.monotonic() + 5
        status = None
        while status is None and time.monotonic() < deadline:
            done, code = os.waitpid(pid, os.WNOHANG)
            if done:
                status = code
            else:
                time.sleep(0.05)
        assert status is not None and os.waitstatus_to_exitcode(status) == 0
        pid = 0
    finally:
        if pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        os.close(fd)


def test_nothing_is_unpacked_or_written_to_home(field: Path, home: Path) -> None:
    assert run_bundle(field, home, "stats").returncode == 0
    assert list(home.iterdir()) == []
    assert sorted(p.name for p in field.iterdir() if not p.name.startswith("data.db")) == ["findings.pyz"]
