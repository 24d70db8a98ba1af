"""The explorer's lists: actors, regions and evidence, each a VirtualList with its own row layout.

The drill-down screens' small lists are in tui.widgets.links (not imported before the first frame)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, TypeVar

from rich.style import Style
from textual.binding import Binding, BindingType

from tui.text import clean
from tui.widgets.virtual_list import VirtualList, pad

if TYPE_CHECKING:
    from store.browse import ActorRow, RegionRow
    from store.search import EvidenceRow

COUNT_WIDTH = 7  # cells for an evidence count (up to 999,999) after the detail column of an actor or region

E = TypeVar("E", bound="ActorRow | RegionRow")  # (strings: the row types are imported for the checker only)


class EntityList(VirtualList[E]):
    """Actors or regions: name, a detail column, and the evidence count on the right."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "space",
            "toggle_filter",
            "Filter",
            tooltip="Filter the evidence by this one (again: remove)",
            id="entities.filter",
        ),
        Binding("s", "cycle_sort", "Sort", tooltip="Sort by name, evidence count, kind, country", id="entities.sort"),
    ]

    def detail(self, row: E) -> str:
        return ""

    def row_segments(self, row: E, width: int) -> list[tuple[str, Style | None]]:
        count = f"{row.evidence_count:,}"
        dim = self.get_component_rich_style("vlist--dim", partial=True)
        detail = self.detail(row) if width >= 36 else ""
        detail_w = min(16, max(0, width // 3)) if width >= 36 else 0
        if detail_w:  # a column after the name: it stays put whatever the count's digits, on every row
            count = count.rjust(COUNT_WIDTH)
        name_w = max(1, width - len(count) - 2 - (detail_w + 1 if detail_w else 0))
        parts: list[tuple[str, Style | None]] = [(" " + pad(clean(row.name), name_w), None)]
        if detail_w:
            parts.append((" " + pad(detail, detail_w), dim))
        parts.append((" " + count, dim))
        return parts

    def action_toggle_filter(self) -> None:
        from tui.messages import ToggleFilter

        row = self.highlighted
        if row is not None:
            self.post_message(ToggleFilter(self.kind, row.id, clean(row.name)))

    def action_cycle_sort(self) -> None:
        from tui.messages import CycleSort

        self.post_message(CycleSort(self.kind))

    kind = "entity"


class ActorList(EntityList["ActorRow"]):
    kind = "actor"
    empty_text = "no actors"

    def detail(self, row: ActorRow) -> str:
        return " ".join(x for x in (row.country or "", row.kind) if x)


class RegionList(EntityList["RegionRow"]):
    kind = "region"
    empty_text = "no regions"

    def detail(self, row: RegionRow) -> str:
        return row.kind or ""


STATUS_MARKS = {"unreviewed": "unreviewed", "disputed": "disputed"}
GENERAL_MARK = "general"  # about a wider region as a whole, not about the region the list is of


class EvidenceList(VirtualList["EvidenceRow"]):
    """Findings: date, category, one-line claim, and an `unreviewed` / `disputed` mark; under a region, a
    `general` mark on the findings about a wider region as a whole (listed after its own)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "y", "copy_citation", "Copy", tooltip="Copy the finding's citation (works over SSH)", id="evidence.copy"
        ),
    ]
    empty_text = "no findings match"

    def row_segments(self, row: EvidenceRow, width: int) -> list[tuple[str, Style | None]]:
        dim = self.get_component_rich_style("vlist--dim", partial=True)
        mark_style = self.get_component_rich_style("vlist--mark", partial=True)
        parts: list[tuple[str, Style | None]] = []
        used = 0
        if width >= 30:
            date = pad(row.date or "", 10)
            parts.append((" " + date, dim))
            used += 11
        if width >= 56:
            parts.append((" " + pad(row.category or "", 13), dim))
            used += 14
        mark = STATUS_MARKS.get(row.status or "", "")
        general = GENERAL_MARK if row.scope == "general" else ""
        if width < 60:
            mark = mark[:1]
        if width < 40:
            general = general[:1]
        mark_w = (len(mark) + 1 if mark else 0) + (len(general) + 1 if general else 0)
        claim_w = max(1, width - used - 1 - mark_w)
        parts.append((" " + pad(clean(row.claim), claim_w), None))
        if general:
            parts.append((" " + general, dim))
        if mark:
            parts.append((" " + mark, mark_style))
        return parts

    def action_copy_citation(self) -> None:
        from tui.messages import CopyCitation

        row = self.highlighted
        if row is not None:
            self.post_message(CopyCitation(row.id))
