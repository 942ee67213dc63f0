"""The lxml fast path gives exactly what feedparser (parse_xml) gives, or declines.

The differential test runs both readers over every XML feed of the corpus: wherever the
fast path answers, the two ParsedFeeds must be equal, field for field.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsterm.models import ParsedFeed
from newsterm.parse import parse_feed, sniff
from newsterm.parse.fast_xml import _CP1252, _parse_date, parse_fast
from newsterm.parse.sniff import GZIP_MAGIC, gunzip
from newsterm.parse.xml_feed import parse_xml
from tests.paths import CORPUS

NOW = datetime(2026, 11, 26, tzinfo=UTC)
URL = "http://example.com/feeds/main.xml"
FEEDS = CORPUS / "feeds"

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
<title>Example &amp; Co</title>
<link>http://example.com/</link>
<description>&lt;b&gt;News&lt;/b&gt; from us</description>
<managingEditor>editor@example.com (Ed Itor)</managingEditor>
<atom:link href="http://example.com/feeds/main.xml" rel="self" type="application/rss+xml"/>
<item>
<title>First \xe2\x80\x93 post</title>
<link>/posts/1?a=1&amp;b=2</link>
<guid isPermaLink="false">urn:x:1</guid>
<pubDate>Fri, 31 May 2024 14:15:07 +0200</pubDate>
<dc:creator>Jun Chen</dc:creator>
<category domain="x">Tech</category>
<category>Tech</category>
<description>Short</description>
<content:encoded><![CDATA[<p>Long <a href="/a">body</a></p>]]></content:encoded>
<enclosure url="/ep1.mp3" length="123" type="audio/mpeg"/>
</item>
<item>
<guid>http://example.com/posts/2</guid>
<description>Only a description \xc2\x80 here</description>
</item>
</channel>
</rss>
"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<id>urn:feed</id>
<title type="html">A &lt;i&gt;feed&lt;/i&gt;</title>
<subtitle>Sub</subtitle>
<link rel="alternate" type="text/html" href="http://example.com/"/>
<author><name>Staff</name></author>
<entry>
<id>urn:e1</id>
<title>One</title>
<updated>2024-06-01T05:30:11Z</updated>
<published>2024-06-01T07:30:11+02:00</published>
<content type="html">&lt;p&gt;Body&lt;/p&gt;</content>
<summary>Plain summary</summary>
<link rel="enclosure" href="/a.ogg" length="5"/>
<category term="Blogs"/>
</entry>
<entry>
<id>http://example.com/e2</id>
<title>Two</title>
<author><name>Ann</name><email>ann@example.com</email></author>
<content type="text">Line one

Line two</content>
</entry>
</feed>
"""


def reference(data: bytes, content_type: str = "") -> ParsedFeed:
    return parse_xml(data, URL, content_type, "xml", NOW)


@pytest.mark.parametrize("data", [RSS, ATOM], ids=["rss", "atom"])
@pytest.mark.parametrize(
    "content_type",
    ["", "application/rss+xml; charset=utf-8", "application/xml; charset=UTF-8"],
)
def test_typical_documents_take_the_fast_path_and_match(data: bytes, content_type: str) -> None:
    fast = parse_fast(data, URL, content_type, NOW)
    assert fast is not None
    assert fast == reference(data, content_type)


def test_fast_path_fields() -> None:
    feed = parse_fast(RSS, URL, "", NOW)
    assert feed is not None
    first, second = feed.entries
    assert (feed.title, feed.description, feed.kind) == ("Example & Co", "News from us", "rss20")
    assert first.link == "http://example.com/posts/1?a=1&b=2"
    assert first.identity == "urn:x:1"
    assert first.published == datetime(2024, 5, 31, 12, 15, 7, tzinfo=UTC)
    assert first.categories == ("Tech",)
    assert first.summary == "Short"
    assert first.content == '<p>Long <a href="/a">body</a></p>'
    assert first.author == "Jun Chen"
    assert [e.url for e in first.enclosures] == ["http://example.com/ep1.mp3"]
    # A permalink guid stands in for the link; the feed's editor for the author;
    # a C1 control is the windows-1252 character the publisher meant.
    assert second.link == "http://example.com/posts/2"
    assert second.author == "Ed Itor"
    assert "€" in second.summary


