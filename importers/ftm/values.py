"""Values read from FtM properties the same way by the index and by the record builder: names, countries,
places, and the regions an address or a text names."""

from __future__ import annotations

import contextlib
import sqlite3
from typing import Any

from importers.ftm.entities import Entity
from importers.matcher import Matcher, key_of, words
from store import ftm_mapping as M
from store import ftm_model, vocab
from store.records import Region


def entity_name(ent: Entity) -> str | None:
    """The validated name (or title) the record will carry: FtM's caption (the name FtM itself shows), else the
    first name; None when there is none."""
    if ent.schema in M.SOURCE_SCHEMAS:
        candidates = ent.values("title", "name", "fileName")
        if ent.caption and ent.caption in candidates:
            candidates = [ent.caption, *candidates]
        limit = vocab.MAX_TITLE
    else:
        candidates = ent.values("name")
        if ent.caption and ent.caption != ent.schema and (ent.caption in candidates or not candidates):
            candidates = [ent.caption, *candidates]
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


# ------------------------------------------------------------------------------------------------ countries

# FtM codes for the occupied regions, and the countries whose addresses may lie in them (Russia registers
# companies in Crimea under its own code); an address in any other country does not name an occupied region.
OCCUPIED_CODES = frozenset(M.COUNTRY_REGIONS)
COUNTRIES_OF_OCCUPIED = frozenset({"ua", "ru", "suhh", *OCCUPIED_CODES})

_COUNTRY_NAMES: dict[str, str] = {}


def _country_names() -> dict[str, str]:
    if not _COUNTRY_NAMES:
        for code, (name, _) in ftm_model.COUNTRIES.items():
            _COUNTRY_NAMES.setdefault(name.casefold(), code)
        for code, (alpha3, name, others) in vocab.COUNTRIES.items():
            for label in (alpha3, name, *others):
                _COUNTRY_NAMES.setdefault(label.casefold(), code.lower())
        for label, code in M.COUNTRY_NAMES.items():
            _COUNTRY_NAMES[label] = code.lower()
    return _COUNTRY_NAMES


def country_code(value: str) -> str | None:
    """An FtM country code (lower case: `ru`, `xk`, `suhh`, `ge-ab`, `ua-cri`) for a code or a country name."""
    text = value.strip().lower()
    if text in ftm_model.COUNTRIES:
        return text
    return _country_names().get(text.casefold())


def stored_country(code: str) -> str:
    """How an actor's country is stored: ISO 3166-1 codes as ISO writes them (RU), FtM's own in capitals (XK)."""
    return code.upper()


def country_label(code: str) -> str:
    name = ftm_model.COUNTRIES.get(code, (code, None))[0]
    return f"{name} ({code})"


# ------------------------------------------------------------------------------------------------ places

# Words that make a part of an address a street, whose name says nothing about where it is ("12 Crimea Road").
STREET_WORDS = frozenset(
    """road rd street st str avenue ave av lane ln square sq boulevard blvd bulvar drive dr way highway hwy place pl
    terrace embankment quay prospekt prospect pr ulitsa ul vul vulytsia pereulok per provulok naberezhnaya nab
    ploshchad shosse shose тупик улица ул вул вулиця проспект пр пер переулок провулок шоссе шосе наб
    набережная набережна площадь площа пл бульвар квартал мкр микрорайон буд дом корп строение""".split()
)


def _is_street(part: str) -> bool:
    tokens = [w for w, _, _ in words(part)]
    return any(any(c.isdigit() for c in t) for t in tokens) or any(t in STREET_WORDS for t in tokens)


