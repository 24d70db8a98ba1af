"""`findings import ftm PATH...`: FollowTheMoney entities (JSON lines) -> actors, relations, findings, sources.

The mapping is the table in importers/ftm_mapping.py. A file is read in four passes, a line at a time, so a
1 GB file is never in memory (what is kept per entity is its id, what it maps to and the id it gets, about
200 bytes):

1. check every line and index the entities; give each the id it gets here: the row an earlier import of the
   same FtM id made (`external_ids`), else the id `findings export ftm` wrote in its `findings` hint, else a
   slug of its name (with a short hash of the FtM id when the slug is taken, or when there is no name);
2. write sources, actors and regions; 3. findings; 4. relations (so every reference points backwards).

Everything goes through one ImportSession: one transaction, nothing written on error, `--dry-run` plans only.
A line that is not a valid entity fails the import naming the file and line, unless --skip-invalid. Unknown
schemas and properties, and references to entities neither in the files nor in the database, are warnings:
counted, listed in the summary, and what depends on them is skipped.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import shutil
import sqlite3
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import click

from importers import ftm_mapping as M
from importers.matcher import Matcher, key_of
from importers.slugs import short_hash, slugify
from store import vocab
from store.errors import DataError
from store.records import Actor, Batch, Evidence, ExternalId, Origin, Region, Relation, Source
from store.text import printable

MAX_LINE = 64 * 1024 * 1024  # one entity; Aleph documents can carry megabytes of text
MAX_FTM_ID = 1_000
CHUNK = 1_000  # records per write
MAX_DETAILS = 20  # cases listed per kind of warning
MAX_SKIPPED_SHOWN = 1_000
SYSTEM = "ftm"
FILE_SYSTEM = "ftm-file"

_PARTIAL_DATE = re.compile(r"\d{4}(?:-\d{2}(?:-\d{2})?)?")
_ISO_3166_2 = re.compile(r"[a-z]{2}-[a-z0-9]{1,3}", re.IGNORECASE)
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")

# What a line of a file is, for the passes after the first: 0 blank or skipped, 1 an entity, 2 a relation.
SKIP, NODE, LINK = 0, 1, 2


class LineError(Exception):
    """A line that is not a valid FtM entity."""


@dataclass(slots=True)
class Entity:
    id: str
    schema: str
    props: dict[str, list[str]]
    hint: dict[str, Any]
    file: str
    line: int

    def values(self, *names: str) -> list[str]:
        out: list[str] = []
        for name in names:
            out += self.props.get(name, ())
        return out

    @property
    def label(self) -> str:
        return f"{self.schema} {self.id[:60]!r}"

    def origin(self) -> Origin:
        return Origin(self.file, self.line, self.label)

    def merge(self, other: Entity) -> None:
        """Fold in another fragment of the same entity (FtM streams may split one over several lines)."""
        for prop, values in other.props.items():
            have = self.props.setdefault(prop, [])
            have += [v for v in values if v not in have]
        self.hint = {**other.hint, **self.hint}
        self.schema = _specific(self.schema, other.schema)
        self.line = other.line


def _specific(a: str, b: str) -> str:
    """Of two schemas of one entity, the more specific (LegalEntity + Company -> Company)."""
    if a == b or b in ("Thing", "LegalEntity"):
        return a
    return b if a in ("Thing", "LegalEntity") else a


# ------------------------------------------------------------------------------------------------ reading


def parse_line(text: str) -> Entity | None:
    """An entity from one line of text (None for a blank line); LineError when it is not one."""
    if not text.strip():
        return None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise LineError(f"invalid JSON: {e.msg} (column {e.colno})") from None
    except RecursionError:
        raise LineError("is nested too deeply") from None
    except ValueError:  # what else json raises: a number of more than 4,300 digits, which Python will not read
        raise LineError("invalid JSON: a number with more than 4,300 digits") from None
    if _SURROGATE_ESCAPE.search(text):  # "\ud800" alone decodes to a string that is not text (nor storable)
        try:
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise LineError("holds an unpaired UTF-16 surrogate (such as \\ud800), which is not text") from None
    if not isinstance(data, dict):
        raise LineError(f"is not a JSON object but {vocab.type_name(data)}")
    ident = data.get("id")
    if not isinstance(ident, str) or not ident.strip():
        raise LineError("lacks an `id` (a non-empty string)")
    if len(ident) > MAX_FTM_ID:
        raise LineError(f"has an `id` longer than {MAX_FTM_ID:,} characters")
    schema = data.get("schema")
    if not isinstance(schema, str) or not schema.strip():
        raise LineError("lacks a `schema` (a string such as 'Company')")
    raw = data.get("properties", {})
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise LineError(f"`properties` must be an object of lists, not {vocab.type_name(raw)}")
    props: dict[str, list[str]] = {}
    for key, values in raw.items():
        if not isinstance(values, list):
            raise LineError(f"`properties.{key[:60]}` must be a list of values, not {vocab.type_name(values)}")
        out = []
        for value in values:
            if isinstance(value, dict) and isinstance(value.get("id"), str):
                value = value["id"]  # a nested entity (FtM's nested JSON form): its id is the reference
            elif isinstance(value, int | float) and not isinstance(value, bool):
                value = str(value)
            elif not isinstance(value, str):
                raise LineError(f"`properties.{key[:60]}` holds {vocab.type_name(value)} where text is expected")
            value = value.strip()
            if value and value not in out:
                out.append(value)
        if out:
            props[key] = out
    hint = data.get(M.HINT_KEY)
    return Entity(ident, schema.strip(), props, hint if isinstance(hint, dict) else {}, "", 0)


class FtmFile:
    """One input file (standard input is first copied to a temporary file): its lines, pass after pass."""

    def __init__(self, path: str, stack: contextlib.ExitStack) -> None:
        self.name = "<stdin>" if path == "-" else str(path)
        self.sha = hashlib.sha256()
        self.size = 0
        self.kinds = bytearray()  # per line: SKIP, NODE or LINK (index 0 unused)
        try:
            if path == "-":
                spool = stack.enter_context(tempfile.TemporaryFile())  # noqa: SIM115
                shutil.copyfileobj(sys.stdin.buffer, spool, 1024 * 1024)
                self.f: BinaryIO = spool
            else:
                if Path(path).is_dir():
                    raise DataError("is a directory, not a file", file=self.name)
                self.f = stack.enter_context(open(path, "rb"))  # noqa: SIM115
        except FileNotFoundError:
            raise DataError("no such file", file=self.name) from None
        except PermissionError:
            raise DataError("permission denied", file=self.name) from None
        except OSError as e:
            raise DataError(f"cannot read: {e.strerror or e}", file=self.name) from None
        self.f.seek(0)
        head = self.f.read(4)
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise DataError("is UTF-16 encoded; save it as UTF-8", file=self.name, line=1)

    def lines(self, *, first: bool = False) -> Iterator[tuple[int, str | None, str | None]]:
        """(line number, text, None) for each line, or (line number, None, why) for a line that is not text."""
        self.f.seek(0)
        number = 0
        while True:
            raw = self.f.readline(MAX_LINE + 1)
            if not raw:
                return
            number += 1
            if first:
                self.sha.update(raw)
            if len(raw) > MAX_LINE and not raw.endswith(b"\n"):
                while raw and not raw.endswith(b"\n"):  # skip the rest of the line
                    raw = self.f.readline(MAX_LINE)
                    if first:
                        self.sha.update(raw)
                yield number, None, f"is longer than {MAX_LINE // (1024 * 1024)} MB"
                continue
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            if b"\x00" in raw:
                yield number, None, "contains a NUL byte (binary data?)"
                continue
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                yield number, None, f"is not valid UTF-8 (byte 0x{raw[e.start]:02x}); save the file as UTF-8"
                continue
            yield number, text, None


# ------------------------------------------------------------------------------------------------ report


@dataclass
class Report:
    """Warnings (counted per kind, with the first few cases of each), skipped lines, schemas not imported."""

    warnings: Counter[str] = field(default_factory=Counter)
    details: dict[str, list[str]] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    not_imported: Counter[str] = field(default_factory=Counter)

    def warn(self, message: str, detail: str | None = None) -> None:
        self.warnings[message] += 1
        cases = self.details.setdefault(message, [])
        if detail and len(cases) < MAX_DETAILS:
            cases.append(detail)

    def print(self) -> None:
        if self.skipped:
            click.echo(f"skipped {len(self.skipped):,} invalid line(s):", err=True)
            for line in self.skipped[:MAX_SKIPPED_SHOWN]:
                click.echo(f"  {printable(line)}", err=True)
            if len(self.skipped) > MAX_SKIPPED_SHOWN:
                click.echo(f"  ... and {len(self.skipped) - MAX_SKIPPED_SHOWN:,} more", err=True)
        if self.warnings:
            click.echo(f"warnings ({sum(self.warnings.values()):,}):", err=True)
            for message, n in sorted(self.warnings.items(), key=lambda kv: (-kv[1], kv[0])):
                click.echo(f"  {n:>6,} × {printable(message)}", err=True)
                cases = self.details.get(message, [])
                for case in cases:
                    click.echo(f"           {printable(case)}", err=True)
                if cases and n > len(cases):
                    click.echo(f"           ... and {n - len(cases):,} more", err=True)
        if self.not_imported:
            parts = ", ".join(f"{n:,} {printable(s)}" for s, n in sorted(self.not_imported.items()))
            click.echo(f"not imported (no place for them here): {parts}", err=True)


# ------------------------------------------------------------------------------------------------ index


class Seen:
    """What pass 1 learnt about one FtM id."""

    __slots__ = ("codes", "count", "hint_id", "kind", "last", "name", "ref", "schema", "write")

    def __init__(self, schema: str, kind: str, line: int) -> None:
        self.schema = schema
        self.kind = kind  # actor, source, region, evidence, relation, address, skip
        self.last = line  # the entity's last line (fragments are merged until then)
        self.count = 1
        self.name: str | None = None
        self.hint_id: str | None = None
        self.codes: tuple[str, ...] = ()
        self.ref: str | None = None  # the id it gets here
        self.write = True  # False: it stands for an existing region, which is left as it is


def classify(schema: str) -> str:
    if schema in M.ACTOR_SCHEMAS:
        return "actor"
    if schema in M.SOURCE_SCHEMAS:
        return "source"
    if schema == M.REGION_SCHEMA:
        return "region"
    if schema in M.EVIDENCE_SCHEMAS:
        return "evidence"
    if schema in M.RELATION_SCHEMAS:
        return "relation"
    if schema == M.ADDRESS_SCHEMA:
        return "address"
    return "skip"


_TABLE = {"actor": "actors", "source": "sources", "region": "regions", "evidence": "evidence"}


class FtmImport:
    def __init__(self, session: Any, report: Report) -> None:
        from importers.gazetteer import region_matcher
        from store import ftm_reads

        self.session = session
        self.conn: sqlite3.Connection = session.conn
        self.report = report
        self.index: dict[str, Seen] = {}
        self.places: Matcher = region_matcher(self.conn)
        self.region_codes = ftm_reads.region_codes(self.conn)
        self.region_ids = {r[0] for r in self.conn.execute("SELECT id FROM regions")}
        self.addresses: dict[str, tuple[tuple[str, ...], str]] = {}  # Address id -> (regions, text)
        self.documented_by: dict[str, list[str]] = {}  # entity id -> document ids (Documentation)
        self.titles: dict[str, str] = {}  # document id -> title
        self.file_sources: dict[str, str] = {}  # file name -> id of the source standing for it
        self.relation_keys: set[tuple[str, str, str]] = set()
        self.db_refs: dict[str, tuple[str, str]] = {}  # per chunk: FtM ids known from earlier imports
        self.batch = Batch()

    # -------------------------------------------------------------------------------------- pass 1

    def index_file(self, f: FtmFile, *, skip_invalid: bool) -> None:
        f.kinds = bytearray(1)
        nonblank = 0
        for number, text, why in f.lines(first=True):
            try:
                if text is None:
                    raise LineError(why)
                ent = parse_line(text)
            except LineError as e:
                if not skip_invalid:
                    message = f"{e} (use --skip-invalid to import the other lines)"
                    raise DataError(message, file=f.name, line=number) from None
                self.report.skipped.append(f"{f.name}:{number}: {e}")
                f.kinds.append(SKIP)
                nonblank += 1
                continue
            if ent is None:
                f.kinds.append(SKIP)
                continue
            nonblank += 1
            ent.file, ent.line = f.name, number
            self._index(ent)
            f.kinds.append(LINK if ent.schema in M.RELATION_SCHEMAS else NODE)
        if nonblank == 0:
            raise DataError("is empty", file=f.name)

    def _index(self, ent: Entity) -> None:
        known = M.KNOWN_PROPERTIES.get(ent.schema)
        if known is not None:
            for prop in ent.props:
                if prop not in known:
                    self.report.warn(f"unknown property {ent.schema}.{prop[:60]} (ignored)")
        seen = self.index.get(ent.id)
        if seen is None:
            kind = classify(ent.schema)
            if kind == "skip":
                if ent.schema in M.FTM_SCHEMAS:
                    self.report.not_imported[ent.schema] += 1
                else:
                    self.report.warn(f"unknown schema {ent.schema[:60]!r} (skipped)")
            seen = self.index[ent.id] = Seen(ent.schema, kind, ent.line)
        else:
            seen.count += 1
            seen.last = ent.line
            schema = _specific(seen.schema, ent.schema)
            if schema != seen.schema:
                seen.schema, seen.kind = schema, classify(schema)
        if seen.kind in ("actor", "source", "region", "evidence") and seen.name is None:
            seen.name = self._name(ent)
        if seen.hint_id is None and "id" in ent.hint:
            try:
                seen.hint_id = vocab.check_id(ent.hint["id"])
            except ValueError as e:
                self.report.warn("invalid `findings.id` hint (ignored)", f"{ent.file}:{ent.line}: {e}")
        if seen.kind == "region":
            seen.codes += tuple(v.lower() for v in ent.values("territoryCode", "country"))
        elif seen.kind == "address":
            self._index_address(ent)
        elif ent.schema == M.DOCUMENTATION_SCHEMA:
            for target in ent.values("entity"):
                self.documented_by.setdefault(target, []).extend(ent.values("document"))
        if seen.kind == "source" and seen.name:
            self.titles[ent.id] = seen.name

    def _name(self, ent: Entity) -> str | None:
        """The validated name (or title) the record will carry; None when there is none."""
        if ent.schema in M.SOURCE_SCHEMAS:
            candidates = ent.values("title", "name", "fileName")
            limit = vocab.MAX_TITLE
        else:
            candidates = ent.values("name")
            if not candidates and ent.schema == "Person":
                parts = ent.values("firstName")[:1] + ent.values("middleName")[:1] + ent.values("lastName")[:1]
                candidates = [" ".join(parts)] if parts else []
            limit = vocab.MAX_NAME
        for value in candidates:
            with contextlib.suppress(ValueError):
                text = vocab.check_text(value, limit=limit)
                if text:
                    return text
        return None

    def _index_address(self, ent: Entity) -> None:
        texts = ent.values(*M.ADDRESS_PROPS)
        regions = self._regions_in(texts) | self._regions_of_codes(ent.values("country"))
        if regions:
            full = ent.values("full")[:1] or texts
            self.addresses[ent.id] = (tuple(sorted(regions)), ", ".join(full))

    def _regions_in(self, texts: list[str]) -> set[str]:
        return {ref for text in texts for kind, ref in self.places.tags(text) if kind == "region"}

    def _regions_of_codes(self, codes: list[str]) -> set[str]:
        out: set[str] = set()
        for code in codes:
            region = M.COUNTRY_REGIONS.get(code.strip().lower())
            if region is not None and region in self.region_ids:
                out.add(region)
        return out

    # -------------------------------------------------------------------------------------- ids

    def assign_ids(self) -> None:
        """Give every entity to be imported the id it gets here (see the module docstring)."""
        from store import ftm_reads
        from store.write import existing_ids

        mapped = [(fid, s) for fid, s in self.index.items() if s.kind in _TABLE]
        for fid, s in mapped:
            if s.kind in ("actor", "source", "region") and not s.name:
                self.report.warn(f"{s.schema} without a name (skipped)", f"{s.schema} {fid[:60]!r}")
                s.kind = "skip"
        mapped = [(fid, s) for fid, s in mapped if s.kind != "skip"]
        taken: dict[str, set[str]] = {kind: set() for kind in _TABLE}
        earlier = ftm_reads.external_refs(self.conn, [fid for fid, _ in mapped])
        pending: list[tuple[str, Seen]] = []
        for fid, s in mapped:
            if s.hint_id and s.hint_id not in taken[s.kind]:
                s.ref = s.hint_id
            elif fid in earlier and earlier[fid][0] == s.kind and earlier[fid][1] not in taken[s.kind]:
                s.ref = earlier[fid][1]
            elif s.kind == "region" and (region := self._known_region(s)):
                s.ref, s.write = region, False
                continue
            else:
                pending.append((fid, s))
                continue
            taken[s.kind].add(s.ref)
        # Slugs of names, checked against the database a chunk at a time.
        for kind, table in _TABLE.items():
            todo = [(fid, s) for fid, s in pending if s.kind == kind]
            for i in range(0, len(todo), 5_000):
                chunk = todo[i : i + 5_000]
                options = {fid: self._candidates(fid, s) for fid, s in chunk}
                in_db = existing_ids(self.conn, table, {c for cands in options.values() for c in cands})
                for fid, s in chunk:
                    free = [c for c in options[fid] if c not in in_db and c not in taken[kind]]
                    s.ref = free[0] if free else f"{options[fid][0]}-{short_hash(fid, 16)}"
                    taken[kind].add(s.ref)
        for s in self.index.values():
            s.name, s.hint_id, s.codes = None, None, ()

    def _candidates(self, fid: str, s: Seen) -> list[str]:
        base = slugify(s.name) if s.name else None
        if base is None:
            base = slugify(s.schema) or "entity"
            return [f"{base}-{short_hash(fid, 8)}", f"{base}-{short_hash(fid, 12)}"]
        return [base, f"{base}-{short_hash(fid)}", f"{base}-{short_hash(fid, 10)}"]

    def _known_region(self, s: Seen) -> str | None:
        """The existing region a Territory stands for, by its code or its exact name."""
        for code in s.codes:
            if code in M.COUNTRY_REGIONS and M.COUNTRY_REGIONS[code] in self.region_ids:
                return M.COUNTRY_REGIONS[code]
            if code.upper() in self.region_codes:
                return self.region_codes[code.upper()]
        if s.name:
            matches = self.places.find(s.name)
            if len(matches) == 1 and key_of(matches[0].text) == key_of(s.name):
                regions = [ref for kind, ref in matches[0].targets if kind == "region"]
                if len(regions) == 1:
                    return regions[0]
        return None

    # -------------------------------------------------------------------------------------- passes 2-4

    def entities(self, f: FtmFile, kind: int) -> Iterator[Entity]:
        """The entities of the lines of `kind` (NODE or LINK), fragments merged into one."""
        fragments: dict[str, Entity] = {}
        for number, text, _ in f.lines():
            if number >= len(f.kinds) or f.kinds[number] != kind or text is None:
                continue
            ent = parse_line(text)
            if ent is None:
                continue
            ent.file, ent.line = f.name, number
            seen = self.index[ent.id]
            if seen.count > 1:
                if ent.id in fragments:
                    fragments[ent.id].merge(ent)
                    ent = fragments[ent.id]
                if number != seen.last:
                    fragments[ent.id] = ent
                    continue
                fragments.pop(ent.id, None)
                ent.schema = seen.schema
            yield ent

    def chunks(self, f: FtmFile, kind: int) -> Iterator[list[Entity]]:
        chunk: list[Entity] = []
        for ent in self.entities(f, kind):
            chunk.append(ent)
            if len(chunk) >= CHUNK:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def prefetch(self, chunk: list[Entity], props: set[str]) -> None:
        """Look up, in one query, the references of `chunk` that are not in the files."""
        from store import ftm_reads

        outside = {v for ent in chunk for p in props for v in ent.props.get(p, ()) if v not in self.index}
        self.db_refs = ftm_reads.external_refs(self.conn, outside) if outside else {}

    def resolve(self, ftm_id: str) -> tuple[str, str] | None:
        seen = self.index.get(ftm_id)
        if seen is not None:
            return (seen.kind, seen.ref) if seen.ref and seen.kind in _TABLE else None
        return self.db_refs.get(ftm_id)

    def flush(self, *, force: bool = False) -> None:
        if self.batch and (force or len(self.batch) >= CHUNK):
            self.session.add(self.batch)
            self.batch = Batch()

    def pass_nodes(self, f: FtmFile, regions: list[Region]) -> None:
        for chunk in self.chunks(f, NODE):
            self.prefetch(chunk, {"partOf"})
            for ent in chunk:
                seen = self.index[ent.id]
                if not seen.write or seen.ref is None:
                    continue
                if seen.kind == "actor":
                    self.batch.actors.append(self.actor(ent, seen.ref))
                elif seen.kind == "source":
                    self.batch.sources.append(self.source(ent, seen.ref))
                elif seen.kind == "region":
                    regions.append(self.region(ent, seen.ref))
                else:
                    continue
                self.batch.external_ids.append(ExternalId(SYSTEM, ent.id, seen.kind, seen.ref))
                self.flush()

    def learn_regions(self, regions: list[Region]) -> None:
        """Regions this import adds become places that addresses and country codes can name."""
        for region in regions:
            self.region_ids.add(region.id)
            for name in [region.name, *(region.aliases or [])]:
                self.places.add(name, [("region", region.id)])

    def pass_evidence(self, f: FtmFile) -> None:
        link_props = {p for spec in M.EVIDENCE_SCHEMAS.values() for p, _ in spec.links} | {"proof", "document"}
        for chunk in self.chunks(f, NODE):
            self.prefetch(chunk, link_props)
            for ent in chunk:
                seen = self.index[ent.id]
                if seen.kind == "actor" and seen.ref:
                    self.actor_location(ent, seen.ref)
                elif seen.kind == "evidence" and seen.ref:
                    ev = self.evidence(ent, seen.ref)
                    if ev is not None:
                        self.batch.evidence.append(ev)
                        self.batch.external_ids.append(ExternalId(SYSTEM, ent.id, "evidence", ev.id))
                self.flush()

    def pass_relations(self, f: FtmFile) -> None:
        props = {p for spec in M.RELATION_SCHEMAS.values() for p in (spec.subject, spec.object)}
        for chunk in self.chunks(f, LINK):
            self.prefetch(chunk, props)
            for ent in chunk:
                self.batch.relations += self.relations(ent)
                self.flush()

    # -------------------------------------------------------------------------------------- values

    def _bad(self, ent: Entity, prop: str, error: str) -> None:
        self.report.warn(f"invalid {prop} values (skipped)", f"{ent.file}:{ent.line}: {ent.label}: {prop}: {error}")

    def texts(self, ent: Entity, *props: str, limit: int = vocab.MAX_TEXT) -> list[str]:
        out: list[str] = []
        for prop in props:
            for value in ent.props.get(prop, ()):
                try:
                    text = vocab.check_text(value, limit=limit)
                except ValueError as e:
                    self._bad(ent, prop, str(e))
                    continue
                if text and text not in out:
                    out.append(text)
        return out

    def date(self, ent: Entity, *props: str) -> str | None:
        for prop in props:
            for value in ent.props.get(prop, ()):
                m = _PARTIAL_DATE.match(value)
                try:
                    return vocab.check_date(m.group() if m else value)
                except ValueError as e:
                    self._bad(ent, prop, str(e))
        return None

    def country(self, ent: Entity) -> str | None:
        for prop in M.COUNTRY_PROPS:
            for value in ent.props.get(prop, ()):
                code = _country_code(value)
                if code:
                    return code
                if value.lower() not in M.COUNTRY_REGIONS:
                    self._bad(ent, prop, f"{value[:40]!r} is not a known country")
        return None

    def _hint(self, ent: Entity, key: str, check: Any) -> Any:
        if key not in ent.hint:
            return None
        try:
            return check(ent.hint[key])
        except (ValueError, TypeError) as e:
            self.report.warn(f"invalid `findings.{key}` hint (ignored)", f"{ent.file}:{ent.line}: {ent.label}: {e}")
            return None

    def _one_line(self, ent: Entity, props: tuple[str, ...], limit: int) -> str | None:
        values = self.texts(ent, *props, limit=limit)
        return values[0] if values else None

    def _joined(self, ent: Entity, props: tuple[str, ...], separator: str = "\n\n") -> str | None:
        parts = _distinct(self.texts(ent, *props))
        if not parts:
            return None
        text = separator.join(parts)
        if len(text) > vocab.MAX_TEXT:
            self.report.warn("texts shortened to the 20,000-character limit", f"{ent.file}:{ent.line}: {ent.label}")
            text = text[: vocab.MAX_TEXT - 1] + "…"
        return text

    # -------------------------------------------------------------------------------------- records

    def actor(self, ent: Entity, ref: str) -> Actor:
        name = self._name(ent) or ref
        names = self.texts(ent, "name", *M.ALIAS_PROPS, limit=vocab.MAX_NAME)
        seen_names, aliases = {name.casefold()}, []
        for alias in names:
            if alias.casefold() not in seen_names:
                seen_names.add(alias.casefold())
                aliases.append(alias)
        kind = M.ACTOR_SCHEMAS[ent.schema]
        if ent.schema == "PublicBody" and M.STATE_TOPICS & set(ent.values("topics")):
            kind = "state"
        kind = self._hint(ent, "kind", lambda v: vocab.check_choice(v, vocab.ACTOR_KINDS)) or kind
        return Actor(
            id=ref,
            name=name,
            kind=kind,
            country=self.country(ent),
            summary=self._joined(ent, M.SUMMARY_PROPS),
            role=self._hint(ent, "role", lambda v: vocab.check_text(v, limit=vocab.MAX_TITLE)),
            aliases=aliases,
            origin=ent.origin(),
        )

    def source(self, ent: Entity, ref: str) -> Source:
        urls = []
        for value in ent.values("sourceUrl"):
            try:
                urls.append(vocab.check_url(value))
            except ValueError as e:
                self._bad(ent, "sourceUrl", str(e))
        authors = self.texts(ent, "author", limit=vocab.MAX_NAME)
        return Source(
            id=ref,
            title=self._name(ent) or ref,
            publisher=self._one_line(ent, ("publisher",), vocab.MAX_NAME),
            authors="; ".join(authors)[: vocab.MAX_TITLE] or None,
            url=urls[0] if urls else None,
            published=self.date(ent, "publishedAt", "date", "authoredAt"),
            kind=self._hint(ent, "kind", lambda v: vocab.check_choice(v, vocab.SOURCE_KINDS))
            or (None if "id" in ent.hint else M.SOURCE_SCHEMAS[ent.schema]),  # our own export: no kind stays none
            accessed=self.date(ent, "retrievedAt"),
            notes=self._joined(ent, M.SUMMARY_PROPS),
            origin=ent.origin(),
        )

    def region(self, ent: Entity, ref: str) -> Region:
        name = self._name(ent) or ref
        aliases = [a for a in self.texts(ent, "name", "alias", limit=vocab.MAX_NAME) if a.casefold() != name.casefold()]
        iso = next((c.upper() for c in ent.values("territoryCode") if _ISO_3166_2.fullmatch(c)), None)
        if iso and iso.lower() in M.COUNTRY_REGIONS:
            iso = None  # ua-cri is FtM's code, not ISO 3166-2
        parent = None
        for value in ent.values("partOf"):
            target = self.resolve(value)
            if target and target[0] == "region" and target[1] != ref:
                parent = target[1]
                break
        level = next((M.TERRITORY_LEVELS[v] for v in ent.values("level") if v in M.TERRITORY_LEVELS), None)
        return Region(
            id=ref,
            name=name,
            kind=self._hint(ent, "kind", lambda v: vocab.check_choice(v, vocab.REGION_KINDS)) or level,
            iso_code=iso,
            parent_id=parent,
            occupied_since=self._hint(ent, "occupied_since", vocab.check_date),
            aliases=list(dict.fromkeys(aliases)),
            origin=ent.origin(),
        )

    def _places(self, ent: Entity, *, codes: bool = True) -> tuple[set[str], list[str]]:
        """Regions named by an entity's country codes, place texts and Address entities, and those texts."""
        regions = self._regions_of_codes(ent.values(*M.COUNTRY_PROPS)) if codes else set()
        said = [f"country code {c}" for c in ent.values(*M.COUNTRY_PROPS) if c.lower() in M.COUNTRY_REGIONS]
        for text in ent.values(*M.PLACE_PROPS):
            found = self._regions_in([text])
            if found:
                regions |= found
                said.append(f"address “{text[:300]}”")
        for address in ent.values("addressEntity"):
            if address in self.addresses:
                found_regions, text = self.addresses[address]
                regions |= set(found_regions)
                said.append(f"address “{text[:300]}”")
        return regions, said

    def actor_location(self, ent: Entity, ref: str) -> None:
        """A finding that links an actor to the region its address or country code names."""
        regions, said = self._places(ent)
        if not regions:
            return
        name = self._name(ent) or ref
        claim = f"The FtM record of {name} gives {'; '.join(dict.fromkeys(said))}."
        self.batch.evidence.append(
            Evidence(
                id=f"{ref[:110]}-location",
                claim=claim[: vocab.MAX_TEXT],
                category="other",
                source_id=self.source_for(ent),
                status="unreviewed",
                actors=[(ref, None)],
                regions=sorted(regions),
                origin=ent.origin(),
            )
        )

    def source_for(self, ent: Entity) -> str:
        """The first proof document, else a Documentation's document, else the file's own source."""
        for doc in ent.values("proof") + self.documented_by.get(ent.id, []):
            target = self.resolve(doc)
            if target and target[0] == "source":
                return target[1]
        return self.file_source(ent.file)

    def file_source(self, file: str) -> str:
        if file in self.file_sources:
            return self.file_sources[file]
        base = Path(file).name if file != "<stdin>" else "stdin"
        title = f"FollowTheMoney file {base}"
        source_id = f"ftm-{slugify(Path(base).stem) or 'file'}"
        row = self.conn.execute("SELECT title FROM sources WHERE id = ?", (source_id,)).fetchone()
        if (row and row[0] != title) or source_id in self.session.seen["sources"]:
            source_id = f"{source_id}-{short_hash(file)}"
        self.batch.sources.append(
            Source(
                id=source_id,
                title=title,
                kind="dataset",
                notes="Entities imported with `findings import ftm`; the findings made from them that name no "
                "source document of their own cite this file.",
                origin=Origin(file, None, "file"),
            )
        )
        self.file_sources[file] = source_id
        return source_id

    def evidence(self, ent: Entity, ref: str) -> Evidence | None:
        spec = M.EVIDENCE_SCHEMAS[ent.schema]
        actors: dict[str, str | None] = {}
        wanted = missing = 0
        roles = self._hint(ent, "roles", _roles) or {}
        source_id: str | None = None
        if ent.schema == M.DOCUMENTATION_SCHEMA:
            docs = [t[1] for d in ent.values("document") if (t := self.resolve(d)) and t[0] == "source"]
            targets = [self.resolve(e) for e in ent.values("entity")]
            if not docs or not any(t and t[0] == "actor" for t in targets):
                return None  # it only names the source of a finding (see source_for), or links nothing we keep
            source_id = docs[0]
        for prop, role in spec.links:
            for value in ent.values(prop):
                wanted += 1
                target = self.resolve(value)
                if target is None:
                    missing += 1
                    self._missing(ent, prop, value)
                elif target[0] == "actor":
                    actors.setdefault(target[1], roles.get(target[1], role))
        regions, _ = self._places(ent, codes=ent.schema != "Sanction")  # a sanction's country is the authority's
        hinted = self._hint(ent, "regions", lambda v: [vocab.check_id(r) for r in v])
        if hinted is not None:
            regions = {r for r in hinted if r in self.region_ids or r in self.session.seen["regions"]}
        if wanted and missing == wanted and not regions:
            self.report.warn(
                "findings whose entities are neither in the file nor the database (skipped)",
                f"{ent.file}:{ent.line}: {ent.label}",
            )
            return None
        claim = self.claim(ent, spec)
        if claim is None:
            self.report.warn(f"{ent.schema} without any text (skipped)", f"{ent.file}:{ent.line}: {ent.label}")
            return None
        return Evidence(
            id=ref,
            claim=claim,
            category=self._hint(ent, "category", lambda v: vocab.check_choice(v, vocab.CATEGORIES, required=True))
            or spec.category,
            source_id=source_id or self.source_for(ent),
            quote=self._hint(ent, "quote", vocab.check_text),
            date=self.date(ent, *spec.date_props),
            quantity=self._hint(ent, "quantity", vocab.check_quantity),
            unit=self._hint(ent, "unit", lambda v: vocab.check_text(v, limit=vocab.MAX_NAME)),
            locator=self._hint(ent, "locator", lambda v: vocab.check_text(v, limit=vocab.MAX_NAME)),
            status=self._hint(ent, "status", lambda v: vocab.check_choice(v, vocab.STATUSES)) or "unreviewed",
            confidence=self._hint(ent, "confidence", lambda v: vocab.check_choice(v, vocab.CONFIDENCE)),
            actors=list(actors.items()),
            regions=sorted(regions),
            origin=ent.origin(),
        )

    def claim(self, ent: Entity, spec: M.EvidenceSpec) -> str | None:
        parts = _distinct(self.texts(ent, *spec.claim_props))
        if ent.schema == "Sanction":
            head = "Sanction"
            authorities = self.texts(ent, "authority", limit=vocab.MAX_NAME)
            programs = self.texts(ent, "program", limit=vocab.MAX_NAME)
            if authorities:
                head += " by " + ", ".join(authorities)
            if programs:
                head += " under " + ", ".join(programs)
            text: str | None = head + (": " + "; ".join(parts) if parts else "")
        elif ent.schema == M.DOCUMENTATION_SCHEMA:
            parts = _distinct(self.texts(ent, "role") + parts)
            titles = [self.titles[d] for d in ent.values("document") if d in self.titles]
            text = _sentences(parts) if parts else f"Documented in “{titles[0]}”." if titles else None
        else:
            text = _sentences(parts) if parts else None
        if text and len(text) > vocab.MAX_TEXT:
            self.report.warn("texts shortened to the 20,000-character limit", f"{ent.file}:{ent.line}: {ent.label}")
            text = text[: vocab.MAX_TEXT - 1] + "…"
        return text

    def _missing(self, ent: Entity, prop: str, value: str) -> None:
        seen = self.index.get(value)
        why = "was not imported" if seen is not None else "is neither in the file nor the database"
        self.report.warn(
            "references to entities that are not here (skipped)",
            f"{ent.file}:{ent.line}: {ent.label}: {prop} {value[:60]!r} {why}",
        )

    def relations(self, ent: Entity) -> list[Relation]:
        spec = M.RELATION_SCHEMAS[ent.schema]
        ends: dict[str, list[str]] = {}
        for prop in (spec.subject, spec.object):
            ends[prop] = []
            values = ent.values(prop)
            if not values:
                self.report.warn(f"{ent.schema} without {prop} (skipped)", f"{ent.file}:{ent.line}: {ent.label}")
            for value in values:
                target = self.resolve(value)
                if target is None:
                    self._missing(ent, prop, value)
                elif target[0] != "actor":
                    self.report.warn(
                        f"{ent.schema} whose {prop} is not an actor (skipped)", f"{ent.file}:{ent.line}: {ent.label}"
                    )
                else:
                    ends[prop].append(target[1])
        kind = self._hint(ent, "kind", vocab.check_relation_kind) or spec.kind
        role = self._one_line(ent, spec.role_props, vocab.MAX_NAME)
        if ent.schema == "Ownership" and not ent.hint:
            percentage = self._one_line(ent, ("percentage",), 40)
            if percentage:
                percentage = percentage if percentage.endswith("%") else f"{percentage}%"
                role = f"{role}, {percentage}" if role else percentage
        start = self.date(ent, "startDate", "date")
        end = self.date(ent, "endDate")
        if start and end and end < start:
            self._bad(ent, "endDate", f"{end} is before the start {start}")
            end = None
        evidence_id = self._hint(ent, "evidence", vocab.check_id)
        if evidence_id and evidence_id not in self.session.seen["evidence"]:
            from store.write import existing_ids

            if not existing_ids(self.conn, "evidence", [evidence_id]):
                self.report.warn("relations citing an unknown finding (link dropped)", f"{ent.file}:{ent.line}")
                evidence_id = None
        out = []
        for subject in ends[spec.subject]:
            for obj in ends[spec.object]:
                key = (subject, obj, kind)
                if key in self.relation_keys:
                    self.report.warn("the same relation twice (later ones skipped)", f"{ent.file}:{ent.line}")
                    continue
                self.relation_keys.add(key)
                out.append(Relation(subject, obj, kind, role, evidence_id, start, end, ent.origin()))
        return out


