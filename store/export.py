"""Exports of findings: CSV (one row per finding), JSON (an array of objects) and Markdown (a brief to paste:
findings grouped by actor, each with its citation). Used by `findings export` and the TUI's `e` key.

Which findings: `evidence_ids` (in that order), else those the `query` matches (query language of
store.query; by relevance when it has words, else newest first), else all of them, newest first. Every format
streams in batches, so an export of a million findings holds a few hundred at a time: CSV rows come from the
list's own query (each finding read once, in list order, with its actors' and regions' rowids), each actor and
region read once for the export (_Named); a row of plain cells is written as its cells joined (a cell with a
comma or a quote quoted as csv quotes it), csv writing the rows whose cells need the text table, the formula
guard or a line break; Markdown groups by actor in SQL (temporary tables of the export's ids, sizes and lead
actors), then writes group by group.


What a person reads is shown through the one table of store.text, in every format but JSON: CSV has no escape
syntax, so its cells hold the visible forms (ESC as ␛, `Hua<U+200B>wei`; tabs and line breaks inside a cell stay,
a CR LF inside a cell becomes a line feed), and `cat` of an export cannot drive a terminal; cells that a
spreadsheet would run as a formula (starting with = + - @, a tab or a line break) are prefixed with an
apostrophe. Markdown shows the same forms, and escapes the characters that would turn data into markup. JSON is
exact: the same characters are written as \\u escapes.
"""

from __future__ import annotations

import contextlib
import json
import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from store.cite import citation_parts, figure, status_mark
from store.details import region_label
from store.language import name as language_name
from store.search import EvidenceFilter, ScopeCounts, iter_evidence_ids, iter_evidence_rows
from store.sensitivity import HIDDEN_EVIDENCE
from store.text import holds_table_characters, json_safe, printable

if TYPE_CHECKING:
    import io
    from _csv import Writer as _CsvWriter

    from _typeshed import SupportsWrite  # what an export writes to: a file, stdout, or stdout made safe

FORMATS = ("csv", "json", "markdown")
BATCH = 500
CSV_COLUMNS = (
    "id",
    "date",
    "category",
    "status",
    "confidence",
    "claim",
    "quote",
    "quantity",
    "unit",
    "actors",
    "actor_ids",
    "regions",
    "region_ids",
    "source_id",
    "source_title",
    "publisher",
    "published",
    "url",
    "locator",
    "lang",
)
# With `romanise`: the claim and quote in Latin letters, and the standard used (store.romanise).
ROMANISED_COLUMNS = ("claim_romanised", "quote_romanised", "romanisation")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
_NOT_PLAIN_FIRST = frozenset("=+-@ ")  # printable ASCII text starting otherwise goes out as it is
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~&])")


def write_export(
    conn: sqlite3.Connection,
    fmt: str,
    out: SupportsWrite[str],
    *,
    query: str | None = None,
    evidence_ids: Iterable[str] | None = None,
    flt: EvidenceFilter | None = None,
    selection: Selection | None = None,
    romanise: bool = False,
    include_sensitive: bool = False,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write the findings to `out` as `fmt` ('csv', 'json' or 'markdown'); returns how many were written (also
    set as `selection.count`). A Markdown brief begins with what `selection` describes. `romanise`: add each
    Ukrainian or Russian claim and quote in Latin letters, by the official standard of its language (Ukrainian:
    KMU 2010; Russian: BGN/PCGN), and which standard that was. Sensitive findings and those of sensitive sources
    are left out (store.sensitivity) unless `include_sensitive`; how many were is `selection.sensitive_left_out`.
    `progress` is called with the number of findings written so far, after each batch. `flt`, instead of
    `query`: the findings of an explorer list (its search, chips and facets), read as its own query reads them
    (not its ids first, then each finding by its id: twice the time at 165,000 findings)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r} (one of: {', '.join(FORMATS)})")
    if flt is not None:
        if query is not None or evidence_ids is not None:
            raise ValueError("an export is of a filter, a query or a list of ids, not of two")
        query = flt.query
    else:
        flt = EvidenceFilter(query=(query or "").strip())
    batches = _id_batches(conn, flt, evidence_ids)
    if not include_sensitive:
        batches = _without_sensitive(conn, batches, selection)
    if fmt == "markdown":  # reports as it writes, after grouping
        n = _write_markdown(conn, batches, out, query, selection, progress, romanise)
    elif fmt == "csv" and not romanise:
        n = _write_csv(conn, _csv_rows(conn, flt, evidence_ids, include_sensitive, selection), out, progress)
    else:
        records = _records(conn, batches if progress is None else _reporting(batches, progress))
        if romanise:
            records = (_romanised(r) for r in records)
        n = _write_csv_records(records, out, romanised=True) if fmt == "csv" else _write_json(records, out)
    if selection is not None:
        selection.count = n
    return n


