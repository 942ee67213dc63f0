"""The only package that speaks SQL.

Every method is safe to call from any thread: each thread gets its own sqlite3 connection.
Writes are short `BEGIN IMMEDIATE` transactions in WAL mode with a 10 s busy timeout, so
readers never block and two processes refreshing at once wait for each other instead of
failing with "database is locked".
"""

from __future__ import annotations

import contextlib
import itertools
import json
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from newsterm.models import (
    Enclosure,
    Entry,
    EntryQuery,
    EntrySummary,
    Feed,
    FeedError,
    Folder,
    ParsedFeed,
    StorageError,
    StoreResult,
)
from newsterm.store import queries
from newsterm.store.connection import (
    DamagedDatabaseError,
    DatabaseUnusableError,
    from_db_time,
    open_connection,
    storage_error,
    to_db_time,
)
from newsterm.store.repair import check_database, move_aside, salvage_subscriptions
from newsterm.store.rows import (
    PreparedEntry,
    decode_enclosures,
    decode_json_list,
    prepare_entries,
    summary_from_row,
    valid_text,
)
from newsterm.store.schema import SCHEMA_VERSION, migrate
from newsterm.store.text import fts_query

__all__ = [
    "DB_FILENAME",
    "SCHEMA_VERSION",
    "DamagedDatabaseError",
    "DatabaseUnusableError",
    "Store",
    "check_database",
    "move_aside",
    "salvage_subscriptions",
]

DB_FILENAME = "newsterm.db"

RETIRED_MEMORY_DAYS = 365
"""How long the store remembers entries that retention deleted, so they are not re-added."""

_CHUNK = 500
"""Ids per `IN (...)` list: far below SQLite's variable limit on every version."""

_BULK_CHECKPOINT_PAGES = 10_000
"""wal_autocheckpoint of a connection that has written batches (see Store.batch)."""

_FEED_COLUMNS = """
    f.id, f.url, f.title, f.site_url, d.name, f.etag, f.last_modified, f.next_check,
    f.last_checked, f.status, f.error, f.error_count, f.unread, f.total
"""
_FEED_FROM = "feeds f LEFT JOIN folders d ON d.id = f.folder_id"

_SUMMARY_COLUMNS = """
    e.id, e.feed_id, coalesce(nullif(f.title, ''), f.url), e.title, e.link, e.author,
    coalesce(e.published, e.updated, e.first_seen), e.read, e.starred
"""

_INSERT_ENTRIES = """
    INSERT INTO entries (id, feed_id, identity, title, link, author, published, updated,
        first_seen, sort_date, summary, content, enclosures, categories, content_hash)
    VALUES
"""
_INSERT_FTS = "INSERT INTO entries_fts (rowid, title, author, text) VALUES"

_MAX_VARIABLES = 999
"""Parameters per statement: SQLite's limit before 3.32 (32,766 since)."""
_UPDATE_ENTRY = """
    UPDATE entries SET title = ?, link = ?, author = ?, published = ?, updated = ?,
        sort_date = min(coalesce(?, ?, first_seen), ?), summary = ?, content = ?,
        enclosures = ?, categories = ?, content_hash = ?
    WHERE id = ?
"""


