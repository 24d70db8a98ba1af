"""How FollowTheMoney (FtM) entities map to findings' records, both ways: a small table over FtM's own model
(store/ftm_model.py, generated from the `followthemoney` library, which findings never needs: it pulls PyICU).

| FtM schema | findings | fields |
|---|---|---|
| Person, Company, Organization, PublicBody, LegalEntity, Vessel | actor, kind person, company, organization (a PublicBody with topic `gov.national` whose name is a country's is a state), vessel | caption (else the first name) -> name; other names, alias, previousName, weakAlias -> aliases; summary, description, notes, biography -> summary; the first country (country, jurisdiction, mainCountry, nationality, citizenship, flag ...) -> country; identifiers (innCode, ogrnCode, leiCode, imoNumber, registrationNumber, taxNumber, wikidataId, ...) and referents -> external_ids; topics, every country, addresses and positions -> a paragraph of the summary ("FtM record (...): ..."), a finding linking the occupied regions they name |
| Ownership | relation `owns` (owner -> asset) | role (or ownershipType) -> role, percentage -> percentage (and after the role); startDate (or date), endDate -> start, end |
| Directorship, Membership, Employment, Representation, Control | relation `director-of`, `member-of`, `employed-by`, `represents`, `controls` | role (or controlType) |
| Associate, Family, UnknownLink | relation `associate-of`, `family-of`, `linked-to` | relationship or role -> role |
| Sanction | finding, category `sanctions`, linked to `entity` (role `sanctioned`) | "Sanction by <authority> under <program> (from <start> to <end>, ended): <reason>"; the earliest of startDate, listingDate, date; sourceUrl -> locator |
| Payment | finding, category `finance`, linked to payer and beneficiary | amount (amountEur, amountUsd) -> quantity, currency -> unit; date |
| Occupancy (with its Position) | finding linked to the holder, and to a region the position names | "<holder> held the position <post> from <start> to <end>" |
| Event, Note | finding, category `other`, linked to involved / organizer / entity | name, summary, description -> claim; date |
| Documentation | the finding it documents cites its document as source; a documented actor gets a finding citing it | role, summary, description -> claim |
| Article, Document, Pages, PlainText, HyperText | source, kind `news-article` (Article) or `document` | title, author, publisher, sourceUrl, publishedAt, retrievedAt, summary |
| Territory | region (an existing one when its code or a region's own name matches) | name, alias, territoryCode (ISO 3166-2), partOf -> parent (else the region a gazetteer place lies in), level -> kind |
| Address | place text for the entities that point at it; it links a region only by its city, region and state (or the parts of `full` that are not a street) and not when it is in another country | full, street, city, region, state, country |
| Position | the post of the Occupancies that name it | name, country, subnationalArea |

Findings are `unreviewed`. Their source is the first `proof` document, else a Documentation's document, else
the entity's first dataset ("FtM dataset <name>", kind `dataset`), else a source standing for the imported file.
Every FtM value without a column (a sanction's authority and program, an actor's topics, the datasets and
first/last seen) is kept in `ftm_properties`, so that `findings export ftm` writes it back.

Entities written by `findings export ftm` carry a top-level `findings` object (our id, kind, category, status,
...), which FtM tools ignore; the importer honours it only for records that the same FtM entity created (or
that it matches exactly), and never takes `status: curated` from a file.
"""  # noqa: E501

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from store import ftm_model

HINT_KEY = "findings"

# ------------------------------------------------------------------------------------------------- model

Property = ftm_model.Property


def is_schema(name: str) -> bool:
    return name in ftm_model.SCHEMATA


@cache
def ancestors(schema: str) -> frozenset[str]:
    """The schema and every schema it extends (directly or not); empty for a schema FtM does not define."""
    if schema not in ftm_model.SCHEMATA:
        return frozenset()
    out = {schema}
    for parent in ftm_model.SCHEMATA[schema][0]:
        out |= ancestors(parent)
    return frozenset(out)


def is_a(schema: str, other: str) -> bool:
    return other in ancestors(schema)


@cache
def properties(schema: str) -> dict[str, Property]:
    """Every property of a schema, inherited ones included (empty for an unknown schema)."""
    out: dict[str, Property] = {}
    for name in sorted(ancestors(schema), key=lambda s: len(ancestors(s))):
        out.update(ftm_model.SCHEMATA[name][2])
    return out


def common_schema(left: str, right: str) -> str | None:
    """The more specific of two schemata of one entity, as FtM merges them (None: FtM refuses to merge)."""
    if left == right:
        return left
    if is_a(left, right):
        return left
    if is_a(right, left):
        return right
    return None


