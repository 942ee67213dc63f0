"""HTTP fetching: bytes plus headers, or a short typed error; never an exception.

The fetcher knows HTTP and nothing else (no UI, store or parsing). One `Fetcher` owns a few
shared `httpx.AsyncClient`s (small connection pools are cheaper) and enforces, per fetch:

- only http(s) URLs, checked before any I/O and again on every redirect hop;
- redirects followed by hand (at most `max_redirects`, loops detected), so a chain of
  permanent redirects can be reported as the feed's new URL;
- a global and a per-host (host:port) concurrency limit;
- connect/read timeouts plus a total deadline for the whole fetch, body included;
- a cap on the decoded body size, with our own incremental decoders, so neither an endless
  body nor a (nested) compression bomb can use more than about the cap in memory;
- conditional GET (ETag / Last-Modified) and Retry-After on 429/503.
"""

from __future__ import annotations

import asyncio
import email.utils
import errno
import http
import http.cookiejar
import re
import socket
import ssl
import time
import zlib
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC
from types import TracebackType
from typing import Protocol
from urllib.parse import urlsplit

import brotli
import httpx

from newsterm import USER_AGENT
from newsterm.config import FetchSettings
from newsterm.models import FetchOutcome, FetchResult

__all__ = [
    "ACCEPT_ENCODING",
    "FEED_ACCEPT",
    "HTML_ACCEPT",
    "Fetcher",
    "backoff_delay",
    "format_size",
    "parse_retry_after",
]

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/json, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8"
)
"""Accept header for feed documents."""

HTML_ACCEPT = (
    "text/html, application/xhtml+xml, application/rss+xml;q=0.9, application/atom+xml;q=0.9, "
    "application/feed+json;q=0.9, application/xml;q=0.8, text/xml;q=0.8, */*;q=0.5"
)
"""Accept header for web pages (feed autodiscovery): HTML first, feeds still welcome."""

ACCEPT_ENCODING = "gzip, deflate, br"
"""The codings `_decoders_for` can undo with bounded output."""

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_PERMANENT_STATUSES = frozenset({301, 308})
_RETRY_AFTER_STATUSES = frozenset({429, 503})
_MAX_RETRY_AFTER = 7 * 24 * 3600.0
_MAX_BACKOFF = 24 * 3600.0
_DECODE_CHUNK = 64 * 1024
"""Most bytes one decoder step may produce, so a bomb is cut off before it inflates."""
_MAX_REASON_LENGTH = 32
_LOCATION = "newsterm.location"
"""Response extension holding the Location header, taken away from httpx (see below)."""
_CONNECTIONS_PER_POOL = 4
"""Connections per httpx pool (see Fetcher.__init__ for why pools stay small)."""
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class _FetchFailed(Exception):
    """Ends a fetch with a short error message (internal control flow only)."""


# --------------------------------------------------------------------------- public helpers


