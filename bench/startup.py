"""Start-up benchmark: launch to first paint over a big cache, against newsboat.

    python bench/startup.py                              # 1,000 and 100,000 entries
    python bench/startup.py --sizes 1k,10k,100k --no-newsboat   # how start-up grows

For each size it generates a feed set with the shared generator (20 items per feed up to
1,000 entries, 200 above; JSON Feed off so newsboat reads every feed), serves it on
127.0.0.1 and fills both caches the way a user would: `newsterm import` + `newsterm
refresh`, and `newsboat -x reload`. The filled caches are kept in --work between runs.

Then `measure.py tui` (../shared/bench) starts each program in a private tmux server at
120x40, as a person would from a shell, and polls the screen until the first useful paint:
for newsterm, the feed list and the newest article's row; for newsboat, its feed list
title with the unread count. The time runs from the launch (so it includes Python's start
and every import) to that paint. Then it waits until the program's CPU is idle and reads
its memory, and quits it with q. The same harness first launches the smallest
Textual app (one line of text): the floor that Python and Textual set before newsterm's
own work starts.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import (  # noqa: E402 - the bench directory is not a package
    TOOLS,
    compile_package,
    feed_server,
    feed_set,
    fmt_mb,
    fmt_s,
    header,
    parse_sizes,
    print_table,
    venv_command,
    with_port,
    write_json,
)

SIZE = "120x40"
SMALL_FEED_ITEMS = 20
BIG_FEED_ITEMS = 200
"""Items per generated feed: newsboat's reference caches use about these shapes."""


@dataclass(frozen=True)
class Startup:
    """measure.py tui figures for one program over one cache (medians of the runs)."""

    label: str
    first_paint_s: float | None
    first_paints: list[float]
    rss_idle_mb: float | None
    screen: str


@dataclass(frozen=True)
class Cache:
    """A filled cache of `entries` entries for both programs."""

    entries: int
    feeds: int
    newsterm_dir: Path
    config: Path
    newest_title: str
    newsboat_dir: Path | None


