"""The drill-down screens' small lists: an entity's linked regions or actors with counts, a finding's links.

Apart from tui.widgets.lists so that the home screen does not pay for making these classes at start-up.
"""

from __future__ import annotations

from typing import NamedTuple

from rich.style import Style

from tui.widgets.virtual_list import VirtualList, fit, pad


class CountRow(NamedTuple):  # (not a dataclass: see tui.messages)
    """An entity linked to the one on screen, with how many findings link them (label already cleaned)."""

    kind: str
    id: str
    label: str
    findings: int  # how many findings link the two


class CountList(VirtualList[CountRow]):
    """(label, count) rows for an entity's regions or actors: Enter opens the entity."""

    empty_text = "none"

    def row_segments(self, row: CountRow, width: int) -> list[tuple[str, Style | None]]:
        count = f"{row.findings:,}"
        dim = self.get_component_rich_style("vlist--dim", partial=True)
        return [(" " + pad(row.label, max(1, width - len(count) - 2)), None), (" " + count, dim)]


class LinkRow(NamedTuple):  # (not a dataclass: see tui.messages)
    """Something a finding links to: `1 actor  China (backer)`; `key` is its one-key shortcut."""

    key: str
    kind: str
    id: str
    label: str


class LinkList(VirtualList[LinkRow]):
    empty_text = "no links"

    def row_segments(self, row: LinkRow, width: int) -> list[tuple[str, Style | None]]:
        accent = self.get_component_rich_style("vlist--accent", partial=True)
        dim = self.get_component_rich_style("vlist--dim", partial=True)
        return [(f" {row.key:>1} ", accent), (f"{row.kind:<7} ", dim), (fit(row.label, max(1, width - 11)), None)]
