"""Feed parsing: identity, URLs, bodies, dates, text cleaning and refusals."""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import html
import pickle
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsterm.models import Enclosure, NotAFeedError, ParsedFeed
from newsterm.parse import entry_identity, parse_feed, sniff
from newsterm.parse.sniff import gunzip

FEED_URL = "https://example.org/blog/feed.xml"
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def rss(items: str, channel_extra: str = "", namespaces: str = "") -> bytes:
    """A small RSS 2.0 document around `items`."""
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" {namespaces}>
<channel>
  <title>Example</title>
  <link>/blog/</link>
  <description>An example feed</description>
  {channel_extra}
  {items}
</channel>
</rss>""".encode()


def atom(body: str, feed_attrs: str = "") -> bytes:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" {feed_attrs}>
  <title>Atom example</title>
  <id>urn:example:feed</id>
  <updated>2024-05-01T00:00:00Z</updated>
  {body}
</feed>""".encode()


def parse(data: bytes, url: str = FEED_URL) -> ParsedFeed:
    return parse_feed(data, url, now=NOW)


# --- identity -------------------------------------------------------------------------


def test_identity_prefers_guid_then_link_then_hash() -> None:
    date = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert entry_identity("guid-1", "https://e.org/a", "T", date) == "guid-1"
    assert entry_identity("  ", "https://e.org/a", "T", date) == "https://e.org/a"
    hashed = entry_identity("", "", "Title", date)
    expected = hashlib.sha256(f"Title\n{date.isoformat()}".encode()).hexdigest()
    assert hashed == f"hash:{expected}"


def test_identity_hash_depends_on_title_and_date() -> None:
    date = datetime(2024, 1, 2, tzinfo=UTC)
    assert entry_identity("", "", "A", date) != entry_identity("", "", "B", date)
    assert entry_identity("", "", "A", date) != entry_identity("", "", "A", None)
    assert entry_identity("", "", "A", None) == entry_identity("", "", "A", None)


def test_identity_is_truncated() -> None:
    assert len(entry_identity("x" * 5000, "", "", None)) == 2048
    assert len(entry_identity("", "https://e.org/" + "y" * 5000, "", None)) == 2048


def test_entries_get_identities_from_feed_fields() -> None:
    feed = parse(
        rss(
            """<item><guid isPermaLink="false">tag:1</guid><link>https://e.org/1</link></item>
               <item><link>https://e.org/2</link><title>Two</title></item>
               <item><title>Three</title><pubDate>Tue, 02 Jan 2024 10:00:00 GMT</pubDate></item>
               <item><description>Only a body</description></item>
               <item><description>Another body</description></item>"""
        )
    )
    identities = [entry.identity for entry in feed.entries]
    assert identities[0] == "tag:1"
    assert identities[1] == "https://e.org/2"
    assert identities[2] == entry_identity("", "", "Three", datetime(2024, 1, 2, 10, tzinfo=UTC))
    # Entries with neither guid, link nor title are told apart by their bodies.
    assert identities[3].startswith("hash:") and identities[4].startswith("hash:")
    assert identities[3] != identities[4]


# --- relative URLs --------------------------------------------------------------------


def test_relative_links_resolve_against_feed_url() -> None:
    feed = parse(
        rss(
            """<item><title>A</title><link>posts/a.html</link>
               <enclosure url="/media/a.mp3" type="audio/mpeg" length="1234"/>
               <description>&lt;img src="pic.png"&gt;</description></item>"""
        )
    )
    entry = feed.entries[0]
    assert feed.link == "https://example.org/blog/"
    assert entry.link == "https://example.org/blog/posts/a.html"
    assert entry.enclosures == (
        Enclosure(url="https://example.org/media/a.mp3", type="audio/mpeg", length=1234),
    )
    # Bodies are left as published: the content pipeline resolves against the entry link.
    assert entry.content == '<img src="pic.png">'


def test_relative_links_resolve_against_xml_base() -> None:
    feed = parse(
        atom(
            """<link rel="alternate" href="home/"/>
            <entry xml:base="https://cdn.example.net/entries/">
              <id>urn:1</id><title>One</title><updated>2024-05-01T00:00:00Z</updated>
              <link rel="alternate" href="one.html"/>
              <link rel="enclosure" href="one.ogg" type="audio/ogg" length="99"/>
              <content type="html">&lt;a href="rel.html"&gt;x&lt;/a&gt;</content>
            </entry>""",
            feed_attrs='xml:base="https://base.example.com/root/"',
        )
    )
    assert feed.link == "https://base.example.com/root/home/"
    entry = feed.entries[0]
    assert entry.link == "https://cdn.example.net/entries/one.html"
    assert entry.enclosures == (
        Enclosure(url="https://cdn.example.net/entries/one.ogg", type="audio/ogg", length=99),
    )
    assert entry.content == '<a href="rel.html">x</a>'


