"""`findings search`, `show` and `stats` as a user runs them: output, JSON shapes, exit codes, safety."""

from __future__ import annotations

import io
import json
import sqlite3

import pytest

from cli.render import Column, Doc, cell_len, layout, visible, write_plain, write_rich
from tests.conftest import run_cli
from tests.test_search import add

EVIL = "[@click=app.quit]press[/] [link=http://x]y[/] \x1b[2J\x07 [bold]turbines[/bold]"


def lines_fit(text: str, width: int = 80) -> bool:
    return all(cell_len(line) <= width for line in text.splitlines())


# ----------------------------------------------------------------------------------------------- search


def test_search_yuan_shows_the_bank_branches_finding_first(built_db):
    r = run_cli("search", "yuan", db=built_db)
    assert r.exit_code == 0, r.output
    first = r.output.splitlines()[0]
    assert "bank-branches-sell-yuan" in first
    assert "79 bank branches" in r.output
    assert "1–2 of 2 hits" in r.output
    assert lines_fit(r.output)


def test_search_json_shape(built_db):
    r = run_cli("search", "yuan", "--json", db=built_db)
    hits = json.loads(r.stdout)
    assert hits[0]["id"] == "bank-branches-sell-yuan"
    for h in hits:
        assert {"kind", "id", "title", "snippet", "score", "highlights"} <= h.keys()
        assert h["kind"] == "evidence" and isinstance(h["score"], float)
        for a, b in h["highlights"]:
            assert h["snippet"][a:b].lower() == "yuan"


def test_search_qualifiers_unquoted_and_quoted(built_db):
    conn = sqlite3.connect(built_db)

    def china_in(region: str) -> set[str]:
        sql = (
            "SELECT evidence_id FROM evidence_actors WHERE actor_id = 'china' INTERSECT "
            "SELECT evidence_id FROM evidence_regions WHERE region_id = ?"
        )
        return {r[0] for r in conn.execute(sql, [region])}

    both, general = china_in("crimea"), china_in("occupied-territories") - china_in("crimea")
    for argv in (["actor:china region:crimea"], ["actor:china", "region:crimea"]):
        hits = json.loads(run_cli("search", *argv, "--json", "--limit", "100", db=built_db).stdout)
        assert [h["scope"] for h in hits] == ["specific"] * len(both) + ["general"] * len(general)
        assert {h["id"] for h in hits if h["scope"] == "specific"} == both
        assert {h["id"] for h in hits if h["scope"] == "general"} == general
        assert {h["kind"] for h in hits} == {"evidence"}


def test_search_zaporozhye_finds_the_region_first(built_db):
    hits = json.loads(run_cli("search", "Zaporozhye", "--json", db=built_db).stdout)
    assert (hits[0]["kind"], hits[0]["id"]) == ("region", "zaporizhzhia")
    r = run_cli("search", "Zaporozhye", db=built_db)
    assert "region  Zaporizhzhia Oblast  zaporizhzhia  1 finding" in r.output
    assert "matched: " in r.output  # evidence found through the region's names says so
    assert lines_fit(r.output)


def test_search_wech_falls_back_to_a_prefix(built_db):
    r = run_cli("search", "wech", db=built_db)
    assert r.exit_code == 0
    assert "words starting with 'wech'" in r.output
    assert "tencent" in r.output and "covert-payments-wechat-usdt" in r.output


@pytest.mark.parametrize("text", ['"', "*", "-", "NEAR(", "AND OR NOT", "actor:", "x" * 10_000, "😀"])
def test_search_odd_input_exits_zero(built_db, text):
    r = run_cli("search", text, db=built_db)
    assert r.exit_code == 0, r.output
    assert json.loads(run_cli("search", text, "--json", db=built_db).stdout) is not None


def test_search_exclusion_is_not_an_option(built_db):
    r = run_cli("search", "yuan", "-bank", db=built_db)
    assert r.exit_code == 0, r.output
    assert "yuanization" in r.output and "bank-branches-sell-yuan" not in r.output
    assert run_cli("search", "--", "-bank", "yuan", db=built_db).exit_code == 0


