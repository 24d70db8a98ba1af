"""`e`: write the current evidence list to a Markdown, CSV or JSON file, and say where.

The file goes to $FINDINGS_EXPORT_DIR, else the current directory, named findings-YYYYmmdd-HHMMSS.<ext>;
an existing file is never overwritten. Only the export file is written: the database is opened read-only.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.db import run_db
from tui.text import clean

if TYPE_CHECKING:
    import sqlite3

    from textual.notifications import SeverityLevel

    from store.search import EvidenceFilter

FORMATS = {"markdown": "md", "csv": "csv", "json": "json"}


def export_dir() -> Path:
    return Path(os.environ.get("FINDINGS_EXPORT_DIR") or os.getcwd())


def export_path(fmt: str, directory: Path | None = None) -> Path:
    directory = directory or export_dir()
    stem = "findings-" + time.strftime("%Y%m%d-%H%M%S")
    path = directory / f"{stem}.{FORMATS[fmt]}"
    n = 2
    while path.exists():
        path = directory / f"{stem}-{n}.{FORMATS[fmt]}"
        n += 1
    return path


def write_file(conn: sqlite3.Connection, fmt: str, flt: EvidenceFilter, path: Path) -> int:
    """Export the findings of `flt` to a new file at `path` (removed again if the export fails)."""
    from store.export import write_export
    from store.search import iter_evidence_ids

    query_only = not any(
        (flt.actor_ids, flt.region_ids, flt.categories, flt.countries, flt.years, flt.statuses, flt.source_ids)
    )
    try:
        with path.open("x", encoding="utf-8", newline="") as out:
            if query_only:
                return write_export(conn, fmt, out, query=flt.query)
            ids = (i for batch in iter_evidence_ids(conn, flt) for i in batch)
            return write_export(conn, fmt, out, evidence_ids=ids)
    except BaseException:
        path.unlink(missing_ok=True)
        raise


class ExportScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("m", "export('markdown')", "Markdown", id="export.markdown"),
        Binding("c", "export('csv')", "CSV", id="export.csv"),
        Binding("j", "export('json')", "JSON", id="export.json"),
        Binding("escape", "cancel", "Cancel", id="export.cancel"),
    ]

    def __init__(self, flt: EvidenceFilter, count: int | None) -> None:
        super().__init__()
        self.filter = flt
        self.count = count
        self.busy = False

    def compose(self) -> ComposeResult:
        n = "the" if self.count is None else f"{self.count:,}"
        where = clean(str(export_dir()))
        with Vertical(id="export"):
            yield Static(
                Content.assemble(
                    (f"Export {n} findings of this list", "bold"),
                    "\n",
                    ("to a new file in ", "$text-muted"),
                    Content(where),
                    "\n\n",
                    ("m", "bold $accent"),
                    " Markdown   ",
                    ("c", "bold $accent"),
                    " CSV   ",
                    ("j", "bold $accent"),
                    " JSON   ",
                    ("esc", "bold $accent"),
                    " cancel",
                ),
                id="export-text",
            )

    def action_export(self, fmt: str) -> None:
        if self.busy:
            return
        self.busy = True
        flt, app = self.filter, self.app
        try:
            path = export_path(fmt)
        except OSError as e:
            app.notify(f"Cannot export: {clean(e)}", severity="error", markup=False)
            self.dismiss(None)
            return

        def work(conn: sqlite3.Connection) -> None:
            try:
                n = write_file(conn, fmt, flt, path)
            except OSError as e:
                app.call_from_thread(self._done, f"Export failed: {clean(e.strerror or e)} ({clean(path)})", "error")
                return
            noun = "finding" if n == 1 else "findings"
            app.call_from_thread(self._done, f"Exported {n:,} {noun} to {clean(path)}", "information")

        run_db(self, work, group="export")

    def _done(self, message: str, severity: SeverityLevel) -> None:
        self.app.notify(message, title="Export", severity=severity, markup=False, timeout=10)
        self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
