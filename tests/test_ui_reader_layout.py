"""Opening an article lays the screen out again only when the reader's views change height,
and the header, drawn from lines rendered once, follows the pane's width."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from newsterm.models import EntryQuery, ParsedEntry, ParsedFeed
from newsterm.store import Store
from newsterm.ui.app import NewstermApp
from newsterm.ui.widgets.reader import Reader
from newsterm.ui.widgets.rendered import LinesView, RenderedLines
from tests.ui_data import NOW
from tests.ui_helpers import main_screen, make_app, panes, plain, settle

PARAGRAPH = "<p>A paragraph of ordinary length, one line wide in the reader.</p>"
LONG_TITLE = "A title long enough to wrap in a pane of a hundred columns " * 3


def _entry(index: int, *, paragraphs: int, title: str = "") -> ParsedEntry:
    return ParsedEntry(
        identity=f"entry-{index}",
        title=title or f"Entry {index}",
        link=f"https://shapes.example/{index}",
        author="Author",
        published=NOW - timedelta(hours=index),
        content=PARAGRAPH * paragraphs,
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """Newest first: two articles shaped alike, one longer, one with a long title."""
    store = Store.in_dir(tmp_path / "data")
    feed = store.add_feed("https://shapes.example/feed", title="Shapes")
    entries = [
        _entry(0, paragraphs=3),
        _entry(1, paragraphs=3),
        _entry(2, paragraphs=6),
        _entry(3, paragraphs=3, title=LONG_TITLE),
    ]
    store.store_feed(feed.id, ParsedFeed(title="Shapes", entries=entries), now=NOW)
    yield store
    store.close()


def _count_layouts(app: NewstermApp) -> list[int]:
    """Count from now on how often the screen's widgets are arranged: by a layout, or to
    find a widget that was not placed (one element each)."""
    compositor = main_screen(app)._compositor
    layouts: list[int] = []
    arrange: Callable[..., Any] = compositor._arrange_root

    def counting(*args: Any, **kwargs: Any) -> Any:
        layouts.append(1)
        return arrange(*args, **kwargs)

    compositor._arrange_root = counting  # type: ignore[method-assign]
    return layouts


def _views(reader: Reader) -> tuple[Static, LinesView, LinesView]:
    return (
        reader.query_one("#reader-header", Static),
        reader.query_one("#reader-body", LinesView),
        reader.query_one("#reader-links", LinesView),
    )


def _assert_views_fit(reader: Reader) -> None:
    """Each view's content is as tall as what it shows."""
    header, body, _links = _views(reader)
    for view in (header, body):
        visual = view.visual
        assert isinstance(visual, RenderedLines)
        assert view.size.height == len(visual)


async def _open_next(pilot: Pilot[None], reader: Reader) -> None:
    main_screen(pilot.app).focus_pane("articles")  # type: ignore[arg-type]
    await settle(pilot)
    await pilot.press("j", "enter")
    await settle(pilot)
    assert reader.entry is not None


async def test_an_article_shaped_like_the_last_opens_without_a_layout(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        _feeds, articles, reader = panes(app)
        await pilot.press("enter", "enter")  # the list, then the newest article
        await settle(pilot)
        assert reader.entry is not None and reader.entry.title == "Entry 0"
        _assert_views_fit(reader)
        first_body = _views(reader)[1].visual

        layouts = _count_layouts(app)
        await _open_next(pilot, reader)
        assert reader.entry is not None and reader.entry.title == "Entry 1"
        assert layouts == []  # as tall as the last one: only repainted

        assert _views(reader)[1].visual is not first_body
        assert "Entry 1" in plain(_views(reader)[0].content)
        _assert_views_fit(reader)

        await _open_next(pilot, reader)  # a longer body: laid out again
        assert reader.entry is not None and reader.entry.title == "Entry 2"
        assert layouts != []
        _assert_views_fit(reader)

        layouts.clear()
        await _open_next(pilot, reader)  # a header of more lines: laid out again
        assert reader.entry is not None and reader.entry.title.startswith("A title")
        assert layouts != []
        _assert_views_fit(reader)
        assert articles.current_id == store.entry_ids(EntryQuery())[3]

        # No links before, none now: the empty list is left alone (refreshing a view
        # that is not placed has Textual arrange the whole screen to find it).
        links = _views(reader)[2]
        links_refreshed: list[int] = []
        refresh_links = links.refresh

        def counting_refresh(*args: Any, **kwargs: Any) -> Any:
            links_refreshed.append(1)
            return refresh_links(*args, **kwargs)

        links.refresh = counting_refresh  # type: ignore[method-assign]
        first = store.get_entry(store.entry_ids(EntryQuery())[0])
        assert first is not None
        reader.show(first)
        await settle(pilot)
        assert links_refreshed == []


async def test_the_header_follows_the_width_of_the_pane(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        _feeds, articles, reader = panes(app)
        await pilot.press("enter", "G", "enter")  # the list, then the long title
        await settle(pilot)
        header = _views(reader)[0]
        narrow = header.visual
        assert isinstance(narrow, RenderedLines)
        assert narrow.width == header.content_region.width
        assert len(narrow) > 4  # the title takes more than one line
        assert " ".join(plain(narrow, width=400).split()).startswith(" ".join(LONG_TITLE.split()))

        await pilot.resize_terminal(220, 40)
        await settle(pilot)
        wide = header.visual
        assert isinstance(wide, RenderedLines) and wide is not narrow
        assert wide.width == header.content_region.width > narrow.width
        assert len(wide) < len(narrow)
        _assert_views_fit(reader)

        # Marking it unread redraws the header at the same width, with the mark.
        main_screen(app).focus_pane("reader")
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        marked = header.visual
        assert isinstance(marked, RenderedLines) and marked.width == wide.width
        assert "unread" in plain(marked, width=400) and "unread" not in plain(wide, width=400)
        assert articles.current_id is not None
