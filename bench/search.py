"""Full-text search latency over stores of 1k / 10k / 100k entries.

    python bench/search.py                        # 1k, 10k and 100k entries
    python bench/search.py --entries 100k,500k --repeat 30

Stores are built once (bench/corpusgen.py: real words from the corpus articles, 20
entries per feed, 70% read) and cached in --work. Each query of a fixed, realistic set
(the most common word, frequent / mid / rare words, a prefix, two and three words, a
hyphenated word, CJK, a word that matches nothing) runs --repeat times after one warm-up,
two ways:

- list: what the app does to show results: every matching id in list order
  (Store.entry_ids with EntryQuery(search=...)) plus the rows of the first screenful;
- top 50: Store.search(text, limit=50), what `newsterm search` prints.

It prints a table per size (p50 / p95 per query), how latency grows with size, and a
one-line summary against the goal: list p95 under 50 ms at 100,000 entries.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from benchlib import (
    add_src_to_path,
    fmt_ms,
    header,
    median,
    parse_sizes,
    percentile,
    print_table,
    today,
    write_json,
)
from corpusgen import build_store, vocabulary

add_src_to_path()

from newsterm.models import EntryQuery  # noqa: E402
from newsterm.store import Store  # noqa: E402

GOAL_P95_S = 0.050
SCREENFUL = 60


def queries() -> list[tuple[str, str]]:
    """(kind, text): chosen by frequency rank in the corpus vocabulary (deterministic)."""
    words, _ = vocabulary()
    latin = [w for w in words if w.isascii() and len(w) > 3]
    cjk = next((w for w in words if not w.isascii() and "\u4e00" <= w[0] <= "\u9fff"), "新闻")
    return [
        ("most common word", words[0]),
        ("frequent word", latin[30]),
        ("mid-frequency word", latin[400]),
        ("rare word", latin[min(4000, len(latin) - 1)]),
        ("prefix (3 letters)", latin[150][:3]),
        ("two words", f"{latin[60]} {latin[700]}"),
        ("three words", f"{latin[20]} {latin[200]} {latin[2000 % len(latin)]}"),
        ("hyphenated", f"{latin[80]}-{latin[90]}"),
        ("CJK", cjk),
        ("no match", "zqxjvkw"),
    ]


def timed(function: Callable[[], None], repeat: int) -> list[float]:
    function()  # warm-up: statements prepared, pages cached
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        samples.append(time.perf_counter() - started)
    return samples


@dataclass
class SizeResult:
    """The figures of one store size."""

    entries: int
    rows: list[list[object]] = field(default_factory=list)
    list_samples: list[float] = field(default_factory=list)
    top_samples: list[float] = field(default_factory=list)
    topic_list_samples: list[float] = field(default_factory=list)
    """List samples of every query but the most common word (a stop word users rarely
    search alone, the worst case)."""
    per_query: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def list_p50(self) -> float:
        return median(self.list_samples)

    @property
    def list_p95(self) -> float:
        return percentile(self.list_samples, 95)

    @property
    def top_p50(self) -> float:
        return median(self.top_samples)

    @property
    def top_p95(self) -> float:
        return percentile(self.top_samples, 95)

    def record(self) -> dict[str, object]:
        return {
            "bench": "search",
            "date": today(),
            "entries": self.entries,
            "list_p50_s": self.list_p50,
            "list_p95_s": self.list_p95,
            "top_p50_s": self.top_p50,
            "top_p95_s": self.top_p95,
            "topic_list_p95_s": percentile(self.topic_list_samples, 95),
            "per_query": self.per_query,
        }


def measure_size(data_dir: Path, repeat: int) -> SizeResult:
    store = Store(data_dir / "newsterm.db")
    try:
        result = SizeResult(entries=store.stats()["entries"])
        for kind, text in queries():
            query = EntryQuery(search=text)
            matches = store.count_entries(query)

            def show_list(query: EntryQuery = query) -> None:
                ids = store.entry_ids(query)
                store.entry_summaries(ids[:SCREENFUL])

            def top(text: str = text) -> None:
                store.search(text, limit=50)

            list_samples = timed(show_list, repeat)
            top_samples = timed(top, repeat)
            result.list_samples += list_samples
            result.top_samples += top_samples
            if kind != "most common word":
                result.topic_list_samples += list_samples
            result.per_query[kind] = {
                "matches": matches,
                "list_p50_s": median(list_samples),
                "list_p95_s": percentile(list_samples, 95),
                "top_p50_s": median(top_samples),
                "top_p95_s": percentile(top_samples, 95),
            }
            result.rows.append(
                [
                    kind,
                    text,
                    f"{matches:,}",
                    fmt_ms(median(list_samples)),
                    fmt_ms(percentile(list_samples, 95)),
                    fmt_ms(median(top_samples)),
                    fmt_ms(percentile(top_samples, 95)),
                ]
            )
    finally:
        store.close()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Full-text search latency (p50/p95) over generated stores.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--entries", default="1k,10k,100k", help="store sizes, comma separated")
    parser.add_argument("--repeat", type=int, default=15, help="timed runs per query")
    parser.add_argument(
        "--work", type=Path, default=Path("/tmp/newsterm-bench"), help="cached stores"
    )
    parser.add_argument("--json-out", type=Path, help="append JSON records here")
    args = parser.parse_args(argv)
    sizes = parse_sizes(args.entries)

    header("search: full-text search latency")
    results: list[SizeResult] = []
    for size in sizes:
        result = measure_size(build_store(args.work, size), args.repeat)
        results.append(result)
        print(f"\n## {result.entries:,} entries ({args.repeat} runs per query)\n")
        print_table(
            ["query", "text", "matches", "list p50", "list p95", "top-50 p50", "top-50 p95"],
            result.rows,
        )
        write_json(args.json_out, result.record())
    if len(results) > 1:
        print("\n## growth (all queries)\n")
        print_table(
            ["entries", "list p50", "list p95", "top-50 p50", "top-50 p95"],
            [
                [
                    f"{r.entries:,}",
                    fmt_ms(r.list_p50),
                    fmt_ms(r.list_p95),
                    fmt_ms(r.top_p50),
                    fmt_ms(r.top_p95),
                ]
                for r in results
            ],
        )
    last = results[-1]
    verdict = "met" if last.list_p95 < GOAL_P95_S else "MISSED"
    topic_p95 = percentile(last.topic_list_samples, 95)
    print(
        f"\nsearch {last.entries:,} entries: list p50 {fmt_ms(last.list_p50)}"
        f" p95 {fmt_ms(last.list_p95)} ({fmt_ms(topic_p95)} without the most common word),"
        f" top-50 p50 {fmt_ms(last.top_p50)} p95 {fmt_ms(last.top_p95)};"
        f" goal list p95 < 50 ms: {verdict}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
