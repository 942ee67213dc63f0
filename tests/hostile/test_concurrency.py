"""Concurrency: two refreshes at once (two CLI runs, or the app's refresh and a CLI run) both
finish without "database is locked" and without lost state, and the app notices entries that
another process added."""

from __future__ import annotations

import asyncio
import random
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from newsterm.models import EntryQuery
from newsterm.refresh import refresh_feeds
from newsterm.store import Store
from tests.helpers import CliResult, run_cli
from tests.hostile.conftest import RSS_TYPE, SETTINGS
from tests.paths import REPO

FEEDS = 40
ITEMS = 25


def _document(feed: int) -> bytes:
    items = "".join(
        f"<item><guid>f{feed}-{n}</guid><title>Feed {feed} item {n}</title>"
        f"<description>&lt;p&gt;{'Body text. ' * 200}&lt;/p&gt;</description></item>"
        for n in range(ITEMS)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed {feed}</title>'
        f"{items}</channel></rss>"
    ).encode()


@pytest.fixture
def feeds(http: HTTPServer, tmp_path: Path) -> Iterator[Path]:
    """A data dir subscribed to FEEDS local feeds that answer after a short random delay
    (so two refreshes interleave their writes)."""
    documents = {f"/f{n}": _document(n) for n in range(FEEDS)}
    jitter = random.Random(5)
    lock = threading.Lock()

    def answer(request: Request) -> Response:
        with lock:
            delay = jitter.uniform(0.05, 0.4)
        time.sleep(delay)
        return Response(documents[request.path], content_type=RSS_TYPE)

    data_dir = tmp_path / "data"
    with Store.in_dir(data_dir) as store:
        for path in documents:
            http.expect_request(path).respond_with_handler(answer)
            store.add_feed(http.url_for(path))
    yield data_dir


def _start_cli_refresh(data_dir: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as stderr:
        return subprocess.Popen(
            [sys.executable, "-m", "newsterm", "--data-dir", str(data_dir), "refresh"],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=stderr,
        )


def _finish(process: subprocess.Popen[bytes], log: Path) -> CliResult:
    out, _ = process.communicate(timeout=120)
    return CliResult(process.returncode, out.decode(), log.read_text(errors="replace"))


def _assert_complete(data_dir: Path) -> None:
    with Store.in_dir(data_dir) as store:
        listed = store.list_feeds()
        assert len(listed) == FEEDS
        assert all((f.status, f.error, f.total) == ("ok", None, ITEMS) for f in listed), [
            (f.url, f.status, f.total) for f in listed if f.total != ITEMS or f.error
        ]
        assert store.stats()["entries"] == FEEDS * ITEMS


def _mark_while(running: list[subprocess.Popen[bytes]], data_dir: Path) -> dict[int, bool]:
    """Star entries from a third connection while the refreshes run; what was starred."""
    starred: dict[int, bool] = {}
    with Store.in_dir(data_dir) as store:
        while any(process.poll() is None for process in running):
            ids = store.entry_ids(EntryQuery())
            if ids:
                chosen = random.Random(len(ids)).sample(ids, min(5, len(ids)))
                store.set_starred(chosen, True)
                store.set_read(chosen, True)
                starred.update(dict.fromkeys(chosen, True))
            time.sleep(0.05)
    return starred


def test_two_cli_refreshes_at_once(feeds: Path, tmp_path: Path) -> None:
    logs = [tmp_path / "one.err", tmp_path / "two.err"]
    processes = [_start_cli_refresh(feeds, log) for log in logs]
    starred = _mark_while(processes, feeds)
    results = [_finish(process, log) for process, log in zip(processes, logs, strict=True)]

    for result in results:
        assert result.code == 0, result
        assert "locked" not in result.err.lower() and not result.err, result.err
        assert f"Refreshed {FEEDS} feeds" in result.out and " 0 failed" in result.out
    # Between them they stored every entry exactly once.
    new = sum(int(result.out.split(": ")[1].split()[0]) for result in results)
    assert new == FEEDS * ITEMS
    _assert_complete(feeds)
    with Store.in_dir(feeds) as store:
        for entry in store.entry_summaries(list(starred)):
            assert entry.starred and entry.read  # marks made meanwhile were kept


async def test_app_refresh_and_cli_refresh_at_once(feeds: Path, tmp_path: Path) -> None:
    log = tmp_path / "cli.err"
    process = _start_cli_refresh(feeds, log)
    store = Store.in_dir(feeds)
    try:
        # As the app does it: refresh_feeds in a worker thread with its own event loop.
        report = await asyncio.wait_for(
            asyncio.to_thread(asyncio.run, refresh_feeds(store, SETTINGS)), timeout=120
        )
    finally:
        store.close()
    result = await asyncio.to_thread(_finish, process, log)

    assert result.code == 0 and not result.err, result
    assert report.failed == [], report.failed
    assert report.new_entries + int(result.out.split(": ")[1].split()[0]) == FEEDS * ITEMS
    _assert_complete(feeds)


def test_data_version_sees_another_processes_writes(feeds: Path) -> None:
    with Store.in_dir(feeds) as store:
        before = store.data_version()
        assert store.data_version() == before  # stable while nobody writes
        marked = run_cli("refresh", data_dir=feeds)
        assert marked.code == 0, marked
        after = store.data_version()
        assert after != before
        assert store.stats()["entries"] == FEEDS * ITEMS  # and the reads see the new rows


async def test_app_notices_entries_a_cli_refresh_added(
    feeds: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsterm.ui import refresher
    from tests.ui_helpers import make_app, panes, settle

    monkeypatch.setattr(refresher, "DATA_POLL_SECONDS", 0.2)
    store = Store.in_dir(feeds)
    try:
        app = make_app(store)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            _feeds, articles, _reader = panes(app)
            assert len(articles.entry_ids) == 0
            # Another process (a cron job, a second terminal) refreshes meanwhile.
            result = await asyncio.to_thread(run_cli, "refresh", data_dir=feeds)
            assert result.code == 0, result
            for _ in range(100):
                await pilot.pause(0.1)
                if len(articles.entry_ids) == FEEDS * ITEMS:
                    break
            await settle(pilot)
            assert len(articles.entry_ids) == FEEDS * ITEMS
    finally:
        store.close()