def shape(entries: int) -> tuple[int, int]:
    """(feeds, items per feed) for a cache of about `entries` entries."""
    items = SMALL_FEED_ITEMS if entries <= 1000 else BIG_FEED_ITEMS
    return max(1, entries // items), items


def fill_caches(work: Path, entries: int, newsboat: str | None) -> Cache:
    """Generate, serve and fetch a feed set into both programs' caches (once per size)."""
    feeds, items = shape(entries)
    base = work / f"startup-{feeds}x{items}"
    newsterm_dir, config = base / "newsterm", base / "config.toml"
    newsboat_dir = base / "newsboat" if newsboat else None
    done = base / "filled.json"
    wanted = {"feeds": feeds, "items": items, "newsboat": bool(newsboat)}
    if done.exists():
        record = json.loads(done.read_text())
        filled = record.get("args", {})
        shape_matches = (filled.get("feeds"), filled.get("items")) == (feeds, items)
        if shape_matches and (filled.get("newsboat") or not newsboat):
            return Cache(entries, feeds, newsterm_dir, config, record["newest_title"], newsboat_dir)
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    generated = feed_set(work, feeds, items, json_percent=0)
    config.write_text(
        "# The benchmark measures start-up from the cache: nothing is fetched then.\n"
        "refresh_on_start = false\nrefresh_interval = 0\n"
        "[fetch]\nconcurrency = 32\nper_host = 32\n"
    )
    newsterm = [*venv_command("newsterm"), "--config", str(config), "--data-dir", str(newsterm_dir)]
    print(f"# filling the caches with {feeds:,} feeds x {items} items ...", flush=True)
    with feed_server(generated.day0, base, latency_ms=0, max_seconds=3600) as server:
        opml = with_port(generated.day0 / "feeds.opml", base / "feeds.opml", server.port)
        subprocess.run([*newsterm, "import", str(opml)], check=True, capture_output=True)
        subprocess.run([*newsterm, "refresh", "--quiet"], check=True, timeout=3600)
        if newsboat and newsboat_dir is not None:
            newsboat_dir.mkdir()
            with_port(generated.day0 / "urls", newsboat_dir / "urls", server.port)
            (newsboat_dir / "config").write_text("reload-threads 32\n")
            subprocess.run(
                [*newsboat_command(newsboat, newsboat_dir), "-x", "reload"],
                check=True,
                capture_output=True,
                timeout=3600,
                env={**os.environ, "HOME": str(newsboat_dir)},
            )
    listed = subprocess.run(
        [*newsterm, "entries", "--limit", "1", "--json"],
        check=True,
        capture_output=True,
        text=True,
    )
    rows: list[dict[str, Any]] = json.loads(listed.stdout)
    newest = str(rows[0]["title"]) if rows else ""
    done.write_text(json.dumps({"args": wanted, "newest_title": newest}))
    return Cache(entries, feeds, newsterm_dir, config, newest, newsboat_dir)


def newsboat_command(newsboat: str, directory: Path) -> list[str]:
    return [
        newsboat,
        "-C",
        str(directory / "config"),
        "-c",
        str(directory / "cache.db"),
        "-u",
        str(directory / "urls"),
    ]


def measure_tui(
    command: list[str], pattern: str, *, label: str, repeat: int, env: dict[str, str]
) -> Startup:
    """Run measure.py tui and read its record back."""
    with tempfile.TemporaryDirectory(prefix="newsterm-startup-") as scratch:
        record_file = Path(scratch) / "record.jsonl"
        capture = Path(scratch) / "screen.txt"
        argv = [
            sys.executable,
            str(TOOLS / "measure.py"),
            "tui",
            "--repeat",
            str(repeat),
            "--label",
            label,
            "--size",
            SIZE,
            "--pattern",
            pattern,
            "--timeout",
            "300",
            "--json-out",
            str(record_file),
            "--capture",
            str(capture),
            "--quit-keys",
            "q",
            "--",
            shlex.join(["env", *(f"{key}={value}" for key, value in env.items()), *command]),
        ]
        completed = subprocess.run(argv, capture_output=True, text=True, check=False)
        if not record_file.exists():
            raise RuntimeError(f"measure.py tui failed for {label}: {completed.stdout[-2000:]}")
        record = json.loads(record_file.read_text().splitlines()[-1])
        screens = sorted(Path(scratch).glob("screen.run*.txt"))
        screen = screens[-1].read_text() if screens else ""
    paints = [
        float(run["first_paint_s"]) for run in record["runs"] if run["first_paint_s"] is not None
    ]
    if len(paints) < len(record["runs"]):
        print(f"! {label}: the first paint was not seen in every run", file=sys.stderr)
        print(completed.stdout[-3000:], file=sys.stderr)
    first = record["first_paint_s"]
    rss = record["rss_idle_mb"]
    return Startup(
        label=label,
        first_paint_s=float(first["median"]) if first else None,
        first_paints=paints,
        rss_idle_mb=float(rss["median"]) if rss else None,
        screen=screen,
    )


FLOOR_MARK = "textual-floor-ready"
FLOOR_APP = f"""
from textual.app import App
from textual.widgets import Static


class Floor(App[None]):
    BINDINGS = [("q", "quit")]

    def compose(self):
        yield Static("{FLOOR_MARK}")


Floor().run()
"""
"""The smallest Textual app: what Python and Textual cost before newsterm does anything."""


def measure_floor(repeat: int) -> Startup:
    """Launch the smallest Textual app the same way, for the share that is not newsterm's."""
    with tempfile.TemporaryDirectory(prefix="newsterm-floor-") as scratch:
        script = Path(scratch) / "floor.py"
        script.write_text(FLOOR_APP)
        return measure_tui(
            [sys.executable, str(script)], FLOOR_MARK, label="floor", repeat=repeat, env={}
        )


def newsterm_pattern(cache: Cache) -> str:
    """The feed list's first row and the newest article's row, both on screen."""
    title = re.escape(cache.newest_title[:16])
    return rf"(?s)◆ All.*{title}" if title else r"◆ All"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1k,100k", help="entry counts, e.g. 1k,10k,100k")
    parser.add_argument("--repeat", type=int, default=5, help="launches per program and size")
    parser.add_argument("--no-newsboat", action="store_true", help="measure newsterm only")
    parser.add_argument(
        "--newsboat-up-to",
        type=int,
        default=100_000,
        help="skip newsboat above this many entries (it loads the whole cache first)",
    )
    parser.add_argument(
        "--work",
        type=Path,
        default=Path(tempfile.gettempdir()) / "newsterm-bench",
        help="where generated feeds and filled caches are kept",
    )
    parser.add_argument("--json-out", type=Path, help="append the results as JSON lines here")
    args = parser.parse_args(argv)

    header(f"start-up: launch to first paint in tmux at {SIZE}")
    if shutil.which("tmux") is None:
        print("tmux is needed (apt-get install tmux)", file=sys.stderr)
        return 2
    newsboat = None if args.no_newsboat else shutil.which("newsboat")
    if newsboat is None and not args.no_newsboat:
        print("# newsboat not found: install it (apt-get install newsboat) to compare; skipped")
    compile_package()
    floor = measure_floor(args.repeat)
    print(
        "# floor: Python plus Textual, an app that shows one line: first paint in"
        f" {fmt_s(floor.first_paint_s, 3)} ({_spread(floor.first_paints)}),"
        f" {fmt_mb(floor.rss_idle_mb)}"
    )
    rows: list[list[object]] = []
    ours_by_size: dict[int, Startup] = {}
    for size in parse_sizes(args.sizes):
        use_newsboat = newsboat if size <= args.newsboat_up_to else None
        cache = fill_caches(args.work, size, use_newsboat)
        command = [
            *venv_command("newsterm"),
            "--config",
            str(cache.config),
            "--data-dir",
            str(cache.newsterm_dir),
        ]
        ours = measure_tui(
            command, newsterm_pattern(cache), label=f"newsterm {size:,}", repeat=args.repeat, env={}
        )
        ours_by_size[size] = ours
        theirs: Startup | None = None
        if use_newsboat and cache.newsboat_dir is not None:
            theirs = measure_tui(
                newsboat_command(use_newsboat, cache.newsboat_dir),
                r"Your [Ff]eeds \(\d+ unread",
                label=f"newsboat {size:,}",
                repeat=args.repeat,
                env={"HOME": str(cache.newsboat_dir)},
            )
        write_json(
            args.json_out,
            {
                "bench": "startup",
                "entries": size,
                "feeds": cache.feeds,
                "newsterm": {"first_paint_s": ours.first_paints, "rss_idle_mb": ours.rss_idle_mb},
                "newsboat": (
                    {"first_paint_s": theirs.first_paints, "rss_idle_mb": theirs.rss_idle_mb}
                    if theirs
                    else None
                ),
            },
        )
        ratio = (
            theirs.first_paint_s / ours.first_paint_s
            if theirs and theirs.first_paint_s and ours.first_paint_s
            else None
        )
        rows.append(
            [
                f"{size:,}",
                f"{cache.feeds:,}",
                fmt_s(ours.first_paint_s, 3),
                _spread(ours.first_paints),
                fmt_mb(ours.rss_idle_mb),
                fmt_s(theirs.first_paint_s, 3) if theirs else "—",
                fmt_mb(theirs.rss_idle_mb) if theirs else "—",
                f"{ratio:.2f}x" if ratio else "—",
            ]
        )
    print()
    print_table(
        [
            "entries",
            "feeds",
            "newsterm first paint",
            "min–max",
            "idle RSS",
            "newsboat first paint",
            "newsboat RSS",
            "newsboat / newsterm",
        ],
        rows,
    )
    print()
    print(_summary(ours_by_size, floor))
    return 0


def _spread(values: list[float]) -> str:
    return f"{min(values):.3f}–{max(values):.3f} s" if values else "—"


def _summary(ours: dict[int, Startup], floor: Startup) -> str:
    sizes = sorted(size for size, result in ours.items() if result.first_paint_s)
    if not sizes:
        return "summary: no first paint was seen"
    small, big = sizes[0], sizes[-1]
    first_small = ours[small].first_paint_s or 0.0
    first_big = ours[big].first_paint_s or 0.0
    growth = first_big / first_small if first_small else float("nan")
    floor_s = floor.first_paint_s or 0.0
    return (
        f"summary: newsterm paints {big:,} entries in {first_big:.3f} s from launch "
        f"(goal < 0.5 s; a one-line Textual app takes {floor_s:.3f} s here, so"
        f" {first_big - floor_s:.3f} s is newsterm's), {growth:.2f}x its {small:,}-entry"
        " start-up (goal ≤ 1.5x)"
    )


if __name__ == "__main__":
    raise SystemExit(main())
