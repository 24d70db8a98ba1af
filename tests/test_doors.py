"""The Click-free door (main.py) answers a command line only as Click would: on any generated command line it
either leaves it to Click or gives exactly what Click's parsing gives. And the one argument rule it shares with
the Click commands (cli/grammar.py)."""

from __future__ import annotations

import io
import os
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import click
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import main
from cli.grammar import ArgvError, Grammar, Option, read
from cli.options import grammar_of
from main import Explorer, Search, door


def click_answer(argv: list[str]) -> Explorer | Search | str:
    """What Click's own parsing makes of `argv`: the explorer or search it would run, "refused" (usage error,
    help, version), or the name of another command."""
    cli = main.cli
    out = io.StringIO()
    try:
        with redirect_stdout(out), redirect_stderr(out):
            root = cli.make_context("findings", list(argv))
            args = [*root._protected_args, *root.args]
            if not args:
                return Explorer(root.params["db"], root.params["low_bandwidth"])
            name, command, rest = cli.resolve_command(root, args)
            assert command is not None and name is not None
            sub = command.make_context(name, rest, parent=root)
    except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
        return "refused"
    db = sub.params.get("db")
    db = db if db is not None else root.params["db"]
    if name == "tui":
        low = sub.params["low_bandwidth"]
        return Explorer(db, low if low is not None else root.params["low_bandwidth"])
    if name == "search":
        p = sub.params
        return Search(db, " ".join(p["query"]), tuple(p["kinds"]), p["limit"], p["offset"], p["as_json"])
    return name


