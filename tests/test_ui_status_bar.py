"""The status line drawn directly is the line the two-column Rich grid draws."""

from __future__ import annotations

import pytest

from newsterm.store import Store
from newsterm.ui.widgets.status_bar import StatusBar
from tests.ui_helpers import main_screen, make_app, settle


def _segments(bar: StatusBar) -> list[tuple[str, object]]:
    return [(segment.text, segment.style) for segment in bar.render_line(0)]


def _as_grid(bar: StatusBar) -> list[tuple[str, object]]:
    width = bar.size.width
    grid = bar._grid(bar._activity(), bar._counts())
    strip = bar._render_table(grid, width, bar.visual_style.rich_style)
    return [(segment.text, segment.style) for segment in strip]


def _cells(segments: list[tuple[str, object]]) -> list[tuple[str, object]]:
    """One (character, style) per cell, so differently split runs compare equal."""
    return [(char, style) for text, style in segments for char in text]


@pytest.mark.parametrize("width", [120, 80, 40])
async def test_status_line_matches_the_grid(store: Store, width: int) -> None:
    app = make_app(store)
    async with app.run_test(size=(width, 24)) as pilot:
        await settle(pilot)
        bar = main_screen(app).status
        for message, error in [
            ("Marked read.", False),
            ("! Broken Feed: HTTP 404 (e for details)", True),
            ("A message much longer than the room the counts leave it " * 3, False),
            ("A long error that is cut with an ellipsis at the counts " * 3, True),
            ("", False),
        ]:
            bar.show_message(message, error=error)
            await pilot.pause()
            drawn = _segments(bar)
            assert sum(len(text) for text, _style in drawn) == width
            assert _cells(drawn) == _cells(_as_grid(bar)), (message, width)


async def test_progress_line_shows_the_bar_and_counts(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 24)) as pilot:
        await settle(pilot)
        bar = main_screen(app).status
        bar.show_progress(3, 10)
        await pilot.pause()
        text = "".join(text for text, _style in _segments(bar))
        assert text.startswith(" Refreshing 3/10 feeds")
        assert text.rstrip().endswith("? help")
        bar.end_progress("Refreshed 10 feeds: 0 new")
        await pilot.pause()
        assert "".join(t for t, _s in _segments(bar)).startswith(" Refreshed 10 feeds")