def _reporting(batches: Iterable[list[str]], progress: Callable[[int], None]) -> Iterator[list[str]]:
    done = 0
    for ids in batches:
        yield ids
        done += len(ids)
        progress(done)


# ---------------------------------------------------------------------------------------------- selection


@dataclass
class Selection:
    """What an export holds, so that a part is never taken for the whole: the query, the filters (chips and
    facets, with names), how many of the database's findings, which database, when."""

    query: str
    filters: dict[str, list[dict[str, str]]]  # "actors": [{"id": "china", "name": "China"}], "years": [{"value"...}]
    database: str
    exported: str  # UTC, ISO 8601
    total: int  # findings in the database
    count: int = 0  # findings exported (set by write_export)
    sensitive_left_out: int = 0  # matching findings left out because they or their source are sensitive
    # With a region asked for that lies within a wider one: how many matching findings are about it, how many
    # about the wider region as a whole (`region:kherson` is 1 about Kherson Oblast and 23 about the occupied
    # territories as a whole: a brief saying "24 findings" would claim them all for Kherson)
    scope: ScopeCounts | None = None

    def scope_text(self) -> str:
        """` (Kherson Oblast 1 · Occupied territories of Ukraine as a whole 23)`, or '' without a scope."""
        return f" ({self.scope.text()})" if self.scope is not None else ""

    def parts(self) -> list[str]:
        """The selection in words: ["query “yuan”", "actor China", ...]; empty for all findings."""
        out = [f"query “{self.query}”"] if self.query else []
        for key, label in _FILTER_LABELS:
            items = self.filters.get(key) or []
            if items:
                names = [i.get("name") or i.get("value") or i.get("id") or "" for i in items]
                out.append(f"{label[len(names) > 1]} {' or '.join(names)}")
        return out

    def summary(self) -> str:
        """One line for people (shown through the text table by the caller)."""
        what = "; ".join(self.parts()) or "all findings"
        left_out = f" ({self.sensitive_left_out:,} sensitive left out)" if self.sensitive_left_out else ""
        return (
            f"{what}: {self.count:,} of {self.total:,} findings{self.scope_text()} in {self.database}{left_out}, "
            f"exported {self.exported}"
        )

    def as_json(self, *, fmt: str, file: str, sha256: str) -> str:
        """The sidecar `FILE.meta.json` of a CSV or JSON export."""
        data = {
            "findings_export": 1,
            "file": file,
            "format": fmt,
            "sha256": sha256,
            "count": self.count,
            "total_in_database": self.total,
            "sensitive_left_out": self.sensitive_left_out,
            "selection": " ".join(self.parts()) or "all findings",
            **({"scope": self._scope_json()} if self.scope is not None else {}),
            "query": self.query,
            "filters": {k: v for k, v in self.filters.items() if v},
            "database": self.database,
            "exported": self.exported,
        }
        return json_safe(json.dumps(data, ensure_ascii=False, indent=2)) + "\n"

    def _scope_json(self) -> dict[str, object]:
        assert self.scope is not None
        return {
            "regions_asked": list(self.scope.asked),
            "about_them": self.scope.specific,
            "wider_regions": list(self.scope.wider),
            "about_a_wider_region_as_a_whole": self.scope.general,
        }


_FILTER_LABELS = (
    ("actors", ("actor", "actors")),
    ("regions", ("region", "regions")),
    ("categories", ("category", "categories")),
    ("countries", ("actor country", "actor countries")),
    ("years", ("year", "years")),
    ("statuses", ("status", "statuses")),
    ("sources", ("source", "sources")),
)


def selection(
    conn: sqlite3.Connection, *, database: str, query: str | None = None, flt: EvidenceFilter | None = None
) -> Selection:
    """Describe an export of `query` (the CLI) or of `flt` (the explorer's list: its search, chips and facets)."""
    from datetime import UTC, datetime

    filters: dict[str, list[dict[str, str]]] = {}
    if flt is not None:
        query = flt.query
        filters["actors"] = _named(conn, "actors", "name", flt.actor_ids)
        filters["regions"] = _named(conn, "regions", "name", flt.region_ids)
        filters["categories"] = [{"value": str(c)} for c in flt.categories]
        filters["countries"] = [{"value": str(c)} for c in flt.countries]
        filters["years"] = [{"value": str(y)} for y in flt.years]
        filters["statuses"] = [{"value": str(v)} for v in flt.statuses]
        filters["sources"] = _named(conn, "sources", "title", flt.source_ids)
    from store.search import scope_counts
    from store.search.facet_counts import total_findings

    total = total_findings(conn)
    return Selection(
        query=" ".join((query or "").split()),
        filters=filters,
        database=database,
        exported=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        total=int(total),
        scope=scope_counts(conn, flt if flt is not None else EvidenceFilter(query or "")),
    )


