"""Rows kept across focus changes are drawn as they would be afresh, in each look."""

from __future__ import annotations

from newsterm.store import Store
from newsterm.ui.widgets.row_list import RowList
from tests.ui_helpers import focused_id, main_screen, make_app, panes, settle


def _rows(view: RowList) -> list[list[tuple[str, object]]]:
    return [
        [(segment.text, segment.style) for segment in view.render_line(y)]
        for y in range(view.scrollable_content_region.height)
    ]


def _fresh_rows(view: RowList) -> list[list[tuple[str, object]]]:
    view._strips.clear()
    return _rows(view)


async def test_rows_follow_the_focus_both_ways(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        feeds, articles, _reader = panes(app)
        screen = main_screen(app)
        looks: dict[tuple[str, str | None], list[list[tuple[str, object]]]] = {}
        for _ in range(2):  # the second round draws from rows kept in the first
            for pane in ("articles", "reader", "feeds"):
                screen.focus_pane(pane)
                await settle(pilot)
                assert focused_id(app) == pane
                for view in (feeds, articles):
                    kept = _rows(view)
                    assert kept == _fresh_rows(view)
                    looks.setdefault((pane, view.id), kept)
                    assert kept == looks[(pane, view.id)]
        # Focus changes the look of a list's cursor row.
        assert looks[("articles", "articles")] != looks[("reader", "articles")]
        assert looks[("feeds", "feeds")] != looks[("articles", "feeds")]
