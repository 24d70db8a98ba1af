"""The readers' bulk paths (importers.loaders.Chunk, validate.evidence_batch, CsvTable._findings,
article._plain_paragraphs) against the record-at-a-time paths they stand in for: the same records with the same
origins, and for a bad record anywhere in a block, the same error (file, line, record, field, message) -- never a
record accepted."""

from __future__ import annotations

import dataclasses
import json
import random
import sys
from pathlib import Path
from typing import Any

import pytest

from importers import article, loaders
from importers.csv_tables import CsvTable
from importers.limits import Limits
from importers.loaders import Chunk, TextInput
from importers.native import native_records
from store.errors import DataError
from store.records import Evidence, Origin, origins, plain_evidence

N = 300  # records in a file: several chunks' worth of lines (a chunk is at least loaders.MIN_CHUNK characters)
BAD = 200  # the index of the bad record, deep inside a chunk


def _json_file(tmp_path: Path, records: list[str], *, source_first: bool = True) -> Path:
    source = '"source": {"id": "chunk-source", "title": "Chunks"}'
    body = ",\n".join(f"  {r}" for r in records)
    parts = [source, f'"evidence": [\n{body}\n]'] if source_first else [f'"evidence": [\n{body}\n]', source]
    path = tmp_path / "chunks.json"
    path.write_text("{" + ",\n".join(parts) + "}\n", encoding="utf-8")
    return path


def _record(i: int, **fields: Any) -> str:
    data = {"id": f"e-{i:05d}", "claim": f"Claim number {i}", "category": "trade"} | fields
    return json.dumps({k: v for k, v in data.items() if v is not ...}, ensure_ascii=False)


def _read_json(path: Path, bulk: bool, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any]]:
    monkeypatch.setattr(loaders._JsonReader, "bulk", bulk)
    with TextInput(path) as inp:
        return list(native_records(inp, "json"))


def _outcome(read: Any) -> tuple[str, Any]:
    """("ok", records with their origins) or ("error", every attribute of the DataError)."""
    try:
        records = read()
    except DataError as e:
        return "error", (str(e), e.file, e.line, e.record, e.field)
    return "ok", [(table, rec, getattr(rec, "origin", None)) for table, rec in records]


def _same_json(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, Any]:
    bulk = _outcome(lambda: _read_json(path, True, monkeypatch))
    one_at_a_time = _outcome(lambda: _read_json(path, False, monkeypatch))
    assert bulk == one_at_a_time
    return bulk


def _chunks(path: Path) -> int:
    with TextInput(path) as inp:
        return sum(1 for item in loaders.native_items(inp, "json") if type(item[2]) is Chunk)


VARIED: list[dict[str, Any]] = [
    {},
    {"quote": "  a quote  ", "date": "2024-03", "quantity": 12, "unit": "t"},
    {"status": "Curated", "confidence": "HIGH", "category": " Trade "},
    {"source": "other-source", "locator": "p. 4"},
    {"claim": "Ціна: 12 грн — «цитата»", "quote": None},
    {"claim": 'said "no": twice', "quantity": "1,200.5"},
    {"claim": "tab\there\\back", "date": 2025},
]


def test_json_chunks_make_what_one_at_a_time_makes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    records = [_record(i, **VARIED[i % len(VARIED)]) for i in range(N)]
    path = _json_file(tmp_path, records)
    assert _chunks(path) >= 1
    kind, found = _same_json(path, monkeypatch)
    assert kind == "ok" and len(found) == N + 1
    first = found[1][1]
    assert isinstance(first, Evidence) and first.origin == Origin(str(path), 3, "evidence 'e-00000'")
    assert found[3][1].status == "curated" and found[3][1].category == "trade"


