"""A list that scrolls reuses the styled lines of the rows it keeps showing, and every line
is what Textual's own styles cache would draw, in each focus look."""

from __future__ import annotations

from typing import Any

import pytest
from textual._styles_cache import StylesCache
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from newsterm.store import Store
from newsterm.ui.widgets.styled_lines import LineStylesCache
from tests.ui_helpers import main_screen, make_app, panes, settle


def _painted(view: Widget) -> list[Strip]:
    """The lines the compositor gets for the whole view."""
    return view.render_lines(Region(0, 0, *view.region.size))


def _as_textual_draws(view: Widget) -> list[list[tuple[str, object]]]:
    """The view's lines drawn afresh by Textual's own styles cache."""
    lines = StylesCache().render_widget(view, Region(0, 0, *view.region.size))
    return [[(s.text, s.style) for s in line] for line in lines]


def _segments(lines: list[Strip]) -> list[list[tuple[str, object]]]:
    return [[(s.text, s.style) for s in line] for line in lines]


async def test_scrolling_by_a_row_reuses_the_rows_still_shown(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        _feeds, articles, _reader = panes(app)
        main_screen(app).focus_pane("articles")
        await settle(pilot)
        height = articles.scrollable_content_region.height
        assert len(articles.entry_ids) > height + 2
        articles.move_to(height - 1)  # the last row on screen: the list has not scrolled
        await settle(pilot)
        assert articles.scroll_y == 0
        before = _painted(articles)
        articles.move_to(height + 1)  # two rows further: the list scrolls by two
        await settle(pilot)
        assert articles.scroll_y == 2
        after = _painted(articles)
        # Line 0 is the border; rows 3.. were on screen before at lines 2 further down.
        # (The rows around the cursor changed look, so they were drawn again.)
        kept = range(1, height - 3)
        assert all(after[y] is before[y + 2] for y in kept)
        assert _segments(after) == _as_textual_draws(articles)


async def test_lines_are_drawn_as_textual_draws_them_in_each_look(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        feeds, articles, _reader = panes(app)
        screen = main_screen(app)
        for _ in range(2):  # the second round draws from lines kept in the first
            for pane in ("articles", "reader", "feeds"):
                screen.focus_pane(pane)
                await settle(pilot)
                for view in (feeds, articles):
                    view.refresh()
                    assert _segments(_painted(view)) == _as_textual_draws(view)
                    view.scroll_to(y=3, animate=False, immediate=True)
                    await pilot.pause()
                    assert _segments(_painted(view)) == _as_textual_draws(view)
                    view.scroll_to(y=0, animate=False, immediate=True)
                    await pilot.pause()


async def test_reader_lines_are_drawn_as_textual_draws_them(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        _feeds, _articles, reader = panes(app)
        await pilot.press("enter", "enter")  # an article: header, body (padded), links
        await settle(pilot)
        assert reader.entry is not None
        for pane in ("reader", "articles"):  # both looks of the reader
            main_screen(app).focus_pane(pane)
            await settle(pilot)
            for y in (0, 3):  # scrolled too: the lines are the page's from the offset
                reader.scroll_to(y=y, animate=False, immediate=True)
                await pilot.pause()
                reader.refresh()
                lines = reader.render_lines(Region(0, 0, *reader.region.size))
                assert _segments(lines) == _as_textual_draws(reader)


async def test_new_lines_of_a_plain_look_skip_textuals_line_styling(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        _feeds, articles, reader = panes(app)
        await pilot.press("enter", "enter")
        await settle(pilot)
        styled: list[int] = []
        textual_line = StylesCache.render_line

        def counting(self: StylesCache, *args: Any, **kwargs: Any) -> Strip:
            styled.append(args[1])  # the line's y
            return textual_line(self, *args, **kwargs)

        monkeypatch.setattr(StylesCache, "render_line", counting)
        for view in (articles, reader):
            assert isinstance(view._styles_cache, LineStylesCache)
            view._styles_cache._lines.clear()  # every line is new to it
            view.refresh()
            styled.clear()
            lines = view.render_lines(Region(0, 0, *view.region.size))
            assert len(lines) > 3
            # Only the border lines went through Textual's own styling.
            assert len(styled) == 2
