"""How a finding reads on screen and on the clipboard (from the dicts of store.details; all text cleaned).

The citation and the figure are store.cite's, as in `findings show` and the Markdown brief."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from textual.content import Content

from store.cite import citation, figure, status_mark
from tui.text import clean, clean_block, plain


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


def clipboard_citation(ev: Mapping[str, Any]) -> str:
    """What `y` copies: the claim (marked when unreviewed or disputed), its date and figure, and the citation."""
    mark = status_mark(ev.get("status"))
    about = plain(ev.get("date"), figure(ev.get("quantity"), ev.get("unit")), sep="; ")
    return plain(
        f"{mark}:" if mark else None, ev.get("claim"), f"({about})" if about else None, "Source:", citation(ev)
    )


def evidence_content(ev: Mapping[str, Any]) -> Content:
    """The full finding: claim, quote, figures, date, status, and its citation; linked actors and regions."""
    lines: list[Content] = [Content(clean_block(ev.get("claim"))).stylize("bold")]
    if ev.get("quote"):
        lines.append(Content("“" + clean_block(ev.get("quote")) + "”").stylize("italic"))
    lines.append(Content(""))
    confidence = f"(confidence {clean(ev.get('confidence'))})" if ev.get("confidence") else ""
    facts = [
        ("Date", clean(ev.get("date")) or "undated"),
        ("Category", clean(ev.get("category"))),
        ("Figure", clean(figure(ev.get("quantity"), ev.get("unit")))),
        ("Status", plain(ev.get("status"), confidence)),
        ("Actors", ", ".join(_names(ev.get("actors"))) or "—"),
        ("Regions", ", ".join(_names(ev.get("regions"))) or "—"),
        ("Source", clean(citation(ev))),
    ]
    for label, value in facts:
        if value:
            lines.append(Content.assemble((f"{label:<9}", "$text-muted"), Content(value)))
    return Content("\n").join(lines)
