"""What the feed list and the article list share: one row per line, drawn a screen at a time.

Both are Line-API views with a cursor row. Textual's style lookups walk the DOM and cost
more than drawing a row, so the widget's own style and its component classes' styles are
cached until the styles change; the rows drawn from them are cached by those styles.
"""

from __future__ import annotations

from rich.style import Style
from textual import events
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from newsterm.ui.widgets.component_styles import KeptComponentStyles
from newsterm.ui.widgets.scrollbar import CachedScrollbars, set_virtual_size
from newsterm.ui.widgets.styled_lines import LineStylesCache

STYLED_ROWS = 192
"""Styled rows a list keeps for reuse (see `LineStylesCache`)."""


class RowList(
    CachedScrollbars, KeptComponentStyles, ScrollView, can_focus=True, inherit_bindings=False
):
    """A scrolling list of one-line rows with a cursor row kept in view."""

    def __init__(
        self,
        *,
        cached_rows: int = 512,
        name: str | None = None,
        id: str | None = None,  # noqa: A002 - Textual's parameter name
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        # Rows keep their border and colours as they scroll (see styled_lines): a few
        # screens' worth in each focus look. Each kept line is two strips of eight
        # tracked objects, so more would cost every full garbage collection.
        self._styles_cache = LineStylesCache(STYLED_ROWS)
        self._strips: LRUCache[tuple[object, ...], Strip] = LRUCache(cached_rows)
        """Drawn rows, keyed by everything a row's look depends on."""
        self._base: Style | None = None
        self._painting: tuple[int, int, bool] | None = None
        self._blank_row: tuple[tuple[int, Style], Strip] | None = None
        self._look_key: tuple[Style, ...] | None = None

    # -- what a subclass tells ----------------------------------------------------------
    @property
    def row_count(self) -> int:
        """Rows listed."""
        raise NotImplementedError

    @property
    def cursor_row(self) -> int | None:
        """The row under the cursor, if any."""
        raise NotImplementedError

    # -- styles -------------------------------------------------------------------------
    def _base_style(self) -> Style:
        """The widget's own style, computed once per style change."""
        if self._base is None:
            self._base = self.rich_style
        return self._base

    def _look(self) -> tuple[Style, ...]:
        """Every style a row is drawn with, for the keys of the drawn rows.

        Rows are kept by look rather than dropped when the styles change: gaining and
        losing focus (as opening an article does) switches between two looks, and the
        rows drawn in each are drawn once.
        """
        if self._look_key is None:
            names = sorted(self.COMPONENT_CLASSES)
            self._look_key = (self._base_style(), *(self._style(name) for name in names))
        return self._look_key

    def notify_style_update(self) -> None:
        self._base = None
        self._look_key = None
        super().notify_style_update()

    # -- what a paint reads once --------------------------------------------------------
    def render_lines(self, crop: Region) -> list[Strip]:
        # The rows' width, the scroll offset and the focus are read once per paint rather
        # than once per row: Textual works each out afresh (the width alone was half of
        # what drawing a cached row cost).
        self._painting = (
            self.scrollable_content_region.width,
            int(self.scroll_y),
            self.has_focus,
        )
        try:
            return super().render_lines(crop)
        finally:
            self._painting = None

    def _blank(self, width: int, base: Style) -> Strip:
        """A blank row (below the last), the same strip each time so its styling is kept."""
        blank = self._blank_row
        if blank is None or blank[0] != (width, base):
            blank = self._blank_row = ((width, base), Strip.blank(width, base))
        return blank[1]

    def _paint_state(self) -> tuple[int, int, bool]:
        """(rows' width, first row shown, has focus), as read for this paint."""
        painting = self._painting
        if painting is None:
            return self.scrollable_content_region.width, int(self.scroll_y), self.has_focus
        return painting

    # -- geometry and cursor ------------------------------------------------------------
    def _set_height(self) -> None:
        """Make the scrollable height the number of rows (see `set_virtual_size`)."""
        set_virtual_size(self, Size(self.size.width, self.row_count))

    def _scroll_cursor_into_view(self) -> None:
        height = self.scrollable_content_region.height
        row = self.cursor_row
        if height <= 0 or row is None:
            return
        top = int(self.scroll_y)
        if row < top:
            self.scroll_to(y=row, animate=False, immediate=True)
        elif row >= top + height:
            self.scroll_to(y=row - height + 1, animate=False, immediate=True)

    def _refresh_cursor_row(self) -> None:
        if (row := self.cursor_row) is not None:
            self.refresh_line(row)

    def on_resize(self, event: events.Resize) -> None:
        self._set_height()
        self._scroll_cursor_into_view()

    def on_focus(self) -> None:
        self._refresh_cursor_row()  # the cursor's colours follow the focus

    def on_blur(self) -> None:
        self._refresh_cursor_row()
