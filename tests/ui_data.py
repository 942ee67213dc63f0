"""Deterministic data for the UI tests, snapshots and screenshots: a few feeds in folders,
dated relative to a frozen clock, with hostile titles and one failing feed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from newsterm.models import Feed, ParsedEntry, ParsedFeed
from newsterm.store import Store

NOW = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)
"""The frozen "now" of every UI test (relative dates stay stable)."""

HOSTILE_TITLE = "[red]x[/red] \x1b[31mred\x1b[0m [link=https://evil.example]click[/link]"
"""A title that must show as literal text: markup, ESC sequences and a fake link."""


def frozen_now() -> datetime:
    return NOW


def _body(topic: str, index: int) -> str:
    return (
        f"<p>This is article {index} about <b>{topic}</b>. It has a "
        f'<a href="https://example.org/{topic}/{index}/more">link to more</a> and a '
        f'<a href="https://example.org/{topic}/source">source</a>.</p>'
        "<h2>Details</h2>"
        "<ul><li>first point</li><li>second point</li></ul>"
        f"<p>{'Lorem ipsum dolor sit amet, consectetur adipiscing elit. ' * 6}</p>"
        "<pre><code>print('hello')</code></pre>"
        f"<p>{'Sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. ' * 8}</p>"
    )


FEEDS: list[tuple[str, str, str | None, int]] = [
    ("https://python.example/feed.xml", "Tidy Python", "Programming", 9),
    ("https://rust.example/atom.xml", "Rust Notes", "Programming", 6),
    ("https://terminal.example/rss", "Patient Terminal", "Programming", 5),
    ("https://space.example/rss", "Orbit and Ground", "Science", 7),
    ("https://bio.example/feed", "Cell Biology Weekly", "Science", 4),
    ("https://cooking.example/feed", "Slow Cooking", None, 5),
    ("https://hostile.example/feed", "Hostile [bold]Feed[/bold]", None, 3),
]


def parsed_feed(title: str, topic: str, count: int, *, start: int = 0) -> ParsedFeed:
    """`count` entries, one every 5 hours going back from NOW."""
    entries = []
    for index in range(start, start + count):
        entry_title = f"{title}: story number {index + 1}"
        if topic == "hostile" and index == 0:
            entry_title = HOSTILE_TITLE
        entries.append(
            ParsedEntry(
                identity=f"{topic}-{index}",
                title=entry_title,
                link=f"https://{topic}.example/posts/{index}",
                author="Ada [i]Lovelace[/i]" if topic == "hostile" else f"Author {index % 3 + 1}",
                published=NOW - timedelta(hours=5 * index + len(topic)),
                content=_body(topic, index),
            )
        )
    return ParsedFeed(title=title, link=f"https://{topic}.example/", entries=entries)


def fill_store(store: Store) -> list[Feed]:
    """Subscribe to FEEDS and store their entries; the last feed is marked failing."""
    feeds = []
    for url, title, folder, count in FEEDS:
        topic = url.split("//")[1].split(".")[0]
        feed = store.add_feed(url, title=title, folder=folder)
        store.store_feed(feed.id, parsed_feed(title, topic, count), now=NOW)
        store.record_fetch(
            feed.id,
            checked=NOW - timedelta(minutes=10),
            next_check=NOW + timedelta(hours=1),
            error=None,
        )
        feeds.append(feed)
    failing = store.add_feed("https://broken.example/feed", title="Broken Feed", folder="Science")
    store.record_fetch(
        failing.id,
        checked=NOW - timedelta(minutes=10),
        next_check=NOW + timedelta(hours=1),
        error="HTTP 404",
    )
    feeds.append(failing)
    return feeds
