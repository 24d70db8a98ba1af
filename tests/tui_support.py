"""Helpers for the explorer's Pilot tests: run an app, wait until its workers are done, read the screen."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.worker import WorkerCancelled

from tests.conftest import import_yaml

EVIL_YAML = r"""
source:
  id: evil-source
  title: "[link=http://x]y[/] source \e[2J title"
  publisher: "[@click=app.quit]press[/]"
actors:
  - id: evil-actor
    name: "[@click=app.quit]press[/]"
    kind: company
    country: CN
    summary: "Summary with \e[2J clear, \x9b31m a C1 control and [b]bold[/b]"
    aliases: ["[link=http://x]y[/]"]
regions:
  - id: evil-region
    name: "[link=http://x]y[/] region"
    kind: city
evidence:
  - id: evil-click
    claim: "[@click=app.quit]press[/]"
    category: other
    status: unreviewed
    actors: [evil-actor, china]
    regions: [evil-region]
  - id: evil-link
    claim: "[link=http://x]y[/]"
    category: other
    status: curated
    actors: [evil-actor]
  - id: evil-escape
    claim: "Clear \e[2J the screen \e]0;pwned\a now"
    quote: "\e[31mred\e[0m"
    category: other
    status: curated
    actors: [evil-actor]
relations:
  - subject: evil-actor
    object: china
    kind: contractor-for
    role: "[@click=app.quit]role[/]"
"""


def add_evil_records(db: Path, tmp_path: Path) -> Path:
    """Import findings, names and titles made of markup and terminal escapes into `db` (as a user could)."""
    import_yaml(db, tmp_path, EVIL_YAML, "evil.yaml")
    return db


def quiet(app: Any) -> bool:
    """Nothing is left that will change the screen on its own: no worker running, no typed search waiting for a
    pause in typing."""
    if any(w.is_running for w in app.workers):
        return False
    return not any(getattr(screen, "search_pending", False) for screen in app.screen_stack)


async def settle(pilot: Pilot[Any], seconds: float = 60.0) -> None:
    """Wait until the app is quiet (twice in a row: a message handled in one round can start work in the next)
    and the screen has processed what its workers sent. The limit only keeps a broken build from hanging."""
    app = pilot.app
    deadline = time.monotonic() + seconds
    calm = 0
    while calm < 2:
        if time.monotonic() > deadline:
            raise AssertionError(f"the explorer did not settle in {seconds:.0f} s")
        try:
            await app.workers.wait_for_complete()
        except WorkerCancelled:  # a worker the next one replaced (a search made stale): not done yet, wait again
            calm = 0
            continue
        await pilot.pause()
        calm = calm + 1 if quiet(app) else 0


async def until(pilot: Pilot[Any], condition: Callable[[], Any], what: str, seconds: float = 30.0) -> None:
    """Wait for `condition()` (without a time limit on the behaviour itself: this only keeps a broken build from
    hanging), for work that `settle` cannot wait for (a worker that is meant to be still running)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        await pilot.pause(0.02)


def palette_hits(app: Any) -> list[str]:
    """The hits the command palette lists (empty when it is not open)."""
    from textual.command import CommandList

    lists = app.screen.query(CommandList)
    if not lists:
        return []
    options = lists.first()
    prompts = (options.get_option_at_index(i).prompt for i in range(options.option_count))
    return [getattr(prompt, "plain", str(prompt)) for prompt in prompts]


async def palette_lists(pilot: Pilot[Any], text: str) -> None:
    """Wait until the palette has gathered its hits for what was typed and lists one holding `text`."""
    await settle(pilot)
    await until(pilot, lambda: any(text in hit for hit in palette_hits(pilot.app)), f"a palette hit with {text!r}")


def screen_text(app: Any) -> str:
    """The text on the top screen, line by line (styles dropped)."""
    update = app.screen._compositor.render_full_update()
    return "\n".join("".join(strip.text for strip in line) for line in update.strips)


def run_app(
    db: Path,
    test: Callable[[Pilot[Any]], Awaitable[None]],
    *,
    size: tuple[int, int] = (80, 24),
    low_bandwidth: bool = False,
) -> Any:
    """Run the explorer on `db` headless at `size`, call `test(pilot)` once it has settled; returns the app."""
    from tui.app import FindingsApp

    app = FindingsApp(db, low_bandwidth=low_bandwidth)

    async def main() -> None:
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            await test(pilot)

    asyncio.run(main())
    return app


async def press(pilot: Pilot[Any], *keys: str) -> None:
    """Press keys, then wait for the work they start."""
    await pilot.press(*keys)
    await settle(pilot)


async def type_text(pilot: Pilot[Any], text: str) -> None:
    await pilot.press(*[{" ": "space", "/": "slash", "-": "minus", ":": "colon"}.get(ch, ch) for ch in text])
    await settle(pilot)  # the search waits for a pause in typing: settle waits for it to be applied


async def burst(pilot: Pilot[Any], *keys: str) -> None:
    """Keys as a terminal sends them over a slow link: all at once, each posted to the app before any is handled
    (Pilot.press waits for the app between keys), then wait for the work they start. A key is a named key
    (`tab`, `shift+tab`) or a letter or digit."""
    from textual import events

    for key in keys:
        char = key if len(key) == 1 else None
        assert char is None or char.isalnum(), key
        pilot.app.post_message(events.Key(key, char))
    await settle(pilot)
