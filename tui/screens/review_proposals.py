"""Review mode's proposals: a proposed "same as" between two actors, or a new finding that may restate an
existing one, shown side by side, one at a time, to accept or refuse (after nomenklatura's dedupe screen: one
pair, one key for each judgement, then the next pair).

Accepting "same as" records a same-as relation between the two actors (both stay; nothing is merged);
accepting a duplicate marks the new finding rejected. Refusing records the decision. Each is logged, with undo.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.message import Message

from tui.db import run_db, run_write
from tui.screens.base import DrillScreen
from tui.text import clean, clean_block
from tui.widgets.breadcrumb import Breadcrumb
from tui.widgets.keybar import KeyBar
from tui.widgets.status_line import StatusLine
from tui.widgets.text_view import TextView

if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Callable

    from tui.review_api import Outcome, Proposal


def side_content(title: str, kind: str, record_id: str, data: dict[str, Any] | None) -> Content:
    """One side of a proposal: what a person needs to judge it (all cleaned text)."""
    from store.cite import citation, figure

    lines = [Content(title).stylize("bold $accent")]
    if data is None:
        lines.append(Content(f"{kind} {clean(record_id)} is no longer in the database"))
        return Content("\n").join(lines)
    if kind == "actor":
        head = clean(data.get("name"))
        facts = [
            ("Id", clean(record_id)),
            ("Kind", clean(data.get("kind"))),
            ("Country", clean(data.get("country"))),
            ("Also", ", ".join(clean(a) for a in data.get("aliases") or ())),
            ("About", clean(data.get("summary"))),
        ]
    else:
        head = clean_block(data.get("claim"))
        facts = [
            ("Id", clean(record_id)),
            ("Date", clean(data.get("date")) or "undated"),
            ("Figure", clean(figure(data.get("quantity"), data.get("unit")))),
            ("Status", clean(data.get("status"))),
            ("Source", clean(citation(data))),
        ]
    lines.append(Content(head).stylize("bold"))
    for label, value in facts:
        if value:
            lines.append(Content.assemble((f"{label:<8}", "$text-muted"), Content(value)))
    return Content("\n").join(lines)


class ProposalsScreen(DrillScreen):
    crumb = "Proposals"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("x", "decide(True)", "Same", tooltip="Accept: they are the same (logged)", id="proposals.accept"),
        Binding("n", "decide(False)", "Not same", tooltip="Refuse: they differ (logged)", id="proposals.refuse"),
        Binding("space", "skip", "Skip", tooltip="Leave this one open, show the next", id="proposals.skip"),
        Binding("u", "undo", "Undo", tooltip="Undo your last change", id="proposals.undo"),
    ]

    class _Loaded(Message, bubble=False):
        def __init__(self, proposals: list[Proposal]) -> None:
            super().__init__()
            self.proposals = proposals

    def __init__(self, reviewer: str, on_outcome: Callable[[Outcome], None] | None = None) -> None:
        super().__init__()
        self.reviewer = reviewer
        self.on_outcome = on_outcome  # the review list updates the row of a finding a decision changed
        self.proposals: list[Proposal] = []
        self.position = 0
        self.heading = StatusLine(id="proposal-heading")
        self.left = TextView(Content(""), id="proposal-left")
        self.right = TextView(Content(""), id="proposal-right")
        self.status = StatusLine(id="review-status")

    def compose(self) -> ComposeResult:
        yield Breadcrumb()
        yield self.heading
        with Horizontal(id="proposal-sides"):
            yield self.left
            yield self.right
        yield self.status
        yield KeyBar()

    def on_mount(self) -> None:
        super().on_mount()
        self.load()

    def load(self) -> None:
        def work(conn: sqlite3.Connection) -> None:
            from tui import review_api

            self.post_message(self._Loaded(review_api.open_proposals(conn)))

        run_db(self, work, group="proposals")

    def _on_proposals_screen__loaded(self, message: _Loaded) -> None:
        self.proposals = message.proposals
        self.position = min(self.position, max(0, len(self.proposals) - 1))
        self.show()

    @property
    def current(self) -> Proposal | None:
        return self.proposals[self.position] if 0 <= self.position < len(self.proposals) else None

    def show(self) -> None:
        p = self.current
        if p is None:
            self.heading.say("No open proposals: nothing waits for a decision")
            self.left.update(Content(""))
            self.right.update(Content(""))
            self.refresh_bindings()
            return
        what = "Same actor?" if p.kind == "same-as" else "Duplicate finding?"
        self.heading.say(f"{self.position + 1} of {len(self.proposals)} · {what} · {clean(p.reason)}")
        self.left.update(side_content("New" if p.kind == "duplicate" else "Imported", p.left_kind, p.left_id, p.left))
        self.right.update(side_content("Existing", p.right_kind, p.right_id, p.right))
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("decide", "skip"):
            return self.current is not None
        return True

    def action_skip(self) -> None:
        if self.proposals:
            self.position = (self.position + 1) % len(self.proposals)
            self.show()

    def action_decide(self, accept: bool) -> None:
        p = self.current
        if p is None:
            return
        who = self.reviewer

        def work(conn: sqlite3.Connection) -> Outcome:
            from tui import review_api

            return review_api.decide(conn, p.id, accept, who)

        self.status.say("Accepting…" if accept else "Refusing…")
        run_write(self, work, self._decided)

    def action_undo(self) -> None:
        who = self.reviewer

        def work(conn: sqlite3.Connection) -> Outcome:
            from tui import review_api

            return review_api.undo(conn, who)

        self.status.say("Undoing…")
        run_write(self, work, self._decided)

    def _decided(self, outcome: Outcome | None, error: str | None) -> None:
        if error is not None or outcome is None:
            self.status.say(f"Not done: {error}", error=True)
            return
        self.status.say(outcome.message)
        if self.on_outcome is not None and outcome.evidence_id is not None:
            self.on_outcome(outcome)
        self.load()  # the open ones, as they are now