def test_identity_does_not_depend_on_the_feed_url() -> None:
    """A bare permalink guid ("1234") stays "1234": a feed moving to https must not
    turn every entry into a new one."""
    data = rss("<item><guid>1234</guid><title>A</title></item>")
    old = parse(data, "http://example.org/feed")
    new = parse(data, "https://feeds.example.net/other/feed")
    assert old.entries[0].identity == new.entries[0].identity == "1234"
    # The guid still serves as the link, resolved against the document.
    assert new.entries[0].link == "https://feeds.example.net/other/1234"


def test_relative_xml_base_resolves_against_feed_url() -> None:
    feed = parse(
        atom(
            """<entry xml:base="posts/"><id>urn:1</id><title>T</title>
               <updated>2024-05-01T00:00:00Z</updated>
               <link rel="alternate" href="one.html"/>
               <media:content xmlns:media="http://search.yahoo.com/mrss/" url="clip.mp4"/>
               </entry>"""
        )
    )
    entry = feed.entries[0]
    assert entry.link == "https://example.org/blog/posts/one.html"
    assert entry.enclosures == (Enclosure(url="https://example.org/blog/posts/clip.mp4"),)


def test_unsafe_link_schemes_are_dropped() -> None:
    feed = parse(rss("<item><title>A</title><link>javascript:alert(1)</link></item>"))
    assert feed.entries[0].link == ""


# --- bodies ---------------------------------------------------------------------------

CONTENT_NS = 'xmlns:content="http://purl.org/rss/1.0/modules/content/"'


def test_richest_body_prefers_content_over_summary() -> None:
    feed = parse(
        rss(
            """<item><guid>1</guid><description>Short &lt;b&gt;teaser&lt;/b&gt;</description>
               <content:encoded><![CDATA[<p>The <em>whole</em> article.</p>]]></content:encoded>
               </item>""",
            namespaces=CONTENT_NS,
        )
    )
    entry = feed.entries[0]
    assert entry.summary == "Short <b>teaser</b>"
    assert entry.content == "<p>The <em>whole</em> article.</p>"


def test_summary_is_the_body_without_content() -> None:
    entry = parse(rss("<item><guid>1</guid><description>Just this</description></item>")).entries[0]
    assert entry.summary == entry.content == "Just this"


def test_html_content_beats_longer_plain_text_and_longest_html_wins() -> None:
    feed = parse(
        atom(
            """<entry><id>urn:1</id><title>T</title><updated>2024-05-01T00:00:00Z</updated>
               <content type="text">a plain text body, longer than either html one</content>
               <content type="html">&lt;p&gt;short&lt;/p&gt;</content>
               <content type="html">&lt;p&gt;longer one&lt;/p&gt;</content>
               </entry>"""
        )
    )
    assert feed.entries[0].content == "<p>longer one</p>"


def test_plain_text_content_is_escaped_into_paragraphs() -> None:
    feed = parse(
        atom(
            """<entry><id>urn:1</id><title>T</title><updated>2024-05-01T00:00:00Z</updated>
               <content type="text">if a &lt; b &amp;&amp; c

second paragraph
still second</content></entry>"""
        )
    )
    assert feed.entries[0].content == (
        "<p>if a &lt; b &amp;&amp; c</p>\n<p>second paragraph\nstill second</p>"
    )


# --- dates ----------------------------------------------------------------------------


def test_dates_are_converted_to_utc() -> None:
    feed = parse(
        rss(
            """<item><guid>1</guid><pubDate>Sat, 01 Jun 2024 10:30:00 +0200</pubDate></item>
               <item><guid>2</guid></item>"""
        )
    )
    published = feed.entries[0].published
    assert published == datetime(2024, 6, 1, 8, 30, tzinfo=UTC)
    assert published is not None and published.utcoffset() == timedelta(0)
    assert feed.entries[1].published is None


