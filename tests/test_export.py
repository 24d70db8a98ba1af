"""`findings export` and store.export: CSV (formula-safe), JSON, the Markdown brief, files, FtM dispatch."""

from __future__ import annotations

import csv
import io
import json

import pytest

from store.connect import open_readonly
from store.export import neutralise, write_export
from tests.conftest import run_cli
from tests.test_search import add


def test_csv_all_findings(built_db):
    r = run_cli("export", "csv", db=built_db)
    assert r.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert len(rows) == 29
    bank = next(row for row in rows if row["id"] == "bank-branches-sell-yuan")
    assert bank["quantity"] == "79" and bank["unit"] == "bank branches"
    assert bank["actor_ids"] == "china" and bank["publisher"] == "The Kyiv Independent"
    assert bank["locator"] == "para 16"
    # "in the occupied territories": about them as a whole, not about Crimea or any other one region
    assert bank["region_ids"] == "occupied-territories"
    assert bank["regions"] == "Occupied territories of Ukraine (as a whole)"
    western = next(row for row in rows if row["id"] == "western-systems-replaced")  # names all five
    assert western["region_ids"].split("; ") == ["crimea", "donetsk", "kherson", "luhansk", "zaporizhzhia"]


def test_csv_cells_cannot_be_formulas(db):
    add(
        db,
        evidence=[
            {"id": "f1", "claim": '=HYPERLINK("http://evil","click") turbine', "quote": "+1+2", "locator": "-3"},
            {"id": "f2", "claim": "@SUM(A1) turbine", "quote": "\t=1", "locator": "\r=2"},
            {"id": "f3", "claim": "  =1+1 turbine", "quote": "fine", "locator": "para 2"},
        ],
    )
    rows = list(csv.DictReader(io.StringIO(run_cli("export", "csv", "turbine", db=db).stdout)))
    assert len(rows) == 3
    for row in rows:
        for key in ("claim", "quote", "locator"):
            assert row[key][:1] not in ("=", "+", "-", "@", "\t", "\r"), (key, row[key])
            assert row[key].lstrip()[:1] not in ("=", "+", "-", "@") or row[key].startswith("'")
    f1 = next(r for r in rows if r["id"] == "f1")
    assert f1["claim"] == '\'=HYPERLINK("http://evil","click") turbine'
    assert next(r for r in rows if r["id"] == "f3")["quote"] == "fine"


def test_csv_cells_hold_visible_forms_and_keep_line_breaks(db, tmp_path):
    add(
        db,
        evidence=[
            {
                "id": "v1",
                "claim": "title \x1b]0;pwned\x07 and OSC 52 \x1b]52;c;cHduZWQ=\x07 turbine",
                "quote": "two\nlines\twith a tab, a CR LF\r\nand a lone CR\rhere",
                "locator": "\u200b=1+1",
            },
            {"id": "v2", "claim": "=cmd\x1b[6n turbine"},
        ],
    )
    out = tmp_path / "v.csv"
    assert run_cli("export", "csv", "turbine", "-o", str(out), db=db).exit_code == 0
    raw = out.read_text(encoding="utf-8")
    assert "\x1b" not in raw and "\x07" not in raw and "\u200b" not in raw  # `cat` of the file obeys nothing
    with out.open(encoding="utf-8", newline="") as f:
        row, formula = sorted(csv.DictReader(f), key=lambda r: r["id"])
    assert row["claim"] == "title ␛]0;pwned␇ and OSC 52 ␛]52;c;cHduZWQ=␇ turbine"
    assert row["quote"] == "two\nlines\twith a tab, a CR LF\nand a lone CR␍here"  # a lone CR would overwrite
    assert row["locator"] == "<U+200B>=1+1"  # visible, and no longer a formula
    assert formula["claim"] == "'=cmd␛[6n turbine"  # still neutralised


def test_neutralise():
    assert neutralise("=1") == "'=1"
    assert neutralise("-x") == "'-x"
    assert neutralise(" @x") == "' @x"
    assert neutralise("plain") == "plain"
    assert neutralise(-5) == -5  # numbers are data
    assert neutralise(None) == ""


