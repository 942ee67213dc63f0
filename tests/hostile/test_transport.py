"""Hostile transport through the refresh path: bombs, sizes, trickles, silence, redirects, statuses.

Each test runs one refresh of several hostile feeds plus a well-behaved one, and checks that the
run ends (bounded by `RUN_BOUND`, far above the fetch timeouts), that each hostile feed is stored
with a short, clear error, and that the good feed got its entries.
"""

from __future__ import annotations

import gzip
import socket
import threading
import tracemalloc
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import brotli
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from newsterm.store import Store
from tests.hostile.conftest import (
    GOOD_RSS,
    MAX_BYTES,
    RSS_TYPE,
    Behaviour,
    RawServer,
    assert_failed,
    assert_good_feed_intact,
    close_at_once,
    endless_chunked,
    endless_until_close,
    never_answer,
    refresh,
    rss,
    trickle_body,
    trickle_headers,
)


def _gzip_zeros(size: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1024 * 1024)
    parts = [compressor.compress(block) for _ in range(size // len(block))]
    return b"".join(parts) + compressor.flush()


def _xml_bomb_payload(size: int) -> bytes:
    """A valid feed that inflates to `size` bytes: one item whose text is spaces."""
    head = b'<?xml version="1.0"?><rss version="2.0"><channel><title>Bomb</title><item><title>'
    return head + b" " * size + b"</title></item></channel></rss>"


async def test_decompression_bombs_are_cut_off_with_bounded_memory(
    http: HTTPServer, store: Store, good_url: str
) -> None:
    big = 256 * 1024 * 1024
    zeros = _gzip_zeros(big)
    bombs: dict[str, tuple[bytes, dict[str, str]]] = {
        "/gzip": (zeros, {"Content-Encoding": "gzip"}),
        "/gzip-twice": (gzip.compress(zeros), {"Content-Encoding": "gzip, gzip"}),
        "/br": (brotli.compress(bytes(big // 4), quality=1), {"Content-Encoding": "br"}),
        "/deflate": (zlib.compress(bytes(big // 4), 9), {"Content-Encoding": "deflate"}),
        # A valid feed inside: decoding must stop at the cap, not at the first parse error.
        "/gzip-feed": (
            gzip.compress(_xml_bomb_payload(64 * MAX_BYTES)),
            {"Content-Encoding": "gzip"},
        ),
    }
    for path, (body, headers) in bombs.items():
        assert len(body) < 2 * 1024 * 1024, path
        http.expect_request(path).respond_with_data(body, content_type=RSS_TYPE, headers=headers)
        store.add_feed(http.url_for(path))
    store.add_feed(good_url)

    tracemalloc.start()
    try:
        run = await refresh(store)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    for path in bombs:
        assert_failed(run, http.url_for(path), "too large (over 1 MB)")
    assert_good_feed_intact(run, good_url)
    # Gigabytes on decoding; the cap keeps the whole run (fetch + store) to a few times it.
    assert peak < 48 * MAX_BYTES, peak


async def test_gzip_file_served_without_content_encoding_is_bounded(
    http: HTTPServer, store: Store, good_url: str
) -> None:
    # Some hosts serve feed.xml.gz as application/gzip: the fetcher sees ~200 KB, the parser
    # gets the gzip bytes and must not inflate them without bound.
    bomb = gzip.compress(_xml_bomb_payload(200 * 1024 * 1024), 9)
    assert len(bomb) < MAX_BYTES
    http.expect_request("/feed.xml.gz").respond_with_data(bomb, content_type="application/gzip")
    url = http.url_for("/feed.xml.gz")
    store.add_feed(url)
    store.add_feed(good_url)

    run = await refresh(store)

    feed = assert_failed(run, url, "not a feed: gzip body larger than")
    assert feed.total == 0
    assert_good_feed_intact(run, good_url)


async def test_oversize_bodies_are_refused(http: HTTPServer, store: Store, good_url: str) -> None:
    big = rss("<item><title>x</title></item>" * (MAX_BYTES // 20))
    assert len(big) > MAX_BYTES
    http.expect_request("/declared").respond_with_data(big, content_type=RSS_TYPE)

    def undeclared() -> Iterator[bytes]:
        yield from (big[i : i + 65536] for i in range(0, len(big), 65536))

    # A generator body: werkzeug sends it chunked, with no Content-Length to refuse early.
    http.expect_request("/chunked").respond_with_response(
        Response(undeclared(), content_type=RSS_TYPE)
    )
    urls = [http.url_for("/declared"), http.url_for("/chunked")]
    for url in urls:
        store.add_feed(url)
    store.add_feed(good_url)

    run = await refresh(store)

    for url in urls:
        assert_failed(run, url, "too large (over 1 MB)")
    assert_good_feed_intact(run, good_url)


async def test_slow_silent_and_endless_servers_end_within_their_timeouts(
    raw: RawServer, store: Store, good_url: str
) -> None:
    expected = {
        raw.route("/trickle", trickle_body): "timeout",
        raw.route("/trickle-headers", trickle_headers): "timeout",
        raw.route("/never", never_answer): "timeout",
        raw.route("/endless", endless_chunked): "too large (over 1 MB)",
        raw.route("/endless-close", endless_until_close): "too large (over 1 MB)",
        raw.route("/hang-up", close_at_once): "server disconnected",
    }
    for url in expected:
        store.add_feed(url)
    store.add_feed(good_url)

    # Every fetch is bounded by total_timeout (3 s); the bound here only catches a hang.
    run = await refresh(store, bound=20)

    for url, error in expected.items():
        assert_failed(run, url, error)
    assert_good_feed_intact(run, good_url)
    assert set(raw.requests) >= {"/trickle", "/never", "/endless"}


async def test_closed_port_is_a_clear_error(store: Store, good_url: str) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    url = f"http://127.0.0.1:{port}/feed"
    store.add_feed(url)
    store.add_feed(good_url)

    run = await refresh(store)

    assert_failed(run, url, "connection refused")
    assert_good_feed_intact(run, good_url)


def _raw_redirect(location: bytes) -> Behaviour:
    def behaviour(connection: socket.socket, stop: threading.Event) -> None:
        connection.sendall(
            b"HTTP/1.1 302 Found\r\nLocation: " + location + b"\r\nContent-Length: 0\r\n\r\n"
        )

    return behaviour


async def test_redirect_loops_long_chains_and_foreign_schemes(
    http: HTTPServer,
    raw: RawServer,
    store: Store,
    good_url: str,
    secret_file: tuple[object, str],
) -> None:
    secret_path, secret = secret_file

    def redirect(path: str, target: str, status: int = 302) -> str:
        http.expect_request(path).respond_with_data("", status=status, headers={"Location": target})
        return http.url_for(path)

    loop_a = redirect("/loop-a", "/loop-b", 301)
    redirect("/loop-b", "/loop-a", 301)
    self_loop = redirect("/self", "/self?#again", 302)

    def endless_redirects(request: Request) -> Response:
        # Every answer names a new URL: no loop to detect, only the hop limit ends it.
        step = int(request.args.get("n", "0")) + 1
        return Response("", status=302, headers={"Location": f"/endless?n={step}"})

    http.expect_request("/endless").respond_with_handler(endless_redirects)
    endless = http.url_for("/endless")
    for hop in range(12):
        redirect(f"/chain-{hop}", f"/chain-{hop + 1}", 307)
    http.expect_request("/chain-12").respond_with_data(GOOD_RSS, content_type=RSS_TYPE)
    chain = http.url_for("/chain-0")
    schemes = {
        redirect("/to-file", f"file://{secret_path}"): "redirect to unsupported scheme",
        redirect("/to-js", "javascript:alert(1)"): "redirect to unsupported scheme",
        redirect("/to-data", "data:application/rss+xml,<rss/>"): "redirect to unsupported scheme",
        redirect("/to-ftp", "ftp://127.0.0.1/feed"): "redirect to unsupported scheme",
        redirect("/to-gopher", "gopher://127.0.0.1/"): "redirect to unsupported scheme",
        # werkzeug would not send this one; the raw server does.
        raw.route("/to-jar", _raw_redirect(b"jar:file:///etc/passwd!/x")): (
            "redirect to unsupported scheme"
        ),
    }
    for url in (loop_a, self_loop, endless, chain, *schemes):
        store.add_feed(url)
    store.add_feed(good_url)

    run = await refresh(store)

    assert_failed(run, loop_a, "redirect loop")
    assert_failed(run, self_loop, "redirect loop")
    assert_failed(run, endless, "too many redirects")
    assert_failed(run, chain, "too many redirects")
    for url, error in schemes.items():
        feed = assert_failed(run, url, error)
        assert feed.url == url  # a refused redirect never becomes the feed's address
    assert_good_feed_intact(run, good_url)
    for feed in store.list_feeds():
        assert feed.url.startswith("http://127.0.0.1:"), feed.url
        assert secret not in repr(feed)


async def test_statuses_mark_feeds_gone_back_off_and_keep_others(
    http: HTTPServer, store: Store, good_url: str
) -> None:
    later = (datetime.now(UTC) + timedelta(hours=3)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    responses = {
        "/gone": (410, {}, "HTTP 410 Gone"),
        "/busy": (429, {"Retry-After": "7200"}, "HTTP 429 Too Many Requests"),
        "/down": (503, {"Retry-After": later}, "HTTP 503 Service Unavailable"),
        "/down-garbage": (503, {"Retry-After": "soon\x1b[2J"}, "HTTP 503 Service Unavailable"),
        "/broken": (500, {}, "HTTP 500 Internal Server Error"),
        "/bad-gateway": (502, {}, "HTTP 502 Bad Gateway"),
        "/odd": (599, {}, "HTTP 599"),
        "/not-found": (404, {}, "HTTP 404 Not Found"),
    }
    for path, (status, headers, _) in responses.items():
        http.expect_request(path).respond_with_data(
            "<html>\x1b]52;c;ZXZpbA==\x07</html>", status=status, headers=headers
        )
        store.add_feed(http.url_for(path))
    store.add_feed(good_url)

    run = await refresh(store)
    now = datetime.now(UTC)

    feeds = {
        path: assert_failed(run, http.url_for(path), error)
        for path, (_, _, error) in responses.items()
    }
    assert feeds["/gone"].status == "gone"
    assert all(feed.status == feed.error for path, feed in feeds.items() if path != "/gone")
    # Retry-After is a lower bound on the next check; without it the backoff applies.
    busy_next = feeds["/busy"].next_check
    down_next = feeds["/down"].next_check
    assert busy_next is not None and busy_next >= now + timedelta(seconds=7100)
    assert down_next is not None and down_next >= now + timedelta(hours=2, minutes=55)
    assert_good_feed_intact(run, good_url)

    # A second failing refresh counts errors up; the good feed stays as it was.
    run = await refresh(store)
    assert run.feed(http.url_for("/broken")).error_count == 2
    assert_good_feed_intact(run, good_url)


async def test_wrong_content_types_and_html_instead_of_a_feed(
    http: HTTPServer, store: Store, good_url: str
) -> None:
    feed_as = {
        "/as-html": "text/html; charset=utf-8",
        "/as-octet": "application/octet-stream",
        "/as-png": "image/png",
        "/as-nothing": "",
        "/as-json": "application/json",
    }
    for path, content_type in feed_as.items():
        http.expect_request(path).respond_with_data(
            GOOD_RSS, headers={"Content-Type": content_type} if content_type else {}
        )
        store.add_feed(http.url_for(path))
    refusals = {
        "/web-page": (
            b"<!DOCTYPE html><html><head><title>Home</title></head><body><h1>Hi</h1></body></html>",
            "text/html",
            "not a feed: this is a web page (HTML)",
        ),
        "/png": (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "image/png", "not a feed"),
        "/empty": (b"", RSS_TYPE, "not a feed: empty document"),
        "/text": (b"Service temporarily unavailable", "text/plain", "not a feed"),
        "/other-xml": (b'<?xml version="1.0"?><svg><g/></svg>', RSS_TYPE, "not a feed"),
    }
    for path, (body, content_type, _) in refusals.items():
        http.expect_request(path).respond_with_data(body, content_type=content_type)
        store.add_feed(http.url_for(path))
    store.add_feed(good_url)

    run = await refresh(store)

    # Content-Type lies both ways: a feed is read from its bytes, a page is refused by them.
    for path in feed_as:
        assert_good_feed_intact(run, http.url_for(path))
    for path, (_, _, error) in refusals.items():
        feed = assert_failed(run, http.url_for(path), error)
        assert feed.total == 0
    assert_good_feed_intact(run, good_url)
