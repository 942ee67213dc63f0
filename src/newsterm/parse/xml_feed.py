"""RSS, RDF and Atom through feedparser, normalised into ParsedFeed."""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from newsterm.models import Enclosure, NotAFeedError, ParsedEntry, ParsedFeed
from newsterm.parse.bounds import bound_feedparser
from newsterm.parse.common import (
    author_name,
    clean_line,
    entry_identity,
    html_to_line,
    resolve_url,
    short_message,
    strip_control,
    struct_time_to_datetime,
    text_to_html,
    unique,
    usable_date,
)
from newsterm.parse.sniff import DocumentKind, root_element

_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml", "html", "xhtml"})

_HEADER_ONLY_PROBLEMS = frozenset({"CharacterEncodingOverride", "NonXMLContentType"})
"""feedparser's bozo reasons that blame the HTTP headers or the declared charset, not the
document: a feed served as text/xml without charset is not broken, so no warning."""


def _text(mapping: Mapping[str, Any], key: str) -> str:
    """mapping[key] if it is a string, else ""."""
    value = mapping.get(key)
    return value if isinstance(value, str) else ""


def _raw(mapping: Mapping[str, Any], key: str) -> object:
    """mapping[key] without FeedParserDict's aliases (it answers "updated_parsed" with the
    published date, and warns, when an entry has no update date)."""
    return dict.get(mapping, key) if isinstance(mapping, dict) else mapping.get(key)


def _mapping(mapping: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = mapping.get(key)
    return value if isinstance(value, Mapping) else {}


def _mappings(mapping: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = mapping.get(key)
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, Mapping)]


def _is_html(detail: Mapping[str, Any]) -> bool:
    return _text(detail, "type").lower() in _HTML_TYPES


def _line(node: Mapping[str, Any], key: str = "title") -> str:
    """A title or subtitle as one line of plain text (tags stripped when marked up as HTML)."""
    value = _text(node, key)
    if _is_html(_mapping(node, f"{key}_detail")):
        return html_to_line(value)
    return clean_line(value)


def _as_html(detail: Mapping[str, Any]) -> str:
    """A content or summary value as HTML (plain text escaped into paragraphs)."""
    value = _text(detail, "value")
    if not value.strip():
        return ""
    return value if _is_html(detail) or not _text(detail, "type") else text_to_html(value)


def _base(node: Mapping[str, Any], url: str) -> str | None:
    """The absolute xml:base in effect for an entry or feed, None without one.

    feedparser records the (possibly relative) base on every *_detail; it is made
    absolute against the document URL here.
    """
    for detail in (
        *_mappings(node, "content"),
        _mapping(node, "summary_detail"),
        _mapping(node, "title_detail"),
        _mapping(node, "subtitle_detail"),
    ):
        base = _text(detail, "base")
        if base:
            return resolve_url(base, url) or None
    return None


def _summary(entry: Mapping[str, Any]) -> str:
    """The summary as HTML."""
    detail = _mapping(entry, "summary_detail")
    if not detail:
        # feedparser copies an Atom content into "summary" without a detail: take the
        # type from the content it came from.
        value = _text(entry, "summary")
        copied_from = [item for item in _mappings(entry, "content") if item.get("value") == value]
        detail = copied_from[0] if copied_from else {"type": "text/html", "value": value}
    return _as_html(detail)


def _richest_body(entry: Mapping[str, Any], summary: str) -> str:
    """The fullest HTML body: the longest HTML content, else text content, else the summary."""
    contents = [item for item in _mappings(entry, "content") if _text(item, "value").strip()]
    html_contents = [item for item in contents if _is_html(item) or not _text(item, "type")]
    if html_contents:
        return max((_text(item, "value") for item in html_contents), key=len)
    if contents:
        return max((_as_html(item) for item in contents), key=len)
    return summary


def _authors(node: Mapping[str, Any]) -> str:
    """Every author's name, joined with ", "."""
    names = unique(clean_line(_text(author, "name")) for author in _mappings(node, "authors"))
    if len(names) <= 1:
        named = author_name(_text(node, "author"))
        if named is not None:
            return clean_line(named)
    if names:
        return ", ".join(names)
    return clean_line(_text(node, "author") or _text(_mapping(node, "author_detail"), "name"))


