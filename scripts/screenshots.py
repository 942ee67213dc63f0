"""Write the README's screenshots: the real app over the shipped demo set, as SVG.

    python scripts/screenshots.py              # into screenshots/
    python scripts/screenshots.py --out /tmp/shots

Each shot starts the app headless at its size over a fresh copy of the demo (offline, so
nothing is fetched), drives it with the keys a person would press, waits for its workers
and saves `app.save_screenshot`. Run it again whenever the look of the app changes.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from textual.pilot import Pilot  # noqa: E402 - after the path set-up
from textual.widgets import Input  # noqa: E402

from newsterm.config import Settings  # noqa: E402
from newsterm.demo import DEMO_DATE, load_demo  # noqa: E402
from newsterm.store import Store  # noqa: E402
from newsterm.ui.app import NewstermApp  # noqa: E402
from newsterm.ui.screens.main import MainScreen  # noqa: E402

Steps = Callable[[Pilot[None]], Awaitable[None]]


@dataclass(frozen=True)
class Shot:
    """One screenshot: a file name, a terminal size, what to do first."""

    name: str
    size: tuple[int, int]
    steps: Steps
    demo: bool = True
    """Load the demo set (False: an empty store, for the welcome screen)."""


async def _settle(pilot: Pilot[None]) -> None:
    for _ in range(3):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def _main(pilot: Pilot[None]) -> MainScreen:
    screen = next(s for s in pilot.app.screen_stack if isinstance(s, MainScreen))
    return screen


async def _open_feed(pilot: Pilot[None], title: str) -> None:
    screen = _main(pilot)
    feed = next(f for f in screen.feed_list.feeds.values() if f.title == title)
    screen.feed_list.select_key(f"feed:{feed.id}")
    await _settle(pilot)


async def reading(pilot: Pilot[None]) -> None:
    await _open_feed(pilot, "Tidy Python")
    await pilot.press("enter", "j", "enter")


async def browsing(pilot: Pilot[None]) -> None:
    await pilot.press("j", "enter", "j", "j")


async def narrow_reading(pilot: Pilot[None]) -> None:
    await _open_feed(pilot, "The Patient Terminal")
    await pilot.press("enter", "enter")


async def help_screen(pilot: Pilot[None]) -> None:
    await pilot.press("enter", "question_mark")


async def palette(pilot: Pilot[None]) -> None:
    await pilot.press("ctrl+p")
    await pilot.pause()
    await pilot.press(*"refresh")
    await pilot.pause(0.6)


async def search(pilot: Pilot[None]) -> None:
    await pilot.press("slash")
    await pilot.pause()
    await pilot.press(*"terminal", "enter")


async def nothing(pilot: Pilot[None]) -> None:
    return None


SHOTS = [
    Shot("reading-120x40", (120, 40), reading),
    Shot("browsing-80x24", (80, 24), browsing),
    Shot("reading-80x24", (80, 24), narrow_reading),
    Shot("search-120x40", (120, 40), search),
    Shot("help-120x40", (120, 40), help_screen),
    Shot("palette-120x40", (120, 40), palette),
    Shot("welcome-80x24", (80, 24), nothing, demo=False),
]


async def take(shot: Shot, out: Path) -> Path:
    with tempfile.TemporaryDirectory(prefix="newsterm-shot-") as tmp:
        store = Store.in_dir(Path(tmp))
        try:
            if shot.demo:
                load_demo(store, now=DEMO_DATE)
            settings = Settings(refresh_on_start=False, refresh_interval=0)
            # A fixed clock: relative dates ("3h") read the same whenever this runs.
            app = NewstermApp(store=store, settings=settings, offline=True, now=lambda: DEMO_DATE)
            async with app.run_test(size=shot.size) as pilot:
                await _settle(pilot)
                await shot.steps(pilot)
                await _settle(pilot)
                for screen in app.screen_stack:
                    for field in screen.query(Input):
                        field.cursor_blink = False
                await pilot.pause()
                path = app.save_screenshot(filename=f"{shot.name}.svg", path=str(out))
        finally:
            store.close()
    return Path(path)


async def main_async(out: Path, only: set[str]) -> None:
    for shot in SHOTS:
        if only and shot.name not in only:
            continue
        path = await take(shot, out)
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "screenshots")
    parser.add_argument("names", nargs="*", help="only these shots (default: all)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    asyncio.run(main_async(args.out, set(args.names)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
