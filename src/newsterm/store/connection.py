"""Opening SQLite connections with newsterm's settings, and the value conversions they use."""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from newsterm.models import StorageError

BUSY_TIMEOUT_MS = 10_000
"""How long a writer waits for another connection's write lock before giving up."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def open_connection(path: Path) -> sqlite3.Connection:
    """A new connection to `path` in WAL mode; raises StorageError naming the file."""
    try:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    except sqlite3.Error as exc:
        raise storage_error(path, exc) from exc
    try:
        # busy_timeout first: switching to WAL itself may have to wait for another process.
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS:d}")
        _use_wal(conn)
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        # Reading the schema is what notices a file that is not a database.
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error as exc:
        conn.close()
        raise storage_error(path, exc) from exc
    return conn


def _use_wal(conn: sqlite3.Connection) -> None:
    """Switch the file to WAL (a lasting property of the file, so usually already set).

    Switching needs an exclusive lock, and SQLite answers "database is locked" at once
    instead of calling the busy handler when another process is opening the same new file,
    so retry here for as long as the busy timeout.
    """
    if str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
        return
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL").fetchone()
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def storage_error(path: Path, exc: BaseException) -> StorageError:
    """A one-line StorageError naming the database file and the cause."""
    reason = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, sqlite3.DatabaseError) and "not a database" in reason:
        reason = "the file is not a newsterm database or is corrupt"
    elif "malformed" in reason:
        reason = f"the file is corrupt ({reason})"
    elif "unable to open" in reason or "readonly" in reason:
        reason = f"{reason} (is the directory writable?)"
    return StorageError(f"database {path}: {reason}")


def to_db_time(value: datetime | None) -> int | None:
    """An aware datetime as integer microseconds since the epoch; naive means UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return (value - _EPOCH) // _MICROSECOND


def from_db_time(value: int | None) -> datetime | None:
    """The inverse of `to_db_time`: an aware UTC datetime, or None."""
    if value is None:
        return None
    return _EPOCH + timedelta(microseconds=value)
