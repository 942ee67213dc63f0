"""Enormous and strange content through the refresh path: huge feeds, duplicate ids, megabyte
fields, absurd dates, deep nesting, JSON Feed with wrong types, and the content pipeline on what
was stored."""

from __future__ import annotations

import json
import tracemalloc
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from pytest_httpserver import HTTPServer

from newsterm.content import article_from_html, render_to_text
from newsterm.models import EntryQuery
from newsterm.parse import MAX_ENTRIES
from newsterm.parse.common import MAX_LINE_LENGTH
from newsterm.store import Store
from tests.hostile.conftest import (
    RSS_TYPE,
    SETTINGS,
    assert_good_feed_intact,
    entries_of,
    refresh,
    rss,
)

BIG_SETTINGS = replace(SETTINGS, fetch=replace(SETTINGS.fetch, max_bytes=16 * 1024 * 1024))


async def test_hundred_thousand_entries_are_capped_with_bounded_memory(
    http: HTTPServer, store: Store, good_url: str
) -> None:
    rss_items = "".join(
        f"<item><guid>r{n}</guid><title>Item {n}</title></item>" for n in range(100_000)
    )
    json_items = [
        {"id": f"j{n}", "title": f"Item {n}", "content_text": "x"} for n in range(100_000)
    ]
    documents = {
        "/rss-100k": rss(rss_items),
        "/json-100k": json.dumps(
            {"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": json_items}
        ).encode(),
    }
    for path, document in documents.items():
        http.expect_request(path).respond_with_data(document, content_type=RSS_TYPE)
        store.add_feed(http.url_for(path))
    store.add_feed(good_url)

    tracemalloc.start()
    try:
        run = await refresh(store, BIG_SETTINGS, bound=90)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert_good_feed_intact(run, good_url)
    for path, prefix in (("/rss-100k", "r"), ("/json-100k", "j")):
        feed = run.feed(http.url_for(path))
        assert feed.error is None
        # The feed works, and its status says what was left out.
        assert feed.status == f"ok, too many entries: kept the first {MAX_ENTRIES:,} of 100,000"
        # The first MAX_ENTRIES of the document (feeds list their newest first).
        assert feed.total == MAX_ENTRIES == run.outcomes[http.url_for(path)].new
        ids = store.entry_ids(EntryQuery(feed_id=feed.id))
        identities = {store.get_entry(ids[0]).identity, store.get_entry(ids[-1]).identity}  # type: ignore[union-attr]
        assert identities <= {f"{prefix}{n}" for n in range(MAX_ENTRIES)}
    assert peak < 400 * 1024 * 1024, peak


async def test_duplicate_ids_keep_one_entry_each(
    http: HTTPServer, store: Store, good_url: str
) -> None:
    same_guid = "".join(f"<item><guid>same</guid><title>Copy {n}</title></item>" for n in range(50))
    # No guids and no links: identity falls back to a hash of title and date.
    no_ids = "".join("<item><title>Twin</title></item>" for _ in range(20))
    same_link = "".join(
        f"<item><link>http://127.0.0.1/one</link><title>L{n}</title></item>" for n in range(20)
    )
    http.expect_request("/dupes").respond_with_data(
        rss(same_guid + no_ids + same_link), content_type=RSS_TYPE
    )
    # Another feed using the same guid keeps its own entry.
    http.expect_request("/other").respond_with_data(
        rss("<item><guid>same</guid><title>Other feed</title></item>"), content_type=RSS_TYPE
    )
    for path in ("/dupes", "/other"):
        store.add_feed(http.url_for(path))
    store.add_feed(good_url)

    run = await refresh(store)
    titles = sorted(e.title for e in run.entries(http.url_for("/dupes")))
    assert titles == ["Copy 0", "L0", "Twin"]
    assert [e.title for e in run.entries(http.url_for("/other"))] == ["Other feed"]
    assert_good_feed_intact(run, good_url)

    # Again: nothing doubles, nothing counts as new.
    run = await refresh(store)
    assert run.outcomes[http.url_for("/dupes")].new == 0
    assert sorted(e.title for e in run.entries(http.url_for("/dupes"))) == titles


