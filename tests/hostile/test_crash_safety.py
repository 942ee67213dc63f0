"""Crash safety: SIGKILL in the middle of refreshing hundreds of feeds loses nothing.

300 generated feeds (bench/feedgen.py, three "days" of them) are served by bench/feedserver.py;
`newsterm refresh` runs in a subprocess and is killed with SIGKILL after a seeded random delay,
five times. Between runs the test marks entries read and starred through the Store. After
every kill the database passes PRAGMA integrity_check, every entry stored before is still
there with its read and starred state, and the final refresh completes.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from newsterm.models import EntryQuery
from newsterm.store import DB_FILENAME, Store
from tests.helpers import CliResult, run_cli
from tests.paths import REPO, SHARED
from tests.store_helpers import NOW, numbered_feed

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


# --------------------------------------------------------------------------- a way out


def _filled_data_dir(data_dir: Path, feeds: int = 5) -> None:
    """A data dir with `feeds` feeds of 40 entries each, some read and starred."""
    with Store.in_dir(data_dir) as store:
        for number in range(feeds):
            # Port 1 on loopback: a refresh gets "connection refused", never a DNS lookup.
            feed = store.add_feed(f"http://127.0.0.1:1/feed-{number}", title=f"Feed {number}")
            store.store_feed(feed.id, numbered_feed(40, prefix=f"f{number}-"), now=NOW)
        store.set_read([1, 2, 3])
        store.set_starred([2, 5])


def _one_line(result: CliResult) -> str:
    assert "Traceback" not in result.err, result.err
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    return lines[0]


def _damage(kind: str, path: Path) -> None:
    data = bytearray(path.read_bytes())
    if kind == "garbage":
        data[:100] = b"not a database, just bytes " * 3 + b"!" * 19
    elif kind == "truncated":
        del data[len(data) // 2 :]
    else:  # scribbled: the header is fine, pages are not
        noise = random.Random(7)
        for _ in range(40):
            at = noise.randrange(4096, len(data) - 64)
            data[at : at + 64] = bytes(noise.randrange(256) for _ in range(64))
    path.write_bytes(bytes(data))


def _moved_aside(data_dir: Path) -> list[Path]:
    return [
        path
        for path in data_dir.glob(f"{DB_FILENAME}.damaged-*")
        if not path.name.endswith(("-wal", "-shm"))
    ]


@pytest.mark.parametrize("kind", ["garbage", "truncated", "scribbled"])
def test_damaged_database_gives_a_way_out(tmp_path: Path, kind: str) -> None:
    data_dir = tmp_path / "data"
    _filled_data_dir(data_dir)
    database = data_dir / DB_FILENAME
    _damage(kind, database)
    damaged = database.read_bytes()

    # Every way in (a command, the app) says so in one line and names the way out. Feed
    # counts are stored, so `list` reads no entries: with pages scribbled over, it may find
    # nothing wrong in what it reads, and then lists the feeds, changing nothing. Whatever
    # reads entries or writes (the app, a refresh) checks them first.
    for args in (("list",), ("entries",), ("refresh",), ()):
        result = run_cli(*args, data_dir=data_dir)
        if kind == "scribbled" and args == ("list",) and "damaged" not in result.err:
            assert "feed-0" in result.out and "Traceback" not in result.err
            continue
        line = _one_line(result)
        assert result.code == 1, (args, result)
        assert str(database) in line and "damaged" in line.replace(str(database), ""), line
        assert "`newsterm repair`" in line, line
    flagged = run_cli("--data-dir", str(data_dir), "entries", data_dir=tmp_path / "elsewhere")
    assert f"`newsterm --data-dir {data_dir} repair`" in _one_line(flagged)
    assert database.read_bytes() == damaged  # untouched until asked

    repaired = run_cli("repair", data_dir=data_dir)
    assert repaired.code == 0, repaired
    (moved,) = _moved_aside(data_dir)
    assert moved.read_bytes() == damaged  # kept, byte for byte
    assert str(moved) in repaired.out

    listing = run_cli("list", "--json", data_dir=data_dir)
    assert listing.code == 0, listing
    salvaged = {feed["url"] for feed in json.loads(listing.out)}
    assert salvaged <= {f"http://127.0.0.1:1/feed-{n}" for n in range(5)}
    if kind == "truncated":  # the feeds table sits in the first pages
        assert len(salvaged) == 5 and "Re-subscribed to the 5 feeds" in repaired.out
    again = run_cli("repair", data_dir=data_dir)
    assert again.code == 0 and "nothing to repair" in again.out
    assert len(_moved_aside(data_dir)) == 1


ROOT_WITHOUT_OVERRIDES = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner"]
"""As root, file permissions bind only without these capabilities."""


def _run_bound_by_permissions(*args: str, data_dir: Path) -> CliResult:
    prefix: list[str] = []
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("root ignores permissions and setpriv is missing")
        prefix = ROOT_WITHOUT_OVERRIDES
    process = subprocess.run(
        [*prefix, sys.executable, "-m", "newsterm", "--data-dir", str(data_dir), *args],
        capture_output=True,
        cwd=REPO,
        env={**os.environ, "NO_COLOR": "1"},
        timeout=60,
        check=False,
    )
    return CliResult(
        process.returncode,
        process.stdout.decode("utf-8", "replace"),
        process.stderr.decode("utf-8", "replace"),
    )


def _snapshot(directory: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in directory.iterdir() if path.is_file()}


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("read-only dir", "is the directory writable?"),
        ("unreadable dir", "unable to open database file"),
        ("read-only file", "readonly database"),
        ("missing dir under read-only parent", "cannot create data directory"),
    ],
)
def test_unusable_data_dir_is_one_line_and_loses_nothing(
    tmp_path: Path, http: HTTPServer, case: str, expected: str
) -> None:
    data_dir = tmp_path / "data"
    _filled_data_dir(data_dir, feeds=2)
    with Store.in_dir(data_dir) as store:
        store.add_feed(http.url_for("/feed"))
    http.expect_request("/feed").respond_with_data(
        b'<rss version="2.0"><channel><title>T</title><item><guid>n</guid></item></channel></rss>',
        content_type="application/rss+xml",
    )
    target = data_dir
    if case == "read-only dir":
        data_dir.chmod(0o555)
    elif case == "unreadable dir":
        data_dir.chmod(0o000)
    elif case == "read-only file":
        (data_dir / DB_FILENAME).chmod(0o444)
    else:
        target = tmp_path / "locked" / "data"
        target.parent.mkdir()
        target.parent.chmod(0o555)
    try:
        before = _snapshot(data_dir) if case != "unreadable dir" else None
        commands = [("refresh",), ("mark", "read", "4")]
        if case != "read-only file":
            commands.append(("list",))
        for args in commands:
            result = _run_bound_by_permissions(*args, data_dir=target)
            line = _one_line(result)
            assert result.code == 1, (case, args, result)
            assert expected in line, (case, args, line)
    finally:
        data_dir.chmod(0o755)
        (data_dir / DB_FILENAME).chmod(0o644)
        if (tmp_path / "locked").exists():
            (tmp_path / "locked").chmod(0o755)
    if before is not None:  # not one byte of the database changed
        assert _snapshot(data_dir)[DB_FILENAME] == before[DB_FILENAME]
    with sqlite3.connect(data_dir / DB_FILENAME) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert connection.execute("SELECT count(*) FROM entries").fetchone() == (80,)


FULL_DISK = """
import sys
from newsterm.store import connection
from newsterm import cli

