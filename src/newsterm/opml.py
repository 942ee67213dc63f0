"""OPML subscription lists: read what other feed readers export, write what they import.

Pure functions over bytes: no files, no network, no Textual. Parsing uses lxml with a parser
that never loads a DTD, never touches the network and never expands external entities, so a
hostile file can neither read local files (XXE) nor blow up memory (billion laughs).

Folders: newsterm has one level of folders. A feed nested in several folder outlines gets the
titles of all of them joined with ``" / "`` (``Tech`` > ``Python`` becomes ``"Tech / Python"``),
so that ``Tech/News`` and ``World/News`` stay apart instead of merging into one ``News``.
`write_opml` writes each folder as one outline titled with that joined name, so reading its
output gives back exactly the subscriptions it was given.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import urlsplit

from lxml import etree

from newsterm.models import FeedError

__all__ = ["FOLDER_SEPARATOR", "Subscription", "read_opml", "write_opml"]

FOLDER_SEPARATOR = " / "
"""Joins the titles of nested folder outlines into one newsterm folder name."""

_FEED_SCHEMES = frozenset({"http", "https"})

# Outline types that the OPML 2.0 spec defines as something other than a feed: "include" points
# at another OPML file (following it would be network I/O), "link" at a web page.
_NON_FEED_TYPES = frozenset({"include", "link"})

# Characters XML 1.0 cannot carry (C0 controls except tab/newline/CR, surrogates, U+FFFE/U+FFFF),
# plus C1 controls, which only ever show up as mojibake and must never reach a terminal.
_UNSAFE_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Subscription:
    """One feed in a subscription list."""

    url: str
    """The feed's URL (http or https)."""
    title: str = ""
    """The title the list gives the feed; empty when it gives none."""
    site_url: str = ""
    """The publisher's home page (OPML ``htmlUrl``), empty when unknown."""
    folder: str | None = None
    """The folder the feed sits in, nested folder titles joined with " / "; None at top level."""


def _clean_text(value: str | None) -> str:
    """Untrusted text as one tidy line: no control characters, whitespace collapsed."""
    if not value:
        return ""
    return _WHITESPACE.sub(" ", _UNSAFE_CHARS.sub("", value)).strip()


def _feed_url(value: str | None) -> str:
    """The URL if it is one a feed can live at (http/https, with a host), else ""."""
    url = _clean_text(value)
    # "feed:" is a pseudo-scheme some sites and readers use: feed://host/x or feed:https://host/x.
    if url[:5].lower() == "feed:":
        rest = url[5:]
        url = rest if rest[:5].lower() in ("http:", "https") else "http:" + rest
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. a malformed IPv6 host
        return ""
    if parts.scheme.lower() not in _FEED_SCHEMES or not parts.netloc:
        return ""
    return url


def _attributes(outline: etree._Element) -> dict[str, str]:
    """An outline's attributes keyed by lower-case name (exporters disagree on xmlUrl's case)."""
    attributes: dict[str, str] = {}
    for name, value in outline.attrib.items():
        key = str(name).rsplit("}", 1)[-1].lower()
        attributes.setdefault(key, str(value))
    return attributes


def _local_name(element: etree._Element) -> str:
    tag = element.tag
    if not isinstance(tag, str):  # comments and processing instructions
        return ""
    return tag.rsplit("}", 1)[-1].lower()


def _outline_children(element: etree._Element) -> list[etree._Element]:
    return [child for child in element if _local_name(child) == "outline"]


def _collect(
    element: etree._Element,
    folder_path: tuple[str, ...],
    found: list[Subscription],
    seen_urls: set[str],
) -> None:
    """Append the subscriptions under ``element`` to ``found`` in document order."""
    for outline in _outline_children(element):
        attributes = _attributes(outline)
        title = _clean_text(attributes.get("text")) or _clean_text(attributes.get("title"))
        outline_type = _clean_text(attributes.get("type")).lower()
        raw_url = attributes.get("xmlurl")
        if raw_url is None and outline_type not in _NON_FEED_TYPES:
            raw_url = attributes.get("url")
        children = _outline_children(outline)
        if raw_url is not None:
            url = _feed_url(raw_url)
            if url and url not in seen_urls:
                seen_urls.add(url)
                found.append(
                    Subscription(
                        url=url,
                        # Exporters fill the required text attribute with the URL when the feed
                        # has no title; that says nothing a title should.
                        title="" if title == url else title,
                        site_url=_feed_url(attributes.get("htmlurl")),
                        folder=FOLDER_SEPARATOR.join(folder_path) or None,
                    )
                )
            # A feed outline is not a folder: anything nested in it stays in the same folder.
            _collect(outline, folder_path, found, seen_urls)
        elif children:
            # An untitled grouping outline adds no folder level of its own.
            path = (*folder_path, title) if title else folder_path
            _collect(outline, path, found, seen_urls)


