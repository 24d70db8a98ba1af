"""The bad-input corpus (tests/data/bad/, described in its README): every file through its importer.

Each import runs as the real program in a subprocess with a time limit and a 1 GiB address-space limit
(RLIMIT_AS), so an input that would expand without bound (billion laughs, 100,000 levels of nesting, a 10 MB
field) fails the test instead of the machine. A rejected file must give exit 1 and one line naming the file, the
line and (where one applies) the field, with no traceback and no raw control character, and leave the database
file byte for byte as it was. An accepted file imports; a FollowTheMoney "warn" file imports the rest and names
the file and line of what it skipped.
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT, digest

BAD = ROOT / "tests" / "data" / "bad"
FORMATS = {".yaml": "yaml", ".json": "json", ".csv": "csv", ".ijson": "ftm", ".md": "article", ".txt": "article"}
MEMORY_LIMIT = 1 << 30  # bytes of address space for one import process
TIMEOUT = 30  # seconds; each takes well under one, this only stops a runaway
SRC = "kyiv-independent-occupied-economy"
TEN_MB = 10_000_000
DEEP = 100_000


@dataclass(frozen=True)
class Reject:
    line: int | None
    field: str | None = None
    says: tuple[str, ...] = ()


@dataclass(frozen=True)
class Accept:
    pass


@dataclass(frozen=True)
class Warn:
    line: int
    says: tuple[str, ...] = ()


def reject(line: int | None, field: str | None = None, *says: str) -> Reject:
    return Reject(line, field, says)


ACCEPT = Accept()

EXPECTED: dict[str, Reject | Accept | Warn] = {
    # YAML
    "yaml-truncated.yaml": reject(12, "category", "is required"),
    "yaml-truncated-quote.yaml": reject(3, None, "invalid YAML"),
    "yaml-latin1.yaml": reject(4, None, "not valid UTF-8"),
    "yaml-utf16.yaml": reject(1, None, "UTF-16"),
    "yaml-utf16-no-bom.yaml": reject(1, None, "NUL byte"),
    "yaml-utf8-bom.yaml": ACCEPT,
    "yaml-nul.yaml": reject(3, None, "NUL byte"),
    "yaml-control-char.yaml": reject(3, None, "U+001B is not allowed"),
    "yaml-billion-laughs.yaml": reject(1, None, "anchors and aliases (&name, *name) are not supported"),
    "yaml-python-object.yaml": reject(2, None, "tags are not supported", "python/object/apply"),
    "yaml-python-name.yaml": reject(3, None, "tags are not supported", "python/name"),
    "yaml-custom-tag.yaml": reject(3, None, "tags are not supported", "!include"),
    "yaml-timestamp-tag.yaml": reject(6, None, "tags are not supported", "!!timestamp '2025-13-45'"),
    "yaml-merge-tag.yaml": reject(4, None, "tags are not supported", "!!merge"),
    "yaml-merge-key.yaml": reject(4, "<<", "unknown field"),
    "yaml-duplicate-ids.yaml": reject(3, "id", "duplicate actor id 'twin-company'"),
    "yaml-duplicate-keys.yaml": reject(5, None, "duplicate key 'name'"),
    "yaml-dangling-reference.yaml": reject(6, "actors", "unknown actor 'ghost-actor'"),
    "yaml-wrong-types.yaml": reject(3, "name", "must be text, not a mapping"),
    "yaml-impossible-date.yaml": reject(6, "date", "day 29 does not exist"),
    "yaml-path-id.yaml": reject(2, "id", "is not a lowercase slug"),
    "yaml-huge-number.yaml": reject(6, "quantity", "too large"),
    "yaml-top-level-list.yaml": reject(1, None, "top level must be a mapping", "found a list"),
    "yaml-top-level-scalar.yaml": reject(1, None, "top level must be a mapping", "found text"),
    "yaml-multi-document.yaml": reject(2, None, "several YAML documents"),
    "yaml-empty.yaml": reject(None, None, "is empty"),
    "yaml-whitespace.yaml": reject(None, None, "is empty"),
    "yaml-hostile-text.yaml": ACCEPT,
    # JSON
    "json-truncated.json": reject(17, None, "invalid JSON", "Unterminated string"),
    "json-latin1.json": reject(3, None, "not valid UTF-8"),
    "json-utf16.json": reject(1, None, "UTF-16"),
    "json-nul.json": reject(3, None, "NUL byte"),
    "json-duplicate-ids.json": reject(10, "id", "duplicate evidence id 'same-finding'"),
    "json-duplicate-keys.json": reject(4, None, "duplicate key 'actors'"),
    "json-dangling-reference.json": reject(5, "object", "unknown actor 'nobody-anywhere'"),
    "json-wrong-types.json": reject(8, "regions", "must be a list, not text"),
    "json-impossible-date.json": reject(6, "published", "day 30 does not exist"),
    "json-path-id.json": reject(4, "id", "is not a lowercase slug"),
    "json-top-level-array.json": reject(1, None, "top level must be a mapping", "found a list"),
    "json-top-level-null.json": reject(1, None, "top level must be a mapping", "found nothing"),
    "json-empty.json": reject(None, None, "is empty"),
    "json-whitespace.json": reject(None, None, "is empty"),
    "json-lone-surrogate.json": reject(3, "name", "unpaired UTF-16 surrogate"),
    "json-huge-number.json": reject(4, None, "more than 4,000 digits"),
    "json-nan.json": reject(4, "quantity", "finite number"),
    "json-escape-in-key.json": reject(3, None, "unknown field", "␛[2J␛]0;pwned␇"),
    "json-hostile-text.json": ACCEPT,
    "json-sql.json": ACCEPT,
    # CSV
    "csv-truncated.csv": reject(3, None, "invalid CSV", "unexpected end of data"),
    "csv-latin1.csv": reject(2, None, "not valid UTF-8"),
    "csv-utf16.csv": reject(1, None, "UTF-16"),
    "csv-nul.csv": reject(2, "claim", "NUL byte"),
    "csv-utf8-bom.csv": ACCEPT,
    "csv-duplicate-ids.csv": reject(3, "id", "duplicate evidence id 'csv-twin'"),
    "csv-dangling-reference.csv": reject(2, "regions", "unknown region 'narnia'"),
    "csv-wrong-types.csv": reject(2, "quantity", "'lots' is not a number"),
    "csv-impossible-date.csv": reject(2, "date", "month 13 does not exist"),
    "csv-path-id.csv": reject(2, "id", "is not a lowercase slug"),
    "csv-wrong-width.csv": reject(2, None, "has 9 cells; the header has 8"),
    "csv-unknown-table.csv": reject(1, None, "cannot tell which table", "--table"),
    "csv-escape-in-header.csv": reject(1, None, "unknown column"),
    "csv-empty.csv": reject(None, None, "is empty"),
    "csv-whitespace.csv": reject(1, None, "is empty, or its first line is blank"),
    "csv-formula-injection.csv": ACCEPT,
    "csv-hostile-text.csv": ACCEPT,
    # FollowTheMoney
    "ftm-truncated.ijson": reject(3, None, "invalid JSON"),
    "ftm-latin1.ijson": reject(2, None, "not valid UTF-8"),
    "ftm-utf16.ijson": reject(1, None, "UTF-16"),
    "ftm-nul.ijson": reject(2, None, "NUL byte"),
    "ftm-utf8-bom.ijson": ACCEPT,
    "ftm-not-an-object.ijson": reject(2, None, "is not a JSON object but a list"),
    "ftm-missing-schema.ijson": reject(2, None, "lacks a `schema`"),
    "ftm-wrong-types.ijson": reject(2, None, "`properties.name` must be a list"),
    "ftm-lone-surrogate.ijson": reject(2, None, "unpaired UTF-16 surrogate"),
    "ftm-huge-number.ijson": reject(2, None, "more than 4,300 digits"),
    "ftm-empty.ijson": reject(None, None, "is empty"),
    "ftm-whitespace.ijson": reject(None, None, "is empty"),
    "ftm-dangling-reference.ijson": Warn(2, ("asset 'ghost-asset-id' is neither in the file nor the database",)),
    "ftm-impossible-date.ijson": Warn(2, ("startDate: '2025-02-30': day 30 does not exist",)),
    "ftm-duplicate-ids.ijson": ACCEPT,
    "ftm-path-id.ijson": ACCEPT,
    "ftm-hostile-text.ijson": ACCEPT,
    # articles
    "article-truncated.md": reject(3, None, "not valid UTF-8"),
    "article-latin1.txt": reject(3, None, "not valid UTF-8"),
    "article-utf16.txt": reject(1, None, "UTF-16"),
    "article-nul.md": reject(3, None, "NUL byte"),
    "article-empty.md": reject(None, None, "is empty"),
    "article-whitespace.txt": reject(None, None, "is empty"),
    "article-no-title.md": reject(1, None, "has no title"),
    "article-utf8-bom.md": ACCEPT,
    "article-hostile.md": ACCEPT,
}


# ------------------------------------------------------------------------------------------ generated cases
# Too big to commit: written at test time.


def _huge_yaml(path: Path) -> None:
    path.write_text(
        f"evidence:\n  - id: huge\n    category: trade\n    source: {SRC}\n    claim: {'x' * TEN_MB}\n",
        encoding="utf-8",
    )


def _huge_json(path: Path) -> None:
    body = f'{{\n  "evidence": [\n    {{"id": "huge", "category": "trade", "source": "{SRC}",\n'
    path.write_text(body + f'     "claim": "{"x" * TEN_MB}"}}\n  ]\n}}\n', encoding="utf-8")


def _huge_csv(path: Path) -> None:
    path.write_text(f'id,claim,category,source_id\nhuge,"{"x" * TEN_MB}",trade,{SRC}\n', encoding="utf-8")


def _huge_ftm(path: Path) -> None:
    company = '{"id": "huge-co", "schema": "Company", "properties": {"name": ["Huge Notes LLC"]}}\n'
    props = f'{{"entity": ["huge-co"], "description": ["{"x" * TEN_MB}"]}}'
    note = f'{{"id": "huge-note", "schema": "Note", "properties": {props}}}\n'
    path.write_text(company + note, encoding="utf-8")


def _huge_article(path: Path) -> None:
    path.write_text("# One long paragraph\n\nChina " + "shipped cranes to Crimea " * (TEN_MB // 25) + "\n", "utf-8")


def _deep_yaml(path: Path) -> None:
    path.write_text("actors: " + "[" * DEEP + "]" * DEEP + "\n", encoding="utf-8")


def _deep_json(path: Path) -> None:
    path.write_text('{"actors":\n' + "[" * DEEP + "]" * DEEP + "}\n", encoding="utf-8")


def _deep_ftm(path: Path) -> None:
    company = '{"id": "deep-co", "schema": "Company", "properties": {"name": ["Deep LLC"]}}\n'
    deep = '{"id": "deep", "schema": "Company", "properties": {"name": ' + "[" * DEEP + "]" * DEEP + "}}\n"
    path.write_text(company + deep, encoding="utf-8")


def _unclosed_quote_csv(path: Path) -> None:
    """A quote opened on line 2 and never closed: 500 more lines are read into its cell before the file ends."""
    lines = "".join(f"more text, line {i}\n" for i in range(3, 503))
    path.write_text(f'id,claim,category,source_id\nopen,"never closed,trade,{SRC}\n{lines}', encoding="utf-8")


def _unclosed_quote_huge_csv(path: Path) -> None:
    """The same, with enough lines after it for its cell to pass the 1 MB limit first."""
    lines = "".join(f"more text, line {i}, padding padding padding\n" for i in range(3, 30_003))
    path.write_text(f'id,claim,category,source_id\nopen,"never closed,trade,{SRC}\n{lines}', encoding="utf-8")


GENERATED: dict[str, tuple[Callable[[Path], None], Reject | Accept | Warn]] = {
    # (named at the row's first line, where the quote opens, not where reading stopped)
    "unclosed-quote.csv": (_unclosed_quote_csv, reject(2, None, "a quoted cell in this row never closes", "line 502")),
    "unclosed-quote-huge.csv": (
        _unclosed_quote_huge_csv,
        reject(22_548, None, "a cell is longer than 1 MB", "in the row from line 2: is a quote left open there?"),
    ),
    "huge-field.yaml": (_huge_yaml, reject(5, "claim", "is longer than 1 MB", "--max-field-size")),
    "huge-field.json": (_huge_json, reject(4, "claim", "is 10,000,000 characters long")),
    "huge-field.csv": (_huge_csv, reject(2, None, "a cell is longer than 1 MB", "--max-field-size")),
    "huge-field.ijson": (_huge_ftm, Warn(2, ("description: is 10,000,000 characters long",))),
    "huge-field.md": (_huge_article, ACCEPT),
    "deep-nesting.yaml": (_deep_yaml, reject(1, None, "nest")),  # libyaml's own limit, or ours (100 levels)
    "deep-nesting.json": (_deep_json, reject(2, None, "nested too deeply")),
    "deep-nesting.ijson": (_deep_ftm, reject(2, None, "nested too deeply")),
}


# ------------------------------------------------------------------------------------------------ running


@dataclass
class Outcome:
    path: Path
    db: Path
    returncode: int
    stdout: bytes
    stderr: bytes
    before: str
    after: str
    wal: int
    stray: list[str]  # files the import left in its working directory


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run_import(
    db: Path,
    path: Path,
    cwd: Path,
    *,
    fmt: str | None = None,
    env: dict[str, str] | None = None,
    stdin: bytes | None = None,
) -> Outcome:
    """`findings --db DB import FORMAT PATH` as a separate process, limited in time and memory (FORMAT from the
    file's extension unless given; `env`: FINDINGS_ variables to set)."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("FINDINGS_")} | (env or {})
    before = digest(db)
    proc = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--db", str(db), "import", fmt or FORMATS[path.suffix], str(path)],
        cwd=cwd,
        env=environ,
        input=stdin,
        capture_output=True,
        timeout=TIMEOUT,
        preexec_fn=_limit_memory,
    )
    wal = Path(f"{db}-wal")
    return Outcome(
        path,
        db,
        proc.returncode,
        proc.stdout,
        proc.stderr,
        before,
        digest(db),
        wal.stat().st_size if wal.exists() else 0,
        sorted(p.name for p in cwd.iterdir()),
    )