def _named(conn: sqlite3.Connection, table: str, column: str, ids: Iterable[str]) -> list[dict[str, str]]:
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return []
    marks = ",".join("?" * len(wanted))
    names = dict(conn.execute(f"SELECT id, {column} FROM {table} WHERE id IN ({marks})", wanted).fetchall())
    return [{"id": i, "name": str(names.get(i) or i)} for i in wanted]


def _id_batches(
    conn: sqlite3.Connection, flt: EvidenceFilter, evidence_ids: Iterable[str] | None
) -> Iterator[list[str]]:
    if evidence_ids is not None:
        ids = list(evidence_ids)
        for i in range(0, len(ids), BATCH):
            yield ids[i : i + BATCH]
        return
    yield from iter_evidence_ids(conn, flt, batch=BATCH)


def _without_sensitive(
    conn: sqlite3.Connection, batches: Iterable[list[str]], selection: Selection | None
) -> Iterator[list[str]]:
    from store.sensitivity import without_hidden

    for ids in batches:
        kept = without_hidden(conn, ids)
        if selection is not None:
            selection.sensitive_left_out += len(ids) - len(kept)
        yield kept


def _records(conn: sqlite3.Connection, batches: Iterable[list[str]]) -> Iterator[dict]:
    """Each finding with its source, actors and regions, in the order of the ids."""
    for ids in batches:
        if not ids:
            continue
        marks = ",".join("?" * len(ids))
        rows = conn.execute(
            f"""SELECT e.id, e.claim, e.quote, e.category, e.date, e.quantity, e.unit, e.status, e.confidence,
                       e.locator, e.source_id, s.title, s.publisher, s.url, s.published, s.authors, s.accessed,
                       e.lang
                  FROM evidence e LEFT JOIN sources s ON s.id = e.source_id WHERE e.id IN ({marks})""",
            ids,
        ).fetchall()
        actors: dict[str, list[dict]] = {}
        for eid, aid, name, role in conn.execute(
            f"""SELECT l.evidence_id, a.id, a.name, l.role FROM evidence_actors l JOIN actors a ON a.id = l.actor_id
                 WHERE l.evidence_id IN ({marks}) ORDER BY a.evidence_count DESC, a.name, a.id""",
            ids,
        ):
            actors.setdefault(eid, []).append({"id": aid, "name": name, "role": role})
        # as_a_whole: the region has parts (the occupied territories): the finding is about it as a whole, about
        # none of its parts in particular; such regions come after the others
        regions: dict[str, list[dict]] = {}
        for eid, rid, name, whole in conn.execute(
            f"""SELECT l.evidence_id, r.id, r.name, EXISTS (SELECT 1 FROM regions p WHERE p.parent_id = r.id) AS w
                  FROM evidence_regions l JOIN regions r ON r.id = l.region_id
                 WHERE l.evidence_id IN ({marks}) ORDER BY w, r.name, r.id""",
            ids,
        ):
            regions.setdefault(eid, []).append({"id": rid, "name": name, "as_a_whole": bool(whole)})
        by_id = {}
        for row in rows:
            (eid, claim, quote, category, date, quantity, unit, status, confidence, locator, sid, title, publisher) = (
                row[:13]
            )
            url, published, authors, accessed, lang = row[13:]
            by_id[eid] = {
                "id": eid,
                "claim": claim,
                "quote": quote,
                "category": category,
                "date": date,
                "quantity": quantity,
                "unit": unit,
                "status": status,
                "confidence": confidence,
                "locator": locator,
                "lang": lang,
                "source": {
                    "id": sid,
                    "title": title,
                    "publisher": publisher,
                    "authors": authors,
                    "url": url,
                    "published": published,
                    "accessed": accessed,
                },
                "actors": actors.get(eid, []),
                "regions": regions.get(eid, []),
            }
        for eid in ids:
            if eid in by_id:
                yield by_id[eid]


# -------------------------------------------------------------------------------------------------------- CSV


