"""The SQLite store: feeds, folders, upserts that keep user state, lists, search, retention."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from newsterm.models import (
    Enclosure,
    EntryQuery,
    FeedError,
    StorageError,
    StoreResult,
    View,
)
from newsterm.store import DB_FILENAME, Store
from tests.store_helpers import NOW, entry, feed_doc, numbered_feed


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.in_dir(tmp_path / "data") as opened:
        yield opened


def titles(store: Store, query: EntryQuery) -> list[str]:
    return [summary.title for summary in store.list_entries(query, limit=1000)]


# -- opening ---------------------------------------------------------------------------


def test_in_dir_creates_directory_and_file(tmp_path: Path) -> None:
    data_dir = tmp_path / "a" / "b"
    with Store.in_dir(data_dir) as store:
        assert store.list_feeds() == []
    assert (data_dir / DB_FILENAME).is_file()


def test_reopening_keeps_data(tmp_path: Path) -> None:
    with Store.in_dir(tmp_path) as store:
        feed = store.add_feed("https://example.org/feed.xml", folder="News")
        store.store_feed(feed.id, numbered_feed(3), now=NOW)
    with Store.in_dir(tmp_path) as store:
        (again,) = store.list_feeds()
        assert (again.url, again.folder, again.total) == (feed.url, "News", 3)


def test_closed_store_refuses_use_on_every_thread(tmp_path: Path) -> None:
    store = Store.in_dir(tmp_path)
    with ThreadPoolExecutor(max_workers=1) as worker:
        assert worker.submit(store.list_feeds).result() == []  # opens a worker connection
        store.close()
        with pytest.raises(StorageError, match="closed"):
            store.list_feeds()
        with pytest.raises(StorageError, match="closed"):
            worker.submit(store.list_feeds).result()


# -- feeds and folders -----------------------------------------------------------------


def test_add_feed_returns_new_feed(store: Store) -> None:
    feed = store.add_feed("https://example.org/feed.xml", title="Example")
    assert feed.id > 0
    assert feed.url == "https://example.org/feed.xml"
    assert feed.title == "Example"
    assert feed.status == "new"
    assert (feed.unread, feed.total, feed.error_count) == (0, 0, 0)
    assert feed.folder is None and feed.error is None and feed.next_check is None


def test_duplicate_url_raises_feed_error(store: Store) -> None:
    store.add_feed("https://example.org/feed.xml")
    with pytest.raises(FeedError, match="already subscribed: https://example.org/feed.xml"):
        store.add_feed("https://example.org/feed.xml", folder="Other")
    assert len(store.list_feeds()) == 1
    assert store.list_folders() == [] or all(f.total == 0 for f in store.list_folders())


def test_find_feed_by_id_text_or_url(store: Store) -> None:
    feed = store.add_feed("https://example.org/feed.xml")
    assert store.find_feed(str(feed.id)) == feed
    assert store.find_feed("https://example.org/feed.xml") == feed
    assert store.find_feed("https://nowhere.example/") is None
    assert store.find_feed("999") is None
    assert store.get_feed(999) is None


def test_list_feeds_orders_by_folder_then_title(store: Store) -> None:
    store.add_feed("https://z.example/", title="zeta", folder="Beta")
    store.add_feed("https://a.example/", title="Alpha", folder="beta2")
    store.add_feed("https://m.example/", title="mid", folder="Beta")
    store.add_feed("https://loose.example/", title="Aardvark")
    listed = [(feed.folder, feed.title) for feed in store.list_feeds()]
    assert listed == [
        ("Beta", "mid"),
        ("Beta", "zeta"),
        ("beta2", "Alpha"),
        (None, "Aardvark"),
    ]


def test_folders_counts_and_moves(store: Store) -> None:
    tech = store.add_feed("https://t1.example/", folder="Tech")
    tech2 = store.add_feed("https://t2.example/", folder="Tech")
    news = store.add_feed("https://n.example/", folder="News")
    store.store_feed(tech.id, numbered_feed(3), now=NOW)
    store.store_feed(tech2.id, numbered_feed(2), now=NOW)
    store.store_feed(news.id, numbered_feed(4), now=NOW)
    store.set_read(store.entry_ids(EntryQuery(feed_id=tech.id))[:1])

    folders = {folder.name: (folder.unread, folder.total) for folder in store.list_folders()}
    assert folders == {"News": (4, 4), "Tech": (4, 5)}
    assert store.count_entries(EntryQuery(folder="Tech")) == 5
    assert store.count_entries(EntryQuery(folder="Tech", unread_only=True)) == 4

    store.set_feed_folder(news.id, "Tech")
    store.set_feed_folder(tech.id, None)
    folders = {folder.name: (folder.unread, folder.total) for folder in store.list_folders()}
    assert folders == {"News": (0, 0), "Tech": (6, 6)}
    moved = store.get_feed(tech.id)
    assert moved is not None and moved.folder is None


def test_remove_folder_keeps_its_feeds(store: Store) -> None:
    feed = store.add_feed("https://t.example/", folder="Tech")
    store.remove_folder("Tech")
    assert store.list_folders() == []
    kept = store.get_feed(feed.id)
    assert kept is not None and kept.folder is None


def test_feed_counts_match_list_feeds(store: Store) -> None:
    one = store.add_feed("https://1.example/")
    two = store.add_feed("https://2.example/")
    empty = store.add_feed("https://3.example/")
    store.store_feed(one.id, numbered_feed(5), now=NOW)
    store.store_feed(two.id, numbered_feed(2), now=NOW)
    store.set_read(store.entry_ids(EntryQuery(feed_id=one.id))[:2])
    assert store.feed_counts() == {one.id: (3, 5), two.id: (2, 2)}
    counts = {feed.id: (feed.unread, feed.total) for feed in store.list_feeds()}
    assert counts == {one.id: (3, 5), two.id: (2, 2), empty.id: (0, 0)}
    single = store.get_feed(one.id)
    assert single is not None and (single.unread, single.total) == (3, 5)


def test_remove_feed_cascades_to_entries_and_search(store: Store) -> None:
    gone = store.add_feed("https://gone.example/")
    kept = store.add_feed("https://kept.example/")
    store.store_feed(gone.id, feed_doc(entry("x", title="pelican migration")), now=NOW)
    store.store_feed(kept.id, feed_doc(entry("y", title="pelican colony")), now=NOW)
    assert len(store.search("pelican")) == 2
    store.remove_feed(gone.id)
    assert store.get_feed(gone.id) is None
    assert [s.title for s in store.search("pelican")] == ["pelican colony"]
    assert store.stats() == {"feeds": 1, "entries": 1, "unread": 1, "starred": 0}


def test_rename_is_kept_across_refresh_until_cleared(store: Store) -> None:
    feed = store.add_feed("https://example.org/", title="provisional")
    store.store_feed(
        feed.id, feed_doc(title="Publisher title", link="https://example.org/home"), now=NOW
    )
    refreshed = store.get_feed(feed.id)
    assert refreshed is not None
    assert (refreshed.title, refreshed.site_url) == ("Publisher title", "https://example.org/home")

    store.rename_feed(feed.id, "My name")
    store.store_feed(feed.id, feed_doc(title="Publisher renamed"), now=NOW)
    renamed = store.get_feed(feed.id)
    assert renamed is not None and renamed.title == "My name"
    # An empty parsed title or link never blanks what is stored.
    store.store_feed(feed.id, feed_doc(title="", link=""), now=NOW)
    renamed = store.get_feed(feed.id)
    assert renamed is not None
    assert (renamed.title, renamed.site_url) == ("My name", "https://example.org/home")

    store.record_fetch(
        feed.id,
        checked=NOW,
        next_check=NOW,
        error=None,
        etag='"v1"',
        last_modified="Sat, 01 Jun 2024",
    )
    store.rename_feed(feed.id, "")
    # The next fetch must download the document, whose title a 304 would not bring.
    reset = store.get_feed(feed.id)
    assert reset is not None and (reset.etag, reset.last_modified) == (None, None)
    store.store_feed(feed.id, feed_doc(title="Publisher renamed"), now=NOW)
    cleared = store.get_feed(feed.id)
    assert cleared is not None and cleared.title == "Publisher renamed"


def test_display_title_falls_back_to_url(store: Store) -> None:
    feed = store.add_feed("https://untitled.example/")
    store.store_feed(feed.id, feed_doc(entry("a"), title=""), now=NOW)
    (summary,) = store.list_entries(EntryQuery())
    assert summary.feed_title == "https://untitled.example/"


# -- fetch bookkeeping -----------------------------------------------------------------


def test_record_fetch_success_and_errors(store: Store) -> None:
    feed = store.add_feed("https://example.org/feed")
    later = NOW + timedelta(hours=1)
    store.record_fetch(feed.id, checked=NOW, next_check=later, error="HTTP 500")
    store.record_fetch(feed.id, checked=NOW, next_check=later, error="timeout")
    failing = store.get_feed(feed.id)
    assert failing is not None
    assert (failing.status, failing.error, failing.error_count) == ("timeout", "timeout", 2)
    assert failing.has_error

    store.record_fetch(feed.id, checked=NOW, next_check=later, error="HTTP 410", status="gone")
    gone = store.get_feed(feed.id)
    assert gone is not None and (gone.status, gone.error_count) == ("gone", 3)

    store.record_fetch(
        feed.id, checked=NOW, next_check=later, error=None, etag='"v1"', last_modified="Sat"
    )
    ok = store.get_feed(feed.id)
    assert ok is not None
    assert (ok.status, ok.error, ok.error_count) == ("ok", None, 0)
    assert (ok.etag, ok.last_modified) == ('"v1"', "Sat")
    assert ok.last_checked == NOW and ok.next_check == later
    assert ok.last_checked.tzinfo is not None

    # A 304 without validators keeps the stored ones.
    store.record_fetch(feed.id, checked=later, next_check=later, error=None)
    kept = store.get_feed(feed.id)
    assert kept is not None and (kept.etag, kept.last_modified) == ('"v1"', "Sat")


def test_record_fetch_new_url_and_conflict(store: Store) -> None:
    feed = store.add_feed("http://old.example/feed")
    other = store.add_feed("https://taken.example/feed")
    store.record_fetch(
        feed.id, checked=NOW, next_check=NOW, error=None, new_url="https://new.example/feed"
    )
    moved = store.get_feed(feed.id)
    assert moved is not None and moved.url == "https://new.example/feed"

    store.record_fetch(
        feed.id, checked=NOW, next_check=NOW, error=None, new_url="https://taken.example/feed"
    )
    kept = store.get_feed(feed.id)
    assert kept is not None and kept.url == "https://new.example/feed"
    assert store.get_feed(other.id) == other


def test_feeds_due(store: Store) -> None:
    never = store.add_feed("https://never.example/")
    due = store.add_feed("https://due.example/")
    later = store.add_feed("https://later.example/")
    store.record_fetch(due.id, checked=NOW, next_check=NOW - timedelta(minutes=1), error=None)
    store.record_fetch(later.id, checked=NOW, next_check=NOW + timedelta(hours=1), error=None)
    assert [feed.id for feed in store.feeds_due(NOW)] == [never.id, due.id]
    assert [feed.id for feed in store.feeds_due(NOW + timedelta(hours=2))] == [
        never.id,
        due.id,
        later.id,
    ]


def test_naive_datetimes_are_taken_as_utc(store: Store) -> None:
    feed = store.add_feed("https://example.org/")
    naive = datetime(2024, 1, 2, 3, 4, 5, 678901)
    store.record_fetch(feed.id, checked=naive, next_check=naive, error=None)
    got = store.get_feed(feed.id)
    assert got is not None and got.last_checked == naive.replace(tzinfo=UTC)


# -- storing entries -------------------------------------------------------------------


def test_store_feed_counts_new_updated_unchanged(store: Store) -> None:
    feed = store.add_feed("https://example.org/")
    assert store.store_feed(feed.id, numbered_feed(3), now=NOW) == StoreResult(new=3)
    assert store.store_feed(feed.id, numbered_feed(3), now=NOW) == StoreResult(unchanged=3)
    edited = numbered_feed(4)
    edited.entries[1].content = "<p>Corrected body</p>"
    assert store.store_feed(feed.id, edited, now=NOW) == StoreResult(new=1, updated=1, unchanged=2)


def test_edited_entry_keeps_read_starred_and_first_seen(store: Store) -> None:
    feed = store.add_feed("https://example.org/")
    store.store_feed(feed.id, feed_doc(entry("a", title="Typo titel")), now=NOW)
    (entry_id,) = store.entry_ids(EntryQuery())
    store.set_read([entry_id])
    store.set_starred([entry_id])

    later = NOW + timedelta(days=1)
    result = store.store_feed(
        feed.id, feed_doc(entry("a", title="Fixed title", content="<p>new words</p>")), now=later
    )
    assert result == StoreResult(updated=1)
    stored = store.get_entry(entry_id)
    assert stored is not None
    assert (stored.title, stored.read, stored.starred) == ("Fixed title", True, True)
    assert stored.first_seen == NOW
    assert stored.content == "<p>new words</p>"
    # The search index follows the edit.
    assert [s.id for s in store.search("new words")] == [entry_id]
    assert store.search("titel") == []


def test_entries_dropping_out_of_feed_stay(store: Store) -> None:
    feed = store.add_feed("https://example.org/")
    store.store_feed(feed.id, numbered_feed(5), now=NOW)
    newer = feed_doc(entry("fresh", hours_ago=0.5), entry("e0", hours_ago=1))
    assert store.store_feed(feed.id, newer, now=NOW) == StoreResult(new=1, unchanged=1)
    assert store.count_entries(EntryQuery(feed_id=feed.id)) == 6


def test_duplicate_identities_in_one_document_keep_first(store: Store) -> None:
    feed = store.add_feed("https://example.org/")
    doc = feed_doc(entry("dup", title="first"), entry("dup", title="second"), entry("other"))
    assert store.store_feed(feed.id, doc, now=NOW) == StoreResult(new=2)
    assert "first" in titles(store, EntryQuery())
    assert "second" not in titles(store, EntryQuery())


def test_store_feed_for_removed_feed_stores_nothing(store: Store) -> None:
    feed = store.add_feed("https://example.org/")
    store.remove_feed(feed.id)
    assert store.store_feed(feed.id, numbered_feed(2), now=NOW) == StoreResult()
    assert store.stats()["entries"] == 0


def test_get_entry_round_trips_every_field(store: Store) -> None:
    feed = store.add_feed("https://example.org/", title="Podcast")
    podcast = entry(
        "ep1",
        title="Episode 1",
        author="Ann Author",
        summary="<p>short</p>",
        content="<p>long <b>notes</b></p>",
        enclosures=(
            Enclosure("https://cdn.example/ep1.mp3", "audio/mpeg", 1234),
            Enclosure("https://cdn.example/ep1.txt"),
        ),
        categories=("talk", "tech"),
    )
    podcast.updated = NOW - timedelta(minutes=5)
    store.store_feed(feed.id, feed_doc(podcast, title=""), now=NOW)
    (entry_id,) = store.entry_ids(EntryQuery())
    got = store.get_entry(entry_id)
    assert got is not None
    assert got.feed_id == feed.id and got.feed_title == "Podcast"
    assert (got.identity, got.title, got.author) == ("ep1", "Episode 1", "Ann Author")
    assert got.link == "https://example.org/ep1"
    assert got.published == podcast.published and got.updated == podcast.updated
    assert got.first_seen == NOW
    assert (got.summary, got.content, got.body) == (
        "<p>short</p>",
        "<p>long <b>notes</b></p>",
        "<p>long <b>notes</b></p>",
    )
    assert got.enclosures == podcast.enclosures
    assert got.categories == ("talk", "tech")
    assert (got.read, got.starred) == (False, False)
    assert store.get_entry(entry_id + 100) is None


def test_summary_date_falls_back_to_updated_then_first_seen(store: Store) -> None:
    feed = store.add_feed("https://example.org/")
    undated = entry("undated", hours_ago=None)
    updated_only = entry("updated", hours_ago=None)
    updated_only.updated = NOW - timedelta(days=2)
    store.store_feed(feed.id, feed_doc(undated, updated_only), now=NOW)
    dates = {s.title: s.published for s in store.list_entries(EntryQuery())}
    assert dates == {
        "Title of undated": NOW,
        "Title of updated": NOW - timedelta(days=2),
    }


def test_future_dated_entry_does_not_stay_on_top(store: Store) -> None:
    feed = store.add_feed("https://example.org/")
    store.store_feed(feed.id, feed_doc(entry("future", hours_ago=-24 * 365)), now=NOW)
    later = NOW + timedelta(hours=1)
    store.store_feed(feed.id, feed_doc(entry("next", hours_ago=-0.5)), now=later)
    # "next" was published after "future" was stored, so it lists first.
    assert titles(store, EntryQuery()) == ["Title of next", "Title of future"]


# -- lists -----------------------------------------------------------------------------


def test_list_order_newest_first_ties_by_id(store: Store) -> None:
    one = store.add_feed("https://1.example/")
    two = store.add_feed("https://2.example/")
    store.store_feed(one.id, feed_doc(entry("a", hours_ago=3), entry("b", hours_ago=1)), now=NOW)
    store.store_feed(two.id, feed_doc(entry("c", hours_ago=2), entry("d", hours_ago=1)), now=NOW)
    ids = store.entry_ids(EntryQuery())
    summaries = store.entry_summaries(ids)
    assert [s.title for s in summaries] == [
        "Title of d",
        "Title of b",
        "Title of c",
        "Title of a",
    ]
    assert [s.id for s in store.list_entries(EntryQuery(), limit=2, offset=1)] == ids[1:3]
    assert store.count_entries(EntryQuery()) == 4


def test_entry_summaries_keeps_given_order_and_skips_missing(store: Store) -> None:
    feed = store.add_feed("https://example.org/")
    store.store_feed(feed.id, numbered_feed(1200), now=NOW)
    ids = store.entry_ids(EntryQuery())
    wanted = [ids[1100], 999_999, ids[3], ids[700], ids[3]]
    got = store.entry_summaries(wanted)
    assert [s.id for s in got] == [ids[1100], ids[3], ids[700], ids[3]]
    assert store.entry_summaries([]) == []


def test_views_filter_unread_and_starred(store: Store) -> None:
    feed = store.add_feed("https://example.org/")
    store.store_feed(feed.id, numbered_feed(4), now=NOW)
    ids = store.entry_ids(EntryQuery())
    store.set_read(ids[:2])
    store.set_starred([ids[1], ids[3]])
    assert store.entry_ids(EntryQuery.for_view(View.ALL)) == ids
    assert store.entry_ids(EntryQuery.for_view(View.UNREAD)) == ids[2:]
    assert store.entry_ids(EntryQuery.for_view(View.STARRED)) == [ids[1], ids[3]]
    assert store.count_entries(EntryQuery(unread_only=True, starred_only=True)) == 1
    summaries = store.entry_summaries(ids)
    assert [(s.read, s.starred) for s in summaries] == [
        (True, False),
        (True, True),
        (False, False),
        (False, True),
    ]


def test_set_read_and_starred_return_only_changed_ids(store: Store) -> None:
    feed = store.add_feed("https://example.org/")
    store.store_feed(feed.id, numbered_feed(3), now=NOW)
    a, b, c = store.entry_ids(EntryQuery())
    assert store.set_read([a, b]) == [a, b]
    assert store.set_read([b, c, c, 12345]) == [c]
    assert store.set_read([a], read=False) == [a]
    assert store.set_read([a], read=False) == []
    assert store.set_starred(iter([c, a])) == [c, a]
    assert store.set_starred([c], starred=False) == [c]
    assert store.set_read([]) == []


def test_set_read_many_ids_in_one_call(store: Store) -> None:
    feed = store.add_feed("https://example.org/")
    store.store_feed(feed.id, numbered_feed(2500), now=NOW)
    ids = store.entry_ids(EntryQuery())
    assert store.set_read(ids) == ids
    assert store.count_entries(EntryQuery(unread_only=True)) == 0


def test_mark_all_read_scoped_by_query(store: Store) -> None:
    one = store.add_feed("https://1.example/", folder="F")
    two = store.add_feed("https://2.example/")
    store.store_feed(one.id, numbered_feed(3), now=NOW)
    store.store_feed(two.id, numbered_feed(2), now=NOW)
    first = store.entry_ids(EntryQuery(feed_id=one.id))
    store.set_read(first[:1])
    changed = store.mark_all_read(EntryQuery(folder="F"))
    assert changed == first[1:]
    assert store.count_entries(EntryQuery(unread_only=True)) == 2
    assert store.mark_all_read(EntryQuery(feed_id=one.id)) == []
    # Undo puts exactly those back.
    assert store.set_read(changed, read=False) == changed


def test_next_unread_walks_list_order_without_wrapping(store: Store) -> None:
    feed = store.add_feed("https://example.org/")
    store.store_feed(feed.id, numbered_feed(5), now=NOW)
    ids = store.entry_ids(EntryQuery())
    store.set_read([ids[0], ids[2]])
    query = EntryQuery()
    assert store.next_unread(query, None) == ids[1]
    assert store.next_unread(query, ids[0]) == ids[1]
    assert store.next_unread(query, ids[1]) == ids[3]
    assert store.next_unread(query, ids[3]) == ids[4]
    assert store.next_unread(query, ids[4]) is None
    assert store.next_unread(EntryQuery(unread_only=True), ids[1]) == ids[3]
    assert store.next_unread(EntryQuery(feed_id=feed.id + 1), None) is None


def test_next_unread_with_equal_dates_uses_id_order(store: Store) -> None:
    feed = store.add_feed("https://example.org/")
    same = [entry(f"s{i}", hours_ago=2) for i in range(4)]
    store.store_feed(feed.id, feed_doc(*same), now=NOW)
    ids = store.entry_ids(EntryQuery())
    assert ids == sorted(ids, reverse=True)
    walked: list[int] = []
    current: int | None = None
    while (current := store.next_unread(EntryQuery(), current)) is not None:
        walked.append(current)
    assert walked == ids


# -- full-text search ------------------------------------------------------------------


@pytest.fixture
def searchable(store: Store) -> Store:
    feed = store.add_feed("https://example.org/")
    store.store_feed(
        feed.id,
        feed_doc(
            entry(
                "py",
                title="Python 3.13 released",
                content="<p>Faster <b>interpreter</b></p>",
                hours_ago=3,
            ),
            entry(
                "rs",
                title="Rust news",
                author="Ferris Crab",
                content="<div>borrow checker</div>",
                hours_ago=2,
            ),
            entry(
                "js",
                title="Scripts",
                content="<p>visible</p><script>hiddenword()</script><style>.styleword{}</style>",
                hours_ago=1,
            ),
            entry(
                "html",
                title="Entities",
                content="<p>caf&eacute; &amp; cr&egrave;me</p><p>next</p>",
                hours_ago=4,
            ),
            entry(
                "near", title="NEAR AND OR NOT", content="<p>operators as words</p>", hours_ago=5
            ),
        ),
        now=NOW,
    )
    return store


def test_search_title_author_and_stripped_body(searchable: Store) -> None:
    assert [s.title for s in searchable.search("python")] == ["Python 3.13 released"]
    assert [s.title for s in searchable.search("ferris")] == ["Rust news"]
    assert [s.title for s in searchable.search("interpreter")] == ["Python 3.13 released"]
    assert [s.title for s in searchable.search("borrow checker")] == ["Rust news"]
    # Tags, scripts and styles are not words of the text.
    assert searchable.search("div") == []
    assert searchable.search("hiddenword") == []
    assert searchable.search("styleword") == []
    # Entities are decoded, diacritics folded, and block elements do not glue words.
    assert [s.title for s in searchable.search("cafe creme")] == ["Entities"]
    assert [s.title for s in searchable.search("next")] == ["Entities"]


def test_search_is_prefix_and_newest_first(searchable: Store) -> None:
    assert [s.title for s in searchable.search("pyth")] == ["Python 3.13 released"]
    assert [s.title for s in searchable.search("PYTHON interp")] == ["Python 3.13 released"]


def test_search_results_newest_first_with_limit(store: Store) -> None:
    feed = store.add_feed("https://example.org/")
    store.store_feed(feed.id, numbered_feed(30), now=NOW)
    ids = store.entry_ids(EntryQuery())
    assert [s.id for s in store.search("body")] == ids
    assert [s.id for s in store.search("body", limit=2)] == ids[:2]


@pytest.mark.parametrize(
    "hostile",
    [
        '"',
        '""',
        "AND (",
        "*",
        "NEAR(",
        "NEAR(a b",
        "a OR",
        "(",
        ")",
        "-",
        "^",
        ":",
        "title:",
        "col:x",
        "'",
        "\\",
        "\x00",
        'a"b',
        "NOT",
        "{title}: x",
        "a + b",
        "ü",
        "  ",
        "",
    ],
)
def test_hostile_search_text_never_errors(searchable: Store, hostile: str) -> None:
    searchable.search(hostile)
    searchable.count_entries(EntryQuery(search=hostile))
    searchable.entry_ids(EntryQuery(search=hostile, unread_only=True))


def test_operator_words_are_searched_as_words(searchable: Store) -> None:
    assert [s.title for s in searchable.search("NEAR AND")] == ["NEAR AND OR NOT"]
    assert [s.title for s in searchable.search('"operators')] == ["NEAR AND OR NOT"]
    assert searchable.search("*") == []


def test_entry_query_search_combines_with_other_filters(searchable: Store) -> None:
    ids = searchable.entry_ids(EntryQuery(search="rust"))
    assert len(ids) == 1
    assert searchable.count_entries(EntryQuery(search="rust", unread_only=True)) == 1
    searchable.set_read(ids)
    assert searchable.count_entries(EntryQuery(search="rust", unread_only=True)) == 0
    assert searchable.count_entries(EntryQuery(search="   ")) == 5  # blank: no filter
    assert searchable.count_entries(EntryQuery(search="!!")) == 0  # nothing searchable
    assert [s.id for s in searchable.list_entries(EntryQuery(search="rust"))] == ids


# -- retention -------------------------------------------------------------------------


def test_retention_by_age_keeps_unread_and_starred(store: Store) -> None:
    feed = store.add_feed("https://example.org/")
    now = datetime.now(UTC)
    old = [entry(name) for name in ("old-read", "old-unread", "old-starred")]
    for item in old:
        item.published = now - timedelta(days=200)
    store.store_feed(feed.id, feed_doc(*old), now=now - timedelta(days=100))
    recent = entry("new-read")
    recent.published = now - timedelta(hours=1)
    store.store_feed(feed.id, feed_doc(recent), now=now)
    by_title = {s.title: s.id for s in store.list_entries(EntryQuery())}
    store.set_read(
        [by_title[f"Title of {name}"] for name in ("old-read", "old-starred", "new-read")]
    )
    store.set_starred([by_title["Title of old-starred"]])

    assert store.apply_retention(max_age_days=30, max_per_feed=None) == 1
    assert sorted(titles(store, EntryQuery())) == [
        "Title of new-read",
        "Title of old-starred",
        "Title of old-unread",
    ]
    assert store.apply_retention(max_age_days=None, max_per_feed=None) == 0
    assert store.apply_retention(max_age_days=0, max_per_feed=0) == 0


def test_retention_ignores_old_dates_of_recently_seen_entries(store: Store) -> None:
    feed = store.add_feed("https://example.org/")
    store.store_feed(
        feed.id, feed_doc(entry("ancient", hours_ago=24 * 3650)), now=datetime.now(UTC)
    )
    store.set_read(store.entry_ids(EntryQuery()))
    # Deleting it now would bring it back as unread on the next refresh.
    assert store.apply_retention(max_age_days=30, max_per_feed=None) == 0


def test_retention_per_feed_counts_only_read_unstarred(store: Store) -> None:
    one = store.add_feed("https://1.example/")
    two = store.add_feed("https://2.example/")
    store.store_feed(one.id, numbered_feed(10), now=NOW)
    store.store_feed(two.id, numbered_feed(3), now=NOW)
    ids = store.entry_ids(EntryQuery(feed_id=one.id))
    store.set_read(ids[:8])  # ids[8:] stay unread
    store.set_starred([ids[7]])
    store.set_read(store.entry_ids(EntryQuery(feed_id=two.id)))

    deleted = store.apply_retention(max_age_days=None, max_per_feed=3)
    # Feed one: 7 read unstarred (ids[0..6]); the newest 3 stay, 4 go. Feed two: 3 stay.
    assert deleted == 4
    assert store.entry_ids(EntryQuery(feed_id=one.id)) == ids[:3] + ids[7:]
    assert store.count_entries(EntryQuery(feed_id=two.id)) == 3
    assert store.search("Body") and all(
        s.id not in ids[3:7] for s in store.search("body", limit=100)
    )


def test_retained_away_entries_do_not_come_back_unread(store: Store) -> None:
    feed = store.add_feed("https://example.org/")
    document = numbered_feed(6)
    store.store_feed(feed.id, document, now=NOW)
    store.set_read(store.entry_ids(EntryQuery(feed_id=feed.id)))
    assert store.apply_retention(max_age_days=None, max_per_feed=2) == 4

    # The publisher still lists all six: the four deleted ones must not return as unread.
    result = store.store_feed(feed.id, document, now=NOW + timedelta(hours=1))
    assert result.new == 0
    assert store.count_entries(EntryQuery(feed_id=feed.id)) == 2
    assert store.count_entries(EntryQuery(feed_id=feed.id, unread_only=True)) == 0
    # A genuinely new entry still arrives.
    fresh = numbered_feed(1, prefix="fresh")
    assert store.store_feed(feed.id, fresh, now=NOW + timedelta(hours=2)).new == 1


# -- change notification ---------------------------------------------------------------


def test_data_version_changes_on_own_and_other_commits(tmp_path: Path) -> None:
    with Store.in_dir(tmp_path) as mine, Store.in_dir(tmp_path) as other:
        start = mine.data_version()
        assert mine.data_version() == start  # reading changes nothing
        feed = mine.add_feed("https://example.org/")
        after_own = mine.data_version()
        assert after_own != start
        other.store_feed(feed.id, numbered_feed(2), now=NOW)
        after_other = mine.data_version()
        assert after_other != after_own
        # A refresh that changed nothing does not count as a change.
        mine.store_feed(feed.id, numbered_feed(2), now=NOW)
        assert mine.data_version() == after_other


def test_stats_and_optimize(store: Store) -> None:
    feed = store.add_feed("https://example.org/")
    store.store_feed(feed.id, numbered_feed(4), now=NOW)
    ids = store.entry_ids(EntryQuery())
    store.set_read(ids[:1])
    store.set_starred(ids[:2])
    store.optimize()
    assert store.stats() == {"feeds": 1, "entries": 4, "unread": 3, "starred": 2}
