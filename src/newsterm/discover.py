"""Feed autodiscovery: from whatever URL a user pastes to the URL of a feed.

`find_feed_links` is pure (HTML in, candidates out). `discover` fetches: the URL itself (it may
already be a feed), then the feeds the page links to, then the places feeds usually live
(`COMMON_PATHS`). A candidate counts only once it has been fetched and parsed as a feed, so a
page advertising a dead or bogus feed link does not end the search.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urljoin, urlsplit, urlunsplit

import lxml.html
from lxml import etree

from newsterm.fetch import FEED_ACCEPT, HTML_ACCEPT
from newsterm.models import FeedError, FetchOutcome, FetchResult, NotAFeedError, ParsedFeed
from newsterm.parse import parse_feed, sniff

__all__ = [
    "COMMON_PATHS",
    "DiscoveryResult",
    "FeedCandidate",
    "FeedFetcher",
    "discover",
    "find_feed_links",
    "normalise_url",
]

COMMON_PATHS = (
    "/feed",
    "/rss",
    "/rss.xml",
    "/atom.xml",
    "/feed.xml",
    "/index.xml",
    "/feed.json",
    "/feeds/posts/default",
    "/?feed=rss2",
)
"""Where feeds usually live (WordPress, Jekyll, Hugo, Blogger, ...), tried in this order."""

_WEB_SCHEMES = frozenset({"http", "https"})

# <link type=...> values that announce a feed, and the format each announces.
_LINK_TYPES = {
    "application/rss+xml": "rss",
    "application/x-rss+xml": "rss",
    "application/rdf+xml": "rss",
    "application/atom+xml": "atom",
    "application/x-atom+xml": "atom",
    "application/x.atom+xml": "atom",
    "application/feed+json": "json",
    "application/json": "json",
    # Old blogs announce RSS as generic XML; the fetch decides whether it is a feed.
    "application/xml": "unknown",
    "text/xml": "unknown",
}

# Weak fallback: <a href> whose URL is obviously a feed's. "feed" may end any path (WordPress
# has /category/x/feed/); "rss" and "atom" only a one-segment path, since /topics/rss or
# /wiki/RSS are pages about feeds.
_FEED_LAST_SEGMENT = "feed"
_FEED_ONLY_SEGMENTS = frozenset({"feed", "rss", "atom"})
_FEEDISH_SUFFIXES = (
    ".rss",
    ".atom",
    ".rdf",
    "rss.xml",
    "atom.xml",
    "feed.xml",
    "index.xml",
    "feed.json",
)
_FEEDISH_QUERY = re.compile(r"(?:^|&)feed=(?:rss2?|atom|rdf)(?:&|$)", re.IGNORECASE)
_FEED_HOSTS = frozenset({"feeds.feedburner.com", "feeds2.feedburner.com"})

_URL_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_UNSAFE_CHARS = re.compile("[\x00-\x1f\x7f-\x9f]")
_WHITESPACE = re.compile(r"\s+")
_MAX_TITLE = 200
_MAX_SHOWN_URL = 200
_MAX_CANDIDATES_TRIED = 8
"""A page may link to dozens of feeds (one per category); the first few are the site's own."""


@dataclass(frozen=True)
class FeedCandidate:
    """A feed a web page points to; not yet fetched."""

    url: str
    """Absolute http(s) URL, without fragment."""
    title: str
    """The link's title attribute (or an anchor's text); may be empty."""
    kind: str
    """What the page says the feed is: "rss", "atom", "json" or "unknown"."""


@dataclass(frozen=True)
class DiscoveryResult:
    """A feed found by `discover`, with the response it came in (no need to fetch it again)."""

    feed_url: str
    """The URL to subscribe to: where the feed was asked for, or where it permanently moved."""
    body: bytes
    content_type: str
    candidates: list[FeedCandidate] = field(default_factory=list)
    """The feeds the page advertised (empty when the URL was a feed itself)."""
    etag: str | None = None
    """Validators of the response, so the first refresh can already be conditional."""
    last_modified: str | None = None
    feed: ParsedFeed | None = None
    """The body already parsed (discovery parses it to know it is a feed)."""


class FeedFetcher(Protocol):
    """What discovery needs from `newsterm.fetch.Fetcher`."""

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str = FEED_ACCEPT,
    ) -> FetchResult: ...


# ------------------------------------------------------------------------------------- URLs


def _shown(url: str) -> str:
    """A URL fit for an error message: one line, bounded length."""
    url = _UNSAFE_CHARS.sub("", url)
    return url if len(url) <= _MAX_SHOWN_URL else url[: _MAX_SHOWN_URL - 1] + "…"


def _without_feed_scheme(url: str) -> str:
    """Undo the "feed:" pseudo-scheme: feed://host/x and feed:https://host/x."""
    if url[:5].lower() != "feed:":
        return url
    rest = url[5:]
    return rest if rest[:5].lower() in ("http:", "https") else "http:" + rest


