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
    "yaml-billion-laughs.yaml": reject(1, None, "aliases (*name) are not supported"),
    "yaml-python-object.yaml": reject(2, None, "invalid YAML", "python/object/apply"),
    "yaml-python-name.yaml": reject(3, None, "invalid YAML", "python/name"),
    "yaml-custom-tag.yaml": reject(3, None, "invalid YAML", "!include"),
    "yaml-timestamp-tag.yaml": reject(6, None, "invalid YAML", "2025-13-45"),
    "yaml-duplicate-ids.yaml": reject(3, "id", "duplicate actor id 'twin-company'"),
    "yaml-duplicate-keys.yaml": reject(5, None, "duplicate key 'name'"),
    "yaml-dangling-reference.yaml": reject(6, "actors", "unknown actor 'ghost-actor'"),
    "yaml-wrong-types.yaml": reject(3, "name", "must be text, not a mapping"),
    "yaml-impossible-date.yaml": reject(6, "date", "day 29 does not exist"),
    "yaml-path-id.yaml": reject(2, "id", "is not a lowercase slug"),
    "yaml-huge-number.yaml": reject(6, "quantity", "too large"),
    "yaml-top-level-list.yaml": reject(1, None, "top level must be a mapping", "found a list"),
    "yaml-top-level-scalar.yaml": reject(1, None, "top level must be a mapping", "found text"),
    "yaml-multi-document.yaml": reject(None, None, "several YAML documents"),
    "yaml-empty.yaml": reject(None, None, "is empty"),
    "yaml-whitespace.yaml": reject(None, None, "is empty"),
    "yaml-hostile-text.yaml": ACCEPT,
    # JSON
    "json-truncated.json": reject(17, None, "invalid JSON", "Unterminated string"),
    "json-latin1.json": reject(3, None, "not valid UTF-8"),
    "json-utf16.json": reject(1, None, "UTF-16"),
    "json-nul.json": reject(3, None, "NUL byte"),
    "json-duplicate-ids.json": reject(9, "id", "duplicate evidence id 'same-finding'"),
    "json-duplicate-keys.json": reject(1, None, "duplicate key 'actors'"),
    "json-dangling-reference.json": reject(3, "object", "unknown actor 'nobody-anywhere'"),
    "json-wrong-types.json": reject(3, "regions", "must be a list, not text"),
    "json-impossible-date.json": reject(3, "published", "day 30 does not exist"),
    "json-path-id.json": reject(3, "id", "is not a lowercase slug"),
    "json-top-level-array.json": reject(1, None, "top level must be a mapping", "found a list"),
    "json-top-level-null.json": reject(1, None, "top level must be a mapping", "found nothing"),
    "json-empty.json": reject(None, None, "is empty"),
    "json-whitespace.json": reject(None, None, "is empty"),
    "json-lone-surrogate.json": reject(3, "name", "unpaired UTF-16 surrogate"),
    "json-huge-number.json": reject(4, None, "more than 4,000 digits"),
    "json-nan.json": reject(3, "quantity", "finite number"),
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


GENERATED: dict[str, tuple[Callable[[Path], None], Reject | Accept | Warn]] = {
    "huge-field.yaml": (_huge_yaml, reject(5, "claim", "is 10,000,000 characters long")),
    "huge-field.json": (_huge_json, reject(3, "claim", "is 10,000,000 characters long")),
    "huge-field.csv": (_huge_csv, reject(2, None, "field larger than field limit")),
    "huge-field.ijson": (_huge_ftm, Warn(2, ("description: is 10,000,000 characters long",))),
    "huge-field.md": (_huge_article, ACCEPT),
    "deep-nesting.yaml": (_deep_yaml, reject(1, None, "nesting depth")),
    "deep-nesting.json": (_deep_json, reject(2, None, "nested more than 100 levels")),
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


def run_import(db: Path, path: Path, cwd: Path) -> Outcome:
    """`findings --db DB import FORMAT PATH` as a separate process, limited in time and memory."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FINDINGS_")}
    before = digest(db)
    proc = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--db", str(db), "import", FORMATS[path.suffix], str(path)],
        cwd=cwd,
        env=env,
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