def _country_code(value: str) -> str | None:
    text = value.strip()
    if len(text) == 2 and text.upper() in vocab.COUNTRIES:
        return text.upper()
    folded = text.casefold()
    if folded in M.COUNTRY_NAMES:
        return M.COUNTRY_NAMES[folded]
    return _country_names().get(folded)


_COUNTRY_NAMES: dict[str, str] = {}


def _country_names() -> dict[str, str]:
    if not _COUNTRY_NAMES:
        for code, (alpha3, name, others) in vocab.COUNTRIES.items():
            for label in (alpha3, name, *others):
                _COUNTRY_NAMES.setdefault(label.casefold(), code)
    return _COUNTRY_NAMES


def _roles(value: Any) -> dict[str, str | None]:
    if not isinstance(value, dict):
        raise ValueError("must be an object of actor id -> role")
    return {vocab.check_id(k): vocab.check_text(v, limit=vocab.MAX_NAME) for k, v in value.items()}


def _distinct(parts: list[str]) -> list[str]:
    """Drop texts that another one already contains (a name that is the start of the description, a claim
    shortened with '…' for an Event's name)."""
    folded = [" ".join(p.rstrip("…").split()).casefold() for p in parts]
    out = []
    for i, part in enumerate(parts):
        if any(
            j != i and folded[i] in folded[j] and (len(folded[j]) > len(folded[i]) or j < i) for j in range(len(parts))
        ):
            continue
        out.append(part)
    return out


