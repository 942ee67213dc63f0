"""Fixtures shared by the whole suite."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from newsterm.store import Store
from tests.paths import CORPUS


@pytest.fixture(autouse=True)
def _isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Keep every test away from the user's real data and config directories."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.delenv("NEWSTERM_DATA_DIR", raising=False)
    monkeypatch.delenv("NEWSTERM_CONFIG", raising=False)
    yield


@pytest.fixture
def corpus() -> Path:
    """The shared corpus of real-world feeds and HTML (read-only)."""
    if not CORPUS.is_dir():
        pytest.skip(f"corpus not found at {CORPUS}")
    return CORPUS


@pytest.fixture(scope="session")
def threaded_httpserver() -> Iterator[HTTPServer]:
    """One threaded local server for the session: a slow handler (a trickle, a timeout)
    must not hold back the other requests of the same test. Users clear it per test."""
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A store filled with the UI data set (tests/ui_data.py), closed after the test.

    Modules that need another store define a `store` fixture of their own, which wins.
    """
    from tests.ui_helpers import filled_store  # imports the app: only where it is used

    store = filled_store(tmp_path / "data")
    yield store
    store.close()


@pytest.fixture
def collector_off() -> Iterator[None]:
    """The cycle collector as `newsterm.__main__` leaves it for the app (off until the first
    paint); thresholds, freeze and state restored whatever the test does."""
    thresholds = gc.get_threshold()
    gc.disable()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
        gc.enable()
