"""The explorer's uses of Textual's private API (tui/textual_internals.py) still hold on the installed Textual.

Textual may rename or reshape a private attribute in any release; the explorer would then fail in ways far from
the cause (a first paint that never comes, a frame painted twice). These tests name the internal that went
missing or changed: they are the first thing to run after upgrading Textual.
"""

from __future__ import annotations

import ast
import asyncio
import functools
import importlib
import inspect
import itertools
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import textual
from textual import events
from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static
from textual.worker import Worker

from tests.conftest import ROOT
from tui import textual_internals
from tui.textual_internals import CHECKED_AGAINST

INTERNALS_MODULE = ROOT / "tui" / "textual_internals.py"


class Attribute(NamedTuple):
    owner: str
    name: str
    kind: str
    used_by: str


class Method(NamedTuple):
    owner: str
    name: str
    parameters: tuple[str, ...]
    used_by: str


class Override(NamedTuple):
    subclass: str
    base: str
    name: str
    parameters: tuple[str, ...]
    called_by: str
    why: str


ATTRIBUTES = [Attribute(*row) for row in textual_internals.ATTRIBUTES]
METHODS = [Method(*row) for row in textual_internals.METHODS]
OVERRIDES = [Override(*row) for row in textual_internals.OVERRIDES]


def resolve(path: str) -> Any:
    """The class at "textual.screen.Screen" or "tui.app:FindingsApp"."""
    module, _, name = path.replace(":", ".").rpartition(".")
    return getattr(importlib.import_module(module), name)


def parameters(function: Callable[..., Any]) -> tuple[str, ...]:
    return tuple(name for name in inspect.signature(function).parameters if name != "self")


def where(owner: str, name: str) -> str:
    return f"{owner.rpartition('.')[2]}.{name}"


def report(problems: list[str]) -> str:
    return (
        f"Textual {textual.__version__} (tui/textual_internals.py was checked against {CHECKED_AGAINST}):\n  "
        + "\n  ".join(problems)
    )


def is_kind(value: object, kind: str) -> bool:
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "set":
        return isinstance(value, set)
    if kind == "list":
        return isinstance(value, list)
    if kind == "callable":
        return callable(value)
    return isinstance(value, resolve(kind))


def live_instances() -> dict[str, object]:
    """A running App, its Screen and a Worker, as Textual makes them: private attributes set in `__init__` or
    on first use exist only on instances."""
    found: dict[str, object] = {}

    class Probe(App[None]):
        def compose(self) -> ComposeResult:
            yield Static("probe")

    async def main() -> None:
        app = Probe()
        async with app.run_test(size=(40, 10)) as pilot:
            await pilot.pause()
            found["textual.app.App"] = app
            found["textual.screen.Screen"] = app.screen
            found["textual.worker.Worker"] = Worker(app, lambda: None, thread=True)
            problems = [a for a in ATTRIBUTES if a.owner not in found]
            assert not problems, f"no live instance to check {problems}"
            found.update({f"{a.owner}.{a.name}": getattr(found[a.owner], a.name, AttributeError) for a in ATTRIBUTES})

    asyncio.run(main())
    return found


def test_every_private_attribute_the_explorer_uses_is_there_with_its_shape() -> None:
    values = live_instances()
    problems = []
    for attribute in ATTRIBUTES:
        value = values[f"{attribute.owner}.{attribute.name}"]
        name = where(attribute.owner, attribute.name)
        if value is AttributeError:
            problems.append(f"{name} is gone (used by {attribute.used_by})")
        elif not is_kind(value, attribute.kind):
            problems.append(
                f"{name} is now of type {type(value).__name__}, not {attribute.kind} (used by {attribute.used_by})"
            )
    assert not problems, report(problems)


def test_every_private_method_the_explorer_calls_is_there_with_its_parameters() -> None:
    problems = []
    for method in METHODS:
        name = where(method.owner, method.name)
        function = getattr(resolve(method.owner), method.name, None)
        if not callable(function):
            problems.append(f"{name} is gone (used by {method.used_by})")
        elif parameters(function) != method.parameters:
            problems.append(
                f"{name} now takes {parameters(function)}, not {method.parameters} (used by {method.used_by})"
            )
    assert not problems, report(problems)