def format_size(size: int) -> str:
    """A byte count for humans: "16 MB", "1 KB", "512 bytes"."""
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.3g} {unit}"
    return f"{size} bytes"


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date).

    The result is clamped to [0, 7 days]; an absent or unreadable value gives None.
    """
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if re.fullmatch(r"[0-9]+", value):
        # Very long digit strings would only be clamped anyway (and int() limits them).
        seconds = float(value) if len(value) <= 12 else _MAX_RETRY_AFTER
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = when.timestamp() - (time.time() if now is None else now)
    return min(max(seconds, 0.0), _MAX_RETRY_AFTER)


def backoff_delay(error_count: int, base_minutes: float, retry_after: float | None) -> float:
    """Seconds until a feed should be checked again.

    With no errors, the base refresh interval. After `error_count` consecutive errors,
    exponential backoff: base * 2**(error_count - 1), capped at 24 hours (or at the base
    interval if that is longer). A server's Retry-After is honoured as a lower bound.
    """
    base = max(base_minutes, 0.0) * 60.0
    if error_count > 0:
        # The exponent is bounded so the float cannot overflow; the cap applies long before.
        delay = min(base * 2.0 ** min(error_count - 1, 60), max(_MAX_BACKOFF, base))
    else:
        delay = base
    if retry_after is not None:
        delay = max(delay, retry_after)
    return delay


# --------------------------------------------------------------------------- body decoding


class _Decoder(Protocol):
    def decode(self, data: bytes) -> Iterator[bytes]: ...

    def flush(self) -> Iterator[bytes]: ...


class _ZlibDecoder:
    """gzip or deflate, producing at most `_DECODE_CHUNK` bytes per step."""

    def __init__(self, *, deflate: bool) -> None:
        self._deflate = deflate
        self._started = False
        # "deflate" should be zlib-wrapped; some servers send raw deflate (handled below).
        self._inflater = zlib.decompressobj(zlib.MAX_WBITS if deflate else 16 + zlib.MAX_WBITS)

    def decode(self, data: bytes) -> Iterator[bytes]:
        if self._deflate and not self._started and data:
            self._started = True
            try:
                piece = self._inflater.decompress(data, _DECODE_CHUNK)
            except zlib.error:
                self._inflater = zlib.decompressobj(-zlib.MAX_WBITS)
                piece = self._inflater.decompress(data, _DECODE_CHUNK)
        else:
            piece = self._inflater.decompress(data, _DECODE_CHUNK)
        yield from self._drain(piece)

    def _drain(self, piece: bytes) -> Iterator[bytes]:
        # A full piece may leave output pending inside zlib even when all input was taken.
        while True:
            if piece:
                yield piece
            tail = self._inflater.unconsumed_tail
            if not tail and len(piece) < _DECODE_CHUNK:
                return
            piece = self._inflater.decompress(tail, _DECODE_CHUNK)

    def flush(self) -> Iterator[bytes]:
        yield from self._drain(b"")


class _BrotliDecoder:
    """br, producing about `_DECODE_CHUNK` bytes per step at most."""

    def __init__(self) -> None:
        self._decompressor = brotli.Decompressor()

    def decode(self, data: bytes) -> Iterator[bytes]:
        piece = self._decompressor.process(data, output_buffer_limit=_DECODE_CHUNK)
        while True:
            if piece:
                yield piece
            if self._decompressor.can_accept_more_data():
                return
            piece = self._decompressor.process(b"", output_buffer_limit=_DECODE_CHUNK)

    def flush(self) -> Iterator[bytes]:
        while not self._decompressor.is_finished():
            piece = self._decompressor.process(b"", output_buffer_limit=_DECODE_CHUNK)
            if not piece:
                return
            yield piece


def _decoders_for(content_encoding: Sequence[str]) -> list[_Decoder]:
    """Decoders in the order to apply them (the reverse of the order the codings were applied).

    Unknown codings are passed through, as httpx does: servers that send a charset name as
    Content-Encoding ("utf-8") still deliver plain text.
    """
    decoders: list[_Decoder] = []
    for coding in reversed(content_encoding):
        name = coding.strip().lower()
        if name in ("gzip", "x-gzip"):
            decoders.append(_ZlibDecoder(deflate=False))
        elif name == "deflate":
            decoders.append(_ZlibDecoder(deflate=True))
        elif name == "br":
            decoders.append(_BrotliDecoder())
    return decoders


def _decode(decoders: Sequence[_Decoder], data: bytes) -> Iterator[bytes]:
    """Run `data` through the chain lazily, so the consumer can stop a bomb early."""
    if not decoders:
        if data:
            yield data
        return
    for piece in decoders[0].decode(data):
        yield from _decode(decoders[1:], piece)


def _flush(decoders: Sequence[_Decoder]) -> Iterator[bytes]:
    for index, decoder in enumerate(decoders):
        for piece in decoder.flush():
            yield from _decode(decoders[index + 1 :], piece)


# --------------------------------------------------------------------------- error texts


def _clean(text: str, limit: int = 60) -> str:
    """One short line without control characters."""
    text = " ".join(_CONTROL_CHARS.sub(" ", text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _status_error(response: httpx.Response) -> str:
    """E.g. "HTTP 404 Not Found": the standard phrase, else the server's if short and plain."""
    code = response.status_code
    try:
        phrase = http.HTTPStatus(code).phrase
    except ValueError:
        phrase = response.reason_phrase.strip()
        if len(phrase) > _MAX_REASON_LENGTH or not re.fullmatch(r"[A-Za-z0-9 '.,-]*", phrase):
            phrase = ""
    return f"HTTP {code} {phrase}" if phrase else f"HTTP {code}"


