"""The README's examples work: its YAML and CSV import examples import cleanly into the dataset database."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from tests.conftest import ROOT, run_cli

README = (ROOT / "README.md").read_text(encoding="utf-8")


def blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README, re.S)


def test_readme_yaml_and_csv_examples_import(db: Path, tmp_path: Path) -> None:
    (yaml_example,) = blocks("yaml")
    (csv_example,) = blocks("csv")
    (tmp_path / "my.yaml").write_text(yaml_example, encoding="utf-8")
    assert run_cli("import", "yaml", str(tmp_path / "my.yaml"), db=db).exit_code == 0
    # The CSV example restates the YAML finding under the same id: importing it updates, not duplicates.
    (tmp_path / "evidence.csv").write_text(csv_example, encoding="utf-8")
    result = run_cli("import", "csv", str(tmp_path / "evidence.csv"), db=db)
    assert result.exit_code == 0, result.output
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM evidence WHERE id = 'port-deal'").fetchone() == (1,)
    assert conn.execute(
        "SELECT role FROM evidence_actors WHERE evidence_id = 'port-deal' AND actor_id = 'example-shipping'"
    ).fetchone() == ("lessee",)


def test_readme_names_the_two_commands() -> None:
    assert "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/findings" in README
    test_command = "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/pytest"
    assert test_command in README
    assert test_command in (ROOT / ".ci" / "run").read_text()
