"""New databases (store/newdb.py): made under a temporary name beside their place, moved there when the first
import commits. No race, kill or failure leaves an empty, half-made or foreign file under the real name, deletes
a file the import did not make, or loses the rows of an import that said it succeeded.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from importers.session import ImportSession
from store.errors import DataError, StoreError
from store.records import Actor, Batch
from tests.conftest import query
from tests.test_concurrency import big_csv, wait_until_read
from tests.test_concurrency import findings as popen_findings
from tests.test_damaged_db import findings, one_error_line

GOOD = "actors:\n  - {id: first-actor, name: First Actor, kind: company}\n"
BAD = "actors:\n  - {id: bad-actor, name: Bad Actor, kind: no-such-kind}\n"


def actors(*ids: str) -> Batch:
    return Batch(actors=[Actor(id=i, name=i.title(), kind="company") for i in ids])


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.startswith("."))


def test_two_imports_creating_one_database_never_lose_a_success(tmp_path: Path) -> None:
    """The second to commit is told the file was made meanwhile, and nothing of it was written; the first's
    rows stay (before, the first one's failure deleted the file holding the second one's)."""
    target = tmp_path / "new.db"
    first, second = ImportSession(target, "yaml"), ImportSession(target, "yaml")
    first.__enter__()
    second.__enter__()
    assert not target.exists()  # both at work, under temporary names
    second.add(actors("second-actor"))
    first.add(actors("first-actor"))
    first.__exit__(None, None, None)
    assert [r[0] for r in query(target, "SELECT id FROM actors")] == ["first-actor"]
    with pytest.raises(StoreError, match="created by another import while this one ran; nothing was written"):
        second.__exit__(None, None, None)
    assert [r[0] for r in query(target, "SELECT id FROM actors")] == ["first-actor"]
    assert leftovers(tmp_path) == []


def test_a_failed_import_into_a_new_path_leaves_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD, encoding="utf-8")
    target = tmp_path / "sub" / "new.db"
    one_error_line(findings(target, "import", "yaml", str(bad), cwd=tmp_path))
    assert not target.exists() and not target.parent.exists()


def test_an_existing_empty_file_is_kept_on_failure_and_filled_on_success(tmp_path: Path) -> None:
    target = tmp_path / "empty.db"
    target.touch()
    bad, good = tmp_path / "bad.yaml", tmp_path / "good.yaml"
    bad.write_text(BAD, encoding="utf-8")
    good.write_text(GOOD, encoding="utf-8")
    one_error_line(findings(target, "import", "yaml", str(bad)))
    assert target.exists() and target.stat().st_size == 0, "the empty file was deleted"
    proc = findings(target, "import", "yaml", str(good))
    assert proc.returncode == 0, proc.stderr
    assert query(target, "SELECT id FROM actors") == [("first-actor",)]
    assert leftovers(tmp_path) == []


def test_a_symbolic_link_is_followed_and_never_removed(tmp_path: Path) -> None:
    """Before, a failed import deleted the link and left an empty schema where it pointed."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    link = tmp_path / "link.db"
    link.symlink_to(elsewhere / "real.db")
    bad, good = tmp_path / "bad.yaml", tmp_path / "good.yaml"
    bad.write_text(BAD, encoding="utf-8")
    good.write_text(GOOD, encoding="utf-8")
    one_error_line(findings(link, "import", "yaml", str(bad)))
    assert link.is_symlink() and not (elsewhere / "real.db").exists() and os.listdir(elsewhere) == []
    proc = findings(link, "import", "yaml", str(good))
    assert proc.returncode == 0, proc.stderr
    assert link.is_symlink() and (elsewhere / "real.db").is_file()
    assert query(elsewhere / "real.db", "SELECT id FROM actors") == [("first-actor",)]
    before = (elsewhere / "real.db").read_bytes()
    one_error_line(findings(link, "import", "yaml", str(bad)))
    assert link.is_symlink() and (elsewhere / "real.db").read_bytes() == before
    assert sorted(os.listdir(elsewhere)) == ["real.db"]


def test_an_import_session_that_fails_removes_only_its_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "new.db"
    with pytest.raises(DataError), ImportSession(target, "yaml") as session:
        session.add(actors("doomed"))
        raise DataError("rejected")
    assert not target.exists() and leftovers(tmp_path) == []


@pytest.mark.skipif(not Path("/proc/self/fdinfo").exists(), reason="needs Linux /proc to follow an import")
def test_an_import_killed_while_creating_a_database_leaves_no_file(tmp_path: Path) -> None:
    """Killed half-way through the first import of a new file: nothing under the real name (before, an empty
    schema stayed there); the next import clears the dead one's temporary file and succeeds."""
    rows = big_csv(tmp_path / "rows.csv", rows=20_000)
    target = tmp_path / "data" / "new.db"
    target.parent.mkdir()
    sources = tmp_path / "sources.csv"
    sources.write_text("id,title\nkyiv-independent-occupied-economy,Report\n", encoding="utf-8")
    actors_csv = tmp_path / "actors.csv"
    actors_csv.write_text(
        "id,name,kind,country\n"
        + "".join(f"{a},{a},state,\n" for a in ("china", "iran", "north-korea", "russia"))
        + "".join(f"{a},{a},company,\n" for a in ("huawei", "sany", "genertec", "tencent")),
        encoding="utf-8",
    )
    regions = tmp_path / "regions.csv"
    regions.write_text(
        "id,name,kind,iso_code\n"
        + "".join(f"{r},{r},oblast,\n" for r in ("crimea", "donetsk", "luhansk", "zaporizhzhia", "kherson")),
        encoding="utf-8",
    )
    writer = popen_findings(target, "import", "csv", str(sources), str(actors_csv), str(regions), str(rows))
    wait_until_read(writer, rows, 0.5)
    assert [n for n in os.listdir(target.parent) if n.endswith(".new")], "no temporary file while importing"
    writer.send_signal(signal.SIGKILL)
    writer.communicate(timeout=60)
    assert not target.exists()

    again = popen_findings(target, "import", "csv", str(sources), str(actors_csv), str(regions), str(rows))
    _, err = again.communicate(timeout=300)
    assert again.returncode == 0, err.decode()[-2000:]
    assert query(target, "SELECT count(*) FROM evidence") == [(20_000,)]
    assert sorted(os.listdir(target.parent)) == ["new.db"]


def test_a_new_database_gets_the_usual_mode_and_your_own_is_yours_alone(tmp_path: Path, findings_home: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(GOOD, encoding="utf-8")
    target = tmp_path / "team.db"
    assert findings(target, "import", "yaml", str(good)).returncode == 0
    mask = os.umask(0o022)
    os.umask(mask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~mask  # as SQLite makes files
    from tests.conftest import run_cli

    result = run_cli("import", "yaml", str(good))
    assert result.exit_code == 0, result.output
    assert (findings_home / "findings.db").stat().st_mode & 0o777 == 0o600