def _cell(value: object) -> object:
    """A CSV cell: numbers as they are; text in the visible forms of store.text (tabs and line feeds kept), then
    neutralised."""
    if type(value) is str:
        if not (value.isascii() and value.isprintable()):  # the common case needs no table look-up
            value = printable(value, keep_newlines=True)
        if value and (value[0] in _FORMULA_START or value.lstrip()[:1] in _FORMULA_START):
            return "'" + value
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return neutralise(None if value is None else printable(value, keep_newlines=True))


def neutralise(value: object) -> object:
    """A CSV cell that a spreadsheet will not evaluate: text starting with = + - @ (after blanks), a tab or a
    carriage return gets a leading apostrophe. Numbers are left alone."""
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    text = str(value)
    if text and (text[0] in _FORMULA_START or text.lstrip()[:1] in _FORMULA_START):
        return "'" + text
    return text


def _romanised(r: dict) -> dict:
    from store.romanise import STANDARDS, romanise, standard_for

    standard = standard_for(f"{r['claim']} {r['quote'] or ''}", r.get("lang"))
    r["romanised"] = {
        "claim": romanise(r["claim"], standard) if standard else r["claim"],
        "quote": romanise(r["quote"], standard) if standard and r["quote"] else r["quote"],
        "standard": STANDARDS[standard] if standard else None,
    }
    return r


def _write_csv_records(records: Iterable[dict], out: SupportsWrite[str], *, romanised: bool = False) -> int:
    """CSV from whole records (with romanised claims and quotes, which need the record)."""
    import csv

    writer = csv.writer(out)
    writer.writerow((*CSV_COLUMNS, *ROMANISED_COLUMNS) if romanised else CSV_COLUMNS)
    n = 0
    for r in records:
        src = r["source"]
        row: tuple = (
            r["id"],
            r["date"],
            r["category"],
            r["status"],
            r["confidence"],
            r["claim"],
            r["quote"],
            r["quantity"],
            r["unit"],
            "; ".join(a["name"] for a in r["actors"]),
            "; ".join(a["id"] for a in r["actors"]),
            "; ".join(region_label(g) for g in r["regions"]),
            "; ".join(g["id"] for g in r["regions"]),
            src["id"],
            src["title"],
            src["publisher"],
            src["published"],
            src["url"],
            r["locator"],
            r["lang"],
        )
        if romanised:
            latin = r["romanised"]
            row = (*row, latin["claim"], latin["quote"], latin["standard"])
        writer.writerow([_cell(v) for v in row])
        n += 1
    return n


# The cells of a CSV row in their order, with the finding's actors and regions as their rowids (group_concat:
# "12,7"; named and put in order by _Named), then whether the finding is left out (store.sensitivity).
# CAST(... AS TEXT) is what the readers' TEXT conversion makes of a value (a number's text, a BLOB's bytes as
# text), done in C: Python's own decoding of the result, not a call per value; text that is not UTF-8 makes it
# fail, and is then read again as every reader reads it (_tolerant).
_LINKED = (
    "(SELECT group_concat(t.rowid) FROM {links} l CROSS JOIN {table} t ON t.id = l.{key} WHERE l.evidence_id = e.id)"
)
_CSV_SELECT = ", ".join(
    f"coalesce(CAST({c} AS TEXT), '')" if c.startswith(("e.", "src.")) and c != "e.quantity" else c
    for c in (
        "e.id", "e.date", "e.category", "e.status", "e.confidence", "e.claim", "e.quote", "e.quantity", "e.unit",
        _LINKED.format(links="evidence_actors", table="actors", key="actor_id"),
        _LINKED.format(links="evidence_regions", table="regions", key="region_id"),
        "e.source_id", "src.title", "src.publisher", "src.published", "src.url", "e.locator", "e.lang",
    )
) + f", {HIDDEN_EVIDENCE}"  # fmt: skip
_ACTORS_AT, _REGIONS_AT = 9, 10
# The actors and regions of a batch by rowid (a JSON array of them), with what a finding's are ordered by: actors
# by number of findings, then name (as _records orders them); regions by name, those spoken of as a whole last.
# Whether those values are of the kinds that Python compares as SQLite does (_Named).
_CSV_ACTORS = """SELECT CAST(rowid AS TEXT), -evidence_count, CAST(name AS TEXT), CAST(id AS TEXT),
       CAST(name AS TEXT), CAST(id AS TEXT),
       typeof(evidence_count) = 'integer' AND typeof(name) = 'text' AND typeof(id) = 'text'
  FROM actors WHERE rowid IN (SELECT value FROM json_each(?))"""
