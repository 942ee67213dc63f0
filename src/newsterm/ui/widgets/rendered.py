"""Lines rendered ahead of time, e.g. in a worker thread.

A Rich renderable in a `Static` is laid out on the UI thread, twice (once to measure its
height, once to draw it) and again whenever the widget is refreshed: for a long article
that is seconds. `RenderedLines` carries lines already rendered at the width they are
shown at; the reader styles only the lines on screen, so showing and scrolling cost the
same for a one-line note and for a book.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip


class RenderedLines:
    """Lines of Rich segments rendered at `width` cells.

    Also a Rich renderable (the same lines), so it can be printed as it is.
    """

    def __init__(self, lines: Sequence[list[Segment]], width: int) -> None:
        self.lines = lines
        """The lines, none wider than `width` and none ending in a line break."""
        self.width = width
        """The width they were rendered at."""

    def __len__(self) -> int:
        return len(self.lines)

    def styled_line(self, y: int, base: Style) -> Strip:
        """Line `y` over the widget's `base` style (as a `Static` applies it to a renderable)."""
        if not base:
            return Strip(self.lines[y])
        add = base.__add__
        return Strip(
            [
                Segment(text, add(style), control) if not control else Segment(text, style, control)
                for text, style, control in self.lines[y]
            ]
        )

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        new_line = Segment.line()
        for line in self.lines:
            yield from line
            yield new_line
