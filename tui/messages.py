"""The explorer's own messages. Widgets say what the user asked for; screens and the app decide what it means."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message


@dataclass
class Open(Message):
    """Open the screen of an actor, region, evidence or source."""

    kind: str
    id: str


@dataclass
class ToggleFilter(Message):
    """Add (or remove, if present) a filter on the evidence list. `label` is already cleaned text."""

    field: str
    value: str
    label: str


@dataclass
class CycleSort(Message):
    """Change the order of the actors or regions list."""

    kind: str


@dataclass
class CopyCitation(Message):
    """Copy the citation of a finding to the clipboard."""

    evidence_id: str


@dataclass
class RemoveChip(Message):
    """Remove the filter chip at `index`."""

    index: int
