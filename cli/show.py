"""`findings show KIND ID`: one actor, region, finding or source, with what is linked to it."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

import click

from cli import open_db
from cli.options import Command, db_option
from cli.render import Column, Doc, echo_json, emit, visible
from store.cite import citation, figure
from store.details import region_label

if TYPE_CHECKING:
    from store.search import ScopeCounts

if TYPE_CHECKING:
    from store.history import Change
    from store.search import EvidenceRow

KINDS = ("actor", "region", "evidence", "source")
BAR = 30
_BLANKS = re.compile(r"[ \t\r\n]+")  # not str.split(): U+2028, U+0085 and the like are shown, not folded away


@click.command("show", cls=Command)
@click.argument("kind", type=click.Choice(KINDS))
@click.argument("id_", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: the row's columns plus linked lists.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(0), help="Findings to list (text output).")
@click.option("--history", "with_history", is_flag=True, help="Add its history: every change, when, by whom.")
@db_option()
@click.pass_context
def show(
    ctx: click.Context, kind: str, id_: str, as_json: bool, limit: int, with_history: bool, db: Path | None
) -> None:
    """Show an actor, a region, a finding (evidence) or a source.

    ID is an id, or a name or alias that names one thing (`show actor PRC`). An actor shows its profile,
    aliases, relations, regions with counts and findings; a region the actors present and its findings by
    category, then the general ones (about a wider region, such as the occupied territories, as a whole:
    marked GENERAL, counted apart); a finding its claim, quote, figures, status, source citation and links; a
    source its findings. --history adds every change to it, from imports and reviews: when (UTC), who,
    which field, before and after.

    \b
    Examples:
      findings show actor china
      findings show region Zaporozhye
      findings show evidence bank-branches-sell-yuan --json
      findings show evidence bank-branches-sell-yuan --history
    """
    from store import details
    from store.history import history

    conn = open_db(ctx)
    try:
        found = details.find(conn, kind, id_)
        if found is None:
            close = details.suggest(conn, kind, id_)
            hint = "; did you mean " + ", ".join(f"{visible(n)} ({i})" for i, n in close) + "?" if close else ""
            raise click.ClickException(f"no {kind} '{visible(id_)}'{hint}")
        if kind == "evidence":
            data = details.evidence(conn, found)
        else:
            data = getattr(details, kind)(conn, found, evidence_limit=None if as_json else 0)
        assert data is not None
        if kind == "evidence":
            from store import captures, review

            data["sealed"] = review.sealed(conn, found, data["status"])
            data["sensitive"] = review.state(conn, found).sensitive
            para = captures.cited_paragraph(conn, found)
            data["cited_text"] = para.text if para else None
        if with_history:
            data["history"] = [_change_dict(c) for c in history(conn, kind, found)]
        if as_json:
            echo_json(_json_ready(data))
            return
        rows = _evidence_rows(conn, kind, found, limit) if kind != "evidence" else []
        if kind == "region":
            from store.search import EvidenceFilter, scope_counts

            data["scopes"] = scope_counts(conn, EvidenceFilter(region_ids=(found,)))
    finally:
        conn.close()
    doc = RENDERERS[kind](data, rows)
    if with_history:
        _history(doc, data["history"])
    emit(doc)


def _change_dict(change: Change) -> dict:
    return {
        "at": change.at,
        "who": change.who,
        "what": change.what,
        "before": change.before,
        "after": change.after,
        "note": change.note,
        "import_id": change.import_id,
        "undoes": change.undoes,
    }


def _value(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_value(v[0] if isinstance(v, list) and v[1] is None else v) for v in value) or "-"
    if isinstance(value, dict):
        return f"{len(value)} fields"
    return str(value)


def _history(doc: Doc, changes: list[dict]) -> None:
    doc.blank()
    doc.heading(f"History ({_plural(len(changes), 'change')})")
    if not changes:
        doc.line(("no recorded changes (made before findings kept a history)", "dim"), indent=2)
        return
    rows = []
    for c in changes:
        if c["what"] in ("created", "deleted"):
            change = c["what"] + (f" by import {c['import_id']}" if c["import_id"] else "")
        else:
            change = f"{c['what']}: {_value(c['before'])} → {_value(c['after'])}"
        if c["undoes"]:
            change = "undo · " + change
        if c["note"] and not c["undoes"]:
            change += f" ({c['note']})"
        rows.append([(c["at"].replace("+00:00", "Z"), "dim"), c["who"], change])
    doc.table([Column("When (UTC)"), Column("Who"), Column("Change", flex=True)], rows)


def _json_ready(data: dict) -> dict:
    out = dict(data)
    for key in ("by_category", "timeline"):
        if key in out:
            out[key] = [list(p) for p in out[key]]
    return out


def _evidence_rows(conn: sqlite3.Connection, kind: str, id_: str, limit: int) -> list[EvidenceRow]:
    from store.search import EvidenceFilter, list_evidence

    if limit == 0:
        return []
    ids = (id_,)
    flt = {
        "actor": EvidenceFilter(actor_ids=ids),
        "region": EvidenceFilter(region_ids=ids),
        "source": EvidenceFilter(source_ids=ids),
    }[kind]
    return list_evidence(conn, flt, limit=limit)


# ------------------------------------------------------------------------------------------------ renderers


def _title(doc: Doc, name: str, id_: str, facts: list[str]) -> None:
    doc.line((name, "title"), ("  ", None), (id_, "id"))
    if facts:
        doc.line((" · ".join(f for f in facts if f), "dim"))


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _relations(doc: Doc, relations: list[dict]) -> None:
    if not relations:
        return
    doc.blank()
    doc.heading("Relations")
    for r in relations:
        role = f" ({r['role']})" if r.get("role") else ""
        when = "–".join(x for x in (r.get("start"), r.get("end")) if x)
        extra = "  ".join(x for x in (when, r.get("evidence_id") or "") if x)
        doc.line(
            ("  ", None),
            (r["subject_name"], "title"),
            ("  ", None),
            (r["kind"] + role, "kind"),
            ("  ", None),
            (r["object_name"], "title"),
            (f"  {extra}" if extra else "", "dim"),
        )


def _counts(doc: Doc, title: str, items: list[dict], what: str = "findings") -> None:
    if not items:
        return
    doc.blank()
    doc.heading(title)
    rows = [[(region_label(it), None), (it["id"], "id"), (f"{it['count']:,}", None)] for it in items]
    doc.table([Column("name", flex=True), Column("id"), Column(what, justify="right")], rows)


def _categories(doc: Doc, by_category: list) -> None:
    if not by_category:
        return
    doc.blank()
    doc.heading("By category")
    _bars(doc, "category", [((c, None), n) for c, n in by_category])


def _bars(doc: Doc, label: str, items: list, extra: list | None = None) -> None:
    top = max((n for _, n in items), default=1) or 1
    rows = [[key, ("█" * max(1, round(n / top * BAR)), "bar"), (f"{n:,}", None)] for key, n in items]
    doc.table([Column(label), Column("", flex=True), Column("findings", justify="right")], rows + (extra or []))


def _timeline(doc: Doc, data: dict) -> None:
    timeline = data.get("timeline") or []
    if not timeline and not data.get("undated"):
        return
    doc.blank()
    doc.heading("Timeline")
    extra = [[("undated", "dim"), ("", None), (f"{data['undated']:,}", "dim")]] if data.get("undated") else []
    _bars(doc, "period", [((p, None), n) for p, n in timeline], extra)


def _findings(doc: Doc, rows: list, total: int, query_hint: str, scopes: ScopeCounts | None = None) -> None:
    """The first findings of a list; with `scopes` (a region's), its own first, then the general ones apart,
    after a line saying what they are about, each marked GENERAL."""
    from cli.search_output import general_heading

    doc.blank()
    doc.heading(f"Findings ({total:,}: {scopes.text()})" if scopes else f"Findings ({total:,})")
    general_shown = False
    for r in rows:
        if r.scope == "general" and not general_shown:
            general_shown = True
            doc.para(general_heading(scopes), indent=2, style="dim")
        spans: list = [("  ", None)]
        if r.scope == "general":
            spans.append(("GENERAL ", "warn"))
        if r.status in ("unreviewed", "disputed"):
            spans.append((r.status.upper() + " ", "warn"))
        spans += [(r.date or "undated", "dim"), (" · ", "dim"), (r.category, "kind"), ("  ", None), (r.id, "id")]
        doc.line(*spans)
        doc.line((_BLANKS.sub(" ", r.claim), None), indent=4)
    if total > len(rows):
        doc.line((f"  … {total - len(rows):,} more: findings search '{query_hint}'", "dim"))


def render_actor(d: dict, rows: list) -> Doc:
    doc = Doc()
    _title(doc, d["name"], d["id"], [d["kind"], d.get("country") or "", _plural(d["evidence_total"], "finding")])
    doc.field("Role", d.get("role"))
    doc.field("Summary", d.get("summary"))
    doc.field("Aliases", "; ".join(d["aliases"]))
    _relations(doc, d["relations"])
    _counts(doc, "Regions", d["regions"])
    _categories(doc, d["by_category"])
    _timeline(doc, d)
    _findings(doc, rows, d["evidence_total"], f"actor:{d['id']}")
    return doc


def render_region(d: dict, rows: list) -> Doc:
    doc = Doc()
    facts = [d.get("kind") or "", d.get("iso_code") or "", _plural(d["evidence_total"], "finding")]
    if d.get("general_total"):
        facts.append(f"{d['general_total']:,} general")
    if d.get("occupied_since"):
        facts.append(f"occupied since {d['occupied_since']}")
    _title(doc, d["name"], d["id"], facts)
    doc.field("Aliases", "; ".join(d["aliases"]))
    if d.get("parent"):
        doc.field("Part of", f"{d['parent']['name']} ({d['parent']['id']})")
    if d.get("general_total"):
        wider = "; ".join(f"{w['name']} ({w['id']}) {w['count']:,}" for w in d["wider"])
        doc.field("General", f"about a wider region as a whole, not about {d['name']} in particular: {wider}")
    _counts(doc, "Parts", d.get("parts") or [])
    _counts(doc, "Actors present" + (" (in its own findings)" if d.get("general_total") else ""), d["actors"])
    _categories(doc, d["by_category"])
    _timeline(doc, d)
    total = d["evidence_total"] + (d.get("general_total") or 0)
    _findings(doc, rows, total, f"region:{d['id']}", d.get("scopes"))
    return doc


def render_source(d: dict, rows: list) -> Doc:
    doc = Doc()
    _title(doc, d["title"], d["id"], [d.get("kind") or "", _plural(d["evidence_total"], "finding")])
    doc.field("Publisher", d.get("publisher"))
    doc.field("Authors", d.get("authors"))
    doc.field("Published", d.get("published"))
    doc.field("URL", d.get("url"))
    doc.field("Accessed", d.get("accessed"))
    doc.field("Notes", d.get("notes"))
    _counts(doc, "Actors named", d["actors"])
    _counts(doc, "Regions", d["regions"])
    _categories(doc, d["by_category"])
    _findings(doc, rows, d["evidence_total"], f"source:{d['id']}")
    return doc


def render_evidence(d: dict, _rows: list) -> Doc:
    doc = Doc()
    spans: list = []
    if d["status"] in ("unreviewed", "disputed"):
        spans.append((d["status"].upper() + "  ", "warn"))
    if d.get("sensitive"):
        spans.append(("SENSITIVE  ", "warn"))
    spans += [(d["id"], "id")]
    if d.get("sealed"):
        spans.append(("  sealed", "dim"))
    doc.line(*spans)
    facts = [d.get("date") or "undated", d["category"], d["status"]]
    if d.get("confidence"):
        facts.append(f"{d['confidence']} confidence")
    doc.line((" · ".join(facts), "dim"))
    doc.blank()
    doc.para(d["claim"])
    doc.blank()
    if d.get("quote"):
        doc.field("Quote", f"“{d['quote']}”")
    doc.field("Figure", figure(d.get("quantity"), d.get("unit")))
    doc.field(
        "Actors", "; ".join(f"{a['name']} ({a['id']}{', ' + a['role'] if a.get('role') else ''})" for a in d["actors"])
    )
    doc.field("Regions", "; ".join(f"{region_label(r)} ({r['id']})" for r in d["regions"]))
    doc.field("Source", citation(d))
    if d.get("cited_text") and " ".join(d["cited_text"].split()) != " ".join(d["claim"].split()):
        doc.field("Cited", f"“{d['cited_text']}”")
    _relations(doc, d.get("relations") or [])
    return doc


RENDERERS = {"actor": render_actor, "region": render_region, "source": render_source, "evidence": render_evidence}
