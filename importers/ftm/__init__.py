"""`findings import ftm PATH...`: FollowTheMoney entities (JSON lines) -> actors, relations, findings, sources.

The FtM wing, one module per job:

- reader.py      reading an input in whichever form (entities, indented JSON, arrays, API responses, delta
                 files, statements; gzip or not), a record at a time, with limits (limits.py)
- entities.py    checking each record as an FtM entity (nested entities unnested)
- statements.py  statements rolled up into entities
- spool.py, side.py  where checked entities and what later passes need wait, on disk
- ids.py         the index of every FtM id (EntityKind: what it becomes), the id each gets here and whether the
                 import may write it (provenance: Mode)
- values.py      values read the same way everywhere (names, countries, places)
- records.py     building actors, sources, regions, findings and relations from entities
- report.py      where every record went, warnings, proposed links, skipped records
- importer.py    the passes over the files in one import session, and the command's entry point

The mapping itself is the table in store/ftm_mapping.py over FtM's own model (store/ftm_model.py), shared with
the exporter (store/export_ftm.py). Memory holds the index (a few hundred bytes per entity) and a chunk of
records, never a file. A record that is not valid fails the import naming the file and line, unless
--skip-invalid. Unknown schemas and properties, and references to entities neither in the files nor in the
database, are warnings: counted, listed in the summary, and what depends on them is skipped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from importers.ftm.report import Report


def run_import(*args: Any, **kwargs: Any) -> Report:
    """`findings import ftm` (importers/ftm/importer.py); imported on use, so that `findings import yaml` and
    the modules that only need the limits do not load the FtM wing."""
    from importers.ftm.importer import run_import as run

    return run(*args, **kwargs)
