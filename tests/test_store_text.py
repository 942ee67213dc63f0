"""Search text: HTML stripped for the index, user input made safe for FTS5."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsterm.models import EntryQuery
from newsterm.store import Store
from newsterm.store.text import MAX_INDEXED_CHARS, fts_query, fts_terms, html_to_text
from tests.store_helpers import NOW, entry, feed_doc


@pytest.mark.parametrize(
    ("markup", "text"),
    [
        ("", ""),
        ("   ", ""),
        ("plain  words\n here", "plain words here"),
        ("<p>one</p><p>two</p>", "one two"),
        ("<p>a <b>bold</b> move</p>", "a bold move"),
        ("caf&eacute; &amp; more", "café & more"),
        ("<script>alert(1)</script>kept<style>p{}</style>", "kept"),
        ("<!-- hidden -->shown", "shown"),
        ("<p>unclosed <b>tags", "unclosed tags"),
        ("</p>", ""),
        ("<<<>>>", "<<<>>>"),
        ("<?xml version='1.0' encoding='utf-8'?><p>declared</p>", "declared"),
        ("nul\x00byte <i>x</i>", "nul byte x"),
    ],
)
def test_html_to_text(markup: str, text: str) -> None:
    assert html_to_text(markup) == text


def test_html_to_text_is_bounded() -> None:
    assert len(html_to_text("<p>" + "word " * 100_000 + "</p>")) == MAX_INDEXED_CHARS


@given(st.text())
def test_html_to_text_never_raises(markup: str) -> None:
    html_to_text(markup)
    html_to_text(f"<div>{markup}</div>")


def test_fts_query_quotes_every_term() -> None:
    # A quote without its pair is punctuation; a pair quotes an exact phrase.
    assert fts_query('rust "borrow') == '"rust"* "borrow"*'
    assert fts_query('"borrow checker"  rust') == '"borrow checker" "rust"*'
    assert fts_query('a"b"c"d') == '"a" "b" "c" "d"'  # one letter: the letter itself
    assert fts_query("NEAR(a b)") == '"NEAR(a"* "b)"'  # "b)": one letter, exact
    assert fts_query("AI go C#") == '"AI" "go" "C#"'  # up to two letters: the word itself
    assert fts_query("新闻 ภา") == '"新闻"* "ภา"*'  # no spaces between words: a prefix
    assert fts_query('" * ( ) -') is None
    assert fts_query("") is None
    assert fts_terms(" AND  x ") == ["AND", "x"]


@pytest.fixture(scope="module")
def searchable(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = Store.in_dir(Path(tmp_path_factory.mktemp("search")))
    feed = store.add_feed("https://example.org/")
    store.store_feed(
        feed.id,
        feed_doc(
            entry("a", title='Quoting "things" (and NEAR stuff)', content="<p>a*b c:d</p>"),
            entry("b", title="Ünïcödé façade", content="<p>naïve résumé</p>"),
        ),
        now=NOW,
    )
    yield store
    store.close()


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=200)
@given(st.text())
def test_any_user_text_is_a_valid_search(searchable: Store, text: str) -> None:
    searchable.search(text)
    searchable.count_entries(EntryQuery(search=text, unread_only=True))


def test_nul_characters_are_word_breaks(searchable: Store) -> None:
    assert len(searchable.search("faç\x00\x00 naïve")) == 1


def test_punctuation_in_terms_still_finds_words(searchable: Store) -> None:
    assert [s.title for s in searchable.search('"things"')] == ['Quoting "things" (and NEAR stuff)']
    assert len(searchable.search("(and")) == 1
    assert len(searchable.search("c:d")) == 1
    assert [s.title for s in searchable.search("facade resume")] == ["Ünïcödé façade"]


def test_lone_surrogates_are_stored_replaced(tmp_path: Path) -> None:
    with Store.in_dir(tmp_path) as store:
        feed = store.add_feed("https://example.org/")
        broken = entry("id-\ud800", title="bad \udc00 title", content="<p>x\ud83d</p>")
        broken.categories = ("cat\ud800",)
        result = store.store_feed(feed.id, feed_doc(broken, title="feed \ud800"), now=NOW)
        assert result.new == 1
        (entry_id,) = store.entry_ids(EntryQuery())
        stored = store.get_entry(entry_id)
        assert stored is not None
        assert (stored.identity, stored.title, stored.categories) == (
            "id-?",
            "bad ? title",
            ("cat?",),
        )
        # The same broken document again is recognised as unchanged.
        assert store.store_feed(feed.id, feed_doc(broken), now=NOW).unchanged == 1


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=60)
@given(
    identity=st.text(min_size=1),
    title=st.text(),
    content=st.text(),
    author=st.text(),
)
def test_any_entry_text_can_be_stored_and_read_back(
    searchable: Store, identity: str, title: str, content: str, author: str
) -> None:
    feed = searchable.add_feed(f"https://prop.example/{searchable.stats()['feeds']}")
    item = entry(identity, title=title or "t", content=content, author=author)
    assert searchable.store_feed(feed.id, feed_doc(item), now=NOW).new == 1
    (entry_id,) = searchable.entry_ids(EntryQuery(feed_id=feed.id))
    stored = searchable.get_entry(entry_id)
    assert stored is not None
    expected = (identity, title or "t", author)
    if all(not any(0xD800 <= ord(c) <= 0xDFFF for c in text) for text in expected):
        assert (stored.identity, stored.title, stored.author) == expected
    searchable.remove_feed(feed.id)
