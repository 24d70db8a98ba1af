"""How FollowTheMoney (FtM) entities map to findings' records, both ways: a small table instead of the
`followthemoney` package (which needs PyICU, a compiled library).

| FtM schema | findings | fields |
|---|---|---|
| Person, Company, Organization, PublicBody, LegalEntity | actor, kind person, company, organization, organization (state when a PublicBody has topic `gov.national`), organization | name (first) -> name; other names, alias, previousName, weakAlias -> aliases; summary, description, notes -> summary; first of country, jurisdiction, nationality, mainCountry (codes or names) -> country |
| Ownership | relation `owns` (owner -> asset) | role (or ownershipType) and percentage -> role; startDate (or date), endDate -> start, end |
| Directorship | relation `director-of` (director -> organization) | role |
| Membership | relation `member-of` (member -> organization) | role |
| Employment | relation `employed-by` (employee -> employer) | role |
| Representation | relation `represents` (agent -> client) | role |
| Control | relation `controls` (controller -> controlled) | role (or controlType) |
| Associate | relation `associate-of` (person -> associate) | relationship -> role |
| Family | relation `family-of` (person -> relative) | relationship -> role |
| UnknownLink | relation `linked-to` (subject -> object) | role |
| Sanction | finding, category `sanctions`, linked to `entity` (role `sanctioned`) | "Sanction by <authority> under <program>: <reason; summary; description>"; startDate, listingDate or date |
| Event | finding, category `other`, linked to `involved` and `organizer` (role `organizer`) | name, summary, description -> claim; date or startDate |
| Note | finding, category `other`, linked to `entity` | name, summary, description -> claim |
| Documentation | a document's link: the finding it documents cites it as source; a documented actor gets a finding citing it | role, summary, description -> claim |
| Article, Document, Pages, PlainText, HyperText | source, kind `news-article` (Article) or `document` | title (or name, fileName), author -> authors, publisher, sourceUrl -> url, publishedAt (or date) -> published, retrievedAt -> accessed, summary/description/notes -> notes |
| Territory | region (an existing region when its territoryCode or name is known) | name, alias, territoryCode (ISO 3166-2) -> iso_code, partOf -> parent, level -> kind |
| Address | place text for the entities that point at it (`addressEntity`) | full, street, city, region, state |

Findings are `unreviewed`. Their source is the first `proof` document, else a Documentation's document, else
a source standing for the imported file ("FollowTheMoney file <name>", kind `dataset`). Regions come from
country codes `ua-cri`, `ua-dpr`, `ua-lpr` (crimea, donetsk, luhansk) and from address, location, city and
region text that names a region or a place of the gazetteer. An actor with such an address or country code
gets a finding "FtM record of <name> gives address ..." linking it to the region.

Entities written by `findings export ftm` carry a top-level `findings` object (our id, kind, category, status,
...), which FtM tools ignore; the importer uses it so that a round trip keeps everything exactly.
"""  # noqa: E501

from __future__ import annotations

from dataclasses import dataclass

HINT_KEY = "findings"

# ------------------------------------------------------------------------------------------------- import

ACTOR_SCHEMAS: dict[str, str] = {
    "Person": "person",
    "Company": "company",
    "Organization": "organization",
    "PublicBody": "organization",
    "LegalEntity": "organization",
}
STATE_TOPICS = frozenset({"gov.national"})  # a PublicBody with one of these is a state
COUNTRY_PROPS = ("country", "jurisdiction", "nationality", "mainCountry")
NAME_PROPS = ("name",)
ALIAS_PROPS = ("alias", "previousName", "weakAlias")
SUMMARY_PROPS = ("summary", "description", "notes")
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
DOCUMENTATION_SCHEMA = "Documentation"

# FtM political-territory codes for the occupied regions (FtM's `country` type has them).
COUNTRY_REGIONS: dict[str, str] = {"ua-cri": "crimea", "ua-dpr": "donetsk", "ua-lpr": "luhansk"}
REGION_COUNTRY_CODES: dict[str, str] = {v: k for k, v in COUNTRY_REGIONS.items()}

# Short names that ISO 3166-1 (store/countries.py) spells otherwise, as they appear in FtM data.
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
    subject_schemas: frozenset[str] | None = None  # for export: the FtM range, None = any actor
    object_schemas: frozenset[str] | None = None


_ORGS = frozenset({"Organization", "Company", "PublicBody"})
_PEOPLE = frozenset({"Person"})

RELATION_SCHEMAS: dict[str, RelationSpec] = {
    "Ownership": RelationSpec("owner", "asset", "owns", ("role", "ownershipType"), None, frozenset({"Company"})),
    "Directorship": RelationSpec("director", "organization", "director-of", ("role",), None, _ORGS),
    "Membership": RelationSpec("member", "organization", "member-of", ("role",), None, _ORGS),
    "Employment": RelationSpec("employee", "employer", "employed-by", ("role",), _PEOPLE, None),
    "Representation": RelationSpec("agent", "client", "represents", ("role",)),
    "Control": RelationSpec("controller", "controlled", "controls", ("role", "controlType")),
    "Associate": RelationSpec("person", "associate", "associate-of", ("relationship",), _PEOPLE, _PEOPLE),
    "Family": RelationSpec("person", "relative", "family-of", ("relationship",), _PEOPLE, _PEOPLE),
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
}

