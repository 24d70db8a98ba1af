"""Python's cyclic garbage collector, paced for imports.

An import makes millions of small objects (records, their origins, rows) that live until they are written and
hold no cycles. With the default thresholds (a young collection every 700 new objects, a full one every 70,000)
the collector traverses them over and over: a quarter to a third of reading tiny records (bench/import_records.py,
RESULTS "Tiny records per format"). A young collection every 20,000 objects keeps most of the gain of no
collector at all, and cycles are still collected.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

THRESHOLDS = (20_000, 20, 20)  # (young, middle, old): the default is (700, 10, 10)


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """Run the block with the collector's thresholds at THRESHOLDS; the previous ones after it."""
    before = gc.get_threshold()
    gc.set_threshold(*THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)
