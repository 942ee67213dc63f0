"""Connections are reused: after a 304, and across many fetches to one host."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from newsterm.config import FetchSettings
from newsterm.fetch import Fetcher
from newsterm.models import FetchOutcome


class CountingServer:
    """A keep-alive HTTP/1.1 server on 127.0.0.1 that counts the connections it accepts.

    "/fresh" answers 304 to a conditional request, 200 otherwise; every response keeps
    the connection open.
    """

    def __init__(self) -> None:
        self.connections = 0
        self.requests = 0
        self.port = 0
        self._server: asyncio.base_events.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                self.requests += 1
                if b"if-none-match" in head.lower():
                    writer.write(b'HTTP/1.1 304 Not Modified\r\nETag: "v1"\r\n\r\n')
                else:
                    body = b"<rss version='2.0'><channel><title>t</title></channel></rss>"
                    writer.write(
                        b'HTTP/1.1 200 OK\r\nETag: "v1"\r\nContent-Type: application/rss+xml\r\n'
                        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
                    )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@pytest.fixture
async def counting_server() -> AsyncIterator[CountingServer]:
    server = CountingServer()
    await server.start()
    yield server
    await server.stop()


async def test_a_304_leaves_the_connection_open_for_the_next_fetch(
    counting_server: CountingServer,
) -> None:
    url = f"http://127.0.0.1:{counting_server.port}/fresh"
    async with Fetcher(FetchSettings(concurrency=1, per_host=1)) as fetcher:
        outcomes = [(await fetcher.fetch(url, etag='"v1"')).outcome for _ in range(3)]
    assert outcomes == [FetchOutcome.NOT_MODIFIED] * 3
    assert counting_server.requests == 3
    assert counting_server.connections == 1


async def test_many_fetches_to_one_host_use_at_most_concurrency_connections(
    counting_server: CountingServer,
) -> None:
    settings = FetchSettings(concurrency=8, per_host=8)
    urls = [f"http://127.0.0.1:{counting_server.port}/feed-{n}" for n in range(60)]
    async with Fetcher(settings) as fetcher:
        for _ in range(2):
            results = await asyncio.gather(*(fetcher.fetch(url) for url in urls))
            assert all(result.outcome is FetchOutcome.OK for result in results)
    assert counting_server.requests == 120
    assert counting_server.connections <= settings.concurrency