def normalise_url(url: str) -> str:
    """The URL a user typed, made absolute: "https://" is added only when no scheme is given.

    "example.com/blog" and "localhost:8080/feed" become https URLs; "feed:" URLs become http(s).
    Raises FeedError for an empty or malformed URL and for schemes other than http(s).
    """
    url = _without_feed_scheme(url.strip())
    if not url:
        raise FeedError("no URL given")
    if url.startswith("//"):
        url = "https:" + url
    elif "://" not in url:
        scheme = _URL_SCHEME.match(url)
        # "host:8080/path" has no scheme; "mailto:x" and "javascript:x" have one.
        if scheme is None or url[scheme.end() : scheme.end() + 1].isdigit():
            url = "https://" + url
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises on a malformed port
    except ValueError:
        raise FeedError(f"invalid URL: {_shown(url)}") from None
    scheme_name = parts.scheme.lower()
    if scheme_name not in _WEB_SCHEMES:
        raise FeedError(f"unsupported URL scheme: {_shown(scheme_name)} (only http and https)")
    if not parts.hostname:
        raise FeedError(f"invalid URL: {_shown(url)}")
    return url


def _absolute_web_url(href: str, base_url: str) -> str | None:
    """``href`` resolved against ``base_url``, without fragment, if it is http(s); else None."""
    href = _without_feed_scheme(href.strip())
    if not href:
        return None
    try:
        parts = urlsplit(urljoin(base_url, href))
        _ = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in _WEB_SCHEMES or not parts.hostname:
        return None
    return urlunsplit(parts._replace(fragment=""))


# ------------------------------------------------------------------------------------- HTML


def _clean_text(value: str | None) -> str:
    # Whitespace first: tabs and newlines are control characters that mean a space.
    text = _UNSAFE_CHARS.sub("", _WHITESPACE.sub(" ", value or "")).strip()
    return text if len(text) <= _MAX_TITLE else text[: _MAX_TITLE - 1] + "…"


