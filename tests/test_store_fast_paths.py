"""The store's fast paths give what the slow ones give: search text, prepared entries."""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from pathlib import Path

import lxml.etree
import pytest

from newsterm.models import EntryQuery, FeedError, ParsedEntry, StorageError
from newsterm.store import Store, text
from newsterm.store.rows import PreparedEntry, prepare_entries
from tests.paths import CORPUS
from tests.store_helpers import NOW, feed_doc, numbered_feed
from tests.store_helpers import entry as stored_entry

HTML = CORPUS / "html"


def parsed_text(markup: str) -> str:
    """html_to_text's parser path, forced."""
    root = lxml.etree.fromstring(markup.replace("\x00", " "), text._html_parser())
    if root is None:
        return ""
    lxml.etree.strip_elements(root, *text._DROPPED, with_tail=False)
    return " ".join(" ".join(root.itertext()).split())[: text.MAX_INDEXED_CHARS]


@pytest.mark.skipif(not HTML.is_dir(), reason=f"corpus not found at {HTML}")
def test_regex_path_gives_the_parsers_words_on_the_corpus() -> None:
    taken = 0
    differ: list[str] = []
    for path in sorted(HTML.rglob("*.html")):
        markup = path.read_text(encoding="utf-8", errors="replace")
        if text._NEEDS_PARSER.search(markup):
            continue
        taken += 1
        if text.html_to_text(markup) != parsed_text(markup):
            differ.append(path.name)
    assert not differ
    assert taken > 200


@pytest.mark.skipif(not HTML.is_dir(), reason=f"corpus not found at {HTML}")
def test_search_text_has_the_words_of_html_to_text() -> None:
    for path in sorted(HTML.rglob("*.html")):
        markup = path.read_text(encoding="utf-8", errors="replace")
        words = text.html_to_text(markup)
        if len(words) > text.MAX_INDEXED_CHARS // 2:
            continue  # both are cut at the limit, at different words
        assert text.search_text(markup).split() == words.split(), path.name


@pytest.mark.parametrize(
    "markup",
    [
        '<a title="x > y">link</a> after',
        '<div "="">\n<p>unbalanced quote</p></div>',
        "a < b and c > d",
        "<p>caf&eacute;</p><p>&lt;tag&gt;</p>",
        "<IMG SRC='x.png'>caps<BR/>",
    ],
)
def test_regex_path_edge_cases(markup: str) -> None:
    assert text.html_to_text(markup) == parsed_text(markup)
    assert text.search_text(markup).split() == parsed_text(markup).split()


def entry(identity: str, body: str = "<p>Hello <b>there</b></p>") -> ParsedEntry:
    return ParsedEntry(identity=identity, title="T", content=body)


def test_prepare_entries_keeps_the_first_of_each_identity() -> None:
    items = prepare_entries([entry("a", "<p>one</p>"), entry("b"), entry("a", "<p>two</p>")])
    assert [(i.entry.identity, i.entry.content) for i in items] == [
        ("a", "<p>one</p>"),
        ("b", "<p>Hello <b>there</b></p>"),
    ]


def test_prepared_text_is_the_search_text_and_pickles() -> None:
    eager = PreparedEntry(entry("a"), with_text=True)
    lazy = PreparedEntry(entry("a"))
    assert eager.text is not None and eager.text.split() == ["Hello", "there"]
    assert lazy.text is None
    assert eager.fts_row(7) == lazy.fts_row(7) == (7, "T", "", eager.text)
    copy = pickle.loads(pickle.dumps(eager))
    assert (copy.content_hash, copy.text, copy.entry) == (
        eager.content_hash,
        eager.text,
        eager.entry,
    )


# -- batches ------------------------------------------------------------------------------


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.in_dir(tmp_path) as opened:
        yield opened


def test_a_batch_commits_all_its_writes_once(store: Store, tmp_path: Path) -> None:
    feeds = [store.add_feed(f"https://example.org/{n}.xml") for n in range(3)]
    other = Store(store.path)
    try:
        with store.batch():
            for n, feed in enumerate(feeds):
                store.store_feed(feed.id, numbered_feed(2, prefix=f"f{n}-"), now=NOW)
            # Not committed yet: another connection sees nothing.
            assert other.stats()["entries"] == 0
        assert other.stats()["entries"] == 6
    finally:
        other.close()


