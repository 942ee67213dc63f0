"""The cycle collector is off while a launch builds its long-lived objects, and back on after.

`newsterm.__main__` turns it off before anything is imported; a command turns it back on
before it works, and the reader after its first paint, freezing what start-up made and
leaving full collections to the pauses between keys (`newsterm.ui.collector`).
"""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

import pytest

from newsterm.store import Store
from newsterm.ui.collector import IDLE_S, RARE_FULL, IdleCollector
from tests.ui_helpers import make_app, settle

_REPORT_GC_AT_EXIT = (
    "import atexit, gc, sys\n"
    "atexit.register(lambda: print(\n"
    "    'collector on:', gc.isenabled(), 'frozen:', gc.get_freeze_count()))\n"
    "sys.argv = ['newsterm', *sys.argv[1:]]\n"
    "from newsterm.__main__ import main\n"
    "main()\n"
)


def test_a_command_runs_with_the_collector_on(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _REPORT_GC_AT_EXIT, "--data-dir", str(tmp_path), "list"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "collector on: True frozen: 0" in done.stdout


@pytest.mark.usefixtures("collector_off")
async def test_the_reader_turns_the_collector_on_after_its_first_paint(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.startup_ms is not None
        assert gc.isenabled()
        assert gc.get_freeze_count() > 10_000  # the modules, classes and widgets
        assert gc.get_threshold()[2] == RARE_FULL
        collector = app.idle_collector
        assert collector is not None
        collector.last_input = 0.0
        await pilot.press("j")
        assert collector.last_input > 0.0  # a key is not a pause
        assert not collector.tick()


async def test_an_app_started_with_the_collector_on_freezes_nothing(store: Store) -> None:
    """Embedded (tests, other programs), the app leaves the collector as it found it."""
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.startup_ms is not None
        assert gc.isenabled()
        assert gc.get_freeze_count() == 0
        assert app.idle_collector is None


@pytest.mark.usefixtures("collector_off")
def test_full_collections_wait_for_a_pause() -> None:
    collector = IdleCollector()
    collector.start()
    collector.input_seen()
    _ = [[] for _ in range(50_000)]  # enough objects for young collections to promote some
    assert gc.get_count()[2] > 0
    assert not collector.tick()  # the user just pressed a key
    collector.last_input -= IDLE_S
    assert collector.tick()
    assert collector.collections == 1
    assert gc.get_count()[2] == 0
    assert not collector.tick()  # nothing aged since
