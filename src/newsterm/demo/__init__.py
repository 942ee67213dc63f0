"""The offline demo set: feeds shipped inside the package, loaded without any network."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import resources
from importlib.resources.abc import Traversable

from newsterm.models import NotAFeedError
from newsterm.parse import parse_feed
from newsterm.store import Store

DEMO_HOST = "demo.newsterm.invalid"
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
        for item in manifest["feed"]
    ]


def load_demo(store: Store) -> int:
    """Subscribe `store` to every demo feed and store its entries; returns the entry count."""
    now = datetime.now(UTC)
    total = 0
    for demo in demo_feeds():
        data = _feeds_dir().joinpath(demo.file).read_bytes()
        try:
            parsed = parse_feed(data, demo.url)
        except NotAFeedError:
            continue  # a broken demo file must not keep the demo from opening
        feed = store.find_feed(demo.url) or store.add_feed(
            demo.url, title=demo.title or parsed.title, folder=demo.folder
        )
        total += store.store_feed(feed.id, parsed, now=now).new
        # Checked "now" and not due for a year: the demo never goes to the network.
        store.record_fetch(feed.id, checked=now, next_check=now + timedelta(days=365), error=None)
    return total
