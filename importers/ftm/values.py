"""Values read from FtM properties the same way by the index and by the record builder."""

from __future__ import annotations

import contextlib
import sqlite3
from typing import Any

from importers.ftm.lines import Entity
from importers.matcher import Matcher
from store import ftm_mapping as M
from store import vocab
from store.records import Region


def entity_name(ent: Entity) -> str | None:
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


def country_code(value: str) -> str | None:
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


def check_roles(value: Any) -> dict[str, str | None]:
    if not isinstance(value, dict):
        raise ValueError("must be an object of actor id -> role")
    return {vocab.check_id(k): vocab.check_text(v, limit=vocab.MAX_NAME) for k, v in value.items()}


def distinct(parts: list[str]) -> list[str]:
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


def sentences(parts: list[str]) -> str:
    """Texts joined as sentences: 'Forum in Yalta' + 'Delegates from ...' -> 'Forum in Yalta. Delegates from ...'"""
    last = len(parts) - 1
    return " ".join(p if i == last or p[-1] in ".!?…:;\"”'" else p + "." for i, p in enumerate(parts))


class Places:
    """Which regions a text (an address, a city) or an FtM country code names: the database's regions, their
    aliases and the gazetteer, plus the regions this import adds."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        from importers.gazetteer import region_matcher
        from store import ftm_reads

        self.matcher: Matcher = region_matcher(conn)
        self.region_codes = ftm_reads.region_codes(conn)
        self.region_ids = ftm_reads.region_ids(conn)

    def in_texts(self, texts: list[str]) -> set[str]:
        return {ref for text in texts for kind, ref in self.matcher.tags(text) if kind == "region"}

    def of_codes(self, codes: list[str]) -> set[str]:
        out = set()
        for code in codes:
            region = M.COUNTRY_REGIONS.get(code.strip().lower())
            if region in self.region_ids:
                out.add(region)
        return out

    def learn(self, regions: list[Region]) -> None:
        """Regions this import adds become places that addresses and country codes can name."""
        for region in regions:
            self.region_ids.add(region.id)
            for name in [region.name, *(region.aliases or [])]:
                self.matcher.add(name, [("region", region.id)])