def _insert_rows(conn: sqlite3.Connection, insert: str, rows: Sequence[Sequence[Any]]) -> None:
    """`insert` ("INSERT INTO t (...) VALUES") for every row, many rows per statement.

    Not executemany: sqlite3 lets go of the interpreter lock for every row it steps, and
    this thread (a refresh's writer) then waits to take it back from the threads fetching
    and decoding, up to the switch interval (5 ms) each time: a busy main thread made a
    cold refresh's 20,000 inserts take twice as long. A multi-row VALUES statement lets go
    once for all its rows.
    """
    if not rows:
        return
    width = len(rows[0])
    per_statement = max(1, _MAX_VARIABLES // width)
    row_marks = f"({_placeholders(width)})"
    for start in range(0, len(rows), per_statement):
        chunk = rows[start : start + per_statement]
        conn.execute(
            f"{insert} {', '.join([row_marks] * len(chunk))}",
            [value for row in chunk for value in row],
        )


def _over_every_entry(query: EntryQuery) -> bool:
    """Whether `query` lists every entry (the All view) or searches them all."""
    return (
        query.feed_id is None
        and query.folder is None
        and not query.unread_only
        and not query.starred_only
    )


def _chunks(values: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def _placeholders(count: int) -> str:
    return ",".join("?" * count)


def _unique_ids(entry_ids: Iterable[int]) -> list[int]:
    return list(dict.fromkeys(int(entry_id) for entry_id in entry_ids))


class Store:
    """A newsterm database: one SQLite file in WAL mode."""

    def __init__(self, path: Path, *, on_upgrade: Callable[[int, int], None] | None = None) -> None:
        """Open (creating and migrating if needed) the database at `path`.

        `on_upgrade(old, new)` is told before an existing file's schema is upgraded.

        Raises StorageError with a clear one-line message if the file is not a database,
        is corrupt, was written by a newer newsterm, or the directory is unwritable.
        """
        self.path = Path(path)
        self._local = threading.local()
        self._closed = False
        # Commits through this Store: PRAGMA data_version ignores a connection's own.
        self._commits = itertools.count(1)
        self._commit_count = 0
        # Every id in list order, with the search index's structure record it was read
        # at (see `_from_all_ids`).
        self._all_ids: tuple[bytes, list[int]] | None = None
        conn = self._conn()
        try:
            migrate(conn, self.path, on_upgrade)
        except sqlite3.Error as exc:
            self.close()
            raise storage_error(self.path, exc) from exc
        except StorageError:
            self.close()
            raise

    @classmethod
    def in_dir(
        cls, data_dir: Path, *, on_upgrade: Callable[[int, int], None] | None = None
    ) -> Store:
        """Open `data_dir / DB_FILENAME`, creating the directory."""
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"cannot create data directory {data_dir}: {exc.strerror}") from exc
        return cls(data_dir / DB_FILENAME, on_upgrade=on_upgrade)

    def close(self) -> None:
        """Close the store: the calling thread's connection now, other threads' when they
        end or the Store is garbage collected (sqlite3 forbids closing them from here).
        Any later call raises StorageError."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            # Best effort: a busy or read-only database just skips it.
            with contextlib.suppress(sqlite3.Error):
                conn.execute("PRAGMA optimize")
            conn.close()
            self._local.conn = None
        self._all_ids = None
        self._closed = True

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- connections and transactions --------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        if self._closed:
            raise StorageError(f"database {self.path}: the store is closed")
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = open_connection(self.path)
            self._local.conn = conn
        return conn

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        try:
            yield self._conn()
        except sqlite3.Error as exc:
            raise storage_error(self.path, exc) from exc

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Make this thread's writes inside the block one transaction, committed at its end.

        A write that fails inside a batch fails the batch: everything in it rolls back and
        the error propagates (the caller may redo the writes one by one). A refresh stores
        feeds in batches: committing (and flushing the search index) once per few dozen
        feeds instead of per feed halves the cost of writing. No savepoints per write:
        FTS5 flushes its pending index at every savepoint, which would undo the gain.
        Other writers wait for the batch (busy timeout): keep batches short.
        """
        if getattr(self._local, "batch", False):
            yield
            return
        if not getattr(self._local, "bulk", False):
            # Checkpoint the WAL into the database every ~40 MB instead of every ~4 MB:
            # each checkpoint syncs the file, and bulk writes crossed the mark on nearly
            # every commit (writing took twice as long).
            with contextlib.suppress(sqlite3.Error):
                self._conn().execute(f"PRAGMA wal_autocheckpoint = {_BULK_CHECKPOINT_PAGES:d}")
            self._local.bulk = True
        with self._write():
            self._local.batch = True
            self._local.batch_failed = False
            try:
                yield
            finally:
                self._local.batch = False
            if self._local.batch_failed:
                # The block caught a write's error and went on: its partial effects must
                # not be committed.
                raise StorageError(f"database {self.path}: a write failed; batch rolled back")

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One IMMEDIATE transaction: committed on success, rolled back on any error.

        Inside `batch()`, part of the batch's transaction (an error rolls the batch back).
        """
        conn = self._conn()
        if getattr(self._local, "batch", False):
            try:
                yield conn
            except BaseException as exc:
                self._local.batch_failed = True
                if isinstance(exc, sqlite3.Error):
                    raise storage_error(self.path, exc) from exc
                raise
            return
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise storage_error(self.path, exc) from exc
        changes_before = conn.total_changes
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise storage_error(self.path, exc) from exc
            raise
        if conn.total_changes != changes_before:
            self._commit_count = next(self._commits)

    # -- feeds and folders -------------------------------------------------------------
    def _folder_id(self, conn: sqlite3.Connection, folder: str | None) -> int | None:
        """The id of folder `folder`, created if new; None for no folder."""
        if folder is None or not folder.strip():
            return None
        name = folder.strip()
        conn.execute("INSERT OR IGNORE INTO folders (name) VALUES (?)", (name,))
        row = conn.execute("SELECT id FROM folders WHERE name = ?", (name,)).fetchone()
        return int(row[0])

    def add_feed(self, url: str, *, title: str = "", folder: str | None = None) -> Feed:
        """Subscribe; raises FeedError("already subscribed: URL") on a duplicate URL.

        `title` is provisional: the feed's own title replaces it on the first refresh
        (only `rename_feed` pins a title).
        """
        now = to_db_time(datetime.now().astimezone())
        with self._write() as conn:
            folder_id = self._folder_id(conn, folder)
            try:
                cursor = conn.execute(
                    "INSERT INTO feeds (url, title, folder_id, added) VALUES (?, ?, ?, ?)",
                    (url, title, folder_id, now),
                )
            except sqlite3.IntegrityError:
                raise FeedError(f"already subscribed: {url}") from None
            feed_id = cursor.lastrowid
        assert feed_id is not None
        feed = self.get_feed(feed_id)
        assert feed is not None
        return feed

    def _feeds(self, where: str = "1", params: Sequence[Any] = (), order: str = "") -> list[Feed]:
        with self._read() as conn:
            rows = conn.execute(
                f"SELECT {_FEED_COLUMNS} FROM {_FEED_FROM} WHERE {where} {order}", params
            ).fetchall()
        return [
            Feed(
                id=row[0],
                url=row[1],
                title=row[2],
                site_url=row[3],
                folder=row[4],
                etag=row[5],
                last_modified=row[6],
                next_check=from_db_time(row[7]),
                last_checked=from_db_time(row[8]),
                status=row[9],
                error=row[10],
                error_count=row[11],
                unread=row[12],
                total=row[13],
            )
            for row in rows
        ]

    def probe(self) -> int:
        """Count the entries per feed through both per-feed indexes, reading every entry of
        them: a damaged file then fails here, before anything is written to it (about
        25 ms per 100,000 entries, spent inside SQLite, which lets other threads run).
        Returns the number of entries."""
        with self._read() as conn:
            conn.execute(queries.PROBE_UNREAD).fetchone()
            return int(conn.execute(queries.PROBE_ALL).fetchone()[0])

    def feed_counts(self) -> dict[int, tuple[int, int]]:
        """(unread, total) per feed id, for feeds that have entries: a cheap count refresh."""
        with self._read() as conn:
            rows = conn.execute(queries.FEED_COUNTS).fetchall()
        return {feed_id: (unread, total) for feed_id, unread, total in rows}

    def get_feed(self, feed_id: int) -> Feed | None:
        """The feed with this id, with its counts, or None."""
        feeds = self._feeds("f.id = ?", (feed_id,))
        return feeds[0] if feeds else None

    def find_feed(self, id_or_url: str) -> Feed | None:
        """A feed by numeric id (as text) or by exact URL."""
        text = id_or_url.strip()
        if text.isdigit():
            feed = self.get_feed(int(text))
            if feed is not None:
                return feed
        feeds = self._feeds("f.url = ?", (text,))
        return feeds[0] if feeds else None

    def list_feeds(self) -> list[Feed]:
        """Every feed with unread/total counts, ordered by folder then title.

        Feeds outside any folder come last.
        """
        return self._feeds(
            order="ORDER BY d.name IS NULL, d.name COLLATE NOCASE, "
            "coalesce(nullif(f.title, ''), f.url) COLLATE NOCASE, f.id"
        )

    def list_folders(self) -> list[Folder]:
        """Every folder (empty ones too) by name, with unread/total counts of its feeds."""
        with self._read() as conn:
            rows = conn.execute(queries.FOLDER_COUNTS).fetchall()
        return [Folder(id=row[0], name=row[1], unread=row[2], total=row[3]) for row in rows]

    def remove_feed(self, feed_id: int) -> None:
        """Delete the feed and its entries."""
        with self._write() as conn:
            conn.execute("DELETE FROM feeds WHERE id = ?", (feed_id,))

    def set_feed_folder(self, feed_id: int, folder: str | None) -> None:
        """Move the feed into `folder` (created if new), or out of any folder with None."""
        with self._write() as conn:
            folder_id = self._folder_id(conn, folder)
            conn.execute("UPDATE feeds SET folder_id = ? WHERE id = ?", (folder_id, feed_id))

    def remove_folder(self, name: str) -> None:
        """Delete a folder; its feeds stay, outside any folder."""
        with self._write() as conn:
            conn.execute("DELETE FROM folders WHERE name = ?", (name,))

    def rename_feed(self, feed_id: int, title: str) -> None:
        """Give the feed the user's own title, kept across refreshes.

        An empty title gives the feed back its publisher's title on the next refresh: its
        validators go too, so that refresh downloads the document (a 304 carries no title).
        """
        title = title.strip()
        with self._write() as conn:
            if title:
                conn.execute(
                    "UPDATE feeds SET title = ?, title_user = 1 WHERE id = ?", (title, feed_id)
                )
            else:
                conn.execute(
                    "UPDATE feeds SET title = '', title_user = 0, etag = NULL,"
                    " last_modified = NULL WHERE id = ?",
                    (feed_id,),
                )

    def feeds_due(self, now: datetime) -> list[Feed]:
        """Feeds whose next_check is NULL or <= now, never-checked first."""
        return self._feeds(
            "f.next_check IS NULL OR f.next_check <= ?",
            (to_db_time(now),),
            order="ORDER BY f.next_check IS NOT NULL, f.next_check, f.id",
        )

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
        """Store the outcome of a fetch (validators, schedule, status, error count).

        Validators given as None keep the stored ones. A `new_url` already used by another
        feed is ignored (the feed keeps its URL).
        """
        with self._write() as conn:
            if error is None:
                conn.execute(
                    """
                    UPDATE feeds SET last_checked = ?, next_check = ?, status = ?,
                        error = NULL, error_count = 0,
                        etag = coalesce(?, etag), last_modified = coalesce(?, last_modified)
                    WHERE id = ?
                    """,
                    (
                        to_db_time(checked),
                        to_db_time(next_check),
                        status or "ok",
                        etag,
                        last_modified,
                        feed_id,
                    ),
                )
            else:
                conn.execute(
                    """
                    UPDATE feeds SET last_checked = ?, next_check = ?, status = ?,
                        error = ?, error_count = error_count + 1,
                        etag = coalesce(?, etag), last_modified = coalesce(?, last_modified)
                    WHERE id = ?
                    """,
                    (
                        to_db_time(checked),
                        to_db_time(next_check),
                        status or error,
                        error,
                        etag,
                        last_modified,
                        feed_id,
                    ),
                )
            if new_url:
                conn.execute(
                    "UPDATE feeds SET url = ?1 WHERE id = ?2"
                    " AND NOT EXISTS (SELECT 1 FROM feeds WHERE url = ?1)",
                    (new_url, feed_id),
                )

    def store_feed(
        self,
        feed_id: int,
        parsed: ParsedFeed,
        *,
        now: datetime,
        prepared: Sequence[PreparedEntry] | None = None,
    ) -> StoreResult:
        """Upsert a parsed document's entries in ONE transaction; keep read/starred.

        New entries arrive unread; an entry whose content changed is rewritten but keeps
        its read/starred state and first_seen; unchanged entries are not written. Entries
        no longer in the document stay. Within one document the first of several entries
        with the same identity wins. A feed removed meanwhile stores nothing.

        `prepared`: `prepare_entries(parsed.entries)` done elsewhere (a refresh does it in
        its parse workers, search text included), so this thread only writes.
        """
        items = prepare_entries(parsed.entries) if prepared is None else prepared
        by_identity: dict[str, PreparedEntry] = {}
        for item in items:
            by_identity.setdefault(item.entry.identity, item)
        now_db = to_db_time(now)
        assert now_db is not None
        new = updated = unchanged = 0
        with self._write() as conn:
            feed = conn.execute(
                "SELECT title, site_url, title_user FROM feeds WHERE id = ?", (feed_id,)
            ).fetchone()
            if feed is None:
                return StoreResult()
            self._update_feed_meta(conn, feed_id, parsed, feed)

            existing: dict[str, tuple[int, str]] = {}
            identities = list(by_identity)
            for start in range(0, len(identities), _CHUNK):
                batch = identities[start : start + _CHUNK]
                for identity, entry_id, content_hash in conn.execute(
                    "SELECT identity, id, content_hash FROM entries"
                    f" WHERE feed_id = ? AND identity IN ({_placeholders(len(batch))})",
                    (feed_id, *batch),
                ):
                    existing[identity] = (entry_id, content_hash)
                # Entries that retention deleted stay deleted: seen as unchanged.
                for (identity,) in conn.execute(
                    "SELECT identity FROM retired_entries"
                    f" WHERE feed_id = ? AND identity IN ({_placeholders(len(batch))})",
                    (feed_id, *batch),
                ):
                    existing.setdefault(identity, (0, ""))

            # Ids are assigned here rather than by SQLite so that one executemany can insert
            # the rows and another their search text; the IMMEDIATE transaction holds the
            # write lock, so nobody else can take these ids meanwhile.
            next_id = int(
                conn.execute("SELECT coalesce(max(id), 0) + 1 FROM entries").fetchone()[0]
            )
            inserts: list[tuple[Any, ...]] = []
            fts_inserts: list[tuple[int, str, str, str]] = []
            changed_rows: list[tuple[Any, ...]] = []
            fts_updates: list[tuple[str, str, str, int]] = []
            for identity, item in by_identity.items():
                entry = item.entry
                known = existing.get(identity)
                if known is None:
                    date = item.published if item.published is not None else item.updated
                    inserts.append(
                        (
                            next_id,
                            feed_id,
                            identity,
                            entry.title,
                            entry.link,
                            entry.author,
                            item.published,
                            item.updated,
                            now_db,
                            now_db if date is None or date > now_db else date,
                            entry.summary,
                            entry.content,
                            item.enclosures,
                            item.categories,
                            item.content_hash,
                        )
                    )
                    fts_inserts.append(item.fts_row(next_id))
                    next_id += 1
                    new += 1
                elif known[0] == 0:
                    unchanged += 1  # retired by retention
                elif known[1] != item.content_hash:
                    entry_id = known[0]
                    changed_rows.append(
                        (
                            entry.title,
                            entry.link,
                            entry.author,
                            item.published,
                            item.updated,
                            item.published,
                            item.updated,
                            now_db,
                            entry.summary,
                            entry.content,
                            item.enclosures,
                            item.categories,
                            item.content_hash,
                            entry_id,
                        )
                    )
                    _, title, author, text = item.fts_row(entry_id)
                    fts_updates.append((title, author, text, entry_id))
                    updated += 1
                else:
                    unchanged += 1
            if changed_rows:
                conn.executemany(_UPDATE_ENTRY, changed_rows)
                conn.executemany(
                    "UPDATE entries_fts SET title = ?, author = ?, text = ? WHERE rowid = ?",
                    fts_updates,
                )
            if inserts:
                _insert_rows(conn, _INSERT_ENTRIES, inserts)
                _insert_rows(conn, _INSERT_FTS, fts_inserts)
                self._recount(conn, [feed_id])
        return StoreResult(new=new, updated=updated, unchanged=unchanged)

    @staticmethod
    def _recount(conn: sqlite3.Connection, feed_ids: Iterable[int]) -> None:
        """Store fresh counts of these feeds (inside the write that changed them)."""
        conn.executemany(queries.RECOUNT_FEED, [(feed_id,) for feed_id in set(feed_ids)])

    @classmethod
    def _recount_entries(cls, conn: sqlite3.Connection, entry_ids: Sequence[int]) -> None:
        """Recount the feeds that these entries belong to."""
        feed_ids: set[int] = set()
        for batch in _chunks(list(entry_ids)):
            rows = conn.execute(
                f"SELECT DISTINCT feed_id FROM entries WHERE id IN ({_placeholders(len(batch))})",
                batch,
            ).fetchall()
            feed_ids.update(row[0] for row in rows)
        cls._recount(conn, feed_ids)

    @staticmethod
    def _update_feed_meta(
        conn: sqlite3.Connection, feed_id: int, parsed: ParsedFeed, stored: Sequence[Any]
    ) -> None:
        title, site_url, title_user = stored
        new_title = valid_text(parsed.title.strip())
        if new_title and not title_user and new_title != title:
            conn.execute("UPDATE feeds SET title = ? WHERE id = ?", (new_title, feed_id))
        new_site = valid_text(parsed.link.strip())
        if new_site and new_site != site_url:
            conn.execute("UPDATE feeds SET site_url = ? WHERE id = ?", (new_site, feed_id))

    # -- entries -----------------------------------------------------------------------
    @staticmethod
    def _few_matches(conn: sqlite3.Connection, query: EntryQuery, *, one_page: bool) -> bool:
        """Whether `query` searches for text that few entries match (see
        `queries.few_matches_cap`): then its matches are sorted, not the date index walked."""
        (few,) = Store._fewer_than(
            conn, query, [lambda bound: queries.few_matches_cap(bound, one_page=one_page)]
        )
        return few

    @staticmethod
    def _fewer_than(
        conn: sqlite3.Connection, query: EntryQuery, caps: Sequence[Callable[[int], int]]
    ) -> list[bool]:
        """For each cap (a function of the entry id bound), whether `query` searches for
        text that fewer entries match; all False without search text.

        Estimated from the newest ids (see `queries.SAMPLE_IDS`), so it costs a fraction
        of the search itself, and one count answers every cap; a wrong guess costs time,
        never a wrong list.
        """
        if query.search is None:
            return [False] * len(caps)
        match = fts_query(query.search)
        if match is None:
            return [False] * len(caps)
        bound = int(conn.execute(queries.ENTRY_ID_BOUND).fetchone()[0])
        sample = min(bound, max(queries.SAMPLE_IDS, bound // 10))
        if sample <= 0:
            return [True] * len(caps)
        # Enough to tell, no more.
        sample_caps = [-(-cap(bound) * sample // bound) for cap in caps]
        found = int(
            conn.execute(
                queries.MATCHES_ABOVE, (match, bound - sample, max(sample_caps))
            ).fetchone()[0]
        )
        return [found < sample_cap for sample_cap in sample_caps]

    def count_entries(self, query: EntryQuery) -> int:
        """How many entries match `query`."""
        with self._read() as conn:
            few = self._few_matches(conn, query, one_page=False)
            row = conn.execute(*queries.count_sql(query, few_matches=few)).fetchone()
        return int(row[0])

    def entry_ids(self, query: EntryQuery) -> list[int]:
        """Ids matching `query`, newest first (the list keeps only these)."""
        with self._read() as conn:
            few, too_few_to_filter = self._fewer_than(
                conn,
                query,
                [
                    lambda bound: queries.few_matches_cap(bound, one_page=False),
                    queries.kept_list_cap,
                ],
            )
            if _over_every_entry(query) and not conn.in_transaction:
                found = None
                if not few:
                    found = self._from_all_ids(conn, query.search)
                elif not too_few_to_filter:
                    # Fewer matches: worth it only while the kept list holds.
                    found = self._from_all_ids(conn, query.search, only_kept=True)
                if found is not None:
                    return found
            sql, params = queries.entry_ids_sql(query, few_matches=few)
            # One JSON array, not a row per id: 100,000 ids in ~22 ms instead of ~36 ms,
            # built by SQLite without the interpreter lock, so the UI thread runs on while
            # a worker lists. SQLite keeps a FROM-subquery's ORDER BY when the outer query
            # aggregates with anything but count(), min() or max() (select.c), so the
            # array is in list order; the tests check it against an order made in Python.
            (array,) = conn.execute(f"SELECT json_group_array(id) FROM ({sql})", params).fetchone()
        ids: list[int] = json.loads(array)
        return ids

    def _from_all_ids(
        self, conn: sqlite3.Connection, search: str | None, *, only_kept: bool = False
    ) -> list[int] | None:
        """Every id in list order, or those a search matches: from the list of all ids,
        kept between calls while no entry is added, changed or deleted.

        At 100,000 entries the All view then lists in 0.2 ms instead of 15, and a search
        that many entries match filters the kept list by the set of its matches instead of
        SQLite building that set and probing it from the date index: 20 ms instead of 43
        for a word in every entry (FTS5 finds the matches in 4 ms), 10 instead of 24 for a
        word in a quarter of them. After new entries the list is read again, as the All
        view did each time (~15 ms; bench/README.md, session 8). None, for the caller to
        ask SQLite, if the search index has no structure record to tell by, or if
        `only_kept` and the kept list does not hold.
        """
        match: str | None = None
        if search is not None and search.strip():
            match = fts_query(search)
            if match is None:
                return []  # only punctuation: nothing can match
        conn.execute("BEGIN")  # the reads below see one state of the database
        try:
            # The search index's structure record changes with every entry added,
            # deleted or changed (a changed date comes with its text re-indexed, see
            # store_feed), and not when entries are read or starred: it tells whether
            # the kept list still holds, in this process or after another one wrote.
            row = conn.execute(queries.INDEX_STRUCTURE).fetchone()
            if row is None:
                return None  # an SQLite whose FTS5 keeps it elsewhere: nothing is kept
            structure = bytes(row[0])
            kept = self._all_ids
            if kept is None or kept[0] != structure:
                if only_kept:
                    return None
                (every_id,) = conn.execute(queries.ALL_IDS).fetchone()
                # A list, not an array: copying it for the All view takes 0.3 ms at
                # 100,000 entries (an array's tolist 2 ms), and its ints are the ones
                # that view then holds, so keeping it costs 0.8 MB, not 3.6.
                kept = (structure, json.loads(every_id))
            matches = None
            if match is not None:
                (matches,) = conn.execute(queries.MATCHED_IDS, (match,)).fetchone()
        finally:
            conn.execute("COMMIT")
        self._all_ids = kept
        if matches is None:
            return list(kept[1])  # a copy: the caller may change its list
        matched = set(json.loads(matches))
        return [entry_id for entry_id in kept[1] if entry_id in matched]

    def enclosures(self, ids: Sequence[int]) -> dict[int, tuple[Enclosure, ...]]:
        """The attachments of the given entries, for those that have any."""
        found: dict[int, tuple[Enclosure, ...]] = {}
        with self._read() as conn:
            for batch in _chunks(_unique_ids(ids)):
                for entry_id, text in conn.execute(
                    f"SELECT id, enclosures FROM entries WHERE id IN ({_placeholders(len(batch))})"
                    " AND enclosures != '[]'",
                    batch,
                ):
                    if enclosures := decode_enclosures(text):
                        found[entry_id] = enclosures
        return found

    def entry_summaries(self, ids: Sequence[int]) -> list[EntrySummary]:
        """Rows for the given ids, in the given order (missing ids are skipped)."""
        wanted = _unique_ids(ids)
        found: dict[int, EntrySummary] = {}
        with self._read() as conn:
            for batch in _chunks(wanted):
                for row in conn.execute(
                    f"SELECT {_SUMMARY_COLUMNS} FROM entries e JOIN feeds f ON f.id = e.feed_id"
                    f" WHERE e.id IN ({_placeholders(len(batch))})",
                    batch,
                ):
                    found[row[0]] = summary_from_row(row)
        return [found[entry_id] for entry_id in ids if entry_id in found]

    def list_entries(
        self, query: EntryQuery, *, limit: int = 50, offset: int = 0
    ) -> list[EntrySummary]:
        """One page of entries matching `query`, newest first."""
        with self._read() as conn:
            one_page = limit + offset < queries.FEW_MATCHES_FOR_A_PAGE
            few = self._few_matches(conn, query, one_page=one_page)
            where, params = queries.entry_filter(query, few_matches=few)
            rows = conn.execute(
                f"SELECT {_SUMMARY_COLUMNS} FROM entries e JOIN feeds f ON f.id = e.feed_id"
                f" WHERE {where} {queries.LIST_ORDER} LIMIT ? OFFSET ?",
                (*params, limit, offset),
            ).fetchall()
        return [summary_from_row(row) for row in rows]

    def get_entry(self, entry_id: int) -> Entry | None:
        """The whole entry, bodies included, or None."""
        with self._read() as conn:
            row = conn.execute(
                """
                SELECT e.id, e.feed_id, coalesce(nullif(f.title, ''), f.url), e.identity,
                    e.title, e.link, e.author, e.published, e.updated, e.first_seen,
                    e.summary, e.content, e.enclosures, e.categories, e.read, e.starred
                FROM entries e JOIN feeds f ON f.id = e.feed_id
                WHERE e.id = ?
                """,
                (entry_id,),
            ).fetchone()
        if row is None:
            return None
        first_seen = from_db_time(row[9])
        assert first_seen is not None
        return Entry(
            id=row[0],
            feed_id=row[1],
            feed_title=row[2],
            identity=row[3],
            title=row[4],
            link=row[5],
            author=row[6],
            published=from_db_time(row[7]),
            updated=from_db_time(row[8]),
            first_seen=first_seen,
            summary=row[10],
            content=row[11],
            enclosures=decode_enclosures(row[12]),
            categories=tuple(str(c) for c in decode_json_list(row[13])),
            read=bool(row[14]),
            starred=bool(row[15]),
        )

    def _set_flag(self, column: str, entry_ids: Iterable[int], value: bool) -> list[int]:
        wanted = _unique_ids(entry_ids)
        changed: set[int] = set()
        feeds: set[int] = set()
        with self._write() as conn:
            for batch in _chunks(wanted):
                marks = _placeholders(len(batch))
                rows = conn.execute(
                    f"SELECT id, feed_id FROM entries WHERE id IN ({marks}) AND {column} != ?",
                    (*batch, int(value)),
                ).fetchall()
                ids = [row[0] for row in rows]
                if ids:
                    conn.execute(
                        f"UPDATE entries SET {column} = ? WHERE id IN ({_placeholders(len(ids))})",
                        (int(value), *ids),
                    )
                    changed.update(ids)
                    feeds.update(row[1] for row in rows)
            if column == "read":
                self._recount(conn, feeds)
        return [entry_id for entry_id in wanted if entry_id in changed]

    def set_read(self, entry_ids: Iterable[int], read: bool = True) -> list[int]:
        """Returns the ids whose state actually changed (for undo)."""
        return self._set_flag("read", entry_ids, read)

    def set_starred(self, entry_ids: Iterable[int], starred: bool = True) -> list[int]:
        """Returns the ids whose state actually changed (for undo)."""
        return self._set_flag("starred", entry_ids, starred)

    def mark_all_read(self, query: EntryQuery) -> list[int]:
        """Mark every unread entry matching `query` read; return their ids (for undo)."""
        with self._write() as conn:
            few = self._few_matches(conn, query, one_page=False)
            ids = [
                entry_id
                for (entry_id,) in conn.execute(
                    *queries.entry_ids_sql(query, unread=True, few_matches=few)
                )
            ]
            for batch in _chunks(ids):
                conn.execute(
                    f"UPDATE entries SET read = 1 WHERE id IN ({_placeholders(len(batch))})",
                    batch,
                )
            if ids:
                self._recount_entries(conn, ids)
        return ids

    def next_unread(self, query: EntryQuery, after_id: int | None) -> int | None:
        """The first unread entry matching `query` below `after_id` in list order.

        None at the end of the list (no wrapping). With `after_id` None, or an id that no
        longer exists, the search starts at the top.
        """
        with self._read() as conn:
            position = None
            if after_id is not None:
                position = conn.execute(
                    "SELECT sort_date, id FROM entries WHERE id = ?", (after_id,)
                ).fetchone()
            few = self._few_matches(conn, query, one_page=True)
            row = conn.execute(
                *queries.next_unread_sql(query, position, few_matches=few)
            ).fetchone()
        return None if row is None else int(row[0])

    def search(self, text: str, *, limit: int = 50) -> list[EntrySummary]:
        """Entries matching user search text (any text is safe), newest first."""
        if not text.strip():
            return []
        return self.list_entries(EntryQuery(search=text), limit=limit)

    def apply_retention(self, *, max_age_days: int | None, max_per_feed: int | None) -> int:
        """Delete old READ, UNSTARRED entries; returns how many went.

        `max_age_days`: read, unstarred entries dated (and first seen) longer ago go.
        `max_per_feed`: each feed keeps at most this many read, unstarred entries, the
        newest. None or 0 turns a rule off. Unread and starred entries always stay.
        """
        now = datetime.now().astimezone()
        doomed: list[tuple[str, tuple[Any, ...]]] = []
        if max_age_days:
            cutoff = to_db_time(now - timedelta(days=max_age_days))
            doomed.append(
                (
                    "SELECT id FROM entries WHERE read = 1 AND starred = 0"
                    " AND sort_date < ? AND first_seen < ?",
                    (cutoff, cutoff),
                )
            )
        if max_per_feed:
            doomed.append(
                (
                    """
                    SELECT id FROM (
                        SELECT id, row_number() OVER (
                            PARTITION BY feed_id ORDER BY sort_date DESC, id DESC
                        ) AS position
                        FROM entries WHERE read = 1 AND starred = 0
                    ) WHERE position > ?
                    """,
                    (max_per_feed,),
                )
            )
        deleted = 0
        with self._write() as conn:
            for select_ids, params in doomed:
                # Remember the identities first, so a refresh does not bring them back.
                conn.execute(
                    "INSERT OR IGNORE INTO retired_entries (feed_id, identity, retired)"
                    f" SELECT feed_id, identity, ? FROM entries WHERE id IN ({select_ids})",
                    (to_db_time(now), *params),
                )
                deleted += conn.execute(
                    f"DELETE FROM entries WHERE id IN ({select_ids})", params
                ).rowcount
            if deleted:
                conn.execute(queries.RECOUNT_ALL)
            # A publisher keeps an entry in its document for weeks, not years.
            conn.execute(
                "DELETE FROM retired_entries WHERE retired < ?",
                (to_db_time(now - timedelta(days=RETIRED_MEMORY_DAYS)),),
            )
        return deleted

    # -- housekeeping ------------------------------------------------------------------
    def data_version(self) -> int:
        """Changes when any connection (any process) commits; used to notice outside writes.

        Compare values taken on the same thread: PRAGMA data_version is per connection.
        """
        with self._read() as conn:
            outside = int(conn.execute("PRAGMA data_version").fetchone()[0])
        # Both parts only grow, so their sum changes whenever either does.
        return outside + self._commit_count

    def stats(self) -> dict[str, int]:
        """Totals for status lines and `--json`: feeds, entries, unread, starred."""
        with self._read() as conn:
            feeds = conn.execute("SELECT count(*) FROM feeds").fetchone()[0]
            entries = conn.execute("SELECT count(*) FROM entries").fetchone()[0]
            unread = conn.execute("SELECT count(*) FROM entries WHERE read = 0").fetchone()[0]
            starred = conn.execute("SELECT count(*) FROM entries WHERE starred = 1").fetchone()[0]
        return {"feeds": feeds, "entries": entries, "unread": unread, "starred": starred}

    def query_plan(self, sql: str, params: Sequence[Any] = ()) -> list[str]:
        """The details of SQLite's EXPLAIN QUERY PLAN for a statement (for checks and bugs)."""
        with self._read() as conn:
            return [str(row[3]) for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params)]

    def optimize(self) -> None:
        """Refresh the planner's statistics where they went stale (cheap; run now and then)."""
        with self._read() as conn:
            conn.execute("PRAGMA optimize")
