"""Per-feed counts are stored (schema 5): whatever happens, they equal a recount."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsterm.models import EntryQuery
from newsterm.store import DB_FILENAME, Store
from tests.helpers import run_cli
from tests.store_helpers import NOW, entry, feed_doc

RECOUNT = """
    SELECT f.id,
        (SELECT count(*) FROM entries e WHERE e.feed_id = f.id AND e.read = 0),
        (SELECT count(*) FROM entries e WHERE e.feed_id = f.id)
    FROM feeds f
"""


def recount(path: Path) -> dict[int, tuple[int, int]]:
    """(unread, total) per feed with entries, counted from the entries themselves."""
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(RECOUNT).fetchall()
    finally:
        conn.close()
    return {feed_id: (unread, total) for feed_id, unread, total in rows if total}


def kept(store: Store) -> dict[int, tuple[int, int]]:
    return {feed.id: (feed.unread, feed.total) for feed in store.list_feeds() if feed.total}


@pytest.fixture
def store_path(tmp_path: Path) -> Iterator[tuple[Store, Path]]:
    store = Store.in_dir(tmp_path)
    yield store, tmp_path / DB_FILENAME
    store.close()


OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("store"), st.integers(0, 2), st.lists(st.integers(0, 12), max_size=8)),
        st.tuples(st.just("read"), st.integers(0, 40), st.booleans()),
        st.tuples(st.just("star"), st.integers(0, 40), st.booleans()),
        st.tuples(st.just("mark_all"), st.integers(0, 2), st.booleans()),
        st.tuples(st.just("retain"), st.integers(1, 6), st.booleans()),
        st.tuples(st.just("remove"), st.integers(0, 2), st.booleans()),
    ),
    max_size=25,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(operations=OPERATIONS)
def test_counts_equal_a_recount_after_any_sequence(
    tmp_path_factory: pytest.TempPathFactory, operations: list[tuple[str, int, object]]
) -> None:
    directory = tmp_path_factory.mktemp("counts")
    store = Store.in_dir(directory)
    path = directory / DB_FILENAME
    try:
        feeds = [store.add_feed(f"https://{n}.example/feed", folder="F") for n in range(3)]
        for kind, number, extra in operations:
            feed = feeds[number % len(feeds)]
            ids = store.entry_ids(EntryQuery())
            if kind == "store":
                assert isinstance(extra, list)
                entries = [entry(f"e{n}", hours_ago=n + 1) for n in sorted(set(extra))]
                if store.get_feed(feed.id) is not None:
                    store.store_feed(feed.id, feed_doc(*entries), now=NOW)
            elif kind == "read" and ids:
                store.set_read([ids[number % len(ids)]], bool(extra))
            elif kind == "star" and ids:
                store.set_starred([ids[number % len(ids)]], bool(extra))
            elif kind == "mark_all":
                query = EntryQuery(feed_id=feed.id) if extra else EntryQuery(folder="F")
                store.mark_all_read(query)
            elif kind == "retain":
                store.apply_retention(max_age_days=None, max_per_feed=number)
            elif kind == "remove" and extra and store.get_feed(feed.id) is not None:
                store.remove_feed(feed.id)
            assert kept(store) == recount(path)
            assert store.feed_counts() == recount(path)
        folders = {folder.name: (folder.unread, folder.total) for folder in store.list_folders()}
        truth = recount(path)
        assert folders.get("F", (0, 0)) == (
            sum(unread for unread, _ in truth.values()),
            sum(total for _, total in truth.values()),
        )
    finally:
        store.close()


def test_a_version_4_database_gets_its_counts(store_path: tuple[Store, Path]) -> None:
    store, path = store_path
    feed = store.add_feed("https://a.example/feed")
    store.store_feed(
        feed.id, feed_doc(*(entry(f"e{n}", hours_ago=n + 1) for n in range(5))), now=NOW
    )
    store.set_read(store.entry_ids(EntryQuery())[:2], True)
    store.close()
    # Take the file back to version 4: no counts table.
    conn = sqlite3.connect(path)
    conn.executescript(
        "ALTER TABLE feeds DROP COLUMN unread; ALTER TABLE feeds DROP COLUMN total;"
        " PRAGMA user_version = 4;"
    )
    conn.close()
    with Store(path) as upgraded:
        (listed,) = upgraded.list_feeds()
        assert (listed.unread, listed.total) == (3, 5)
        upgraded.set_read(upgraded.entry_ids(EntryQuery())[2:3], True)
        assert upgraded.feed_counts() == recount(path) == {feed.id: (2, 5)}


def test_the_cli_says_once_that_it_upgrades_an_old_database(tmp_path: Path) -> None:
    with Store.in_dir(tmp_path) as store:
        feed = store.add_feed("https://a.example/feed", title="A")
        store.store_feed(feed.id, feed_doc(entry("e1"), entry("e2", hours_ago=2)), now=NOW)
    conn = sqlite3.connect(tmp_path / DB_FILENAME)
    conn.executescript(
        "ALTER TABLE feeds DROP COLUMN unread; ALTER TABLE feeds DROP COLUMN total;"
        " PRAGMA user_version = 4;"
    )
    conn.close()
    first = run_cli("list", data_dir=tmp_path)
    assert first.code == 0, first
    assert "upgrading the database" in first.err and "schema 4 to" in first.err
    assert "https://a.example/feed" in first.out and "\t2\t2\t" in first.out
    again = run_cli("list", data_dir=tmp_path)
    assert again.code == 0 and again.err == ""
