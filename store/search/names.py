"""Name resolution: which actors, regions, sources, findings or countries a name someone typed means, and the
nearest ones when it means none (for "did you mean ...?")."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Sequence

from store.query import Term, fold, has_content, typed_text
from store.search.errors import query_error_means_empty
from store.search.tables import TABLES, marks

MAX_RESOLVED = 1000


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")


def resolve(conn: sqlite3.Connection, kind: str, text: str) -> list[str]:
    """Ids of `kind` ('actor', 'region', 'source', 'evidence') whose id, name (title, or publisher for a
    source) or an alias is `text`, ignoring case and diacritics: `zaporozhye` -> ['zaporizhzhia']."""
    text = typed_text(text).replace("\x00", "").strip()
    if not text or len(text) > 1000 or kind not in TABLES:
        return []
    with query_error_means_empty:
        if kind == "evidence":
            rows = conn.execute("SELECT id FROM evidence WHERE id IN (?, ?)", [text.lower(), slug(text)]).fetchall()
            return sorted({r[0] for r in rows})
        table, label = TABLES[kind].name, TABLES[kind].label
        ids = {r[0] for r in conn.execute(f"SELECT id FROM {table} WHERE id IN (?, ?)", [text.lower(), slug(text)])}
        ids |= {r[0] for r in conn.execute(f"SELECT id FROM {table} WHERE {label} = ? COLLATE NOCASE", [text])}
        if kind == "source":
            ids |= {r[0] for r in conn.execute("SELECT id FROM sources WHERE publisher = ? COLLATE NOCASE", [text])}
        ids |= {
            r[0]
            for r in conn.execute(
                "SELECT ref_id FROM aliases WHERE kind = ? AND alias = ? COLLATE NOCASE LIMIT ?",
                [kind, text, MAX_RESOLVED],
            )
        }
        if not ids and has_content(text):
            ids = _resolve_folded(conn, kind, table, label, text)
        return sorted(ids)[:MAX_RESOLVED]
    return []


# Names are compared as given (`name IN`), through their NOCASE indexes (`name COLLATE NOCASE IN` finds the
# candidates): without those, every compiled query read all actors and aliases (150 ms at 50,000 actors, on
# each keystroke's search). `+kind`: the alias index, not the one on (kind, ...), which reads every alias.
_EXACT_NAMES = """
SELECT 'actor', id FROM actors WHERE id IN ({m})
UNION SELECT 'actor', id FROM actors WHERE name COLLATE NOCASE IN ({m}) AND name IN ({m})
UNION SELECT 'region', id FROM regions WHERE id IN ({m})
UNION SELECT 'region', id FROM regions WHERE name COLLATE NOCASE IN ({m}) AND name IN ({m})
UNION SELECT 'source', id FROM sources WHERE id IN ({m}) OR title IN ({m})
UNION SELECT kind, ref_id FROM aliases WHERE alias COLLATE NOCASE IN ({m}) AND alias IN ({m})
    AND +kind IN ('actor', 'region')
