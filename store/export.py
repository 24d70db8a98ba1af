"""Exports of findings: CSV (one row per finding), JSON (an array of objects) and Markdown (a brief to paste:
findings grouped by actor, each with its citation). Used by `findings export` and the TUI's `e` key.

Which findings: `evidence_ids` (in that order), else those the `query` matches (query language of
store.query; by relevance when it has words, else newest first), else all of them, newest first. Rows are
streamed from one query, so CSV and JSON exports of a million findings use little memory; Markdown holds the
findings to group them.

What a person reads is shown through the one table of store.text, in every format but JSON: CSV has no escape
syntax, so its cells hold the visible forms (ESC as ␛, `Hua<U+200B>wei`; tabs and line breaks inside a cell stay,
a CR LF inside a cell becomes a line feed), and `cat` of an export cannot drive a terminal; cells that a
spreadsheet would run as a formula (starting with = + - @, a tab or a line break) are prefixed with an
apostrophe. Markdown shows the same forms, and escapes the characters that would turn data into markup. JSON is
exact: the same characters are written as \\u escapes.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from store.cite import citation_parts, figure, status_mark
from store.details import region_label
from store.search import EvidenceFilter, iter_evidence_ids
from store.text import json_safe, printable

if TYPE_CHECKING:
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
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~&])")


def write_export(
    conn: sqlite3.Connection,
    fmt: str,
    out: SupportsWrite[str],
    *,
    query: str | None = None,
    evidence_ids: Iterable[str] | None = None,
    selection: Selection | None = None,
    include_sensitive: bool = False,
) -> int:
    """Write the findings to `out` as `fmt` ('csv', 'json' or 'markdown'); returns how many were written (also
    set as `selection.count`). A Markdown brief begins with what `selection` describes. Sensitive findings and
    those of sensitive sources are left out (store.sensitivity) unless `include_sensitive`; how many were is
    `selection.sensitive_left_out`."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r} (one of: {', '.join(FORMATS)})")
    batches = _id_batches(conn, query, evidence_ids)
    if not include_sensitive:
        batches = _without_sensitive(conn, batches, selection)
    records = _records(conn, batches)
    if fmt == "csv":
        n = _write_csv(records, out)
    elif fmt == "json":
        n = _write_json(records, out)
    else:
        n = _write_markdown(list(records), out, query, selection)
    if selection is not None:
        selection.count = n
    return n


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
            f"{what}: {self.count:,} of {self.total:,} findings in {self.database}{left_out}, exported {self.exported}"
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
            "query": self.query,
            "filters": {k: v for k, v in self.filters.items() if v},
            "database": self.database,
            "exported": self.exported,
        }
        return json_safe(json.dumps(data, ensure_ascii=False, indent=2)) + "\n"


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
    (total,) = conn.execute("SELECT count(*) FROM evidence").fetchone()
    return Selection(
        query=" ".join((query or "").split()),
        filters=filters,
        database=database,
        exported=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        total=int(total),
    )


def _named(conn: sqlite3.Connection, table: str, column: str, ids: Iterable[str]) -> list[dict[str, str]]:
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return []
    marks = ",".join("?" * len(wanted))
    names = dict(conn.execute(f"SELECT id, {column} FROM {table} WHERE id IN ({marks})", wanted).fetchall())
    return [{"id": i, "name": str(names.get(i) or i)} for i in wanted]


