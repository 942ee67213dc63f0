"""Showing lines rendered ahead of time, e.g. in a worker thread.

A Rich renderable in a `Static` is laid out on the UI thread, twice (once to measure its
height, once to draw it) and again whenever the widget is refreshed: for a long article
that is seconds. `RenderedLines` carries lines already rendered at the width they are
shown at, and `LinesView` styles only the lines on screen, so showing and scrolling cost
the same for a one-line note and for a book.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.style import Style as RichStyle
from textual import events
from textual.css.styles import RulesMap
from textual.message import Message
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions, Visual
from textual.widgets import Static

from newsterm.ui.widgets.styled_lines import LineStylesCache

_CACHED_STRIPS = 512
"""Styled lines a `LinesView` keeps: a few screens' worth, not the whole article."""
_STYLED_LINES = 96
"""Lines kept framed for reuse as the reader scrolls back (see `LineStylesCache`)."""


class RenderedLines(Visual):
    """Lines of Rich segments rendered at `width` cells, as a Textual visual.

    Also a Rich renderable (the same lines), so it can be printed as it is.
    """

    def __init__(self, lines: Sequence[list[Segment]], width: int) -> None:
        self.lines = lines
        """The lines, none wider than `width` and none ending in a line break."""
        self.width = width
        """The width they were rendered at."""

    def __len__(self) -> int:
        return len(self.lines)

    def styled_line(self, y: int, base: RichStyle) -> Strip:
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

    def render_strips(
        self, width: int, height: int | None, style: Style, options: RenderOptions
    ) -> list[Strip]:
        base = style.rich_style
        count = len(self.lines) if height is None else min(height, len(self.lines))
        return [self.styled_line(y, base).crop(0, width) for y in range(count)]

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return self.width

    def get_height(self, rules: RulesMap, width: int) -> int:
        return len(self.lines)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        new_line = Segment.line()
        for line in self.lines:
            yield from line
            yield new_line


class LinesView(Static):
    """A `Static` that draws a `RenderedLines` one visible line at a time.

    Anything else given to `update` is shown as a `Static` shows it. Lines rendered ahead
    do not reflow by themselves: `Resized` tells the owner when the width changed.
    """

    @dataclass
    class Resized(Message):
        """The view's content width changed (lines rendered ahead may need rendering again)."""

        view: LinesView
        width: int

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id, markup=False)
        # Lines scrolled back into view keep their styling (see styled_lines).
        self._styles_cache = LineStylesCache(_STYLED_LINES)
        self._strips: dict[int, Strip] = {}
        self._strips_of: tuple[RenderedLines, RichStyle] | None = None
        self._content_width = 0

    def on_resize(self, event: events.Resize) -> None:
        width = self.content_region.width
        if width != self._content_width:
            self._content_width = width
            self.post_message(self.Resized(self, width))

    def render_line(self, y: int) -> Strip:
        visual = self.visual
        if not isinstance(visual, RenderedLines):
            return super().render_line(y)
        base = self.visual_style.rich_style
        cached_for = self._strips_of
        if (
            cached_for is None
            or cached_for[0] is not visual
            or cached_for[1] != base
            or len(self._strips) > _CACHED_STRIPS
        ):
            self._strips = {}
            self._strips_of = (visual, base)
        strip = self._strips.get(y)
        if strip is None:
            if 0 <= y < len(visual):
                strip = visual.styled_line(y, base)
            else:
                strip = Strip.blank(self.size.width, base)
            self._strips[y] = strip
        return strip
