"""A finding in full, with every linked actor, region and its source one key away (1-9, s)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message

from tui.app_access import findings_app
from tui.db import run_db
from tui.format import evidence_content, provenance_content
from tui.messages import CopyCitation, Open
from tui.screens.base import DrillScreen
from tui.text import clean
from tui.widgets.breadcrumb import Breadcrumb
from tui.widgets.keybar import KeyBar
from tui.widgets.links import LinkList, LinkRow
from tui.widgets.panes import PaneHeader
from tui.widgets.text_view import TextView
from tui.widgets.virtual_list import StaticSource, VirtualList

if TYPE_CHECKING:
    import sqlite3

    from tui.review_api import Cited, Flags, HistoryLine

CRUMB_WIDTH = 40  # a finding's name in the breadcrumb: the start of its claim


def link_rows(data: dict[str, Any]) -> list[LinkRow]:
    """Actors, then regions (numbered 1-9, then no key), then the source (`s`)."""
    rows: list[LinkRow] = []
    n = 0
    for kind, items in (("actor", data.get("actors")), ("region", data.get("regions"))):
        for item in items or ():
            n += 1
            label = clean(item.get("name"))
            if item.get("role"):
                label += f" ({clean(item['role'])})"
            rows.append(LinkRow(str(n) if n <= 9 else "", kind, item["id"], label))
    source = data.get("source") or {}
    if data.get("source_id"):
        label = clean(source.get("title") or data["source_id"])
        if data.get("locator"):
            label += f", {clean(data['locator'])}"
        rows.append(LinkRow("s", "source", data["source_id"], label))
    return rows


def with_language(body: Content, lang: str | None) -> Content:
    """The finding's text with the language it is written in (the explorer shows names in their own script)."""
    from store.language import name

    shown = name(lang)
    if not shown:
        return body
    return Content("\n").join([body, Content.assemble((f"{'Language':<9}", "$text-muted"), Content(clean(shown)))])


def short_title(claim: object, width: int = CRUMB_WIDTH) -> str:
    """The start of a finding's claim, to name it in the breadcrumb: whole words up to `width` characters,
    then "…" (cleaned text)."""
    text = clean(claim)
    if len(text) <= width:
        return text
    cut = text[: width - 1]
    if " " in cut[width // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:.—–-") + "…"


OPEN_LINK = Binding.Group("Open a link (by its number)")  # one line in the help for the nine keys


class EvidenceScreen(DrillScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        *(
            Binding(str(i), f"link('{i}')", f"Open link {i}", show=False, id=f"evidence.link-{i}", group=OPEN_LINK)
            for i in range(1, 10)
        ),
        Binding("s", "link('s')", "Source", tooltip="Open the source", id="evidence.source"),
        Binding("y", "copy", "Copy", tooltip="Copy the citation", id="evidence.copy-citation"),
        Binding("tab", "switch_focus", "Text / links", id="evidence.switch-focus"),
    ]

    @dataclass
    class _Loaded(Message, bubble=False):
        data: dict[str, Any] | None
        history: list[HistoryLine]
        cited: Cited | None
        flags: Flags | None

    def __init__(self, evidence_id: str) -> None:
        super().__init__()
        self.evidence_id = evidence_id
        self.crumb = clean(evidence_id)
        self.data: dict[str, Any] | None = None
        self.body = TextView(Content(""), id="evidence-body")
        self.links = LinkList(StaticSource([], key="none"), id="links")

    def compose(self) -> ComposeResult:
        yield Breadcrumb()
        yield self.body
        yield PaneHeader("Links", id="links-header")
        yield self.links
        yield KeyBar()

    def on_mount(self) -> None:
        super().on_mount()
        findings_app(self).hold_output()
        self.set_focus(self.links)
        self.load()

    def load(self) -> None:
        """Read the finding, its history and the paragraph it cites (again, after a change)."""
        evidence_id = self.evidence_id

        def work(conn: sqlite3.Connection) -> None:
            from store.details import evidence
            from tui import review_api

            data = evidence(conn, evidence_id)
            history = review_api.history(conn, evidence_id) if data else []
            cited = review_api.cited_paragraph(conn, evidence_id) if data else None
            flags = review_api.flags(conn, evidence_id) if data else None
            self.post_message(self._Loaded(data, history, cited, flags))

        run_db(self, work, group="evidence")

    def _on_evidence_screen__loaded(self, message: _Loaded) -> None:
        self.data = message.data
        if message.data is None:
            self.body.update(Content(f"No finding with id {clean(self.evidence_id)} in this database."))
        else:
            self.set_crumb(short_title(message.data.get("claim")) or self.evidence_id)
            below = provenance_content(message.data, message.history, message.cited, message.flags)
            body = with_language(evidence_content(message.data), message.data.get("lang"))
            self.body.update(Content("\n").join([body, *below]))
            rows = link_rows(message.data)
            self.links.set_source(StaticSource(rows, key=("links", self.evidence_id)))
            self.query_one("#links-header", PaneHeader).set(count=f"{len(rows)}", note="press a number or s")
        findings_app(self).output_ready(cycles=2)

    def action_link(self, key: str) -> None:
        source = self.links.source
        rows = source.rows if isinstance(source, StaticSource) else []
        for row in rows:
            if row.key == key:
                self.post_message(Open(row.kind, row.id))
                return

    def action_copy(self) -> None:
        self.post_message(CopyCitation(self.evidence_id))

    def action_switch_focus(self) -> None:
        if self.links.has_focus:
            self.set_focus(self.body)
        else:
            self.set_focus(self.links)

    @on(VirtualList.Selected, "#links")
    def _link_selected(self, message: VirtualList.Selected) -> None:
        self.post_message(Open(message.row.kind, message.row.id))
