"""Controlled vocabularies and value checks shared by importers, search and the TUI.

Each check returns the normalised value or raises ValueError with a message for people;
importers turn that into a DataError that names the file, line and field.
"""

from __future__ import annotations

import calendar
import re

from store.countries import COUNTRIES

CATEGORIES: tuple[str, ...] = (
    "agriculture",
    "analysis",
    "corporate",
    "diplomacy",
    "economy",
    "energy",
    "finance",
    "ideology",
    "industry",
    "investment",
    "logistics",
    "military",
    "sanctions",
    "sanctions-evasion",
    "technology",
    "telecom",
    "trade",
    "other",
)
STATUSES: tuple[str, ...] = ("curated", "unreviewed", "disputed", "rejected")
CONFIDENCE: tuple[str, ...] = ("high", "medium", "low")
ACTOR_KINDS: tuple[str, ...] = ("state", "company", "organization", "person", "group", "platform", "vessel")
REGION_KINDS: tuple[str, ...] = (
    "country",
    "autonomous-republic",
    "oblast",
    "city",
    "district",
    "settlement",
    "area",
)
ALIAS_KINDS: tuple[str, ...] = ("actor", "region", "source")
SOURCE_KINDS: tuple[str, ...] = (
    "news-article",
    "report",
    "dataset",
    "document",
    "statement",
    "interview",
    "social-media",
    "other",
)

MAX_ID = 120
MAX_NAME = 300
MAX_TITLE = 1_000
MAX_TEXT = 20_000
MAX_URL = 2_000

_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_RELATION_KIND = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
_PARTIAL_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_URL = re.compile(r"(?:https?|ftp)://\S+|urn:\S+|doi:\S+", re.IGNORECASE)
# What a text may not hold: NUL, and lone surrogates (JSON's "\ud800" escapes decode to these; they are not text).
# importers.validate checks whole columns of texts with it.
NOT_TEXT = re.compile("[\x00\ud800-\udfff]")
MAX_INTEGER = 2**63 - 1  # SQLite's INTEGER range


def check_id(value: object) -> str:
    """A lowercase ASCII slug: letters, digits, single hyphens (`north-korea`)."""
    if not isinstance(value, str):
        raise ValueError(f"must be a text id, not {type_name(value)}")
    if not value:
        raise ValueError("must not be empty")
    if len(value) > MAX_ID:
        raise ValueError(f"is longer than {MAX_ID} characters")
    if not _SLUG.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a lowercase slug (letters a-z, digits and single hyphens, e.g. 'north-korea')"
        )
    return value


def check_text(value: object, *, limit: int = MAX_TEXT, required: bool = False) -> str | None:
    """Free text: a string without NUL bytes, not longer than `limit`, stripped. Empty becomes None."""
    if value is None:
        if required:
            raise ValueError("is required")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"must be text, not {type_name(value)}")
    text = str(value).strip()
    if NOT_TEXT.search(text):
        if "\x00" in text:
            raise ValueError("contains a NUL byte")
        raise ValueError("contains an unpaired UTF-16 surrogate (such as \\ud800), which is not text")
    if len(text) > limit:
        raise ValueError(f"is {len(text):,} characters long; the limit is {limit:,}")
    if not text:
        if required:
            raise ValueError("must not be empty")
        return None
    return text


def check_choice(value: object, choices: tuple[str, ...], *, required: bool = False) -> str | None:
    if value is None or value == "":
        if required:
            raise ValueError(f"is required (one of: {', '.join(choices)})")
        return None
    if not isinstance(value, str):
        raise ValueError(f"must be text, not {type_name(value)}")
    norm = value.strip().lower()
    if norm not in choices:
        raise ValueError(f"{value!r} is not one of: {', '.join(choices)}")
    return norm


def check_relation_kind(value: object) -> str:
    if not isinstance(value, str) or not _RELATION_KIND.fullmatch(value.strip().lower()):
        raise ValueError(f"{value!r} is not a relation kind such as 'contractor-for' or 'owns'")
    return value.strip().lower()


def check_date(value: object) -> str | None:
    """A partial ISO date: 2025, 2025-10 or 2025-10-15 (YAML may hand us a date or an int)."""
    if value is None or value == "":
        return None
    if hasattr(value, "isoformat") and not isinstance(value, str):
        value = value.isoformat()[:10]
    if isinstance(value, bool):
        raise ValueError("must be a date like 2025, 2025-10 or 2025-10-15, not true/false")
    if isinstance(value, int):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError(f"must be a date like 2025, 2025-10 or 2025-10-15, not {type_name(value)}")
    text = value.strip()
    m = _PARTIAL_DATE.fullmatch(text)
    if not m:
        raise ValueError(f"{value!r} is not a date like 2025, 2025-10 or 2025-10-15")
    year_digits, month_digits, day_digits = m.groups()
    year = int(year_digits)
    month = int(month_digits) if month_digits else None
    day = int(day_digits) if day_digits else None
    if not 1000 <= year <= 2999:
        raise ValueError(f"{value!r}: year {year} is out of range")
    if month is not None and not 1 <= month <= 12:
        raise ValueError(f"{value!r}: month {month} does not exist")
    if day is not None and month is not None and not 1 <= day <= calendar.monthrange(year, month)[1]:
        raise ValueError(f"{value!r}: day {day} does not exist in {year}-{month:02d}")
    return text


