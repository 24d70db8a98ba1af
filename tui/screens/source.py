"""A source: its citation and its findings, with the actors and regions they name."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual.widget import Widget

from tui.screens.entity import EntityScreen, Section, bars_box, count_list, count_rows, profile_content

if TYPE_CHECKING:
    import sqlite3

    from store.search import EvidenceFilter


class SourceScreen(EntityScreen):
    kind = "source"
    SECTIONS: ClassVar[tuple[Section, ...]] = (
        Section("evidence", "Findings"),
        Section("actors", "Actors"),
        Section("regions", "Regions"),
        Section("categories", "Categories"),
    )

    def evidence_filter(self) -> EvidenceFilter:
        from store.search import EvidenceFilter

        return EvidenceFilter(source_ids=(self.item_id,))

    def section_widget(self, name: str) -> Widget:
        if name in ("actors", "regions"):
            return count_list(name[:-1], name)
        return bars_box("categories")

    def load(self, conn: sqlite3.Connection) -> dict[str, Any] | None:
        from store.details import source

        return source(conn, self.item_id, evidence_limit=0)

    def populate(self, data: dict[str, Any]) -> None:
        self.set_crumb(data.get("title"))
        facts = [
            ("publisher", data.get("publisher")),
            ("authors", data.get("authors")),
            ("published", data.get("published")),
            ("kind", data.get("kind")),
            ("url", data.get("url")),
        ]
        self.profile.update(profile_content(data.get("title"), facts, data.get("notes")))
        actors = count_rows("actor", data.get("actors"))
        self.set_section_rows("actors", actors)
        self.set_strip("Actors", actors, "2")
        self.set_section_rows("regions", count_rows("region", data.get("regions")))
        self.set_section_bars("categories", data.get("by_category") or [])
