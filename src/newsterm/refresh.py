"""Refreshing feeds: fetch -> parse -> store, concurrently. No Textual here.

Both the CLI and the app call `refresh_feeds` (the app from a thread worker, with
`asyncio.run`, so the UI's event loop never waits on it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from newsterm.config import Settings
from newsterm.models import Feed
from newsterm.store import Store


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


async def refresh_feeds(
    store: Store,
    settings: Settings,
    feeds: Sequence[Feed] | None = None,
    *,
    on_progress: ProgressCallback | None = None,
    is_cancelled: CancelCheck | None = None,
) -> RefreshReport:
    """Refresh `feeds` (all feeds when None); never raises for a feed's failure."""
    raise NotImplementedError


async def subscribe(store: Store, settings: Settings, url: str, folder: str | None = None) -> Feed:
    """Discover the feed behind `url`, add it, store its first fetch; raises FeedError."""
    raise NotImplementedError
