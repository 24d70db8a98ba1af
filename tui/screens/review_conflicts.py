"""Review mode's sync conflicts: the records a `findings sync` merge found changed on both sides, each shown as
ours and theirs side by side, field by field, to keep one or write a merged version.

Two columns at 80 columns and wider, one above the other below that; a field that differs is marked `≠` (a sign,
readable without colour), and long text wraps in its column. Every value is text from the repository, shown
through tui.text (never markup). `o` keeps ours, `t` theirs, `e` opens an editor on a merged version (ours, with
theirs in a comment under each field that differs); each decision is staged in the data repository, and the
database is not touched until the last one: then the merge is finished as `findings sync --resolve` finishes it
(store.sync_conflicts.finish: commit, the database rebuilt into a new file renamed over it, each decision in the
history under the reviewer's name), on the writes thread, the screen saying what it is doing meanwhile.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich import box
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static, TextArea
from textual.widgets.option_list import Option

from tui.app_access import findings_app
from tui.db import run_task
from tui.screens.base import DrillScreen
from tui.text import clean, clean_block
from tui.widgets.breadcrumb import Breadcrumb
from tui.widgets.keybar import KeyBar
from tui.widgets.reverse_video import keep_reverse_video
from tui.widgets.status_line import StatusLine
from tui.widgets.text_view import TextView
from tui.widgets.waiting import Waits

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from store.sync_conflicts import Conflict, Decision
    from tui.review_api import Conflicts, Review

DIFFERS = "≠"
WIDE = 80  # from this many columns, ours and theirs side by side
ABSENT = "(no such field)"
DELETED = "(deleted on this side)"


def value_text(value: object) -> str:
    """A field's value as a person reads it (cleaned, line breaks kept): lists joined, links with their role."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        parts = []
        for item in value:
            if isinstance(item, list) and len(item) == 2:  # [actor, role]
                parts.append(f"{item[0]} ({item[1]})" if item[1] else str(item[0]))
            elif isinstance(item, dict) and "id" in item:  # {id: actor, role: ...}
                rest = "; ".join(f"{k}: {value_text(v)}" for k, v in item.items() if k not in ("id", "role"))
                role = ", ".join(str(x) for x in (item.get("role"), rest) if x)
                parts.append(f"{item['id']} ({role})" if role else str(item["id"]))
            else:
                parts.append(value_text(item))
        return clean_block(", ".join(parts)) or "—"
    if isinstance(value, dict):
        return clean_block("; ".join(f"{k}: {value_text(v)}" for k, v in value.items()))
    return clean_block(value)


def _cell(side: dict[str, object] | None, field: str) -> Text:
    if side is None:
        return Text(DELETED, style="italic")
    if field not in side:
        return Text(ABSENT, style="italic")
    return Text(value_text(side[field]))


def comparison(conflict: Conflict, *, wide: bool, theirs: str | None = None) -> Table:
    """Ours and theirs, field by field, each differing field marked DIFFERS: side by side when `wide`, else each
    field's two versions one under the other. Cells are Rich Text (data, never markup)."""
    ours_title, theirs_title = "Ours (yours)", f"Theirs ({clean(theirs)})" if theirs else "Theirs"
    names = conflict.names or ["(record)"]
    differing = {name for name, _, _ in conflict.fields}
    if conflict.ours is None or conflict.theirs is None:
        differing = set(names)
    if wide:
        table = Table(box=box.SIMPLE_HEAD, expand=True, show_edge=False, pad_edge=False, padding=(0, 1))
        table.add_column("", width=1, no_wrap=True)
        table.add_column("Field", no_wrap=True, style="bold")
        table.add_column(ours_title, ratio=1, overflow="fold")
        table.add_column(theirs_title, ratio=1, overflow="fold")
        for name in names:
            mark = DIFFERS if name in differing else ""
            table.add_row(mark, Text(clean(name)), _cell(conflict.ours, name), _cell(conflict.theirs, name))
        return table
    table = Table(box=None, expand=True, show_header=False, pad_edge=False, padding=(0, 1))
    table.add_column("Field", no_wrap=True)
    table.add_column("Value", ratio=1, overflow="fold")
    for name in names:
        if name in differing:
            table.add_row(Text(f"{DIFFERS} {clean(name)}", style="bold"), "")
            table.add_row(Text("  ours"), _cell(conflict.ours, name))
            table.add_row(Text("  theirs"), _cell(conflict.theirs, name))
        else:
            table.add_row(Text(f"  {clean(name)}"), _cell(conflict.ours, name))
    return table


def conflict_line(conflict: Conflict) -> Content:
    """A conflict in the list: what record, and which fields differ."""
    fields = ", ".join(clean(name) for name, _, _ in conflict.fields[:4])
    more = f" +{len(conflict.fields) - 4}" if len(conflict.fields) > 4 else ""
    return Content.assemble(
        Content(clean(conflict.label)).stylize("bold"), Content(f"  {DIFFERS} {fields}{more}" if fields else "")
    )