def test_json_chunk_before_the_files_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Findings read before the top-level source wait for it, in bulk as one at a time."""
    records = [_record(i, source="own-source" if i % 3 == 0 else ...) for i in range(N)]
    path = _json_file(tmp_path, records, source_first=False)
    assert _chunks(path) >= 1
    kind, found = _same_json(path, monkeypatch)
    assert kind == "ok" and {rec.source_id for _, rec, _ in found if isinstance(rec, Evidence)} == {
        "own-source",
        "chunk-source",
    }


BAD_JSON = {
    "unknown field": '{"id": "e-bad", "claim": "c", "category": "trade", "colour": "red"}',
    "bad id": '{"id": "E Bad", "claim": "c", "category": "trade"}',
    "hyphen at the end": '{"id": "e-bad-", "claim": "c", "category": "trade"}',
    "hyphen at the start": '{"id": "-e-bad", "claim": "c", "category": "trade"}',
    "two hyphens": '{"id": "e--bad", "claim": "c", "category": "trade"}',
    "a hyphen for an id": '{"id": "-", "claim": "c", "category": "trade"}',
    "empty id": '{"id": "", "claim": "c", "category": "trade"}',
    "id not ASCII": '{"id": "e-b\u00e4d", "claim": "c", "category": "trade"}',
    "id with a space": '{"id": "e bad", "claim": "c", "category": "trade"}',
    "empty claim": '{"id": "e-bad", "claim": "  ", "category": "trade"}',
    "no claim": '{"id": "e-bad", "category": "trade"}',
    "claim null": '{"id": "e-bad", "claim": null, "category": "trade"}',
    "number claim": '{"id": "e-bad", "claim": true, "category": "trade"}',
    "bad category": '{"id": "e-bad", "claim": "c", "category": "trading"}',
    "NUL": '{"id": "e-bad", "claim": "a\\u0000b", "category": "trade"}',
    "surrogate": '{"id": "e-bad", "claim": "a\\ud800b", "category": "trade"}',
    "long text": '{"id": "e-bad", "claim": "' + "x" * 20_001 + '", "category": "trade"}',
    "long id": '{"id": "' + "a" * 121 + '", "claim": "c", "category": "trade"}',
    "duplicate key": '{"id": "e-bad", "claim": "c", "claim": "d", "category": "trade"}',
    "duplicate with colons": '{"id": "e-bad", "claim": "a: b", "category": "trade", "category": "x:y"}',
    "duplicate escaped": '{"id": "e-bad", "claim": "a\\u003a", "category": "trade", "category": "trade"}',
    "key with a colon": '{"id": "e-bad", "claim": "c", "category": "trade", "a:b": 1}',
    "big number": '{"id": "e-bad", "claim": "c", "category": "trade", "quantity": ' + "9" * 4_002 + "}",
    "bad number": '{"id": "e-bad", "claim": "c", "category": "trade", "quantity": 1e999}',
    "bad date": '{"id": "e-bad", "claim": "c", "category": "trade", "date": "2025-13"}',
    "nested": '{"id": "e-bad", "claim": "c", "category": "trade", "regions": [["x"]]}',
    "not a mapping": '"e-bad"',
    "two on a line": '{"id": "e-bad", "claim": "c", "category": "trade"}, {"id": "e-bad", "claim": "c"}',
    "syntax": '{"id": "e-bad", "claim": "c" "category": "trade"}',
    "raw tab": '{"id": "e-bad", "claim": "a\tb", "category": "trade"}',
    "own source empty": '{"id": "e-bad", "claim": "c", "category": "trade", "source": "Not An Id"}',
    "line break in the id": '{"id": "e-a\\ne-b", "claim": "c", "category": "trade"}',
    "same id twice": '{"id": "e-00001", "claim": "c", "category": "trade", "actors": ["x", "x"]}',
}


@pytest.mark.parametrize("bad", list(BAD_JSON.values()), ids=list(BAD_JSON))
def test_json_bad_record_deep_in_a_chunk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bad: str) -> None:
    records = [_record(i) for i in range(N)]
    records[BAD] = bad
    path = _json_file(tmp_path, records)
    kind, error = _same_json(path, monkeypatch)
    assert kind == "error", "a bad record was accepted"
    assert error[1] == str(path) and error[2] == BAD + 3  # the record's own line


def test_json_bad_record_stops_before_later_bad_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What goes wrong first in the file is reported, as before: a chunk never reads ahead of its records."""
    records = [_record(i) for i in range(20_000)]
    records[BAD] = BAD_JSON["bad category"]
    path = _json_file(tmp_path, records)
    path.write_bytes(path.read_bytes()[:-300] + b"\xff" + path.read_bytes()[-300:])
    kind, error = _same_json(path, monkeypatch)
    assert kind == "error" and error[2] == BAD + 3 and error[4] == "category"