def test_json_export(built_db):
    data = json.loads(run_cli("export", "json", "actor:china", db=built_db).stdout)
    assert len(data) == 15
    first = data[0]
    assert {"id", "claim", "quote", "category", "date", "quantity", "unit", "status", "locator"} <= first.keys()
    assert first["source"]["id"] == "kyiv-independent-occupied-economy"
    assert all("china" in [a["id"] for a in d["actors"]] for d in data)
    assert json.loads(run_cli("export", "json", "zzzzqqq", db=built_db).stdout) == []


def test_markdown_brief_for_yuan(built_db):
    r = run_cli("export", "markdown", "yuan", db=built_db)
    assert r.exit_code == 0
    md = r.stdout
    assert md.startswith("# Findings: yuan\n")
    assert "2 findings from 1 source" in md
    assert "\n## China\n" in md
    assert "79 bank branches" in md
    assert "The Kyiv Independent" in md and "para 16" in md
    assert "*China, Iran help Russia prop up economy in occupied Ukrainian territories, report says*" in md
    assert md.count("\n- ") == 2  # each finding once


def test_markdown_groups_by_actor_each_finding_once(built_db):
    md = run_cli("export", "md", db=built_db).stdout
    assert md.count("\n- ") == 29
    headings = [line for line in md.splitlines() if line.startswith("## ")]
    assert headings[0] == "## China"
    assert len(headings) == len(set(headings))


def test_markdown_escapes_data(db):
    add(
        db,
        evidence=[
            {"id": "mk", "claim": "*bold* [link](http://x) <script>x</script> # h | t\nturbine", "status": "disputed"}
        ],
    )
    md = run_cli("export", "markdown", "turbine", db=db).stdout
    assert r"\*bold\*" in md and r"\[link\](http://x)" in md and r"\<script\>" in md
    assert "**Disputed:**" in md
    assert "<script>" not in md


def test_output_file_is_written_whole(built_db, tmp_path):
    out = tmp_path / "brief.md"
    r = run_cli("export", "markdown", "yuan", "-o", str(out), db=built_db)
    assert r.exit_code == 0
    assert out.read_text(encoding="utf-8").startswith("# Findings: yuan")
    assert "wrote 2 findings to" in r.output
    assert not [p for p in tmp_path.iterdir() if p.name != "brief.md"]  # no temporary file left behind
    r = run_cli("export", "csv", "-o", str(tmp_path / "missing" / "x.csv"), db=built_db)
    assert r.exit_code == 1 and "does not exist" in r.output


def test_export_usage(built_db):
    assert run_cli("export", "pdf", db=built_db).exit_code == 2


def test_ftm_export_dispatches_to_the_ftm_module(built_db, tmp_path):
    out = tmp_path / "x.ftm.json"
    r = run_cli("export", "ftm", "yuan", "-o", str(out), db=built_db)
    assert r.exit_code == 0, r.output
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines and all(isinstance(json.loads(line), dict) for line in lines)
    assert f"wrote {len(lines)} entities" in r.output


def test_write_export_by_ids_keeps_their_order(built_db):
    conn = open_readonly(built_db)
    out = io.StringIO()
    n = write_export(conn, "json", out, evidence_ids=["yuanization", "nope", "bank-branches-sell-yuan"])
    assert n == 2
    assert [d["id"] for d in json.loads(out.getvalue())] == ["yuanization", "bank-branches-sell-yuan"]
    with pytest.raises(ValueError):
        write_export(conn, "xml", io.StringIO())


def test_export_all_is_newest_first(built_db):
    rows = list(csv.DictReader(io.StringIO(run_cli("export", "csv", db=built_db).stdout)))
    dated = [r["date"] for r in rows if r["date"]]
    assert dated == sorted(dated, reverse=True) and rows[0]["date"] == dated[0]


# ------------------------------------------------------------------------- writing a file a person named


def test_exports_refuse_what_is_not_a_regular_file(built_db, tmp_path):
    """`-o` never turns a device, FIFO, link or directory into a file: each is refused, and left as it was."""
    import os
    import stat

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    target = tmp_path / "real.csv"
    target.write_text("mine\n", encoding="utf-8")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    folder = tmp_path / "folder"
    folder.mkdir()
    cases = [
        ("/dev/null", "is a character device, not a regular file"),
        (str(fifo), "is a FIFO (named pipe), not a regular file"),
        (str(link), "is a symbolic link (to "),
        (str(folder), "is a directory"),
    ]
    for path, says in cases:
        result = run_cli("export", "csv", "yuan", "-o", path, "--force", db=built_db)
        assert result.exit_code == 1 and says in result.stderr, (path, result.output)
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and os.path.islink(link)
    assert target.read_text(encoding="utf-8") == "mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder", "link.csv", "pipe", "real.csv"]  # no temporary


