"""Interaction benchmark: how the app feels with a big cache.

    python bench/interact.py                     # 1,000 and 100,000 entries
    python bench/interact.py --sizes 10k --presses 100

For each size it builds (once, cached in --work) a database of that many entries spread
over feeds of 200 entries in folders, about a third unread and a few starred. Then, in a
fresh process each time (so imports and memory are counted honestly), it starts the real
app headless at 120x40 over that database and reports:

- start-up: importing newsterm's UI, then from constructing the app to its first paint
  (Textual's Ready), then until the All view lists its rows;
- keypress latency, p50/p95: from the key event entering the app to the first paint that
  shows its effect, for moving the cursor (j), paging (pagedown), jumping to the bottom
  and top (G/g), toggling read (m), opening an article (enter, until its body is shown),
  next unread (n, until the reader shows it), switching feeds (j in the feed list, until
  the new list's rows are painted) and opening All (home in the feed list, likewise); a
  view or folder paints its first screenful at once and loads the rest of its ids in a
  worker behind it;
- memory: the process's resident set at the end and its peak.

Keys are sent through the headless driver like a terminal's, and every paint is turned
into terminal output (to a buffer), so a latency includes Textual's event handling,
compositing and output encoding; only the terminal's own drawing is left out. Each key is
sent --gap-ms (40) after the previous key's paint, as a held key repeats (every 30-40 ms):
Textual paints at most 60 frames a second, so keys sent faster than that wait for the
next frame, which measures the frame rate rather than the work a key costs (try
--gap-ms 5 to see it).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import (  # noqa: E402 - the bench directory is not a package
    add_src_to_path,
    fmt_mb,
    fmt_ms,
    header,
    parse_sizes,
    percentile,
    print_table,
    write_json,
)

_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")
"""Terminal control sequences (CSI, OSC): what is left of the output is the painted text."""
_TAG = re.compile(r"<[^>]*>")

FEED_SIZE = 200
"""Entries per feed in the generated cache."""
NOW = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)
SUMMARY_KEYS = (
    "move cursor (j)",
    "toggle read (m)",
    "open article (enter)",
    "next unread (n)",
    "switch feed (j)",
    "open All view (home)",
)


def build_cache(directory: Path, entries: int) -> float:
    """Create the database (once); returns seconds spent, 0 when it was already there."""
    add_src_to_path()
    from newsterm.models import EntryQuery, ParsedEntry, ParsedFeed
    from newsterm.store import DB_FILENAME, Store

    marker = directory / "complete"
    if marker.exists() and (directory / DB_FILENAME).exists():
        return 0.0
    if directory.exists():
        for path in directory.iterdir():
            path.unlink()
    directory.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    store = Store.in_dir(directory)
    feeds = max(1, entries // FEED_SIZE)
    made = 0
    for feed_number in range(feeds):
        count = entries - made if feed_number == feeds - 1 else FEED_SIZE
        folder = f"Folder {feed_number % 12}" if feed_number % 5 else None
        feed = store.add_feed(f"https://feed{feed_number}.example/rss", folder=folder)
        items = [
            ParsedEntry(
                identity=f"{feed_number}-{index}",
                title=f"Entry {index} of feed {feed_number}: a headline of usual length",
                link=f"https://feed{feed_number}.example/{index}",
                author=f"Author {index % 7}",
                published=NOW - timedelta(minutes=37 * index + feed_number),
                summary=f"<p>Summary of entry {index}.</p>",
                content=f"<p>Body of entry {index} in feed {feed_number}.</p>" * 20,
            )
            for index in range(count)
        ]
        store.store_feed(feed.id, ParsedFeed(title=f"Feed {feed_number}", entries=items), now=NOW)
        made += count
    ids = store.entry_ids(EntryQuery())
    store.set_read([entry_id for index, entry_id in enumerate(ids) if index % 3], True)
    store.set_starred(ids[::97], True)
    store.optimize()
    store.close()
    marker.write_text("ok")
    return time.perf_counter() - started


def _rss_mb() -> tuple[float, float]:
    """(current, peak) resident set of this process in MB (Linux /proc; else nan)."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return float("nan"), float("nan")
    values = {}
    for line in status.splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            key, amount, _unit = line.split()
            values[key] = int(amount) / 1024
    return values.get("VmRSS:", float("nan")), values.get("VmHWM:", float("nan"))