@pytest.fixture(scope="module")
def outcomes(built_db: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcome]:
    """Every corpus file and generated case imported into its own copy of the dataset database, a few at once."""
    root = tmp_path_factory.mktemp("bad-inputs")
    generated = root / "generated"
    generated.mkdir()
    jobs: dict[str, tuple[Path, Path, Path]] = {}
    cases = [(name, BAD / name) for name in EXPECTED]
    for name, (write, _) in GENERATED.items():
        write(generated / name)
        cases.append((name, generated / name))
    for i, (name, path) in enumerate(cases):
        work = root / f"case-{i}"
        work.mkdir()
        db = work / "data.db"
        shutil.copyfile(built_db, db)
        cwd = work / "cwd"
        cwd.mkdir()
        jobs[name] = (db, path, cwd)
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        futures = {name: pool.submit(run_import, *job) for name, job in jobs.items()}
        return {name: future.result() for name, future in futures.items()}


def expected(name: str) -> Reject | Accept | Warn:
    return EXPECTED[name] if name in EXPECTED else GENERATED[name][1]


CONTROLS = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")  # anything that could drive a terminal (newline aside)


def check_reject(out: Outcome, want: Reject) -> None:
    stderr = out.stderr.decode("utf-8", errors="replace")
    assert out.returncode == 1, (out.returncode, stderr, out.stdout[-2000:])
    lines = stderr.strip("\n").split("\n")
    assert len(lines) == 1, stderr
    line = lines[0]
    assert line.startswith("Error: "), line
    assert "Traceback" not in stderr and b"Traceback" not in out.stdout
    assert "internal error" not in line, line
    assert not CONTROLS.search(line), f"a raw control character reached the terminal: {line!r}"
    where = f"{out.path}:{want.line}: " if want.line is not None else f"{out.path}: "
    assert where in line, (where, line)
    if want.field:
        assert f"field '{want.field}'" in line, line
    for fragment in want.says:
        assert fragment in line, (fragment, line)
    assert out.after == out.before, "the database file changed"
    assert out.wal == 0, "the failed import left frames in the write-ahead log"