def test_every_overridden_private_method_still_exists_with_the_same_parameters() -> None:
    problems = []
    for override in OVERRIDES:
        name = where(override.base, override.name)
        ours = resolve(override.subclass).__dict__.get(override.name)
        theirs = resolve(override.base).__dict__.get(override.name)
        if ours is None:
            problems.append(f"{override.subclass} no longer overrides {override.name}: remove it from OVERRIDES")
        elif theirs is None:
            problems.append(f"{name} is gone: {override.subclass}.{override.name} ({override.why}) is never called")
        elif not parameters(theirs) == parameters(ours) == override.parameters:
            problems.append(f"{name} now takes {parameters(theirs)}; {override.subclass} takes {parameters(ours)}")
    assert not problems, report(problems)


def test_textual_still_calls_the_overridden_methods_as_they_expect() -> None:
    """Overrides that are never called fail silently: each one must be reached, in the order the explorer relies
    on (its `_on_idle` and `_on_screen_resume` run first and Screen's own handler after them, because Textual
    dispatches an event to each class of the hierarchy in turn, until one calls `prevent_default`)."""
    calls: list[str] = []
    override_names = {override.name for override in OVERRIDES}
    assert override_names == {"_display", "_compositor_refresh", "_on_idle", "_on_screen_resume"}, (
        "a new override: add it to this test"
    )

    screen_on_idle, screen_on_resume = Screen._on_idle, Screen._on_screen_resume

    class ProbeScreen(Screen[None]):
        def compose(self) -> ComposeResult:
            yield Static("probe")

        def _on_idle(self, event: events.Idle) -> None:  # type: ignore[override]  # sync, as FindingsScreen's
            calls.append("ours._on_idle")

        def _on_screen_resume(self, event: events.ScreenResume) -> None:
            calls.append("ours._on_screen_resume")

        def _compositor_refresh(self) -> None:
            calls.append("ours._compositor_refresh")
            super()._compositor_refresh()

    class ProbeApp(App[None]):
        def get_default_screen(self) -> Screen[Any]:
            return ProbeScreen()

        def _display(self, screen: Screen[Any], renderable: Any) -> None:
            calls.append("ours._display")
            super()._display(screen, renderable)

    async def spy_idle(self: Screen[Any], event: events.Idle) -> None:
        if isinstance(self, ProbeScreen):
            calls.append("Screen._on_idle")
        await screen_on_idle(self, event)

    def spy_resume(self: Screen[Any], event: events.ScreenResume) -> None:
        if isinstance(self, ProbeScreen):
            calls.append("Screen._on_screen_resume")
        screen_on_resume(self, event)

    async def main() -> None:
        app = ProbeApp()
        async with app.run_test(size=(40, 10)) as pilot:
            await pilot.pause()
            before = len(calls)
            app.screen.query_one(Static).update("changed")
            for _ in range(500):  # until the change is on the terminal (a bound only against a broken build)
                if "ours._display" in calls[before:]:
                    break
                await pilot.pause(0.02)

    Screen._on_idle, Screen._on_screen_resume = spy_idle, spy_resume  # type: ignore[method-assign]
    try:
        asyncio.run(main())
    finally:
        Screen._on_idle, Screen._on_screen_resume = screen_on_idle, screen_on_resume  # type: ignore[method-assign]

    def follows(first: str, then: str) -> bool:
        return any(a == first and b == then for a, b in itertools.pairwise(calls))

    problems = [f"{name} was never called" for name in sorted({f"ours.{n}" for n in override_names} - set(calls))]
    for handler in ("_on_idle", "_on_screen_resume"):
        if not follows(f"ours.{handler}", f"Screen.{handler}"):
            problems.append(f"Screen.{handler} no longer runs right after a subclass's {handler}")
    assert not problems, report(problems)


# -- no other private Textual name in tui/ -------------------------------------------------------------------------


@functools.cache
def private_names(cls: type) -> frozenset[str]:
    """Private names a Textual class defines: in its namespace, and assigned to `self` in its source."""
    names = {name for name in vars(cls) if name.startswith("_") and not name.startswith("__")}
    try:
        source = inspect.getsource(cls)
    except (OSError, TypeError):
        return frozenset(names)
    assigned = {name for name in re.findall(r"self\.(_[A-Za-z]\w*)", source) if not name.startswith("__")}
    return frozenset(names | assigned)