_CSV_REGIONS = """SELECT CAST(k AS TEXT), w, CAST(name AS TEXT), CAST(id AS TEXT),
       CASE WHEN name != '' THEN name ELSE id END || CASE WHEN w THEN ' (as a whole)' ELSE '' END, CAST(id AS TEXT),
       typeof(name) = 'text' AND typeof(id) = 'text'
  FROM (SELECT r.rowid AS k, r.id, r.name, EXISTS (SELECT 1 FROM regions p WHERE p.parent_id = r.id) AS w
          FROM regions r WHERE r.rowid IN (SELECT value FROM json_each(?)))"""
# The same, put in order by SQLite (for a batch holding values of other kinds: a damaged database).
_CSV_ACTORS_RANKED = """SELECT CAST(rowid AS TEXT), CAST(name AS TEXT), CAST(id AS TEXT)
  FROM actors WHERE rowid IN (SELECT value FROM json_each(?))
 ORDER BY evidence_count DESC, name, id"""
_CSV_REGIONS_RANKED = """SELECT CAST(k AS TEXT), CASE WHEN name != '' THEN name ELSE id END
       || CASE WHEN w THEN ' (as a whole)' ELSE '' END, CAST(id AS TEXT)
  FROM (SELECT r.rowid AS k, r.id, r.name, EXISTS (SELECT 1 FROM regions p WHERE p.parent_id = r.id) AS w
          FROM regions r WHERE r.rowid IN (SELECT value FROM json_each(?)))
 ORDER BY w, name, id"""
_CSV_SOURCE = "LEFT JOIN sources src ON src.id = e.source_id"


def _csv_rows(
    conn: sqlite3.Connection,
    flt: EvidenceFilter,
    evidence_ids: Iterable[str] | None,
    include_sensitive: bool,
    selection: Selection | None,
) -> Iterator[list[tuple]]:
    """The CSV rows of the findings (their actors and regions as rowids), in batches, each finding read once
    (one query streamed in list order, as `sqlite3 -csv` of the same SELECT would: no id is looked up twice)."""
    done = 0
    try:
        for rows in _csv_batches(conn, flt, evidence_ids):
            done += len(rows)
            yield _kept(rows, include_sensitive, selection)
    except sqlite3.OperationalError as e:
        if not _not_utf8(e):
            raise
        with _tolerant(conn):  # the same query again, from the finding it stopped at
            for rows in _csv_batches(conn, flt, evidence_ids):
                skipped, done = min(done, len(rows)), done - min(done, len(rows))
                if rows[skipped:]:
                    yield _kept(rows[skipped:], include_sensitive, selection)


def _csv_batches(
    conn: sqlite3.Connection, flt: EvidenceFilter, evidence_ids: Iterable[str] | None
) -> Iterator[list[tuple]]:
    if evidence_ids is None:
        yield from iter_evidence_rows(conn, flt, _CSV_SELECT, joins=_CSV_SOURCE, batch=BATCH)
        return
    ids = list(evidence_ids)
    for i in range(0, len(ids), BATCH):
        yield conn.execute(
            f"SELECT {_CSV_SELECT} FROM json_each(?) j CROSS JOIN evidence e ON e.id = j.value {_CSV_SOURCE} "
            "ORDER BY j.key",
            [json.dumps(ids[i : i + BATCH])],
        ).fetchall()


def _kept(rows: list[tuple], include_sensitive: bool, selection: Selection | None) -> list[tuple]:
    kept = rows if include_sensitive else [r for r in rows if not r[-1]]
    if selection is not None:
        selection.sensitive_left_out += len(rows) - len(kept)
    return kept


def _not_utf8(e: sqlite3.OperationalError) -> bool:
    return str(e).startswith("Could not decode to UTF-8")


@contextlib.contextmanager
def _tolerant(conn: sqlite3.Connection) -> Iterator[None]:
    """Text that is not UTF-8 read as the readers' TEXT conversion reads it (store.connect.text_of_bytes)."""
    from store.connect import text_of_bytes

    factory = conn.text_factory
    conn.text_factory = text_of_bytes
    try:
        yield
    finally:
        conn.text_factory = factory


# rowid (as text) -> (what a finding's are ordered by, name, id)
_Entries = dict[str, tuple[object, str, str]]
HELD = 100_000  # actors (or regions) held at most (~35 MB); past that, those of the next batches are read again


