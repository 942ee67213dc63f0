"""The refresh service end to end: a real server, the real fetcher, parser and store."""

from __future__ import annotations

import concurrent.futures
import gzip
import hashlib
from pathlib import Path
from typing import Any

import feedparser
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from newsterm.config import FetchSettings, Settings
from newsterm.models import EntryQuery, FeedError
from newsterm.refresh import RefreshProgress, refresh_feeds, subscribe
from newsterm.store import Store
from tests.helpers import corpus_feed

ATOM = "feedjira--PaulDixExplainsNothing.xml"
RSS = "feedreader--Rss20CTVNews.xml"
RSS10 = "feedreader--Rss10OrfAt.xml"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.in_dir(tmp_path)


SETTINGS = Settings(fetch=FetchSettings(connect_timeout=2, read_timeout=2, total_timeout=5))


def conditional(body: bytes, content_type: str):  # type: ignore[no-untyped-def]
    """A handler that serves `body` with an ETag and answers 304 when it matches."""
    etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'

    def handler(request: Request) -> Response:
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})
        return Response(body, content_type=content_type, headers={"ETag": etag})

    return handler


async def test_refresh_stores_entries_then_skips_unchanged(
    httpserver: HTTPServer, store: Store
) -> None:
    body = corpus_feed(RSS)
    httpserver.expect_request("/rss").respond_with_handler(conditional(body, "application/rss+xml"))
    feed = store.add_feed(httpserver.url_for("/rss"))
    progress: list[RefreshProgress] = []

    report = await refresh_feeds(store, SETTINGS, on_progress=progress.append)
    expected = len(feedparser.parse(body).entries)
    assert report.new_entries == expected
    assert report.failed == []
    assert progress[0].done == 0 and progress[-1].done == progress[-1].total == 1
    stored = store.get_feed(feed.id)
    assert stored is not None
    assert stored.total == expected and stored.etag and stored.status == "ok"
    assert stored.title == "CTVNews.ca - Top Stories - Public RSS"

    # Read state survives a second refresh, which is a 304 that writes nothing.
    first_id = store.entry_ids(EntryQuery())[0]
    store.set_read([first_id])
    store.set_starred([first_id])
    again = await refresh_feeds(store, SETTINGS)
    assert again.outcomes[0].not_modified
    assert again.new_entries == 0
    [summary] = store.entry_summaries([first_id])
    assert summary.read and summary.starred


async def test_failures_are_per_feed_and_others_still_refresh(
    httpserver: HTTPServer, store: Store
) -> None:
    httpserver.expect_request("/good").respond_with_data(
        corpus_feed(ATOM), content_type="application/atom+xml"
    )
    httpserver.expect_request("/gone").respond_with_data("", status=410)
    httpserver.expect_request("/html").respond_with_data(
        "<!doctype html><title>x</title><p>a page</p>", content_type="text/html"
    )
    httpserver.expect_request("/broken").respond_with_data(
        corpus_feed(ATOM)[:3000], content_type="application/atom+xml"
    )
    good = store.add_feed(httpserver.url_for("/good"))
    gone = store.add_feed(httpserver.url_for("/gone"))
    html = store.add_feed(httpserver.url_for("/html"))
    store.add_feed(httpserver.url_for("/broken"))
    dead = store.add_feed("http://127.0.0.1:9/closed-port")

    report = await refresh_feeds(store, SETTINGS)
    errors = {o.feed_id: o.error or "" for o in report.outcomes}
    assert errors[good.id] == ""
    assert "410" in errors[gone.id]
    assert "not a feed" in errors[html.id]
    assert errors[dead.id] == "connection refused"
    assert store.count_entries(EntryQuery(feed_id=good.id)) == 5
    failed = store.get_feed(dead.id)
    assert failed is not None and failed.error_count == 1 and failed.error == "connection refused"
    assert failed.next_check is not None and failed.last_checked is not None


async def test_permanent_redirect_updates_the_stored_url(
    httpserver: HTTPServer, store: Store
) -> None:
    httpserver.expect_request("/old").respond_with_data(
        "", status=301, headers={"Location": "/new"}
    )
    httpserver.expect_request("/new").respond_with_data(
        corpus_feed(ATOM), content_type="application/atom+xml"
    )
    feed = store.add_feed(httpserver.url_for("/old"))
    await refresh_feeds(store, SETTINGS)
    moved = store.get_feed(feed.id)
    assert moved is not None and moved.url == httpserver.url_for("/new")