opened = connection.open_connection

def open_on_a_full_disk(path):
    conn = opened(path)
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages + 2}")  # SQLITE_FULL from the next write
    return conn

connection.open_connection = open_on_a_full_disk
import newsterm.store
newsterm.store.open_connection = open_on_a_full_disk
sys.exit(cli.main(sys.argv[1:]))
"""


def test_full_disk_is_one_line_and_loses_nothing(tmp_path: Path, http: HTTPServer) -> None:
    data_dir = tmp_path / "data"
    _filled_data_dir(data_dir, feeds=2)
    body = "".join(
        f"<item><guid>big-{n}</guid><title>Big {n}</title>"
        f"<description>{'word ' * 4000}</description></item>"
        for n in range(30)
    )
    with Store.in_dir(data_dir) as store:
        before = _state(store)
        for number in range(12):
            http.expect_request(f"/big-{number}").respond_with_data(
                f'<rss version="2.0"><channel><title>B{number}</title>{body}</channel></rss>',
                content_type="application/rss+xml",
            )
            store.add_feed(http.url_for(f"/big-{number}"))
    for args in (("refresh",), ("add", http.url_for("/big-0") + "?again")):
        process = subprocess.run(
            [sys.executable, "-c", FULL_DISK, "--data-dir", str(data_dir), *args],
            capture_output=True,
            cwd=REPO,
            timeout=120,
            check=False,
        )
        result = CliResult(
            process.returncode, process.stdout.decode(), process.stderr.decode("utf-8", "replace")
        )
        line = _one_line(result)
        assert result.code == 1, (args, result)
        assert "the disk is full" in line, line
    _check(data_dir, before)
    with Store.in_dir(data_dir) as store:
        big = [feed for feed in store.list_feeds() if "/big-" in feed.url]
        assert len(big) == 12 and all(feed.total == 0 for feed in big)  # nothing half-stored
    # With space again, the next refresh stores everything.
    assert run_cli("refresh", data_dir=data_dir).code == 0
    with Store.in_dir(data_dir) as store:
        assert all(feed.total == 30 for feed in store.list_feeds() if "/big-" in feed.url)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "[fetch]\nconcurrency = 4\nper_host = = 2\n",
            ":3: not valid TOML: Invalid value (column 12)",
        ),
        ("refresh_interval = 60\n[fetch]\nmax_bytes = 'lots'\n", ":3: fetch.max_bytes: must be"),
        ("theme = 'x'\nrefersh_interval = 5\n", ":2: refersh_interval: unknown setting"),
        ("[browser]\ncommand = 'firefox \"%u'\n", ":2: browser.command: cannot split"),
    ],
)
def test_malformed_config_names_key_and_line(tmp_path: Path, text: str, expected: str) -> None:
    data_dir = tmp_path / "data"
    _filled_data_dir(data_dir, feeds=1)
    before = _snapshot(data_dir)
    config = tmp_path / "config.toml"
    config.write_text(text, encoding="utf-8")
    for args in (("list",), ("refresh",), ()):
        result = run_cli("--config", str(config), *args, data_dir=data_dir)
        line = _one_line(result)
        assert result.code == 1, result
        assert f"{config}{expected}" in line, line
    assert _snapshot(data_dir) == before