class _Named:
    """The actors (or regions) of an export's findings by rowid, each read once: with the values SQLite orders
    them by, as Python values that compare as SQLite compares those (an integer count; a name and an id as
    text, whose code points are in the order of their UTF-8 bytes, SQLite's BINARY collation). A batch holding
    one whose values are of another kind, or text that is not UTF-8 (a damaged database), is put in order by
    SQLite instead, for that batch alone."""

    def __init__(self, conn: sqlite3.Connection, sql: str, ranked: str, at: int) -> None:
        self.conn, self.sql, self.ranked, self.at = conn, sql, ranked, at
        self.held: _Entries = {}

    def of(self, rows: list[tuple]) -> _Entries:
        at, held = self.at, self.held
        keys = ",".join([k for r in rows if (k := r[at]) is not None])
        if not keys:
            return held
        missing = [k for k in keys.split(",") if k not in held]
        if not missing:
            return held
        if len(held) + len(missing) > HELD:
            self.held = held = {}
            missing = keys.split(",")
        try:
            found = self.conn.execute(self.sql, [f"[{','.join(missing)}]"]).fetchall()
        except sqlite3.OperationalError as e:
            if not _not_utf8(e):
                raise
            return self._ranked(keys)
        for key, *order, shown, ident, comparable in found:
            if not comparable:
                return self._ranked(keys)
            held[key] = (order, shown, ident)
        return held

    def _ranked(self, keys: str) -> _Entries:
        """The batch's own, numbered in the order SQLite puts them in."""
        ids = f"[{keys}]"  # (rowids: integers, already a JSON array's items)
        try:
            found = self.conn.execute(self.ranked, [ids]).fetchall()
        except sqlite3.OperationalError as e:
            if not _not_utf8(e):
                raise
            with _tolerant(self.conn):
                found = self.conn.execute(self.ranked, [ids]).fetchall()
        return {key: (i, shown, ident) for i, (key, shown, ident) in enumerate(found)}


_NONE = ("", "")


def _listed(keys: str | None, named: _Entries) -> tuple[str, str]:
    """A finding's actors (or regions) from their rowids ("12,7"): (names, ids), each joined with '; '."""
    if keys is None:
        return _NONE
    if "," not in keys:
        _, name, ident = named[keys]
        return name, ident
    found = sorted([named[k] for k in keys.split(",")])
    return "; ".join([f[1] for f in found]), "; ".join([f[2] for f in found])


def _write_csv(
    conn: sqlite3.Connection,
    batches: Iterable[list[tuple]],
    out: SupportsWrite[str],
    progress: Callable[[int], None] | None,
) -> int:
    import csv
    import io

    buffer = io.StringIO()  # rows that need the text table or the formula guard go through csv, one at a time
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    out.write(buffer.getvalue())
    n = 0
    listed, plain = _listed, _printable_plain
    formula, formula_in_cells = _FORMULA_AFTER_COMMA.search, _FORMULA_AFTER_NUL.search
    # One thread: a reader thread beside it gained nothing, as each row it fetched waited for the GIL while
    # the batch before was written.
    actors = _Named(conn, _CSV_ACTORS, _CSV_ACTORS_RANKED, _ACTORS_AT)
    regions = _Named(conn, _CSV_REGIONS, _CSV_REGIONS_RANKED, _REGIONS_AT)
    for rows in batches:
        if not rows:
            continue
        held_actors, held_regions = actors.of(rows), regions.of(rows)
        lines = []
        for r in rows:
            q = r[7]
            text = (
                *r[:7],
                q if type(q) is str else "" if q is None else str(q),  # (csv's own text of a number)
                r[8],
                *listed(r[9], held_actors),
                *listed(r[10], held_regions),
                *r[11:18],
            )
            line = ",".join(text)
            if not plain(line) or line[0] in _NOT_PLAIN_FIRST:
                line = _guarded(writer, buffer, (*text[:7], q, *text[8:]))
            elif line.count(",") == _COMMAS:  # every comma ends a cell: a cell begins after each
                if formula(line):
                    line = _guarded(writer, buffer, (*text[:7], q, *text[8:]))
                elif '"' in line:
                    line = ",".join([c if '"' not in c else _quoted(c) for c in text])
            elif formula_in_cells("\0".join(text)):  # (plain: no cell holds a NUL)
                line = _guarded(writer, buffer, (*text[:7], q, *text[8:]))
            else:  # cells holding a comma (or a quote) are quoted, as csv quotes them
                line = ",".join([c if "," not in c and '"' not in c else _quoted(c) for c in text])
            lines.append(line)
        if lines:
            lines.append("")
            out.write("\r\n".join(lines))
        n += len(rows)
        if progress is not None:
            progress(n)
    return n


