"""Review mode (`findings review`): the home screen on the queue of findings waiting for review, with one key per
review action.

Each action runs on the explorer's writes thread (tui.db.run_write) through tui.review_api, and its row is then
shown as it is now, in place: the queue keeps a reviewed finding's row (tui.sources.QueueSource), so working down
the list shows every finding once. Refusals (a sealed finding, a date that is not one) are said on the status
line, never raised.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Input

from tui.app_access import findings_app
from tui.db import run_db, run_task, run_write
from tui.screens.evidence import EvidenceScreen
from tui.screens.home import HomeScreen, build_filter
from tui.sources import QueueSource
from tui.text import clean, plain
from tui.widgets.keybar import KeyBar
from tui.widgets.lists import ReviewList
from tui.widgets.status_line import StatusLine

if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Callable

    from store.search import EvidenceFilter, EvidenceRow
    from tui.review_api import Outcome, Review

QUEUE_STATUS = "unreviewed"
ROW_FIELDS = ("status", "claim", "date", "category", "locator", "sensitive")  # what a list row shows


def queue_filter(query: str, chips: tuple[Any, ...], *, as_you_type: bool = False) -> EvidenceFilter:
    """The queue: the findings of the query and chips that are unreviewed, unless the query or a chip names a
    status of its own (`findings review status:disputed` reviews the disputed ones)."""
    flt = build_filter(query, chips, as_you_type=as_you_type)
    if flt.statuses or "status:" in query.casefold():
        return flt
    return dataclasses.replace(flt, statuses=(QUEUE_STATUS,))


def updated_row(row: EvidenceRow, finding: dict[str, Any]) -> EvidenceRow:
    """The list row of `row`'s finding as store.details read it after a change."""
    fields = {f.name for f in dataclasses.fields(row)}
    changes: dict[str, Any] = {name: finding.get(name) for name in ROW_FIELDS if name in fields and name in finding}
    if "category" in changes and changes["category"] is None:
        changes["category"] = row.category
    return dataclasses.replace(row, **changes)


REVIEW_KEYS: list[BindingType] = [
    Binding("c", "mark('curated')", "Curated", tooltip="Mark curated (seals it)", id="review.curated"),
    Binding("d", "mark('disputed')", "Disputed", tooltip="Mark disputed", id="review.disputed"),
    Binding(
        "r",
        "mark('rejected')",
        "Rejected",
        tooltip="Mark rejected (kept, hidden from browsing)",
        id="review.rejected",
    ),
    Binding("E", "edit", "Edit", tooltip="Edit claim, date, category, figure, locator", id="review.edit"),
    Binding("l", "link", "Link", tooltip="Link an actor or region (palette)", id="review.link"),
    Binding("L", "unlink", "Unlink", tooltip="Remove an actor or region link (palette)", id="review.unlink"),
    Binding(
        "p",
        "proposals",
        "Proposals",
        tooltip="Accept or refuse proposed same-as links and duplicates",
        id="review.proposals",
    ),
    Binding("u", "undo", "Undo", tooltip="Undo your last change", id="review.undo"),
    Binding(
        "C",
        "conflicts",
        "Conflicts",
        tooltip="Sync conflicts: ours and theirs side by side, keep one or write a merged version",
        id="review.conflicts",
    ),
    Binding(
        "U", "unseal", "Unseal", tooltip="Unseal a curated finding so it can be edited (logged)", id="review.unseal"
    ),
]
# The home screen's keys work as there, off the key bar: it shows the review keys first.
QUIET_HOME_KEYS: list[BindingType] = [
    Binding("f", "facets", "Facets", show=False, id="review.facets", priority=True),  # (as the home screen's)
    Binding("x", "remove_last_filter", "Unfilter", show=False, id="review.unfilter"),
    Binding("i", "toggle_detail", "Details", show=False, id="review.details"),
    Binding("e", "export", "Export", show=False, id="review.export"),
]


def refusal(error: str | None) -> str:
    """The status line for an action the store refused (what to do about a sealed finding included)."""
    hint = " (press U to unseal it first)" if error and "seal" in error.casefold() else ""
    return f"Not done: {error}{hint}"


