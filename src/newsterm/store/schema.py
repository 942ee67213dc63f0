"""The database schema as a list of forward migrations, versioned by PRAGMA user_version.

Migration N (1-based) moves a database from user_version N-1 to N. Never edit a released
migration: append a new one. Each runs in its own IMMEDIATE transaction, so two processes
opening a fresh file at once cannot both apply it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from newsterm.models import StorageError

# Version 1: every table, the list indexes and the full-text index.
_V1 = """
CREATE TABLE folders (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE feeds (
    id            INTEGER PRIMARY KEY,
    url           TEXT NOT NULL UNIQUE,
    title         TEXT NOT NULL DEFAULT '',
    site_url      TEXT NOT NULL DEFAULT '',
    folder_id     INTEGER REFERENCES folders(id) ON DELETE SET NULL,
    etag          TEXT,
    last_modified TEXT,
    next_check    INTEGER,
    last_checked  INTEGER,
    status        TEXT NOT NULL DEFAULT 'new',
    error         TEXT,
    error_count   INTEGER NOT NULL DEFAULT 0,
    added         INTEGER NOT NULL
);
CREATE INDEX feeds_folder ON feeds(folder_id);

-- Times are integer microseconds since the Unix epoch, UTC: exact round trips, fast sorts.
-- sort_date is coalesce(published, updated, first_seen), clamped to the time of storing
-- so that an entry dated in the future cannot sit at the top of every list forever.
CREATE TABLE entries (
    id           INTEGER PRIMARY KEY,
    feed_id      INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
    identity     TEXT NOT NULL,
    title        TEXT NOT NULL DEFAULT '',
    link         TEXT NOT NULL DEFAULT '',
    author       TEXT NOT NULL DEFAULT '',
    published    INTEGER,
    updated      INTEGER,
    first_seen   INTEGER NOT NULL,
    sort_date    INTEGER NOT NULL,
    summary      TEXT NOT NULL DEFAULT '',
    content      TEXT NOT NULL DEFAULT '',
    enclosures   TEXT NOT NULL DEFAULT '[]',
    categories   TEXT NOT NULL DEFAULT '[]',
    content_hash TEXT NOT NULL,
    read         INTEGER NOT NULL DEFAULT 0,
    starred      INTEGER NOT NULL DEFAULT 0,
    UNIQUE (feed_id, identity)
);
CREATE INDEX entries_feed_date ON entries(feed_id, sort_date DESC, id DESC);
CREATE INDEX entries_date ON entries(sort_date DESC, id DESC);
CREATE INDEX entries_unread_date ON entries(sort_date DESC, id DESC) WHERE read = 0;
CREATE INDEX entries_unread_feed ON entries(feed_id, sort_date DESC, id DESC) WHERE read = 0;
CREATE INDEX entries_starred_date ON entries(sort_date DESC, id DESC) WHERE starred = 1;

-- rowid = entries.id. The text column is the body with tags stripped, computed in Python
-- (lxml), so it cannot come from an external-content table; deletes follow by trigger.
CREATE VIRTUAL TABLE entries_fts USING fts5(
    title, author, text, tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER entries_fts_delete AFTER DELETE ON entries BEGIN
    DELETE FROM entries_fts WHERE rowid = old.id;
END;
"""

# Version 2: a renamed feed keeps the user's title when its publisher renames it
# (title_user); the refresh scheduler finds due feeds by index; and the list indexes
# become covering. Version 1's partial indexes lacked the column of their own WHERE term
# (read, starred) and the date index lacked feed_id, so SQLite visited a table row per
# listed entry: 100,000 extra row reads for the Unread view or a folder of a big store.
_V2 = """
ALTER TABLE feeds ADD COLUMN title_user INTEGER NOT NULL DEFAULT 0;
CREATE INDEX feeds_next_check ON feeds(next_check);

DROP INDEX entries_date;
CREATE INDEX entries_date ON entries(sort_date DESC, id DESC, feed_id);
DROP INDEX entries_unread_date;
CREATE INDEX entries_unread_date ON entries(sort_date DESC, id DESC, feed_id, read)
    WHERE read = 0;
DROP INDEX entries_unread_feed;
CREATE INDEX entries_unread_feed ON entries(feed_id, sort_date DESC, id DESC, read)
    WHERE read = 0;
DROP INDEX entries_starred_date;
CREATE INDEX entries_starred_date ON entries(sort_date DESC, id DESC, feed_id, starred)
    WHERE starred = 1;
"""

# Version 3: retention remembers what it deleted. Without this, an entry removed by
# retention while still in the publisher's document came back on the next refresh as
# new and unread: read state lost, which the store promises never happens.
_V3 = """
CREATE TABLE retired_entries (
    feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
    identity TEXT NOT NULL,
    retired INTEGER NOT NULL,
    PRIMARY KEY (feed_id, identity)
) WITHOUT ROWID;
CREATE INDEX retired_entries_time ON retired_entries(retired);
"""


def _rebuild_fts(options: str) -> str:
    """A migration that makes the search index again with other FTS5 `options`.

    FTS5 options are fixed at creation, so the index is rebuilt from its own stored text.
    The text waits in a TEMP table (outside the file) while the old table is dropped and
    the new one made under the same name: with both in the schema at once, the schema
    outgrew its first pages into the file's last ones, where a truncated file loses them
    (and `newsterm repair` then finds no feeds). The delete trigger names the table, so it
    is made again.
    """
    return f"""
CREATE TEMP TABLE entries_fts_text AS
    SELECT rowid AS id, title, author, text FROM entries_fts ORDER BY rowid;
DROP TRIGGER entries_fts_delete;
DROP TABLE entries_fts;
CREATE VIRTUAL TABLE entries_fts USING fts5(
    title, author, text, tokenize = 'unicode61 remove_diacritics 2', {options}
);
INSERT INTO entries_fts (rowid, title, author, text)
    SELECT id, title, author, text FROM temp.entries_fts_text ORDER BY id;
DROP TABLE temp.entries_fts_text;
CREATE TRIGGER entries_fts_delete AFTER DELETE ON entries BEGIN
    DELETE FROM entries_fts WHERE rowid = old.id;
END;
"""


# Version 4: prefix indexes for 2- and 3-character prefixes. Every search word is a
# prefix query ("the"*), and without an index FTS5 merges the document lists of every
# word that starts so ("the", "them", "there", "these", ...): 75 ms of a 127 ms search at
# 100,000 entries, 9 ms with the index. Longer prefixes expand to few words and stay cheap.
# The rebuild takes about 30 s per 100,000 entries, once; the index grows by about 1.4 kB
# per entry.
_V4 = _rebuild_fts("prefix = '2 3'")

# Version 5: unread and total counts per feed, stored on the feed. Counting at read time
# walked every entry (GROUP BY over the feed index): 25-35 ms at 100,000 entries and growing
# with them, paid twice on every start-up and on every reload of the feed list; reading the
# stored counts costs one row per feed. Every write that adds, deletes or (un)reads entries
# recounts the feeds it touched in the same transaction (an indexed count per feed), so the
# counts cannot drift. Columns rather than a table or triggers: the schema must stay in the
# file's first page (with room for ANALYZE's table), where a truncated file keeps it.
_V5 = """
ALTER TABLE feeds ADD COLUMN unread INTEGER NOT NULL DEFAULT 0;
ALTER TABLE feeds ADD COLUMN total INTEGER NOT NULL DEFAULT 0;
UPDATE feeds SET
    unread = (SELECT count(*) FROM entries e WHERE e.feed_id = feeds.id AND e.read = 0),
    total = (SELECT count(*) FROM entries e WHERE e.feed_id = feeds.id);
"""

# Version 6: no index of 2-character prefixes. A search word of one or two letters now
# means the word itself ("AI", "go"; see store.text), so that index served nothing, and
# keeping it up was the largest part of storing an entry: indexing 20,000 articles took
# 6.1 s with prefix = '2 3' and 3.4 s with '3' alone (in commits of 400), and a cold
# refresh waits on its writer. The index also merges its segments eight at a time instead
# of four (automerge): 100,000 entries in commits of 500 were indexed in 24.8 s instead of
# 36.4 s, and searches took the same time (within 0.05 ms for rare words).
_V6 = (
    _rebuild_fts("prefix = '3'")
    + "INSERT INTO entries_fts (entries_fts, rank) VALUES ('automerge', 8);\n"
)

MIGRATIONS: tuple[str, ...] = (_V1, _V2, _V3, _V4, _V5, _V6)
"""Forward migrations; MIGRATIONS[i] takes a database from version i to i + 1."""

SCHEMA_VERSION = len(MIGRATIONS)


def user_version(conn: sqlite3.Connection) -> int:
    """The schema version stored in the file (0 for a new, empty database)."""
    row = conn.execute("PRAGMA user_version").fetchone()
    return int(row[0])


def _split_statements(script: str) -> list[str]:
    """Split a migration script into complete statements (triggers contain semicolons)."""
    statements: list[str] = []
    pending = ""
    for line in script.splitlines(keepends=True):
        if line.lstrip().startswith("--"):
            continue
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending.strip())
            pending = ""
    if pending.strip():
        statements.append(pending.strip())
    return statements


def migrate(
    conn: sqlite3.Connection,
    path: Path,
    on_upgrade: Callable[[int, int], None] | None = None,
) -> None:
    """Bring the database up to SCHEMA_VERSION, or refuse one written by a newer newsterm.

    `conn` must be in autocommit mode (isolation_level=None); each migration commits alone.
    `on_upgrade(old, new)` is called once before an existing database is upgraded (some
    migrations rebuild an index: tens of seconds for a big file, worth saying so).
    """
    version = user_version(conn)
    _refuse_newer(version, path)
    if 0 < version < SCHEMA_VERSION and on_upgrade is not None:
        on_upgrade(version, SCHEMA_VERSION)
    while version < SCHEMA_VERSION:
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have migrated while we waited for the write lock.
            version = user_version(conn)
            _refuse_newer(version, path)
            if version == 0 and _has_tables(conn):
                raise StorageError(
                    f"database {path}: the file is an SQLite database of another program"
                )
            if version < SCHEMA_VERSION:
                # executescript would COMMIT first; run statement by statement instead.
                for statement in _split_statements(MIGRATIONS[version]):
                    conn.execute(statement)
                version += 1
                conn.execute(f"PRAGMA user_version = {version:d}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise


def _has_tables(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone() is not None


def _refuse_newer(version: int, path: Path) -> None:
    if version > SCHEMA_VERSION:
        raise StorageError(
            f"database was written by a newer newsterm (schema version {version}, this "
            f"version knows up to {SCHEMA_VERSION}): {path}"
        )