@pytest.mark.parametrize(
    ("document", "why"),
    [
        (RSS.replace(b"<channel>", b'<channel xml:base="http://b/">'), "xml:base"),
        (RSS.replace(b'encoding="utf-8"', b'encoding="iso-8859-1"'), "charset"),
        (RSS.replace(b"<title>First", b"<itunes:author>x</itunes:author><title>First"), "xml"),
        (RSS.replace(b"<title>First", b"<foo>x</foo><title>First"), "unknown element"),
        (RSS.replace(b"First \xe2\x80\x93 post", b"A &amp;amp; B"), "title may be HTML"),
        (
            RSS.replace(b"</channel>", b"<item><title>a</title><title>b</title></item></channel>"),
            "repeated title",
        ),
        (RSS.replace(b'version="2.0"', b'version="0.91"'), "RSS 0.91"),
        (RSS.replace(b"</rss>", b"</rss"), "not well-formed"),
        (ATOM.replace(b'type="html">A', b'type="xhtml">A'), "xhtml"),
        (ATOM.replace(b"<name>Ann</name>", b""), "author without name"),
    ],
)
def test_unusual_documents_are_left_to_feedparser(document: bytes, why: str) -> None:
    assert parse_fast(document, URL, "", NOW) is None, why
    # ... and parse_feed still reads them (through feedparser).
    if why != "not well-formed":
        assert parse_feed(document, URL, now=NOW).entries


def test_text_xml_without_charset_is_ascii_only() -> None:
    # feedparser decodes text/xml without a charset as US-ASCII (RFC 3023).
    assert parse_fast(RSS, URL, "text/xml", NOW) is None
    ascii_only = RSS.replace(b"\xe2\x80\x93", b"-").replace(b"\xc2\x80", b"-")
    fast = parse_fast(ascii_only, URL, "text/xml", NOW)
    assert fast is not None
    assert fast == reference(ascii_only, "text/xml")


def test_cp1252_table_is_feedparsers() -> None:
    from feedparser.html import _cp1252

    assert {chr(code): value for code, value in _cp1252.items()} == {
        chr(code): value for code, value in _CP1252.items()
    }


@pytest.mark.parametrize(
    "value",
    [
        "Fri, 31 May 2024 14:15:07 GMT",
        "Fri, 31 May 2024 14:15:07 +0000",
        "31 May 2024 14:15:07 -0830",
        "Sun, 1 Dec 2024 00:00:00 UT",
        "Mon, 29 Feb 2024 23:59:59 Z",
        "Tue, 30 Feb 2024 10:00:00 GMT",
        "Wed, 01 Jan 2025 24:00:00 GMT",
        "Thu, 31 Dec 1969 23:59:59 +0100",
        "Fri, 31 May 2024 14:15:07 EST",
        "2024-06-01T05:30:11Z",
        "2024-06-01T05:30:11.987Z",
        "2024-06-01T05:30:11+05:30",
        "2024-06-01T05:30:11-00:00",
        "2024-02-30T05:30:11Z",
        "2024-06-01",
        "yesterday",
        "",
    ],
)
def test_dates_match_feedparser(value: str) -> None:
    from feedparser.datetimes import _parse_date as feedparser_date

    from newsterm.parse.common import struct_time_to_datetime

    assert _parse_date(value) == struct_time_to_datetime(feedparser_date(value))


def xml_feeds() -> list[Path]:
    if not FEEDS.is_dir():
        return []
    return [path for path in sorted(FEEDS.rglob("*")) if path.is_file()]


@pytest.mark.skipif(not FEEDS.is_dir(), reason=f"corpus not found at {FEEDS}")
def test_fast_path_equals_feedparser_on_the_corpus() -> None:
    taken = 0
    differences: list[str] = []
    for path in xml_feeds():
        data = path.read_bytes()
        if data.startswith(GZIP_MAGIC):
            data = gunzip(data)
        if sniff(data) != "xml":
            continue
        fast = parse_fast(data, URL, "", NOW)
        if fast is None:
            continue
        taken += 1
        expected = reference(data)
        if fast != expected:
            differences.append(str(path.relative_to(FEEDS)))
    assert not differences, f"fast path differs from feedparser on: {differences[:20]}"
    # Most well-formed feeds of the corpus take the fast path (about 1,000 of ~3,600).
    assert taken > 800
