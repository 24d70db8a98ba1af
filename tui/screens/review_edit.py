"""Review mode's edit form: a finding's claim, date, category, figure and locator, changed in place.

Enter saves the fields that changed, together (store.review.edit_fields: all checked as imports check them
before any is written, one transaction, one undo); a refused value saves nothing, is said under the form, and
the form stays open with what was typed. Escape leaves unchanged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from tui.db import run_write
from tui.text import clean

if TYPE_CHECKING:
    import sqlite3

    from tui.review_api import Outcome

FIELDS = (("claim", "Claim"), ("date", "Date"), ("category", "Category"), ("figure", "Figure"), ("locator", "Locator"))


def figure_text(data: dict[str, Any]) -> str:
    """The figure as it is typed: `1200 tonnes` (the number as stored, then the unit)."""
    quantity, unit = data.get("quantity"), data.get("unit")
    if quantity is None:
        return ""
    if isinstance(quantity, float) and quantity.is_integer():
        quantity = int(quantity)
    return f"{quantity} {unit}".strip() if unit else str(quantity)


def parse_figure(text: str) -> tuple[str | None, str | None]:
    """`1,200 tonnes` -> ('1,200', 'tonnes'), `12 000 тонн` -> ('12 000', 'тонн'); `` -> (None, None). The
    store checks the number."""
    from store.vocab import split_figure

    return split_figure(text)


def initial_values(data: dict[str, Any]) -> dict[str, str]:
    """What the form shows at first: each field as one line of cleaned text (a claim holding ESC or markup
    shows its visible forms, and is written back only if the person changes it)."""
    return {
        "claim": clean(data.get("claim")),
        "date": clean(data.get("date")),
        "category": clean(data.get("category")),
        "figure": clean(figure_text(data)),
        "locator": clean(data.get("locator")),
    }


# Fields of free text: a change to one is applied to the text as stored (store.text.edited), so that the parts
# the person did not touch keep their line breaks, no-break spaces and hidden characters (shown as `␛`, `<U+200B>`
# and spaces, which are not the text).
TEXT_FIELDS = ("claim", "locator")


def changed_values(data: dict[str, Any], typed: dict[str, str]) -> dict[str, object]:
    """store.review's fields whose typed value differs from what the form showed (figure -> quantity, unit)."""
    from store.text import edited

    shown = initial_values(data)
    out: dict[str, object] = {}
    for field, _label in FIELDS:
        raw = typed.get(field, "")
        if field in TEXT_FIELDS:
            if raw.strip() == shown[field]:
                continue
            out[field] = edited(str(data.get(field) or ""), raw.strip()).strip() or None
            continue
        text = " ".join(raw.split())
        if text == shown[field]:
            continue
        if field == "figure":
            quantity, unit = parse_figure(text)
            out["quantity"] = quantity
            if (unit or None) != (data.get("unit") or None):
                out["unit"] = unit
        else:
            out[field] = text or None
    return out


class EditScreen(ModalScreen["Outcome | None"]):
    """Edit one finding; dismissed with the Outcome of the saved changes, or None."""

    # Tab and Shift+Tab are priority bindings: the app runs them as it takes the key, before it gives the next key
    # to a field. (Textual's own Tab binding is reached only when the key has gone through the focused field and
    # back up to the app; keys that came in the same burst were by then given to the field being left.)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="edit.cancel"),
        Binding("ctrl+c", "cancel", "Cancel", show=False, id="edit.cancel-ctrl-c"),  # not the app's quit
        Binding("ctrl+s", "save", "Save", id="edit.save"),
        Binding("tab", "app.focus_next", "Next field", show=False, priority=True, id="edit.next"),
        Binding("shift+tab", "app.focus_previous", "Previous field", show=False, priority=True, id="edit.previous"),
    ]
    DEFAULT_CSS = """
    EditScreen {
        align: center middle;
    }
    EditScreen > Vertical {
        width: 90%;
        max-width: 100;
        height: auto;
        border: round $accent;
        padding: 0 1;
        background: $surface;
    }
    EditScreen Input {
        margin: 0;
    }
    EditScreen .label {
        color: $text-muted;
    }
    EditScreen #edit-error {
        text-style: bold;
        height: auto;
    }
    """

    def __init__(self, data: dict[str, Any], reviewer: str) -> None:
        super().__init__()
        self.data = data
        self.reviewer = reviewer
        self.inputs: dict[str, Input] = {}
        values = initial_values(data)
        for field, label in FIELDS:
            box = Input(values[field], placeholder=label, id=f"edit-{field}", compact=True, select_on_focus=False)
            box.cursor_blink = False
            self.inputs[field] = box
        self.error = Static("", id="edit-error", markup=False)
        self.error_text = ""  # why the last save was refused

    def compose(self) -> ComposeResult:
        from store.vocab import CATEGORIES

        with Vertical():
            yield Static(Content(f"Edit {clean(self.data.get('id'))}").stylize("bold"))
            for field, label in FIELDS:
                hint = {
                    "date": " (2025, 2025-10 or 2025-10-15)",
                    "category": f" ({', '.join(CATEGORIES)})",
                    "figure": " (a number, then its unit: 1200 tonnes)",
                    "locator": " (para 16, p. 3…)",
                }.get(field, "")
                yield Static(Content(label + hint), classes="label")
                yield self.inputs[field]
            yield self.error
            yield Static(Content("Enter save · Tab next field · Esc cancel"), classes="label")

    def on_mount(self) -> None:
        self.inputs["claim"].focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_save(self) -> None:
        values = changed_values(self.data, {field: box.value for field, box in self.inputs.items()})
        if not values:
            self.dismiss(None)
            return
        evidence_id = str(self.data.get("id"))
        who = self.reviewer

        def work(conn: sqlite3.Connection) -> Outcome:
            from tui import review_api

            return review_api.edit(conn, evidence_id, values, who)

        self.error.update(Content("Saving…"))
        run_write(self, work, self._saved)

    def _saved(self, outcome: Outcome | None, error: str | None) -> None:
        if error is not None or outcome is None:
            hint = " Press Esc, then U to unseal it." if error and "seal" in error.casefold() else ""
            self.error_text = f"Not saved: {error}.{hint}"
            self.error.update(Content(self.error_text))
            return
        self.dismiss(outcome)