def test_search_kind_limit_offset(built_db):
    hits = json.loads(run_cli("search", "china", "--kind", "actor", "--json", db=built_db).stdout)
    assert {h["kind"] for h in hits} == {"actor"} and "evidence_count" in hits[0]
    page1 = json.loads(run_cli("search", "china", "--limit", "3", "--json", db=built_db).stdout)
    page2 = json.loads(run_cli("search", "china", "--limit", "3", "--offset", "3", "--json", db=built_db).stdout)
    both = json.loads(run_cli("search", "china", "--limit", "6", "--json", db=built_db).stdout)
    assert [h["id"] for h in page1 + page2] == [h["id"] for h in both]
    r = run_cli("search", "china", "--limit", "3", db=built_db)
    assert "(--offset for more)" in r.output
    total = len(json.loads(run_cli("search", "china", "--limit", "1000", "--json", db=built_db).stdout))
    past = run_cli("search", "china", "--offset", "99999", db=built_db)  # (it said "no results for 'china'")
    assert past.exit_code == 0 and f"no hits after 99,999: 'china' has {total}" in past.output, past.output


def test_search_usage_errors_exit_2(built_db):
    assert run_cli("search", db=built_db).exit_code == 2
    assert run_cli("search", "x", "--kind", "planet", db=built_db).exit_code == 2
    assert run_cli("search", "x", "--limit", "0", db=built_db).exit_code == 2


def test_search_no_results(built_db):
    r = run_cli("search", "zzzzqqq", db=built_db)
    assert r.exit_code == 0 and "no results for 'zzzzqqq'" in r.output
    as_json = run_cli("search", "zzzzqqq", "--json", db=built_db)
    assert json.loads(as_json.stdout) == []  # the note on why goes to standard error
    assert "zzzzqqq" in as_json.stderr


def test_a_missing_database_is_one_line_exit_1(tmp_path):
    r = run_cli("search", "yuan", db=tmp_path / "nope.db")
    assert r.exit_code == 1
    assert "Traceback" not in r.output and "no database" in r.output


def test_unreviewed_findings_are_marked(db):
    add(db, evidence=[{"id": "fresh", "claim": "Turbines arrived by ship.", "status": "unreviewed"}])
    out = run_cli("search", "turbines", db=db).output
    assert "UNREVIEWED" in out
    assert "UNREVIEWED" in run_cli("show", "evidence", "fresh", db=db).output
    assert "UNREVIEWED" in run_cli("show", "source", "test-source", db=db).output


def test_data_is_never_markup_or_escape_codes(db):
    add(db, evidence=[{"id": "evil", "claim": EVIL, "quote": "\x1b]0;title\x07"}])
    for argv in (["search", "turbines"], ["show", "evidence", "evil"], ["show", "source", "test-source"]):
        r = run_cli(*argv, db=db)
        assert r.exit_code == 0, r.output
        assert "\x1b" not in r.output and "\x07" not in r.output
        assert "[@click=app.quit]press[/]" in r.output
        assert "␛" in r.output
    data = json.loads(run_cli("search", "turbines", "--json", db=db).stdout)
    assert data[0]["title"] == EVIL  # JSON keeps the data exactly (json escapes the controls)


def test_rich_output_renders_data_literally(db):
    from rich.console import Console

    from cli.search_output import render
    from store.connect import open_readonly
    from store.search import search

    add(db, evidence=[{"id": "evil", "claim": EVIL}])
    hits = search(open_readonly(db), "turbines")
    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, width=80, color_system="standard", highlight=False)
    write_rich(render("turbines", hits, offset=0, total=1, capped=False), console)
    out = buf.getvalue()
    assert "[@click=app.quit]press[/]" in out and "[bold]" in out  # shown, not interpreted
    assert "\x1b[2J" not in out and "\x07" not in out
    assert "\x1b[1;33mturbines" in out  # the match is highlighted (bold yellow)


