"""FollowTheMoney export: the database as FtM entities, one JSON object per line (`findings export ftm`).

Sources are Articles; regions Territories; actors Person, Company, Organization or PublicBody (a state is a
PublicBody with topic `gov.national`); relations Ownership, Directorship, Membership, ... (UnknownLink for
kinds FtM has no schema for); findings Events when dated, else Notes, citing their source as `proof`. See
importers/ftm_mapping.py for the table.

Each entity also carries a `findings` object with what FtM has no property for (our id and kind, a finding's
category, status, locator, quote, quantity, confidence, the roles and regions of its links, a relation's kind
and finding), so that `findings import ftm` of the file into an empty database gives the same content back.
Rows are streamed from ordered queries: memory does not grow with the database.
"""

from __future__ import annotations

import json
import sqlite3
from typing import TYPE_CHECKING, Any

from importers import ftm_mapping as M
from importers.slugs import short_hash
from store import ftm_reads
from store.text import json_safe

if TYPE_CHECKING:
    from _typeshed import SupportsWrite


def ftm_id(kind: str, ident: str) -> str:
    return f"{M.EXPORT_PREFIX}-{kind}-{ident}"


def _props(**values: Any) -> dict[str, list[str]]:
    """FtM properties: lists of strings, empty ones left out."""
    out: dict[str, list[str]] = {}
    for key, value in values.items():
        items = value if isinstance(value, list) else [value]
        items = [str(v) for v in items if v is not None and v != ""]
        if items:
            out[key] = items
    return out


def _entity(ident: str, schema: str, props: dict[str, list[str]], hint: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": ident,
        "schema": schema,
        "properties": props,
        M.HINT_KEY: {k: v for k, v in hint.items() if v is not None and v != [] and v != {}},
    }


def source_entity(rec: dict[str, Any]) -> dict[str, Any]:
    props = _props(
        title=rec["title"],
        author=rec["authors"],
        publisher=rec["publisher"],
        sourceUrl=rec["url"],
        publishedAt=rec["published"],
        retrievedAt=rec["accessed"],
        notes=rec["notes"],
    )
    return _entity(ftm_id("source", rec["id"]), "Article", props, {"id": rec["id"], "kind": rec["kind"]})


def region_entity(rec: dict[str, Any]) -> dict[str, Any]:
    iso = rec["iso_code"]
    props = _props(
        name=rec["name"],
        alias=rec["aliases"],
        territoryCode=iso.lower() if iso else None,
        level=M.REGION_KIND_LEVELS.get(rec["kind"] or ""),
        partOf=ftm_id("region", rec["parent_id"]) if rec["parent_id"] else None,
        country=iso.split("-")[0].lower() if iso and "-" in iso else None,
    )
    hint = {"id": rec["id"], "kind": rec["kind"], "occupied_since": rec["occupied_since"]}
    return _entity(ftm_id("region", rec["id"]), M.REGION_SCHEMA, props, hint)


def actor_entity(rec: dict[str, Any]) -> dict[str, Any]:
    schema = M.ACTOR_KIND_SCHEMAS.get(rec["kind"], "LegalEntity")
    props = _props(
        name=rec["name"],
        alias=rec["aliases"],
        country=rec["country"].lower() if rec["country"] else None,
        summary=rec["summary"],
        topics=sorted(M.STATE_TOPICS) if rec["kind"] == "state" else None,
    )
    hint = {"id": rec["id"], "kind": rec["kind"], "role": rec["role"]}
    return _entity(ftm_id("actor", rec["id"]), schema, props, hint)


def _short(text: str) -> str:
    return text if len(text) <= M.SHORT_NAME else text[: M.SHORT_NAME - 1].rstrip() + "…"


