"""An FtM entity as the importer handles it, checked from the JSON object a file gave.

Nested entities (the yente API's `?nested=true`, Aleph's API) are unnested here: an entity embedded in a
property becomes an entity of its own, and the property keeps its id; one embedded under a reverse property
(`Person.sanctions`: the Sanctions whose `entity` is the person) gets the parent's id in its forward property
(`Sanction.entity`) instead, as FtM itself would store it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from importers.ftm.limits import Limits
from store import ftm_mapping as M
from store import vocab
from store.query import nfc
from store.records import Origin

MAX_FTM_ID = 1_000
MAX_NESTING = 32  # entities embedded in entities, deepest level
_strip = str.strip


class LineError(Exception):
    """A record that is not a valid FtM entity (or statement, or delta operation)."""


@dataclass(slots=True)
class Entity:
    id: str
    schema: str
    props: dict[str, list[str]]
    hint: dict[str, Any] = field(default_factory=dict)
    file: str = ""
    line: int = 0
    caption: str | None = None
    datasets: list[str] = field(default_factory=list)
    referents: list[str] = field(default_factory=list)
    first_seen: str | None = None
    last_seen: str | None = None
    replace: bool = False  # from a delta file (op ADD or MOD): replaces what came before instead of merging

    def values(self, *names: str) -> list[str]:
        """The values of these properties, in order (for one property its own list: read it, do not change it)."""
        if len(names) == 1:
            return self.props.get(names[0]) or []
        out: list[str] = []
        for name in names:
            out += self.props.get(name, ())
        return out

    @property
    def label(self) -> str:
        return f"{self.schema} {self.id[:60]!r}"

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    def origin(self) -> Origin:
        return Origin(self.file, self.line, self.label)

    def merge(self, other: Entity) -> None:
        """Fold in another fragment of the same entity, as FtM merges them (the schema was checked in pass 1)."""
        for prop, values in other.props.items():
            have = self.props.get(prop)
            self.props[prop] = list(dict.fromkeys(have + values)) if have else values
        self.hint = {**other.hint, **self.hint}
        self.schema = M.common_schema(self.schema, other.schema) or specific(self.schema, other.schema)
        self.caption = self.caption or other.caption
        self.datasets = list(dict.fromkeys(self.datasets + other.datasets))
        self.referents = list(dict.fromkeys(self.referents + other.referents))
        seen = [d for d in (self.first_seen, other.first_seen) if d]
        self.first_seen = min(seen) if seen else None
        seen = [d for d in (self.last_seen, other.last_seen) if d]
        self.last_seen = max(seen) if seen else None
        self.line = other.line

    def to_record(self, file_index: int) -> tuple:
        """A plain tuple for the spool (marshal writes it)."""
        return (
            self.id,
            self.schema,
            self.props,
            self.hint,
            file_index,
            self.line,
            self.caption,
            self.datasets,
            self.referents,
            self.first_seen,
            self.last_seen,
            self.replace,
        )

    @classmethod
    def from_record(cls, rec: tuple, files: list[str]) -> Entity:
        ident, schema, props, hint, file_index, line, caption, datasets, referents, first, last, replace = rec
        return cls(
            ident, schema, props, hint, files[file_index], line, caption, datasets, referents, first, last, replace
        )


def specific(a: str, b: str) -> str:
    """Of two schemas of one entity where FtM's model knows neither, the more specific by name."""
    if a == b or b in ("Thing", "LegalEntity"):
        return a
    return b if a in ("Thing", "LegalEntity") else a


def _nfc_list(values: list[str]) -> list[str]:
    """Values in NFC (store.query.nfc, as findings compares names and ids: an FtM name written with combining
    accents is the same name, with the same id and matches), each once (two forms of one value are one value)."""
    return list(dict.fromkeys(map(nfc, values)))


def _text_list(data: dict, key: str) -> list[str]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise LineError(f"`{key}` must be a list of strings, not {vocab.type_name(value)}")
    try:
        out = list(dict.fromkeys(map(_strip, value)))
    except TypeError:
        raise LineError(f"`{key}` must be a list of strings, not {vocab.type_name(value)}") from None
    if "" in out:
        out.remove("")
    return out if all(map(str.isascii, out)) else _nfc_list(out)