class ReviewScreen(HomeScreen):
    crumb = "Review"
    BINDINGS: ClassVar[list[BindingType]] = [*REVIEW_KEYS, *QUIET_HOME_KEYS]

    def __init__(self, review: Review) -> None:
        super().__init__()
        self.review = review
        self.query_text = review.query.strip()
        self.search.placeholder = "Filter the queue  (/)"
        self.evidence = ReviewList(QueueSource(self.current_filter()), id="evidence")
        self.headers["evidence"].title = "To review"
        self.headers["evidence"].set(count="…", note=self._evidence_note())
        self.tabs.set_count("evidence", "…")
        self.review_status = StatusLine(id="review-status")  # (the home screen's `status` is the search's notes)
        self.review_status.say(f"Reviewing as {clean(review.reviewer)}: c curated · d disputed · r rejected · ? keys")
        self.sync_conflicts = 0  # records a sync merge waits on (in the review's data repository)

    brand = "review"

    def above_keys(self) -> ComposeResult:
        yield self.review_status

    def on_mount(self) -> None:
        super().on_mount()
        if self.query_text:  # the query the queue was opened with, in the search bar (a widget needs its screen)
            with self.search.prevent(Input.Changed):
                self.search.value = self.query_text
        if self.review.repo is not None:
            self.look_for_conflicts()

    # -- sync conflicts ---------------------------------------------------------------------------------------------

    def look_for_conflicts(self) -> None:
        """Whether a sync merge in the data repository waits for decisions (git, off the UI thread); if so, the
        status line says so at once."""
        review, target = self.review, findings_app(self).db_path

        def work() -> int:
            from tui import review_api

            found = review_api.sync_conflicts(review, target)
            return len(found.items) if found is not None else 0

        def done(n: int | None, error: str | None) -> None:
            if error is not None:
                self.review_status.say(f"Could not read the sync conflicts: {error}", error=True)
                return
            self.sync_conflicts = n or 0
            if self.sync_conflicts:
                many = self.sync_conflicts != 1
                self.review_status.say(
                    f"{self.sync_conflicts} sync conflict{'s' if many else ''} — press C to decide "
                    f"{'them' if many else 'it'} (your database keeps its last good state until then)"
                )
            self.refresh_bindings()

        run_task(self, work, done, group="conflicts-read")

    def action_conflicts(self) -> None:
        from tui.screens.review_conflicts import ConflictsScreen

        findings_app(self).hold_output()  # one paint, once the conflicts are read (ConflictsScreen._loaded)
        self.app.push_screen(ConflictsScreen(self.review, findings_app(self).db_path, self.merge_finished))

    def merge_finished(self, message: str) -> None:
        """The merge is finished and the database rebuilt (the app reads the new file): the lists again."""
        self.sync_conflicts = 0
        self._research()
        if self.detail.evidence_id is not None:
            self.detail.reload()
        self.review_status.say(message)
        self.refresh_bindings()

    # -- the queue --------------------------------------------------------------------------------------------------

    def current_filter(self) -> EvidenceFilter:
        """The queue's filter: the search bar's query as it shows it (as you type), the chips, the statuses."""
        return queue_filter(self.search_text(), self.chips, as_you_type=True)

    def _refilter(self) -> None:
        self.evidence.set_source(QueueSource(self.current_filter()))
        self.headers["evidence"].set(count="…", note=self._evidence_note())
        self.tabs.set_count("evidence", "…")

    def _evidence_note(self) -> str:
        flt = self.current_filter()
        note = super()._evidence_note()
        statuses = ", ".join(flt.statuses)
        return f"{statuses}, {note}" if note else statuses

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("mark", "edit", "link", "unlink", "unseal"):
            if self.focused is self.search or self.focused in (self.actors, self.regions):
                return False
            return self.evidence.highlighted is not None
        if action in ("undo", "proposals"):
            return self.focused is not self.search
        if action == "conflicts":
            return self.review.repo is not None and self.focused is not self.search
        return super().check_action(action, parameters)

    # -- writing ----------------------------------------------------------------------------------------------------

    def _target(self) -> tuple[int, EvidenceRow] | None:
        row = self.evidence.highlighted
        return (self.evidence.cursor, row) if row is not None else None

    def write(self, work: Any, *, doing: str) -> None:
        """Run `work(conn, who)` on the writes thread (it returns an Outcome); then update the row it touched."""
        who = self.review.reviewer
        self.review_status.say(f"{doing}…")
        run_write(self, lambda conn: work(conn, who), self.written)

    def written(self, outcome: Outcome | None, error: str | None) -> None:
        if error is not None or outcome is None:
            self.review_status.say(refusal(error), error=True)
            return
        self.show_outcome(outcome)

    def show_outcome(self, outcome: Outcome) -> None:
        """Show a change: its row as the finding is now, the detail pane, and a line saying what was done."""
        about = ""
        if outcome.evidence_id is not None:
            index = self._loaded_index(outcome.evidence_id)
            if index is not None and outcome.finding is not None:
                row = self.evidence.row_at(index)
                if row is not None:
                    new = updated_row(row, outcome.finding)
                    source = self.evidence.source
                    if isinstance(source, QueueSource):
                        statuses = source.filter.statuses
                        source.replace(index, new, in_filter=not statuses or new.status in statuses)
                    self.evidence.replace_row(index, new)
            if outcome.finding is not None:
                about = f": {plain(outcome.finding.get('claim'))}"[:80]
            if self.detail.evidence_id == outcome.evidence_id:
                self.detail.reload()
        self.review_status.say(f"{outcome.message}{about}")

    def _loaded_index(self, evidence_id: str) -> int | None:
        """The row of a finding in the queue (among the rows read so far), the cursor's first."""
        row = self.evidence.highlighted
        if row is not None and row.id == evidence_id:
            return self.evidence.cursor
        return self.evidence.find_loaded(lambda r: r.id == evidence_id)

    def action_mark(self, status: str) -> None:
        target = self._target()
        if target is None:
            return
        evidence_id = target[1].id

        def work(conn: sqlite3.Connection, who: str) -> Outcome:
            from tui import review_api

            return review_api.set_status(conn, evidence_id, status, who)

        self.write(work, doing=f"Marking {status}")
        if status != "disputed":
            self.evidence.action_cursor_down()  # on to the next one

    def action_unseal(self) -> None:
        target = self._target()
        if target is None:
            return
        evidence_id = target[1].id

        def work(conn: sqlite3.Connection, who: str) -> Outcome:
            from tui import review_api

            return review_api.unseal(conn, evidence_id, who)

        self.write(work, doing="Unsealing")

    def action_undo(self) -> None:
        def work(conn: sqlite3.Connection, who: str) -> Outcome:
            from tui import review_api

            return review_api.undo(conn, who)

        self.write(work, doing="Undoing")

    def _read_finding(self, then: Callable[[str, dict[str, Any] | None], None], *, changing: str = "") -> None:
        """Read the highlighted finding as it is now (store.details.evidence), then `then(id, finding)`. With
        `changing` (what the action would change: "its fields"), a sealed finding is refused at once, on the
        status line as the store's refusals are, and `then` is not called (no form or palette to fill in first)."""
        target = self._target()
        if target is None:
            return
        evidence_id = target[1].id

        def work(conn: sqlite3.Connection) -> None:
            from store.details import evidence
            from tui import review_api

            data = evidence(conn, evidence_id)
            if changing and data is not None and review_api.flags(conn, evidence_id).sealed:
                self.app.call_from_thread(self._refuse_sealed, evidence_id, changing)
                return
            self.app.call_from_thread(then, evidence_id, data)

        run_db(self, work, group="review-read")

    def _refuse_sealed(self, evidence_id: str, changing: str) -> None:
        error = f"finding {clean(evidence_id)} is curated and sealed; unseal it before changing {changing}"
        self.review_status.say(refusal(error), error=True)

    def action_edit(self) -> None:
        self._read_finding(self._open_editor, changing="its fields")

    def _open_editor(self, evidence_id: str, data: dict[str, Any] | None) -> None:
        from tui.screens.review_edit import EditScreen

        if data is None:
            self.review_status.say(f"Finding {clean(evidence_id)} is no longer in the database", error=True)
            return
        self.app.push_screen(EditScreen(data, self.review.reviewer), self._edited)

    def _edited(self, outcome: Outcome | None) -> None:
        if outcome is not None:
            self.show_outcome(outcome)

    def action_link(self) -> None:
        self._read_finding(self._open_link, changing="its links")

    def _open_link(self, evidence_id: str, data: dict[str, Any] | None) -> None:
        from tui.screens.review_link import open_link_palette

        if data is None:
            self.review_status.say(f"Finding {clean(evidence_id)} is no longer in the database", error=True)
            return
        open_link_palette(self, evidence_id, add=True)

    def action_unlink(self) -> None:
        self._read_finding(self._open_unlink, changing="its links")

    def _open_unlink(self, evidence_id: str, data: dict[str, Any] | None) -> None:
        from tui.screens.review_link import link_choices, open_link_palette

        choices = link_choices(data)
        if not choices:
            self.review_status.say("This finding has no actor or region links to remove", error=True)
            return
        open_link_palette(self, evidence_id, add=False, choices=choices)

    def apply_link(self, evidence_id: str, kind: str, ref_id: str, *, add: bool) -> None:
        """Link (or unlink) an actor or region; called by the palette."""

        def work(conn: sqlite3.Connection, who: str) -> Outcome:
            from tui import review_api

            return review_api.link(conn, evidence_id, kind, ref_id, who, add=add)

        self.write(work, doing="Linking" if add else "Unlinking")

    def action_proposals(self) -> None:
        from tui.screens.review_proposals import ProposalsScreen

        self.app.push_screen(ProposalsScreen(self.review.reviewer, self.show_outcome))


