"""Where checked entities wait between the passes of an import: on disk, not in memory.

Pass 1 reads each input once (a pipe cannot be read twice, a gzip file would be decompressed four times),
checks every record and appends the entities to the spool, a temporary file of marshalled tuples. The later
passes read the spool from the start: no record is parsed or checked twice.

The fragments of an entity split over several records wait in the side store (importers/ftm/side.py) until
its last fragment comes, so that however far apart they are, memory holds one entity at a time.
"""

from __future__ import annotations

import marshal
import struct
import tempfile
from collections.abc import Callable, Iterator

_HEAD = struct.Struct("<II")  # the entity's number in the index, the record's size


class Spool:
    def __init__(self) -> None:
        self.f = tempfile.TemporaryFile(buffering=1024 * 1024)  # noqa: SIM115 (closed by close())
        self.count = 0

    def write(self, number: int, record: tuple) -> None:
        """Append a record of entity `number` (its number in the index, kept in front so that a pass can skip
        the records it does not want without unmarshalling them, or even decoding their FtM id)."""
        data = marshal.dumps(record)
        self.f.write(_HEAD.pack(number, len(data)) + data)
        self.count += 1

    def records(self, wanted: Callable[[int], bool]) -> Iterator[tuple[int, int, tuple, int]]:
        """(sequence number, entity number, record, its size in bytes) of the records of the entities `wanted`
        accepts, in the order they were written."""
        self.f.seek(0)
        read, skip, head = self.f.read, self.f.seek, _HEAD.unpack
        size_of = _HEAD.size
        for seq in range(self.count):
            number, size = head(read(size_of))
            if wanted(number):
                yield seq, number, marshal.loads(read(size)), size
            else:
                skip(size, 1)
        self.f.seek(0, 2)  # back to the end, where the next record would go

    def close(self) -> None:
        self.f.close()
