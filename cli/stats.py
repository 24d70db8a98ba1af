"""`findings stats`: what the database holds, in numbers."""

from __future__ import annotations

from pathlib import Path

import click

from cli import open_db
from cli.options import Command, db_option
from cli.render import Column, Doc, echo_json, emit


@click.command("stats", cls=Command)
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@db_option()
@click.pass_context
def stats(ctx: click.Context, as_json: bool, db: Path | None) -> None:
    """Rows per table; findings per category, status, region, actor country and year.

    \b
    Examples:
      findings stats
      findings stats --json
    """
    from store.stats import stats as read_stats

    conn = open_db(ctx)
    try:
        data = read_stats(conn)
    finally:
        conn.close()
    if as_json:
        names = data.pop("region_names")
        whole = data.pop("regions_as_a_whole")
        ev = data["evidence"]
        data["evidence"] = {k: [{"value": v, "count": n} for v, n in items] for k, items in ev.items()}
        for item in data["evidence"]["region"]:
            item["name"] = names.get(item["value"])
            item["as_a_whole"] = item["value"] in whole
        echo_json(data)
        return
    emit(render(data))


def render(data: dict) -> Doc:
    doc = Doc()
    doc.heading("Tables")
    doc.table(
        [Column("table", flex=True), Column("rows", justify="right")],
        [[(t, None), (f"{n:,}", None)] for t, n in data["tables"].items()],
    )
    names = data["region_names"]
    whole = data.get("regions_as_a_whole") or set()
    titles = {
        "category": "category",
        "status": "status",
        "region": "region",
        "country": "actor country",
        "year": "year",
    }
    total = data["tables"]["evidence"]
    for key, title in titles.items():
        items = data["evidence"][key]
        doc.blank()
        doc.heading(f"Findings by {title}")
        if not items:
            doc.line(("  none", "dim"))
            continue
        rows = []
        wider_shown = False
        for value, n in items:
            label = f"{names.get(value, value)} ({value})" if key == "region" else value
            if key == "region" and value in whole and not wider_shown:  # listed last (store.stats)
                wider_shown = True
                rows.append([("as a whole (counted for none of its parts):", "dim"), ("", None), ("", None)])
            share = f"{n / total:.0%}" if total else ""
            rows.append([(label, None), (f"{n:,}", None), (share, "dim")])
        if key == "year" and data.get("undated"):
            rows.append([("undated", "dim"), (f"{data['undated']:,}", "dim"), ("", None)])
        doc.table([Column(title, flex=True), Column("findings", justify="right"), Column("", justify="right")], rows)
    return doc
