"""Several threads and several processes on one database: no "database is locked"."""

from __future__ import annotations

import multiprocessing
import multiprocessing.synchronize
import traceback
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from newsterm.models import EntryQuery, Feed, FeedError
from newsterm.store import DB_FILENAME, Store
from tests.store_helpers import NOW, entry, feed_doc, numbered_feed

FEEDS_PER_WRITER = 40
ENTRIES_PER_FEED = 20
SHARED_URL = "https://shared.example/feed"


def test_threads_share_one_store(tmp_path: Path) -> None:
    with Store.in_dir(tmp_path) as store:
        feed_ids = [store.add_feed(f"https://{n}.example/").id for n in range(12)]

        def refresh(feed_id: int) -> int:
            stored = store.store_feed(feed_id, numbered_feed(25, prefix=f"f{feed_id}-"), now=NOW)
            ids = store.entry_ids(EntryQuery(feed_id=feed_id))
            store.set_read(ids[:5])
            store.set_starred(ids[:1])
            assert len(store.entry_summaries(ids)) == 25
            return stored.new

        with ThreadPoolExecutor(max_workers=4) as pool:
            assert sum(pool.map(refresh, feed_ids)) == 12 * 25
        assert store.stats() == {"feeds": 12, "entries": 300, "unread": 240, "starred": 12}
        assert store.feed_counts() == {feed_id: (20, 25) for feed_id in feed_ids}


def _writer(
    path: str,
    name: str,
    barrier: multiprocessing.synchronize.Barrier,
    errors: multiprocessing.Queue[str],
) -> None:
    """One process refreshing its own feeds and a shared one, as fast as it can."""
    try:
        barrier.wait(timeout=60)
        # Both processes open (and so create and migrate) the new file at the same moment.
        with Store(Path(path)) as store:
            try:
                shared: Feed | None = store.add_feed(SHARED_URL)
            except FeedError:  # the other process subscribed first
                shared = store.find_feed(SHARED_URL)
            assert shared is not None
            for n in range(FEEDS_PER_WRITER):
                feed = store.add_feed(f"https://{name}-{n}.example/feed")
                store.store_feed(
                    feed.id, numbered_feed(ENTRIES_PER_FEED, prefix=f"{name}{n}-"), now=NOW
                )
                store.record_fetch(feed.id, checked=NOW, next_check=NOW, error=None, etag="x")
                store.store_feed(
                    shared.id, feed_doc(entry(f"common-{n % 5}"), entry(f"{name}-{n}")), now=NOW
                )
                store.set_read(store.entry_ids(EntryQuery(feed_id=feed.id))[:2])
                store.mark_all_read(EntryQuery(feed_id=shared.id))
    except BaseException:
        errors.put(f"{name}: {traceback.format_exc()}")


def test_two_processes_write_at_once_without_lock_errors(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    path = tmp_path / DB_FILENAME
    barrier = context.Barrier(2)
    errors: multiprocessing.Queue[str] = context.Queue()
    writers = [
        context.Process(target=_writer, args=(str(path), name, barrier, errors))
        for name in ("left", "right")
    ]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(timeout=120)
    problems = []
    while not errors.empty():
        problems.append(errors.get())
    assert problems == []
    assert [writer.exitcode for writer in writers] == [0, 0]

    with Store(path) as store:
        stats = store.stats()
        assert stats["feeds"] == 2 * FEEDS_PER_WRITER + 1
        # Each own feed: 20 entries; the shared feed: 5 common + 40 per writer.
        assert (
            stats["entries"] == 2 * FEEDS_PER_WRITER * ENTRIES_PER_FEED + 5 + 2 * FEEDS_PER_WRITER
        )
        assert stats["unread"] == 2 * FEEDS_PER_WRITER * (ENTRIES_PER_FEED - 2)


def _opener(
    path: str, barrier: multiprocessing.synchronize.Barrier, errors: multiprocessing.Queue[str]
) -> None:
    try:
        barrier.wait(timeout=60)
        for round_number in range(3):
            with Store(Path(path)) as store:
                store.add_feed(f"https://{multiprocessing.current_process().name}/{round_number}")
    except BaseException:
        errors.put(traceback.format_exc())


def test_processes_creating_the_same_new_file_at_once(tmp_path: Path) -> None:
    # SQLite refuses the switch to WAL at once (no busy wait) while another process is
    # opening the same new file; the store must wait instead of failing.
    context = multiprocessing.get_context("spawn")
    path = tmp_path / DB_FILENAME
    barrier = context.Barrier(4)
    errors: multiprocessing.Queue[str] = context.Queue()
    openers = [
        context.Process(target=_opener, args=(str(path), barrier, errors), name=f"opener{n}")
        for n in range(4)
    ]
    for opener in openers:
        opener.start()
    for opener in openers:
        opener.join(timeout=120)
    problems = []
    while not errors.empty():
        problems.append(errors.get())
    assert problems == []
    with Store(path) as store:
        assert store.stats()["feeds"] == 12
