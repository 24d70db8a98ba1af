"""An actor: profile, aliases, relations (a tree), regions with counts, its evidence, a timeline."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Tree

from tui.messages import Open
from tui.screens.entity import (
    EntityScreen,
    Section,
    bars_box,
    count_list,
    count_rows,
    findings_text,
    profile_content,
)
from tui.text import clean, safe_rich
from tui.widgets.virtual_list import movement_bindings

if TYPE_CHECKING:
    import sqlite3

    from store.search import EvidenceFilter


class RelationsTree(Tree[dict[str, Any]]):
    """The actor's relations, grouped by kind; Enter on one opens the other actor, on a kind folds or unfolds
    its group (the footer says which). Labels are Rich Text."""

    # Two bindings of one key: the footer shows the one that applies to the row under the cursor (check_action).
    # It moves as the lists do (tui.widgets.virtual_list.VirtualList), vim keys included: Tree's own actions.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Open", tooltip="Open the other actor", id="relations.open"),
        Binding("enter", "toggle_group", "Fold", tooltip="Fold or unfold this kind of relation", id="relations.fold"),
        *movement_bindings(
            "relations", ("cursor_down", "cursor_up", "page_down", "page_up", "scroll_home", "scroll_end")
        ),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(safe_rich("Relations", "bold"), id=id)
        self.show_root = False
        self.guide_depth = 2

    def _on_group(self) -> bool:
        node = self.cursor_node
        return node is not None and bool(node.children)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "select_cursor":
            node = self.cursor_node
            return node is not None and bool(node.data)
        if action == "toggle_group":
            return self._on_group()
        return True

    def action_toggle_group(self) -> None:
        node = self.cursor_node
        if node is not None and node.children:
            node.toggle()

    def watch_cursor_line(self, previous_line: int, line: int) -> None:
        super().watch_cursor_line(previous_line, line)
        self.refresh_bindings()  # Open on an actor, Fold on a kind

    def set_relations(self, actor_id: str, relations: list[dict[str, Any]]) -> None:
        self.clear()
        groups: dict[str, Any] = {}
        for rel in relations:
            kind = clean(rel.get("kind")) or "related"
            if kind not in groups:
                groups[kind] = self.root.add(safe_rich(kind, "bold"), expand=True)
            outgoing = rel.get("subject_id") == actor_id
            other_id = rel.get("object_id") if outgoing else rel.get("subject_id")
            other = rel.get("object_name") if outgoing else rel.get("subject_name")
            label = safe_rich(("→ " if outgoing else "← ") + clean(other))
            extra = [clean(x) for x in (rel.get("role"), _span(rel.get("start"), rel.get("end"))) if x]
            if extra:
                label.append(" (" + ", ".join(extra) + ")", style="dim")
            groups[kind].add_leaf(label, data={"kind": "actor", "id": other_id})
        if not relations:
            self.root.add_leaf(safe_rich("no relations recorded", "dim"))
        self.cursor_line = 0  # on the first row from the start: Enter does something, and the cursor shows


def _span(start: object, end: object) -> str:
    if start and end:
        return f"{start} – {end}"
    if start:
        return f"since {start}"
    if end:
        return f"until {end}"
    return ""


class ActorScreen(EntityScreen):
    kind = "actor"
    SECTIONS: ClassVar[tuple[Section, ...]] = (
        Section("evidence", "Evidence"),
        Section("regions", "Regions"),
        Section("relations", "Relations"),
        Section("categories", "Categories"),
    )

    def evidence_filter(self) -> EvidenceFilter:
        from store.search import EvidenceFilter

        return EvidenceFilter(actor_ids=(self.item_id,))

    def section_widget(self, name: str) -> Widget:
        if name == "regions":
            return count_list("region", "regions")
        if name == "relations":
            return RelationsTree(id="relations")
        return bars_box("categories")

    def load(self, conn: sqlite3.Connection, *, aggregates: bool) -> dict[str, Any] | None:
        from store.details import actor

        return actor(conn, self.item_id, evidence_limit=0, aggregates=aggregates)

    def populate(self, data: dict[str, Any]) -> None:
        self.set_crumb(data.get("name"))
        aliases = ", ".join(clean(a) for a in data.get("aliases") or ())
        facts = [
            ("kind", data.get("kind")),
            ("country", data.get("country")),
            ("findings", findings_text(data.get("evidence_count") or 0)),
            ("aka", f"also {aliases}" if aliases else None),
        ]
        text = " — ".join(clean(x) for x in (data.get("role"), data.get("summary")) if x)
        self.profile.update(profile_content(data.get("name"), facts, text))
        # Regions the findings are about in particular first, then those spoken of as a whole, said so
        from store.details import region_label

        linked = data.get("regions")
        regions = count_rows("region", None if linked is None else [{**r, "name": region_label(r)} for r in linked])
        self.set_section_rows("regions", regions)
        self.set_strip("Regions", regions, "2")
        if "relations" not in self.counted_sections:  # in the first read already: the tree is built once
            relations = data.get("relations") or []
            self.on_side(lambda: self.side_widget("relations", RelationsTree).set_relations(self.item_id, relations))
            self.headers["relations"].set(count=f"{len(relations):,}")
            self.tabs.set_count("relations", f"{len(relations):,}")
            self.counted_sections.add("relations")
        self.set_section_bars("categories", data.get("by_category"))

    @on(Tree.NodeSelected, "#relations")
    def _relation_selected(self, event: Tree.NodeSelected[dict[str, Any]]) -> None:
        data = event.node.data
        if data and data.get("id"):
            self.post_message(Open(data["kind"], data["id"]))
