"""Text from the database is data, never markup or terminal control.

Every string that comes from the database (or a file) reaches the screen through this module. It never parses
markup (Textual 8 treats a plain `str` as markup in most widgets, so `[@click=app.quit]` would be live) and it
makes control characters visible instead of letting them reach the terminal (`\\x1b[2J` would clear it).
"""

from __future__ import annotations

import re

from rich.text import Text
from textual.content import Content

_C0_PICTURES = {code: chr(0x2400 + code) for code in range(0x20)}  # ␀ … ␟, e.g. ESC -> ␛
_C0_PICTURES[0x7F] = "\u2421"  # DEL -> ␡
# C1 controls, and the invisible characters that reorder or hide text (bidi overrides, line separators):
# shown as <U+XXXX> so a reader sees that something is there.
_INVISIBLE = [*range(0x80, 0xA0), 0x2028, 0x2029, *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0xFEFF]
_LINE_TABLE: dict[int, str] = {**_C0_PICTURES, **{code: f"<U+{code:04X}>" for code in _INVISIBLE}}
_LINE_TABLE[0x09] = " "
_LINE_TABLE[0x0A] = " "
_LINE_TABLE[0x0D] = " "
_BLOCK_TABLE = dict(_LINE_TABLE)
_BLOCK_TABLE[0x0A] = "\n"
_BLOCK_TABLE[0x0D] = ""
_SPACES = re.compile(r" {2,}")


def clean(value: object) -> str:
    """One line of plain text: controls made visible, tabs and newlines folded into single spaces."""
    if value is None:
        return ""
    text = str(value).translate(_LINE_TABLE)
    return _SPACES.sub(" ", text).strip() if "  " in text else text.strip()


def clean_block(value: object) -> str:
    """Plain text that may span lines: newlines kept, other controls made visible."""
    if value is None:
        return ""
    return str(value).translate(_BLOCK_TABLE).strip()


def safe_text(value: object, style: str = "") -> Content:
    """One line of database text as Content, styled as a whole (never parsed as markup)."""
    content = Content(clean(value))
    return content.stylize(style) if style else content


def plain(*parts: object, sep: str = " ") -> str:
    """Join cleaned values into one line of plain text (for titles, notifications and the clipboard)."""
    return sep.join(text for text in (clean(p) for p in parts) if text)


def safe_rich(value: object, style: str = "") -> Text:
    """One line of database text as a Rich Text (for widgets that take Rich labels, like Tree)."""
    return Text(clean(value), style=style, no_wrap=True, end="")