async def test_megabyte_fields_are_stored_and_listed(
    http: HTTPServer, store: Store, good_url: str
) -> None:
    mega = 1024 * 1024
    item = (
        f"<item><guid>{'g' * mega}</guid><title>{'T' * mega}</title>"
        f"<author>{'A' * mega}</author><link>http://127.0.0.1/{'l' * mega}</link>"
        f"<category>{'c' * mega}</category><description>{'d ' * (mega // 2)}</description></item>"
    )
    http.expect_request("/mega").respond_with_data(
        rss(item, title="F" * mega), content_type=RSS_TYPE
    )
    url = http.url_for("/mega")
    store.add_feed(url)
    store.add_feed(good_url)

    run = await refresh(store, BIG_SETTINGS)

    assert_good_feed_intact(run, good_url)
    feed = run.feed(url)
    assert (feed.status, feed.total) == ("ok", 1)
    (entry,) = run.entries(url)
    assert len(entry.identity) <= 2048  # an identity is a key, not a document
    # A title is a line, not a document: cut, so no list or header has to lay out a megabyte.
    for text in (feed.title, entry.title, entry.author, *entry.categories):
        assert 0 < len(text) <= MAX_LINE_LENGTH
    assert len(entry.link) > mega  # a link is kept whole, or it would lead elsewhere
    assert [hit.id for hit in store.search("TTTT")] == [entry.id]  # search still answers
    # The article view renders it in bounded time.
    article = article_from_html(entry.body, title=entry.title[:200], base_url=entry.link)
    assert "d d d" in render_to_text(article, width=80, color=False)


async def test_dates_far_past_and_future_never_pin_entries(
    http: HTTPServer, store: Store, good_url: str
) -> None:
    dates = {
        "year-1": "Mon, 01 Jan 0001 00:00:00 GMT",
        "year-1800": "Wed, 01 Jan 1800 00:00:00 GMT",
        "before-epoch": "Wed, 31 Dec 1969 23:59:59 GMT",
        "year-9999": "Fri, 31 Dec 9999 23:59:59 GMT",
        "year-99999": "Sat, 31 Dec 99999 23:59:59 GMT",
        "next-year": (datetime.now(UTC) + timedelta(days=400)).strftime(
            "%a, %d %b %Y %H:%M:%S GMT"
        ),
        "tz-overflow": "Mon, 01 Jan 2024 00:00:00 +9999",
        "zeros": "0000-00-00T00:00:00Z",
        "digits": "9" * 5000,
        "words": "yesterday-ish",
        "recent": (datetime.now(UTC) - timedelta(hours=1)).strftime("%a, %d %b %Y %H:%M:%S GMT"),
    }
    items = "".join(
        f"<item><guid>{name}</guid><title>{name}</title><pubDate>{value}</pubDate>"
        f"<atom:updated xmlns:atom='http://www.w3.org/2005/Atom'>{value}</atom:updated></item>"
        for name, value in dates.items()
    )
    atom = (
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>'
        + "".join(
            f"<entry><id>a-{name}</id><title>a-{name}</title><updated>{value}</updated>"
            f"<published>{value}</published></entry>"
            for name, value in (
                ("far", "9999-12-31T23:59:59Z"),
                ("bc", "-0044-03-15T12:00:00Z"),
                ("leap", "2023-02-29T25:61:61Z"),
            )
        )
        + "</feed>"
    ).encode()
    http.expect_request("/dates").respond_with_data(rss(items), content_type=RSS_TYPE)
    http.expect_request("/atom-dates").respond_with_data(atom, content_type=RSS_TYPE)
    for path in ("/dates", "/atom-dates"):
        store.add_feed(http.url_for(path))
    store.add_feed(good_url)

    before = datetime.now(UTC)
    run = await refresh(store)
    after = datetime.now(UTC)

    assert_good_feed_intact(run, good_url)
    for path, count in (("/dates", len(dates)), ("/atom-dates", 3)):
        feed = run.feed(http.url_for(path))
        assert (feed.status, feed.total) == ("ok", count)
    for entry in entries_of(store, run.feed(http.url_for("/dates")).id) + entries_of(
        store, run.feed(http.url_for("/atom-dates")).id
    ):
        for moment in (entry.published, entry.updated):
            assert moment is None or datetime(
                1970, 1, 1, tzinfo=UTC
            ) <= moment <= after + timedelta(days=2)
    # Whatever they claim, no entry sorts above the moment it was stored.
    newest = store.list_entries(EntryQuery(), limit=1)[0]
    assert newest.published is not None and newest.published <= after
    assert newest.published >= before - timedelta(hours=2)