@pytest.fixture(scope="module")
def places(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    base = tmp_path_factory.mktemp("places")
    (base / "file.db").write_bytes(b"")
    (base / "folder").mkdir()
    return {"file": str(base / "file.db"), "dir": str(base / "folder"), "missing": str(base / "missing.db")}


def tokens(places: dict[str, str]) -> st.SearchStrategy[str]:
    """Real tokens: commands, options with and without values and `=`, values good and bad, query words,
    exclusions, unknown options, `--`, help, paths that are files, directories or missing."""
    file, folder, missing = places["file"], places["dir"], places["missing"]
    return st.sampled_from(
        [
            *("search", "tui", "show", "stats", "export", "import", "frobnicate", "actor", "china"),
            *("--db", f"--db={file}", f"--db={folder}", f"--db={missing}", "--db=", file, folder, missing, "-"),
            *("--low-bandwidth", "--low-bandwidth=1", "--json", "--json=yes", "--version", "--help", "-h"),
            *("--kind", "--kind=actor", "--kind=planet", "--kind=evidence", "planet", "evidence", "region"),
            *("--limit", "--limit=5", "--limit=0", "--limit=10001", "--limit=x", "5", " 7", "-3", "١٢", "10000"),
            *("--offset", "--offset=2", "--offset=-1", "0"),
            *("yuan", "iran", "-coal", "-bank", "-o", "--", "--bogus", "--bogus=1", "-x", "---", "--=", ""),
            *("actor:china", '"proxy firms"', "wech*", "--DB", "--kin"),
        ]
    )


def flat(parts: list[list[str]]) -> list[str]:
    return [token for part in parts for token in part]


def command_lines(places: dict[str, str]) -> st.SearchStrategy[list[str]]:
    """Any sequence of real tokens; and, more often, lines shaped as people type them (group options, a command,
    its words and options in any order, `--`), sometimes with one token replaced by any other, so that both the
    door's answers and the near misses Click refuses are well covered."""
    anything = tokens(places)
    path = st.sampled_from([places["file"], places["missing"], places["dir"], "x.db", "-", "--", "-x"])
    number = st.sampled_from(["0", "1", "3", "20", "10000", "10001", "-1", " 7", "١٢", "x"])
    kind = st.sampled_from(["actor", "evidence", "region", "source", "planet", "Actor"])
    word = st.sampled_from(["yuan", "iran", "-coal", "actor:china", "wech*", '"proxy firms"', "", "-o", "-h"])

    def option(name: str, value: st.SearchStrategy[str]) -> st.SearchStrategy[list[str]]:
        return st.one_of(value.map(lambda v: [name, v]), value.map(lambda v: [f"{name}={v}"]))

    flag = st.sampled_from
    group_part = st.lists(st.one_of(option("--db", path), flag([["--low-bandwidth"]])), max_size=2)
    tui_part = st.lists(st.one_of(option("--db", path), flag([["--low-bandwidth"], ["-h"], ["--json"]])), max_size=3)
    search_part = st.lists(
        st.one_of(
            word.map(lambda w: [w]),
            word.map(lambda w: [w]),
            option("--kind", kind),
            option("--limit", number),
            option("--offset", number),
            option("--db", path),
            flag([["--json"], ["--help"], ["--"], ["--bogus"]]),
        ),
        max_size=6,
    )
    command = st.one_of(
        st.just([]),
        tui_part.map(lambda parts: ["tui", *flat(parts)]),
        search_part.map(lambda parts: ["search", *flat(parts)]),
        search_part.map(lambda parts: ["search", *flat(parts)]),
        st.just(["stats", "--json"]),
    )
    shaped = st.tuples(group_part, command).map(lambda t: [*flat(t[0]), *t[1]])

    @st.composite
    def mutated(draw: st.DrawFn) -> list[str]:
        line = draw(shaped)
        if line and draw(st.booleans()):
            line[draw(st.integers(0, len(line) - 1))] = draw(anything)
        return line

    return st.one_of(st.lists(anything, max_size=9), shaped, mutated())


ENVIRONMENTS = st.sampled_from([None, None, None, "", "file", "dir", "missing"])


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_door_answers_only_as_click_would(places: dict[str, str], data: st.DataObject) -> None:
    argv = data.draw(command_lines(places), label="argv")
    env = data.draw(ENVIRONMENTS, label="FINDINGS_DB")
    with pytest.MonkeyPatch.context() as mp:
        if env is None:
            mp.delenv("FINDINGS_DB", raising=False)
        else:
            mp.setenv("FINDINGS_DB", places.get(env, env))
        answer = door(argv)
        event("door answers" if answer is not None else "left to Click")
        if answer is not None:
            assert answer == click_answer(argv), argv


def test_the_door_answers_the_command_lines_people_type(places: dict[str, str], monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Not a door that leaves everything to Click: these are answered, and as Click answers them."""
    monkeypatch.delenv("FINDINGS_DB", raising=False)
    x = Path("x.db")
    cases: list[tuple[list[str], Explorer | Search]] = [
        ([], Explorer(None, None)),
        (["--low-bandwidth"], Explorer(None, True)),
        (["tui", "--low-bandwidth"], Explorer(None, True)),
        (["--low-bandwidth", "tui", "--db", "x.db"], Explorer(x, True)),
        (["--db", "a.db", "tui", "--db=x.db"], Explorer(x, None)),
        (["search", "yuan"], Search(None, "yuan", (), 20, 0, False)),
        (["search", "yuan", "--db", "x.db"], Search(x, "yuan", (), 20, 0, False)),
        (["--db", "x.db", "search", "yuan"], Search(x, "yuan", (), 20, 0, False)),
        (["search", "iran", "-coal", "--json"], Search(None, "iran -coal", (), 20, 0, True)),
        (
            ["search", "--kind", "actor", "china", "--limit=5", "--kind=region"],
            Search(None, "china", ("actor", "region"), 5, 0, False),
        ),
        (["search", "--", "--json", "-h"], Search(None, "--json -h", (), 20, 0, False)),
        (["search", "yuan", "--offset", "20", "--limit", "10"], Search(None, "yuan", (), 10, 20, False)),
    ]
    for argv, expected in cases:
        assert door(argv) == expected, argv
        assert click_answer(argv) == expected, argv
    monkeypatch.setenv("FINDINGS_DB", places["file"])
    assert (
        door(["search", "yuan"])
        == click_answer(["search", "yuan"])
        == Search(Path(places["file"]), "yuan", (), 20, 0, False)
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["tui", "-h"],
        ["--version"],
        ["search"],
        ["search", "yuan", "--bogus"],
        ["search", "yuan", "--limit", "0"],
        ["search", "yuan", "--kind", "planet"],
        ["search", "yuan", "--db"],
        ["tui", "extra"],
        ["--low-bandwidth=yes"],
        ["stats"],
        ["export", "csv", "china"],
        ["--db", "."],
    ],
)
def test_the_door_leaves_to_click_what_click_refuses_or_does_otherwise(argv: list[str]) -> None:
    assert door(argv) is None
    assert main.fast(argv) is None  # and does nothing: no output, no exit


def test_the_door_knows_the_options_the_click_commands_have() -> None:
    cli = main.cli
    root = click.Context(cli, info_name="findings")
    for declared, command in (
        (main.GROUP, cli),
        (main.TUI, cli.get_command(root, "tui")),
        (main.SEARCH, cli.get_command(root, "search")),
    ):
        assert command is not None
        actual = grammar_of(command, click.Context(command, parent=root))
        assert set(declared.options) == set(actual.options) and declared.group == actual.group, command.name


# ------------------------------------------------------------------------------------------------ the rule

SEARCHING = Grammar((Option(("--limit",), True), Option(("--json",), False), Option(("-o", "--output"), True)))


def test_every_argument_that_is_not_an_option_is_a_word() -> None:
    parsed = read(SEARCHING, ["iran", "--json", "-coal", "--limit", "5", "-oil", "-", "x"])
    assert parsed.words == ["iran", "-coal", "-oil", "-", "x"]
    assert parsed.given("--json") and parsed.last("--limit") == "5"


def test_a_short_option_is_one_only_when_the_command_has_exactly_it() -> None:
    parsed = read(SEARCHING, ["-o", "out.csv", "-oout.csv", "-o=x"])
    assert parsed.values("--output") == ["out.csv"] and parsed.words == ["-oout.csv", "-o=x"]


def test_double_dash_ends_the_options() -> None:
    assert read(SEARCHING, ["a", "--", "--json", "--bogus", "-o"]).words == ["a", "--json", "--bogus", "-o"]


def test_a_value_is_the_next_argument_whatever_it_is_or_the_text_after_equals() -> None:
    assert read(SEARCHING, ["--limit", "--json"]).last("--limit") == "--json"
    assert read(SEARCHING, ["--limit=a=b", "--limit=-1"]).values("--limit") == ["a=b", "-1"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["yuan", "--bogus"], "No such option: --bogus"),
        (["--bogus=1"], "No such option: --bogus"),
        (["--limit"], "Option '--limit' requires an argument."),
        (["-o"], "Option '-o' requires an argument."),
        (["--json=yes"], "Option '--json' does not take a value."),
    ],
)
def test_wrong_usage_is_an_error(argv: list[str], message: str) -> None:
    with pytest.raises(ArgvError) as caught:
        read(SEARCHING, argv)
    assert caught.value.message == message


def test_in_a_group_the_first_word_is_the_command_and_the_rest_is_its_own() -> None:
    group = Grammar((Option(("--db",), True),), group=True)
    parsed = read(group, ["--db", "a", "search", "--db", "b", "--bogus"])
    assert parsed.last("--db") == "a" and parsed.words == ["search"] and parsed.rest == ["--db", "b", "--bogus"]
    assert read(group, ["--", "search", "--x"]).rest == ["--x"]
    assert parsed.normalised() == ["--db=a", "--", "search", "--db", "b", "--bogus"]


def test_the_door_changes_nothing(places: dict[str, str]) -> None:
    before = sorted(os.listdir(Path(places["file"]).parent))
    for argv in (["--db", places["missing"]], ["search", "x", "--db", places["missing"]]):
        assert door(argv) is not None
    assert sorted(os.listdir(Path(places["file"]).parent)) == before
