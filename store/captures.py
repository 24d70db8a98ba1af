"""Captured sources: each imported file as it was read, and the text of each imported article.

A capture keeps the file's SHA-256 and size, when it was read (UTC), from where (its absolute path, or
<stdin>), who collected it, and for an article its text (with the text's own SHA-256) and where each numbered
paragraph lies in it, so that a finding's `para N` can be read offline (`cited_paragraph`). `verify` hashes
every kept source again: the file at its path, and the kept text against its hash.

The shipped dataset keeps its files' hashes and metadata only (collector 'dataset'): the articles it cites are
not ours to ship, and its YAML files are not shipped with the data, so a missing one is not a failure.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from store.output import NotARegularFile, open_regular
from store.write import now

DATASET_COLLECTOR = "dataset"
_PARA = re.compile(r"\s*(?:para(?:graph)?s?|¶)\.?\s*(\d{1,6})\b", re.IGNORECASE)
_READ_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class Capture:
    id: int
    import_id: int | None
    source_id: str | None
    origin: str
    sha256: str
    size: int
    captured_at: str
    collector: str
    format: str
    has_text: bool


@dataclass(frozen=True, slots=True)
class CitedParagraph:
    """The paragraph a finding's locator names, from the captured text of its source."""

    number: int
    first_line: int
    last_line: int
    text: str
    capture_id: int
    origin: str
    captured_at: str


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def add(
    conn: sqlite3.Connection,
    *,
    origin: str,
    sha256: str,
    size: int,
    collector: str,
    fmt: str,
    import_id: int | None = None,
    source_id: str | None = None,
    text: str | None = None,
    paragraphs: Sequence[tuple[int, int, int]] | None = None,
) -> int:
    """Record one captured file in the caller's transaction; returns its id. `paragraphs`: (number, first line,
    last line) of each paragraph of `text` its locators count."""
    cur = conn.execute(
        "INSERT INTO captures (import_id, source_id, origin, sha256, size, captured_at, collector, format, text, "
        "text_sha256, paragraphs) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            import_id,
            source_id,
            origin,
            sha256,
            size,
            now(),
            collector,
            fmt,
            text,
            text_sha256(text) if text is not None else None,
            json.dumps([list(p) for p in paragraphs]) if paragraphs is not None else None,
        ),
    )
    return int(cur.lastrowid)  # type: ignore[arg-type]


_COLS = "id, import_id, source_id, origin, sha256, size, captured_at, collector, format, text IS NOT NULL"


def _capture(r: Sequence) -> Capture:
    id_, import_id, source_id, origin, sha256, size, captured_at, collector, fmt, has_text = r[:10]
    return Capture(id_, import_id, source_id, origin, sha256, size, captured_at, collector, fmt, bool(has_text))


def paragraph_number(locator: str | None) -> int | None:
    """N of a locator that names a paragraph: `para 16`, `paras 3-4` (the first), `paragraph 2`, `¶ 5`."""
    if not locator:
        return None
    m = _PARA.match(locator)
    return int(m.group(1)) if m else None


def cited_paragraph(conn: sqlite3.Connection, evidence_id: str) -> CitedParagraph | None:
    """The paragraph a finding's locator (`para N`) names, from the newest captured text of its source; None
    when the locator names no paragraph or no text of the source was kept (the shipped dataset's)."""
    row = conn.execute("SELECT source_id, locator FROM evidence WHERE id = ?", (evidence_id,)).fetchone()
    if row is None:
        return None
    number = paragraph_number(row[1])
    if number is None:
        return None
    capture = conn.execute(
        "SELECT id, origin, captured_at, text, paragraphs FROM captures "
        "WHERE source_id = ? AND text IS NOT NULL AND paragraphs IS NOT NULL ORDER BY id DESC LIMIT 1",
        (row[0],),
    ).fetchone()
    if capture is None:
        return None
    capture_id, origin, captured_at, text, paragraphs = capture
    for n, first, last in json.loads(paragraphs):
        if n == number:
            lines = text.split("\n")[first - 1 : last]  # as the importer counted lines (not splitlines: U+2028…)
            return CitedParagraph(n, first, last, "\n".join(lines).strip(), capture_id, origin, captured_at)
    return None


# ------------------------------------------------------------------------------------------------- verify


@dataclass(frozen=True, slots=True)
class Verified:
    """What verifying one capture found: 'ok', 'changed', 'missing', or 'not shipped' (a shipped dataset file
    that is not on this machine), and for a kept text 'ok' or 'changed' (`text`, None when none was kept)."""

    capture: Capture
    file: str
    text: str | None
    detail: str = ""

    @property
    def failed(self) -> bool:
        """A mismatch: the file or the kept text is not what was captured."""
        return self.file == "changed" or self.text == "changed"

    @property
    def missing(self) -> bool:
        """The file is gone (or unreadable), so only a kept text, if any, could be checked."""
        return self.file == "missing"


def _hash_file(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with open_regular(path) as f:  # (a FIFO or /dev/zero: NotARegularFile, never read)
        while chunk := f.read(_READ_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def verify(conn: sqlite3.Connection, *, dataset_dir: Path | None = None) -> Iterator[Verified]:
    """Hash every kept source again, oldest first. A shipped dataset file is looked for in `dataset_dir`."""
    rows = conn.execute(
        f"SELECT {_COLS}, text, text_sha256 FROM captures ORDER BY id",
    )
    for r in rows:
        capture = _capture(r)
        text, kept_hash = r[10], r[11]
        text_state = None if text is None else ("ok" if text_sha256(text) == kept_hash else "changed")
        yield _verify_file(capture, text_state, dataset_dir)


def _verify_file(capture: Capture, text_state: str | None, dataset_dir: Path | None) -> Verified:
    if capture.origin == "<stdin>":
        return Verified(capture, "not a file", text_state, "read from standard input")
    path = Path(capture.origin)
    if capture.collector == DATASET_COLLECTOR and not path.is_absolute():
        path = (dataset_dir.parent / path) if dataset_dir is not None else path
        if not path.is_file():
            return Verified(capture, "not shipped", text_state, "shipped dataset: hash and metadata only")
    try:
        digest, size = _hash_file(path)
    except FileNotFoundError:
        return Verified(capture, "missing", text_state, f"no file at {path}")
    except NotARegularFile as e:
        return Verified(capture, "missing", text_state, f"{path} is {e}: not read")
    except OSError as e:
        return Verified(capture, "missing", text_state, f"cannot read {path}: {e.strerror or e}")
    if digest != capture.sha256 or size != capture.size:
        detail = f"sha256 {digest[:12]}… (was {capture.sha256[:12]}…), {size:,} bytes (was {capture.size:,})"
        return Verified(capture, "changed", text_state, detail)
    return Verified(capture, "ok", text_state)
