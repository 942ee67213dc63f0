"""The only package that speaks SQL.

API CONTRACT (stub; being implemented). Other layers (CLI, services, UI) code against
exactly these names and signatures. Every method is safe to call from any thread: each
thread gets its own sqlite3 connection.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path

from newsterm.models import (
    Entry,
    EntryQuery,
    EntrySummary,
    Feed,
    Folder,
    ParsedFeed,
    StoreResult,
)

DB_FILENAME = "newsterm.db"


class Store:
    """A newsterm database: one SQLite file in WAL mode."""

    def __init__(self, path: Path) -> None:
        """Open (creating and migrating if needed) the database at `path`.

        Raises StorageError with a clear one-line message if the file is not a database,
        is corrupt, or the directory is unreadable/read-only.
        """
        raise NotImplementedError

    @classmethod
    def in_dir(cls, data_dir: Path) -> Store:
        """Open `data_dir / DB_FILENAME`, creating the directory."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    # -- feeds and folders -------------------------------------------------------------
    def add_feed(self, url: str, *, title: str = "", folder: str | None = None) -> Feed:
        """Subscribe; raises FeedError("already subscribed: URL") on a duplicate URL."""
        raise NotImplementedError

    def get_feed(self, feed_id: int) -> Feed | None:
        raise NotImplementedError

    def find_feed(self, id_or_url: str) -> Feed | None:
        """A feed by numeric id (as text) or by exact URL."""
        raise NotImplementedError

    def list_feeds(self) -> list[Feed]:
        """Every feed with unread/total counts, ordered by folder then title."""
        raise NotImplementedError

    def list_folders(self) -> list[Folder]:
        raise NotImplementedError

    def remove_feed(self, feed_id: int) -> None:
        """Delete the feed and its entries."""
        raise NotImplementedError

    def set_feed_folder(self, feed_id: int, folder: str | None) -> None:
        raise NotImplementedError

    def rename_feed(self, feed_id: int, title: str) -> None:
        raise NotImplementedError

    def feeds_due(self, now: datetime) -> list[Feed]:
        """Feeds whose next_check is NULL or <= now."""
        raise NotImplementedError

    def record_fetch(
        self,
        feed_id: int,
        *,
        checked: datetime,
        next_check: datetime,
        error: str | None,
        etag: str | None = None,
        last_modified: str | None = None,
        new_url: str | None = None,
        status: str | None = None,
    ) -> None:
        """Store the outcome of a fetch (validators, schedule, status, error count)."""
        raise NotImplementedError

    def store_feed(self, feed_id: int, parsed: ParsedFeed, *, now: datetime) -> StoreResult:
        """Upsert a parsed document's entries in ONE transaction; keep read/starred."""
        raise NotImplementedError

    # -- entries -----------------------------------------------------------------------
    def count_entries(self, query: EntryQuery) -> int:
        raise NotImplementedError

    def entry_ids(self, query: EntryQuery) -> list[int]:
        """Ids matching `query`, newest first (the list keeps only these)."""
        raise NotImplementedError

    def entry_summaries(self, ids: Sequence[int]) -> list[EntrySummary]:
        """Rows for the given ids, in the given order (missing ids are skipped)."""
        raise NotImplementedError

    def list_entries(
        self, query: EntryQuery, *, limit: int = 50, offset: int = 0
    ) -> list[EntrySummary]:
        raise NotImplementedError

    def get_entry(self, entry_id: int) -> Entry | None:
        raise NotImplementedError

    def set_read(self, entry_ids: Iterable[int], read: bool = True) -> list[int]:
        """Returns the ids whose state actually changed (for undo)."""
        raise NotImplementedError

    def set_starred(self, entry_ids: Iterable[int], starred: bool = True) -> list[int]:
        raise NotImplementedError

    def mark_all_read(self, query: EntryQuery) -> list[int]:
        """Mark every unread entry matching `query` read; return their ids (for undo)."""
        raise NotImplementedError

    def next_unread(self, query: EntryQuery, after_id: int | None) -> int | None:
        raise NotImplementedError

    def search(self, text: str, *, limit: int = 50) -> list[EntrySummary]:
        raise NotImplementedError

    def apply_retention(self, *, max_age_days: int | None, max_per_feed: int | None) -> int:
        """Delete old READ, UNSTARRED entries; returns how many went."""
        raise NotImplementedError

    def data_version(self) -> int:
        """Changes when any connection (any process) commits; used to notice outside writes."""
        raise NotImplementedError