def _csv_file(tmp_path: Path, rows: list[str], header: str = "id,claim,category,source_id") -> Path:
    path = tmp_path / "chunks.csv"
    path.write_bytes((header + "\r\n" + "".join(rows)).encode("utf-8", "surrogatepass"))
    return path


def _read_csv(path: Path, bulk: bool, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any]]:
    monkeypatch.setattr(CsvTable, "bulk", bulk)
    return list(CsvTable(path).records())


def _same_csv(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, Any]:
    bulk = _outcome(lambda: _read_csv(path, True, monkeypatch))
    one_at_a_time = _outcome(lambda: _read_csv(path, False, monkeypatch))
    assert bulk == one_at_a_time
    return bulk


def _row(i: int) -> str:
    return f"e-{i:05d},Claim number {i},trade,csv-source\r\n"


def test_csv_blocks_make_what_one_at_a_time_makes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    header = "id,claim,category,source_id,quote,date,quantity,actors,regions,status"
    rows = [
        f'e-{i:05d}," Claim, number {i} ",{"Trade" if i % 2 else "trade"},csv-source,,2024,{i},'
        f"{'china;huawei:supplier' if i % 3 == 0 else ''},{'ua-kyiv' if i % 5 == 0 else ''},\r\n"
        for i in range(N)
    ]
    rows[50] = '"e-00050","a ""quoted""\r\nclaim on two lines",trade,csv-source,,,,,,\r\n'
    rows[60] = "\r\n"  # a blank line
    rows[70] = ",,,,,,,,,\r\n"  # a row of empty cells
    path = _csv_file(tmp_path, rows, header)
    kind, found = _same_csv(path, monkeypatch)
    assert kind == "ok" and len(found) == N - 2
    assert found[0][1].origin == Origin(str(path), 2, "evidence 'e-00000'") and found[0][1].claim == "Claim, number 0"
    assert found[3][1].actors == [("china", None), ("huawei", "supplier")]


@pytest.mark.parametrize("ending", ["\r\n", "\n", "\r"])
def test_csv_line_endings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ending: str) -> None:
    rows = [_row(i).replace("\r\n", ending) for i in range(N)]
    rows[BAD] = f"e-bad,Claim,trading,csv-source{ending}"
    kind, error = _same_csv(_csv_file(tmp_path, rows), monkeypatch)
    assert kind == "error" and error[2] == BAD + 2 and error[4] == "category"


BAD_CSV = {
    "bad id": "E Bad,c,trade,csv-source\r\n",
    "hyphen at the start": "-e-bad,c,trade,csv-source\r\n",
    "two hyphens": "e--bad,c,trade,csv-source\r\n",
    "empty id": ",c,trade,csv-source\r\n",
    "source with a hyphen at the end": "e-bad,c,trade,csv-source-\r\n",
    "empty claim": "e-bad, ,trade,csv-source\r\n",
    "bad category": "e-bad,c,trading,csv-source\r\n",
    "no source": "e-bad,c,trade,\r\n",
    "bad source": "e-bad,c,trade,Not An Id\r\n",
    "too few cells": "e-bad,c,trade\r\n",
    "too many cells": "e-bad,c,trade,csv-source,x\r\n",
    "NUL": "e-bad,a\x00b,trade,csv-source\r\n",
    "surrogate": "e-bad,a\ud800b,trade,csv-source\r\n",
    "bad quote": 'e-bad,"a"b,trade,csv-source\r\n',
    "long claim": "e-bad," + "x" * 20_001 + ",trade,csv-source\r\n",
    "unclosed quote": 'e-bad,"claim,trade,csv-source\r\n',
}


@pytest.mark.parametrize("bad", list(BAD_CSV.values()), ids=list(BAD_CSV))
def test_csv_bad_row_deep_in_a_block(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bad: str) -> None:
    rows = [_row(i) for i in range(N)]
    rows[BAD] = bad
    path = _csv_file(tmp_path, rows)
    kind, error = _same_csv(path, monkeypatch)
    assert kind == "error", "a bad row was accepted"
    assert error[1] == str(path) and (error[2] == BAD + 2 or bad.count('"') == 1)  # an open quote runs on


