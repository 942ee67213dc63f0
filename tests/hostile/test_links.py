"""Dangerous links: javascript:, data:, file:, vbscript: and the like are never stored as a
link, never shown as one (no numbered link, no terminal hyperlink) and never opened."""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

from pytest_httpserver import HTTPServer

from newsterm.browser import UnsafeURLError, check_url, is_safe_url
from newsterm.content import article_from_html, render_to_text
from newsterm.store import Store
from tests.helpers import run_cli
from tests.hostile.conftest import RSS_TYPE, assert_good_feed_intact, entries_of, refresh

DANGEROUS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    "\x01javascript:alert(1)",
    "javascript&#58;alert(1)",
    "vbscript:msgbox(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "data:image/svg+xml,<svg onload=alert(1)>",
    "file:///etc/passwd",
    "FILE://localhost/etc/shadow",
    "about:blank",
    "chrome://settings",
    "ms-msdt:/id PCWDiagnostic",
    "search-ms:query=x",
    "jar:file:///tmp/x.jar!/",
    "view-source:http://127.0.0.1/",
    "ftp://127.0.0.1/file",
    "smb://127.0.0.1/share",
    "tel:+15555555555",
    "intent://x#Intent;scheme=http;end",
]
"""Scheme tricks: case, spaces, tabs and newlines inside, leading controls, entities."""

SCHEMES = re.compile(
    r"(?i)\b(javascript|vbscript|data|file|about|chrome|ms-msdt|search-ms|jar|view-source|ftp"
    r"|smb|tel|intent)\s*:"
)


def _xml_attr(value: str) -> str:
    return (
        value.replace("&", "&amp;")
        .replace('"', "&quot;")
        .replace("<", "&lt;")
        .replace("\t", "&#9;")
        .replace("\n", "&#10;")
        .replace("\x01", "")
    )


def _body(url: str) -> str:
    attr = url.replace("'", "%27")
    return (
        f"<p><a href='{attr}'>click me</a> <img src='{attr}' alt='img'>"
        f"<iframe src='{attr}'></iframe><form action='{attr}'><input></form>"
        f"<svg><a xlink:href='{attr}'><text>svg</text></a></svg>"
        f"<area href='{attr}'><object data='{attr}'></object><embed src='{attr}'>"
        f"<video src='{attr}' poster='{attr}'></video><a href='http://127.0.0.1/ok'>fine</a></p>"
    )


def _feeds(base: str) -> dict[str, bytes]:
    rss_items = "".join(
        f"<item><guid>r{n}</guid><title>R{n}</title><link>{_xml_attr(url)}</link>"
        f"<comments>{_xml_attr(url)}</comments>"
        f'<enclosure url="{_xml_attr(url)}" type="audio/mpeg" length="1"/>'
        f"<description>{_xml_attr(_body(url))}</description></item>"
        for n, url in enumerate(DANGEROUS)
    )
    atom_entries = "".join(
        f"<entry><id>a{n}</id><title>A{n}</title>"
        f'<link rel="alternate" href="{_xml_attr(url)}"/>'
        f'<link rel="enclosure" href="{_xml_attr(url)}"/>'
        f'<content type="html">{_xml_attr(_body(url))}</content></entry>'
        for n, url in enumerate(DANGEROUS)
    )
    json_items = [
        {
            "id": f"j{n}",
            "title": f"J{n}",
            "url": url,
            "external_url": url,
            "content_html": _body(url),
            "attachments": [{"url": url, "mime_type": "audio/mpeg"}],
            "image": url,
        }
        for n, url in enumerate(DANGEROUS)
    ]
    return {
        "/rss": (
            f'<?xml version="1.0"?><rss version="2.0"><channel><title>R</title>'
            f"<link>javascript:alert(document.cookie)</link>{rss_items}</channel></rss>"
        ).encode(),
        "/rss-base": (
            # xml:base pointing at javascript: must not make relative links dangerous.
            '<?xml version="1.0"?><rss version="2.0" xml:base="javascript:alert(1)//">'
            "<channel><title>B</title><item><guid>b1</guid><title>B</title><link>x</link>"
            f"<description>{_xml_attr(_body('relative'))}</description></item></channel></rss>"
        ).encode(),
        "/atom": (
            '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>'
            f'<link rel="alternate" href="data:text/html,x"/>{atom_entries}</feed>'
        ).encode(),
        "/json": json.dumps(
            {
                "version": "https://jsonfeed.org/version/1.1",
                "title": "J",
                "home_page_url": "file:///etc/passwd",
                "feed_url": "javascript:alert(1)",
                "items": json_items,
            }
        ).encode(),
    }


def _is_web_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


async def test_dangerous_links_are_never_stored_shown_or_opened(
    http: HTTPServer, store: Store, good_url: str
) -> None:
    base = http.url_for("").rstrip("/")
    feeds = _feeds(base)
    for path, body in feeds.items():
        http.expect_request(path).respond_with_data(body, content_type=RSS_TYPE)
        store.add_feed(http.url_for(path))
    store.add_feed(good_url)

    run = await refresh(store)

    assert_good_feed_intact(run, good_url)
    shown_links: list[str] = []
    for path in feeds:
        feed = run.feed(http.url_for(path))
        assert (feed.status, feed.error) == ("ok", None), (path, feed.error)
        assert feed.site_url == "" or _is_web_url(feed.site_url), (path, feed.site_url)
        entries = entries_of(store, feed.id)
        assert entries
        for entry in entries:
            # Stored: only web links (or none).
            for url in (entry.link, *(enclosure.url for enclosure in entry.enclosures)):
                assert url == "" or _is_web_url(url), (path, entry.title, url)
                assert url == "" or is_safe_url(url)
            # Shown: the reader's numbered links are web or mail links only, and the
            # rendered text has no terminal hyperlink and no dangerous scheme.
            article = article_from_html(entry.body, title=entry.title, base_url=entry.link)
            for link in article.links:
                assert _is_web_url(link.url) or link.url.startswith("mailto:"), link
                shown_links.append(link.url)
            for color in (False, True):
                text = render_to_text(article, width=100, color=color)
                assert "\x1b]8;" not in text
                assert not SCHEMES.search(text), (path, entry.title, text)
    assert "http://127.0.0.1/ok" in shown_links  # the one good link per body survives

    # The CLI prints no dangerous link either.
    listing = run_cli("entries", "--limit", "200", data_dir=store.path.parent)
    assert listing.code == 0
    assert not SCHEMES.search(listing.out), listing.out
    as_json = run_cli("entries", "--json", "--limit", "200", data_dir=store.path.parent)
    assert all(e["link"] == "" or _is_web_url(e["link"]) for e in json.loads(as_json.out))


def test_the_browser_opens_web_links_only() -> None:
    for url in DANGEROUS:
        assert not is_safe_url(url), url
        try:
            check_url(url)
        except UnsafeURLError:
            continue
        raise AssertionError(f"check_url accepted {url!r}")
    for url in ("mailto:a@example.org", "http://", "https:///x", "http://exa mple.org/"):
        assert not is_safe_url(url), url
    assert check_url(" https://example.org/a?b=c ") == "https://example.org/a?b=c"
