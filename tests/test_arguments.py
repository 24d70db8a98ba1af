"""Command lines as people type them: options before or after the words, an unknown option is wrong usage in every
command (exit 2, nothing written), and a word with one dash in a query excludes it. In-process through Click,
and as real processes (`python main.py`, the installed `findings`), where the Click-free door answers some."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, digest, run_cli
from tests.terminal import run_in_terminal
from tests.test_cli_help import all_commands

CONSOLE_SCRIPT = Path(sys.executable).parent / "findings"


def doors() -> list[list[str]]:
    out = [[sys.executable, str(ROOT / "main.py")]]
    if CONSOLE_SCRIPT.exists():
        out.append([str(CONSOLE_SCRIPT)])
    return out


def run(door: list[str], *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "NO_COLOR": "1", **env}
    return subprocess.run(
        [*door, *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60, check=False
    )


def ids(output: str) -> list[str]:
    return [hit["id"] for hit in json.loads(output)]


def test_search_options_go_before_or_after_the_words(built_db: Path) -> None:
    db = str(built_db)
    expected = run_cli("search", "yuan", "--json", db=built_db).output
    assert "bank-branches-sell-yuan" in expected
    for argv in (
        ["search", "yuan", "--db", db, "--json"],
        ["--db", db, "search", "yuan", "--json"],
        ["search", "--json", "yuan", f"--db={db}"],
        ["--db", "/nonexistent.db", "search", "--json", "yuan", "--db", db],  # the one closest to the command
    ):
        result = run_cli(*argv)
        assert result.exit_code == 0, (argv, result.output)
        assert result.output == expected, argv


def test_a_word_with_one_dash_excludes_it_and_double_dash_ends_the_options(built_db: Path) -> None:
    everything = ids(run_cli("search", "iran", "--kind", "evidence", "--json", db=built_db).output)
    without_coal = ids(run_cli("search", "iran", "-coal", "--kind", "evidence", "--json", db=built_db).output)
    assert "iran-grain-coal-logistics" in everything and "iran-grain-coal-logistics" not in without_coal
    assert set(without_coal) == set(everything) - {"iran-grain-coal-logistics"}
    literal = run_cli("search", "--db", str(built_db), "yuan", "--", "--json")  # a query word, not JSON output
    assert literal.exit_code == 0 and "hits" in literal.output and not literal.output.startswith("[")


def test_export_takes_its_options_anywhere_and_the_query_keeps_its_exclusions(built_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    result = run_cli("export", "csv", "china", "-o", str(out), "--db", str(built_db))
    assert result.exit_code == 0, result.output
    assert "china-role-contractor" in {row["id"] for row in csv.DictReader(out.open(encoding="utf-8"))}
    assert run_cli("export", "csv", "china", "-coal", "-o", str(out), "--force", db=built_db).exit_code == 0
    rows = run_cli("export", "csv", "iran", "-coal", db=built_db).stdout
    ids_ = {row["id"] for row in csv.DictReader(io.StringIO(rows))}
    assert "casein-export-iran" in ids_ and "iran-grain-coal-logistics" not in ids_
    oil = run_cli("export", "csv", "iran", "-oil", db=built_db)  # a word, not `-o il`
    assert oil.exit_code == 0 and not (Path.cwd() / "il").exists()


@pytest.mark.parametrize("argv", all_commands(), ids=lambda a: " ".join(a))
def test_an_unknown_option_is_wrong_usage_in_every_command(argv: list[str], db: Path, findings_home: Path) -> None:
    before = digest(db)
    for args in ([*argv, "--bogus"], ["--bogus", *argv]):
        result = run_cli(*args, db=db)
        assert result.exit_code == 2, result.output
        assert "No such option" in result.output and "--bogus" in result.output
    assert run_cli(*argv, "--bogus").exit_code == 2  # without --db: nothing is created for it either
    assert digest(db) == before and not findings_home.exists()


def test_export_markdown_bogus_writes_nothing(built_db: Path) -> None:
    result = run_cli("export", "markdown", "--bogus", db=built_db)
    assert result.exit_code == 2 and "No such option" in result.output
    assert "# " not in result.output  # no brief


def test_the_explorer_takes_low_bandwidth_from_the_group_or_the_command(db: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import tui.start

    calls: list[bool | None] = []
    monkeypatch.setattr(tui.start, "run", lambda path, low_bandwidth=None: calls.append(low_bandwidth))
    for argv in (["--low-bandwidth"], ["tui", "--low-bandwidth"], ["--low-bandwidth", "tui"], ["tui"]):
        assert run_cli(*argv, db=db).exit_code == 0, argv
    assert calls == [True, True, True, None]


@pytest.mark.parametrize("door", doors(), ids=lambda d: Path(d[-1]).name)
def test_as_processes_options_go_anywhere_and_wrong_usage_is_exit_2(door: list[str], built_db: Path) -> None:
    db = str(built_db)
    expected = run_cli("search", "yuan", db=built_db).output
    for argv in (["search", "yuan", "--db", db], ["--db", db, "search", "yuan"]):
        done = run(door, *argv)
        assert (done.returncode, done.stdout) == (0, expected), (argv, done.stderr)
    excluded = run(door, "search", "iran", "-coal", "--kind", "evidence", "--json", "--db", db)
    assert excluded.returncode == 0 and "iran-grain-coal-logistics" not in ids(excluded.stdout)
    for argv in (["search", "yuan", "--bogus", "--db", db], ["export", "markdown", "--bogus", "--db", db]):
        done = run(door, *argv)
        assert done.returncode == 2, (argv, done.stdout, done.stderr)
        assert done.stdout == "" and "No such option" in done.stderr
    piped = run(door, "--low-bandwidth", "--db", db)  # accepted: the explorer itself says it needs a terminal
    assert piped.returncode == 1 and "needs a terminal" in piped.stderr


@pytest.mark.parametrize("door", doors(), ids=lambda d: Path(d[-1]).name)
def test_findings_low_bandwidth_opens_the_explorer_without_mouse_tracking(door: list[str], built_db: Path) -> None:
    env = {**os.environ, "TERM": "xterm-256color"}
    env.pop("FINDINGS_LOW_BANDWIDTH", None)
    plain = run_in_terminal([*door, "--db", str(built_db)], env, ROOT)
    assert plain.status == 0 and b"Evidence" in plain.shown and b"\x1b[?1000h" in plain.output
    low = run_in_terminal([*door, "--low-bandwidth", "--db", str(built_db)], env, ROOT)
    assert low.status == 0 and b"Evidence" in low.shown and b"\x1b[?1000h" not in low.output


# ------------------------------------------------------------------------- bytes that are not UTF-8

NOT_UTF8 = [
    ([b"search", b"ab\xffc", b"--json"], 0, b"[]"),  # the door without Click
    ([b"search", b"ab\xffc"], 0, b"no results for 'ab\xef\xbf\xbdc'"),
    ([b"show", b"actor", b"chin\xff"], 1, b"did you mean China (china)?"),
    ([b"show", b"evidence", b"\xff"], 1, b"no evidence"),
    ([b"export", b"json", b"china\xff"], 0, b'"id": "'),
    ([b"export", b"markdown", b"china\xff"], 0, b"# Findings: china\xef\xbf\xbd"),
    ([b"stats", b"--json"], 0, b'"evidence"'),
]


@pytest.mark.parametrize(
    ("argv", "status", "says"), NOT_UTF8, ids=[b" ".join(a).decode("latin-1") for a, _, _ in NOT_UTF8]
)
def test_bytes_that_are_not_utf8_on_the_command_line_are_read_as_replacement_characters(
    built_db: Path, argv: list[bytes], status: int, says: bytes
) -> None:
    """Every command, by either door: text arguments read with U+FFFD for what is not UTF-8 (and a note saying
    so); never "internal error: UnicodeEncodeError"."""
    env = {k: v for k, v in os.environ.items() if k != "FINDINGS_DB"} | {"LC_ALL": "C.UTF-8"}
    proc = subprocess.run(
        [sys.executable.encode(), str(ROOT / "main.py").encode(), b"--db", str(built_db).encode(), *argv],
        capture_output=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == status, proc.stderr
    assert b"internal error" not in proc.stderr and b"Traceback" not in proc.stderr
    assert says in proc.stdout + proc.stderr, (proc.stdout[:300], proc.stderr)
    if any(b"\xff" in a for a in argv):
        assert b"bytes that are not UTF-8" in proc.stderr
    if b"--json" in argv:
        json.loads(proc.stdout)  # standard output stays JSON


def test_a_database_path_that_is_not_utf8_is_one_clear_line(built_db: Path, tmp_path: Path) -> None:
    import shutil

    odd = os.path.join(os.fsencode(tmp_path), b"caf\xe9.db")
    shutil.copyfile(built_db, odd)
    proc = subprocess.run(
        [sys.executable.encode(), str(ROOT / "main.py").encode(), b"--db", odd, b"stats"],
        capture_output=True,
        timeout=60,
    )
    assert proc.returncode in (0, 1), proc.stderr
    assert b"internal error" not in proc.stderr and b"Traceback" not in proc.stderr
    if proc.returncode == 1:
        assert b"is not UTF-8 text (byte 0xe9)" in proc.stderr, proc.stderr