class Places:
    """Which regions a text (an address, a city) or an FtM country code names: the database's regions, their
    aliases and the gazetteer, plus the regions this import adds."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        from importers.gazetteer import region_matcher
        from store import ftm_reads

        self.matcher: Matcher = region_matcher(conn)
        self.region_codes = ftm_reads.region_codes(conn)
        self.region_ids = ftm_reads.region_ids(conn)
        self.own_names: dict[str, set[str]] = {}  # a region's own names and aliases (not gazetteer places)
        for region_id, name in ftm_reads.region_names(conn):
            self.own_names.setdefault(key_of(name), set()).add(region_id)

    def in_texts(self, texts: list[str]) -> set[str]:
        return {ref for text in texts for kind, ref in self.matcher.tags(text) if kind == "region"}

    def in_address(self, texts: list[str]) -> set[str]:
        """Regions a free-text address names: by its parts that are places, not its street (so "12 Crimea
        Road, London" names none, and "Simferopol, Kyivska St 12" names Crimea)."""
        found: set[str] = set()
        for text in texts:
            for part in text.replace(";", ",").split(","):
                # the places a part names, unless it is a street (checked only for the few parts naming one)
                tags = [ref for kind, ref in self.matcher.tags(part) if kind == "region"]
                if tags and not _is_street(part):
                    found.update(tags)
        return found

    def of_codes(self, codes: list[str]) -> set[str]:
        return {region for code in codes if (region := self.of_code(code))}

    def of_code(self, code: str) -> str | None:
        """The region an FtM territory code (`ua-dpr`) stands for: the region of that id, else the one with its
        ISO 3166-2 code (UA-14), which has another id in a database built from an FtM file's Territories."""
        code = code.strip().lower()
        region = M.COUNTRY_REGIONS.get(code)
        if region in self.region_ids:
            return region
        iso = M.COUNTRY_REGION_ISO.get(code)
        return self.region_codes.get(iso) if iso else None

    def of_address(self, ent: Entity) -> set[str]:
        """Regions an Address entity lies in: by its city, region and state, else the place parts of `full`;
        none when its country is one the occupied regions are not in."""
        countries = {c for v in ent.values("country") if (c := country_code(v))}
        if countries and not countries & COUNTRIES_OF_OCCUPIED:
            return set()
        found = self.of_codes(ent.values("country"))
        structured = ent.values("city", "region", "state")
        if structured:
            return found | self.in_texts(structured)
        return found | self.in_address(ent.values("full", "street", "street2"))

    def learn(self, regions: list[Region]) -> None:
        """Regions this import adds become places that addresses and country codes can name."""
        for region in regions:
            self.region_ids.add(region.id)
            if region.iso_code:
                self.region_codes.setdefault(region.iso_code.upper(), region.id)
            for name in [region.name, *(region.aliases or [])]:
                self.matcher.add(name, [("region", region.id)])
                self.own_names.setdefault(key_of(name), set()).add(region.id)


# ------------------------------------------------------------------------------------------------ texts


def check_roles(value: Any) -> dict[str, str | None]:
    if not isinstance(value, dict):
        raise ValueError("must be an object of actor id -> role")
    return {vocab.check_id(k): vocab.check_text(v, limit=vocab.MAX_NAME) for k, v in value.items()}


MAX_DISTINCT = 64  # texts compared with each other for containment; beyond, only exact repeats are dropped


def distinct(parts: list[str]) -> list[str]:
    """Drop texts that another one already contains (a name that is the start of the description, a claim
    shortened with '…' for an Event's name). Quadratic in the number of texts, so only for a few."""
    parts = list(dict.fromkeys(parts))
    if len(parts) > MAX_DISTINCT:
        return parts
    folded = [" ".join(p.rstrip("…").split()).casefold() for p in parts]
    out = []
    for i, part in enumerate(parts):
        if any(
            j != i and folded[i] in folded[j] and (len(folded[j]) > len(folded[i]) or j < i) for j in range(len(parts))
        ):
            continue
        out.append(part)
    return out


def sentences(parts: list[str]) -> str:
    """Texts joined as sentences: 'Forum in Yalta' + 'Delegates from ...' -> 'Forum in Yalta. Delegates from ...'"""
    last = len(parts) - 1
    return " ".join(p if i == last or p[-1] in ".!?…:;\"”'" else p + "." for i, p in enumerate(parts))


def partial_date(value: str) -> str:
    """The date part of an FtM date ('2024-06-20T08:00:00' -> '2024-06-20'), without a regular expression."""
    head = value.strip()[:10]
    for i, c in enumerate(head):
        if not (c.isdigit() or (c == "-" and i in (4, 7))):
            return head[:i].rstrip("-")
    return head.rstrip("-")
