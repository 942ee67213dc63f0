"""A vertical scrollbar that draws each look of itself once.

Textual repaints a scrollbar whenever its widget scrolls or the screen is laid out again,
and a repaint renders the bar as a Rich renderable, line by line, through the styles
cache: about 1 ms for a 37-line bar, paid by every cursor move that scrolls a list and
by every key that changes what a pane shows. Yet the bar rarely looks different: over
100,000 rows its thumb moves a cell every few thousand rows. `CachedScrollBar` works out
what the bar would draw (cheap: a list of shared segments) and keeps the lines Textual
rendered for that, so a repaint that changes nothing visible costs a lookup.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.color import Color
from rich.style import Style
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar, ScrollBarRender
from textual.strip import Strip

if TYPE_CHECKING:
    from textual.widget import Widget

    _ScrollingWidget = Widget
else:
    # Not a Widget at run time: Textual gathers CSS (DEFAULT_CSS, type selectors) along
    # the first DOM base of a class, which must stay the real container or view.
    _ScrollingWidget = object

_LOOKS = 8
"""Looks kept per scrollbar: a few thumb positions and both focus states."""


class CachedScrollBar(ScrollBar):
    """A `ScrollBar` whose rendered lines are cached by everything they depend on."""

    def __init__(
        self, vertical: bool = True, name: str | None = None, *, thickness: int = 1
    ) -> None:
        super().__init__(vertical=vertical, name=name, thickness=thickness)
        self._looks: LRUCache[tuple[object, ...], list[Strip]] = LRUCache(_LOOKS)
        self._last: tuple[Region, list[Strip]] | None = None

    def _look(self, crop: Region) -> tuple[object, ...] | None:
        """What the lines in `crop` depend on, or None when it can't be told cheaply."""
        bar = self.render()
        if not isinstance(bar, ScrollBarRender) or not self.vertical:
            return None
        # As ScrollBarRender.__rich_console__ draws it, at this widget's size.
        width, height = self.size
        style = bar.style if isinstance(bar.style, Style) else Style.parse(bar.style)
        segments = bar.render_bar(
            size=height,
            virtual_size=bar.virtual_size,
            window_size=bar.window_size,
            position=bar.position,
            thickness=width,
            vertical=True,
            back_color=style.bgcolor or Color.parse("#555555"),
            bar_color=style.color or Color.parse("bright_magenta"),
        ).segments
        app = self.app
        return (
            tuple(segments),
            crop,
            self.size,
            self.visual_style.rich_style,
            self.background_colors,
            self.opacity,
            tuple(app.get_line_filters()),
            app.ansi_theme,
        )

    def render_lines(self, crop: Region) -> list[Strip]:
        last = self._last
        # Textual asks every bar on a repainted stretch of screen for its lines, changed
        # or not; a bar not refreshed since it last drew (its styles cache has no dirty
        # line: Textual's private state, as nothing public tells) draws the same lines.
        if last is not None and last[0] == crop and not self._styles_cache._dirty_lines:
            return last[1]
        look = self._look(crop)
        if look is None:
            return super().render_lines(crop)
        strips = self._looks.get(look)
        if strips is None:
            # Drawn afresh, from the state the look was worked out from: Textual's own
            # caches may still hold lines drawn before the bar was mounted and sized.
            self._set_dirty()
            strips = super().render_lines(crop)
            self._looks[look] = strips
        self._styles_cache._dirty_lines.clear()
        self._last = (crop, strips)
        return strips


class CachedScrollbars(_ScrollingWidget):
    """Mixin for a scrolling widget: its vertical scrollbar is a `CachedScrollBar`.

    List it before the widget's Textual base: `class Pane(CachedScrollbars, ScrollView)`.
    """

    @property
    def vertical_scrollbar(self) -> ScrollBar:
        """The vertical scrollbar (made on first use, as Textual's own property does)."""
        if self._vertical_scrollbar is None:
            bar = CachedScrollBar(
                vertical=True, name="vertical", thickness=self.scrollbar_size_vertical
            )
            bar.display = False
            self._vertical_scrollbar = bar
            self.app._start_widget(self, bar)
        return self._vertical_scrollbar


def set_virtual_size(view: ScrollView, size: Size) -> None:
    """Give `view` a new scrollable size, laying the screen out only if its vertical
    scrollbar comes or goes.

    Textual lays the whole screen out again for a new virtual size (and repaints the
    scrollbars in a frame of their own after it), but a view's place and size on screen
    depend only on whether its scrollbar shows: when that stays as it is, as between two
    lists or two articles longer than the view, only the view and its scrollbar are
    repainted.
    """
    if size == view.virtual_size:
        return
    height = view.container_size.height
    scrollbar = size.height > height
    if (
        view.is_mounted
        and height > 0
        and scrollbar == (view.virtual_size.height > height) == view.show_vertical_scrollbar
    ):
        view.set_reactive(ScrollView.virtual_size, size)
        # Textual's private `_scroll_update` is what the reactive's watcher would run
        # besides the layout: the scrollbar's thumb, and the scroll kept in range.
        view._scroll_update(size)
        view.refresh()
    else:
        view.virtual_size = size
