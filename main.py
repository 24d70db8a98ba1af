"""findings: a terminal explorer for investigative findings.

The door: the Click group. `findings` with no arguments opens the explorer on the default database.
Subcommands are imported only when used, so quick lookups never pay for the TUI.
"""

from __future__ import annotations

import importlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path


def describe_error(e: BaseException) -> str:
    import sqlite3

    from store.errors import StoreError

    if isinstance(e, StoreError):
        return str(e)
    if isinstance(e, sqlite3.Error):
        message = str(e)
        if "disk is full" in message or "disk I/O" in message:
            return f"the disk is full or failing ({message}); nothing was written"
        if "locked" in message or "busy" in message:
            return f"the database is busy ({message}); try again when the other import has finished"
        if "readonly" in message or "read-only" in message:
            return f"cannot write to the database: its file, directory or disk is read-only ({message})"
        if "malformed" in message or "not a database" in message or "vtable constructor failed" in message:
            return f"the database file is damaged ({message}); `findings check` shows where; restore it from a backup"
        return f"database error: {message}"
    if isinstance(e, OSError):
        return f"{e.filename or 'file'}: {e.strerror or e}"
    return f"internal error: {type(e).__name__}: {e} (run with FINDINGS_DEBUG=1 to see where)"


# `findings search` with plain or --json output runs without importing Click, which costs as much as the query
# process itself (cli/fast.py); anything it does not handle falls through to the Click command.
if os.path.basename(sys.argv[0]) in ("findings", "main.py") and "search" in sys.argv[1:4]:
    from cli.fast import search_main

    if (_status := search_main(sys.argv[1:])) is not None:
        sys.exit(_status)

# So do `findings [--db P]` and `findings [--db P] tui [--db P] [--low-bandwidth]`: the explorer starts without
# Click (tui/start.py; a tenth of the start-up budget), with the same errors (describe_error, exit 1).
if os.path.basename(sys.argv[0]) in ("findings", "main.py"):
    from tui.start import explorer_main

    if (_status := explorer_main(sys.argv[1:], describe_error, Path(__file__).resolve().parent)) is not None:
        sys.exit(_status)

import click  # noqa: E402 - after the Click-free fast paths above

HERE = Path(__file__).resolve().parent

# command name -> "module:attribute"; each module is imported only when its command runs (or for --help).
COMMANDS: dict[str, str] = {
    "build": "importers.build:build",
    "import": "importers.cli:import_group",
    "check": "cli.check:check",
    "migrate": "cli.migrate:migrate",
    "tui": "tui.cli:tui",
    "search": "cli.search:search",
    "show": "cli.show:show",
    "stats": "cli.stats:stats",
    "export": "cli.export:export",
    "bundle": "cli.bundle:bundle",
}


@dataclass
class Settings:
    db: Path


def default_db() -> Path:
    """`./data.db` when there is one, else the data.db that ships beside main.py."""
    local = Path("data.db")
    return local if local.exists() else HERE / "data.db"


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use, and whose errors never show a traceback."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in COMMANDS:
            module, _, attr = COMMANDS[name].partition(":")
            return getattr(importlib.import_module(module), attr)
        return super().get_command(ctx, name)

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except KeyboardInterrupt:
            raise click.exceptions.Exit(130) from None
        except Exception as e:  # every error becomes one line for people; FINDINGS_DEBUG=1 shows the traceback
            if os.environ.get("FINDINGS_DEBUG"):
                raise
            from store.text import printable  # a file name or field from the data may hold ESC or newlines

            raise click.ClickException(printable(describe_error(e))) from None


@click.group(
    cls=LazyGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="FINDINGS_DB",
    help="Database file [env FINDINGS_DB; default ./data.db if present, else the data.db beside main.py].",
)
@click.version_option("0.1.0", prog_name="findings")
@click.pass_context
def cli(ctx: click.Context, db: Path | None) -> None:
    """Explore findings on foreign actors in Russian-occupied Ukraine: who did what, where, per which source.

    With no command, opens the explorer (a terminal UI; `findings tui --help`).

    \b
    Examples:
      findings                          open the explorer
      findings import yaml my.yaml      add your own findings
      findings build                    rebuild data.db from dataset/
    """
    ctx.obj = Settings(db=db if db is not None else default_db())
    if ctx.invoked_subcommand is None:
        from tui.cli import run as run_explorer  # Textual is imported only here, when the explorer starts

        run_explorer(ctx.obj.db)


def run() -> None:
    """Console-script entry point."""
    cli.main(prog_name="findings")


if __name__ == "__main__":
    sys.exit(run())
