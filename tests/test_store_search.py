"""Full-text search: what matches (prefixes, short words, phrases, non-ASCII, hostile text),
the two ways a search list is planned giving identical results, and the migrations that
rebuilt the index with other prefix indexes (versions 4 and 6)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from newsterm.models import EntryQuery, ParsedFeed
from newsterm.store import DB_FILENAME, SCHEMA_VERSION, Store, queries
from newsterm.store.schema import MIGRATIONS
from newsterm.store.text import fts_query
from tests.store_helpers import NOW, entry, feed_doc


@pytest.fixture(scope="module")
def corpus_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = Store.in_dir(tmp_path_factory.mktemp("search"))
    feed = store.add_feed("https://example.org/")
    store.store_feed(
        feed.id,
        feed_doc(
            entry("bc", title="Rust news", content="<p>the borrow checker rejects</p>"),
            entry("cb", title="Checkers", content="<p>a checker to borrow</p>", hours_ago=2),
            entry("cafe", title="Café crème", content="<p>naïve résumé</p>", hours_ago=3),
            entry("zh", title="新闻报道", content="<p>问题很多 これは日本語</p>", hours_ago=4),
            entry("ar", title="عنوان", content="<p>مرحبا بالعالم</p>", hours_ago=5),
            entry("c", title="The C language", content="<p>c compilers, cobol</p>", hours_ago=6),
            entry("ops", title="NEAR AND OR NOT", content="<p>(a) * b - c: d</p>", hours_ago=7),
            entry("ai", title="AI", content="<p>air aim aid</p>", hours_ago=8),
            entry("go", title="Going", content="<p>google goes good</p>", hours_ago=9),
            entry("th", title="ไทย", content="<p>ภาษาไทย</p>", hours_ago=10),
        ),
        now=NOW,
    )
    yield store
    store.close()


def titles(store: Store, text: str) -> list[str]:
    return [summary.title for summary in store.search(text)]


def store_ids(store: Store, text: str) -> list[int]:
    return store.entry_ids(EntryQuery(search=text))


def test_words_are_prefixes(corpus_store: Store) -> None:
    assert titles(corpus_store, "borr") == ["Rust news", "Checkers"]
    assert titles(corpus_store, "check") == ["Rust news", "Checkers"]
    assert titles(corpus_store, "com") == ["The C language"]  # 3 letters: prefix index
    assert titles(corpus_store, "aim") == ["AI"]
    assert titles(corpus_store, "goo") == ["Going"]


def test_a_word_of_two_letters_is_the_word_itself(corpus_store: Store) -> None:
    # "ai" finds the entry titled "AI", not every "air", "aim" and "aid"; "go" no "google".
    assert fts_query("AI") == '"AI"'
    assert titles(corpus_store, "ai") == ["AI"]
    assert store_ids(corpus_store, "ai") == store_ids(corpus_store, "AI")
    assert titles(corpus_store, "go") == []
    assert titles(corpus_store, "co") == []  # "compilers" and "cobol" are not "co"
    assert titles(corpus_store, "aid") == ["AI"]  # 3 letters: a prefix again
    # Scripts written without spaces are one token per run: a short start stays a prefix.
    assert titles(corpus_store, "ภา") == ["ไทย"]
    assert titles(corpus_store, "问题") == ["新闻报道"]


def test_a_single_ascii_character_is_the_word_itself(corpus_store: Store) -> None:
    # "c"* would match every word starting with c (compilers, cobol, checker...).
    assert titles(corpus_store, "c") == ["The C language", "NEAR AND OR NOT"]
    assert fts_query("c") == '"c"'


def test_quoted_text_is_an_exact_phrase(corpus_store: Store) -> None:
    assert titles(corpus_store, "borrow checker") == ["Rust news", "Checkers"]  # AND
    assert titles(corpus_store, '"borrow checker"') == ["Rust news"]  # adjacent, in order
    assert titles(corpus_store, '"checker to borrow"') == ["Checkers"]
    assert titles(corpus_store, '"borrow check"') == []  # a phrase is exact, no prefix
    assert titles(corpus_store, '"borrow checker" rejects') == ["Rust news"]
    assert titles(corpus_store, '"borrow checker') == ["Rust news", "Checkers"]  # no pair


def test_non_ascii_terms(corpus_store: Store) -> None:
    assert titles(corpus_store, "cafe creme") == ["Café crème"]  # diacritics removed
    assert titles(corpus_store, "NAÏVE résumé") == ["Café crème"]
    # unicode61 keeps a run of CJK characters as one token: its start matches as a prefix.
    assert titles(corpus_store, "新闻") == ["新闻报道"]
    assert titles(corpus_store, "问题") == ["新闻报道"]
    assert titles(corpus_store, "これは") == ["新闻报道"]
    assert titles(corpus_store, "مرحبا") == ["عنوان"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("NEAR AND", ["NEAR AND OR NOT"]),
        ("NOT", ["NEAR AND OR NOT"]),
        ('"NEAR AND"', ["NEAR AND OR NOT"]),
        ("NEAR(borrow checker)", []),  # "NEAR(borrow" is a word, not an operator
        ("(a)", ["Checkers", "NEAR AND OR NOT"]),  # the word "a", not a prefix
        ("* b", ["NEAR AND OR NOT"]),
        ("d:", ["NEAR AND OR NOT"]),
        ("title:rust", []),  # no column filters: "title rust" is one phrase here
        ('"""', []),
        ('"*"', []),
        ("\x00borrow\x00", ["Rust news", "Checkers"]),
    ],
)
def test_hostile_text_is_searched_as_words(
    corpus_store: Store, text: str, expected: list[str]
) -> None:
    assert titles(corpus_store, text) == expected
    assert corpus_store.count_entries(EntryQuery(search=text)) == len(expected)