def test_a_failing_write_fails_the_whole_batch(store: Store) -> None:
    first, second = (store.add_feed(f"https://example.org/{n}.xml") for n in range(2))
    with pytest.raises(StorageError, match="batch rolled back"), store.batch():
        store.store_feed(first.id, numbered_feed(2), now=NOW)
        with pytest.raises(FeedError):
            store.add_feed("https://example.org/0.xml")  # already subscribed
        store.store_feed(second.id, numbered_feed(3), now=NOW)
    assert store.stats()["entries"] == 0
    # Redone one by one, the good writes succeed.
    store.store_feed(first.id, numbered_feed(2), now=NOW)
    store.store_feed(second.id, numbered_feed(3), now=NOW)
    assert store.stats()["entries"] == 5


def test_a_failing_batch_rolls_everything_back(store: Store) -> None:
    feed = store.add_feed("https://example.org/a.xml")
    with pytest.raises(RuntimeError), store.batch():
        store.store_feed(feed.id, numbered_feed(2), now=NOW)
        raise RuntimeError("crash")
    assert store.stats()["entries"] == 0
    # The store is usable afterwards, in and out of batches.
    store.store_feed(feed.id, numbered_feed(1), now=NOW)
    with store.batch(), store.batch():
        store.store_feed(feed.id, numbered_feed(2), now=NOW)
    assert store.stats()["entries"] == 2


def test_prepared_entries_store_what_parsed_ones_do(tmp_path: Path) -> None:
    doc = feed_doc(
        stored_entry("a", content="<p>alpha <b>beta</b></p>"),
        stored_entry("b"),
        stored_entry("a", content="x"),
    )
    results = []
    eager = prepare_entries(doc.entries, with_text=True)
    for name, prepared in (("plain", None), ("prepared", eager)):
        with Store.in_dir(tmp_path / name) as target:
            feed = target.add_feed("https://example.org/a.xml")
            stored = target.store_feed(feed.id, doc, now=NOW, prepared=prepared)
            query = EntryQuery(feed_id=feed.id)
            rows = [target.get_entry(i) for i in target.entry_ids(query)]
            found = [s.id for s in target.search("beta")]
            results.append((stored, [(r.identity, r.content) for r in rows if r], len(found)))
    assert results[0] == results[1]
    assert results[0][2] == 1


@pytest.mark.parametrize(
    ("query", "index"),
    [
        (EntryQuery(search="word"), "entries_date"),
        (EntryQuery(search="word", unread_only=True), "entries_unread_date"),
        (EntryQuery(search="word", feed_id=1), "entries_feed_date"),
    ],
    ids=["all", "unread", "feed"],
)
def test_search_lists_walk_the_date_index_without_sorting(
    store: Store, query: EntryQuery, index: str
) -> None:
    from newsterm.store import queries

    steps = store.query_plan(*queries.entry_ids_sql(query))
    assert any(f"INDEX {index}" in step for step in steps), steps
    assert any("entries_fts VIRTUAL TABLE" in step for step in steps), steps
    assert not any("TEMP B-TREE" in step for step in steps), steps


def test_a_feed_with_more_entries_than_one_insert_statement_holds(tmp_path: Path) -> None:
    # Entries go in many rows per statement (999 parameters at most): 15 columns make 66
    # rows a statement, the search text's 4 make 249. 700 entries need several of each.
    count = 700
    with Store(tmp_path / "n.db") as store:
        feed = store.add_feed("https://example.org/big.xml")
        parsed = feed_doc(
            *(
                stored_entry(f"e{i}", content=f"<p>word{i} shared</p>", hours_ago=i + 1)
                for i in range(count)
            )
        )
        assert store.store_feed(feed.id, parsed, now=NOW).new == count
        ids = store.entry_ids(EntryQuery())
        assert len(ids) == count
        summaries = store.entry_summaries(ids)
        assert [s.title for s in summaries] == [f"Title of e{i}" for i in range(count)]
        assert store.count_entries(EntryQuery(search="shared")) == count
        for i in (0, 65, 66, 248, 249, 699):
            (found,) = store.search(f'"word{i}"')
            assert found.title == f"Title of e{i}"
            assert store.get_entry(found.id).content == f"<p>word{i} shared</p>"  # type: ignore[union-attr]
        # A second refresh of the same document writes nothing.
        again = store.store_feed(feed.id, parsed, now=NOW)
        assert (again.new, again.unchanged) == (0, count)
