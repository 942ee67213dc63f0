"""Full-text search latency over stores of 1k / 10k / 100k entries (and more).

    python bench/search.py                        # 1k, 10k and 100k entries
    python bench/search.py --sizes 10k,100k,500k --repeat 30

Stores are built once (bench/corpusgen.py: real words from the corpus articles, 20
entries per feed, 70% read) and cached in --work; a cached store written by an older
newsterm is migrated when opened, and the time that took is printed. Each query of a fixed
set of what users type runs --repeat times after one warm-up:

- single words: the most common word (found in nearly every entry: the worst case), a
  frequent, a mid-frequency and a rare word;
- two and three words; a prefix while typing (2 and 3 letters of a frequent word);
- a quoted phrase, a hyphenated word (a phrase for the index), a CJK word, a word found
  nowhere.

Three measures per query:

- first screen: Store.list_entries(limit=60), what the article list paints at once;
- list: every matching id in list order (Store.entry_ids, loaded in a worker) plus the
  rows of the first screenful: what the app holds to scroll, searched again with nothing
  written in between (the store keeps the list of all ids while no entry changes);
- list after reads: the same after another connection marked an entry read and unread
  (reading keeps the store's list of all ids);
- list after new entries: the same after another process added an entry and removed it
  (the list of all ids is read again, as after a refresh brought new entries);
- top 50: Store.search(text, limit=50), what `newsterm search` prints.

It prints a table per size (p50 / p95 per query), the size of the database and of its
search index, how latency grows with size, and a one-line summary against the goal: list
p95 under 50 ms at 100,000 entries (the largest size measured), after reads and after new
entries.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from benchlib import (
    add_src_to_path,
    fmt_mb,
    fmt_ms,
    header,
    median,
    parse_sizes,
    percentile,
    print_table,
    today,
    write_json,
)
from corpusgen import build_store, database, vocabulary

add_src_to_path()

from newsterm.models import EntryQuery, ParsedEntry, ParsedFeed  # noqa: E402
from newsterm.store import Store  # noqa: E402

GOAL_P95_S = 0.050
SCREENFUL = 60
WORST_KIND = "most common word"


def queries() -> list[tuple[str, str]]:
    """(kind, text): chosen by frequency rank in the corpus vocabulary (deterministic)."""
    words, _ = vocabulary()
    latin = [w for w in words if w.isascii() and len(w) > 3]
    cjk = next((w for w in words if not w.isascii() and "\u4e00" <= w[0] <= "\u9fff"), "新闻")
    typed = latin[150]
    short = [w for w in words if w.isascii() and w.isalpha() and len(w) == 2] or ["ok"]
    return [
        (WORST_KIND, words[0]),
        ("frequent word", latin[30]),
        ("mid-frequency word", latin[400]),
        ("rare word", latin[min(4000, len(latin) - 1)]),
        ("two words", f"{latin[60]} {latin[700]}"),
        ("three words", f"{latin[20]} {latin[200]} {latin[2000 % len(latin)]}"),
        ("2-letter word", short[min(12, len(short) - 1)]),
        ("prefix (3 letters)", typed[:3]),
        # Generated text is drawn word by word by frequency, so only common words occur
        # side by side often: two of the commonest make a phrase found in ~10% of entries
        # whose words are each in nearly every entry (an expensive phrase).
        ("quoted phrase", f'"{latin[0]} {words[0]}"'),
        ("hyphenated", f"{latin[80]}-{latin[90]}"),
        ("CJK", cjk),
        ("no match", "zqxjvkw"),
    ]


def timed(
    function: Callable[[], None], repeat: int, before: Callable[[], None] | None = None
) -> list[float]:
    """`repeat` timings of `function` after a warm-up; `before` runs untimed before each."""
    function()  # warm-up: statements prepared, pages cached
    samples = []
    for _ in range(repeat):
        if before is not None:
            before()
        started = time.perf_counter()
        function()
        samples.append(time.perf_counter() - started)
    return samples


MEASURES = ("first screen", "list", "list after reads", "list after new entries", "top 50")
GOALS = ("list after reads", "list after new entries")
"""The goal's two cases: the list as the app loads it after articles were read (the
store's kept list of all ids still holds), and after new entries arrived (it is read
again)."""


def reader_of(path: Path) -> Callable[[], None]:
    """Commits from another connection that mark an entry read and unread again, as
    reading does; the data ends unchanged."""

    def read() -> None:
        conn = sqlite3.connect(path, isolation_level=None)
        try:
            for _ in range(2):
                conn.execute(
                    "UPDATE entries SET read = 1 - read WHERE id = (SELECT max(id) FROM entries)"
                )
        finally:
            conn.close()

    return read


def refresher_of(path: Path) -> Callable[[], None]:
    """Another process's refresh adding an entry, then removing its feed: the data ends
    unchanged, but the search index (and so the store's kept list) changed twice."""

    def refresh() -> None:
        with Store(path) as other:
            feed = other.add_feed("https://bench-new-entries.invalid/")
            entry = ParsedEntry(identity="new", title="new", content="<p>fresh news</p>")
            other.store_feed(
                feed.id, ParsedFeed(title="new", entries=[entry]), now=datetime.now(UTC)
            )
            other.remove_feed(feed.id)

    return refresh


@dataclass
class SizeResult:
    """The figures of one store size."""

    entries: int
    database_bytes: int = 0
    index_bytes: int = 0
    migration_s: float | None = None
    rows: list[list[object]] = field(default_factory=list)
    samples: dict[str, list[float]] = field(
        default_factory=lambda: {measure: [] for measure in MEASURES}
    )
    but_worst: dict[str, list[float]] = field(
        default_factory=lambda: {measure: [] for measure in MEASURES}
    )
    """Samples of every query but the most common word (a stop word users rarely
    search alone, the worst case)."""
    per_query: dict[str, dict[str, object]] = field(default_factory=dict)

    def p50(self, measure: str) -> float:
        return median(self.samples[measure])

    def p95(self, measure: str, *, but_worst: bool = False) -> float:
        return percentile((self.but_worst if but_worst else self.samples)[measure], 95)

    def record(self) -> dict[str, object]:
        record: dict[str, object] = {
            "bench": "search",
            "date": today(),
            "entries": self.entries,
            "database_bytes": self.database_bytes,
            "search_index_bytes": self.index_bytes,
            "migration_s": self.migration_s,
        }
        for measure in MEASURES:
            key = measure.replace(" ", "_")
            record[f"{key}_p50_s"] = self.p50(measure)
            record[f"{key}_p95_s"] = self.p95(measure)
            record[f"{key}_p95_but_worst_s"] = self.p95(measure, but_worst=True)
        record["per_query"] = self.per_query
        return record


def index_size(path: Path) -> tuple[int, int]:
    """(database file bytes, bytes of the search index proper) — 0 without dbstat.

    The index proper is entries_fts_data and _idx: the copy of the indexed text FTS5
    keeps in entries_fts_content is not counted (it does not change with index options).
    """
    total = path.stat().st_size
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = conn.execute(
            "SELECT sum(pgsize) FROM dbstat WHERE name IN ('entries_fts_data', 'entries_fts_idx')"
        ).fetchone()
        return total, int(row[0] or 0)
    except sqlite3.Error:
        return total, 0
    finally:
        conn.close()


def open_store(data_dir: Path) -> tuple[Store, float | None]:
    """Open the cached store; the time taken if it had to be migrated, else None."""
    path = database(data_dir)
    conn = sqlite3.connect(path)
    try:
        before = int(conn.execute("PRAGMA user_version").fetchone()[0])
    finally:
        conn.close()
    started = time.perf_counter()
    store = Store(path)
    elapsed = time.perf_counter() - started
    from newsterm.store import SCHEMA_VERSION

    return store, (elapsed if before < SCHEMA_VERSION else None)


def measure_size(data_dir: Path, repeat: int) -> SizeResult:
    store, migration_s = open_store(data_dir)
    read, refresh = reader_of(database(data_dir)), refresher_of(database(data_dir))
    try:
        result = SizeResult(entries=store.stats()["entries"], migration_s=migration_s)
        for kind, text in queries():
            query = EntryQuery(search=text)
            matches = store.count_entries(query)

            def first_screen(query: EntryQuery = query) -> None:
                store.list_entries(query, limit=SCREENFUL)

            def show_list(query: EntryQuery = query) -> None:
                ids = store.entry_ids(query)
                store.entry_summaries(ids[:SCREENFUL])

            def top(text: str = text) -> None:
                store.search(text, limit=50)

            figures: dict[str, object] = {"text": text, "matches": matches}
            row: list[object] = [kind, text, f"{matches:,}"]
            functions: list[Callable[[], None]] = [
                first_screen,
                show_list,
                show_list,
                show_list,
                top,
            ]
            befores: list[Callable[[], None] | None] = [None, None, read, refresh, None]
            for measure, function, before in zip(MEASURES, functions, befores, strict=True):
                samples = timed(function, repeat, before)
                result.samples[measure] += samples
                if kind != WORST_KIND:
                    result.but_worst[measure] += samples
                key = measure.replace(" ", "_")
                figures[f"{key}_p50_s"] = median(samples)
                figures[f"{key}_p95_s"] = percentile(samples, 95)
                row += [fmt_ms(median(samples)), fmt_ms(percentile(samples, 95))]
            result.per_query[kind] = figures
            result.rows.append(row)
    finally:
        store.close()
    result.database_bytes, result.index_bytes = index_size(database(data_dir))
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Full-text search latency (p50/p95) over generated stores.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--sizes", "--entries", dest="sizes", default="1k,10k,100k", help="store sizes (entries)"
    )
    parser.add_argument("--repeat", type=int, default=15, help="timed runs per query")
    parser.add_argument(
        "--work", type=Path, default=Path("/tmp/newsterm-bench"), help="cached stores"
    )
    parser.add_argument("--json-out", type=Path, help="append JSON records here")
    args = parser.parse_args(argv)
    sizes = parse_sizes(args.sizes)

    header("search: full-text search latency")
    results: list[SizeResult] = []
    for size in sizes:
        result = measure_size(build_store(args.work, size), args.repeat)
        results.append(result)
        print(f"\n## {result.entries:,} entries ({args.repeat} runs per query)\n")
        if result.migration_s is not None:
            print(f"(the cached store was migrated to this schema in {result.migration_s:.1f} s)\n")
        print_table(
            [
                "query",
                "text",
                "matches",
                "screen p50",
                "screen p95",
                "list p50",
                "list p95",
                "after reads p50",
                "after reads p95",
                "after new p50",
                "after new p95",
                "top-50 p50",
                "top-50 p95",
            ],
            result.rows,
        )
        write_json(args.json_out, result.record())
    print("\n## growth (all queries)\n")
    print_table(
        [
            "entries",
            "database",
            "search index",
            "screen p50 / p95",
            "list p50 / p95",
            "after reads p50 / p95",
            "after new entries p50 / p95",
            "after new p95 but worst",
            "top-50 p50 / p95",
        ],
        [
            [
                f"{r.entries:,}",
                fmt_mb(r.database_bytes / 1e6),
                fmt_mb(r.index_bytes / 1e6),
                f"{fmt_ms(r.p50('first screen'))} / {fmt_ms(r.p95('first screen'))}",
                f"{fmt_ms(r.p50('list'))} / {fmt_ms(r.p95('list'))}",
                f"{fmt_ms(r.p50(GOALS[0]))} / {fmt_ms(r.p95(GOALS[0]))}",
                f"{fmt_ms(r.p50(GOALS[1]))} / {fmt_ms(r.p95(GOALS[1]))}",
                fmt_ms(r.p95(GOALS[1], but_worst=True)),
                f"{fmt_ms(r.p50('top 50'))} / {fmt_ms(r.p95('top 50'))}",
            ]
            for r in results
        ],
    )
    last = results[-1]
    worst = last.per_query[WORST_KIND]

    def verdict(measure: str) -> str:
        return "met" if last.p95(measure) < GOAL_P95_S else "MISSED"

    worst_new = float(worst["list_after_new_entries_p95_s"])  # type: ignore[arg-type]
    print(
        f"\nsearch {last.entries:,} entries: list after reads p50"
        f" {fmt_ms(last.p50(GOALS[0]))} p95 {fmt_ms(last.p95(GOALS[0]))};"
        f" after new entries p50 {fmt_ms(last.p50(GOALS[1]))} p95 {fmt_ms(last.p95(GOALS[1]))}"
        f" ({fmt_ms(last.p95(GOALS[1], but_worst=True))} without the most common word,"
        f" which alone is p95 {fmt_ms(worst_new)});"
        f" first screen p95 {fmt_ms(last.p95('first screen'))};"
        f" top-50 p50 {fmt_ms(last.p50('top 50'))} p95 {fmt_ms(last.p95('top 50'))};"
        f" search index {fmt_mb(last.index_bytes / 1e6)} of {fmt_mb(last.database_bytes / 1e6)};"
        f" goal list p95 < 50 ms: after reads {verdict(GOALS[0])},"
        f" after new entries {verdict(GOALS[1])}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