# -- the two plans of a search list ----------------------------------------------------


@pytest.fixture(scope="module")
def big_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """1,200 entries over 4 feeds: "common" in all, "rare" in 1 in 100; dates collide
    in pairs so that the id breaks ties; a third read, some starred."""
    store = Store.in_dir(tmp_path_factory.mktemp("plans"))
    for number in range(4):
        feed = store.add_feed(f"https://{number}.example/", folder=f"folder{number % 2}")
        store.store_feed(
            feed.id,
            feed_doc(
                *(
                    entry(
                        f"{number}-{index}",
                        content=f"<p>common words {'rare' if index % 100 == 7 else 'other'}</p>",
                        hours_ago=(index * 7 + number) // 2 % 500 + 1,
                    )
                    for index in range(300)
                )
            ),
            now=NOW,
        )
    ids = store.entry_ids(EntryQuery())
    store.set_read(ids[::3])
    store.set_starred(ids[::17])
    yield store
    store.close()


def reference_ids(store: Store, query: EntryQuery, match: str | None) -> list[int]:
    """The expected list, computed without the planner: matches (or every entry, when
    `match` is None) filtered and sorted in Python."""
    conn = sqlite3.connect(store.path)
    try:
        matching = {
            row[0]
            for row in conn.execute(
                "SELECT rowid FROM entries_fts WHERE entries_fts MATCH ?"
                if match
                else "SELECT rowid FROM entries_fts",
                (match,) if match else (),
            )
        }
        rows = conn.execute(
            "SELECT e.id, e.sort_date, e.feed_id, e.read, e.starred, d.name FROM entries e"
            " JOIN feeds f ON f.id = e.feed_id LEFT JOIN folders d ON d.id = f.folder_id"
        ).fetchall()
    finally:
        conn.close()
    kept = [
        row
        for row in rows
        if row[0] in matching
        and (query.feed_id is None or row[2] == query.feed_id)
        and (query.folder is None or row[5] == query.folder)
        and not (query.unread_only and row[3])
        and not (query.starred_only and not row[4])
    ]
    return [row[0] for row in sorted(kept, key=lambda row: (row[1], row[0]), reverse=True)]


