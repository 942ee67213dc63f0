"""The article list reads the store a window at a time, never all rows; big bodies and
links in the reader take their safe paths."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import timedelta
from pathlib import Path

import pytest

from newsterm.config import BrowserSettings, Settings
from newsterm.content import LARGE_BODY_CHARS
from newsterm.models import EntrySummary, ParsedEntry, ParsedFeed
from newsterm.store import Store
from newsterm.ui.widgets.article_list import PREFETCH_MARGIN
from tests.ui_data import NOW
from tests.ui_helpers import (
    focused_id,
    main_screen,
    make_app,
    panes,
    recording_browser,
    settle,
    wait_for_text,
)

FEEDS = 12
PER_FEED = 250


@pytest.fixture
def big_store(tmp_path: Path) -> Iterator[Store]:
    store = Store.in_dir(tmp_path / "big")
    for number in range(FEEDS):
        feed = store.add_feed(f"https://big{number}.example/feed", title=f"Big {number}")
        entries = [
            ParsedEntry(
                identity=f"{number}-{index}",
                title=f"Big {number} entry {index}",
                published=NOW - timedelta(minutes=7 * index + number),
                content="<p>short</p>",
            )
            for index in range(PER_FEED)
        ]
        store.store_feed(feed.id, ParsedFeed(title=f"Big {number}", entries=entries), now=NOW)
    yield store
    store.close()


async def test_all_view_reads_only_the_windows_it_shows(
    big_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    batches: list[int] = []
    original = big_store.entry_summaries

    def counting(ids: Sequence[int]) -> list[EntrySummary]:
        batches.append(len(ids))
        return original(ids)

    monkeypatch.setattr(big_store, "entry_summaries", counting)
    app = make_app(big_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        _feeds, articles, _reader = panes(app)
        total = FEEDS * PER_FEED
        assert len(articles.entry_ids) == total
        await pilot.press("enter")
        for key in ["j"] * 30 + ["pagedown"] * 5 + ["G", "k", "k", "g", "pagedown"]:
            await pilot.press(key)
        await settle(pilot)
        assert articles.cursor == articles.scrollable_content_region.height - 1
        window = articles.scrollable_content_region.height + 2 * PREFETCH_MARGIN
        assert batches and max(batches) <= window
        assert sum(batches) < total // 5  # a few windows, not the list


async def test_a_big_body_is_formatted_off_the_ui_thread(tmp_path: Path) -> None:
    store = Store.in_dir(tmp_path / "data")
    feed = store.add_feed("https://long.example/feed", title="Long reads")
    paragraph = "<p>" + "A long sentence about nothing in particular. " * 40 + "</p>"
    body = paragraph * (LARGE_BODY_CHARS // len(paragraph) + 2)
    entries = [
        ParsedEntry(identity="big", title="Huge", published=NOW, content=body),
        ParsedEntry(identity="small", title="Small", published=NOW - timedelta(hours=1)),
    ]
    store.store_feed(feed.id, ParsedFeed(title="Long reads", entries=entries), now=NOW)
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        _feeds, articles, reader = panes(app)
        await pilot.press("enter", "enter")  # opens "Huge": its body formats in a worker
        assert reader.entry is not None and reader.entry.title == "Huge"
        await settle(pilot)
        assert reader.article is not None and len(reader.article.markdown) > LARGE_BODY_CHARS // 2
        await pilot.press("escape", "j", "enter")
        await settle(pilot)
        assert reader.entry is not None and reader.entry.title == "Small"
        await pilot.press("escape", "k", "enter")  # reopening comes from the cache
        assert reader.article is not None and reader.entry.title == "Huge"
        assert focused_id(app) == "reader"
    store.close()


async def test_clicking_a_numbered_link_opens_it(tmp_path: Path) -> None:
    from tests.ui_helpers import filled_store

    store = filled_store(tmp_path / "data")
    record = tmp_path / "opened.txt"
    app = make_app(store, settings=recording_browser(record))
    async with app.run_test(size=(120, 60)) as pilot:
        await settle(pilot)
        _feeds, _articles, reader = panes(app)
        await pilot.press("enter", "enter")
        await settle(pilot)
        assert reader.scroll_y == 0 and reader.links_lines
        # The list is: a blank line, a heading, then one row per link ("[1] https://…"),
        # below the pane's top border; its URLs start after the number and a cell of padding.
        clicked = await pilot.click(reader, offset=(9, 1 + reader.links_top + 2))
        assert clicked
        assert await wait_for_text(pilot, record) == reader.links[0].url
    store.close()


async def test_a_terminal_browser_needs_a_real_terminal(tmp_path: Path) -> None:
    from tests.ui_helpers import filled_store

    store = filled_store(tmp_path / "data")
    settings = Settings(
        refresh_on_start=False,
        refresh_interval=0,
        browser=BrowserSettings(command=["lynx"], terminal=True),
    )
    app = make_app(store, settings=settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter", "o")
        # Headless, the app cannot suspend: it says so instead of starting lynx under it.
        assert "terminal browser" in main_screen(app).status.message
    store.close()
