"""Refresh benchmark: newsterm (and newsboat, when installed) against a local feed server.

    python bench/refresh.py                      # 1,000 feeds x 20 items, 50 ms latency
    python bench/refresh.py --feeds 100,1000,5000 --no-newsboat    # how cost grows

For each size it generates the feeds with ../shared/bench/feedgen.py (cached in --work),
serves them with feedserver.py (--latency-ms, --preload, on a free port) and times, with
measure.py run (wall, CPU, exact peak RSS by wait4, the process tree's RSS sampled, and the
server's request counts):

1. cold: `newsterm refresh` right after importing the OPML (every feed downloaded);
2. unchanged: the same again (every feed answers 304);
3. next day: the server switches to feedgen's --day 1 set (about 10% of feeds gained items;
   the others still answer 304).

newsboat runs the same work in the same run: its cold reload at each --newsboat-threads
(8 and 32), then, at the best of those, the reloads for the other two phases. newsboat keeps
ETag/Last-Modified only from a feed's second download, so its all-304 reload is its third;
the second (a full download again) is timed and reported as a note.

All feeds are served by one host, as no real subscription list is: newsterm gets a config
with per_host equal to its global concurrency (newsboat has no per-host limit), so both
clients keep the same number of requests in flight. JSON Feeds are left out by default
(--json-percent 0) because newsboat cannot read them: both clients then do identical work.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from benchlib import (
    FeedServer,
    FeedSet,
    Timing,
    compile_package,
    feed_server,
    feed_set,
    fmt_mb,
    fmt_s,
    header,
    measure_run,
    parse_sizes,
    print_table,
    today,
    venv_command,
    with_port,
    write_json,
)

COLD_GOAL = 2.0
UNCHANGED_GOAL = 2.0
MEMORY_GOAL_MB = 150.0


@dataclass
class Phases:
    """One client's timings of the three phases (None where not run)."""

    name: str
    cold: Timing | None = None
    unchanged: Timing | None = None
    next_day: Timing | None = None
    note: str = ""


def _q(path: Path) -> str:
    return shlex.quote(str(path))


def run_newsterm(
    feeds: FeedSet, server: FeedServer, scratch: Path, args: argparse.Namespace
) -> Phases:
    """Import, then time cold / unchanged / next-day refreshes of newsterm."""
    home = scratch / "newsterm"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    config = home / "config.toml"
    config.write_text(
        "# All bench feeds share one host: allow as many requests to it as in total.\n"
        f"[fetch]\nconcurrency = {args.concurrency}\nper_host = {args.concurrency}\n"
    )
    seed, data, after_cold = home / "seed", home / "data", home / "after-cold"
    opml = with_port(feeds.day0 / "feeds.opml", home / "feeds.opml", server.port)
    newsterm = venv_command("newsterm")
    base = [*newsterm, "--config", str(config)]
    imported = measure_run(
        [*base, "--data-dir", str(seed), "import", str(opml)],
        label="newsterm import",
        tree_sample_ms=0,
    )
    if not imported.ok:
        raise RuntimeError(f"newsterm import failed: {imported.output_tail}")
    refresh = [*base, "--data-dir", str(data), "refresh"]
    result = Phases("newsterm")
    server.serve(feeds.day0)
    result.cold = measure_run(
        refresh,
        label="newsterm cold",
        repeat=args.repeat,
        before=f"rm -rf {_q(data)} && cp -a {_q(seed)} {_q(data)}",
        stats_url=server.stats_url,
    )
    result.unchanged = measure_run(
        refresh, label="newsterm unchanged", repeat=args.repeat, stats_url=server.stats_url
    )
    shutil.copytree(data, after_cold)
    server.serve(feeds.day1)
    result.next_day = measure_run(
        refresh,
        label="newsterm next day",
        repeat=args.repeat,
        before=f"rm -rf {_q(data)} && cp -a {_q(after_cold)} {_q(data)}",
        stats_url=server.stats_url,
    )
    server.serve(feeds.day0)
    for timing in (result.cold, result.unchanged, result.next_day):
        if not timing.ok:
            print(f"  ! {timing.label} failed: {timing.output_tail[-500:]}", file=sys.stderr)
    return result