FILTERS = [
    {},
    {"unread_only": True},
    {"starred_only": True},
    {"feed_id": 2},
    {"folder": "folder1"},
    {"feed_id": 3, "unread_only": True},
]


@pytest.mark.parametrize("text", ["common", "rare", "common rare", "words other", "nothing"])
@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: ",".join(f) or "none")
def test_both_plans_list_the_same_entries_in_the_same_order(
    big_store: Store, text: str, filters: dict[str, object]
) -> None:
    query = EntryQuery(search=text, **filters)  # type: ignore[arg-type]
    match = fts_query(text)
    assert match is not None
    expected = reference_ids(big_store, query, match)
    conn = sqlite3.connect(big_store.path)
    try:
        for few in (False, True):
            got = [row[0] for row in conn.execute(*queries.entry_ids_sql(query, few_matches=few))]
            assert got == expected, few
            count = conn.execute(*queries.count_sql(query, few_matches=few)).fetchone()[0]
            assert count == len(expected)
    finally:
        conn.close()
    # ...and whichever the store picks.
    assert big_store.entry_ids(query) == expected
    assert big_store.count_entries(query) == len(expected)
    assert [s.id for s in big_store.list_entries(query, limit=7, offset=3)] == expected[3:10]


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: ",".join(f) or "none")
def test_every_view_lists_newest_first_with_ties_by_id(
    big_store: Store, filters: dict[str, object]
) -> None:
    # The store reads a list as one array aggregated over an ordered subquery: its order
    # must be exactly the list order a sort in Python gives.
    query = EntryQuery(**filters)  # type: ignore[arg-type]
    expected = reference_ids(big_store, query, None)
    assert len(expected) > 10
    assert big_store.entry_ids(query) == expected


def test_next_unread_follows_the_search_list(big_store: Store) -> None:
    for text in ("common", "rare"):
        query = EntryQuery(search=text)
        listed = big_store.entry_ids(query)
        unread = {s.id for s in big_store.entry_summaries(listed) if not s.read}
        walked: list[int] = []
        current = big_store.next_unread(query, None)
        while current is not None:
            walked.append(current)
            current = big_store.next_unread(query, current)
        assert walked == [entry_id for entry_id in listed if entry_id in unread]


def test_the_store_sorts_few_matches_and_walks_the_date_index_for_many(big_store: Store) -> None:
    rare = queries.entry_ids_sql(EntryQuery(search="rare"), few_matches=True)
    assert any("INTEGER PRIMARY KEY" in step for step in big_store.query_plan(*rare))
    common = queries.entry_ids_sql(EntryQuery(search="common"), few_matches=False)
    steps = big_store.query_plan(*common)
    assert any("COVERING INDEX entries_date" in step for step in steps), steps
    assert not any("TEMP B-TREE" in step for step in steps), steps
    assert queries.few_matches_cap(100_000, one_page=False) == 10_000
    assert queries.few_matches_cap(1_200, one_page=False) == queries.FEW_MATCHES_FOR_A_PAGE
    assert queries.few_matches_cap(100_000, one_page=True) == queries.FEW_MATCHES_FOR_A_PAGE


def test_mark_all_read_of_a_search(big_store: Store) -> None:
    query = EntryQuery(search="rare", feed_id=1)
    expected = [s.id for s in big_store.list_entries(query, limit=100) if not s.read]
    assert expected
    assert big_store.mark_all_read(query) == expected
    assert big_store.count_entries(EntryQuery(search="rare", feed_id=1, unread_only=True)) == 0


# -- migrations that rebuilt the index (versions 4 and 6) -------------------------------


