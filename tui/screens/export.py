"""`e`: write the current evidence list to a Markdown, CSV or JSON file, and say where.

The file goes to $FINDINGS_EXPORT_DIR, else the current directory, named findings-YYYYmmdd-HHMMSS.<ext>; an
existing file is never overwritten (the next free name is taken), and the file is written beside its name and
moved there when complete (store/output.py). It says what it holds — the search, the chips and facets, how many
of the database's findings, the database, the time: a Markdown brief in its first lines, a CSV or JSON file in
FILE.meta.json beside it. Only these files are written: the database is opened read-only.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.app_access import findings_app
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
    """A name for a new export: no file, link or anything else of that name (nor its .meta.json) exists."""
    directory = directory or export_dir()
    stem = "findings-" + time.strftime("%Y%m%d-%H%M%S")
    path = directory / f"{stem}.{FORMATS[fmt]}"
    n = 2
    while os.path.lexists(path) or os.path.lexists(meta_path(path)):
        path = directory / f"{stem}-{n}.{FORMATS[fmt]}"
        n += 1
    return path


def meta_path(path: Path) -> Path:
    return path.with_name(path.name + ".meta.json")


def write_file(
    conn: sqlite3.Connection,
    fmt: str,
    flt: EvidenceFilter,
    path: Path,
    database: str = "",
    progress: Callable[[int], None] | None = None,
) -> int:
    """Export the findings of `flt` to a new file at `path` (and, for CSV and JSON, what they are beside it).
    `progress` is called with the number written so far after each batch; what it raises stops the export, and
    nothing of it is left."""
    from store.export import selection, write_export
    from store.output import Hashing, check_target, replacing

    targets = [check_target(path)] + ([check_target(meta_path(path))] if fmt != "markdown" else [])
    if any(t.existing is not None for t in targets):
        raise FileExistsError(f"{path} exists")
    sel = selection(conn, database=database, flt=flt)
    with replacing(targets[0]) as f:
        out = Hashing(f)
        n = write_export(conn, fmt, out, flt=flt, selection=sel, progress=progress)
        if len(targets) > 1:
            with replacing(targets[1]) as meta:
                meta.write(sel.as_json(fmt=fmt, file=path.name, sha256=out.sha256))
    return n


class Stopped(Exception):
    """Raised in the export's thread when the user stops it (esc)."""


NAMES = {"markdown": "Markdown", "csv": "CSV", "json": "JSON"}


class ExportScreen(ModalScreen[None]):
    """Which format; then, while the file is written, how far it has got (every half second) and esc to stop it."""

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
        self.written = 0  # findings written so far (set by the export's thread)
        self.stop = threading.Event()
        self.started = 0.0
        self.path: Path | None = None
        self.fmt = ""

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

    def _show_progress(self) -> None:
        """Where the export is: the file, how many written of how many, for how long, and how to stop it."""
        if self.path is None:
            return
        of = "" if self.count is None else f" of {self.count:,}"
        seconds = int(time.monotonic() - self.started)
        if self.stop.is_set():
            state: Content = Content("Stopping…")
        else:
            state = Content.assemble(("esc", "bold $accent"), " stop (nothing is kept)")
        self.query_one("#export-text", Static).update(
            Content.assemble(
                (f"Exporting as {NAMES[self.fmt]}…", "bold"),
                "\n",
                ("to ", "$text-muted"),
                Content(clean(self.path.name)),  # (in the directory the dialog named)
                "\n",
                f"{self.written:,}{of} written · {seconds} s",
                "\n",
                state,
            )
        )

    def action_export(self, fmt: str) -> None:
        if self.busy:
            return
        self.busy = True
        flt, app = self.filter, self.app
        database = str(findings_app(self).db.path.resolve())
        try:
            path = export_path(fmt)
        except OSError as e:
            app.notify(f"Cannot export: {clean(e)}", severity="error", markup=False)
            self.dismiss(None)
            return
        self.path, self.fmt, self.started = path, fmt, time.monotonic()
        self._show_progress()
        self.set_interval(0.5, self._show_progress)

        def progress(n: int) -> None:
            self.written = n
            if self.stop.is_set():
                raise Stopped

        def work(conn: sqlite3.Connection) -> None:
            from store.errors import StoreError

            try:
                n = write_file(conn, fmt, flt, path, database, progress)
            except Stopped:
                app.call_from_thread(self._done, f"Export stopped: nothing was written ({clean(path)})", "warning")
                return
            except OSError as e:
                app.call_from_thread(self._done, f"Export failed: {clean(e.strerror or e)} ({clean(path)})", "error")
                return
            except StoreError as e:
                app.call_from_thread(self._done, f"Export failed: {clean(e)}", "error")
                return
            noun = "finding" if n == 1 else "findings"
            beside = f"; what it holds: {clean(meta_path(path).name)}" if fmt != "markdown" else ""
            app.call_from_thread(self._done, f"Exported {n:,} {noun} to {clean(path)}{beside}", "information")

        run_db(self, work, group="export")

    def _done(self, message: str, severity: SeverityLevel) -> None:
        self.app.notify(message, title="Export", severity=severity, markup=False, timeout=10)
        self.dismiss(None)

    def action_cancel(self) -> None:
        if not self.busy:
            self.dismiss(None)
        elif self.path is not None and not self.stop.is_set():  # the thread stops at its next batch and says so
            self.stop.set()
            self._show_progress()
