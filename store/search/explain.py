"""Notes on the parts of a query that name nothing: an unknown qualifier (`colour:red`), or a value that
names no actor, region, source, country, category, status, kind or date, each with the nearest valid values
(`no category 'financ' — did you mean finance?`). The plan leaves those parts out and lists them
(store.search.plan); the lines are written when asked for, since finding the nearest names of a million-row
database takes 10-100 ms."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence

from store.query import DATE_FORMS, KIND_WORDS, KINDS, MATCH_MODES, QUALIFIER_NAMES, date_problem
from store.search.names import closest, suggest, suggest_countries

MAX_NOTES = 5  # parts that name nothing described one by one (each may look up the nearest names)
# A part of a query that names nothing: (qualifier, value), or (name, None) for an unknown qualifier `name:`.
Problem = tuple[str, str | None]
NOTE_VALUE_CHARS = 40
LEFT_OUT = " Searched without it."
PLURALS = {"category": "categories", "status": "statuses", "kind": "kinds", "match": "values"}


def describe(conn: sqlite3.Connection, problems: Sequence[Problem], *, left_out: bool) -> tuple[str, ...]:
    """One line for each of the first MAX_NOTES problems, then how many more there are. `left_out`: the rest
    of the query runs, and each line says it ran without that part."""
    lines: list[str] = []
    for name, value in problems[:MAX_NOTES]:
        line = no_qualifier(name) if value is None else no_value(conn, name, value)
        if line not in lines:
            lines.append(line)
    more = len(problems) - MAX_NOTES
    if more > 0:
        lines.append(f"{more} more part{'s name' if more > 1 else ' names'} nothing")
    if left_out:
        lines = [line + ("" if line.endswith("?") else ".") + LEFT_OUT for line in lines]
    return tuple(lines)


def one_line(text: str, limit: int) -> str:
    """`text` on one line, cut to `limit` characters with an ellipsis."""
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _shown(value: str) -> str:
    """A value as typed, quoted, on one line and cut short."""
    return f"'{one_line(value, NOTE_VALUE_CHARS)}'"


def _did_you_mean(options: Iterable[str]) -> str:
    options = list(options)
    return f" — did you mean {', '.join(options)}?" if options else ""


def no_qualifier(name: str) -> str:
    """`no qualifier 'colour:' (qualifiers: actor, region, …)`, with the closest names if any."""
    close = closest(name, QUALIFIER_NAMES)
    return (
        f"no qualifier {_shown(name + ':')}{_did_you_mean(c + ':' for c in close)} "
        f"(qualifiers: {', '.join(QUALIFIER_NAMES)})"
    )


def no_value(conn: sqlite3.Connection, name: str, value: str) -> str:
    """Why `value` of qualifier `name` names nothing, with the nearest valid values."""
    if name in ("after", "before"):
        problem = date_problem(value)
        return f"{_shown(value)} is not a date ({DATE_FORMS})" + (f": {problem}" if problem else "")
    if name in ("actor", "region", "source"):
        names = suggest(conn, name, value)
        return f"no {name} {_shown(value)}" + _did_you_mean(f"{one_line(label, 60)} ({id_})" for id_, label in names)
    if name == "country":
        countries = suggest_countries(value)
        if countries:
            return f"no country {_shown(value)}" + _did_you_mean(f"{label} ({code})" for code, label in countries)
        return f"no country {_shown(value)} (a code such as CN, or a name such as China)"
    if name == "kind":
        vocabulary: tuple[str, ...] = KINDS
        close = list(dict.fromkeys(KIND_WORDS[c] for c in closest(value, list(KIND_WORDS))))
    elif name == "match":
        vocabulary = tuple(MATCH_MODES)
        close = closest(value, vocabulary)
    elif name == "lang":
        return f"{_shown(value)} is not a language code (ISO 639-1: uk, ru, en, …)"
    else:
        from store.vocab import CATEGORIES, STATUSES

        vocabulary = CATEGORIES if name == "category" else STATUSES
        close = closest(value, vocabulary)
    if close:
        return f"no {name} {_shown(value)}" + _did_you_mean(close)
    return f"no {name} {_shown(value)} ({PLURALS[name]}: {', '.join(vocabulary)})"
