"""How much one import reads before it stops, so that time and memory stay bounded on any input.

    records      records in one import (all its files): findings, actors, CSV rows, article paragraphs, ...
    record size  one record as it stands in the file: a CSV row (and so any line of it), one item of a YAML or
                 JSON section, the top-level `source`; in YAML also a run of comments or blank lines. A line
                 longer than this is never read whole.
    field size   one value the parser builds whole before the record is complete: a CSV cell, a YAML scalar.
                 (A JSON text is bounded by its record; any text over 20,000 characters fails validation.)

Each has an option on the import commands and an environment variable (`--max-records` /
FINDINGS_MAX_RECORDS, `--max-record-size` / FINDINGS_MAX_RECORD_SIZE, `--max-field-size` /
FINDINGS_MAX_FIELD_SIZE); exceeding one fails the import with one line naming the file, the line and the limit,
and how to raise it. The defaults are far above anything a real file of findings holds (the validator's own
limits are 20,000 characters for a text), and low enough that no input exhausts a small machine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from importers.ftm.limits import MB, ByteSize, size_text  # one size syntax for every import command

F = TypeVar("F", bound=Callable[..., object])


@dataclass(frozen=True, slots=True)
class Limits:
    records: int = 20_000_000
    record_bytes: int = 64 * MB
    field_bytes: int = 1 * MB

    def too_many_records(self) -> str:
        return (
            f"holds more than {self.records:,} records, the limit for one import "
            "(--max-records or FINDINGS_MAX_RECORDS raises it)"
        )

    def record_too_big(self, what: str = "a record") -> str:
        return (
            f"{what} is longer than {size_text(self.record_bytes)}, the limit for one record "
            "(--max-record-size or FINDINGS_MAX_RECORD_SIZE raises it)"
        )

    def field_too_big(self, what: str = "a value") -> str:
        return (
            f"{what} is longer than {size_text(self.field_bytes)}, the limit for one value "
            "(--max-field-size or FINDINGS_MAX_FIELD_SIZE raises it)"
        )


DEFAULT_LIMITS = Limits()


def limit_options(command: F) -> F:
    """The three limit options of an import command; the command receives them as one `limits` argument."""
    import functools

    import click

    options = [
        click.option(
            name,
            type=kind,
            envvar=envvar,
            default=default,
            show_default=True,
            show_envvar=True,
            help=help_text,
        )
        for name, kind, envvar, default, help_text in (
            (
                "--max-records",
                click.IntRange(min=1),
                "FINDINGS_MAX_RECORDS",
                DEFAULT_LIMITS.records,
                "The most records one import reads (all files together).",
            ),
            (
                "--max-record-size",
                ByteSize(),
                "FINDINGS_MAX_RECORD_SIZE",
                size_text(DEFAULT_LIMITS.record_bytes).replace(" ", ""),
                "The longest record (a CSV row or line, one item of a YAML or JSON section): 64M, 512K, 1G.",
            ),
            (
                "--max-field-size",
                ByteSize(),
                "FINDINGS_MAX_FIELD_SIZE",
                size_text(DEFAULT_LIMITS.field_bytes).replace(" ", ""),
                "The longest single value: a CSV cell, a YAML scalar.",
            ),
        )
    ]

    @functools.wraps(command)
    def wrapper(*args: object, max_records: int, max_record_size: int, max_field_size: int, **kwargs: object) -> object:
        limits = Limits(records=max_records, record_bytes=max_record_size, field_bytes=max_field_size)
        return command(*args, limits=limits, **kwargs)

    decorated: Callable[..., object] = wrapper
    for option in reversed(options):
        decorated = option(decorated)
    return decorated  # type: ignore[return-value]
