"""Start-up loads only what the first screen needs: the article renderer (Markdown parsing,
about 60 ms of imports) waits until an article is opened."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.paths import REPO

RENDERER = ("markdown_it", "newsterm.content.render", "newsterm.content.convert", "lxml")

SCRIPT = textwrap.dedent(
    """
    import asyncio, json, sys
    from pathlib import Path
    from tests.ui_helpers import filled_store, make_app

    app = make_app(filled_store(Path(sys.argv[1])))
    loaded = {}

    async def run():
        async with app.run_test(size=(120, 40)) as pilot:
            while app.startup_ms is None:  # set by the first paint
                await pilot.pause()
            loaded["first paint"] = sorted(sys.modules)
            await pilot.press("tab", "enter")  # the article list, then open its first row
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
            loaded["article open"] = sorted(sys.modules)

    asyncio.run(run())
    print(json.dumps(loaded))
    """
)


def test_the_first_paint_does_not_load_the_article_renderer(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=True,
        timeout=120,
    )
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    at_first_paint = [name for name in RENDERER if name in loaded["first paint"]]
    assert at_first_paint == []
    # The probe can see the renderer arrive: opening an article loads it.
    assert "newsterm.content.render" in loaded["article open"]