TERRITORY_LEVELS: dict[str, str] = {"country": "country", "locality": "city", "city": "city", "adm2": "district"}


def _props(*groups: str) -> frozenset[str]:
    return frozenset(p for group in groups for p in group.split())


# Every schema FtM defines (a schema not listed here is reported as unknown).
FTM_SCHEMAS = _props(
    """Address Airplane Analyzable Article Assessment Asset Associate Audio BankAccount Call CallForTenders
    Company Concession Contract ContractAward ContractLot Control CourtCase CourtCaseParty CryptoWallet Debt
    Directorship Document Documentation EconomicActivity Email Employment Event Family Folder HyperText
    Identification Image Interest Interval Land LegalEntity License Membership Mention Message Note Occupancy
    Organization Ownership Package Page Pages Passport Payment Person PlainText Position Post Project
    ProjectParticipant PublicBody RealEstate Representation Risk Sanction Security Similar Succession Table
    TaxRoll Territory Thing Trip UnknownLink UserAccount Value Vehicle Vessel Video Workbook"""
)


_THING = """name summary description country alias previousName weakAlias sourceUrl publisher publisherUrl alephUrl
    wikipediaUrl wikidataId keywords topics address addressEntity program programId notes proof indexText createdAt
    modifiedAt retrievedAt"""
_ANALYZABLE = """detectedLanguage detectedCountry namesMentioned peopleMentioned companiesMentioned ibanMentioned
    ipMentioned locationMentioned phoneMentioned emailMentioned"""
_LEGAL = """email phone website legalForm incorporationDate dissolutionDate taxStatus status sector classification
    registrationNumber idNumber taxNumber licenseNumber vatCode jurisdiction mainCountry opencorporatesUrl bvdId
    uscCode icijId okpoCode innCode ogrnCode leiCode dunsCode uniqueEntityId npiCode swiftBic parent abbreviation"""
_ORG = "cageCode permId imoNumber giiNumber"
_PERSON = """title firstName secondName middleName fatherName motherName lastName nameSuffix birthDate birthPlace
    birthCountry deathDate position nationality citizenship passportNumber socialSecurityNumber gender ethnicity
    height weight eyeColor hairColor appearance religion political profession education spokenLanguage"""
_COMPANY = """amount currency amountUsd amountEur capital voenCode coatoCode irsCode ipoCode cikCode jibCode mbsCode
    caemCode kppCode okvedCode okopfCode fnsCode fssCode bikCode pfrNumber oksmCode isinCode ticker ricCode"""
_INTERVAL = """startDate endDate date summary description recordId sourceUrl proof publisher publisherUrl alephUrl
    namesMentioned indexText modifiedAt retrievedAt"""
_INTEREST = _INTERVAL + " role status"
_DOCUMENT = """contentHash title author generator crawler fileSize fileName extension encoding messageId mimeType
    language date authoredAt publishedAt parent ancestors processingStatus processingError bodyText bodyHtml pdfHash"""

KNOWN_PROPERTIES: dict[str, frozenset[str]] = {
    "Person": _props(_THING, _LEGAL, _PERSON),
    "Company": _props(_THING, _LEGAL, _ORG, _COMPANY),
    "Organization": _props(_THING, _LEGAL, _ORG),
    "PublicBody": _props(_THING, _LEGAL, _ORG),
    "LegalEntity": _props(_THING, _LEGAL),
    "Ownership": _props(
        _INTEREST, "owner asset percentage sharesCount sharesValue sharesCurrency sharesType legalBasis ownershipType"
    ),
    "Directorship": _props(_INTEREST, "director organization secretary"),
    "Membership": _props(_INTEREST, "member organization"),
    "Employment": _props(_INTEREST, "employee employer"),
    "Representation": _props(_INTEREST, "agent client"),
    "Control": _props(_INTEREST, "controller controlled controlType legalBasis"),
    "UnknownLink": _props(_INTEREST, "subject object"),
    "Associate": _props(_INTERVAL, "person associate relationship"),
    "Family": _props(_INTERVAL, "person relative relationship"),
    "Documentation": _props(_INTEREST, "document entity"),
    "Sanction": _props(
        _INTERVAL,
        "entity authority authorityId unscId program programId programUrl provisions status duration reason country "
        "listingDate",
    ),
    "Event": _props(_THING, _ANALYZABLE, _INTERVAL, "location country important organizer involved"),
    "Note": _props(_THING, _ANALYZABLE, "entity"),
    "Address": _props(
        _THING,
        "full remarks postOfficeBox street street2 city postalCode region state latitude longitude osmId googlePlaceId",
    ),
    "Territory": _props(_THING, "partOf level territoryCode fipsCode zipCode nutsCode"),
    **{schema: _props(_THING, _ANALYZABLE, _DOCUMENT) for schema in SOURCE_SCHEMAS},
}

# ------------------------------------------------------------------------------------------------- export

ACTOR_KIND_SCHEMAS: dict[str, str] = {
    "person": "Person",
    "company": "Company",
    "organization": "Organization",
    "state": "PublicBody",  # with topics gov.national
    "group": "Organization",
    "platform": "Organization",
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
