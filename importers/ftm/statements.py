"""FtM statements rolled up into entities, as `ftm aggregate-statements` does.

A statement is one value of one property of one entity, with the dataset it came from and when it was first
and last seen (`canonical_id, entity_id, prop, schema, value, dataset, first_seen, last_seen, ...`). Statements
of an entity need not be next to each other, so they go into a private temporary SQLite database (on disk,
bounded memory) and come out grouped by canonical id: one entity each, its schema the most specific of its
statements' (FtM refuses to merge schemata that do not descend from one another, and so does this),
`datasets` every dataset, `first_seen` the earliest, `last_seen` the latest, `referents` the entity ids that are
not the canonical one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

from importers.ftm.entities import LineError
from store import ftm_mapping as M
from store import vocab

BASE_ID = "id"  # the statement that only says the entity exists, with its schema
_FIELDS = ("canonical_id", "entity_id", "schema", "prop", "value", "dataset", "first_seen", "last_seen")
BATCH = 5_000


class Aggregator:
    def __init__(self) -> None:
        self.db = sqlite3.connect("", isolation_level=None)  # "": a private temporary file, removed on close
        self.db.execute(
            "CREATE TABLE s (canonical TEXT, entity TEXT, schema TEXT, prop TEXT, value TEXT, dataset TEXT, "
            "first_seen TEXT, last_seen TEXT, line INTEGER)"
        )
        self.rows: list[tuple] = []
        self.count = 0

    def close(self) -> None:
        self.db.close()

    def add(self, data: object, line: int) -> None:
        if not isinstance(data, dict):
            raise LineError(f"is not a statement (a JSON object) but {vocab.type_name(data)}")
        values: dict[str, str | None] = {}
        for name in _FIELDS:
            value = data.get(name)
            if value is not None and not isinstance(value, str):
                raise LineError(f"statement field `{name}` must be text, not {vocab.type_name(value)}")
            values[name] = value.strip() if isinstance(value, str) and value.strip() else None
        prop, schema = values["prop"], values["schema"]
        if prop and ":" in prop and not schema:  # the "pack" form: Schema:prop
            schema, prop = prop.split(":", 1)
        entity = values["entity_id"]
        if not entity:
            raise LineError("is a statement without an `entity_id`")
        if not prop:
            raise LineError("is a statement without a `prop`")
        if not schema:
            raise LineError("is a statement without a `schema`")
        if values["value"] is None and prop != BASE_ID:
            return  # an empty value says nothing
        self.rows.append(
            (
                values["canonical_id"] or entity,
                entity,
                schema,
                prop,
                values["value"],
                values["dataset"],
                values["first_seen"],
                values["last_seen"],
                line,
            )
        )
        self.count += 1
        if len(self.rows) >= BATCH:
            self._flush()

    def _flush(self) -> None:
        if self.rows:
            self.db.executemany("INSERT INTO s VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", self.rows)
            self.rows = []

    def entities(self) -> Iterator[tuple[int, dict | LineError]]:
        """(line of the entity's first statement, entity object or why it cannot be one), by canonical id."""
        self._flush()
        self.db.execute("CREATE INDEX s_canonical ON s(canonical, line)")
        current: str | None = None
        entity: dict = {}
        first = 0
        error: LineError | None = None
        for canonical, ident, schema, prop, value, dataset, seen_first, seen_last, line in self.db.execute(
            "SELECT * FROM s ORDER BY canonical, line"
        ):
            if canonical != current:
                if current is not None:
                    yield first, error or entity
                current, first, error = canonical, line, None
                entity = {"id": canonical, "schema": schema, "properties": {}, "datasets": [], "referents": []}
                entity["first_seen"], entity["last_seen"] = seen_first, seen_last
            if error is not None:
                continue
            merged = M.common_schema(entity["schema"], schema) if M.is_schema(schema) else entity["schema"]
            if merged is None:
                error = LineError(
                    f"statements of {canonical[:60]!r} give the schemata {entity['schema']} and {schema}, which FtM "
                    "cannot merge (no common schema)"
                )
                continue
            entity["schema"] = merged
            if dataset and dataset not in entity["datasets"]:
                entity["datasets"].append(dataset)
            if ident != canonical and ident not in entity["referents"]:
                entity["referents"].append(ident)
            if seen_first and (entity["first_seen"] is None or seen_first < entity["first_seen"]):
                entity["first_seen"] = seen_first
            if seen_last and (entity["last_seen"] is None or seen_last > entity["last_seen"]):
                entity["last_seen"] = seen_last
            if prop != BASE_ID and value is not None:
                entity["properties"].setdefault(prop, []).append(value)
        if current is not None:
            yield first, error or entity
