"""FollowTheMoney export: the database as FtM entities, one JSON object per line (`findings export ftm`).

Sources are Articles (or the document schema they came from); regions Territories; actors Person, Company,
Organization, PublicBody, LegalEntity or Vessel (a state is a PublicBody with topic `gov.national`); relations
Ownership (with its `percentage`), Directorship, Membership, ... where FtM's ranges allow the two ends, else
UnknownLink with the relation's kind as its role; findings made from a Sanction (or linked to an actor as
`sanctioned` in category `sanctions`) are Sanctions, from a Payment Payments, the others Events when dated,
else Notes (Notes too when they name what an Event may not involve, such as a vessel), their category as
`keywords`, citing their source as `proof`. Every property is one the schema has, every reference points at
an entity of the range FtM requires, so the file passes `ftm validate` and merges with other FtM data.

What came from FollowTheMoney goes back as it came: the entity's original FtM id, its datasets, first and last
seen, referents, identifiers (innCode, leiCode, imoNumber, ...), topics and every country, a sanction's
authority, program and dates (store/ftm_properties via ftm_reads). Each entity also carries a `findings` object
with what FtM has no property for (our id and kind, a finding's category, status, locator, quote, quantity,
confidence, language, the roles and regions of its links, a relation's kind and finding), so that `findings import ftm`
of the file into an empty database gives the same content back. Rows are streamed from ordered queries:
memory does not grow with the database.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from typing import TYPE_CHECKING, Any

from store import ftm_mapping as M
from store import ftm_reads
from store.text import json_safe

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

IDENTIFIER_PROPS: dict[str, str] = {system: prop for prop, system in M.IDENTIFIER_SYSTEMS.items()}


def ftm_id(kind: str, ident: str) -> str:
    return f"{M.EXPORT_PREFIX}-{kind}-{ident}"


def _own(rec: dict[str, Any], kind: str) -> str:
    """The FtM id the record came from, else the one the export makes for it."""
    return rec.get("ftm_id") or ftm_id(kind, rec["id"])


def actor_schema(kind: str, imported: str | None) -> str:
    """The schema an actor is exported as: the one it was imported from when that still fits its kind."""
    if imported and M.ACTOR_SCHEMAS.get(imported) == kind:
        return imported
    return M.ACTOR_KIND_SCHEMAS.get(kind, "LegalEntity")


def _props(schema: str, values: dict[str, Any]) -> dict[str, list[str]]:
    """FtM properties: lists of strings, empty ones and properties the schema does not have left out."""
    known = M.properties(schema)
    out: dict[str, list[str]] = {}
    for key, value in values.items():
        spec = known.get(key)
        if spec is None or spec[3]:
            continue
        items = value if isinstance(value, list) else [value]
        items = list(dict.fromkeys(str(v) for v in items if v is not None and v != ""))
        if items:
            out[key] = items
    return out


def _kept(rec: dict[str, Any], *exclude: str) -> dict[str, list[str]]:
    """The FtM values the record was imported with (not the '@' entity metadata)."""
    return {k: v for k, v in rec.get("ftm", {}).items() if not k.startswith("@") and k not in exclude}


def _entity(ident: str, schema: str, props: dict[str, list[str]], hint: dict[str, Any], rec: dict) -> dict[str, Any]:
    entity: dict[str, Any] = {"id": ident, "schema": schema, "properties": props}
    ftm = rec.get("ftm", {})
    if ftm.get("@dataset"):
        entity["datasets"] = ftm["@dataset"]
    if ftm.get("@first_seen"):
        entity["first_seen"] = min(ftm["@first_seen"])
    if ftm.get("@last_seen"):
        entity["last_seen"] = max(ftm["@last_seen"])
    if rec.get("referents"):
        entity["referents"] = rec["referents"]
    entity[M.HINT_KEY] = {k: v for k, v in hint.items() if v is not None and v != [] and v != {}}
    return entity


def source_entity(rec: dict[str, Any]) -> dict[str, Any]:
    imported = (rec["ftm"].get("@schema") or [None])[0]
    schema = imported if imported in M.SOURCE_SCHEMAS else "Article"
    values: dict[str, Any] = {
        "title": rec["title"],
        "author": rec["authors"],
        "publisher": rec["publisher"],
        "sourceUrl": rec["url"],
        "publishedAt": rec["published"],
        "retrievedAt": rec["accessed"],
        "notes": rec["notes"],
    }
    hint = {"id": rec["id"], "kind": rec["kind"]}
    return _entity(_own(rec, "source"), schema, _props(schema, {**_kept(rec), **values}), hint, rec)


Wholes = dict[str, tuple[list[str], list[str], list[str]]]  # ftm_reads.wholes: region -> parts' ids, names; countries


def _as_a_whole(name: str, parts: list[str]) -> str:
    """What a finding about a region with parts says: about all of it, about none of its parts in particular."""
    listed = ", ".join(parts[:8]) + (", …" if len(parts) > 8 else "")
    return f"General: about {name} as a whole, not about one of its parts ({listed}) in particular."


def region_entity(rec: dict[str, Any], wholes: Wholes | None = None) -> dict[str, Any]:
    iso = rec["iso_code"]
    parent = rec["parent_ftm_id"] or (ftm_id("region", rec["parent_id"]) if rec["parent_id"] else None)
    whole = (wholes or {}).get(rec["id"])
    values = {
        "name": rec["name"],
        "alias": rec["aliases"],
        "territoryCode": iso.lower() if iso else None,
        "level": M.REGION_KIND_LEVELS.get(rec["kind"] or ""),
        "partOf": parent,
        "country": iso.split("-")[0].lower() if iso and "-" in iso else (whole[2] if whole else None),
        # a region with parts (the occupied territories) says so, for readers of the file who do not follow partOf
        "summary": f"{rec['name']} as a whole, made of {', '.join(whole[1])}: findings about it are general, "
        "about none of these in particular."
        if whole
        else None,
    }
    hint = {"id": rec["id"], "kind": rec["kind"], "occupied_since": rec["occupied_since"]}
    return _entity(_own(rec, "region"), M.REGION_SCHEMA, _props(M.REGION_SCHEMA, {**_kept(rec), **values}), hint, rec)


def actor_entity(rec: dict[str, Any]) -> dict[str, Any]:
    imported = (rec["ftm"].get("@schema") or [None])[0]
    schema = actor_schema(rec["kind"], imported)
    kept = _kept(rec)
    countries = kept.pop("country", None) or ([rec["country"].lower()] if rec["country"] else [])
    topics = kept.pop("topics", [])
    if rec["kind"] == "state":
        topics = [*topics, *sorted(M.STATE_TOPICS)]
    values: dict[str, Any] = {**kept, "name": rec["name"], "alias": rec["aliases"], "summary": rec["summary"]}
    values["flag" if schema == "Vessel" else "country"] = countries
    values["topics"] = topics
    for system, value in rec["identifiers"]:
        prop = IDENTIFIER_PROPS.get(system)
        if prop:
            values.setdefault(prop, [])
            values[prop] = [*values[prop], value] if isinstance(values[prop], list) else [values[prop], value]
    hint = {"id": rec["id"], "kind": rec["kind"], "role": rec["role"]}
    return _entity(_own(rec, "actor"), schema, _props(schema, values), hint, rec)


def _short(text: str) -> str:
    return text if len(text) <= M.SHORT_NAME else text[: M.SHORT_NAME - 1].rstrip() + "…"


def evidence_entity(rec: dict[str, Any], region_names: dict[str, str], wholes: Wholes | None = None) -> dict[str, Any]:
    """A finding as the FtM schema it came from (Sanction, Payment), else an Event or a Note. One about a
    region as a whole (the occupied territories) carries that region's country and a summary saying it is
    general, so that no reader of the file takes it for a finding about one of its parts."""
    links = rec["actors"]  # (actor id, role, FtM id, kind, imported schema)

    def ref(link: tuple) -> str:
        return link[2] or ftm_id("actor", link[0])

    def legal(link: tuple) -> bool:
        return M.is_a(actor_schema(link[3], link[4]), "LegalEntity")

    imported = (rec["ftm"].get("@schema") or [None])[0]
    codes = [M.REGION_COUNTRY_CODES[r] for r in rec["regions"] if r in M.REGION_COUNTRY_CODES]
    places = [region_names[r] for r in rec["regions"] if r not in M.REGION_COUNTRY_CODES and r in region_names]
    proof = rec["source_ftm_id"] or ftm_id("source", rec["source_id"])
    sanctioned = [link for link in links if link[1] == "sanctioned"]
    kept = _kept(rec)
    wholes = wholes or {}
    whole = [(region_names.get(r, r), *wholes[r]) for r in rec["regions"] if r in wholes]
    whole_countries = [c for *_, countries in whole for c in countries if c not in codes]
    # general: about a whole and none of its parts (one naming Luhansk and the whole is about Luhansk)
    general = " ".join(_as_a_whole(name, names) for name, ids, names, _ in whole if not set(ids) & set(rec["regions"]))
    if imported == "Sanction" or (sanctioned and rec["category"] == "sanctions"):
        schema = "Sanction"
        values: dict[str, Any] = {
            **kept,
            "entity": [ref(link) for link in (sanctioned or links)],
            "description": rec["claim"],
            "startDate": kept.get("startDate") or rec["date"],
            "summary": general or None,
            "proof": proof,
        }
    elif imported == "Payment" and all(legal(link) for link in links):
        schema = "Payment"
        values = {
            **kept,
            "payer": [ref(link) for link in links if link[1] == "payer"],
            "beneficiary": [ref(link) for link in links if link[1] == "beneficiary"],
            "amount": rec["quantity"] if rec["quantity"] is not None else None,
            "currency": rec["unit"],
            "date": rec["date"],
            "description": rec["claim"],
            "summary": general or None,
            "proof": proof,
        }
    elif rec["date"] and all(legal(link) for link in links):
        schema = "Event"
        values = {
            "name": _short(rec["claim"]),
            "description": rec["claim"],
            "date": rec["date"],
            "involved": [ref(link) for link in links if link[1] != "organizer"],
            "organizer": [ref(link) for link in links if link[1] == "organizer"],
            "country": codes + whole_countries,
            "location": places,
            "summary": general or None,
            "keywords": rec["category"],
            "proof": proof,
        }
    else:
        schema = "Note"
        values = {
            "description": rec["claim"],
            "entity": [ref(link) for link in links],
            "country": codes + whole_countries,
            "address": places,
            "summary": general or None,
            "keywords": rec["category"],
            "proof": proof,
        }
        if rec["date"]:
            values["name"] = f"{rec['date']}: {_short(rec['claim'])}"
    hint = {
        "id": rec["id"],
        "category": rec["category"],
        "status": rec["status"],
        "date": rec["date"] if schema == "Note" else None,
        "locator": rec["locator"],
        "quote": rec["quote"],
        "quantity": rec["quantity"],
        "unit": rec["unit"],
        "confidence": rec["confidence"],
        "lang": rec["lang"],
        "roles": {link[0]: link[1] for link in links if link[1] is not None},
        "regions": rec["regions"],
    }
    return _entity(_own(rec, "evidence"), schema, _props(schema, values), hint, rec)


def relation_entity(rec: dict[str, Any], exported_evidence: set[str] | None) -> dict[str, Any]:
    subject_schema = actor_schema(rec["subject_kind"], rec["subject_schema"])
    object_schema = actor_schema(rec["object_kind"], rec["object_schema"])
    schema = M.RELATION_KIND_SCHEMAS.get(rec["kind"], "UnknownLink")
    spec = M.RELATION_SCHEMAS[schema]
    if not spec.accepts(schema, subject_schema, object_schema):
        schema, spec = "UnknownLink", M.RELATION_SCHEMAS["UnknownLink"]
    role = rec["role"]
    percentage = rec["percentage"]
    if percentage and role:  # the importer shows the percentage after the role; FtM keeps it apart
        role = role.removesuffix(f"{percentage}%").rstrip().rstrip(",") or None
    elif percentage and role == f"{percentage}%":
        role = None
    if schema == "UnknownLink" and rec["kind"] != spec.kind:
        role = f"{rec['kind']}: {role}" if role else rec["kind"]
    values: dict[str, Any] = {
        **_kept(rec),
        spec.subject: rec["subject_ftm_id"] or ftm_id("actor", rec["subject_id"]),
        spec.object: rec["object_ftm_id"] or ftm_id("actor", rec["object_id"]),
        spec.role_props[0]: role,
        "percentage": percentage if schema == "Ownership" else None,
        "startDate": rec["start"],
        "endDate": rec["end"],
        "proof": (rec["source_ftm_id"] or ftm_id("source", rec["source_id"])) if rec["source_id"] else None,
    }
    evidence = rec["evidence_id"]
    if evidence and exported_evidence is not None and evidence not in exported_evidence:
        evidence = None
    if rec["ftm_id"]:
        ident = rec["ftm_id"]
    else:  # a native relation is one per (subject, kind, object); one an FtM id only links has its row id too
        key = f"{rec['subject_id']}|{rec['kind']}|{rec['object_id']}" + (f"|{rec['id']}" if rec["keyed"] else "")
        ident = ftm_id("relation", hashlib.sha1(key.encode("utf-8")).hexdigest()[:16])
    hint = {"kind": rec["kind"], "evidence": evidence, "role": rec["role"] if percentage else None}
    return _entity(ident, schema, _props(schema, values), hint, rec)


def export(
    conn: sqlite3.Connection, out: SupportsWrite[str], *, query: str | None = None, include_sensitive: bool = False
) -> int:
    """Write FtM JSON lines to `out`: everything, or the findings `query` matches (query language of
    store.query) with the sources, actors and relations they involve, and every region. Returns the number of
    entities written. Sensitive sources and findings, the findings of sensitive sources and the relations such
    findings state are left out unless `include_sensitive` (store.sensitivity)."""
    from store.sensitivity import hidden_evidence, sensitive_sources

    scope = _scope(conn, query) if query and query.strip() else None
    no_sources = set() if include_sensitive else sensitive_sources(conn)
    no_evidence = set() if include_sensitive else hidden_evidence(conn)
    n = 0

    def write(entity: dict[str, Any]) -> None:
        nonlocal n
        out.write(json_safe(json.dumps(entity, ensure_ascii=False, sort_keys=True)))  # C1/bidi as \u escapes
        out.write("\n")
        n += 1

    region_names: dict[str, str] = {}
    wholes = ftm_reads.wholes(conn)
    for rec in ftm_reads.sources(conn, scope["sources"] if scope else None):
        if rec["id"] not in no_sources:
            write(source_entity(rec))
    for rec in ftm_reads.regions(conn):
        region_names[rec["id"]] = rec["name"]
        write(region_entity(rec, wholes))
    for rec in ftm_reads.actors(conn, scope["actors"] if scope else None):
        write(actor_entity(rec))
    for rec in ftm_reads.evidence(conn, scope["evidence"] if scope else None):
        if rec["id"] not in no_evidence:
            write(evidence_entity(rec, region_names, wholes))
    for rec in ftm_reads.relations(conn, scope["actors"] if scope else None):
        if rec["evidence_id"] in no_evidence or rec["source_id"] in no_sources:
            continue
        write(relation_entity(rec, scope["evidence"] if scope else None))
    return n


def _scope(conn: sqlite3.Connection, query: str) -> dict[str, set[str]]:
    """The findings a query matches, and the actors and sources they involve."""
    from store.search import EvidenceFilter, iter_evidence_ids

    evidence: set[str] = set()
    for ids in iter_evidence_ids(conn, EvidenceFilter(query=query)):
        evidence.update(ids)
    actors, sources = ftm_reads.involved(conn, evidence)
    return {"evidence": evidence, "actors": actors, "sources": sources}
