"""The command palette: every action, each view, folder and feed, with namespaced titles."""

from __future__ import annotations

from typing import Protocol

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.fuzzy import Matcher

from newsterm.ui.palette_command import PaletteCommand


class CommandSource(Protocol):
    """A screen that offers commands to the palette."""

    def palette_commands(self) -> list[PaletteCommand]: ...


def _highlighted(matcher: Matcher, title: str) -> Content:
    """The title with the matched characters styled, built without parsing markup
    (`Matcher.highlight` parses its candidate as markup, and feed titles are untrusted)."""
    content = Content(title)
    _score, offsets = matcher.fuzzy_search.match(matcher.query, title)
    for offset in offsets:
        if not title[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


class NewstermProvider(Provider):
    """Offers the commands of the screen the palette was opened from."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._palette_commands: list[PaletteCommand] = []

    async def startup(self) -> None:
        screen = self.screen
        source = getattr(screen, "palette_commands", None)
        self._palette_commands = source() if callable(source) else []

    async def discover(self) -> Hits:
        for command in self._palette_commands:
            yield DiscoveryHit(
                Content(command.title),
                command.callback,
                text=command.title,
                help=command.help or None,
            )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in self._palette_commands:
            score = matcher.match(command.title)
            if score > 0:
                yield Hit(
                    score,
                    _highlighted(matcher, command.title),
                    command.callback,
                    text=command.title,
                    help=command.help or None,
                )
