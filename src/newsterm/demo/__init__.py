"""The offline demo set: feeds shipped inside the package, loaded without any network."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import resources
from importlib.resources.abc import Traversable

from newsterm.models import NotAFeedError, ParsedFeed
from newsterm.parse import parse_feed
from newsterm.store import Store

DEMO_HOST = "demo.newsterm.invalid"
DEMO_DATE = datetime(2026, 11, 26, 12, tzinfo=UTC)
"""The day the demo set was written; its dates are shifted to look recent when loaded."""
"""Demo feed URLs live under a reserved TLD, so nothing can ever fetch them."""


@dataclass(frozen=True, slots=True)
class DemoFeed:
    """One entry of the demo manifest."""

    file: str
    url: str
    title: str
    folder: str | None


def _feeds_dir() -> Traversable:
    return resources.files(__package__).joinpath("feeds")


def demo_feeds() -> list[DemoFeed]:
    """The feeds listed in the shipped manifest."""
    manifest = tomllib.loads(_feeds_dir().joinpath("MANIFEST.toml").read_text("utf-8"))
    return [
        DemoFeed(
            file=str(item["file"]),
            url=str(item["url"]),
            title=str(item.get("title", "")),
            folder=str(item["folder"]) if item.get("folder") else None,
        )
        for item in manifest["feeds"]
    ]


def _shift_dates(feeds: list[ParsedFeed], now: datetime) -> None:
    """Move every date so the newest entry is a few hours old: the demo always looks fresh."""
    dates = [
        moment
        for feed in feeds
        for entry in feed.entries
        for moment in (entry.published, entry.updated)
        if moment is not None
    ]
    if not dates:
        return
    shift = now - timedelta(hours=3) - max(dates)
    for feed in feeds:
        for entry in feed.entries:
            entry.published = entry.published + shift if entry.published else None
            entry.updated = entry.updated + shift if entry.updated else None


def load_demo(store: Store, *, now: datetime | None = None) -> int:
    """Subscribe `store` to every demo feed and store its entries; returns the entry count.

    Dates are shifted so the newest entry is three hours older than `now` (the clock by
    default; a fixed time gives the same store every day, as screenshots need).
    """
    now = now or datetime.now(UTC)
    loaded: list[tuple[DemoFeed, ParsedFeed]] = []
    for demo in demo_feeds():
        data = _feeds_dir().joinpath(demo.file).read_bytes()
        try:
            # Parsed as of the demo's own date, so no entry looks "from the future".
            loaded.append((demo, parse_feed(data, demo.url, now=DEMO_DATE)))
        except NotAFeedError:
            continue  # a broken demo file must not keep the demo from opening
    _shift_dates([parsed for _, parsed in loaded], now)
    total = 0
    for demo, parsed in loaded:
        feed = store.find_feed(demo.url) or store.add_feed(
            demo.url, title=demo.title or parsed.title, folder=demo.folder
        )
        total += store.store_feed(feed.id, parsed, now=now).new
        # Checked "now" and not due for a year: the demo never goes to the network.
        store.record_fetch(feed.id, checked=now, next_check=now + timedelta(days=365), error=None)
    return total
