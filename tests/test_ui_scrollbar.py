"""The cached scrollbar draws exactly what Textual's own scrollbar draws, wherever the
view is scrolled, and keeps drawing it right as the view scrolls back and forth."""

from __future__ import annotations

from pathlib import Path

from textual.app import App, ComposeResult
from textual.containers import Horizontal
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from newsterm.store import Store
from newsterm.ui.widgets.scrollbar import CachedScrollBar, CachedScrollbars
from tests.ui_helpers import filled_store, make_app, panes, settle

ROWS = 10_000


class PlainView(ScrollView):
    """A tall Line-API view with Textual's scrollbar."""

    DEFAULT_CSS = "PlainView { width: 1fr; height: 1fr; overflow-x: hidden; }"

    def __init__(self, rows: int = ROWS, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.rows = rows

    def on_mount(self) -> None:
        self.virtual_size = Size(self.size.width, self.rows)

    def render_line(self, y: int) -> Strip:
        return Strip.blank(self.size.width)


class CachedView(CachedScrollbars, PlainView):
    """The same view with the cached scrollbar."""


class Side(App[None]):
    def __init__(self, rows: int = ROWS) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield PlainView(self.rows, id="plain")
            yield CachedView(self.rows, id="cached")


def _lines(view: ScrollView) -> list[list[tuple[str, object]]]:
    bar = view.vertical_scrollbar
    return [
        [(segment.text, segment.style) for segment in strip]
        for strip in bar.render_lines(bar.size.region)
    ]


async def test_cached_scrollbar_draws_what_textual_draws() -> None:
    app = Side()
    async with app.run_test(size=(40, 20)) as pilot:
        await pilot.pause()
        plain = app.query_one(PlainView)
        cached = app.query_one(CachedView)
        assert isinstance(cached.vertical_scrollbar, CachedScrollBar)
        assert not isinstance(plain.vertical_scrollbar, CachedScrollBar)
        # Down in small and big steps, then back up: cached looks must never go stale.
        positions = [0, 1, 2, 500, 501, 5_000, ROWS, 4_999, 3, 0]
        for y in positions:
            for view in (plain, cached):
                view.scroll_to(y=y, animate=False, immediate=True)
            await pilot.pause()
            assert cached.scroll_y == plain.scroll_y
            assert _lines(cached) == _lines(plain), f"scrolled to {y}"
            assert _lines(cached) == _lines(plain)  # a cache hit draws the same


async def test_cached_scrollbar_follows_the_widget_style() -> None:
    app = Side()
    async with app.run_test(size=(40, 20)) as pilot:
        await pilot.pause()
        plain = app.query_one(PlainView)
        cached = app.query_one(CachedView)
        before = _lines(cached)
        for view in (plain, cached):
            view.styles.scrollbar_color = "red"
        await pilot.pause()
        after = _lines(cached)
        assert after == _lines(plain)
        assert after != before


async def test_cached_scrollbar_is_right_when_rows_arrive_after_the_first_paint() -> None:
    # As a list whose ids load in a worker: first no rows (no thumb), then many.
    app = Side(rows=0)
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.pause()
        plain = app.query_one(PlainView)
        cached = app.query_one(CachedView)
        for rows in (0, 30, 3, 300):
            for view in (plain, cached):
                view.virtual_size = Size(view.size.width, rows)
            await pilot.pause()
            await pilot.pause()
            assert _lines(cached) == _lines(plain), f"{rows} rows"


async def test_the_article_list_shows_its_thumb_from_the_first_paint(tmp_path: Path) -> None:
    # Textual draws a scrollbar that is sized before it is mounted as a blank track
    # until its next repaint; that first drawing must not be kept as the bar's look.
    store: Store = filled_store(tmp_path)
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        _feeds, articles, _reader = panes(app)
        assert len(articles.entry_ids) > articles.size.height  # so there is a thumb
        bar = articles.vertical_scrollbar
        assert isinstance(bar, CachedScrollBar)
        lines = bar.render_lines(bar.size.region)
        thumb = [
            y for y, strip in enumerate(lines) if any(s.style and s.style.reverse for s in strip)
        ]
        assert thumb and thumb[0] == 0
    store.close()
