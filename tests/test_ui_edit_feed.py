"""The "Edit feed" dialog (E), driven through the real app over a real store: renaming,
moving between folders, cancelling, hostile titles, and what a refresh does afterwards."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from textual.pilot import Pilot
from textual.widgets import Input, Label
from werkzeug import Request, Response

from newsterm.models import Feed, StorageError
from newsterm.store import Store
from newsterm.ui.app import NewstermApp
from newsterm.ui.screens.edit_feed import EditFeedScreen, FeedEdit, feed_edit
from newsterm.ui.screens.main import MainScreen
from tests.ui_data import HOSTILE_TITLE
from tests.ui_helpers import main_screen, make_app, panes, plain, rss, settle


def _feed(store: Store, title: str) -> Feed:
    return next(feed for feed in store.list_feeds() if feed.title == title)


def _field(app: NewstermApp, name: str) -> Input:
    return app.screen.query_one(f"#edit-feed-{name}", Input)


async def _open_dialog(pilot: Pilot[None], app: NewstermApp, feed_id: int) -> EditFeedScreen:
    """Highlight the feed in the feed list and press E."""
    feeds, _articles, _reader = panes(app)
    assert feeds.select_key(f"feed:{feed_id}")
    await settle(pilot)
    await pilot.press("E")
    await pilot.pause()
    assert isinstance(app.screen, EditFeedScreen)
    return app.screen


def _status(app: NewstermApp) -> str:
    return main_screen(app).status.message


async def test_rename_shows_in_the_list_and_survives_a_refresh(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    served = {"count": 0}

    def feed_document(request: Request) -> Response:
        served["count"] += 1
        items = [(f"post-{served['count']}", f"Post {served['count']}")]
        return Response(rss("Publisher Title", items), content_type="application/rss+xml")

    httpserver.expect_request("/feed.xml").respond_with_handler(feed_document)
    store = Store.in_dir(tmp_path / "data")
    feed = store.add_feed(httpserver.url_for("/feed.xml"), title="Publisher Title")
    app = make_app(store, offline=False)
    screen: MainScreen
    key = f"feed:{feed.id}"

    async def refresh_and_wait() -> None:
        before = served["count"]
        await pilot.press("r")
        for _ in range(400):
            await settle(pilot)
            if served["count"] > before and not screen.refresher.running:
                break
            await pilot.pause(0.05)
        assert served["count"] == before + 1
        assert "Refreshed 1 feed" in _status(app), _status(app)

    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = main_screen(app)
        feeds, articles, _reader = panes(app)
        dialog = await _open_dialog(pilot, app, feed.id)
        assert _field(app, "title").value == "Publisher Title"
        assert _field(app, "folder").value == ""
        url_label = dialog.query_one("#edit-feed-url", Label)
        assert feed.url in plain(url_label.content)
        await pilot.press("ctrl+u", *"My Own Name", "enter", "enter")
        await settle(pilot)
        assert not isinstance(app.screen, EditFeedScreen)
        assert store.get_feed(feed.id).title == "My Own Name"  # type: ignore[union-attr]
        assert "My Own Name" in (feeds.row_text(key) or "")
        assert feeds.highlighted_key == key
        assert "Renamed Publisher Title to My Own Name" in _status(app)
        assert "My Own Name" in plain(articles.border_title)

        await refresh_and_wait()  # the publisher's title arrives and is ignored
        assert store.get_feed(feed.id).title == "My Own Name"  # type: ignore[union-attr]
        assert "My Own Name" in (feeds.row_text(key) or "")
        assert feeds.feeds[feed.id].total == 1  # the document was read, not skipped

        # An emptied title hands the feed back to its publisher at the next refresh.
        await _open_dialog(pilot, app, feed.id)
        assert "publisher's title" in plain(app.screen.query_one("#edit-feed-hint", Label).content)
        await pilot.press("ctrl+u", "enter", "enter")
        await settle(pilot)
        assert "takes its publisher's title again" in _status(app)
        await refresh_and_wait()
        assert store.get_feed(feed.id).title == "Publisher Title"  # type: ignore[union-attr]
        assert "Publisher Title" in (feeds.row_text(key) or "")
    store.close()


async def test_move_to_a_new_folder_a_folded_one_and_out_of_any(store: Store) -> None:
    app = make_app(store)
    python = _feed(store, "Tidy Python")
    key = f"feed:{python.id}"
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        feeds, _articles, _reader = panes(app)
        await _open_dialog(pilot, app, python.id)
        assert _field(app, "folder").value == "Programming"
        await pilot.press("tab", "ctrl+u", *"Reading", "enter")
        await settle(pilot)
        assert store.get_feed(python.id).folder == "Reading"  # type: ignore[union-attr]
        keys = feeds.keys
        assert keys.index("folder:Reading") < keys.index(key)
        assert feeds.highlighted_key == key  # the cursor followed the feed
        assert "Moved Tidy Python to Reading" in _status(app)

        # Into a folded folder: it opens, and the cursor is still on the feed.
        feeds.select_key("folder:Science")
        await settle(pilot)
        await pilot.press("h")  # fold it
        await settle(pilot)
        assert "Science" in feeds.collapsed
        await _open_dialog(pilot, app, python.id)
        await pilot.press("tab", "ctrl+u", *"Science", "enter")
        await settle(pilot)
        assert store.get_feed(python.id).folder == "Science"  # type: ignore[union-attr]
        assert "Science" not in feeds.collapsed and feeds.highlighted_key == key

        await _open_dialog(pilot, app, python.id)
        await pilot.press("tab", "ctrl+u", "enter")
        await settle(pilot)
        assert store.get_feed(python.id).folder is None  # type: ignore[union-attr]
        assert feeds.highlighted_key == key
        assert "out of Science" in _status(app)
        # Feeds without a folder come after every folder, and unindented.
        keys = feeds.keys
        assert all(keys.index(k) < keys.index(key) for k in keys if k.startswith("folder:"))
        assert (feeds.row_text(key) or "").startswith("Tidy Python")
        assert python.title == store.get_feed(python.id).title  # type: ignore[union-attr]


async def test_cancel_and_an_untouched_save_change_nothing(store: Store) -> None:
    app = make_app(store)
    rust = _feed(store, "Rust Notes")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        before = store.list_feeds()
        await _open_dialog(pilot, app, rust.id)
        await pilot.press(*" and more", "tab", *"Elsewhere", "escape")
        await settle(pilot)
        assert not isinstance(app.screen, EditFeedScreen)
        await _open_dialog(pilot, app, rust.id)
        await pilot.press("ctrl+u", *"Other", "tab")
        await pilot.click("#cancel")
        await settle(pilot)
        assert not isinstance(app.screen, EditFeedScreen)
        await _open_dialog(pilot, app, rust.id)
        await pilot.click("#save")
        await settle(pilot)
        assert _status(app) == "Nothing changed."
        assert store.list_feeds() == before


def test_an_untouched_title_is_not_pinned() -> None:
    # Saving the dialog as it opened must not turn the publisher's title into the user's
    # (it would then stop following the feed); a title with control characters included.
    feed = Feed(
        id=1,
        url="https://x.example/feed",
        title="News\x1b[2J  Daily",
        site_url="",
        folder=" Tech ",
        etag=None,
        last_modified=None,
        next_check=None,
        last_checked=None,
        status="ok",
        error=None,
        error_count=0,
    )
    assert feed_edit(feed, "News[2J Daily", "Tech") == FeedEdit(folder="Tech")
    assert not feed_edit(feed, "News[2J Daily", "Tech").changed
    assert feed_edit(feed, "", "Tech") == FeedEdit(title="", folder="Tech")
    assert feed_edit(feed, "News", "") == FeedEdit(title="News", folder=None, folder_changed=True)


async def test_a_hostile_title_shows_literally(store: Store) -> None:
    app = make_app(store)
    rust = _feed(store, "Rust Notes")
    key = f"feed:{rust.id}"
    typed = "[bold red]x[/] \x1b[31mred\x1b[0m\x07 [link=https://evil.example]y[/link]"
    cleaned = "[bold red]x[/] [31mred[0m [link=https://evil.example]y[/link]"
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        feeds, _articles, _reader = panes(app)
        await _open_dialog(pilot, app, rust.id)
        _field(app, "title").value = typed  # as a paste would bring it: ESC and BEL in it
        await pilot.press("tab", "enter")
        await settle(pilot)
        assert store.get_feed(rust.id).title == cleaned  # type: ignore[union-attr]
        row = feeds.row_text(key) or ""
        assert "[bold red]x[/] [31mre" in row and "\x1b" not in row
        drawn = feeds.render_line(feeds.index_of(key) or 0).text
        assert "[bold red]x[/]" in drawn and "\x1b" not in drawn
        assert "[bold red]x[/]" in _status(app) and "\x1b" not in _status(app)

        # A title stored by a feed with escapes in it opens cleaned in the dialog.
        store.rename_feed(rust.id, HOSTILE_TITLE)
        main_screen(app)._reload_now()
        await settle(pilot)
        await _open_dialog(pilot, app, rust.id)
        shown = _field(app, "title").value
        assert "\x1b" not in shown and shown.startswith("[red]x[/red] [31mred")
        await pilot.press("escape")
        await settle(pilot)
        assert store.get_feed(rust.id).title == HOSTILE_TITLE  # type: ignore[union-attr]


async def test_edit_acts_on_the_current_articles_feed_or_says_why_not(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        feeds, articles, _reader = panes(app)
        assert feeds.highlighted_key == "view:all"
        await pilot.press("E")
        await pilot.pause()
        assert not isinstance(app.screen, EditFeedScreen)
        assert _status(app) == "Highlight a feed to edit it."
        feeds.select_key("folder:Science")
        await settle(pilot)
        await pilot.press("E")
        await pilot.pause()
        assert not isinstance(app.screen, EditFeedScreen)

        # In the All view's article list, E edits the feed of the article under the cursor,
        # and the list's rows then name the feed by its new title.
        feeds.select_key("view:all")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        entry_id = articles.current_id
        assert entry_id is not None
        summary = articles.summary(entry_id)
        assert summary is not None
        await pilot.press("E")
        await pilot.pause()
        assert isinstance(app.screen, EditFeedScreen)
        assert app.screen.feed.id == summary.feed_id
        await pilot.press("ctrl+u", *"Renamed Here", "enter", "enter")
        await settle(pilot)
        assert feeds.highlighted_key == "view:all"  # the feed list stays where it was
        assert articles.current_id == entry_id
        assert articles.summary(entry_id).feed_title == "Renamed Here"  # type: ignore[union-attr]


async def test_a_store_error_is_one_line_in_the_status_bar(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(store)
    rust = _feed(store, "Rust Notes")

    def locked(feed_id: int, title: str) -> None:
        raise StorageError("database is locked")

    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        monkeypatch.setattr(store, "rename_feed", locked)
        await _open_dialog(pilot, app, rust.id)
        await pilot.press("ctrl+u", *"New", "enter", "enter")
        await settle(pilot)
        assert app.is_running
        status = main_screen(app).status
        assert status.message == "Editing the feed failed: database is locked"
        assert status.has_class("-error")
        assert store.get_feed(rust.id).title == "Rust Notes"  # type: ignore[union-attr]


async def test_the_palette_and_help_list_edit_feed(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = main_screen(app)
        titles = {command.title: command.help for command in screen.palette_commands()}
        assert "action: Edit feed" in titles and "E" in titles["action: Edit feed"]
        rows = [row for group in screen.help_groups() for row in group.rows]
        assert any(row.description == "Edit feed" and row.keys == "E" for row in rows)
