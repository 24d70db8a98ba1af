"""Output for the quick-lookup commands: styled (rich) on a terminal, plain text when piped or NO_COLOR is set.

Commands describe what to print as a `Doc` (headings, key/value lines, paragraphs with highlight ranges,
tables); `emit` renders it one way or the other. Plain mode never imports rich, which keeps piped lookups fast.

Everything from the database is data, never markup: rich output is built from `Text` objects (no markup
parsing), and every text is shown through the one table of store.text first (ESC -> ␛, `Hua<U+200B>wei`);
highlight ranges are moved onto the shown text. Output fits 80 columns (or the terminal's width).
"""

from __future__ import annotations

import os
import re
import sys
import unicodedata

from store.text import printable, printable_spans

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (3 ms of a lookup process)
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Literal, TextIO

    from rich.console import Console

PLAIN_WIDTH = 80
_WORD = re.compile(r"\S+")
MAX_WIDTH = 120

STYLES = {  # style names used in Docs -> rich styles
    "title": "bold",
    "label": "bold",
    "id": "cyan",
    "dim": "dim",
    "hl": "bold yellow",
    "warn": "bold magenta",
    "kind": "green",
    "bar": "blue",
    "heading": "bold underline",
    "header": "bold dim",
}


visible = printable  # one line of text as a person may read it (the name the commands use)


