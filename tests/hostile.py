"""One finding made of every kind of character the text-safety table covers, for the tests of each output path.

TEXT holds terminal escapes that set the clipboard (OSC 52), ask for a cursor report (DSR, whose reply would be
typed at the shell prompt) and retitle the window, a C1 control, a bidi override, U+2028, U+FEFF, a zero-width
space inside a word, tag characters (hidden ASCII) and Textual markup. Wherever a person reads it, it must read as
SHOWN; JSON keeps it exactly.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.conftest import run_cli

TEXT = (
    "Hua\u200bwei zebracorn \x1b]52;c;cHduZWQ=\x07 dsr \x1b[6n title \x1b]0;pwned\x07 c1 \x85 "
    "\u202etxt.exe\u202c sep\u2028end \ufeffbom tag\U000e0041\U000e0042 [@click=app.quit]quit[/]"
)
SHOWN = (
    "Hua<U+200B>wei zebracorn ␛]52;c;cHduZWQ=␇ dsr ␛[6n title ␛]0;pwned␇ c1 <U+0085> "
    "<U+202E>txt.exe<U+202C> sep<U+2028>end <U+FEFF>bom tag<U+E0041><U+E0042> [@click=app.quit]quit[/]"
)
ACTOR = "Hua\u200bwei \x1b[2J Technologies"
ACTOR_SHOWN = "Hua<U+200B>wei ␛[2J Technologies"
URL = "https://evil.example/a\u200bb\x1b[2J"
URL_SHOWN = "https://evil.example/a<U+200B>b␛[2J"

# What no person-facing output may hold: C0 controls but tab/newline/CR, DEL, C1, and the invisible characters.
RAW = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u202a-\u202e\u2028\u2029\ufeff\U000e0000-\U000e007f]")


def hostile_document() -> dict:
    return {
        "sources": [
            {
                "id": "table-source",
                "title": TEXT,
                "publisher": TEXT,
                "url": URL,
                "published": "2025-10-20",
            }
        ],
        "actors": [{"id": "table-actor", "name": ACTOR, "kind": "company", "country": "CN"}],
        "evidence": [
            {
                "id": "table-finding",
                "source": "table-source",
                "category": "other",
                "claim": TEXT,
                "quote": TEXT,
                "quantity": 1200,
                "unit": "units \u200b\x1b[1m",
                "locator": "para \u200b9",
                "date": "2025-10",
                "status": "unreviewed",
                "actors": ["table-actor"],
            }
        ],
    }


def add_hostile_finding(db: Path, tmp_path: Path) -> Path:
    """Import the hostile finding, its source and its actor into `db` as a user would (JSON: every character
    escaped in the file)."""
    path = tmp_path / "table.json"
    path.write_text(json.dumps(hostile_document()), encoding="ascii")
    result = run_cli("import", "json", str(path), db=db)
    assert result.exit_code == 0, result.output
    return db


def words(text: str) -> str:
    """`text` with line wrapping and indentation undone (runs of spaces and line breaks as one space)."""
    return " ".join(re.split(r"[ \r\n]+", text)).strip()


def unmarkdown(text: str) -> str:
    """Markdown text as it renders: backslash escapes undone."""
    return re.sub(r"\\(.)", r"\1", text)