def check_country(value: object) -> str | None:
    """ISO 3166-1 alpha-2, upper case (`cn` is accepted and becomes `CN`)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(f"must be an ISO 3166-1 alpha-2 code such as 'CN', not {type_name(value)}")
    code = value.strip().upper()
    if code not in COUNTRIES:
        raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code such as 'CN' or 'IR'")
    return code


# How people write numbers, Ukrainian and Russian as well as English (each a whole text, read by `_number`); the
# groups of three may be apart by a space, a no-break space, a narrow no-break space or a thin space.
_THOUSANDS = re.compile(r"[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")  # 1,500  12,000.5
_SPACED = re.compile("[-+]?\\d{1,3}(?:[ \u00a0\u202f\u2009]\\d{3})+(?:[.,]\\d+)?")  # 12 000  1 234,5
_DOTTED = re.compile(r"[-+]?\d{1,3}(?:\.\d{3})+,\d+")  # 1.234,5
_DECIMAL_COMMA = re.compile(r"[-+]?\d*,\d+")  # 1,5  0,25
_GROUP_SPACES = str.maketrans("", "", " \u00a0\u202f\u2009")
# The start of a figure: a number in any of those forms (or as Python reads one), then its unit.
_FIGURE = re.compile(
    "([-+]?(?:\\d{1,3}(?:(?:,\\d{3})+|(?:[ \u00a0\u202f\u2009]\\d{3})+|(?:\\.\\d{3})+(?=,))(?:[.,]\\d+)?"
    "|[.,_]*\\d[\\d.,_]*(?:e[-+]?\\d+)?))(?:\\s+(.*))?",
    re.IGNORECASE | re.DOTALL,
)


def _number(text: str) -> float:
    """A number as a person writes it: `1500`, `1.5`, `1,500` (thousands), `1,5` (a decimal comma), `12 000`
    and `1 234,5` (groups of three apart), `1.234,5`. A comma before exactly three digits is a thousands
    separator (`1,500` is 1500), as in English; before any other number of digits, a decimal comma."""
    text = text.strip()
    if _THOUSANDS.fullmatch(text):
        return float(text.replace(",", ""))
    if _SPACED.fullmatch(text):
        return float(text.translate(_GROUP_SPACES).replace(",", "."))
    if _DOTTED.fullmatch(text):
        return float(text.replace(".", "").replace(",", "."))
    if _DECIMAL_COMMA.fullmatch(text):
        return float(text.replace(",", "."))
    if "," in text:
        raise ValueError
    return float(text.replace("_", ""))


def split_figure(text: str) -> tuple[str | None, str | None]:
    """A figure as typed, its number and its unit: `1,200 tonnes` -> ('1,200', 'tonnes'), `12 000 тонн` ->
    ('12 000', 'тонн'), `` -> (None, None). check_quantity reads the number."""
    text = " ".join(text.split())
    if not text:
        return None, None
    found = _FIGURE.fullmatch(text)
    if found is None:  # (no number first: the whole start is the number, for check_quantity to refuse)
        number, _, unit = text.partition(" ")
        return number, unit or None
    return found[1], found[2] or None


def check_quantity(value: object) -> int | float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError("must be a number, not true/false")
    if isinstance(value, int | float):
        number = value
    elif isinstance(value, str):
        try:
            number = _number(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a number (such as 1500, 1.5, 1,500 or 1,5)") from None
    else:
        raise ValueError(f"must be a number, not {type_name(value)}")
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError("must be a finite number")
    if isinstance(number, int) and not -MAX_INTEGER <= number <= MAX_INTEGER:
        raise ValueError(f"is too large for a whole number (the limit is {MAX_INTEGER:,})")
    if isinstance(number, float) and number.is_integer() and abs(number) < 2**53:
        number = int(number)
    return number


def check_url(value: object) -> str | None:
    text = check_text(value, limit=MAX_URL)
    if text is None:
        return None
    if not _URL.fullmatch(text):
        raise ValueError(f"{text[:80]!r} is not a URL (http://, https://, doi: or urn:)")
    return text


def type_name(value: object) -> str:
    if value is None:
        return "nothing"
    kinds = ((bool, "true/false"), (dict, "a mapping"), (list, "a list"), (str, "text"), (int | float, "a number"))
    for kind, name in kinds:
        if isinstance(value, kind):  # subclasses too: the loaders' mappings are dicts that know their line
            return name
    return type(value).__name__
