"""After the explorer's first frame: what its later screens need, made ready while nobody waits for it.

- Python's cyclic garbage collector, off since the start (tui.start.run), comes back on, told to leave the
  objects of the start-up alone (`gc.freeze`): they live as long as the app (modules, the home screen, Textual's
  own), and a full collection, which visits every object, took 50-150 ms when it happened to fall inside the
  opening of a screen (measured with a 10 ms timer in the event loop, bench/RESULTS.md). Later objects are
  collected as usual, over far fewer objects.
- The modules of the drill-down screens and of the command palette are imported on a thread. An import holds
  Python's lock while it runs, but a thread gives it back every few milliseconds (sys.getswitchinterval), so the
  event loop keeps answering keys; imported on the event loop at the first Enter, they held that frame 30-60 ms.
"""

from __future__ import annotations

import gc
import importlib
import threading

MODULES = (
    "tui.screens.actor",  # imports tui.screens.entity and Textual's Tree with it
    "tui.screens.region",
    "tui.screens.source",
    "tui.screens.evidence",
    "textual.command",
    "tui.commands",
)


def _import_all() -> None:
    for name in MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # a module that fails here fails again, with its error, where it is used
            continue


def after_first_frame() -> None:
    """Freeze the start-up's objects, collect garbage again, and import the other screens' modules in the
    background."""
    gc.freeze()
    gc.enable()
    threading.Thread(target=_import_all, name="findings-warm", daemon=True).start()