def test_atom_published_and_updated_are_kept_apart() -> None:
    feed = parse(
        atom(
            """<entry><id>urn:1</id><title>T</title>
               <published>2024-05-01T00:00:00-05:00</published>
               <updated>2024-05-02T12:00:00Z</updated></entry>"""
        )
    )
    entry = feed.entries[0]
    assert entry.published == datetime(2024, 5, 1, 5, tzinfo=UTC)
    assert entry.updated == datetime(2024, 5, 2, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("pub_date", "expected"),
    [
        ("Mon, 01 Jan 1900 00:00:00 GMT", None),
        ("Thu, 01 Jan 1969 00:00:00 GMT", None),
        ("Sun, 01 Jan 2090 00:00:00 GMT", None),
        ("Mon, 03 Jun 2024 13:00:00 GMT", None),  # 2 days and 1 hour after NOW
        ("Sun, 02 Jun 2024 12:00:00 GMT", datetime(2024, 6, 2, 12, tzinfo=UTC)),
        ("Thu, 01 Jan 1970 00:00:00 GMT", datetime(1970, 1, 1, tzinfo=UTC)),
        ("not a date at all", None),
    ],
)
def test_absurd_dates_are_dropped(pub_date: str, expected: datetime | None) -> None:
    feed = parse(rss(f"<item><guid>1</guid><pubDate>{pub_date}</pubDate></item>"))
    assert feed.entries[0].published == expected


# --- titles, authors, categories, enclosures ------------------------------------------


def test_control_characters_are_removed_from_titles_authors_and_links() -> None:
    feed = parse(
        rss(
            """<item><guid>1</guid><title>Red &#x1b;[31malert&#x7; and&#x1b;[2J
             done</title><author>mallory@example.org (Mal&#x1b;lory)</author>
             <link>https://example.org/a&#x1b;b</link></item>"""
        ).replace(b'version="1.0"', b'version="1.1"')
    )
    entry = feed.entries[0]
    assert entry.title == "Red [31malert and[2J done"
    assert "\x1b" not in entry.author and "Mallory" in entry.author
    assert entry.link == "https://example.org/ab"


def test_html_titles_lose_their_tags() -> None:
    feed = parse(
        atom(
            """<entry><id>urn:1</id><updated>2024-05-01T00:00:00Z</updated>
               <title type="html">&lt;b&gt;Bold&lt;/b&gt;   &amp;amp; co
                 &lt;script&gt;x()&lt;/script&gt;</title>
               </entry>
               <entry><id>urn:2</id><updated>2024-05-01T00:00:00Z</updated>
               <title type="text">a &lt;b&gt; literal</title></entry>"""
        )
    )
    assert [entry.title for entry in feed.entries] == ["Bold & co", "a <b> literal"]


def test_authors_from_entry_dc_creator_or_feed() -> None:
    feed = parse(
        atom(
            """<author><name>Feed Owner</name></author>
               <entry><id>urn:1</id><title>T</title><updated>2024-05-01T00:00:00Z</updated>
                 <author><name>Ann</name></author><author><name>Bob</name></author></entry>
               <entry><id>urn:2</id><title>T</title><updated>2024-05-01T00:00:00Z</updated></entry>"""
        )
    )
    assert [entry.author for entry in feed.entries] == ["Ann, Bob", "Feed Owner"]
    dc = parse(
        rss(
            "<item><guid>1</guid><dc:creator>Dee Creator</dc:creator></item>",
            namespaces='xmlns:dc="http://purl.org/dc/elements/1.1/"',
        )
    )
    assert dc.entries[0].author == "Dee Creator"


def test_categories_are_stripped_and_deduplicated() -> None:
    feed = parse(
        rss(
            """<item><guid>1</guid><category> python </category><category>python</category>
               <category>feeds</category><category>  </category></item>"""
        )
    )
    assert feed.entries[0].categories == ("python", "feeds")


def test_enclosures_are_deduplicated_with_parsed_lengths() -> None:
    feed = parse(
        rss(
            """<item><guid>1</guid>
               <enclosure url="https://e.org/a.mp3" type="audio/mpeg" length="oops"/>
               <enclosure url="https://e.org/a.mp3" type="audio/mpeg" length="10"/>
               <enclosure url="https://e.org/b.mp4" type="video/mp4" length="2048"/></item>"""
        )
    )
    assert feed.entries[0].enclosures == (
        Enclosure(url="https://e.org/a.mp3", type="audio/mpeg", length=None),
        Enclosure(url="https://e.org/b.mp4", type="video/mp4", length=2048),
    )