@pytest.mark.parametrize("cell", ["a\x0cb", "a\u2028b", "a\x85b", "a\x1eb", "a\rb", "\u00a0a\u3000"])
def test_csv_line_breaks_readline_does_not_know(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cell: str) -> None:
    """str.splitlines breaks lines at these too: such a block is read a line at a time, with the same result."""
    rows = [_row(i) for i in range(N)]
    rows[BAD] = f"e-odd,{cell},trade,csv-source\r\n"
    rows[BAD + 5] = BAD_CSV["bad category"]
    kind, error = _same_csv(_csv_file(tmp_path, rows), monkeypatch)
    assert kind == "error" and error[2] == (BAD + 2 if cell == "a\rb" else BAD + 5 + 2)  # a bare CR: bad CSV


def test_csv_row_over_the_record_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [_row(i) for i in range(N)]
    rows[BAD] = "e-bad," + "x" * 200 + ",trade,csv-source\r\n"
    path = _csv_file(tmp_path, rows)
    outcomes = []
    for bulk in (True, False):
        monkeypatch.setattr(CsvTable, "bulk", bulk)
        outcomes.append(_outcome(lambda: list(CsvTable(path, limits=Limits(record_bytes=150)).records())))
    assert outcomes[0] == outcomes[1] and outcomes[0][0] == "error" and outcomes[0][1][2] == BAD + 2


def test_plain_evidence_is_the_dataclass() -> None:
    made = origins("f.json", [3, 4], ["evidence 'a'", "evidence 'b'"])
    assert made == [Origin("f.json", 3, "evidence 'a'"), Origin("f.json", 4, "evidence 'b'")]
    assert all(type(o) is Origin and o.field_lines is None for o in made)
    assert len({made[0], Origin("f.json", 3, "evidence 'a'")}) == 1  # hashed as the dataclass hashes
    with pytest.raises(dataclasses.FrozenInstanceError):
        made[0].line = 5  # type: ignore[misc]
    assert repr(made[0]) == repr(Origin("f.json", 3, "evidence 'a'"))
    labels = ["evidence 'a'", "evidence 'b'"]
    fast = plain_evidence(
        "f.json", ["a", "b"], ["x", "y"], ["trade", "energy"], ["s", "t"], ["unreviewed", "curated"], [3, 4], labels
    )
    slow = [
        Evidence(id="a", claim="x", category="trade", source_id="s", origin=Origin("f.json", 3, labels[0])),
        Evidence(id="b", claim="y", category="energy", source_id="t", status="curated", origin=made[1]),
    ]
    for f, s in zip(fast, slow, strict=True):
        assert {k: getattr(f, k) for k in Evidence.__slots__} == {k: getattr(s, k) for k in Evidence.__slots__}
        assert type(f.origin) is Origin and f.origin == s.origin and f.origin.field_lines is None
        with pytest.raises(dataclasses.FrozenInstanceError):
            f.origin.record = "changed"  # type: ignore[misc]
    assert fast[0].actors is not fast[1].actors and fast[0].regions is not fast[1].regions


@pytest.mark.parametrize("at", [BAD, 7_777, 19_998])
def test_json_bad_record_in_a_later_block(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, at: int) -> None:
    """Past the first block of text (the buffer moves on), a finding that fails is found where it is."""
    records = [_record(i) for i in range(20_000)]
    records[at] = BAD_JSON["bad category"]
    path = _json_file(tmp_path, records)
    with TextInput(path) as inp:  # chunks all along, the bad one among them
        chunks = [item[2] for item in loaders.native_items(inp, "json") if type(item[2]) is Chunk]
    assert len(chunks) > 2 and sum(len(c.values) for c in chunks) > 15_000
    kind, error = _same_json(path, monkeypatch)
    assert kind == "error" and error[2] == at + 3 and error[3] == "evidence 'e-bad'" and error[4] == "category"