def test_no_color_and_pipes_are_plain(built_db, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    out = run_cli("search", "yuan", db=built_db).output
    assert "\x1b" not in out


# ------------------------------------------------------------------------------------------------- show


def test_show_actor_china_json_lists_evidence_ids_and_regions(built_db):
    r = run_cli("show", "actor", "china", "--json", db=built_db)
    assert r.exit_code == 0
    data = json.loads(r.stdout)
    conn = sqlite3.connect(built_db)
    china = {row[0] for row in conn.execute("SELECT evidence_id FROM evidence_actors WHERE actor_id = 'china'")}
    assert set(data["evidence"]) == china and len(data["evidence"]) == len(china)
    assert {"id", "name", "kind", "country", "summary", "role", "aka", "evidence_count"} <= data.keys()
    regions = {x["id"]: x["count"] for x in data["regions"]}
    assert regions["crimea"] == len(
        china & {row[0] for row in conn.execute("SELECT evidence_id FROM evidence_regions WHERE region_id='crimea'")}
    )
    assert "PRC" in data["aliases"]
    assert any(rel["kind"] == "ally-of" and rel["object_id"] == "russia" for rel in data["relations"])
    assert {
        "subject_id",
        "subject_name",
        "object_id",
        "object_name",
        "kind",
        "role",
        "evidence_id",
        "start",
        "end",
    } <= (data["relations"][0].keys())
    assert sum(n for _, n in data["by_category"]) == len(china)


def test_show_actor_text(built_db):
    r = run_cli("show", "actor", "china", db=built_db)
    assert r.exit_code == 0
    out = r.output
    for part in ("China  china", "state · CN · 15 findings", "Aliases", "Relations", "Regions", "Findings (15)"):
        assert part in out, part
    assert lines_fit(out)


def test_show_by_name_or_alias(built_db):
    data = json.loads(run_cli("show", "actor", "PRC", "--json", db=built_db).stdout)
    assert data["id"] == "china"
    data = json.loads(run_cli("show", "region", "Zaporozhye", "--json", db=built_db).stdout)
    assert data["id"] == "zaporizhzhia"


def test_show_unknown_id_exits_1_with_suggestions(built_db):
    r = run_cli("show", "actor", "chna", db=built_db)
    assert r.exit_code == 1
    assert "no actor 'chna'" in r.output and "China (china)" in r.output
    assert "Traceback" not in r.output
    r = run_cli("show", "region", "atlantis", db=built_db)
    assert r.exit_code == 1 and "no region 'atlantis'" in r.output


def test_show_bad_kind_is_usage(built_db):
    assert run_cli("show", "planet", "earth", db=built_db).exit_code == 2


def test_show_region(built_db):
    data = json.loads(run_cli("show", "region", "crimea", "--json", db=built_db).stdout)
    assert data["actors"][0]["id"] == "china"
    assert {"id", "name", "kind", "iso_code", "parent_id", "occupied_since"} <= data.keys()
    assert sum(n for _, n in data["by_category"]) == data["evidence_total"] == len(data["evidence"])
    out = run_cli("show", "region", "crimea", db=built_db).output
    assert "Actors present" in out and "By category" in out and lines_fit(out)


def test_show_evidence(built_db):
    data = json.loads(run_cli("show", "evidence", "bank-branches-sell-yuan", "--json", db=built_db).stdout)
    assert data["quantity"] == 79 and data["unit"] == "bank branches"
    assert data["source"]["publisher"] == "The Kyiv Independent"
    assert data["locator"] == "para 16"
    assert [a["id"] for a in data["actors"]] == ["china"]
    assert data["regions"] == [
        {"id": "occupied-territories", "name": "Occupied territories of Ukraine", "as_a_whole": True}
    ]
    out = run_cli("show", "evidence", "bank-branches-sell-yuan", db=built_db).output
    for part in ("79 bank branches", "The Kyiv Independent", "para 16", "China (china)", "curated", "(as a whole)"):
        assert part in out, part
    assert lines_fit(out)


def test_show_source(built_db):
    data = json.loads(run_cli("show", "source", "kyiv-independent-occupied-economy", "--json", db=built_db).stdout)
    assert len(data["evidence"]) == 29
    out = run_cli("show", "source", "kyiv-independent-occupied-economy", db=built_db).output
    assert "Findings (29)" in out and lines_fit(out)


# ------------------------------------------------------------------------------------------------ stats


def test_stats(built_db):
    data = json.loads(run_cli("stats", "--json", db=built_db).stdout)
    assert data["tables"]["evidence"] == 29 and data["tables"]["actors"] == 24
    by = data["evidence"]
    assert sum(x["count"] for x in by["category"]) == 29
    assert {x["value"]: x["count"] for x in by["country"]}["CN"] == 15
    assert {x["value"]: x["name"] for x in by["region"]}["crimea"] == "Crimea"
    assert by["year"][0] == {"value": "2025", "count": 2}
    out = run_cli("stats", db=built_db).output
    for part in ("Tables", "Findings by category", "Findings by region", "Findings by actor country", "by year"):
        assert part in out
    assert lines_fit(out)


def test_stats_on_an_empty_database(empty_db):
    r = run_cli("stats", db=empty_db)
    assert r.exit_code == 0 and "none" in r.output


# ----------------------------------------------------------------------------------------------- render


def test_visible_shows_the_one_table_and_highlights_follow_it():
    text = "a\x1bb\x07c\x9bd\u202ee\tf\ng Hua\u200bwei"
    assert visible(text) == "a␛b␇c<U+009B>d<U+202E>e f g Hua<U+200B>wei"
    doc = Doc()
    word = text.index("Hua")
    doc.para(text, [(2, 4), (word, word + 7)])  # b␇ and the whole hostile word
    (line,) = layout(doc, 80)
    assert [t for t, style in line if style == "hl"] == ["b␇", "Hua<U+200B>wei"]


def test_layout_fits_narrow_widths_and_wide_characters():
    doc = Doc()
    doc.heading("標題" * 30)
    doc.para("中文字符 " * 40 + "x" * 200, [(0, 2)])
    doc.field("Label", "word " * 50)
    doc.table([Column("a"), Column("b", flex=True), Column("n", justify="right")], [["x" * 90, "y" * 90, "1"]])
    doc.line(("z" * 200, None))
    for width in (40, 80):
        buf = io.StringIO()
        write_plain(doc, buf, width)
        assert lines_fit(buf.getvalue(), width)
        assert all(not line.endswith(" ") for line in buf.getvalue().splitlines())
    assert layout(doc, 80)


# ------------------------------------------------------------------------------------ the Click-free door


def through_the_door(db, *args):  # type: ignore[no-untyped-def]
    """`python main.py --db DB ARGS...` as a process: the Click-free door, with a bare environment."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    return subprocess.run(
        [sys.executable, "main.py", "--db", str(db), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1", "PYTHONDONTWRITEBYTECODE": "1"},
    )


def test_the_door_prints_what_the_click_command_prints(built_db):
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    for args in (["search", "yuan"], ["search", "china", "--json", "--limit", "3"], ["search", "wech"]):
        fast = through_the_door(built_db, *args)
        assert fast.returncode == 0, fast.stderr
        slow = run_cli(*args, db=built_db)
        assert (fast.stdout, fast.stderr) == (slow.stdout, slow.stderr)
    missing = subprocess.run(
        [sys.executable, "main.py", "--db", "/nonexistent/x.db", "search", "yuan"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert missing.returncode == 1 and missing.stderr.startswith("Error: no database at")


def test_on_a_terminal_the_door_prints_what_the_click_command_prints(built_db):
    """Styled output: the door (main.py) and the Click command, each in a terminal, write the same bytes."""
    import os
    import sys

    from tests.conftest import ROOT
    from tests.terminal import run_in_terminal

    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"} | {"TERM": "xterm-256color"}
    args = ["search", "yuan", "--db", str(built_db), "--limit", "3"]
    through_click = "import sys; from cli.group import cli; cli.main(sys.argv[1:], prog_name='findings')"
    door = run_in_terminal([sys.executable, "main.py", *args], env, ROOT, until=b"hits")
    click = run_in_terminal([sys.executable, "-c", through_click, *args], env, ROOT, until=b"hits")
    assert door.status == click.status == 0
    assert b"\x1b[" in door.output and b"bank-branches-sell-yuan" in door.output  # styled
    assert door.output == click.output


# ------------------------------------------------------------------------------ why nothing matched (stderr)


@pytest.mark.parametrize(
    ("query", "note", "corrected"),
    [
        ("category:financ", "no category 'financ' — did you mean finance?", "category:finance"),
        ("status:curate", "no status 'curate' — did you mean curated?", "status:curated"),
        ("actor:chna yuan", "no actor 'chna' — did you mean China (china)", "actor:china yuan"),
        ("after:2025-13", "'2025-13' is not a date (YYYY, YYYY-MM or YYYY-MM-DD): month 13 does not exist", None),
        ("colour:red yuan", "no qualifier 'colour:'", None),
    ],
)
def test_search_says_on_stderr_why_a_part_named_nothing_and_stdout_stays_json(built_db, query, note, corrected):
    for args in ([query], [query, "--json"]):
        r = run_cli("search", *args, db=built_db)
        assert r.exit_code == 0
        lines = r.stderr.splitlines()
        assert lines[0].startswith(note), r.stderr
        assert note not in r.stdout
        if corrected is None:
            assert len(lines) == 1, r.stderr
        else:
            assert lines[1:] == [f"did you mean: findings search '{corrected}'"]
    hits = json.loads(run_cli("search", query, "--json", db=built_db).stdout)
    assert isinstance(hits, list)
    if "yuan" in query:  # the rest of the query ran
        assert "bank-branches-sell-yuan" in [h["id"] for h in hits]


def test_search_notes_are_data_and_the_suggestion_is_one_shell_word(built_db):
    r = run_cli("search", "it's", "actor:[b]x\x1b[2J", db=built_db)
    assert "\x1b" not in r.stderr and "[b]x␛[2J" in r.stderr
    r = run_cli("search", "it's", "actor:chna", db=built_db)
    assert r.stderr.splitlines()[-1] == "did you mean: findings search 'it'\\''s actor:china'"
    assert run_cli("search", "yuan", db=built_db).stderr == ""  # nothing to say: nothing said


def test_the_door_writes_the_same_notes_as_the_click_command(built_db):
    args = ["search", "china", "category:financ", "--json"]
    fast = through_the_door(built_db, *args)
    click = run_cli(*args, db=built_db)
    assert fast.returncode == 0 and (fast.stdout, fast.stderr) == (click.stdout, click.stderr)
    assert json.loads(fast.stdout) and "did you mean: findings search 'china category:finance'" in fast.stderr


@pytest.mark.parametrize("text", ["", "   "])
def test_search_for_nothing_says_so(built_db, text):
    """A QA run: `findings search ''` answered "no results for ''"."""
    r = run_cli("search", text, db=built_db)
    assert r.exit_code == 0  # as for a search that finds nothing
    assert "nothing to search for: give a word or a qualifier" in r.output
    assert "no results for" not in r.output


@pytest.mark.parametrize("text", ["yuan -yuan", "china -china"])
def test_an_exclusion_is_never_dropped_by_the_retry_as_a_prefix(built_db, text: str) -> None:  # type: ignore[no-untyped-def]
    """A QA run: `yuan -yuan` found nothing, so the search was tried again as if typed (the last word a prefix),
    which leaves an exclusion still being typed out: both yuan findings, headed "words starting with '-yuan'"."""
    result = run_cli("search", text, db=built_db)
    assert result.exit_code == 0 and "words starting with" not in result.output
    assert result.stdout.startswith("no results for")
    assert json.loads(run_cli("search", text, "--json", db=built_db).stdout) == []
