"""Lines that keep their border and colours when they move: a list scrolls for the cost
of the one row it reveals, and a container's blank background is styled once, not per line.

Textual draws a widget's line in two steps: the widget gives the line's content, then the
widget's styles cache wraps it in the border, padding, tint and opacity and the app's
colour filter runs over it. It caches the result by screen line, so a list that scrolls
by one row has every line wrapped again: about 80 microseconds a line, 3 ms for the feed
list, paid by every key that scrolls a list or switches what it shows, while the
content of the lines (which the lists cache themselves) did not change.

`LineStylesCache` keeps the wrapped line by the content strip it was made from and by the
look it was made in, so a row already drawn is reused wherever it lands on the screen.
A line it has not seen is wrapped by a short path when the look is a plain frame (side
borders and padding, no tint, opacity, hatch or outline: every pane of the app): the
frame's segments are worked out once per look, where Textual works them out again for
each line (about 60 of the 80 microseconds, paid by every new row and article line).
It uses Textual's private `StylesCache` (pinned below Textual 9): the public API has no
hook between the content and the styled line, and the saving is most of what a scroll
costs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.segment import Segment
from rich.style import Style as RichStyle
from rich.terminal_theme import TerminalTheme
from textual._ansi_theme import DEFAULT_TERMINAL_THEME
from textual._border import get_box
from textual._segment_tools import make_blank
from textual._styles_cache import RenderLineCallback, StylesCache
from textual.cache import LRUCache
from textual.color import Color
from textual.content import Content
from textual.filter import LineFilter
from textual.geometry import Region, Size, Spacing
from textual.strip import Strip
from textual.style import Style

if TYPE_CHECKING:
    from textual.css.styles import StylesBase

_LOOKS = 8
"""Looks remembered (focused and not, a few sizes) before they are numbered afresh."""


@dataclass(frozen=True, slots=True)
class _Frame:
    """What a plain look puts around a content line, as `StylesCache.render_line` does."""

    content_width: int
    fill: RichStyle
    """The style content shorter than the line is padded with (the inner background)."""
    before: tuple[Segment, ...]
    """The left border and padding."""
    after: tuple[Segment, ...]
    """The right padding and border."""
    width: int


def _plain_frame(
    styles: StylesBase,
    size: Size,
    content_size: Size,
    padding: Spacing,
    base_background: Color,
    background: Color,
    opacity: float,
) -> _Frame | None:
    """The frame of a look without tint, opacity, hatch or outline; None for others.

    Made as Textual makes it for a content line (`StylesCache.render_line`, path C).
    """
    if (
        opacity != 1.0
        or styles.tint.a
        or styles.text_opacity != 1.0
        or (styles.has_rule("hatch") and styles.hatch != "none")
        or any(edge for edge, _color in styles.outline)
    ):
        return None
    _top, (right_edge, right_color), _bottom, (left_edge, left_color) = styles.border
    inner = Style(background=base_background + background)
    outer = Style(background=base_background)
    fill = inner.rich_style
    _pad_top, pad_right, _pad_bottom, pad_left = padding
    before: list[Segment] = []
    after: list[Segment] = []
    if left_edge or right_edge:
        left_style = Style(foreground=base_background + left_color.multiply_alpha(opacity))
        right_style = Style(foreground=base_background + right_color.multiply_alpha(opacity))
        if left_edge:
            before.append(get_box(left_edge, inner, outer, left_style)[1][0])
        if right_edge:
            after.append(get_box(right_edge, inner, outer, right_style)[1][2])
    if pad_left:
        before.append(make_blank(pad_left, fill))
    if pad_right:
        after.insert(0, make_blank(pad_right, fill))
    return _Frame(content_size.width, fill, tuple(before), tuple(after), size.width)


class LineStylesCache(StylesCache):
    """A `StylesCache` that reuses the styled line made from the same content strip.

    Only content lines are kept (border and padding lines are Textual's as ever), by the
    identity of the content strip: the lists hand out the same strip object for a row
    as long as the row looks the same, a container draws its whole background with one
    blank strip, and a kept entry holds its strip, so the id is not reused while the
    entry lives.
    """

    def __init__(self, lines: int) -> None:
        super().__init__()
        self._lines: LRUCache[tuple[int, int], tuple[Strip, Strip]] = LRUCache(lines)
        self._looks: dict[tuple[object, ...], int] = {}
        self._look = -1
        self._frames: dict[int, _Frame | None] = {}
        self._frame: _Frame | None = None

    def render(
        self,
        styles: StylesBase,
        size: Size,
        base_background: Color,
        background: Color,
        render_content_line: RenderLineCallback,
        filters: Sequence[LineFilter],
        border_title: tuple[Content, Color, Color, Style] | None,
        border_subtitle: tuple[Content, Color, Color, Style] | None,
        content_size: Size | None = None,
        padding: Spacing | None = None,
        crop: Region | None = None,
        opacity: float = 1.0,
        ansi_theme: TerminalTheme = DEFAULT_TERMINAL_THEME,
        native_ansi: bool = False,
    ) -> list[Strip]:
        # Everything a content line's styling depends on besides its content, worked out
        # once per render (the border titles only touch the border lines).
        look = (
            size,
            content_size,
            padding if padding is not None else styles.padding,
            base_background,
            background,
            opacity,
            ansi_theme,
            native_ansi,
            styles.border,
            styles.outline,
            styles.tint,
            styles.text_opacity,
            styles.hatch if styles.has_rule("hatch") else None,
        )
        number = self._looks.get(look)
        if number is None:
            if len(self._looks) >= _LOOKS:
                self._looks.clear()
                self._frames.clear()
                self._lines.clear()
            number = self._looks[look] = len(self._looks)
            self._frames[number] = _plain_frame(
                styles,
                size,
                content_size or size,
                look[2],  # the padding
                base_background,
                background,
                opacity,
            )
        self._look = number
        self._frame = self._frames[number]
        return super().render(
            styles,
            size,
            base_background,
            background,
            render_content_line,
            filters,
            border_title,
            border_subtitle,
            content_size=content_size,
            padding=padding,
            crop=crop,
            opacity=opacity,
            ansi_theme=ansi_theme,
            native_ansi=native_ansi,
        )

    def render_line(
        self,
        styles: StylesBase,
        y: int,
        size: Size,
        content_size: Size,
        padding: Spacing,
        base_background: Color,
        background: Color,
        render_content_line: RenderLineCallback,
        border_title: tuple[Content, Color, Color, Style] | None,
        border_subtitle: tuple[Content, Color, Color, Style] | None,
        opacity: float,
        ansi_theme: TerminalTheme,
        native_ansi: bool,
    ) -> Strip:
        def textual_line(content_line: RenderLineCallback) -> Strip:
            return super(LineStylesCache, self).render_line(
                styles,
                y,
                size,
                content_size,
                padding,
                base_background,
                background,
                content_line,
                border_title,
                border_subtitle,
                opacity,
                ansi_theme,
                native_ansi,
            )

        gutter = styles.gutter
        content_y = y - gutter.top
        if (
            self._look < 0
            or not (0 <= content_y < content_size.height)
            or (y >= size.height - gutter.bottom)
        ):
            return textual_line(render_content_line)
        content = render_content_line(content_y)
        key = (id(content), self._look)
        kept = self._lines.get(key)
        if kept is not None and kept[0] is content:
            return kept[1]
        frame = self._frame
        if frame is not None:
            line = content.adjust_cell_length(frame.content_width, frame.fill)
            styled = Strip([*frame.before, *line, *frame.after], frame.width)
        else:
            styled = textual_line(lambda _y: content)
        self._lines.discard(key)  # Textual's LRUCache keeps the first value set for a key
        self._lines[key] = (content, styled)
        return styled
