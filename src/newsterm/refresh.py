"""Refreshing feeds: fetch -> parse -> store, concurrently. No Textual here.

Both the CLI and the app call `refresh_feeds` (the app from a thread worker, with
`asyncio.run`, so the UI's event loop never waits on it).
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TypeVar

from newsterm.config import Settings
from newsterm.discover import discover
from newsterm.fetch import Fetcher, backoff_delay
from newsterm.models import (
    Feed,
    FeedError,
    FetchOutcome,
    NewstermError,
    NotAFeedError,
    ParsedFeed,
    StoreResult,
)
from newsterm.parse import parse_feed
from newsterm.refresh_worker import init_worker, parse_and_prepare
from newsterm.store import DatabaseUnusableError, Store
from newsterm.store.rows import PreparedEntry

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class FeedOutcome:
    """What refreshing one feed came to."""

    feed_id: int
    title: str
    url: str
    error: str | None = None
    new: int = 0
    updated: int = 0
    not_modified: bool = False


@dataclass(frozen=True, slots=True)
class RefreshProgress:
    """Progress of a refresh run: `done` of `total` feeds finished, the latest outcome."""

    done: int
    total: int
    latest: FeedOutcome | None = None


@dataclass(slots=True)
class RefreshReport:
    """The summary of a whole run."""

    outcomes: list[FeedOutcome] = field(default_factory=list)

    @property
    def failed(self) -> list[FeedOutcome]:
        return [o for o in self.outcomes if o.error]

    @property
    def new_entries(self) -> int:
        return sum(o.new for o in self.outcomes)


ProgressCallback = Callable[[RefreshProgress], None]
CancelCheck = Callable[[], bool]


POOL_AFTER_BYTES = 8 * 1024 * 1024
"""Bodies are parsed in this process (in a thread) until this much has arrived; then a
process pool takes over. Starting the pool costs ~0.3 s of CPU per worker, worth it for a
big refresh (a cold 1,000-feed one moves ~80 MB), not for a dozen changed feeds."""

IN_FLIGHT_PER_FETCH = 2
"""Feeds between fetch and stored, per fetch slot: bounds the bodies and parsed documents
held in memory when parsing or writing is slower than the network."""

BATCH_MAX_WRITES = 64
BATCH_MAX_SECONDS = 0.5
"""A write batch ends after this many writes or this long, whichever first (other writers,
such as the app marking an entry read, wait for it)."""

DAY = 24 * 3600.0


class _Writer:
    """The single thread that writes, grouping queued writes into `Store.batch()`es.

    Writes wait for nothing: one that arrives when the writer is idle commits at once;
    when writes queue up (a cold refresh), each commit takes up to BATCH_MAX_WRITES of
    them. A write's future resolves once its batch has committed; if any write of a batch
    fails, the batch is rolled back and its writes are redone one transaction each.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self._queue: queue.SimpleQueue[tuple[Callable[[], object], Future[object]] | None]
        self._queue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="newsterm-write", daemon=True)
        self._thread.start()

    def submit(self, function: Callable[[], _T]) -> Future[_T]:
        future: Future[_T] = Future()
        self._queue.put((function, future))  # type: ignore[arg-type]
        return future

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        stopping = False
        while not stopping:
            job = self._queue.get()
            if job is None:
                break
            jobs = [job]
            deadline = time.monotonic() + BATCH_MAX_SECONDS
            while len(jobs) < BATCH_MAX_WRITES and time.monotonic() < deadline:
                try:
                    queued = self._queue.get_nowait()
                except queue.Empty:
                    break
                if queued is None:
                    stopping = True
                    break
                jobs.append(queued)
            self._write_batch(jobs)

    def _write_batch(self, jobs: list[tuple[Callable[[], object], Future[object]]]) -> None:
        jobs = [(f, future) for f, future in jobs if future.set_running_or_notify_cancel()]
        if len(jobs) > 1:
            results: list[object] | None = None
            # If a write fails, the batch rolls back and its writes are redone one by one.
            with contextlib.suppress(Exception), self.store.batch():
                results = [function() for function, _ in jobs]
            if results is not None:
                for (_, future), result in zip(jobs, results, strict=True):
                    future.set_result(result)
                return
        # Alone, or redoing a failed batch: each write in its own transaction, so one
        # failure costs only its own feed.
        for function, future in jobs:
            try:
                future.set_result(function())
            except Exception as error:
                future.set_exception(error)


