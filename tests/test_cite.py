"""One citation and one figure (store.cite): the clipboard (`y` in the explorer), the Markdown brief and
`findings show evidence` carry the same facts, dressed differently."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from store.cite import citation, citation_parts, figure
from tests.conftest import run_cli
from tests.hostile import unmarkdown, words

SOURCE = {
    "id": "cite-source",
    "title": "Port cranes in Mariupol",
    "publisher": "Example Weekly",
    "authors": ["Olena Koval", "Petro Shevchuk"],
    "url": "https://example.org/cranes",
    "published": "2025-09-14",
    "accessed": "2025-11-02",
}
FINDING = {
    "id": "cite-finding",
    "source": "cite-source",
    "category": "logistics",
    "claim": "Forty cranes were shipped through the occupied port of Mariupol.",
    "quantity": 1200000,
    "unit": "tonnes of cargo",
    "date": "2025-08",
    "locator": "para 7",
    "status": "disputed",
    "actors": ["china"],
}
FACTS = [
    "Olena Koval; Petro Shevchuk",  # authors
    "Example Weekly",  # publisher
    "Port cranes in Mariupol",  # title
    "published 2025-09-14",
    "para 7",  # locator
    "https://example.org/cranes",
    "accessed 2025-11-02",
    "cite-finding",
    "cite-source",
    "1,200,000 tonnes of cargo",  # the figure
    "Forty cranes were shipped through the occupied port of Mariupol.",
    "2025-08",  # the finding's date
    "isputed",  # its status: Disputed / DISPUTED / disputed
]


@pytest.fixture(scope="module")
def cite_db(built_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("cite")
    path = tmp / "data.db"
    path.write_bytes(built_db.read_bytes())
    doc = tmp / "cite.json"
    doc.write_text(json.dumps({"sources": [SOURCE], "evidence": [FINDING]}), encoding="utf-8")
    result = run_cli("import", "json", str(doc), db=path)
    assert result.exit_code == 0, result.output
    return path


def _finding(db: Path) -> dict:
    from store.connect import open_readonly
    from store.details import evidence

    conn = open_readonly(db)
    try:
        data = evidence(conn, "cite-finding")
    finally:
        conn.close()
    assert data is not None
    return data


def test_clipboard_markdown_and_show_carry_the_same_facts(cite_db: Path) -> None:
    from tui.format import clipboard_citation

    clipboard = clipboard_citation(_finding(cite_db))
    brief = run_cli("export", "markdown", "cranes", db=cite_db).stdout
    item = unmarkdown(brief[brief.index("Forty cranes") - 20 :])
    shown = run_cli("show", "evidence", "cite-finding", db=cite_db).output
    for fact in FACTS:
        assert fact in clipboard, ("clipboard", fact)
        assert fact in words(item), ("markdown", fact)
        assert fact in words(shown), ("show", fact)


def test_markdown_adds_emphasis_and_escaping_only(cite_db: Path) -> None:
    data = _finding(cite_db)
    plain = citation(data)
    brief = run_cli("export", "markdown", "cranes", db=cite_db).stdout
    (line,) = [line for line in brief.splitlines() if "Source: " in line and "cite-finding" in line]
    dressed = unmarkdown(line.split("Source: ", 1)[1])
    assert re.sub(r"[*<>]", "", dressed) == plain.replace("“", "").replace("”", "")
    assert "*Port cranes in Mariupol*" in dressed and "<https://example.org/cranes>" in dressed


def test_the_citation_reads_as_a_citation(cite_db: Path) -> None:
    assert citation(_finding(cite_db)) == (
        "Olena Koval; Petro Shevchuk, Example Weekly, “Port cranes in Mariupol”, published 2025-09-14, para 7. "
        "https://example.org/cranes (accessed 2025-11-02) [findings: cite-finding; source: cite-source]"
    )


def test_a_citation_names_what_it_has() -> None:
    bare = {"id": "f", "source_id": "s", "source": {"publisher": "Org", "authors": "org"}}
    assert citation(bare) == "Org [findings: f; source: s]"  # an institution that wrote its own report: once
    assert citation({"id": "f"}) == "[findings: f]"
    parts = citation_parts({"id": "f", "source": {"title": "T", "accessed": "2025"}})
    assert "".join(t for t, _ in parts) == "“T”. accessed 2025 [findings: f]"
    assert [t for t, role in parts if role == "title"] == ["T"]


def test_one_figure() -> None:
    assert figure(79, "bank branches") == "79 bank branches"
    assert figure(1200000.0, "tonnes") == "1,200,000 tonnes"  # a whole REAL reads as a whole number
    assert figure(2.5, "%") == "2.5 %"
    assert figure(6000, None) == "6,000"
    assert figure(0, "cranes") == "0 cranes"
    assert figure(None, "cranes") == "" and figure("", "x") == ""
    assert figure("about 40", "km") == "about 40 km"  # text from a crafted database reads as its text
