"""How a finding reads on screen and on the clipboard (from the dicts of store.details; all text cleaned)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from textual.content import Content

from tui.widgets.safe import clean, clean_block, plain


def _names(items: Iterable[Any] | None) -> list[str]:
    out = []
    for item in items or ():
        if isinstance(item, Mapping):
            name = item.get("name") or item.get("title") or item.get("id")
            role = item.get("role")
            text = clean(name) + (f" ({clean(role)})" if role else "")
        else:
            text = clean(item)
        if text:
            out.append(text)
    return out


def figure(ev: Mapping[str, Any]) -> str:
    quantity = ev.get("quantity")
    if quantity is None or quantity == "":
        return ""
    if isinstance(quantity, float) and quantity.is_integer():
        quantity = int(quantity)
    number = f"{quantity:,}" if isinstance(quantity, int | float) else clean(quantity)
    return plain(number, ev.get("unit"))


def source_line(ev: Mapping[str, Any]) -> str:
    """`Title — Publisher, 2025-10-20, para 9`."""
    source = ev.get("source") or {}
    title = clean(source.get("title") or ev.get("source_id"))
    rest = [clean(x) for x in (source.get("publisher"), source.get("published"), ev.get("locator")) if x]
    return title + (" — " + ", ".join(rest) if rest else "")


def citation(ev: Mapping[str, Any]) -> str:
    """A citation for the clipboard: the claim, its source with locator, URL and the finding's id."""
    source = ev.get("source") or {}
    parts = [clean(ev.get("claim"))]
    if ev.get("date"):
        parts[0] += f" ({clean(ev.get('date'))})"
    parts.append("Source: " + source_line(ev) + ".")
    if source.get("url"):
        parts.append(clean(source.get("url")))
    parts.append(f"[findings: {clean(ev.get('id'))}]")
    return " ".join(parts)


def evidence_content(ev: Mapping[str, Any]) -> Content:
    """The full finding: claim, quote, figures, date, status, source with locator, linked actors and regions."""
    lines: list[Content] = [Content(clean_block(ev.get("claim"))).stylize("bold")]
    if ev.get("quote"):
        lines.append(Content("“" + clean_block(ev.get("quote")) + "”").stylize("italic"))
    lines.append(Content(""))
    confidence = f"(confidence {clean(ev.get('confidence'))})" if ev.get("confidence") else ""
    facts = [
        ("Date", clean(ev.get("date")) or "undated"),
        ("Category", clean(ev.get("category"))),
        ("Figure", figure(ev)),
        ("Status", plain(ev.get("status"), confidence)),
        ("Source", source_line(ev)),
        ("Actors", ", ".join(_names(ev.get("actors"))) or "—"),
        ("Regions", ", ".join(_names(ev.get("regions"))) or "—"),
        ("Id", clean(ev.get("id"))),
    ]
    for label, value in facts:
        if value:
            lines.append(Content.assemble((f"{label:<9}", "$text-muted"), Content(value)))
    return Content("\n").join(lines)
