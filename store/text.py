"""Text from a database or a file is data: the one table of characters that must not reach a reader as they are.

Some characters would be obeyed by a terminal (ESC starts sequences that clear the screen, retitle the window or
set the clipboard through OSC 52; C1 controls do the same in one byte), and some hide or reorder what a person
reads (zero-width and other invisible format characters make `Hua\\u200bwei` look like Huawei; bidi controls
make `txt.exe` read as `exe.txt`; tag characters carry a hidden ASCII message). Every text a person reads — CLI
output, the explorer, exports shown on a terminal, Markdown briefs, CSV files, error messages — shows them
through this table, in the same form everywhere:

- C0 controls U+0000–U+001F: their control pictures U+2400–U+241F, `␀` … `␛` (ESC) … `␟`; but tab, line feed
  and carriage return, which the line form shows as a space each, and the block form keeps (tab, line feed; a
  CR LF is a line feed, a lone CR `␍`);
- DEL U+007F: `␡`;
- shown as their code, `<U+0085>`: the C1 controls U+0080–U+009F; the line and paragraph separators U+2028,
  U+2029; the byte order mark U+FEFF; bidi embeddings, overrides and isolates U+202A–U+202E, U+2066–U+2069 and
  the bidi marks U+200E, U+200F, U+061C; zero-width and invisible format characters U+200B, U+2060–U+2065,
  U+206A–U+206F, U+00AD (soft hyphen), U+034F, U+180E, U+17B4, U+17B5, U+FFF9–U+FFFB, U+1BCA0–U+1BCA3,
  U+1D173–U+1D17A; the blank Hangul fillers U+115F, U+1160, U+3164, U+FFA0; the tag characters U+E0000–U+E007F;
  lone surrogates U+D800–U+DFFF (which cannot even be written as UTF-8);
- the zero-width non-joiner and joiner U+200C, U+200D and the variation selectors U+FE00–U+FE0F,
  U+E0100–U+E01EF: kept where a script needs them (below), else shown as their code.

U+200C and U+200D are part of the spelling of Persian, Arabic-script, Indic and other words (`می‌خواهم`), and U+200D
joins emoji (👩‍🔬); variation selectors choose emoji and CJK glyphs (❤️). Shown everywhere, they would make
Iranian and South Asian sources unreadable; kept everywhere, they would hide inside Latin, Cyrillic or Chinese
names. So they are kept only where they do their job: U+200C and U+200D between two letters or marks of a
script that joins (Arabic, Syriac, Thaana, N'Ko, Mandaic, the Indic scripts, Tibetan, Myanmar, Khmer,
Mongolian), U+200D also between emoji; a variation selector after a character that is not a Latin, Greek or
Cyrillic letter, a space or another character of this table. Anywhere else they are shown like the rest.

The visible forms are plain printable text, so showing text twice changes nothing. `printable_spans` moves
highlight ranges through the substitution (a form is longer than its character). Files and pipes keep the data
exactly: JSON writes the same characters as \\u escapes (`json_safe`); CSV, which has no escape syntax, writes
the visible forms (store.export). `hidden_characters` lists what a text holds, for checks that flag names.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

_PICTURES = {code: chr(0x2400 + code) for code in range(0x20)}  # ␀ … ␟; ESC -> ␛
_PICTURES[0x7F] = "\u2421"  # ␡

_SHOWN_AS_CODE = (  # (first, last) code points shown as <U+XXXX>
    (0x0080, 0x009F),  # C1 controls (NEL, CSI, OSC, ...)
    (0x00AD, 0x00AD),  # soft hyphen
    (0x034F, 0x034F),  # combining grapheme joiner
    (0x061C, 0x061C),  # Arabic letter mark
    (0x115F, 0x1160),  # Hangul choseong / jungseong fillers
    (0x17B4, 0x17B5),  # Khmer inherent vowels (invisible)
    (0x180E, 0x180E),  # Mongolian vowel separator
    (0x200B, 0x200B),  # zero-width space
    (0x200E, 0x200F),  # left-to-right / right-to-left marks
    (0x2028, 0x2029),  # line / paragraph separators
    (0x202A, 0x202E),  # bidi embeddings and overrides
    (0x2060, 0x206F),  # word joiner, invisible operators, bidi isolates, deprecated format characters
    (0x3164, 0x3164),  # Hangul filler
    (0xD800, 0xDFFF),  # lone surrogates
    (0xFEFF, 0xFEFF),  # byte order mark / zero-width no-break space
    (0xFFA0, 0xFFA0),  # halfwidth Hangul filler
    (0xFFF9, 0xFFFB),  # interlinear annotation
    (0x1BCA0, 0x1BCA3),  # shorthand format controls
    (0x1D173, 0x1D17A),  # musical symbol format characters
    (0xE0000, 0xE007F),  # tag characters
)
_IN_CONTEXT = ((0x200C, 0x200D), (0xFE00, 0xFE0F), (0xE0100, 0xE01EF))  # kept where a script needs them

_JOINING_SCRIPTS = (  # scripts whose spelling uses U+200C / U+200D between letters
    (0x0600, 0x08FF),  # Arabic, Syriac, Thaana, N'Ko, Samaritan, Mandaic, Arabic supplements
    (0x0900, 0x0DFF),  # Devanagari … Sinhala
    (0x0F00, 0x0FFF),  # Tibetan
    (0x1000, 0x109F),  # Myanmar
    (0x1780, 0x18AF),  # Khmer, Mongolian
    (0xA8E0, 0xA8FF),  # Devanagari extended
    (0xA9E0, 0xA9FF),  # Myanmar extended-B
    (0xAA60, 0xAA7F),  # Myanmar extended-A
    (0xFB50, 0xFDFF),  # Arabic presentation forms-A
    (0xFE70, 0xFEFE),  # Arabic presentation forms-B
)


def _code(code: int) -> str:
    return f"<U+{code:04X}>"


def _class(ranges: Iterable[tuple[int, int]]) -> str:
    return "".join(f"\\U{a:08x}" if a == b else f"\\U{a:08x}-\\U{b:08x}" for a, b in ranges)


_BMP = ((0x00, 0x1F), (0x7F, 0x7F), *((a, b) for a, b in (*_SHOWN_AS_CODE, *_IN_CONTEXT) if b <= 0xFFFF))
_ASTRAL = tuple((a, b) for a, b in _SHOWN_AS_CODE if a > 0xFFFF)
_ASTRAL_IN_CONTEXT = tuple((a, b) for a, b in _IN_CONTEXT if a > 0xFFFF)
_CONTEXTUAL = frozenset(chr(code) for first, last in _IN_CONTEXT for code in range(first, last + 1))


@functools.cache
def _pattern() -> re.Pattern[str]:
    """The characters that may need a visible form: the table's characters of the Basic Multilingual Plane and
    every character beyond it (which of those are in the table is looked up), because a class of a few astral
    ranges makes the regular expression engine test every character against each range (4x slower on every
    text). One pattern serves both forms (the block form keeps the tabs and line feeds it finds). Compiled on
    first use: it takes a millisecond, and a lookup process that prints only printable ASCII never needs it."""
    return re.compile(f"[{_class([*_BMP, (0x10000, 0x10FFFF)])}]")


@functools.cache
def _pattern_but_breaks() -> re.Pattern[str]:
    """_pattern without tab, line feed and carriage return."""
    return re.compile(f"[{_class([(0x00, 0x08), (0x0B, 0x0C), (0x0E, 0x1F), *_BMP[1:], (0x10000, 0x10FFFF)])}]")


def holds_table_characters(text: str) -> bool:
    """Whether `text` may hold a character of the table other than tab, line feed and carriage return (which the
    forms treat apart): every character beyond the Basic Multilingual Plane counts, as in `_pattern` (which of
    those are in the table is looked up by the forms). False says that its block form is `text` itself, if it
    has no carriage return. One search, for a whole file's worth of text at once."""
    return _pattern_but_breaks().search(text) is not None