@functools.cache
def textual_private_names(cls: type) -> frozenset[str]:
    """Private names of the Textual classes `cls` derives from (none if it is not a Textual class)."""
    bases = [base for base in cls.__mro__ if base.__module__.split(".")[0] == "textual"]
    return frozenset().union(*(private_names(base) for base in bases))


HANDLED = (App, Screen, Widget, Worker, resolve("textual._compositor.Compositor"))  # what tui/ code is handed


def private_textual_uses(path: Path) -> Iterator[tuple[int, str]]:
    """(line, name) of each private Textual name that `path` uses or defines: `self._x` in a subclass of a Textual
    class where Textual defines `_x`, `other._x` where any class tui/ handles defines it, and `def _x` in such a
    subclass (an override, or a name that shadows Textual's)."""
    module_name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    module = importlib.import_module(module_name)
    handled = frozenset().union(*(textual_private_names(cls) for cls in HANDLED))

    def visit(node: ast.AST, owner: type | None) -> Iterator[tuple[int, str]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                cls = getattr(owner if owner is not None else module, child.name, None)
                yield from visit(child, cls if isinstance(cls, type) else None)
                continue
            textual_names = textual_private_names(owner) if owner is not None else frozenset()
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) and child.name in textual_names:
                yield child.lineno, child.name
            if isinstance(child, ast.Attribute) and child.attr.startswith("_"):
                on_self = isinstance(child.value, ast.Name) and child.value.id == "self"
                if child.attr in (textual_names if on_self else handled):
                    yield child.lineno, child.attr
            yield from visit(child, owner)

    yield from visit(ast.parse(path.read_text(encoding="utf-8")), None)


def test_no_private_textual_name_is_used_in_tui_outside_textual_internals() -> None:
    allowed = {(resolve(o.subclass).__module__, o.name) for o in OVERRIDES}
    problems = []
    for path in sorted((ROOT / "tui").rglob("*.py")):
        if path == INTERNALS_MODULE:
            continue
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for line, name in private_textual_uses(path):
            if (module, name) not in allowed:
                problems.append(f"{path.relative_to(ROOT)}:{line}: {name}")
    assert not problems, (
        "Textual's private names used outside tui/textual_internals.py (move the access there, with why, and list "
        "it; or rename an attribute of ours that shadows Textual's):\n  " + "\n  ".join(problems)
    )


def test_textual_internals_lists_every_private_name_it_touches() -> None:
    listed = {a.name for a in ATTRIBUTES} | {m.name for m in METHODS}
    used = {name for _, name in private_textual_uses(INTERNALS_MODULE)}
    assert used <= listed, f"used in tui/textual_internals.py but not listed there: {sorted(used - listed)}"
    helpers = {
        name
        for name, f in vars(textual_internals).items()
        if inspect.isfunction(f) and f.__module__ == textual_internals.__name__
    }
    entries: list[Attribute | Method] = [*ATTRIBUTES, *METHODS]
    for entry in entries:
        users = {user.strip() for user in entry.used_by.split(",")}
        unknown = {user for user in users if user not in helpers and not (ROOT / user).exists()}
        assert not unknown, f"{entry.name}: used_by names no helper of textual_internals: {unknown}"


def test_the_terminal_drivers_still_make_their_input_decoder_from_the_name_the_explorer_replaces() -> None:
    """tolerate_undecodable_input replaces `getincrementaldecoder` in each driver module: that only works while
    the driver's input thread makes its decoder from that module-level name when it starts."""
    for name in textual_internals.DECODING_DRIVERS:
        module = importlib.import_module(name)
        drivers = [c for c in vars(module).values() if inspect.isclass(c) and c.__module__ == name]
        sources = [inspect.getsource(c.run_input_thread) for c in drivers if "run_input_thread" in vars(c)]
        assert sources and all('getincrementaldecoder("utf-8")()' in s for s in sources), name
        before = module.getincrementaldecoder
        try:
            textual_internals.tolerate_undecodable_input()
            decode = module.getincrementaldecoder("utf-8")().decode
            assert decode(b"\xd5\xe5\xf0\xf1\xee\xed", final=True) == "\ufffd" * 6
            assert decode("Херсон".encode(), final=True) == "Херсон"
        finally:
            module.getincrementaldecoder = before