def make_old_database(path: Path, version: int) -> None:
    """A database as newsterm left it at schema `version` (3 or later), with read and
    starred entries."""
    conn = sqlite3.connect(path)
    try:
        for migration in MIGRATIONS[:3]:
            conn.executescript(migration)
        conn.executescript(
            """
            INSERT INTO feeds (id, url, title, status, added)
                VALUES (1, 'https://a.example/', 'A', 'ok', 0);
            INSERT INTO entries (id, feed_id, identity, title, first_seen, sort_date,
                content, content_hash, read, starred)
            VALUES (1, 1, 'a', 'Aardvark read', 1000, 1000, '<p>aardvark theory</p>', 'h1', 1, 0),
                   (2, 1, 'b', 'Badger starred', 2000, 2000, '<p>badger thesis</p>', 'h2', 0, 1),
                   (3, 1, 'c', 'Cat both', 3000, 3000, '<p>cat</p>', 'h3', 1, 1);
            INSERT INTO entries_fts (rowid, title, author, text)
            VALUES (1, 'Aardvark read', '', 'aardvark theory'),
                   (2, 'Badger starred', '', 'badger thesis'),
                   (3, 'Cat both', '', 'cat');
            """
        )
        for migration in MIGRATIONS[3:version]:
            conn.executescript(migration)
        conn.execute(f"PRAGMA user_version = {version:d}")
        conn.commit()
    finally:
        conn.close()


@pytest.mark.parametrize("version", [3, 5])
def test_old_database_gets_the_current_index_keeping_state(tmp_path: Path, version: int) -> None:
    path = tmp_path / DB_FILENAME
    make_old_database(path, version)
    with Store(path) as store:
        summaries = store.list_entries(EntryQuery())
        assert [(s.title, s.read, s.starred) for s in summaries] == [
            ("Cat both", True, True),
            ("Badger starred", False, True),
            ("Aardvark read", True, False),
        ]
        assert [s.title for s in store.search("the")] == ["Badger starred", "Aardvark read"]
        assert store.search("th") == []  # two letters: the word itself
        assert [s.title for s in store.search("badg")] == ["Badger starred"]
        assert store.count_entries(EntryQuery(search="cat", starred_only=True)) == 1
        # The delete trigger came back with the table: deleting an entry unindexes it.
        assert store.apply_retention(max_age_days=1, max_per_feed=None) == 1
        assert store.search("aardvark") == []
    conn = sqlite3.connect(path)
    try:
        assert int(conn.execute("PRAGMA user_version").fetchone()[0]) == SCHEMA_VERSION
        (create,) = conn.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'entries_fts'"
        ).fetchone()
        assert "prefix = '3'" in create
        automerge = conn.execute("SELECT v FROM entries_fts_config WHERE k = 'automerge'")
        assert automerge.fetchone() == (8,)
        names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        assert "entries_fts_v4" not in names and "entries_fts_delete" in names
        assert conn.execute("INSERT INTO entries_fts(entries_fts) VALUES('integrity-check')")
    finally:
        conn.close()


# -- a search of every feed, filtered from the kept list of all ids -------------------------


def _common_feed(prefix: str, count: int, *, hours_from: float) -> ParsedFeed:
    return feed_doc(
        *(
            entry(
                f"{prefix}-{index}",
                content=f"<p>common words{' sometimes' if index % 20 == 3 else ''}</p>",
                hours_ago=hours_from + index,
            )
            for index in range(count)
        )
    )


@pytest.fixture
def kept_store(tmp_path: Path) -> Iterator[Store]:
    """1,200 entries, "common" in all (enough that the store lists it from the kept list),
    "sometimes" in 1 in 20."""
    store = Store.in_dir(tmp_path / "kept")
    for number in range(2):
        feed = store.add_feed(f"https://{number}.example/")
        store.store_feed(feed.id, _common_feed(f"f{number}", 600, hours_from=number + 10), now=NOW)
    yield store
    store.close()


