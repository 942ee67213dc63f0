"""The HTTP fetcher against real servers on 127.0.0.1 (pytest-httpserver and raw sockets)."""

from __future__ import annotations

import asyncio
import email.utils
import gzip
import socket
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import brotli
import httpx
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from newsterm import USER_AGENT
from newsterm.config import FetchSettings
from newsterm.fetch import (  # _-names: the bounded decoding, tested directly
    _DECODE_CHUNK,
    FEED_ACCEPT,
    HTML_ACCEPT,
    Fetcher,
    _decode,
    _decoders_for,
    backoff_delay,
    format_size,
    parse_retry_after,
)
from newsterm.models import FetchOutcome, FetchResult

# Small timeouts keep the file fast; each test that needs other bounds says so.
FAST = FetchSettings(connect_timeout=2.0, read_timeout=2.0, total_timeout=5.0)
FEED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title></channel></rss>'
RSS = "application/rss+xml; charset=utf-8"


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def server(threaded_httpserver: HTTPServer) -> Iterator[HTTPServer]:
    # Threaded, so slow handlers (concurrency, timeouts) do not block each other.
    threaded_httpserver.clear()
    yield threaded_httpserver
    threaded_httpserver.clear()


class RawServer:
    """A TCP server on 127.0.0.1 that hands each connection to `handler` in a thread,
    for responses a well-behaved HTTP server cannot produce (trickles, odd status lines)."""

    def __init__(self, handler: Callable[[socket.socket, threading.Event], None]) -> None:
        self._handler = handler
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self.port: int = self._listener.getsockname()[1]
        self.stopped = threading.Event()
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._accept, daemon=True)
        self._acceptor.start()

    def url(self, path: str = "/feed") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(connection,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, connection: socket.socket) -> None:
        with connection:
            connection.settimeout(5)
            try:
                read_request_head(connection)
                self._handler(connection, self.stopped)
            except OSError:
                pass  # the client hung up, which is what several tests provoke

    def close(self) -> None:
        self.stopped.set()
        self._listener.close()
        self._acceptor.join(5)
        for thread in self._threads:
            thread.join(5)


def read_request_head(connection: socket.socket) -> bytes:
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = connection.recv(4096)
        if not chunk:
            break
        head += chunk
    return head


@pytest.fixture
def raw_server() -> Iterator[
    Callable[[Callable[[socket.socket, threading.Event], None]], RawServer]
]:
    servers: list[RawServer] = []

    def start(handler: Callable[[socket.socket, threading.Event], None]) -> RawServer:
        servers.append(RawServer(handler))
        return servers[-1]

    yield start
    for raw in servers:
        raw.close()


async def fetch(url: str, settings: FetchSettings = FAST, **kwargs: Any) -> FetchResult:
    async with Fetcher(settings) as fetcher:
        return await fetcher.fetch(url, **kwargs)


def assert_short_error(result: FetchResult, expected: str | None = None) -> None:
    """Errors are one short line without control characters."""
    assert result.outcome is FetchOutcome.ERROR
    assert result.error
    assert result.body == b""
    assert len(result.error) <= 80
    assert all(ch.isprintable() for ch in result.error), repr(result.error)
    if expected is not None:
        assert result.error == expected


class ConcurrencyTracker:
    """A handler that records how many requests it served at the same time."""

    def __init__(self, hold: float = 0.1) -> None:
        self.hold = hold
        self.active = 0
        self.peak = 0
        self.lock = threading.Lock()

    def handler(self, request: Request) -> Response:
        with self.lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
        time.sleep(self.hold)
        with self.lock:
            self.active -= 1
        return Response(FEED, content_type=RSS)