def check_accept(out: Outcome) -> None:
    stderr = out.stderr.decode("utf-8", errors="replace")
    assert out.returncode == 0, stderr
    assert "Error" not in stderr and "Traceback" not in stderr
    assert out.after != out.before or out.wal > 0, "nothing was written"


def check_warn(out: Outcome, want: Warn) -> None:
    stderr = out.stderr.decode("utf-8", errors="replace")
    assert out.returncode == 0, stderr
    assert "warnings" in stderr and "Traceback" not in stderr
    assert f"{out.path.name}:{want.line}: " in stderr, stderr
    for fragment in want.says:
        assert fragment in stderr, (fragment, stderr)
    assert not CONTROLS.search(stderr.replace("\n", " ")), stderr


@pytest.mark.parametrize("name", [*EXPECTED, *GENERATED])
def test_each_bad_input(outcomes: dict[str, Outcome], name: str) -> None:
    out = outcomes[name]
    want = expected(name)
    if isinstance(want, Reject):
        check_reject(out, want)
    elif isinstance(want, Warn):
        check_warn(out, want)
    else:
        check_accept(out)
    assert out.stray == [], f"the import wrote files in its working directory: {out.stray}"


def test_the_corpus_is_all_described() -> None:
    """Every file has an expected outcome and a line in the corpus README, and nothing is listed that is not there."""
    files = {p.name for p in BAD.iterdir() if p.name != "README.md"}
    assert files == set(EXPECTED)
    assert len(files) >= 30
    readme = (BAD / "README.md").read_text(encoding="utf-8")
    for name in files:
        assert f"`{name}`" in readme, name
    assert max(p.stat().st_size for p in BAD.iterdir()) < 200_000
    assert {FORMATS[Path(name).suffix] for name in files} == {"yaml", "json", "csv", "ftm", "article"}