# Articles: _plain_paragraphs (in bulk) against _read_blocks (a line at a time), on texts made of pieces that
# exercise what either looks at: Markdown at the start of a line and inline, white space of every kind, the
# three line breaks, long lines and paragraphs, a given title, a record limit, bytes that are not UTF-8.
PIECES = [
    "# Title",
    "## Sub heading ##",
    "Plain paragraph text.",
    "   indented text",
    "- a list item",
    "* star item",
    "1. numbered",
    "> quoted",
    "---",
    "***",
    "Text with [a link](http://x) and **bold** and __under__.",
    "![](img.png)",
    "![alt](i.png)",
    "",
    "   ",
    "\t",
    "\x0c",
    "2024 was a year.",
    "Ціна: 12 грн",
    "a\x85b",
    "x\u2028y",
    "١. arabic digit",
    "w" * 12_000,
    "u" * 20_001,  # longer than a paragraph keeps
    "two  spaces",
    "Mid **bold** only",
    "mid __under__ only",
    "v " * 7_000,
    "line two of a para",
    "#nothashtag",
    "     # too indented",
    "word  \t ",
    "_under_score_",
    "**",
    "[x]",
]
REGULAR = [p for p in PIECES if p and p.strip() == p and "  " not in p and not any(c in p for c in article.SPACES)]


def _article_outcome(path: Path, title: str | None, limits: Limits) -> tuple[Any, ...]:
    try:
        a = article.read_article(str(path), title=title, limits=limits)
    except DataError as e:
        return ("error", str(e))
    paragraphs = [(p.number, p.line, p.text, p.heading, p.last_line) for p in a.paragraphs]
    return ("ok", a.name, a.file_sha256, a.text_sha256, a.title, a.text, paragraphs)


def test_articles_in_bulk_as_a_line_at_a_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(14)
    taken = {True: 0, False: 0}  # texts read in bulk, by whether as one-line paragraphs
    for trial in range(900):
        pool = PIECES if trial % 2 else REGULAR
        lines = [rng.choice(pool) for _ in range(rng.randint(1, 12))]
        # every third text has every paragraph on one line, a blank line between (article._single_lines)
        breaks = ["\n\n", "\r\n\r\n", "\r\r"] if trial % 3 == 0 else ["\n", "\n", "\r\n", "\r", "\n\n"]
        text = "".join(line + rng.choice(breaks) for line in lines)
        data = (text if rng.random() < 0.7 else text.rstrip("\r\n")).encode()
        if rng.random() < 0.05:
            data += b"\n\xff\n"
        path = tmp_path / f"a{trial}{rng.choice(['.md', '.txt'])}"
        path.write_bytes(data)
        title = rng.choice([None, None, "Title", "plain paragraph text.", ""])
        limits = rng.choice([Limits(), Limits(), Limits(records=3)])
        outcomes = []
        for bulk in (True, False):
            monkeypatch.setattr(article, "bulk", bulk)
            outcomes.append(_article_outcome(path, title, limits))
        assert outcomes[0] == outcomes[1], (text, title, limits)
        norm = text.replace("\r\n", "\n").replace("\r", "\n")
        markdown = path.suffix == ".md"
        if article._plain_paragraphs(norm, markdown, limits, title) is not None:
            single = article._single_lines(norm)
            taken[
                single is not None
                and article._single_line_paragraphs(norm, single, markdown, limits, title) is not None
            ] += 1
    assert min(taken.values()) > 75  # each bulk path was taken often enough to mean something


