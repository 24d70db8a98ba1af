"""Text from the database on the explorer's screen: data, never markup or terminal control.

Every string that comes from the database (or a file) reaches the screen through these helpers. They never parse
markup (Textual 8 treats a plain `str` as markup in most widgets, so `[@click=app.quit]` would be live), and they
show it through the one table of store.text (`\\x1b[2J` as `␛[2J`, `Hua\\u200bwei` as `Hua<U+200B>wei`), so the
explorer shows a character exactly as `findings show` and the exports do.
"""

from __future__ import annotations

import re

from rich.text import Text

from store.text import printable

_SPACES = re.compile(r" {2,}")


def clean(value: object) -> str:
    """One line of text: the table's visible forms, tabs and line breaks folded into single spaces."""
    text = printable(value)
    return _SPACES.sub(" ", text).strip() if "  " in text else text.strip()


def clean_block(value: object) -> str:
    """Text that may span lines: line breaks kept, tabs as spaces, everything else in the table's forms."""
    return printable(value, keep_newlines=True).replace("\t", " ").strip()


def plain(*parts: object, sep: str = " ") -> str:
    """Join cleaned values into one line of plain text (for titles, notifications and the clipboard)."""
    return sep.join(text for text in (clean(p) for p in parts) if text)


def safe_rich(value: object, style: str = "") -> Text:
    """One line of database text as a Rich Text (for widgets that take Rich labels, like Tree)."""
    return Text(clean(value), style=style, no_wrap=True, end="")