_COMMAS = len(CSV_COLUMNS) - 1
# Where a cell but the first begins with what a spreadsheet runs (= + - @) or with a blank before it, in a row's
# cells joined with commas (when no cell holds one) or with NULs (which no plain cell holds).
_FORMULA_AFTER_COMMA = re.compile(r",[=+\-@ ]")
_FORMULA_AFTER_NUL = re.compile("\0[=+\\-@ ]")


def _printable_plain(line: str) -> bool:
    """Whether `line` (a row's cells joined with commas) holds no character of the text table, no tab and no
    line break: its cells are their own visible forms, and none needs quoting for a line break."""
    if line.isascii():
        return line.isprintable()
    return line.isprintable() and not holds_table_characters(line)


def _quoted(cell: str) -> str:
    return '"' + cell.replace('"', '""') + '"'


def _guarded(writer: _CsvWriter, buffer: io.StringIO, cells: tuple) -> str:
    """The CSV line of cells that need the text table's visible forms or the formula guard (_cell), by csv."""
    cell, odd = _cell, _NOT_PLAIN_FIRST
    buffer.seek(0)
    buffer.truncate()
    writer.writerow(
        [v if type(v) is str and v.isascii() and v.isprintable() and v[:1] not in odd else cell(v) for v in cells]
    )
    return buffer.getvalue()[:-2]  # (without its CR LF)


# ------------------------------------------------------------------------------------------------------- JSON


def _write_json(records: Iterable[dict], out: SupportsWrite[str]) -> int:
    n = 0
    out.write("[")
    for r in records:
        out.write(",\n" if n else "\n")
        out.write(json_safe(json.dumps(r, ensure_ascii=False)))  # no C1 control or bidi override goes out raw
        n += 1
    out.write("\n]\n" if n else "]\n")
    return n


# --------------------------------------------------------------------------------------------------- Markdown


def md(text: object) -> str:
    """Data as Markdown text that renders as itself, on one line (the visible forms of store.text)."""
    s = " ".join(printable(text).split())
    return _MD_SPECIAL.sub(r"\\\1", s)


_WEB_URL = re.compile(r"https?://[^\s<>]+", re.IGNORECASE)


def citation(r: dict) -> str:
    """store.cite's citation in Markdown: the title in italics (for its quotation marks), a web URL as a link,
    every other part escaped."""
    out = []
    for text, role in citation_parts(r):
        if role == "title-mark":
            continue
        if role == "title":
            out.append(f"*{md(text)}*")
        elif role == "url" and _WEB_URL.fullmatch(shown := printable(text)):
            out.append(f"<{shown}>")  # an autolink cannot hold markup; any other scheme stays text
        elif role is None:
            out.append(_MD_SPECIAL.sub(r"\\\1", text))  # the citation's own words, spaces as they are
        else:
            out.append(md(text))
    return "".join(out)


def _casefold(value: str | None) -> str | None:
    return value.casefold() if isinstance(value, str) else value


