"""Text from the database is data: make control characters visible before it reaches a terminal.

ESC, BEL, backspace and the other C0/C1 controls (and DEL) could move the cursor, clear the screen or retitle the
terminal if printed raw. `printable` shows them as Unicode control pictures (ESC -> ␛) or \\x.. escapes; tabs and
newlines become spaces unless kept. Bidirectional-override characters are made visible too.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_CONTROL_ALL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _picture(m: re.Match[str]) -> str:
    c = m.group()
    code = ord(c)
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ .. ␟ (␛ for ESC)
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"\\u{code:04x}" if code > 0xFF else f"\\x{code:02x}"


_JSON_UNSAFE = re.compile(r"[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def json_safe(dumped: str) -> str:
    """JSON text (from `json.dumps(..., ensure_ascii=False)`) with DEL, the C1 controls and bidirectional overrides
    written as \\u escapes, as json already writes C0 controls: the same data, but nothing a terminal would obey."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", dumped)


def printable(text: str, *, keep_newlines: bool = False) -> str:
    """`text` with every control character made visible (newlines and tabs kept if `keep_newlines`)."""
    if keep_newlines:
        return _CONTROL.sub(_picture, text)
    return _CONTROL_ALL.sub(lambda m: " " if m.group() in "\t\n\r" else _picture(m), text)