def plain_wanted() -> bool:
    """Plain text when NO_COLOR is set, TERM is dumb, or stdout is not a terminal."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return True
    try:
        return not sys.stdout.isatty()
    except (AttributeError, ValueError):
        return True


def width() -> int:
    try:
        if sys.stdout.isatty():
            return max(20, min(MAX_WIDTH, os.get_terminal_size(sys.stdout.fileno()).columns))
    except (AttributeError, ValueError, OSError):
        pass
    return PLAIN_WIDTH


def cell_len(text: str) -> int:
    """Terminal cells `text` takes: wide East Asian characters 2, combining marks 0."""
    if text.isascii():
        return len(text)
    n = 0
    for ch in text:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        n += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return n


def truncate(text: str, cells: int) -> str:
    if cell_len(text) <= cells:
        return text
    out, used = [], 0
    for ch in text:
        w = cell_len(ch)
        if used + w > cells - 1:
            break
        out.append(ch)
        used += w
    return "".join(out).rstrip() + "…"


def wrap(text: str, cells: int) -> list[tuple[int, int]]:
    """Greedy word wrap by terminal cells: [start, end) ranges of `text`, one per line; overlong words split."""
    cells = max(1, cells)
    ranges: list[tuple[int, int]] = []
    line: tuple[int, int] | None = None
    for m in _WORD.finditer(text):
        s, e = m.span()
        while cell_len(text[s:e]) > cells:
            if line is not None:
                ranges.append(line)
                line = None
            cut = s + max(1, len(_split_cells(text[s:e], cells)[0]))
            ranges.append((s, cut))
            s = cut
        if s >= e:
            continue
        if line is not None and cell_len(text[line[0] : e]) <= cells:
            line = (line[0], e)
        else:
            if line is not None:
                ranges.append(line)
            line = (s, e)
    if line is not None:
        ranges.append(line)
    return ranges or [(0, 0)]


def _split_cells(word: str, cells: int) -> tuple[str, str]:
    used = 0
    for i, ch in enumerate(word):
        used += cell_len(ch)
        if used > cells:
            return word[:i], word[i:]
    return word, ""


# ----------------------------------------------------------------------------------------------------- Doc

Span = tuple[str, str | None]  # (text, style name)


class Column:
    __slots__ = ("flex", "header", "justify")

    def __init__(self, header: str, justify: str = "left", flex: bool = False) -> None:
        self.header = header
        self.justify = justify  # left | right
        self.flex = flex  # takes the remaining width (one column)


if TYPE_CHECKING:
    Block = (  # one Doc block: its kind, then what `layout` needs to draw it
        tuple[Literal["heading"], str]
        | tuple[Literal["line"], list[Span], int]
        | tuple[Literal["para"], str, list[tuple[int, int]], int, str | None]
        | tuple[Literal["field"], str, str]
        | tuple[Literal["table"], list[Column], list[list[Span]], int]
        | tuple[Literal["blank"]]
    )


class Doc:
    """What a command prints: a list of blocks, rendered by `emit`."""

    __slots__ = ("blocks",)

    def __init__(self) -> None:
        self.blocks: list[Block] = []

    def heading(self, text: str) -> None:
        self.blocks.append(("heading", text))

    def line(self, *spans: Span | str, indent: int = 0) -> None:
        """One line (truncated to fit)."""
        self.blocks.append(("line", [s if isinstance(s, tuple) else (s, None) for s in spans], indent))

    def para(
        self, text: str, highlights: list[tuple[int, int]] | None = None, *, indent: int = 0, style: str | None = None
    ) -> None:
        """Wrapped text; `highlights` are [start, end) ranges in `text` to emphasise."""
        self.blocks.append(("para", text, list(highlights or []), indent, style))

    def field(self, label: str, text: str | None) -> None:
        """`Label   value`, the value wrapped under itself; skipped when empty."""
        if text not in (None, ""):
            self.blocks.append(("field", label, str(text)))

    def table(self, columns: list[Column], rows: Sequence[Sequence[Span | str]], *, indent: int = 2) -> None:
        norm = [[c if isinstance(c, tuple) else (c, None) for c in row] for row in rows]
        self.blocks.append(("table", columns, norm, indent))

    def blank(self) -> None:
        self.blocks.append(("blank",))


FIELD_LABEL = 10
Line = list[Span]


def layout(doc: Doc, cells: int) -> list[Line]:
    """The document as lines of styled spans, each line at most `cells` wide, without trailing blanks."""
    lines: list[Line] = []
    for block in doc.blocks:
        if block[0] == "heading":
            lines.append([(truncate(visible(block[1]), cells), "heading")])
        elif block[0] == "line":
            _, spans, indent = block
            lines.append(_fit([(" " * indent, None), *[(visible(t), s) for t, s in spans]], cells))
        elif block[0] == "para":
            _, raw, highlights, indent, style = block
            text, highlights = printable_spans(raw, highlights)
            for a, b in wrap(text, max(10, cells - indent)):
                lines.append([(" " * indent, None), *_highlighted(text, a, b, highlights, style)])
        elif block[0] == "field":
            _, label, raw = block
            text = visible(raw)
            for i, (a, b) in enumerate(wrap(text, max(10, cells - FIELD_LABEL))):
                head = (label.ljust(FIELD_LABEL), "label") if i == 0 else (" " * FIELD_LABEL, None)
                lines.append([head, (text[a:b], None)])
        elif block[0] == "table":
            _, columns, rows, indent = block
            lines += _table(columns, rows, indent, cells=cells)
        elif block[0] == "blank":
            lines.append([])
    return [_rstrip(line) for line in lines]


def _highlighted(text: str, a: int, b: int, highlights: list[tuple[int, int]], style: str | None) -> Line:
    out: Line = []
    pos = a
    for start, end in sorted(highlights):
        start, end = max(start, pos), min(end, b)
        if start >= end:
            continue
        if start > pos:
            out.append((text[pos:start], style))
        out.append((text[start:end], "hl"))
        pos = end
    if pos < b:
        out.append((text[pos:b], style))
    return out


def _fit(spans: Line, cells: int) -> Line:
    """Truncate a line of spans to `cells` (an ellipsis marks the cut)."""
    out: Line = []
    used = 0
    for text, style in spans:
        w = cell_len(text)
        if used + w <= cells:
            out.append((text, style))
            used += w
            continue
        out.append((truncate(text, cells - used), style))
        break
    return out


def _rstrip(line: Line) -> Line:
    while line and not line[-1][0].rstrip():
        line = line[:-1]
    if line:
        text, style = line[-1]
        line = [*line[:-1], (text.rstrip(), style)]
    return line


def _table(columns: list[Column], rows: list[list[Span]], indent: int, *, cells: int) -> list[Line]:
    texts = [[(visible(t), s) for t, s in row] for row in rows]
    widths = [cell_len(c.header) for c in columns]
    for row in texts:
        for i, (t, _) in enumerate(row):
            widths[i] = max(widths[i], cell_len(t))
    gap = 2
    fixed = sum(w for w, c in zip(widths, columns, strict=True) if not c.flex) + gap * (len(columns) - 1)
    for i, c in enumerate(columns):
        if c.flex:
            widths[i] = max(6, min(widths[i], cells - indent - fixed))
    out: list[Line] = []
    header: Line = [(c.header, "header") for c in columns]
    for row in [header, *texts]:
        line: Line = [(" " * indent, None)]
        for i, ((t, style), c) in enumerate(zip(row, columns, strict=True)):
            t = truncate(t, widths[i])
            pad = " " * (widths[i] - cell_len(t))
            if i:
                line.append((" " * gap, None))
            line += [(pad, None), (t, style)] if c.justify == "right" else [(t, style), (pad, None)]
        out.append(_fit(line, cells))
    return out


def emit(doc: Doc, *, plain: bool | None = None) -> None:
    """Print `doc` to stdout: plain text (no rich import) or styled."""
    try:
        if plain if plain is not None else plain_wanted():
            write_plain(doc, sys.stdout, width())
        else:
            from rich.console import Console

            write_rich(doc, Console(highlight=False, emoji=False, markup=False))
        sys.stdout.flush()
    except BrokenPipeError:
        reader_gone()


def echo_json(data: object) -> None:
    import json

    try:
        from store.text import json_safe

        sys.stdout.write(json_safe(json.dumps(data, ensure_ascii=False, indent=2, default=str)) + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        reader_gone()


def reader_gone() -> None:
    """The reader of stdout went away (`| head`): stop quietly with the status of SIGPIPE, as Unix tools do."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing left to flush at exit
    except (OSError, ValueError, AttributeError):
        pass
    raise SystemExit(141)


def write_plain(doc: Doc, out: TextIO, cells: int = PLAIN_WIDTH) -> None:
    out.write("".join("".join(t for t, _ in line) + "\n" for line in layout(doc, cells)))


def write_rich(doc: Doc, console: Console) -> None:
    """Styled output: each line a rich Text built from data strings (never parsed as markup)."""
    from rich.text import Text

    for line in layout(doc, max(20, min(MAX_WIDTH, console.width))):
        text = Text.assemble(*[(t, STYLES.get(s or "", "")) for t, s in line], no_wrap=True, overflow="crop")
        console.print(text, soft_wrap=False, no_wrap=True, crop=True)
