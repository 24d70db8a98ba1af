"""A headless explorer session in a process of its own, for tests that need several at once or a clean exit.

    python tests/headless_tui.py DB [ROUNDS]

Opens the explorer on DB (Textual's `run_test`, no terminal), waits for the home lists, then ROUNDS times: types
a search, opens the first finding, goes back, clears the search. Prints one JSON line: the error notifications
shown (severity "error"), whether any list said it could not read, and the text of the home screen at the end.
Exit status 0 when the session saw no error. Run it in a scratch directory: it sets FINDINGS_EXPORT_DIR there,
so a stray key can never leave an export file anywhere else.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

QUERIES = ("yuan", "crimea", "huawei", "bulk", "grain")


async def session(db: Path, rounds: int) -> dict[str, Any]:
    from textual.widgets import Input

    from tests.tui_support import press, screen_text, settle, type_text
    from tui.app import FindingsApp

    app = FindingsApp(db)
    errors: list[str] = []
    unreadable = False
    original = app.notify

    def notify(message: Any, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("severity") == "error":
            errors.append(str(message))
        original(message, *args, **kwargs)

    app.notify = notify  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for i in range(rounds):
            while len(app.screen_stack) > 1:  # back home (a screen opened under load may come late)
                app.pop_screen()
                await settle(pilot)
            unreadable |= "could not read" in screen_text(app).lower()
            await press(pilot, "slash")
            if not isinstance(app.focused, Input):
                continue
            await press(pilot, "ctrl+u")
            await type_text(pilot, QUERIES[i % len(QUERIES)])
            await press(pilot, "enter")
            unreadable |= "could not read" in screen_text(app).lower()
            await press(pilot, "enter")  # open the selected finding, if any
            await settle(pilot)
            unreadable |= "could not read" in screen_text(app).lower()
            await press(pilot, "escape")
        text = screen_text(app)
        unreadable |= "could not read" in text.lower()
        running = app.is_running
    return {"errors": errors, "unreadable": unreadable, "running": running, "text": text}


def main() -> int:
    import os

    os.environ.setdefault("FINDINGS_EXPORT_DIR", os.getcwd())
    db = Path(sys.argv[1])
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    result = asyncio.run(session(db, rounds))
    print(json.dumps(result))
    return 0 if not result["errors"] and not result["unreadable"] and result["running"] else 1


if __name__ == "__main__":
    sys.exit(main())