def test_an_existing_file_is_replaced_only_with_force_and_keeps_its_mode(built_db, tmp_path):
    import os

    out = tmp_path / "brief.md"
    out.write_text("my notes\n", encoding="utf-8")
    out.chmod(0o640)
    refused = run_cli("export", "markdown", "yuan", "-o", str(out), db=built_db)  # no terminal to ask on
    assert refused.exit_code == 1
    assert f"{out} already exists; add --force to replace it" in refused.stderr
    assert out.read_text(encoding="utf-8") == "my notes\n"
    replaced = run_cli("export", "markdown", "yuan", "-o", str(out), "--force", db=built_db)
    assert replaced.exit_code == 0, replaced.output
    assert "wrote 2 findings to" in replaced.stderr and "(replaced)" in replaced.stderr
    assert out.read_text(encoding="utf-8").startswith("# Findings: yuan")
    assert os.stat(out).st_mode & 0o777 == 0o640


def test_a_new_file_gets_the_users_umask(built_db, tmp_path):
    import os

    old = os.umask(0o027)
    try:
        assert run_cli("export", "json", "yuan", "-o", str(tmp_path / "new.json"), db=built_db).exit_code == 0
    finally:
        os.umask(old)
    assert os.stat(tmp_path / "new.json").st_mode & 0o777 == 0o640
    assert os.stat(tmp_path / "new.json.meta.json").st_mode & 0o777 == 0o640


def test_a_failed_export_leaves_the_old_file(built_db, tmp_path, monkeypatch):
    import store.export

    out = tmp_path / "out.csv"
    out.write_text("old\n", encoding="utf-8")

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        args[2].write("id,claim\nhalf,")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store.export, "write_export", broken)
    result = run_cli("export", "csv", "-o", str(out), "--force", db=built_db)
    assert result.exit_code == 1 and "No space left on device" in result.stderr
    assert out.read_text(encoding="utf-8") == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


@pytest.mark.parametrize(("answer", "replaced"), [(b"n\n", False), (b"y\n", True)])
def test_on_a_terminal_the_export_asks_before_replacing(built_db, tmp_path, answer, replaced):
    import os
    import pty
    import sys
    import time

    from tests.conftest import ROOT

    out = tmp_path / "out.csv"
    out.write_text("old\n", encoding="utf-8")
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(
            sys.executable,
            [sys.executable, str(ROOT / "main.py"), "--db", str(built_db), "export", "csv", "yuan", "-o", str(out)],
        )
    seen = b""
    deadline = time.monotonic() + 30
    while b"replace it? [y/N]" not in seen and time.monotonic() < deadline:
        try:
            seen += os.read(fd, 4096)
        except OSError:
            break
    assert f"{out} already exists; replace it? [y/N]".encode() in seen, seen
    os.write(fd, answer)
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == (0 if replaced else 1), seen
    assert (out.read_text(encoding="utf-8") != "old\n") is replaced
    assert (b"not replaced; nothing was written" in seen) is not replaced