class _Pipeline:
    """Runs CPU work (parsing) and database writes off the event loop.

    Parsing starts in a thread of this process and moves to a process pool (every core)
    once enough bytes have arrived to pay for starting it; writes go to one thread that
    batches them, so they are serialised on one connection and never stall fetching.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self.writer = _Writer(store)
        self.inline = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsterm-parse")
        self.pool: ProcessPoolExecutor | None = None
        self.received = 0
        self.disabled = False
        """Set when the pool cannot start; everything is then parsed in this process."""

    def _parser(self, size: int) -> Executor:
        self.received += size
        if self.disabled:
            return self.inline
        if self.pool is None and self.received >= POOL_AFTER_BYTES and (os.cpu_count() or 1) > 1:
            # spawn, not fork: the app calls this from a thread, and forking a threaded
            # process can deadlock the child.
            context = multiprocessing.get_context("spawn")
            # This process keeps a core busy (HTTP, writing): one worker fewer than cores.
            workers = max(1, min((os.cpu_count() or 1) - 1, 4))
            self.pool = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=context,
                initializer=init_worker,
                initargs=(os.getpid(),),  # workers end themselves if this process dies
            )
        return self.pool or self.inline

    async def parse(
        self, body: bytes, url: str, content_type: str
    ) -> tuple[ParsedFeed, list[PreparedEntry]] | str:
        loop = asyncio.get_running_loop()
        parser = self._parser(len(body))
        try:
            return await loop.run_in_executor(parser, parse_and_prepare, body, url, content_type)
        except BrokenProcessPool:
            # A worker died (out of memory on a hostile feed): parse here instead.
            pass
        except (OSError, ValueError):
            if parser is self.inline:
                raise
            # The pool could not start its workers (no usable stdio under some terminals,
            # a process limit): parse in this process from now on; slower, not broken.
            self.disabled = True
        return await loop.run_in_executor(self.inline, parse_and_prepare, body, url, content_type)

    async def write(self, function: Callable[[], _T]) -> _T:
        return await asyncio.wrap_future(self.writer.submit(function))

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
        self.inline.shutdown(wait=True)
        self.writer.close()


def _next_check(settings: Settings, error_count: int, retry_after: float | None) -> datetime:
    base_minutes = settings.refresh_interval or 60
    delay = backoff_delay(error_count, base_minutes, retry_after)
    return _now() + timedelta(seconds=min(delay, 7 * DAY))


def _now() -> datetime:
    return datetime.now(UTC)


async def _refresh_one(
    feed: Feed, fetcher: Fetcher, pipeline: _Pipeline, settings: Settings
) -> FeedOutcome:
    store = pipeline.store
    result = await fetcher.fetch(feed.url, etag=feed.etag, last_modified=feed.last_modified)
    checked = _now()
    new_url = result.permanent_url if result.permanent_url != feed.url else None
    outcome = FeedOutcome(feed_id=feed.id, title=feed.display_title, url=feed.url)

    if result.outcome is FetchOutcome.NOT_MODIFIED:
        await pipeline.write(
            lambda: store.record_fetch(
                feed.id,
                checked=checked,
                next_check=_next_check(settings, 0, result.retry_after),
                error=None,
                etag=result.etag,
                last_modified=result.last_modified,
                new_url=new_url,
            )
        )
        return replace(outcome, not_modified=True)

    error: str | None = result.error
    parsed: tuple[ParsedFeed, list[PreparedEntry]] | None = None
    if result.outcome is FetchOutcome.OK:
        parsed_or_error = await pipeline.parse(result.body, result.final_url, result.content_type)
        result.body = b""  # not needed any more: let it go while the write waits
        if isinstance(parsed_or_error, str):
            error = parsed_or_error
        else:
            parsed = parsed_or_error
    if error is None and parsed is None:
        error = "fetch failed"

    if parsed is not None:
        parsed_feed, prepared = parsed

        # A document cut at MAX_ENTRIES is fine, but the user should learn that entries
        # were left out: the status says so (the feed list and `newsterm list` show it).
        note = f"ok, {parsed_feed.warning}" if parsed_feed.entries_cut else None

        def write_feed() -> StoreResult:
            stored = store.store_feed(feed.id, parsed_feed, now=checked, prepared=prepared)
            store.record_fetch(
                feed.id,
                checked=checked,
                next_check=_next_check(settings, 0, result.retry_after),
                error=None,
                etag=result.etag,
                last_modified=result.last_modified,
                new_url=new_url,
                status=note,
            )
            return stored

        stored = await pipeline.write(write_feed)
        return replace(outcome, new=stored.new, updated=stored.updated)

    error_count = feed.error_count + 1
    await pipeline.write(
        lambda: store.record_fetch(
            feed.id,
            checked=checked,
            next_check=_next_check(settings, error_count, result.retry_after),
            error=error,
            new_url=new_url,
            status="gone" if result.gone else None,
        )
    )
    return replace(outcome, error=error)


async def refresh_feeds(
    store: Store,
    settings: Settings,
    feeds: Sequence[Feed] | None = None,
    *,
    on_progress: ProgressCallback | None = None,
    is_cancelled: CancelCheck | None = None,
) -> RefreshReport:
    """Refresh `feeds` (all feeds when None); never raises for a feed's failure.

    A DatabaseUnusableError (disk full, database read-only or damaged) is not a feed's
    failure: it stops the run and is raised once, after the feeds in flight have settled.

    Feeds are fetched concurrently (the fetcher enforces the global and per-host
    limits), parsed off the event loop and written one transaction per feed.
    """
    if feeds is None:
        feeds = store.list_feeds()
    report = RefreshReport()
    total = len(feeds)
    if on_progress:
        on_progress(RefreshProgress(0, total))
    if not feeds:
        return report

    pipeline = _Pipeline(store)
    storage_failures: list[DatabaseUnusableError] = []
    in_flight = asyncio.Semaphore(max(1, settings.fetch.concurrency) * IN_FLIGHT_PER_FETCH)
    try:
        async with Fetcher(settings.fetch) as fetcher:

            async def run(feed: Feed) -> None:
                if storage_failures or (is_cancelled and is_cancelled()):
                    return
                try:
                    async with in_flight:
                        # Checked again once a slot is free: every feed's task starts at
                        # once, and most of them wait here.
                        if storage_failures or (is_cancelled and is_cancelled()):
                            return
                        outcome = await _refresh_one(feed, fetcher, pipeline, settings)
                except asyncio.CancelledError:
                    raise
                except DatabaseUnusableError as error:
                    # The database, not this feed: stop the run (every write would fail).
                    storage_failures.append(error)
                    return
                except NewstermError as error:
                    outcome = FeedOutcome(feed.id, feed.display_title, feed.url, error=str(error))
                except Exception as error:  # a bug must cost one feed, not the run
                    message = f"internal error: {type(error).__name__}: {error}"
                    outcome = FeedOutcome(feed.id, feed.display_title, feed.url, error=message)
                report.outcomes.append(outcome)
                if on_progress:
                    on_progress(RefreshProgress(len(report.outcomes), total, outcome))

            await asyncio.gather(*(run(feed) for feed in feeds))
            if storage_failures:
                raise storage_failures[0]
        if settings.retention_days or settings.retention_per_feed:
            await pipeline.write(
                lambda: store.apply_retention(
                    max_age_days=settings.retention_days or None,
                    max_per_feed=settings.retention_per_feed or None,
                )
            )
    finally:
        pipeline.close()
    return report


async def subscribe(store: Store, settings: Settings, url: str, folder: str | None = None) -> Feed:
    """Discover the feed behind `url`, add it, store its first fetch; raises FeedError."""
    async with Fetcher(settings.fetch) as fetcher:
        found = await discover(url, fetcher)
    if store.find_feed(found.feed_url) is not None:
        raise FeedError(f"already subscribed: {found.feed_url}")
    loop = asyncio.get_running_loop()
    parsed = found.feed
    if parsed is None:
        try:
            parsed = await loop.run_in_executor(
                None,
                partial(parse_feed, found.body, found.feed_url, content_type=found.content_type),
            )
        except NotAFeedError as error:
            raise FeedError(str(error)) from None
    parsed_feed = parsed
    checked = _now()

    def write() -> Feed:
        # One transaction: a failure (a full disk) leaves no half-added feed behind.
        with store.batch():
            feed = store.add_feed(found.feed_url, title=parsed_feed.title, folder=folder)
            store.store_feed(feed.id, parsed_feed, now=checked)
            store.record_fetch(
                feed.id,
                checked=checked,
                next_check=_next_check(settings, 0, None),
                error=None,
                etag=found.etag,
                last_modified=found.last_modified,
            )
        return store.get_feed(feed.id) or feed

    return await loop.run_in_executor(None, write)
