"""A launched app collects the young objects a key made after the key's paint, not while
the key is handled (see `newsterm.ui.collector`)."""

from __future__ import annotations

import gc
from typing import Any

import pytest

from newsterm.store import Store
from newsterm.ui.collector import MIDDLE, RARE_YOUNG, YOUNG_ENOUGH, IdleCollector
from tests.ui_helpers import make_app, settle


@pytest.mark.usefixtures("collector_off")
async def test_young_objects_are_collected_after_the_paint(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.idle_collector is not None
        assert gc.get_threshold()[0] == RARE_YOUNG
        happened: list[str] = []

        def on_collection(phase: str, info: dict[str, int]) -> None:
            if phase == "start":
                happened.append(f"collect {info['generation']}")

        painted = app._display

        def display(screen: Any, renderable: Any) -> None:
            painted(screen, renderable)
            if renderable is not None:
                happened.append("paint")

        app._display = display  # type: ignore[method-assign]
        gc.callbacks.append(on_collection)
        try:
            # Twice CPython's young threshold (700) of young objects before the key: there,
            # the key's own objects would start a collection while it is handled.
            gc.collect()  # whatever earlier tests left
            kept: list[list[int]] = [[] for _ in range(1_400)]
            assert 1_400 <= gc.get_count()[0] < RARE_YOUNG // 2
            happened.clear()
            await pilot.press("j")  # the next view: the article list shows other rows
            await settle(pilot)
        finally:
            gc.callbacks.remove(on_collection)
        del kept  # kept through the key
        assert "paint" in happened
        first_paint = happened.index("paint")
        assert not [event for event in happened[:first_paint] if event.startswith("collect")]
        assert "collect 0" in happened[first_paint:] or "collect 1" in happened[first_paint:]
        assert gc.get_count()[0] < YOUNG_ENOUGH


@pytest.mark.usefixtures("collector_off")
def test_after_a_paint_the_middle_generation_is_collected_in_its_turn() -> None:
    collector = IdleCollector()
    collector.start()
    middle = gc.get_threshold()[1]
    assert middle == MIDDLE
    collected = []
    kept: list[list[list[int]]] = []  # what each "key" made outlives it
    for _ in range(2 * (middle + 2)):
        kept.append([[] for _ in range(YOUNG_ENOUGH + 100)])
        collected.append(collector.after_paint())
    # As CPython would: young collections, and once more of them have run than the
    # middle generation's threshold, that generation too.
    assert collected == 2 * ([0] * (middle + 1) + [1])
    assert gc.get_count()[1] == 0
    small: list[list[int]] = [[] for _ in range(YOUNG_ENOUGH // 10)]
    assert collector.after_paint() is None  # too few young objects to be worth it
    assert small