def _causes(error: BaseException) -> Iterator[BaseException]:
    """The error, its causes and contexts, and the members of exception groups."""
    pending = [error]
    seen: set[int] = set()
    while pending:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        if isinstance(current, BaseExceptionGroup):
            pending.extend(current.exceptions)
        for linked in (current.__cause__, current.__context__):
            if linked is not None:
                pending.append(linked)


def _tls_error(error: ssl.SSLError) -> str:
    if isinstance(error, ssl.SSLCertVerificationError) and error.verify_message:
        detail = str(error.verify_message)
    elif error.reason:
        detail = str(error.reason).replace("_", " ")
    else:
        detail = "handshake failed"
    return "TLS error: " + _clean(detail.lower(), 50)


_ERRNO_TEXT = {
    errno.ECONNREFUSED: "connection refused",
    errno.ECONNRESET: "connection reset",
    errno.EHOSTUNREACH: "host unreachable",
    errno.ENETUNREACH: "network unreachable",
    errno.ETIMEDOUT: "timeout",
}


def _transport_error(error: httpx.HTTPError) -> str:
    """A short text for a failure below HTTP (DNS, TCP, TLS, protocol)."""
    if isinstance(error, httpx.TimeoutException):
        return "timeout"
    for cause in _causes(error):
        if isinstance(cause, ssl.SSLError):
            return _tls_error(cause)
        if isinstance(cause, socket.gaierror):
            return "host not found"
        if isinstance(cause, OSError) and cause.errno in _ERRNO_TEXT:
            return _ERRNO_TEXT[cause.errno]
    message = str(error).lower()
    if isinstance(error, httpx.RemoteProtocolError) and "disconnected" in message:
        return "server disconnected"
    if "name or service not known" in message or "nodename nor servname" in message:
        return "host not found"
    if "connection refused" in message:
        return "connection refused"
    for kind, text in (
        (httpx.ProxyError, "proxy error"),
        (httpx.ConnectError, "connection failed"),
        (httpx.RemoteProtocolError, "protocol error"),
        (httpx.LocalProtocolError, "protocol error"),
        (httpx.ReadError, "read error"),
        (httpx.WriteError, "write error"),
        (httpx.UnsupportedProtocol, "unsupported URL scheme"),
        (httpx.DecodingError, "bad compressed body"),
        (httpx.NetworkError, "network error"),
    ):
        if isinstance(error, kind):
            return text
    return "request failed"


def _url_problem(url: str) -> str | None:
    """Why `url` must not be fetched, or None. No I/O."""
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises on a malformed port
    except ValueError:
        return "invalid URL"
    scheme = parts.scheme.lower()
    if not scheme:
        return "invalid URL"
    if scheme not in ("http", "https"):
        return f"unsupported URL scheme: {scheme[:20]}"
    if not parts.hostname:
        return "invalid URL"
    return None


# --------------------------------------------------------------------------- the fetcher


async def _take_location(response: httpx.Response) -> None:
    """Move Location out of httpx's sight.

    Even with follow_redirects=False httpx builds the next request from Location, and raises
    on values like "javascript:..." before we see the response; we follow redirects
    ourselves, with our own checks, so the header is kept in an extension instead.
    """
    if "location" in response.headers:
        response.extensions[_LOCATION] = response.headers["location"]
        del response.headers["location"]


@dataclass(slots=True)
class _HostSlot:
    semaphore: asyncio.Semaphore
    users: int = 0


