"""Hot queries use their intended index, and large stores stay correct.

newsboat's start-up once took 12 s because one query was planned on the wrong index: every
list and count query the UI runs on each keystroke or refresh is checked here, both on a
fresh database and after ANALYZE statistics exist (PRAGMA optimize writes them).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from newsterm.models import EntryQuery, ParsedEntry, ParsedFeed, StoreResult
from newsterm.store import Store, queries
from tests.store_helpers import NOW, numbered_feed

FULL_SCAN = re.compile(r"^SCAN (e|entries)$")


@pytest.fixture(params=["fresh", "analyzed"], scope="module")
def populated(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Store]:
    store = Store.in_dir(tmp_path_factory.mktemp("plans"))
    for n in range(30):
        feed = store.add_feed(f"https://{n}.example/", folder=f"folder{n % 3}")
        store.store_feed(feed.id, numbered_feed(60, prefix=f"f{n}-", start_hours=n), now=NOW)
    ids = store.entry_ids(EntryQuery())
    store.set_read(ids[::2])
    store.set_starred(ids[::50])
    if request.param == "analyzed":
        store.query_plan("SELECT 1")  # open this thread's connection
        store.optimize()
        store.query_plan("ANALYZE")  # make sure statistics exist regardless of thresholds
    yield store
    store.close()


def plan(store: Store, sql: str, params: tuple[object, ...] = ()) -> list[str]:
    # EXPLAIN QUERY PLAN does not need real parameter values, only the right count.
    steps = store.query_plan(sql, params)
    assert not [step for step in steps if FULL_SCAN.match(step)], steps
    return steps


def uses(steps: list[str], index: str) -> bool:
    """Some step reads `index` alone, without visiting table rows."""
    return any(f"COVERING INDEX {index}" in step for step in steps)


def reads_no_entry_rows(steps: list[str]) -> bool:
    """No step on entries looks rows up in the table (each is a covering-index read)."""
    on_entries = [step for step in steps if re.match(r"^(SCAN|SEARCH) (e|entries)\b", step)]
    return all("COVERING INDEX" in step for step in on_entries)


def test_feed_counts_read_one_row_per_feed_not_the_entries(populated: Store) -> None:
    steps = plan(populated, queries.FEED_COUNTS)
    assert steps == ["SCAN feeds"], steps
    recount = plan(populated, queries.RECOUNT_FEED, (1,))
    assert uses(recount, "entries_feed_date") and uses(recount, "entries_unread_feed"), recount
    folder_steps = plan(populated, queries.FOLDER_COUNTS)
    assert not any(re.match(r"^(SCAN|SEARCH) (e|entries)\b", step) for step in folder_steps)


@pytest.mark.parametrize(
    ("query", "index"),
    [
        (EntryQuery(), "entries_date"),
        (EntryQuery(unread_only=True), "entries_unread_date"),
        (EntryQuery(starred_only=True), "entries_starred_date"),
        (EntryQuery(feed_id=3), "entries_feed_date"),
        (EntryQuery(feed_id=3, unread_only=True), "entries_unread_feed"),
    ],
    ids=["all", "unread", "starred", "feed", "feed-unread"],
)
def test_entry_lists_and_counts_use_their_index_without_sorting(
    populated: Store, query: EntryQuery, index: str
) -> None:
    steps = plan(populated, *queries.entry_ids_sql(query))
    assert uses(steps, index), steps
    assert not any("TEMP B-TREE" in step for step in steps), steps
    # Counting may pick any index that holds the rows; it must not read the table.
    count_steps = plan(populated, *queries.count_sql(query))
    assert reads_no_entry_rows(count_steps), count_steps


@pytest.mark.parametrize(
    ("query", "index"),
    [
        (EntryQuery(), "entries_unread_date"),
        (EntryQuery(unread_only=True), "entries_unread_date"),
        (EntryQuery(feed_id=3), "entries_unread_feed"),
    ],
    ids=["all", "unread", "feed"],
)
def test_next_unread_seeks_in_the_unread_index(
    populated: Store, query: EntryQuery, index: str
) -> None:
    for position in (None, (10**15, 5)):
        steps = plan(populated, *queries.next_unread_sql(query, position))
        assert uses(steps, index), steps
        assert not any("TEMP B-TREE" in step for step in steps), steps
    seek = plan(populated, *queries.next_unread_sql(query, (10**15, 5)))
    assert any("sort_date<?" in step for step in seek), seek


def test_folder_and_search_lists_avoid_full_scans(populated: Store) -> None:
    for query in (EntryQuery(folder="folder1"), EntryQuery(folder="folder1", unread_only=True)):
        steps = plan(populated, *queries.entry_ids_sql(query))
        assert reads_no_entry_rows(steps), steps
    steps = plan(populated, *queries.entry_ids_sql(EntryQuery(search="body")))
    assert any("entries_fts VIRTUAL TABLE" in step for step in steps), steps
    plan(populated, queries.FOLDER_COUNTS)


def test_feeds_due_uses_next_check_index(populated: Store) -> None:
    steps = populated.query_plan("SELECT id FROM feeds f WHERE f.next_check <= ?", (0,))
    assert any("INDEX feeds_next_check" in step for step in steps), steps


def test_plans_checked_here_match_what_the_store_returns(populated: Store) -> None:
    ids = populated.entry_ids(EntryQuery(unread_only=True))
    assert len(ids) == 30 * 60 // 2
    assert populated.next_unread(EntryQuery(), None) == ids[0]
    assert populated.next_unread(EntryQuery(), ids[0]) == ids[1]


# -- a big store ---------------------------------------------------------------------


@pytest.mark.slow
def test_hundred_thousand_entries(tmp_path: Path) -> None:
    feeds, per_feed = 100, 1000
    with Store.in_dir(tmp_path) as store:
        for n in range(feeds):
            feed = store.add_feed(f"https://{n}.example/feed")
            # Plain-text bodies: this measures the database, not the HTML stripper.
            doc = ParsedFeed(
                title=f"Feed {n}",
                entries=[
                    ParsedEntry(
                        identity=f"{n}/{i}",
                        title=f"Entry {i} of feed {n}",
                        link=f"https://{n}.example/{i}",
                        published=NOW - timedelta(minutes=i * 97 + n * 13),
                        content=f"word{i % 50} text of entry {i}",
                    )
                    for i in range(per_feed)
                ],
            )
            assert store.store_feed(feed.id, doc, now=NOW) == StoreResult(new=per_feed)

        ids = store.entry_ids(EntryQuery())
        assert len(ids) == len(set(ids)) == feeds * per_feed
        # Newest first, ties by id descending: compare with a sort done in Python.
        summaries = store.entry_summaries(ids)
        assert [s.id for s in summaries] == ids
        keys = [(s.published, s.id) for s in summaries]
        assert keys == sorted(keys, reverse=True)
        window = store.entry_summaries(ids[50_000:50_100])
        assert [s.id for s in window] == ids[50_000:50_100]
        assert store.count_entries(EntryQuery()) == feeds * per_feed

        # Mark the first half read; the unread list is exactly the other half, in order.
        assert len(store.set_read(ids[: len(ids) // 2])) == len(ids) // 2
        assert store.entry_ids(EntryQuery(unread_only=True)) == ids[len(ids) // 2 :]
        counts = store.feed_counts()
        assert sum(total for _, total in counts.values()) == feeds * per_feed
        assert sum(unread for unread, _ in counts.values()) == len(ids) // 2
        per_feed_ids = store.entry_ids(EntryQuery(feed_id=7))
        assert len(per_feed_ids) == per_feed
        assert per_feed_ids == [i for i in ids if i in set(per_feed_ids)]
        assert len(store.search("word7", limit=5000)) == feeds * per_feed // 50

        # Re-storing a whole feed unchanged writes nothing.
        first_doc_again = ParsedFeed(
            title="Feed 0",
            entries=[
                ParsedEntry(
                    identity=f"0/{i}",
                    title=f"Entry {i} of feed 0",
                    link=f"https://0.example/{i}",
                    published=NOW - timedelta(minutes=i * 97),
                    content=f"word{i % 50} text of entry {i}",
                )
                for i in range(per_feed)
            ],
        )
        assert store.store_feed(1, first_doc_again, now=NOW) == StoreResult(unchanged=per_feed)