def test_exports_say_what_they_hold(built_db, tmp_path):
    """A brief from a query says so in its first lines; CSV and JSON files carry it beside them; an export to
    standard output says it on standard error."""
    import hashlib

    brief = run_cli("export", "markdown", "actor:china", "yuan", db=built_db)
    first = brief.stdout.split("\n\n")[1]
    assert first.startswith("*Selection: query “actor:china yuan”: 2 of 29 findings in the database ")
    assert str(built_db.resolve()) in first.replace("\\_", "_") and "exported 20" in first
    assert "exported query “actor:china yuan”: 2 of 29 findings in" in brief.stderr

    out = tmp_path / "china.json"
    result = run_cli("export", "json", "actor:china", "-o", str(out), db=built_db)
    assert result.exit_code == 0 and f"what it holds: {out}.meta.json" in result.stderr
    assert len(json.loads(out.read_text(encoding="utf-8"))) == 15  # the export itself is the same plain array
    meta = json.loads((tmp_path / "china.json.meta.json").read_text(encoding="utf-8"))
    assert meta["selection"] == "query “actor:china”" and meta["query"] == "actor:china"
    assert (meta["count"], meta["total_in_database"], meta["format"], meta["file"]) == (15, 29, "json", "china.json")
    assert meta["database"] == str(built_db.resolve()) and meta["exported"].endswith("Z")
    assert meta["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()

    everything = run_cli("export", "csv", "-o", "-", db=built_db)  # `-`: standard output
    assert everything.exit_code == 0 and everything.stdout.startswith("id,date,")
    assert "exported all findings: 29 of 29 findings in" in everything.stderr


def _brief_held_in_memory(conn, query):
    """The Markdown brief as its definition says, every finding held at once: each under its linked actor with
    the most findings in the export (then name, ignoring case, then id), groups largest first, no actor last."""
    from store.export import _id_batches, _markdown_item, _records, md
    from store.search import EvidenceFilter

    records = list(_records(conn, _id_batches(conn, EvidenceFilter(query=(query or "").strip()), None)))
    sizes, names = {}, {}
    for r in records:
        for a in r["actors"]:
            sizes[a["id"]] = sizes.get(a["id"], 0) + 1
            names[a["id"]] = a["name"]
    groups = {}
    for r in records:
        lead = min((a["id"] for a in r["actors"]), key=lambda i: (-sizes[i], names[i].casefold(), i), default=None)
        groups.setdefault(lead, []).append(r)
    n_sources = len({r["source"]["id"] for r in records})
    out = [f"# {f'Findings: {md(query)}' if query else 'Findings'}\n\n"]
    out.append(
        f"{len(records)} finding{'s' if len(records) != 1 else ''} from {n_sources} "
        f"source{'s' if n_sources != 1 else ''}, grouped by actor; each ends with its source.\n"
    )
    for lead in sorted(groups, key=lambda k: (k is None, -len(groups[k]), names.get(k, "").casefold(), k or "")):
        out.append(f"\n## {md(names[lead]) if lead is not None else 'Other findings'}\n\n")
        out += [_markdown_item(r, lead) for r in groups[lead]]
    return "".join(out), len(records)


@pytest.mark.parametrize("query", [None, "yuan", "region:crimea", "china OR iran", "nothing-matches-this"])
def test_markdown_grouped_in_sql_is_the_brief_its_definition_gives(db, query):
    # A tie between two actors with as many findings, decided by their Cyrillic names ignoring case (binary
    # order would put the other first).
    add(
        db,
        actors=[{"id": "bank-b", "name": "банк А"}, {"id": "bank-a", "name": "Банк Б"}, {"id": "zed", "name": "Zed"}],
        evidence=[
            {"id": "tie-1", "claim": "Yuan payments in Crimea", "actors": ["bank-a", "bank-b"], "date": "2031"},
            {"id": "tie-2", "claim": "Yuan loans", "actors": ["bank-b"]},
            {"id": "tie-3", "claim": "Yuan deposits", "actors": ["bank-a", "zed"]},
            {"id": "tie-4", "claim": "A yuan finding without actors"},
        ],
    )
    conn = open_readonly(db)
    try:
        want, n = _brief_held_in_memory(conn, query)
        out = io.StringIO()
        assert write_export(conn, "markdown", out, query=query) == n
        assert out.getvalue() == want
        assert conn.execute("SELECT count(*) FROM temp.sqlite_master").fetchone()[0] == 0  # temporary tables gone
        assert conn.execute("PRAGMA query_only").fetchone()[0] == 1  # read-only again
    finally:
        conn.close()


def test_csv_streamed_is_the_row_by_row_definition(db):
    from store.export import _id_batches, _records, _write_csv_records
    from store.search import EvidenceFilter

    conn = open_readonly(db)
    try:
        want = io.StringIO()
        n = _write_csv_records(_records(conn, _id_batches(conn, EvidenceFilter(), None)), want)
        assert _csv(conn) == want.getvalue() and n > 20
    finally:
        conn.close()


def _csv(conn):
    out = io.StringIO()
    write_export(conn, "csv", out)
    return out.getvalue()


def _hard_cases(db):
    """Findings whose CSV rows take every way through the writer: cells with commas, quotes, line breaks, tabs,
    control, bidi and zero-width characters, joiners a script needs, formulas (after blanks too), numbers of
    every kind, Cyrillic text; actors tied on their number of findings (ordered by name, then id), an actor
    whose name is a BLOB and one whose count is text (ordered by SQLite), regions as a whole and unnamed."""
    import sqlite3

    add(
        db,
        actors=[
            {"id": "zed", "name": "Zed, Inc."},
            {"id": "quote", "name": 'The "Q" Ltd'},
            {"id": "formula", "name": "=HYPERLINK(1)"},
            {"id": "blank", "name": "  -1 Corp"},
            {"id": "bank-b", "name": "банк А"},
            {"id": "bank-a", "name": "Банк Б"},
            {"id": "hidden", "name": "Hua\u200bwei"},
            {"id": "blob", "name": "Blobby"},
            {"id": "counted", "name": "Counted"},
        ],
        regions=[
            {"id": "south", "name": "South, the", "kind": "oblast"},
            {"id": "south-1", "name": "", "parent_id": "south"},
            {"id": "south-2", "name": "Port", "parent_id": "south"},
        ],
        evidence=[
            {"id": "h1", "claim": "Loans, in yuan, to \"banks\" turbine", "actors": ["zed", "quote", "bank-a"],
             "regions": ["south", "south-2"], "date": "2040-01-02"},
            {"id": "h2", "claim": "Two\nlines, a CR LF\r\nand a tab\there turbine", "quote": "\x1b]52;c;x\x07",
             "actors": ["bank-b", "bank-a", "zed"], "regions": ["south-1", "south-2", "south"]},
            {"id": "h3", "claim": "  =1+1 turbine", "quote": " plain, start", "locator": "@home",
             "actors": ["formula", "blank"]},
            {"id": "h4", "claim": "Кредити в юанях, банки turbine", "quote": "می\u200cخواهم ❤\ufe0f 👩\u200d🔬",
             "actors": ["bank-a", "bank-b", "hidden"], "regions": ["south-2"]},
            {"id": "h5", "claim": "bidi \u202etxt.exe turbine", "locator": "-3", "actors": ["blob", "counted", "zed"]},
            {"id": "h6", "claim": "+plus turbine", "quote": "", "actors": ["counted"]},
            {"id": "h7", "claim": "Plain finding turbine", "actors": ["hidden"], "regions": ["south"]},
            {"id": "=h8", "claim": "An id like a formula turbine"},
            {"id": "h9", "claim": "soft\u00adhyphen and NBSP\u00a0=x turbine", "quote": "\u00a0=1"},
        ],
    )  # fmt: skip
    conn = sqlite3.connect(db)
    for eid, quantity, unit in (
        ("h1", -5, "yuan, bn"),
        ("h2", 2.5, None),
        ("h3", 1e20, '"units"'),
        ("h4", "abc", "шт."),
        ("h5", b"\x00\xff", None),
        ("h6", 0.1, "=1"),
        ("h7", 12, ""),
    ):
        conn.execute("UPDATE evidence SET quantity = ?, unit = ? WHERE id = ?", (quantity, unit, eid))
    conn.execute("UPDATE evidence SET confidence = 'high, very', lang = 'uk' WHERE id = 'h4'")
    conn.execute("UPDATE actors SET name = CAST('Blobby' AS BLOB) WHERE id = 'blob'")
    conn.execute("UPDATE actors SET evidence_count = 'many' WHERE id = 'counted'")
    conn.execute("UPDATE actors SET evidence_count = 3 WHERE id IN ('bank-a', 'bank-b', 'zed')")  # tied
    conn.commit()
    conn.close()


def _defined_csv(conn, query=None, evidence_ids=None, include_sensitive=False):
    """The CSV as its definition says: whole records, a cell at a time (_cell), through csv."""
    from store.export import _id_batches, _records, _without_sensitive, _write_csv_records
    from store.search import EvidenceFilter

    batches = _id_batches(conn, EvidenceFilter(query=(query or "").strip()), evidence_ids)
    if not include_sensitive:
        batches = _without_sensitive(conn, batches, None)
    want = io.StringIO()
    _write_csv_records(_records(conn, batches), want)
    return want.getvalue()


@pytest.mark.parametrize("held", [100_000, 2])
@pytest.mark.parametrize("query", [None, "turbine"])
def test_csv_streamed_is_the_definition_for_every_kind_of_cell(db, monkeypatch, held, query):
    """Rows of plain cells are written without csv, the others through it; actors and regions are read once
    for the export, or again past `HELD` of them; either way each byte is the definition's."""
    import store.export

    _hard_cases(db)
    monkeypatch.setattr(store.export, "HELD", held)
    conn = open_readonly(db)
    try:
        want = _defined_csv(conn, query)
        out = io.StringIO()
        write_export(conn, "csv", out, query=query)
        assert out.getvalue() == want
        with_cr_lf = csv.DictReader(io.StringIO(want, newline=""))
        rows = {r["id"]: r for r in with_cr_lf}
        assert rows["h2"]["actors"] == "Zed, Inc.; Банк Б; банк А"  # tied on findings: by name, byte order
        assert rows["h2"]["regions"] == "south-1; Port; South, the (as a whole)"  # by name: none first
        assert rows["h2"]["claim"] == "Two\nlines, a CR LF\nand a tab\there turbine" and "␛" in rows["h2"]["quote"]
        assert rows["h1"]["quantity"] == "-5" and rows["h1"]["unit"] == "yuan, bn"  # a number is no formula
        assert rows["h3"]["claim"] == "'  =1+1 turbine" and rows["h6"]["unit"] == "'=1"
        if query is None:
            assert rows["'=h8"]["claim"] == "An id like a formula turbine"
        ids = ["h5", "h1", "nope", "h4"]
        out = io.StringIO()
        write_export(conn, "csv", out, evidence_ids=ids)
        assert out.getvalue() == _defined_csv(conn, evidence_ids=ids)
    finally:
        conn.close()


def test_an_export_query_says_what_names_nothing_and_one_of_nothing_exports_nothing(db, tmp_path):
    """As `search` does: an unknown qualifier is named (and the rest of the query exported); a query with no
    letter or digit is an error, not every finding, and writes no file."""
    result = run_cli("export", "csv", "yuan", "colour:red", db=db)
    assert result.exit_code == 0
    assert "no qualifier 'colour:'" in result.stderr and "Searched without it." in result.stderr
    assert result.stdout.count("\n") == 1 + 2  # the header and yuan's two findings
    out = tmp_path / "exports" / "all.csv"
    out.parent.mkdir()
    for query in ("!!!", "«»", "-"):
        result = run_cli("export", "csv", "-o", str(out), "--", query, db=db)
        assert result.exit_code == 1, (query, result.output)
        assert "nothing to search for" in result.stderr and "nothing was exported" in result.stderr
        assert list(out.parent.iterdir()) == []
    assert run_cli("export", "csv", db=db).stdout.count("\n") == 1 + 29  # no query: every finding


@pytest.mark.parametrize("given", ["", "."])
def test_an_output_that_is_no_file_name_is_one_clear_line(built_db, tmp_path, monkeypatch, given):
    """A QA run: `-o ''` ended in 'internal error: ValueError: PosixPath('.') has an empty name'."""
    monkeypatch.chdir(tmp_path)
    r = run_cli("export", "csv", "-o", given, db=built_db)
    assert r.exit_code == 2
    assert "-o needs the file to write" in r.stderr and "internal error" not in r.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_region_export_says_how_many_findings_are_about_the_region_itself(db, tmp_path):  # type: ignore[no-untyped-def]
    """A QA run: `export markdown region:kherson` said "24 of 29 findings" where 1 is about Kherson Oblast and
    23 about the occupied territories as a whole; the sidecar said count 24 alone. Both split the count."""
    brief = run_cli("export", "markdown", "region:kherson", db=db)
    assert brief.exit_code == 0, brief.output
    assert "24 of 29 findings (Kherson Oblast 1 · Occupied territories of Ukraine as a whole 23)" in brief.stdout
    out = tmp_path / "kh.csv"
    assert run_cli("export", "csv", "region:kherson", "-o", str(out), db=db).exit_code == 0
    meta = json.loads((tmp_path / "kh.csv.meta.json").read_text(encoding="utf-8"))
    assert meta["count"] == 24 and meta["scope"]["about_them"] == 1
    assert meta["scope"]["about_a_wider_region_as_a_whole"] == 23
    plain = tmp_path / "yuan.csv"  # no region asked for: no split to give
    assert run_cli("export", "csv", "yuan", "-o", str(plain), db=db).exit_code == 0
    assert "scope" not in json.loads((tmp_path / "yuan.csv.meta.json").read_text(encoding="utf-8"))
