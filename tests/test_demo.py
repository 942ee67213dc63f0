"""The shipped demo set loads offline into a real store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from newsterm.demo import DEMO_HOST, demo_feeds, load_demo
from newsterm.models import EntryQuery
from newsterm.store import Store


def test_demo_loads_every_feed_without_network(tmp_path: Path) -> None:
    store = Store.in_dir(tmp_path)
    loaded = load_demo(store)
    feeds = store.list_feeds()
    assert len(feeds) == len(demo_feeds()) >= 12
    assert all(DEMO_HOST in f.url and f.status == "ok" and f.total >= 3 for f in feeds)
    assert loaded == store.count_entries(EntryQuery()) == sum(f.total for f in feeds)
    assert {f.folder for f in feeds} >= {"Tech", "News", "Life", "World", None}
    # Not due for a long time: a demo session never tries the network.
    assert store.feeds_due(datetime.now(UTC) + timedelta(days=30)) == []


def test_demo_dates_look_recent_and_never_future(tmp_path: Path) -> None:
    store = Store.in_dir(tmp_path)
    load_demo(store)
    newest = store.list_entries(EntryQuery(), limit=1)[0].published
    assert newest is not None
    now = datetime.now(UTC)
    assert now - timedelta(days=1) < newest <= now


def test_loading_twice_adds_nothing(tmp_path: Path) -> None:
    store = Store.in_dir(tmp_path)
    first = load_demo(store)
    assert first > 0
    assert load_demo(store) == 0
    assert store.count_entries(EntryQuery()) == first