def _text(data: dict, key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise LineError(f"`{key}` must be a string, not {vocab.type_name(value)}")
    return nfc(value.strip()) or None


def entity_from(data: object, limits: Limits, out: list[Entity], *, depth: int = 0) -> Entity:
    """Check one JSON object as an FtM entity; it and the entities embedded in it are appended to `out` (the
    entity first). Raises LineError naming what is wrong."""
    if not isinstance(data, dict):
        raise LineError(f"is not a JSON object but {vocab.type_name(data)}")
    ident = data.get("id")
    if not isinstance(ident, str) or not ident.strip():
        raise LineError("lacks an `id` (a non-empty string)")
    ident = nfc(ident.strip())
    if len(ident) > MAX_FTM_ID:
        raise LineError(f"has an `id` longer than {MAX_FTM_ID:,} characters")
    schema = data.get("schema")
    if not isinstance(schema, str) or not schema.strip():
        raise LineError("lacks a `schema` (a string such as 'Company')")
    schema = schema.strip()
    raw = data.get("properties", {})
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise LineError(f"`properties` must be an object of lists, not {vocab.type_name(raw)}")
    ent = Entity(ident, schema, {})
    out.append(ent)
    known = M.properties(schema)
    props = ent.props
    for key, values in raw.items():
        if not isinstance(values, list):
            raise LineError(f"`properties.{key[:60]}` must be a list of values, not {vocab.type_name(values)}")
        if len(values) > limits.values:
            raise LineError(
                f"`properties.{key[:60]}` has {len(values):,} values; the limit is {limits.values:,} (--max-values)"
            )
        try:  # the usual case, all text, at C speed (str.strip refuses anything that is not a str)
            clean: list[str] | None = list(dict.fromkeys(map(_strip, values)))
        except TypeError:
            clean = None
        if clean is None:
            clean = []
            for value in values:
                if isinstance(value, dict):
                    value = _embedded(ent, key, value, known.get(key), limits, out, depth)
                    if value is None:
                        continue
                elif isinstance(value, int | float) and not isinstance(value, bool):
                    value = str(value)
                elif not isinstance(value, str):
                    raise LineError(f"`properties.{key[:60]}` holds {vocab.type_name(value)} where text is expected")
                clean.append(value.strip())
            clean = list(dict.fromkeys(clean))
        if "" in clean:
            clean.remove("")
        if clean and not all(map(str.isascii, clean)):
            clean = _nfc_list(clean)
        if clean:
            have = props.get(key)
            props[key] = list(dict.fromkeys(have + clean)) if have else clean
    hint = data.get(M.HINT_KEY)
    ent.hint = hint if isinstance(hint, dict) else {}
    ent.caption = _text(data, "caption")
    ent.datasets = _text_list(data, "datasets")
    ent.referents = [r for r in _text_list(data, "referents") if r != ident and len(r) <= MAX_FTM_ID]
    ent.first_seen = _text(data, "first_seen")
    ent.last_seen = _text(data, "last_seen")
    return ent


def _embedded(
    parent: Entity,
    key: str,
    value: dict,
    prop: M.Property | None,
    limits: Limits,
    out: list[Entity],
    depth: int,
) -> str | None:
    """An entity nested in `parent.props[key]`: imported as an entity of its own. Returns the id the property
    keeps, or None when the property is a reverse one (the embedded entity points here instead)."""
    if "schema" not in value:
        ident = value.get("id")
        if not isinstance(ident, str):
            raise LineError(f"`properties.{key[:60]}` holds an object without an `id`")
        return ident
    if depth >= MAX_NESTING:
        raise LineError(f"nests entities more than {MAX_NESTING} levels deep")
    child = entity_from(value, limits, out, depth=depth + 1)
    if prop is not None and prop[3] and prop[2]:  # a stub: `child.<reverse>` names the parent
        back = child.props.setdefault(prop[2], [])
        if parent.id not in back:
            back.append(parent.id)
        return None
    return child.id