def _write_markdown(
    conn: sqlite3.Connection,
    batches: Iterable[list[str]],
    out: SupportsWrite[str],
    query: str | None,
    sel: Selection | None,
    progress: Callable[[int], None] | None,
    romanise: bool,
) -> int:
    """Each finding appears once, under the linked actor that has the most findings in this export (ties: the
    name, then the id); groups largest first, "Other findings" (no actor) last; within a group, export order.
    The grouping is done in temporary tables, so memory does not grow with the export."""
    conn.create_function("findings_casefold", 1, _casefold, deterministic=True)  # Python's, as sorted() uses
    temp = ["export_ids", "export_sizes", "export_leads", "export_groups"]
    # A read-only connection (mode=ro, query_only) may still hold temporary tables once query_only is lifted:
    # mode=ro alone keeps the database file from being written, and temporary tables live elsewhere.
    query_only = conn.execute("PRAGMA query_only").fetchone()[0]
    conn.execute("PRAGMA query_only = OFF")
    for table in temp:
        conn.execute(f"DROP TABLE IF EXISTS temp.{table}")
    try:
        conn.execute("CREATE TEMP TABLE export_ids (pos INTEGER PRIMARY KEY, id TEXT NOT NULL)")
        for ids in batches:
            conn.execute(
                "INSERT INTO temp.export_ids (id) SELECT j.value FROM json_each(?) j "
                "WHERE EXISTS (SELECT 1 FROM evidence e WHERE e.id = j.value) ORDER BY j.key",
                [json.dumps(ids)],
            )
        conn.execute(
            "CREATE TEMP TABLE export_sizes AS SELECT l.actor_id AS id, count(*) AS n FROM temp.export_ids x "
            "CROSS JOIN evidence_actors l ON l.evidence_id = x.id CROSS JOIN actors a ON a.id = l.actor_id "
            "GROUP BY l.actor_id"
        )
        conn.execute("CREATE UNIQUE INDEX temp.export_sizes_id ON export_sizes(id)")
        conn.execute(
            "CREATE TEMP TABLE export_leads AS SELECT x.pos AS pos, x.id AS id, coalesce(("
            "SELECT l.actor_id FROM evidence_actors l CROSS JOIN temp.export_sizes z ON z.id = l.actor_id "
            "CROSS JOIN actors a ON a.id = l.actor_id WHERE l.evidence_id = x.id "
            "ORDER BY z.n DESC, findings_casefold(a.name), a.id LIMIT 1), '') AS lead FROM temp.export_ids x"
        )
        conn.execute(
            "CREATE TEMP TABLE export_groups AS SELECT g.lead AS lead, g.n AS n, a.name AS name, "
            "row_number() OVER (ORDER BY g.lead = '', g.n DESC, findings_casefold(coalesce(a.name, '')), g.lead) "
            "AS rank FROM (SELECT lead, count(*) AS n FROM temp.export_leads GROUP BY lead) g "
            "LEFT JOIN actors a ON a.id = g.lead"
        )
        conn.execute("CREATE UNIQUE INDEX temp.export_groups_lead ON export_groups(lead)")
        total, n_sources = conn.execute(
            "SELECT count(*), count(DISTINCT e.source_id) FROM temp.export_ids x CROSS JOIN evidence e ON e.id = x.id"
        ).fetchone()
        title = f"Findings: {md(query)}" if query and query.strip() else "Findings"
        out.write(f"# {title}\n\n")
        if sel is not None:
            what = " · ".join(md(p) for p in sel.parts()) or "all findings"
            out.write(
                f"*Selection: {what}: {total:,} of {sel.total:,} findings"
                + (f" ({md(sel.scope.text())})" if sel.scope is not None else "")
                + f" in the database {md(sel.database)}, exported {md(sel.exported)}"
                + (f"; {sel.sensitive_left_out:,} sensitive left out" if sel.sensitive_left_out else "")
                + ".*\n\n"
            )
        out.write(
            f"{total} finding{'s' if total != 1 else ''} from {n_sources} "
            f"source{'s' if n_sources != 1 else ''}, grouped by actor; each ends with its source.\n"
        )
        cursor = conn.execute(
            "SELECT l.id, l.lead, g.name FROM temp.export_leads l CROSS JOIN temp.export_groups g "
            "ON g.lead = l.lead ORDER BY g.rank, l.pos"
        )
        written, current = 0, None
        while rows := cursor.fetchmany(BATCH):
            records = _records(conn, [[r[0] for r in rows]])
            if romanise:
                records = (_romanised(r) for r in records)
            for (_, lead, name), record in zip(rows, records, strict=True):
                if lead != current:
                    current = lead
                    out.write(f"\n## {md(name) if lead else 'Other findings'}\n\n")
                out.write(_markdown_item(record, lead or None))
            written += len(rows)
            if progress is not None:
                progress(written)
        return written
    finally:
        for table in temp:
            conn.execute(f"DROP TABLE IF EXISTS temp.{table}")
        conn.execute(f"PRAGMA query_only = {int(query_only)}")


def _markdown_item(r: dict, lead: str | None) -> str:
    mark = status_mark(r["status"])
    lines = [f"- {f'**{mark}:** ' if mark else ''}{md(r['claim'])}"]
    if r.get("quote"):
        lines.append(f"  - Quote: “{md(r['quote'])}”")
    number = figure(r.get("quantity"), r.get("unit"))
    facts = [
        p for p in (md(number) if number else "", md(r["category"]), md(r["date"]) if r.get("date") else "undated") if p
    ]
    if r["regions"]:
        facts.append(", ".join(md(region_label(g)) for g in r["regions"]))
    if r.get("lang") and r["lang"] != "en":
        facts.append(md(language_name(r["lang"])))
    lines.append("  - " + " · ".join(facts))
    latin = r.get("romanised")
    if latin and latin["standard"]:
        lines.append(f"  - Romanised ({md(latin['standard'])}): {md(latin['claim'])}")
    others = [a for a in r["actors"] if a["id"] != lead]
    if others:
        named = [md(a["name"]) + (f" ({md(a['role'])})" if a.get("role") else "") for a in others]
        lines.append("  - Also: " + ", ".join(named))
    lines.append(f"  - Source: {citation(r)}")
    return "\n".join(lines) + "\n"