async def test_deep_nesting_is_stored_and_rendered(
    http: HTTPServer, store: Store, good_url: str
) -> None:
    depth = 50_000
    deep_html = "<div>" * depth + "deep text" + "</div>" * depth
    deep_mixed = (
        "<ul><li><blockquote><table><tr><td>" * 2_000
        + "cell"
        + ("</td></tr></table></blockquote></li></ul>" * 2_000)
    )
    items = (
        f"<item><guid>cdata</guid><title>CDATA</title><description><![CDATA[{deep_html}]]>"
        "</description></item>"
        f"<item><guid>mixed</guid><title>Mixed</title><description><![CDATA[{deep_mixed}]]>"
        "</description></item>"
        # Nested XML elements inside the item itself (not escaped HTML).
        f"<item><guid>xml</guid><title>XML</title>{'<x>' * depth}{'</x>' * depth}</item>"
    )
    http.expect_request("/deep").respond_with_data(rss(items), content_type=RSS_TYPE)
    url = http.url_for("/deep")
    store.add_feed(url)
    store.add_feed(good_url)

    run = await refresh(store, BIG_SETTINGS)

    assert_good_feed_intact(run, good_url)
    feed = run.feed(url)
    assert feed.error is None or feed.error.startswith("not a feed"), feed.error
    entries = {entry.identity: entry for entry in run.entries(url)}
    assert {"cdata", "mixed"} <= set(entries)
    for identity, expected in (("cdata", "deep text"), ("mixed", "cell")):
        entry = entries[identity]
        article = article_from_html(entry.body, title=entry.title, base_url=entry.link)
        assert expected in render_to_text(article, width=80, color=False)


async def test_json_feed_with_wrong_types_and_nulls_everywhere(
    http: HTTPServer, store: Store, good_url: str
) -> None:
    weird: list[object] = [None, 1, -1.5, True, [], {}, [None], {"x": None}, "", "\x00"]
    items: list[object] = [
        *weird,
        {
            key: value
            for key in (
                "id",
                "url",
                "title",
                "content_html",
                "date_published",
                "authors",
                "tags",
                "attachments",
                "summary",
                "external_url",
                "image",
            )
            for value in (None,)
        },
        {"id": 12, "title": ["a"], "content_html": {"b": 1}, "tags": "x", "authors": [None, 3]},
        {"id": {"x": 1}, "url": 5, "attachments": [None, {"url": None}, {"url": "javascript:x"}]},
        {"id": "ok", "title": "Kept", "content_text": "fine", "date_published": 1700000000},
    ]
    documents = {
        "/json-nulls": {
            "version": "https://jsonfeed.org/version/1.1",
            "title": None,
            "home_page_url": 3,
            "items": items,
            "authors": None,
        },
        "/json-items-null": {"version": "https://jsonfeed.org/version/1", "items": None},
        "/json-items-object": {"version": "https://jsonfeed.org/version/1.1", "items": {"a": 1}},
        "/json-version-number": {"version": 1.1, "items": []},
        "/json-list": [1, 2, 3],
        "/json-deep": None,
    }
    for path, document in documents.items():
        body = json.dumps(document).encode() if path != "/json-deep" else b"[" * 100_000
        http.expect_request(path).respond_with_data(body, content_type="application/feed+json")
        store.add_feed(http.url_for(path))
    store.add_feed(good_url)

    run = await refresh(store)

    assert_good_feed_intact(run, good_url)
    for path in documents:
        feed = run.feed(http.url_for(path))
        assert feed.error is None or feed.error.startswith("not a feed"), (path, feed.error)
    assert "Kept" in [e.title for e in run.entries(http.url_for("/json-nulls"))]
    for path in ("/json-version-number", "/json-list", "/json-deep"):
        assert run.feed(http.url_for(path)).error is not None


async def test_quadratic_authors_and_categories_finish(
    http: HTTPServer, store: Store, good_url: str
) -> None:
    # Without bounds, each of these holds a parse for minutes to hours.
    long_author = "A" * 300_000
    categories = "".join(f"<category>c{n}</category>" for n in range(30_000))
    for path, prolog in (("/fast", ""), ("/feedparser", "<!DOCTYPE rss>")):
        http.expect_request(path).respond_with_data(
            rss(
                f"<item><guid>1</guid><title>T</title><author>{long_author}</author>"
                f"<dc:creator xmlns:dc='http://purl.org/dc/elements/1.1/'>{'b@' * 100_000}"
                f"</dc:creator>{categories}</item>",
                prolog=prolog,
            ),
            content_type=RSS_TYPE,
        )
        store.add_feed(http.url_for(path))
    store.add_feed(good_url)

    run = await refresh(store, BIG_SETTINGS, bound=60)

    assert_good_feed_intact(run, good_url)
    for path in ("/fast", "/feedparser"):
        (entry,) = run.entries(http.url_for(path))
        assert entry.title == "T" and entry.author
        assert 0 < len(entry.categories) <= 100