def evidence_entity(rec: dict[str, Any], region_names: dict[str, str]) -> dict[str, Any]:
    actors = [ftm_id("actor", a) for a, role in rec["actors"] if role != "organizer"]
    organizers = [ftm_id("actor", a) for a, role in rec["actors"] if role == "organizer"]
    codes = [M.REGION_COUNTRY_CODES[r] for r in rec["regions"] if r in M.REGION_COUNTRY_CODES]
    places = [region_names[r] for r in rec["regions"] if r not in M.REGION_COUNTRY_CODES and r in region_names]
    proof = ftm_id("source", rec["source_id"])
    if rec["date"]:
        schema = "Event"
        props = _props(
            name=_short(rec["claim"]),
            description=rec["claim"],
            date=rec["date"],
            involved=actors,
            organizer=organizers,
            country=codes,
            location=places,
            proof=proof,
        )
    else:
        schema = "Note"
        props = _props(description=rec["claim"], entity=actors + organizers, country=codes, address=places, proof=proof)
    hint = {
        "id": rec["id"],
        "category": rec["category"],
        "status": rec["status"],
        "locator": rec["locator"],
        "quote": rec["quote"],
        "quantity": rec["quantity"],
        "unit": rec["unit"],
        "confidence": rec["confidence"],
        "roles": {a: role for a, role in rec["actors"] if role is not None},
        "regions": rec["regions"],
    }
    return _entity(ftm_id("evidence", rec["id"]), schema, props, hint)


def relation_entity(rec: dict[str, Any], exported_evidence: set[str] | None) -> dict[str, Any]:
    schema = M.RELATION_KIND_SCHEMAS.get(rec["kind"], "UnknownLink")
    spec = M.RELATION_SCHEMAS[schema]
    subject_schema = M.ACTOR_KIND_SCHEMAS.get(rec["subject_kind"], "LegalEntity")
    object_schema = M.ACTOR_KIND_SCHEMAS.get(rec["object_kind"], "LegalEntity")
    if (spec.subject_schemas and subject_schema not in spec.subject_schemas) or (
        spec.object_schemas and object_schema not in spec.object_schemas
    ):
        schema, spec = "UnknownLink", M.RELATION_SCHEMAS["UnknownLink"]
    props = _props(
        **{
            spec.subject: ftm_id("actor", rec["subject_id"]),
            spec.object: ftm_id("actor", rec["object_id"]),
            spec.role_props[0]: rec["role"],
            "startDate": rec["start"],
            "endDate": rec["end"],
            "proof": ftm_id("source", rec["source_id"]) if rec["source_id"] else None,
        }
    )
    evidence = rec["evidence_id"]
    if evidence and exported_evidence is not None and evidence not in exported_evidence:
        evidence = None
    ident = ftm_id("relation", short_hash(f"{rec['subject_id']}|{rec['kind']}|{rec['object_id']}", 16))
    return _entity(ident, schema, props, {"kind": rec["kind"], "evidence": evidence})


def export(conn: sqlite3.Connection, out: SupportsWrite[str], *, query: str | None = None) -> int:
    """Write FtM JSON lines to `out`: everything, or the findings `query` matches (query language of
    store.query) with the sources, actors and relations they involve, and every region. Returns the number of
    entities written."""
    scope = _scope(conn, query) if query and query.strip() else None
    n = 0

    def write(entity: dict[str, Any]) -> None:
        nonlocal n
        out.write(json_safe(json.dumps(entity, ensure_ascii=False, sort_keys=True)))  # C1/bidi as \u escapes
        out.write("\n")
        n += 1

    region_names: dict[str, str] = {}
    for rec in ftm_reads.sources(conn, scope["sources"] if scope else None):
        write(source_entity(rec))
    for rec in ftm_reads.regions(conn):
        region_names[rec["id"]] = rec["name"]
        write(region_entity(rec))
    for rec in ftm_reads.actors(conn, scope["actors"] if scope else None):
        write(actor_entity(rec))
    for rec in ftm_reads.evidence(conn, scope["evidence"] if scope else None):
        write(evidence_entity(rec, region_names))
    for rec in ftm_reads.relations(conn, scope["actors"] if scope else None):
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
