"""Where you are: `findings › Home › China › Crimea`, from the screens on the history stack."""

from __future__ import annotations

from rich.cells import cell_len
from textual.content import Content
from textual.widget import Widget

SEPARATOR = " › "


class Breadcrumb(Widget):
    """One line: the crumbs of the screens on the stack (each screen's `crumb`, already cleaned text)."""

    def crumbs(self) -> list[str]:
        out = []
        for screen in self.app.screen_stack:
            crumb = getattr(screen, "crumb", None)
            if crumb:
                out.append(crumb)
        return out

    def render(self) -> Content:
        crumbs = self.crumbs()
        width = max(10, self.size.width - 1)
        # Keep the end of the path (where you are); drop crumbs from the start when it does not fit.
        shown = list(crumbs)
        while len(shown) > 1 and cell_len(" findings" + SEPARATOR + SEPARATOR.join(shown)) > width:
            shown.pop(0)
        parts: list[str | tuple[str, str] | Content] = [(" findings", "bold $accent")]
        if len(shown) < len(crumbs):
            parts.append((SEPARATOR + "…", "$text-muted"))
        for i, crumb in enumerate(shown):
            parts.append((SEPARATOR, "$text-muted"))
            last = i == len(shown) - 1
            parts.append(Content(crumb).stylize("bold") if last else Content(crumb))
        return Content.assemble(*parts).truncate(width, ellipsis=True)