def test_a_huge_article_paragraph_is_shortened_not_refused(outcomes: dict[str, Outcome]) -> None:
    out = outcomes["huge-field.md"]
    conn = sqlite3.connect(out.db)
    try:
        claims = [r[0] for r in conn.execute("SELECT claim FROM evidence WHERE claim LIKE 'China shipped%'")]
    finally:
        conn.close()
    assert claims and all(len(c) <= 20_000 and c.endswith("…") for c in claims)


def test_nothing_in_a_yaml_file_runs(outcomes: dict[str, Outcome]) -> None:
    """`!!python/object/apply:os.system` would have written pwned.txt in the working directory."""
    out = outcomes["yaml-python-object.yaml"]
    assert out.returncode == 1 and "pwned.txt" not in out.stray


def test_a_database_that_is_not_there_yet_is_not_left_behind(tmp_path: Path) -> None:
    """Failing into a new database file leaves no file at all (the corpus runs into existing databases)."""
    for name in ("yaml-billion-laughs.yaml", "json-lone-surrogate.json", "csv-truncated.csv", "ftm-nul.ijson"):
        target = tmp_path / "new.db"
        work = tmp_path / "cwd"
        work.mkdir(exist_ok=True)
        argv = ["--db", str(target), "import", FORMATS[Path(name).suffix], str(BAD / name)]
        proc = subprocess.run(
            [sys.executable, str(ROOT / "main.py"), *argv],
            cwd=work,
            capture_output=True,
            timeout=TIMEOUT,
            preexec_fn=_limit_memory,
        )
        assert proc.returncode == 1, proc.stderr
        assert not list(tmp_path.glob("new.db*")), name


