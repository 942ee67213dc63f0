"""The hostile suite's servers and helpers.

Two servers on 127.0.0.1, both stopped at teardown:

- `http`: pytest-httpserver (threaded) for responses a well-behaved HTTP server can send: bombs,
  odd statuses and headers, redirects, hostile documents;
- `raw`: a raw-socket server for what no HTTP library will send: a body trickling one byte a
  second, headers that never end, a server that accepts and never answers, an endless body.

Most tests drive the real refresh path (`refresh_feeds` over a real Store in tmp_path, exactly
what `newsterm refresh` and the app call) with small timeouts and a small size cap, then assert
each feed's stored status and that a well-behaved feed in the same run still got its entries.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from newsterm.config import FetchSettings, Settings
from newsterm.models import Entry, EntryQuery, Feed
from newsterm.refresh import FeedOutcome, refresh_feeds
from newsterm.store import Store

MAX_BYTES = 1024 * 1024
"""The size cap of the suite's fetcher: 1 MB."""

FAST_FETCH = FetchSettings(
    concurrency=16,
    per_host=16,
    connect_timeout=1.0,
    read_timeout=1.0,
    total_timeout=3.0,
    max_bytes=MAX_BYTES,
    max_redirects=5,
)
SETTINGS = Settings(fetch=FAST_FETCH, refresh_on_start=False)

RUN_BOUND = 40.0
"""Seconds a whole refresh run may take here: far above the fetch timeouts, so only a hang
(a timeout that does not fire, a parser that never returns) trips it."""

GOOD_TITLES = ("Good one", "Good two", "Good three")
GOOD_RSS = (
    '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Good feed</title>'
    "<link>https://good.example/</link>"
    + "".join(
        f"<item><guid>good-{n}</guid><title>{title}</title><link>https://good.example/{n}</link>"
        f"<description>&lt;p&gt;Body {n}&lt;/p&gt;</description></item>"
        for n, title in enumerate(GOOD_TITLES)
    )
    + "</channel></rss>"
).encode()
"""A well-behaved feed served beside the hostile ones: it must always get its entries."""

RSS_TYPE = "application/rss+xml; charset=utf-8"


def rss(items: str, *, title: str = "Feed", prolog: str = "", channel_extra: str = "") -> bytes:
    """An RSS 2.0 document around `items` (raw XML text)."""
    return (
        f'<?xml version="1.0" encoding="utf-8"?>{prolog}<rss version="2.0"><channel>'
        f"<title>{title}</title>{channel_extra}{items}</channel></rss>"
    ).encode()


# --------------------------------------------------------------------------- the refresh path


@dataclass
class Run:
    """One refresh run over a store: outcomes by URL, and the stored feeds after it."""

    store: Store
    outcomes: dict[str, FeedOutcome] = field(default_factory=dict)

    def feed(self, url: str) -> Feed:
        """The stored feed that was subscribed as `url` (its URL may have moved since)."""
        outcome = self.outcomes[url]
        feed = self.store.get_feed(outcome.feed_id)
        assert feed is not None
        return feed

    def entries(self, url: str) -> list[Entry]:
        return entries_of(self.store, self.feed(url).id)


def entries_of(store: Store, feed_id: int) -> list[Entry]:
    """Every stored entry of a feed, bodies included."""
    ids = store.entry_ids(EntryQuery(feed_id=feed_id))
    found = [store.get_entry(entry_id) for entry_id in ids]
    return [entry for entry in found if entry is not None]


async def refresh(store: Store, settings: Settings = SETTINGS, bound: float = RUN_BOUND) -> Run:
    """Refresh every feed of `store`, failing the test if the run outlives `bound` seconds."""
    async with asyncio.timeout(bound):
        report = await refresh_feeds(store, settings)
    assert len(report.outcomes) == len(store.list_feeds())
    return Run(store, {outcome.url: outcome for outcome in report.outcomes})


def assert_good_feed_intact(run: Run, url: str) -> None:
    """The well-behaved feed of a run was refreshed normally."""
    feed = run.feed(url)
    assert (feed.status, feed.error) == ("ok", None), feed
    assert sorted(e.title for e in run.entries(url)) == sorted(GOOD_TITLES)


