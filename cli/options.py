"""What every Click command of findings shares: the argument rule (cli/grammar.py) and the --db option.

`Command` and `Group` read their arguments by the one rule before Click converts and checks the values, so
options go anywhere (`findings search yuan --db x`), an unknown `--option` is a usage error in every command,
and `-coal` in a query stays a word. Every command that opens a database takes `--db`; the one given closest to
the command wins (`findings --db a search x --db b` reads b).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click

from cli.grammar import ArgvError, Grammar, Option, read


def grammar_of(command: click.Command, ctx: click.Context) -> Grammar:
    """The options of a Click command, as the rule sees them (help and version included)."""
    options: list[Option] = []
    for param in command.get_params(ctx):
        if isinstance(param, click.Option):
            takes_value = not (param.is_flag or param.count)
            options.append(Option(tuple(param.opts), takes_value))
            if param.secondary_opts:  # --x/--no-x: the second name is an option of its own
                options.append(Option(tuple(param.secondary_opts), takes_value))
    return Grammar(tuple(options), group=isinstance(command, click.Group))


def _read(command: click.Command, ctx: click.Context, args: list[str]) -> list[str]:
    if ctx.resilient_parsing:  # shell completion: Click reads what it can
        return args
    grammar = grammar_of(command, ctx)
    try:
        return read(grammar, args).normalised()
    except ArgvError as e:
        if e.unknown:
            names = sorted({n for o in grammar.options for n in o.names if n.startswith("--")})
            raise click.NoSuchOption(e.option, possibilities=names, ctx=ctx) from None
        raise click.BadOptionUsage(e.option, e.message, ctx=ctx) from None


class Command(click.Command):
    """A command whose arguments are read by the one rule; Click then converts and checks the values, and text
    values (not paths) that hold bytes that are not UTF-8 are read with U+FFFD in their place."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        rest = super().parse_args(ctx, _read(self, ctx, args))
        _readable_values(self, ctx)
        return rest


def _readable_values(command: click.Command, ctx: click.Context) -> None:
    """Make every text value of `ctx.params` encodable; a path keeps its bytes, which the file system expects."""
    from cli.grammar import NOT_UTF8_NOTE, readable

    changed = False
    for param in command.get_params(ctx):
        name = param.name
        if name is None or name not in ctx.params or isinstance(param.type, click.Path):
            continue
        value = ctx.params[name]
        if isinstance(value, str):
            new: object = readable(value)
        elif isinstance(value, tuple | list) and all(isinstance(v, str) for v in value):
            new = type(value)(readable(v) for v in value)
        else:
            continue
        if new != value:
            ctx.params[name] = new
            changed = True
    if changed:
        click.echo(NOT_UTF8_NOTE, err=True)


class Group(click.Group):
    """A group read by the one rule: its own options, then the command word; its commands are `Command`s."""

    command_class = Command

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, _read(self, ctx, args))


Group.group_class = Group

DB_HELP = "Database file (default: yours if it exists, else ./data.db, else the shipped one; see --help of findings)."


F = TypeVar("F", bound=Callable[..., object])


def db_option(help: str = DB_HELP, envvar: str | None = None) -> Callable[[F], F]:
    """The --db option, for a command that opens a database."""
    return click.option("--db", "db", type=click.Path(dir_okay=False, path_type=Path), envvar=envvar, help=help)


def given_db(ctx: click.Context) -> Path | None:
    """The --db given closest to the command (its own, else its group's, …, else the root's or FINDINGS_DB)."""
    current: click.Context | None = ctx
    while current is not None:
        if (db := current.params.get("db")) is not None:
            return Path(os.fspath(db))
        current = current.parent
    return None


def reviewer_option() -> Callable[[F], F]:
    """--reviewer NAME: who the history names for a command's changes (store.review.reviewer decides)."""
    return click.option(
        "--reviewer",
        metavar="NAME",
        help="Your name in the history (default: $FINDINGS_REVIEWER, else your login name).",
    )