@cache
def country_properties(schema: str) -> tuple[str, ...]:
    """The schema's country-typed properties, the ones that say where it is first."""
    props = [p for p, spec in properties(schema).items() if spec[0] == "country"]
    return tuple(sorted(props, key=lambda p: (COUNTRY_ORDER.index(p) if p in COUNTRY_ORDER else len(COUNTRY_ORDER), p)))


@cache
def other_identifiers(schema: str) -> tuple[str, ...]:
    """The schema's identifier properties that are no record's key (KPP, OKPO ...): kept as FtM values."""
    return tuple(p for p, spec in properties(schema).items() if spec[0] == "identifier" and p not in IDENTIFIER_SYSTEMS)


COUNTRY_ORDER = ("country", "jurisdiction", "mainCountry", "nationality", "citizenship", "flag", "birthCountry")

# ------------------------------------------------------------------------------------------------- import

ACTOR_SCHEMAS: dict[str, str] = {
    "Person": "person",
    "Company": "company",
    "Organization": "organization",
    "PublicBody": "organization",
    "LegalEntity": "organization",
    "Vessel": "vessel",
}
STATE_TOPICS = frozenset({"gov.national"})  # a PublicBody with one of these, named as a country, is a state
NAME_PROPS = ("name",)
# Full texts that only feed search indexes in Aleph (a document's body): read and checked, not kept.
UNUSED_TEXTS = frozenset({"indexText", "bodyText", "bodyHtml", "translatedText"})
ALIAS_PROPS = ("alias", "previousName", "weakAlias")
SUMMARY_PROPS = ("summary", "description", "notes", "biography")
PLACE_PROPS = ("address", "location", "city", "region")
ADDRESS_PROPS = ("full", "street", "street2", "city", "region", "state", "postalCode")

SOURCE_SCHEMAS: dict[str, str] = {
    "Article": "news-article",
    "Document": "document",
    "Pages": "document",
    "PlainText": "document",
    "HyperText": "document",
}
REGION_SCHEMA = "Territory"
ADDRESS_SCHEMA = "Address"
POSITION_SCHEMA = "Position"
DOCUMENTATION_SCHEMA = "Documentation"
POSITION_PROPS = ("name", "subnationalArea")

# Identifier properties -> the `external_ids.system` they are kept under (one record per identifier: a second
# entity with the same one is proposed as the same, not merged).
IDENTIFIER_SYSTEMS: dict[str, str] = {
    "innCode": "inn",
    "ogrnCode": "ogrn",
    "okpoCode": "okpo",
    "leiCode": "lei",
    "imoNumber": "imo",
    "mmsi": "mmsi",
    "wikidataId": "wikidata",
    "registrationNumber": "registration",
    "taxNumber": "tax",
    "vatCode": "vat",
    "swiftBic": "swift",
    "dunsCode": "duns",
    "permId": "permid",
    "uniqueEntityId": "uei",
    "bvdId": "bvd",
    "icijId": "icij",
    "isinCode": "isin",
    "cikCode": "cik",
    "npiCode": "npi",
    "passportNumber": "passport",
}

# The finding an actor's topics make, by its most telling topic (first match of these prefixes).
TOPIC_CATEGORIES: tuple[tuple[str, str], ...] = (
    ("sanction", "sanctions"),
    ("export.control", "sanctions"),
    ("debarment", "sanctions"),
    ("asset.frozen", "sanctions"),
    ("mare.shadow", "sanctions-evasion"),
    ("mare.sts", "sanctions-evasion"),
    ("mil", "military"),
    ("fin", "finance"),
    ("crime.fin", "finance"),
)
# Values of a Sanction's `status` that say it no longer applies.
ENDED_STATUSES = frozenset({"delisted", "expired", "ended", "revoked", "lifted", "inactive", "removed", "terminated"})

# FtM political-territory codes for the occupied regions (FtM's `country` type has them: ftm_model.COUNTRIES).
COUNTRY_REGIONS: dict[str, str] = {"ua-cri": "crimea", "ua-dpr": "donetsk", "ua-lpr": "luhansk"}
REGION_COUNTRY_CODES: dict[str, str] = {v: k for k, v in COUNTRY_REGIONS.items()}
# The same codes as the ISO 3166-2 code of the region they cover: a database whose regions have other ids (one
# built from an FtM file's Territories: `donetsk-oblast`) finds them by this code.
COUNTRY_REGION_ISO: dict[str, str] = {"ua-cri": "UA-43", "ua-dpr": "UA-14", "ua-lpr": "UA-09"}