def run_newsboat(
    newsboat: str, feeds: FeedSet, server: FeedServer, scratch: Path, args: argparse.Namespace
) -> Phases:
    """newsboat -x reload: cold at each thread count, the other phases at the best one."""
    home = scratch / "newsboat"
    shutil.rmtree(home, ignore_errors=True)
    (home / "home").mkdir(parents=True)
    urls = with_port(feeds.day0 / "urls", home / "urls", server.port)
    cache, after = home / "cache.db", home / "after-cold.db"
    env = {**os.environ, "HOME": str(home / "home")}
    colds: dict[int, Timing] = {}
    server.serve(feeds.day0)
    for threads in args.newsboat_threads:
        conf = home / f"threads-{threads}.conf"
        conf.write_text(f"reload-threads {threads}\n")
        colds[threads] = measure_run(
            [newsboat, "-C", str(conf), "-c", str(cache), "-u", str(urls), "-x", "reload"],
            label=f"newsboat cold t={threads}",
            repeat=args.repeat,
            before=f"rm -f {_q(cache)}*",
            stats_url=server.stats_url,
            env=env,
        )
    best = min(colds, key=lambda t: colds[t].wall_s)
    command = [
        newsboat,
        "-C",
        str(home / f"threads-{best}.conf"),
        "-c",
        str(cache),
        "-u",
        str(urls),
        "-x",
        "reload",
    ]
    result = Phases(f"newsboat (reload-threads {best})", cold=colds[best])
    # The cache now holds the last cold run; its second reload still downloads everything.
    second = measure_run(
        command, label="newsboat second", stats_url=server.stats_url, tree_sample_ms=0, env=env
    )
    result.unchanged = measure_run(
        command,
        label="newsboat unchanged",
        repeat=args.repeat,
        stats_url=server.stats_url,
        env=env,
    )
    shutil.copyfile(cache, after)
    server.serve(feeds.day1)
    result.next_day = measure_run(
        command,
        label="newsboat next day",
        repeat=args.repeat,
        before=f"cp {_q(after)} {_q(cache)}",
        stats_url=server.stats_url,
        env=env,
    )
    server.serve(feeds.day0)
    others = ", ".join(f"{t} threads {fmt_s(colds[t].wall_s)}" for t in sorted(colds) if t != best)
    result.note = (
        f"newsboat cold at {others}; its second reload downloaded again"
        f" ({fmt_s(second.wall_s)}, {second.status_text()} requests), so its all-304 reload"
        " is the third"
    )
    return result


def _ratio(ours: Timing | None, theirs: Timing | None) -> float | None:
    if ours is None or theirs is None or ours.wall_s <= 0:
        return None
    return theirs.wall_s / ours.wall_s


def _fmt_ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}x"