def in_table(ch: str) -> bool:
    """Whether `ch` is a character of the table (U+200C, U+200D and the variation selectors are, though they stay
    where a script needs them; tab, line feed and carriage return are, though the forms treat them apart)."""
    code = ord(ch)
    return any(a <= code <= b for a, b in _BMP) or any(a <= code <= b for a, b in (*_ASTRAL, *_ASTRAL_IN_CONTEXT))


def _shown_as_code(ch: str) -> bool:
    """Whether `ch`, a character the pattern found (not C0, DEL, a joiner or a selector), is shown as its code."""
    code = ord(ch)
    return code <= 0xFFFF or any(a <= code <= b for a, b in _ASTRAL)


def _joins(ch: str | None) -> bool:
    """A letter or mark of a script that writes U+200C / U+200D inside words."""
    import unicodedata

    if ch is None or in_table(ch) or unicodedata.category(ch)[0] not in "LM":
        return False
    code = ord(ch)
    return any(a <= code <= b for a, b in _JOINING_SCRIPTS)


def _takes_variation(ch: str | None) -> bool:
    """Can a variation selector follow `ch` (an emoji, a CJK ideograph, a digit, a symbol, a Mongolian letter)?"""
    if ch is None or in_table(ch) or ch.isspace():
        return False
    code = ord(ch)
    latin_greek_cyrillic = code < 0x0530 or 0x1D00 <= code <= 0x1FFF or 0x2C60 <= code <= 0x2C7F
    return not (ch.isalpha() and latin_greek_cyrillic)


