"""Opening databases: migrations from older versions, refusing newer or damaged files."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from newsterm.models import EntryQuery, StorageError
from newsterm.store import DB_FILENAME, SCHEMA_VERSION, DamagedDatabaseError, Store, queries
from newsterm.store.schema import MIGRATIONS
from tests.store_helpers import NOW, entry, feed_doc


def raw_user_version(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])
    finally:
        conn.close()


def make_v1_database(path: Path) -> None:
    """A database as newsterm 1 left it: schema 1 and some user data, by raw SQL."""
    conn = sqlite3.connect(path)
    try:
        conn.executescript(MIGRATIONS[0])
        conn.executescript(
            """
            INSERT INTO folders (id, name) VALUES (1, 'Tech');
            INSERT INTO feeds (id, url, title, folder_id, status, added, etag)
                VALUES (1, 'https://old.example/feed', 'Old feed', 1, 'ok', 0, '"e1"');
            INSERT INTO entries (id, feed_id, identity, title, first_seen, sort_date,
                content, content_hash, read, starred)
            VALUES (1, 1, 'a', 'Kept read', 1000, 1000, '<p>aardvark</p>', 'h1', 1, 0),
                   (2, 1, 'b', 'Kept starred', 2000, 2000, '<p>badger</p>', 'h2', 0, 1);
            INSERT INTO entries_fts (rowid, title, author, text)
            VALUES (1, 'Kept read', '', 'aardvark'), (2, 'Kept starred', '', 'badger');
            PRAGMA user_version = 1;
            """
        )
        conn.commit()
    finally:
        conn.close()


def test_new_database_is_at_current_version_in_wal_mode(tmp_path: Path) -> None:
    with Store.in_dir(tmp_path):
        pass
    path = tmp_path / DB_FILENAME
    assert raw_user_version(path) == SCHEMA_VERSION == len(MIGRATIONS)
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        conn.close()


def test_version_1_database_is_migrated_keeping_data(tmp_path: Path) -> None:
    path = tmp_path / DB_FILENAME
    make_v1_database(path)
    with Store(path) as store:
        (feed,) = store.list_feeds()
        assert (feed.url, feed.title, feed.folder, feed.etag) == (
            "https://old.example/feed",
            "Old feed",
            "Tech",
            '"e1"',
        )
        assert (feed.unread, feed.total) == (1, 2)
        summaries = store.list_entries(EntryQuery())
        assert [(s.title, s.read, s.starred) for s in summaries] == [
            ("Kept starred", False, True),
            ("Kept read", True, False),
        ]
        assert [s.title for s in store.search("badger")] == ["Kept starred"]
        # Migration 2's column works: a rename survives a refresh.
        store.rename_feed(feed.id, "Mine")
        store.store_feed(feed.id, feed_doc(entry("c"), title="Publisher"), now=NOW)
        renamed = store.get_feed(feed.id)
        assert renamed is not None and renamed.title == "Mine"
        assert store.query_plan("SELECT id FROM feeds WHERE next_check <= 5") == [
            "SEARCH feeds USING COVERING INDEX feeds_next_check (next_check<?)"
        ]
        # ...and its covering list indexes replaced version 1's.
        unread_plan = store.query_plan(*queries.entry_ids_sql(EntryQuery(unread_only=True)))
        assert unread_plan == ["SCAN e USING COVERING INDEX entries_unread_date"]
    assert raw_user_version(path) == SCHEMA_VERSION


def test_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / DB_FILENAME
    with Store(path):
        pass
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    with pytest.raises(StorageError, match="written by a newer newsterm") as raised:
        Store(path)
    assert str(path) in str(raised.value)
    assert raw_user_version(path) == SCHEMA_VERSION + 1  # untouched


@pytest.mark.parametrize(
    "junk",
    [
        b"this is not a database, just some text\n" * 50,
        os.urandom(8192),
        b"SQLite format 3\x00" + b"\xff" * 4080,
    ],
    ids=["text", "random", "bad-header"],
)
def test_junk_file_raises_one_line_storage_error_and_is_kept(tmp_path: Path, junk: bytes) -> None:
    path = tmp_path / DB_FILENAME
    path.write_bytes(junk)
    with pytest.raises(StorageError) as raised:
        Store(path)
    message = str(raised.value)
    assert str(path) in message
    assert "\n" not in message
    assert path.read_bytes() == junk


def test_database_damaged_after_header_raises_storage_error(tmp_path: Path) -> None:
    path = tmp_path / DB_FILENAME
    with Store(path) as store:
        store.add_feed("https://example.org/")
    data = bytearray(path.read_bytes())
    data[100:] = b"\xa5" * (len(data) - 100)  # keep the header, wreck the pages
    path.write_bytes(bytes(data))
    with pytest.raises(StorageError, match=str(path).replace("\\", "\\\\")):
        store = Store(path)
        store.list_feeds()


def test_text_that_is_not_utf8_is_damage_and_never_echoed(tmp_path: Path) -> None:
    # newsterm stores only valid text, so bytes that are not UTF-8 in a text column mean a
    # page was written over. The error says "damaged" (so the way out is `newsterm repair`)
    # and does not quote the bytes, which could be terminal escapes.
    path = tmp_path / DB_FILENAME
    with Store(path) as store:
        store.add_feed("https://example.org/")
    conn = sqlite3.connect(path)
    conn.execute("UPDATE feeds SET title = CAST(x'ff1b5b33316d' AS TEXT)")
    conn.commit()
    conn.close()
    with Store(path) as store, pytest.raises(DamagedDatabaseError) as raised:
        store.list_feeds()
    message = str(raised.value)
    assert str(path) in message and "damaged" in message.replace(str(path), "")
    assert "\x1b" not in message and "\ufffd" not in message


def test_other_programs_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)")
    conn.commit()
    conn.close()
    with pytest.raises(StorageError, match="another program"):
        Store(path)
    conn = sqlite3.connect(path)
    try:
        tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master")]
    finally:
        conn.close()
    assert tables == ["photos"]


def test_empty_file_becomes_a_database(tmp_path: Path) -> None:
    path = tmp_path / DB_FILENAME
    path.write_bytes(b"")
    with Store(path) as store:
        assert store.list_feeds() == []


def test_data_dir_under_a_file_raises_storage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StorageError, match="cannot create data directory"):
        Store.in_dir(blocker / "data")
    with pytest.raises(StorageError, match=str(blocker)):
        Store(blocker / DB_FILENAME)


def test_missing_directory_raises_storage_error(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="is the directory writable"):
        Store(tmp_path / "missing" / DB_FILENAME)


def test_path_that_is_a_directory_raises_storage_error(tmp_path: Path) -> None:
    with pytest.raises(StorageError):
        Store(tmp_path)


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root ignores permissions"
)
def test_read_only_directory_raises_storage_error(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(StorageError, match="locked"):
            Store(locked / DB_FILENAME)
    finally:
        locked.chmod(0o700)
