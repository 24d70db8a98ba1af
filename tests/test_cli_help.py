"""Every command explains itself: --help works, shows examples, and wrong usage exits 2 without a traceback."""

from __future__ import annotations

import click
import pytest

from main import cli
from tests.conftest import run_cli


def all_commands() -> list[list[str]]:
    ctx = click.Context(cli)
    out: list[list[str]] = []
    for name in cli.list_commands(ctx):
        command = cli.get_command(ctx, name)
        out.append([name])
        if isinstance(command, click.Group):
            sub_ctx = click.Context(command, parent=ctx)
            out += [[name, sub] for sub in command.list_commands(sub_ctx)]
    return out


def test_top_level_help_lists_the_commands() -> None:
    result = run_cli("--help")
    assert result.exit_code == 0
    for name in ("build", "import"):
        assert name in result.output
    assert "--db" in result.output and "FINDINGS_DB" in result.output


@pytest.mark.parametrize("argv", all_commands(), ids=lambda a: " ".join(a))
def test_each_command_has_help_with_an_example(argv: list[str]) -> None:
    result = run_cli(*argv, "--help")
    assert result.exit_code == 0, result.output
    assert "Example" in result.output, f"`findings {' '.join(argv)} --help` shows no example"


def test_unknown_command_is_a_usage_error() -> None:
    result = run_cli("frobnicate")
    assert result.exit_code == 2
    assert "No such command" in result.output


def test_import_without_paths_is_a_usage_error() -> None:
    result = run_cli("import", "yaml")
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_help_says_how_arguments_are_read_and_where_your_database_is() -> None:
    top = " ".join(run_cli("--help").output.split())  # however the help was wrapped
    assert "--low-bandwidth" in top and "`--` ends the options" in top and "-coal" in top
    assert "FINDINGS_HOME" in top and "shipped data.db" in top
    for command in ("search", "export"):
        text = " ".join(run_cli(command, "--help").output.split())
        assert "not an option" in text and "-coal" in text and "--" in text, command
    assert "your own database" in run_cli("import", "--help").output
    assert "--force" in run_cli("build", "--help").output
