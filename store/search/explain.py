"""Notes on the parts of a query that name nothing: an unknown qualifier (`colour:red`), or a value that
names no actor, region, source, country, category, status, kind or date, each with the nearest valid values
(`no category 'financ' — did you mean finance?`). The plan leaves those parts out and lists them
(store.search.plan); the lines are written when asked for, since finding the nearest names of a million-row
database takes 10-100 ms. `corrected` writes the query again with the nearest value in place of each part
that names nothing (`category:financ` -> `category:finance`), for "did you mean: ...".

Both start from the plan's problems, (qualifier, value) pairs, and `nearest`: a new kind of problem slots in
by giving `nearest` (and `describe`) a case for it. (The plan imports this module, so what needs a plan —
`store.search.correction`, `settled_notes` — is in store/search/__init__.py.)
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence

from store.query import (
    _QUALIFIER,
    DATE_FORMS,
    KIND_WORDS,
    KINDS,
    MATCH_MODES,
    QUALIFIER_NAMES,
    _is_qualifier,
    date_problem,
)
from store.search.cache import Cache
from store.search.names import closest, suggest, suggest_countries

MAX_NOTES = 5  # parts that name nothing described one by one (each may look up the nearest names)
# A part of a query that names nothing: (qualifier, value), or (name, None) for an unknown qualifier `name:`.
Problem = tuple[str, str | None]
NOTE_VALUE_CHARS = 40
LEFT_OUT = " Searched without it."
PLURALS = {"category": "categories", "status": "statuses", "kind": "kinds", "match": "values"}
# The nearest values per connection and problem: a note and its correction look them up once.
NEAREST: Cache[list[tuple[str, str]]] = Cache(64)


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


def nearest(conn: sqlite3.Connection, name: str, value: str | None) -> list[tuple[str, str]]:
    """The valid values nearest to a part of a query that names nothing, best first, as (what to type, how a
    note shows it): `actor:chna` -> [('china', 'China (china)')], `category:financ` -> [('finance',
    'finance')], `country:chna` -> [('CN', 'China (CN)')]; for an unknown qualifier (`value` None) the
    nearest qualifier names (`regoin` -> [('region', 'region:')]). [] when nothing is near, and for dates
    (a date is not misspelt, it is impossible). Remembered per connection until the database changes."""
    return NEAREST.get_or_make(conn, (name, value), lambda: _nearest(conn, name, value))


def _nearest(conn: sqlite3.Connection, name: str, value: str | None) -> list[tuple[str, str]]:
    if value is None:
        return [(c, c + ":") for c in closest(name, QUALIFIER_NAMES)]
    if name == "lang":  # a country's code typed for its language (`ua`): the language's
        from store.language import COUNTRY_FOR_LANGUAGE

        meant = COUNTRY_FOR_LANGUAGE.get(value.strip().lower())
        return [(meant, meant)] if meant else []
    if name in ("actor", "region", "source"):
        return [(id_, f"{one_line(label, 60)} ({id_})") for id_, label in suggest(conn, name, value)]
    if name == "country":
        return [(code, f"{label} ({code})") for code, label in suggest_countries(value)]
    if name == "kind":
        kinds = dict.fromkeys(KIND_WORDS[c] for c in closest(value, list(KIND_WORDS)))
        return [(k, k) for k in kinds]
    if name == "match":
        return [(c, c) for c in closest(value, tuple(MATCH_MODES))]
    if name in ("category", "status"):
        from store.vocab import CATEGORIES, STATUSES

        return [(c, c) for c in closest(value, CATEGORIES if name == "category" else STATUSES)]
    return []


def no_value(conn: sqlite3.Connection, name: str, value: str) -> str:
    """Why `value` of qualifier `name` names nothing, with the nearest valid values."""
    if name in ("after", "before"):
        problem = date_problem(value)
        return f"{_shown(value)} is not a date ({DATE_FORMS})" + (f": {problem}" if problem else "")
    if name == "lang":
        return f"{_shown(value)} is not a language code (ISO 639-1: uk, ru, en, …)" + _did_you_mean(
            label for _, label in nearest(conn, name, value)
        )
    close = [label for _, label in nearest(conn, name, value)]
    if close or name in ("actor", "region", "source"):
        return f"no {name} {_shown(value)}" + _did_you_mean(close)
    if name == "country":
        return f"no country {_shown(value)} (a code such as CN, or a name such as China)"
    if name == "kind":
        vocabulary: tuple[str, ...] = KINDS
    elif name == "match":
        vocabulary = tuple(MATCH_MODES)
    else:
        from store.vocab import CATEGORIES, STATUSES

        vocabulary = CATEGORIES if name == "category" else STATUSES
    return f"no {name} {_shown(value)} ({PLURALS[name]}: {', '.join(vocabulary)})"


# ------------------------------------------------------------------------------------------------ corrected


def corrected(conn: sqlite3.Connection, text: str, problems: Sequence[Problem]) -> str | None:
    """`text` with each of its `problems` (the parts its plan left out) replaced by the nearest valid value
    (`nearest`), the rest as typed; None when none has a near value, or nothing changed. The public side is
    store.search.correction, which finds the problems."""
    fixes: dict[tuple[str, str | None], str] = {}
    for name, value in problems:
        options = nearest(conn, name, value)
        if options:
            fixes[(name.lower(), None if value is None else value.lower())] = options[0][0]
    if not fixes:
        return None
    fixed = _rewrite(text, fixes)
    return fixed if fixed != text else None


def _rewrite(text: str, fixes: dict[tuple[str, str | None], str]) -> str:
    """`text` with the qualifier names and values `fixes` names replaced ((name, None): the name; (name, value):
    that value; both compared without case)."""
    out: list[str] = []
    done = 0
    for name, name_at, value_at, value_end, quoted in qualifier_spans(text):
        key = name.lower()
        new_name = fixes.get((key, None))
        if new_name is not None:
            out += [text[done:name_at], new_name]
            done = name_at + len(name)
            key = new_name
        value = text[value_at:value_end]
        if quoted:
            new = fixes.get((key, value.strip().lower()))
            if new is not None:
                out += [text[done:value_at], new]
                done = value_end
            continue
        at = value_at
        for part in value.split(","):
            new = fixes.get((key, part.strip().lower()))
            if new is not None and part.strip():
                lead = len(part) - len(part.lstrip())
                out += [text[done : at + lead], new]
                done = at + lead + len(part.strip())
            at += len(part) + 1
    out.append(text[done:])
    return "".join(out)


def qualifier_spans(text: str) -> list[tuple[str, int, int, int, bool]]:
    """Where the qualifiers of `text` are, read as store.query.tokenize reads them: (name as typed, where the
    name starts, where the value starts, where it ends, whether it is quoted), for every `name:value` token
    (known qualifier or not; addresses such as `http://x` are words, and are not listed)."""
    spans = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        while i < n and text[i] == "-":
            i += 1
        if i >= n or text[i].isspace():
            continue
        if text[i] == '"':  # a phrase: nothing in it is a qualifier
            end = text.find('"', i + 1)
            i = n if end < 0 else end + 1
            while i < n and text[i] == "*":
                i += 1
            continue
        j = i
        while j < n and not text[j].isspace() and not (text[j] == '"' and j > i and text[j - 1] == ":"):
            j += 1
        m = _QUALIFIER.fullmatch(text[i:j])
        quoted = j < n and text[j] == '"'
        if m and _is_qualifier(m.group(1), m.group(2), quoted):
            name = m.group(1)
            if quoted:
                end = text.find('"', j + 1)
                end = n if end < 0 else end
                spans.append((name, i, j + 1, end, True))
                i = end + 1
            else:
                spans.append((name, i, i + len(name) + 1, j, False))
                i = j
            continue
        i = j
    return spans