def _kept(text: str, i: int) -> bool:
    """Whether text[i], a joiner or a variation selector, does its job there (and so stays as it is)."""
    import unicodedata  # here: most texts hold no joiner, and every lookup process imports this module

    ch = text[i]
    before = text[i - 1] if i else None
    after = text[i + 1] if i + 1 < len(text) else None
    if ch in "\u200c\u200d":
        if _joins(before) and _joins(after):
            return True
        if ch == "\u200c" or after is None or unicodedata.category(after) != "So":
            return False
        if before == "\ufe0f":  # an emoji in its emoji presentation, if that selector is itself kept
            return _kept(text, i - 1)
        return before is not None and unicodedata.category(before) in ("So", "Sk")  # an emoji, a skin tone
    return _takes_variation(before)


def _form(text: str, i: int, block: bool) -> str | None:
    """The visible form of text[i] (a character the pattern found), or None when it stays as it is."""
    ch = text[i]
    code = ord(ch)
    if code < 0x20 or code == 0x7F:
        if ch in "\t\n\r":
            if not block:
                return " "
            if ch == "\r":
                return "" if text[i + 1 : i + 2] == "\n" else _PICTURES[code]
            return None
        return _PICTURES[code]
    if ch in _CONTEXTUAL:
        return None if _kept(text, i) else _code(code)
    return _code(code) if _shown_as_code(ch) else None


def _substitute(text: str, block: bool) -> tuple[str, list[int], list[int]]:
    """(shown text, ends, shifts): ends[k] is the offset just after the k-th replaced character in `text`, and
    shifts[k] how far everything from there on has moved."""
    pieces: list[str] = []
    ends: list[int] = []
    shifts: list[int] = []
    last = shift = 0
    for m in _pattern().finditer(text):
        i = m.start()
        form = _form(text, i, block)
        if form is None:
            continue
        pieces += (text[last:i], form)
        last = i + 1
        if len(form) != 1:
            shift += len(form) - 1
            ends.append(last)
            shifts.append(shift)
    if not pieces:
        return text, ends, shifts
    pieces.append(text[last:])
    return "".join(pieces), ends, shifts


def printable(text: object, *, keep_newlines: bool = False) -> str:
    """`text` as a person may read it: every character of the table in its visible form. The line form (the
    default) turns tabs and line breaks into spaces; `keep_newlines` keeps tabs and line feeds (block form).
    None is the empty string."""
    if text is None:
        return ""
    s = text if isinstance(text, str) else str(text)
    if s.isascii():
        if s.isprintable():  # the common case, decided without a regular expression
            return s
    elif not _pattern().search(s):
        return s
    return _substitute(s, keep_newlines)[0]


def printable_spans(
    text: str, spans: Iterable[tuple[int, int]], *, keep_newlines: bool = False
) -> tuple[str, list[tuple[int, int]]]:
    """`printable(text)` and the [start, end) ranges `spans` of `text` moved onto it (a range that covers a
    replaced character covers its whole visible form)."""
    from bisect import bisect_right

    shown, ends, shifts = _substitute(text, keep_newlines)

    def move(offset: int) -> int:
        k = bisect_right(ends, offset)
        return offset + (shifts[k - 1] if k else 0)

    return shown, [(move(a), move(b)) for a, b in spans]


def hidden_characters(text: str) -> list[str]:
    """The characters of the table in `text` that its line form makes visible (tabs and line breaks aside), as
    `U+200B` labels in order of first appearance: what a check would flag inside a name or an id."""
    found: dict[str, None] = {}
    for m in _pattern().finditer(text):
        ch = m.group()
        if ch not in "\t\n\r" and _form(text, m.start(), False) is not None:
            found.setdefault(f"U+{ord(ch):04X}")
    return list(found)


