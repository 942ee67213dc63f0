"""Crash safety: SIGKILL in the middle of refreshing hundreds of feeds loses nothing.

300 generated feeds (bench/feedgen.py, three "days" of them) are served by bench/feedserver.py;
`newsterm refresh` runs in a subprocess and is killed with SIGKILL after a seeded random delay,
five times. Between runs the test marks entries read and starred through the Store. After
every kill the database passes PRAGMA integrity_check, every entry stored before is still
there with its read and starred state, and the final refresh completes.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from newsterm.models import EntryQuery
from newsterm.store import DB_FILENAME, Store
from tests.helpers import run_cli
from tests.paths import REPO, SHARED

BENCH = SHARED / "bench"
FEEDS = 300
ITEMS = 10
DAYS = 3
KILLS = 5
SEED = 20240601


@dataclass
class FeedServer:
    """bench/feedserver.py serving DIR/current, a symlink that `serve_day` retargets."""

    root: Path
    port: int
    names: list[str]

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/feeds/{name}"

    def serve_day(self, day: int) -> None:
        link = self.root / "current.tmp"
        link.unlink(missing_ok=True)
        link.symlink_to(self.root / f"day{day}")
        os.replace(link, self.root / "current")


@pytest.fixture(scope="module")
def feed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FeedServer]:
    if not (BENCH / "feedgen.py").exists():
        pytest.skip("bench scripts not found")
    root = tmp_path_factory.mktemp("feedserver")
    generators = [
        subprocess.Popen(
            [
                sys.executable,
                str(BENCH / "feedgen.py"),
                *("--out", str(root / f"day{day}"), "--feeds", str(FEEDS)),
                *("--items", str(ITEMS), "--day", str(day), "--changed-percent", "40"),
                *("--jobs", "1", "--quiet"),
            ]
        )
        for day in range(DAYS)
    ]
    for generator in generators:
        assert generator.wait(timeout=120) == 0
    server = FeedServer(root, 0, sorted(p.name for p in (root / "day0" / "feeds").iterdir()))
    server.serve_day(0)
    port_file = root / "port"
    process = subprocess.Popen(
        [
            sys.executable,
            str(BENCH / "feedserver.py"),
            *("--dir", str(root / "current"), "--port", "0", "--port-file", str(port_file)),
            *("--latency-ms", "40", "--jitter-ms", "20", "--max-seconds", "300", "--quiet"),
            # No validators: every run downloads, parses and writes every feed again.
            *("--validators", "none"),
        ]
    )
    try:
        deadline = time.monotonic() + 30
        while not port_file.exists() or not port_file.read_text().strip():
            assert process.poll() is None, "feedserver exited"
            assert time.monotonic() < deadline, "feedserver did not start"
            time.sleep(0.05)
        server.port = int(port_file.read_text())
        assert len(server.names) == FEEDS
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _group_members(group: int) -> list[int]:
    """Live (not zombie) processes in process group `group`."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[2]) == group and fields[0] != "Z":
            members.append(int(entry.name))
    return members


def _describe(pid: int) -> str:
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
        stack = Path(f"/proc/{pid}/wchan").read_text()
    except OSError:
        return f"{pid} (gone)"
    return f"{pid} {command.decode(errors='replace')[:120]} waiting in {stack}"


def _kill_refresh_after(
    data_dir: Path, config: Path, delay: float, log: Path
) -> tuple[bool, list[str]]:
    """Start `newsterm refresh`, SIGKILL it after `delay` s; (was it killed, its survivors)."""
    with log.open("wb") as stderr:  # a file: orphans holding a pipe could block a read
        process = subprocess.Popen(
            [sys.executable, "-m", "newsterm", "--data-dir", str(data_dir)]
            + ["--config", str(config), "refresh", "--quiet"],
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,  # its own process group: parse workers included
        )
    try:
        process.wait(timeout=delay)
        killed = False
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        killed = True
    # Parse workers of a killed refresh must go away on their own, not linger as orphans.
    deadline = time.monotonic() + 10
    survivors = _group_members(process.pid)
    while survivors and time.monotonic() < deadline:
        time.sleep(0.1)
        survivors = _group_members(process.pid)
    described = [_describe(pid) for pid in survivors]
    if survivors:
        os.killpg(process.pid, signal.SIGKILL)
    errors = log.read_text(encoding="utf-8", errors="replace")
    assert "locked" not in errors and "Traceback" not in errors, errors
    return killed, described


State = dict[int, tuple[int, str, bool, bool]]
"""entry id -> (feed id, title, read, starred)."""


def _state(store: Store) -> State:
    entries = store.list_entries(EntryQuery(), limit=1_000_000)
    return {e.id: (e.feed_id, e.title, e.read, e.starred) for e in entries}


def _check(data_dir: Path, before: State) -> State:
    """The database is sound and holds everything `before` did, flags included."""
    with sqlite3.connect(data_dir / DB_FILENAME) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    with Store.in_dir(data_dir) as store:
        now = _state(store)
    missing = [entry_id for entry_id in before if entry_id not in now]
    assert not missing, f"{len(missing)} stored entries lost"
    changed = {k: (before[k], now[k]) for k in before if now[k] != before[k]}
    assert not changed, f"entries changed behind our back: {list(changed.items())[:5]}"
    return now


def _mark_some(data_dir: Path, rng: random.Random) -> None:
    with Store.in_dir(data_dir) as store:
        ids = sorted(_state(store))
        if not ids:
            return
        sample = rng.sample(ids, min(60, len(ids)))
        store.set_read(sample[:30], True)
        store.set_starred(sample[20:45], True)
        store.set_read(sample[45:50], False)
        store.set_starred(sample[5:10], False)


def test_sigkill_during_refresh_loses_nothing(feed_server: FeedServer, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    config = tmp_path / "config.toml"
    config.write_text("[fetch]\nconcurrency = 8\nper_host = 8\n", encoding="utf-8")
    with Store.in_dir(data_dir) as store:
        for name in feed_server.names:
            store.add_feed(feed_server.url(name))
    rng = random.Random(SEED)
    state: State = {}
    kills = 0
    orphans: list[str] = []
    for round_number in range(KILLS):
        feed_server.serve_day(min(DAYS - 1, round_number // 2))
        # From "before the first feed is stored" to "in the middle of the writes".
        killed, survivors = _kill_refresh_after(
            data_dir, config, rng.uniform(0.8, 3.5), tmp_path / f"stderr-{round_number}"
        )
        kills += killed
        orphans += survivors
        state = _check(data_dir, state)
        _mark_some(data_dir, rng)
        with Store.in_dir(data_dir) as store:
            state = _state(store)
    assert kills >= KILLS - 1, "the refreshes ended before they could be killed"
    assert not orphans, f"parse workers outlived their killed refresh: {orphans}"

    final = run_cli("--config", str(config), "refresh", data_dir=data_dir, timeout=120)
    assert final.code == 0, final
    assert "failed" in final.out and " 0 failed" in final.out, final.out
    state = _check(data_dir, state)
    with Store.in_dir(data_dir) as store:
        feeds = store.list_feeds()
        assert all((feed.status, feed.error) == ("ok", None) for feed in feeds)
        assert store.stats()["entries"] >= FEEDS * ITEMS
        assert sum(read for _, _, read, _ in state.values()) > 0
        assert sum(starred for _, _, _, starred in state.values()) > 0
    # Nothing is left to fetch again: every feed brings nothing new.
    again = run_cli("--config", str(config), "refresh", data_dir=data_dir, timeout=120)
    assert again.code == 0 and "0 new entries" in again.out, again.out
    _check(data_dir, state)