def test_a_long_article_of_one_line_paragraphs_reads_as_a_line_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over many read blocks (the line breaks TextInput counted stand in for counting them again), with Markdown
    here and there: the same article as read a line at a time, and read as one-line paragraphs."""
    lines = ["# A long article"]
    for i in range(30_000):
        lines.append(f"Paragraph {i} names [a link](http://x/{i})." if i % 997 == 0 else f"Paragraph {i} says little.")
    path = tmp_path / "long.md"
    path.write_text("\n\n".join(lines) + "\n", encoding="utf-8")
    assert path.stat().st_size > 3 * loaders.BLOCK
    single = []
    monkeypatch.setattr(article, "_single_line_paragraphs", _spy(article._single_line_paragraphs, single))
    outcomes = []
    for bulk in (True, False):
        monkeypatch.setattr(article, "bulk", bulk)
        outcomes.append(_article_outcome(path, None, Limits()))
    assert outcomes[0] == outcomes[1]
    assert single == [True]  # read as one-line paragraphs
    assert outcomes[0][-1][-1] == (30_000, 60_001, "Paragraph 29999 says little.", False, 60_001)
    # one paragraph of two lines: read otherwise, to the same result
    path.write_text("\n\n".join(lines[:-1]) + "\n" + lines[-1] + "\n", encoding="utf-8")
    single.clear()
    outcomes = []
    for bulk in (True, False):
        monkeypatch.setattr(article, "bulk", bulk)
        outcomes.append(_article_outcome(path, None, Limits()))
    assert outcomes[0] == outcomes[1] and single == []
    assert outcomes[0][-1][-1] == (
        29_999,
        59_999,
        "Paragraph 29998 says little. Paragraph 29999 says little.",
        False,
        60_000,
    )


def _spy(function: Any, calls: list[bool]) -> Any:
    def spied(*args: Any) -> Any:
        found = function(*args)
        calls.append(found is not None)
        return found

    return spied


def test_article_spaces_are_every_space() -> None:
    every = {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()} - {" ", "\n"}
    assert set(article.SPACES) == every
    assert not any(c.isprintable() for c in every)  # so a printable text holds none (_single_line_paragraphs)


def test_article_limit_before_later_bad_bytes(tmp_path: Path) -> None:
    """More paragraphs than the limit, then a block that is not UTF-8: the limit is reported, as it was when
    the text was read a line at a time and the bad block never reached."""
    path = tmp_path / "long.md"
    path.write_bytes(b"# Head\n\n" + b"".join(b"Paragraph %d.\n\n" % i for i in range(40_000)) + b"\xff\n")
    with pytest.raises(DataError, match="holds more than 1,000 records") as e:
        article.read_article(str(path), limits=Limits(records=1_000))
    assert e.value.line == 2_003


def test_json_source_with_a_line_break_in_a_chunk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every finding naming its source (the column checked in bulk): one with a line break in it is refused."""
    records = [_record(i, source="chunk-source") for i in range(N)]
    records[BAD] = _record(BAD, source="bad\nsource")
    kind, error = _same_json(_json_file(tmp_path, records), monkeypatch)
    assert kind == "error" and error[2] == BAD + 3 and error[4] == "source", error


def test_json_chunks_hold_at_most_a_read_block_after_a_long_record(tmp_path: Path) -> None:
    """A long record grows the text read; the chunks after it stay a read block at most (their records are made
    at once: a chunk of the whole text held every finding of it in memory)."""
    padded = '{"id": "e-00000",' + " " * (16 * loaders.BLOCK) + '"claim": "padded", "category": "trade"}'
    records = [padded, *(_record(i) for i in range(1, 80_000))]
    path = _json_file(tmp_path, records)
    with TextInput(path) as inp:
        sizes = [len(item[2].values) for item in loaders.native_items(inp, "json") if type(item[2]) is Chunk]
    assert sizes and sum(sizes) > 60_000  # (most records come in chunks)
    longest = max(len(r) for r in records[1:]) + 4
    assert max(sizes) <= loaders.BLOCK // 60 and max(sizes) * 60 <= loaders.BLOCK + longest, sizes[:5]


def _layout(i: int) -> str:
    return _record(i).replace(", ", ",")


LAYOUTS: dict[str, Any] = {
    # (records BAD and BAD + 1 laid out as given, between good records one a line)
    "two on a line, then a blank line": lambda a, b: f"{a}, {b}\n",
    "two on a line, apart by a CR": lambda a, b: f"{a},\r{b}",
    "a space before the comma": lambda a, b: f"{a} ,\n  {b}",
    "spaces after the comma": lambda a, b: f"{a},   \n  {b}",
    "one over two lines, then two on a line": lambda a, b: a.replace(',"claim"', ',\n"claim"') + f", {b}",
    "a nested object": lambda a, b: a.replace('"trade"}', '"trade","actors":[{"id":"x"}]}') + f",\n  {b}",
    "CR LF": lambda a, b: f"{a},\r\n  {b}",
    "braces in texts": lambda a, b: a.replace("Claim", "C{laim},") + f",\n  {b}",
}


@pytest.mark.parametrize("layout", list(LAYOUTS.values()), ids=list(LAYOUTS))
def test_json_layouts_a_chunk_must_not_misread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, layout: Any) -> None:
    """Good records laid out as a chunk's checks must see through (two on a line, one over two lines, a line
    break that is a CR): in bulk as one at a time, the same records on the same lines, never one line off."""
    records = [_layout(i) for i in range(10_000)]  # (chunks after the block that holds it)
    records[BAD : BAD + 2] = [layout(records[BAD], records[BAD + 1])]
    body = ",\n".join(records[BAD - 20 : BAD + 20])
    values = loaders._chunk_of(body, 1 << 20)  # taken only when each line is one of its records
    assert values is None or [json.loads(line.strip().rstrip(",")) for line in body.split("\n")] == values
    path = _json_file(tmp_path, records)
    assert _chunks(path) >= 1
    kind, found = _same_json(path, monkeypatch)
    assert kind == "ok" and len(found) == 10_000 + 1


