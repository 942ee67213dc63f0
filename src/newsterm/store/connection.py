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


class DatabaseUnusableError(StorageError):
    """The database as a whole cannot be used now (disk full, read-only or unreadable
    file or directory, I/O error): every other write would fail the same way."""


class DamagedDatabaseError(DatabaseUnusableError):
    """The database file is corrupt, or not a database at all.

    Nothing newsterm does can read it again; the way out is `move_aside` (the file is kept)
    and a new database. `path` is the damaged file.
    """

    def __init__(self, message: str, path: Path | None = None) -> None:
        super().__init__(message)
        self.path = path


def storage_error(path: Path, exc: BaseException) -> StorageError:
    """A one-line StorageError naming the database file and the cause (a
    DamagedDatabaseError when the file itself is broken)."""
    reason = " ".join(str(exc).split()) or type(exc).__name__
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    if primary == sqlite3.SQLITE_NOTADB or (
        isinstance(exc, sqlite3.DatabaseError) and "not a database" in reason
    ):
        message = f"database {path}: the file is damaged or not a newsterm database"
        return DamagedDatabaseError(message, path)
    if primary == sqlite3.SQLITE_CORRUPT or "malformed" in reason:
        return DamagedDatabaseError(f"database {path}: the file is damaged ({reason})", path)
    if isinstance(exc, sqlite3.OperationalError) and reason.startswith("Could not decode"):
        # Text is stored valid (see rows.valid_text), so only a page written over by
        # something else holds bytes that are not UTF-8. The message quotes those bytes:
        # left out, as they could be anything, terminal escapes included.
        message = f"database {path}: the file is damaged (text that is not UTF-8)"
        return DamagedDatabaseError(message, path)
    if primary == sqlite3.SQLITE_FULL:
        reason = f"the disk is full ({reason}); nothing was lost, free some space and retry"
    elif "unable to open" in reason or "readonly" in reason:
        reason = f"{reason} (is the directory writable?)"
    if primary in _UNUSABLE or "unable to open" in reason or "readonly" in reason:
        return DatabaseUnusableError(f"database {path}: {reason}")
    return StorageError(f"database {path}: {reason}")


_UNUSABLE = frozenset(
    {
        sqlite3.SQLITE_FULL,
        sqlite3.SQLITE_READONLY,
        sqlite3.SQLITE_CANTOPEN,
        sqlite3.SQLITE_IOERR,
        sqlite3.SQLITE_PERM,
        sqlite3.SQLITE_AUTH,
        sqlite3.SQLITE_NOLFS,
    }
)
"""Primary result codes about the database as a whole, not about one statement's data."""


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