# ------------------------------------------------------------------------------ special files and limits

NATIVE = {"yaml": "yaml", "json": "json", "csv": "csv", "article": "md"}  # importer -> file extension


def _one_error_line(out: Outcome) -> str:
    stderr = out.stderr.decode("utf-8", errors="replace")
    assert out.returncode == 1, (out.returncode, stderr)
    lines = stderr.strip("\n").split("\n")
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "Traceback" not in stderr, stderr
    return lines[0]


@pytest.mark.parametrize("fmt", NATIVE)
@pytest.mark.parametrize("kind", ["fifo", "device", "directory"])
def test_special_files_are_refused_before_anything_is_read(db: Path, tmp_path: Path, fmt: str, kind: str) -> None:
    """A FIFO no one writes to would block the import for ever, /dev/zero would never end: both are refused at
    once (the FIFO is opened without waiting for a writer), as is a directory."""
    if kind == "fifo":
        path = tmp_path / f"pipe.{NATIVE[fmt]}"
        os.mkfifo(path)
        says = "is a FIFO (named pipe), not a regular file"
    elif kind == "device":
        path = Path("/dev/zero")
        says = "is a character device, not a regular file"
    else:
        path = tmp_path / f"folder.{NATIVE[fmt]}"
        path.mkdir()
        says = "is a directory"
    before = digest(db)
    proc = run_import(db, path, tmp_path, fmt=fmt)
    line = _one_error_line(proc)  # a directory too: one line, exit 1 (it was Click's usage text, exit 2)
    assert f"{path}: " in line and says in line, line
    assert digest(db) == before


