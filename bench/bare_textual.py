"""The baseline of the start-up and bytes figures when ../shared/tools/bare_textual.py (the reference) is not
beside the checkout: the same app, copied. bench/run.py prefers the reference."""

from textual.app import App
from textual.widgets import Footer, Header, OptionList


class Bare(App):
    def compose(self):
        yield Header()
        yield OptionList(*[f"row {i}" for i in range(40)])
        yield Footer()


if __name__ == "__main__":
    Bare().run()
