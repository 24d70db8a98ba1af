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