# Short names that ISO 3166-1 (store/countries.py) and FtM spell otherwise, as they appear in FtM data.
COUNTRY_NAMES: dict[str, str] = {
    "russia": "RU",
    "syria": "SY",
    "laos": "LA",
    "moldova": "MD",
    "czech republic": "CZ",
    "czechia": "CZ",
    "uk": "GB",
    "great britain": "GB",
    "britain": "GB",
    "united kingdom": "GB",
    "usa": "US",
    "us": "US",
    "america": "US",
    "korea, north": "KP",
    "dprk": "KP",
    "korea, south": "KR",
    "turkey": "TR",
    "iran": "IR",
    "vietnam": "VN",
    "uae": "AE",
}


@dataclass(frozen=True, slots=True)
class RelationSpec:
    subject: str  # FtM property holding the subject
    object: str
    kind: str  # our relation kind
    role_props: tuple[str, ...] = ("role",)

    def accepts(self, schema: str, subject_schema: str, object_schema: str) -> bool:
        """Whether FtM's ranges allow these ends (an Employment's employer must be an Organization)."""
        props = properties(schema)
        return is_a(subject_schema, props[self.subject][1] or "Thing") and is_a(
            object_schema, props[self.object][1] or "Thing"
        )


RELATION_SCHEMAS: dict[str, RelationSpec] = {
    "Ownership": RelationSpec("owner", "asset", "owns", ("role", "ownershipType")),
    "Directorship": RelationSpec("director", "organization", "director-of", ("role",)),
    "Membership": RelationSpec("member", "organization", "member-of", ("role",)),
    "Employment": RelationSpec("employee", "employer", "employed-by", ("role",)),
    "Representation": RelationSpec("agent", "client", "represents", ("role",)),
    "Control": RelationSpec("controller", "controlled", "controls", ("role", "controlType")),
    "Associate": RelationSpec("person", "associate", "associate-of", ("relationship",)),
    "Family": RelationSpec("person", "relative", "family-of", ("relationship",)),
    "UnknownLink": RelationSpec("subject", "object", "linked-to", ("role",)),
}


@dataclass(frozen=True, slots=True)
class EvidenceSpec:
    category: str
    links: tuple[tuple[str, str | None], ...]  # (property, role of the linked actor)
    date_props: tuple[str, ...]
    claim_props: tuple[str, ...]


EVIDENCE_SCHEMAS: dict[str, EvidenceSpec] = {
    "Sanction": EvidenceSpec(
        "sanctions",
        (("entity", "sanctioned"),),
        ("startDate", "listingDate", "date"),
        ("reason", "summary", "description"),
    ),
    "Event": EvidenceSpec(
        "other",
        (("involved", None), ("organizer", "organizer")),
        ("date", "startDate"),
        ("name", "summary", "description", "notes"),
    ),
    "Note": EvidenceSpec("other", (("entity", None),), ("date",), ("name", "summary", "description", "notes")),
    DOCUMENTATION_SCHEMA: EvidenceSpec("other", (("entity", None),), ("date", "startDate"), ("summary", "description")),
    "Payment": EvidenceSpec(
        "finance",
        (("payer", "payer"), ("beneficiary", "beneficiary")),
        ("date", "startDate"),
        ("purpose", "summary", "description", "programme"),
    ),
    "Occupancy": EvidenceSpec("other", (("holder", "holder"),), ("startDate", "date"), ("description", "summary")),
}

TERRITORY_LEVELS: dict[str, str] = {"country": "country", "locality": "city", "city": "city", "adm2": "district"}


# ------------------------------------------------------------------------------------------------- export

ACTOR_KIND_SCHEMAS: dict[str, str] = {
    "person": "Person",
    "company": "Company",
    "organization": "Organization",
    "state": "PublicBody",  # with topics gov.national
    "group": "Organization",
    "platform": "Organization",
    "vessel": "Vessel",
}
RELATION_KIND_SCHEMAS: dict[str, str] = {spec.kind: schema for schema, spec in RELATION_SCHEMAS.items()}
REGION_KIND_LEVELS: dict[str, str] = {
    "country": "country",
    "oblast": "adm1",
    "autonomous-republic": "adm1",
    "district": "adm2",
    "city": "locality",
    "settlement": "locality",
}
EXPORT_PREFIX = "findings"  # exported FtM ids: findings-actor-<id>, findings-source-<id>, ...
SHORT_NAME = 200  # an exported Event's name: the claim, shortened
