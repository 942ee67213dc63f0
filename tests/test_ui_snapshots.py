"""SVG snapshots of the main screens at 120x40 and 80x24 (pytest-textual-snapshot).

The data set and the clock are frozen (tests/ui_data.py), workers are awaited and input
cursors stop blinking, so a snapshot changes only when the app's look does. Review a
changed snapshot in the HTML report pytest writes, then accept it with
`pytest tests/test_ui_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from newsterm.config import Settings
from newsterm.parse import parse_feed
from newsterm.store import Store
from newsterm.ui.app import NewstermApp
from tests.ui_helpers import filled_store, make_app, panes, settle

SIZES = [pytest.param((120, 40), id="120x40"), pytest.param((80, 24), id="80x24")]
SnapCompare = Callable[..., bool]
AFTER = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
"""A clock after the demo podcast's last episode (the UI data set has its own, older one)."""
Step = Callable[[Pilot[None]], Awaitable[None]]


def _feed_key(store: Store, title: str) -> str:
    return "feed:" + str(next(feed.id for feed in store.list_feeds() if feed.title == title))


async def _still_cursors(pilot: Pilot[None]) -> None:
    """Stop every input cursor blinking, so the screenshot never catches it mid-blink."""
    for screen in pilot.app.screen_stack:
        for field in screen.query(Input):
            field.cursor_blink = False
    await pilot.pause()


def _steps(*steps: Step) -> Step:
    async def run(pilot: Pilot[None]) -> None:
        await settle(pilot)
        for step in steps:
            await step(pilot)
            await settle(pilot)
        await _still_cursors(pilot)

    return run


@pytest.mark.parametrize("size", SIZES)
def test_main_screen_with_an_article_open(
    snap_compare: SnapCompare, store: Store, size: tuple[int, int]
) -> None:
    app = make_app(store)
    key = _feed_key(store, "Tidy Python")

    async def open_article(pilot: Pilot[None]) -> None:
        feeds, _articles, _reader = panes(app)
        feeds.select_key(key)
        await settle(pilot)
        await pilot.press("enter", "j", "enter")

    assert snap_compare(app, terminal_size=size, run_before=_steps(open_article))


def test_main_screen_at_start(snap_compare: SnapCompare, store: Store) -> None:
    # What a launch shows first: the All view, and the reader's dim hint (wide layout).
    assert snap_compare(make_app(store), terminal_size=(120, 40), run_before=_steps())


@pytest.mark.parametrize("size", SIZES)
def test_welcome_screen(snap_compare: SnapCompare, tmp_path: Path, size: tuple[int, int]) -> None:
    empty = Store.in_dir(tmp_path / "empty")
    app: NewstermApp = make_app(empty)
    assert snap_compare(app, terminal_size=size, run_before=_steps())
    empty.close()


@pytest.mark.parametrize("size", SIZES)
def test_help_screen(snap_compare: SnapCompare, store: Store, size: tuple[int, int]) -> None:
    app = make_app(store)

    async def help_from_articles(pilot: Pilot[None]) -> None:
        await pilot.press("enter", "question_mark")

    assert snap_compare(app, terminal_size=size, run_before=_steps(help_from_articles))


@pytest.mark.parametrize("size", SIZES)
def test_command_palette(snap_compare: SnapCompare, store: Store, size: tuple[int, int]) -> None:
    app = make_app(store)

    async def palette(pilot: Pilot[None]) -> None:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"go to")
        await pilot.pause(0.6)  # the palette searches its providers in the background

    assert snap_compare(app, terminal_size=size, run_before=_steps(palette))


def test_search_results_narrow(snap_compare: SnapCompare, store: Store) -> None:
    app = make_app(store)

    async def search(pilot: Pilot[None]) -> None:
        await pilot.press("slash")
        await pilot.pause()
        await pilot.press(*"story number 2", "enter")

    assert snap_compare(app, terminal_size=(80, 24), run_before=_steps(search))


def test_add_feed_dialog(snap_compare: SnapCompare, tmp_path: Path) -> None:
    store = filled_store(tmp_path / "online")
    app = make_app(store, offline=False)

    async def add(pilot: Pilot[None]) -> None:
        await pilot.press("a")
        await pilot.pause()
        await pilot.press(*"https://example.org/")

    assert snap_compare(app, terminal_size=(120, 40), run_before=_steps(add))
    store.close()


def test_edit_feed_dialog(snap_compare: SnapCompare, store: Store) -> None:
    app = make_app(store)
    key = _feed_key(store, "Tidy Python")

    async def edit(pilot: Pilot[None]) -> None:
        feeds, _articles, _reader = panes(app)
        feeds.select_key(key)
        await settle(pilot)
        await pilot.press("E")

    assert snap_compare(app, terminal_size=(120, 40), run_before=_steps(edit))


def test_podcast_episode_with_its_audio(snap_compare: SnapCompare, tmp_path: Path) -> None:
    """The demo's podcast feed: the episode's audio named under the header, numbered last."""
    source = Path(__file__).parent.parent / "src/newsterm/demo/feeds/unhurried-podcast.xml"
    store = Store.in_dir(tmp_path / "data")
    feed = store.add_feed("https://demo.example/unhurried")
    store.store_feed(
        feed.id, parse_feed(source.read_bytes(), url="https://demo.example/unhurried"), now=AFTER
    )
    settings = Settings(refresh_on_start=False, refresh_interval=0)
    app = NewstermApp(store=store, settings=settings, offline=True, now=lambda: AFTER)

    async def open_episode(pilot: Pilot[None]) -> None:
        await pilot.press("enter", "enter")

    assert snap_compare(app, terminal_size=(100, 30), run_before=_steps(open_episode))
    store.close()