def _id_batches(conn: sqlite3.Connection, query: str | None, evidence_ids: Iterable[str] | None) -> Iterator[list[str]]:
    if evidence_ids is not None:
        ids = list(evidence_ids)
        for i in range(0, len(ids), BATCH):
            yield ids[i : i + BATCH]
        return
    yield from iter_evidence_ids(conn, EvidenceFilter(query=(query or "").strip()), batch=BATCH)


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
                       e.locator, e.source_id, s.title, s.publisher, s.url, s.published, s.authors, s.accessed
                  FROM evidence e LEFT JOIN sources s ON s.id = e.source_id WHERE e.id IN ({marks})""",
            ids,
        ).fetchall()
        actors: dict[str, list[dict]] = {}
        for eid, aid, name, role in conn.execute(
            f"""SELECT l.evidence_id, a.id, a.name, l.role FROM evidence_actors l JOIN actors a ON a.id = l.actor_id
                 WHERE l.evidence_id IN ({marks}) ORDER BY a.evidence_count DESC, a.name""",
            ids,
        ):
            actors.setdefault(eid, []).append({"id": aid, "name": name, "role": role})
        # as_a_whole: the region has parts (the occupied territories): the finding is about it as a whole, about
        # none of its parts in particular; such regions come after the others
        regions: dict[str, list[dict]] = {}
        for eid, rid, name, whole in conn.execute(
            f"""SELECT l.evidence_id, r.id, r.name, EXISTS (SELECT 1 FROM regions p WHERE p.parent_id = r.id) AS w
                  FROM evidence_regions l JOIN regions r ON r.id = l.region_id
                 WHERE l.evidence_id IN ({marks}) ORDER BY w, r.name""",
            ids,
        ):
            regions.setdefault(eid, []).append({"id": rid, "name": name, "as_a_whole": bool(whole)})
        by_id = {}
        for row in rows:
            (eid, claim, quote, category, date, quantity, unit, status, confidence, locator, sid, title, publisher) = (
                row[:13]
            )
            url, published, authors, accessed = row[13:]
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


def _write_csv(records: Iterable[dict], out: SupportsWrite[str]) -> int:
    import csv

    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    n = 0
    for r in records:
        src = r["source"]
        row = (
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
        )
        writer.writerow([_cell(v) for v in row])
        n += 1
    return n


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


def _write_markdown(records: list[dict], out: SupportsWrite[str], query: str | None, sel: Selection | None) -> int:
    # Each finding appears once, under the linked actor that has the most findings in this export.
    sizes: dict[str, int] = {}
    names: dict[str, str] = {}
    for r in records:
        for a in r["actors"]:
            sizes[a["id"]] = sizes.get(a["id"], 0) + 1
            names[a["id"]] = a["name"]
    groups: dict[str | None, list[dict]] = {}
    for r in records:
        lead = min((a["id"] for a in r["actors"]), key=lambda i: (-sizes[i], names[i].casefold(), i), default=None)
        groups.setdefault(lead, []).append(r)
    title = f"Findings: {md(query)}" if query and query.strip() else "Findings"
    n_sources = len({r["source"]["id"] for r in records})
    out.write(f"# {title}\n\n")
    if sel is not None:
        what = " · ".join(md(p) for p in sel.parts()) or "all findings"
        out.write(
            f"*Selection: {what}: {len(records):,} of {sel.total:,} findings in the database "
            f"{md(sel.database)}, exported {md(sel.exported)}"
            + (f"; {sel.sensitive_left_out:,} sensitive left out" if sel.sensitive_left_out else "")
            + ".*\n\n"
        )
    out.write(
        f"{len(records)} finding{'s' if len(records) != 1 else ''} from {n_sources} "
        f"source{'s' if n_sources != 1 else ''}, grouped by actor; each ends with its source.\n"
    )
    order = sorted(
        groups, key=lambda k: (k is None, -len(groups[k]), names.get(k, "").casefold() if k else "", k or "")
    )
    for lead in order:
        heading = md(names[lead]) if lead is not None else "Other findings"
        out.write(f"\n## {heading}\n\n")
        for r in groups[lead]:
            out.write(_markdown_item(r, lead))
    return len(records)


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
    lines.append("  - " + " · ".join(facts))
    others = [a for a in r["actors"] if a["id"] != lead]
    if others:
        named = [md(a["name"]) + (f" ({md(a['role'])})" if a.get("role") else "") for a in others]
        lines.append("  - Also: " + ", ".join(named))
    lines.append(f"  - Source: {citation(r)}")
    return "\n".join(lines) + "\n"
