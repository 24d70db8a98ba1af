"""`findings bundle`: one file that runs with nothing but Python.

The bundle is built once, copied with a data.db into an empty directory, and run there as `python -I -S
findings.pyz` (no site-packages, no PYTHONPATH, no user site) with a bare environment whose HOME is an empty
directory: --help, search --json, show, the explorer in a terminal, and an import into a new database.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import digest, run_cli
from tests.terminal import run_in_terminal

MAX_BYTES = 8_000_000
MINE = (
    "source: {id: field-notes, title: Field notes, publisher: Me}\n"
    "actors:\n  - {id: acme, name: Acme Trading, kind: company, country: CN}\n"
    "regions:\n  - {id: crimea, name: Crimea, kind: autonomous-republic}\n"
    "evidence:\n"
    "  - id: acme-port\n"
    "    claim: Acme Trading shipped cranes to the port of Sevastopol.\n"
    "    category: logistics\n"
    "    date: 2025-03\n"
    "    actors: [acme]\n"
    "    regions: [crimea]\n"
)


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
    (tmp_path / "mine.yaml").write_text(MINE, encoding="utf-8")
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


MOUSE_TRACKING = b"\x1b[?1000h"


@pytest.mark.parametrize("mode", ["default", "low-bandwidth env", "--low-bandwidth"])
def test_the_explorer_starts_in_a_terminal_and_quits(field: Path, home: Path, mode: str) -> None:
    env = clean_env(home, TERM="xterm-256color", **({"FINDINGS_LOW_BANDWIDTH": "1"} if mode.endswith("env") else {}))
    flags = ["--low-bandwidth"] if mode.startswith("--") else []
    done = run_in_terminal([sys.executable, "-I", "-S", "findings.pyz", *flags], env, field)
    assert b"Evidence" in done.shown, done.output[-2000:].decode(errors="replace")
    assert b"Traceback" not in done.output and b"Error" not in done.output
    assert done.status == 0
    assert (MOUSE_TRACKING in done.output) is (mode == "default")  # low bandwidth: no mouse tracking


def test_a_search_from_the_bundle_does_not_import_click(field: Path, home: Path) -> None:
    cmd = [sys.executable, "-I", "-S", "-X", "importtime", "findings.pyz", "search", "yuan", "--json"]
    done = subprocess.run(cmd, cwd=field, env=clean_env(home), capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0 and "bank-branches-sell-yuan" in done.stdout, done.stderr[-2000:]
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if "|" in line}
    assert "main" in imported and "cli.grammar" in imported
    assert not {"click", "rich", "textual"} & imported


def test_your_findings_go_to_your_database_and_the_data_beside_the_bundle_stays(
    bundle_build: tuple[Path, str], built_db: Path, tmp_path: Path
) -> None:
    stick = tmp_path / "stick"
    stick.mkdir()
    shutil.copy2(bundle_build[0], stick / "findings.pyz")
    shutil.copyfile(built_db, stick / "data.db")
    before = digest(stick / "data.db")
    work, user_home = tmp_path / "work", tmp_path / "user"
    work.mkdir()
    user_home.mkdir()
    (work / "mine.yaml").write_text(MINE, encoding="utf-8")
    pyz = stick / "findings.pyz"
    done = run_bundle(stick, user_home, "import", "yaml", "mine.yaml", cwd=work, pyz=pyz)
    assert done.returncode == 0, done.stdout + done.stderr
    mine = user_home / ".local" / "share" / "findings" / "findings.db"  # HOME's data directory (no XDG_DATA_HOME)
    assert str(mine) in done.stderr and mine.is_file()
    assert digest(stick / "data.db") == before
    for word, found in (("cranes", "acme-port"), ("yuan", "bank-branches-sell-yuan")):  # yours, and the reference
        hits = json.loads(run_bundle(stick, user_home, "search", word, "--json", cwd=work, pyz=pyz).stdout)
        assert found in [hit["id"] for hit in hits]
    refused = run_bundle(stick, user_home, "--db", "data.db", "import", "yaml", str(work / "mine.yaml"), cwd=stick)
    assert refused.returncode == 1 and "shipped reference data" in refused.stderr
    assert digest(stick / "data.db") == before
    yours, shipped_file = digest(mine), (stick / "data.db").stat().st_ino
    dataset = str(Path(__file__).resolve().parent.parent / "dataset")
    built = run_bundle(stick, user_home, "build", "--dataset", dataset, cwd=work, pyz=pyz)  # the data.db beside it
    assert built.returncode == 0, built.stdout + built.stderr
    assert (stick / "data.db").stat().st_ino != shipped_file  # a new file: the shipped one was rebuilt...
    assert digest(mine) == yours  # ...and yours was not touched
    refused = run_bundle(stick, user_home, "--db", str(mine), "build", "--dataset", dataset, cwd=work, pyz=pyz)
    assert refused.returncode == 1 and "a build did not make" in refused.stderr and digest(mine) == yours


def test_nothing_is_unpacked_or_written_to_home(field: Path, home: Path) -> None:
    assert run_bundle(field, home, "stats").returncode == 0
    assert list(home.iterdir()) == []
    assert sorted(p.name for p in field.iterdir() if not p.name.startswith("data.db")) == ["findings.pyz"]


def test_bundle_o_replaces_only_its_own_bundle_unless_forced(tmp_path: Path, bundle_build: tuple[Path, str]) -> None:
    """A file that is not a findings bundle is refused (before any work) without --force, a device always;
    an earlier bundle is replaced without a question."""
    from cli.bundle import is_bundle

    mine = tmp_path / "notes.txt"
    mine.write_text("mine\n", encoding="utf-8")
    refused = run_cli("bundle", "-o", str(mine))
    assert refused.exit_code == 1 and f"{mine} already exists; add --force" in refused.stderr
    assert mine.read_text(encoding="utf-8") == "mine\n"
    device = run_cli("bundle", "-o", "/dev/null", "--force")
    assert device.exit_code == 1 and "is a character device, not a regular file" in device.stderr
    assert is_bundle(bundle_build[0]) and not is_bundle(mine)