def test_media_content_stands_in_for_missing_enclosures() -> None:
    feed = parse(
        rss(
            """<item><guid>1</guid>
               <media:content url="/v/clip.mp4" type="video/mp4" fileSize="500"/></item>""",
            namespaces='xmlns:media="http://search.yahoo.com/mrss/"',
        )
    )
    assert feed.entries[0].enclosures == (
        Enclosure(url="https://example.org/v/clip.mp4", type="video/mp4", length=500),
    )


def test_feed_fields_and_kind() -> None:
    feed = parse(rss("<item><guid>1</guid></item>"))
    assert (feed.title, feed.description, feed.kind, feed.warning) == (
        "Example",
        "An example feed",
        "rss20",
        None,
    )
    assert parse(atom("")).kind == "atom10"


def test_valid_feed_without_entries_is_empty() -> None:
    feed = parse(rss(""))
    assert feed.entries == [] and feed.title == "Example"


# --- malformed, compressed, refused ---------------------------------------------------


def test_malformed_feed_is_recovered_with_a_warning() -> None:
    data = rss("<item><guid>1</guid><title>Broken &nbsp; <b>tag</title></item>")
    feed = parse(data)
    assert len(feed.entries) == 1
    assert feed.warning is not None and feed.warning.startswith("malformed document")


def test_gzip_body_is_decompressed() -> None:
    data = rss("<item><guid>1</guid><title>Zipped</title></item>")
    compressed = gzip.compress(data)
    assert sniff(compressed) == "xml"
    assert [entry.title for entry in parse(compressed).entries] == ["Zipped"]


def test_gzip_bomb_and_corrupt_gzip_are_refused() -> None:
    with pytest.raises(NotAFeedError, match="larger than"):
        gunzip(gzip.compress(b" " * 5_000_000), limit=1024 * 1024)
    with pytest.raises(NotAFeedError, match="corrupt gzip"):
        parse(b"\x1f\x8b\x08\x00garbage that is not deflate")


def test_html_page_is_refused() -> None:
    page = b"<!DOCTYPE html>\n<html><head><title>Home</title></head><body><p>Hi</p></body></html>"
    with pytest.raises(NotAFeedError, match=r"^not a feed: this is a web page \(HTML\)$"):
        parse(page)


def test_atom_wrapped_in_xhtml_is_read() -> None:
    page = (
        b'<!DOCTYPE html><html xmlns="http://www.w3.org/1999/xhtml"><body>'
        + atom("<entry><id>urn:1</id><title>In a page</title></entry>").split(b"?>", 1)[1]
        + b"</body></html>"
    )
    assert sniff(page) == "html"
    assert [entry.title for entry in parse(page).entries] == ["In a page"]


def test_naive_now_is_taken_as_utc() -> None:
    data = rss("<item><guid>1</guid><pubDate>Sat, 01 Jun 2024 10:30:00 GMT</pubDate></item>")
    feed = parse_feed(data, FEED_URL, now=datetime(2024, 6, 1))
    assert feed.entries[0].published == datetime(2024, 6, 1, 10, 30, tzinfo=UTC)


@pytest.mark.parametrize("data", [b"", b"   \n\t ", b"\xef\xbb\xbf", b"\xef\xbb\xbf  \r\n"])
def test_empty_document_is_refused(data: bytes) -> None:
    with pytest.raises(NotAFeedError, match=r"^not a feed: empty document$"):
        parse(data)


def test_unknown_xml_names_its_root() -> None:
    with pytest.raises(NotAFeedError, match="<note>"):
        parse(b"<?xml version='1.0'?><note><to>Tove</to></note>")


def test_binary_junk_is_refused() -> None:
    with pytest.raises(NotAFeedError, match="neither XML nor JSON"):
        parse(b"ID3\x03\x00\x00\x00\x00\x00\x00 an mp3 is not a feed")


def test_junk_before_a_feed_is_recovered() -> None:
    data = b"Warning: include(x.php) failed on line 3\n" + rss("<item><guid>1</guid></item>")
    feed = parse(data)
    assert [entry.identity for entry in feed.entries] == ["1"]
    assert feed.warning is not None