def _bulk_taken(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The findings of each block evidence_batch took (CSV and JSON), in a list filled as they come."""
    from importers import csv_tables, validate

    taken: list[int] = []
    real = validate.evidence_batch

    def spy(columns: dict[str, Any], lines: Any, *args: Any, **kwargs: Any) -> Any:
        made = real(columns, lines, *args, **kwargs)
        if made is not None:
            taken.append(len(lines))
        return made

    monkeypatch.setattr(csv_tables, "evidence_batch", spy)
    monkeypatch.setattr(validate, "evidence_batch", spy)
    return taken


CSV_CELLS = {  # column -> the cell of row i, for rows whose every cell is good (some blank or all spaces)
    "quote": lambda i: ["", "  ", " a quote ", "\t"][i % 4],
    "date": lambda i: ["", "2024", "2024-03", " "][i % 4],
    "quantity": lambda i: ["", str(i), "1,200.5", "  "][i % 4],
    "status": lambda i: ["", "Curated", "unreviewed", " "][i % 4],
    "confidence": lambda i: ["", "HIGH", " low "][i % 3],
    "unit": lambda i: ["", "t"][i % 2],
    "locator": lambda i: ["p. 4", " "][i % 2],
    "actors": lambda i: ["", "china;huawei:supplier", " ", ";"][i % 4],
    "regions": lambda i: ["", "ua-kyiv;crimea", "  "][i % 3],
}


@pytest.mark.parametrize("column", list(CSV_CELLS))
def test_csv_blocks_of_good_rows_in_bulk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, column: str) -> None:
    """Rows that all pass, with blank cells and cells of spaces among them: taken in bulk, and the same
    findings as one at a time."""
    header = f"id,claim,category,source_id,{column}"
    rows = [f'e-{i:05d},Claim {i},trade,csv-source,"{CSV_CELLS[column](i)}"\r\n' for i in range(N)]
    path = _csv_file(tmp_path, rows, header)
    taken = _bulk_taken(monkeypatch)
    kind, found = _same_csv(path, monkeypatch)
    assert kind == "ok" and len(found) == N and sum(taken) == N, taken


SAME_EVERYWHERE = {  # one value in every row of a block, checked once: it must fail as each would
    "category": ("trading", "category"),
    "source_id": ("Not An Id", "source"),
    "claim": ("  ", "claim"),
    "status": ("done", "status"),
}


@pytest.mark.parametrize("column", list(SAME_EVERYWHERE))
def test_csv_one_bad_value_in_every_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, column: str) -> None:
    value, field = SAME_EVERYWHERE[column]
    header = "id,claim,category,source_id,status"
    cells = {"claim": "Claim", "category": "trade", "source_id": "csv-source", "status": "curated"}
    rows = [
        f"e-{i:05d}," + ",".join(value if c == column else cells[c] for c in header.split(",")[1:]) + "\r\n"
        for i in range(N)
    ]
    kind, error = _same_csv(_csv_file(tmp_path, rows, header), monkeypatch)
    assert kind == "error" and error[2] == 2 and error[4] == field, error


@pytest.mark.parametrize("value", ["Curated", " trade ", "trade", "trading", None, 3, ["trade"]])
def test_json_one_value_in_every_record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: Any) -> None:
    """A column of one value over and over is checked once: the same findings, or the same error."""
    field = "status" if value == "Curated" else "category"
    path = _json_file(tmp_path, [_record(i, **{field: value}) for i in range(N)])
    taken = _bulk_taken(monkeypatch)
    kind, found = _same_json(path, monkeypatch)
    if value in ("Curated", " trade ", "trade"):
        assert kind == "ok" and sum(taken) > N // 2, taken
        assert {getattr(rec, field) for _, rec, _ in found[1:]} == {value.strip().lower()}
    else:
        assert kind == "error" and found[2] == 3 and found[4] == "category", found


def test_json_chunks_in_bulk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The varied records of the first test, taken in bulk (not only read one at a time after a refusal)."""
    path = _json_file(tmp_path, [_record(i, **VARIED[i % len(VARIED)]) for i in range(N)])
    taken = _bulk_taken(monkeypatch)
    kind, _found = _same_json(path, monkeypatch)
    assert kind == "ok" and sum(taken) > N // 2, taken


def test_csv_blocks_with_quotes_in_bulk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A block with quoted cells is cut by csv.reader, one without by its commas: the same findings either way."""
    rows = [f'e-{i:05d},"Claim, ""{i}""",trade,csv-source\r\n' if i % 7 == 0 else _row(i) for i in range(3_000)]
    path = _csv_file(tmp_path, rows)
    taken = _bulk_taken(monkeypatch)
    kind, found = _same_csv(path, monkeypatch)
    assert kind == "ok" and sum(taken) == 3_000 and found[0][1].claim == 'Claim, "0"', taken


def test_csv_cell_over_the_field_limit_without_quotes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [_row(i) for i in range(N)]
    rows[BAD] = "e-bad," + "x" * 300 + ",trade,csv-source\r\n"
    path = _csv_file(tmp_path, rows)
    outcomes = []
    for bulk in (True, False):
        monkeypatch.setattr(CsvTable, "bulk", bulk)
        outcomes.append(_outcome(lambda: list(CsvTable(path, limits=Limits(field_bytes=200)).records())))
    assert outcomes[0] == outcomes[1] and outcomes[0][0] == "error" and outcomes[0][1][2] == BAD + 2, outcomes


def test_an_import_s_cell_limit_is_put_back_for_the_rest_of_the_process(tmp_path: Path) -> None:
    """csv.field_size_limit is the csv module's one setting for the whole process: an import's limit (here 200)
    must not be what a later reader of CSV in the same process (an export's test, a tool) is held to."""
    import csv

    from tests.conftest import ROOT, run_cli

    before = csv.field_size_limit()
    path = _csv_file(tmp_path, [_row(i) for i in range(10)])
    assert len(list(CsvTable(path, limits=Limits(field_bytes=200)).records())) > 0
    assert csv.field_size_limit() == before
    bad = _csv_file(tmp_path, ["e-bad," + "x" * 300 + ",trade,csv-source\r\n"])
    with pytest.raises(DataError):
        list(CsvTable(bad, limits=Limits(field_bytes=200)).records())
    assert csv.field_size_limit() == before
    statements = ROOT / "tests" / "data" / "ftm" / "yente-t1-head.statements.csv"  # FtM statements: a CSV too
    result = run_cli("import", "ftm", str(statements), "--dry-run", "--max-record-size", "2K", db=tmp_path / "x.db")
    assert result.exit_code in (0, 1), result.output
    assert csv.field_size_limit() == before


@pytest.mark.parametrize(
    "other",
    [{"id": "e-x", "claim": "c", "source": "s"}, {"claim": "c", "id": "e-x", "category": "trade"}, {"id": "e-x"}],
    ids=["another key instead", "keys in another order", "fewer keys"],
)
def test_chunk_columns_whatever_keys_each_record_has(other: dict[str, Any]) -> None:
    values = [{"id": f"e-{i}", "claim": f"c {i}", "category": "trade"} for i in range(5)]
    values[3] = other
    columns = Chunk(values, 1).columns()
    keys = set().union(*values)
    assert columns == {k: [v.get(k) for v in values] for k in keys}


@pytest.mark.parametrize("bad", [b"\xff", b"\x00", b"\xe2\x82"], ids=["not UTF-8", "NUL", "cut character"])
@pytest.mark.parametrize("at", [BAD, 7_777, 19_998])
def test_json_bad_byte_in_a_later_block(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bad: bytes, at: int) -> None:
    """The JSON reader counts the lines of the blocks it is handed (TextInput does not count them again): a
    bad byte in any block is reported on its own line, in bulk as one at a time."""
    records = [_record(i) for i in range(20_000)]
    path = _json_file(tmp_path, records)
    data = path.read_bytes()
    cut = data.index(b'Claim number %d"' % at)
    path.write_bytes(data[:cut] + bad + data[cut:])
    kind, error = _same_json(path, monkeypatch)
    assert kind == "error" and error[2] == at + 3, error
