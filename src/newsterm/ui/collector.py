"""Garbage collections between keys, not in the middle of a keypress.

CPython's cycle collector runs a full collection whenever enough objects have survived
two younger collections. In the app that happens every hundred keys or so, and a full
collection costs 15-60 ms (measured with `bench/interact.py`, which counts them): the key
it lands on misses its frame. Full collections are made rare, and run when no key or
click has come for a second. This is what Textual itself does while it scrolls
(`App.PAUSE_GC_ON_SCROLL`).

Young collections are moved out of the keys too. A key that repaints a pane makes a few
thousand tracked objects (each line Textual draws is a strip with seven small caches), so
at CPython's threshold of 700 every such key paid one to three young collections of
0.1-0.7 ms, and every tenth or so a collection of the middle generation of about 3 ms.
The threshold is raised so a key rarely reaches it, and the young objects are collected
once the key's paint is out, while the user is between keys.

Only a launched app does this (see `newsterm.__main__`): an app embedded in another
program, or in a test, leaves the collector as it found it.
"""

from __future__ import annotations

import gc
import time

IDLE_S = 1.0
"""No input for this long is a pause to collect in."""

CHECK_EVERY_S = 2.0
"""How often the app looks for a pause."""

RARE_FULL = 100
"""The oldest generation's threshold: ten times CPython's (10), so a user who never pauses
still gets full collections, only rarer."""

RARE_YOUNG = 10_000
"""The youngest generation's threshold: several keys' worth (a key makes 100-2,000
tracked objects, the first article opened 6,000), so a collection rarely falls inside one;
the young objects are collected after each paint instead."""

MIDDLE = 2
"""The middle generation's threshold: it is collected after every third young collection
(CPython's 10 let its survivors pile up into a 3 ms collection)."""

YOUNG_ENOUGH = 1_000
"""Young objects worth a collection after a paint (fewer cost nothing to leave)."""


class IdleCollector:
    """Takes full collections out of the automatic cycle and runs them in pauses."""

    def __init__(self) -> None:
        self.last_input = time.monotonic()
        """When the last key or mouse event came."""
        self.collections = 0
        """Full collections run in pauses so far."""

    def start(self) -> None:
        """Freeze what start-up made, and leave full collections to `tick`.

        Frozen, the modules, classes and widgets made so far are left out of every later
        collection (they live as long as the app).
        """
        gc.freeze()
        gc.set_threshold(RARE_YOUNG, MIDDLE, RARE_FULL)
        gc.enable()

    def input_seen(self) -> None:
        """Note a key or mouse event: the user is not pausing."""
        self.last_input = time.monotonic()

    def after_paint(self) -> int | None:
        """Collect the young objects a key made, once its paint is out; returns the
        generation collected, if any.

        The middle generation is collected when CPython would (once more young
        collections than its threshold have run), here rather than inside a later key.
        """
        young, middle, _oldest = gc.get_count()
        if young < YOUNG_ENOUGH:
            return None
        generation = 1 if middle > gc.get_threshold()[1] else 0
        gc.collect(generation)
        return generation

    def tick(self) -> bool:
        """Run a full collection if the user has paused and objects have aged since the
        last one; returns whether it ran."""
        if time.monotonic() - self.last_input < IDLE_S:
            return False
        if gc.get_count()[2] == 0:  # no young collection since the last full one
            return False
        gc.collect()
        self.collections += 1
        return True
