"""The refresh pipeline's parts: the process pool, and the writer that batches writes."""

from __future__ import annotations

import functools
import gzip
import threading
from concurrent.futures import Future
from pathlib import Path

import feedparser
import pytest
from pytest_httpserver import HTTPServer

import newsterm.refresh as refresh
from newsterm.config import FetchSettings, Settings
from newsterm.models import EntryQuery
from newsterm.store import Store
from tests.helpers import corpus_feed
from tests.store_helpers import NOW, numbered_feed

SETTINGS = Settings(fetch=FetchSettings(connect_timeout=2, read_timeout=2, total_timeout=5))
NAMES = ["feedjira--PaulDixExplainsNothing.xml", "feedreader--Rss20CTVNews.xml"]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.in_dir(tmp_path)


@pytest.mark.parametrize("pool_after", [0, 1 << 40], ids=["process-pool", "in-process"])
async def test_parsing_in_the_pool_or_in_process_stores_the_same(
    httpserver: HTTPServer, store: Store, monkeypatch: pytest.MonkeyPatch, pool_after: int
) -> None:
    monkeypatch.setattr(refresh, "POOL_AFTER_BYTES", pool_after)
    expected = 0
    for index in range(6):
        body = corpus_feed(NAMES[index % 2])
        expected += len(feedparser.parse(body).entries)
        httpserver.expect_request(f"/f{index}").respond_with_data(
            gzip.compress(body),
            content_type="application/xml",
            headers={"Content-Encoding": "gzip"},
        )
        store.add_feed(httpserver.url_for(f"/f{index}"))
    report = await refresh.refresh_feeds(store, SETTINGS)
    assert report.failed == []
    assert report.new_entries == expected
    assert store.count_entries(EntryQuery()) == expected
    assert store.search("the")  # search text was prepared where the parsing happened


def test_writer_batches_queued_writes_and_isolates_a_failure(store: Store) -> None:
    feeds = [store.add_feed(f"https://example.org/{n}.xml") for n in range(4)]
    writer = refresh._Writer(store)
    gate = threading.Event()
    try:
        # Hold the writer on a first write so the next ones queue up into one batch.
        blocker = writer.submit(gate.wait)
        futures: list[Future[object]] = []

        def store_numbered(feed_id: int, n: int) -> object:
            return store.store_feed(feed_id, numbered_feed(n + 1, prefix=f"f{n}-"), now=NOW)

        def subscribe_again() -> object:
            return store.add_feed("https://example.org/0.xml")

        for n, feed in enumerate(feeds):
            if n == 2:
                futures.append(writer.submit(subscribe_again))
            futures.append(writer.submit(functools.partial(store_numbered, feed.id, n)))
        gate.set()
        assert blocker.result(timeout=10) is True
        outcomes = []
        for future in futures:
            error = future.exception(timeout=10)
            outcomes.append(type(error).__name__ if error else "ok")
    finally:
        writer.close()
    assert outcomes == ["ok", "ok", "FeedError", "ok", "ok"]
    assert store.stats()["entries"] == 1 + 2 + 3 + 4
