"""Full garbage collections when the user pauses, not in the middle of a keypress.

CPython's cycle collector runs a full collection whenever enough objects have survived
two younger collections. In the app that happens every hundred keys or so, and a full
collection costs 15-60 ms (measured with `bench/interact.py`, which counts them): the key
it lands on misses its frame. Young collections cost well under a millisecond and stay
automatic; full ones are made rare, and run when no key or click has come for a second.
This is what Textual itself does while it scrolls (`App.PAUSE_GC_ON_SCROLL`).

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
        young, middle, _oldest = gc.get_threshold()
        gc.set_threshold(young, middle, RARE_FULL)
        gc.enable()

    def input_seen(self) -> None:
        """Note a key or mouse event: the user is not pausing."""
        self.last_input = time.monotonic()

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