class Fetcher:
    """Fetches URLs over a few shared HTTP clients; use as `async with Fetcher(...) as f:`.

    `fetch` never raises (except `asyncio.CancelledError`): every failure is a
    `FetchResult` with outcome ERROR and a short, one-line `error`.
    """

    def __init__(
        self,
        settings: FetchSettings | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings or FetchSettings()
        self._global_slots = asyncio.Semaphore(self.settings.concurrency)
        self._host_slots: dict[str, _HostSlot] = {}
        # Feeds are fetched anonymously: a shared cookie jar would let sites track the
        # reader across refreshes and make responses depend on earlier ones.
        # httpcore's pool does work quadratic in its connections on every request (it
        # rescans them all, polling each socket): one pool of 32 connections cost ~5 ms of
        # CPU per request. Several small pools, each URL always in the same one, cost a
        # fraction of that. They share one TLS context (loading CA certificates takes
        # ~80 ms each time).
        pools = max(1, -(-self.settings.concurrency // _CONNECTIONS_PER_POOL))
        per_pool = -(-self.settings.concurrency // pools)
        tls = httpx.create_ssl_context() if transport is None else None
        self._clients = [self._new_client(per_pool, tls, transport) for _ in range(pools)]

    def _new_client(
        self,
        connections: int,
        tls: ssl.SSLContext | None,
        transport: httpx.AsyncBaseTransport | None,
    ) -> httpx.AsyncClient:
        # Feeds are fetched anonymously: a shared cookie jar would let sites track the
        # reader across refreshes and make responses depend on earlier ones.
        no_cookies = http.cookiejar.CookieJar(
            policy=http.cookiejar.DefaultCookiePolicy(allowed_domains=[])
        )
        return httpx.AsyncClient(
            http2=False,
            follow_redirects=False,
            timeout=httpx.Timeout(
                connect=self.settings.connect_timeout,
                read=self.settings.read_timeout,
                write=self.settings.read_timeout,
                pool=self.settings.connect_timeout,
            ),
            limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
            headers={
                "User-Agent": USER_AGENT,
                "Accept": FEED_ACCEPT,
                "Accept-Encoding": ACCEPT_ENCODING,
            },
            cookies=no_cookies,
            event_hooks={"response": [_take_location]},
            transport=transport,
            verify=tls if tls is not None else True,
        )

    def _client_for(self, url: httpx.URL) -> httpx.AsyncClient:
        """The pool for `url`: always the same one, so its connection can be reused."""
        clients = self._clients
        if len(clients) == 1:
            return clients[0]
        return clients[zlib.crc32(str(url).encode("utf-8", "surrogatepass")) % len(clients)]

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the clients and their connections."""
        for client in self._clients:
            await client.aclose()

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str = FEED_ACCEPT,
    ) -> FetchResult:
        """GET `url` (conditionally when validators are given), following redirects.

        OK carries the decoded body and this response's content type and validators;
        NOT_MODIFIED keeps the given validators unless the 304 sends new ones.
        """
        result = FetchResult(url=url, outcome=FetchOutcome.ERROR)
        problem = _url_problem(url)
        if problem is not None:
            result.error = problem
            return result
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        try:
            # The deadline is set once the first request may start: time queued behind the
            # concurrency limits is not the server's fault.
            async with asyncio.timeout(None) as deadline:
                await self._fetch_following_redirects(
                    httpx.URL(url), headers, result, deadline, etag, last_modified
                )
        except _FetchFailed as failure:
            self._fail(result, str(failure))
        except TimeoutError:
            self._fail(result, "timeout")
        except httpx.InvalidURL:
            self._fail(result, "invalid URL")
        except httpx.HTTPError as error:
            self._fail(result, _transport_error(error))
        except (zlib.error, brotli.error):
            self._fail(result, "bad compressed body")
        except Exception as error:  # never raise to the caller; say what kind of failure
            self._fail(result, f"fetch failed: {type(error).__name__}")
        return result

    @staticmethod
    def _fail(result: FetchResult, error: str) -> None:
        result.outcome = FetchOutcome.ERROR
        result.error = error
        result.body = b""
        result.permanent_url = None

    @asynccontextmanager
    async def _slot(self, url: httpx.URL) -> AsyncIterator[None]:
        """Hold a per-host and a global slot; the host slot first, so requests waiting for a
        busy host do not hold global slots that other hosts could use."""
        port = url.port or (443 if url.scheme == "https" else 80)
        key = f"{url.host}:{port}"
        host_slot = self._host_slots.get(key)
        if host_slot is None:
            host_slot = self._host_slots[key] = _HostSlot(asyncio.Semaphore(self.settings.per_host))
        host_slot.users += 1
        try:
            async with host_slot.semaphore, self._global_slots:
                yield
        finally:
            host_slot.users -= 1
            if host_slot.users == 0:
                del self._host_slots[key]

    async def _fetch_following_redirects(
        self,
        url: httpx.URL,
        headers: dict[str, str],
        result: FetchResult,
        deadline: asyncio.Timeout,
        etag: str | None,
        last_modified: str | None,
    ) -> None:
        loop = asyncio.get_running_loop()
        visited = {str(url.copy_with(fragment=None))}
        all_permanent = True
        hops = 0
        while True:
            result.final_url = str(url)
            async with self._slot(url):
                if deadline.when() is None:
                    deadline.reschedule(loop.time() + self.settings.total_timeout)
                client = self._client_for(url)
                async with client.stream("GET", url, headers=headers) as response:
                    result.status = response.status_code
                    location: str | None = response.extensions.get(_LOCATION)
                    if response.status_code not in _REDIRECT_STATUSES or location is None:
                        await self._finish(response, result, etag, last_modified)
                        if hops and all_permanent and result.outcome is not FetchOutcome.ERROR:
                            result.permanent_url = str(url)
                        return
            hops += 1
            if hops > self.settings.max_redirects:
                raise _FetchFailed("too many redirects")
            try:
                target = url.join(location.strip())
            except httpx.InvalidURL:
                raise _FetchFailed("bad redirect") from None
            if target.scheme not in ("http", "https"):
                raise _FetchFailed("redirect to unsupported scheme")
            if not target.host:
                raise _FetchFailed("bad redirect")
            key = str(target.copy_with(fragment=None))
            if key in visited:
                raise _FetchFailed("redirect loop")
            visited.add(key)
            all_permanent = all_permanent and result.status in _PERMANENT_STATUSES
            url = target

    async def _finish(
        self,
        response: httpx.Response,
        result: FetchResult,
        etag: str | None,
        last_modified: str | None,
    ) -> None:
        """Turn the final (non-redirect) response into the result."""
        status = response.status_code
        if status == 304:
            # A 304 has no body; reading it to the end (nothing) lets the connection go back
            # to the pool. Unread, httpx closes it, and a refresh where nothing changed
            # opened a new connection per feed.
            await response.aread()
            result.outcome = FetchOutcome.NOT_MODIFIED
            result.etag = response.headers.get("etag") or etag
            result.last_modified = response.headers.get("last-modified") or last_modified
            return
        if 200 <= status < 300:
            body = await self._read_body(response)
            result.outcome = FetchOutcome.OK
            result.body = body
            result.content_type = response.headers.get("content-type", "")
            # Validators from this very response, so the next refresh can be conditional.
            result.etag = response.headers.get("etag")
            result.last_modified = response.headers.get("last-modified")
            return
        result.error = _status_error(response)
        result.gone = status == 410
        if status in _RETRY_AFTER_STATUSES:
            result.retry_after = parse_retry_after(response.headers.get("retry-after"))

    async def _read_body(self, response: httpx.Response) -> bytes:
        """Stream and decode the body, stopping as soon as it exceeds the size cap."""
        limit = self.settings.max_bytes
        too_large = _FetchFailed(f"too large (over {format_size(limit)})")
        decoders = _decoders_for(response.headers.get_list("content-encoding", split_commas=True))
        declared = response.headers.get("content-length", "").strip()
        # Refuse a declared oversize body without reading it (the length check bounds int()).
        declared_too_large = re.fullmatch(r"[0-9]+", declared) is not None and (
            len(declared) > 15 or int(declared) > limit
        )
        if not decoders and declared_too_large:
            raise too_large
        body = bytearray()
        async for raw in response.aiter_raw():
            for piece in _decode(decoders, raw):
                body += piece
                if len(body) > limit:
                    raise too_large
        for piece in _flush(decoders):
            body += piece
            if len(body) > limit:
                raise too_large
        return bytes(body)
