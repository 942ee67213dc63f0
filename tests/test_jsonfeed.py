"""JSON Feed 1.0 and 1.1, read by newsterm's own code (feedparser 6 cannot)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsterm.models import Enclosure, NotAFeedError, ParsedFeed
from newsterm.parse import entry_identity, parse_feed, sniff

FEED_URL = "https://example.org/feed.json"
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def parse_json(document: object) -> ParsedFeed:
    return parse_feed(json.dumps(document).encode(), FEED_URL, now=NOW)


def test_json_feed_1_1() -> None:
    feed = parse_json(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": "My Feed",
            "home_page_url": "/",
            "description": "About things",
            "authors": [{"name": "Feed Author"}],
            "items": [
                {
                    "id": "2",
                    "url": "posts/2",
                    "title": "Second",
                    "content_html": "<p>Hello <b>world</b></p>",
                    "content_text": "Hello world",
                    "summary": "Greeting",
                    "date_published": "2024-05-01T10:00:00+02:00",
                    "date_modified": "2024-05-02T08:00:00Z",
                    "authors": [{"name": "Ann"}, {"name": "Bob"}, {"url": "https://x"}],
                    "tags": ["a", " b ", "a", 3],
                    "attachments": [
                        {"url": "/a.mp3", "mime_type": "audio/mpeg", "size_in_bytes": 123},
                        {"url": "/a.mp3", "mime_type": "audio/mpeg"},
                    ],
                },
                {"id": "1", "content_text": "Only text", "external_url": "https://other.org/x"},
            ],
        }
    )
    assert (feed.title, feed.link, feed.description, feed.kind) == (
        "My Feed",
        "https://example.org/",
        "About things",
        "json11",
    )
    second, first = feed.entries
    assert second.identity == "2"
    assert second.link == "https://example.org/posts/2"
    assert second.title == "Second"
    assert second.content == "<p>Hello <b>world</b></p>"
    assert second.summary == "<p>Greeting</p>"
    assert second.published == datetime(2024, 5, 1, 8, tzinfo=UTC)
    assert second.updated == datetime(2024, 5, 2, 8, tzinfo=UTC)
    assert second.author == "Ann, Bob"
    assert second.categories == ("a", "b")
    assert second.enclosures == (
        Enclosure(url="https://example.org/a.mp3", type="audio/mpeg", length=123),
    )
    assert first.link == "https://other.org/x"
    assert first.content == "<p>Only text</p>"
    assert first.author == "Feed Author"


def test_json_feed_1_0_uses_author_object() -> None:
    feed = parse_json(
        {
            "version": "https://jsonfeed.org/version/1",
            "title": "Old",
            "author": {"name": "Feed One"},
            "items": [
                {"id": "a", "author": {"name": "Item One"}, "content_text": "x"},
                {"id": "b", "content_text": "y"},
            ],
        }
    )
    assert feed.kind == "json10"
    assert [entry.author for entry in feed.entries] == ["Item One", "Feed One"]


def test_http_version_url_and_numeric_ids() -> None:
    feed = parse_json(
        {
            "version": "http://jsonfeed.org/version/1",
            "items": [{"id": 42, "title": "int"}, {"id": 3.5}, {"id": 7.0}, {"id": True}],
        }
    )
    assert [entry.identity for entry in feed.entries][:3] == ["42", "3.5", "7"]
    # A boolean is no id: the entry falls back to a hash.
    assert feed.entries[3].identity == entry_identity("", "", "", None)


def test_content_text_is_escaped_into_paragraphs() -> None:
    feed = parse_json(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "items": [{"id": "1", "content_text": "a <script>x</script>\n\nb & c"}],
        }
    )
    assert feed.entries[0].content == "<p>a &lt;script&gt;x&lt;/script&gt;</p>\n<p>b &amp; c</p>"


def test_dates_naive_and_absurd() -> None:
    feed = parse_json(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "items": [
                {"id": "1", "date_published": "2024-01-02T03:04:05"},
                {"id": "2", "date_published": "2999-01-01T00:00:00Z"},
                {"id": "3", "date_published": "1969-12-31T23:59:59Z"},
                {"id": "4", "date_published": "yesterday"},
                {"id": "5", "date_published": "2024-01-02T03:04:05.123456789z"},
            ],
        }
    )
    assert [entry.published for entry in feed.entries] == [
        datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
        None,
        None,
        None,
        datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=UTC),
    ]


def test_control_characters_are_stripped() -> None:
    feed = parse_json(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": "Feed\x1b]0;pwned\x07",
            "items": [
                {
                    "id": "1",
                    "title": "Tab\there\nnew line \x1b[2J\u009b31m red\u0085",
                    "url": "https://example.org/\x00a",
                    "authors": [{"name": "Eve\x1b[1m"}],
                }
            ],
        }
    )
    assert feed.title == "Feed]0;pwned"
    entry = feed.entries[0]
    assert entry.title == "Tab here new line [2J31m red"
    assert entry.link == "https://example.org/a"
    assert entry.author == "Eve[1m"


WRONG_TYPES: list[Any] = [None, True, 0, -1, 1.5, float("inf"), "", "x", [], [None], {}, {"a": 1}]


def test_wrong_types_and_nulls_everywhere() -> None:
    fields = [
        *("id", "url", "external_url", "title", "content_html", "content_text", "summary"),
        *("date_published", "date_modified", "author", "authors", "tags", "attachments"),
    ]
    items: list[Any] = [None, 1, "item", []]
    for field in fields:
        for value in WRONG_TYPES:
            items.append({"id": "x", field: value})
            items.append({field: value})
    for value in WRONG_TYPES:
        items.append({"id": "att", "attachments": [value, {"url": value, "size_in_bytes": value}]})
        items.append({"id": "auth", "authors": [value, {"name": value}], "author": {"name": value}})
    for feed_value in WRONG_TYPES:
        document = {
            "version": "https://jsonfeed.org/version/1.1",
            "title": feed_value,
            "home_page_url": feed_value,
            "description": feed_value,
            "author": feed_value,
            "authors": feed_value,
            "items": items,
        }
        feed = parse_feed(json.dumps(document, allow_nan=True).encode(), FEED_URL, now=NOW)
        # Every object item becomes an entry; non-objects are skipped.
        assert len(feed.entries) == len(items) - 4
        for entry in feed.entries:
            assert isinstance(entry.title, str) and isinstance(entry.content, str)
            assert entry.identity


def test_corpus_file_with_wrong_types(corpus: Path) -> None:
    data = (corpus / "feeds" / "edge" / "malformed" / "reader--invalid.json").read_bytes()
    feed = parse_feed(data, FEED_URL, now=NOW)
    assert feed.kind == "json11"
    assert feed.title == ""
    entry = feed.entries[0]
    assert entry.identity == "2" and entry.title == "" and entry.content == ""
    assert entry.published is None
    assert [enclosure.length for enclosure in entry.enclosures] == [None, 100, None]


def test_items_missing_or_wrong_is_an_empty_feed() -> None:
    items: object
    for items in (None, {}, "x"):
        feed = parse_json({"version": "https://jsonfeed.org/version/1.1", "items": items})
        assert feed.entries == []
    assert parse_json({"version": "https://jsonfeed.org/version/1.1"}).entries == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"items": []}', "without a JSON Feed version"),
        (b'{"version": "https://jsonfeed.org/version/1234", "items": []}', "unknown JSON Feed"),
        (b'{"version": "https://jsonfeed.org/version/2", "items": []}', "unknown JSON Feed"),
        (b'{"version": 1.1, "items": []}', "without a JSON Feed version"),
        (b'{"verion": "1.0"', "invalid JSON"),
        (b"{}", "without a JSON Feed version"),
        (b"{" + b'"a":[' * 50_000, "invalid JSON|could not parse"),
        (b'{"a":' * 100_000 + b"1" + b"}" * 100_000, "could not parse \\(RecursionError\\)"),
        (b"\xef\xbb\xbf{\xff\xfe", "invalid JSON"),
    ],
)
def test_not_a_json_feed(data: bytes, message: str) -> None:
    assert sniff(data) == "json"
    with pytest.raises(NotAFeedError, match=message):
        parse_feed(data, FEED_URL)


def test_utf16_and_bom_json() -> None:
    document = {"version": "https://jsonfeed.org/version/1.1", "title": "Grüße", "items": []}
    text = json.dumps(document, ensure_ascii=False)
    for data in (text.encode("utf-16"), text.encode("utf-16-le"), b"\xef\xbb\xbf" + text.encode()):
        assert parse_feed(data, FEED_URL).title == "Grüße"


def test_raw_control_characters_in_strings_are_tolerated() -> None:
    data = b'{"version": "https://jsonfeed.org/version/1", "items": [{"id": 1, "title": "a\x01b"}]}'
    assert parse_feed(data, FEED_URL).entries[0].title == "ab"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    *("id", "url", "title", "content_html", "content_text", "summary", "authors"),
                    *("date_published", "author", "name", "tags", "attachments", "size_in_bytes"),
                    *("mime_type", "x"),
                ]
            ),
            children,
            max_size=5,
        )
    ),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None, database=None)
@given(items=json_values, feed_title=json_values)
def test_any_json_shape_only_raises_not_a_feed(items: object, feed_title: object) -> None:
    document = {"version": "https://jsonfeed.org/version/1.1", "title": feed_title, "items": items}
    data = json.dumps(document, allow_nan=True).encode()
    feed = parse_feed(data, FEED_URL)
    assert all(entry.identity for entry in feed.entries)
