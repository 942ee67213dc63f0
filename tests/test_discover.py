"""Feed autodiscovery: link extraction on real pages, and discovery against a real HTTP server."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from newsterm.config import FetchSettings
from newsterm.discover import (
    COMMON_PATHS,
    FeedCandidate,
    discover,
    find_feed_links,
    normalise_url,
)
from newsterm.fetch import HTML_ACCEPT, Fetcher
from newsterm.models import FeedError
from tests.paths import CORPUS

REAL = CORPUS / "feeds" / "real"
PAGES = CORPUS / "html" / "pages"
FEEDS = {
    "rss": (REAL / "feedreader--Rss20CodeHollowCom.xml", "application/rss+xml"),
    "atom": (REAL / "feedreader--AtomTheVerge.xml", "application/atom+xml"),
    "json": (REAL / "nnw--inessential.json", "application/feed+json"),
}
NOT_A_FEED = CORPUS / "feeds" / "edge" / "not-a-feed" / "node-feedparser--notafeed.html"
HTML = "text/html; charset=utf-8"


def feed_bytes(kind: str) -> bytes:
    return FEEDS[kind][0].read_bytes()


def page(head: str = "", body: str = "<p>Hello</p>") -> str:
    return (
        f"<!DOCTYPE html><html><head><title>A page</title>{head}</head><body>{body}</body></html>"
    )


@pytest.fixture
async def fetcher(corpus: Path) -> AsyncIterator[Fetcher]:
    settings = FetchSettings(connect_timeout=5.0, read_timeout=10.0, total_timeout=30.0)
    async with Fetcher(settings) as shared:
        yield shared


def serve_feed(server: HTTPServer, path: str, kind: str, **headers: str) -> bytes:
    data = feed_bytes(kind)
    server.expect_request(path).respond_with_data(
        data, content_type=FEEDS[kind][1], headers=headers or None
    )
    return data


def serve_page(server: HTTPServer, path: str, html: str) -> str:
    server.expect_request(path).respond_with_data(html, content_type=HTML)
    return server.url_for(path)


def not_found_elsewhere(server: HTTPServer) -> None:
    """Answer 404 to every path no earlier handler claimed (register last)."""
    server.expect_request(re.compile(r"/.*")).respond_with_data("gone", status=404)


def requested_paths(server: HTTPServer) -> list[str]:
    return [request.full_path.rstrip("?") for request, _ in server.log]


# ---------------------------------------------------------------------------- normalise_url


@pytest.mark.parametrize(
    ("typed", "url"),
    [
        ("example.com/blog", "https://example.com/blog"),
        ("  example.com  ", "https://example.com"),
        ("localhost:8080/feed", "https://localhost:8080/feed"),
        ("//example.com/rss", "https://example.com/rss"),
        ("http://127.0.0.1:8000/feed.xml", "http://127.0.0.1:8000/feed.xml"),
        ("HTTPS://Example.com/", "HTTPS://Example.com/"),
        ("feed://example.com/rss", "http://example.com/rss"),
        ("feed:https://example.com/rss", "https://example.com/rss"),
    ],
)
def test_scheme_is_added_only_when_missing(typed: str, url: str) -> None:
    assert normalise_url(typed) == url


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("ftp://example.com/feed", "unsupported URL scheme: ftp"),
        ("javascript:alert(1)", "unsupported URL scheme: javascript"),
        ("file:///etc/passwd", "unsupported URL scheme: file"),
        ("mailto:someone@example.com", "unsupported URL scheme: mailto"),
        ("", "no URL given"),
        ("http:///no-host", "invalid URL"),
        ("http://example.com:99999999/", "invalid URL"),
    ],
)
def test_unusable_urls_are_refused(typed: str, message: str) -> None:
    with pytest.raises(FeedError, match=f"^{re.escape(message)}"):
        normalise_url(typed)


# -------------------------------------------------------------------------- find_feed_links


def test_real_wordpress_page_lists_its_feeds(corpus: Path) -> None:
    html = (PAGES / "feedreader--codehollow.html").read_bytes()
    assert find_feed_links(html, "https://codehollow.com/") == [
        FeedCandidate("https://codehollow.com/feed/", "codehollow » Feed", "rss"),
        FeedCandidate("https://codehollow.com/comments/feed/", "codehollow » Comments Feed", "rss"),
    ]


def test_real_page_with_relative_atom_and_json_links(corpus: Path) -> None:
    html = (PAGES / "netnewswire--daringfireball.html").read_bytes()
    assert find_feed_links(html, "https://daringfireball.net/2024/01/post") == [
        FeedCandidate("https://daringfireball.net/feeds/main", "", "atom"),
        FeedCandidate("https://daringfireball.net/feeds/json", "", "json"),
    ]


def test_real_youtube_page_keeps_only_the_feed_among_alternates(corpus: Path) -> None:
    # The page also has rel=alternate links to m.youtube.com, android-app: and ios-app:.
    html = (PAGES / "netnewswire--YouTubeTheVolvoRocks.html").read_bytes()
    assert find_feed_links(html, "https://www.youtube.com/user/TheVolvorocks") == [
        FeedCandidate(
            "https://www.youtube.com/feeds/videos.xml?channel_id=UCct7QF2jcWRY6dhXWMSq9LQ",
            "RSS",
            "rss",
        )
    ]


def test_real_wikipedia_page_skips_edit_and_mobile_alternates(corpus: Path) -> None:
    html = (PAGES / "v2--miniflux_wikipedia.html").read_bytes()
    [candidate] = find_feed_links(html, "https://fr.wikipedia.org/wiki/Miniflux")
    assert candidate == FeedCandidate(
        "https://fr.wikipedia.org/w/index.php?title=Sp%C3%A9cial:Modifications_r%C3%A9centes&feed=atom",
        "Flux Atom de Wikipédia",
        "atom",
    )


def test_real_relative_links_and_latin1_titles(corpus: Path) -> None:
    atlantic = (PAGES / "netnewswire--coco.html").read_bytes()
    assert [c.url for c in find_feed_links(atlantic, "https://www.theatlantic.com/x/y/")] == [
        "https://www.theatlantic.com/feed/all/",
        "https://www.theatlantic.com/feed/best-of/",
    ]
    weiz = (PAGES / "feedreader--stadtfeuerwehrweiz.html").read_bytes()
    [candidate] = find_feed_links(weiz, "http://www.stadtfeuerwehr-weiz.at/")
    assert candidate.title == "Stadtfeuerwehr Weiz - Einsätze"


@pytest.mark.parametrize("name", ["netnewswire--unsung.html", "v2--img.html"])
def test_real_pages_without_feeds(corpus: Path, name: str) -> None:
    assert find_feed_links((PAGES / name).read_bytes(), "https://example.org/") == []


def test_every_corpus_page_gives_only_absolute_web_urls(corpus: Path) -> None:
    for path in sorted(PAGES.glob("*.html")):
        for candidate in find_feed_links(path.read_bytes(), "https://example.org/a/b"):
            assert candidate.url.startswith(("http://", "https://")), (path.name, candidate)
            assert "#" not in candidate.url
            assert candidate.kind in {"rss", "atom", "json", "unknown"}


def test_link_types_rels_and_case() -> None:
    html = page(
        '<link rel="Alternate" type="application/RSS+xml; charset=utf-8" href="/a.rss" title=" A ">'
        '<link rel="alternate" type="application/atom+xml" href="/b.atom">'
        '<link rel="alternate" type="application/feed+json" href="/c.json">'
        '<link rel="alternate" type="application/json" href="/d.json">'
        '<link rel="feed" href="/e">'
        '<link rel="alternate" type="text/html" href="/page-in-french">'
        '<link rel="alternate icon" type="image/png" href="/favicon.png">'
        '<link rel="stylesheet" type="text/css" href="/style.css">'
        '<link rel="alternate" type="application/rss+xml">'
        '<link rel="alternate" type="application/rss+xml" href="/a.rss#again">'
    )
    assert find_feed_links(html, "https://example.com/post/1") == [
        FeedCandidate("https://example.com/a.rss", "A", "rss"),
        FeedCandidate("https://example.com/b.atom", "", "atom"),
        FeedCandidate("https://example.com/c.json", "", "json"),
        FeedCandidate("https://example.com/d.json", "", "json"),
        FeedCandidate("https://example.com/e", "", "unknown"),
    ]


def test_non_web_hrefs_are_ignored() -> None:
    html = page(
        '<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">'
        '<link rel="alternate" type="application/rss+xml" href="  JavaScript:void(0)//feed.xml">'
        '<link rel="alternate" type="application/rss+xml" href="data:text/xml,&lt;rss/&gt;">'
        '<link rel="alternate" type="application/atom+xml" href="ftp://example.com/atom.xml">'
        '<link rel="alternate" type="application/atom+xml" href="file:///etc/passwd">',
        "<a href=\"javascript:subscribe('feed.xml')\">Subscribe</a>"
        '<a href="mailto:feed@example.com">feed</a>',
    )
    assert find_feed_links(html, "https://example.com/") == []


def test_anchors_are_a_weak_fallback_after_links() -> None:
    html = page(
        '<link rel="alternate" type="application/rss+xml" href="/feed/">',
        '<a href="/about">About</a>'
        '<a href="/category/python/feed/">Python posts</a>'
        '<a href="https://feeds.feedburner.com/Example">Feedburner</a>'
        '<a href="/files/podcast.rss">Podcast</a>'
        '<a href="/?feed=atom">Atom</a>'
        '<a href="/feed/">Duplicate of the link</a>'
        '<a href="feed://example.com/legacy.xml">Legacy</a>'
        '<a href="/topics/rss">A page about RSS</a>'
        '<a href="/blog/feed.json" title="JSON Feed">{}</a>',
    )
    assert find_feed_links(html, "https://example.com/") == [
        FeedCandidate("https://example.com/feed/", "", "rss"),
        FeedCandidate("https://example.com/category/python/feed/", "Python posts", "unknown"),
        FeedCandidate("https://feeds.feedburner.com/Example", "Feedburner", "unknown"),
        FeedCandidate("https://example.com/files/podcast.rss", "Podcast", "rss"),
        FeedCandidate("https://example.com/?feed=atom", "Atom", "atom"),
        FeedCandidate("https://example.com/blog/feed.json", "JSON Feed", "json"),
    ]


def test_base_href_decides_how_relative_links_resolve() -> None:
    html = page(
        '<base href="https://cdn.example.net/static/"><link rel="alternate" '
        'type="application/atom+xml" href="atom.xml">'
    )
    assert [c.url for c in find_feed_links(html, "https://example.com/x/")] == [
        "https://cdn.example.net/static/atom.xml"
    ]


def test_str_and_bytes_and_legacy_charsets_agree() -> None:
    html = page(
        '<meta charset="windows-1251"><link rel="alternate" type="application/rss+xml"'
        ' title="Новости" href="/rss">'
    )
    expected = [FeedCandidate("https://example.ru/rss", "Новости", "rss")]
    assert find_feed_links(html, "https://example.ru/") == expected
    assert find_feed_links(html.encode("utf-8"), "https://example.ru/") == expected
    assert find_feed_links(html.encode("windows-1251"), "https://example.ru/") == expected


@pytest.mark.parametrize("html", [b"", "   ", b"\x00\xff\xfe garbage", b"{}", "<rss/>"])
def test_empty_and_garbage_input_give_no_candidates(html: bytes | str) -> None:
    assert find_feed_links(html, "https://example.com/") == []


def test_control_characters_are_removed_from_titles() -> None:
    html = page(
        '<link rel="alternate" type="application/rss+xml" title="a&#x1b;[2Jb\tc" href="/f">'
    )
    assert find_feed_links(html, "https://example.com/")[0].title == "a[2Jb c"


# --------------------------------------------------------------------------------- discover


@pytest.mark.parametrize("kind", ["rss", "atom", "json"])
async def test_a_feed_url_is_returned_directly(
    kind: str, httpserver: HTTPServer, fetcher: Fetcher
) -> None:
    data = serve_feed(httpserver, "/feeds/main", kind, ETag='"v1"')
    url = httpserver.url_for("/feeds/main")

    found = await discover(url, fetcher)

    assert found.feed_url == url
    assert found.body == data
    assert found.content_type.startswith(FEEDS[kind][1])
    assert found.candidates == []
    assert found.etag == '"v1"'
    assert found.feed is not None and found.feed.entries
    assert requested_paths(httpserver) == ["/feeds/main"]
    # The first request also welcomes HTML, since the user may have pasted a web page.
    assert httpserver.log[0][0].headers["Accept"] == HTML_ACCEPT


@pytest.mark.parametrize("kind", ["rss", "atom", "json"])
async def test_a_page_linking_to_a_feed(
    kind: str, httpserver: HTTPServer, fetcher: Fetcher
) -> None:
    data = serve_feed(httpserver, "/the-feed", kind)
    feed_url = httpserver.url_for("/the-feed")
    link = f'<link rel="alternate" type="{FEEDS[kind][1]}" title="Site feed" href="{feed_url}">'
    page_url = serve_page(httpserver, "/", page(link))

    found = await discover(page_url, fetcher)

    assert found.feed_url == feed_url
    assert found.body == data
    assert found.candidates == [FeedCandidate(feed_url, "Site feed", kind)]
    assert requested_paths(httpserver) == ["/", "/the-feed"]


async def test_a_relative_href_resolves_against_the_page(
    httpserver: HTTPServer, fetcher: Fetcher
) -> None:
    serve_feed(httpserver, "/blog/feed.xml", "rss")
    link = '<link rel="alternate" type="application/rss+xml" href="../feed.xml">'
    page_url = serve_page(httpserver, "/blog/posts/hello.html", page(link))

    found = await discover(page_url, fetcher)

    assert found.feed_url == httpserver.url_for("/blog/feed.xml")


async def test_a_page_reached_by_redirect_resolves_against_where_it_ended(
    httpserver: HTTPServer, fetcher: Fetcher
) -> None:
    serve_feed(httpserver, "/home/atom.xml", "atom")
    serve_page(httpserver, "/home/", page('<link rel="feed" href="atom.xml">'))
    httpserver.expect_request("/").respond_with_data("", status=302, headers={"Location": "/home/"})

    found = await discover(httpserver.url_for("/"), fetcher)

    assert found.feed_url == httpserver.url_for("/home/atom.xml")


async def test_the_first_candidate_that_is_a_feed_wins(
    httpserver: HTTPServer, fetcher: Fetcher
) -> None:
    serve_page(httpserver, "/not-a-feed", NOT_A_FEED.read_text(encoding="utf-8"))
    serve_feed(httpserver, "/good.atom", "atom")
    serve_feed(httpserver, "/also-good.rss", "rss")
    links = "".join(
        f'<link rel="alternate" type="application/{kind}+xml" href="{href}">'
        for kind, href in [
            ("rss", "/dead"),
            ("rss", "/not-a-feed"),
            ("atom", "/good.atom"),
            ("rss", "/also-good.rss"),
        ]
    )
    page_url = serve_page(httpserver, "/", page(links))
    not_found_elsewhere(httpserver)

    found = await discover(page_url, fetcher)

    assert found.feed_url == httpserver.url_for("/good.atom")
    assert [c.url.rsplit("/", 1)[-1] for c in found.candidates] == [
        "dead",
        "not-a-feed",
        "good.atom",
        "also-good.rss",
    ]
    # Candidates are tried one at a time: the later good one is never fetched.
    assert requested_paths(httpserver) == ["/", "/dead", "/not-a-feed", "/good.atom"]


async def test_a_page_without_links_falls_back_to_common_paths(
    httpserver: HTTPServer, fetcher: Fetcher
) -> None:
    data = serve_feed(httpserver, "/feed.xml", "rss")
    page_url = serve_page(httpserver, "/blog/2024/some-article", page())
    not_found_elsewhere(httpserver)

    found = await discover(page_url, fetcher)

    assert found.feed_url == httpserver.url_for("/feed.xml")
    assert found.body == data
    assert found.candidates == []


async def test_common_paths_are_preferred_in_their_order(
    httpserver: HTTPServer, fetcher: Fetcher
) -> None:
    serve_page(httpserver, "/rss.xml", page())  # earlier in the order, but not a feed
    serve_feed(httpserver, "/atom.xml", "atom")
    serve_feed(httpserver, "/feed.xml", "rss")
    serve_feed(httpserver, "/feed.json", "json")
    page_url = serve_page(httpserver, "/about", page())
    not_found_elsewhere(httpserver)

    found = await discover(page_url, fetcher)

    assert found.feed_url == httpserver.url_for("/atom.xml")
    assert set(requested_paths(httpserver)) <= {"/about", *COMMON_PATHS}


async def test_nothing_found_is_a_clear_error(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    page_url = serve_page(httpserver, "/", page())
    not_found_elsewhere(httpserver)

    with pytest.raises(FeedError) as raised:
        await discover(page_url, fetcher)

    assert str(raised.value) == f"no feed found at {page_url}"


async def test_dead_feed_links_are_named_in_the_error(
    httpserver: HTTPServer, fetcher: Fetcher
) -> None:
    page_url = serve_page(
        httpserver, "/", page('<link rel="alternate" type="application/rss+xml" href="/gone">')
    )
    not_found_elsewhere(httpserver)

    with pytest.raises(FeedError) as raised:
        await discover(page_url, fetcher)

    assert str(raised.value) == (
        f"no feed found at {page_url} (none of its feed links could be read: HTTP 404 Not Found)"
    )


async def test_a_404_says_http_404(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    not_found_elsewhere(httpserver)
    url = httpserver.url_for("/missing")

    with pytest.raises(FeedError, match="HTTP 404") as raised:
        await discover(url, fetcher)

    assert str(raised.value) == f"could not fetch {url}: HTTP 404 Not Found"
    assert requested_paths(httpserver) == ["/missing"]


async def test_javascript_links_are_never_followed(
    httpserver: HTTPServer, fetcher: Fetcher
) -> None:
    head = '<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">'
    body = "<a href=\"javascript:void('/feed.xml')\">RSS</a>"
    page_url = serve_page(httpserver, "/", page(head, body))
    not_found_elsewhere(httpserver)

    with pytest.raises(FeedError, match="^no feed found at "):
        await discover(page_url, fetcher)

    assert set(requested_paths(httpserver)) <= {"/", *COMMON_PATHS}


@pytest.mark.parametrize(
    "url", ["ftp://127.0.0.1/feed", "javascript:alert(1)", "file:///etc/passwd"]
)
async def test_unsupported_schemes_are_refused_before_any_request(
    url: str, httpserver: HTTPServer, fetcher: Fetcher
) -> None:
    with pytest.raises(FeedError, match="^unsupported URL scheme"):
        await discover(url, fetcher)
    assert httpserver.log == []


async def test_a_permanent_redirect_gives_the_new_url(
    httpserver: HTTPServer, fetcher: Fetcher
) -> None:
    serve_feed(httpserver, "/new.xml", "rss")
    httpserver.expect_request("/old.xml").respond_with_data(
        "", status=301, headers={"Location": "/new.xml"}
    )
    httpserver.expect_request("/for-now.xml").respond_with_data(
        "", status=302, headers={"Location": "/new.xml"}
    )

    moved = await discover(httpserver.url_for("/old.xml"), fetcher)
    borrowed = await discover(httpserver.url_for("/for-now.xml"), fetcher)

    assert moved.feed_url == httpserver.url_for("/new.xml")
    # A temporary redirect may change back: keep subscribing to the URL that was given.
    assert borrowed.feed_url == httpserver.url_for("/for-now.xml")


async def test_only_the_first_few_candidates_are_tried(
    httpserver: HTTPServer, fetcher: Fetcher
) -> None:
    links = "".join(
        f'<link rel="alternate" type="application/rss+xml" href="/dead-{i}">' for i in range(20)
    )
    page_url = serve_page(httpserver, "/", page(links))
    not_found_elsewhere(httpserver)

    with pytest.raises(FeedError, match="none of its feed links could be read"):
        await discover(page_url, fetcher)

    dead = [path for path in requested_paths(httpserver) if path.startswith("/dead-")]
    assert dead == [f"/dead-{i}" for i in range(8)]
