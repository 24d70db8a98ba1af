"""How a finding is cited and how its figure reads: one rule for the explorer (screen and clipboard), the Markdown
brief and `findings show`.

Both work on the dicts of store.details.evidence and store.export (a finding with its `source`), and return the
data as it is: each caller shows it through store.text (or Markdown escaping), so the facts are the same
everywhere and only the dress differs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

STATUS_MARKS = {"unreviewed": "Unreviewed", "disputed": "Disputed"}  # statuses a reader must see before the claim

CitePart = tuple[str, str | None]
"""(text, role): role None for the citation's own punctuation and words, else the fact the text is: "authors",
"publisher", "title", "published", "locator", "url", "accessed", "finding" or "source" (ids); "title-mark" for
the quotation marks around the title (Markdown puts it in italics instead)."""


def figure(quantity: object, unit: object = None) -> str:
    """`79 bank branches`, `1,200,000 tonnes`, `2.5 %`: the quantity (thousands grouped) and its unit; "" when
    there is no quantity. A quantity that is not a number (a crafted database) reads as its text."""
    if quantity is None or quantity == "":
        return ""
    if isinstance(quantity, float) and quantity.is_integer():
        quantity = int(quantity)
    numeric = isinstance(quantity, int | float) and not isinstance(quantity, bool)
    number = f"{quantity:,}" if numeric else str(quantity)
    unit_text = "" if unit is None else str(unit).strip()
    return f"{number} {unit_text}" if unit_text else number


def status_mark(status: object) -> str | None:
    """ "Unreviewed" / "Disputed" for a finding a reader must not take as settled, else None."""
    return STATUS_MARKS.get(status) if isinstance(status, str) else None


def citation_parts(finding: Mapping[str, Any]) -> list[CitePart]:
    """The citation of `finding` as parts, for callers that dress some of them (Markdown: the title in italics,
    the URL as a link). Joined as they are, they are `citation(finding)`."""
    source = finding.get("source") or {}
    publisher = _text(source.get("publisher"))
    authors = _text(source.get("authors"))
    if authors and publisher and authors.casefold() == publisher.casefold():
        authors = None  # an institution that wrote its own report: named once
    head: list[list[CitePart]] = []
    for role, value in (("authors", authors), ("publisher", publisher)):
        if value:
            head.append([(value, role)])
    title = _text(source.get("title"))
    if title:
        head.append([("“", "title-mark"), (title, "title"), ("”", "title-mark")])
    published = _text(source.get("published"))
    if published:
        head.append([("published ", None), (published, "published")])
    locator = _text(finding.get("locator"))
    if locator:
        head.append([(locator, "locator")])
    parts: list[CitePart] = []
    for i, group in enumerate(head):
        parts += ([(", ", None)] if i else []) + group
    url = _text(source.get("url"))
    accessed = _text(source.get("accessed"))
    if url or accessed:
        parts.append((". " if parts else "", None))
        if url:
            parts.append((url, "url"))
        if accessed:
            parts += [(" (accessed " if url else "accessed ", None), (accessed, "accessed"), (")" if url else "", None)]
    finding_id = _text(finding.get("id"))
    source_id = _text(finding.get("source_id") or source.get("id"))
    ids: list[CitePart] = []
    if finding_id:
        ids.append((finding_id, "finding"))
    if source_id:
        ids += [("; source: " if ids else "source: ", None), (source_id, "source")]
    if ids:
        parts += [(" [findings: " if parts else "[findings: ", None), *ids, ("]", None)]
    return [(text, role) for text, role in parts if text]


def citation(finding: Mapping[str, Any]) -> str:
    """`Publisher, “Title”, published 2025-10-20, para 16. https://… [findings: ID; source: SOURCE-ID]`: who
    published what, when, where in it, where to read it, and the ids to find the finding again."""
    return "".join(text for text, _ in citation_parts(finding))


def _text(value: object) -> str | None:
    # Only ASCII blanks are trimmed: U+2028, U+0085 and the like are data the reader's form shows.
    text = "" if value is None else str(value).strip(" \t\n\r")
    return text or None
