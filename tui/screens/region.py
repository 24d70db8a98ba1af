"""A region: actors present with counts, evidence by category, its parts, its evidence, a timeline."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual.widget import Widget

from tui.screens.entity import (
    EntityScreen,
    Section,
    bars_box,
    count_list,
    count_rows,
    findings_text,
    profile_content,
)
from tui.text import clean

if TYPE_CHECKING:
    import sqlite3

    from store.search import EvidenceFilter


class RegionScreen(EntityScreen):
    kind = "region"
    SECTIONS: ClassVar[tuple[Section, ...]] = (
        Section("evidence", "Evidence"),
        Section("actors", "Actors"),
        Section("categories", "Categories"),
        Section("parts", "Parts"),
    )

    def evidence_filter(self) -> EvidenceFilter:
        from store.search import EvidenceFilter

        return EvidenceFilter(region_ids=(self.item_id,))

    def section_widget(self, name: str) -> Widget:
        if name == "actors":
            return count_list("actor", "actors")
        if name == "parts":
            return count_list("part", "parts")
        return bars_box("categories")

    def load(self, conn: sqlite3.Connection) -> dict[str, Any] | None:
        from store.details import region

        return region(conn, self.item_id, evidence_limit=0)

    def populate(self, data: dict[str, Any]) -> None:
        self.set_crumb(data.get("name"))
        aliases = ", ".join(clean(a) for a in data.get("aliases") or ())
        parent = data.get("parent") or {}
        facts = [
            ("kind", data.get("kind")),
            ("iso", data.get("iso_code")),
            ("occupied", f"occupied since {clean(data['occupied_since'])}" if data.get("occupied_since") else None),
            ("parent", f"in {clean(parent.get('name'))}" if parent else None),
            ("findings", findings_text(data.get("evidence_total") or 0)),
        ]
        self.profile.update(profile_content(data.get("name"), facts, f"Also: {aliases}" if aliases else None))
        actors = count_rows("actor", data.get("actors"))
        self.set_section_rows("actors", actors)
        self.set_strip("Actors", actors, "2")
        self.set_section_rows("parts", count_rows("region", data.get("parts")))
        self.set_section_bars("categories", data.get("by_category") or [])