def print_size(feeds: FeedSet, ours: Phases, theirs: Phases | None) -> None:
    headers = ["phase", "newsterm wall", "CPU", "peak RSS", "tree RSS", "requests"]
    if theirs:
        headers += [f"{theirs.name} wall", "peak RSS", "requests", "newsterm faster by"]
    rows: list[list[object]] = []
    for name, attr in (
        ("cold", "cold"),
        ("unchanged (all 304)", "unchanged"),
        ("next day", "next_day"),
    ):
        mine: Timing | None = getattr(ours, attr)
        assert mine is not None
        row: list[object] = [
            name,
            fmt_s(mine.wall_s),
            fmt_s(mine.cpu_s),
            fmt_mb(mine.peak_rss_mb),
            fmt_mb(mine.tree_peak_rss_mb),
            mine.status_text(),
        ]
        if theirs:
            other: Timing | None = getattr(theirs, attr)
            row += [
                fmt_s(other.wall_s if other else None),
                fmt_mb(other.peak_rss_mb if other else None),
                other.status_text() if other else "—",
                _fmt_ratio(_ratio(mine, other)),
            ]
        rows.append(row)
    print()
    print(f"## {feeds.feeds} feeds x {feeds.items} items ({feeds.bytes_total() / 1e6:.0f} MB)")
    print()
    print_table(headers, rows)
    if theirs and theirs.note:
        print(f"\n({theirs.note}.)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0] if __doc__ else None,
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--feeds", default="1000", help="feed counts, comma separated (1k ok)")
    parser.add_argument("--items", type=int, default=20, help="items per feed")
    parser.add_argument("--latency-ms", type=float, default=50.0, help="server latency")
    parser.add_argument("--repeat", type=int, default=1, help="runs per phase (medians)")
    parser.add_argument("--concurrency", type=int, default=32, help="newsterm's requests in flight")
    parser.add_argument(
        "--newsboat-threads", default="8,32", help="reload-threads values to try for newsboat"
    )
    parser.add_argument("--no-newsboat", action="store_true", help="measure newsterm only")
    parser.add_argument(
        "--newsboat-up-to", type=int, default=1000, help="skip newsboat above this many feeds"
    )
    parser.add_argument("--json-percent", type=float, default=0.0, help="share of JSON Feeds")
    parser.add_argument(
        "--work", type=Path, default=Path("/tmp/newsterm-bench"), help="generated sets, scratch"
    )
    parser.add_argument("--json-out", type=Path, help="append JSON records here")
    args = parser.parse_args(argv)
    args.newsboat_threads = [int(t) for t in args.newsboat_threads.split(",") if t.strip()]
    sizes = parse_sizes(args.feeds)

    header("refresh: newsterm vs newsboat on a local feed server")
    newsboat = None if args.no_newsboat else shutil.which("newsboat")
    if newsboat is None and not args.no_newsboat:
        print("# newsboat not found: install it (apt-get install newsboat) to compare; skipped")
    compile_package()
    args.work.mkdir(parents=True, exist_ok=True)
    results: list[tuple[FeedSet, Phases, Phases | None]] = []
    for size in sizes:
        feeds = feed_set(args.work, size, args.items, json_percent=args.json_percent)
        scratch = args.work / f"run-{size}"
        scratch.mkdir(parents=True, exist_ok=True)
        max_seconds = 900 + size * (0.6 if newsboat else 0.2)
        with feed_server(
            feeds.day0, scratch, latency_ms=args.latency_ms, max_seconds=max_seconds
        ) as server:
            print(f"  {size} feeds: served on port {server.port}", flush=True)
            ours = run_newsterm(feeds, server, scratch, args)
            theirs = None
            if newsboat and size <= args.newsboat_up_to:
                theirs = run_newsboat(newsboat, feeds, server, scratch, args)
        results.append((feeds, ours, theirs))
        print_size(feeds, ours, theirs)
        write_json(
            args.json_out,
            {
                "bench": "refresh",
                "date": today(),
                "feeds": size,
                "items": args.items,
                "latency_ms": args.latency_ms,
                "newsterm": _record(ours),
                "newsboat": _record(theirs) if theirs else None,
            },
        )

    if len(results) > 1:
        print("\n## growth (newsterm)\n")
        print_table(
            ["feeds", "cold", "per feed", "unchanged", "next day", "peak RSS", "tree RSS"],
            [
                [
                    f.feeds,
                    fmt_s(o.cold.wall_s if o.cold else None),
                    f"{(o.cold.wall_s if o.cold else 0) / f.feeds * 1000:.1f} ms",
                    fmt_s(o.unchanged.wall_s if o.unchanged else None),
                    fmt_s(o.next_day.wall_s if o.next_day else None),
                    fmt_mb(max(t.peak_rss_mb for t in _timings(o))),
                    fmt_mb(max(t.tree_peak_rss_mb or 0 for t in _timings(o))),
                ]
                for f, o, _ in results
            ],
        )
    print()
    print(_summary(results))
    return 0


def _timings(phases: Phases) -> list[Timing]:
    return [t for t in (phases.cold, phases.unchanged, phases.next_day) if t is not None]


def _record(phases: Phases) -> dict[str, object]:
    return {
        "name": phases.name,
        "note": phases.note,
        **{
            attr: None
            if getattr(phases, attr) is None
            else {
                "wall_s": getattr(phases, attr).wall_s,
                "walls": getattr(phases, attr).walls,
                "cpu_s": getattr(phases, attr).cpu_s,
                "peak_rss_mb": getattr(phases, attr).peak_rss_mb,
                "tree_peak_rss_mb": getattr(phases, attr).tree_peak_rss_mb,
                "requests": getattr(phases, attr).requests,
                "by_status": getattr(phases, attr).by_status,
            }
            for attr in ("cold", "unchanged", "next_day")
        },
    }


def _summary(results: list[tuple[FeedSet, Phases, Phases | None]]) -> str:
    """The one-line summary, on the largest size that newsboat also ran (else the largest)."""
    compared = [r for r in results if r[2] is not None]
    feeds, ours, theirs = (compared or results)[-1]
    assert ours.cold and ours.unchanged and ours.next_day
    peak = max(t.peak_rss_mb for t in _timings(ours))
    tree = max(t.tree_peak_rss_mb or 0 for t in _timings(ours))
    text = (
        f"refresh {feeds.feeds} feeds: newsterm cold {fmt_s(ours.cold.wall_s)},"
        f" unchanged {fmt_s(ours.unchanged.wall_s)}, next day {fmt_s(ours.next_day.wall_s)};"
        f" peak RSS {fmt_mb(peak)} (process tree {fmt_mb(tree)})"
    )
    goals = [f"memory {'met' if peak < MEMORY_GOAL_MB else 'MISSED'} (<{MEMORY_GOAL_MB:.0f} MB)"]
    if theirs and theirs.cold and theirs.unchanged and theirs.next_day:
        cold, unchanged, day = (
            _ratio(ours.cold, theirs.cold),
            _ratio(ours.unchanged, theirs.unchanged),
            _ratio(ours.next_day, theirs.next_day),
        )
        text += (
            f"; {theirs.name} {fmt_s(theirs.cold.wall_s)} / {fmt_s(theirs.unchanged.wall_s)}"
            f" / {fmt_s(theirs.next_day.wall_s)} -> newsterm {_fmt_ratio(cold)} /"
            f" {_fmt_ratio(unchanged)} / {_fmt_ratio(day)} faster"
        )
        goals.insert(0, f"cold {'met' if (cold or 0) >= COLD_GOAL else 'MISSED'} (>=2x)")
        goals.insert(
            1, f"all-304 {'met' if (unchanged or 0) >= UNCHANGED_GOAL else 'MISSED'} (>=2x)"
        )
    return text + "; goals: " + ", ".join(goals)


if __name__ == "__main__":
    sys.exit(main())
