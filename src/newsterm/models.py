"""Plain data passed between layers: fetch -> parse -> store -> query -> ui.

Nothing here imports Textual, httpx or sqlite3, so every layer can use these types and
they pickle cleanly across a process pool.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime


class NewstermError(Exception):
    """Base of every error newsterm raises on purpose; its message is shown to the user."""


class StorageError(NewstermError):
    """The database cannot be opened, read or written."""


class FeedError(NewstermError):
    """A feed could not be fetched, parsed or found."""


class NotAFeedError(FeedError):
    """The document is neither RSS, Atom nor JSON Feed."""


class ConfigError(NewstermError):
    """The configuration file is unreadable or invalid; the message names file, key and line."""


@dataclass(frozen=True, slots=True)
class Enclosure:
    """A media file attached to an entry (podcast audio, video)."""

    url: str
    type: str = ""
    length: int | None = None


@dataclass(slots=True)
class ParsedEntry:
    """One entry as read from a feed document, before it is stored."""

    identity: str
    """Stable identity within the feed: guid, else link, else a hash of title and date."""
    title: str = ""
    link: str = ""
    author: str = ""
    published: datetime | None = None
    """Aware datetime in UTC, or None when the feed gives no usable date."""
    updated: datetime | None = None
    summary: str = ""
    """Short HTML description, as published (unsanitised)."""
    content: str = ""
    """The richest HTML body (content over summary), as published (unsanitised)."""
    enclosures: tuple[Enclosure, ...] = ()
    categories: tuple[str, ...] = ()


@dataclass(slots=True)
class ParsedFeed:
    """A whole feed document, parsed."""

    title: str = ""
    link: str = ""
    """The site's home page, resolved to an absolute URL."""
    description: str = ""
    kind: str = ""
    """Format as detected, e.g. "rss20", "atom10", "rss10", "json11"."""
    entries: list[ParsedEntry] = field(default_factory=list)
    warning: str | None = None
    """Set when the document was malformed but recovered (feedparser's bozo), or cut short."""
    entries_cut: bool = False
    """The document held more entries than are read (MAX_ENTRIES); `warning` says how many."""


class FetchOutcome(enum.Enum):
    """What one HTTP fetch of a feed came to."""

    OK = "ok"
    """A body arrived (status 200)."""
    NOT_MODIFIED = "not-modified"
    """304: nothing changed since the stored validators."""
    ERROR = "error"
    """Any failure; `FetchResult.error` says which in a few words."""


@dataclass(slots=True)
class FetchResult:
    """The result of fetching one URL; never an exception."""

    url: str
    """The URL that was asked for."""
    outcome: FetchOutcome
    final_url: str = ""
    """The URL the body came from, after redirects."""
    permanent_url: str | None = None
    """The new URL when every redirect on the way was permanent (301/308)."""
    status: int = 0
    """The final HTTP status, 0 when no response arrived."""
    body: bytes = b""
    """The decoded (decompressed) body; empty unless outcome is OK."""
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None
    error: str | None = None
    """A short human status such as "timeout", "HTTP 404", "too large (over 16 MB)"."""
    retry_after: float | None = None
    """Seconds the server asked us to wait (429/503 Retry-After), if any."""
    gone: bool = False
    """410 Gone: the publisher removed the feed for good."""


@dataclass(frozen=True, slots=True)
class Feed:
    """A subscribed feed as stored, with its counts."""

    id: int
    url: str
    title: str
    site_url: str
    folder: str | None
    etag: str | None
    last_modified: str | None
    next_check: datetime | None
    last_checked: datetime | None
    status: str
    """"ok", "new" (never fetched), or a short error such as "HTTP 404"."""
    error: str | None
    error_count: int
    unread: int = 0
    total: int = 0

    @property
    def display_title(self) -> str:
        """The title to show: the feed's own, else its URL."""
        return self.title or self.url

    @property
    def has_error(self) -> bool:
        return self.error is not None


@dataclass(frozen=True, slots=True)
class Folder:
    """A folder of feeds, with its unread count."""

    id: int
    name: str
    unread: int = 0
    total: int = 0


@dataclass(frozen=True, slots=True)
class EntrySummary:
    """What a list row needs: no bodies."""

    id: int
    feed_id: int
    feed_title: str
    title: str
    link: str
    author: str
    published: datetime | None
    """Publication date (UTC), else the update date, else the first-seen date."""
    read: bool
    starred: bool


@dataclass(frozen=True, slots=True)
class Entry:
    """A whole stored entry, for the reader."""

    id: int
    feed_id: int
    feed_title: str
    identity: str
    title: str
    link: str
    author: str
    published: datetime | None
    updated: datetime | None
    first_seen: datetime
    summary: str
    content: str
    enclosures: tuple[Enclosure, ...]
    categories: tuple[str, ...]
    read: bool
    starred: bool

    @property
    def body(self) -> str:
        """The richest HTML body stored for this entry."""
        return self.content or self.summary


class View(enum.Enum):
    """The built-in views above the feed list."""

    ALL = "all"
    UNREAD = "unread"
    STARRED = "starred"


@dataclass(frozen=True, slots=True)
class EntryQuery:
    """Which entries a list shows. Fields combine with AND."""

    feed_id: int | None = None
    folder: str | None = None
    unread_only: bool = False
    starred_only: bool = False
    search: str | None = None
    """Full-text query (FTS5 over title, author and text); results keep the date order."""

    @classmethod
    def for_view(cls, view: View) -> EntryQuery:
        return cls(unread_only=view is View.UNREAD, starred_only=view is View.STARRED)


@dataclass(frozen=True, slots=True)
class StoreResult:
    """What writing one parsed feed changed."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
