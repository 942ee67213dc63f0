"""A command offered to the palette, as plain data (no Textual import, so the main screen
can list its commands without loading the palette before it is opened)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PaletteCommand:
    """One palette entry such as "feed: go to Example" or "action: refresh all feeds"."""

    title: str
    """Plain text (may contain a feed's title: it is never parsed as markup)."""
    callback: Callable[[], object]
    help: str = ""
    """Fixed text written by us (the palette parses it as markup)."""
