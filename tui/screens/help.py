"""`?`: every key, read from the bindings themselves (so the help cannot drift from what the keys do)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

from tui.screens.base import DrillScreen
from tui.widgets.breadcrumb import Breadcrumb
from tui.widgets.keybar import KeyBar


def binding_groups(app_class: type[App[Any]]) -> list[tuple[str, list[Binding]]]:
    """(area, bindings) for every part of the explorer, in the order a new user meets them; the app's own keys
    are read from `app_class` (the running app's class: this module does not import the app)."""
    from tui.screens.actor import RelationsTree
    from tui.screens.entity import EntityScreen
    from tui.screens.evidence import EvidenceScreen
    from tui.screens.home import HomeScreen
    from tui.screens.review import REVIEW_KEYS, ReviewEvidenceScreen
    from tui.screens.review_conflicts import ConflictsScreen, MergedEditScreen
    from tui.screens.review_edit import EditScreen
    from tui.screens.review_proposals import ProposalsScreen
    from tui.widgets.chips import FilterChips
    from tui.widgets.lists import EntityList, EvidenceList
    from tui.widgets.search import SearchBar
    from tui.widgets.virtual_list import VirtualList

    palette = Binding(app_class.COMMAND_PALETTE_BINDING, "command_palette", "Jump to an actor, region, source…")
    groups: list[tuple[str, list[BindingType]]] = [
        ("Everywhere", [*app_class.BINDINGS, palette, *DrillScreen.BINDINGS]),
        ("Home", list(HomeScreen.BINDINGS)),
        ("The search bar", list(SearchBar.BINDINGS)),
        ("Lists", list(VirtualList.BINDINGS)),
        ("Actors and Regions panes", list(EntityList.BINDINGS)),
        ("Evidence lists", list(EvidenceList.BINDINGS)),
        ("Filter chips (Tab to them)", list(FilterChips.BINDINGS)),
        ("Actor, region and source screens", list(EntityScreen.BINDINGS)),
        ("An actor's relations", list(RelationsTree.BINDINGS)),
        ("A finding", list(EvidenceScreen.BINDINGS)),
        ("Review mode (findings review): on the highlighted finding", list(REVIEW_KEYS)),
        ("Review: a finding's screen", list(ReviewEvidenceScreen.BINDINGS)),
        ("Review: editing a finding", list(EditScreen.BINDINGS)),
        ("Review: proposals (same-as, duplicates)", list(ProposalsScreen.BINDINGS)),
        ("Review: sync conflicts (C)", list(ConflictsScreen.BINDINGS)),
        ("Review: writing a merged version", list(MergedEditScreen.BINDINGS)),
    ]
    return [(title, [b for b in bindings if isinstance(b, Binding)]) for title, bindings in groups]


def key_names(app: App[Any], binding: Binding) -> str:
    keys = []
    for key in binding.key.split(","):
        key = key.strip()
        keys.append(app.get_key_display(Binding(key, binding.action, binding.description)))
    return " ".join(dict.fromkeys(keys))


def key_range(keys: list[str]) -> str:
    """Keys that count up one by one, such as the link keys, as a range ("1–9"); other keys spaced."""
    if len(keys) > 2 and all(key.isdigit() for key in keys):
        numbers = [int(key) for key in keys]
        if numbers == list(range(numbers[0], numbers[0] + len(numbers))):
            return f"{keys[0]}–{keys[-1]}"
    return " ".join(keys)


def help_lines(app: App[Any], bindings: list[Binding]) -> list[tuple[str, str]]:
    """(keys, what they do) for each binding, once. Consecutive bindings of one `Binding.Group` (the nine link
    keys of a finding) make one line with the group's description."""
    lines: list[tuple[list[str], str]] = []
    seen: set[tuple[str, str]] = set()
    family: Binding.Group | None = None
    for binding in bindings:
        keys = key_names(app, binding)
        if binding.group is not None and binding.group is family:
            lines[-1][0].append(keys)
            continue
        family = binding.group
        if family is not None:
            lines.append(([keys], family.description))
            continue
        description = binding.description or binding.action.replace("_", " ")
        if binding.tooltip and binding.tooltip != description:
            description += f": {binding.tooltip}"
        if (keys, description) not in seen:
            seen.add((keys, description))
            lines.append(([keys], description))
    return [(key_range(keys), description) for keys, description in lines]


def database_content(path: str | Path) -> list[Content]:
    """Which database the explorer shows, where it is, and what that means (our own text and a cleaned path)."""
    from tui.widgets.search import database_kind, database_note, shown_path

    kind = database_kind(path)
    first, *rest = _path_lines(shown_path(path), PATH_WIDTH - len(kind) - 2)
    return [
        Content.assemble((kind, "bold $accent"), (": ", ""), (first, "bold")),
        *(Content.assemble(("  ", ""), (line, "bold")) for line in rest),
        Content(f"  {database_note(kind)}.").stylize("$text-muted"),
    ]


PATH_WIDTH = 76  # a path's lines in the help at 80 columns (its border and scrollbar take the rest)


def _path_lines(path: str, first_width: int) -> list[str]:
    """A long path broken after a `/` (a terminal would break it in the middle of a name), the first line
    `first_width` cells wide, the others PATH_WIDTH - 2; a name longer than a line is cut where it falls."""
    lines: list[str] = []
    line = ""
    width = max(first_width, 20)
    for token in re.findall(r"[^/]*/|[^/]+$", path):  # each directory with its slash, then the name
        if line and len(line) + len(token) > width:
            lines.append(line)
            line, width = "", PATH_WIDTH - 2
        line += token
    lines.append(line)
    return [chunk for text in lines for chunk in _cut(text, PATH_WIDTH - 2)]


def _cut(text: str, width: int) -> list[str]:
    return [text[i : i + width] for i in range(0, len(text), width)] or [""]


def help_content(app: App[Any]) -> Content:
    lines: list[Content] = [
        Content("Search, filter and drill down by keyboard. Keys of the focused part work first.").stylize(
            "$text-muted"
        ),
    ]
    db_path = getattr(app, "db_path", None)
    if db_path is not None:
        lines += [Content(""), *database_content(db_path)]
    for title, bindings in binding_groups(type(app)):
        lines.append(Content(""))
        lines.append(Content(title).stylize("bold $accent"))
        for keys, description in help_lines(app, bindings):
            lines.append(Content.assemble((f"  {keys:<15} ", "bold"), description))
    lines.append(Content(""))
    lines.append(
        Content(
            'Search: words must all match; "a phrase"; a OR b; -word; wech* (prefix); actor:china region:crimea '
            "category:finance status:unreviewed after:2024 before:2025-06. The last word you type is a prefix, "
            "also once you leave the search bar. A part that names nothing is left out, and the line under the "
            "search bar says so, with the query corrected when a value is close (^y)."
        ).stylize("$text-muted")
    )
    return Content("\n").join(lines)


class HelpScreen(DrillScreen):
    crumb = "Keys"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "back", "Close", id="help.close"),
    ]

    def __init__(self, opened_from: Screen[Any] | None = None) -> None:
        super().__init__()
        self.opened_from = opened_from

    def compose(self) -> ComposeResult:
        yield Breadcrumb()
        with VerticalScroll(id="help"):
            yield Static(help_content(self.app), id="help-text")
        yield KeyBar()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#help").focus()