def _listed(store: Store) -> list[int]:
    """The search list of "common", checked (with the All list) against a sort in Python."""
    query = EntryQuery(search="common")
    got = store.entry_ids(query)
    assert got == reference_ids(store, query, fts_query("common"))
    assert store.entry_ids(EntryQuery()) == reference_ids(store, EntryQuery(), None)
    return got


def test_the_kept_list_follows_every_write_of_any_connection(kept_store: Store) -> None:
    first = _listed(kept_store)
    assert len(first) == 1_200
    assert kept_store._all_ids is not None  # listed from the kept list, not by SQLite
    assert _listed(kept_store) == first  # kept: nothing was written

    # Another process (another connection) adds newer entries: they lead the list.
    with Store(kept_store.path) as other:
        feed = other.add_feed("https://other.example/")
        other.store_feed(feed.id, _common_feed("new", 5, hours_from=0), now=NOW)
    second = _listed(kept_store)
    assert len(second) == 1_205 and second[5:] == first

    # This store writes from another thread (as the app's refresh does).
    def write() -> None:
        feed = kept_store.add_feed("https://thread.example/")
        kept_store.store_feed(feed.id, _common_feed("thread", 3, hours_from=0.5), now=NOW)

    writer = threading.Thread(target=write)
    writer.start()
    writer.join()
    assert len(_listed(kept_store)) == 1_208

    # ... and from this thread: a removed feed's entries leave the list.
    kept_store.remove_feed(next(f.id for f in kept_store.list_feeds() if "thread" in f.url))
    assert _listed(kept_store) == second


def test_reading_and_starring_keep_the_list_and_a_new_date_moves_an_entry(
    kept_store: Store,
) -> None:
    first = _listed(kept_store)
    kept = kept_store._all_ids
    assert kept is not None
    kept_store.set_read(first[:100])
    kept_store.set_starred(first[100:110])
    assert _listed(kept_store) == first
    assert kept_store._all_ids is kept  # read and starred states do not change the order

    # The publisher re-dates its oldest entry: it moves to the top of the list.
    feed = next(f for f in kept_store.list_feeds() if f.url == "https://1.example/")
    oldest = _common_feed("f1", 600, hours_from=11).entries[-1]
    redated = replace(oldest, published=NOW - timedelta(minutes=5))
    kept_store.store_feed(feed.id, feed_doc(redated), now=NOW)
    moved = _listed(kept_store)
    assert moved[0] == first[-1] and moved[1:] == first[:-1]


def test_without_a_structure_record_nothing_is_kept(
    kept_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Should an SQLite's FTS5 keep its structure record elsewhere, the kept list could not
    # tell a change: then SQLite lists every time.
    monkeypatch.setattr(queries, "INDEX_STRUCTURE", "SELECT block FROM entries_fts_data WHERE 0")
    assert len(_listed(kept_store)) == 1_200
    assert kept_store._all_ids is None


def test_fewer_matches_filter_the_kept_list_only_while_it_holds(
    kept_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Scaled down: from 12 matches the kept list is filtered (while it holds), below 120 the
    # matches are few enough to sort; "sometimes" has 60.
    monkeypatch.setattr(queries, "FEW_MATCHES_FOR_A_PAGE", 10)
    calls: list[bool] = []
    filtered = Store._from_all_ids

    def spy(self: Store, conn: sqlite3.Connection, search: str | None, **kw: bool) -> object:
        found = filtered(self, conn, search, **kw)
        calls.append(found is not None)
        return found

    monkeypatch.setattr(Store, "_from_all_ids", spy)
    query = EntryQuery(search="sometimes")
    expected = reference_ids(kept_store, query, fts_query("sometimes"))
    assert len(expected) == 60
    assert kept_store.entry_ids(query) == expected
    assert calls == [False]  # nothing kept yet: SQLite sorted the matches
    assert kept_store.entry_ids(EntryQuery()) == reference_ids(kept_store, EntryQuery(), None)
    assert kept_store.entry_ids(query) == expected
    assert calls == [False, True, True]  # All kept the list; the search filtered it