def _parse_html(html: bytes | str) -> etree._Element | None:
    """The document's root, or None when there is nothing to parse."""
    if isinstance(html, str):
        # lxml refuses str input that carries an XML encoding declaration.
        html = html.encode("utf-8")
        encoding: str | None = "utf-8"
    else:
        # Most pages are UTF-8, and libxml2's own guess for a page without a charset is
        # Latin-1; a page that is not valid UTF-8 is left to its <meta charset>.
        try:
            html.decode("utf-8")
            encoding = "utf-8"
        except UnicodeDecodeError:
            encoding = None
    if not html.strip():
        return None
    parser = lxml.html.HTMLParser(
        encoding=encoding, no_network=True, remove_comments=True, remove_pis=True
    )
    try:
        root: etree._Element | None = lxml.html.document_fromstring(html, parser=parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return None
    return root


def _document_base(root: etree._Element, base_url: str) -> str:
    """The URL relative links resolve against: the first <base href>, if it is usable."""
    for base in root.iter("base"):
        href = base.get("href")
        if href:
            return _absolute_web_url(href, base_url) or base_url
    return base_url


def _link_kind(element: etree._Element) -> str | None:
    """The feed kind a <link> announces, or None when it announces no feed."""
    rel = set((element.get("rel") or "").lower().split())
    media_type = (element.get("type") or "").split(";", 1)[0].strip().lower()
    kind = _LINK_TYPES.get(media_type)
    if "alternate" in rel and kind is not None:
        return kind
    if "feed" in rel:  # the HTML5 "feed" relation needs no type
        return kind or "unknown"
    return None


def _anchor_kind(url: str) -> str | None:
    """The feed kind an <a href> URL looks like, or None when it does not look like a feed."""
    parts = urlsplit(url)
    path = parts.path.lower()
    segments = [segment for segment in path.split("/") if segment]
    feedish = (
        (segments[-1:] == [_FEED_LAST_SEGMENT])
        or (len(segments) == 1 and segments[0] in _FEED_ONLY_SEGMENTS)
        or path.endswith(_FEEDISH_SUFFIXES)
        or "/feeds/posts/" in path
        or bool(_FEEDISH_QUERY.search(parts.query))
        or (parts.hostname or "") in _FEED_HOSTS
    )
    if not feedish:
        return None
    lowered = (path + "?" + parts.query).lower()
    if "atom" in lowered:
        return "atom"
    if path.endswith(".json"):
        return "json"
    if "rss" in lowered or "rdf" in lowered:
        return "rss"
    return "unknown"


def find_feed_links(html: bytes | str, base_url: str) -> list[FeedCandidate]:
    """The feeds a web page points to, best first.

    First every ``<link>`` with rel "alternate" and a feed type (RSS, Atom, JSON Feed, or JSON),
    or rel "feed", in document order; then, as a weak fallback, ``<a href>`` whose URL looks like
    a feed's (``/feed``, ``*.rss``, ``atom.xml``, ``?feed=rss2``...). URLs are resolved against
    ``<base href>`` or ``base_url``; only http(s) URLs are kept (no javascript:, data:, ...), each
    once. Bytes are decoded as UTF-8 when valid, else by the page's ``<meta charset>``.
    """
    root = _parse_html(html)
    if root is None:
        return []
    base = _document_base(root, base_url)
    links: list[FeedCandidate] = []
    anchors: list[FeedCandidate] = []
    seen: set[str] = set()
    for element in root.iter("link", "a"):
        href = element.get("href")
        if not href:
            continue
        if element.tag == "link":
            kind = _link_kind(element)
            url = _absolute_web_url(href, base) if kind is not None else None
            title = element.get("title")
            bucket = links
        else:
            url = _absolute_web_url(href, base)
            kind = _anchor_kind(url) if url is not None else None
            title = element.get("title") or element.text_content()
            bucket = anchors
        if url is None or kind is None:
            continue
        bucket.append(FeedCandidate(url=url, title=_clean_text(title), kind=kind))
    candidates: list[FeedCandidate] = []
    for candidate in links + anchors:
        if candidate.url not in seen:
            seen.add(candidate.url)
            candidates.append(candidate)
    return candidates


# -------------------------------------------------------------------------------- discovery


def _fetch_problem(url: str, result: FetchResult) -> str:
    reason = result.error or (
        "unexpected 304 Not Modified"
        if result.outcome is FetchOutcome.NOT_MODIFIED
        else "no response"
    )
    return f"could not fetch {_shown(url)}: {reason}"


async def _parsed_feed(result: FetchResult) -> ParsedFeed | None:
    """The fetched body parsed as a feed, or None when it is not one."""
    if result.outcome is not FetchOutcome.OK or sniff(result.body) not in (
        "xml",
        "json",
        "unknown",
    ):
        return None
    source = result.final_url or result.url
    try:
        # Parsing a large feed takes a while: keep the event loop (and the UI) responsive.
        return await asyncio.to_thread(
            parse_feed, result.body, source, content_type=result.content_type
        )
    except NotAFeedError:
        return None


def _found(
    asked_url: str,
    result: FetchResult,
    feed: ParsedFeed,
    candidates: list[FeedCandidate],
) -> DiscoveryResult:
    # A temporary redirect is not a new address: subscribe to what was asked for unless every
    # redirect on the way was permanent.
    return DiscoveryResult(
        feed_url=result.permanent_url or asked_url,
        body=result.body,
        content_type=result.content_type,
        candidates=candidates,
        etag=result.etag,
        last_modified=result.last_modified,
        feed=feed,
    )


async def _fetch_feed(fetcher: FeedFetcher, url: str) -> tuple[FetchResult, ParsedFeed | None]:
    result = await fetcher.fetch(url, accept=FEED_ACCEPT)
    return result, await _parsed_feed(result)


async def _first_feed(
    fetcher: FeedFetcher, urls: Sequence[str]
) -> tuple[str, FetchResult, ParsedFeed] | None:
    """The first of ``urls`` (in order) that is a feed, fetching them concurrently.

    The fetcher's per-host limit keeps this polite; once an earlier URL is known to be a feed,
    later fetches still running are cancelled.
    """
    tasks = [asyncio.create_task(_fetch_feed(fetcher, url)) for url in urls]
    try:
        for url, task in zip(urls, tasks, strict=True):
            result, feed = await task
            if feed is not None:
                return url, result, feed
        return None
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def discover(url: str, fetcher: FeedFetcher) -> DiscoveryResult:
    """Find the feed behind ``url``, which may be a feed or a web page.

    1. Fetch ``url`` (after `normalise_url`); if it is a feed, that is the answer.
    2. If it is a web page, try the feeds it links to (`find_feed_links`), one at a time in
       order: the first that parses as a feed wins.
    3. Else try `COMMON_PATHS` at the site's root; the first in that order that is a feed wins.

    Raises FeedError: "unsupported URL scheme: ...", "could not fetch URL: HTTP 404 Not Found"
    (or another fetch error) when ``url`` itself cannot be fetched, "no feed found at URL".
    """
    url = normalise_url(url)
    first = await fetcher.fetch(url, accept=HTML_ACCEPT)
    if first.outcome is not FetchOutcome.OK:
        raise FeedError(_fetch_problem(url, first))
    feed = await _parsed_feed(first)
    if feed is not None:
        return _found(url, first, feed, [])

    page_url = first.final_url or url
    tried = {url, page_url}
    candidates: list[FeedCandidate] = []
    if sniff(first.body) == "html" or "html" in first.content_type.lower():
        candidates = find_feed_links(first.body, page_url)
    failures: list[str] = []
    for candidate in candidates[:_MAX_CANDIDATES_TRIED]:
        if candidate.url in tried:
            continue
        tried.add(candidate.url)
        result, feed = await _fetch_feed(fetcher, candidate.url)
        if feed is not None:
            return _found(candidate.url, result, feed, candidates)
        failures.append(result.error or "not a feed")

    parts = urlsplit(page_url)
    root = urlunsplit((parts.scheme, parts.netloc, "/", "", ""))
    guesses = [guess for path in COMMON_PATHS if (guess := urljoin(root, path)) not in tried]
    found = await _first_feed(fetcher, guesses)
    if found is not None:
        guess_url, result, feed = found
        return _found(guess_url, result, feed, candidates)

    message = f"no feed found at {_shown(url)}"
    if failures:
        message += f" (none of its feed links could be read: {failures[0]})"
    raise FeedError(message)