def _length(value: object) -> int | None:
    """An enclosure length in bytes, None unless a non-negative integer."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if value >= 0 else None
    if isinstance(value, str) and value.strip().isdecimal():
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def _enclosures(entry: Mapping[str, Any], base: str, enclosure_base: str) -> tuple[Enclosure, ...]:
    """Enclosures, else media:content, with absolute URLs and no repeats.

    `enclosure_base` resolves enclosures (feedparser has applied xml:base to Atom's
    <link rel="enclosure"> already, not to RSS <enclosure>); `base` resolves media:content.
    """
    found: dict[str, Enclosure] = {}
    candidates = [
        (resolve_url(_text(item, "href"), enclosure_base), _text(item, "type"), item.get("length"))
        for item in _mappings(entry, "enclosures")
    ]
    if not any(url for url, _, _ in candidates):
        candidates = [
            (
                resolve_url(_text(item, "url"), base),
                _text(item, "type"),
                item.get("filesize") or item.get("fileSize"),
            )
            for item in _mappings(entry, "media_content")
        ]
    for url, media_type, length in candidates:
        if url and url not in found:
            found[url] = Enclosure(url=url, type=clean_line(media_type), length=_length(length))
    return tuple(found.values())


def _categories(entry: Mapping[str, Any]) -> tuple[str, ...]:
    return unique(
        clean_line(_text(tag, "term") or _text(tag, "label")) for tag in _mappings(entry, "tags")
    )


def _entry(
    entry: Mapping[str, Any],
    url: str,
    feed_base: str,
    feed_author: str,
    is_atom: bool,
    now: datetime,
) -> ParsedEntry:
    base = _base(entry, url) or feed_base
    # feedparser has already applied the xml:base chain to links; what is left
    # relative is relative to the document.
    link = resolve_url(_text(entry, "link"), url)
    title = _line(entry)
    published = usable_date(struct_time_to_datetime(_raw(entry, "published_parsed")), now)
    updated = usable_date(struct_time_to_datetime(_raw(entry, "updated_parsed")), now)
    summary = _summary(entry)
    content = _richest_body(entry, summary)
    # Without guid, link and title, the body is what tells two entries apart.
    hash_source = title or content
    identity = entry_identity(
        strip_control(_text(entry, "id")), link, hash_source, published or updated
    )
    return ParsedEntry(
        identity=identity,
        title=title,
        link=link,
        author=_authors(entry) or feed_author,
        published=published,
        updated=updated,
        summary=summary,
        content=content,
        enclosures=_enclosures(entry, base, url if is_atom else base),
        categories=_categories(entry),
    )


def _warning(result: Mapping[str, Any]) -> str | None:
    """A short text saying how the document was malformed, None if it was not."""
    if not result.get("bozo"):
        return None
    problem = result.get("bozo_exception")
    if problem is None:
        return "malformed document, recovered"
    if type(problem).__name__ in _HEADER_ONLY_PROBLEMS:
        return None
    get_message = getattr(problem, "getMessage", None)
    message = get_message() if callable(get_message) else str(problem)
    line = getattr(problem, "getLineNumber", None)
    where = f" (line {line()})" if callable(line) else ""
    return short_message(f"malformed document, recovered: {message}{where}")


def parse_xml(
    data: bytes, url: str, content_type: str, kind: DocumentKind, now: datetime
) -> ParsedFeed:
    """Parse an RSS/RDF/Atom document (or try an odd one sniffed as HTML or unknown)."""
    import feedparser  # deferred: importing it costs ~0.15 s of start-up the UI need not pay

    bound_feedparser(feedparser)  # no quadratic steps on hostile authors and categories
    # No Content-Location: feedparser would resolve permalink guids such as "1234"
    # against it, and an entry's identity must not change when its feed moves (an
    # http -> https redirect would make every entry new again). URLs are resolved here.
    headers = {"content-type": content_type} if content_type else {}
    # A BytesIO, because feedparser treats a bytes argument that names a file as a path.
    result = feedparser.parse(
        io.BytesIO(data),
        sanitize_html=False,
        resolve_relative_uris=False,
        response_headers=headers,
    )
    version = result.get("version") or ""
    feed: Mapping[str, Any] = result.get("feed") or {}
    raw_entries = [item for item in result.get("entries") or [] if isinstance(item, Mapping)]
    title = _line(feed)
    if kind == "html" and not (version or raw_entries):
        raise NotAFeedError("not a feed: this is a web page (HTML)")
    if kind == "unknown" and not (version or raw_entries):
        raise NotAFeedError("not a feed: neither XML nor JSON")
    if not (version or raw_entries or title):
        root = root_element(data)
        if root:
            raise NotAFeedError(
                f"not a feed: an XML document with a <{clean_line(root)[:40]}> root, "
                "not RSS or Atom"
            )
        raise NotAFeedError("not a feed: no RSS or Atom feed found")
    feed_base = _base(feed, url) or url
    feed_author = _authors(feed)
    return ParsedFeed(
        title=title,
        link=resolve_url(_text(feed, "link"), url),
        description=_line(feed, "subtitle"),
        kind=version or "xml",
        entries=[
            _entry(entry, url, feed_base, feed_author, version.startswith("atom"), now)
            for entry in raw_entries
        ],
        warning=_warning(result),
    )
