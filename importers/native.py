"""The native format (YAML or JSON; the structure of dataset/*.yaml): files -> validated records, streamed."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from importers import loaders
from importers.limits import DEFAULT_LIMITS, Limits
from importers.validate import document_records
from store.records import Batch


def check_inputs(paths: tuple[str, ...] | list[str]) -> None:
    """Refuse what cannot be read before anything is done: missing files, directories, devices, FIFOs."""
    for path in paths:
        if str(path) != "-":
            loaders.open_input(path).close()


def native_records(inp: loaders.TextInput, fmt: str, limits: Limits = DEFAULT_LIMITS) -> Iterator[tuple[str, Any]]:
    """(table, record) for each record of one open native file, validated as it is read."""
    return document_records(loaders.native_items(inp, fmt, limits), inp.name)


def read_native(path: str | os.PathLike[str], fmt: str) -> tuple[Batch, str]:
    """All of one (small) file: its records as a Batch, and the file's sha256 (build, benchmarks)."""
    batch = Batch()
    with loaders.TextInput(path) as inp:
        for table, record in native_records(inp, fmt):
            getattr(batch, table).append(record)
        return batch, inp.sha256
