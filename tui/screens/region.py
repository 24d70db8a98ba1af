"""A region: actors present with counts, evidence by category, its parts, its evidence, a timeline.

Its evidence lists its own findings (about it or its parts) first, then the general ones, about a wider region
that contains it as a whole (the occupied territories), marked `general`; the profile and the evidence header
say how many of each. Actors, categories and the timeline count its own findings only."""

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
        general = data.get("general_total") or 0
        facts = [
            ("kind", data.get("kind")),
            ("iso", data.get("iso_code")),
            ("occupied", f"occupied since {clean(data['occupied_since'])}" if data.get("occupied_since") else None),
            ("parent", f"in {clean(parent.get('name'))}" if parent else None),
            ("findings", findings_text(data.get("evidence_total") or 0)),
            ("general", f"{general:,} general (about {_wider(data)} as a whole)" if general else None),
        ]
        self.profile.update(profile_content(data.get("name"), facts, f"Also: {aliases}" if aliases else None))
        if general:
            from store.search import ScopeCounts

            scopes = ScopeCounts(
                (data.get("name") or "",),
                tuple(w.get("name") or "" for w in data.get("wider") or ()),
                data.get("evidence_total") or 0,
                general,
            )
            self.headers["evidence"].set(note=clean(scopes.text()))
        actors = count_rows("actor", data.get("actors"))
        self.set_section_rows("actors", actors)
        self.set_strip("Actors", actors, "2")
        self.set_section_rows("parts", count_rows("region", data.get("parts")))
        self.set_section_bars("categories", data.get("by_category") or [])


def _wider(data: dict[str, Any]) -> str:
    return ", ".join(clean(w.get("name")) for w in data.get("wider") or ())
