"""While an article is read, the next ones (the next row, the next unread) are rendered
ahead; opening one shows exactly what rendering it then would have shown."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from textual.pilot import Pilot

from newsterm import content
from newsterm.store import Store
from newsterm.ui.app import NewstermApp
from newsterm.ui.widgets import reader as reader_module
from newsterm.ui.widgets.reader import ReaderRendering, render_for_reader
from tests.store_helpers import NOW, entry, feed_doc
from tests.ui_helpers import main_screen, make_app, panes, settle


async def _open_the_newest_article(pilot: Pilot[None], app: NewstermApp) -> None:
    """Open the All view's first article from the article list (the next ones are then
    prepared)."""
    await settle(pilot)
    feeds, _articles, _reader = panes(app)
    assert feeds.select_key("view:all")
    main_screen(app).focus_pane("articles")
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def test_the_next_articles_are_prepared_and_shown_as_rendered_afresh(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await _open_the_newest_article(pilot, app)
        _feeds, articles, reader = panes(app)
        screen = main_screen(app)
        shown = reader.entry
        assert shown is not None
        next_row = articles.neighbour_id(1)
        target = articles.target
        assert next_row is not None and target is not None
        next_unread = store.next_unread(target.query, shown.id)
        prepared = {entry_id for entry_id, _version, _width in reader._prepared}
        assert {next_row, next_unread} - {None} <= prepared

        for keys in (["n"], ["j", "enter"]):  # the next unread, then the next row
            screen.focus_pane("articles")
            await settle(pilot)
            before = reader.entry
            await pilot.press(*keys)
            await settle(pilot)
            entry = reader.entry
            assert entry is not None and before is not None and entry.id != before.id
            body = reader.body_lines
            article = content.article_from_html(entry.body, title=entry.title, base_url=entry.link)
            fresh = render_for_reader(article, body.width)
            assert body.lines == fresh.body
            # Shown from what was prepared: taken out of the prepared ones.
            assert entry.id not in {entry_id for entry_id, _v, _w in reader._prepared}


async def test_a_failing_preparation_is_silent(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    original = store.next_unread

    def failing_off_the_ui_thread(*args: object, **kwargs: object) -> int | None:
        if threading.current_thread() is not threading.main_thread():
            raise RuntimeError("database is locked")
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(store, "next_unread", failing_off_the_ui_thread)
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        _feeds, _articles, reader = panes(app)
        main_screen(app).focus_pane("articles")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert reader.entry is not None
        assert not reader._prepared
        assert not [n for n in app._notifications if "locked" in n.message]


async def test_a_short_next_article_is_prepared_at_the_width_it_is_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Short bodies fit the pane without a scrollbar, so they are shown at the full
    # width, not the width beside a scrollbar that is tried first: both are prepared.
    store = Store.in_dir(tmp_path)
    feed = store.add_feed("https://short.example/")
    store.store_feed(
        feed.id,
        feed_doc(
            *(entry(f"s{n}", content=f"<p>Short body {n}.</p>", hours_ago=n) for n in range(4))
        ),
        now=NOW,
    )
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await _open_the_newest_article(pilot, app)
        _feeds, _articles, reader = panes(app)
        screen = main_screen(app)
        wide, narrow = reader._widths()
        assert wide > narrow
        rendered_on_ui_thread: list[int] = []
        render = reader_module.render_for_reader

        def counting(article: content.Article, width: int) -> ReaderRendering:
            if threading.current_thread() is threading.main_thread():
                rendered_on_ui_thread.append(width)
            return render(article, width)

        monkeypatch.setattr(reader_module, "render_for_reader", counting)
        before = reader.entry
        screen.focus_pane("articles")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert reader.entry is not None and before is not None
        assert reader.entry.id != before.id
        assert reader.body_lines.width == wide  # no scrollbar: the full width
        assert rendered_on_ui_thread == []
        assert reader.entry.id not in {entry_id for entry_id, _v, _w in reader._prepared}
    store.close()
