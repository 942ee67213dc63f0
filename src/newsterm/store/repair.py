"""The way out of a damaged database: check it, move it aside (never delete it), and salvage
the subscription list from it when its pages still allow."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from newsterm.models import StorageError

_COMPANIONS = ("-wal", "-shm", "-journal")
"""SQLite's files beside a database; they belong to it and move with it."""

_SALVAGE_FEEDS = """
    SELECT f.url, f.title, d.name FROM feeds f LEFT JOIN folders d ON d.id = f.folder_id
    ORDER BY f.id
"""


def check_database(path: Path) -> str | None:
    """A short description of what is wrong with the database at `path`, or None when it
    reads well (or does not exist). Reads every page: seconds for a big database."""
    if not path.exists():
        return None
    try:
        with contextlib.closing(_open_read_only(path)) as conn:
            rows = conn.execute("PRAGMA quick_check").fetchall()
    except sqlite3.Error as exc:
        return " ".join(str(exc).split()) or type(exc).__name__
    problems = [str(row[0]) for row in rows]
    if problems == ["ok"]:
        return None
    more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
    return " ".join(problems[0].split())[:200] + more


def move_aside(path: Path) -> Path:
    """Rename the database at `path`, with its -wal/-shm files, to `<name>.damaged-<time>`
    in the same directory and return the new path of the database file.

    Nothing is deleted: the moved files stay together, so a tool (sqlite3's .recover) can
    still open them. Raises StorageError when they cannot be moved.
    """
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.damaged-{stamp}")
    number = 1
    while any(Path(f"{target}{suffix}").exists() for suffix in ("", *_COMPANIONS)):
        number += 1
        target = path.with_name(f"{path.name}.damaged-{stamp}-{number}")
    # The database file last: if a move fails half-way, the file newsterm opens next is
    # still the damaged one, never a database without its WAL.
    for suffix in (*_COMPANIONS, ""):
        source = Path(f"{path}{suffix}")
        if not source.exists():
            continue
        try:
            os.rename(source, Path(f"{target}{suffix}"))
        except OSError as exc:
            raise StorageError(
                f"cannot move {source} aside: {exc.strerror or exc} (nothing was deleted)"
            ) from exc
    return target


def salvage_subscriptions(path: Path) -> list[tuple[str, str, str | None]]:
    """(url, title, folder) of every feed that can still be read from the (damaged)
    database at `path`; what cannot be read is skipped. Never raises for a damaged file,
    and never changes what it holds."""
    found = _read_subscriptions(path)
    if found:
        return found
    # A truncated file is shorter than its header says, and SQLite then refuses every
    # query; a copy padded to the promised size reads up to the first missing page.
    padded = _padded_copy(path)
    if padded is None:
        return []
    try:
        return _read_subscriptions(padded)
    finally:
        for suffix in ("", *_COMPANIONS):
            Path(f"{padded}{suffix}").unlink(missing_ok=True)


def _read_subscriptions(path: Path) -> list[tuple[str, str, str | None]]:
    found: list[tuple[str, str, str | None]] = []
    with contextlib.suppress(sqlite3.Error), contextlib.closing(_open_read_only(path)) as conn:
        for url, title, folder in _rows(conn):
            if isinstance(url, str) and url:
                found.append((url, title if isinstance(title, str) else "", folder))
    return found


def _padded_copy(path: Path) -> Path | None:
    """A temporary copy of `path` filled with zeros up to the size its header gives, or
    None when it is not shorter than that (or not readable)."""
    try:
        with path.open("rb") as source:
            header = source.read(100)
            if len(header) < 100 or not header.startswith(b"SQLite format 3\x00"):
                return None
            page_size = int.from_bytes(header[16:18], "big")
            page_size = 65536 if page_size == 1 else page_size
            promised = int.from_bytes(header[28:32], "big") * page_size
            actual = path.stat().st_size
            if not actual < promised <= 64 * actual + (1 << 20):
                return None
            handle, name = tempfile.mkstemp(prefix=".salvage-", dir=path.parent)
            with os.fdopen(handle, "wb") as copy:
                source.seek(0)
                shutil.copyfileobj(source, copy)
                copy.truncate(promised)  # extends the file with zeros
    except OSError:
        return None
    return Path(name)


def _rows(conn: sqlite3.Connection) -> Iterator[tuple[object, object, str | None]]:
    """The feed rows, up to the first unreadable page."""
    cursor = conn.execute(_SALVAGE_FEEDS)
    while True:
        try:
            row = cursor.fetchone()
        except sqlite3.Error:
            return
        if row is None:
            return
        folder = row[2] if isinstance(row[2], str) and row[2] else None
        yield row[0], row[1], folder


def _open_read_only(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10)
    conn.execute("PRAGMA query_only = ON")
    return conn
