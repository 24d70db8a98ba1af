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
from collections.abc import Callable, Iterator

_LENGTH = 4


class Spool:
    def __init__(self) -> None:
        self.f = tempfile.TemporaryFile(buffering=1024 * 1024)  # noqa: SIM115 (closed by close())
        self.count = 0

    def write(self, record: tuple) -> None:
        """Append a record whose first item is its FtM id (kept in front, so that a pass can skip the records
        it does not want without unmarshalling them)."""
        key = record[0].encode("utf-8")
        data = marshal.dumps(record)
        self.f.write(len(key).to_bytes(_LENGTH, "little") + key + len(data).to_bytes(_LENGTH, "little"))
        self.f.write(data)
        self.count += 1

    def records(self, wanted: Callable[[str], bool]) -> Iterator[tuple[int, tuple, int]]:
        """(sequence number, record, its size in bytes) of the records whose FtM id `wanted` accepts, in the
        order they were written."""
        self.f.seek(0)
        read, skip = self.f.read, self.f.seek
        for seq in range(self.count):
            key = read(int.from_bytes(read(_LENGTH), "little")).decode("utf-8")
            size = int.from_bytes(read(_LENGTH), "little")
            if wanted(key):
                yield seq, marshal.loads(read(size)), size
            else:
                skip(size, 1)
        self.f.seek(0, 2)  # back to the end, where the next record would go

    def close(self) -> None:
        self.f.close()
