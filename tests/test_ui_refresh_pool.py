"""A big refresh started from the running app parses in the process pool.

Inside a Textual app stderr is a capture object whose fileno is -1; the pool's resource
tracker, started from the refresh's thread, would take that fd and fail, and every feed
would then be parsed in the app's own process. The refresher starts the tracker on the UI
thread with the real stderr when a refresh begins. This runs in a fresh interpreter: in
pytest's process another test may already have started the tracker, hiding the failure.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from tests.paths import REPO

FEEDS = 3

SCRIPT = textwrap.dedent(
    """
    import asyncio, json, sys
    from pathlib import Path

    from newsterm import refresh
    from newsterm.config import Settings
    from newsterm.models import EntryQuery
    from newsterm.store import Store
    from newsterm.ui.app import NewstermApp

    refresh.POOL_AFTER_BYTES = 1  # the first body starts the pool
    seen = {"pool": False, "disabled": False}
    close = refresh._Pipeline.close

    def record(self):
        seen["pool"] = seen["pool"] or self.pool is not None
        seen["disabled"] = seen["disabled"] or self.disabled
        close(self)

    refresh._Pipeline.close = record
    store = Store.in_dir(Path(sys.argv[1]))
    for url in sys.argv[2:]:
        store.add_feed(url)
    app = NewstermApp(store=store, settings=Settings(refresh_on_start=True, refresh_interval=0))

    async def run():
        async with app.run_test(size=(100, 30)) as pilot:
            for _ in range(600):
                await pilot.pause(0.05)
                if store.count_entries(EntryQuery()) == len(sys.argv) - 2:
                    await app.workers.wait_for_complete()
                    break

    asyncio.run(run())
    seen["entries"] = store.count_entries(EntryQuery())
    print(json.dumps(seen))
    """
)


def _rss(name: str) -> str:
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel>'
        f"<title>{name}</title><link>http://example.com/</link>"
        f"<item><title>{name} item</title><guid>{name}-1</guid>"
        "<description>Body</description></item></channel></rss>"
    )


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="the pool starts only with 2+ cores")
@pytest.mark.skipif(os.name != "posix", reason="the resource tracker is POSIX only")
def test_a_refresh_from_the_app_parses_in_the_process_pool(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    urls = []
    for number in range(FEEDS):
        path = f"/feed{number}.xml"
        httpserver.expect_request(path).respond_with_data(
            _rss(f"Feed {number}"), content_type="application/rss+xml"
        )
        urls.append(httpserver.url_for(path))
    environment = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "data"), *urls],
        capture_output=True,
        text=True,
        timeout=120,
        env=environment,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen == {"pool": True, "disabled": False, "entries": FEEDS}