def _sentences(parts: list[str]) -> str:
    """Texts joined as sentences: 'Forum in Yalta' + 'Delegates from ...' -> 'Forum in Yalta. Delegates from ...'"""
    last = len(parts) - 1
    return " ".join(p if i == last or p[-1] in ".!?…:;\"”'" else p + "." for i, p in enumerate(parts))


# ------------------------------------------------------------------------------------------------ command


def run_import(db_path: Path, paths: tuple[str, ...], *, skip_invalid: bool = False, dry_run: bool = False) -> None:
    from importers.progress import DelayedProgress
    from importers.session import ImportSession
    from importers.summary import print_summary

    if list(paths).count("-") > 1:
        raise click.UsageError("standard input (-) can be read only once")
    report = Report()
    with contextlib.ExitStack() as stack:
        files = [FtmFile(path, stack) for path in paths]
        with ImportSession(db_path, "ftm", dry_run=dry_run) as session:
            job = FtmImport(session, report)
            with DelayedProgress("checking FtM lines", unit="files", total=len(files)) as bar:
                for f in files:
                    job.index_file(f, skip_invalid=skip_invalid)
                    bar.advance()
            job.assign_ids()
            regions: list[Region] = []
            with DelayedProgress("importing FtM entities", unit="passes", total=3 * len(files)) as bar:
                for f in files:
                    job.pass_nodes(f, regions)
                    bar.advance()
                job.flush(force=True)
                if regions:  # parents may come after their children: all regions in one batch
                    session.add(Batch(regions=regions))
                    job.learn_regions(regions)
                for f in files:
                    job.pass_evidence(f)
                    bar.advance()
                job.flush(force=True)
                for f in files:
                    job.pass_relations(f)
                    bar.advance()
                job.flush(force=True)
            for f in files:
                session.add_file(f.name, f.sha.hexdigest())
    print_summary(session.counts, dry_run=dry_run, title=f"import ftm: {len(files)} file(s)")
    report.print()