def _group_by_folder(subscriptions: list[Subscription]) -> list[Subscription]:
    """Gather each folder's feeds where the folder first appears; top-level feeds keep their place.

    A file may name one folder in two separate outlines; `write_opml` writes one outline per
    folder, so grouping here is what makes reading its output give back the same list.
    """
    groups: dict[object, list[Subscription]] = {}
    for index, subscription in enumerate(subscriptions):
        key: object = subscription.folder if subscription.folder is not None else index
        groups.setdefault(key, []).append(subscription)
    return [subscription for group in groups.values() for subscription in group]


def _first_error(parser: etree.XMLParser) -> str:
    for entry in parser.error_log:
        return f"not well-formed XML: {_clean_text(entry.message)} (line {entry.line})"
    return "not well-formed XML"


def _safe_parser() -> etree.XMLParser:
    """An XML parser that never loads a DTD, touches the network or expands entities.

    Huge-tree mode stays off, so libxml2 keeps its limits on depth, text size and entity
    amplification. Recovery is on: exporters write unescaped ampersands and truncated files.
    """
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        recover=True,
        remove_comments=True,
        remove_pis=True,
    )


def read_opml(data: bytes) -> list[Subscription]:
    """Read the subscriptions of an OPML document.

    Returns the feeds in document order (each folder's feeds gathered where the folder first
    appears), each URL once: the first outline naming it wins. Outlines with neither a feed URL
    (``xmlUrl``, or ``url`` unless the outline's type is "link" or "include"; attribute names are
    matched case-insensitively) nor child outlines are ignored, as are URLs that are not http(s).
    Slightly broken XML is recovered. Raises `FeedError` ("not an OPML file: ...") when the data
    is empty, not XML, or XML whose root is not ``<opml>``.
    """
    if not data.strip():
        raise FeedError("not an OPML file: the file is empty")
    parser = _safe_parser()
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        # lxml's message can span lines: errors are one line, control characters removed.
        raise FeedError(
            f"not an OPML file: not well-formed XML: {_clean_text(str(error))}"
        ) from None
    if root is None:
        raise FeedError(f"not an OPML file: {_first_error(parser)}")
    root_name = _local_name(root)
    if root_name != "opml":
        raise FeedError(
            f"not an OPML file: the document is <{root_name or '?'}>, not <opml>"
            + (" (an HTML page?)" if root_name == "html" else "")
        )
    bodies = [child for child in root if _local_name(child) == "body"]
    if not bodies:
        if parser.error_log:
            raise FeedError(f"not an OPML file: {_first_error(parser)}")
        raise FeedError("not an OPML file: it has no <body>")
    found: list[Subscription] = []
    seen_urls: set[str] = set()
    for body in bodies:
        _collect(body, (), found, seen_urls)
    if not found and parser.error_log:
        # Recovery salvaged nothing: say why rather than pretend the list is empty.
        raise FeedError(f"not an OPML file: {_first_error(parser)}")
    return _group_by_folder(found)


def _xml_text(value: str) -> str:
    """Text that lxml can serialise (it refuses control characters)."""
    return _UNSAFE_CHARS.sub("", value)


def _feed_outline(parent: etree._Element, subscription: Subscription) -> None:
    outline = etree.SubElement(parent, "outline")
    title = _xml_text(subscription.title)
    # OPML requires text; a reader showing it needs something, and the URL reads back as "".
    outline.set("type", "rss")
    outline.set("text", title or _xml_text(subscription.url))
    if title:
        outline.set("title", title)
    outline.set("xmlUrl", _xml_text(subscription.url))
    if subscription.site_url:
        outline.set("htmlUrl", _xml_text(subscription.site_url))


def write_opml(
    subs: Iterable[Subscription],
    *,
    title: str = "newsterm subscriptions",
    now: datetime | None = None,
) -> bytes:
    """Write subscriptions as an OPML 2.0 document (UTF-8, with ``dateCreated``).

    Each folder becomes one outline holding its feeds, placed where the folder first appears;
    top-level feeds keep their place. ``now`` (aware) fixes ``dateCreated``, for reproducible
    output; it defaults to the current time.
    """
    created = (now or datetime.now(UTC)).astimezone(UTC)
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = _xml_text(title)
    etree.SubElement(head, "dateCreated").text = format_datetime(created, usegmt=True)
    body = etree.SubElement(root, "body")
    folders: dict[str, etree._Element] = {}
    for subscription in subs:
        parent = body
        if subscription.folder is not None:
            parent = folders.get(subscription.folder, body)
            if parent is body:
                name = _xml_text(subscription.folder)
                parent = etree.SubElement(body, "outline", text=name, title=name)
                folders[subscription.folder] = parent
        _feed_outline(parent, subscription)
    etree.indent(root, space="  ")
    serialised: bytes = etree.tostring(
        root, encoding="UTF-8", xml_declaration=False, pretty_print=True
    )
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + serialised
