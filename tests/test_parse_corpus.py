"""parse_feed over every feed in the shared corpus (~3,600 files).

Measured: the whole walk takes 60-100 s on the 2-core development machine, most of it
in feedparser (the reference parse runs with the slow default options).

Each directory is one test that collects all failures, so a regression shows every
file it breaks at once. The reference entry count comes from a separate, stock
`feedparser.parse()` call (sanitising and URI resolution on), which also checks that
the fast options newsterm uses do not lose entries.
"""

from __future__ import annotations

import io
import json
import random
import re
from datetime import UTC
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsterm.models import NotAFeedError, ParsedFeed
from newsterm.parse import parse_feed, sniff
from newsterm.parse.sniff import GZIP_MAGIC, gunzip
from tests.paths import CORPUS

FEEDS = CORPUS / "feeds"
NOT_CORPUS_FILES = {"README.md", "INDEX.tsv"}
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")

pytestmark = pytest.mark.skipif(not FEEDS.is_dir(), reason=f"corpus not found at {FEEDS}")


def corpus_groups() -> list[Path]:
    """feeds/real, feeds/crawl and each folder of feeds/edge: one test each."""
    if not FEEDS.is_dir():
        return []
    edge = sorted(path for path in (FEEDS / "edge").iterdir() if path.is_dir())
    return [FEEDS / "real", FEEDS / "crawl", *edge]


def files_under(folder: Path) -> list[Path]:
    return sorted(
        path for path in folder.rglob("*") if path.is_file() and path.name not in NOT_CORPUS_FILES
    )


def url_for(path: Path) -> str:
    return f"https://corpus.example.test/{path.relative_to(FEEDS).as_posix()}"


def invariant_problems(feed: ParsedFeed) -> list[str]:
    """What is wrong with an accepted feed, whatever its source."""
    problems: list[str] = []
    for text in (feed.title, feed.link, feed.description):
        if CONTROL.search(text):
            problems.append(f"control character in feed field {text!r:.60}")
    for index, entry in enumerate(feed.entries):
        where = f"entry {index}"
        if not entry.identity or len(entry.identity) > 2048:
            problems.append(f"{where}: bad identity {entry.identity!r:.60}")
        for text in (entry.title, entry.author, entry.link, *entry.categories):
            if CONTROL.search(text) or text != text.strip():
                problems.append(f"{where}: unclean text {text!r:.60}")
        for date in (entry.published, entry.updated):
            if date is not None and (date.tzinfo is not UTC or date.year < 1970):
                problems.append(f"{where}: bad date {date!r}")
        for url in (entry.link, *(enclosure.url for enclosure in entry.enclosures)):
            if url and not urlsplit(url).scheme:
                problems.append(f"{where}: relative URL {url!r:.60}")
        if entry.summary and not entry.content:
            problems.append(f"{where}: summary but no content")
    return problems


@pytest.mark.slow
@pytest.mark.parametrize("folder", corpus_groups(), ids=lambda path: path.name)
def test_corpus_folder_parses_like_feedparser(folder: Path) -> None:
    failures: list[str] = []
    files = files_under(folder)
    assert files
    for path in files:
        name = path.relative_to(FEEDS).as_posix()
        data = path.read_bytes()
        try:
            feed = parse_feed(data, url_for(path))
        except NotAFeedError as error:
            if not str(error).startswith("not a feed: "):
                failures.append(f"{name}: message without the prefix: {error}")
            if folder.name == "real":
                failures.append(f"{name}: a real publisher's feed was refused: {error}")
            continue
        except Exception as error:  # the very thing this test looks for
            failures.append(f"{name}: raised {type(error).__name__}: {error}")
            continue
        failures.extend(f"{name}: {problem}" for problem in invariant_problems(feed))
        if sniff(data) != "json":
            decoded = gunzip(data) if data.startswith(GZIP_MAGIC) else data
            expected = len(feedparser.parse(io.BytesIO(decoded)).entries)
            if len(feed.entries) != expected:
                failures.append(f"{name}: {len(feed.entries)} entries, feedparser {expected}")
    assert not failures, "\n".join(failures)


def test_groups_cover_every_corpus_file() -> None:
    grouped = {path for folder in corpus_groups() for path in files_under(folder)}
    assert grouped == set(files_under(FEEDS))
    assert len(grouped) > 3000


