"""The running explorer, typed: `findings_app(self)` in a screen, widget or command provider is `self.app` as the
FindingsApp it is (its database, `hold_output`, `open`…), where Textual types `self.app` as a bare App.

tui.app is imported for type checking only: the app imports its screens and widgets, not the other way round.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, cast

if TYPE_CHECKING:
    from textual.app import App

    from tui.app import FindingsApp


class InTheApp(Protocol):
    """Anything Textual gives an `app`: widgets and screens (MessagePump), command providers."""

    @property
    def app(self) -> App[object]: ...


def findings_app(node: InTheApp) -> FindingsApp:
    """`node.app`, typed as the explorer. Not checked at run time: the lists' tests mount a VirtualList in a small
    App that has a `db`, which is all a list uses."""
    return cast("FindingsApp", node.app)
