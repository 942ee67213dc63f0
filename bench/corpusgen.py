"""Deterministic stores of N entries for the in-process benchmarks (search, start-up).

Entries are made of real words: the vocabulary and its frequencies come from the article
texts of ../shared/corpus/html/articles (English mostly, some French, Chinese, Japanese,
Arabic, Hebrew), so the search index has a realistic mix of common and rare terms. Each
feed holds 20 entries spread over a year; bodies are 60-600 words in paragraphs with links.
Stores are built with Store.store_feed (the real write path) in batches, once, and cached
under the work directory keyed by size and seed.
"""

from __future__ import annotations

import random
import re
import shutil
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchlib import CORPUS, add_src_to_path

add_src_to_path()

from newsterm.models import ParsedEntry, ParsedFeed  # noqa: E402
from newsterm.store import DB_FILENAME, Store  # noqa: E402
from newsterm.store.rows import prepare_entries  # noqa: E402

ENTRIES_PER_FEED = 20
BASE_DATE = datetime(2024, 6, 1, 6, 0, tzinfo=UTC)
_WORD = re.compile(r"[^\W\d_]{2,24}", re.UNICODE)
_TAG = re.compile(r"<[^>]*>")
_CJK = re.compile("[\u3040-\u30ff\u4e00-\u9fff]")
_STORE_VERSION = 2
"""Bump when the generated content changes, so cached stores are rebuilt."""


def vocabulary(corpus: Path = CORPUS) -> tuple[list[str], list[float]]:
    """Words of the corpus articles and their cumulative weights (frequency order)."""
    counts: Counter[str] = Counter()
    for path in sorted((corpus / "html" / "articles").glob("*.html")):
        text = _TAG.sub(" ", path.read_text(encoding="utf-8", errors="replace"))
        for word in _WORD.findall(text):
            if _CJK.search(word):
                # CJK runs have no spaces: keep 2-character pieces as "words".
                counts.update(word[i : i + 2] for i in range(0, len(word) - 1, 2))
            else:
                counts[word.lower()] += 1
    if not counts:
        raise SystemExit(f"no articles under {corpus}/html/articles")
    words = [word for word, _ in counts.most_common()]
    cumulative: list[float] = []
    total = 0.0
    for _, count in counts.most_common():
        total += count
        cumulative.append(total)
    return words, cumulative


class EntryMaker:
    """Makes deterministic entries from the vocabulary."""

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)
        self.words, self.weights = vocabulary()

    def sentence(self, low: int, high: int) -> str:
        count = self.random.randint(low, high)
        return " ".join(self.random.choices(self.words, cum_weights=self.weights, k=count))

    def body(self, feed: int, index: int) -> str:
        paragraphs = []
        for p in range(self.random.randint(1, 6)):
            words = self.sentence(20, 100).split()
            if len(words) > 6 and p % 2 == 0:
                at = self.random.randrange(1, len(words) - 3)
                link = f"https://example.org/{feed}/{index}/{p}"
                words[at] = f'<a href="{link}">{words[at]}</a>'
            paragraphs.append("<p>" + " ".join(words).capitalize() + ".</p>")
        return "\n".join(paragraphs)

    def feed(self, number: int) -> ParsedFeed:
        entries = []
        for index in range(ENTRIES_PER_FEED):
            serial = number * ENTRIES_PER_FEED + index
            entries.append(
                ParsedEntry(
                    identity=f"urn:bench:{number}:{index}",
                    title=self.sentence(3, 10).capitalize(),
                    link=f"https://example.org/{number}/{index}.html",
                    author=self.sentence(2, 2).title(),
                    published=BASE_DATE - timedelta(minutes=serial * 7 % 525_600),
                    summary="",
                    content=self.body(number, index),
                )
            )
        return ParsedFeed(
            title=f"Feed {number}: {self.sentence(2, 4).title()}",
            link=f"https://example.org/{number}/",
            kind="rss20",
            entries=entries,
        )


def feeds_for(entries: int) -> int:
    return max(1, -(-entries // ENTRIES_PER_FEED))


def build_store(directory: Path, entries: int, *, seed: int = 1, read_share: float = 0.7) -> Path:
    """A data directory with `entries` entries (rounded up to whole feeds), cached.

    `read_share` of the entries are marked read (oldest first), as in a store in use.
    Returns the data directory (holding newsterm.db).
    """
    data_dir = directory / f"store-{entries}-seed{seed}-v{_STORE_VERSION}"
    done = data_dir / "complete"
    if done.exists():
        return data_dir
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    started = time.monotonic()
    print(f"  building a store of {entries:,} entries in {data_dir} ...", flush=True)
    maker = EntryMaker(seed)
    store = Store.in_dir(data_dir)
    try:
        count = feeds_for(entries)
        feed_ids = [
            store.add_feed(f"https://example.org/{n}/feed.xml", folder=f"Folder {n % 12}").id
            for n in range(count)
        ]
        for start in range(0, count, 50):
            with store.batch():
                for number in range(start, min(start + 50, count)):
                    parsed = maker.feed(number)
                    store.store_feed(
                        feed_ids[number],
                        parsed,
                        now=BASE_DATE,
                        prepared=prepare_entries(parsed.entries, with_text=True),
                    )
        _mark_read(store, read_share)
        store.optimize()
    finally:
        store.close()
    done.write_text("ok\n")
    print(f"  ... {time.monotonic() - started:.1f} s", flush=True)
    return data_dir


def _mark_read(store: Store, share: float) -> None:
    from newsterm.models import EntryQuery

    ids = store.entry_ids(EntryQuery())
    # Newest first: the oldest `share` are read.
    keep_unread = len(ids) - int(len(ids) * share)
    old = ids[keep_unread:]
    for start in range(0, len(old), 5000):
        store.set_read(old[start : start + 5000], True)


def database(data_dir: Path) -> Path:
    return data_dir / DB_FILENAME
