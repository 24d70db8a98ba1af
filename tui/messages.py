"""The explorer's own messages. Widgets say what the user asked for; screens and the app decide what it means.

Messages here and in the widgets are plain classes rather than dataclasses: making a dataclass costs ~0.5 ms at
import (it compiles its methods), and the explorer imports about twenty of them before its first frame.
"""

from __future__ import annotations

from textual.message import Message


class Open(Message):
    """Open the screen of an actor, region, evidence or source."""

    def __init__(self, kind: str, id: str) -> None:
        super().__init__()
        self.kind = kind
        self.id = id


class ToggleFilter(Message):
    """Add (or remove, if present) a filter on the evidence list. `label` is already cleaned text."""

    def __init__(self, field: str, value: str, label: str) -> None:
        super().__init__()
        self.field = field
        self.value = value
        self.label = label


class CycleSort(Message):
    """Change the order of the actors or regions list."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind


class CopyCitation(Message):
    """Copy the citation of a finding to the clipboard."""

    def __init__(self, evidence_id: str) -> None:
        super().__init__()
        self.evidence_id = evidence_id


class RemoveChip(Message):
    """Remove the filter chip at `index`."""

    def __init__(self, index: int) -> None:
        super().__init__()
        self.index = index