def gzip_of_zeros(size: int, *, level: int = 1) -> bytes:
    """gzip of `size` zero bytes, built without holding the zeros in memory."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1024 * 1024)
    parts = [compressor.compress(block) for _ in range(size // len(block))]
    parts.append(compressor.flush())
    return b"".join(parts)


# --------------------------------------------------------------------------- success and headers


async def test_ok_returns_body_type_and_validators(server: HTTPServer) -> None:
    server.expect_request("/feed").respond_with_data(
        FEED,
        content_type=RSS,
        headers={"ETag": '"v1"', "Last-Modified": "Mon, 01 Jan 2024 00:00:00 GMT"},
    )
    result = await fetch(server.url_for("/feed"))
    assert result.outcome is FetchOutcome.OK
    assert result.status == 200
    assert result.body == FEED
    assert result.content_type == RSS
    assert result.etag == '"v1"'
    assert result.last_modified == "Mon, 01 Jan 2024 00:00:00 GMT"
    assert result.final_url == server.url_for("/feed")
    assert result.url == server.url_for("/feed")
    assert result.permanent_url is None
    assert result.error is None


async def test_sends_user_agent_accept_and_accept_encoding(server: HTTPServer) -> None:
    server.expect_request("/feed").respond_with_data(FEED)
    server.expect_request("/page").respond_with_data(b"<html></html>")
    async with Fetcher(FAST) as fetcher:
        await fetcher.fetch(server.url_for("/feed"))
        await fetcher.fetch(server.url_for("/page"), accept=HTML_ACCEPT)
    (feed_request, _), (page_request, _) = server.log
    assert feed_request.headers["User-Agent"] == USER_AGENT
    assert feed_request.headers["Accept-Encoding"] == "gzip, deflate, br"
    assert feed_request.headers["Accept"] == FEED_ACCEPT
    assert "If-None-Match" not in feed_request.headers
    assert "If-Modified-Since" not in feed_request.headers
    assert page_request.headers["Accept"] == HTML_ACCEPT
    assert HTML_ACCEPT.startswith("text/html")
    assert FEED_ACCEPT.startswith("application/rss+xml, application/atom+xml")


async def test_one_client_is_shared_and_cookies_are_not_kept(server: HTTPServer) -> None:
    server.expect_request("/set").respond_with_data(
        FEED, headers={"Set-Cookie": "tracker=1; Path=/"}
    )
    server.expect_request("/check").respond_with_data(FEED)
    async with Fetcher(FAST) as fetcher:
        first = await fetcher.fetch(server.url_for("/set"))
        second = await fetcher.fetch(server.url_for("/check"))
    assert first.outcome is second.outcome is FetchOutcome.OK
    assert "Cookie" not in server.log[1][0].headers


# --------------------------------------------------------------------------- conditional GET


async def test_conditional_get_sends_validators_and_304_keeps_them(server: HTTPServer) -> None:
    etag, modified = '"abc"', "Tue, 02 Jan 2024 10:00:00 GMT"
    server.expect_request(
        "/feed", headers={"If-None-Match": etag, "If-Modified-Since": modified}
    ).respond_with_data(b"", status=304)
    result = await fetch(server.url_for("/feed"), etag=etag, last_modified=modified)
    assert result.outcome is FetchOutcome.NOT_MODIFIED
    assert result.status == 304
    assert result.body == b""
    assert result.etag == etag
    assert result.last_modified == modified
    assert result.error is None


async def test_304_with_new_validators_returns_them(
    raw_server: Callable[[Callable[[socket.socket, threading.Event], None]], RawServer],
) -> None:
    # A raw server: werkzeug strips Last-Modified from 304 responses.
    def not_modified(connection: socket.socket, stopped: threading.Event) -> None:
        connection.sendall(
            b'HTTP/1.1 304 Not Modified\r\nETag: "new"\r\n'
            b"Last-Modified: Wed, 03 Jan 2024 00:00:00 GMT\r\nConnection: close\r\n\r\n"
        )

    raw = raw_server(not_modified)
    result = await fetch(raw.url(), etag='"old"', last_modified="Mon, 01 Jan 2024 00:00:00 GMT")
    assert result.outcome is FetchOutcome.NOT_MODIFIED
    assert result.etag == '"new"'
    assert result.last_modified == "Wed, 03 Jan 2024 00:00:00 GMT"


async def test_200_after_conditional_get_reports_this_responses_validators(
    server: HTTPServer,
) -> None:
    server.expect_request("/changed").respond_with_data(FEED, headers={"ETag": '"v2"'})
    server.expect_request("/no-validators").respond_with_data(FEED)
    async with Fetcher(FAST) as fetcher:
        changed = await fetcher.fetch(server.url_for("/changed"), etag='"v1"', last_modified="x")
        bare = await fetcher.fetch(server.url_for("/no-validators"), etag='"v1"')
    assert changed.outcome is FetchOutcome.OK
    assert changed.etag == '"v2"'
    assert changed.last_modified is None
    assert bare.outcome is FetchOutcome.OK
    assert bare.etag is None


# --------------------------------------------------------------------------- URL schemes


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("file:///etc/passwd", "unsupported URL scheme: file"),
        ("ftp://example.com/feed.xml", "unsupported URL scheme: ftp"),
        ("javascript:alert(1)", "unsupported URL scheme: javascript"),
        ("data:text/xml,<rss/>", "unsupported URL scheme: data"),
        ("FILE:///etc/passwd", "unsupported URL scheme: file"),
        ("example.com/feed", "invalid URL"),
        ("http:///no-host", "invalid URL"),
        ("http://example.com:notaport/", "invalid URL"),
    ],
)
async def test_only_http_and_https_are_fetched_without_io(url: str, error: str) -> None:
    def no_io(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"unexpected request to {request.url}")

    async with Fetcher(FAST, transport=httpx.MockTransport(no_io)) as fetcher:
        result = await fetcher.fetch(url)
    assert_short_error(result, error)
    assert result.status == 0
    assert result.url == url


# --------------------------------------------------------------------------- redirects


async def test_permanent_redirects_report_the_new_url(server: HTTPServer) -> None:
    server.expect_request("/old").respond_with_data(
        b"",
        status=301,
        headers={"Location": "middle"},  # relative
    )
    server.expect_request("/middle").respond_with_data(
        b"", status=308, headers={"Location": "/new"}
    )
    server.expect_request("/new").respond_with_data(FEED, content_type=RSS)
    result = await fetch(server.url_for("/old"))
    assert result.outcome is FetchOutcome.OK
    assert result.body == FEED
    assert result.final_url == server.url_for("/new")
    assert result.permanent_url == server.url_for("/new")
    assert result.url == server.url_for("/old")


@pytest.mark.parametrize("temporary", [302, 303, 307])
async def test_any_temporary_redirect_means_no_permanent_url(
    server: HTTPServer, temporary: int
) -> None:
    server.expect_request("/a").respond_with_data(b"", status=301, headers={"Location": "/b"})
    server.expect_request("/b").respond_with_data(b"", status=temporary, headers={"Location": "/c"})
    server.expect_request("/c").respond_with_data(FEED)
    result = await fetch(server.url_for("/a"))
    assert result.outcome is FetchOutcome.OK
    assert result.final_url == server.url_for("/c")
    assert result.permanent_url is None


async def test_permanent_redirect_to_an_error_reports_no_new_url(server: HTTPServer) -> None:
    server.expect_request("/a").respond_with_data(b"", status=301, headers={"Location": "/b"})
    server.expect_request("/b").respond_with_data(b"", status=404)
    result = await fetch(server.url_for("/a"))
    assert_short_error(result, "HTTP 404 Not Found")
    assert result.permanent_url is None
    assert result.final_url == server.url_for("/b")


async def test_redirect_that_preserves_validators(server: HTTPServer) -> None:
    server.expect_request("/a").respond_with_data(b"", status=301, headers={"Location": "/b"})
    server.expect_request("/b", headers={"If-None-Match": '"e"'}).respond_with_data(b"", status=304)
    result = await fetch(server.url_for("/a"), etag='"e"')
    assert result.outcome is FetchOutcome.NOT_MODIFIED
    assert result.permanent_url == server.url_for("/b")


def chain(server: HTTPServer, length: int) -> None:
    """/r0 -> /r1 -> ... -> /r{length}, which serves the feed."""
    for hop in range(length):
        server.expect_request(f"/r{hop}").respond_with_data(
            b"", status=302, headers={"Location": f"/r{hop + 1}"}
        )
    server.expect_request(f"/r{length}").respond_with_data(FEED)


async def test_up_to_max_redirects_are_followed(server: HTTPServer) -> None:
    chain(server, 5)
    result = await fetch(server.url_for("/r0"))
    assert result.outcome is FetchOutcome.OK
    assert result.final_url == server.url_for("/r5")


async def test_more_than_max_redirects_is_an_error(server: HTTPServer) -> None:
    chain(server, 6)
    result = await fetch(server.url_for("/r0"))
    assert_short_error(result, "too many redirects")
    assert len(server.log) == 6  # the sixth redirect is never followed

    server.clear()
    chain(server, 3)
    tight = replace(FAST, max_redirects=2)
    assert_short_error(await fetch(server.url_for("/r0"), tight), "too many redirects")


async def test_redirect_loop_is_detected(server: HTTPServer) -> None:
    server.expect_request("/a").respond_with_data(b"", status=302, headers={"Location": "/b"})
    server.expect_request("/b").respond_with_data(b"", status=302, headers={"Location": "/a"})
    server.expect_request("/self").respond_with_data(
        b"", status=301, headers={"Location": "/self#top"}
    )
    assert_short_error(await fetch(server.url_for("/a")), "redirect loop")
    assert_short_error(await fetch(server.url_for("/self")), "redirect loop")


@pytest.mark.parametrize(
    "location", ["file:///etc/passwd", "ftp://example.com/x", "javascript:alert(1)"]
)
async def test_redirect_to_other_schemes_is_refused(server: HTTPServer, location: str) -> None:
    server.expect_request("/a").respond_with_data(b"", status=301, headers={"Location": location})
    result = await fetch(server.url_for("/a"))
    assert_short_error(result, "redirect to unsupported scheme")
    assert result.permanent_url is None


async def test_redirect_status_without_location_is_an_error(server: HTTPServer) -> None:
    server.expect_request("/a").respond_with_data(b"", status=302)
    assert_short_error(await fetch(server.url_for("/a")), "HTTP 302 Found")


# --------------------------------------------------------------------------- HTTP errors


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (404, "HTTP 404 Not Found"),
        (403, "HTTP 403 Forbidden"),
        (500, "HTTP 500 Internal Server Error"),
        (502, "HTTP 502 Bad Gateway"),
    ],
)
async def test_http_errors(server: HTTPServer, status: int, error: str) -> None:
    server.expect_request("/feed").respond_with_data(b"<h1>oops</h1>", status=status)
    result = await fetch(server.url_for("/feed"))
    assert_short_error(result, error)
    assert result.status == status
    assert result.gone is False
    assert result.retry_after is None


async def test_410_marks_the_feed_gone(server: HTTPServer) -> None:
    server.expect_request("/feed").respond_with_data(b"", status=410)
    result = await fetch(server.url_for("/feed"))
    assert_short_error(result, "HTTP 410 Gone")
    assert result.gone is True


async def test_retry_after_on_429_and_503(server: HTTPServer) -> None:
    in_an_hour = email.utils.formatdate(time.time() + 3600, usegmt=True)
    server.expect_request("/seconds").respond_with_data(
        b"", status=429, headers={"Retry-After": "120"}
    )
    server.expect_request("/date").respond_with_data(
        b"", status=503, headers={"Retry-After": in_an_hour}
    )
    server.expect_request("/huge").respond_with_data(
        b"", status=503, headers={"Retry-After": "999999999999999999999"}
    )
    server.expect_request("/junk").respond_with_data(
        b"", status=429, headers={"Retry-After": "soon, maybe"}
    )
    server.expect_request("/not-429").respond_with_data(
        b"", status=500, headers={"Retry-After": "120"}
    )
    async with Fetcher(FAST) as fetcher:
        seconds = await fetcher.fetch(server.url_for("/seconds"))
        date = await fetcher.fetch(server.url_for("/date"))
        huge = await fetcher.fetch(server.url_for("/huge"))
        junk = await fetcher.fetch(server.url_for("/junk"))
        not_429 = await fetcher.fetch(server.url_for("/not-429"))
    assert_short_error(seconds, "HTTP 429 Too Many Requests")
    assert seconds.retry_after == 120.0
    assert_short_error(date, "HTTP 503 Service Unavailable")
    assert date.retry_after is not None
    assert 3000 < date.retry_after <= 3600  # generous: the clock moves during the test
    assert huge.retry_after == 7 * 24 * 3600
    assert junk.retry_after is None
    assert not_429.retry_after is None


def test_parse_retry_after() -> None:
    now = 1_700_000_000.0
    assert parse_retry_after("0") == 0.0
    assert parse_retry_after(" 30 ") == 30.0
    assert parse_retry_after(email.utils.formatdate(now + 90, usegmt=True), now=now) == 90.0
    assert parse_retry_after(email.utils.formatdate(now - 90, usegmt=True), now=now) == 0.0
    assert parse_retry_after(str(30 * 24 * 3600)) == 7 * 24 * 3600
    assert parse_retry_after("9" * 5000) == 7 * 24 * 3600
    for unreadable in (None, "", "-5", "1.5", "²", "tomorrow"):
        assert parse_retry_after(unreadable) is None


def status_line_server(
    raw_server: Callable[[Callable[[socket.socket, threading.Event], None]], RawServer],
    status_line: bytes,
) -> RawServer:
    def handler(connection: socket.socket, stopped: threading.Event) -> None:
        connection.sendall(status_line + b"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

    return raw_server(handler)


@pytest.mark.parametrize(
    ("status_line", "error"),
    [
        (b"HTTP/1.1 599 Custom", "HTTP 599 Custom"),
        (b"HTTP/1.1 599 " + b"A Very Long Reason Phrase " * 4, "HTTP 599"),
        (b"HTTP/1.1 599 Caf\xe9 <b>bold</b>", "HTTP 599"),
        (b"HTTP/1.1 404 Whatever The Server Says", "HTTP 404 Not Found"),
        (b"HTTP/1.1 599 \x1b[31mred", "HTTP 599"),
    ],
)
async def test_server_reason_phrases_are_kept_out_of_errors(
    raw_server: Callable[[Callable[[socket.socket, threading.Event], None]], RawServer],
    status_line: bytes,
    error: str,
) -> None:
    raw = status_line_server(raw_server, status_line)
    assert_short_error(await fetch(raw.url()), error)


# --------------------------------------------------------------------------- network errors


async def test_connection_refused() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Nothing listens on the port now.
    assert_short_error(await fetch(f"http://127.0.0.1:{port}/feed"), "connection refused")


async def test_host_not_found(monkeypatch: pytest.MonkeyPatch) -> None:
    # The resolver is the only stand-in here: tests must not query real DNS.
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host in ("feeds.invalid", b"feeds.invalid"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    assert_short_error(await fetch("http://feeds.invalid/feed"), "host not found")


async def test_tls_error(server: HTTPServer) -> None:
    # An https request to a plain-HTTP server fails the TLS handshake.
    plain = server.url_for("/feed")
    server.expect_request("/feed").respond_with_data(FEED)
    result = await fetch(plain.replace("http://", "https://"))
    assert_short_error(result)
    assert result.error is not None
    assert result.error.startswith("TLS error: ")
    assert result.error == result.error[:11] + result.error[11:].lower()


async def test_server_disconnecting_without_a_response(
    raw_server: Callable[[Callable[[socket.socket, threading.Event], None]], RawServer],
) -> None:
    raw = raw_server(lambda connection, stopped: None)  # reads the request, then hangs up
    assert_short_error(await fetch(raw.url()), "server disconnected")


async def test_unexpected_exceptions_become_errors() -> None:
    def explode(request: httpx.Request) -> httpx.Response:
        raise RuntimeError("boom\x1b[2J with details")

    async with Fetcher(FAST, transport=httpx.MockTransport(explode)) as fetcher:
        result = await fetcher.fetch("http://127.0.0.1:9/feed")
    assert_short_error(result, "fetch failed: RuntimeError")


async def test_cancellation_is_not_swallowed(server: HTTPServer) -> None:
    server.expect_request("/slow").respond_with_handler(ConcurrencyTracker(hold=1.0).handler)
    async with Fetcher(FAST) as fetcher:
        task = asyncio.create_task(fetcher.fetch(server.url_for("/slow")))
        await asyncio.sleep(0.1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


# --------------------------------------------------------------------------- timeouts


async def test_total_timeout_ends_a_trickling_body(
    raw_server: Callable[[Callable[[socket.socket, threading.Event], None]], RawServer],
) -> None:
    def trickle(connection: socket.socket, stopped: threading.Event) -> None:
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
        for _ in range(100):  # one byte every 0.1 s: never a read timeout
            if stopped.wait(0.1):
                return
            connection.sendall(b"x")

    raw = raw_server(trickle)
    settings = replace(FAST, read_timeout=2.0, total_timeout=0.5)
    result = await fetch(raw.url(), settings)
    assert_short_error(result, "timeout")
    assert result.status == 200


async def test_read_timeout(server: HTTPServer) -> None:
    server.expect_request("/slow").respond_with_handler(ConcurrencyTracker(hold=1.0).handler)
    settings = replace(FAST, read_timeout=0.3, total_timeout=5.0)
    assert_short_error(await fetch(server.url_for("/slow"), settings), "timeout")


async def test_total_timeout_does_not_count_time_queued_behind_limits(server: HTTPServer) -> None:
    server.expect_request("/feed").respond_with_handler(ConcurrencyTracker(hold=0.2).handler)
    # Six fetches, one at a time: the last waits ~1 s in the queue, longer than the bound.
    settings = replace(FAST, per_host=1, total_timeout=1.0)
    async with Fetcher(settings) as fetcher:
        results = await asyncio.gather(*(fetcher.fetch(server.url_for("/feed")) for _ in range(6)))
    assert [r.outcome for r in results] == [FetchOutcome.OK] * 6


# --------------------------------------------------------------------------- concurrency


async def test_per_host_limit(server: HTTPServer) -> None:
    tracker = ConcurrencyTracker()
    server.expect_request("/feed").respond_with_handler(tracker.handler)
    settings = replace(FAST, concurrency=10, per_host=2)
    async with Fetcher(settings) as fetcher:
        results = await asyncio.gather(*(fetcher.fetch(server.url_for("/feed")) for _ in range(10)))
    assert all(r.outcome is FetchOutcome.OK for r in results)
    assert tracker.peak == 2


async def test_global_limit(server: HTTPServer) -> None:
    tracker = ConcurrencyTracker()
    server.expect_request("/feed").respond_with_handler(tracker.handler)
    settings = replace(FAST, concurrency=3, per_host=10)
    async with Fetcher(settings) as fetcher:
        results = await asyncio.gather(*(fetcher.fetch(server.url_for("/feed")) for _ in range(10)))
    assert all(r.outcome is FetchOutcome.OK for r in results)
    assert tracker.peak == 3


async def test_a_busy_host_does_not_hold_back_another(server: HTTPServer) -> None:
    other = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    other.start()
    try:
        combined = ConcurrencyTracker(hold=0.3)
        first, second = ConcurrencyTracker(hold=0.0), ConcurrencyTracker(hold=0.0)

        def counting(own: ConcurrencyTracker) -> Callable[[Request], Response]:
            def handler(request: Request) -> Response:
                with own.lock:
                    own.active += 1
                    own.peak = max(own.peak, own.active)
                try:
                    return combined.handler(request)
                finally:
                    with own.lock:
                        own.active -= 1

            return handler

        server.expect_request("/feed").respond_with_handler(counting(first))
        other.expect_request("/feed").respond_with_handler(counting(second))
        settings = replace(FAST, concurrency=4, per_host=1)
        urls = [server.url_for("/feed")] * 4 + [other.url_for("/feed")] * 4
        async with Fetcher(settings) as fetcher:
            results = await asyncio.gather(*(fetcher.fetch(url) for url in urls))
        assert all(r.outcome is FetchOutcome.OK for r in results)
        assert first.peak == second.peak == 1
        assert combined.peak == 2
    finally:
        other.clear()
        other.stop()


# --------------------------------------------------------------------------- size cap and codings


async def test_body_over_the_cap_is_refused(server: HTTPServer) -> None:
    server.expect_request("/big").respond_with_data(b"x" * 2048)
    server.expect_request("/exact").respond_with_data(b"x" * 1024)
    settings = replace(FAST, max_bytes=1024)
    assert_short_error(await fetch(server.url_for("/big"), settings), "too large (over 1 KB)")
    exact = await fetch(server.url_for("/exact"), settings)
    assert exact.outcome is FetchOutcome.OK
    assert len(exact.body) == 1024


async def test_endless_body_is_cut_off(server: HTTPServer) -> None:
    def endless(request: Request) -> Response:
        def chunks() -> Iterator[bytes]:
            for _ in range(100_000):  # "endless" for the client; bounded for the thread
                yield b"<item>" * 100

        return Response(chunks(), content_type=RSS)

    server.expect_request("/endless").respond_with_handler(endless)
    settings = replace(FAST, max_bytes=1024)
    result = await fetch(server.url_for("/endless"), settings)
    assert_short_error(result, "too large (over 1 KB)")


async def test_gzip_bomb_is_cut_off(server: HTTPServer) -> None:
    bomb = gzip_of_zeros(10 * 1024 * 1024)
    assert len(bomb) < 64 * 1024
    server.expect_request("/bomb").respond_with_data(bomb, headers={"Content-Encoding": "gzip"})
    settings = replace(FAST, max_bytes=1024 * 1024)
    assert_short_error(await fetch(server.url_for("/bomb"), settings), "too large (over 1 MB)")


async def test_nested_gzip_bomb_is_cut_off_with_bounded_memory(server: HTTPServer) -> None:
    # 64 MB of zeros gzipped twice is well under 1 KB on the wire; decoding one network
    # chunk at a time without an output bound would hold all 64 MB at once.
    bomb = gzip.compress(gzip_of_zeros(64 * 1024 * 1024))
    assert len(bomb) < 4096
    server.expect_request("/bomb").respond_with_data(
        bomb, headers={"Content-Encoding": "gzip, gzip"}
    )
    settings = replace(FAST, max_bytes=1024 * 1024)
    async with Fetcher(settings) as fetcher:
        tracemalloc.start()  # after the client's own set-up (TLS context), which is not ours
        try:
            result = await fetcher.fetch(server.url_for("/bomb"))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert_short_error(result, "too large (over 1 MB)")
    # Decoding whole network chunks would peak above 64 MB; ours stays near the cap (the
    # margin absorbs unrelated allocations of the event loop and the server thread).
    assert peak < 40 * 1024 * 1024


@pytest.mark.parametrize(
    ("codings", "bomb"),
    [
        (["gzip", "gzip"], lambda: gzip.compress(gzip_of_zeros(64 * 1024 * 1024))),
        (["br"], lambda: brotli.compress(bytes(64 * 1024 * 1024), quality=1)),
        (["deflate", "br"], lambda: brotli.compress(zlib.compress(bytes(32 * 1024 * 1024)))),
    ],
)
def test_decoders_inflate_a_bomb_in_small_steps(
    codings: list[str], bomb: Callable[[], bytes]
) -> None:
    produced = largest = 0
    for piece in _decode(_decoders_for(codings), bomb()):
        largest = max(largest, len(piece))
        produced += len(piece)
        if produced > 4 * 1024 * 1024:
            break
    assert produced > 4 * 1024 * 1024
    assert largest <= 2 * _DECODE_CHUNK


@pytest.mark.parametrize(
    ("coding", "encode"),
    [
        ("gzip", gzip.compress),
        ("x-gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda data: zlib.compress(data)[2:-4]),  # raw deflate, as some servers do
        ("br", brotli.compress),
        ("identity", lambda data: data),
        ("gzip, br", lambda data: brotli.compress(gzip.compress(data))),
    ],
)
async def test_compressed_bodies_are_decoded(
    server: HTTPServer, coding: str, encode: Callable[[bytes], bytes]
) -> None:
    document = FEED + b"<!-- " + b"padding " * 50_000 + b"-->"  # several decode steps
    server.expect_request("/feed").respond_with_data(
        encode(document), content_type=RSS, headers={"Content-Encoding": coding}
    )
    result = await fetch(server.url_for("/feed"))
    assert result.outcome is FetchOutcome.OK, result.error
    assert result.body == document


async def test_cap_applies_to_decoded_bytes(server: HTTPServer) -> None:
    document = b"a" * 4096
    server.expect_request("/br").respond_with_data(
        brotli.compress(document), headers={"Content-Encoding": "br"}
    )
    settings = replace(FAST, max_bytes=4000)
    assert_short_error(await fetch(server.url_for("/br"), settings), "too large (over 3.91 KB)")


async def test_corrupt_compressed_body(server: HTTPServer) -> None:
    server.expect_request("/feed").respond_with_data(
        b"this is not gzip at all", headers={"Content-Encoding": "gzip"}
    )
    assert_short_error(await fetch(server.url_for("/feed")), "bad compressed body")


def test_format_size() -> None:
    assert format_size(FetchSettings().max_bytes) == "16 MB"
    assert format_size(1024 * 1024) == "1 MB"
    assert format_size(1024) == "1 KB"
    assert format_size(1536) == "1.5 KB"
    assert format_size(100) == "100 bytes"


# --------------------------------------------------------------------------- backoff


def test_backoff_without_errors_is_the_base_interval() -> None:
    assert backoff_delay(0, 60, None) == 3600
    assert backoff_delay(0, 0.5, None) == 30


def test_backoff_doubles_per_error_up_to_a_day() -> None:
    assert backoff_delay(1, 60, None) == 3600
    assert backoff_delay(2, 60, None) == 7200
    assert backoff_delay(3, 60, None) == 14400
    assert backoff_delay(10, 60, None) == 24 * 3600
    assert backoff_delay(10_000, 60, None) == 24 * 3600  # no overflow
    # An interval longer than a day is never shortened by the cap.
    assert backoff_delay(5, 2 * 24 * 60, None) == 2 * 24 * 3600


def test_backoff_honours_retry_after_as_a_lower_bound() -> None:
    assert backoff_delay(0, 60, 7200) == 7200
    assert backoff_delay(0, 60, 30) == 3600
    assert backoff_delay(3, 1, 600) == 600
    assert backoff_delay(1, 1, 0) == 60