async def test_many_feeds_parse_in_a_process_pool(
    httpserver: HTTPServer, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    import newsterm.refresh as refresh_module

    monkeypatch.setattr(refresh_module, "POOL_AFTER_BYTES", 0)  # the pool from the first feed
    pools: list[object] = []
    real_pool = concurrent.futures.ProcessPoolExecutor

    def counting_pool(*args: Any, **kwargs: Any) -> Any:
        pools.append(object())
        return real_pool(*args, **kwargs)

    monkeypatch.setattr(refresh_module, "ProcessPoolExecutor", counting_pool)
    names = [ATOM, RSS, RSS10]
    expected = 0
    for index in range(12):  # above the process-pool threshold
        body = corpus_feed(names[index % 3])
        expected += len(feedparser.parse(body).entries)
        data = gzip.compress(body) if index % 2 else body
        headers = {"Content-Encoding": "gzip"} if index % 2 else {}
        httpserver.expect_request(f"/f{index}").respond_with_data(
            data, content_type="application/xml", headers=headers
        )
        store.add_feed(httpserver.url_for(f"/f{index}"))
    report = await refresh_feeds(store, SETTINGS)
    assert report.failed == []
    assert report.new_entries == expected
    assert store.count_entries(EntryQuery()) == expected
    assert len(pools) == 1


async def test_cancelled_refresh_stops_before_fetching(
    httpserver: HTTPServer, store: Store
) -> None:
    store.add_feed(httpserver.url_for("/never"))
    report = await refresh_feeds(store, SETTINGS, is_cancelled=lambda: True)
    assert report.outcomes == []
    assert len(httpserver.log) == 0


async def test_subscribe_discovers_from_a_web_page(httpserver: HTTPServer, store: Store) -> None:
    httpserver.expect_request("/").respond_with_data(
        '<html><head><link rel="alternate" type="application/atom+xml" href="/feed.atom">'
        "</head><body>blog</body></html>",
        content_type="text/html",
    )
    httpserver.expect_request("/feed.atom").respond_with_data(
        corpus_feed(ATOM), content_type="application/atom+xml"
    )
    feed = await subscribe(store, SETTINGS, httpserver.url_for("/"), folder="Blogs")
    assert feed.url == httpserver.url_for("/feed.atom")
    assert feed.folder == "Blogs"
    assert feed.title == "Paul Dix Explains Nothing"
    assert feed.total == 5
    with pytest.raises(FeedError, match="already subscribed"):
        await subscribe(store, SETTINGS, httpserver.url_for("/feed.atom"))


async def test_subscribe_to_nothing_is_a_clear_error(httpserver: HTTPServer, store: Store) -> None:
    httpserver.expect_request("/").respond_with_data(
        "<html>no feeds</html>", content_type="text/html"
    )
    with pytest.raises(FeedError, match="no feed found"):
        await subscribe(store, SETTINGS, httpserver.url_for("/"))
    assert store.list_feeds() == []


async def test_cancelling_stops_feeds_still_waiting(httpserver: HTTPServer, store: Store) -> None:
    body = corpus_feed(ATOM)
    for index in range(10):
        httpserver.expect_request(f"/c{index}").respond_with_data(
            body, content_type="application/atom+xml"
        )
        store.add_feed(httpserver.url_for(f"/c{index}"))
    one_at_a_time = Settings(fetch=FetchSettings(concurrency=1, per_host=1, total_timeout=5))
    progress: list[RefreshProgress] = []

    report = await refresh_feeds(
        store,
        one_at_a_time,
        on_progress=progress.append,
        is_cancelled=lambda: len(progress) > 3,  # cancel after three feeds finished
    )
    assert 3 <= len(report.outcomes) < 10
    assert len(httpserver.log) == len(report.outcomes)


async def test_a_pool_that_cannot_start_falls_back_to_in_process(
    httpserver: HTTPServer, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    import newsterm.refresh as refresh_module

    class UnstartablePool:
        def __init__(self, *args: object, **kwargs: object) -> None:
            pass

        def submit(self, *args: object, **kwargs: object) -> None:
            raise ValueError("bad value(s) in fds_to_keep")  # as under a TUI without stderr

        def shutdown(self, *args: object, **kwargs: object) -> None:
            pass

    monkeypatch.setattr(refresh_module, "ProcessPoolExecutor", UnstartablePool)
    monkeypatch.setattr(refresh_module, "POOL_AFTER_BYTES", 0)
    body = corpus_feed(RSS)
    for index in range(4):
        httpserver.expect_request(f"/p{index}").respond_with_data(
            body, content_type="application/rss+xml"
        )
        store.add_feed(httpserver.url_for(f"/p{index}"))
    report = await refresh_feeds(store, SETTINGS)
    assert report.failed == []
    assert report.new_entries == 4 * len(feedparser.parse(body).entries)
