"""Helpers shared by the XML and JSON Feed readers: text cleaning, URLs, dates, identity."""

from __future__ import annotations

import calendar
import contextlib
import hashlib
import html
import re
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

MAX_IDENTITY_LENGTH = 2048
"""Identities longer than this are cut: a guid is a key, not a document."""

FUTURE_TOLERANCE = timedelta(days=2)
"""Dates further ahead than this are publisher mistakes; they would pin an entry to the top."""

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_CONTROL_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
"""C0 and C1 control characters except tab and newline: they can drive a terminal."""

_BLANK_LINES = re.compile(r"\n[ \t\r\f\v]*\n")

_WEB_SCHEMES = frozenset({"http", "https"})
"""The only schemes a feed may point a reader at. An allowlist: javascript:, data:, file:,
vbscript:, but also ms-msdt:, search-ms:, intent:... run code, read local files or start
other programs, and more keep being invented."""


def strip_control(text: str) -> str:
    """Remove C0/C1 control characters except tab and newline."""
    return _CONTROL_CHARS.sub("", text)


MAX_LINE_LENGTH = 1000
"""Longest title, author or category kept: real ones stay under 300 characters, and a
megabyte title took the reader ten seconds to lay out."""


def clean_line(text: str) -> str:
    """One-line text for titles, authors and categories: no control characters, single
    spaces, at most MAX_LINE_LENGTH characters (cut with an ellipsis)."""
    line = " ".join(strip_control(text).split())
    if len(line) > MAX_LINE_LENGTH:
        return line[: MAX_LINE_LENGTH - 1].rstrip() + "…"
    return line


class _TextExtractor(HTMLParser):
    """Collects the text of an HTML fragment, skipping script and style bodies."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip_depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip_depth:
            self._skip_depth -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip_depth:
            self.parts.append(data)


def html_to_line(markup: str) -> str:
    """The text of an HTML fragment on one line (for titles marked up as HTML)."""
    if "<" not in markup and "&" not in markup:
        return clean_line(markup)
    extractor = _TextExtractor()
    extractor.feed(markup)
    extractor.close()
    return clean_line(" ".join(extractor.parts))


def text_to_html(text: str) -> str:
    """Plain text as HTML: escaped, one paragraph per block separated by blank lines."""
    paragraphs = (block.strip() for block in _BLANK_LINES.split(text.replace("\r\n", "\n")))
    return "\n".join(f"<p>{html.escape(block)}</p>" for block in paragraphs if block)


def resolve_url(url: str, base: str) -> str:
    """`url` made absolute against `base`; "" unless that is an http(s) URL with a host."""
    url = strip_control(url).strip()
    if not url:
        return ""
    # A malformed base (e.g. a broken IPv6 host) must not lose a usable URL.
    with contextlib.suppress(ValueError):
        url = urljoin(base, url) if base else url
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme.lower() not in _WEB_SCHEMES or not parts.netloc:
        return ""
    return url


# RSS authors are e-mail addresses with the name in brackets, "mail@example.org (Name)",
# or "Name <mail@example.org>". feedparser's address pattern only knows top-level domains
# of two to four letters, so "mail@example.museum (Name)" came out as the name "um (Name".
_ADDRESS_THEN_NAME = re.compile(r"\s*<?[^\s@()<>]+@[^\s@()<>]+>?\s*\(([^()]*[^()\s][^()]*)\)\s*")
_NAME_THEN_ADDRESS = re.compile(r"\s*([^<>@()]*[^<>@()\s])\s*<[^\s@<>]+@[^\s@<>]+>\s*")
AUTHOR_PATTERN_LENGTH = 1024
"""Longer author strings are not matched against the patterns (they are junk anyway)."""


def author_name(text: str) -> str | None:
    """The name in an RSS author string such as "mail@example.org (Name)", else None."""
    if len(text) > AUTHOR_PATTERN_LENGTH:
        return None
    match = _ADDRESS_THEN_NAME.fullmatch(text) or _NAME_THEN_ADDRESS.fullmatch(text)
    return match.group(1).strip() if match else None


def unique(values: Iterable[str]) -> tuple[str, ...]:
    """Non-empty values in first-seen order, without repeats."""
    return tuple(dict.fromkeys(value for value in values if value))


def usable_date(value: datetime | None, now: datetime) -> datetime | None:
    """`value` in UTC, or None when it is missing or absurd.

    Dates before 1970 and dates more than two days ahead of `now` are publisher
    mistakes (a far-future date would keep an entry on top forever); the store
    falls back to the first-seen date for them.
    """
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        value = value.astimezone(UTC)
    except (OverflowError, ValueError):
        return None
    if value < EPOCH or value > now + FUTURE_TOLERANCE:
        return None
    return value


def struct_time_to_datetime(value: object) -> datetime | None:
    """feedparser's UTC `time.struct_time` as an aware datetime, None if unusable."""
    if not isinstance(value, time.struct_time):
        return None
    try:
        # timegm normalises odd fields (a leap second 60, day 0) instead of failing.
        return datetime.fromtimestamp(calendar.timegm(value), UTC)
    except (OverflowError, ValueError, OSError):
        return None


def entry_identity(guid: str, link: str, title: str, date: datetime | None) -> str:
    """A stable identity for an entry within its feed.

    The guid (Atom id, RSS guid, JSON Feed id) when there is one, else the link,
    else "hash:" and the SHA-256 of the title and the date, so that an entry
    without guid and link keeps its identity across refreshes. At most 2048 characters.
    """
    guid = guid.strip()
    if guid:
        return guid[:MAX_IDENTITY_LENGTH]
    link = link.strip()
    if link:
        return link[:MAX_IDENTITY_LENGTH]
    stamp = date.isoformat() if date is not None else ""
    digest = hashlib.sha256(f"{title}\n{stamp}".encode("utf-8", "surrogatepass")).hexdigest()
    return f"hash:{digest}"


def short_message(text: str, limit: int = 160) -> str:
    """A one-line message of at most `limit` characters."""
    line = clean_line(text)
    return line if len(line) <= limit else line[: limit - 1] + "…"