def child(directory: Path, presses: int, gap: float) -> dict[str, Any]:
    """Run in a fresh process: start the app over `directory` and time it.

    Each key is sent `gap` seconds after the previous one was painted and settled.
    The cycle collector is handled as a launch handles it (`newsterm.__main__`): off while
    the app starts, then the app turns it on and freezes what start-up made.
    """
    gc.disable()
    started = time.perf_counter()
    add_src_to_path()
    from rich.console import Console
    from textual import events

    from newsterm.config import Settings
    from newsterm.store import Store
    from newsterm.ui.app import NewstermApp
    from newsterm.ui.screens.main import MainScreen
    from newsterm.ui.widgets.article_list import ArticleList

    imported = time.perf_counter()
    store = Store.in_dir(directory)
    settings = Settings(refresh_on_start=False, refresh_interval=0)
    app = NewstermApp(store=store, settings=settings, offline=True, now=lambda: NOW)
    created = time.perf_counter()
    loaded_at: list[float] = []
    first_list = asyncio.Event()

    def hook(message: object) -> None:
        if isinstance(message, ArticleList.Loaded):
            loaded_at.append(time.perf_counter())
            first_list.set()

    # Each paint of the screen is turned into terminal output (as a real terminal would
    # get it) and timestamped, with whether the awaited change was on screen by then. A
    # change of what a pane shows counts only once its text is in the output: the app's
    # state can run a frame ahead of the screen.
    terminal = Console(file=io.StringIO(), force_terminal=True, color_system="truecolor")
    paints: list[tuple[float, bool]] = []
    painted_since_key = [""]
    done: list[Callable[[str], bool]] = [lambda _painted: True]
    original_display = app._display

    def display(screen: Any, renderable: Any) -> None:
        original_display(screen, renderable)
        if renderable is not None and hasattr(renderable, "render_segments"):
            painted = renderable.render_segments(terminal)
            painted_since_key[0] += _ESCAPE.sub("", painted)
            paints.append((time.perf_counter(), done[0](painted_since_key[0])))

    app._display = display  # type: ignore[method-assign]
    result: dict[str, Any] = {"import_s": imported - started}
    # Full collections (the cycle collector's oldest generation) stall whatever key is
    # being handled: counted so a p95 can be told apart from a collection.
    full_collections: list[float] = []
    collection_started = [0.0]

    def on_collection(phase: str, info: dict[str, int]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            collection_started[0] = time.perf_counter()
        else:
            full_collections.append(time.perf_counter() - collection_started[0])

    gc.callbacks.append(on_collection)
    latencies: dict[str, list[float]] = {}
    not_shown: dict[str, int] = {}
    result["not_shown"] = not_shown

    async def run() -> None:
        async with app.run_test(size=(120, 40), message_hook=hook) as pilot:
            await first_list.wait()
            while app.startup_ms is None:  # set once the first paint is done
                await pilot.pause()
            result["first_paint_s"] = app.startup_ms / 1000
            result["list_ready_s"] = loaded_at[0] - created
            screen = app.screen
            assert isinstance(screen, MainScreen)
            articles = screen.article_list
            feeds = screen.feed_list
            driver = app._driver
            assert driver is not None

            async def press(name: str, key: str, until: Callable[[str], bool]) -> None:
                """Send `key` as the terminal would; time it until a paint shows `until`
                (given the text painted since the key)."""
                await pilot.pause(gap)
                done[0] = until
                paints.clear()
                painted_since_key[0] = ""
                before = time.perf_counter()
                event = events.Key(key, key if len(key) == 1 else None)
                event.set_sender(app)
                driver.send_message(event)
                deadline = before + 10
                while time.perf_counter() < deadline:
                    shown = [moment for moment, ok in paints if ok]
                    if shown:
                        latencies.setdefault(name, []).append(shown[0] - before)
                        break
                    await asyncio.sleep(0.0005)
                else:
                    # Never shown: a bug in the app or in this check, not a latency.
                    not_shown[name] = not_shown.get(name, 0) + 1
                done[0] = lambda _painted: True

            def cursor_at(index: int) -> Callable[[str], bool]:
                return lambda _painted: articles.cursor == index

            def title_painted(entry_id: int | None, painted: str) -> bool:
                """The entry's title (up to its colon, which every generated title has:
                unique per entry) is in the text painted since the key."""
                summary = articles.summary(entry_id) if entry_id is not None else None
                return summary is not None and summary.title.split(":")[0] in painted

            def first_row_painted(painted: str) -> bool:
                return bool(articles.entry_ids) and title_painted(articles.entry_ids[0], painted)

            screen.focus_pane("articles")
            await pilot.pause()
            result["tracked_objects"] = len(gc.get_objects())
            full_collections.clear()
            for _ in range(presses):
                target = min(articles.cursor + 1, len(articles.entry_ids) - 1)
                await press("move cursor (j)", "j", cursor_at(target))
            for _ in range(max(10, presses // 4)):
                page = articles.scrollable_content_region.height - 1
                target = min(articles.cursor + page, len(articles.entry_ids) - 1)
                await press("page down", "pagedown", cursor_at(target))
            for _ in range(max(5, presses // 20)):
                last = len(articles.entry_ids) - 1
                await press("bottom / top (G, g)", "G", cursor_at(last))
                await press("bottom / top (G, g)", "g", cursor_at(0))
            for _ in range(max(10, presses // 4)):
                entry_id = articles.current_id
                assert entry_id is not None
                summary = articles.summary(entry_id)
                assert summary is not None
                want = not summary.read

                def flipped(_painted: str, entry: int = entry_id, read: bool = want) -> bool:
                    row = articles.summary(entry)
                    return row is not None and row.read == read

                await press("toggle read (m)", "m", flipped)

            reader = screen.reader

            def showing(
                painted: str, entry_id: int | None = None, other_than: int | None = None
            ) -> bool:
                entry = reader.entry
                return (
                    entry is not None
                    and reader.article is not None
                    and (entry_id is None or entry.id == entry_id)
                    and (other_than is None or entry.id != other_than)
                    # Only the reader shows a body: its first sentence, painted since the key.
                    and _TAG.sub(" ", entry.content).split(".")[0].strip() in painted
                )

            for _ in range(max(10, presses // 10)):
                screen.focus_pane("articles")
                await pilot.pause()
                articles.move_to(articles.cursor + 1)
                await pilot.pause()
                wanted = articles.current_id

                def opened(painted: str, entry_id: int | None = wanted) -> bool:
                    return showing(painted, entry_id)

                await press("open article (enter)", "enter", opened)
            for _ in range(max(10, presses // 10)):
                screen.focus_pane("articles")
                await pilot.pause()
                before = reader.entry.id if reader.entry is not None else None

                def moved_on(painted: str, previous: int | None = before) -> bool:
                    return showing(painted, other_than=previous)

                await press("next unread (n)", "n", moved_on)

            screen.focus_pane("feeds")
            await pilot.pause()
            feeds.select_key("folder:Folder 1")
            await pilot.pause()
            await app.workers.wait_for_complete()
            for _ in range(max(10, presses // 10)):
                if (feeds.highlighted or 0) + 1 >= feeds.row_count:
                    # At the end of a small cache's list, where j would move nowhere.
                    feeds.select_key("folder:Folder 1")
                    await pilot.pause()
                    await app.workers.wait_for_complete()
                index = (feeds.highlighted or 0) + 1
                if feeds.key_at(min(index, feeds.row_count - 1)) == "":
                    index += 1  # the separator between the views and the feeds
                option_key = feeds.key_at(min(index, feeds.row_count - 1))

                def switched(painted: str, key: str = option_key) -> bool:
                    # The new list's rows are on screen (a folder's first screenful shows
                    # while the rest of its ids load, as for the All view).
                    target = articles.target
                    return (
                        target is not None
                        and target.key == key
                        and (articles.loaded or len(articles.entry_ids) > 0)
                        and first_row_painted(painted)
                    )

                await press("switch feed (j)", "j", switched)
            for _ in range(max(5, presses // 20)):
                feeds.select_key("view:starred")
                await pilot.pause()
                await app.workers.wait_for_complete()
                feeds.select_key("folder:Folder 1")
                await pilot.pause()
                await app.workers.wait_for_complete()
                await press(
                    "open All view (home)",
                    "home",
                    lambda painted: (
                        articles.target is not None
                        and articles.target.key == "view:all"
                        and len(articles.entry_ids) > 0
                        and first_row_painted(painted)
                    ),
                )
                await app.workers.wait_for_complete()
            await pilot.pause()
            await app.workers.wait_for_complete()
            result["listed_all"] = len(articles.entry_ids)

    asyncio.run(run())
    gc.callbacks.remove(on_collection)
    result["full_collections"] = full_collections
    rss, peak = _rss_mb()
    result["rss_mb"] = rss
    result["peak_rss_mb"] = peak
    result["latency"] = {
        name: {"p50": percentile(values, 50), "p95": percentile(values, 95), "n": len(values)}
        for name, values in latencies.items()
    }
    store.close()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,100k", help="entry counts, e.g. 1k,100k")
    parser.add_argument("--presses", type=int, default=200, help="cursor presses per run")
    parser.add_argument(
        "--work",
        type=Path,
        default=Path(tempfile.gettempdir()) / "newsterm-bench-interact",
        help="where the generated databases are kept between runs",
    )
    parser.add_argument(
        "--gap-ms",
        type=float,
        default=40,
        help="pause between one key's paint and the next key (a held key repeats every 30-40 ms)",
    )
    parser.add_argument(
        "--json-out",
        "--json",
        dest="json_out",
        type=Path,
        help="append the results as JSON lines here",
    )
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child is not None:
        print(json.dumps(child(args.child, args.presses, args.gap_ms / 1000)))
        return 0

    header("newsterm interaction benchmark (headless app at 120x40)")
    rows: list[list[object]] = []
    last_summary = "summary: nothing measured"
    for size in parse_sizes(args.sizes):
        directory = args.work / f"entries-{size}"
        built = build_cache(directory, size)
        if built:
            print(f"# built a cache of {size:,} entries in {built:.1f} s")
        completed = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                str(directory),
                "--presses",
                str(args.presses),
                "--gap-ms",
                str(args.gap_ms),
            ],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "TEXTUAL": ""},
        )
        if completed.returncode != 0:
            print(completed.stderr, file=sys.stderr)
            return 1
        result = json.loads(completed.stdout.strip().splitlines()[-1])
        write_json(args.json_out, {"entries": size, **result})
        print(f"\n## {size:,} entries (All lists {result['listed_all']:,})")
        print(
            f"import {fmt_ms(result['import_s'])}, first paint {fmt_ms(result['first_paint_s'])}"
            f" after the app is created, rows listed {fmt_ms(result['list_ready_s'])};"
            f" memory {fmt_mb(result['rss_mb'])} (peak {fmt_mb(result['peak_rss_mb'])})"
        )
        collections = result["full_collections"]
        print(
            f"full collections while keys were sent: {len(collections)}"
            + (
                f", {fmt_ms(min(collections))}-{fmt_ms(max(collections))} each"
                if collections
                else ""
            )
            + f" ({result['tracked_objects']:,} objects tracked after start-up)"
        )
        if result["not_shown"]:
            missed = ", ".join(f"{name} {count}" for name, count in result["not_shown"].items())
            print(f"KEYS NEVER SHOWN within 10 s (left out of the figures): {missed}")
        print()
        table = [
            [name, fmt_ms(stats["p50"]), fmt_ms(stats["p95"]), stats["n"]]
            for name, stats in result["latency"].items()
        ]
        print_table(["keypress", "p50", "p95", "n"], table)
        latency = result["latency"]
        worst = max(latency.items(), key=lambda item: item[1]["p95"])
        last_summary = (
            f"summary: {size:,} entries, keypress p95 {fmt_ms(latency['move cursor (j)']['p95'])}"
            f" for j, worst {worst[0]} {fmt_ms(worst[1]['p95'])} (goal < 16 ms);"
            f" idle memory {fmt_mb(result['rss_mb'])} (goal < 150 MB)"
        )
        rows.append(
            [
                f"{size:,}",
                fmt_ms(result["first_paint_s"]),
                fmt_ms(result["list_ready_s"]),
                *(fmt_ms(latency[name]["p95"]) for name in SUMMARY_KEYS),
                fmt_mb(result["rss_mb"]),
            ]
        )
    print("\n## Summary (p95 per key)\n")
    print_table(["entries", "first paint", "rows listed", *SUMMARY_KEYS, "RSS"], rows)
    print()
    print(last_summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
