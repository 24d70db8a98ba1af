"""The detail pane: the highlighted finding in full, read in a worker when the cursor rests on it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.content import Content
from textual.message import Message

from tui.db import run_db
from tui.format import evidence_content
from tui.widgets.text_view import TextView

if TYPE_CHECKING:
    import sqlite3


class EvidenceDetail(TextView):
    """Shows one finding (store.details.evidence) — Content built from cleaned text, never markup."""

    class _Loaded(Message, bubble=False):
        def __init__(self, evidence_id: str, data: dict[str, Any] | None) -> None:
            super().__init__()
            self.evidence_id = evidence_id
            self.data = data

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.evidence_id: str | None = None
        self.data: dict[str, Any] | None = None

    def show(self, evidence_id: str | None) -> None:
        """Load and show a finding (None clears the pane)."""
        if evidence_id == self.evidence_id:
            return
        self.evidence_id = evidence_id
        if evidence_id is None:
            self.data = None
            self.update(Content(""))
            return

        def work(conn: sqlite3.Connection) -> None:
            from store.details import evidence

            self.post_message(self._Loaded(evidence_id, evidence(conn, evidence_id)))

        run_db(self, work, group="detail")

    def reload(self) -> None:
        """Read the finding shown again (it was changed)."""
        evidence_id, self.evidence_id = self.evidence_id, None
        self.show(evidence_id)

    def _on_evidence_detail__loaded(self, message: _Loaded) -> None:
        if message.evidence_id != self.evidence_id:
            return
        self.data = message.data
        self.update(evidence_content(message.data) if message.data else Content("(this finding is gone)"))
