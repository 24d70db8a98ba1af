"""How much one FtM import reads before it stops: time and memory stay bounded on any input.

Each limit has a command-line option (`findings import ftm --help`); exceeding one fails the import with a
message that names it, never a hang or an out-of-memory kill.
"""

from __future__ import annotations

from dataclasses import dataclass

import click

MB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    record_bytes: int = 64 * MB  # one entity (a line, or an indented object); Aleph documents carry megabytes
    records: int = 20_000_000  # entities, statements or operations in one import
    values: int = 10_000  # values of one property of one entity
    pairs: int = 1_000  # relations one relation entity may make (owners × assets)


class ByteSize(click.ParamType):
    """A size such as 64M, 512K, 1G or a number of bytes."""

    name = "size"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        text = str(value).strip().upper().removesuffix("B")
        factor = {"K": 1024, "M": MB, "G": 1024 * MB}.get(text[-1:], 1)
        digits = text[:-1] if factor != 1 else text
        if not digits.isdigit() or int(digits) <= 0:
            self.fail(f"{value!r} is not a size such as 64M, 512K or 1G", param, ctx)
        return int(digits) * factor


def size_text(n: int) -> str:
    for unit, factor in (("G", 1024 * MB), ("M", MB), ("K", 1024)):
        if n >= factor and n % factor == 0:
            return f"{n // factor} {unit}B"
    return f"{n:,} bytes"


DEFAULT_LIMITS = Limits()