def assert_failed(run: Run, url: str, error: str) -> Feed:
    """The feed at `url` failed with a short error starting with `error`, and is stored so."""
    feed = run.feed(url)
    assert run.outcomes[url].error is not None, run.outcomes[url]
    assert feed.error is not None and feed.error.startswith(error), feed.error
    assert feed.error == run.outcomes[url].error
    assert "\n" not in feed.error and len(feed.error) <= 200
    assert feed.error_count >= 1 and feed.last_checked is not None
    return feed


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A real store in tmp_path."""
    opened = Store.in_dir(tmp_path / "data")
    yield opened
    opened.close()


# --------------------------------------------------------------------------- pytest-httpserver


@pytest.fixture
def http(threaded_httpserver: HTTPServer) -> Iterator[HTTPServer]:
    """A local HTTP server; expectations are cleared after each test. Threaded: a slow
    handler (a trickle) must not hold back the good feed of the same run."""
    threaded_httpserver.clear()
    yield threaded_httpserver
    threaded_httpserver.clear()


@pytest.fixture
def good_url(http: HTTPServer) -> str:
    """The URL of a well-behaved feed on `http`."""
    http.expect_request("/good").respond_with_data(GOOD_RSS, content_type=RSS_TYPE)
    return http.url_for("/good")


# --------------------------------------------------------------------------- raw sockets

Behaviour = Callable[[socket.socket, threading.Event], None]
"""What the raw server does with one connection after reading the request head."""


class RawServer:
    """A TCP server on 127.0.0.1 dispatching on the request path to a `Behaviour`.

    Every connection runs in its own daemon thread; `close()` sets the stop event (each
    behaviour waits on it instead of sleeping), closes the listener and joins the threads.
    """

    def __init__(self) -> None:
        self.routes: dict[str, Behaviour] = {}
        self.requests: list[str] = []
        self.stopped = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self.port: int = self._listener.getsockname()[1]
        self._threads: list[threading.Thread] = []
        self._connections: list[socket.socket] = []
        self._acceptor = threading.Thread(target=self._accept, daemon=True)
        self._acceptor.start()

    def route(self, path: str, behaviour: Behaviour) -> str:
        """Serve `path` with `behaviour`; returns its URL."""
        self.routes[path] = behaviour
        return f"http://127.0.0.1:{self.port}{path}"

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._connections.append(connection)
            thread = threading.Thread(target=self._serve, args=(connection,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, connection: socket.socket) -> None:
        with connection:
            connection.settimeout(5)
            try:
                head = _read_head(connection)
                parts = head.split(b" ", 2)
                path = parts[1].decode("ascii", "replace") if len(parts) > 1 else ""
                self.requests.append(path)
                behaviour = self.routes.get(path)
                if behaviour is None:
                    connection.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                else:
                    behaviour(connection, self.stopped)
            except OSError:
                pass  # the client hung up: what most behaviours here provoke

    def close(self) -> None:
        self.stopped.set()
        self._listener.close()
        self._acceptor.join(5)
        for connection in self._connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        for thread in self._threads:
            thread.join(5)


def _read_head(connection: socket.socket) -> bytes:
    head = b""
    while b"\r\n\r\n" not in head and len(head) < 65536:
        chunk = connection.recv(4096)
        if not chunk:
            break
        head += chunk
    return head


@pytest.fixture
def raw() -> Iterator[RawServer]:
    """A raw-socket server for trickles, silence and endless bodies; stopped at teardown."""
    server = RawServer()
    yield server
    server.close()


def never_answer(connection: socket.socket, stop: threading.Event) -> None:
    """Accept the request and say nothing until the suite stops."""
    stop.wait(60)


def trickle_body(connection: socket.socket, stop: threading.Event) -> None:
    """Promise a body, then send one byte a second."""
    connection.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: 100000\r\n\r\n"
    )
    document = rss("<item><guid>x</guid></item>" * 4000)
    for index in range(len(document)):
        connection.sendall(document[index : index + 1])
        if stop.wait(0.6):
            return


def trickle_headers(connection: socket.socket, stop: threading.Event) -> None:
    """Send the status line and headers one byte a second, never finishing them."""
    head = b"HTTP/1.1 200 OK\r\n" + b"X-Slow: " + b"a" * 10000
    for index in range(len(head)):
        connection.sendall(head[index : index + 1])
        if stop.wait(0.6):
            return


def endless_chunked(connection: socket.socket, stop: threading.Event) -> None:
    """A valid, chunked feed whose items never end, sent as fast as the client reads."""
    connection.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    start = b'<?xml version="1.0"?><rss version="2.0"><channel><title>Endless</title>'
    connection.sendall(b"%x\r\n%s\r\n" % (len(start), start))
    chunk = b"<item><title>more</title></item>" * 512
    framed = b"%x\r\n%s\r\n" % (len(chunk), chunk)
    deadline = time.monotonic() + 60
    while not stop.is_set() and time.monotonic() < deadline:
        connection.sendall(framed)


def endless_until_close(connection: socket.socket, stop: threading.Event) -> None:
    """An HTTP/1.0-style body without a length that never ends."""
    connection.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: application/rss+xml\r\n\r\n")
    connection.sendall(b'<?xml version="1.0"?><rss version="2.0"><channel><title>E</title>')
    chunk = b"<item><title>again</title></item>" * 512
    deadline = time.monotonic() + 60
    while not stop.is_set() and time.monotonic() < deadline:
        connection.sendall(chunk)


def close_at_once(connection: socket.socket, stop: threading.Event) -> None:
    """Hang up without a response."""
    connection.shutdown(socket.SHUT_RDWR)


# --------------------------------------------------------------------------- secrets


@pytest.fixture
def secret_file(tmp_path: Path) -> tuple[Path, str]:
    """A local file holding a unique secret that no feed may ever bring into newsterm."""
    secret = f"NEWSTERM-SECRET-{time.time_ns():x}"
    path = tmp_path / "secret.txt"
    path.write_text(secret + "\n", encoding="utf-8")
    return path, secret


def database_bytes(store: Store) -> bytes:
    """The database file and its WAL, raw: whatever was stored is in there somewhere."""
    data = b""
    for suffix in ("", "-wal"):
        path = Path(str(store.path) + suffix)
        if path.exists():
            data += path.read_bytes()
    return data