class TableView(TextView):
    """A TextView of a Rich table: its lines drawn through the Line API (a new conflict repaints this view, not the
    screen), each line's runs of one style joined into one segment (a table pads every cell with a segment of its
    own: joined, a repaint writes about a third of the bytes)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.table: Table | None = None

    def show_table(self, table: Table | None) -> None:
        self.table = table
        self.update(Content(""))

    def _wrap(self) -> None:
        if self.table is None:
            super()._wrap()
            return
        from textual.geometry import Size
        from textual.visual import RichVisual, Visual

        width = self.scrollable_content_region.width
        if width <= 0:
            return
        visual = RichVisual(self, self.table)
        self._lines = [
            strip.simplify() for strip in Visual.to_strips(self, visual, width, None, self.visual_style, pad=True)
        ]
        self._width = width
        self.virtual_size = Size(0, len(self._lines))


class ConflictsScreen(DrillScreen):
    crumb = "Sync conflicts"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("o", "decide('ours')", "Keep ours", tooltip="Keep your version of this record", id="conflicts.ours"),
        Binding("t", "decide('theirs')", "Keep theirs", tooltip="Keep the other side's version", id="conflicts.theirs"),
        Binding("e", "edit", "Edit merged", tooltip="Write the version to keep (an editor)", id="conflicts.edit"),
        Binding("pagedown,space", "scroll(1)", "Scroll", show=False, priority=True, id="conflicts.down"),
        Binding("pageup,b", "scroll(-1)", "Scroll back", show=False, priority=True, id="conflicts.up"),
    ]
    DEFAULT_CSS = """
    ConflictsScreen #conflict-list {
        height: auto;
        max-height: 6;
        border: none;
        padding: 0;
    }
    ConflictsScreen #conflict-sides {
        height: 1fr;
        padding: 0 1;
        overflow-y: scroll;  /* always there: a scrollbar that comes and goes repaints the whole view twice */
    }
    """

    def __init__(self, review: Review, target: Path, on_finished: Callable[[str], None] | None = None) -> None:
        super().__init__()
        self.review = review
        self.target = target
        self.on_finished = on_finished  # review mode re-reads the rebuilt database
        self.found: Conflicts | None = None
        self.working = False  # a decision or the merge's end is under way: no other key decides meanwhile
        self.finished = False
        self.heading = StatusLine(id="conflict-heading")
        self.choices = OptionList(id="conflict-list")
        keep_reverse_video(self.choices)  # its highlighted conflict, in the terminal's own colours
        self.sides = TableView(id="conflict-sides")
        self.status = StatusLine(id="review-status")
        self.waits = Waits(self, label="working…")
        self._shown: tuple[int, str, bool] | None = None  # what the comparison shows: (conflicts read, path, wide)

    def compose(self) -> ComposeResult:
        yield Breadcrumb()
        yield self.heading
        yield self.choices
        yield self.sides
        yield self.status
        yield KeyBar()

    def on_mount(self) -> None:
        super().on_mount()
        self.heading.say("Reading the conflicts…")
        self.choices.focus()
        self.load()

    # -- reading ----------------------------------------------------------------------------------------------

    def load(self) -> None:
        review, target = self.review, self.target

        def work() -> Conflicts | None:
            from tui import review_api

            return review_api.sync_conflicts(review, target)

        run_task(self, work, self._loaded, group="conflicts-read")

    def _loaded(self, found: Conflicts | None, error: str | None) -> None:
        findings_app(self).output_ready(cycles=2)
        if error is not None:
            self.heading.say(f"Could not read the sync conflicts: {error}", error=True)
            return
        self.found = found if found is not None and found.items else None
        self.choices.clear_options()
        if self.found is None:
            if not self.finished:
                self.heading.say("No sync conflicts wait for a decision")
            self.sides.show_table(None)
            self._shown = None
            self.refresh_bindings()
            return
        self.choices.add_options([Option(conflict_line(c), id=c.path) for c in self.found.items])
        self.choices.highlighted = 0
        self.show()

    @property
    def current(self) -> Conflict | None:
        if self.found is None or self.choices.highlighted is None:
            return None
        items = self.found.items
        return items[self.choices.highlighted] if 0 <= self.choices.highlighted < len(items) else None

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        self.show()

    def on_resize(self) -> None:
        super().on_resize()
        self.show()

    def show(self) -> None:
        c = self.current
        if c is None or self.found is None:
            return
        n, total = (self.choices.highlighted or 0) + 1, len(self.found.items)
        theirs = f" · theirs: from {clean(self.found.theirs)}" if self.found.theirs else ""
        self.heading.say(f"Sync conflict {n} of {total}{theirs}")
        wide = findings_app(self).size.width >= WIDE
        shown = (id(self.found), c.path, wide)
        if shown != self._shown:  # (a resize that keeps the layout re-wraps the table by itself)
            self._shown = shown
            self.sides.show_table(comparison(c, wide=wide, theirs=self.found.theirs))
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("decide", "edit"):
            return self.current is not None and not self.working
        return True

    async def action_back(self) -> None:
        if self.working:  # the decision (or the rebuild) is this screen's work: it says how it ended
            self.status.say("Still working: wait until it is done, then Esc")
            return
        await super().action_back()

    async def action_home(self) -> None:
        if self.working:
            self.status.say("Still working: wait until it is done, then Esc")
            return
        await super().action_home()

    def action_scroll(self, step: int) -> None:
        if step > 0:
            self.sides.scroll_page_down(animate=False)
        else:
            self.sides.scroll_page_up(animate=False)

    # -- deciding ---------------------------------------------------------------------------------------------

    def action_decide(self, choice: str) -> None:
        c = self.current
        if c is not None and not self.working:
            self.decide(c, choice)

    def decide(
        self,
        conflict: Conflict,
        choice: str,
        text: str | None = None,
        then: Callable[[str | None], None] | None = None,
    ) -> None:
        """Keep `choice` of `conflict` (on the writes thread); `then(error)` is called with the refusal or None."""
        review, target, record = self.review, self.target, conflict.path

        def work() -> Decision:
            from tui import review_api

            return review_api.decide_conflict(review, target, record, choice, text)

        def done(decision: Decision | None, error: str | None) -> None:
            self.working = False
            if then is not None:
                then(error)
            if error is not None or decision is None:
                self.status.say(f"Not done: {error}", error=True)
                self.refresh_bindings()
                return
            self.status.say(clean(decision.message))
            if decision.left:
                self.load()
            else:
                self.finish()

        self.working = True
        self.refresh_bindings()
        self.status.say(f"Keeping {choice}…")
        run_task(self, work, done, group="conflicts-write")

    def finish(self) -> None:
        """The last decision is staged: finish the merge (rebuild) on the writes thread, saying each step."""
        review, target = self.review, self.target
        app = findings_app(self)
        self.working = True
        self.refresh_bindings()
        step = ["finishing the merge"]

        def show(elapsed: str) -> None:
            self.status.say(f"Finishing the merge: {step[0]}… ({elapsed})")

        def say(text: str) -> None:  # from the writes thread
            def update() -> None:
                step[0] = clean(text)
                show("working…")

            app.call_from_thread(update)

        def work() -> None:
            from tui import review_api

            review_api.finish_merge(review, target, say)

        def done(_: None, error: str | None) -> None:
            self.waits.done("finish")
            self.working = False
            if error is not None:
                self.status.say(f"Not finished: {error}", error=True)
                self.refresh_bindings()
                return
            self.finished = True
            app.reopen_database()  # the file was replaced: read the new one
            message = "Merge finished: your database is rebuilt with every decision in its history"
            self.heading.say(message)
            self.status.say("Esc: back to the queue")
            if self.on_finished is not None:
                self.on_finished(message)
            self.load()

        self.waits.start("finish", show)
        run_task(self, work, done, group="conflicts-write")

    def action_edit(self) -> None:
        c = self.current
        if c is None or self.working:
            return
        from tui import review_api

        self.app.push_screen(MergedEditScreen(self, c, review_api.editable_text(c)))


class MergedEditScreen(ModalScreen[None]):
    """The version of a conflicting record to keep, written by hand: pre-filled with ours and, in comments,
    theirs where it differs. Ctrl+S keeps it if it reads as that one record (refused with the reason, the text
    kept, otherwise); Esc goes back, undecided."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Keep this version", priority=True, id="merged-edit.save"),
        Binding("escape", "cancel", "Cancel", id="merged-edit.cancel"),
    ]
    DEFAULT_CSS = """
    MergedEditScreen {
        background: $surface;  /* it covers the screen: nothing behind it is drawn again, dimmed */
    }
    MergedEditScreen > Vertical {
        width: 100%;
        height: 100%;
        border: round $accent;
        padding: 0 1;
        background: $surface;
    }
    MergedEditScreen TextArea {
        height: 1fr;
    }
    MergedEditScreen #merged-error {
        height: auto;
        text-style: bold;
    }
    """

    def __init__(self, owner: ConflictsScreen, conflict: Conflict, text: str) -> None:
        super().__init__()
        self.owner = owner
        self.conflict = conflict
        self.editor = TextArea(text, soft_wrap=True, id="merged-text", show_line_numbers=False)
        self.editor.cursor_blink = False
        self.error = Static("", id="merged-error", markup=False)
        self.error_text = ""

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content(f"Merged version of {clean(self.conflict.label)}").stylize("bold"))
            yield self.editor
            yield self.error
            yield Static(Content("Ctrl+S keep this version · Esc back (undecided)"))

    def on_mount(self) -> None:
        self.editor.focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_save(self) -> None:
        self.error_text = "Checking…"
        self.error.update(Content(self.error_text))
        self.owner.decide(self.conflict, "edited", self.editor.text, then=self._checked)

    def _checked(self, error: str | None) -> None:
        if error is not None:
            self.error_text = f"Not kept: {error}"
            self.error.update(Content(self.error_text))
            return
        self.dismiss(None)
