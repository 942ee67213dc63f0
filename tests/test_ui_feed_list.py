"""The feed list with thousands of feeds: drawn a screenful at a time, and still complete."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from newsterm.models import EntryQuery, ParsedEntry, ParsedFeed
from newsterm.store import Store
from newsterm.ui.widgets.feed_list import FeedList
from tests.ui_data import NOW
from tests.ui_helpers import focused_id, main_screen, make_app, panes, settle

FOLDERS = 40
FEEDS = 2_000
"""Feeds in the store; one in ten has two entries, one of them unread."""


@pytest.fixture
def many_feeds(tmp_path: Path) -> Iterator[Store]:
    store = Store.in_dir(tmp_path / "many")
    for number in range(FEEDS):
        folder = f"Folder {number % FOLDERS:02d}" if number % 7 else None
        feed = store.add_feed(
            f"https://many{number}.example/feed", title=f"Feed {number:04d}", folder=folder
        )
        if number % 10 == 0:
            entries = [
                ParsedEntry(
                    identity=f"{number}-{index}",
                    title=f"Entry {index} of feed {number}",
                    published=NOW - timedelta(minutes=number + index),
                )
                for index in range(2)
            ]
            store.store_feed(
                feed.id, ParsedFeed(title=f"Feed {number:04d}", entries=entries), now=NOW
            )
    ids = [
        entry.id
        for entry in store.list_entries(EntryQuery(), limit=10_000)
        if entry.title.startswith("Entry 1")
    ]
    store.set_read(ids, True)
    yield store
    store.close()


def _visible_rows(feeds: FeedList) -> list[str]:
    return [feeds.render_line(y).text for y in range(feeds.scrollable_content_region.height)]


async def test_thousands_of_feeds_draw_only_the_rows_on_screen(
    many_feeds: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn: list[str] = []
    original = FeedList._render_row

    def counting(self: FeedList, key: str, *args: object) -> object:
        drawn.append(key)
        return original(self, key, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(FeedList, "_render_row", counting)
    app = make_app(many_feeds)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        feeds, articles, _reader = panes(app)
        height = feeds.scrollable_content_region.height
        # Every view, folder and feed is listed, but only about a screenful was drawn.
        assert feeds.row_count == 3 + 1 + FOLDERS + FEEDS
        assert 0 < len(set(drawn)) <= 2 * height
        assert feeds.unread_total == FEEDS // 10
        rows = _visible_rows(feeds)
        assert rows[0].strip().startswith("◆ All") and rows[0].rstrip().endswith("200")
        assert set(rows[3].strip()) == {"─"}
        assert rows[4].strip().startswith("▾ Folder 00")

        drawn.clear()
        await pilot.press("G")
        await settle(pilot)
        last = feeds.highlighted_key
        assert last is not None and last == feeds.keys_in_order()[-1]
        assert articles.target is not None and articles.target.key == last
        assert len(set(drawn)) <= 2 * height
        assert any("Feed 1995" in row for row in _visible_rows(feeds))


async def test_folding_clicking_and_counts_in_a_long_list(many_feeds: Store) -> None:
    app = make_app(many_feeds)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        feeds, articles, _reader = panes(app)
        before = feeds.row_count
        assert feeds.select_key("folder:Folder 00")
        await pilot.press("space")
        await settle(pilot)
        members = sum(1 for feed in feeds.feeds.values() if feed.folder == "Folder 00")
        assert feeds.row_count == before - members
        assert feeds.highlighted_key == "folder:Folder 00"
        row = feeds.row_text("folder:Folder 00")
        assert row is not None and row.startswith("▸ Folder 00")

        # k from the first folder steps over the rule to the Starred view.
        await pilot.press("k")
        await settle(pilot)
        assert feeds.highlighted_key == "view:starred"

        # A click on a feed row opens it and moves to its articles.
        await pilot.press("space")  # not a folder: nothing happens
        await settle(pilot)
        assert feeds.row_count == before - members
        target = "feed:" + str(next(f.id for f in feeds.feeds.values() if f.title == "Feed 0010"))
        index = feeds.index_of(target)
        assert index is not None
        feeds.scroll_to(y=index, animate=False, immediate=True)
        await settle(pilot)
        await pilot.click(FeedList, offset=(5, 1 + index - int(feeds.scroll_y)))
        await settle(pilot)
        assert feeds.highlighted_key == target
        assert articles.target is not None and articles.target.key == target
        assert focused_id(app) == "articles"

        # Reading the feed's unread entry lowers its count, its folder's and the views'.
        feed = feeds.current_feed
        assert feed is not None and feed.unread == 1 and feed.folder is not None
        folder_before = feeds.row_text(f"folder:{feed.folder}")
        await pilot.press("m")
        await settle(pilot)
        row = feeds.row_text(target)
        assert row is not None and row.rstrip().endswith("Feed 0010")
        assert feeds.unread_total == FEEDS // 10 - 1
        assert feeds.row_text(f"folder:{feed.folder}") != folder_before


async def test_a_feed_status_note_shows_when_the_feed_is_highlighted(tmp_path: Path) -> None:
    store = Store.in_dir(tmp_path / "note")
    try:
        feed = store.add_feed("https://big.example/feed", title="Big")
        note = "ok, too many entries: kept the first 10,000 of 12,000"
        store.record_fetch(feed.id, checked=NOW, next_check=NOW, error=None, status=note)
        app = make_app(store)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            feeds, _articles, _reader = panes(app)
            assert feeds.select_key(f"feed:{feed.id}")
            await settle(pilot)
            status = main_screen(app).status
            assert status.message == f"Big: {note}" and not status.has_class("-error")
    finally:
        store.close()
