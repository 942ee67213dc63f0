"""A scrollbar that was not refreshed since it last drew gives the same lines without
working out its look again (Textual asks every bar on a repainted stretch of screen)."""

from __future__ import annotations

from typing import Any

import pytest
from textual.geometry import Region

from newsterm.store import Store
from newsterm.ui.widgets.scrollbar import CachedScrollBar
from tests.ui_helpers import make_app, panes, settle


async def test_a_clean_bar_redraws_from_its_last_lines(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 24)) as pilot:
        await settle(pilot)
        _feeds, articles, _reader = panes(app)
        bar = articles.vertical_scrollbar
        assert isinstance(bar, CachedScrollBar) and articles.show_vertical_scrollbar
        looks: list[Region] = []
        look = CachedScrollBar._look

        def counting(self: CachedScrollBar, crop: Region) -> Any:
            looks.append(crop)
            return look(self, crop)

        monkeypatch.setattr(CachedScrollBar, "_look", counting)
        crop = Region(0, 0, *bar.size)
        first = bar.render_lines(crop)
        looks.clear()
        assert bar.render_lines(crop) is first  # nothing changed: no look worked out
        assert looks == []
        articles.scroll_to(y=articles.max_scroll_y, animate=False, immediate=True)
        await pilot.pause()
        moved = bar.render_lines(crop)
        assert looks == [crop]  # refreshed by the scroll: drawn from its new look
        assert [line.text for line in moved] != [line.text for line in first]
