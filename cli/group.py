"""The `findings` Click group: the global options, commands imported only when used, errors as one line.

main.py's `run()` comes here for everything its Click-free door does not answer.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import click

from cli.options import Group, db_option

# command name -> "module:attribute"; each module is imported only when its command runs (or for --help).
COMMANDS: dict[str, str] = {
    "build": "importers.build:build",
    "import": "importers.cli:import_group",
    "check": "cli.check:check",
    "verify": "cli.verify:verify",
    "mark-sensitive": "cli.sensitive:mark_sensitive",
    "sync": "cli.sync:sync",
    "migrate": "cli.migrate:migrate",
    "repair": "cli.repair:repair",
    "tui": "tui.cli:tui",
    "review": "cli.review:review",
    "search": "cli.search:search",
    "show": "cli.show:show",
    "stats": "cli.stats:stats",
    "export": "cli.export:export",
    "bundle": "cli.bundle:bundle",
}


class LazyGroup(Group):
    """A group whose subcommands are imported on first use, and whose errors never show a traceback."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in COMMANDS:
            module, _, attr = COMMANDS[name].partition(":")
            command: click.Command = getattr(importlib.import_module(module), attr)
            return command
        return super().get_command(ctx, name)

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except BrokenPipeError:
            raise  # the reader of the output went away (`findings check | head`): Click exits quietly
        except KeyboardInterrupt:
            raise click.exceptions.Exit(130) from None
        except Exception as e:  # every error becomes one line for people; FINDINGS_DEBUG=1 shows the traceback
            if os.environ.get("FINDINGS_DEBUG"):
                raise
            from store.errors import describe
            from store.text import printable  # a file name or field from the data may hold ESC or newlines

            raise click.ClickException(printable(describe(e))) from None


@click.group(
    cls=LazyGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@db_option(
    envvar="FINDINGS_DB",
    help="Database file, for every command [env FINDINGS_DB]. Default: to read, your database if you have one, "
    "else ./data.db if present, else the shipped data.db; imports go to your database; build rebuilds the "
    "shipped data.db.",
)
@click.option(
    "--low-bandwidth",
    is_flag=True,
    default=None,
    help="Open the explorer for slow links (as `findings tui --low-bandwidth`) [env FINDINGS_LOW_BANDWIDTH=1].",
)
@click.version_option("0.1.0", prog_name="findings")
@click.pass_context
def cli(ctx: click.Context, db: Path | None, low_bandwidth: bool | None) -> None:
    """Explore findings on foreign actors in Russian-occupied Ukraine: who did what, where, per which source.

    With no command, opens the explorer (a terminal UI; `findings tui --help`).

    Options go before or after a command's words (`findings search yuan --db team.db`); an option a command
    does not have is an error, and `--` ends the options. In a query, a word with one dash excludes it
    (`findings search iran -coal`), unless it is one of the command's short options (-o, -h).

    Your own findings live in your database (FINDINGS_HOME/findings.db, else
    ~/.local/share/findings/findings.db; on macOS ~/Library/Application Support/findings, on Windows
    %APPDATA%\\findings). Your first import creates it from the shipped data.db, which stays as it is.

    \b
    Examples:
      findings                          open the explorer
      findings --low-bandwidth          the explorer over a slow link
      findings import yaml my.yaml      add your own findings (to your database)
      findings search yuan --db x.db    search another database
      findings build                    rebuild the shipped data.db from dataset/
    """
    if ctx.invoked_subcommand is None:
        from store.paths import reading_db
        from tui.start import run  # Textual is imported only here, when the explorer starts

        run(reading_db(db), low_bandwidth=low_bandwidth)
