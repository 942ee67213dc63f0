"""Component-class styles looked up once per style change."""

from __future__ import annotations

from rich.style import Style
from textual.widget import Widget


class KeptComponentStyles(Widget):
    """Mixin for a widget that draws with its component classes' styles on every paint.

    Looking one up walks the DOM (about a tenth of a millisecond), so each is kept until the
    widget's styles change (focus, theme, CSS). List it before the widget's Textual base:
    `class Pane(KeptComponentStyles, Static)`.
    """

    _kept_styles: dict[str, Style] | None = None

    def _style(self, name: str) -> Style:
        """The Rich style of component class `name`, kept until the styles change."""
        kept = self._kept_styles
        if kept is None:
            kept = self._kept_styles = {}
        style = kept.get(name)
        if style is None:
            style = kept[name] = self.get_component_rich_style(name)
        return style

    def notify_style_update(self) -> None:
        self._kept_styles = None
        super().notify_style_update()
