"""Opening an article lays the screen out again only when the reader's scrollbar comes or
goes, and the header, drawn from lines rendered once, follows the pane's width."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from newsterm.models import EntryQuery, ParsedEntry, ParsedFeed
from newsterm.store import Store
from newsterm.ui.app import NewstermApp
from newsterm.ui.widgets.reader import Reader
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
    """Newest first: two articles shaped alike, one longer, one with a long title, then
    two longer than the pane."""
    store = Store.in_dir(tmp_path / "data")
    feed = store.add_feed("https://shapes.example/feed", title="Shapes")
    entries = [
        _entry(0, paragraphs=3),
        _entry(1, paragraphs=3),
        _entry(2, paragraphs=6),
        _entry(3, paragraphs=3, title=LONG_TITLE),
        _entry(4, paragraphs=40),
        _entry(5, paragraphs=40),
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


def _assert_page_fits(reader: Reader) -> None:
    """The page scrolls over exactly what it shows: the header and a blank line, the body,
    the links list (or a blank line for none) and a blank line."""
    header, body, links = reader.header_lines, reader.body_lines, reader.links_lines
    assert len(header) > 0 and len(body) > 0
    assert header.width == body.width
    assert reader.links_top == len(header) + 1 + len(body)
    assert reader.virtual_size.height == reader.links_top + max(1, len(links)) + 1


async def _open_next(pilot: Pilot[None], reader: Reader) -> None:
    main_screen(pilot.app).focus_pane("articles")  # type: ignore[arg-type]
    await settle(pilot)
    await pilot.press("j", "enter")
    await settle(pilot)
    assert reader.entry is not None


async def test_articles_open_without_a_layout_unless_the_scrollbar_changes(
    store: Store,
) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        _feeds, articles, reader = panes(app)
        await pilot.press("enter", "enter")  # the list, then the newest article
        await settle(pilot)
        assert reader.entry is not None and reader.entry.title == "Entry 0"
        _assert_page_fits(reader)
        first_body = reader.body_lines

        layouts = _count_layouts(app)
        await _open_next(pilot, reader)
        assert reader.entry is not None and reader.entry.title == "Entry 1"
        assert layouts == []  # only repainted
        assert reader.body_lines is not first_body
        assert "Entry 1" in plain(reader.header_lines)
        _assert_page_fits(reader)

        await _open_next(pilot, reader)  # a longer body
        assert reader.entry is not None and reader.entry.title == "Entry 2"
        _assert_page_fits(reader)
        await _open_next(pilot, reader)  # a header of more lines
        assert reader.entry is not None and reader.entry.title.startswith("A title")
        _assert_page_fits(reader)
        assert articles.current_id == store.entry_ids(EntryQuery())[3]
        assert layouts == []  # the reader's place on screen did not change
        assert not reader.show_vertical_scrollbar

        # An article longer than the pane brings the scrollbar, which narrows the lines:
        # that lays the screen out; the next long one only repaints.
        long_ones = [store.get_entry(entry_id) for entry_id in store.entry_ids(EntryQuery())[4:]]
        assert long_ones[0] is not None and long_ones[1] is not None
        reader.show(long_ones[0])
        await settle(pilot)
        assert layouts != []
        assert reader.show_vertical_scrollbar
        assert reader.body_lines.width == reader.scrollable_content_region.width - 2
        _assert_page_fits(reader)
        layouts.clear()
        reader.show(long_ones[1])
        await settle(pilot)
        assert layouts == []
        assert reader.entry is not None and reader.entry.title == "Entry 5"
        _assert_page_fits(reader)


async def test_the_header_follows_the_width_of_the_pane(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        _feeds, articles, reader = panes(app)
        await pilot.press("enter", "end", "k", "k", "enter")  # the list, then the long title
        await settle(pilot)
        assert reader.entry is not None and reader.entry.title.startswith("A title")
        narrow = reader.header_lines
        assert narrow.width == reader.scrollable_content_region.width - 2
        assert len(narrow) > 4  # the title takes more than one line
        assert " ".join(plain(narrow, width=400).split()).startswith(" ".join(LONG_TITLE.split()))

        await pilot.resize_terminal(220, 40)
        await settle(pilot)
        wide = reader.header_lines
        assert wide is not narrow
        assert wide.width == reader.scrollable_content_region.width - 2 > narrow.width
        assert len(wide) < len(narrow)
        _assert_page_fits(reader)

        # Marking it unread redraws the header at the same width, with the mark.
        main_screen(app).focus_pane("reader")
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        marked = reader.header_lines
        assert marked.width == wide.width
        assert "unread" in plain(marked, width=400) and "unread" not in plain(wide, width=400)
        assert articles.current_id is not None
