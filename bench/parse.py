"""Feed parsing throughput over the corpus (and generated feeds).

    python bench/parse.py
    python bench/parse.py --repeat 5 --no-feedparser

Parses every file of ../shared/corpus/feeds/real, feeds/crawl and feeds/edge/huge, plus
100 feeds from feedgen.py (generated once into --work), with newsterm.parse.parse_feed:
the lxml fast path where it applies, feedparser otherwise. Each document is parsed
--repeat times; its time is the fastest run. Per group it prints files, MB, throughput
(MB/s = bytes / summed time), p50 / p95 / max per document, and the share of documents
the fast path took; then the same documents through feedparser alone (parse_xml, what
every XML document cost before the fast path), for comparison. Refused documents
(not a feed) count, as the refresh pays for them too.
"""

from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from benchlib import (
    CORPUS,
    GEN_PORT,
    TOOLS,
    add_src_to_path,
    fmt_ms,
    header,
    median,
    percentile,
    print_table,
    today,
    write_json,
)

add_src_to_path()

from newsterm.models import NotAFeedError  # noqa: E402
from newsterm.parse import fast_xml, parse_feed, sniff  # noqa: E402
from newsterm.parse.sniff import GZIP_MAGIC, gunzip  # noqa: E402
from newsterm.parse.xml_feed import parse_xml  # noqa: E402

URL = "http://example.com/feed.xml"
NOW = datetime(2026, 11, 26, tzinfo=UTC)


@dataclass
class Group:
    """One folder's documents and their timings."""

    name: str
    documents: list[bytes]
    times: list[float] = field(default_factory=list)
    fast: int = 0
    reference_s: float | None = None

    @property
    def size(self) -> int:
        return sum(len(d) for d in self.documents)

    @property
    def throughput(self) -> float:
        return self.size / 1e6 / sum(self.times) if self.times else 0.0


def load(path: Path) -> list[bytes]:
    files = [p for p in sorted(path.rglob("*")) if p.is_file() and p.suffix != ".md"]
    return [p.read_bytes() for p in files]


def generated(work: Path, feeds: int) -> list[bytes]:
    out = work / f"parse-feeds-{feeds}"
    if not (out / "manifest.json").exists():
        subprocess.run(
            [
                sys.executable,
                str(TOOLS / "feedgen.py"),
                "--out",
                str(out),
                "--feeds",
                str(feeds),
                "--port",
                str(GEN_PORT),
                "--clean",
                "--quiet",
            ],
            check=True,
            timeout=600,
        )
    return load(out / "feeds")


def best_time(function: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        with contextlib.suppress(NotAFeedError):
            function()
        best = min(best, time.perf_counter() - started)
    return best


def measure(group: Group, repeat: int, reference: bool) -> None:
    counting = _FastCounter()
    import newsterm.parse as parse_module

    # parse_feed looks parse_fast up in its module: count the documents it takes.
    setattr(parse_module, "parse_fast", counting)  # noqa: B010
    try:
        for data in group.documents:
            counting.hits = 0
            group.times.append(best_time(partial(parse_feed, data, URL, now=NOW), repeat))
            group.fast += counting.hits > 0
    finally:
        setattr(parse_module, "parse_fast", fast_xml.parse_fast)  # noqa: B010
    if reference:
        total = 0.0
        for data in group.documents:
            body = gunzip(data) if data.startswith(GZIP_MAGIC) else data
            kind = sniff(body)
            if kind == "json":
                total += best_time(partial(parse_feed, body, URL, now=NOW), 1)
            else:
                total += best_time(partial(parse_xml, body, URL, "", kind, NOW), 1)
        group.reference_s = total


class _FastCounter:
    """Wraps parse_fast to count the documents it took."""

    def __init__(self) -> None:
        self.hits = 0

    def __call__(self, *args: object, **kwargs: object) -> object:
        result = fast_xml.parse_fast(*args, **kwargs)  # type: ignore[arg-type]
        if result is not None:
            self.hits += 1
        return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Feed parsing throughput and per-document latency.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per document (fastest)")
    parser.add_argument("--generated", type=int, default=100, help="generated feeds (0: none)")
    parser.add_argument(
        "--no-feedparser", action="store_true", help="skip the feedparser-only comparison"
    )
    parser.add_argument("--work", type=Path, default=Path("/tmp/newsterm-bench"))
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args(argv)

    header("parse: feed parsing throughput")
    feeds = CORPUS / "feeds"
    groups = [
        Group("corpus feeds/real", load(feeds / "real")),
        Group("corpus feeds/crawl", load(feeds / "crawl")),
        Group("corpus feeds/edge/huge", load(feeds / "edge" / "huge")),
    ]
    if args.generated:
        documents = generated(args.work, args.generated)
        groups.append(Group(f"generated ({args.generated} feeds)", documents))
    for group in groups:
        measure(group, args.repeat, not args.no_feedparser)

    rows = []
    for g in groups:
        ratio = "—"
        if g.reference_s:
            ratio = f"{g.size / 1e6 / g.reference_s:.1f} MB/s ({g.reference_s / sum(g.times):.1f}x)"
        rows.append(
            [
                g.name,
                len(g.documents),
                f"{g.size / 1e6:.1f}",
                f"{g.throughput:.1f}",
                fmt_ms(median(g.times)),
                fmt_ms(percentile(g.times, 95)),
                fmt_ms(max(g.times)),
                f"{100 * g.fast / len(g.documents):.0f}%",
                ratio,
            ]
        )
        write_json(
            args.json_out,
            {
                "bench": "parse",
                "date": today(),
                "group": g.name,
                "files": len(g.documents),
                "bytes": g.size,
                "mb_per_s": g.throughput,
                "p50_s": median(g.times),
                "p95_s": percentile(g.times, 95),
                "max_s": max(g.times),
                "fast_path_share": g.fast / len(g.documents),
                "feedparser_s": g.reference_s,
            },
        )
    print()
    print_table(
        [
            "documents",
            "files",
            "MB",
            "MB/s",
            "p50",
            "p95",
            "max",
            "fast path",
            "feedparser alone (speed-up)",
        ],
        rows,
    )
    corpus = groups[:3]
    size = sum(g.size for g in corpus)
    spent = sum(sum(g.times) for g in corpus)
    times = [t for g in corpus for t in g.times]
    print(
        f"\nparse: corpus {size / 1e6:.1f} MB at {size / 1e6 / spent:.1f} MB/s,"
        f" p50 {fmt_ms(median(times))} p95 {fmt_ms(percentile(times, 95))} per document"
        + (
            f"; generated feeds {groups[3].throughput:.1f} MB/s"
            f" ({100 * groups[3].fast / len(groups[3].documents):.0f}% fast path)"
            if len(groups) > 3
            else ""
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