LIMIT 100"""
_EXACT_LISTS = _EXACT_NAMES.count("{m}")


def named_exactly(conn: sqlite3.Connection, text: str) -> dict[str, tuple[str, ...]]:
    """kind -> ids of the actors, regions and sources whose id, name (title) or an alias is `text`, in its
    usual cases (as typed, lower, upper, capitalised: `LPR`, `лнр`, `Крым`). One indexed query: search asks
    it for every query it compiles, to list what the query names first."""
    text = (text or "").replace("\x00", "").strip()
    if not text or len(text) > 200:
        return {}
    forms = list(dict.fromkeys((text, text.lower(), text.upper(), text.capitalize(), text.title(), slug(text))))
    m = marks(len(forms))
    out: dict[str, list[str]] = {}
    with query_error_means_empty:
        for kind, id_ in conn.execute(_EXACT_NAMES.format(m=m), forms * _EXACT_LISTS):
            out.setdefault(kind, []).append(id_)
    return {kind: tuple(sorted(ids)) for kind, ids in out.items()}


def named_by_key(conn: sqlite3.Connection, kind: str, text: str, expr: str) -> tuple[str, ...]:
    """Ids of `kind` (actor, region) with a name, alias or place that is `text` in another spelling or word form
    (`в Луганске`, `Luganska` -> luhansk): every word of the name has a stem of the word of `text` at its
    place. `expr` is the FTS5 expression that finds the candidates (the query's)."""
    from store.matchkey import query_keys, words

    wanted = [set(query_keys(w)[1]) for w in words(text)]
    wanted = [w for w in wanted if w]
    if not wanted or len(wanted) > 6:
        return ()
    table = TABLES[kind].name
    columns = "t.name, t.aka, t.places" if kind == "region" else "t.name, t.aka"
    sql = (
        f"SELECT t.id, {columns} FROM {table}_fts f CROSS JOIN {table} t ON t.rowid = f.rowid "
        f"WHERE {table}_fts MATCH ? ORDER BY f.rank LIMIT 50"
    )
    found = []
    for id_, *texts in conn.execute(sql, [expr]):
        names = [n for t in texts if t for n in t.split(" ; ")]
        for name in names:
            name_words = [w for w in words(name) if query_keys(w)[1]]
            if len(name_words) == len(wanted) and all(
                set(query_keys(w)[1]) & want for w, want in zip(name_words, wanted, strict=True)
            ):
                found.append(id_)
                break
    return tuple(sorted(found))


def _resolve_folded(conn: sqlite3.Connection, kind: str, table: str, label: str, text: str) -> set[str]:
    """Names that differ from `text` only in case beyond ASCII, diacritics or spacing: found through FTS (which
    folds both), confirmed by comparing folded forms."""
    target = fold(text)
    columns = "{title}" if kind == "source" else "{name aka}"
    sql = (
        f"SELECT t.id, t.{label} FROM {table}_fts f CROSS JOIN {table} t ON t.rowid = f.rowid "
        f"WHERE {table}_fts MATCH ? LIMIT 500"
    )
    candidates = dict(conn.execute(sql, [f"{columns} : {Term(text).fts()}"]).fetchall())
    found = {id_ for id_, name in candidates.items() if fold(name) == target}
    if candidates and kind != "source":
        ids = sorted(candidates)
        rows = conn.execute(
            f"SELECT ref_id, alias FROM aliases WHERE kind = ? AND ref_id IN ({marks(len(ids))})", [kind, *ids]
        )
        found |= {ref_id for ref_id, alias in rows if fold(alias) == target}
    return found


def with_descendants(conn: sqlite3.Connection, region_ids: Iterable[str]) -> list[str]:
    """The regions and every region within them (by parent_id), e.g. crimea -> crimea, sevastopol."""
    ids = sorted(set(region_ids))
    if not ids:
        return []
    rows = conn.execute(
        f"""WITH RECURSIVE sub(id) AS (
                SELECT id FROM regions WHERE id IN ({marks(len(ids))})
                UNION SELECT r.id FROM regions r JOIN sub ON r.parent_id = sub.id)
            SELECT id FROM sub LIMIT {MAX_RESOLVED}""",
        ids,
    ).fetchall()
    return sorted({r[0] for r in rows} | set(ids))


def wider_regions(conn: sqlite3.Connection, region_ids: Iterable[str]) -> list[str]:
    """The regions that contain these (by parent_id, at any depth) and are not among them or within them:
    kherson -> occupied-territories. A finding linked to one of those is about the wider region as a whole,
    not about these regions ("general" for them, never specific)."""
    ids = sorted(set(region_ids))
    if not ids:
        return []
    rows = conn.execute(
        f"""WITH RECURSIVE up(id) AS (
                SELECT parent_id FROM regions WHERE id IN ({marks(len(ids))}) AND parent_id IS NOT NULL
                UNION SELECT r.parent_id FROM regions r JOIN up ON r.id = up.id WHERE r.parent_id IS NOT NULL)
            SELECT id FROM up LIMIT {MAX_RESOLVED}""",
        ids,
    ).fetchall()
    found = {r[0] for r in rows} - set(ids)
    if not found:
        return []
    return sorted(found - set(with_descendants(conn, ids)))


def suggest(conn: sqlite3.Connection, kind: str, text: str, n: int = 3) -> list[tuple[str, str]]:
    """Up to `n` (id, name) pairs closest to `text`, for "no actor 'xyz'; did you mean ...?"."""
    import difflib  # only when something was not found

    if kind not in TABLES or not text:
        return []
    if kind == "region":  # a place the gazetteer knows (`region:mariupol`): the region it is in, first
        found = _gazetteer_regions(conn, typed_text(text[:200]))
        if found:
            return found[:n]
    table = TABLES[kind].name
    label = "id" if kind == "evidence" else TABLES[kind].label
    # Aliases count too: `Херсонська` is close to `Херсонська область`, an alias of Kherson Oblast, not to its name.
    aka = ", t.aka" if kind in ("actor", "region") else ", NULL"
    text = typed_text(text[:200])
    candidates: dict[str, tuple[str, str | None]] = {}
    stem = slug(text)[:3]
    if stem:
        rows = conn.execute(
            f"SELECT id, {label}{aka.replace('t.', '')} FROM {table} t WHERE id >= ? AND id < ? LIMIT 200",
            [stem, stem + "\uffff"],
        )
        candidates.update((id_, (name, also)) for id_, name, also in rows)
    if kind != "evidence":
        words = [w for w in fold(text).split() if has_content(w)][:8]
        if words:
            expr = " OR ".join(Term(w[:3], prefix=True).fts() for w in words)
            try:
                rows = conn.execute(
                    f"SELECT t.id, t.{label}{aka} FROM {table}_fts f CROSS JOIN {table} t ON t.rowid = f.rowid "
                    f"WHERE {table}_fts MATCH ? ORDER BY f.rank LIMIT 200",
                    [expr],
                )
                candidates.update((id_, (name, also)) for id_, name, also in rows)
            except sqlite3.OperationalError:
                pass
    if len(candidates) < n:
        total = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        if total <= 5000:
            rows = conn.execute(f"SELECT id, {label}{aka.replace('t.', '')} FROM {table}")
            candidates.update((id_, (name, also)) for id_, name, also in rows)
    target = fold(text)
    scored = []
    for id_, (name, also) in candidates.items():
        score = max(
            difflib.SequenceMatcher(None, target, fold(id_)).ratio(),
            *(_closeness(target, id_, fold(n)) for n in [name or "", *(also.split(" ; ") if also else ())]),
        )
        scored.append((score, id_, name))
    scored.sort(key=lambda s: (-s[0], s[1]))
    # Close enough, and not far behind the closest: `Херсонська` is told Kherson Oblast, not every "…ська область".
    floor = max(0.4, scored[0][0] - 0.2) if scored else 0.4
    return [(id_, name) for score, id_, name in scored[:n] if score >= floor]


def _closeness(target: str, id_: str, folded: str) -> float:
    """How close a typed (folded) name is to one of a record's (folded) names: their likeness, or 0.6 for a word
    of a long name or title (`kyiv` for "The Kyiv Independent ..."): close, not the same."""
    import difflib

    return max(
        difflib.SequenceMatcher(None, target, folded).ratio(),
        0.6 if len(target) >= 3 and (target in folded.split() or slug(target) in id_.split("-")) else 0.0,
    )


def _gazetteer_regions(conn: sqlite3.Connection, text: str) -> list[tuple[str, str]]:
    """(id, name) of the regions the gazetteer puts a place named `text` in, in its usual cases."""
    text = text.strip()
    forms = list(dict.fromkeys((text, text.lower(), text.capitalize(), text.title())))
    rows = conn.execute(
        f"SELECT DISTINCT r.id, r.name FROM gazetteer g JOIN regions r ON r.id = g.region_id "
        f"WHERE g.name IN ({marks(len(forms))}) ORDER BY r.id",
        forms,
    )
    return [(id_, name) for id_, name in rows]


def closest(text: str, choices: Sequence[str], n: int = 3) -> list[str]:
    """Up to `n` of `choices` that look like `text` (a misspelt category, status or qualifier name)."""
    import difflib

    return difflib.get_close_matches(fold(text), list(choices), n=n, cutoff=0.7)


# ------------------------------------------------------------------------------------------------ countries

_COUNTRY_NAMES: dict[str, str] = {}  # folded code or English name -> alpha-2 code, filled on first use


def _country_names() -> dict[str, str]:
    if not _COUNTRY_NAMES:
        from store.countries import COUNTRIES  # 250 countries: only for queries that name one

        names: dict[str, str] = {}
        for code, (alpha3, _name, _others) in COUNTRIES.items():  # codes first: `chn` is China's code
            names.setdefault(fold(code), code)
            names.setdefault(fold(alpha3), code)
        for code, (_alpha3, name, others) in COUNTRIES.items():
            for each in (name, *others):
                names.setdefault(fold(each), code)
        _COUNTRY_NAMES.update(names)
    return _COUNTRY_NAMES


def country_code(text: str) -> str | None:
    """The ISO 3166-1 alpha-2 code `text` names: an alpha-2 or alpha-3 code (`cn`, `CHN`), an English name
    (`China`, `North Korea`), or the start of one country's name only (`russia` -> RU, not `korea`)."""
    key = fold(text)
    names = _country_names()
    if key in names:
        return names[key]
    if len(key) >= 4:
        found = {code for name, code in names.items() if name.startswith(key)}
        if len(found) == 1:
            return found.pop()
    return None


def suggest_countries(text: str, n: int = 3) -> list[tuple[str, str]]:
    """Up to `n` (code, name) pairs of countries whose code or name looks like `text`."""
    import difflib

    from store.countries import COUNTRIES

    names = _country_names()
    key = fold(text)
    codes: list[str] = []
    for match in difflib.get_close_matches(key, list(names), n=10, cutoff=0.6):
        if names[match] not in codes:
            codes.append(names[match])
    if len(key) >= 3:  # `korea`: every country whose name starts with it
        codes += sorted({c for name, c in names.items() if name.startswith(key) and c not in codes})
    return [(code, COUNTRIES[code][1]) for code in codes[:n]]