@pytest.mark.parametrize(
    ("fmt", "text"),
    [
        ("yaml", f"evidence:\n  - {{id: piped, claim: Piped in., category: trade, source: {SRC}}}\n"),
        ("json", f'{{"evidence": [{{"id": "piped", "claim": "Piped in.", "category": "trade", "source": "{SRC}"}}]}}'),
        ("article", "Piped article\n\nChina shipped cranes to Crimea.\n"),
    ],
)
def test_standard_input_is_still_read(db: Path, tmp_path: Path, fmt: str, text: str) -> None:
    proc = run_import(db, Path("-"), tmp_path, fmt=fmt, stdin=text.encode())
    assert proc.returncode == 0, proc.stderr.decode()
    conn = sqlite3.connect(db)
    try:
        sql = "SELECT count(*) FROM evidence WHERE claim LIKE '%Piped%' OR claim LIKE 'China%'"
        assert conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


def _records(fmt: str, n: int) -> str:
    if fmt == "yaml":
        return "evidence:\n" + "".join(
            f"  - id: r{i}\n    claim: Record {i}.\n    category: trade\n    source: {SRC}\n" for i in range(n)
        )
    if fmt == "json":
        row = '  {{"id": "r{i}", "claim": "Record {i}.", "category": "trade", "source": "' + SRC + '"}}'
        rows = ",\n".join(row.format(i=i) for i in range(n))
        return '{"evidence": [\n' + rows + "\n]}\n"
    if fmt == "csv":
        return "id,claim,category,source_id\n" + "".join(f"r{i},Record {i}.,trade,{SRC}\n" for i in range(n))
    return "Records\n\n" + "".join(f"Record {i} about China.\n\n" for i in range(n))


