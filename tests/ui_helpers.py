"""Helpers for driving the real app over a real store in Pilot tests."""

from __future__ import annotations

import io
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

from rich.console import Console
from textual.pilot import Pilot

from newsterm.config import BrowserSettings, Settings
from newsterm.store import Store
from newsterm.ui.app import NewstermApp
from newsterm.ui.screens.main import MainScreen
from newsterm.ui.widgets.article_list import ArticleList
from newsterm.ui.widgets.feed_list import FeedList
from newsterm.ui.widgets.reader import Reader
from tests.ui_data import NOW, fill_store, frozen_now


def filled_store(path: Path) -> Store:
    """A store in `path` holding the deterministic UI data set."""
    store = Store.in_dir(path)
    fill_store(store)
    return store


def make_app(
    store: Store, *, offline: bool = True, settings: Settings | None = None
) -> NewstermApp:
    """The real app over `store`, with a frozen clock and no refresh on start by default."""
    settings = settings or Settings(refresh_on_start=False, refresh_interval=0)
    return NewstermApp(store=store, settings=settings, offline=offline, now=frozen_now)


async def settle(pilot: Pilot[None]) -> None:
    """Let messages, workers and the resulting messages all run."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def focused_id(app: NewstermApp) -> str | None:
    """The id of the focused widget (a str, so assertions don't narrow types)."""
    return app.focused.id if app.focused is not None else None


def _text_of(path: Path) -> str:
    return path.read_text() if path.exists() else ""


def recording_browser(record: Path) -> Settings:
    """Settings whose browser is a real process that appends each URL it is given to
    `record` (read it with `wait_for_text`)."""
    command = [sys.executable, "-c", f"import sys; open({str(record)!r}, 'a').write(sys.argv[1])"]
    return Settings(
        refresh_on_start=False, refresh_interval=0, browser=BrowserSettings(command=command)
    )


async def wait_for_text(pilot: Pilot[None], path: Path, within: float = 20.0) -> str:
    """The text a subprocess (a fake browser) wrote to `path`, once it is there."""
    for _ in range(int(within / 0.05)):
        if text := _text_of(path):
            return text
        await pilot.pause(0.05)
    raise AssertionError(f"{path} was not written")


def main_screen(app: NewstermApp) -> MainScreen:
    for screen in app.screen_stack:
        if isinstance(screen, MainScreen):
            return screen
    raise AssertionError("no main screen")


def panes(app: NewstermApp) -> tuple[FeedList, ArticleList, Reader]:
    screen = main_screen(app)
    return screen.feed_list, screen.article_list, screen.reader


@asynccontextmanager
async def reading_first_article(
    app: NewstermApp, size: tuple[int, int] = (120, 40)
) -> AsyncIterator[tuple[Pilot[None], Reader]]:
    """`app` running, its first feed's first article open in the reader."""
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("enter", "enter")
        await settle(pilot)
        yield pilot, panes(app)[2]


def plain(renderable: object, width: int = 100) -> str:
    """A renderable as plain text (what a terminal would show, minus colours)."""
    console = Console(width=width, color_system=None, file=io.StringIO())
    with console.capture() as capture:
        console.print(renderable)
    return capture.get()


def list_lines(articles: ArticleList) -> list[str]:
    """The article list's visible rows as text."""
    height = articles.scrollable_content_region.height
    return [articles.render_line(y).text for y in range(height)]


def rss(title: str, items: list[tuple[str, str]], *, hours_apart: int = 1) -> bytes:
    """A small RSS 2.0 document; `items` are (guid, title), newest first."""
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<rss version="2.0"><channel>',
        f"<title>{escape(title)}</title><link>https://site.example/</link>",
        "<description>test feed</description>",
    ]
    for index, (guid, item_title) in enumerate(items):
        when = format_datetime(NOW - timedelta(hours=index * hours_apart))
        parts.append(
            f"<item><guid>{escape(guid)}</guid><title>{escape(item_title)}</title>"
            f"<link>https://site.example/{escape(guid)}</link><pubDate>{when}</pubDate>"
            f"<description>&lt;p&gt;Body of {escape(item_title)}&lt;/p&gt;</description></item>"
        )
    parts.append("</channel></rss>")
    return "".join(parts).encode("utf-8")
