"""The way out of a damaged database: check, move aside (never delete), salvage feeds."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from newsterm.models import StorageError
from newsterm.store import (
    DB_FILENAME,
    DamagedDatabaseError,
    DatabaseUnusableError,
    Store,
    check_database,
    move_aside,
    salvage_subscriptions,
)


def test_check_database(tmp_path: Path) -> None:
    path = tmp_path / DB_FILENAME
    assert check_database(path) is None  # nothing there
    with Store(path) as store:
        store.add_feed("http://127.0.0.1:1/a", title="A", folder="F")
    assert check_database(path) is None
    path.write_bytes(b"junk" * 1000)
    assert check_database(path)


def test_move_aside_keeps_every_file_together_and_never_overwrites(tmp_path: Path) -> None:
    path = tmp_path / DB_FILENAME
    for suffix, data in (("", b"db"), ("-wal", b"wal"), ("-shm", b"shm")):
        Path(f"{path}{suffix}").write_bytes(data)
    first = move_aside(path)
    assert not path.exists() and not Path(f"{path}-wal").exists()
    assert first.read_bytes() == b"db" and Path(f"{first}-wal").read_bytes() == b"wal"
    assert Path(f"{first}-shm").read_bytes() == b"shm"
    path.write_bytes(b"second")
    second = move_aside(path)  # the same second: a new name, the first one untouched
    assert second != first and second.read_bytes() == b"second" and first.read_bytes() == b"db"


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores permissions")
def test_move_aside_failure_is_a_storage_error(tmp_path: Path) -> None:
    path = tmp_path / "locked" / DB_FILENAME
    path.parent.mkdir()
    path.write_bytes(b"x")
    path.parent.chmod(0o500)
    try:
        with pytest.raises(StorageError, match="nothing was deleted"):
            move_aside(path)
    finally:
        path.parent.chmod(0o700)
    assert path.read_bytes() == b"x"


def test_salvage_reads_feeds_from_a_truncated_file(tmp_path: Path) -> None:
    path = tmp_path / DB_FILENAME
    with Store(path) as store:
        for number in range(30):
            store.add_feed(f"http://127.0.0.1:1/{number}", title=f"T{number}", folder="F")
    conn = sqlite3.connect(path)  # grow the file well past the feeds
    conn.execute("CREATE TABLE padding (x BLOB)")
    conn.executemany("INSERT INTO padding VALUES (?)", [(bytes(4000),)] * 100)
    conn.commit()
    conn.close()  # the last connection: the WAL goes into the file
    assert not Path(f"{path}-wal").exists()
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(DamagedDatabaseError) as raised:
        Store(path).list_feeds()
    assert isinstance(raised.value, DatabaseUnusableError) and raised.value.path == path
    salvaged = salvage_subscriptions(path)
    assert salvaged == [(f"http://127.0.0.1:1/{n}", f"T{n}", "F") for n in range(30)]
    assert path.read_bytes() == data[: len(data) // 2]
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".salvage")) == []
    assert salvage_subscriptions(tmp_path / "missing.db") == []
