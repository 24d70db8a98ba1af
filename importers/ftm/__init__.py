"""`findings import ftm PATH...`: FollowTheMoney entities (JSON lines) -> actors, relations, findings, sources.

The FtM wing, one module per job:

- lines.py     reading files and parsing each line into an Entity (LineKind: what a line is for later passes)
- ids.py       the index of every FtM id (EntityKind: what it becomes) and the id each gets here
- values.py    values read the same way everywhere (names, countries, places)
- records.py   building actors, sources, regions, findings and relations from entities
- report.py    warnings, skipped lines and schemas not imported, printed after the summary
- importer.py  the passes over the files in one import session, and the command's entry point

The mapping itself is the table in store/ftm_mapping.py (shared with the exporter, store/export_ftm.py). A file
is read a line at a time, pass after pass, so a 1 GB file is never in memory (what is kept per entity is its
id, what it maps to and the id it gets, about 200 bytes). A line that is not a valid entity fails the import
naming the file and line, unless --skip-invalid. Unknown schemas and properties, and references to entities
neither in the files nor in the database, are warnings: counted, listed in the summary, and what depends on
them is skipped.
"""

from importers.ftm.importer import run_import

__all__ = ["run_import"]
