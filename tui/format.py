"""How a finding reads on screen and on the clipboard (from the dicts of store.details; all text cleaned).

The citation and the figure are store.cite's, as in `findings show` and the Markdown brief."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from textual.content import Content

from store.cite import citation, figure, status_mark
from tui.text import clean, clean_block, plain

if TYPE_CHECKING:
    from tui.review_api import Cited, Flags, HistoryLine

VALUE_WIDTH = 60  # a history line shows this much of a value before and after


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


def change_value(value: object) -> str:
    """A value of the history, short: `—` for none, a list of links as their ids, long text cut."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        text = ", ".join(clean(v[0] if isinstance(v, list | tuple) and v else v) for v in value)
    else:
        text = clean(value)
    return text if len(text) <= VALUE_WIDTH else text[: VALUE_WIDTH - 1] + "…"


def history_line(change: HistoryLine) -> Content:
    """`2026-12-01 12:30  anna  status: unreviewed → curated` (the time in UTC, to the minute)."""
    when = clean(change.at).replace("T", " ")[:16]
    if change.field in ("created", "deleted"):
        what = change.field
    else:
        what = f"{clean(change.field)}: {change_value(change.before)} → {change_value(change.after)}"
    parts: list[Content | tuple[str, str]] = [(f"{when}  ", "$text-muted"), (clean(change.who), "bold"), ("  ", "")]
    parts.append(Content(what))
    if change.note:
        parts.append((f"  ({clean(change.note)})", "$text-muted"))
    return Content.assemble(*parts)


def provenance_content(
    ev: Mapping[str, Any], history: Sequence[HistoryLine], cited: Cited | None, flags: Flags | None = None
) -> list[Content]:
    """What a finding's screen shows under it: whether it is sealed or sensitive, the paragraph its locator cites
    from the captured source text, and its history (who changed what, when), oldest first."""
    out: list[Content] = []
    if flags is not None and flags.sealed:
        out.append(Content.assemble((f"{'Sealed':<9}", "$text-muted"), "yes: curated; an edit needs an unseal first"))
    if flags is not None and flags.sensitive:
        out.append(Content.assemble((f"{'Sensitive':<9}", "$text-muted"), "yes: left out of exports unless asked for"))
    if cited is not None:
        out.append(Content(""))
        out.append(Content(f"Cited text (para {cited.number})").stylize("bold"))
        out.append(Content(clean_block(cited.text)))
        when = clean(cited.captured_at).replace("T", " ")[:16]
        out.append(Content(plain("captured", when, "from", cited.origin)).stylize("$text-muted"))
    out.append(Content(""))
    out.append(Content(f"History ({len(history)} change{'s' if len(history) != 1 else ''})").stylize("bold"))
    if not history:
        out.append(Content("no changes recorded").stylize("$text-muted"))
    out.extend(history_line(change) for change in history)
    return out
