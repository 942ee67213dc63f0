"""Builders for store tests: parsed feeds made directly, no XML involved."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from newsterm.models import Enclosure, ParsedEntry, ParsedFeed

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def entry(
    identity: str,
    *,
    title: str = "",
    content: str = "",
    author: str = "",
    hours_ago: float | None = 1,
    summary: str = "",
    enclosures: tuple[Enclosure, ...] = (),
    categories: tuple[str, ...] = (),
) -> ParsedEntry:
    """A parsed entry published `hours_ago` before NOW (None: undated)."""
    return ParsedEntry(
        identity=identity,
        title=title or f"Title of {identity}",
        link=f"https://example.org/{identity}",
        author=author,
        published=None if hours_ago is None else NOW - timedelta(hours=hours_ago),
        summary=summary,
        content=content or f"<p>Body of {identity}</p>",
        enclosures=enclosures,
        categories=categories,
    )


def feed_doc(*entries: ParsedEntry, title: str = "A feed", link: str = "") -> ParsedFeed:
    return ParsedFeed(title=title, link=link, kind="rss20", entries=list(entries))


def numbered_feed(count: int, *, prefix: str = "e", start_hours: int = 0) -> ParsedFeed:
    """`count` entries e0..e{count-1}, e0 newest, one hour apart."""
    return feed_doc(*(entry(f"{prefix}{i}", hours_ago=start_hours + i + 1) for i in range(count)))
