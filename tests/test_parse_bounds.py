"""Bounds on hostile XML before and inside feedparser (parse/bounds.py)."""

from __future__ import annotations

import time

from newsterm.parse import MAX_ENTRIES, parse_feed
from newsterm.parse.bounds import ADDRESS_SCAN_LENGTH, MAX_TAGS, bound_document
from newsterm.parse.common import MAX_LINE_LENGTH, clean_line

URL = "https://example.test/feed"
LAUGHS = '<!ENTITY a "aaaaaaaaaa">' + "".join(
    f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8)
)


def _rss(items: str, prolog: str = "") -> str:
    return (
        f'<?xml version="1.0"?>{prolog}<rss version="2.0"><channel><title>T</title>'
        f"{items}</channel></rss>"
    )


def test_unsafe_entities_are_removed_and_safe_ones_kept() -> None:
    prolog = (
        f'<!DOCTYPE rss [\n<!ENTITY copy "(C)"><!ENTITY nbsp "&#160;">{LAUGHS}'
        '<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;'
        '<!ENTITY ext SYSTEM "file:///etc/hostname"><!ENTITY long "' + "x" * 1000 + '">\n]>'
    )
    document = _rss("<item><guid>1</guid><title>&copy;&nbsp;&i;&ext;</title></item>", prolog)
    bounded, warning = bound_document(document.encode())
    assert warning is None
    text = bounded.decode()
    assert '<!ENTITY copy "(C)">' in text and '<!ENTITY nbsp "&#160;">' in text
    for gone in ("ENTITY i ", "ENTITY %", "SYSTEM", "ENTITY long"):
        assert gone not in text
    assert text.endswith(document[document.index("]>") :])
    # The undefined entities send it to feedparser's loose parser, which leaves them be.
    title = parse_feed(document.encode(), URL).entries[0].title
    assert "aaaaaaaaaa" not in title and len(title) < 100


def test_entity_bomb_in_utf16_is_defused_too() -> None:
    document = _rss("<item><guid>1</guid><title>&i;</title></item>", f"<!DOCTYPE rss [{LAUGHS}]>")
    data = document.replace('version="1.0"', 'version="1.0" encoding="utf-16"').encode("utf-16")
    bounded, _ = bound_document(data)
    assert bounded.startswith(b"\xff\xfe") and "ENTITY i " not in bounded.decode("utf-16")
    started = time.monotonic()
    feed = parse_feed(data, URL)
    assert len(feed.entries[0].title) < 100
    assert time.monotonic() - started < 30  # a hang guard, not a speed test


def test_documents_without_a_subset_or_too_many_entries_are_untouched() -> None:
    for document in (
        _rss("<item><guid>1</guid></item>"),
        _rss("<item/>", '<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "x">'),
        "<feed xmlns='http://www.w3.org/2005/Atom'><entry><id>1</id></entry></feed>",
    ):
        data = document.encode()
        assert bound_document(data) == (data, None)


def test_entries_past_the_limit_are_cut_and_the_document_closed() -> None:
    items = "".join(f"<item><guid>g{i}</guid><title>t{i}</title></item>" for i in range(25))
    bounded, warning = bound_document(_rss(items, "<!-- <rss> -->").encode(), max_entries=10)
    assert warning == "too many entries: kept the first 10 of 25"
    assert bounded.endswith(b"<guid>g9</guid><title>t9</title></item></channel></rss>")
    atom = (
        "<feed xmlns='http://www.w3.org/2005/Atom'><title>A</title>"
        + "<entry><id>x</id></entry>" * 12
        + "</feed>"
    )
    bounded, _ = bound_document(atom.encode(), max_entries=3)
    assert bounded.endswith(b"<entry><id>x</id></entry></feed>") and bounded.count(b"<entry>") == 3


def test_huge_feeds_keep_max_entries_with_a_warning() -> None:
    items = "".join(f"<item><guid>g{i}</guid><title>t{i}</title></item>" for i in range(12_000))
    for prolog in ("", "<!DOCTYPE rss>"):  # the fast reader, and feedparser
        feed = parse_feed(_rss(items, prolog).encode(), URL)
        assert len(feed.entries) == MAX_ENTRIES
        assert feed.entries[-1].identity == f"g{MAX_ENTRIES - 1}"
        assert feed.warning == f"too many entries: kept the first {MAX_ENTRIES:,} of 12,000"


def test_long_authors_and_many_categories_take_linear_time() -> None:
    categories = "".join(f"<category>c{i}</category>" for i in range(5_000))
    for prolog in ("", "<!DOCTYPE rss>"):  # the fast reader, and feedparser
        for author, expected in (
            ("A" * 300_000, "A" * 300_000),  # no address: the whole name is kept
            ("Ann " * 100 + "ann@example.org", "Ann " * 100 + "ann@example.org"),
            ("a@" * 150_000, None),  # an address search over the first characters only
        ):
            started = time.monotonic()
            feed = parse_feed(
                _rss(
                    f"<item><guid>1</guid><author>{author}</author>{categories}</item>", prolog
                ).encode(),
                URL,
            )
            assert time.monotonic() - started < 30  # a hang guard: unbounded takes hours
            entry = feed.entries[0]
            if expected is not None:  # the whole name, as far as a line is kept
                assert entry.author == clean_line(expected)
            else:
                assert len(entry.author) <= ADDRESS_SCAN_LENGTH
            assert len(entry.categories) == MAX_TAGS


def test_titles_authors_and_categories_are_one_bounded_line() -> None:
    long = "word " * 100_000
    feed = parse_feed(
        _rss(
            f"<item><guid>1</guid><title>{long}</title><author>{long}</author>"
            f"<category>{long}</category></item>"
        ).encode(),
        URL,
    )
    entry = feed.entries[0]
    for text in (entry.title, entry.author, *entry.categories):
        assert len(text) == MAX_LINE_LENGTH and text.endswith("word…")
