"""Pilot tests: each flow of the app driven through the real app over a real store."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from textual.widgets import Label
from werkzeug import Request, Response

from newsterm.config import Settings
from newsterm.models import EntryQuery, ParsedEntry, ParsedFeed
from newsterm.store import Store
from newsterm.ui import screens
from newsterm.ui.screens.add_feed import AddFeedScreen
from newsterm.ui.screens.confirm import ConfirmScreen
from newsterm.ui.screens.help import HelpScreen
from newsterm.ui.screens.welcome import WelcomeScreen
from tests.ui_data import HOSTILE_TITLE, NOW
from tests.ui_helpers import (
    filled_store,
    focused_id,
    list_lines,
    main_screen,
    make_app,
    panes,
    plain,
    recording_browser,
    rss,
    settle,
    wait_for_text,
)

assert screens  # the package imports cleanly


def _feed_id(store: Store, title: str) -> int:
    return next(feed.id for feed in store.list_feeds() if feed.title == title)


async def test_start_paints_feeds_views_and_newest_first(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        feeds, articles, reader = panes(app)
        ids = feeds.keys
        assert ids[:3] == ["view:all", "view:unread", "view:starred"]
        assert "folder:Programming" in ids and "folder:Science" in ids
        assert focused_id(app) == "feeds"
        unread = store.count_entries(EntryQuery(unread_only=True))
        assert feeds.unread_total == unread == len(articles.entry_ids)
        summaries = store.entry_summaries(list(articles.entry_ids))
        dates = [s.published for s in summaries if s.published is not None]
        assert len(dates) == len(summaries) and dates == sorted(dates, reverse=True)
        first = list_lines(articles)[0]
        assert summaries[0].title in first and summaries[0].feed_title in first
        assert "3h" in first  # relative to the frozen clock
        assert reader.entry is None


async def test_open_marks_read_at_once_and_back_returns(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        feeds, articles, reader = panes(app)
        await pilot.press("enter")  # All -> the article list
        await settle(pilot)
        assert focused_id(app) == "articles"
        await pilot.press("j", "enter")
        await settle(pilot)
        entry_id = articles.current_id
        assert entry_id is not None and reader.entry is not None
        assert reader.entry.id == entry_id
        assert focused_id(app) == "reader"
        stored = store.get_entry(entry_id)
        assert stored is not None and stored.read
        header = plain(reader.header_lines)
        assert stored.title in header and stored.feed_title in header and stored.link in header
        assert stored.author in header
        body = plain(reader.body_lines)
        assert "Details" in body and "first point" in body
        assert feeds.unread_total == store.count_entries(EntryQuery(unread_only=True))
        await pilot.press("escape")
        assert focused_id(app) == "articles"
        await pilot.press("h")
        assert focused_id(app) == "feeds"


async def test_opening_can_leave_entries_unread(store: Store) -> None:
    settings = Settings(refresh_on_start=False, refresh_interval=0, mark_read_on_open=False)
    app = make_app(store, settings=settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter", "enter")
        await settle(pilot)
        _feeds, articles, _reader = panes(app)
        assert articles.current_id is not None
        entry = store.get_entry(articles.current_id)
        assert entry is not None and not entry.read


async def test_toggle_read_and_star_are_saved(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        feeds, articles, _reader = panes(app)
        await pilot.press("enter", "m")
        entry_id = articles.current_id
        assert entry_id is not None
        entry = store.get_entry(entry_id)
        assert entry is not None and entry.read
        await pilot.press("m", "s")
        entry = store.get_entry(entry_id)
        assert entry is not None and not entry.read and entry.starred
        assert feeds.starred == 1
        assert "★" in list_lines(articles)[0]
        feeds.select_key("view:starred")
        await settle(pilot)
        assert list(articles.entry_ids) == [entry_id]


async def test_mark_feed_read_then_undo(store: Store) -> None:
    app = make_app(store)
    feed_id = _feed_id(store, "Tidy Python")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        feeds, articles, _reader = panes(app)
        feeds.select_key(f"feed:{feed_id}")
        await settle(pilot)
        assert len(articles.entry_ids) == 9
        await pilot.press("A")
        await settle(pilot)
        assert store.count_entries(EntryQuery(feed_id=feed_id, unread_only=True)) == 0
        assert feeds.feeds[feed_id].unread == 0
        assert "u to undo" in main_screen(app).status.message
        await pilot.press("u")
        await settle(pilot)
        assert store.count_entries(EntryQuery(feed_id=feed_id, unread_only=True)) == 9
        assert feeds.feeds[feed_id].unread == 9


async def test_next_unread_walks_the_feed_then_the_next_feed(store: Store) -> None:
    app = make_app(store)
    rust = _feed_id(store, "Rust Notes")
    tidy = _feed_id(store, "Tidy Python")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        feeds, articles, reader = panes(app)
        # Leave one unread entry in Rust Notes, at the bottom.
        rust_ids = store.entry_ids(EntryQuery(feed_id=rust))
        store.set_read(rust_ids[:-1], True)
        feeds.set_feeds(store.list_feeds(), 0)
        feeds.select_key(f"feed:{rust}")
        await settle(pilot)
        await pilot.press("enter")
        await pilot.press("n")
        await settle(pilot)
        assert reader.entry is not None and reader.entry.id == rust_ids[-1]
        await pilot.press("n")  # nothing left here: on to the next feed with unread
        await settle(pilot)
        assert articles.target is not None and articles.target.feed_id == tidy
        assert reader.entry is not None and reader.entry.feed_id == tidy
        first_tidy = reader.entry.id
        await pilot.press("n")
        await settle(pilot)
        assert reader.entry.id != first_tidy
        # Going back: what was opened is read now, so N goes to the previous feed with
        # unread entries, to its last (oldest) one.
        await pilot.press("N")
        await settle(pilot)
        terminal = _feed_id(store, "Patient Terminal")
        assert reader.entry.feed_id == terminal
        assert reader.entry.id == store.entry_ids(EntryQuery(feed_id=terminal))[-1]


async def test_space_pages_the_reader_then_moves_on(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        _feeds, articles, reader = panes(app)
        await pilot.press("enter", "enter")
        await settle(pilot)
        first = reader.entry
        assert first is not None and focused_id(app) == "reader"
        for _ in range(30):
            if reader.entry is not first:
                break
            await pilot.press("space")
            await pilot.pause()
        assert reader.entry is not None and reader.entry.id != first.id
        assert articles.current_id == reader.entry.id


async def test_search_lists_matches_across_feeds(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        _feeds, articles, _reader = panes(app)
        await pilot.press("slash")
        await pilot.pause()
        await pilot.press(*"Orbit", "enter")
        await settle(pilot)
        assert focused_id(app) == "articles"
        assert articles.target is not None and articles.target.query.search == "Orbit"
        titles = [s.feed_title for s in store.entry_summaries(list(articles.entry_ids))]
        assert titles and set(titles) == {"Orbit and Ground"}
        assert f"{len(titles)} matches" in main_screen(app).status.message


async def test_delete_feed_after_confirmation(store: Store) -> None:
    app = make_app(store)
    feed_id = _feed_id(store, "Slow Cooking")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        feeds, articles, _reader = panes(app)
        feeds.select_key(f"feed:{feed_id}")
        await settle(pilot)
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause()
        assert store.get_feed(feed_id) is not None
        position = feeds.index_of(f"feed:{feed_id}")
        assert position is not None
        # The item that takes its row: the next one, or the one above when it was last.
        neighbour = feeds.keys[position + 1 if position + 1 < feeds.row_count else position - 1]
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert store.get_feed(feed_id) is None
        assert f"feed:{feed_id}" not in feeds.keys
        # The cursor stays where it was, on the item that took the deleted feed's row.
        assert feeds.highlighted_key == neighbour
        assert all(s.feed_id != feed_id for s in store.entry_summaries(list(articles.entry_ids)))


async def test_add_feed_from_a_local_server(tmp_path: Path, httpserver: HTTPServer) -> None:
    items = [(f"post-{n}", f"Local post {n}") for n in range(5)]
    httpserver.expect_request("/feed.xml").respond_with_data(
        rss("Local Feed", items), content_type="application/rss+xml"
    )
    store = Store.in_dir(tmp_path / "empty")
    app = make_app(store, offline=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, WelcomeScreen)
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, AddFeedScreen)
        await pilot.press(*httpserver.url_for("/feed.xml"), "enter")
        await pilot.press(*"Local", "enter")
        for _ in range(100):
            await settle(pilot)
            if not isinstance(app.screen, AddFeedScreen):
                break
        feeds, articles, _reader = panes(app)
        [feed] = store.list_feeds()
        assert feed.title == "Local Feed" and feed.folder == "Local"
        assert feeds.current_feed is not None and feeds.current_feed.id == feed.id
        await settle(pilot)
        assert len(articles.entry_ids) == 5
        assert "Local post 0" in list_lines(articles)[0]
    store.close()


async def test_add_feed_shows_the_error_in_the_dialog(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/nothing").respond_with_data("nope", status=404)
    store = Store.in_dir(tmp_path / "data")
    app = make_app(store, offline=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await pilot.pause()
        await pilot.press(*httpserver.url_for("/nothing"), "enter", "enter")
        for _ in range(100):
            await settle(pilot)
            status = app.screen.query_one("#add-feed-status")
            if status.has_class("-error"):
                break
        assert isinstance(app.screen, AddFeedScreen)
        assert isinstance(status, Label)
        assert "404" in plain(status.content)
        await pilot.press("escape")
        await pilot.pause()
        assert store.list_feeds() == []
    store.close()


async def test_refresh_runs_while_keys_keep_working(tmp_path: Path, httpserver: HTTPServer) -> None:
    feed_count = 24

    def slow_feed(request: Request) -> Response:
        time.sleep(0.05)
        number = request.path.strip("/").split("-")[1].split(".")[0]
        items = [(f"n{number}-{i}", f"Fresh {number}.{i}") for i in range(2)]
        return Response(rss(f"Feed {number}", items), content_type="application/rss+xml")

    httpserver.expect_request(path_pattern_for_feeds()).respond_with_handler(slow_feed)
    store = filled_store(tmp_path / "data")
    for number in range(feed_count):
        store.add_feed(httpserver.url_for(f"/feed-{number}.xml"), title=f"Feed {number}")
    app = make_app(store, offline=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        feeds, articles, _reader = panes(app)
        screen = main_screen(app)
        await pilot.press("enter", "j", "j", "j")
        await pilot.press("R")
        await pilot.pause()
        assert screen.refresher.running
        seen_progress = False
        moves = 0
        for _ in range(300):
            if screen.status.progress is not None:
                seen_progress = True
            before = articles.cursor
            await pilot.press("j" if moves % 2 == 0 else "k")  # keys work during the refresh
            moves += articles.cursor != before
            if not screen.refresher.running:
                break
            await pilot.pause(0.05)
        kept = articles.current_id
        await settle(pilot)
        assert seen_progress and moves > 0
        assert not screen.refresher.running, [n.message for n in app._notifications]
        assert "Refreshed 32 feeds: 48 new, 8 failed" in screen.status.message
        assert articles.current_id == kept  # the selection survives new entries
        fresh = store.count_entries(EntryQuery(search="Fresh"))
        assert fresh == feed_count * 2
        assert len(articles.entry_ids) == store.count_entries(EntryQuery())
        assert feeds.unread_total == store.count_entries(EntryQuery(unread_only=True))
    store.close()


def path_pattern_for_feeds() -> re.Pattern[str]:
    return re.compile(r"/feed-\d+\.xml")


async def test_offline_mode_never_refreshes(store: Store) -> None:
    app = make_app(store, offline=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("R")
        await settle(pilot)
        screen = main_screen(app)
        assert not screen.refresher.running
        assert "offline" in screen.status.message.lower()
        await pilot.press("a")
        await pilot.pause()
        assert not isinstance(app.screen, AddFeedScreen)


async def test_hostile_text_stays_literal(store: Store) -> None:
    app = make_app(store)
    hostile_feed = _feed_id(store, "Hostile [bold]Feed[/bold]")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        feeds, articles, reader = panes(app)
        feeds.select_key(f"feed:{hostile_feed}")
        await settle(pilot)
        await pilot.press("tab", "enter")
        await settle(pilot)
        line = list_lines(articles)[0]
        assert "[red]x[/red]" in line and "\x1b" not in line
        assert "[31mred[0m" in line  # the ESC byte is gone, the rest is plain text
        header = plain(reader.header_lines)
        assert "[red]x[/red]" in header and "\x1b" not in header
        assert "Ada [i]Lovelace[/i]" in header
        assert "Hostile [bold]Feed[/bold]" in header
        row = feeds.row_text(f"feed:{hostile_feed}")
        assert row is not None and row.startswith("Hostile [bold]Feed[/b")  # literal, truncated
        assert HOSTILE_TITLE.startswith("[red]")


async def test_narrow_terminal_shows_two_panes_then_the_reader(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        feeds, articles, reader = panes(app)
        assert feeds.display and articles.display and not reader.display
        await pilot.press("enter", "enter")
        await settle(pilot)
        assert reader.display and not feeds.display and not articles.display
        assert focused_id(app) == "reader" and reader.entry is not None
        await pilot.press("escape")
        await pilot.pause()
        assert focused_id(app) == "articles" and articles.display and not reader.display
        visited = set()
        for _ in range(3):
            await pilot.press("tab")
            await pilot.pause()
            assert app.focused is not None and app.focused.display
            visited.add(app.focused.id)
        assert visited == {"feeds", "articles", "reader"}
        assert focused_id(app) == "articles"
        await pilot.press("shift+tab")
        await pilot.pause()
        assert focused_id(app) == "feeds" and feeds.display and articles.display


async def test_keymap_from_config_remaps_and_help_shows_it(store: Store) -> None:
    settings = Settings(
        refresh_on_start=False, refresh_interval=0, keymap={"article_list.down": "ctrl+n, x"}
    )
    app = make_app(store, settings=settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        _feeds, articles, _reader = panes(app)
        await pilot.press("enter")
        await pilot.press("x", "ctrl+n")
        assert articles.cursor == 2
        await pilot.press("j")  # j no longer moves the list
        assert articles.cursor == 2
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        [articles_help] = [g for g in app.screen.groups if g.title == "Articles"]
        assert articles_help.focused
        rows = {row.description: row.keys for row in articles_help.rows}
        assert rows["Next article"] == "^n, x"
        everywhere = {row.description for g in app.screen.groups for row in g.rows}
        assert {"Refresh all feeds", "Mark all listed read", "Open link 1-9"} <= everywhere
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)


async def test_keymap_problems_are_reported_once(store: Store) -> None:
    keymap = {"main.search": "m", "main.serch": "z"}
    settings = Settings(refresh_on_start=False, refresh_interval=0, keymap=keymap)
    app = make_app(store, settings=settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("j", "k")
        await pilot.pause()
        messages = [n.message for n in app._notifications if n.title == "Keymap"]
        assert messages == [
            "keymap: no binding 'main.serch' (did you mean main.search?)",
            "keymap: 'm' is bound to main.search, main.toggle_read",
        ]


async def test_unknown_theme_falls_back_with_one_notice(store: Store) -> None:
    settings = Settings(refresh_on_start=False, refresh_interval=0, theme="no-such-theme")
    app = make_app(store, settings=settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.theme == "textual-dark"
        assert sum("no-such-theme" in n.message for n in app._notifications) == 1


async def test_palette_goes_to_a_feed(store: Store) -> None:
    app = make_app(store)
    rust = _feed_id(store, "Rust Notes")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        _feeds, articles, _reader = panes(app)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"go to rust")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot)
        assert articles.target is not None and articles.target.feed_id == rust
        assert focused_id(app) == "articles"


async def test_palette_offers_every_action_and_view(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        titles = {command.title for command in main_screen(app).palette_commands()}
        assert {"view: All", "view: Unread", "view: Starred", "folder: Science"} <= titles
        assert "feed: go to Hostile [bold]Feed[/bold]" in titles
        for action in ("Refresh all feeds", "Search", "Add feed", "Delete feed", "Quit"):
            assert f"action: {action}" in titles


async def test_feed_error_shows_on_demand(store: Store) -> None:
    app = make_app(store)
    broken = _feed_id(store, "Broken Feed")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        feeds, _articles, _reader = panes(app)
        row = feeds.row_text(f"feed:{broken}")
        assert row is not None and row.lstrip().startswith("! Broken Feed")
        feeds.select_key(f"feed:{broken}")
        await settle(pilot)
        status = main_screen(app).status
        assert "HTTP 404" in status.message and status.has_class("-error")
        await pilot.press("e")
        await pilot.pause()
        assert any("HTTP 404" in n.message for n in app._notifications)


async def test_entries_written_by_another_process_appear(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsterm.ui import refresher

    monkeypatch.setattr(refresher, "DATA_POLL_SECONDS", 0.1)
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        feeds, articles, _reader = panes(app)
        before = len(articles.entry_ids)
        other = Store.in_dir(tmp_path / "data")  # a second connection, as the CLI would open
        feed = other.add_feed("https://other.example/feed", title="From the CLI")
        entry = ParsedEntry(identity="x", title="Written elsewhere", published=NOW)
        other.store_feed(feed.id, ParsedFeed(title="From the CLI", entries=[entry]), now=NOW)
        other.close()
        for _ in range(60):
            await pilot.pause(0.1)
            await settle(pilot)
            if len(articles.entry_ids) > before:
                break
        assert len(articles.entry_ids) == before + 1
        assert feed.id in feeds.feeds


async def test_links_open_in_the_configured_browser(store: Store, tmp_path: Path) -> None:
    record = tmp_path / "opened.txt"
    app = make_app(store, settings=recording_browser(record))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        _feeds, articles, reader = panes(app)
        await pilot.press("enter", "enter")
        await settle(pilot)
        assert reader.entry is not None
        await pilot.press("o")
        assert await wait_for_text(pilot, record) == reader.entry.link
        record.unlink()
        link_one = reader.links[0].url
        await pilot.press("1")
        assert await wait_for_text(pilot, record) == link_one
        record.unlink()
        await pilot.press("f")
        await pilot.pause()
        await pilot.press("2", "enter")
        await pilot.pause()
        assert await wait_for_text(pilot, record) == reader.links[1].url
        await pilot.press("y")
        assert app.clipboard == reader.entry.link
        main_screen(app).open_url("javascript:alert(1)")
        assert "only http and https" in main_screen(app).status.message


async def test_a_failing_worker_notifies_instead_of_crashing(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)

        def broken(query: EntryQuery) -> list[int]:
            raise RuntimeError("disk on fire")

        monkeypatch.setattr(store, "entry_ids", broken)
        feeds, _articles, _reader = panes(app)
        feeds.select_key("view:starred")
        await settle(pilot)
        assert app.is_running
        assert any("disk on fire" in n.message for n in app._notifications)


async def test_start_paints_cache_then_refreshes_due_feeds(
    tmp_path: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsterm.ui import refresher

    monkeypatch.setattr(refresher, "DUE_CHECK_SECONDS", 0.2)
    served = {"count": 0}

    def feed(request: Request) -> Response:
        served["count"] += 1
        items = [(f"due-{served['count']}", f"Due item {served['count']}")]
        return Response(rss("Due Feed", items), content_type="application/rss+xml")

    httpserver.expect_request("/due.xml").respond_with_handler(feed)
    store = filled_store(tmp_path / "data")
    due = store.add_feed(httpserver.url_for("/due.xml"), title="Due Feed")  # never fetched
    settings = Settings(refresh_on_start=True, refresh_interval=30)
    app = make_app(store, offline=False, settings=settings)
    async with app.run_test(size=(120, 40)) as pilot:
        feeds, _articles, _reader = panes(app)
        assert len(feeds.feeds) == 9  # the cached state is there before any fetch
        for _ in range(200):
            await settle(pilot)
            if (
                store.count_entries(EntryQuery(feed_id=due.id))
                and not main_screen(app).refresher.running
            ):
                break
            await pilot.pause(0.05)
        assert store.count_entries(EntryQuery(feed_id=due.id)) == 1
        assert feeds.feeds[due.id].unread == 1
        first = served["count"]
        # The periodic check finds nothing due (next check is an interval away).
        await pilot.pause(0.6)
        await settle(pilot)
        assert served["count"] == first
    store.close()


async def test_next_unread_starts_with_the_unopened_entry_under_the_cursor(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        _feeds, articles, reader = panes(app)
        first = articles.entry_ids[0]
        await pilot.press("n")
        await settle(pilot)
        assert reader.entry is not None and reader.entry.id == first
        await pilot.press("n")
        await settle(pilot)
        assert reader.entry.id == articles.entry_ids[1] == articles.current_id


async def test_quitting_stops_a_running_refresh(tmp_path: Path, httpserver: HTTPServer) -> None:
    import asyncio

    served: list[str] = []

    def slow_feed(request: Request) -> Response:
        served.append(request.path)
        time.sleep(0.5)
        return Response(rss("Slow", [("x", "X")]), content_type="application/rss+xml")

    httpserver.expect_request(path_pattern_for_feeds()).respond_with_handler(slow_feed)
    store = Store.in_dir(tmp_path / "data")
    feed_count = 40
    for number in range(feed_count):
        store.add_feed(httpserver.url_for(f"/feed-{number}.xml"), title=f"Feed {number}")
    app = make_app(store, offline=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("R")
        for _ in range(100):
            if served:
                break
            await pilot.pause(0.05)
        await pilot.press("q")
    # The refresh thread is the executor's: once it is done, nothing more is fetched.
    await asyncio.get_running_loop().shutdown_default_executor()
    assert 0 < len(served) < feed_count
    store.close()


async def test_own_marks_do_not_reload_the_list(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsterm.ui import refresher

    monkeypatch.setattr(refresher, "DATA_POLL_SECONDS", 0.1)
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        feeds, articles, reader = panes(app)
        feeds.select_key("view:unread")
        await settle(pilot)
        listed = list(articles.entry_ids)
        await pilot.press("enter", "enter", "escape", "j", "m")
        await pilot.pause(0.5)
        await settle(pilot)
        # What was just read stays listed (and under the cursor) until a real reload.
        assert list(articles.entry_ids) == listed
        assert reader.entry is not None and reader.entry.id == listed[0]


async def test_the_refresh_on_start_begins_after_the_first_paint(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The refresh's thread imports the whole fetching stack: started before the first
    # paint, it held the interpreter lock while the cached lists were being drawn.
    from newsterm.ui.app import NewstermApp
    from newsterm.ui.refresher import Refresher

    paints: list[object] = []
    paints_when_started: list[int] = []
    display = NewstermApp._display

    def counting_display(self: NewstermApp, screen: object, renderable: object) -> None:
        if renderable is not None:
            paints.append(screen)
        display(self, screen, renderable)  # type: ignore[arg-type]

    monkeypatch.setattr(NewstermApp, "_display", counting_display)
    monkeypatch.setattr(
        Refresher, "refresh_due", lambda self: paints_when_started.append(len(paints))
    )
    app = make_app(store, settings=Settings(refresh_on_start=True, refresh_interval=0))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
    assert len(paints_when_started) == 1
    assert paints_when_started[0] >= 1