# (format, environment, file text, expected line, expected fragments)
LIMIT_CASES = [
    ("yaml", {"FINDINGS_MAX_RECORDS": "3"}, _records("yaml", 5), 14, ("more than 3 records", "--max-records")),
    ("json", {"FINDINGS_MAX_RECORDS": "3"}, _records("json", 5), 5, ("more than 3 records", "--max-records")),
    ("csv", {"FINDINGS_MAX_RECORDS": "3"}, _records("csv", 5), 5, ("more than 3 records", "--max-records")),
    ("article", {"FINDINGS_MAX_RECORDS": "3"}, _records("article", 5), 9, ("more than 3 records",)),
    (
        "yaml",
        {"FINDINGS_MAX_RECORD_SIZE": "4K"},
        f"evidence:\n  - id: big\n    category: trade\n    source: {SRC}\n    claim: >\n"
        + "      word word word\n" * 500,
        2,
        ("longer than 4 KB", "--max-record-size"),
    ),
    (
        "json",
        {"FINDINGS_MAX_RECORD_SIZE": "4K"},
        f'{{"evidence": [\n{{"id": "big", "category": "trade", "source": "{SRC}", "claim": "{"x" * 10_000}"}}]}}',
        2,
        ("longer than 4 KB", "--max-record-size"),
    ),
    (
        "csv",
        {"FINDINGS_MAX_RECORD_SIZE": "4K"},
        f"id,claim,category,source_id\nbig,{'x' * 10_000},trade,{SRC}\n",
        2,
        ("this line is longer than 4 KB", "--max-record-size"),
    ),
    (
        "csv",
        {"FINDINGS_MAX_RECORD_SIZE": "4K"},
        'id,claim,category,source_id\nbig,"' + "a long cell\n" * 1_000 + f'",trade,{SRC}\n',
        2,
        ("this row is longer than 4 KB",),
    ),
    (
        "yaml",
        {"FINDINGS_MAX_FIELD_SIZE": "1K"},
        f"evidence:\n  - id: long\n    category: trade\n    source: {SRC}\n    claim: {'x' * 2_000}\n",
        5,
        ("field 'claim'", "longer than 1 KB", "--max-field-size"),
    ),
    (
        "csv",
        {"FINDINGS_MAX_FIELD_SIZE": "1K"},
        f"id,claim,category,source_id\nlong,{'x' * 2_000},trade,{SRC}\n",
        2,
        ("a cell is longer than 1 KB", "--max-field-size"),
    ),
]


@pytest.mark.parametrize(
    ("fmt", "env", "text", "line", "says"),
    LIMIT_CASES,
    ids=[f"{c[0]}-{next(iter(c[1])).lower().removeprefix('findings_')}-{i}" for i, c in enumerate(LIMIT_CASES)],
)
def test_limits_stop_the_import_naming_file_line_and_limit(
    db: Path, tmp_path: Path, fmt: str, env: dict[str, str], text: str, line: int | None, says: tuple[str, ...]
) -> None:
    path = tmp_path / f"limited.{NATIVE[fmt]}"
    path.write_text(text, encoding="utf-8")
    before = digest(db)
    error = _one_error_line(run_import(db, path, tmp_path, fmt=fmt, env=env))
    assert (f"{path}:{line}: " if line else f"{path}:") in error, error
    for fragment in says:
        assert fragment in error, (fragment, error)
    assert digest(db) == before
    raised = run_import(db, path, tmp_path, fmt=fmt, env={k: "100M" if "SIZE" in k else "1000" for k in env})
    assert raised.returncode == 0, raised.stderr.decode()  # the same file passes a higher limit


def test_a_csv_line_longer_than_the_record_limit_is_never_read_whole(db: Path, tmp_path: Path) -> None:
    """One 80 MB line (the default limit is 64 MB) in a process limited to 1 GiB of address space: before, the
    line was read whole, twice over."""
    path = tmp_path / "one-line.csv"
    with path.open("w", encoding="utf-8") as f:
        f.write("id,claim,category,source_id\nhuge,")
        block = "x" * (1 << 20)
        for _ in range(80):
            f.write(block)
        f.write(f",trade,{SRC}\n")
    error = _one_error_line(run_import(db, path, tmp_path))
    assert f"{path}:2: this line is longer than 64 MB" in error, error


def test_a_yaml_comment_that_never_ends_stops_at_the_record_limit(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "comment.yaml"
    path.write_text("evidence:\n" + "# a comment\n" * 60_000 + "  - id: x\n", encoding="utf-8")
    error = _one_error_line(run_import(db, path, tmp_path, env={"FINDINGS_MAX_RECORD_SIZE": "4K"}))
    assert "longer than 4 KB" in error, error
