"""`findings import article PATH...`: plain text or Markdown -> a source, and a finding per tagged paragraph.

An article becomes one source (title from --source-title, else its first heading or line). Its text is cut
into paragraphs (at blank lines; at every line break when the text has no blank lines). `para N` counts the
paragraphs after the headline, as dataset/ does. Every paragraph that names a known actor or region
(importers/gazetteer.py: names, aliases, the gazetteer, demonyms) becomes an `unreviewed` finding of
category `other`, linked to everything it names; its claim is the paragraph itself, for a reviewer to
rewrite in the project's own words.

Importing the same article again (same URL, or the same text) updates its source and findings instead of
adding new ones: ids are the source id plus the paragraph number. A finding someone has since reviewed
(status curated or disputed) is left as it is; findings of paragraphs that no longer name anything are
removed, unless reviewed.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import unicodedata
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import compress, count
from operator import itemgetter
from pathlib import Path
from typing import NamedTuple, overload

import click

from importers import loaders
from importers.limits import DEFAULT_LIMITS, Limits
from importers.matcher import Matcher, Target
from importers.slugs import short_hash, slugify
from importers.summary import print_summary
from store import vocab
from store.errors import DataError
from store.query import nfc
from store.records import Batch, Evidence, ExternalId, Origin, Source
from store.text import printable

CATEGORY = "other"  # a paragraph's subject is for the reviewer to judge; tagging only says whom it names
MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown")


class Paragraph(NamedTuple):
    number: int  # from 1
    line: int
    text: str
    heading: bool = False  # a Markdown heading: counted, as dataset/ counts section headings, never a finding
    last_line: int = 0  # its last line in the text (0: its first)


class Paragraphs(Sequence[Paragraph]):
    """An article's paragraphs, kept as columns (their numbers are 1, 2, ...): a Paragraph is made when one is
    asked for. Reading a long article then makes four columns (lists; ranges for line numbers that are counted,
    not found), not an object per paragraph that the garbage collector would traverse (bench/RESULTS.md,
    "Articles within 3x"). The columns are not changed once made."""

    __slots__ = ("headings", "last_lines", "lines", "texts")

    def __init__(
        self, lines: Sequence[int], texts: Sequence[str], headings: Sequence[bool], last_lines: Sequence[int]
    ) -> None:
        if not len(lines) == len(texts) == len(headings) == len(last_lines):
            raise ValueError("the columns of paragraphs differ in length")
        self.lines, self.texts, self.headings, self.last_lines = lines, texts, headings, last_lines

    def __len__(self) -> int:
        return len(self.texts)

    def __iter__(self) -> Iterator[Paragraph]:
        return map(Paragraph, count(1), self.lines, self.texts, self.headings, self.last_lines)

    @overload
    def __getitem__(self, i: int) -> Paragraph: ...
    @overload
    def __getitem__(self, i: slice) -> list[Paragraph]: ...
    def __getitem__(self, i: int | slice) -> Paragraph | list[Paragraph]:
        if isinstance(i, slice):
            return list(self)[i]
        n = range(len(self.texts))[i]  # IndexError as a list's, negative indexes too
        return Paragraph(n + 1, self.lines[n], self.texts[n], self.headings[n], self.last_lines[n])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Paragraphs):
            return NotImplemented
        return list(self) == list(other)  # (a column may be a range in one and a list in the other)

    __hash__ = None  # type: ignore[assignment]  # mutable columns, as a list

    def __repr__(self) -> str:
        return f"Paragraphs({list(self)!r})"


@dataclass
class Article:
    name: str  # as given on the command line (or <stdin>)
    file_sha256: str
    text_sha256: str  # of the text in NFC with whitespace normalised: the article's identity with no URL
    title: str
    paragraphs: Paragraphs
    text: str = ""  # as read, line breaks made "\n" (the lines paragraphs count): kept as the capture's text
    read_sha256: str | None = None  # of the text as read, when it is not in NFC (what earlier versions kept)


# ------------------------------------------------------------------------------------------------- reading

# Markdown inline syntax, removed from a paragraph's text. Link and image texts hold no brackets and their targets
# no `[`, emphasis no run of its own marker: so every attempt to match ends at the next bracket or marker, and a
# line of ten thousand `[` (or `![`, `**`) is read in one pass instead of one pass per bracket.
_IMAGE = re.compile(r"!\[([^\[\]]*+)\]\([^)\[]*+\)")
_LINK = re.compile(r"\[([^\[\]]++)\]\([^)\[]*+\)")
_EMPHASIS = re.compile(r"\*\*((?:[^*]|\*(?!\*))++)\*\*|__((?:[^_]|_(?!_))++)__")
_PREFIX = re.compile(r"\s{0,3}(?:>\s?|[-*+]\s+|\d{1,3}[.)]\s+)")
PIECE = 1024 * 1024  # a longer line is read in pieces; its first piece is all of its text a paragraph can use


def _heading(line: str) -> str | None:
    """The text of an ATX heading (`## Port deals ##` -> `Port deals`), or None if the line is not one: up to
    three spaces, one to six `#`, white space, the text, optionally closing `#`s."""
    text = line.lstrip()
    if len(line) - len(text) > 3 or not text.startswith("#"):
        return None
    hashes = len(text) - len(text.lstrip("#"))
    if hashes > 6 or len(text) == hashes or not text[hashes].isspace():
        return None
    return text[hashes:].strip().rstrip("#").rstrip()


def _is_rule(line: str) -> bool:
    """A Markdown thematic break: three or more of one of `-`, `*`, `_`, with only spaces between."""
    text = line.lstrip()
    if len(line) - len(text) > 3 or not text or text[0] not in "-*_":
        return False
    return text.count(text[0]) >= 3 and not text.replace(text[0], "").strip()


def _emphasis(m: re.Match[str]) -> str:
    return m.group(1) if m.group(1) is not None else m.group(2)


def _clean(line: str, markdown: bool) -> str:
    if markdown:
        heading = _heading(line)
        if heading is not None:
            line = heading
        prefix = _PREFIX.match(line)  # a quote or list marker
        if prefix:
            line = line[prefix.end() :]
        line = _IMAGE.sub(r"\1", line)
        line = _LINK.sub(r"\1", line)
        line = _EMPHASIS.sub(_emphasis, line)
    return line


def _one_line(line: str, markdown: bool) -> str:
    """A line as paragraph text: Markdown removed, white space runs as one space, at most what a paragraph keeps."""
    return " ".join(_clean(line, markdown).split())[: vocab.MAX_TEXT + 1]


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass
class _Block:
    """A paragraph as it is read: its first line apart (the headline, if it is the first), the rest up to the
    length a paragraph keeps."""

    line: int
    first: str
    first_is_heading: bool
    rest: list[str] = field(default_factory=list)
    size: int = 0
    lines: int = 1

    def add(self, part: str) -> None:
        self.lines += 1
        if part and self.size <= vocab.MAX_TEXT:
            self.rest.append(part)
            self.size += len(part) + 1

    def text(self, *, without_first: bool = False) -> str:
        return " ".join(p for p in ([] if without_first else [self.first]) + self.rest if p)


class _WordHash:
    """sha256 of `" ".join(text.split())`, fed the text a piece at a time."""

    def __init__(self) -> None:
        self.hash = hashlib.sha256()
        self.started = False
        self.gap = True  # the text so far ends in white space (or is empty)

    def feed(self, piece: str) -> None:
        if not piece:
            return
        words = piece.split()
        if words:
            if self.started and (self.gap or piece[0].isspace()):
                self.hash.update(b" ")
            self.hash.update(" ".join(words).encode("utf-8"))
            self.started = True
            self.gap = piece[-1].isspace()
        else:
            self.gap = True


@dataclass
class _Line:
    number: int
    text: str  # without its line break; a long line's first piece
    blank: bool
    ends_in_text: bool  # its last character that is not a space or tab is not white space
    terminated: bool  # a line break follows


def _lines(inp: loaders.TextInput, words: _WordHash, keep: list[str]) -> Iterator[_Line]:
    """The lines of the text; every piece read is also put in `keep` (the text as read, kept as the capture)."""
    number = 0
    while line := inp.readline(PIECE):
        number += 1
        words.feed(line)
        keep.append(line)
        text = line.rstrip("\r\n")
        terminated = len(text) < len(line)
        blank = not text.strip()
        tail = text.rstrip(" \t")
        last = tail[-1:] if tail else ""
        while not terminated and len(line) == PIECE:  # the rest of a long line: hashed, looked at, not kept
            line = inp.readline(PIECE)
            words.feed(line)
            keep.append(line)
            piece = line.rstrip("\r\n")
            terminated = len(piece) < len(line)
            blank = blank and not piece.strip()
            tail = piece.rstrip(" \t")
            last = tail[-1] if tail else last
        yield _Line(number, text, blank, bool(last) and not last.isspace(), terminated)


def _read_blocks(inp: loaders.TextInput, markdown: bool, limits: Limits, keep: list[str]) -> tuple[list[_Block], str]:
    """The paragraphs of a text (at blank lines; at every line break when the text has no blank line; a Markdown
    heading is a paragraph of its own, a rule ends one) and the sha256 of its words."""
    words = _WordHash()
    by_blank: list[_Block] = []
    by_line: list[_Block] | None = []  # one paragraph per line, kept until a blank line shows they are not
    current: _Block | None = None
    after_text = False
    for line in _lines(inp, words, keep):
        if by_line is not None and after_text and line.terminated and not line.text.strip(" \t"):
            by_line = None  # a blank line after text: the text is cut at blank lines
        after_text = line.ends_in_text
        if line.blank or (markdown and _is_rule(line.text)):
            if current is not None:
                by_blank.append(current)
                current = None
            continue
        heading = markdown and _heading(line.text) is not None
        part = _one_line(line.text, markdown)
        if by_line is not None:
            by_line.append(_Block(line.number, part, heading))
        if heading and current is not None:
            by_blank.append(current)
            current = None
        if current is None:
            current = _Block(line.number, part, heading)
        else:
            current.add(part)
        if heading:
            by_blank.append(current)
            current = None
        if len(by_blank) > limits.records or (by_line is not None and len(by_line) > limits.records):
            raise inp.error(limits.too_many_records(), line.number)
    if current is not None:
        by_blank.append(current)
    return (by_blank if by_line is None else by_line), words.hash.hexdigest()


bulk = True  # whether a text is cut into paragraphs in bulk when it can be (tests turn it off to compare)


def read_article(path: str, *, title: str | None = None, limits: Limits = DEFAULT_LIMITS) -> Article:
    """An article's title and paragraphs (a paragraph keeps its first 20,000 characters): read whole (it is kept
    whole, as the capture's text), then cut into paragraphs in bulk (`_plain_paragraphs`) when nothing in it
    needs a line at a time (`_read_blocks`: Markdown syntax at the start of a line or inline, no blank line,
    a paragraph too long to keep whole, more paragraphs than the limit), which reports what it finds as always."""
    markdown = str(path).lower().endswith(MARKDOWN_SUFFIXES)
    with loaders.TextInput(path) as inp:
        kept: list[str] = []
        try:
            kept.extend(inp.blocks())
        except DataError:  # bytes that are not UTF-8: what comes before them may fail first, as it always did
            text = "".join(kept)
            complete = max(text.rfind("\n"), text.rfind("\r", 0, len(text) - 1)) + 1  # whole lines only
            _read_blocks(loaders.TextInput.of_text(text[:complete], inp.name), markdown, limits, [])
            raise
        inp.check_not_empty()
    name = inp.name
    text = "".join(kept)
    if "\r" in text:
        norm, breaks = text.replace("\r\n", "\n").replace("\r", "\n"), None
    else:
        norm, breaks = text, inp.lines_out  # the line breaks TextInput counted in the text it handed out
    found = _plain_paragraphs(norm, markdown, limits, title, breaks) if bulk else None
    if found is None:
        blocks, _ = _read_blocks(loaders.TextInput.of_text(text, name), markdown, limits, [])
        found = (*_paragraphs(blocks, title, name), None)
    title, paragraphs, words = found
    text_sha256 = _words_sha256(kept) if words is None else hashlib.sha256(words.encode("utf-8")).hexdigest()
    read_sha256 = None
    if not norm.isascii() and not unicodedata.is_normalized("NFC", norm):
        title, paragraphs = _in_nfc(title, paragraphs)
        # the same words however their letters are composed (`й` or `и` and a breve) are the same article
        read_sha256, text_sha256 = text_sha256, _words_sha256([nfc(norm)])
    return Article(
        name=name,
        file_sha256=inp.sha256,
        text_sha256=text_sha256,
        title=_shorten(title, vocab.MAX_TITLE),
        paragraphs=paragraphs,
        text=norm,
        read_sha256=read_sha256,
    )


def _in_nfc(title: str, paragraphs: Paragraphs) -> tuple[str, Paragraphs]:
    """The title and paragraph texts in Unicode NFC, as findings compares and tags text (a text written with
    combining accents, `Херсонській` with `й` as `и` and a breve, names the same places as the precomposed one)."""
    texts = [_shorten(nfc(t), vocab.MAX_TEXT) for t in paragraphs.texts]
    return nfc(title), Paragraphs(paragraphs.lines, texts, paragraphs.headings, paragraphs.last_lines)


def _words_sha256(pieces: list[str]) -> str:
    words = _WordHash()
    for piece in pieces:
        words.feed(piece)
    return words.hash.hexdigest()


def _paragraphs(blocks: list[_Block], title: str | None, name: str) -> tuple[str, Paragraphs]:
    """The title and the paragraphs of the blocks of a text."""
    if not blocks:
        raise DataError("is empty", file=name)
    first = blocks[0]
    headline = first.first
    if title is None:
        title, drop = headline, True
    else:
        drop = first.first_is_heading or headline.casefold() == title.casefold()
    if not title:
        raise DataError("has no title: give one with --source-title", file=name, line=first.line)
    lines: list[int] = []
    texts: list[str] = []
    headings: list[bool] = []
    last_lines: list[int] = []
    for i, block in enumerate(blocks):
        dropped = drop and i == 0
        para = block.text(without_first=dropped)
        if para:
            headings.append(not dropped and block.lines == 1 and block.first_is_heading)
            lines.append(block.line + 1 if dropped else block.line)
            last_lines.append(block.line + block.lines - 1)
            texts.append(_shorten(para, vocab.MAX_TEXT))
    return title, Paragraphs(lines, texts, headings, last_lines)


# What makes a line need _clean: its first character may start Markdown syntax (a heading, rule, quote or list
# item; white space, for one up to three spaces in) or it holds inline syntax (links, images, emphasis). And what
# makes a text need reading a line at a time: no "text, then a blank line" (it is then cut at every line break,
# _read_blocks' by_line).
_MARKUP_FIRST = re.compile(r"[#>*+\-_\d\s]")
# Every white space character (str.isspace) but space and LF (tests/test_import_chunks.py checks the list).
SPACES = (
    "\t\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)
_ASCII_SPACES = "\t\x0b\x0c\r\x1c\x1d\x1e\x1f"


def _regular(norm: str) -> bool:
    """Whether the only white space of `norm` is single spaces between words and line breaks (a few scans in C:
    isascii takes no time)."""
    if "  " in norm or " \n" in norm or "\n " in norm or norm.startswith(" ") or norm.endswith(" "):
        return False
    return not any(c in norm for c in (_ASCII_SPACES if norm.isascii() else SPACES))


_TEXT_THEN_BLANK = re.compile(r"[^\s][ \t]*\n[ \t]*\n")
_RUNS = re.compile("\x01+|\x02")  # in a mask of lines (as text): a paragraph's lines, or a heading
_TEXT, _HEADING = 1, 2


def _markup_lines(norm: str, lines: list[str], mask: bytearray) -> list[int]:
    """The lines of text (from 0) that may hold Markdown syntax, in order: their first character may start it,
    or they hold `[`, `**` or `__`."""
    numbers = list(compress(range(len(lines)), mask))
    firsts = "".join(map(itemgetter(0), compress(lines, mask)))
    found = {numbers[m.start()] for m in _MARKUP_FIRST.finditer(firsts)}
    if "[" in norm or "**" in norm or "__" in norm:
        found.update(i for i in numbers if "[" in lines[i] or "**" in lines[i] or "__" in lines[i])
    return sorted(found)


def _single_lines(norm: str, breaks: int | None = None) -> list[str] | None:
    """The lines of text of `norm` (whose line breaks number `breaks`, when known) when every paragraph is one
    line and one empty line comes between two (the commonest layout: line i of the list is line 2i + 1 of the
    text); None when not so."""
    parts = norm.split("\n\n")
    if (norm.count("\n") if breaks is None else breaks) != 2 * (len(parts) - 1) + parts[-1].endswith("\n"):
        return None  # a line break inside a part: a paragraph of two lines, or two blank lines in a row
    if parts[-1].endswith("\n"):
        parts[-1] = parts[-1][:-1]
    if len(parts) > 1 and not parts[-1]:
        parts.pop()  # the text ends with its blank line
    return None if "" in parts else parts


def _single_line_paragraphs(
    norm: str, lines: list[str], markdown: bool, limits: Limits, title: str | None
) -> tuple[str, Paragraphs, str] | None:
    """_plain_paragraphs of a text of one-line paragraphs (`lines`, from _single_lines), when its white space is
    regular (single spaces between words): the blank lines are never listed, and a paragraph's text is its
    line unless the line may hold Markdown. None (read it another way) when not so, or when the text starts with
    a line that is not plain text, or is near a limit."""
    words = " ".join(lines)  # what _words_sha256 hashes, when the white space is regular
    if "  " in words or words.startswith(" ") or words.endswith(" "):
        return None  # (a line that starts or ends with a space makes two in a row, or one at an end)
    if norm.isascii():
        if any(c in norm for c in _ASCII_SPACES):
            return None
    elif not words.isprintable() and any(c in norm for c in SPACES):  # (no white space but " " is printable)
        return None
    longest = max(map(len, lines))
    if longest >= PIECE - 2 or longest > vocab.MAX_TEXT or len(lines) > limits.records:
        return None
    texts = list(lines)
    headings = [False] * len(lines)
    marked: set[int] = set()  # the lines that may hold Markdown
    if markdown:
        marked = {m.start() for m in _MARKUP_FIRST.finditer("".join(map(itemgetter(0), lines)))}
        if "[" in norm or ("*" in norm and "**" in norm) or ("_" in norm and "__" in norm):  # (memchr first)
            marked.update(i for i, line in enumerate(lines) if "[" in line or "**" in line or "__" in line)
        for i in marked:
            text = lines[i]
            if _is_rule(text):
                texts[i] = ""  # a rule between two blank lines: no paragraph
                continue
            headings[i] = _heading(text) is not None
            texts[i] = _one_line(text, True)
    if not texts[0] and _is_rule(lines[0]):
        return None  # no headline on the first line
    headline = texts[0]
    if title is None:
        title, drop = headline, True
    else:
        drop = headings[0] or headline.casefold() == title.casefold()
    if not title:
        return None  # the error is _paragraphs'
    if drop:
        texts[0] = ""
    numbers = range(1, 2 * len(lines), 2)  # each paragraph's first line, and its last
    if all(texts[i] for i in marked if i):  # every paragraph but perhaps the first is kept
        start = 0 if texts[0] else 1
        paragraphs = Paragraphs(numbers[start:], texts[start:], headings[start:], numbers[start:])
    else:  # a line that was only Markdown (an image without text) is no paragraph
        keep = list(map(bool, texts))
        lines_of = list(compress(numbers, keep))
        paragraphs = Paragraphs(lines_of, list(compress(texts, keep)), list(compress(headings, keep)), lines_of)
    return title, paragraphs, words


def _plain_paragraphs(
    norm: str, markdown: bool, limits: Limits, title: str | None, breaks: int | None = None
) -> tuple[str, Paragraphs, str | None] | None:
    """What _read_blocks and _paragraphs make of `norm` (the text, line breaks made LF), with C operations over
    its lines (and _clean for the few lines with Markdown syntax), when it does have a blank line after text,
    and no line or paragraph too long to keep whole, no more paragraphs than the limit; None when not. A text
    of one-line paragraphs goes to _single_line_paragraphs first."""
    if not _TEXT_THEN_BLANK.search(norm):
        return None
    single = _single_lines(norm, breaks)
    if single is not None and (found := _single_line_paragraphs(norm, single, markdown, limits, title)) is not None:
        return found
    lines = norm.split("\n")
    if norm.endswith("\n"):
        lines.pop()  # the end of the last line, not a line
    if not lines or max(map(len, lines)) >= PIECE - 2:
        return None
    regular = _regular(norm)  # then a line's words are the line itself, and a blank line is empty
    mask = bytearray(map(bool, lines if regular else map(str.strip, lines)))  # _TEXT: a line of text; 0: blank
    parts: dict[int, str] = {}  # the text of each line with Markdown syntax
    for line in _markup_lines(norm, lines, mask) if markdown else ():
        text = lines[line]
        if not mask[line]:
            continue
        if _is_rule(text):
            mask[line] = 0  # a rule ends a paragraph, as a blank line does
            continue
        if _heading(text) is not None:
            mask[line] = _HEADING
        parts[line] = _one_line(text, True)
    if b"\x01\x01" not in mask:  # every paragraph a line: the commonest text
        starts = list(compress(range(1, len(lines) + 1), mask))
        ends = list(starts)
        texts = list(compress(lines, mask)) if regular else list(map(" ".join, map(str.split, compress(lines, mask))))
        for line, part in parts.items():
            texts[bisect_left(starts, line + 1)] = part
    else:
        runs = [m.span() for m in _RUNS.finditer(mask.decode("ascii"))]
        starts = [a + 1 for a, _ in runs]
        ends = [b for _, b in runs]
        every = list(lines) if regular else list(map(" ".join, map(str.split, lines)))
        for line, part in parts.items():
            every[line] = part
        texts = [" ".join(filter(None, every[a:b])) for a, b in runs]
    if len(texts) > limits.records or sum(ends) - sum(starts) + len(starts) > limits.records:
        return None  # (lines of text, each a paragraph until a blank line shows they are not, are counted too)
    if not texts or max(map(len, texts)) > vocab.MAX_TEXT:
        return None
    first = starts[0] - 1
    headline = parts[first] if first in parts else " ".join(lines[first].split())
    if title is None:
        title, drop = headline, True
    else:
        drop = mask[first] == _HEADING or headline.casefold() == title.casefold()
    if not title:
        return None  # the error is _paragraphs'
    headings = [False] * len(texts)
    for line in parts:
        if mask[line] == _HEADING:
            headings[bisect_left(starts, line + 1)] = True
    if drop:
        rest = (parts[i] if i in parts else " ".join(lines[i].split()) for i in range(first + 1, ends[0]))
        texts[0] = " ".join(filter(None, rest))
        starts[0] += 1
        headings[0] = False
    keep = list(map(bool, texts))  # a line that was only Markdown (an image without text) is no paragraph
    paragraphs = Paragraphs(
        list(compress(starts, keep)),
        list(compress(texts, keep)),
        list(compress(headings, keep)),
        list(compress(ends, keep)),
    )
    words = " ".join(filter(None, lines)) if regular else None  # what _words_sha256 hashes
    return title, paragraphs, words


# ------------------------------------------------------------------------------------------------- mapping


@dataclass
class Options:
    title: str | None = None
    url: str | None = None
    published: str | None = None
    publisher: str | None = None
    lang: str | None = None  # the article's language (ISO 639-1), else detected per article and paragraph


def check_options(
    title: str | None, url: str | None, published: str | None, publisher: str | None, lang: str | None = None
) -> Options:
    from store.language import check_code

    checks = (
        ("--source-title", title, lambda v: vocab.check_text(v, limit=vocab.MAX_TITLE)),
        ("--url", url, vocab.check_url),
        ("--published", published, vocab.check_date),
        ("--publisher", publisher, lambda v: vocab.check_text(v, limit=vocab.MAX_NAME)),
        ("--lang", lang, check_code),
    )
    values = []
    for option, value, check in checks:
        try:
            values.append(check(value))
        except ValueError as e:
            raise DataError(str(e), file="command line", field=option) from None
    return Options(*values)


@dataclass
class Outcome:
    article: Article
    source_id: str
    existing: bool
    kept: list[str]  # findings left alone because someone reviewed them
    removed: list[str]  # findings of paragraphs that no longer name anything
    tags: list[list[Target]] = field(default_factory=list)  # what each paragraph names, in order

    def tagged(self) -> Iterator[tuple[Paragraph, list[Target]]]:
        return zip(self.article.paragraphs, self.tags, strict=True)


def _new_source_id(conn: sqlite3.Connection, article: Article, opts: Options, taken: set[str]) -> str:
    from store.write import existing_ids

    base = slugify(article.title) or "article"
    candidates = [base, f"{base}-{short_hash(opts.url or article.text_sha256)}"]
    in_db = existing_ids(conn, "sources", candidates)
    for candidate in candidates:
        if candidate not in in_db and candidate not in taken:
            return candidate
    return f"{base}-{short_hash(article.text_sha256, 12)}"


def article_batch(
    conn: sqlite3.Connection, article: Article, opts: Options, matcher: Matcher, taken: set[str]
) -> tuple[Batch, Outcome]:
    """The source and findings of one article, and what happens to the findings an earlier import made."""
    from store import articles
    from store.language import detect

    source_id = articles.known_source(conn, url=opts.url, text_sha256=article.text_sha256)
    if source_id is None and article.read_sha256:  # imported, not in NFC, by a version that hashed it as read
        source_id = articles.known_source(conn, url=None, text_sha256=article.read_sha256)
    stored = articles.source_fields(conn, source_id) if source_id else None
    existing = stored is not None
    if source_id is None or stored is None:
        source_id, stored = _new_source_id(conn, article, opts, taken), {}
    origin = Origin(article.name, article.paragraphs[0].line if article.paragraphs else 1, "article")
    source = Source(
        id=source_id,
        title=article.title,
        publisher=opts.publisher or stored.get("publisher"),
        authors=stored.get("authors"),
        url=opts.url or stored.get("url"),
        published=opts.published or stored.get("published"),
        kind=stored.get("kind") or "news-article",
        accessed=stored.get("accessed"),
        notes=stored.get("notes")
        or f"Imported with `findings import article` from {Path(article.name).name}; its findings are the "
        "paragraphs that name a known actor or region, unreviewed.",
        lang=opts.lang or detect(" ".join([article.title, *(p.text for p in article.paragraphs)])),
        origin=origin,
    )
    batch = Batch(sources=[source])
    batch.external_ids.append(ExternalId(articles.HASH_SYSTEM, article.text_sha256, "source", source_id))
    if source.url:
        batch.external_ids.append(ExternalId(articles.URL_SYSTEM, source.url, "source", source_id))

    prefix = f"{source_id}-para-"
    before = articles.paragraph_findings(conn, source_id, prefix) if existing else {}
    kept: list[str] = []
    made: set[str] = set()
    every: list[list[Target]] = []
    for para in article.paragraphs:
        tags: list[Target] = [] if para.heading else matcher.tags(para.text)
        every.append(tags)
        if not tags:
            continue
        evidence_id = f"{prefix}{para.number}"
        made.add(evidence_id)
        if before.get(evidence_id, "unreviewed") != "unreviewed":
            kept.append(evidence_id)
            continue
        batch.evidence.append(
            Evidence(
                id=evidence_id,
                claim=para.text,
                category=CATEGORY,
                source_id=source_id,
                locator=f"para {para.number}",
                status="unreviewed",
                lang=opts.lang or detect(para.text) or source.lang,
                actors=[(ref, None) for kind, ref in tags if kind == "actor"],
                regions=[ref for kind, ref in tags if kind == "region"],
                origin=Origin(article.name, para.line, f"para {para.number}"),
            )
        )
    removed = sorted(i for i, status in before.items() if i not in made and status == "unreviewed")
    kept += sorted(i for i, status in before.items() if i not in made and status != "unreviewed")
    return batch, Outcome(article, source_id, existing, kept, removed, every)


# ------------------------------------------------------------------------------------------------- command


def run_import(
    db_path: Path,
    paths: tuple[str, ...],
    *,
    title: str | None = None,
    url: str | None = None,
    published: str | None = None,
    publisher: str | None = None,
    lang: str | None = None,
    dry_run: bool = False,
    limits: Limits = DEFAULT_LIMITS,
) -> None:
    from importers.gazetteer import entity_matcher
    from importers.session import ImportSession, Kept
    from store import articles

    if len(paths) > 1 and (title or url):
        raise click.UsageError("--source-title and --url describe one article: import one file at a time")
    opts = check_options(title, url, published, publisher, lang)
    texts: list[Article] = []  # every file is read before any write
    paragraphs = 0
    for path in paths:
        texts.append(read_article(path, title=opts.title, limits=limits))
        paragraphs += len(texts[-1].paragraphs)
        if paragraphs > limits.records:
            raise DataError(limits.too_many_records(), file=texts[-1].name)

    outcomes: list[Outcome] = []
    with ImportSession(db_path, "article", dry_run=dry_run) as session:
        assert session.conn is not None
        matcher = entity_matcher(session.conn)
        taken: set[str] = set()
        for article in texts:
            batch, outcome = article_batch(session.conn, article, opts, matcher, taken)
            taken.add(outcome.source_id)
            kept = Kept(
                source_id=outcome.source_id,
                text=article.text,
                paragraphs=[(p.number, p.line, p.last_line or p.line) for p in article.paragraphs],
            )
            session.add_file(article.name, article.file_sha256, kept=kept)
            session.add(batch)
            if outcome.removed and not dry_run:
                import_id = session.log_files().get(article.name)
                articles.delete_findings(session.conn, outcome.removed, who=session.who, import_id=import_id)
            outcomes.append(outcome)
        tagged = {t for o in outcomes for tags in o.tags for t in tags}
        names = articles.display_names(session.conn, tagged)

    if dry_run:
        for outcome in outcomes:
            _print_paragraphs(outcome)
    print_summary(session.counts, dry_run=dry_run, title=f"import article: {len(outcomes)} file(s)")
    _print_outcomes(outcomes, names, dry_run)


def _print_paragraphs(outcome: Outcome) -> None:
    article = outcome.article
    state = "existing source" if outcome.existing else "new source"
    click.echo(f"{printable(article.name)}: {printable(article.title)!r} -> {state} {outcome.source_id}")
    for para, found in outcome.tagged():
        tags = "heading" if para.heading else ", ".join(ref for _, ref in found) or "-"
        click.echo(f"  para {para.number}: [{tags}]")
        click.echo(f"    {printable(_shorten(para.text, 200))}")


def _print_outcomes(outcomes: list[Outcome], names: dict[Target, str], dry_run: bool) -> None:
    would = "would be " if dry_run else ""
    for outcome in outcomes:
        if outcome.kept:
            click.echo(f"{outcome.source_id}: {len(outcome.kept)} reviewed finding(s) left as they are")
        if outcome.removed:
            click.echo(
                f"{outcome.source_id}: {len(outcome.removed)} finding(s) {would}removed "
                "(their paragraphs no longer name a known actor or region)"
            )
    counts: Counter[Target] = Counter(t for o in outcomes for tags in o.tags for t in tags)
    paragraphs = sum(len(o.article.paragraphs) for o in outcomes)
    tagged = sum(1 for o in outcomes for tags in o.tags if tags)
    if not counts:
        click.echo(f"no paragraph of {paragraphs} names a known actor or region")
        return
    click.echo(f"tagged {tagged} of {paragraphs} paragraph(s):")
    for (kind, ref), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        name = names.get((kind, ref), ref)
        click.echo(f"  {n:>5}  {kind:<6}  {ref}  ({printable(name)})")
