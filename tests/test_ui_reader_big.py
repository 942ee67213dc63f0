"""A ~1 MB article is converted and laid out in a worker: the app keeps answering keys."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from newsterm.content import Article
from newsterm.models import ParsedEntry, ParsedFeed
from newsterm.store import Store
from newsterm.ui.widgets import reader as reader_module
from newsterm.ui.widgets.reader import ReaderRendering
from tests.ui_data import NOW
from tests.ui_helpers import focused_id, make_app, panes, plain, settle

PARAGRAPHS = 1_800


def _big_body() -> str:
    parts = []
    for number in range(PARAGRAPHS):
        parts.append(
            f"<p>Paragraph {number} talks about <b>terminals</b> and "
            f'<a href="https://example.org/notes/{number}">note {number}</a>. '
            + "Readers scroll through long articles one screen at a time. " * 8
            + "</p>"
        )
        if number % 100 == 0:
            parts.append(f"<h2>Part {number // 100}</h2><pre><code>print({number})</code></pre>")
    return "".join(parts)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store.in_dir(tmp_path / "data")
    feed = store.add_feed("https://long.example/feed", title="Long reads")
    body = _big_body()
    assert len(body) > 1_000_000
    entries = [
        ParsedEntry(identity="big", title="Huge", published=NOW, content=body),
        ParsedEntry(
            identity="small",
            title="Small",
            published=NOW - timedelta(hours=1),
            content="<p>A short one.</p>",
        ),
    ]
    store.store_feed(feed.id, ParsedFeed(title="Long reads", entries=entries), now=NOW)
    yield store
    store.close()


async def test_keys_are_handled_while_a_huge_body_is_formatted(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    threads: list[threading.Thread] = []
    real_render = reader_module.render_for_reader

    def held_render(article: Article, width: int) -> ReaderRendering:
        threads.append(threading.current_thread())
        assert release.wait(timeout=60), "the test never released the worker"
        return real_render(article, width)

    monkeypatch.setattr(reader_module, "render_for_reader", held_render)
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        _feeds, articles, reader = panes(app)
        await pilot.press("enter", "enter")  # the article list, then open "Huge"
        await pilot.pause()
        assert reader.entry is not None and reader.entry.title == "Huge"
        assert "Formatting" in plain(reader.body_lines)
        assert threads and threads[0] is not threading.main_thread()
        # The worker is still busy with the body: keys are handled meanwhile.
        await pilot.press("escape")
        assert focused_id(app) == "articles"
        first = articles.cursor
        await pilot.press("j")
        assert articles.cursor == first + 1
        assert "Formatting" in plain(reader.body_lines)
        release.set()
        await settle(pilot)
        shown = plain(reader.body_lines, width=200)
        assert "Paragraph 0 talks about terminals and note 0[1]" in shown
        assert f"Paragraph {PARAGRAPHS - 1}" in shown
        assert len(reader.links) == PARAGRAPHS
        assert reader.border_subtitle == f"{PARAGRAPHS} links"


async def test_a_huge_body_scrolls_and_reflows_at_a_new_width(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        _feeds, _articles, reader = panes(app)
        await pilot.press("enter", "enter")
        await settle(pilot)
        visual = reader.body_lines
        assert visual.width == reader.scrollable_content_region.width - 2
        assert len(visual.lines) > PARAGRAPHS
        links = reader.links_lines
        assert len(links) == PARAGRAPHS + 2  # a blank line, the heading, the rows
        # Header, a blank line, the body, the links list, a blank line: all scroll.
        assert reader.links_top == len(reader.header_lines) + 1 + len(visual)
        assert reader.virtual_size.height == reader.links_top + len(links) + 1
        await pilot.press("G")
        assert reader.at_end
        await pilot.resize_terminal(160, 40)
        await settle(pilot)
        wider = reader.body_lines
        assert wider is not visual
        assert wider.width == reader.scrollable_content_region.width - 2 > visual.width
        assert len(wider.lines) < len(visual.lines)
        # Only what was on screen was styled (a few screens as it scrolled), not the article.
        assert len(reader._strips) < len(wider.lines) // 10
        # Back to the list, another article, then the big one again: shown without waiting.
        await pilot.press("escape", "j", "enter")
        await settle(pilot)
        assert reader.entry is not None and reader.entry.title == "Small"
        await pilot.press("escape", "k", "enter")
        assert reader.entry is not None and reader.entry.title == "Huge"
        assert reader.body_lines.lines is wider.lines