def test_unexpected_errors_become_not_a_feed(monkeypatch: pytest.MonkeyPatch) -> None:
    import newsterm.parse as parse_module

    def explode(*args: object) -> ParsedFeed:
        raise RecursionError("too deep")

    monkeypatch.setattr(parse_module, "parse_xml", explode)
    monkeypatch.setattr(parse_module, "parse_fast", explode)
    with pytest.raises(NotAFeedError, match=r"could not parse \(RecursionError\)"):
        parse(rss(""))


def test_parsed_feed_pickles() -> None:
    feed = parse(
        rss(
            """<item><guid>1</guid><pubDate>Sat, 01 Jun 2024 10:30:00 +0200</pubDate>
               <enclosure url="/a.mp3" type="audio/mpeg" length="3"/>
               <category>c</category></item>"""
        )
    )
    assert pickle.loads(pickle.dumps(feed)) == feed


# --- sniffing -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b'  \n{"version": "https://jsonfeed.org/version/1.1"}', "json"),
        (b'\xef\xbb\xbf{"items": []}', "json"),
        (b"\xef\xbb\xbf\n<?xml version='1.0'?><rss/>", "xml"),
        ("<?xml version='1.0' encoding='utf-16'?><feed/>".encode("utf-16"), "xml"),
        ("<rss/>".encode("utf-16-be"), "xml"),
        ("<rss/>".encode("utf-32-le"), "xml"),
        (b"<!-- generated --><!DOCTYPE rss [<!ENTITY a 'b'>]><rss/>", "xml"),
        (b'<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0//EN" "x.dtd"><rss/>', "xml"),
        (b"<!doctype html><html><body></body></html>", "html"),
        (b"<HTML><BODY>moved</BODY></HTML>", "html"),
        (b"<head><title>Document Moved</title></head>", "html"),
        (b"<!DOCTYPE html>", "html"),
        (gzip.compress(b"<feed xmlns='http://www.w3.org/2005/Atom'/>"), "xml"),
        (b"", "unknown"),
        (b"PK\x03\x04 a zip file", "unknown"),
        (b"[1, 2, 3]", "unknown"),
    ],
)
def test_sniff(data: bytes, kind: str) -> None:
    assert sniff(data) == kind


def test_utf16_feed_parses() -> None:
    data = (
        '<?xml version="1.0" encoding="utf-16"?><rss version="2.0"><channel><title>Grüße</title>'
        "<item><guid>1</guid><title>日本語</title></item></channel></rss>"
    ).encode("utf-16")
    feed = parse(data)
    assert feed.title == "Grüße" and feed.entries[0].title == "日本語"


# --- robustness -----------------------------------------------------------------------


@settings(max_examples=200, deadline=None, database=None)
@given(st.binary(max_size=4096))
def test_arbitrary_bytes_only_raise_not_a_feed(data: bytes) -> None:
    with contextlib.suppress(NotAFeedError):
        parse_feed(data, FEED_URL)


@settings(max_examples=200, deadline=None, database=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("<>/?!&;#x\"'= \n{}[]:,aZ0\x00\x1b\u00e9\u65e5")),
        max_size=300,
    )
)
def test_markup_like_text_only_raises_not_a_feed(text: str) -> None:
    for prefix in ("<rss version='2.0'><channel><item>", "<feed>", "{", ""):
        with contextlib.suppress(NotAFeedError):
            parse_feed((prefix + text).encode("utf-8", "surrogatepass"), FEED_URL)


@pytest.mark.parametrize(
    ("author", "expected"),
    [
        ("editor@commonplace.example.invalid (Agnes Whitlow)", "Agnes Whitlow"),
        ("curator@museum.example.museum (Bob Ray)", "Bob Ray"),
        ("Jane Doe <jane@example.org>", "Jane Doe"),
        ("jane@example.org (Jane)", "Jane"),
    ],
)
def test_rss_author_names_with_any_top_level_domain(author: str, expected: str) -> None:
    for version in ("0.92", "2.0"):  # 0.92 goes through feedparser, 2.0 the fast path
        document = (
            f'<rss version="{version}"><channel><title>t</title><link>https://e.org/</link>'
            f"<managingEditor>{html.escape(author)}</managingEditor>"
            "<item><title>a</title><link>https://e.org/a</link><guid>a</guid></item>"
            f"<item><title>b</title><link>https://e.org/b</link><guid>b</guid>"
            f"<author>{html.escape(author)}</author></item>"
            "</channel></rss>"
        ).encode()
        feed = parse_feed(document, "https://e.org/feed")
        assert [entry.author for entry in feed.entries] == [expected, expected], version
