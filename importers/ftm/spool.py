"""Where checked entities wait between the passes of an import: on disk, not in memory.

Pass 1 reads each input once (a pipe cannot be read twice, a gzip file would be decompressed four times),
checks every record and appends the entities to the spool, a temporary file of marshalled tuples. The later
passes read the spool from the start: no record is parsed or checked twice.

The fragments of an entity split over several records wait in the side store (importers/ftm/side.py) until
its last fragment comes, so that however far apart they are, memory holds one entity at a time.
"""

from __future__ import annotations

import marshal
import tempfile
from collections.abc import Iterator

_LENGTH = 4


class Spool:
    def __init__(self) -> None:
        self.f = tempfile.TemporaryFile(buffering=1024 * 1024)  # noqa: SIM115 (closed by close())
        self.count = 0

    def write(self, record: tuple) -> None:
        data = marshal.dumps(record)
        self.f.write(len(data).to_bytes(_LENGTH, "little"))
        self.f.write(data)
        self.count += 1

    def __iter__(self) -> Iterator[tuple[int, tuple, int]]:
        """(sequence number, record, its size in bytes), in the order they were written."""
        self.f.seek(0)
        read = self.f.read
        for seq in range(self.count):
            size = int.from_bytes(read(_LENGTH), "little")
            yield seq, marshal.loads(read(size)), size
        self.f.seek(0, 2)  # back to the end, where the next record would go

    def close(self) -> None:
        self.f.close()