# All seven are genuinely not feeds (checked by hand): five HTML pages (two of them
# named .rss), an XML note and a JSON document with an unknown JSON Feed version.
NOT_A_FEED = {
    "feedbin--html.html": "this is a web page",
    "node-feedparser--notafeed.html": "this is a web page",
    "reader--sqlite_releases.html": "this is a web page",
    "rome--2.rss": "this is a web page",
    "rss-parser--unrecognized.rss": "this is a web page",
    "gofeed--unknown_feed.xml": "<note>",
    "reader--unknown.json": "unknown JSON Feed version",
}


def test_not_a_feed_folder_is_refused_with_a_reason() -> None:
    folder = FEEDS / "edge" / "not-a-feed"
    assert {path.name for path in files_under(folder)} == set(NOT_A_FEED)
    for name, reason in NOT_A_FEED.items():
        with pytest.raises(NotAFeedError, match=f"^not a feed: .*{re.escape(reason)}"):
            parse_feed((folder / name).read_bytes(), url_for(folder / name))


def test_real_json_feeds_yield_their_items() -> None:
    paths = sorted((FEEDS / "real").glob("*.json"))
    assert len(paths) >= 10
    for path in paths:
        data = path.read_bytes()
        feed = parse_feed(data, url_for(path))
        items = json.loads(data)["items"]
        assert feed.kind in ("json10", "json11"), path.name
        assert len(feed.entries) == len(items) > 0, path.name
        assert all(entry.content or entry.title for entry in feed.entries), path.name


def test_xhtml_wrapped_atom_is_read_although_it_sniffs_as_html() -> None:
    path = FEEDS / "real" / "feedjira--DuplicateContentAtomFeed.xml"
    data = path.read_bytes()
    assert sniff(data) == "html"
    feed = parse_feed(data, url_for(path))
    assert feed.kind == "atom10" and len(feed.entries) == 10


def test_compressed_bodies_are_read_raw() -> None:
    for path in files_under(FEEDS / "edge" / "compressed"):
        data = path.read_bytes()
        assert data.startswith(GZIP_MAGIC)
        assert parse_feed(data, url_for(path)).entries, path.name


def test_seed_feed() -> None:
    path = FEEDS / "real" / "seed-rfi-cn.xml"
    feed = parse_feed(path.read_bytes(), url_for(path))
    assert len(feed.entries) == 1
    entry = feed.entries[0]
    assert entry.title and entry.link.startswith("http") and entry.published is not None
    assert len(entry.content) > 1000


def _small_feeds() -> list[bytes]:
    """A few small real feeds of each format to mutate."""
    if not FEEDS.is_dir():
        return []
    names = [
        "real/seed-rfi-cn.xml",
        "edge/synthetic/reader/full.json",
        "edge/malformed/atoma--broken-xkcd.xml",
        "edge/feedparser-tests/wellformed/rss/item_guid.xml",
    ]
    feeds = [(FEEDS / name).read_bytes() for name in names if (FEEDS / name).is_file()]
    small_real = [path for path in files_under(FEEDS / "real") if path.stat().st_size < 20_000]
    feeds += [path.read_bytes() for path in random.Random(7).sample(small_real, 4)]
    return feeds


SMALL_FEEDS = _small_feeds()


@settings(max_examples=200, deadline=None, database=None)
@given(
    index=st.integers(min_value=0, max_value=max(len(SMALL_FEEDS) - 1, 0)),
    flips=st.lists(
        st.tuples(st.floats(min_value=0, max_value=1), st.integers(min_value=0, max_value=255)),
        max_size=8,
    ),
    keep=st.floats(min_value=0, max_value=1),
)
def test_mutated_corpus_feeds_only_raise_not_a_feed(
    index: int, flips: list[tuple[float, int]], keep: float
) -> None:
    if not SMALL_FEEDS:
        pytest.skip("corpus not found")
    data = bytearray(SMALL_FEEDS[index])
    for position, value in flips:
        data[min(int(position * len(data)), len(data) - 1)] = value
    mutated = bytes(data[: int(keep * len(data)) or len(data)])
    try:
        feed = parse_feed(mutated, "https://example.test/feed")
    except NotAFeedError:
        return
    assert not invariant_problems(feed)