class ReviewEvidenceScreen(EvidenceScreen):
    """A finding's screen in review mode: its history and cited paragraph, and the keys to mark it, undo and
    unseal; the queue's row follows each change."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "mark('curated')", "Curated", tooltip="Mark curated (seals it)", id="review-evidence.curated"),
        Binding("d", "mark('disputed')", "Disputed", tooltip="Mark disputed", id="review-evidence.disputed"),
        Binding("r", "mark('rejected')", "Rejected", tooltip="Mark rejected", id="review-evidence.rejected"),
        Binding("u", "undo", "Undo", tooltip="Undo your last change", id="review-evidence.undo"),
        Binding("U", "unseal", "Unseal", tooltip="Unseal it so it can be edited (logged)", id="review-evidence.unseal"),
    ]

    def __init__(self, evidence_id: str, review: Review) -> None:
        super().__init__(evidence_id)
        self.review = review
        self.review_status = StatusLine(id="review-status")  # (the home screen's `status` is the search's notes)

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            if isinstance(widget, KeyBar):
                yield self.review_status
            yield widget

    def _write(self, work: Any, doing: str) -> None:
        who, evidence_id = self.review.reviewer, self.evidence_id
        self.review_status.say(f"{doing}…")
        run_write(self, lambda conn: work(conn, who, evidence_id), self._written)

    def _written(self, outcome: Outcome | None, error: str | None) -> None:
        if error is not None or outcome is None:
            self.review_status.say(refusal(error), error=True)
            return
        self.review_status.say(outcome.message)
        self.load()
        queue = self.app.screen_stack[0] if self.app.screen_stack else None
        if isinstance(queue, ReviewScreen):
            queue.show_outcome(outcome)

    def action_mark(self, status: str) -> None:
        def work(conn: sqlite3.Connection, who: str, evidence_id: str) -> Outcome:
            from tui import review_api

            return review_api.set_status(conn, evidence_id, status, who)

        self._write(work, f"Marking {status}")

    def action_undo(self) -> None:
        def work(conn: sqlite3.Connection, who: str, evidence_id: str) -> Outcome:
            from tui import review_api

            return review_api.undo(conn, who)

        self._write(work, "Undoing")

    def action_unseal(self) -> None:
        def work(conn: sqlite3.Connection, who: str, evidence_id: str) -> Outcome:
            from tui import review_api

            return review_api.unseal(conn, evidence_id, who)

        self._write(work, "Unsealing")