def without_hidden(text: str) -> str:
    """`text` less the characters of the table its line form would show as their codes (zero-width, bidi and
    tag characters, C1 controls…), where they do no job: what someone typed or pasted into a search, where
    `К\u200bрим` must be the word Крим. Controls stay (the query language reads them as spaces), as do joiners
    and selectors where a script needs them."""
    if text.isascii() or not _pattern_but_breaks().search(text):
        return text
    pieces: list[str] = []
    last = 0
    for m in _pattern_but_breaks().finditer(text):
        i = m.start()
        code = ord(text[i])
        if code < 0x20 or code == 0x7F or _form(text, i, False) is None:
            continue
        pieces.append(text[last:i] + (" " if code in (0x2028, 0x2029) else ""))  # (line separators: a space)
        last = i + 1
    return "".join(pieces) + text[last:] if pieces else text


def _line_pieces(text: str) -> list[tuple[str, str]]:
    """`text` as (shown, stored) pieces: each character with its line form, a run of characters shown as spaces
    as one space, white space at either end as nothing. Their shown parts joined are `tui.text.clean(text)`."""
    forms = {m.start(): _form(text, m.start(), False) for m in _pattern().finditer(text)}
    pieces: list[tuple[str, str]] = []
    for i, ch in enumerate(text):
        form = forms.get(i)
        shown = ch if form is None else form
        if shown == " " and pieces and pieces[-1][0] == " ":
            pieces[-1] = (" ", pieces[-1][1] + ch)
        else:
            pieces.append((shown, ch))
    for ends in (range(len(pieces)), range(len(pieces) - 1, -1, -1)):
        for k in ends:
            if not pieces[k][0].isspace() and pieces[k][0]:
                break
            pieces[k] = ("", pieces[k][1])
    return pieces


def edited(stored: str, typed: str) -> str:
    """`stored` with a person's edit of its one-line form (`typed`, edited from `tui.text.clean(stored)`) applied:
    what they changed is what they typed; everything they left is as stored, its line breaks, no-break spaces
    and hidden characters too (the form shows `␛`, `<U+200B>` and a space for them, which are not the text)."""
    import difflib
    from bisect import bisect_right

    pieces = _line_pieces(stored)
    shown = "".join(piece for piece, _ in pieces)
    if typed == shown:
        return stored
    starts: list[int] = []
    offset = 0
    for piece, _ in pieces:
        starts.append(offset)
        offset += len(piece)
    out: list[str] = []
    matcher = difflib.SequenceMatcher(None, shown, typed, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            out.append(typed[j1:j2])
            continue
        # the pieces this unchanged stretch covers: as stored; a part of one (inside `<U+200B>`): as shown
        k = max(0, bisect_right(starts, i1) - 1)
        while k < len(pieces) and starts[k] <= i2:
            a, b = starts[k], starts[k] + len(pieces[k][0])
            if a < i2 and b > i1:  # (white space at the ends, shown as nothing, goes: the store strips it)
                out.append(pieces[k][1] if i1 <= a and b <= i2 else shown[max(a, i1) : min(b, i2)])
            k += 1
    return "".join(out)


def pasted(text: str) -> str:
    """What someone pasted into a field, as text to keep: controls dropped (a terminal would act on an ESC echoed
    back), but line feeds and tabs (a tab as a space), and the hidden characters `without_hidden` drops
    (bidi, zero-width, C1...): a pasted `Крим\u202e` is the word Крим."""
    text = without_hidden(text)
    if text.isprintable():
        return text
    return "".join(" " if ch == "\t" else ch for ch in text if ch in "\t\n" or not (ord(ch) < 0x20 or ord(ch) == 0x7F))


def json_safe(dumped: str) -> str:
    """JSON text (from `json.dumps(..., ensure_ascii=False)`) with every character of the table that is not
    already escaped written as a \\u escape: the same data when parsed, but nothing a terminal would obey and
    nothing hidden from a person reading the file."""
    if dumped.isascii() and "\x7f" not in dumped:  # json has escaped the C0 controls; DEL is all that is left
        return dumped

    def escape(m: re.Match[str]) -> str:
        ch = m.group()
        if ch in "\t\n\r" or _form(dumped, m.start(), False) is None:
            return ch  # raw only between tokens (json escapes them in strings), or kept where it belongs
        code = ord(ch)
        if code > 0xFFFF:
            code -= 0x10000
            return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
        return f"\\u{code:04x}"

    return _pattern().sub(escape, dumped)
