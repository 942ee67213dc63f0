"""A key's whole effect reaches the screen in one paint: no frame shows the feed list's
cursor on one item while the article list still shows another."""

from __future__ import annotations

from typing import Any

from newsterm.store import Store
from newsterm.ui.app import NewstermApp
from tests.ui_helpers import make_app, panes, settle


def _record_paints(app: NewstermApp, seen: list[tuple[str | None, str | None, str]]) -> None:
    """After each paint, note the highlighted feed item, the listed target and its title."""
    original = app._display

    def display(screen: Any, renderable: Any) -> None:
        original(screen, renderable)
        if renderable is None:
            return
        feeds, articles, _reader = panes(app)
        target = articles.target.key if articles.target is not None else None
        seen.append((feeds.highlighted_key, target, str(articles.border_title)))

    app._display = display  # type: ignore[method-assign]


async def test_moving_through_feeds_paints_cursor_and_list_together(store: Store) -> None:
    app = make_app(store)
    seen: list[tuple[str | None, str | None, str]] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        feeds, articles, _reader = panes(app)
        _record_paints(app, seen)
        for _ in range(len(feeds.keys) - 1):
            await pilot.press("j")
            await settle(pilot)
            assert articles.target is not None
            assert articles.target.key == feeds.highlighted_key
        items = [key for key, _target, _title in seen]
        assert len(set(items)) > 5  # the cursor went through views, folders and feeds
        for key, target, _title in seen:
            assert key == target, f"a paint showed the cursor on {key} over {target}"


async def test_a_feed_list_is_titled_with_its_count_in_the_same_paint(store: Store) -> None:
    app = make_app(store)
    seen: list[tuple[str | None, str | None, str]] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        feeds, articles, _reader = panes(app)
        assert feeds.select_key("folder:Programming")
        await settle(pilot)
        _record_paints(app, seen)
        await pilot.press("j")  # the folder's first feed, listed at once
        await settle(pilot)
        key = feeds.highlighted_key
        assert key is not None and key.startswith("feed:")
        feed = feeds.feeds[int(key.removeprefix("feed:"))]
        first = next(paint for paint in seen if paint[0] == key)
        assert first[2] == f"{feed.display_title} · {len(articles.entry_ids)}"
