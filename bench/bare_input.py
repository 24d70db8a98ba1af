"""Baseline for the typing benchmark: the smallest Textual app with a header, a focused search Input, a 40-row list
and a footer (../shared/tools/bare_textual.py plus an Input). Typing into it measures Textual's own echo time."""

from textual.app import App
from textual.widgets import Footer, Header, Input, OptionList


class BareInput(App):
    def compose(self):  # type: ignore[no-untyped-def]
        yield Header()
        search = Input(placeholder="Search", compact=True)
        search.cursor_blink = False  # as the explorer's search bar: a blinking cursor writes forever
        yield search
        yield OptionList(*[f"row {i}" for i in range(40)])
        yield Footer()


if __name__ == "__main__":
    BareInput().run()
