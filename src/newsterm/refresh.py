"""Refreshing feeds: fetch -> parse -> store, concurrently. No Textual here.

Both the CLI and the app call `refresh_feeds` (the app from a thread worker, with
`asyncio.run`, so the UI's event loop never waits on it).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
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
from newsterm.store import Store

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


PROCESS_POOL_THRESHOLD = 8
"""Below this many feeds to parse, a process pool costs more to start than it saves."""

DAY = 24 * 3600.0


def _parse_in_worker(body: bytes, url: str, content_type: str) -> ParsedFeed | str:
    """Parse in a pool worker; a refusal comes back as its message (pickles cheaply)."""
    try:
        return parse_feed(body, url, content_type=content_type)
    except NotAFeedError as error:
        return str(error)


class _Pipeline:
    """Runs CPU work (parsing) and database writes off the event loop.

    Parsing goes to a process pool when there are many feeds, so a 1,000-feed refresh uses
    every core; writes go to a single thread so they are serialised on one connection and
    never stall fetching.
    """

    def __init__(self, store: Store, feed_count: int) -> None:
        self.store = store
        self.writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsterm-write")
        self.parser: Executor
        if feed_count >= PROCESS_POOL_THRESHOLD and (os.cpu_count() or 1) > 1:
            # spawn, not fork: the app calls this from a thread, and forking a threaded
            # process can deadlock the child.
            context = multiprocessing.get_context("spawn")
            workers = max(1, min(os.cpu_count() or 1, 4))
            self.parser = ProcessPoolExecutor(max_workers=workers, mp_context=context)
        else:
            self.parser = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsterm-parse")

    async def parse(self, body: bytes, url: str, content_type: str) -> ParsedFeed | str:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(
                self.parser, _parse_in_worker, body, url, content_type
            )
        except BrokenProcessPool:
            # A worker died (out of memory on a hostile feed): parse here instead.
            return await loop.run_in_executor(
                self.writer, _parse_in_worker, body, url, content_type
            )

    async def write(self, function: Callable[[], _T]) -> _T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.writer, function)

    def close(self) -> None:
        self.parser.shutdown(wait=True, cancel_futures=True)
        self.writer.shutdown(wait=True)


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
    parsed: ParsedFeed | None = None
    if result.outcome is FetchOutcome.OK:
        parsed_or_error = await pipeline.parse(result.body, result.final_url, result.content_type)
        if isinstance(parsed_or_error, str):
            error = parsed_or_error
        else:
            parsed = parsed_or_error
    if error is None and parsed is None:
        error = "fetch failed"

    if parsed is not None:
        parsed_feed = parsed

        def write_feed() -> StoreResult:
            stored = store.store_feed(feed.id, parsed_feed, now=checked)
            store.record_fetch(
                feed.id,
                checked=checked,
                next_check=_next_check(settings, 0, result.retry_after),
                error=None,
                etag=result.etag,
                last_modified=result.last_modified,
                new_url=new_url,
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

    pipeline = _Pipeline(store, total)
    try:
        async with Fetcher(settings.fetch) as fetcher:

            async def run(feed: Feed) -> None:
                if is_cancelled and is_cancelled():
                    return
                try:
                    outcome = await _refresh_one(feed, fetcher, pipeline, settings)
                except asyncio.CancelledError:
                    raise
                except NewstermError as error:
                    outcome = FeedOutcome(feed.id, feed.display_title, feed.url, error=str(error))
                except Exception as error:  # a bug must cost one feed, not the run
                    message = f"internal error: {type(error).__name__}: {error}"
                    outcome = FeedOutcome(feed.id, feed.display_title, feed.url, error=message)
                report.outcomes.append(outcome)
                if on_progress:
                    on_progress(RefreshProgress(len(report.outcomes), total, outcome))

            await asyncio.gather(*(run(feed) for feed in feeds))
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
